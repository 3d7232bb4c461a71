"""The simulation inputs' parameters, as the operator gives them (``softscm sim``,
scenario files), and the checks of their values against :mod:`softscm.module.limits`."""

from __future__ import annotations

from typing import Any

from softscm.errors import InvalidArgument
from softscm.module.checks import check_float, check_range
from softscm.module.limits import (
    SIM_ACCEL_MAX_G,
    SIM_BATTERY_MAX_V,
    SIM_DURATION_MAX_S,
    SIM_TEMP_MAX_C,
    SIM_TEMP_MIN_C,
)
from softscm.module.operations import REQUIRED, Param

# -- the parameters ----------------------------------------------------------------------

CHANNEL = Param("channel", "int")
SECONDS = Param("seconds", "number", low=0.0, high=SIM_DURATION_MAX_S, metavar="S")
CELSIUS = Param("celsius", "number", low=SIM_TEMP_MIN_C, high=SIM_TEMP_MAX_C, metavar="C")
VOLTS = Param("volts", "number", low=0.0, high=SIM_BATTERY_MAX_V, metavar="V")
TAP_G_HELP = "Size of the impulse in g (default: 16, seen by every enabled axis)."


def g_param(name: str, default: Any = REQUIRED, **cli: Any) -> Param:
    """An acceleration parameter, in g."""
    return Param(name, "number", default, low=-SIM_ACCEL_MAX_G, high=SIM_ACCEL_MAX_G, **cli)


# -- the checks of their values ----------------------------------------------------------

def temperature(celsius: object) -> float:
    """A temperature, °C."""
    return check_range("temperature", celsius, SIM_TEMP_MIN_C, SIM_TEMP_MAX_C, "°C")


def volts(value: object) -> float:
    """A battery voltage, V."""
    if check_float("volts", value) < 0:
        raise InvalidArgument("battery voltage cannot be negative")
    return check_range("battery voltage", value, 0.0, SIM_BATTERY_MAX_V, "V")


def duration(name: str, seconds: object) -> float:
    """A duration, s."""
    return check_range(name, seconds, 0.0, SIM_DURATION_MAX_S, "s")


def g(name: str, value: object) -> float:
    """An acceleration, g."""
    return check_range(name, value, -SIM_ACCEL_MAX_G, SIM_ACCEL_MAX_G, "g")
