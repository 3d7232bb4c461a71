"""Public keys of the four types: checking those given as input, verification, and
the encodings of ``zymkey-api.md`` §5.2, §5.3 and §5.7.

A :class:`PublicKey` is loaded once and kept; :meth:`PublicKey.verify_digest` is the hot
path. secp256k1 verifies through libsecp256k1 (``coincurve``), the others through
OpenSSL (``cryptography``).
"""

from __future__ import annotations

from typing import Callable, Union

import coincurve
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from softscm.crypto import _weierstrass
from softscm.crypto._common import (
    BYTES_LIKE,
    EC_CURVES,
    ECDSA_SHA256_PREHASHED,
    HALF,
    digest32,
    key_type_of,
    raw_bytes,
    signature_bytes,
)
from softscm.crypto._ed25519 import decodes_as_point
from softscm.crypto.curves import (
    DIGEST_SIZE,
    P256_ORDER,
    PRIVATE_KEY_SIZE,
    SECP256K1_ORDER,
    SIGNATURE_SIZE,
    KeyType,
)
from softscm.errors import InvalidArgument, OperationNotSupported

_P256_N = P256_ORDER
_K1_N = SECP256K1_ORDER
_K1_HALF_N = SECP256K1_ORDER // 2


def parse_public_key(key_type: KeyType, data: bytes) -> bytes:
    """Check a public key given as input and return its raw form (§5.2).

    ECDSA curves take 64-byte ``X||Y``, 65-byte ``04||X||Y`` or 33-byte compressed
    points, which must lie on the curve; Ed25519 takes 32 bytes that decode as a point;
    X25519 takes any 32 bytes (as OpenSSL does). Raises :class:`InvalidArgument`.
    """
    key_type = key_type_of(key_type)
    data = raw_bytes(data, "public key")
    if key_type.is_weierstrass:
        curve = _weierstrass.CURVES[key_type]
        return _weierstrass.encode_point(_weierstrass.decode_point(curve, data))
    if len(data) != PRIVATE_KEY_SIZE:
        raise InvalidArgument(
            f"{key_type.name} public key must be {PRIVATE_KEY_SIZE} bytes, got {len(data)}"
        )
    if key_type == KeyType.ED25519 and not decodes_as_point(data):
        raise InvalidArgument("Ed25519 public key does not decode as a curve point")
    return data


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Verify a PureEdDSA Ed25519 ``signature`` of ``message`` under the 32-byte
    ``public`` key. Never raises for a bad key or signature: returns False."""
    if not isinstance(public, BYTES_LIKE) or len(public) != PRIVATE_KEY_SIZE:
        return False
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(bytes(public))
    except ValueError:
        return False
    return _ed25519_check(key, message, signature)


def _ed25519_check(key: ed25519.Ed25519PublicKey, message: bytes, signature: object) -> bool:
    sig = signature_bytes(signature)
    if sig is None:
        return False
    try:
        key.verify(sig, message)
    except InvalidSignature:
        return False
    return True


class PublicKey:
    """A loaded public key (:func:`load_public_key`). ``key_type`` is its
    :class:`KeyType`, ``public`` its raw form (§5.2)."""

    __slots__ = ("key_type", "public")

    def __init__(self, key_type: KeyType, public: bytes) -> None:
        self.key_type = key_type
        self.public = public

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        """Whether ``signature`` signs the first 32 bytes of ``digest`` (at least 32
        bytes, else :class:`InvalidArgument`).

        Never raises for the signature: a wrong length, r or s zero or >= n, or any
        other bad signature gives False. High-S ECDSA signatures are accepted. X25519
        keys raise :class:`OperationNotSupported`.
        """
        raise OperationNotSupported(f"{self.key_type.name} keys cannot verify")

    def __repr__(self) -> str:
        return f"<PublicKey {self.key_type.name} {self.public.hex()}>"


def _ecdsa_inputs(digest: bytes, signature: bytes, order: int) -> tuple[bytes, int, int] | None:
    """The 32-byte digest and ``(r, s)`` of a raw ``r||s`` signature, or ``None`` when the
    signature is malformed or out of range (it then simply does not verify)."""
    if type(digest) is not bytes or len(digest) != DIGEST_SIZE:
        digest = digest32(digest)
    if type(signature) is not bytes or len(signature) != SIGNATURE_SIZE:
        sig = signature_bytes(signature)
        if sig is None:
            return None
        signature = sig
    r = int.from_bytes(signature[:HALF], "big")
    s = int.from_bytes(signature[HALF:], "big")
    if not (0 < r < order and 0 < s < order):
        return None
    return digest, r, s


class _P256PublicKey(PublicKey):
    __slots__ = ("_key",)

    def __init__(self, raw: bytes) -> None:
        super().__init__(KeyType.NISTP256, raw)
        self._key = ec.EllipticCurvePublicKey.from_encoded_point(
            EC_CURVES[KeyType.NISTP256], b"\x04" + raw
        )

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        parsed = _ecdsa_inputs(digest, signature, _P256_N)
        if parsed is None:
            return False
        digest, r, s = parsed
        try:
            self._key.verify(encode_dss_signature(r, s), digest, ECDSA_SHA256_PREHASHED)
        except InvalidSignature:
            return False
        return True


class _Secp256k1PublicKey(PublicKey):
    __slots__ = ("_key",)

    def __init__(self, raw: bytes) -> None:
        super().__init__(KeyType.SECP256K1, raw)
        self._key = coincurve.PublicKey(b"\x04" + raw)

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        parsed = _ecdsa_inputs(digest, signature, _K1_N)
        if parsed is None:
            return False
        digest, r, s = parsed
        if s > _K1_HALF_N:  # libsecp256k1 accepts only the low-S twin
            s = _K1_N - s
        return self._key.verify(encode_dss_signature(r, s), digest, hasher=None)


class _Ed25519PublicKey(PublicKey):
    __slots__ = ("_key",)

    def __init__(self, raw: bytes) -> None:
        super().__init__(KeyType.ED25519, raw)
        self._key = ed25519.Ed25519PublicKey.from_public_bytes(raw)

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        if type(digest) is not bytes or len(digest) != DIGEST_SIZE:
            digest = digest32(digest)
        if type(signature) is not bytes or len(signature) != SIGNATURE_SIZE:
            return _ed25519_check(self._key, digest, signature)
        try:
            self._key.verify(signature, digest)
        except InvalidSignature:
            return False
        return True


class _X25519PublicKey(PublicKey):
    __slots__ = ()

    def __init__(self, raw: bytes) -> None:
        super().__init__(KeyType.X25519, raw)


_PUBLIC_CLASSES: dict[KeyType, Callable[[bytes], PublicKey]] = {
    KeyType.NISTP256: _P256PublicKey,
    KeyType.SECP256K1: _Secp256k1PublicKey,
    KeyType.ED25519: _Ed25519PublicKey,
    KeyType.X25519: _X25519PublicKey,
}


def load_public_key(key_type: KeyType, raw: bytes) -> PublicKey:
    """Load a public key (any encoding :func:`parse_public_key` accepts) into a
    :class:`PublicKey`. Raises :class:`InvalidArgument` if it is not valid."""
    key_type = key_type_of(key_type)
    return _PUBLIC_CLASSES[key_type](parse_public_key(key_type, raw))


_PublicKeyObject = Union[
    ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, x25519.X25519PublicKey
]


def _library_public_key(key_type: KeyType, raw: bytes) -> _PublicKeyObject:
    if key_type.is_weierstrass:
        return ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVES[key_type], b"\x04" + raw)
    if key_type == KeyType.ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return x25519.X25519PublicKey.from_public_bytes(raw)


def public_key_pem(key_type: KeyType, raw_public: bytes) -> str:
    """The PEM SubjectPublicKeyInfo of a public key (§5.7): named curve and
    uncompressed point for the ECDSA curves, RFC 8410 for Ed25519 and X25519, as
    ``cryptography`` and OpenSSL write and read it."""
    key_type = key_type_of(key_type)
    raw = parse_public_key(key_type, raw_public)
    pem = _library_public_key(key_type, raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")
