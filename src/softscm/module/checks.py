"""Argument checks shared by the module's parts: each raises ``InvalidArgument``
naming the argument."""

from __future__ import annotations

import math

from softscm.errors import InvalidArgument


def check_context(context: object) -> None:
    if not isinstance(context, str) or not 1 <= len(context) <= 64:
        raise InvalidArgument("context must be a short string")


def check_int(name: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise InvalidArgument(f"{name} must be an integer in {low}..{high}")


def check_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{name} must be a number")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidArgument(f"{name} must be finite")
    return result


def check_non_negative(name: str, value: object) -> float:
    """A finite number, at least 0."""
    result = check_float(name, value)
    if result < 0:
        raise InvalidArgument(f"{name} cannot be negative")
    return result
