"""The ``"cardano"`` variant of Ed25519 wallets: BIP32-Ed25519 keys (Khovratovich and
Law, the "V2" scheme Cardano uses) with an Icarus master key (CIP-3).

Unlike SLIP-10 Ed25519, this scheme derives non-hardened children, so an oversight
wallet can follow a Cardano account (``scm-behaviour.md`` §8.1). Its private keys are
extended keys: 64 bytes ``kL || kR``, where ``kL`` is the signing scalar itself and
``kR`` the nonce prefix, and :func:`sign` signs with them.

The master key is ``PBKDF2-HMAC-SHA512(passphrase, entropy, 4096, 96 bytes)``, clamped;
``entropy`` is a BIP39 mnemonic's entropy (not its seed), a SLIP39 master secret, or a
random master seed. softscm's choice for a non-empty ``master_gen_key``, which Icarus
has no place for: the salt becomes ``HMAC-SHA512(master_gen_key, entropy)``, as the
generator key keys the master HMAC of the other schemes.
"""

from __future__ import annotations

import hashlib
import hmac

from softscm.errors import InvalidArgument
from softscm.wallet import _edwards25519 as ed

VARIANT = "cardano"
"""The ``RecoveryStrategy.variant`` naming this scheme."""

ICARUS_ITERATIONS = 4096
"""PBKDF2 iterations of the Icarus master key."""

EXTENDED_KEY_BYTES = 64
"""Length of an extended private key ``kL || kR``."""

_MASK_256 = (1 << 256) - 1


def icarus_master(entropy: bytes, passphrase: bytes | str = b"",
                  master_gen_key: bytes | str = b"") -> tuple[bytes, bytes, bytes]:
    """``(extended private key, public key, chain code)`` of the Icarus master key."""
    secret = _bytes(passphrase)
    salt = bytes(entropy)
    key = _bytes(master_gen_key)
    if key:
        salt = hmac.new(key, salt, hashlib.sha512).digest()
    material = bytearray(hashlib.pbkdf2_hmac("sha512", secret, salt, ICARUS_ITERATIONS, 96))
    material[0] &= 0xF8
    material[31] &= 0x1F
    material[31] |= 0x40
    private_key = bytes(material[:EXTENDED_KEY_BYTES])
    return private_key, public_key(private_key), bytes(material[EXTENDED_KEY_BYTES:])


def public_key(private_key: bytes) -> bytes:
    """The 32-byte public key ``kL * B`` of an extended private key."""
    return ed.encode(ed.multiply(int.from_bytes(private_key[:32], "little")))


def child_private(private_key: bytes, public: bytes, chain_code: bytes,
                  number: int) -> tuple[bytes, bytes]:
    """``(private key, chain code)`` of the child ``number`` (hardened or not)."""
    suffix = number.to_bytes(4, "little")
    if number >= 2**31:
        z = _hmac(chain_code, b"\x00" + private_key + suffix)
        chain = _hmac(chain_code, b"\x01" + private_key + suffix)[32:]
    else:
        z = _hmac(chain_code, b"\x02" + public + suffix)
        chain = _hmac(chain_code, b"\x03" + public + suffix)[32:]
    kl = int.from_bytes(private_key[:32], "little") + 8 * int.from_bytes(z[:28], "little")
    kr = int.from_bytes(private_key[32:], "little") + int.from_bytes(z[32:], "little")
    child = (kl & _MASK_256).to_bytes(32, "little") + (kr & _MASK_256).to_bytes(32, "little")
    return child, chain


def child_public(public: bytes, chain_code: bytes, number: int) -> tuple[bytes, bytes]:
    """``(public key, chain code)`` of the non-hardened child ``number``, from the
    parent's public key alone."""
    if number >= 2**31:
        raise InvalidArgument("a hardened child needs the parent's private key")
    parent = ed.decode(public)
    if parent is None:
        raise InvalidArgument("the parent public key is not an ed25519 point")
    suffix = number.to_bytes(4, "little")
    z = _hmac(chain_code, b"\x02" + public + suffix)
    chain = _hmac(chain_code, b"\x03" + public + suffix)[32:]
    tweak = ed.multiply(8 * int.from_bytes(z[:28], "little"))
    return ed.encode(ed.add(parent, tweak)), chain


def check_public(public: bytes) -> None:
    """``InvalidArgument`` unless ``public`` encodes an ed25519 point."""
    if len(public) != 32 or ed.decode(public) is None:
        raise InvalidArgument("the public key is not an ed25519 point")


def sign(private_key: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` by an extended private key; it
    verifies with :func:`public_key` as any Ed25519 signature does."""
    if len(private_key) != EXTENDED_KEY_BYTES:
        raise InvalidArgument(f"an extended private key has {EXTENDED_KEY_BYTES} bytes")
    return ed.sign_extended(private_key[:32], private_key[32:], public_key(private_key),
                            bytes(message))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha512).digest()


def _bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
