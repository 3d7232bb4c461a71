"""The physical-security methods of :class:`softscm.Client` (binding, perimeter,
sensors, monitors, LED) and the simulation control plane, ``client.sim``."""

from __future__ import annotations

from typing import Any

from softscm.errors import Timeout


class PhysicalClientMixin:
    """Binding and modes, perimeter, taps, sensors, monitors and the LED."""

    _context: str

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    # -- binding -------------------------------------------------------------------------

    def lock_binding(self) -> None:
        """Make the binding to this host permanent (production from the next boot)."""
        self._call("lock_binding")

    def binding_info(self) -> tuple[bool, bool]:
        """``(binding_is_locked, is_bound)``."""
        locked, bound = self._call("binding_info")
        return bool(locked), bool(bound)

    # -- perimeter -----------------------------------------------------------------------

    def set_perimeter_event_actions(self, channel: int, notify: bool = True,
                                    self_destruct: bool = False) -> None:
        """Set the actions of perimeter ``channel`` (0 or 1)."""
        self._call("set_perimeter_event_actions", channel=channel, notify=bool(notify),
                   self_destruct=bool(self_destruct))

    def set_digital_perimeter_lp_period(self, lp_period: int) -> None:
        """Low-power sampling period, µs."""
        self._call("set_digital_perimeter_lp_period", lp_period=lp_period)

    def set_digital_perimeter_lp_max_bits(self, max_num_bits: int) -> None:
        """Low-power pattern length, bits."""
        self._call("set_digital_perimeter_lp_max_bits", max_num_bits=max_num_bits)

    def set_digital_perimeter_delays(self, min_delay_ns: int, max_delay_ns: int) -> None:
        """Accepted loop delays, ns."""
        self._call("set_digital_perimeter_delays", min_delay_ns=min_delay_ns,
                   max_delay_ns=max_delay_ns)

    def perimeter_info(self) -> list[int]:
        """First-breach timestamps per channel (0: none since the last clear)."""
        return [int(t) for t in self._call("perimeter_info")]

    def clear_perimeter_info(self) -> None:
        """Clear the timestamps and re-arm both channels."""
        self._call("clear_perimeter_info")

    def wait_for_perimeter_event(self, timeout_ms: int = -1) -> None:
        """Block until a breach on a notify channel (``Timeout`` after ``timeout_ms`` of
        module time; 0 polls; negative waits without limit)."""
        self._wait("perimeter", timeout_ms)

    def wait_for_tap(self, timeout_ms: int = -1) -> None:
        """Block until a tap (as :meth:`wait_for_perimeter_event`)."""
        self._wait("tap", timeout_ms)

    def _wait(self, kind: str, timeout_ms: int) -> None:
        result = self._call("wait", kind=kind, context=self._context, timeout_ms=timeout_ms)
        if result != "event":
            raise Timeout("wait timed out")

    # -- sensors and monitors -----------------------------------------------------------

    def set_tap_sensitivity(self, axis: str = "all", pct: float = 50.0) -> None:
        """Tap sensitivity of ``x``, ``y``, ``z`` or ``all`` (0 % off … 100 %)."""
        self._call("set_tap_sensitivity", axis=axis, pct=pct)

    def accelerometer(self) -> list[tuple[float, int]]:
        """``(g, tap_dir)`` for x, y and z."""
        return [(float(g), int(d)) for g, d in self._call("accelerometer")]

    def cpu_temp(self) -> float:
        """CPU temperature, °C."""
        return float(self._call("cpu_temp"))

    def aux_temp(self, index: int = 0) -> float:
        """Auxiliary temperature sensor ``index``, °C."""
        return float(self._call("aux_temp", index=index))

    def rtc_drift(self) -> float:
        """Measured RTC drift, ppm."""
        return float(self._call("rtc_drift"))

    def battery_voltage(self) -> float:
        """Battery voltage, V."""
        return float(self._call("battery_voltage"))

    def set_battery_voltage_action(self, sleep: bool = False, self_destruct: bool = False) -> None:
        """Action at power-off with a low battery (none, sleep or self-destruct)."""
        self._call("set_battery_voltage_action", sleep=bool(sleep),
                   self_destruct=bool(self_destruct))

    def set_battery_voltage_threshold(self, threshold: float) -> None:
        """Battery threshold, V (0 < v ≤ 2.5)."""
        self._call("set_battery_voltage_threshold", threshold=threshold)

    def set_cpu_temp_action(self, self_destruct: bool = False) -> None:
        """Action when the CPU temperature leaves its window."""
        self._call("set_cpu_temp_action", self_destruct=bool(self_destruct))

    def set_cpu_low_temp_threshold(self, threshold: float) -> None:
        """Low temperature threshold, °C."""
        self._call("set_cpu_low_temp_threshold", threshold=threshold)

    def set_cpu_high_temp_threshold(self, threshold: float) -> None:
        """High temperature threshold, °C."""
        self._call("set_cpu_high_temp_threshold", threshold=threshold)

    def set_i2c_address(self, address: int) -> None:
        """The i2c address (validated and stored)."""
        self._call("set_i2c_address", address=address)

    # -- LED -------------------------------------------------------------------------

    def led_on(self) -> None:
        """User LED pattern: steadily on."""
        self._call("led_on")

    def led_off(self) -> None:
        """User LED pattern: off."""
        self._call("led_off")

    def led_flash(self, on_ms: int, off_ms: int = 0, num_flashes: int = 0) -> None:
        """Flash the LED (``off_ms`` 0 means ``on_ms``; ``num_flashes`` 0: forever)."""
        self._call("led_flash", on_ms=on_ms, off_ms=off_ms, num_flashes=num_flashes)

    def led(self) -> dict[str, Any]:
        """What the LED shows now."""
        return dict(self._call("led"))

    def led_timeline(self, since_ms: int = 0) -> dict[str, Any]:
        """The LED history: ``segments`` ``[start_ms, duration_ms, on]`` and ``spans``
        ``[start_ms, end_ms, label, simulated]`` in module milliseconds."""
        return dict(self._call("led_timeline", since_ms=since_ms))

    def events(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Event-log records after ``after`` (oldest first)."""
        return [dict(e) for e in self._call("events", after=after, limit=limit)]
