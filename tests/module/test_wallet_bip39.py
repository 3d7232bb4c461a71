"""BIP39: the python-mnemonic vectors in every language, generation, bad input."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from mnemonic import Mnemonic

from fakes import CountingEntropy
from softscm.errors import InternalError, InvalidArgument
from softscm.wallet.bip32 import master_node
from softscm.wallet.bip39 import (
    entropy_to_mnemonic,
    generate_mnemonic,
    is_valid_mnemonic,
    languages,
    mnemonic_to_entropy,
    mnemonic_to_seed,
    validate_mnemonic,
)
from softscm.wallet.curves import WalletCurve
from softscm.wallet.extended_key import ExtendedKey
from vectors import load_vectors

VECTORS = load_vectors("bip39/vectors.json")
PASSPHRASE = "TREZOR"
ABANDON = " ".join(["abandon"] * 11 + ["about"])


def _vectors() -> list[Any]:
    params = []
    for language, rows in VECTORS.items():
        marks = [] if language in languages() else [pytest.mark.skip(
            reason=f"the mnemonic package ships no {language} wordlist")]
        for number, row in enumerate(rows):
            params.append(pytest.param(language, row, marks=marks, id=f"{language}-{number}"))
    return params


def _nfkd(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text).split())


def test_every_vector_language_is_shipped() -> None:
    assert set(VECTORS) <= set(languages())
    assert languages()[0] == "english"


@pytest.mark.parametrize(("language", "row"), _vectors())
def test_bip39_vectors(language: str, row: list[str]) -> None:
    entropy, mnemonic, seed, xprv = row
    validate_mnemonic(mnemonic)
    assert mnemonic_to_entropy(mnemonic)[1].hex() == entropy
    assert mnemonic_to_seed(mnemonic, PASSPHRASE).hex() == seed
    assert mnemonic_to_seed(mnemonic, PASSPHRASE.encode()).hex() == seed
    master = master_node(WalletCurve.SECP256K1, bytes.fromhex(seed))
    assert ExtendedKey.from_node(master, private=True).serialize() == xprv
    assert _nfkd(entropy_to_mnemonic(bytes.fromhex(entropy), language)) == _nfkd(mnemonic)
    if language == "english":
        assert entropy_to_mnemonic(bytes.fromhex(entropy)) == mnemonic


def test_generated_mnemonic_is_24_english_words_from_the_entropy() -> None:
    entropy = CountingEntropy(b"bip39")
    expected = CountingEntropy(b"bip39")(32)
    words = generate_mnemonic(entropy)
    assert len(words.split(" ")) == 24
    assert unicodedata.normalize("NFKD", words) == words
    assert Mnemonic("english").check(words)
    assert bytes(Mnemonic("english").to_entropy(words)) == expected
    assert mnemonic_to_entropy(words) == ("english", expected)
    for passphrase in ("", "p@ss phrase", "\u00e9t\u00e9"):
        assert mnemonic_to_seed(words, passphrase) == Mnemonic.to_seed(words, passphrase)


def test_generation_checks_the_entropy_source() -> None:
    with pytest.raises(InternalError):
        generate_mnemonic(lambda n: bytes(n - 1))


def _replace_word(mnemonic: str, position: int, word: str) -> str:
    words = mnemonic.split()
    words[position] = word
    return " ".join(words)


def test_wrong_checksum_word_is_refused_without_echoing_words() -> None:
    bad = _replace_word(ABANDON, 11, "abandon")
    with pytest.raises(InvalidArgument, match="checksum") as caught:
        validate_mnemonic(bad)
    assert "abandon" not in str(caught.value) and "about" not in str(caught.value)
    assert not is_valid_mnemonic(bad)
    with pytest.raises(InvalidArgument):
        mnemonic_to_seed(bad)


def test_unknown_word_is_named_by_position() -> None:
    with pytest.raises(InvalidArgument, match="word 4") as caught:
        validate_mnemonic(_replace_word(ABANDON, 3, "zzzzz"))
    assert "zzzzz" not in str(caught.value)


def test_words_from_two_languages_are_refused() -> None:
    # "abeille" is French only; the rest English only.
    mixed = _replace_word(_replace_word(ABANDON, 0, "abeille"), 1, "zoo")
    with pytest.raises(InvalidArgument, match="wordlist"):
        validate_mnemonic(_replace_word(mixed, 2, "abeille"))


@pytest.mark.parametrize("count", [0, 1, 11, 13, 23, 25, 48])
def test_word_counts(count: int) -> None:
    with pytest.raises(InvalidArgument, match=f"not {count}"):
        validate_mnemonic(" ".join(["abandon"] * count))


@pytest.mark.parametrize("length", [16, 20, 24, 28, 32])
def test_every_length_round_trips(length: int) -> None:
    entropy = bytes(range(1, length + 1))
    words = entropy_to_mnemonic(entropy)
    assert len(words.split()) == length * 3 // 4
    assert mnemonic_to_entropy(words) == ("english", entropy)


def test_whitespace_and_case_of_separators() -> None:
    spaced = "  " + ABANDON.replace(" ", "   ") + "\n"
    assert mnemonic_to_seed(spaced) == mnemonic_to_seed(ABANDON) == Mnemonic.to_seed(ABANDON)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgument):
        validate_mnemonic(ABANDON.encode())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="UTF-8"):
        mnemonic_to_seed(ABANDON, b"\xff")
    with pytest.raises(InvalidArgument):
        entropy_to_mnemonic(bytes(17))
    with pytest.raises(InvalidArgument):
        entropy_to_mnemonic(bytes(16), "klingon")
