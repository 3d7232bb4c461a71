"""Perimeter detection (``zymkey-api.md`` §4.13).

The methods check and convert their arguments as Zymbit's wrapper does before the
module is reached.
"""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_bool, c_int
from zymkey._errors import library_call
from zymkey._facade import Facade


class PerimeterMethods(Facade):
    """Perimeter event actions, the digital detector's settings, events and records."""

    def set_perimeter_event_actions(self, channel: Any, action_notify: Any = True,
                                    action_self_destruct: Any = False) -> None:
        """What a breach of perimeter ``channel`` (0 or 1) does: notify waiters and/or
        self-destruct (neither: nothing)."""
        chan = c_int(channel, 2)
        notify = c_bool(action_notify)
        self_destruct = c_bool(action_self_destruct)
        with library_call():
            self._client.set_perimeter_event_actions(chan, notify, self_destruct)

    def set_digital_perimeter_lp_period(self, lp_period: Any) -> None:
        """The digital detector's low-power sampling period, in microseconds."""
        period = c_int(lp_period, 2)
        with library_call():
            self._client.set_digital_perimeter_lp_period(period)

    def set_digital_perimeter_lp_max_bits(self, max_num_bits: Any) -> None:
        """The digital detector's maximum number of bits in low-power mode."""
        bits = c_int(max_num_bits, 2)
        with library_call():
            self._client.set_digital_perimeter_lp_max_bits(bits)

    def set_digital_perimeter_delays(self, min_delay_ns: Any, max_delay_ns: Any) -> None:
        """The digital detector's minimum and maximum delays, in nanoseconds."""
        low = c_int(min_delay_ns, 2)
        high = c_int(max_delay_ns, 3)
        with library_call():
            self._client.set_digital_perimeter_delays(low, high)

    def wait_for_perimeter_event(self, timeout_ms: Any = -1) -> None:
        """Block until a breach is reported or ``timeout_ms`` ms have passed (``-1``:
        wait indefinitely); a timeout raises ``ZymkeyTimeoutError("wait timed out")``."""
        timeout = c_int(timeout_ms, 2)
        with library_call():
            self._client.wait_for_perimeter_event(timeout)

    def get_perimeter_detect_info(self) -> list[int]:
        """One timestamp per channel: the epoch second of its first breach since the
        last clear, ``0`` if none."""
        with library_call():
            timestamps = self._client.perimeter_info()
        return [int(ts) for ts in timestamps]

    def clear_perimeter_detect_info(self) -> None:
        """Clear the recorded breaches and re-arm both channels."""
        with library_call():
            self._client.clear_perimeter_info()
