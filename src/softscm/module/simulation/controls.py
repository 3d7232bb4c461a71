"""The simulation part of a module: the simulation inputs (``scm-behaviour.md`` §0.1),
which drive its sensors, power, host and clock. Never reachable through ``zymkey``;
refused by a module made without simulation. Operations are served through
:meth:`Module.operation`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from softscm.errors import InvalidArgument
from softscm.module.checks import check_channel, check_float, check_range
from softscm.module.codes import EventKind
from softscm.module.lifecycle.actions import Trigger
from softscm.module.lifecycle.engine import BROWNOUT_SETTLE_S, HEARTBEAT_TIMEOUT_S
from softscm.module.lifecycle.physical import AXES, DEFAULT_TAP_G, IDENTITY_FACTORS
from softscm.module.limits import (
    MODULE_TIME_MAX_S,
    SIM_DRIFT_MAX_PPM,
    SIM_DURATION_MAX_S,
    SIM_IDENTITY_MAX_CHARS,
)
from softscm.module.operations import Input, Kind, Param, exposed
from softscm.module.simulation import inputs
from softscm.module.simulation.inputs import CELSIUS, CHANNEL, SECONDS, TAP_G_HELP, VOLTS, g_param
from softscm.module.simulation.power import next_sample, repowered, switch_main_power

if TYPE_CHECKING:
    from softscm.module.lifecycle.physical import Physical
    from softscm.module.profile import Profile


class SimulationControls:
    """Drives a module's sensors, power, host and clock. Every value is checked against
    :mod:`softscm.module.limits` before anything changes."""

    def __init__(self, physical: Physical, profile: Profile) -> None:
        self._p = physical
        self._profile = profile
        self.engine = physical.engine
        self.edit = physical.edit
        self._now = physical.time_at
        self._record = physical.engine.record

    def _sim(self) -> None:
        self._profile.require_simulation()

    def _check_reaches(self, seconds: float) -> None:
        """Module time ``seconds`` from now must stay a date (``MODULE_TIME_MAX_S``)."""
        if self._p.now() + seconds > MODULE_TIME_MAX_S:
            raise InvalidArgument(f"{seconds:g} s from now is past the last module time "
                                  f"({MODULE_TIME_MAX_S:g})")

    @exposed(Kind.SIMULATION, input=Input(
        "tamper", params=(CHANNEL,), help="break perimeter loop CHANNEL (0 or 1)",
        done="perimeter loop {channel} opened"))
    def sim_loop_open(self, channel: int) -> None:
        """Break perimeter loop ``channel``."""
        self._sim()
        channel = check_channel(channel)
        with self.edit() as st:
            if st.loops_open[channel]:
                return
            st.loops_open[channel] = True
            if self.engine.monitored(st):
                self.engine.breach(st, self._now(st), channel)

    @exposed(Kind.SIMULATION, input=Input(
        "close", params=(CHANNEL,), help="restore perimeter loop CHANNEL",
        done="perimeter loop {channel} closed"))
    def sim_loop_close(self, channel: int) -> None:
        """Restore perimeter loop ``channel``."""
        self._sim()
        channel = check_channel(channel)
        with self.edit() as st:
            st.loops_open[channel] = False

    @exposed(Kind.SIMULATION, input=Input(
        "pulse",
        params=(CHANNEL, Param("duration", "number", low=0.0, high=SIM_DURATION_MAX_S,
                                metavar="SECONDS")),
        help="open perimeter loop CHANNEL for SECONDS, then close it",
        done="perimeter loop {channel} opened for {duration:g} s"))
    def sim_loop_pulse(self, channel: int, duration: float) -> None:
        """Open loop ``channel`` for ``duration`` seconds, then close it (§4.5: on
        battery only a pulse spanning a sampling instant is seen)."""
        self._sim()
        channel = check_channel(channel)
        seconds = inputs.duration("duration", duration)
        if seconds <= 0:
            raise InvalidArgument("duration must be positive")
        with self.edit() as st:
            t = self._now(st)
            if st.main_power:
                self.engine.breach(st, t, channel)
                return
            instant = next_sample(st, t)
            if instant is not None and instant <= t + seconds + 1e-9:
                if instant <= t:
                    self.engine.breach(st, t, channel)
                else:
                    self.engine.schedule(st, instant, "lp_breach", channel=channel)

    @exposed(Kind.SIMULATION, input=Input(
        "temp", params=(CELSIUS,), help="CPU temperature, °C",
        done="CPU temperature set to {celsius:g} °C"))
    def sim_set_temperature(self, celsius: float) -> None:
        """Set the CPU temperature (°C)."""
        self._sim()
        value = inputs.temperature(celsius)
        with self.edit() as st:
            st.cpu_temp = value
            if self.engine.monitored(st):
                self.engine.temperature(st, self._now(st))

    @exposed(Kind.SIMULATION, input=Input(
        "aux-temp", params=(Param("index", "int", metavar="I"), CELSIUS),
        help="auxiliary temperature sensor I (0 or 1), °C",
        done="auxiliary temperature {index} set to {celsius:g} °C"))
    def sim_set_aux_temperature(self, index: int, celsius: float) -> None:
        """Set auxiliary temperature sensor ``index``."""
        self._sim()
        if type(index) is not int or index not in (0, 1):
            raise InvalidArgument("aux temperature index must be 0 or 1")
        value = inputs.temperature(celsius)
        with self.edit() as st:
            st.aux_temp[index] = value

    @exposed(Kind.SIMULATION, input=Input(
        "battery", params=(VOLTS,), help="battery voltage, V",
        done="battery set to {volts:g} V"))
    def sim_set_battery(self, volts: float) -> None:
        """Set the battery voltage."""
        self._sim()
        value = inputs.volts(volts)
        with self.edit() as st:
            st.battery = value
            trigger = Trigger.IMMEDIATELY if st.main_power else Trigger.POWER_OFF
            self.engine.battery(st, self._now(st), trigger)

    @exposed(Kind.SIMULATION, input=Input(
        "remove-battery", help="take the backup battery out", done="battery removed"))
    def sim_remove_battery(self) -> None:
        """Take the battery out (0 V)."""
        self._sim()
        with self.edit() as st:
            st.battery = None
            t = self._now(st)
            self._record(EventKind.BATTERY_REMOVED, t, {})
            if not st.main_power and st.unpowered_since is None:
                st.unpowered_since = t
            trigger = Trigger.IMMEDIATELY if st.main_power else Trigger.POWER_OFF
            self.engine.battery(st, t, trigger)

    @exposed(Kind.SIMULATION, input=Input(
        "insert-battery", params=(VOLTS,), help="put a battery of V volts in",
        done="battery inserted ({volts:g} V)"))
    def sim_insert_battery(self, volts: float = 3.0) -> None:
        """Put a battery in."""
        self._sim()
        value = inputs.volts(volts)
        with self.edit() as st:
            t = self._now(st)
            st.battery = value
            self._record(EventKind.BATTERY_OK, t, {"volts": value})
            if st.unpowered_since is not None:
                repowered(self.engine, st, t)

    @exposed(Kind.SIMULATION, input=Input(
        "power", params=(Param("on", "bool", metavar="on|off"),),
        help="main (host) power on or off", done="main power {on:on|off}"))
    def sim_main_power(self, on: bool) -> None:
        """Switch main power off or on (a battery keeps the module's monitors alive)."""
        self._sim()
        with self.edit() as st:
            switch_main_power(self.engine, st, self._now(st), bool(on))

    @exposed(Kind.SIMULATION, input=Input(
        "power-cycle", help="main power off, then on: a cold boot",
        done="power cycled (main power off, then on)"))
    def sim_power_cycle(self) -> None:
        """Main power off, then on: a cold boot of module and host."""
        self._sim()
        with self.edit() as st:
            t = self._now(st)
            switch_main_power(self.engine, st, t, False)
            switch_main_power(self.engine, st, t, True)

    @exposed(Kind.SIMULATION, input=Input(
        "host-reboot", help="the host restarts; the module stays powered",
        done="host rebooted"))
    def sim_host_reboot(self) -> None:
        """The host restarts; the module stays powered and re-binds."""
        self._sim()
        with self.edit() as st:
            self.engine.host_reboot(st, self._now(st))

    @exposed(Kind.SIMULATION, input=Input(
        "host-stall", params=(SECONDS,), help="the host sends no heartbeat for S seconds",
        done="host stalled for {seconds:g} s"))
    def sim_host_stall(self, seconds: float) -> None:
        """The host stops sending heartbeats for ``seconds``."""
        self._sim()
        value = inputs.duration("seconds", seconds)
        self._check_reaches(value)
        with self.edit() as st:
            t = self._now(st)
            st.stall_until = t + value
            self.engine.schedule(st, t + value, "host_resumes")
            if value >= HEARTBEAT_TIMEOUT_S:
                self.engine.schedule(st, t + HEARTBEAT_TIMEOUT_S, "heartbeat_lost")

    @exposed(Kind.SIMULATION, input=Input(
        "host-identity",
        params=(Param("factor", "text", choices=IDENTITY_FACTORS),
                Param("value", "text", high=SIM_IDENTITY_MAX_CHARS)),
        help="override a binding factor (machine_id, cpu_serial, boot_device_serial)",
        done="host identity {factor} set to {value!r}"))
    def sim_set_host_identity(self, factor: str, value: str) -> None:
        """Override one binding factor of the host (tests, the other host)."""
        self._sim()
        if factor not in IDENTITY_FACTORS:
            raise InvalidArgument(f"unknown identity factor {factor!r} "
                                  f"({', '.join(IDENTITY_FACTORS)})")
        if not isinstance(value, str) or len(value) > SIM_IDENTITY_MAX_CHARS:
            raise InvalidArgument(
                f"identity value must be a string of at most {SIM_IDENTITY_MAX_CHARS} characters")
        with self.edit() as st:
            st.identity[factor] = value

    @exposed(Kind.SIMULATION, input=Input(
        "delete-salt", help="lose the host-side binding salt", done="host salt deleted"))
    def sim_delete_host_salt(self) -> None:
        """Lose the host-side binding salt (seen at the next bind)."""
        self._sim()
        with self.edit() as st:
            st.salt_state = "missing"

    @exposed(Kind.SIMULATION, input=Input(
        "restore-salt", params=(Param("salt", "hex", metavar="HEXFILE"),),
        help="put salt bytes back (hex)", done="host salt restored ({salt:len} bytes)"))
    def sim_restore_host_salt(self, salt: bytes) -> None:
        """Put salt bytes back; only the original ones bind a locked module again."""
        self._sim()
        if not isinstance(salt, (bytes, bytearray)):
            raise InvalidArgument("salt must be bytes")
        digest = hashlib.sha256(bytes(salt)).hexdigest()
        with self.edit() as st:
            st.salt_state = "present" if digest == self.engine.salt_digest else digest

    @exposed(Kind.SIMULATION, input=Input(
        "tap",
        params=(Param("axis", "axis", metavar="AXIS±"),
                g_param("g", DEFAULT_TAP_G, option="--g", help=TAP_G_HELP)),
        help="an acceleration impulse on an axis: x+, x-, y+, y-, z+, z-",
        done="tap on {axis} ({g:g} g)"))
    def sim_tap(self, axis: str, g: float = DEFAULT_TAP_G, direction: int = 1) -> None:
        """An acceleration impulse of ``g`` on ``axis`` in ``direction`` (±1)."""
        self._sim()
        if not isinstance(axis, str) or axis.lower() not in ("x", "y", "z"):
            raise InvalidArgument(f"unknown axis {axis!r} (x, y or z)")
        size = inputs.g("g", g)
        if direction not in (1, -1):
            raise InvalidArgument("direction must be +1 or -1")
        index = AXES[axis.lower()][0]
        with self.edit() as st:
            pct = st.tap_sensitivity[index]
            if pct <= 0 or size <= 0 or size < DEFAULT_TAP_G * (100 - pct) / 100:
                return
            st.tap_dir = [0, 0, 0]
            st.tap_dir[index] = direction
            for latches in st.contexts.values():
                latches[1] = True
            if self._profile.tap_logging:
                self._record(EventKind.TAP, self._now(st),
                             {"axis": axis.lower(), "direction": direction})
            self.engine.code_tap(st, self._now(st))

    @exposed(Kind.SIMULATION, input=Input(
        "accel", params=(g_param("x"), g_param("y"), g_param("z")),
        help="static acceleration, g per axis",
        done="acceleration set to x {x:g} g, y {y:g} g, z {z:g} g"))
    def sim_set_acceleration(self, x: float, y: float, z: float) -> None:
        """Static acceleration in g."""
        self._sim()
        values = [inputs.g(n, v) for n, v in (("x", x), ("y", y), ("z", z))]
        with self.edit() as st:
            st.accel = values

    @exposed(Kind.SIMULATION, input=Input(
        "brownout", params=(SECONDS,), help="the main supply dips for S seconds",
        done="brownout for {seconds:g} s"))
    def sim_brownout(self, seconds: float) -> None:
        """The main supply dips for ``seconds``; services come back 1 s after it is
        stable again. Nothing else changes (§2.6)."""
        self._sim()
        value = inputs.duration("seconds", seconds)
        self._check_reaches(value + BROWNOUT_SETTLE_S)
        with self.edit() as st:
            t = self._now(st)
            self._record(EventKind.BROWNOUT, t, {"seconds": value})
            until = t + value + BROWNOUT_SETTLE_S
            st.brownout_until = max(until, st.brownout_until or until)

    # No lower bound on the input's seconds: the module says why time cannot go back.
    @exposed(Kind.SIMULATION, input=Input(
        "advance", params=(Param("seconds", "number", high=SIM_DURATION_MAX_S),),
        help="move module time forward by SECONDS", done="module time advanced {seconds:g} s"))
    def sim_advance(self, seconds: float) -> None:
        """Move module time forward for every process on this state."""
        self._sim()
        if check_float("seconds", seconds) < 0:
            raise InvalidArgument("time only moves forward")
        value = inputs.duration("seconds", seconds)
        self._check_reaches(value)
        with self.edit() as st:
            st.offset += value
            self.engine.run_until(st, self._now(st))

    @exposed(Kind.SIMULATION, input=Input(
        "host-time",
        params=(Param("epoch", "number", low=0.0, high=MODULE_TIME_MAX_S),
                Param("ntp_synced", "bool", True, option="--ntp/--no-ntp",
                      help="Whether the host's clock is synchronised by NTP.")),
        help="the host's wall clock (epoch seconds) and whether NTP is synchronised",
        done="host time set to {epoch:iso} (NTP {ntp_synced:synchronised|not synchronised})"))
    def sim_set_host_time(self, epoch: float, ntp_synced: bool = True) -> None:
        """The host's wall clock; with NTP synchronised the module syncs its RTC to it
        and measures its drift between syncs (§7.2)."""
        self._sim()
        value = check_range("epoch", epoch, 0.0, MODULE_TIME_MAX_S, "s")
        with self.edit() as st:
            t = self._now(st)
            if not ntp_synced:
                return
            rtc = self.engine.rtc(st, t)
            if st.last_sync is not None and t > st.last_sync[0]:
                elapsed = t - st.last_sync[0]
                st.measured_drift_ppm = (rtc - value) / elapsed * 1e6
            st.rtc_offset = value - t
            st.last_sync = [t, value]
            st.rtc_valid = True
            self._record(EventKind.RTC_SYNCED, t, {"drift_ppm": st.measured_drift_ppm})

    @exposed(Kind.SIMULATION, input=Input(
        "drift",
        params=(Param("ppm", "number", low=-SIM_DRIFT_MAX_PPM, high=SIM_DRIFT_MAX_PPM),),
        help="simulated RTC drift, ppm", done="RTC drift set to {ppm:g} ppm"))
    def sim_set_drift(self, ppm: float) -> None:
        """Simulated RTC drift, ppm."""
        self._sim()
        value = check_range("ppm", ppm, -SIM_DRIFT_MAX_PPM, SIM_DRIFT_MAX_PPM, "ppm")
        with self.edit() as st:
            t = self._now(st)
            if st.last_sync is None:
                st.last_sync = [t, self.engine.rtc(st, t)]
            st.drift_ppm = value

