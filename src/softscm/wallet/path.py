"""Node addresses of wallet trees: ``"m/44'/60'/0'/0/3"`` (``zymkey-api.md`` §5.11).

An address is ``"m"`` for a wallet's root, then ``"/" + index`` per derivation step, with
an apostrophe (U+0027, the only hardened marker) after a hardened index. Indexes are
plain decimal numbers below 2**31, written without leading zeros or spaces, so that one
node has exactly one address: the wallet SDK compares these strings as they are.

In this module a *child number* is the raw 32-bit BIP32 value (``index + HARDENED`` for a
hardened child) and an *index* is the plain number a caller passes with a ``hardened``
flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from softscm.errors import InvalidArgument

HARDENED = 0x80000000
"""Offset (2**31) that BIP32 adds to an index to mark a hardened child number."""

MAX_INDEX = HARDENED - 1
"""Largest plain index of a child (2**31 - 1)."""

ROOT = "m"
"""The address of a wallet's master node."""

HARDENED_MARKER = "'"
"""The suffix marking a hardened step in an address."""

_STEP = re.compile(r"(0|[1-9][0-9]*)(')?", re.ASCII)


def child_number(index: int, hardened: bool) -> int:
    """The BIP32 child number of the child ``index`` (``index + HARDENED`` if hardened).

    ``index`` must be an ``int`` with ``0 <= index < 2**31``; else ``InvalidArgument``.
    """
    if isinstance(index, bool) or not isinstance(index, int):
        raise InvalidArgument(f"child index must be an integer, not {type(index).__name__}")
    if not 0 <= index <= MAX_INDEX:
        raise InvalidArgument(f"child index {index} is out of range (0 to {MAX_INDEX})")
    return index + HARDENED if hardened else index


def is_hardened(number: int) -> bool:
    """Whether the child number ``number`` denotes a hardened child."""
    return number >= HARDENED


def format_step(number: int) -> str:
    """One address step for a child number: ``"3"`` or ``"3'"``."""
    _check_number(number)
    if is_hardened(number):
        return f"{number - HARDENED}{HARDENED_MARKER}"
    return str(number)


def format_path(numbers: Iterable[int]) -> str:
    """The address of the node reached from the root through ``numbers``.

    Counterpart to :func:`parse_path`: ``format_path([44 + HARDENED, 0]) == "m/44'/0"``.
    """
    return "/".join([ROOT, *(format_step(number) for number in numbers)])


def parse_path(address: str) -> tuple[int, ...]:
    """The child numbers along ``address``, from the root down.

    Counterpart to :func:`format_path`. Anything but the exact form of
    ``zymkey-api.md`` §5.11 (spaces, ``h``/``H`` markers, leading zeros, an index of 2**31
    or more, a missing ``"m"``) is ``InvalidArgument``.
    """
    if not isinstance(address, str):
        raise InvalidArgument(f"a node address is a str, not {type(address).__name__}")
    steps = address.split("/")
    if steps[0] != ROOT:
        raise InvalidArgument(f"node address {address!r} does not start with {ROOT!r}")
    numbers = []
    for position, step in enumerate(steps[1:], start=1):
        match = _STEP.fullmatch(step)
        if match is None:
            raise InvalidArgument(f"node address {address!r}: step {position} ({step!r}) "
                                  "is not a decimal index with an optional apostrophe")
        index = int(match.group(1))
        if index > MAX_INDEX:
            raise InvalidArgument(f"node address {address!r}: index {index} is not below 2**31")
        numbers.append(child_number(index, match.group(2) is not None))
    return tuple(numbers)


def normalize_path(address: str) -> str:
    """``address`` checked by :func:`parse_path` and written back in canonical form."""
    return format_path(parse_path(address))


def child_path(address: str, index: int, hardened: bool) -> str:
    """The address of child ``index`` (hardened or not) of the node at ``address``."""
    parse_path(address)
    return f"{address}/{format_step(child_number(index, hardened))}"


def parent_path(address: str) -> str:
    """The address of the parent of the node at ``address``; the root has none."""
    numbers = parse_path(address)
    if not numbers:
        raise InvalidArgument(f"node address {address!r} is a root and has no parent")
    return format_path(numbers[:-1])


def path_depth(address: str) -> int:
    """How many derivation steps ``address`` is below the root."""
    return len(parse_path(address))


def _check_number(number: int) -> None:
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidArgument(f"child number must be an integer, not {type(number).__name__}")
    if not 0 <= number <= 0xFFFFFFFF:
        raise InvalidArgument(f"child number {number} is not a 32-bit value")
