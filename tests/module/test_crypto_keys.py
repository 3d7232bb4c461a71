"""Keys: generation, signing, verification, ECDH, public key encodings and PEM."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import coincurve
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from softscm.crypto import _weierstrass as w
from softscm.crypto.curves import CURVE_ORDER, PUBLIC_KEY_SIZE, KeyType
from softscm.crypto.keys import (
    PrivateKey,
    PublicKey,
    ed25519_verify,
    generate_private_key,
    load_private_key,
    load_public_key,
    parse_public_key,
    public_key_pem,
)
from softscm.errors import InvalidArgument, OperationNotSupported

ECDSA = (KeyType.NISTP256, KeyType.SECP256K1)
SIGNING = (KeyType.NISTP256, KeyType.SECP256K1, KeyType.ED25519)
EXCHANGE = (KeyType.NISTP256, KeyType.SECP256K1, KeyType.X25519)
LIB_CURVES = {KeyType.NISTP256: ec.SECP256R1(), KeyType.SECP256K1: ec.SECP256K1()}
PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))


class Entropy:
    """Deterministic bytes: SHA-256 in counter mode over a seed."""

    def __init__(self, seed: bytes = b"test-crypto-keys") -> None:
        self.seed = seed
        self.counter = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self.counter += 1
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
        return out[:n]


def new_key(key_type: KeyType, seed: bytes = b"k") -> PrivateKey:
    return load_private_key(key_type, generate_private_key(key_type, Entropy(seed)))


def digests(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield hashlib.sha256(b"message %d" % i).digest()


def lib_public(key_type: KeyType, raw: bytes) -> object:
    """The public key loaded by ``cryptography`` from our raw encoding."""
    if key_type in LIB_CURVES:
        return ec.EllipticCurvePublicKey.from_encoded_point(LIB_CURVES[key_type], b"\x04" + raw)
    if key_type == KeyType.ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return x25519.X25519PublicKey.from_public_bytes(raw)


# -- generation and loading ----------------------------------------------------------------


@pytest.mark.parametrize("key_type", list(KeyType))
def test_generated_keys_are_deterministic_and_sized(key_type: KeyType) -> None:
    a = generate_private_key(key_type, Entropy(b"same"))
    b = generate_private_key(key_type, Entropy(b"same"))
    assert a == b and len(a) == 32
    key = load_private_key(key_type, a)
    assert key.key_type is key_type
    assert len(key.public) == PUBLIC_KEY_SIZE[key_type]
    assert load_private_key(key_type, a).public == key.public


@pytest.mark.parametrize("key_type", ECDSA)
def test_generation_redraws_out_of_range_scalars(key_type: KeyType) -> None:
    n = CURVE_ORDER[key_type]
    draws = [n.to_bytes(32, "big"), bytes(32), b"\xff" * 32, (n - 1).to_bytes(32, "big")]
    assert generate_private_key(key_type, lambda size: draws.pop(0)) == (n - 1).to_bytes(32, "big")


def test_generation_gives_up_on_a_broken_entropy_source() -> None:
    with pytest.raises(InvalidArgument):
        generate_private_key(KeyType.NISTP256, lambda size: bytes(size))
    with pytest.raises(InvalidArgument):
        generate_private_key(KeyType.ED25519, lambda size: bytes(size - 1))


@pytest.mark.parametrize("key_type", list(KeyType))
def test_load_private_key_rejects_bad_material(key_type: KeyType) -> None:
    for bad in (b"", bytes(31), bytes(33)):
        with pytest.raises(InvalidArgument):
            load_private_key(key_type, bad)
    with pytest.raises(InvalidArgument):
        load_private_key(key_type, "00" * 32)  # type: ignore[arg-type]
    if key_type in ECDSA:
        for scalar in (0, CURVE_ORDER[key_type], 2**256 - 1):
            with pytest.raises(InvalidArgument):
                load_private_key(key_type, scalar.to_bytes(32, "big"))


def test_unknown_key_type_is_invalid() -> None:
    with pytest.raises(InvalidArgument):
        load_private_key(7, bytes(32))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        parse_public_key(-1, bytes(32))  # type: ignore[arg-type]


@pytest.mark.parametrize("key_type", list(KeyType))
def test_public_matches_the_libraries(key_type: KeyType) -> None:
    private = generate_private_key(key_type, Entropy())
    key = load_private_key(key_type, private)
    if key_type == KeyType.SECP256K1:
        expected = coincurve.PrivateKey(private).public_key.format(compressed=False)[1:]
    elif key_type == KeyType.NISTP256:
        expected = (
            ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )[1:]
        )
    elif key_type == KeyType.ED25519:
        expected = (
            ed25519.Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        )
    else:
        expected = (
            x25519.X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        )
    assert key.public == expected
    assert key.public_key().public == expected


# -- signing -------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ECDSA)
def test_ecdsa_signatures_are_low_s_and_verify_with_cryptography(key_type: KeyType) -> None:
    key = new_key(key_type)
    public = lib_public(key_type, key.public)
    n = CURVE_ORDER[key_type]
    for digest in digests(200):
        signature, recid = key.sign_digest(digest)
        assert recid is None
        assert len(signature) == 64
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        assert 0 < r < n and 0 < s <= n // 2
        public.verify(encode_dss_signature(r, s), digest, PREHASHED)  # type: ignore[attr-defined]


def test_secp256k1_recid_recovers_with_coincurve() -> None:
    key = new_key(KeyType.SECP256K1)
    for digest in digests(50):
        signature, recid = key.sign_digest(digest, recid=True)
        assert recid in (0, 1)
        recovered = coincurve.PublicKey.from_signature_and_message(
            signature + bytes([recid]), digest, hasher=None
        )
        assert recovered.format(compressed=False)[1:] == key.public
        # Ethereum-style recovery with the other parity gives another key.
        other = coincurve.PublicKey.from_signature_and_message(
            signature + bytes([1 - recid]), digest, hasher=None
        )
        assert other.format(compressed=False)[1:] != key.public


def test_p256_recid_recovers_to_the_public_key() -> None:
    key = new_key(KeyType.NISTP256)
    seen = set()
    for digest in digests(24):
        signature, recid = key.sign_digest(digest, recid=True)
        assert recid in (0, 1)
        seen.add(recid)
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        assert s <= w.P256.n // 2
        candidates = w.recover_candidates(w.P256, r, s, int.from_bytes(digest, "big"))
        chosen = candidates[recid]
        assert chosen is not None and w.encode_point(chosen) == key.public
        assert candidates[1 - recid] != chosen
    assert seen == {0, 1}


def test_ed25519_signs_the_digest_as_message() -> None:
    key = new_key(KeyType.ED25519)
    public = ed25519.Ed25519PublicKey.from_public_bytes(key.public)
    for digest in digests(20):
        signature, recid = key.sign_digest(digest, recid=True)
        assert recid == 0
        public.verify(signature, digest)
        assert key.sign_digest(digest) == (signature, None)  # deterministic


@pytest.mark.parametrize("key_type", SIGNING)
def test_long_digests_sign_their_first_32_bytes(key_type: KeyType) -> None:
    key = new_key(key_type)
    public = key.public_key()
    long_digest = hashlib.sha512(b"long").digest()
    signature, _ = key.sign_digest(long_digest)
    assert public.verify_digest(long_digest[:32], signature)
    assert public.verify_digest(long_digest, signature)
    assert public.verify_digest(bytearray(long_digest[:32]), signature)
    signature, _ = key.sign_digest(bytearray(long_digest))
    assert public.verify_digest(long_digest[:32], signature)
    signature, _ = key.sign_digest(memoryview(long_digest)[:32])
    assert public.verify_digest(long_digest, signature)


@pytest.mark.parametrize("key_type", SIGNING)
def test_short_digests_are_refused(key_type: KeyType) -> None:
    key = new_key(key_type)
    public = key.public_key()
    signature, _ = key.sign_digest(bytes(32))
    for short in (b"", bytes(20), bytes(31)):
        with pytest.raises(InvalidArgument, match="at least 32"):
            key.sign_digest(short)
        with pytest.raises(InvalidArgument, match="at least 32"):
            public.verify_digest(short, signature)
    with pytest.raises(InvalidArgument):
        key.sign_digest("x" * 32)  # type: ignore[arg-type]


def test_x25519_cannot_sign_or_verify_and_ed25519_cannot_exchange() -> None:
    x = new_key(KeyType.X25519)
    with pytest.raises(OperationNotSupported):
        x.sign_digest(bytes(32))
    with pytest.raises(OperationNotSupported):
        x.public_key().verify_digest(bytes(32), bytes(64))
    ed = new_key(KeyType.ED25519)
    with pytest.raises(OperationNotSupported):
        ed.ecdh(ed.public)


# -- verification --------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ECDSA)
def test_verify_accepts_high_s(key_type: KeyType) -> None:
    key = new_key(key_type)
    public = key.public_key()
    n = CURVE_ORDER[key_type]
    for digest in digests(10):
        signature, _ = key.sign_digest(digest)
        high = signature[:32] + (n - int.from_bytes(signature[32:], "big")).to_bytes(32, "big")
        assert public.verify_digest(digest, signature)
        assert public.verify_digest(digest, high)


@pytest.mark.parametrize("key_type", SIGNING)
def test_verify_returns_false_for_bad_signatures(key_type: KeyType) -> None:
    key = new_key(key_type)
    public = key.public_key()
    digest = hashlib.sha256(b"x").digest()
    signature, _ = key.sign_digest(digest)
    n = CURVE_ORDER.get(key_type, 2**252)
    zero, big_n = bytes(32), n.to_bytes(32, "big")
    bad: list[object] = [
        b"",
        signature[:63],
        signature + b"\x00",
        bytes(64),
        b"\xff" * 64,
        zero + signature[32:],
        signature[:32] + zero,
        big_n + signature[32:],
        signature[:32] + big_n,
        bytes([signature[0] ^ 1]) + signature[1:],
        signature[:63] + bytes([signature[63] ^ 0x80]),
        None,
        "a" * 64,
        64,
    ]
    for candidate in bad:
        assert public.verify_digest(digest, candidate) is False  # type: ignore[arg-type]
    other = hashlib.sha256(b"y").digest()
    assert public.verify_digest(other, signature) is False
    assert public.verify_digest(digest, bytearray(signature)) is True
    assert public.verify_digest(digest, memoryview(signature)) is True


def test_ed25519_verify_primitive() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    signature = key.sign(b"any length message")
    assert ed25519_verify(public, b"any length message", signature)
    assert not ed25519_verify(public, b"another message", signature)
    assert not ed25519_verify(public[:31], b"any length message", signature)
    assert not ed25519_verify(public, b"any length message", signature[:63])
    assert not ed25519_verify(None, b"", signature)  # type: ignore[arg-type]


# -- public keys ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ECDSA)
def test_parse_public_key_accepts_three_encodings(key_type: KeyType) -> None:
    key = new_key(key_type)
    lib = lib_public(key_type, key.public)
    uncompressed = lib.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    compressed = lib.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    for encoding in (key.public, uncompressed, compressed, bytearray(compressed)):
        assert parse_public_key(key_type, encoding) == key.public
        assert load_public_key(key_type, encoding).public == key.public


def non_canonical_x(key_type: KeyType) -> bytes:
    """A curve point (x, y) with small x, encoded with x + p in place of x."""
    curve = w.CURVES[key_type]
    x = next(x for x in range(1, 1000) if w.lift_x(curve, x, 0) is not None)
    y = w.lift_x(curve, x, 0)
    assert y is not None and w.is_on_curve(curve, x, y)
    return (x + curve.p).to_bytes(32, "big") + y.to_bytes(32, "big")


@pytest.mark.parametrize("key_type", ECDSA)
def test_parse_public_key_rejects_bad_points(key_type: KeyType) -> None:
    key = new_key(key_type)
    p = w.CURVES[key_type].p
    x = key.public[:32]
    y = int.from_bytes(key.public[32:], "big")
    bad = [
        b"",
        b"\x00",  # the point at infinity
        bytes(64),
        bytes(65),
        b"\x04" + bytes(64),
        key.public[:63],
        b"\x05" + key.public,
        b"\x06" + key.public,  # hybrid form
        x + ((y + 1) % p).to_bytes(32, "big"),  # off the curve
        non_canonical_x(key_type),  # x >= p
        b"\x02" + p.to_bytes(32, "big"),
        b"\x04" + key.public + b"\x00",
    ]
    for candidate in bad:
        with pytest.raises(InvalidArgument):
            parse_public_key(key_type, candidate)
        with pytest.raises(InvalidArgument):
            load_public_key(key_type, candidate)
    with pytest.raises(InvalidArgument):
        parse_public_key(key_type, key.public.hex())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        parse_public_key(key_type, 64)  # type: ignore[arg-type]


def test_parse_public_key_points_of_the_other_curve_are_refused() -> None:
    k1 = new_key(KeyType.SECP256K1)
    with pytest.raises(InvalidArgument):
        parse_public_key(KeyType.NISTP256, k1.public)


def test_parse_ed25519_public_key() -> None:
    key = new_key(KeyType.ED25519)
    assert parse_public_key(KeyType.ED25519, key.public) == key.public
    p = 2**255 - 19
    for bad in (
        bytes(31),
        bytes(33),
        p.to_bytes(32, "little"),  # y = p is not canonical
        (2**255 - 1).to_bytes(32, "little"),
        (2).to_bytes(32, "little"),  # y = 2: (y^2 - 1) / (d y^2 + 1) is not a square
        (1 | 1 << 255).to_bytes(32, "little"),  # x = 0 with the sign bit set
    ):
        with pytest.raises(InvalidArgument):
            parse_public_key(KeyType.ED25519, bad)


def test_parse_x25519_public_key_takes_any_32_bytes() -> None:
    for raw in (bytes(32), b"\xff" * 32, new_key(KeyType.X25519).public):
        assert parse_public_key(KeyType.X25519, raw) == raw
    for bad in (bytes(31), bytes(33), b""):
        with pytest.raises(InvalidArgument):
            parse_public_key(KeyType.X25519, bad)


@pytest.mark.parametrize("key_type", list(KeyType))
def test_pem_loads_with_cryptography(key_type: KeyType) -> None:
    key = new_key(key_type)
    pem = public_key_pem(key_type, key.public)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert pem.endswith("-----END PUBLIC KEY-----\n")
    assert all(len(line) <= 64 for line in pem.splitlines())
    loaded = serialization.load_pem_public_key(pem.encode())
    expected = lib_public(key_type, key.public)
    assert loaded.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == expected.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if key_type in ECDSA:
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        assert loaded.curve.name == LIB_CURVES[key_type].name
        assert (
            loaded.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            == b"\x04" + key.public
        )


def test_pem_rejects_invalid_keys() -> None:
    with pytest.raises(InvalidArgument):
        public_key_pem(KeyType.NISTP256, bytes(64))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
@pytest.mark.parametrize("key_type", list(KeyType))
def test_pem_loads_with_openssl(key_type: KeyType, tmp_path: Path) -> None:
    path = tmp_path / "public.pem"
    path.write_text(public_key_pem(key_type, new_key(key_type).public))
    result = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(path), "-noout"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# -- ECDH ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ECDSA)
def test_ecdh_agrees_with_cryptography(key_type: KeyType) -> None:
    key = new_key(key_type)
    for i in range(5):
        peer = ec.generate_private_key(LIB_CURVES[key_type])
        peer_point = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        peer_compressed = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        expected = peer.exchange(ec.ECDH(), lib_public(key_type, key.public))  # type: ignore[arg-type]
        assert len(expected) == 32
        assert key.ecdh(peer_point[1:]) == expected
        assert key.ecdh(peer_point) == expected
        assert key.ecdh(peer_compressed) == expected
        assert key.ecdh(load_public_key(key_type, peer_point)) == expected
        if i == 0:
            # Both sides of softscm agree too.
            other = new_key(key_type, b"other")
            assert key.ecdh(other.public) == other.ecdh(key.public)


def test_x25519_ecdh_agrees_with_cryptography() -> None:
    key = new_key(KeyType.X25519)
    for _ in range(5):
        peer = x25519.X25519PrivateKey.generate()
        expected = peer.exchange(x25519.X25519PublicKey.from_public_bytes(key.public))
        assert key.ecdh(peer.public_key().public_bytes_raw()) == expected
        assert (
            key.ecdh(load_public_key(KeyType.X25519, peer.public_key().public_bytes_raw()))
            == expected
        )


@pytest.mark.parametrize("key_type", EXCHANGE)
def test_ecdh_rejects_invalid_peers(key_type: KeyType) -> None:
    key = new_key(key_type)
    bad: list[object] = [b"", bytes(16), None, "00" * 32]
    if key_type in ECDSA:
        bad += [bytes(64), b"\x04" + bytes(64), key.public[:32] + bytes(32)]
    else:
        bad += [bytes(32), (1).to_bytes(32, "little")]  # low-order points: all-zero secret
    for candidate in bad:
        with pytest.raises(InvalidArgument):
            key.ecdh(candidate)  # type: ignore[arg-type]


def test_ecdh_refuses_a_loaded_peer_of_another_type() -> None:
    p256 = new_key(KeyType.NISTP256)
    k1 = new_key(KeyType.SECP256K1)
    with pytest.raises(InvalidArgument):
        p256.ecdh(k1.public_key())


def test_repr_shows_no_private_material() -> None:
    private = generate_private_key(KeyType.NISTP256, Entropy())
    key = load_private_key(KeyType.NISTP256, private)
    assert private.hex() not in repr(key)
    assert isinstance(key, PrivateKey) and isinstance(key.public_key(), PublicKey)


def test_signature_made_is_rejected_by_cryptography_after_tampering() -> None:
    key = new_key(KeyType.NISTP256)
    digest = hashlib.sha256(b"m").digest()
    signature, _ = key.sign_digest(digest)
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    public = lib_public(KeyType.NISTP256, key.public)
    with pytest.raises(InvalidSignature):
        public.verify(encode_dss_signature(r, s ^ 1), digest, PREHASHED)  # type: ignore[attr-defined]
