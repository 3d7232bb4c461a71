"""Key store operations through softscm.Client (every transport)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

import softscm
from softscm import Client

DIGEST = hashlib.sha256(b"softscm").digest()
CURVES = ["nistp256", "secp256k1", "ed25519", "x25519"]


def _state(client: Client) -> tuple:
    return client.slots(), client.slots(foreign=True), client.keys(), client.keys(foreign=True)


def test_fresh_allocation_list(client: Client) -> None:  # S-02
    assert client.slots() == (list(range(16)), 512)
    assert client.slots(foreign=True) == ([], 128)


def test_lowest_free_slot(client: Client) -> None:  # S-03
    assert [client.generate_key("secp256k1") for _ in range(3)] == [16, 17, 18]
    client.remove_key(17)
    assert client.generate_key("nistp256") == 17


def test_identity_strings(client: Client, tmp_path) -> None:  # S-01 (identity part)
    assert client.model_number() == "SCM"
    assert client.firmware_version() == "01.02.02release"
    serial = client.serial_number()
    assert serial
    other = Client.open(tmp_path / "other")
    try:
        assert other.serial_number() != serial
    finally:
        other.close()


@pytest.mark.parametrize("curve", CURVES)
def test_generate_and_public_key_sizes(client: Client, curve: str) -> None:
    slot = client.generate_key(curve)
    public = client.public_key(slot)
    assert len(public) == (64 if curve in ("nistp256", "secp256k1") else 32)
    pem = client.public_key_pem(slot)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n") and pem.endswith("-----END PUBLIC KEY-----\n")
    serialization.load_pem_public_key(pem.encode())


def test_p256_signature_verifies_with_cryptography(client: Client) -> None:
    for slot in (0, client.generate_key("secp256r1")):
        sig = client.sign_digest(DIGEST, slot).signature
        assert len(sig) == 64
        public = client.public_key(slot)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + public)
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        key.verify(der, DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))
        assert client.verify_digest(DIGEST, sig, slot)


def test_secp256k1_low_s_and_recid(client: Client) -> None:
    import coincurve

    slot = client.generate_key("secp256k1")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    public = client.public_key(slot)
    for i in range(20):
        digest = hashlib.sha256(bytes([i])).digest()
        result = client.sign_digest(digest, slot, recid=True)
        assert result.recid in (0, 1)
        assert int.from_bytes(result.signature[32:], "big") <= n // 2
        recovered = coincurve.PublicKey.from_signature_and_message(
            result.signature + bytes([result.recid]), digest, hasher=None
        )
        assert recovered.format(compressed=False)[1:] == public


def test_ed25519_signs_digest_as_message(client: Client) -> None:
    slot = client.generate_key("ed25519")
    sig = client.sign_digest(DIGEST, slot).signature
    ed25519.Ed25519PublicKey.from_public_bytes(client.public_key(slot)).verify(sig, DIGEST)


def test_longer_digest_signs_first_32_bytes(client: Client) -> None:
    long = hashlib.sha512(b"x").digest()
    sig = client.sign_digest(long, 0).signature
    assert client.verify_digest(long[:32], sig, 0)


def test_x25519_ecdh_and_ed25519_refusals(client: Client) -> None:  # S-06
    a = client.generate_key("x25519")
    b = client.generate_key("ed25519")
    peer = x25519.X25519PrivateKey.generate()
    peer_pub = peer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    before = _state(client)
    with pytest.raises(softscm.OperationNotSupported):
        client.sign_digest(DIGEST, a)
    with pytest.raises(softscm.OperationNotSupported):
        client.ecdh(b, peer_pub)
    assert _state(client) == before
    shared = client.ecdh(a, peer_pub)
    assert shared == peer.exchange(x25519.X25519PublicKey.from_public_bytes(client.public_key(a)))
    sig = client.sign_digest(DIGEST, b).signature
    assert client.verify_digest(DIGEST, sig, b)


@pytest.mark.parametrize("curve,cls", [("nistp256", ec.SECP256R1), ("secp256k1", ec.SECP256K1)])
def test_ecdh_agrees_with_independent_peer(client: Client, curve: str, cls) -> None:
    slot = client.generate_key(curve)
    peer = ec.generate_private_key(cls())
    peer_pub = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
    mine = ec.EllipticCurvePublicKey.from_encoded_point(cls(), b"\x04" + client.public_key(slot))
    expected = peer.exchange(ec.ECDH(), mine)
    assert client.ecdh(slot, peer_pub) == expected
    foreign = client.store_foreign_key(curve, peer_pub)
    assert client.ecdh(slot, foreign) == expected
    assert client.ecdh(slot, foreign, kdf="rfc5869-sha256", salt=b"s", info=b"i", size=64) != expected
    assert len(client.ecdh(slot, peer_pub, kdf="pbkdf2-sha512", iterations=3, size=48)) == 48
    assert client.ecdh(slot, peer_pub, size=16) == expected[:16]


def test_ecdh_off_curve_peer_rejected(client: Client) -> None:
    slot = client.generate_key("nistp256")
    before = _state(client)
    with pytest.raises(softscm.InvalidArgument):
        client.ecdh(slot, b"\x01" * 64)
    with pytest.raises(softscm.InvalidArgument):
        client.store_foreign_key("nistp256", b"\x01" * 64)
    assert _state(client) == before


def test_foreign_keyring(client: Client) -> None:  # S-09
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(129)]
    pubs = [k.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)[1:]
            for k in keys]
    assert [client.store_foreign_key("nistp256", p) for p in pubs[:128]] == list(range(128))
    before = _state(client)
    with pytest.raises(softscm.KeyStoreFull):
        client.store_foreign_key("nistp256", pubs[128])
    assert _state(client) == before
    client.disable_public_key_export(5, foreign=True)
    with pytest.raises(softscm.ExportDisabled):
        client.public_key(5, foreign=True)
    der = keys[5].sign(DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert client.verify_digest(DIGEST, sig, 5, foreign=True)
    assert not client.verify_digest(DIGEST, sig, 6, foreign=True)


def test_foreign_slot_cannot_sign(client: Client) -> None:
    pub = client.public_key(0)
    slot = client.store_foreign_key("nistp256", pub)
    with pytest.raises(softscm.OperationNotSupported):
        client.sign_digest(DIGEST, slot, foreign=True)


def test_factory_keys_cannot_be_removed(client: Client) -> None:  # S-05
    with pytest.raises(softscm.SlotReadOnly):
        client.remove_key(3)
    sig = client.sign_digest(DIGEST, 3).signature
    assert client.verify_digest(DIGEST, sig, 3)


def test_absurd_slot_is_clean_error(client: Client) -> None:  # S-07
    with pytest.raises(softscm.InvalidArgument):
        client.public_key(10**12)
    assert len(client.public_key(0)) == 64


def test_ephemeral_key(client: Client) -> None:  # S-08 (without the power cycle)
    client.generate_ephemeral_key("nistp256")
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_pub = peer.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)[1:]
    mine = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + client.public_key(-1))
    assert client.ecdh(-1, peer_pub) == peer.exchange(ec.ECDH(), mine)
    assert -1 not in client.slots()[0]
    client.invalidate_ephemeral_key()
    with pytest.raises(softscm.SlotEmpty):
        client.ecdh(-1, peer_pub)


def test_remove_empty_key_store_slot_is_noop(client: Client) -> None:
    before = _state(client)
    client.remove_key(300)
    assert _state(client) == before


def test_export_disabled_still_signs(client: Client) -> None:
    slot = client.generate_key("nistp256")
    client.disable_public_key_export(slot)
    with pytest.raises(softscm.ExportDisabled):
        client.public_key(slot)
    with pytest.raises(softscm.ExportDisabled):
        client.public_key_pem(slot)
    sig = client.sign_digest(DIGEST, slot).signature
    assert client.verify_digest(DIGEST, sig, slot)


@pytest.mark.parametrize("call,error", [
    (lambda c: c.generate_key("nistp257"), softscm.InvalidArgument),
    (lambda c: c.generate_key("NISTP256"), softscm.InvalidArgument),
    (lambda c: c.sign_digest(DIGEST, 300), softscm.SlotEmpty),
    (lambda c: c.sign_digest(DIGEST, 528), softscm.InvalidArgument),
    (lambda c: c.sign_digest(DIGEST, -2), softscm.InvalidArgument),
    (lambda c: c.sign_digest(DIGEST[:31], 0), softscm.InvalidArgument),
    (lambda c: c.sign_digest(b"", 0), softscm.InvalidArgument),
    (lambda c: c.verify_digest(DIGEST[:16], bytes(64), 0), softscm.InvalidArgument),
    (lambda c: c.verify_digest(DIGEST, bytes(64), 300), softscm.SlotEmpty),
    (lambda c: c.public_key(128, foreign=True), softscm.InvalidArgument),
    (lambda c: c.public_key(0, foreign=True), softscm.SlotEmpty),
    (lambda c: c.remove_key(0, foreign=True), softscm.SlotEmpty),
    (lambda c: c.remove_key(-1), softscm.InvalidArgument),
    (lambda c: c.ecdh(0, bytes(64), kdf="hkdf"), softscm.InvalidArgument),
    (lambda c: c.ecdh(0, bytes(64), size=33), softscm.InvalidArgument),
    (lambda c: c.ecdh(0, bytes(64), kdf="rfc5869-sha256", salt=bytes(129)), softscm.InvalidArgument),
    (lambda c: c.ecdh(0, bytes(64), kdf="pbkdf2-sha256", iterations=0), softscm.InvalidArgument),
    (lambda c: c.ecdh(300, bytes(64)), softscm.SlotEmpty),
    (lambda c: c.random_bytes(-1), softscm.InvalidArgument),
    (lambda c: c.disable_public_key_export(400), softscm.SlotEmpty),
    (lambda c: c.store_foreign_key("x25519", bytes(31)), softscm.InvalidArgument),
    (lambda c: c.led_flash(-1), softscm.InvalidArgument),
])
def test_bad_input_changes_nothing(client: Client, call, error) -> None:
    before = _state(client) + (client.led()["pattern"],)
    with pytest.raises(error):
        call(client)
    assert _state(client) + (client.led()["pattern"],) == before


def test_malformed_signatures_do_not_verify(client: Client) -> None:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    for sig in (b"", bytes(63), bytes(64), bytes(65), n.to_bytes(32, "big") * 2, b"\xff" * 64):
        assert client.verify_digest(DIGEST, sig, 0) is False


def test_high_s_signature_verifies(client: Client) -> None:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    sig = client.sign_digest(DIGEST, 0).signature
    high = sig[:32] + (n - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    assert client.verify_digest(DIGEST, high, 0)


def test_key_store_full(client: Client) -> None:  # S-04 (key part)
    for _ in range(512):
        client.generate_key("x25519")
    before = _state(client)
    with pytest.raises(softscm.KeyStoreFull):
        client.generate_key("nistp256")
    assert _state(client) == before
    assert client.slots()[0] == list(range(16)) + list(range(16, 528))
