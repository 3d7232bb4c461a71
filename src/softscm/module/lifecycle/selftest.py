"""The power-on self test (``scm-behaviour.md`` §9.2): known-answer tests of the
primitives the module relies on, run at every module boot. Pure: fixed vectors and, for
the sign/verify pair, a key drawn from the module's entropy."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from softscm.crypto import blob, kdf, keys
from softscm.crypto.curves import KeyType
from softscm.errors import SoftScmError

_ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
_ABC_SHA512 = ("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
# RFC 4231 test case 1.
_HMAC_KEY = bytes([0x0B] * 20)
_HMAC_DATA = b"Hi There"
_HMAC_SHA256 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
# RFC 5869 test case 1.
_HKDF_IKM = bytes([0x0B] * 22)
_HKDF_SALT = bytes(range(13))
_HKDF_INFO = bytes(range(0xF0, 0xFA))
_HKDF_OKM = ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
             "34007208d5b887185865")
# RFC 8032 test 1 (the empty message).
_ED25519_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
_ED25519_SIG = ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
# RFC 7748 §5.2, first X25519 vector.
_X25519_SCALAR = "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"
_X25519_U = "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"
_X25519_OUT = "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"


def run_self_test(entropy: Callable[[int], bytes]) -> list[str]:
    """Run every check; the names of those that failed (empty: all passed)."""
    failed: list[str] = []
    for name, check in _CHECKS:
        try:
            ok = check(entropy)
        except (SoftScmError, ValueError):
            ok = False
        if not ok:
            failed.append(name)
    return failed


def _sha(entropy: Callable[[int], bytes]) -> bool:
    return (hashlib.sha256(b"abc").hexdigest() == _ABC_SHA256
            and hashlib.sha512(b"abc").hexdigest() == _ABC_SHA512)


def _hmac(entropy: Callable[[int], bytes]) -> bool:
    return hmac.new(_HMAC_KEY, _HMAC_DATA, "sha256").hexdigest() == _HMAC_SHA256


def _hkdf(entropy: Callable[[int], bytes]) -> bool:
    out = kdf.derive(kdf.Kdf.HKDF_SHA256, _HKDF_IKM, salt=_HKDF_SALT, info=_HKDF_INFO,
                     size=42)
    return out.hex() == _HKDF_OKM


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
    ("x25519", _x25519), ("ecdsa", _ecdsa_pairs), ("aes_gcm", _aead), ("random", _random),
)
