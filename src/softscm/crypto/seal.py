"""Sealing of small secrets (private keys, seeds, the master key) with AES-256-GCM.

Format: version byte (1) || 12-byte nonce || ciphertext || 16-byte tag. The version
byte and the caller's associated data are authenticated. Keys for the hierarchy come
from :func:`derive_key`. For data of any size, see :mod:`softscm.crypto.blob`.
"""

from __future__ import annotations

from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from softscm.errors import InvalidArgument, VerificationFailed

#: Format version written in the first byte.
VERSION = 1
#: Size in bytes of a sealing key (AES-256).
KEY_SIZE = 32
#: Size in bytes of the GCM nonce, drawn from the entropy source for every seal.
NONCE_SIZE = 12
#: Size in bytes of the GCM tag.
TAG_SIZE = 16
#: Bytes a sealed blob adds to its plaintext.
OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE

_HEADER = bytes((VERSION,))
_BYTES_LIKE = (bytes, bytearray, memoryview)
_FAILED = "sealed data does not authenticate"


def _check_key(key32: bytes) -> bytes:
    if not isinstance(key32, _BYTES_LIKE) or len(key32) != KEY_SIZE:
        raise InvalidArgument(f"sealing key must be {KEY_SIZE} bytes")
    return bytes(key32)


def seal(key32: bytes, plaintext: bytes, aad: bytes, entropy: Callable[[int], bytes]) -> bytes:
    """Encrypt and authenticate ``plaintext`` under ``key32``, binding ``aad``; the
    nonce comes from ``entropy``. Counterpart to :func:`open_sealed`."""
    aead = AESGCM(_check_key(key32))
    nonce = entropy(NONCE_SIZE)
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_SIZE:
        raise InvalidArgument("entropy source did not return the size asked for")
    return _HEADER + nonce + aead.encrypt(nonce, plaintext, _HEADER + bytes(aad))


def open_sealed(key32: bytes, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of a :func:`seal` blob. Any failure (format, version, key, aad,
    tag) raises one :class:`VerificationFailed` that says nothing more."""
    aead = AESGCM(_check_key(key32))
    if not isinstance(blob, _BYTES_LIKE):
        raise VerificationFailed(_FAILED)
    view = memoryview(blob).cast("B")
    if len(view) < OVERHEAD or view[0] != VERSION:
        raise VerificationFailed(_FAILED)
    try:
        return aead.decrypt(view[1 : 1 + NONCE_SIZE], view[1 + NONCE_SIZE :], _HEADER + aad)
    except InvalidTag:
        raise VerificationFailed(_FAILED) from None


def derive_key(ikm: bytes, info: bytes, salt: bytes = b"") -> bytes:
    """A 32-byte key from ``ikm`` by HKDF-SHA256 with ``info`` naming its use (empty
    ``salt``: RFC 5869's zero salt). Builds key hierarchies: one key per purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt or None, info=info).derive(
        ikm
    )
