"""Accelerometer and tap detection (``zymkey-api.md`` §3.3, §4.10).

The methods check and convert their arguments as Zymbit's wrapper does before the
module is reached (Q27).
"""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_float, c_int
from zymkey._errors import library_call
from zymkey._facade import Facade

#: ``ZK_ACCEL_AXIS_*``: the axis codes of ``set_tap_sensitivity``.
_AXES = {"x": 0, "y": 1, "z": 2, "all": 3}


class AccelMethods(Facade):
    """Tap sensitivity, waiting for taps and accelerometer readings."""

    class ZymkeyAccelAxisData:
        """One axis of :meth:`get_accelerometer_data`: ``g_force`` (the reading in g)
        and ``tap_dir`` (``-1``/``+1``: direction of the latest tap on this axis,
        ``0``: the axis did not register it)."""

        def __init__(self, g_force: Any, tap_dir: Any) -> None:
            self.g_force = g_force
            self.tap_dir = tap_dir

    def set_tap_sensitivity(self, axis: Any = "all", pct: Any = 50.0) -> None:
        """Set the tap sensitivity of ``axis`` (``"x"``, ``"y"``, ``"z"`` or ``"all"``,
        any case) to ``pct`` percent: 0 switches tap detection off, 100 is the most
        sensitive."""
        axis = axis.lower()
        if axis not in _AXES:
            raise AssertionError("invalid input value " + axis)
        percent = c_float(pct, 3)
        with library_call():
            # The client names the axis; ``_AXES`` holds the C codes it stands for.
            self._client.set_tap_sensitivity(axis, percent)

    def wait_for_tap(self, timeout_ms: Any = -1) -> None:
        """Block until a tap is detected or ``timeout_ms`` ms have passed (``-1``: wait
        indefinitely); a timeout raises ``ZymkeyTimeoutError("wait timed out")``."""
        timeout = c_int(timeout_ms, 2)
        with library_call():
            self._client.wait_for_tap(timeout)

    def get_accelerometer_data(self) -> tuple[Any, Any, Any]:
        """The latest readings as a tuple ``(x, y, z)`` of
        :class:`Zymkey.ZymkeyAccelAxisData` (Q20)."""
        with library_call():
            axes = self._client.accelerometer()
        x, y, z = (
            self.ZymkeyAccelAxisData(float(g_force), int(tap_dir)) for g_force, tap_dir in axes
        )
        return x, y, z
