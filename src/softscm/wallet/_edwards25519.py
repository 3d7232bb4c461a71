"""Edwards25519 group arithmetic on public values and derivation scalars.

Cardano's BIP32-Ed25519 uses private scalars directly (not hashed from a seed, as
RFC 8032 keys are), so ``cryptography``'s Ed25519 cannot compute its public keys or
signatures. These few operations do, in extended coordinates. They are not constant
time: softscm is an emulator, and this path serves only the ``"cardano"`` variant.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
"""The field prime."""

L = 2**252 + 27742317777372353535851937790883648493
"""The order of the base point."""

D = -121665 * pow(121666, -1, P) % P
"""The curve constant d."""

_SQRT_M1 = pow(2, (P - 1) // 4, P)
_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _from_affine(x: int, y: int) -> _Point:
    return x, y, 1, x * y % P


_BY = 4 * pow(5, -1, P) % P


def _recover_x(y: int, sign: int) -> int | None:
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * _SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x & 1 != sign:
        x = P - x
    return x


BASE = _from_affine(_recover_x(_BY, 0) or 0, _BY)
"""The base point B."""

IDENTITY: _Point = (0, 1, 1, 0)
"""The neutral element."""


def add(p: _Point, q: _Point) -> _Point:
    """``p + q``."""
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % P, g * h % P, f * g % P, e * h % P


def multiply(scalar: int, point: _Point = BASE) -> _Point:
    """``scalar * point`` (double-and-add)."""
    result = IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = add(result, point)
        point = add(point, point)
        scalar >>= 1
    return result


def encode(point: _Point) -> bytes:
    """The 32-byte encoding: y, with the parity of x in the top bit."""
    z_inv = pow(point[2], -1, P)
    x, y = point[0] * z_inv % P, point[1] * z_inv % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def decode(data: bytes) -> _Point | None:
    """The point a 32-byte encoding names, or ``None`` if it names none."""
    value = int.from_bytes(data, "little")
    y, sign = value & ((1 << 255) - 1), value >> 255
    x = _recover_x(y, sign)
    return None if x is None else _from_affine(x, y)


def sign_extended(scalar: bytes, prefix: bytes, public_key: bytes, message: bytes) -> bytes:
    """An Ed25519 signature with an extended key: ``scalar`` (32 bytes, little endian)
    in place of the hashed seed's first half and ``prefix`` in place of its second."""
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % L
    big_r = encode(multiply(r))
    k = int.from_bytes(hashlib.sha512(big_r + public_key + message).digest(), "little") % L
    s = (r + k * int.from_bytes(scalar, "little")) % L
    return big_r + s.to_bytes(32, "little")
