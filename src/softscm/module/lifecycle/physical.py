"""The physical side of the module: power, lifecycle, binding and modes, sensors,
perimeter, monitors, taps, the LED, and the simulation controls that drive them
(``scm-behaviour.md`` §2-§7). Operations are served through :meth:`Module.operation`.

The state is one document shared by every process on the state directory; each change
runs in a store transaction on a fresh copy of it, and pending timers fire lazily, at the
first call that finds them due.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from softscm.errors import (
    CannotBind,
    Destroyed,
    InvalidArgument,
    ModuleUnavailable,
    NotBound,
    OperationNotSupported,
    PolicyLocked,
    SelfTestFailed,
)
from softscm.module.checks import (
    ALL_CHANNELS,
    Channel,
    check_channel,
    check_context,
    check_float,
    check_int,
)
from softscm.module.codes import Binding, EventKind, Lifecycle
from softscm.module.led import view as ledview
from softscm.module.led.patterns import USER_MS_MAX
from softscm.module.lifecycle import state as S
from softscm.module.lifecycle.actions_settings import (
    Setting,
    SettingHistory,
    battery_action,
    check_setting_change,
    high_threshold_near_ambient,
    low_threshold_near_ambient,
    perimeter_flags,
    temperature_action,
    validate_battery_threshold,
    validate_high_threshold,
    validate_low_threshold,
    validate_supervised_boot_policy,
)
from softscm.module.lifecycle.authorization import CHALLENGE_BYTES, parse_tap_code
from softscm.module.lifecycle.engine import Engine
from softscm.module.lifecycle.selftest import (
    Check,
    failed_checks,
    fatal_code,
    peripherals_plausible,
    run_self_test,
)
from softscm.module.lifecycle.state import PhysicalState
from softscm.module.operations import Kind, exposed

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.profile import Profile

#: Tap axes by name, as ``set_tap_sensitivity`` takes them.
AXES = {"x": (0,), "y": (1,), "z": (2,), "all": (0, 1, 2)}
#: The size of a tap given without one, in g: every axis above 0 % detects it (§0.1).
DEFAULT_TAP_G = 16.0
#: Valid i2c addresses (``zymkey-api.md`` §4.9).
I2C_ADDRESSES = frozenset(range(0x30, 0x38)) | frozenset(range(0x60, 0x68))
#: Binding factors ``set_host_identity`` may override.
IDENTITY_FACTORS = ("machine_id", "cpu_serial", "boot_device_serial")
#: Most host contexts tracked at once (the oldest is forgotten beyond).
MAX_CONTEXTS = 256


@dataclass(frozen=True)
class Hooks:
    """What the physical part's engine asks of the module's other parts, each of its
    owner: the key store, the master-key seal, supervised boot, integrity and metrics.
    A hook several owners answer is a tuple of their methods, called in order."""

    #: A self-destruct (inside the transaction under way), by each holder of key
    #: material: the key store erases every key and sealed secret, the seal forgets the
    #: master and data-lock keys, the data lock drops its open streams.
    destroy_keys: tuple[Callable[[], None], ...]
    #: A module boot: the key store drops what does not survive one; returns the slots
    #: issue #159 dropped (:meth:`softscm.module.keys.keystore.KeyStore.drop_volatile`).
    drop_volatile: Callable[[], list[int]]
    #: Supervised boot's verification at a boot, at the given module time.
    verify_boot: Callable[[float], tuple[str, dict[str, Any]]]
    #: Whether the host reaches the module (supervised boot's USB link).
    host_reaches_module: Callable[[], bool]
    #: Production begins: the seal re-seals the master key to the bound host.
    seal_for_production: Callable[[str], None]
    #: The work that waits for a commit, by each of its owners in order.
    after_commit: tuple[Callable[[], None], ...]
    #: The self-test checks of the module's integrity (code, key store, critical key)
    #: for a run at the given module time (§9.2).
    integrity_checks: Callable[[float], list[tuple[str, Check]]]


class Physical:
    """The physical part of a module."""

    def __init__(self, context: Context, profile: Profile, hooks: Hooks, *,
                 identity: dict[str, str], salt: bytes, host_boot_id: str = "") -> None:
        self._c = context
        self._profile = profile
        self._after_commit = hooks.after_commit
        self._cached: PhysicalState | None = None
        #: The state being changed (:meth:`edit`), which the log's clock reads.
        self._editing: PhysicalState | None = None
        self.engine = Engine(
            profile=profile.profile, program=profile.program,
            serial=context.serial, record=self._record,
            destroy_keys=hooks.destroy_keys, drop_volatile=hooks.drop_volatile,
            verify_boot=hooks.verify_boot, seal_for_production=hooks.seal_for_production,
            self_test=lambda st, t: run_self_test(
                context.entropy,
                [("peripherals", lambda: peripherals_plausible(
                    [st.cpu_temp, *st.aux_temp], st.accel, st.battery, self.engine.rtc(st, t))),
                 *hooks.integrity_checks(t)]),
            host_reaches_module=hooks.host_reaches_module,
            base_identity=dict(identity),
            salt_digest=hashlib.sha256(salt).hexdigest(),
            require_authorization=profile.require_authorization,
            tap_code=parse_tap_code(profile.tap_code),
            challenge=lambda: context.entropy(CHALLENGE_BYTES),
        )
        self._boot_id = host_boot_id

    # -- state and time ------------------------------------------------------------------

    def forget(self) -> None:
        """Drop the cached state (another process changed the store)."""
        self._cached = None

    def _load(self) -> PhysicalState:
        st = PhysicalState.from_json(self._c.store.get_meta(S.META_NAME))
        # Fixed at provisioning (§9.3): always the profile's.
        st.settings["tamper_production_action"] = self._profile.tamper_production_action
        return st

    def state(self) -> PhysicalState:
        """The state as last seen (cached until another process commits)."""
        if self._cached is None:
            self._cached = self._load()
        return self._cached

    @contextmanager
    def edit(self) -> Iterator[PhysicalState]:
        """Change the state atomically: a fresh copy inside a write transaction, its due
        timers fired first, saved on success."""
        store = self._c.store
        with store.transaction():
            st = self._load()
            outer, self._editing = self._editing, st
            try:
                self.engine.run_until(st, self.time_at(st))
                yield st
            finally:
                self._editing = outer
            store.set_meta(S.META_NAME, st.to_json())
        self._cached = st
        for work in self._after_commit:
            work()

    def time_at(self, st: PhysicalState) -> float:
        """Module time for the state ``st``: the clock plus its simulated offset."""
        return self._c.clock.now() + st.offset

    def now(self) -> float:
        """Module time in seconds: the clock plus the simulated offset."""
        return self.time_at(self.state())

    def next_due(self) -> float | None:
        """Module time of the next pending timer (a boot stage, the end of a sequence or
        a stall, a sample on battery), or ``None``: nothing happens by itself before a
        call does something. The background self test is left out: it runs at the first
        call after it is due, and a waiter on a jumping clock does not leap from one
        hourly run to the next."""
        timers = [timer for timer in self.state().timers if timer[1] != "self_test"]
        return float(timers[0][0]) if timers else None

    def rtc(self) -> float:
        """The module's RTC in epoch seconds."""
        st = self.state()
        return self.engine.rtc(st, self.time_at(st))

    def log_clock(self, t: float) -> tuple[float, int]:
        """The log's clock fields at module time ``t``: the RTC (epoch seconds) and the
        module's uptime in milliseconds (0 before its first boot)."""
        st = self._editing if self._editing is not None else self.state()
        booted = st.booted_at
        uptime = 0 if booted is None else max(0, round((t - booted) * 1000))
        return self.engine.rtc(st, t), uptime

    def _record(self, kind: str, t: float, detail: dict[str, Any]) -> None:
        self._c.record(kind, t, **detail)

    def catch_up(self) -> PhysicalState:
        """See what other processes changed, fire due timers (if any) and return the
        current state."""
        self._c.sync()
        st = self.state()
        if st.timers and st.timers[0][0] <= self.time_at(st):
            with self.edit() as fresh:
                st = fresh
        return st

    # -- opening and sessions ----------------------------------------------------------

    def on_open(self) -> None:
        """A process opens the state: a module that is not running (new, or last run
        before the machine restarted) boots at once, its checks included (§2.6)."""
        st = self.state()
        if st.host_boot_id == self._boot_id and self._c.store.get_meta(S.META_NAME):
            return
        with self.edit() as st:
            fresh = not st.led
            st.host_boot_id = self._boot_id
            if not st.main_power:
                return
            t = self.time_at(st)
            self._record(EventKind.POWER_ON, t, {"cold": fresh})
            self.engine.boot(st, t, replay=False)

    @exposed(Kind.OPERATOR)
    def session_open(self, context: str) -> None:
        """A host context opens (a ``zymkey`` client): it binds if the module waits."""
        check_context(context)
        with self.edit() as st:
            if len(st.contexts) >= MAX_CONTEXTS and context not in st.contexts:
                st.contexts.pop(next(iter(st.contexts)))
            st.contexts.setdefault(context, [False, False])
            if st.lifecycle == Lifecycle.WAITING:
                self.engine.bind(st, self.time_at(st))

    @exposed(Kind.OPERATOR)
    def session_close(self, context: str) -> None:
        """A host context ends."""
        check_context(context)
        if context in self.state().contexts:
            with self.edit() as st:
                st.contexts.pop(context, None)

    # -- the host guard ------------------------------------------------------------------

    def require_host(self) -> None:
        """Raise the error that tells the host why the module does not serve it now."""
        st = self.catch_up()
        lifecycle = st.lifecycle
        if lifecycle == Lifecycle.RUNNING and (
            st.brownout_until is None or self.time_at(st) >= st.brownout_until
        ):
            return
        if lifecycle == Lifecycle.RUNNING:
            raise ModuleUnavailable("the main supply is below the safe zone (brown-out)")
        if lifecycle == Lifecycle.DESTROYED or (st.destroyed_code is not None):
            raise Destroyed("the module's keys were destroyed; it is out of service")
        if lifecycle == Lifecycle.SELF_TEST_FAILED:
            raise SelfTestFailed("the module's self test failed; it reboots and tests again "
                                 "while the failure lasts (`softscm selftest` names it)")
        if lifecycle == Lifecycle.CANNOT_BIND:
            raise CannotBind("production mode: this host is not the one the module is bound to")
        if lifecycle == Lifecycle.WAITING:
            raise NotBound("no host session has bound to the module")
        if lifecycle == Lifecycle.OFF:
            raise ModuleUnavailable("the module has no main power")
        if lifecycle == Lifecycle.HELD:
            raise ModuleUnavailable(f"the module holds the host ({st.hold})")
        raise ModuleUnavailable(f"the module is {lifecycle.replace('_', ' ')}")

    # -- the self test --------------------------------------------------------------------

    @exposed(Kind.OPERATOR)
    def self_test(self) -> dict[str, Any]:
        """Run the whole self test now (§9.2, ``softscm selftest``): ``result`` (pass or
        fail), ``checks`` (each check's name and whether it passed) and, on a failure,
        the fatal ``code`` the module shows as it reboots."""
        self.catch_up()
        with self.edit() as st:
            if st.lifecycle == Lifecycle.OFF:
                raise ModuleUnavailable("the module has no main power")
            results = self.engine.commanded_self_test(st, self.time_at(st))
        failed = failed_checks(results)
        report: dict[str, Any] = {
            "result": "fail" if failed else "pass",
            "checks": [{"name": name, "passed": ok} for name, ok in results.items()]}
        if failed:
            report["code"] = fatal_code(failed)
        return report

    # -- binding ------------------------------------------------------------------------

    @exposed(Kind.HOST)
    def lock_binding(self) -> None:
        """Make the binding permanent; production starts at the next boot (§2.3 B3)."""
        self.require_host()
        with self.edit() as st:
            t = self.time_at(st)
            if st.locked:
                self._record(EventKind.LOCK_BINDING_REPEAT, t, {})
                return
            if st.binding != Binding.BOUND_DEV:
                raise NotBound("the module is not bound to a host")
            st.binding = Binding.LOCK_PENDING
            self._record(EventKind.LOCK_BINDING, t, {})
            if st.battery is None:
                self._record(EventKind.WARNING, t, {"kind": "no_battery"})

    @exposed(Kind.HOST)
    def binding_info(self) -> tuple[bool, bool]:
        """``(binding_is_locked, is_bound)``."""
        self.require_host()
        st = self.state()
        return st.locked, st.binding != Binding.UNBOUND

    # -- settings ------------------------------------------------------------------------

    def _change(self, setting: Setting, apply: Any, *, channel: Channel | None = None,
                name: str = "", value: Any = None) -> None:
        """Check ``setting`` may change now (§3.3), then apply it and log."""
        self.require_host()
        with self.edit() as st:
            t = self.time_at(st)
            history = SettingHistory(tuple(st.perimeter_calls_after_lock))  # type: ignore[arg-type]
            rejected: PolicyLocked | None
            try:
                check_setting_change(setting, st.locked, history, channel)
            except PolicyLocked as exc:
                rejected = exc
            else:
                rejected = None
                apply(st)
                after = history.after_change(setting, st.locked, channel)
                st.perimeter_calls_after_lock = list(after.perimeter_calls_after_lock)
                self._record(EventKind.SETTING_CHANGED, t, {"name": name or setting.value,
                                                    "value": value})
        if rejected is not None:
            with self.edit() as st:
                self._record(EventKind.SETTING_REJECTED, self.time_at(st),
                             {"name": name or setting.value, "reason": "policy_locked"})
            raise rejected

    def _settings(self, st: PhysicalState, **changes: Any) -> None:
        st.settings = replace(st.event_settings, **changes).as_dict()

    @exposed(Kind.HOST)
    def set_perimeter_event_actions(self, channel: int, notify: bool = True,
                                    self_destruct: bool = False) -> None:
        """Replace channel ``channel``'s action flags."""
        channel = check_channel(channel)
        flags = perimeter_flags(bool(notify), bool(self_destruct))

        def apply(st: PhysicalState) -> None:
            st.settings = st.event_settings.with_flags(channel, flags).as_dict()
            self._record(EventKind.PERIMETER_ACTIONS_SET, self.time_at(st), {
                "channel": channel, "notify": bool(notify), "self_destruct": bool(self_destruct)})

        self._change(Setting.PERIMETER_EVENT_ACTIONS, apply, channel=channel,
                     value=int(flags))

    @exposed(Kind.HOST)
    def set_digital_perimeter_lp_period(self, lp_period: int) -> None:
        """Low-power sampling period, µs (1 … 10 000 000)."""
        check_int("lp_period", lp_period, 1, 10_000_000)
        self._change(Setting.DIGITAL_PERIMETER_LP_PERIOD,
                     lambda st: setattr(st, "lp_period_us", lp_period), value=lp_period)

    @exposed(Kind.HOST)
    def set_digital_perimeter_lp_max_bits(self, max_num_bits: int) -> None:
        """Low-power pattern length, bits (1 … 32)."""
        check_int("max_num_bits", max_num_bits, 1, 32)
        self._change(Setting.DIGITAL_PERIMETER_LP_MAX_BITS,
                     lambda st: setattr(st, "lp_max_bits", max_num_bits), value=max_num_bits)

    @exposed(Kind.HOST)
    def set_digital_perimeter_delays(self, min_delay_ns: int, max_delay_ns: int) -> None:
        """Accepted loop propagation delays, ns (0 ≤ min ≤ max)."""
        check_int("min_delay_ns", min_delay_ns, 0, 2**31 - 1)
        check_int("max_delay_ns", max_delay_ns, 0, 2**31 - 1)
        if min_delay_ns > max_delay_ns:
            raise InvalidArgument("min_delay_ns must not exceed max_delay_ns")
        self._change(Setting.DIGITAL_PERIMETER_DELAYS,
                     lambda st: setattr(st, "delays_ns", [min_delay_ns, max_delay_ns]),
                     value=[min_delay_ns, max_delay_ns])

    @exposed(Kind.HOST)
    def set_supervised_boot_policy(self, policy_id: int) -> None:
        """What a failed supervised-boot verification does: 0 nothing, 1 self-destruct,
        2 hold the host in reset (§3.4). Allowed without limit, before and after locking
        (§3.3). Supervised boot is an SCM feature."""
        profile = self._profile
        if profile.profile != "scm":
            self.require_host()
            raise OperationNotSupported("supervised boot is an SCM feature; this is an "
                                        f"{profile.model} module")
        policy = validate_supervised_boot_policy(policy_id)
        self._change(Setting.SUPERVISED_BOOT_POLICY,
                     lambda st: self._settings(st, supervised_boot_policy=policy),
                     value=int(policy))

    @exposed(Kind.HOST)
    def set_cpu_temp_action(self, self_destruct: bool = False) -> None:
        """The action when the CPU temperature leaves its window."""
        action = temperature_action(bool(self_destruct))
        self._change(Setting.CPU_TEMP_ACTION,
                     lambda st: self._settings(st, temperature_action=action),
                     value=int(action))

    @exposed(Kind.HOST)
    def set_cpu_low_temp_threshold(self, threshold: float) -> None:
        """The low temperature threshold, °C."""
        low = validate_low_threshold(threshold, self.state().event_settings.high_temp_c)
        self._change(Setting.CPU_LOW_TEMP_THRESHOLD,
                     lambda st: self._settings(st, low_temp_c=low), value=low)
        if low_threshold_near_ambient(low):
            self._c.record(EventKind.WARNING, kind="threshold_near_ambient", threshold=low)

    @exposed(Kind.HOST)
    def set_cpu_high_temp_threshold(self, threshold: float) -> None:
        """The high temperature threshold, °C."""
        high = validate_high_threshold(threshold, self.state().event_settings.low_temp_c)
        self._change(Setting.CPU_HIGH_TEMP_THRESHOLD,
                     lambda st: self._settings(st, high_temp_c=high), value=high)
        if high_threshold_near_ambient(high):
            self._c.record(EventKind.WARNING, kind="threshold_near_ambient", threshold=high)

    @exposed(Kind.HOST)
    def set_battery_voltage_action(self, sleep: bool = False, self_destruct: bool = False) -> None:
        """The action when the battery is low at power-off."""
        action = battery_action(bool(sleep), bool(self_destruct))
        self._change(Setting.BATTERY_VOLTAGE_ACTION,
                     lambda st: self._settings(st, battery_action=action), value=int(action))

    @exposed(Kind.HOST)
    def set_battery_voltage_threshold(self, threshold: float) -> None:
        """The battery threshold, V (0 < v ≤ 2.5)."""
        volts = validate_battery_threshold(threshold)
        self._change(Setting.BATTERY_VOLTAGE_THRESHOLD,
                     lambda st: self._settings(st, battery_threshold_v=volts), value=volts)

    @exposed(Kind.HOST)
    def set_i2c_address(self, address: int) -> None:
        """Validated and stored; no other effect on an SCM (C21)."""
        if type(address) is not int or address not in I2C_ADDRESSES:
            raise InvalidArgument("i2c address must be 0x30-0x37 or 0x60-0x67")
        self.require_host()
        with self.edit() as st:
            st.i2c_address = address

    # -- perimeter -----------------------------------------------------------------------

    @exposed(Kind.HOST)
    def perimeter_info(self) -> list[int]:
        """First-breach timestamps of both channels (0: none since the last clear)."""
        self.require_host()
        return list(self.state().breach)

    @exposed(Kind.HOST)
    def clear_perimeter_info(self) -> None:
        """Clear both timestamps and re-arm; an open loop is seen again at once."""
        self.require_host()
        with self.edit() as st:
            self._clear_perimeter(st)

    @exposed(Kind.OPERATOR)
    def operator_clear_perimeter(self) -> None:
        """The operator clears and re-arms the channels of a module that holds the host
        for a tamper (``tamper_production_action = "hold"``, §3.2, §9.3), as
        ``clear_perimeter_detect_info`` does; the hold ends at its next check once the
        loops stay closed (and, if required, the boot is authorised)."""
        self.catch_up()
        with self.edit() as st:
            if st.tamper_hold is None:
                raise InvalidArgument("the module holds no host for a tamper; the host "
                                      "clears the perimeter (clear_perimeter_detect_info)")
            self._clear_perimeter(st)

    def _clear_perimeter(self, st: PhysicalState) -> None:
        t = self.time_at(st)
        st.breach = [0, 0]
        st.latched_mask = 0
        for latches in st.contexts.values():
            latches[0] = False
        self._record(EventKind.PERIMETER_CLEARED, t, {})
        for channel in ALL_CHANNELS:
            if st.loops_open[channel] and self.engine.monitored(st):
                self.engine.breach(st, t, channel)

    def _poll(self, index: int, context: str, deadline: float) -> str:
        check_context(context)
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
        return "timeout" if self.time_at(self.state()) >= deadline else "wait"

    @exposed(Kind.HOST)
    def poll_perimeter(self, context: str, deadline: float) -> str:
        """One look for a perimeter notification of ``context``: ``"event"`` (consumed),
        ``"timeout"`` (module time passed ``deadline``) or ``"wait"``."""
        return self._poll(0, context, deadline)

    @exposed(Kind.HOST)
    def poll_tap(self, context: str, deadline: float) -> str:
        """As :meth:`poll_perimeter`, for taps."""
        return self._poll(1, context, deadline)

    # -- sensors (host side) -------------------------------------------------------------

    @exposed(Kind.HOST)
    def set_tap_sensitivity(self, axis: str = "all", pct: float = 50.0) -> None:
        """Tap sensitivity of ``x``, ``y``, ``z`` or ``all``, percent (0 = off)."""
        if not isinstance(axis, str) or axis.lower() not in AXES:
            raise InvalidArgument(f"unknown axis {axis!r} (x, y, z or all)")
        value = check_float("pct", pct)
        if not 0.0 <= value <= 100.0:
            raise InvalidArgument("tap sensitivity must be 0..100 %")
        self.require_host()
        with self.edit() as st:
            for index in AXES[axis.lower()]:
                st.tap_sensitivity[index] = value

    @exposed(Kind.HOST)
    def accelerometer(self) -> list[list[Any]]:
        """``[[g, tap_dir], …]`` for x, y, z."""
        self.require_host()
        st = self.state()
        return [[float(st.accel[i]), int(st.tap_dir[i])] for i in range(3)]

    @exposed(Kind.HOST)
    def cpu_temp(self) -> float:
        """CPU temperature, °C."""
        self.require_host()
        return float(self.state().cpu_temp)

    @exposed(Kind.HOST)
    def aux_temp(self, index: int = 0) -> float:
        """Auxiliary temperature ``index`` (0 or 1), °C."""
        if type(index) is not int or index not in (0, 1):
            raise InvalidArgument("aux temperature index must be 0 or 1")
        self.require_host()
        return float(self.state().aux_temp[index])

    @exposed(Kind.HOST)
    def rtc_drift(self) -> float:
        """The RTC drift measured between the last two host syncs, ppm."""
        self.require_host()
        return float(self.state().measured_drift_ppm)

    @exposed(Kind.HOST)
    def battery_voltage(self) -> float:
        """Battery voltage, V (0.0 when removed)."""
        self.require_host()
        battery = self.state().battery
        return 0.0 if battery is None else float(battery)

    # -- LED (user control and views) ----------------------------------------------------

    def _user_led(self, desc: list[Any]) -> None:
        self.require_host()
        with self.edit() as st:
            self.engine.show(st, self.time_at(st), desc)

    @exposed(Kind.HOST)
    def led_on(self) -> None:
        """User mode: steadily on."""
        self._user_led(["user_on"])

    @exposed(Kind.HOST)
    def led_off(self) -> None:
        """User mode: off."""
        self._user_led(["user_off"])

    @exposed(Kind.HOST)
    def led_flash(self, on_ms: int, off_ms: int = 0, num_flashes: int = 0) -> None:
        """User mode: flashing (``off_ms`` 0 means ``on_ms``; 0 flashes: forever)."""
        for name, value in (("on_ms", on_ms), ("off_ms", off_ms), ("num_flashes", num_flashes)):
            check_int(name, value, 0, USER_MS_MAX)
        self._user_led(["user_flash", on_ms, off_ms or on_ms, num_flashes])

    @exposed(Kind.OPERATOR)
    def led(self) -> dict[str, Any]:
        """What the LED shows now: the pattern's label and descriptor."""
        st = self.catch_up()
        now_ms = int(round(self.time_at(st) * 1000))
        shown = ledview.current(st.led, now_ms)
        if shown is None:
            return {"label": "off", "pattern": ["off"], "since_ms": now_ms}
        pattern = ledview.pattern_of(shown[1])
        return {"label": pattern.label, "pattern": shown[1], "since_ms": shown[0],
                "simulated": pattern.simulated}

    @exposed(Kind.OPERATOR)
    def led_timeline(self, since_ms: int = 0) -> dict[str, Any]:
        """The §5.8 timeline up to now: ``segments`` and ``spans`` (module ms)."""
        if type(since_ms) is not int:
            raise InvalidArgument("since_ms must be an integer")
        st = self.catch_up()
        view = ledview.timeline(st.led, int(round(self.time_at(st) * 1000)), since_ms)
        view["now_ms"] = int(round(self.time_at(st) * 1000))
        return view

    @exposed(Kind.OPERATOR)
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
            "battery_sleep": st.battery_sleep, "module_time": self.time_at(st),
            "rtc": self.engine.rtc(st, self.time_at(st)), "led": self.led()["label"],
            "i2c_address": st.i2c_address, "sessions": len(st.contexts),
            "authorization": {"required": self._profile.require_authorization,
                              "awaiting": st.auth_awaiting,
                              "challenge": st.auth_challenge,
                              "tap_code": bool(self._profile.tap_code)},
        }

