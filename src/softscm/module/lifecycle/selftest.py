"""The self test (``scm-behaviour.md`` §9.2): known-answer tests of the primitives the
module relies on, and the checks the module's other parts provide (peripherals, code,
key store and critical-key digests), run at every module boot, every
:data:`BACKGROUND_INTERVAL_S` of module time while running, and on demand. Pure: fixed
vectors and, for the sign/verify pair, a key drawn from the module's entropy."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Sequence
from functools import partial

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softscm.crypto import blob, kdf, keys
from softscm.crypto.curves import KeyType
from softscm.errors import SelfTestFailed, SoftScmError
from softscm.module.limits import (
    SIM_ACCEL_MAX_G,
    SIM_BATTERY_MAX_V,
    SIM_TEMP_MAX_C,
    SIM_TEMP_MIN_C,
)
from softscm.wallet import bip32
from softscm.wallet.curves import WalletCurve

_ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
_ABC_SHA512 = ("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
# RFC 4231 test case 1.
_HMAC_KEY = bytes([0x0B] * 20)
_HMAC_DATA = b"Hi There"
_HMAC_SHA256 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
_HMAC_SHA512 = ("87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")
# RFC 5869 test case 1.
_HKDF_IKM = bytes([0x0B] * 22)
_HKDF_SALT = bytes(range(13))
_HKDF_INFO = bytes(range(0xF0, 0xFA))
_HKDF_OKM = ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
             "34007208d5b887185865")
# RFC 7914 §11: PBKDF2-HMAC-SHA256, P "passwd", S "salt", c 1, dkLen 64.
_PBKDF2_OKM = ("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
               "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
# BIP32 test vector 1: seed 000102…0f, chain m/0H (chain code, private key).
_BIP32_SEED = bytes(range(16))
_BIP32_M0H = ("47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
              "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea")
# RFC 6979 A.2.5: P-256, SHA-256, message "sample" (public key, r||s).
_P256_PUBLIC = ("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
                "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")
_P256_SIG = ("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
             "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8")
# secp256k1, SHA-256, message "Satoshi Nakamoto", private key 1 (so the public key is the
# generator), RFC 6979 nonce, low S: the vector of the deterministic-signature libraries
# (python-ecdsa, libsecp256k1's users).
_K1_PUBLIC = ("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
              "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
_K1_MESSAGE = b"Satoshi Nakamoto"
_K1_SIG = ("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
           "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5")
# ECDH P-256: the scalar 2 with the generator gives the x-coordinate of 2G.
_P256_G = ("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
           "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
_P256_2G_X = "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978"
# The GCM specification's test case 14: AES-256, zero key, IV and one zero block.
_GCM_CIPHERTEXT = "cea7403d4d606b6e074ec5d3baf39d18"
_GCM_TAG = "d0d1c8a799996bf0265b98b5d48ab919"
# RFC 8032 test 1 (the empty message).
_ED25519_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
_ED25519_SIG = ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
# RFC 7748 §5.2, first X25519 vector.
_X25519_SCALAR = "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"
_X25519_U = "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"
_X25519_OUT = "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"


#: Module time between two background runs while the module runs (§9.2), seconds.
BACKGROUND_INTERVAL_S = 3600.0
#: Checks whose failure is a failed digest of the key area: fatal 6 (§5.5, §9.2).
KEY_AREA_CHECKS = frozenset({"keystore", "critical_key"})
#: The fatal code of a failed key-area digest, and of any other failed check (§9.2).
KEY_AREA_CODE = "6"
SELF_TEST_CODE = "9"

#: A check a module part provides: whether it passed.
Check = Callable[[], bool]
#: The check that a failed continuous test of the generator fails (§9.2: code 9).
RANDOM_CHECK = "random"
#: The shortest block the continuous test compares, in bytes: a shorter draw takes this
#: many bytes from the source and returns their start, so that a healthy generator
#: repeats a block with a chance of 2**-128.
CONTINUOUS_BLOCK = 16
#: How much of each draw the continuous test keeps to compare the next one with, bytes.
CONTINUOUS_KEEP = 32


class ContinuousTest:
    """The module's entropy source under the continuous test of §9.2: every draw is
    compared with the one before (their common start, at least
    :data:`CONTINUOUS_BLOCK` bytes); a repeat is a self-test failure. The draw raises
    ``SelfTestFailed`` (nothing made of it is kept: the operation fails whole) and
    :attr:`failed` stays set until the module has acted on it (fatal code 9, as a failed
    self test)."""

    __slots__ = ("_source", "_last", "failed")

    def __init__(self, source: Callable[[int], bytes]) -> None:
        self._source = source
        self._last: bytes | None = None
        #: A draw repeated the one before it, and the module has not yet acted on it.
        self.failed = False

    @classmethod
    def over(cls, source: Callable[[int], bytes]) -> ContinuousTest:
        """``source`` under the continuous test (itself if it already is)."""
        return source if isinstance(source, ContinuousTest) else cls(source)

    def __call__(self, n: int) -> bytes:
        if n <= 0:
            return self._source(n)
        block = self._source(max(n, CONTINUOUS_BLOCK))
        head = bytes(block[:CONTINUOUS_KEEP])
        last, self._last = self._last, head
        size = min(len(head), len(last or b""))
        if last is not None and size >= CONTINUOUS_BLOCK and head[:size] == last[:size]:
            self.failed = True
            raise SelfTestFailed("the module's random number generator gave the same "
                                 "block twice in a row (continuous test): the module "
                                 "fails its self test and reboots")
        return bytes(block[:n])


def run_self_test(entropy: Callable[[int], bytes],
                  extra: Sequence[tuple[str, Check]] = ()) -> dict[str, bool]:
    """Run every known-answer check, then ``extra`` (the module's own checks, named);
    each check's name and whether it passed, in the order run. A repeat of the generator
    during the run fails the check that drew it, which reports it: it is not left
    pending on a :class:`ContinuousTest` source."""
    pending = entropy.failed if isinstance(entropy, ContinuousTest) else False
    results: dict[str, bool] = {}
    for name, check in _CHECKS:
        results[name] = _passes(partial(check, entropy))
    for name, own in extra:
        results[name] = _passes(own)
    if isinstance(entropy, ContinuousTest):
        entropy.failed = pending
    return results


def failed_checks(results: dict[str, bool]) -> list[str]:
    """The names of the checks that failed (empty: all passed)."""
    return [name for name, ok in results.items() if not ok]


def fatal_code(failed: Sequence[str]) -> str:
    """The fatal code a failure shows: 6 for the key store or critical key, else 9."""
    return KEY_AREA_CODE if KEY_AREA_CHECKS.intersection(failed) else SELF_TEST_CODE


def peripherals_plausible(temperatures: Sequence[float], accel: Sequence[float],
                          battery: float | None, rtc: float) -> bool:
    """Whether every simulated sensor answers with a plausible value: a number within
    the range the sensor can read (``softscm.module.limits``), three accelerometer axes,
    a finite clock."""
    if not all(_within(v, SIM_TEMP_MIN_C, SIM_TEMP_MAX_C) for v in temperatures):
        return False
    if len(accel) != 3 or not all(_within(g, -SIM_ACCEL_MAX_G, SIM_ACCEL_MAX_G)
                                  for g in accel):
        return False
    if battery is not None and not _within(battery, 0.0, SIM_BATTERY_MAX_V):
        return False
    return _within(rtc, -math.inf, math.inf)


def _within(value: object, low: float, high: float) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high)


def _passes(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except (SoftScmError, ValueError):
        return False


def _sha(entropy: Callable[[int], bytes]) -> bool:
    return (hashlib.sha256(b"abc").hexdigest() == _ABC_SHA256
            and hashlib.sha512(b"abc").hexdigest() == _ABC_SHA512)


def _hmac(entropy: Callable[[int], bytes]) -> bool:
    return (hmac.new(_HMAC_KEY, _HMAC_DATA, "sha256").hexdigest() == _HMAC_SHA256
            and hmac.new(_HMAC_KEY, _HMAC_DATA, "sha512").hexdigest() == _HMAC_SHA512)


def _hkdf(entropy: Callable[[int], bytes]) -> bool:
    out = kdf.derive(kdf.Kdf.HKDF_SHA256, _HKDF_IKM, salt=_HKDF_SALT, info=_HKDF_INFO,
                     size=42)
    return out.hex() == _HKDF_OKM


def _pbkdf2(entropy: Callable[[int], bytes]) -> bool:
    out = kdf.derive(kdf.Kdf.PBKDF2_SHA256, b"passwd", salt=b"salt", iterations=1, size=64)
    return out.hex() == _PBKDF2_OKM


def _bip32(entropy: Callable[[int], bytes]) -> bool:
    child = bip32.derive_child(bip32.master_node(WalletCurve.SECP256K1, _BIP32_SEED), 0, True)
    return (child.chain_code.hex(), (child.private_key or b"").hex()) == _BIP32_M0H


def _ecdsa_known_answer(entropy: Callable[[int], bytes]) -> bool:
    public = keys.load_public_key(KeyType.NISTP256, bytes.fromhex(_P256_PUBLIC))
    digest = hashlib.sha256(b"sample").digest()
    return (public.verify_digest(digest, bytes.fromhex(_P256_SIG))
            and not public.verify_digest(hashlib.sha256(b"test").digest(),
                                         bytes.fromhex(_P256_SIG)))


def _secp256k1_known_answer(entropy: Callable[[int], bytes]) -> bool:
    public = keys.load_public_key(KeyType.SECP256K1, bytes.fromhex(_K1_PUBLIC))
    signature = bytes.fromhex(_K1_SIG)
    return (public.verify_digest(hashlib.sha256(_K1_MESSAGE).digest(), signature)
            and not public.verify_digest(hashlib.sha256(b"test").digest(), signature))


def _ecdh_p256(entropy: Callable[[int], bytes]) -> bool:
    private = keys.load_private_key(KeyType.NISTP256, (2).to_bytes(32, "big"))
    return private.ecdh(bytes.fromhex(_P256_G)).hex() == _P256_2G_X


def _aes_gcm_known_answer(entropy: Callable[[int], bytes]) -> bool:
    aead = AESGCM(bytes(32))
    sealed = aead.encrypt(bytes(12), bytes(16), None)
    return (sealed.hex() == _GCM_CIPHERTEXT + _GCM_TAG
            and aead.decrypt(bytes(12), sealed, None) == bytes(16))


def _ed25519(entropy: Callable[[int], bytes]) -> bool:
    return keys.ed25519_verify(bytes.fromhex(_ED25519_PUBLIC), b"",
                               bytes.fromhex(_ED25519_SIG))


def _x25519(entropy: Callable[[int], bytes]) -> bool:
    private = keys.load_private_key(KeyType.X25519, bytes.fromhex(_X25519_SCALAR))
    return private.ecdh(bytes.fromhex(_X25519_U)).hex() == _X25519_OUT


def _ecdsa_pairs(entropy: Callable[[int], bytes]) -> bool:
    digest = hashlib.sha256(b"softscm self test").digest()
    for key_type in (KeyType.NISTP256, KeyType.SECP256K1):
        private = keys.load_private_key(key_type, keys.generate_private_key(key_type, entropy))
        signature, _ = private.sign_digest(digest)
        public = keys.load_public_key(key_type, private.public)
        if not public.verify_digest(digest, signature):
            return False
        if public.verify_digest(hashlib.sha256(b"other").digest(), signature):
            return False
    return True


def _aead(entropy: Callable[[int], bytes]) -> bool:
    key = bytes(range(32))
    sealed = blob.lock(key, 0, b"self test", b"ctx", lambda n: bytes(n))
    return bytes(blob.unlock(key, 0, sealed, b"ctx")) == b"self test"


def _random(entropy: Callable[[int], bytes]) -> bool:
    a, b = entropy(32), entropy(32)
    return a != b and a != bytes(32) and b != bytes(32)


_CHECKS: tuple[tuple[str, Callable[[Callable[[int], bytes]], bool]], ...] = (
    ("sha", _sha), ("hmac", _hmac), ("hkdf", _hkdf), ("ed25519", _ed25519),
    ("x25519", _x25519), ("ecdsa", _ecdsa_pairs), ("aes_gcm", _aead), (RANDOM_CHECK, _random),
    ("pbkdf2", _pbkdf2), ("bip32", _bip32), ("ecdsa_kat", _ecdsa_known_answer),
    ("secp256k1_kat", _secp256k1_known_answer),
    ("ecdh_p256", _ecdh_p256), ("aes_gcm_kat", _aes_gcm_known_answer),
)
