"""``client.sim``: the simulation control plane of :class:`softscm.Client` (the physical
world and the factory, ``scm-behaviour.md`` §0.1). Never reachable through ``zymkey``;
refused by a module made without simulation.

One method per simulation input of the module's registry of operations
(:mod:`softscm.module.operations`), named after the control it drives (``loop_open``
sends the operation ``sim_loop_open``), with the module method's own signature:
``tests/module/test_operations.py`` holds the two to each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from softscm.module.lifecycle.physical import DEFAULT_TAP_G


class Simulation:
    """The simulation control plane (``client.sim``): perimeter loops, sensors, power,
    the host, the clock and the store's protected areas, as inputs."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self._call = call

    def loop_open(self, channel: int) -> None:
        """Break perimeter loop ``channel``."""
        self._call("sim_loop_open", channel=channel)

    def loop_close(self, channel: int) -> None:
        """Restore perimeter loop ``channel``."""
        self._call("sim_loop_close", channel=channel)

    def loop_pulse(self, channel: int, duration: float) -> None:
        """Open loop ``channel`` for ``duration`` seconds, then close it (§4.5: on
        battery only a pulse spanning a sampling instant is seen)."""
        self._call("sim_loop_pulse", channel=channel, duration=duration)

    def set_temperature(self, celsius: float) -> None:
        """Set the CPU temperature (°C)."""
        self._call("sim_set_temperature", celsius=celsius)

    def set_aux_temperature(self, index: int, celsius: float) -> None:
        """Set auxiliary temperature sensor ``index``."""
        self._call("sim_set_aux_temperature", index=index, celsius=celsius)

    def set_battery(self, volts: float) -> None:
        """Set the battery voltage."""
        self._call("sim_set_battery", volts=volts)

    def remove_battery(self) -> None:
        """Take the battery out (0 V)."""
        self._call("sim_remove_battery")

    def insert_battery(self, volts: float = 3.0) -> None:
        """Put a battery in."""
        self._call("sim_insert_battery", volts=volts)

    def main_power(self, on: bool) -> None:
        """Switch main power off or on (a battery keeps the module's monitors alive)."""
        self._call("sim_main_power", on=on)

    def power_cycle(self) -> None:
        """Main power off, then on: a cold boot of module and host."""
        self._call("sim_power_cycle")

    def host_reboot(self) -> None:
        """The host restarts; the module stays powered and re-binds."""
        self._call("sim_host_reboot")

    def host_stall(self, seconds: float) -> None:
        """The host stops sending heartbeats for ``seconds``."""
        self._call("sim_host_stall", seconds=seconds)

    def set_host_identity(self, factor: str, value: str) -> None:
        """Override one binding factor of the host (tests, the other host)."""
        self._call("sim_set_host_identity", factor=factor, value=value)

    def delete_host_salt(self) -> None:
        """Lose the host-side binding salt (seen at the next bind)."""
        self._call("sim_delete_host_salt")

    def restore_host_salt(self, salt: bytes) -> None:
        """Put salt bytes back; only the original ones bind a locked module again."""
        self._call("sim_restore_host_salt", salt=salt)

    def tap(self, axis: str, g: float = DEFAULT_TAP_G, direction: int = 1) -> None:
        """An acceleration impulse of ``g`` on ``axis`` in ``direction`` (±1)."""
        self._call("sim_tap", axis=axis, g=g, direction=direction)

    def set_acceleration(self, x: float, y: float, z: float) -> None:
        """Static acceleration in g."""
        self._call("sim_set_acceleration", x=x, y=y, z=z)

    def brownout(self, seconds: float) -> None:
        """The main supply dips for ``seconds``; services come back 1 s after it is
        stable again. Nothing else changes (§2.6)."""
        self._call("sim_brownout", seconds=seconds)

    def advance(self, seconds: float) -> None:
        """Move module time forward for every process on this state."""
        self._call("sim_advance", seconds=seconds)

    def set_host_time(self, epoch: float, ntp_synced: bool = True) -> None:
        """The host's wall clock; with NTP synchronised the module syncs its RTC to it
        and measures its drift between syncs (§7.2)."""
        self._call("sim_set_host_time", epoch=epoch, ntp_synced=ntp_synced)

    def set_drift(self, ppm: float) -> None:
        """Simulated RTC drift, ppm."""
        self._call("sim_set_drift", ppm=ppm)

    def corrupt(self, area: str) -> None:
        """Damage a protected area (a test hook for integrity failures): ``"keystore"``
        a sealed key record, so the self test's key-store digest fails (fatal 6);
        ``"code"`` the recorded code digest, as a changed installed file would (fatal
        9); ``"manifest"`` supervised boot's manifest (a process failure, 22/9). The
        self test sees it at the next boot, background run or commanded test."""
        self._call("sim_corrupt", area=area)
