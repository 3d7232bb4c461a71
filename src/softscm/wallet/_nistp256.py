"""NIST P-256 arithmetic for SLIP-10.

Keys and ``k * G`` come from ``cryptography`` (OpenSSL). Public derivation also needs
one point addition, which ``cryptography`` does not expose; it is done here in affine
coordinates on public values only.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from softscm.wallet._scalar import ScalarOps

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
"""The field prime of P-256."""

A = P - 3
"""The curve coefficient a (-3)."""

ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
"""The order n of P-256's base point."""

_SIZE = 32
_Point = tuple[int, int]


class NistP256Ops(ScalarOps):
    """SLIP-10 on NIST P-256 (see :class:`softscm.wallet.curves.CurveOps`)."""

    name = "nistp256"
    hmac_key = b"Nist256p1 seed"
    public_derivation = True
    order = ORDER

    def child_public(self, parent: bytes, il: bytes) -> bytes | None:
        """``point(IL) + K_par``; ``None`` when ``IL >= n`` or the sum is infinity."""
        tweak = int.from_bytes(il, "big")
        if tweak >= ORDER:
            return None
        if tweak == 0:
            return parent
        total = _add(_decode(self.public_key(il)), _decode(parent))
        return None if total is None else _encode(total)

    def public_key(self, private_key: bytes) -> bytes:
        """``X||Y`` of ``k * G``."""
        key = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        return _encode((numbers.x, numbers.y))

    def is_point(self, public_key: bytes) -> bool:
        """Whether OpenSSL takes ``X||Y`` as a point of P-256."""
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + public_key)
        except ValueError:
            return False
        return True


def _decode(raw: bytes) -> _Point:
    return int.from_bytes(raw[:_SIZE], "big"), int.from_bytes(raw[_SIZE:], "big")


def _encode(point: _Point) -> bytes:
    return point[0].to_bytes(_SIZE, "big") + point[1].to_bytes(_SIZE, "big")


def _add(p: _Point, q: _Point) -> _Point | None:
    """Affine addition; ``None`` is the point at infinity."""
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


NISTP256 = NistP256Ops()
"""The one instance of :class:`NistP256Ops`."""
