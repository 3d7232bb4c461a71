"""The ``zymkey`` API against a real module in a fresh ``SOFTSCM_HOME``, embedded and
served by a daemon (``SOFTSCM_SOCKET``): return types and shapes, the quirks of the implemented areas, and interoperability of what it
emits (signatures, public keys, ECDH secrets) with ``cryptography`` and ``coincurve``
(``zymkey-api.md`` §4.1-§4.7, §4.11, §4.14, §5; Q1, Q3-Q11, Q16-Q18, Q30, Q36)."""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import coincurve
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def zymkey(home: Path):
    import zymkey

    return zymkey


@pytest.fixture(params=["inprocess", "socket"])
def zk(request: pytest.FixtureRequest, zymkey, monkeypatch):
    """A fresh context on the module of this test's ``SOFTSCM_HOME``: embedded, or served
    by a daemon whose socket is named by ``SOFTSCM_SOCKET``."""
    if request.param == "socket":
        daemon = request.getfixturevalue("daemon")
        monkeypatch.setenv("SOFTSCM_SOCKET", str(daemon.path))
    return zymkey.Zymkey()


def _ec_key(curve: ec.EllipticCurve, raw: bytes) -> ec.EllipticCurvePublicKey:
    assert len(raw) == 64
    return ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + bytes(raw))


def _raw(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.UncompressedPoint)[1:]


def _der(sig: bytes) -> bytes:
    return encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))


# -- information, time, LED, random (§4.1, §4.2, §4.11, §4.14) ---------------------------


def test_information_strings(zk) -> None:  # Q30
    assert zk.get_model_number() == "SCM"
    assert zk.get_firmware_version() == "01.02.02release"
    serial = zk.get_serial_number()
    assert type(serial) is str and serial


def test_time(zk) -> None:  # Q30
    now = zk.get_time()
    assert type(now) is int
    assert abs(now - time.time()) < 5
    precise = zk.get_time(precise=True)
    assert type(precise) is int and precise >= now


def test_led(zk) -> None:
    assert zk.led_on() is None
    assert zk.led_flash(500, 100) is None
    assert zk.led_flash(500) is None
    assert zk.led_flash(100, 100, 3) is None
    assert zk.led_off() is None


def test_get_random(zk) -> None:  # Q30
    data = zk.get_random(512)
    assert type(data) is bytearray and len(data) == 512
    assert data != zk.get_random(512)
    assert zk.get_random(0) == bytearray() and type(zk.get_random(0)) is bytearray
    with pytest.raises(AssertionError, match=r"^bad return code -22$"):
        zk.get_random(-1)


def test_random_list_concatenation(zk) -> None:
    collected: list = []
    for _ in range(4):
        collected += zk.get_random(16)
    assert len(collected) == 64 and all(type(b) is int for b in collected)


def test_create_random_file(zk, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "r.bin"
    assert zk.create_random_file(str(target), 1024) is None
    assert target.stat().st_size == 1024
    zk.create_random_file(str(target), 10)  # truncated
    assert target.stat().st_size == 10
    monkeypatch.chdir(tmp_path)
    zk.create_random_file("relative.bin", 3)  # resolved in this process
    assert (tmp_path / "relative.bin").stat().st_size == 3
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.create_random_file(str(tmp_path / "no" / "such" / "dir"), 3)


# -- lock / unlock (§4.3, Q4, Q5, Q6) ---------------------------------------------------


@pytest.mark.parametrize("plain", [b"", b"\x01\x02\x03\x04", bytes(range(256)) * 9])
@pytest.mark.parametrize("key", ["zymkey", "cloud"])
def test_lock_round_trip(zk, plain, key) -> None:
    blob = zk.lock(plain, encryption_key=key)
    assert type(blob) is bytearray and len(blob) > len(plain)
    out = zk.unlock(blob, encryption_key=key)
    assert type(out) is bytearray and out == plain


def test_lock_list_and_compare_lists(zk) -> None:  # Zymbit's example test
    random_bytes: list = []
    for _ in range(8):
        random_bytes += zk.get_random(512)
    decrypted = zk.unlock(zk.lock(random_bytes))
    assert list(decrypted) == list(random_bytes)


def test_unlock_failures_bytes_to_bytes(zymkey, zk) -> None:  # Q4
    blob = zk.lock(b"secret")
    tampered = bytearray(blob)
    tampered[len(tampered) // 2] ^= 0x01
    for bad in (tampered, blob[:-1], bytearray(), zk.lock(b"secret", encryption_key="cloud")):
        with pytest.raises(zymkey.VerificationError):
            zk.unlock(bad)
        assert zk.unlock(bad, raise_exception=False) is None


def test_blob_from_another_module_does_not_verify(zymkey, zk, tmp_path: Path) -> None:
    other = zymkey.Zymkey(_client=__import__("softscm").Client.open(tmp_path / "other"))
    with pytest.raises(zymkey.VerificationError):
        zk.unlock(other.lock(b"not yours"))


def test_lock_file_modes(zymkey, zk, tmp_path: Path) -> None:  # Q5
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"sensor reading 19.5")
    # file to file, file to bytes, bytes to file, and back in every mode
    assert zk.lock(str(plain), str(tmp_path / "f2f.bin")) is None
    f2b = zk.lock(str(plain))
    assert type(f2b) is bytearray
    assert zk.lock(b"sensor reading 19.5", str(tmp_path / "b2f.bin")) is None
    for blob_file in ("f2f.bin", "b2f.bin"):
        assert zk.unlock(str(tmp_path / blob_file)) == bytearray(b"sensor reading 19.5")
        assert zk.unlock(str(tmp_path / blob_file), str(tmp_path / "out.txt")) is None
        assert (tmp_path / "out.txt").read_bytes() == b"sensor reading 19.5"
    assert zk.unlock(f2b, str(tmp_path / "out2.txt")) is None
    assert (tmp_path / "out2.txt").read_bytes() == b"sensor reading 19.5"
    assert zk.unlock(f2b) == bytearray(b"sensor reading 19.5")


def test_unlock_file_authentication_failure(zk, tmp_path: Path) -> None:  # §7 item 17
    blob = zk.lock(b"data", encryption_key="cloud")
    (tmp_path / "cloud.bin").write_bytes(blob)
    for raise_exception in (True, False):
        with pytest.raises(AssertionError, match=r"^bad return code -22$"):
            zk.unlock(str(tmp_path / "cloud.bin"), raise_exception=raise_exception)
        with pytest.raises(AssertionError, match=r"^bad return code -22$"):
            zk.unlock(str(tmp_path / "cloud.bin"), str(tmp_path / "out.txt"))
        with pytest.raises(AssertionError, match=r"^bad return code -22$"):
            zk.unlock(blob, str(tmp_path / "out.txt"), raise_exception=raise_exception)
    assert not (tmp_path / "out.txt").exists()


def test_lock_unreadable_source(zk, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.lock(str(tmp_path / "missing.txt"), str(tmp_path / "out.bin"))
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.unlock(str(tmp_path / "missing.bin"))


def test_bad_encryption_key(zk) -> None:  # Q6
    with pytest.raises(AssertionError) as excinfo:
        zk.lock(b"x", encryption_key="one-way")
    assert str(excinfo.value) == ""


def test_contexts_share_one_module(zymkey, zk) -> None:
    other = zymkey.Zymkey()
    assert other.unlock(zk.lock(b"shared")) == bytearray(b"shared")
    slot = zk.gen_key_pair("secp256k1")
    assert slot in other.get_slot_alloc_list()[0]
    assert other.get_serial_number() == zk.get_serial_number()


# -- sign / verify (§4.4, §4.5, §5.3-§5.5, Q3, Q7, Q8, Q17, Q18, Q36) -------------------


def test_sign_verifies_with_cryptography(zk) -> None:
    sig = zk.sign("hello world")
    assert type(sig) is bytearray and len(sig) == 64
    public = _ec_key(ec.SECP256R1(), zk.get_public_key(0))
    public.verify(_der(sig), b"hello world", ec.ECDSA(hashes.SHA256()))
    assert int.from_bytes(sig[32:], "big") <= P256_N // 2  # low-S
    with pytest.raises(InvalidSignature):
        public.verify(_der(sig), b"hello world!", ec.ECDSA(hashes.SHA256()))


def test_verify_outcomes(zymkey, zk) -> None:  # Q3
    sig = zk.sign("message", slot=3)
    assert zk.verify("message", sig, pubkey_slot=3) is True
    assert zk.verify(b"message", sig, True, 3) is True
    with pytest.raises(zymkey.VerificationError) as excinfo:
        zk.verify("message", sig)  # slot 0: another key
    assert str(excinfo.value) == ""
    assert zk.verify("tainted", sig, False, 3) is False


@pytest.mark.parametrize("bad", [bytes(64), bytes(63), b"", bytes(65), b"\xff" * 64])
def test_malformed_signatures_do_not_verify(zymkey, zk, bad) -> None:  # §7 item 18
    assert zk.verify("m", bad, raise_exception=False) is False
    with pytest.raises(zymkey.VerificationError):
        zk.verify("m", bad)


def test_high_s_signatures_verify(zk) -> None:
    sig = zk.sign("hello")
    r, s = sig[:32], int.from_bytes(sig[32:], "big")
    high = bytes(r) + (P256_N - s).to_bytes(32, "big")
    assert zk.verify("hello", high) is True


def test_verify_library_errors(zk) -> None:  # Q3
    sig = zk.sign("m")
    for raise_exception in (True, False):
        with pytest.raises(AssertionError, match=r"^bad return code -2$"):
            zk.verify("m", sig, raise_exception, 200)


def test_sign_errors(zk) -> None:
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.sign("m", slot=200)
    with pytest.raises(AssertionError, match=r"^bad return code -22$"):
        zk.sign("m", slot=zk.gen_key_pair("x25519"))
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.sign("m", slot=-1)  # no ephemeral key yet


def test_return_recid_recovers_the_key(zk) -> None:  # Q17, §5.4
    slot = zk.gen_key_pair("secp256k1")
    public = bytes(zk.get_public_key(slot))
    for text in ("one", "two", "three", "four"):
        sig, recid = zk.sign(text, slot, return_recid=True)
        assert type(sig) is bytearray and type(recid) is ctypes.c_uint
        assert recid.value in (0, 1)
        digest = hashlib.sha256(text.encode()).digest()
        recovered = coincurve.PublicKey.from_signature_and_message(
            bytes(sig) + bytes([recid.value]), digest, hasher=None)
        assert recovered.format(compressed=False)[1:] == public
        assert int.from_bytes(sig[32:], "big") <= SECP256K1_N // 2


def test_recid_does_not_change_the_signature_format(zk) -> None:  # Q36
    plain = zk.sign("same")
    with_recid, _ = zk.sign("same", return_recid=True)
    assert len(plain) == len(with_recid) == 64
    assert zk.verify("same", plain) and zk.verify("same", with_recid)


def test_sign_digest_with_hash_objects(zymkey, zk) -> None:  # Q18, §5.5
    h = hashlib.sha256(b"payload")
    sig = zk.sign_digest(h)
    assert zk.verify_digest(hashlib.sha256(b"payload"), sig) is True
    assert zk.verify("payload", sig) is True
    long = hashlib.sha512(b"payload")
    sig = zk.sign_digest(long, slot=2)
    assert zk.verify_digest(hashlib.sha512(b"payload"), sig, pubkey_slot=2) is True
    public = _ec_key(ec.SECP256R1(), zk.get_public_key(2))
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    public.verify(_der(sig), long.digest()[:32], ec.ECDSA(Prehashed(hashes.SHA256())))

    class Short:
        def digest(self) -> bytes:
            return b"\x01" * 16

    with pytest.raises(AssertionError, match=r"^bad return code -22$"):
        zk.sign_digest(Short())
    with pytest.raises(AssertionError, match=r"^bad return code -22$"):
        zk.verify_digest(Short(), sig)
    with pytest.raises(AttributeError):
        zk.sign_digest(hashlib.sha256(b"x").digest())


def test_digest_object_is_mutated(zymkey, zk) -> None:  # Q8
    h = hashlib.sha256()
    sig = zk.sign("data", digest=h)
    with pytest.raises(zymkey.VerificationError):
        zk.verify("data", sig, digest=h)  # "data" is now hashed twice
    assert zk.verify("data", sig, digest=hashlib.sha256()) is True
    h3 = hashlib.sha3_256()
    sig = zk.sign("data", digest=h3)
    assert zk.verify("data", sig, digest=hashlib.sha3_256()) is True
    assert zk.verify("data", sig, raise_exception=False) is False


def test_ed25519_signing(zk) -> None:  # §5.3, §7 item 11
    slot = zk.gen_key_pair("ed25519")
    raw = zk.get_public_key(slot)
    assert type(raw) is bytearray and len(raw) == 32
    sig, recid = zk.sign("hello", slot, True)
    assert len(sig) == 64 and type(recid) is ctypes.c_uint and recid.value == 0
    public = ed25519.Ed25519PublicKey.from_public_bytes(bytes(raw))
    public.verify(bytes(sig), hashlib.sha256(b"hello").digest())
    assert zk.verify("hello", sig, pubkey_slot=slot) is True


def test_verify_with_a_foreign_key(zymkey, zk) -> None:
    peer = ec.generate_private_key(ec.SECP256R1())
    slot = zk.store_foreign_public_key("secp256r1", _raw(peer.public_key()))
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(peer.sign(b"from the peer", ec.ECDSA(hashes.SHA256())))
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert zk.verify("from the peer", sig, pubkey_slot=slot, foreign=True) is True
    assert zk.verify("from the peer", sig, raise_exception=False, pubkey_slot=slot) is False
    with pytest.raises(zymkey.VerificationError):
        zk.verify("tampered", sig, pubkey_slot=slot, foreign=True)


# -- ECDH (§4.6, §5.6, Q9, Q10, Q11) ----------------------------------------------------


def test_ecdh_raw_matches_cryptography(zk) -> None:
    peer = ec.generate_private_key(ec.SECP256R1())
    expected = peer.exchange(ec.ECDH(), _ec_key(ec.SECP256R1(), zk.get_public_key(0)))
    secret = zk.ecdh(0, _raw(peer.public_key()))
    assert type(secret) is bytearray and secret == expected
    assert zk.ecdh(0, list(_raw(peer.public_key()))) == expected
    assert zk.ecdh(0, _raw(peer.public_key()), derived_key_size=16) == expected[:16]  # Q10


def test_ecdh_kdfs_match_cryptography(zk) -> None:
    peer = ec.generate_private_key(ec.SECP256R1())
    raw_peer = _raw(peer.public_key())
    shared = peer.exchange(ec.ECDH(), _ec_key(ec.SECP256R1(), zk.get_public_key(1)))
    for name, algorithm in (("rfc5869-sha256", hashes.SHA256()),
                            ("rfc5869-sha512", hashes.SHA512())):
        derived = zk.ecdh(1, raw_peer, name, salt=b"salt", info=[1, 2, 3], derived_key_size=48)
        hkdf = HKDF(algorithm=algorithm, length=48, salt=b"salt", info=b"\x01\x02\x03")
        assert derived == hkdf.derive(shared)
    for name, algorithm in (("pbkdf2-sha256", hashes.SHA256()),
                            ("pbkdf2-sha512", hashes.SHA512())):
        derived = zk.ecdh(1, raw_peer, name, salt=b"salt", num_iterations=7,
                          derived_key_size=20)
        pbkdf2 = PBKDF2HMAC(algorithm=algorithm, length=20, salt=b"salt", iterations=7)
        assert derived == pbkdf2.derive(shared)


def test_ecdh_with_the_ephemeral_key_and_slots(zk) -> None:  # Q11
    assert zk.gen_ephemeral_key_pair("nistp256") is None
    ephemeral = zk.get_public_key(zk.EPHEMERAL_KEY_SLOT)
    assert len(ephemeral) == 64
    a = zk.ecdh(-1, zk.get_public_key(0))
    assert a == zk.ecdh(0, ephemeral)
    foreign = zk.store_foreign_public_key("nistp256", zk.get_public_key(0))
    assert zk.ecdh(-1, foreign) == a  # an int peer is a foreign slot by default
    assert zk.ecdh(-1, 0, peer_pubkey_slot_is_foreign=False) == a
    assert zk.invalidate_ephemeral_key() == 0
    with pytest.raises(TypeError):
        zk.ecdh(-1, zk.get_public_key(0))
    with pytest.raises(AssertionError):
        zk.get_public_key(-1)


def test_ecdh_x25519(zk) -> None:
    slot = zk.gen_key_pair("x25519")
    peer = x25519.X25519PrivateKey.generate()
    raw_peer = peer.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)
    expected = peer.exchange(x25519.X25519PublicKey.from_public_bytes(
        bytes(zk.get_public_key(slot))))
    assert zk.ecdh(slot, raw_peer) == expected


@pytest.mark.parametrize("case", ["off-curve", "empty-slot", "too-long", "ed25519",
                                  "wrong-curve", "salt-too-long", "no-peer-slot"])
def test_ecdh_failures_are_type_errors(zk, case) -> None:  # Q9, Q10
    peer = _raw(ec.generate_private_key(ec.SECP256R1()).public_key())
    k1 = _raw(ec.generate_private_key(ec.SECP256K1()).public_key())
    call = {
        "off-curve": lambda: zk.ecdh(0, b"\x01" * 64),
        "empty-slot": lambda: zk.ecdh(300, peer),
        "too-long": lambda: zk.ecdh(0, peer, derived_key_size=33),
        "ed25519": lambda: zk.ecdh(zk.gen_key_pair("ed25519"), bytes(32)),
        "wrong-curve": lambda: zk.ecdh(0, k1),
        "salt-too-long": lambda: zk.ecdh(0, peer, "rfc5869-sha256", salt=bytes(129)),
        "no-peer-slot": lambda: zk.ecdh(0, 77),
    }[case]
    with pytest.raises(TypeError) as excinfo:
        call()
    assert "bad return code -" in str(excinfo.value)


# -- keys (§4.7, §5.2, §5.7, §5.10, Q16) ------------------------------------------------


def test_slot_lists(zk) -> None:
    slots, size = zk.get_slot_alloc_list()
    assert slots == list(range(16)) and size == 512
    assert zk.get_slot_alloc_list(foreign=True) == ([], 128)
    assert type(zk.get_slot_alloc_list()) is tuple


@pytest.mark.parametrize("key_type, size", [("nistp256", 64), ("secp256r1", 64),
                                            ("secp256k1", 64), ("ed25519", 32),
                                            ("x25519", 32)])
def test_gen_key_pair(zk, key_type, size) -> None:
    slot = zk.gen_key_pair(key_type)
    assert type(slot) is int and slot >= 16
    assert slot in zk.get_slot_alloc_list()[0]
    public = zk.get_public_key(slot)
    assert type(public) is bytearray and len(public) == size
    assert zk.remove_key(slot) is None
    assert slot not in zk.get_slot_alloc_list()[0]


def test_gen_key_pair_unknown_type(zk) -> None:
    with pytest.raises(KeyError):
        zk.gen_key_pair("P-256")


def test_deprecated_aliases(zk, tmp_path: Path) -> None:
    assert zk.get_ecdsa_public_key(1) == zk.get_public_key(1)
    zk.create_ecdsa_public_key_file(str(tmp_path / "a.pem"), 1)
    zk.create_public_key_file(str(tmp_path / "b.pem"), 1)
    assert (tmp_path / "a.pem").read_bytes() == (tmp_path / "b.pem").read_bytes()


def test_public_key_file(zk, tmp_path: Path) -> None:  # §5.7
    pem_path = tmp_path / "pk.pem"
    assert zk.create_public_key_file(str(pem_path)) is None
    text = pem_path.read_text()
    assert text.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert text.endswith("-----END PUBLIC KEY-----\n")
    loaded = serialization.load_pem_public_key(text.encode())
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert _raw(loaded) == bytes(zk.get_public_key(0))
    if shutil.which("openssl"):
        out = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pem_path), "-noout",
                              "-text"], capture_output=True, text=True, check=True)
        assert "prime256v1" in out.stdout or "P-256" in out.stdout


def test_foreign_keyring(zk) -> None:
    peer = _raw(ec.generate_private_key(ec.SECP256K1()).public_key())
    slot = zk.store_foreign_public_key("secp256k1", peer)
    assert type(slot) is int
    assert zk.get_slot_alloc_list(True)[0] == [slot]
    assert zk.get_public_key(slot, foreign=True) == bytearray(peer)
    assert zk.remove_key(slot, foreign=True) is None
    assert zk.get_slot_alloc_list(True)[0] == []
    with pytest.raises(AssertionError, match=r"^bad return code -22$"):
        zk.store_foreign_public_key("secp256k1", b"\x01" * 64)  # not on the curve


def test_disable_public_key_export(zk, tmp_path: Path) -> None:
    slot = zk.gen_key_pair("nistp256")
    assert zk.disable_public_key_export(slot) is None
    with pytest.raises(AssertionError, match=r"^bad return code -1$"):
        zk.get_public_key(slot)
    with pytest.raises(AssertionError, match=r"^bad return code -1$"):
        zk.create_public_key_file(str(tmp_path / "pk.pem"), slot)
    assert not (tmp_path / "pk.pem").exists()
    sig = zk.sign("still signs", slot)
    assert zk.verify("still signs", sig, pubkey_slot=slot) is True


def test_remove_key_rules(zk) -> None:
    with pytest.raises(AssertionError, match=r"^bad return code -1$"):
        zk.remove_key(0)  # factory slot
    assert zk.remove_key(400) is None  # unallocated key-store slot: no effect


def test_invalidate_ephemeral_key_returns_zero(zk) -> None:  # Q16
    zk.gen_ephemeral_key_pair("secp256k1")
    sig = zk.sign("x", zk.EPHEMERAL_KEY_SLOT)
    assert zk.verify("x", sig, pubkey_slot=-1) is True
    assert zk.invalidate_ephemeral_key() == 0
    with pytest.raises(AssertionError):
        zk.sign("x", -1)


def test_file_errors_carry_the_os_errno(zk, tmp_path: Path) -> None:
    # Paths are handled in this process: a failure is the OS error, negated.
    (tmp_path / "a-file").write_text("")
    with pytest.raises(AssertionError, match=r"^bad return code -20$"):
        zk.create_public_key_file(str(tmp_path / "a-file" / "pk.pem"))
    with pytest.raises(AssertionError, match=r"^bad return code -20$"):
        zk.lock(b"x", str(tmp_path / "a-file" / "blob.bin"))
    with pytest.raises(AssertionError, match=r"^bad return code -21$"):
        zk.lock(str(tmp_path))  # a directory is no plaintext file
