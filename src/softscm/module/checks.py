"""Argument checks shared by the module's parts: each raises ``InvalidArgument``
naming the argument."""

from __future__ import annotations

import math

from softscm.errors import InvalidArgument


def check_context(context: object) -> None:
    """A host context: a string of 1 to 64 characters."""
    if not isinstance(context, str) or not 1 <= len(context) <= 64:
        raise InvalidArgument("context must be a short string")


def check_int(name: str, value: object, low: int, high: int) -> None:
    """An int (not a bool) in ``low..high``."""
    if type(value) is not int or not low <= value <= high:
        raise InvalidArgument(f"{name} must be an integer in {low}..{high}")


def check_float(name: str, value: object) -> float:
    """A finite number (not a bool), as a float."""
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


def check_range(name: str, value: object, low: float, high: float, unit: str = "") -> float:
    """A finite number in ``low..high`` (both included), as a float."""
    result = check_float(name, value)
    if not low <= result <= high:
        suffix = f" {unit}" if unit else ""
        raise InvalidArgument(f"{name} must be in {low:g}..{high:g}{suffix}, not {result:g}")
    return result
