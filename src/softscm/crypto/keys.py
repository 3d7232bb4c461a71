"""Private keys of the four types: generation, signing (with recovery ids) and ECDH,
``zymkey-api.md`` §5.3, §5.4 and §5.6.

Loading a key does the expensive work (scalar multiplication, library objects) once;
callers keep the :class:`PrivateKey` and call :meth:`PrivateKey.sign_digest` on it.
secp256k1 signs through libsecp256k1 (``coincurve``), the others through OpenSSL
(``cryptography``). The public-key names of :mod:`softscm.crypto.public_keys` are
available here too.
"""

from __future__ import annotations

from typing import Callable

import coincurve
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from softscm.crypto import _weierstrass
from softscm.crypto._common import (
    EC_CURVES,
    ECDSA_SHA256_PREHASHED,
    HALF,
    digest32,
    key_type_of,
    raw_bytes,
)
from softscm.crypto.curves import (
    CURVE_ORDER,
    DIGEST_SIZE,
    P256_ORDER,
    PRIVATE_KEY_SIZE,
    SIGNATURE_SIZE,
    KeyType,
)
from softscm.crypto.public_keys import (
    PublicKey,
    ed25519_verify,
    load_public_key,
    parse_public_key,
    public_key_pem,
)
from softscm.errors import InvalidArgument, OperationNotSupported

__all__ = [
    "Entropy",
    "PrivateKey",
    "PublicKey",
    "ed25519_verify",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "parse_public_key",
    "public_key_pem",
]

#: A source of random bytes: called with a size, returns exactly that many bytes.
Entropy = Callable[[int], bytes]

_ECDH = ec.ECDH()
_P256_N = P256_ORDER
_P256_HALF_N = P256_ORDER // 2
_MAX_DRAWS = 64


def generate_private_key(key_type: KeyType, entropy: Entropy) -> bytes:
    """Draw 32 bytes of private material from ``entropy``: an ECDSA scalar 1 <= d < n
    (redrawn while out of range), or an Ed25519 seed / X25519 private key.

    Counterpart to :func:`load_private_key`, which turns the material into a key.
    """
    key_type = key_type_of(key_type)
    order = CURVE_ORDER.get(key_type)
    for _ in range(_MAX_DRAWS):
        material = entropy(PRIVATE_KEY_SIZE)
        if not isinstance(material, bytes) or len(material) != PRIVATE_KEY_SIZE:
            raise InvalidArgument("entropy source did not return the size asked for")
        if order is None or 0 < int.from_bytes(material, "big") < order:
            return material
    raise InvalidArgument("entropy source keeps returning values out of the curve's range")


class PrivateKey:
    """A loaded private key (:func:`load_private_key`). Keep it: loading is the
    expensive part.

    ``key_type`` is its :class:`KeyType`, ``public`` its raw public key (§5.2).
    """

    __slots__ = ("key_type", "public")

    def __init__(self, key_type: KeyType, public: bytes) -> None:
        self.key_type = key_type
        self.public = public

    def sign_digest(self, digest: bytes, recid: bool = False) -> tuple[bytes, int | None]:
        """Sign the first 32 bytes of ``digest`` (at least 32 bytes, else
        :class:`InvalidArgument`).

        Returns the 64-byte signature (ECDSA ``r||s`` with s <= n/2, or Ed25519
        ``R||S`` over the 32 bytes as the message) and, when ``recid`` is true, the
        recovery id for the returned (r, s) (always 0 for Ed25519); else None.
        X25519 keys raise :class:`OperationNotSupported`.
        """
        raise OperationNotSupported(f"{self.key_type.name} keys cannot sign")

    def sign_message(self, message: bytes) -> bytes:
        """Sign a whole ``message`` with pure Ed25519 (RFC 8032), as X.509 and PKCS#10
        need; the other types sign digests (:meth:`sign_digest`) and raise
        :class:`OperationNotSupported`."""
        raise OperationNotSupported(f"{self.key_type.name} keys sign digests, not messages")

    def ecdh(self, peer_public: bytes | PublicKey) -> bytes:
        """The 32-byte raw shared secret with ``peer_public`` (any encoding that
        :func:`parse_public_key` accepts, or a loaded :class:`PublicKey` of the same
        type): the big-endian x-coordinate for the ECDSA curves, the X25519 output for
        X25519.

        Raises :class:`InvalidArgument` for an invalid peer (off the curve, low order)
        and :class:`OperationNotSupported` for Ed25519 keys.
        """
        raise OperationNotSupported(f"{self.key_type.name} keys cannot do ECDH")

    def public_key(self) -> PublicKey:
        """This key's public half, loaded (:func:`load_public_key`)."""
        return load_public_key(self.key_type, self.public)

    def _peer_raw(self, peer_public: bytes | PublicKey) -> bytes:
        if isinstance(peer_public, PublicKey):
            if peer_public.key_type != self.key_type:
                raise InvalidArgument(
                    f"peer key is {peer_public.key_type.name}, local key is {self.key_type.name}"
                )
            return peer_public.public
        return parse_public_key(self.key_type, peer_public)

    def __repr__(self) -> str:
        return f"<PrivateKey {self.key_type.name} public={self.public.hex()}>"


def _ec_exchange(private: ec.EllipticCurvePrivateKey, key_type: KeyType, peer: bytes) -> bytes:
    try:
        peer_key = ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVES[key_type], b"\x04" + peer)
        return private.exchange(_ECDH, peer_key)
    except ValueError:
        raise InvalidArgument("peer public key is not valid for ECDH") from None


class _P256PrivateKey(PrivateKey):
    __slots__ = ("_key",)

    def __init__(self, scalar: int) -> None:
        self._key = ec.derive_private_key(scalar, EC_CURVES[KeyType.NISTP256])
        point = self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        super().__init__(KeyType.NISTP256, point[1:])

    def sign_digest(self, digest: bytes, recid: bool = False) -> tuple[bytes, int | None]:
        if type(digest) is not bytes or len(digest) != DIGEST_SIZE:
            digest = digest32(digest)
        r, s = decode_dss_signature(self._key.sign(digest, ECDSA_SHA256_PREHASHED))
        if s > _P256_HALF_N:
            s = _P256_N - s
        signature = r.to_bytes(HALF, "big") + s.to_bytes(HALF, "big")
        if not recid:
            return signature, None
        return signature, _weierstrass.recovery_id(_weierstrass.P256, self.public, r, s, digest)

    def ecdh(self, peer_public: bytes | PublicKey) -> bytes:
        return _ec_exchange(self._key, self.key_type, self._peer_raw(peer_public))


class _Secp256k1PrivateKey(PrivateKey):
    __slots__ = ("_key", "_exchange_key")

    def __init__(self, private: bytes) -> None:
        self._key = coincurve.PrivateKey(private)
        self._exchange_key: ec.EllipticCurvePrivateKey | None = None
        super().__init__(KeyType.SECP256K1, self._key.public_key.format(compressed=False)[1:])

    def sign_digest(self, digest: bytes, recid: bool = False) -> tuple[bytes, int | None]:
        if type(digest) is not bytes or len(digest) != DIGEST_SIZE:
            digest = digest32(digest)
        # libsecp256k1 always emits low-S, with the recovery id matching that s.
        signature = self._key.sign_recoverable(digest, hasher=None)
        return signature[:SIGNATURE_SIZE], (signature[SIGNATURE_SIZE] if recid else None)

    def ecdh(self, peer_public: bytes | PublicKey) -> bytes:
        # coincurve's ECDH hashes the point; the raw x-coordinate comes from OpenSSL.
        if self._exchange_key is None:
            self._exchange_key = ec.derive_private_key(
                int.from_bytes(self._key.secret, "big"), EC_CURVES[KeyType.SECP256K1]
            )
        return _ec_exchange(self._exchange_key, self.key_type, self._peer_raw(peer_public))


class _Ed25519PrivateKey(PrivateKey):
    __slots__ = ("_key",)

    def __init__(self, seed: bytes) -> None:
        self._key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        super().__init__(
            KeyType.ED25519,
            self._key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
        )

    def sign_digest(self, digest: bytes, recid: bool = False) -> tuple[bytes, int | None]:
        if type(digest) is not bytes or len(digest) != DIGEST_SIZE:
            digest = digest32(digest)
        return self._key.sign(digest), (0 if recid else None)

    def sign_message(self, message: bytes) -> bytes:
        return self._key.sign(bytes(message))


class _X25519PrivateKey(PrivateKey):
    __slots__ = ("_key",)

    def __init__(self, private: bytes) -> None:
        self._key = x25519.X25519PrivateKey.from_private_bytes(private)
        super().__init__(
            KeyType.X25519,
            self._key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
        )

    def ecdh(self, peer_public: bytes | PublicKey) -> bytes:
        peer = x25519.X25519PublicKey.from_public_bytes(self._peer_raw(peer_public))
        try:
            shared = self._key.exchange(peer)
        except ValueError:  # OpenSSL refuses the all-zero output of low-order points
            shared = bytes(PRIVATE_KEY_SIZE)
        if not any(shared):
            raise InvalidArgument("peer public key is a low-order X25519 point")
        return shared


def load_private_key(key_type: KeyType, private: bytes) -> PrivateKey:
    """Load 32 bytes of private material (as :func:`generate_private_key` draws them)
    into a :class:`PrivateKey`. Raises :class:`InvalidArgument` for a wrong size or an
    ECDSA scalar outside 1..n-1."""
    key_type = key_type_of(key_type)
    private = raw_bytes(private, "private key")
    if len(private) != PRIVATE_KEY_SIZE:
        raise InvalidArgument(f"private key must be {PRIVATE_KEY_SIZE} bytes, got {len(private)}")
    if key_type == KeyType.ED25519:
        return _Ed25519PrivateKey(private)
    if key_type == KeyType.X25519:
        return _X25519PrivateKey(private)
    scalar = int.from_bytes(private, "big")
    if not 0 < scalar < CURVE_ORDER[key_type]:
        raise InvalidArgument("private scalar is out of the curve's range")
    if key_type == KeyType.NISTP256:
        return _P256PrivateKey(scalar)
    return _Secp256k1PrivateKey(private)
