"""Temperatures, battery voltage, RTC drift and their monitors (``zymkey-api.md``
§4.14, §4.15).

The methods check and convert their arguments as Zymbit's wrapper does before the
module is reached (Q28). Readings travel through a C ``float``, so they come back with
single precision.
"""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_float, c_int, float32
from zymkey._errors import library_call
from zymkey._facade import Facade

#: ``ZK_THRESHOLD_ACTION_TYPE``: what a monitor does when its threshold is crossed.
_ACTION_NONE = 0
_ACTION_SELF_DESTRUCT = 1
_ACTION_SLEEP = 2


class MonitorMethods(Facade):
    """Sensor readings and the battery and CPU temperature monitors."""

    def get_cpu_temp(self) -> float:
        """The security processor's temperature in °C."""
        with library_call():
            return float32(self._client.cpu_temp())

    def get_aux_temp(self, index: Any = 0) -> float:
        """The temperature of auxiliary sensor ``index`` in °C."""
        sensor = c_int(index, 2)
        with library_call():
            return float32(self._client.aux_temp(sensor))

    def get_rtc_drift(self) -> float:
        """The real-time clock's current drift (ppm in softscm)."""
        with library_call():
            return float32(self._client.rtc_drift())

    def get_batt_volt(self) -> float:
        """The battery voltage in volts."""
        with library_call():
            return float32(self._client.battery_voltage())

    def set_battery_voltage_action(self, sleep: Any = False, self_destruct: Any = False) -> None:
        """What happens when the battery voltage falls below the threshold: nothing
        (neither flag), self-destruct, or sleep until it recovers; not both (Q28)."""
        if not sleep and not self_destruct:
            action = _ACTION_NONE
        elif not sleep and self_destruct:
            action = _ACTION_SELF_DESTRUCT
        elif sleep and not self_destruct:
            action = _ACTION_SLEEP
        else:
            raise AssertionError("Sleep and self-destruct cannot both be True")
        with library_call():
            self._client.set_battery_voltage_action(sleep=action == _ACTION_SLEEP,
                                                    self_destruct=action == _ACTION_SELF_DESTRUCT)

    def set_battery_voltage_threshold(self, threshold: Any) -> None:
        """The battery threshold in volts (default 2.3 V)."""
        volts = c_float(threshold, 2)
        with library_call():
            self._client.set_battery_voltage_threshold(volts)

    def set_cpu_temp_action(self, self_destruct: Any = False) -> None:
        """What happens when the CPU temperature leaves the [low, high] window: nothing,
        or self-destruct."""
        action = _ACTION_SELF_DESTRUCT if self_destruct else _ACTION_NONE
        with library_call():
            self._client.set_cpu_temp_action(self_destruct=action == _ACTION_SELF_DESTRUCT)

    def set_cpu_low_temp_threshold(self, threshold: Any) -> None:
        """The low end of the CPU temperature window in °C (default -10 °C)."""
        celsius = c_float(threshold, 2)
        with library_call():
            self._client.set_cpu_low_temp_threshold(celsius)

    def set_cpu_high_temp_threshold(self, threshold: Any) -> None:
        """The high end of the CPU temperature window in °C (default 65 °C)."""
        celsius = c_float(threshold, 2)
        with library_call():
            self._client.set_cpu_high_temp_threshold(celsius)
