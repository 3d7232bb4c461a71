"""Per-member passwords of SLIP39 shares, a Zymbit addition to SLIP-0039.

A share generated with a non-empty member password is bound to it
(``scm-behaviour.md`` §8.6): its share value is encrypted under a key derived from the
password, and its RS1024 checksum is computed with a customization string derived from
the same key instead of SLIP-0039's ``"shamir"`` / ``"shamir_extendable"``. Fed with the
wrong password, or with none, the share fails its checksum at once, even in a 1-of-1
group, which has no digest to catch a wrong value later. A share with an empty password
is a standard SLIP-0039 share.

The key is ``PBKDF2-HMAC-SHA256(NFKD(password), salt, 20000)``; the salt names the share
(identifier, extendable flag, iteration exponent, group and member index), so the same
password gives each share its own key, and a brute-force search of the checksum costs a
PBKDF2 per guess and per share.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import replace

from shamir_mnemonic import (  # type: ignore[import-untyped]
    MnemonicError,
    Share,
    rs1024,
    wordlist,
)
from shamir_mnemonic.constants import (  # type: ignore[import-untyped]
    CHECKSUM_LENGTH_WORDS,
    CUSTOMIZATION_STRING_EXTENDABLE,
    CUSTOMIZATION_STRING_ORIG,
    ID_EXP_LENGTH_WORDS,
    ITERATION_EXP_LENGTH_BITS,
    MIN_MNEMONIC_LENGTH_WORDS,
    RADIX_BITS,
)

from softscm.errors import InvalidArgument

KDF_ITERATIONS = 20000
"""PBKDF2-HMAC-SHA256 iterations from a member password to its share key."""

KEY_BYTES = 32
"""Length of a share key."""

_SALT_DOMAIN = b"softscm/slip39/member-password/v1"
_CHECKSUM_DOMAIN = b"checksum"
_VALUE_DOMAIN = b"value"
_CUSTOMIZATION_PREFIX = b"shamir_member_password:"
_CUSTOMIZATION_TAG_BYTES = 8
NAME_WORDS = ID_EXP_LENGTH_WORDS + 2
"""How many leading words name a share in messages (they carry no secret)."""


def share_name(mnemonic: str) -> str:
    """How messages name a share: its first words (identifier and indexes, no secret)."""
    words = mnemonic.split()[:NAME_WORDS] if isinstance(mnemonic, str) else []
    return '"' + " ".join(words) + ' ..."'


def mnemonic_with_password(share: Share, password: str = "") -> str:
    """The mnemonic of ``share`` bound to ``password``; the standard SLIP-0039 mnemonic
    when ``password`` is empty. Counterpart to :func:`share_from_mnemonic`."""
    check_password(password)
    if not password:
        return str(share.mnemonic())
    key = _share_key(password, share)
    masked = replace(share, value=_xor(share.value, _mask(key, len(share.value))))
    data = list(wordlist.mnemonic_to_indices(masked.mnemonic()))[:-CHECKSUM_LENGTH_WORDS]
    checksum = rs1024.create_checksum(data, _customization(key))
    return str(wordlist.mnemonic_from_indices(data + checksum))


def share_from_mnemonic(mnemonic: str, password: str = "") -> Share:
    """The share a mnemonic holds, read with its member ``password`` (``""``: a standard
    SLIP-0039 share). Any defect (an unknown word, a bad length or padding, a checksum
    that fails, which is also what a wrong password gives) is ``InvalidArgument``
    naming the share by its first words."""
    check_password(password)
    if not isinstance(mnemonic, str):
        raise InvalidArgument(f"a share mnemonic is a str, not {type(mnemonic).__name__}")
    name = share_name(mnemonic)
    if not password:
        return _parse(mnemonic, name)
    try:
        indices = list(wordlist.mnemonic_to_indices(mnemonic))
    except MnemonicError:
        raise InvalidArgument(f"share {name} has a word that is not in the SLIP39 "
                              "wordlist") from None
    if len(indices) < MIN_MNEMONIC_LENGTH_WORDS:
        raise InvalidArgument(f"share {name} is too short: a SLIP39 share has at least "
                              f"{MIN_MNEMONIC_LENGTH_WORDS} words")
    data = indices[:-CHECKSUM_LENGTH_WORDS]
    # Rebuild the standard checksum only to let the library parse the fields and check
    # length and padding; the password's checksum below is what authenticates the share.
    standard = data + rs1024.create_checksum(data, _standard_customization(indices))
    masked = _parse(str(wordlist.mnemonic_from_indices(standard)), name)
    key = _share_key(password, masked)
    if not rs1024.verify_checksum(indices, _customization(key)):
        raise InvalidArgument(f"share {name} fails its checksum: a word is wrong, or the "
                              "member password is not the share's")
    return replace(masked, value=_xor(masked.value, _mask(key, len(masked.value))))


def _parse(mnemonic: str, name: str) -> Share:
    try:
        return Share.from_mnemonic(mnemonic)
    except MnemonicError as error:
        reason = str(error)
        if "checksum" in reason:
            raise InvalidArgument(f"share {name} fails its checksum: a word is wrong, or "
                                  "the share needs a member password") from None
        raise InvalidArgument(f"share {name} is not a valid SLIP39 share "
                              f"({_reason(reason)})") from None


_REASONS = (
    ("padding", "bad padding"),
    ("length", "bad length"),
    ("threshold", "group threshold above group count"),
    ("word", "a word not in the SLIP39 wordlist"),
)


def _reason(message: str) -> str:
    """The library's reason, without the share words its message may quote."""
    lowered = message.lower()
    return next((text for marker, text in _REASONS if marker in lowered), "malformed")


def _standard_customization(indices: list[int]) -> bytes:
    id_exp = 0
    for index in indices[:ID_EXP_LENGTH_WORDS]:
        id_exp = (id_exp << RADIX_BITS) | index
    extendable = (id_exp >> ITERATION_EXP_LENGTH_BITS) & 1
    return bytes(CUSTOMIZATION_STRING_EXTENDABLE if extendable else CUSTOMIZATION_STRING_ORIG)


def check_password(password: str) -> None:
    """``InvalidArgument`` unless ``password`` is a ``str`` (member passwords are plain
    text, not base64)."""
    if not isinstance(password, str):
        raise InvalidArgument(f"a member password is a str, not {type(password).__name__}")


def _share_key(password: str, share: Share) -> bytes:
    salt = (_SALT_DOMAIN + share.identifier.to_bytes(2, "big")
            + bytes([share.extendable, share.iteration_exponent, share.group_index,
                     share.index]))
    secret = unicodedata.normalize("NFKD", password).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", secret, salt, KDF_ITERATIONS, KEY_BYTES)


def _customization(key: bytes) -> bytes:
    tag = hmac.new(key, _CHECKSUM_DOMAIN, hashlib.sha256).digest()
    return _CUSTOMIZATION_PREFIX + tag[:_CUSTOMIZATION_TAG_BYTES]


def _mask(key: bytes, length: int) -> bytes:
    blocks = []
    for counter in range(-(-length // 32)):
        blocks.append(hmac.new(key, _VALUE_DOMAIN + bytes([counter]),
                               hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right))
