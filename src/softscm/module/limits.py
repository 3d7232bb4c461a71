"""softscm's own bounds on the values the simulation control plane takes (``sim``: the
API, the CLI and scenario files). Each keeps what a caller sends physically possible and
finite, so that no value stored in the module's state can break a later call.

The README's "Differences from the hardware" section lists them.
"""

from __future__ import annotations

SIM_TEMP_MIN_C = -273.15
"""Lowest simulated temperature (CPU and auxiliary sensors), °C: absolute zero."""

SIM_TEMP_MAX_C = 500.0
"""Highest simulated temperature, °C: far above anything the module survives."""

SIM_BATTERY_MAX_V = 5.0
"""Highest simulated battery voltage, V (the backup cell is a 3 V coin cell; 0 V is
no battery at all)."""

SIM_ACCEL_MAX_G = 1000.0
"""Largest simulated acceleration on one axis, static or a tap, in g (either sign)."""

SIM_DRIFT_MAX_PPM = 10_000.0
"""Largest simulated RTC drift, ppm (either sign): 1 %, far beyond any crystal."""

SIM_DURATION_MAX_S = 10 * 365 * 86_400.0
"""Longest simulated duration one call takes, s (ten years): a module-time advance, a
host stall, a brown-out, a loop pulse, and the ``at`` of a scenario event."""

MODULE_TIME_MAX_S = 253_402_300_799.0
"""Latest module time, host time or RTC reading, epoch seconds (9999-12-31T23:59:59Z,
the last moment a calendar date can show)."""

SIM_IDENTITY_MAX_CHARS = 256
"""Longest value of a simulated host identity factor (``set_host_identity``), in
characters: a machine id is 32, a serial number a few more."""
