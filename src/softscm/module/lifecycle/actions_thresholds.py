"""Comparing sensor readings with the event thresholds (``scm-behaviour.md`` §3.1, §3.2).

When a reading is out of range, and when a hold caused by one ends (the hysteresis of
§3.2). Readings and thresholds may have passed through C ``float`` (2.3 comes back as
2.299999952…), so comparisons are made in thousandths of a volt or degree: a reading
equal to its threshold at that resolution is not beyond it.
"""

from __future__ import annotations

from enum import Enum, unique

TEMP_HYSTERESIS_C = 1.0
"""A temperature hold ends once the reading is inside ``[low + this, high - this]``, °C."""

BATTERY_HYSTERESIS_V = 0.05
"""A battery sleep hold ends once the voltage is above ``threshold + this``, V."""

BATTERY_REMOVED_V = 0.0
"""The voltage a removed battery counts as, V."""

_MILLI = 1000


def _milli(value: float) -> int:
    return round(value * _MILLI)


@unique
class Side(Enum):
    """Which temperature threshold a reading crossed (the ``side`` of the log record)."""

    LOW = "low"
    HIGH = "high"


def temperature_side(celsius: float, low_c: float, high_c: float) -> Side | None:
    """``Side.LOW`` below the low threshold, ``Side.HIGH`` above the high one, else ``None``."""
    reading = _milli(celsius)
    if reading < _milli(low_c):
        return Side.LOW
    if reading > _milli(high_c):
        return Side.HIGH
    return None


def temperature_released(celsius: float, low_c: float, high_c: float) -> bool:
    """Whether a temperature hold ends at this reading: inside
    ``[low + TEMP_HYSTERESIS_C, high - TEMP_HYSTERESIS_C]``."""
    reading = _milli(celsius)
    return _milli(low_c + TEMP_HYSTERESIS_C) <= reading <= _milli(high_c - TEMP_HYSTERESIS_C)


def battery_low(volts: float, threshold_v: float) -> bool:
    """Whether the battery is below its threshold (a removed battery reads 0 V)."""
    return _milli(volts) < _milli(threshold_v)


def battery_released(volts: float, threshold_v: float) -> bool:
    """Whether a battery sleep hold ends at this reading: above
    ``threshold + BATTERY_HYSTERESIS_V``."""
    return _milli(volts) > _milli(threshold_v + BATTERY_HYSTERESIS_V)
