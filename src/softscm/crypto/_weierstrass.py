"""Pure-Python arithmetic on the two short-Weierstrass curves (internal).

Used where the libraries give no access: checking and decompressing points given as
input, and finding the recovery id of a P-256 signature (a rare path; libsecp256k1 gives
secp256k1's natively). Not constant time: only public values pass through here.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from softscm.crypto.curves import P256_ORDER, SECP256K1_ORDER, KeyType
from softscm.errors import InternalError, InvalidArgument

#: An affine point (x, y), or None for the point at infinity.
Point = Optional[tuple[int, int]]
_Jacobian = tuple[int, int, int]


class Curve(NamedTuple):
    """Domain parameters of y^2 = x^3 + a*x + b over GF(p), with generator (gx, gy) of
    prime order n (cofactor 1 for both curves)."""

    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int


_P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF

#: NIST P-256 (FIPS 186-4 D.1.2.3).
P256 = Curve(
    p=_P256_P,
    a=_P256_P - 3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    n=P256_ORDER,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)

#: secp256k1 (SEC 2 v2 §2.4.1).
SECP256K1 = Curve(
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F,
    a=0,
    b=7,
    n=SECP256K1_ORDER,
    gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)

#: Parameters of each ECDSA key type.
CURVES: dict[KeyType, Curve] = {KeyType.NISTP256: P256, KeyType.SECP256K1: SECP256K1}

_SIZE = 32


def is_on_curve(curve: Curve, x: int, y: int) -> bool:
    """Whether (x, y) are field elements satisfying the curve equation."""
    p = curve.p
    if not (0 <= x < p and 0 <= y < p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def lift_x(curve: Curve, x: int, odd: int) -> int | None:
    """The y whose parity is ``odd`` (0 or 1) with (x, y) on the curve, or None.

    Both primes are 3 mod 4, so a square root is a single exponentiation.
    """
    p = curve.p
    if not 0 <= x < p:
        return None
    rhs = (x * x * x + curve.a * x + curve.b) % p
    y = pow(rhs, (p + 1) // 4, p)
    if y * y % p != rhs:
        return None
    if y & 1 != odd:
        y = p - y
    if y & 1 != odd:  # y == 0 has no odd twin
        return None
    return y


def decode_point(curve: Curve, data: bytes) -> tuple[int, int]:
    """Parse a public point: 64-byte ``X||Y``, 65-byte ``04||X||Y`` or 33-byte
    compressed. Raises :class:`InvalidArgument` if it is malformed or not on the curve
    (the point at infinity has no such encoding, so it is refused too)."""
    size = len(data)
    if size == 2 * _SIZE + 1 and data[0] == 4:
        data = data[1:]
        size -= 1
    if size == 2 * _SIZE:
        x = int.from_bytes(data[:_SIZE], "big")
        y = int.from_bytes(data[_SIZE:], "big")
        if not is_on_curve(curve, x, y):
            raise InvalidArgument("public key is not a point on the curve")
        return x, y
    if size == _SIZE + 1 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        y_or_none = lift_x(curve, x, data[0] & 1)
        if y_or_none is None:
            raise InvalidArgument("compressed public key is not a point on the curve")
        return x, y_or_none
    raise InvalidArgument(
        f"public key must be 64 (X||Y), 65 (04||X||Y) or 33 (compressed) bytes, got {size}"
    )


def encode_point(point: tuple[int, int]) -> bytes:
    """The raw ``X||Y`` form of a point (``zymkey-api.md`` §5.2)."""
    return point[0].to_bytes(_SIZE, "big") + point[1].to_bytes(_SIZE, "big")


def _double(curve: Curve, pt: _Jacobian) -> _Jacobian:
    x, y, z = pt
    p = curve.p
    if z == 0 or y == 0:
        return (1, 1, 0)
    ysq = y * y % p
    s = 4 * x * ysq % p
    zsq = z * z % p
    m = (3 * x * x + curve.a * zsq * zsq) % p
    nx = (m * m - 2 * s) % p
    ny = (m * (s - nx) - 8 * ysq * ysq) % p
    nz = 2 * y * z % p
    return (nx, ny, nz)


def _add(curve: Curve, p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    p = curve.p
    z1sq = z1 * z1 % p
    z2sq = z2 * z2 % p
    u1 = x1 * z2sq % p
    u2 = x2 * z1sq % p
    s1 = y1 * z2sq * z2 % p
    s2 = y2 * z1sq * z1 % p
    if u1 == u2:
        return _double(curve, p1) if s1 == s2 else (1, 1, 0)
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    h2 = h * h % p
    h3 = h * h2 % p
    u1h2 = u1 * h2 % p
    nx = (r * r - h3 - 2 * u1h2) % p
    ny = (r * (u1h2 - nx) - s1 * h3) % p
    nz = h * z1 * z2 % p
    return (nx, ny, nz)


def _multiply(curve: Curve, k: int, point: tuple[int, int]) -> _Jacobian:
    result: _Jacobian = (1, 1, 0)
    addend: _Jacobian = (point[0], point[1], 1)
    k %= curve.n
    while k:
        if k & 1:
            result = _add(curve, result, addend)
        addend = _double(curve, addend)
        k >>= 1
    return result


def _affine(curve: Curve, pt: _Jacobian) -> Point:
    x, y, z = pt
    if z == 0:
        return None
    p = curve.p
    zinv = pow(z, -1, p)
    zinv2 = zinv * zinv % p
    return (x * zinv2 % p, y * zinv2 * zinv % p)


def multiply(curve: Curve, k: int, point: tuple[int, int]) -> Point:
    """k * point."""
    return _affine(curve, _multiply(curve, k, point))


def add(curve: Curve, p1: Point, p2: Point) -> Point:
    """p1 + p2 (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    return _affine(curve, _add(curve, (p1[0], p1[1], 1), (p2[0], p2[1], 1)))


def recover_candidates(curve: Curve, r: int, s: int, z: int) -> tuple[Point, Point]:
    """The public keys that ECDSA signature (r, s) of digest integer ``z`` recovers to,
    for recovery ids 0 and 1 (R's y even, odd): Q = r^-1 (s R - z G).

    Raises :class:`InvalidArgument` if r or s is out of range or no R has x = r.
    """
    n = curve.n
    if not (0 < r < n and 0 < s < n):
        raise InvalidArgument("signature r or s out of range")
    y = lift_x(curve, r, 0)
    if y is None:
        raise InvalidArgument("no curve point has x = r")
    rinv = pow(r, -1, n)
    u1 = (-z * rinv) % n
    u2 = (s * rinv) % n
    a = _multiply(curve, u1, (curve.gx, curve.gy))
    b = _multiply(curve, u2, (r, y))
    neg_b = (b[0], (-b[1]) % curve.p, b[2])
    return _affine(curve, _add(curve, a, b)), _affine(curve, _add(curve, a, neg_b))


def recovery_id(curve: Curve, public: bytes, r: int, s: int, digest: bytes) -> int:
    """The recovery id (0 or 1) under which (r, s) over ``digest`` recovers to the raw
    ``X||Y`` public key ``public``."""
    z = int.from_bytes(digest[:_SIZE], "big")
    target = (int.from_bytes(public[:_SIZE], "big"), int.from_bytes(public[_SIZE:], "big"))
    for recid, candidate in enumerate(recover_candidates(curve, r, s, z)):
        if candidate == target:
            return recid
    raise InternalError("signature does not recover to its own public key")
