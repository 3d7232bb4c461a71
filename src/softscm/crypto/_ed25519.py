"""Decoding check for Ed25519 public keys (internal; RFC 8032 §5.1.3).

OpenSSL loads any 32 bytes as an Ed25519 public key and only fails later, at verify
time. A key given to the module as input is checked here once instead.
"""

from __future__ import annotations

_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_SIZE = 32


def decodes_as_point(data: bytes) -> bool:
    """Whether ``data`` is the RFC 8032 encoding of a point of edwards25519: y < p and
    an x with the encoded sign exists (x = 0 with the sign bit set is refused)."""
    if len(data) != _SIZE:
        return False
    value = int.from_bytes(data, "little")
    sign = value >> 255
    y = value & ((1 << 255) - 1)
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vxx = v * x * x % _P
    if vxx == u:
        pass
    elif vxx == (-u) % _P:
        x = x * _SQRT_M1 % _P
    else:
        return False
    return not (x == 0 and sign == 1)
