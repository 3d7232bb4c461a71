"""RIPEMD-160, for BIP32 key fingerprints (HASH160 = RIPEMD-160 of SHA-256).

``hashlib`` provides it only when the OpenSSL it links offers the algorithm (OpenSSL 3
moved it to the legacy provider), so a pure-Python version stands in when it does not.
Fingerprints hash public keys only, so the fallback needs no constant-time care.
"""

from __future__ import annotations

import hashlib

_R1 = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
    1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
]
_R2 = [
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
    6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
    8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
]
_S1 = [
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
    7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
    11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
]
_S2 = [
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
    9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
    15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
]
_K1 = [0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E]
_K2 = [0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000]
_MASK = 0xFFFFFFFF


def _f(j: int, x: int, y: int, z: int) -> int:
    if j == 0:
        return x ^ y ^ z
    if j == 1:
        return (x & y) | (~x & z)
    if j == 2:
        return (x | ~y) ^ z
    if j == 3:
        return (x & z) | (y & ~z)
    return x ^ (y | ~z)


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _MASK


def _compress(state: list[int], block: bytes) -> None:
    words = [int.from_bytes(block[i:i + 4], "little") for i in range(0, 64, 4)]
    al, bl, cl, dl, el = state
    ar, br, cr, dr, er = state
    for i in range(80):
        j = i // 16
        t = _rotl((al + _f(j, bl, cl, dl) + words[_R1[i]] + _K1[j]) & _MASK, _S1[i])
        t = (t + el) & _MASK
        al, el, dl, cl, bl = el, dl, _rotl(cl, 10), bl, t
        t = _rotl((ar + _f(4 - j, br, cr, dr) + words[_R2[i]] + _K2[j]) & _MASK, _S2[i])
        t = (t + er) & _MASK
        ar, er, dr, cr, br = er, dr, _rotl(cr, 10), br, t
    t = (state[1] + cl + dr) & _MASK
    state[1] = (state[2] + dl + er) & _MASK
    state[2] = (state[3] + el + ar) & _MASK
    state[3] = (state[4] + al + br) & _MASK
    state[4] = (state[0] + bl + cr) & _MASK
    state[0] = t


def ripemd160_python(data: bytes) -> bytes:
    """RIPEMD-160 of ``data`` in pure Python (the fallback of :func:`ripemd160`)."""
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    padded = bytes(data) + b"\x80" + bytes((55 - len(data)) % 64) \
        + (8 * len(data)).to_bytes(8, "little")
    for offset in range(0, len(padded), 64):
        _compress(state, padded[offset:offset + 64])
    return b"".join(word.to_bytes(4, "little") for word in state)


def ripemd160(data: bytes) -> bytes:
    """RIPEMD-160 of ``data``: ``hashlib``'s when available, else the pure-Python one."""
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:
        return ripemd160_python(data)
