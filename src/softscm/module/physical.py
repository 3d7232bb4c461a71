"""The physical side of the module: power, lifecycle, binding and modes, sensors,
perimeter, monitors, taps, the LED, and the simulation controls that drive them
(``scm-behaviour.md`` §2-§7). Operations are served through :meth:`Module.operation`.

The state is one document shared by every process on the state directory; each change
runs in a store transaction on a fresh copy of it, and pending timers fire lazily, at the
first call that finds them due.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from softscm.errors import (
    CannotBind,
    Destroyed,
    InvalidArgument,
    ModuleUnavailable,
    NotBound,
    OperationNotSupported,
    PolicyLocked,
)
from softscm.module import ledview
from softscm.module import state as S
from softscm.module.actions import Trigger
from softscm.module.actions_settings import (
    Setting,
    SettingHistory,
    battery_action,
    check_setting_change,
    high_threshold_near_ambient,
    low_threshold_near_ambient,
    perimeter_flags,
    temperature_action,
    validate_battery_threshold,
    validate_channel,
    validate_high_threshold,
    validate_low_threshold,
)
from softscm.module.engine import BROWNOUT_SETTLE_S, HEARTBEAT_TIMEOUT_S, Engine
from softscm.module.selftest import run_self_test
from softscm.module.state import PhysicalState

if TYPE_CHECKING:
    from softscm.module.module import Module

#: Tap axes by name, as ``set_tap_sensitivity`` takes them.
AXES = {"x": (0,), "y": (1,), "z": (2,), "all": (0, 1, 2)}
#: The size of a tap given without one, in g: every axis above 0 % detects it (§0.1).
DEFAULT_TAP_G = 16.0
#: Valid i2c addresses (``zymkey-api.md`` §4.9).
I2C_ADDRESSES = frozenset(range(0x30, 0x38)) | frozenset(range(0x60, 0x68))
#: Binding factors ``set_host_identity`` may override.
IDENTITY_FACTORS = ("machine_id", "cpu_serial", "boot_device_serial")
#: Seconds a waiter sleeps between polls.
POLL_STEP_S = 0.02
#: Most host contexts tracked at once (the oldest is forgotten beyond).
MAX_CONTEXTS = 256


class Physical:
    """The physical part of a module."""

    #: Host (``zymkey``) operations of this part.
    HOST_OPERATIONS = frozenset({
        "lock_binding", "binding_info", "set_perimeter_event_actions",
        "set_digital_perimeter_lp_period", "set_digital_perimeter_lp_max_bits",
        "set_digital_perimeter_delays", "perimeter_info", "clear_perimeter_info",
        "poll_perimeter", "poll_tap", "set_tap_sensitivity", "accelerometer", "cpu_temp",
        "aux_temp", "rtc_drift", "battery_voltage", "set_battery_voltage_action",
        "set_battery_voltage_threshold", "set_cpu_temp_action", "set_cpu_low_temp_threshold",
        "set_cpu_high_temp_threshold", "set_i2c_address", "led_on", "led_off", "led_flash",
    })
    #: Simulation controls (refused on a module made without simulation).
    SIM_OPERATIONS = frozenset({
        "sim_loop_open", "sim_loop_close", "sim_loop_pulse", "sim_set_temperature",
        "sim_set_aux_temperature", "sim_set_battery", "sim_remove_battery",
        "sim_insert_battery", "sim_main_power", "sim_power_cycle", "sim_host_reboot",
        "sim_host_stall", "sim_set_host_identity", "sim_delete_host_salt",
        "sim_restore_host_salt", "sim_tap", "sim_set_acceleration", "sim_brownout",
        "sim_advance", "sim_set_host_time", "sim_set_drift",
    })
    #: Operator and session operations.
    OPERATOR_OPERATIONS = frozenset({
        "session_open", "session_close", "led", "led_timeline", "physical_status",
    })
    OPERATIONS = HOST_OPERATIONS | SIM_OPERATIONS | OPERATOR_OPERATIONS

    def __init__(self, module: Module, *, identity: dict[str, str], salt: bytes,
                 host_boot_id: str = "") -> None:
        self._m = module
        self._cached: PhysicalState | None = None
        self.engine = Engine(
            profile=module.profile.profile, program=module.profile.program,
            serial=module.serial, record=self._record,
            destroy_keys=module.destroy_keys, drop_ephemeral=module.forget_boot_volatile,
            verify_boot=module.verify_boot, seal_for_production=module.seal_for_production,
            self_test=lambda: run_self_test(module._entropy),
            host_reaches_module=module.host_reaches_module,
            base_identity=dict(identity),
            salt_digest=hashlib.sha256(salt).hexdigest(),
        )
        self._boot_id = host_boot_id

    # -- state and time ------------------------------------------------------------------

    def forget(self) -> None:
        """Drop the cached state (another process changed the store)."""
        self._cached = None

    def _load(self) -> PhysicalState:
        return PhysicalState.from_json(self._m._store.get_meta(S.META_NAME))

    def state(self) -> PhysicalState:
        """The state as last seen (cached until another process commits)."""
        if self._cached is None:
            self._cached = self._load()
        return self._cached

    @contextmanager
    def edit(self) -> Iterator[PhysicalState]:
        """Change the state atomically: a fresh copy inside a write transaction, its due
        timers fired first, saved on success."""
        store = self._m._store
        with store.transaction():
            st = self._load()
            self.engine.run_until(st, self._now(st))
            yield st
            store.set_meta(S.META_NAME, st.to_json())
        self._cached = st
        self._m.after_commit()

    def _now(self, st: PhysicalState) -> float:
        return self._m._clock.now() + st.offset

    def now(self) -> float:
        """Module time in seconds: the clock plus the simulated offset."""
        return self._now(self.state())

    def rtc(self) -> float:
        """The module's RTC in epoch seconds."""
        st = self.state()
        return self.engine.rtc(st, self._now(st))

    def _record(self, kind: str, t: float, detail: dict[str, Any]) -> None:
        self._m.record(kind, t, **detail)

    def catch_up(self) -> PhysicalState:
        """See what other processes changed, fire due timers (if any) and return the
        current state."""
        self._m._sync()
        st = self.state()
        if st.timers and st.timers[0][0] <= self._now(st):
            with self.edit() as fresh:
                st = fresh
        return st

    # -- opening and sessions ----------------------------------------------------------

    def on_open(self) -> None:
        """A process opens the state: a module that is not running (new, or last run
        before the machine restarted) boots at once, its checks included (§2.6)."""
        st = self.state()
        if st.host_boot_id == self._boot_id and self._m._store.get_meta(S.META_NAME):
            return
        with self.edit() as st:
            fresh = not st.led
            st.host_boot_id = self._boot_id
            if not st.main_power:
                return
            t = self._now(st)
            self._record("power_on", t, {"cold": fresh})
            self.engine.boot(st, t, replay=False)

    def session_open(self, context: str) -> None:
        """A host context opens (a ``zymkey`` client): it binds if the module waits."""
        _check_context(context)
        with self.edit() as st:
            if len(st.contexts) >= MAX_CONTEXTS and context not in st.contexts:
                st.contexts.pop(next(iter(st.contexts)))
            st.contexts.setdefault(context, [False, False])
            if st.lifecycle == S.WAITING:
                self.engine.bind(st, self._now(st))

    def session_close(self, context: str) -> None:
        """A host context ends."""
        _check_context(context)
        if context in self.state().contexts:
            with self.edit() as st:
                st.contexts.pop(context, None)

    # -- the host guard ------------------------------------------------------------------

    def require_host(self) -> None:
        """Raise the error that tells the host why the module does not serve it now."""
        st = self.catch_up()
        lifecycle = st.lifecycle
        if lifecycle == S.RUNNING:
            return
        if lifecycle == S.DESTROYED or (st.destroyed_code is not None):
            raise Destroyed("the module's keys were destroyed; it is out of service")
        if lifecycle == S.CANNOT_BIND:
            raise CannotBind("production mode: this host is not the one the module is bound to")
        if lifecycle == S.WAITING:
            raise NotBound("no host session has bound to the module")
        if lifecycle == S.OFF:
            raise ModuleUnavailable("the module has no main power")
        if lifecycle == S.HELD:
            raise ModuleUnavailable(f"the module holds the host ({st.hold})")
        raise ModuleUnavailable(f"the module is {lifecycle.replace('_', ' ')}")

    def _sim(self) -> None:
        if not self._m.profile.simulation:
            raise OperationNotSupported(
                "this module was made for a real deployment: simulation controls are off"
            )

    # -- binding ------------------------------------------------------------------------

    def lock_binding(self) -> None:
        """Make the binding permanent; production starts at the next boot (§2.3 B3)."""
        self.require_host()
        with self.edit() as st:
            t = self._now(st)
            if st.locked:
                self._record("lock_binding_repeat", t, {})
                return
            if st.binding != S.BOUND_DEV:
                raise NotBound("the module is not bound to a host")
            st.binding = S.LOCK_PENDING
            self._record("lock_binding", t, {})
            if st.battery is None:
                self._record("warning", t, {"kind": "no_battery"})

    def binding_info(self) -> tuple[bool, bool]:
        """``(binding_is_locked, is_bound)``."""
        self.require_host()
        st = self.state()
        return st.locked, st.binding != S.UNBOUND

    # -- settings ------------------------------------------------------------------------

    def _change(self, setting: Setting, apply: Any, *, channel: int | None = None,
                name: str = "", value: Any = None) -> None:
        """Check ``setting`` may change now (§3.3), then apply it and log."""
        self.require_host()
        with self.edit() as st:
            t = self._now(st)
            history = SettingHistory(tuple(st.perimeter_calls_after_lock))  # type: ignore[arg-type]
            try:
                check_setting_change(setting, st.locked, history, channel)
            except PolicyLocked as exc:
                rejected = exc
            else:
                rejected = None
                apply(st)
                after = history.after_change(setting, st.locked, channel)
                st.perimeter_calls_after_lock = list(after.perimeter_calls_after_lock)
                self._record("setting_changed", t, {"name": name or setting.value,
                                                    "value": value})
        if rejected is not None:
            with self.edit() as st:
                self._record("setting_rejected", self._now(st),
                             {"name": name or setting.value, "reason": "policy_locked"})
            raise rejected

    def _settings(self, st: PhysicalState, **changes: Any) -> None:
        st.settings = replace(st.event_settings, **changes).as_dict()

    def set_perimeter_event_actions(self, channel: int, notify: bool = True,
                                    self_destruct: bool = False) -> None:
        """Replace channel ``channel``'s action flags."""
        validate_channel(channel)
        flags = perimeter_flags(bool(notify), bool(self_destruct))

        def apply(st: PhysicalState) -> None:
            st.settings = st.event_settings.with_flags(channel, flags).as_dict()
            self._record("perimeter_actions_set", self._now(st), {
                "channel": channel, "notify": bool(notify), "self_destruct": bool(self_destruct)})

        self._change(Setting.PERIMETER_EVENT_ACTIONS, apply, channel=channel,
                     value=int(flags))

    def set_digital_perimeter_lp_period(self, lp_period: int) -> None:
        """Low-power sampling period, µs (1 … 10 000 000)."""
        _check_int("lp_period", lp_period, 1, 10_000_000)
        self._change(Setting.DIGITAL_PERIMETER_LP_PERIOD,
                     lambda st: setattr(st, "lp_period_us", lp_period), value=lp_period)

    def set_digital_perimeter_lp_max_bits(self, max_num_bits: int) -> None:
        """Low-power pattern length, bits (1 … 32)."""
        _check_int("max_num_bits", max_num_bits, 1, 32)
        self._change(Setting.DIGITAL_PERIMETER_LP_MAX_BITS,
                     lambda st: setattr(st, "lp_max_bits", max_num_bits), value=max_num_bits)

    def set_digital_perimeter_delays(self, min_delay_ns: int, max_delay_ns: int) -> None:
        """Accepted loop propagation delays, ns (0 ≤ min ≤ max)."""
        _check_int("min_delay_ns", min_delay_ns, 0, 2**31 - 1)
        _check_int("max_delay_ns", max_delay_ns, 0, 2**31 - 1)
        if min_delay_ns > max_delay_ns:
            raise InvalidArgument("min_delay_ns must not exceed max_delay_ns")
        self._change(Setting.DIGITAL_PERIMETER_DELAYS,
                     lambda st: setattr(st, "delays_ns", [min_delay_ns, max_delay_ns]),
                     value=[min_delay_ns, max_delay_ns])

    def set_cpu_temp_action(self, self_destruct: bool = False) -> None:
        """The action when the CPU temperature leaves its window."""
        action = temperature_action(bool(self_destruct))
        self._change(Setting.CPU_TEMP_ACTION,
                     lambda st: self._settings(st, temperature_action=action),
                     value=int(action))

    def set_cpu_low_temp_threshold(self, threshold: float) -> None:
        """The low temperature threshold, °C."""
        low = validate_low_threshold(threshold, self.state().event_settings.high_temp_c)
        self._change(Setting.CPU_LOW_TEMP_THRESHOLD,
                     lambda st: self._settings(st, low_temp_c=low), value=low)
        if low_threshold_near_ambient(low):
            self._m.record("warning", kind="threshold_near_ambient", threshold=low)

    def set_cpu_high_temp_threshold(self, threshold: float) -> None:
        """The high temperature threshold, °C."""
        high = validate_high_threshold(threshold, self.state().event_settings.low_temp_c)
        self._change(Setting.CPU_HIGH_TEMP_THRESHOLD,
                     lambda st: self._settings(st, high_temp_c=high), value=high)
        if high_threshold_near_ambient(high):
            self._m.record("warning", kind="threshold_near_ambient", threshold=high)

    def set_battery_voltage_action(self, sleep: bool = False, self_destruct: bool = False) -> None:
        """The action when the battery is low at power-off."""
        action = battery_action(bool(sleep), bool(self_destruct))
        self._change(Setting.BATTERY_VOLTAGE_ACTION,
                     lambda st: self._settings(st, battery_action=action), value=int(action))

    def set_battery_voltage_threshold(self, threshold: float) -> None:
        """The battery threshold, V (0 < v ≤ 2.5)."""
        volts = validate_battery_threshold(threshold)
        self._change(Setting.BATTERY_VOLTAGE_THRESHOLD,
                     lambda st: self._settings(st, battery_threshold_v=volts), value=volts)

    def set_i2c_address(self, address: int) -> None:
        """Validated and stored; no other effect on an SCM (C21)."""
        if type(address) is not int or address not in I2C_ADDRESSES:
            raise InvalidArgument("i2c address must be 0x30-0x37 or 0x60-0x67")
        self.require_host()
        with self.edit() as st:
            st.i2c_address = address

    # -- perimeter -----------------------------------------------------------------------

    def perimeter_info(self) -> list[int]:
        """First-breach timestamps of both channels (0: none since the last clear)."""
        self.require_host()
        return list(self.state().breach)

    def clear_perimeter_info(self) -> None:
        """Clear both timestamps and re-arm; an open loop is seen again at once."""
        self.require_host()
        with self.edit() as st:
            t = self._now(st)
            st.breach = [0, 0]
            st.latched_mask = 0
            for latches in st.contexts.values():
                latches[0] = False
            self._record("perimeter_cleared", t, {})
            for channel in (0, 1):
                if st.loops_open[channel] and self.engine.monitored(st):
                    self.engine.breach(st, t, channel)

    def _poll(self, index: int, context: str, deadline: float) -> str:
        _check_context(context)
        st = self.catch_up()
        latches = st.contexts.get(context)
        if latches is None or not latches[index]:
            # No notification waiting: the module must be serving the host to wait on.
            self.require_host()
        if latches is None or latches[index]:
            with self.edit() as st:
                latches = st.contexts.setdefault(context, [False, False])
                if latches[index]:
                    latches[index] = False
                    return "event"
        return "timeout" if self._now(self.state()) >= deadline else "wait"

    def poll_perimeter(self, context: str, deadline: float) -> str:
        """One look for a perimeter notification of ``context``: ``"event"`` (consumed),
        ``"timeout"`` (module time passed ``deadline``) or ``"wait"``."""
        return self._poll(0, context, deadline)

    def poll_tap(self, context: str, deadline: float) -> str:
        """As :meth:`poll_perimeter`, for taps."""
        return self._poll(1, context, deadline)

    # -- sensors (host side) -------------------------------------------------------------

    def set_tap_sensitivity(self, axis: str = "all", pct: float = 50.0) -> None:
        """Tap sensitivity of ``x``, ``y``, ``z`` or ``all``, percent (0 = off)."""
        if not isinstance(axis, str) or axis.lower() not in AXES:
            raise InvalidArgument(f"unknown axis {axis!r} (x, y, z or all)")
        value = _check_float("pct", pct)
        if not 0.0 <= value <= 100.0:
            raise InvalidArgument("tap sensitivity must be 0..100 %")
        self.require_host()
        with self.edit() as st:
            for index in AXES[axis.lower()]:
                st.tap_sensitivity[index] = value

    def accelerometer(self) -> list[list[Any]]:
        """``[[g, tap_dir], …]`` for x, y, z."""
        self.require_host()
        st = self.state()
        return [[float(st.accel[i]), int(st.tap_dir[i])] for i in range(3)]

    def cpu_temp(self) -> float:
        """CPU temperature, °C."""
        self.require_host()
        return float(self.state().cpu_temp)

    def aux_temp(self, index: int = 0) -> float:
        """Auxiliary temperature ``index`` (0 or 1), °C."""
        if type(index) is not int or index not in (0, 1):
            raise InvalidArgument("aux temperature index must be 0 or 1")
        self.require_host()
        return float(self.state().aux_temp[index])

    def rtc_drift(self) -> float:
        """The RTC drift measured between the last two host syncs, ppm."""
        self.require_host()
        return float(self.state().measured_drift_ppm)

    def battery_voltage(self) -> float:
        """Battery voltage, V (0.0 when removed)."""
        self.require_host()
        battery = self.state().battery
        return 0.0 if battery is None else float(battery)

    # -- LED (user control and views) ----------------------------------------------------

    def _user_led(self, desc: list[Any]) -> None:
        self.require_host()
        with self.edit() as st:
            self.engine.show(st, self._now(st), desc)

    def led_on(self) -> None:
        """User mode: steadily on."""
        self._user_led(["user_on"])

    def led_off(self) -> None:
        """User mode: off."""
        self._user_led(["user_off"])

    def led_flash(self, on_ms: int, off_ms: int = 0, num_flashes: int = 0) -> None:
        """User mode: flashing (``off_ms`` 0 means ``on_ms``; 0 flashes: forever)."""
        for name, value in (("on_ms", on_ms), ("off_ms", off_ms), ("num_flashes", num_flashes)):
            if type(value) is not int or not 0 <= value < 2**32:
                raise InvalidArgument(f"{name} must be an integer in 0..2**32-1")
        self._user_led(["user_flash", on_ms, off_ms or on_ms, num_flashes])

    def led(self) -> dict[str, Any]:
        """What the LED shows now: the pattern's label and descriptor."""
        st = self.catch_up()
        now_ms = int(round(self._now(st) * 1000))
        shown = ledview.current(st.led, now_ms)
        if shown is None:
            return {"label": "off", "pattern": ["off"], "since_ms": now_ms}
        pattern = ledview.pattern_of(shown[1])
        return {"label": pattern.label, "pattern": shown[1], "since_ms": shown[0],
                "simulated": pattern.simulated}

    def led_timeline(self, since_ms: int = 0) -> dict[str, Any]:
        """The §5.8 timeline up to now: ``segments`` and ``spans`` (module ms)."""
        if type(since_ms) is not int:
            raise InvalidArgument("since_ms must be an integer")
        st = self.catch_up()
        view = ledview.timeline(st.led, int(round(self._now(st) * 1000)), since_ms)
        view["now_ms"] = int(round(self._now(st) * 1000))
        return view

    def physical_status(self) -> dict[str, Any]:
        """The operator's view of power, lifecycle, binding, sensors and settings."""
        st = self.catch_up()
        return {
            "lifecycle": st.lifecycle, "hold": st.hold, "binding": st.binding,
            "binding_is_locked": st.locked, "production": st.production_active,
            "destroyed": st.destroyed_code is not None, "main_power": st.main_power,
            "battery": st.battery, "cpu_temp": st.cpu_temp, "aux_temp": list(st.aux_temp),
            "loops_open": list(st.loops_open), "perimeter": list(st.breach),
            "accel": list(st.accel), "tap_sensitivity": list(st.tap_sensitivity),
            "settings": dict(st.settings),
            "digital_perimeter": {"lp_period_us": st.lp_period_us,
                                  "lp_max_bits": st.lp_max_bits, "delays_ns": st.delays_ns},
            "battery_sleep": st.battery_sleep, "module_time": self._now(st),
            "rtc": self.engine.rtc(st, self._now(st)), "led": self.led()["label"],
            "i2c_address": st.i2c_address, "sessions": len(st.contexts),
        }

    # -- simulation controls -------------------------------------------------------------

    def sim_loop_open(self, channel: int) -> None:
        """Break perimeter loop ``channel``."""
        self._sim()
        validate_channel(channel)
        with self.edit() as st:
            if st.loops_open[channel]:
                return
            st.loops_open[channel] = True
            if self.engine.monitored(st):
                self.engine.breach(st, self._now(st), channel)

    def sim_loop_close(self, channel: int) -> None:
        """Restore perimeter loop ``channel``."""
        self._sim()
        validate_channel(channel)
        with self.edit() as st:
            st.loops_open[channel] = False

    def sim_loop_pulse(self, channel: int, duration: float) -> None:
        """Open loop ``channel`` for ``duration`` seconds, then close it (§4.5: on
        battery only a pulse spanning a sampling instant is seen)."""
        self._sim()
        validate_channel(channel)
        seconds = _check_float("duration", duration)
        if seconds <= 0:
            raise InvalidArgument("duration must be positive")
        with self.edit() as st:
            t = self._now(st)
            if st.main_power:
                self.engine.breach(st, t, channel)
            elif st.battery is not None and st.power_off_at is not None:
                period = st.lp_period_us / 1e6
                k = math.ceil((t - st.power_off_at) / period - 1e-9)
                instant = st.power_off_at + k * period
                if instant <= t + seconds + 1e-9:
                    self.engine.breach(st, instant, channel)

    def sim_set_temperature(self, celsius: float) -> None:
        """Set the CPU temperature (°C)."""
        self._sim()
        value = _check_float("temperature", celsius)
        with self.edit() as st:
            st.cpu_temp = value
            if self.engine.monitored(st):
                self.engine.temperature(st, self._now(st))

    def sim_set_aux_temperature(self, index: int, celsius: float) -> None:
        """Set auxiliary temperature sensor ``index``."""
        self._sim()
        if type(index) is not int or index not in (0, 1):
            raise InvalidArgument("aux temperature index must be 0 or 1")
        value = _check_float("temperature", celsius)
        with self.edit() as st:
            st.aux_temp[index] = value

    def sim_set_battery(self, volts: float) -> None:
        """Set the battery voltage."""
        self._sim()
        value = _check_float("volts", volts)
        if value < 0:
            raise InvalidArgument("battery voltage cannot be negative")
        with self.edit() as st:
            st.battery = value
            trigger = Trigger.IMMEDIATELY if st.main_power else Trigger.POWER_OFF
            self.engine.battery(st, self._now(st), trigger)

    def sim_remove_battery(self) -> None:
        """Take the battery out (0 V)."""
        self._sim()
        with self.edit() as st:
            st.battery = None
            t = self._now(st)
            self._record("battery_removed", t, {})
            trigger = Trigger.IMMEDIATELY if st.main_power else Trigger.POWER_OFF
            self.engine.battery(st, t, trigger)

    def sim_insert_battery(self, volts: float = 3.0) -> None:
        """Put a battery in."""
        self._sim()
        value = _check_float("volts", volts)
        with self.edit() as st:
            st.battery = value
            self._record("battery_ok", self._now(st), {"volts": value})

    def sim_main_power(self, on: bool) -> None:
        """Switch main power off or on (a battery keeps the module's monitors alive)."""
        self._sim()
        with self.edit() as st:
            self._main_power(st, self._now(st), bool(on))

    def _main_power(self, st: PhysicalState, t: float, on: bool) -> None:
        engine = self.engine
        if not on:
            if not st.main_power:
                return
            st.main_power = False
            st.power_off_at = t
            engine.cancel(st)
            st.queued_sequences = []
            st.lifecycle = S.OFF
            self._record("power_off", t, {})
            engine.show(st, t, ["off"])
            if st.battery is None:
                st.rtc_valid = False
            engine.battery(st, t, Trigger.POWER_OFF)
            return
        if st.main_power:
            return
        off_at = st.power_off_at if st.power_off_at is not None else t
        st.main_power = True
        st.power_off_at = None
        if st.battery is None:
            # Monitoring resumes: a loop found open is a breach at power-on (S-29).
            for channel in (0, 1):
                if st.loops_open[channel]:
                    engine.breach(st, t, channel)
            # The RTC stopped while nothing powered it; it resumes from where it was.
            st.rtc_offset -= t - off_at
            self._record("rtc_invalid", t, {})
        self._record("power_on", t, {})
        engine.boot(st, t, replay=True)

    def sim_power_cycle(self) -> None:
        """Main power off, then on: a cold boot of module and host."""
        self._sim()
        with self.edit() as st:
            t = self._now(st)
            self._main_power(st, t, False)
            self._main_power(st, t, True)

    def sim_host_reboot(self) -> None:
        """The host restarts; the module stays powered and re-binds."""
        self._sim()
        with self.edit() as st:
            self.engine.host_reboot(st, self._now(st))

    def sim_host_stall(self, seconds: float) -> None:
        """The host stops sending heartbeats for ``seconds``."""
        self._sim()
        value = _check_float("seconds", seconds)
        if value < 0:
            raise InvalidArgument("seconds cannot be negative")
        with self.edit() as st:
            t = self._now(st)
            st.stall_until = t + value
            self.engine.schedule(st, t + value, "host_resumes")
            if value >= HEARTBEAT_TIMEOUT_S and st.lifecycle == S.RUNNING:
                self.engine.schedule(st, t + HEARTBEAT_TIMEOUT_S, "heartbeat_lost")

    def sim_set_host_identity(self, factor: str, value: str) -> None:
        """Override one binding factor of the host (tests, the other host)."""
        self._sim()
        if factor not in IDENTITY_FACTORS:
            raise InvalidArgument(f"unknown identity factor {factor!r} "
                                  f"({', '.join(IDENTITY_FACTORS)})")
        if not isinstance(value, str):
            raise InvalidArgument("identity value must be a string")
        with self.edit() as st:
            st.identity[factor] = value

    def sim_delete_host_salt(self) -> None:
        """Lose the host-side binding salt (seen at the next bind)."""
        self._sim()
        with self.edit() as st:
            st.salt_state = "missing"

    def sim_restore_host_salt(self, salt: bytes) -> None:
        """Put salt bytes back; only the original ones bind a locked module again."""
        self._sim()
        if not isinstance(salt, (bytes, bytearray)):
            raise InvalidArgument("salt must be bytes")
        digest = hashlib.sha256(bytes(salt)).hexdigest()
        with self.edit() as st:
            st.salt_state = "present" if digest == self.engine.salt_digest else digest

    def sim_tap(self, axis: str, g: float = DEFAULT_TAP_G, direction: int = 1) -> None:
        """An acceleration impulse of ``g`` on ``axis`` in ``direction`` (±1)."""
        self._sim()
        if not isinstance(axis, str) or axis.lower() not in ("x", "y", "z"):
            raise InvalidArgument(f"unknown axis {axis!r} (x, y or z)")
        size = _check_float("g", g)
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

    def sim_set_acceleration(self, x: float, y: float, z: float) -> None:
        """Static acceleration in g."""
        self._sim()
        values = [_check_float(n, v) for n, v in (("x", x), ("y", y), ("z", z))]
        with self.edit() as st:
            st.accel = values

    def sim_brownout(self, seconds: float) -> None:
        """The main supply dips for ``seconds``; services come back 1 s after."""
        self._sim()
        value = _check_float("seconds", seconds)
        if value < 0:
            raise InvalidArgument("seconds cannot be negative")
        with self.edit() as st:
            t = self._now(st)
            self._record("brownout", t, {"seconds": value})
            if st.lifecycle == S.BROWNOUT:
                self.engine.cancel(st, "brownout_end")
            else:
                st.resume = st.lifecycle
                st.lifecycle = S.BROWNOUT
            self.engine.schedule(st, t + value + BROWNOUT_SETTLE_S, "brownout_end")

    def sim_advance(self, seconds: float) -> None:
        """Move module time forward for every process on this state."""
        self._sim()
        value = _check_float("seconds", seconds)
        if value < 0:
            raise InvalidArgument("time only moves forward")
        with self.edit() as st:
            st.offset += value
            self.engine.run_until(st, self._now(st))

    def sim_set_host_time(self, epoch: float, ntp_synced: bool = True) -> None:
        """The host's wall clock; with NTP synchronised the module syncs its RTC to it
        and measures its drift between syncs (§7.2)."""
        self._sim()
        value = _check_float("epoch", epoch)
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
            self._record("rtc_synced", t, {"drift_ppm": st.measured_drift_ppm})

    def sim_set_drift(self, ppm: float) -> None:
        """Simulated RTC drift, ppm."""
        self._sim()
        value = _check_float("ppm", ppm)
        with self.edit() as st:
            t = self._now(st)
            if st.last_sync is None:
                st.last_sync = [t, self.engine.rtc(st, t)]
            st.drift_ppm = value


def _check_context(context: object) -> None:
    if not isinstance(context, str) or not 1 <= len(context) <= 64:
        raise InvalidArgument("context must be a short string")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise InvalidArgument(f"{name} must be an integer in {low}..{high}")


def _check_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{name} must be a number")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidArgument(f"{name} must be finite")
    return result
