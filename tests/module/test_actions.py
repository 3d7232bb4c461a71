"""The event-action decision table (``scm-behaviour.md`` §3.1, §3.2, §11) and the event
scenarios of §12 that it decides."""

from __future__ import annotations

from dataclasses import replace

import pytest

from softscm.errors import InvalidArgument
from softscm.module.codes import EventKind
from softscm.module.led.codes import FatalCode
from softscm.module.lifecycle.actions import (
    BatteryAction,
    Cause,
    Decision,
    Event,
    EventSettings,
    Mode,
    Outcome,
    PerimeterFlags,
    Side,
    SupervisedBootPolicy,
    TamperProductionAction,
    TemperatureAction,
    Trigger,
    battery_low,
    battery_released,
    battery_sleep_hold,
    decide,
    mode_for,
    temperature_hold,
    temperature_released,
    temperature_side,
)

DEV, ALPHA, STD = Mode.DEVELOPMENT, Mode.ALPHA_PRODUCTION, Mode.STANDARD_PRODUCTION
NONE_, NOTIFY, SD = PerimeterFlags.NONE, PerimeterFlags.NOTIFY, PerimeterFlags.SELF_DESTRUCT
BOTH = NOTIFY | SD
NOW, OFF, BOOT = Trigger.IMMEDIATELY, Trigger.POWER_OFF, Trigger.ON_BOOT

BREACH, SIMLOG = "perimeter_breach", "simulated_action"


def summary(d: Decision) -> tuple:
    """The observable content of a decision, in a compact, comparable form."""
    return (
        d.outcome.value,
        tuple(k.value for k in d.log),
        None if d.code is None else d.code.label,
        d.simulated,
        None if d.hold is None else d.hold.value,
        d.destroy,
        None if d.destroyed_code is None else d.destroyed_code.label,
        d.reboot,
    )


def simulate(kind: str, code: str) -> tuple:
    return ("simulate", (kind, SIMLOG), code, True, None, False, None, False)


def log_only(kind: str) -> tuple:
    return ("log", (kind,), None, False, None, False, None, False)


def hold(kind: str, code: str, reason: str) -> tuple:
    return ("hold", (kind, "held"), code, False, reason, False, None, True)


def destroy(*log: str, code: str, reboot: bool = True) -> tuple:
    return ("destroy", log, None, False, None, True, code, reboot)


# -- §3.1 triggers, §2.4 modes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        (Event.TAMPER, NOW),
        (Event.LOW_TEMPERATURE, NOW),
        (Event.HIGH_TEMPERATURE, NOW),
        (Event.LOW_BATTERY, OFF),
        (Event.SUPERVISED_BOOT_SIGNATURE, BOOT),
        (Event.SUPERVISED_BOOT_PROCESS, BOOT),
    ],
)
def test_event_trigger(event: Event, trigger: Trigger) -> None:
    assert event.trigger is trigger


@pytest.mark.parametrize(
    ("production_active", "program", "mode"),
    [
        (False, "standard", DEV),  # UNBOUND, BOUND_DEV, LOCK_PENDING
        (False, "alpha", DEV),
        (True, "alpha", ALPHA),  # PRODUCTION / PRODUCTION_CANNOT_BIND
        (True, "standard", STD),
    ],
)
def test_mode_for(production_active: bool, program: str, mode: Mode) -> None:
    assert mode_for(production_active, program) is mode


def test_mode_for_unknown_program() -> None:
    with pytest.raises(InvalidArgument):
        mode_for(True, "beta")


# -- §3.2 tamper rows --------------------------------------------------------------------------

NOTIFY_ONLY = ("notify", (BREACH,), None, False, None, False, None, False)
RECORD_ONLY = ("log", (BREACH,), None, False, None, False, None, False)


@pytest.mark.parametrize(
    ("flags", "mode", "expected"),
    [
        (NONE_, DEV, RECORD_ONLY),
        (NONE_, ALPHA, RECORD_ONLY),
        (NONE_, STD, RECORD_ONLY),
        (NOTIFY, DEV, NOTIFY_ONLY),
        (NOTIFY, ALPHA, NOTIFY_ONLY),
        (NOTIFY, STD, NOTIFY_ONLY),
        (SD, DEV, simulate(BREACH, "6/1")),
        (SD, ALPHA, simulate(BREACH, "6/1")),
        (SD, STD, destroy(BREACH, "self_destruct", "module_reboot", code="5")),
        (BOTH, DEV, simulate(BREACH, "6/1")),
        (BOTH, ALPHA, simulate(BREACH, "6/1")),
        (BOTH, STD, destroy(BREACH, "self_destruct", "module_reboot", code="5")),
    ],
)
def test_tamper_cell(flags: PerimeterFlags, mode: Mode, expected: tuple) -> None:
    settings = EventSettings().with_flags(0, flags)
    d = decide(Event.TAMPER, mode, settings, NOW, channel=0)
    assert summary(d) == expected
    assert d.record_breach  # timestamps are recorded whatever the actions (§4.2)
    assert d.notify == bool(flags & NOTIFY)


@pytest.mark.parametrize("flags", [SD, BOTH])
def test_tamper_hold_option_in_standard_production(flags: PerimeterFlags) -> None:  # §3.2, §9.3
    settings = replace(
        EventSettings().with_flags(1, flags),
        tamper_production_action=TamperProductionAction.HOLD,
    )
    d = decide(Event.TAMPER, STD, settings, NOW, channel=1)
    assert summary(d) == hold(BREACH, "6/2", "perimeter")
    assert d.notify == bool(flags & NOTIFY) and d.record_breach


@pytest.mark.parametrize("mode", [DEV, ALPHA])
def test_tamper_hold_option_does_not_change_simulation(mode: Mode) -> None:
    settings = replace(
        EventSettings().with_flags(0, SD), tamper_production_action=TamperProductionAction.HOLD
    )
    assert summary(decide(Event.TAMPER, mode, settings, NOW, channel=0)) == simulate(BREACH, "6/1")


@pytest.mark.parametrize("trigger", [NOW, OFF, BOOT])
def test_tamper_acts_at_every_moment(trigger: Trigger) -> None:
    settings = EventSettings().with_flags(0, SD)
    assert decide(Event.TAMPER, STD, settings, trigger, channel=0).destroy


@pytest.mark.parametrize(
    ("channel", "latched", "code", "channels"),
    [(0, 0, "6/1", (0,)), (1, 0, "6/2", (1,)), (1, 0b01, "6/3", (0, 1)), (0, 0b10, "6/3", (0, 1)),
     (0, 0b01, "6/1", (0,))],
)
def test_tamper_sub_code_aggregates_latched_channels(
    channel: int, latched: int, code: str, channels: tuple
) -> None:
    settings = EventSettings(perimeter=(SD, SD))
    d = decide(Event.TAMPER, DEV, settings, NOW, channel=channel, latched_mask=latched)
    assert d.code == FatalCode.parse(code) and d.channels == channels


@pytest.mark.parametrize(
    "kwargs", [{}, {"channel": 0, "latched_mask": 4}]
)
def test_tamper_arguments(kwargs: dict) -> None:
    # The channel itself is checked once, where a call enters the module
    # (``checks.check_channel``; tests/module/test_checks.py).
    with pytest.raises(InvalidArgument):
        decide(Event.TAMPER, DEV, EventSettings(), NOW, **kwargs)


# -- §3.2 temperature rows ---------------------------------------------------------------------

OOR = "temperature_out_of_range"
TEMP_SD = EventSettings(temperature_action=TemperatureAction.SELF_DESTRUCT)


@pytest.mark.parametrize("event", [Event.LOW_TEMPERATURE, Event.HIGH_TEMPERATURE])
@pytest.mark.parametrize("mode", [DEV, ALPHA, STD])
@pytest.mark.parametrize("profile", ["scm", "hsm6"])
def test_temperature_action_none_only_logs(event: Event, mode: Mode, profile: str) -> None:
    d = decide(event, mode, EventSettings(), NOW, profile=profile)
    assert summary(d) == log_only(OOR)


@pytest.mark.parametrize(
    ("event", "mode", "profile", "expected"),
    [
        (Event.LOW_TEMPERATURE, DEV, "scm", simulate(OOR, "20/1")),
        (Event.LOW_TEMPERATURE, ALPHA, "scm", simulate(OOR, "20/1")),
        (Event.LOW_TEMPERATURE, STD, "scm", hold(OOR, "20/1", "temperature")),
        (Event.LOW_TEMPERATURE, STD, "hsm6",
         destroy(OOR, "self_destruct", "module_reboot", code="6")),
        (Event.HIGH_TEMPERATURE, DEV, "scm", simulate(OOR, "20/2")),
        (Event.HIGH_TEMPERATURE, ALPHA, "scm", simulate(OOR, "20/2")),
        (Event.HIGH_TEMPERATURE, STD, "scm", hold(OOR, "20/2", "temperature")),
        (Event.HIGH_TEMPERATURE, STD, "hsm6",
         destroy(OOR, "self_destruct", "module_reboot", code="6")),
        (Event.LOW_TEMPERATURE, DEV, "hsm6", simulate(OOR, "20/1")),
        (Event.HIGH_TEMPERATURE, ALPHA, "hsm6", simulate(OOR, "20/2")),
    ],
)
def test_temperature_self_destruct_cell(
    event: Event, mode: Mode, profile: str, expected: tuple
) -> None:
    assert summary(decide(event, mode, TEMP_SD, NOW, profile=profile)) == expected


@pytest.mark.parametrize("trigger", [NOW, OFF, BOOT])
def test_temperature_acts_at_every_moment(trigger: Trigger) -> None:
    assert decide(Event.HIGH_TEMPERATURE, STD, TEMP_SD, trigger).outcome is Outcome.HOLD


def test_unknown_profile() -> None:
    with pytest.raises(InvalidArgument):
        decide(Event.HIGH_TEMPERATURE, STD, TEMP_SD, NOW, profile="hsm4")


# -- §3.2 battery rows -------------------------------------------------------------------------

LOW = "battery_low"


def battery(action: BatteryAction) -> EventSettings:
    return EventSettings(battery_action=action)


@pytest.mark.parametrize("action", list(BatteryAction))
@pytest.mark.parametrize("mode", [DEV, ALPHA, STD])
@pytest.mark.parametrize("trigger", [NOW, BOOT])
def test_low_battery_with_main_power_only_logs(
    action: BatteryAction, mode: Mode, trigger: Trigger
) -> None:  # §3.1: no action until main power goes away
    assert summary(decide(Event.LOW_BATTERY, mode, battery(action), trigger)) == log_only(LOW)


@pytest.mark.parametrize(
    ("action", "mode", "expected"),
    [
        (BatteryAction.NONE, DEV, log_only(LOW)),
        (BatteryAction.NONE, ALPHA, log_only(LOW)),
        (BatteryAction.NONE, STD, log_only(LOW)),
        (BatteryAction.SLEEP, DEV, simulate(LOW, "4/1")),
        (BatteryAction.SLEEP, ALPHA, simulate(LOW, "4")),
        (BatteryAction.SLEEP, STD, ("sleep", (LOW,), None, False, None, False, None, False)),
        (BatteryAction.SELF_DESTRUCT, DEV, simulate(LOW, "4/1")),
        (BatteryAction.SELF_DESTRUCT, ALPHA, simulate(LOW, "4")),
        (BatteryAction.SELF_DESTRUCT, STD, destroy(LOW, "self_destruct", code="6", reboot=False)),
    ],
)
def test_low_battery_at_power_off_cell(action: BatteryAction, mode: Mode, expected: tuple) -> None:
    d = decide(Event.LOW_BATTERY, mode, battery(action), OFF)
    assert summary(d) == expected
    assert d.latch_sleep == (action is BatteryAction.SLEEP and mode is STD)


# -- §3.2 supervised boot rows -----------------------------------------------------------------

SBF = "supervised_boot_fail"


def policy(p: SupervisedBootPolicy) -> EventSettings:
    return EventSettings(supervised_boot_policy=p)


@pytest.mark.parametrize(
    ("event", "pol", "mode", "expected"),
    [
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.NONE, DEV, log_only(SBF)),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.NONE, ALPHA, log_only(SBF)),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.NONE, STD, log_only(SBF)),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.NONE, DEV, log_only(SBF)),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.NONE, ALPHA, log_only(SBF)),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.NONE, STD, log_only(SBF)),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.SELF_DESTRUCT, DEV,
         simulate(SBF, "4/2")),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.SELF_DESTRUCT, ALPHA,
         simulate(SBF, "4/2")),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.SELF_DESTRUCT, STD,
         destroy(SBF, "self_destruct", "boot_partition_destroyed", "module_reboot", code="6")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.SELF_DESTRUCT, DEV,
         simulate(SBF, "22/9")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.SELF_DESTRUCT, ALPHA,
         simulate(SBF, "22/9")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.SELF_DESTRUCT, STD,
         destroy(SBF, "self_destruct", "boot_partition_destroyed", "module_reboot", code="6")),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.HOLD, DEV, simulate(SBF, "4/2")),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.HOLD, ALPHA, simulate(SBF, "4/2")),
        (Event.SUPERVISED_BOOT_SIGNATURE, SupervisedBootPolicy.HOLD, STD,
         hold(SBF, "4/2", "supervised_boot")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.HOLD, DEV, simulate(SBF, "22/9")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.HOLD, ALPHA, simulate(SBF, "22/9")),
        (Event.SUPERVISED_BOOT_PROCESS, SupervisedBootPolicy.HOLD, STD,
         hold(SBF, "22/9", "supervised_boot")),
    ],
)
def test_supervised_boot_cell(
    event: Event, pol: SupervisedBootPolicy, mode: Mode, expected: tuple
) -> None:
    assert summary(decide(event, mode, policy(pol), BOOT)) == expected


@pytest.mark.parametrize("trigger", [NOW, OFF])
def test_supervised_boot_only_on_boot(trigger: Trigger) -> None:
    with pytest.raises(InvalidArgument):
        decide(Event.SUPERVISED_BOOT_SIGNATURE, DEV, EventSettings(), trigger)


def test_decide_rejects_non_enums() -> None:
    with pytest.raises(InvalidArgument):
        decide(Event.LOW_BATTERY, "development", EventSettings(), OFF)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        decide("tamper", DEV, EventSettings(), NOW)  # type: ignore[arg-type]


def test_self_destruct_never_destroys_before_production() -> None:  # §2.4
    armed = EventSettings(
        perimeter=(BOTH, BOTH),
        temperature_action=TemperatureAction.SELF_DESTRUCT,
        battery_action=BatteryAction.SELF_DESTRUCT,
        supervised_boot_policy=SupervisedBootPolicy.SELF_DESTRUCT,
    )
    for mode in (DEV, ALPHA):
        for event in Event:
            for trigger in Trigger:
                if event.trigger is BOOT and trigger is not BOOT:
                    continue
                for profile in ("scm", "hsm6"):
                    d = decide(event, mode, armed, trigger, channel=0, profile=profile)
                    assert not d.destroy and d.hold is None and not d.latch_sleep


# -- hold release (§3.2 hysteresis) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("celsius", "side"),
    [(70.0, Side.HIGH), (65.0, None), (65.001, Side.HIGH), (-15.0, Side.LOW), (-10.0, None),
     (25.0, None)],
)
def test_temperature_side(celsius: float, side: Side | None) -> None:
    assert temperature_side(celsius, -10.0, 65.0) is side


@pytest.mark.parametrize(
    ("celsius", "released"),
    [(64.5, False), (64.0, True), (63.5, True), (-9.5, False), (-9.0, True), (70.0, False)],
)
def test_temperature_released(celsius: float, released: bool) -> None:
    assert temperature_released(celsius, -10.0, 65.0) is released


@pytest.mark.parametrize(
    ("volts", "low", "released"),
    [(2.2, True, False), (2.3, False, False), (2.299999952316284, False, False),
     (2.32, False, False), (2.35, False, False), (2.351, False, True), (3.0, False, True),
     (0.0, True, False)],
)
def test_battery_thresholds(volts: float, low: bool, released: bool) -> None:
    assert battery_low(volts, 2.3) is low
    assert battery_released(volts, 2.3) is released


# -- §12 scenarios decidable from the table ----------------------------------------------------


def test_s24_development_notify_shows_no_sequence() -> None:  # S-24
    d = decide(Event.TAMPER, DEV, EventSettings(), NOW, channel=0)
    assert d.notify and d.record_breach and d.code is None and d.sequence() is None


def test_s26_only_notify_channels_wake_waiters() -> None:  # S-26
    settings = EventSettings().with_flags(1, NONE_)
    d = decide(Event.TAMPER, DEV, settings, NOW, channel=1)
    assert not d.notify and d.record_breach


def test_s30_standard_production_breach_destroys() -> None:  # S-30
    settings = EventSettings().with_flags(0, BOTH)
    d = decide(Event.TAMPER, STD, settings, NOW, channel=0)
    assert d.notify and d.destroy and d.reboot
    assert d.log == (EventKind.PERIMETER_BREACH, EventKind.SELF_DESTRUCT, EventKind.MODULE_REBOOT)
    assert d.cause is Cause.PERIMETER and d.channels == (0,)
    assert d.destroyed_code == FatalCode(5)


def test_s31_alpha_breach_is_simulated() -> None:  # S-31
    settings = EventSettings().with_flags(0, BOTH)
    d = decide(Event.TAMPER, ALPHA, settings, NOW, channel=0)
    assert not d.destroy and d.simulated and d.notify
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 6/1" and seq.simulated
    assert seq.duration_ms == 30_850
    assert EventKind.SIMULATED_ACTION in d.log


def test_s32_development_channel_1_self_destruct() -> None:  # S-32
    settings = EventSettings().with_flags(1, SD)
    d = decide(Event.TAMPER, DEV, settings, NOW, channel=1)
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 6/2" and seq.duration_ms == 33_850
    assert not d.destroy and not d.notify


def test_s33_sub_code_aggregates_channels() -> None:  # S-33
    settings = EventSettings(perimeter=(SD, SD))
    first = decide(Event.TAMPER, DEV, settings, NOW, channel=0)
    second = decide(Event.TAMPER, DEV, settings, NOW, channel=1, latched_mask=0b01)
    assert first.code == FatalCode(6, 1) and second.code == FatalCode(6, 3)


def test_s34_self_destruct_left_on_during_activation() -> None:  # S-34
    left_on = EventSettings().with_flags(0, BOTH)
    assert decide(Event.TAMPER, STD, left_on, NOW, channel=0).destroy
    notify_only = EventSettings().with_flags(0, NOTIFY)
    d = decide(Event.TAMPER, STD, notify_only, NOW, channel=0)
    assert not d.destroy and d.record_breach and d.outcome is Outcome.NOTIFY


def test_s38_defaults_only_log() -> None:  # S-38
    s = EventSettings()
    assert temperature_side(70, s.low_temp_c, s.high_temp_c) is Side.HIGH
    assert temperature_side(-15, s.low_temp_c, s.high_temp_c) is Side.LOW
    for side in Side:
        d = decide(Event.temperature(side), DEV, s, NOW)
        assert d.outcome is Outcome.LOG and d.log == (EventKind.TEMPERATURE_OUT_OF_RANGE,)


def test_s39_development_temperature_is_simulated() -> None:  # S-39
    high = decide(Event.HIGH_TEMPERATURE, DEV, TEMP_SD, NOW).sequence()
    low = decide(Event.LOW_TEMPERATURE, DEV, TEMP_SD, NOW).sequence()
    assert high is not None and high.label == "fatal 20/2" and high.duration_ms == 75_850
    assert low is not None and low.label == "fatal 20/1" and low.duration_ms == 72_850
    assert high.simulated and low.simulated


def test_s40_standard_scm_holds_until_back_in_range() -> None:  # S-40
    d = decide(Event.HIGH_TEMPERATURE, STD, TEMP_SD, NOW)
    assert d.hold is Cause.TEMPERATURE and d.reboot and not d.destroy
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 20/2" and not seq.simulated
    still = temperature_hold(Side.HIGH, 64.5, TEMP_SD.low_temp_c, TEMP_SD.high_temp_c)
    assert still is not None and still.code == FatalCode(20, 2) and still.log == (EventKind.HELD,)
    assert temperature_hold(Side.HIGH, 63.5, TEMP_SD.low_temp_c, TEMP_SD.high_temp_c) is None
    low = temperature_hold(Side.LOW, -9.5, TEMP_SD.low_temp_c, TEMP_SD.high_temp_c)
    assert low is not None and low.code == FatalCode(20, 1)


def test_s41_standard_hsm6_destroys() -> None:  # S-41
    d = decide(Event.HIGH_TEMPERATURE, STD, TEMP_SD, NOW, profile="hsm6")
    assert d.destroy and d.cause is Cause.TEMPERATURE and d.destroyed_code == FatalCode(6)


def test_s42_alpha_temperature_is_simulated() -> None:  # S-42
    d = decide(Event.HIGH_TEMPERATURE, ALPHA, TEMP_SD, NOW)
    assert d.simulated and d.code == FatalCode(20, 2) and not d.destroy


def test_s43_low_battery_with_main_power() -> None:  # S-43
    assert battery_low(2.2, 2.3)
    d = decide(Event.LOW_BATTERY, DEV, EventSettings(), NOW)
    assert d.outcome is Outcome.LOG and d.log == (EventKind.BATTERY_LOW,)


def test_s44_last_gasp_destroys_at_power_off() -> None:  # S-44
    d = decide(Event.LOW_BATTERY, STD, battery(BatteryAction.SELF_DESTRUCT), OFF)
    assert d.destroy and d.cause is Cause.BATTERY and d.destroyed_code == FatalCode(6)
    assert EventKind.SELF_DESTRUCT in d.log


def test_s45_sleep_prevents_boot_until_recovered() -> None:  # S-45
    d = decide(Event.LOW_BATTERY, STD, battery(BatteryAction.SLEEP), OFF)
    assert d.latch_sleep and not d.destroy and d.code is None
    held = battery_sleep_hold(2.2, 2.3)
    assert held is not None and held.hold is Cause.BATTERY and held.code == FatalCode(4, 1)
    assert held.sequence() is not None and not held.simulated
    assert battery_sleep_hold(2.32, 2.3) is not None
    assert battery_sleep_hold(3.0, 2.3) is None


def test_s46_alpha_battery_simulated_4() -> None:  # S-46
    d = decide(Event.LOW_BATTERY, ALPHA, battery(BatteryAction.SELF_DESTRUCT), OFF)
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 4" and seq.duration_ms == 20_350
    assert seq.simulated and not d.destroy


def test_s47_development_sleep_simulated_4_1() -> None:  # S-47
    d = decide(Event.LOW_BATTERY, DEV, battery(BatteryAction.SLEEP), OFF)
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 4/1" and seq.duration_ms == 24_850
    assert not d.latch_sleep and d.hold is None


def test_s48_removed_battery_while_off_is_last_gasp() -> None:  # S-48
    assert battery_low(0.0, 2.3)
    d = decide(Event.LOW_BATTERY, STD, battery(BatteryAction.SELF_DESTRUCT), OFF)
    assert d.destroy and d.destroyed_code == FatalCode(6)


def test_s49_battery_action_none_in_production() -> None:  # S-49
    d = decide(Event.LOW_BATTERY, STD, battery(BatteryAction.NONE), OFF)
    assert d.outcome is Outcome.LOG and d.log == (EventKind.BATTERY_LOW,)


def test_s51_development_changed_file() -> None:  # S-51
    d = decide(Event.SUPERVISED_BOOT_SIGNATURE, DEV, EventSettings(), BOOT)
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 4/2" and seq.simulated
    assert seq.duration_ms == 27_850 and d.log[0] is EventKind.SUPERVISED_BOOT_FAIL


def test_s55_standard_policy_2_holds() -> None:  # S-55
    d = decide(Event.SUPERVISED_BOOT_SIGNATURE, STD, EventSettings(), BOOT)
    assert d.hold is Cause.SUPERVISED_BOOT and d.code == FatalCode(4, 2) and not d.simulated
    assert d.reboot


def test_s56_standard_policy_1_destroys() -> None:  # S-56
    d = decide(
        Event.SUPERVISED_BOOT_SIGNATURE, STD, policy(SupervisedBootPolicy.SELF_DESTRUCT), BOOT
    )
    assert d.destroy and d.cause is Cause.SUPERVISED_BOOT
    assert d.log[:3] == (
        EventKind.SUPERVISED_BOOT_FAIL, EventKind.SELF_DESTRUCT, EventKind.BOOT_PARTITION_DESTROYED,
    )
    assert d.destroyed_code == FatalCode(6)


def test_s57_policy_0_only_logs() -> None:  # S-57
    d = decide(Event.SUPERVISED_BOOT_SIGNATURE, STD, policy(SupervisedBootPolicy.NONE), BOOT)
    assert d.outcome is Outcome.LOG and d.log == (EventKind.SUPERVISED_BOOT_FAIL,)


def test_s58_process_failure_shows_22_9() -> None:  # S-58
    d = decide(Event.SUPERVISED_BOOT_PROCESS, DEV, EventSettings(), BOOT)
    seq = d.sequence()
    assert seq is not None and seq.label == "fatal 22/9" and seq.duration_ms == 102_850
    assert seq.simulated


def test_s59_alpha_policy_1_simulated() -> None:  # S-59
    d = decide(
        Event.SUPERVISED_BOOT_SIGNATURE, ALPHA, policy(SupervisedBootPolicy.SELF_DESTRUCT), BOOT
    )
    assert d.simulated and d.code == FatalCode(4, 2) and not d.destroy
