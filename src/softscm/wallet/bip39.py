"""BIP39 mnemonics: generation, validation in every shipped wordlist, and the seed.

Generation always gives 24 English words from 32 bytes of injected entropy
(``scm-behaviour.md`` §8.3). Validation accepts every BIP39 length (12, 15, 18, 21 or 24
words) in any wordlist the ``mnemonic`` package ships, so that every published vector
restores (``zymkey-api.md`` §5.11). Errors name the problem (a word's position, the word
count, the checksum), never the words themselves.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache
from typing import Callable

from mnemonic import Mnemonic

from softscm.errors import InternalError, InvalidArgument

ENTROPY_BYTES = 32
"""Entropy of a generated mnemonic (256 bits, hence 24 words)."""

WORD_COUNTS = (12, 15, 18, 21, 24)
"""The lengths of a valid BIP39 mnemonic, in words."""

GENERATION_LANGUAGE = "english"
"""The wordlist of generated mnemonics (the one Zymbit documents)."""

PBKDF2_ROUNDS = 2048
"""PBKDF2-HMAC-SHA512 iterations from mnemonic to seed."""

SEED_BYTES = 64
"""Length of a BIP39 seed."""

_WORD_BITS = 11
_SALT_PREFIX = "mnemonic"


@cache
def languages() -> tuple[str, ...]:
    """The wordlists the ``mnemonic`` package ships, English first."""
    names = sorted(Mnemonic.list_languages())
    return tuple(sorted(names, key=lambda name: name != GENERATION_LANGUAGE))


@cache
def _wordlist(language: str) -> Mnemonic:
    """The ``mnemonic`` package's wordlist ``language`` (read once)."""
    return Mnemonic(language)


@cache
def _word_indexes(language: str) -> dict[str, int]:
    """Each word of a wordlist (NFKD, as mnemonics are compared) and its index."""
    words = _wordlist(language).wordlist
    return {_nfkd(word): index for index, word in enumerate(words)}


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


def entropy_to_mnemonic(entropy: bytes, language: str = GENERATION_LANGUAGE) -> str:
    """The mnemonic of ``entropy`` (16 to 32 bytes, a multiple of 4) in ``language``.

    Counterpart to :func:`mnemonic_to_entropy`. Words are joined by single spaces (the
    Japanese list by ideographic spaces, as BIP39 writes it); each word is NFKD.
    """
    if len(entropy) not in (16, 20, 24, 28, 32):
        raise InvalidArgument(f"BIP39 entropy has 16, 20, 24, 28 or 32 bytes, "
                              f"not {len(entropy)}")
    if language not in languages():
        raise InvalidArgument(f"{language!r} is not a BIP39 wordlist")
    wordlist = _wordlist(language)
    words = wordlist.to_mnemonic(bytes(entropy)).split(wordlist.delimiter)
    return wordlist.delimiter.join(_nfkd(word) for word in words)


def generate_mnemonic(entropy: Callable[[int], bytes]) -> str:
    """A new 24-word English mnemonic from ``entropy(32)``, the module's generator."""
    data = entropy(ENTROPY_BYTES)
    if len(data) != ENTROPY_BYTES:
        raise InternalError(f"the entropy source gave {len(data)} bytes, "
                            f"not {ENTROPY_BYTES}")
    return entropy_to_mnemonic(data)


def mnemonic_to_entropy(mnemonic: str) -> tuple[str, bytes]:
    """The wordlist and the entropy of a valid mnemonic.

    Validation: 12, 15, 18, 21 or 24 words, all in one shipped wordlist, whose checksum
    matches. Otherwise ``InvalidArgument`` naming the problem, never the words.
    """
    words = _words(mnemonic)
    if len(words) not in WORD_COUNTS:
        raise InvalidArgument(f"a BIP39 mnemonic has 12, 15, 18, 21 or 24 words, "
                              f"not {len(words)}")
    checksum_failed = False
    fewest_unknown, first_unknown = len(words) + 1, 0
    for language in languages():
        table = _word_indexes(language)
        unknown = [position for position, word in enumerate(words, 1) if word not in table]
        if unknown:
            if len(unknown) < fewest_unknown:
                fewest_unknown, first_unknown = len(unknown), unknown[0]
            continue
        entropy = _checked_entropy([table[word] for word in words])
        if entropy is not None:
            return language, entropy
        checksum_failed = True
    if checksum_failed:
        raise InvalidArgument("the BIP39 mnemonic's checksum does not match "
                              "(a word is wrong or out of place)")
    if fewest_unknown == 1:
        raise InvalidArgument(f"word {first_unknown} of the mnemonic is not in the BIP39 "
                              "wordlist of the other words")
    raise InvalidArgument(f"the mnemonic's words are not from one BIP39 wordlist (even the "
                          f"closest lacks {fewest_unknown} of them, the first is word "
                          f"{first_unknown})")


def validate_mnemonic(mnemonic: str) -> None:
    """``InvalidArgument`` unless ``mnemonic`` is a valid BIP39 mnemonic (see
    :func:`mnemonic_to_entropy`)."""
    mnemonic_to_entropy(mnemonic)


def is_valid_mnemonic(mnemonic: str) -> bool:
    """Whether ``mnemonic`` is a valid BIP39 mnemonic in a shipped wordlist."""
    try:
        mnemonic_to_entropy(mnemonic)
    except InvalidArgument:
        return False
    return True


def mnemonic_to_seed(mnemonic: str, passphrase: bytes | str = b"") -> bytes:
    """The 64-byte BIP39 seed of a valid mnemonic and passphrase.

    ``PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" + NFKD(passphrase), 2048)``, with the
    words joined by single spaces. ``passphrase`` is the decoded text of the strategy's
    base64 passphrase: ``bytes`` are read as UTF-8. An invalid mnemonic is
    ``InvalidArgument`` (see :func:`mnemonic_to_entropy`).
    """
    validate_mnemonic(mnemonic)
    return seed_from_words(mnemonic, passphrase)


def seed_from_words(mnemonic: str, passphrase: bytes | str = b"") -> bytes:
    """The BIP39 seed of ``mnemonic`` without validating it (BIP39 defines the seed of
    any sentence); :func:`mnemonic_to_seed` is the checked counterpart."""
    if isinstance(passphrase, (bytes, bytearray, memoryview)):
        try:
            passphrase = bytes(passphrase).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument("the BIP39 passphrase is not UTF-8 text") from None
    sentence = " ".join(_words(mnemonic))
    salt = _nfkd(_SALT_PREFIX + passphrase)
    return hashlib.pbkdf2_hmac("sha512", sentence.encode("utf-8"), salt.encode("utf-8"),
                               PBKDF2_ROUNDS, SEED_BYTES)


def _words(mnemonic: str) -> list[str]:
    if not isinstance(mnemonic, str):
        raise InvalidArgument(f"a mnemonic is a str, not {type(mnemonic).__name__}")
    return _nfkd(mnemonic).split()


def _checked_entropy(indexes: list[int]) -> bytes | None:
    """The entropy of a word-index sequence, or ``None`` if its checksum is wrong."""
    total_bits = _WORD_BITS * len(indexes)
    checksum_bits = total_bits // 33
    entropy_bits = total_bits - checksum_bits
    value = 0
    for index in indexes:
        value = (value << _WORD_BITS) | index
    entropy = (value >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return entropy if value & ((1 << checksum_bits) - 1) == expected else None
