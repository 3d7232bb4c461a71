"""The module's state machine over simulated time: boots, binding, sequences, holds,
destruction and the timers that move them on (``scm-behaviour.md`` §2.3, §2.6, §3, §5).

Every transition takes the :class:`PhysicalState` and the module time ``t`` (seconds) at
which it happens, so that a run is deterministic given its inputs. Future transitions
are timers in the state; :meth:`Engine.run_until` fires those that are due, in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from softscm.module.checks import Channel
from softscm.module.codes import Binding, EventKind, Lifecycle
from softscm.module.led import view as ledview
from softscm.module.led.codes import (
    CODE_HEARTBEAT_LOST,
    CODE_HIGH_TEMPERATURE,
    CODE_LOW_BATTERY,
    CODE_LOW_TEMPERATURE,
)
from softscm.module.led.timing import BOOT_INIT_MS, FAST_TIMING, VERIFY_MS, sequence_ms
from softscm.module.lifecycle import authorization as auth
from softscm.module.lifecycle.actions import (
    Decision,
    Event,
    Mode,
    Trigger,
    decide,
    mode_for,
)
from softscm.module.lifecycle.actions_settings import PerimeterFlags
from softscm.module.lifecycle.actions_thresholds import (
    battery_low,
    battery_released,
    temperature_released,
    temperature_side,
)
from softscm.module.lifecycle.binding import fingerprint
from softscm.module.lifecycle.selftest import (
    BACKGROUND_INTERVAL_S,
    RANDOM_CHECK,
    failed_checks,
    fatal_code,
)
from softscm.module.lifecycle.state import PhysicalState

#: Seconds without heartbeats after which the module gives up on the host (§5.6).
HEARTBEAT_TIMEOUT_S = 60.0
#: Seconds the supply must be stable after a brown-out (§2.6).
BROWNOUT_SETTLE_S = 1.0
#: Seconds between temperature samples while a level-triggered condition lasts (§3.2).
TEMPERATURE_SAMPLE_S = 1.0
#: Most timers fired in one catch-up (a bound on work; loops fast-forward past it).
MAX_TIMER_STEPS = 2000
#: How far behind the clock the timers may fall before whole loop cycles are skipped.
CATCH_UP_S = 600.0
#: Timers of the loops a module runs by itself (reboots, holds, repeated sequences).
_LOOP_TIMERS = frozenset({"reboot", "hold_check", "sequence_end", "temperature_sample",
                          "verify", "bind", "self_test"})

Recorder = Callable[[str, float, dict[str, Any]], None]


def _ms(t: float) -> int:
    return int(round(t * 1000))


class Engine:
    """Transitions of one module. ``hooks`` reach the rest of the module: logging,
    destroying keys, dropping what a boot loses, verifying the manifest."""

    def __init__(
        self, *, profile: str, program: str, serial: str, record: Recorder,
        destroy_keys: tuple[Callable[[], None], ...], drop_volatile: Callable[[], list[int]],
        verify_boot: Callable[[float], tuple[str, dict[str, Any]]],
        seal_for_production: Callable[[str], None],
        self_test: Callable[[PhysicalState, float], dict[str, bool]],
        host_reaches_module: Callable[[], bool],
        base_identity: dict[str, str], salt_digest: str,
        require_authorization: bool = False, tap_code: tuple[int, ...] = (),
        challenge: Callable[[], bytes] | None = None,
    ) -> None:
        self.profile = profile
        self.program = program
        self.serial = serial
        self.record = record
        self.destroy_keys = destroy_keys
        self.drop_volatile = drop_volatile
        self.verify_boot = verify_boot
        self.seal_for_production = seal_for_production
        self.self_test = self_test
        self.host_reaches_module = host_reaches_module
        self.base_identity = base_identity
        self.salt_digest = salt_digest
        self.timing = FAST_TIMING
        #: Authorisation of holds (§9.3): whether it is needed, the tap code, and where
        #: a fresh challenge comes from.
        self.require_authorization = require_authorization
        self.tap_code = tap_code
        self.new_challenge = challenge

    # -- helpers ------------------------------------------------------------------------

    def mode(self, st: PhysicalState) -> Mode:
        """The mode event actions see (§2.4)."""
        return mode_for(st.production_active, self.program)

    def show(self, st: PhysicalState, t: float, desc: list[Any]) -> None:
        """Record that the LED shows ``desc`` from ``t``."""
        ledview.record(st.led, _ms(t), desc)

    def schedule(self, st: PhysicalState, due: float, kind: str, **data: Any) -> None:
        """Add a timer."""
        st.timers.append([due, kind, data])
        st.timers.sort(key=lambda timer: timer[0])

    def cancel(self, st: PhysicalState, *kinds: str) -> None:
        """Drop timers of the given kinds (all timers when none are named)."""
        st.timers = [tm for tm in st.timers if kinds and tm[1] not in kinds]

    def running_desc(self, st: PhysicalState) -> list[Any]:
        """The running pattern for the current mode."""
        return ["running", st.production_active]

    def fingerprint(self, st: PhysicalState) -> str | None:
        """The binding fingerprint of the host as it is now; ``None`` without a salt."""
        return fingerprint(self.serial, self.base_identity, st.identity, st.salt_state,
                           self.salt_digest)

    # -- timers -------------------------------------------------------------------------

    def run_until(self, st: PhysicalState, now: float) -> bool:
        """Fire every timer due by ``now``; whether anything changed.

        A module left alone runs in loops (a destroyed or held module reboots every few
        tens of seconds, a level-triggered sequence repeats). When the timers fall more
        than :data:`CATCH_UP_S` behind, whole cycles of such a loop are skipped, so the
        work stays bounded however far the clock moved."""
        changed = False
        fired: dict[str, float] = {}
        steps = 0
        while st.timers and st.timers[0][0] <= now:
            due, kind, data = st.timers.pop(0)
            getattr(self, f"_on_{kind}")(st, float(due), **data)
            changed = True
            steps += 1
            previous = fired.get(kind)
            fired[kind] = float(due)
            if previous is not None and st.timers:
                self._skip_cycles(st, float(due) - previous, now)
            if steps >= MAX_TIMER_STEPS:
                break
        return changed

    def _skip_cycles(self, st: PhysicalState, period: float, now: float) -> None:
        looping = [timer for timer in st.timers if timer[1] in _LOOP_TIMERS]
        if period <= 0 or not looping or len(looping) != len(st.timers):
            return  # only a module left to its own loops is fast-forwarded
        first = looping[0][0]
        behind = now - CATCH_UP_S - first
        shift = (behind // period) * period if behind > 0 else 0.0
        if shift <= 0:
            return
        for timer in looping:
            timer[0] += shift
        planned_from = int(round(first * 1000))
        for entry in st.led:
            if entry[0] >= planned_from:
                entry[0] += int(round(shift * 1000))

    # -- boot -------------------------------------------------------------------------

    def boot(self, st: PhysicalState, t: float, *, replay: bool, reason: str = "power_on") -> None:
        """A module boot at ``t``: the checks, then (``replay``) the LED stages in
        simulated time, or (opening a state) at once."""
        tap_entry = [tm for tm in st.timers if tm[1] == "tap_group"]
        self.cancel(st)
        st.booted_at = t
        st.queued_sequences = []
        st.hold = None
        dropped = self.drop_volatile()
        if dropped:
            self.record(EventKind.ISSUE159_KEYS_DROPPED, t, {"slots": dropped})
        st.tap_dir = [0, 0, 0]
        failed = failed_checks(self.run_self_test(st, t, "boot"))
        authorized, st.authorized = st.authorized, False
        if st.destroyed_code is not None:
            self._end_authorization(st)
            st.lifecycle = Lifecycle.DESTROYED
            self._fatal_then(st, t, st.destroyed_code, replay, "reboot", reason="destroyed")
            return
        if failed:
            self._end_authorization(st)
            self._self_test_failed(st, t, failed, replay=replay, at_boot=True)
            return
        held = self._boot_hold(st, t, authorized)
        if st.auth_awaiting is None:
            self._end_authorization(st)
        else:
            self._await_authorization(st, tap_entry)
        if held is not None:
            code, why = held
            st.lifecycle = Lifecycle.HELD
            st.hold = why
            self.record(EventKind.HELD, t, {"reason": why})
            self._fatal_then(st, t, code, replay, "hold_check", reason=why)
            return
        st.lifecycle = Lifecycle.BOOTING
        st.paused_boot = None
        if not replay:
            self._verify(st, t, replay=False)
            return
        self.show(st, t, ["boot_init"])
        at = t + BOOT_INIT_MS / 1000
        for group in range(1, 5):
            self.show(st, at, ["verify", group])
            at += (ledview.duration_ms(["verify", group]) or 0) / 1000
        self.schedule(st, t + (BOOT_INIT_MS + VERIFY_MS) / 1000, "verify")

    # -- the self test (§9.2) ----------------------------------------------------------

    def run_self_test(self, st: PhysicalState, t: float, trigger: str) -> dict[str, bool]:
        """Run the whole self test at ``t`` and log it; each check's result."""
        results = self.self_test(st, t)
        failed = failed_checks(results)
        self.record(EventKind.SELF_TEST, t, {
            "result": "fail" if failed else "pass", "trigger": trigger,
            "checks": list(results), "failed": failed})
        return results

    def _self_test_failed(self, st: PhysicalState, t: float, failed: list[str], *,
                          replay: bool = True, at_boot: bool = False) -> None:
        """A failed self test is fatal: code 6 or 9 three times, then a reboot, whose
        self test finds a lasting failure again (§9.2)."""
        code = fatal_code(failed)
        st.lifecycle = Lifecycle.SELF_TEST_FAILED
        self.record(EventKind.FATAL, t, {"code": code, "reason": "self_test"})
        if at_boot:
            self._fatal_then(st, t, code, replay, "reboot", reason="self_test")
            return
        self.cancel(st)
        self.show(st, t, ["fatal", code, False])
        self.schedule(st, t + sequence_ms(int(code)) / 1000, "reboot", reason="self_test")

    def commanded_self_test(self, st: PhysicalState, t: float) -> dict[str, bool]:
        """``softscm selftest``: the whole set now; a failure is fatal as at boot."""
        results = self.run_self_test(st, t, "command")
        failed = failed_checks(results)
        if failed and st.lifecycle not in (Lifecycle.DESTROYED, Lifecycle.SELF_TEST_FAILED):
            self._self_test_failed(st, t, failed)
        return results

    def continuous_test_failed(self, st: PhysicalState, t: float) -> None:
        """A draw of the generator repeated the one before it (the continuous test of
        §9.2): a failed self test, fatal as one (code 9, then a reboot, whose self test
        tests the generator again). Nothing to do for a module that is off, destroyed
        or already failing its self test."""
        if st.lifecycle in (Lifecycle.OFF, Lifecycle.DESTROYED, Lifecycle.SELF_TEST_FAILED):
            return
        self.record(EventKind.SELF_TEST, t, {
            "result": "fail", "trigger": "continuous", "checks": [RANDOM_CHECK],
            "failed": [RANDOM_CHECK]})
        self._self_test_failed(st, t, [RANDOM_CHECK])

    def _on_self_test(self, st: PhysicalState, t: float) -> None:
        """The background run, every :data:`BACKGROUND_INTERVAL_S` while running."""
        if st.lifecycle != Lifecycle.RUNNING:
            return  # re-planned when the module runs again
        failed = failed_checks(self.run_self_test(st, t, "background"))
        if failed:
            self._self_test_failed(st, t, failed)
            return
        self.schedule(st, t + BACKGROUND_INTERVAL_S, "self_test")

    def _on_verify(self, st: PhysicalState, t: float) -> None:
        self._verify(st, t, replay=True)

    def _verify(self, st: PhysicalState, t: float, *, replay: bool) -> None:
        """The end of ``BOOT_VERIFY`` at ``t``: supervised boot's outcome and its action,
        then the host boots (§6.3, §6.4)."""
        result, _ = self.verify_boot(t)
        if result != "ok":
            decision = decide(
                Event.SUPERVISED_BOOT_PROCESS if result == "process"
                else Event.SUPERVISED_BOOT_SIGNATURE,
                self.mode(st), st.event_settings, Trigger.ON_BOOT, profile=self.profile,
            )
            after = self.carry_out(st, t, decision, "supervised_boot", at_boot=True,
                                   replay=replay)
            if after is None:
                return
            t = after
        if not replay:
            self.bind(st, t)
            return
        self.host_stages(st, t)

    def host_stages(self, st: PhysicalState, t: float) -> None:
        """The host boots from ``t``: ``HOST_BOOTING``, ``USB_ENUMERATED``, then it binds."""
        st.lifecycle = Lifecycle.BOOTING
        timing = self.timing
        self.show(st, t, ["host_booting", timing.host_booting_ms])
        usb_at = t + timing.host_booting_ms / 1000
        self.show(st, usb_at, ["usb_enumerated", timing.usb_enumerated_ms])
        self.schedule(st, usb_at + timing.usb_enumerated_ms / 1000, "bind")

    def _boot_hold(self, st: PhysicalState, t: float,
                   authorized: bool = False) -> tuple[str, str] | None:
        """The hold a boot starts in (standard production only), as (code, reason).
        A remedied battery or tamper hold still waits for an authorisation when one is
        required (``authorized``: one was given since the last boot; §9.3)."""
        st.auth_awaiting = None
        if self.mode(st) is not Mode.STANDARD_PRODUCTION:
            return None
        settings = st.event_settings
        if st.tamper_hold is not None:
            if any(st.loops_open) or st.latched_mask or self._awaits(st, "perimeter",
                                                                     authorized):
                return st.tamper_hold, "perimeter"
            st.tamper_hold = None
            self.record(EventKind.RELEASED, t, {"reason": "perimeter"})
        if st.battery_sleep:
            volts = st.battery or 0.0
            if battery_released(volts, settings.battery_threshold_v):
                if self._awaits(st, "battery", authorized):
                    return CODE_LOW_BATTERY.label, "battery"
                st.battery_sleep = False
                self.record(EventKind.RELEASED, t, {"reason": "battery"})
            elif st.main_power:
                return CODE_LOW_BATTERY.label, "battery"
        if (settings.temperature_action.value and self.profile == "scm"
                and st.temp_side is not None):
            if temperature_released(st.cpu_temp, settings.low_temp_c, settings.high_temp_c):
                st.temp_side = None
                self.record(EventKind.RELEASED, t, {"reason": "temperature"})
            else:
                code = CODE_LOW_TEMPERATURE if st.temp_side == "low" else CODE_HIGH_TEMPERATURE
                return code.label, "temperature"
        return None

    # -- authorisation (§9.3) ------------------------------------------------------------

    def _awaits(self, st: PhysicalState, reason: str, authorized: bool) -> bool:
        """Whether the remedied hold ``reason`` still waits for an authorisation."""
        if not self.require_authorization or authorized:
            return False
        st.auth_awaiting = reason
        return True

    def _await_authorization(self, st: PhysicalState, tap_entry: list[list[Any]]) -> None:
        """A hold waits for an authorisation: it has a challenge (kept across the hold's
        reboots) and a tap code being entered goes on."""
        if st.auth_challenge is None and self.new_challenge is not None:
            st.auth_challenge = self.new_challenge().hex()
        for timer in tap_entry:
            self.schedule(st, float(timer[0]), timer[1], **timer[2])

    def _end_authorization(self, st: PhysicalState) -> None:
        st.auth_awaiting = None
        st.auth_challenge = None
        st.auth_taps = []
        self.cancel(st, "tap_group")

    def code_tap(self, st: PhysicalState, t: float) -> None:
        """A detected tap while a hold waits for an authorisation: part of a tap code."""
        if st.auth_awaiting is None or st.lifecycle != Lifecycle.HELD or not self.tap_code:
            return
        st.auth_taps.append(t)
        self.cancel(st, "tap_group")
        self.schedule(st, t + auth.TAP_GROUP_GAP_S, "tap_group")

    def _on_tap_group(self, st: PhysicalState, t: float) -> None:
        """A pause long enough to end a group of taps: judge the entry so far."""
        verdict = auth.judge_taps(st.auth_taps, self.tap_code, t)
        if verdict is None:
            end = st.auth_taps[0] + auth.TAP_CODE_WINDOW_S
            self.schedule(st, max(end, t), "tap_group")
            return
        st.auth_taps = []
        self.authorize(st, t, "tap_code", verdict)

    def authorize(self, st: PhysicalState, t: float, method: str, result: str) -> bool:
        """Log an authorisation attempt; a good one (``ok``) releases the waiting hold:
        the module boots again at once. Whether the hold was released."""
        self.record(EventKind.AUTHORIZATION, t, {"method": method, "result": result})
        if result != auth.OK or st.auth_awaiting is None:
            return False
        st.authorized = True
        self.record(EventKind.MODULE_REBOOT, t, {"reason": "authorized"})
        self.boot(st, t, replay=True, reason="reboot")
        return True

    def _fatal_then(self, st: PhysicalState, t: float, code: str, replay: bool, then: str,
                    **data: Any) -> None:
        """Show ``boot_init`` and a real fatal ``code``, then fire ``then`` at its end."""
        main, _, sub = code.partition("/")
        length = sequence_ms(int(main), int(sub) if sub else None) / 1000
        if replay or st.led:
            self.show(st, t, ["boot_init"])
            self.show(st, t + BOOT_INIT_MS / 1000, ["fatal", code, False])
        self.schedule(st, t + BOOT_INIT_MS / 1000 + length, then, **data)

    def _on_reboot(self, st: PhysicalState, t: float, reason: str = "") -> None:
        self.record(EventKind.MODULE_REBOOT, t, {"reason": reason or "fatal"})
        self.boot(st, t, replay=True, reason="reboot")

    def _on_hold_check(self, st: PhysicalState, t: float, reason: str = "") -> None:
        self.record(EventKind.MODULE_REBOOT, t, {"reason": f"held: {reason}"})
        self.boot(st, t, replay=True, reason="reboot")

    # -- binding ----------------------------------------------------------------------

    def sessions(self, st: PhysicalState, t: float) -> bool:
        """Whether a host session is there to bind (and sends heartbeats)."""
        stalled = st.stall_until is not None and st.stall_until > t
        return bool(st.contexts) and not stalled

    def _on_bind(self, st: PhysicalState, t: float) -> None:
        self.bind(st, t)

    def bind(self, st: PhysicalState, t: float) -> None:
        """The host binds after a module boot or host reboot (§2.3 B1-B7)."""
        if not self.sessions(st, t) or not self.host_reaches_module():
            st.lifecycle = Lifecycle.WAITING
            self.show(st, t, ["waiting_for_host"])
            if st.stall_until is not None and st.stall_until > t:
                self.schedule(st, st.stall_until, "bind")
            return
        fingerprint = self.fingerprint(st)
        if st.binding == Binding.UNBOUND:
            st.binding = Binding.BOUND_DEV
            st.fingerprint = fingerprint
            self.record(EventKind.BIND_OK, t, {})
        elif st.binding == Binding.BOUND_DEV:
            if fingerprint is None:
                # Development: a lost salt is replaced by a new one; keys are kept.
                st.salt_state = "renewed-" + hashlib.sha256(
                    f"{self.serial}{t}".encode()).hexdigest()[:16]
                fingerprint = self.fingerprint(st)
            if fingerprint != st.fingerprint:
                st.fingerprint = fingerprint
                self.record(EventKind.REBIND, t, {})
            else:
                self.record(EventKind.BIND_OK, t, {})
        else:
            if fingerprint is None or fingerprint != st.fingerprint:
                st.binding = Binding.PRODUCTION_CANNOT_BIND if st.binding != Binding.LOCK_PENDING \
                    else Binding.PRODUCTION_CANNOT_BIND
                st.lifecycle = Lifecycle.CANNOT_BIND
                self.record(EventKind.BIND_FAILED, t,
                            {"reason": "salt" if fingerprint is None else "fingerprint"})
                self.show(st, t, ["cannot_bind"])
                return
            if st.binding == Binding.LOCK_PENDING:
                st.binding = Binding.PRODUCTION
                self.seal_for_production(fingerprint)
                self.record(EventKind.PRODUCTION_ACTIVE, t, {})
            elif st.binding == Binding.PRODUCTION_CANNOT_BIND:
                st.binding = Binding.PRODUCTION
                self.seal_for_production(fingerprint)
                self.record(EventKind.BIND_OK, t, {})
            else:
                self.record(EventKind.BIND_OK, t, {})
        st.lifecycle = Lifecycle.RUNNING
        self.show(st, t, self.running_desc(st))
        self._after_running(st, t)

    def _after_running(self, st: PhysicalState, t: float) -> None:
        """Level-triggered conditions are looked at again once the module runs, and the
        background self test is planned."""
        if not any(timer[1] == "self_test" for timer in st.timers):
            self.schedule(st, t + BACKGROUND_INTERVAL_S, "self_test")
        if st.temp_side is not None:
            self.schedule(st, t + TEMPERATURE_SAMPLE_S, "temperature_sample")

    def host_reboot(self, st: PhysicalState, t: float) -> None:
        """The host restarts; the module stays powered and the host binds again. While
        the module boots, holds the host or shows a sequence, the host is in reset
        anyway and the restart changes nothing."""
        if st.lifecycle not in (Lifecycle.RUNNING, Lifecycle.WAITING, Lifecycle.CANNOT_BIND):
            return
        self.cancel(st, "bind", "heartbeat_lost")
        self.host_stages(st, t)

    # -- sequences ----------------------------------------------------------------------

    def sequence(self, st: PhysicalState, t: float, code: str, simulated: bool) -> None:
        """Show a fatal-style sequence now (or after the one showing)."""
        if st.lifecycle == Lifecycle.SEQUENCE:
            st.queued_sequences.append([code, simulated])
            return
        if st.lifecycle == Lifecycle.OFF:
            # Shown from battery power; the module stays off.
            self.show(st, t, ["fatal", code, simulated])
            main, _, sub = code.partition("/")
            end = t + sequence_ms(int(main), int(sub) if sub else None) / 1000
            self.schedule(st, end, "off_sequence_end")
            return
        if st.lifecycle == Lifecycle.BOOTING:
            # The boot waits for the sequence: its next step runs when it ends.
            pending = [tm[1] for tm in st.timers if tm[1] in ("verify", "bind")]
            st.paused_boot = pending[0] if pending else "bind"
            self.cancel(st, "verify", "bind")
        st.resume = st.lifecycle
        st.lifecycle = Lifecycle.SEQUENCE
        self.show(st, t, ["fatal", code, simulated])
        main, _, sub = code.partition("/")
        end = t + sequence_ms(int(main), int(sub) if sub else None) / 1000
        self.schedule(st, end, "sequence_end", simulated=simulated)

    def _on_off_sequence_end(self, st: PhysicalState, t: float) -> None:
        if st.lifecycle == Lifecycle.OFF:
            self.show(st, t, ["off"])

    def _on_sequence_end(self, st: PhysicalState, t: float, simulated: bool = True) -> None:
        if not simulated:
            self.record(EventKind.MODULE_REBOOT, t, {"reason": "fatal"})
            self.boot(st, t, replay=True, reason="reboot")
            return
        if st.queued_sequences:
            code, sim = st.queued_sequences.pop(0)
            st.lifecycle = st.resume
            self.sequence(st, t, code, sim)
            return
        st.lifecycle = st.resume
        if st.lifecycle == Lifecycle.BOOTING:
            paused, st.paused_boot = st.paused_boot, None
            if paused == "verify":
                self._verify(st, t, replay=True)
            else:
                self.host_stages(st, t)
        elif st.lifecycle == Lifecycle.RUNNING:
            self.show(st, t, self.running_desc(st))
            self._after_running(st, t)
        elif st.lifecycle == Lifecycle.WAITING:
            if self.sessions(st, t):
                self.bind(st, t)
            else:
                self.show(st, t, ["waiting_for_host"])

    def apply(self, st: PhysicalState, t: float, decision: Decision, event: str) -> None:
        """Carry out an event-action decision made while the module is up."""
        self.carry_out(st, t, decision, event)

    def carry_out(self, st: PhysicalState, t: float, decision: Decision, event: str, *,
                  at_boot: bool = False, replay: bool = True) -> float | None:
        """Carry out ``decision`` (§3.2), made for ``event`` at ``t``: the one executor of
        the decision table, for the events of a running module and for supervised boot's
        outcome while the module boots (``at_boot``; ``replay``: its LED stages are shown
        in simulated time). Returns the time at which the boot goes on (after a
        simulated sequence), or ``None`` when the decision ends it (destroyed, held)."""
        if decision.destroy:
            if at_boot or st.destroyed_code is None:  # destruction happens once
                self._destroy(st, t, decision, replay=replay)
            return None
        if decision.latch_sleep:
            st.battery_sleep = True
        if decision.hold is not None and st.lifecycle == Lifecycle.OFF:
            return None  # nothing to hold while off: the next boot checks the condition
        if decision.hold is not None and decision.code is not None:
            if decision.hold.value == "perimeter":
                st.tamper_hold = decision.code.label
            st.lifecycle = Lifecycle.HELD
            st.hold = decision.hold.value
            self.record(EventKind.HELD, t, {"reason": st.hold})
            length = sequence_ms(decision.code.main, decision.code.sub) / 1000
            if not at_boot:
                self.cancel(st)
            if replay:
                self.show(st, t, ["fatal", decision.code.label, False])
            self.schedule(st, t + (length if replay else 1.0), "hold_check", reason=st.hold)
            return None
        if decision.code is not None and decision.simulated:
            self.record(EventKind.SIMULATED_ACTION, t,
                        {"event": event, "code": decision.code.label})
            if not at_boot:
                self.sequence(st, t, decision.code.label, True)
            elif replay:
                # The boot waits for the sequence, then goes on.
                self.show(st, t, ["fatal", decision.code.label, True])
                t += sequence_ms(decision.code.main, decision.code.sub) / 1000
        return t

    def _destroy(self, st: PhysicalState, t: float, decision: Decision, replay: bool) -> None:
        cause = decision.cause.value if decision.cause is not None else "unknown"
        detail: dict[str, Any] = {"cause": cause}
        if decision.channels:
            detail["channel"] = decision.channels[0]
        self.record(EventKind.SELF_DESTRUCT, t, detail)
        if EventKind.BOOT_PARTITION_DESTROYED in decision.log:
            self.record(EventKind.BOOT_PARTITION_DESTROYED, t, {})
        for destroy in self.destroy_keys:
            destroy()
        code = decision.destroyed_code
        st.destroyed_code = code.label if code is not None else "6"
        st.lifecycle = Lifecycle.DESTROYED if st.lifecycle != Lifecycle.OFF else Lifecycle.OFF
        self.cancel(st)
        if decision.reboot and st.main_power:
            self.record(EventKind.MODULE_REBOOT, t, {"reason": "self_destruct"})
            self.boot(st, t, replay=replay, reason="reboot")

    # -- sensors over time --------------------------------------------------------------

    def temperature(self, st: PhysicalState, t: float, *, sample: bool = False) -> None:
        """Evaluate the CPU temperature against the thresholds (a change, or a sample)."""
        settings = st.event_settings
        side = temperature_side(st.cpu_temp, settings.low_temp_c, settings.high_temp_c)
        if side is None:
            if st.temp_side is not None and st.lifecycle != Lifecycle.HELD:
                st.temp_side = None
                self.record(EventKind.TEMPERATURE_IN_RANGE, t, {"value": st.cpu_temp})
            self.cancel(st, "temperature_sample")
            return
        if not sample or st.temp_side != side.value:
            threshold = settings.low_temp_c if side.value == "low" else settings.high_temp_c
            self.record(EventKind.TEMPERATURE_OUT_OF_RANGE, t,
                        {"side": side.value, "value": st.cpu_temp, "threshold": threshold})
        st.temp_side = side.value
        if st.lifecycle in (Lifecycle.HELD, Lifecycle.DESTROYED, Lifecycle.SEQUENCE):
            return
        decision = decide(Event.temperature(side), self.mode(st), settings,
                          Trigger.IMMEDIATELY, profile=self.profile)
        self.apply(st, t, decision, "temperature")

    def _on_temperature_sample(self, st: PhysicalState, t: float) -> None:
        if st.lifecycle == Lifecycle.RUNNING:
            self.temperature(st, t, sample=True)

    # -- perimeter ----------------------------------------------------------------------

    def monitored(self, st: PhysicalState) -> bool:
        """Whether the loops are watched: main power or a battery (§4.2)."""
        return st.main_power or st.battery is not None

    def breach(self, st: PhysicalState, t: float, channel: Channel) -> None:
        """An armed channel finds its loop open at ``t`` (§4.2, §4.7)."""
        if st.breach[channel]:
            return
        stamp = int(self.rtc(st, t))
        settings = st.event_settings
        decision = decide(Event.TAMPER, self.mode(st), settings, Trigger.IMMEDIATELY,
                          channel=channel, latched_mask=st.latched_mask, profile=self.profile)
        if decision.record_breach:
            st.breach[channel] = stamp
        flags = PerimeterFlags(settings.flags(channel))
        self.record(EventKind.PERIMETER_BREACH, t, {
            "channel": channel, "timestamp": stamp,
            "actions": {"notify": bool(flags & PerimeterFlags.NOTIFY),
                        "self_destruct": bool(flags & PerimeterFlags.SELF_DESTRUCT)},
        })
        st.latched_mask |= 1 << channel
        if decision.notify:
            for latches in st.contexts.values():
                latches[0] = True
        if st.lifecycle == Lifecycle.DESTROYED:
            return
        self.apply(st, t, decision, "tamper")

    def rtc(self, st: PhysicalState, t: float) -> float:
        """The module RTC at module time ``t`` (§7.2)."""
        value = t + st.rtc_offset
        if st.last_sync is not None and st.drift_ppm:
            value += (t - st.last_sync[0]) * st.drift_ppm * 1e-6
        return value

    def battery(self, st: PhysicalState, t: float, trigger: Trigger) -> None:
        """Evaluate the battery (at power-off, on battery samples, or when it changes)."""
        settings = st.event_settings
        volts = st.battery if st.battery is not None else 0.0
        if not battery_low(volts, settings.battery_threshold_v):
            return
        self.record(EventKind.BATTERY_LOW, t,
                    {"volts": volts, "threshold": settings.battery_threshold_v})
        decision = decide(Event.LOW_BATTERY, self.mode(st), settings, trigger,
                          profile=self.profile)
        self.apply(st, t, decision, "battery")

    def _on_heartbeat_lost(self, st: PhysicalState, t: float) -> None:
        if st.lifecycle != Lifecycle.RUNNING:
            # Not serving the host now: look again once it runs, while the stall lasts.
            if st.stall_until is not None and st.stall_until > t and st.lifecycle != Lifecycle.OFF:
                self.schedule(st, t + 1.0, "heartbeat_lost")
            return
        self.record(EventKind.HEARTBEAT_LOST, t, {})
        self.record(EventKind.FATAL, t, {"code": CODE_HEARTBEAT_LOST.label})
        self.sequence(st, t, CODE_HEARTBEAT_LOST.label, False)

    def _on_lp_breach(self, st: PhysicalState, t: float, channel: int = 0) -> None:
        """A low-power sampling instant found the loop open (§4.5)."""
        if self.monitored(st):
            self.breach(st, t, Channel(channel))  # scheduled with a checked channel

    def _on_loop_close(self, st: PhysicalState, t: float, channel: int = 0) -> None:
        st.loops_open[channel] = False

    def _on_host_resumes(self, st: PhysicalState, t: float) -> None:
        st.stall_until = None
        if st.lifecycle == Lifecycle.WAITING:
            self.bind(st, t)
