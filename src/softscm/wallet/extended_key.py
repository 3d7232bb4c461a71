"""BIP32 extended keys (``xprv...`` / ``xpub...``) of secp256k1 nodes.

The module never takes or gives extended keys (``zymkey`` passes raw keys and chain
codes); they are here to check derivation against published vectors and for tools.
:class:`ExtendedKey` parses one strictly, rejecting what BIP32's test vector 5 lists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import coincurve

from softscm.errors import InvalidArgument, OperationNotSupported
from softscm.wallet._secp256k1 import ORDER
from softscm.wallet.bip32 import NO_FINGERPRINT, Node
from softscm.wallet.curves import WalletCurve

XPRV_VERSION = bytes.fromhex("0488ade4")
"""Version bytes of a mainnet private extended key (``xprv``)."""

XPUB_VERSION = bytes.fromhex("0488b21e")
"""Version bytes of a mainnet public extended key (``xpub``)."""

PAYLOAD_BYTES = 78
"""Length of an extended key before its 4-byte checksum."""

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class ExtendedKey:
    """The fields of a BIP32 extended key. ``key`` is the 33-byte key data: ``0x00 ||
    private key`` or a compressed public key."""

    version: bytes
    depth: int
    parent_fingerprint: bytes
    child_number: int
    chain_code: bytes
    key: bytes

    @property
    def is_private(self) -> bool:
        """Whether this is an ``xprv``."""
        return self.version == XPRV_VERSION

    def serialize(self) -> str:
        """The base58check text. Counterpart to :meth:`parse`."""
        payload = (self.version + bytes([self.depth]) + self.parent_fingerprint
                   + self.child_number.to_bytes(4, "big") + self.chain_code + self.key)
        return _b58encode(payload + _checksum(payload))

    @classmethod
    def parse(cls, text: str) -> ExtendedKey:
        """Read and check an extended key; ``InvalidArgument`` names what is wrong (bad
        checksum or length, unknown version, a root with a parent or child number, key
        data that does not fit the version, a private key out of range, a public key off
        the curve)."""
        raw = _b58decode(text)
        payload, checksum = raw[:-4], raw[-4:]
        if len(payload) != PAYLOAD_BYTES or _checksum(payload) != checksum:
            raise InvalidArgument("the extended key's checksum or length is wrong")
        extended = cls(payload[:4], payload[4], payload[5:9],
                       int.from_bytes(payload[9:13], "big"), payload[13:45], payload[45:])
        if extended.version not in (XPRV_VERSION, XPUB_VERSION):
            raise InvalidArgument(f"unknown extended key version {extended.version.hex()}")
        if extended.depth == 0 and extended.parent_fingerprint != NO_FINGERPRINT:
            raise InvalidArgument("a depth-0 extended key has a parent fingerprint")
        if extended.depth == 0 and extended.child_number:
            raise InvalidArgument("a depth-0 extended key has a child number")
        if extended.is_private:
            if extended.key[0] != 0:
                raise InvalidArgument("an xprv's key data does not start with 0x00")
            if not 0 < int.from_bytes(extended.key[1:], "big") < ORDER:
                raise InvalidArgument("an xprv's private key is not in 1..n-1")
        else:
            if extended.key[0] not in (2, 3):
                raise InvalidArgument(f"an xpub's key data has prefix "
                                      f"{extended.key[0]:02x}, not 02 or 03")
            try:
                coincurve.PublicKey(extended.key)
            except ValueError:
                raise InvalidArgument("an xpub's public key is not on secp256k1") from None
        return extended

    @classmethod
    def from_node(cls, node: Node, *, private: bool) -> ExtendedKey:
        """The ``xprv`` (``private=True``) or ``xpub`` of a secp256k1 node."""
        if node.curve is not WalletCurve.SECP256K1:
            raise OperationNotSupported("BIP32 extended keys exist for secp256k1 only")
        if private:
            if node.private_key is None:
                raise InvalidArgument(f"the watch-only node {node.path} has no xprv")
            version, key = XPRV_VERSION, b"\x00" + node.private_key
        else:
            version, key = XPUB_VERSION, node.serialized_public_key
        return cls(version, node.depth, node.parent_fingerprint, node.child_number,
                   node.chain_code, key)


def _checksum(payload: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]


def _b58encode(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    text = ""
    while value:
        value, digit = divmod(value, 58)
        text = _ALPHABET[digit] + text
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return _ALPHABET[0] * zeros + text


def _b58decode(text: str) -> bytes:
    value = 0
    for char in text:
        digit = _ALPHABET.find(char)
        if digit < 0:
            raise InvalidArgument("the extended key is not base58 text")
        value = value * 58 + digit
    zeros = len(text) - len(text.lstrip(_ALPHABET[0]))
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes(zeros) + body
