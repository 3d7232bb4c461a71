"""Node addresses (``zymkey-api.md`` §5.11)."""

from __future__ import annotations

import pytest

from softscm.errors import InvalidArgument
from softscm.wallet.path import (
    HARDENED,
    MAX_INDEX,
    child_number,
    child_path,
    format_path,
    normalize_path,
    parent_path,
    parse_path,
    path_depth,
)


def test_hardened_offset_is_two_to_the_31() -> None:
    assert HARDENED == 2**31 == 0x80000000
    assert MAX_INDEX == 2**31 - 1


@pytest.mark.parametrize(
    ("address", "numbers"),
    [
        ("m", ()),
        ("m/0", (0,)),
        ("m/3'", (3 + HARDENED,)),
        ("m/44'/60'/0'/0/3", (44 + HARDENED, 60 + HARDENED, HARDENED, 0, 3)),
        ("m/44/60/0/0'", (44, 60, 0, HARDENED)),
        ("m/2147483647'/2147483647", (2**32 - 1, 2**31 - 1)),
    ],
)
def test_parse_and_format_round_trip(address: str, numbers: tuple[int, ...]) -> None:
    assert parse_path(address) == numbers
    assert format_path(numbers) == address
    assert normalize_path(address) == address
    assert path_depth(address) == len(numbers)


@pytest.mark.parametrize(
    "address",
    [
        "", "M", "m/", "/0", "m//0", "m/0/", "m / 3'", "m/3 '", " m/3", "m/3h", "m/3H",
        "m/3''", "m/01", "m/-1", "m/+1", "m/2147483648", "m/2147483648'", "m/0x10",
        "m/\u00b2", "m/\u0663", "n/1", "m/1\u2019",
    ],
)
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_path(address)


def test_non_str_address_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        parse_path(b"m/1")  # type: ignore[arg-type]


def test_child_path_appends_one_step() -> None:
    assert child_path("m", 3, True) == "m/3'"
    assert child_path("m/44'/60'/0'/0", 7, False) == "m/44'/60'/0'/0/7"
    assert child_path("m/44/60/0/0'", 0, False) == "m/44/60/0/0'/0"


@pytest.mark.parametrize("index", [-1, 2**31, 2**32, True, 1.0, "1"])
def test_child_index_out_of_range(index: object) -> None:
    with pytest.raises(InvalidArgument):
        child_number(index, False)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        child_path("m", index, True)  # type: ignore[arg-type]


def test_child_number() -> None:
    assert child_number(0, True) == HARDENED
    assert child_number(MAX_INDEX, False) == MAX_INDEX


def test_parent_path() -> None:
    assert parent_path("m/44'/60'/0'/0/3") == "m/44'/60'/0'/0"
    assert parent_path("m/3'") == "m"
    with pytest.raises(InvalidArgument):
        parent_path("m")
