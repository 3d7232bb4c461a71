"""Key types, their names and abilities, and the pure-Python curve arithmetic."""

from __future__ import annotations

import hashlib

import coincurve
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from softscm.crypto import _weierstrass as w
from softscm.crypto.curves import (
    KEY_TYPE_NAMES,
    P256_ORDER,
    PUBLIC_KEY_SIZE,
    SECP256K1_ORDER,
    KeyType,
    can_ecdh,
    can_sign,
    key_type_from_name,
)
from softscm.errors import InvalidArgument


def test_key_type_values_are_zymbits_c_enum() -> None:
    assert [(t.name, int(t)) for t in KeyType] == [
        ("NISTP256", 0),
        ("SECP256K1", 1),
        ("ED25519", 2),
        ("X25519", 3),
    ]


@pytest.mark.parametrize(
    ("name", "key_type"),
    [
        ("secp256r1", KeyType.NISTP256),
        ("nistp256", KeyType.NISTP256),
        ("secp256k1", KeyType.SECP256K1),
        ("ed25519", KeyType.ED25519),
        ("x25519", KeyType.X25519),
    ],
)
def test_key_type_from_name(name: str, key_type: KeyType) -> None:
    assert key_type_from_name(name) is key_type
    assert KEY_TYPE_NAMES[name] is key_type


@pytest.mark.parametrize("name", ["NISTP256", "Secp256k1", "p256", "", " ed25519", "curve25519"])
def test_key_type_from_name_is_exact(name: str) -> None:
    with pytest.raises(InvalidArgument, match="unknown key type"):
        key_type_from_name(name)


def test_unknown_key_type_message_names_it() -> None:
    with pytest.raises(InvalidArgument) as info:
        key_type_from_name("brainpool")
    assert "brainpool" in str(info.value)


def test_abilities() -> None:
    assert [t for t in KeyType if can_sign(t)] == [
        KeyType.NISTP256,
        KeyType.SECP256K1,
        KeyType.ED25519,
    ]
    assert [t for t in KeyType if can_ecdh(t)] == [
        KeyType.NISTP256,
        KeyType.SECP256K1,
        KeyType.X25519,
    ]
    for t in KeyType:
        assert t.can_sign == can_sign(t)
        assert t.can_ecdh == can_ecdh(t)
        assert t.public_key_size == PUBLIC_KEY_SIZE[t]
    assert KeyType.NISTP256.is_weierstrass and KeyType.SECP256K1.is_weierstrass
    assert not KeyType.ED25519.is_weierstrass and not KeyType.X25519.is_weierstrass


def test_public_key_sizes() -> None:
    assert PUBLIC_KEY_SIZE == {
        KeyType.NISTP256: 64,
        KeyType.SECP256K1: 64,
        KeyType.ED25519: 32,
        KeyType.X25519: 32,
    }


def test_orders_match_the_libraries() -> None:
    assert coincurve.utils.GROUP_ORDER_INT == SECP256K1_ORDER
    # n * G is the point at infinity, (n - 1) * G = -G.
    for curve in (w.P256, w.SECP256K1):
        assert w.multiply(curve, curve.n, (curve.gx, curve.gy)) is None
        assert w.multiply(curve, curve.n - 1, (curve.gx, curve.gy)) == (
            curve.gx,
            curve.p - curve.gy,
        )
    assert w.P256.n == P256_ORDER


@pytest.mark.parametrize(
    ("curve", "lib_curve"), [(w.P256, ec.SECP256R1()), (w.SECP256K1, ec.SECP256K1())]
)
def test_scalar_multiplication_matches_openssl(curve: w.Curve, lib_curve: ec.EllipticCurve) -> None:
    for i in range(8):
        k = int.from_bytes(hashlib.sha256(b"k%d" % i).digest(), "big") % curve.n
        expected = (
            ec.derive_private_key(k, lib_curve)
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        point = w.multiply(curve, k, (curve.gx, curve.gy))
        assert point is not None
        assert w.encode_point(point) == expected[1:]
        assert w.is_on_curve(curve, *point)


def test_point_addition_edge_cases() -> None:
    curve = w.P256
    g = (curve.gx, curve.gy)
    two_g = w.multiply(curve, 2, g)
    assert w.add(curve, g, g) == two_g
    assert w.add(curve, g, (curve.gx, curve.p - curve.gy)) is None
    assert w.add(curve, None, g) == g
    assert w.add(curve, g, None) == g
    assert w.add(curve, two_g, g) == w.multiply(curve, 3, g)


def test_recovery_matches_libsecp256k1() -> None:
    """The recovery used for P-256 recovery ids, checked on secp256k1 against
    libsecp256k1's own."""
    for i in range(6):
        key = coincurve.PrivateKey(hashlib.sha256(b"key%d" % i).digest())
        digest = hashlib.sha256(b"message%d" % i).digest()
        signature = key.sign_recoverable(digest, hasher=None)
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        candidates = w.recover_candidates(w.SECP256K1, r, s, int.from_bytes(digest, "big"))
        for recid, point in enumerate(candidates):
            expected = coincurve.PublicKey.from_signature_and_message(
                signature[:64] + bytes([recid]), digest, hasher=None
            ).format(compressed=False)[1:]
            assert point is not None
            assert w.encode_point(point) == expected
        public = key.public_key.format(compressed=False)[1:]
        assert w.recovery_id(w.SECP256K1, public, r, s, digest) == signature[64]


def test_recovery_rejects_out_of_range() -> None:
    with pytest.raises(InvalidArgument):
        w.recover_candidates(w.P256, 0, 1, 1)
    with pytest.raises(InvalidArgument):
        w.recover_candidates(w.P256, 1, w.P256.n, 1)


def test_lift_x() -> None:
    curve = w.SECP256K1
    assert w.lift_x(curve, curve.gx, curve.gy & 1) == curve.gy
    assert w.lift_x(curve, curve.gx, 1 - (curve.gy & 1)) == curve.p - curve.gy
    assert w.lift_x(curve, curve.p, 0) is None
    # x = 5 gives x^3 + 7 = 132, not a square mod p.
    assert w.lift_x(curve, 5, 0) is None
