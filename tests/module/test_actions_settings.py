"""Event settings: validation (``scm-behaviour.md`` §3.4), the rules after locking (§3.3)
and the settings scenarios of §12.3."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from softscm.errors import InvalidArgument, PolicyLocked
from softscm.module.checks import check_channel
from softscm.module.lifecycle.actions import check_setting_change
from softscm.module.lifecycle.actions_settings import (
    BatteryAction,
    ChangeRule,
    EventSettings,
    PerimeterFlags,
    Setting,
    SettingHistory,
    SupervisedBootPolicy,
    TamperProductionAction,
    TemperatureAction,
    battery_action,
    high_threshold_near_ambient,
    low_threshold_near_ambient,
    perimeter_flags,
    temperature_action,
    validate_battery_threshold,
    validate_high_threshold,
    validate_low_threshold,
    validate_perimeter_flags,
    validate_supervised_boot_policy,
    validate_temperature,
)

# -- defaults (§3.4) ---------------------------------------------------------------------------


def test_defaults_of_a_fresh_module() -> None:
    s = EventSettings()
    assert s.perimeter == (PerimeterFlags.NOTIFY, PerimeterFlags.NOTIFY)
    assert s.temperature_action is TemperatureAction.NONE
    assert (s.low_temp_c, s.high_temp_c) == (-10.0, 65.0)
    assert s.battery_action is BatteryAction.NONE
    assert s.battery_threshold_v == 2.3
    assert s.supervised_boot_policy is SupervisedBootPolicy.HOLD  # C17
    assert s.tamper_production_action is TamperProductionAction.DESTROY


def test_wire_codes() -> None:
    assert [int(f) for f in (PerimeterFlags.NOTIFY, PerimeterFlags.SELF_DESTRUCT)] == [1, 2]
    assert [int(a) for a in TemperatureAction] == [0, 1]
    assert (BatteryAction.NONE, BatteryAction.SELF_DESTRUCT, BatteryAction.SLEEP) == (0, 1, 2)
    assert [int(p) for p in SupervisedBootPolicy] == [0, 1, 2]


# -- §3.4 validation: one test per row ---------------------------------------------------------


@pytest.mark.parametrize(
    ("notify", "self_destruct", "flags"),
    [(False, False, 0), (True, False, 1), (False, True, 2), (True, True, 3)],
)
def test_perimeter_actions_any_combination(notify: bool, self_destruct: bool, flags: int) -> None:
    assert perimeter_flags(notify, self_destruct) == flags
    assert validate_perimeter_flags(flags) == flags
    assert EventSettings().with_flags(1, PerimeterFlags(flags)).flags(1) == flags


@pytest.mark.parametrize("flags", [-1, 4, 1.0])
def test_perimeter_flags_range(flags: object) -> None:
    with pytest.raises(InvalidArgument):
        validate_perimeter_flags(flags)  # type: ignore[arg-type]


def test_temperature_action() -> None:
    assert temperature_action(False) is TemperatureAction.NONE
    assert temperature_action(True) is TemperatureAction.SELF_DESTRUCT


@pytest.mark.parametrize(("low", "ok"), [(-40.0, True), (64.9, True), (-40.1, False),
                                         (65.0, False), (70.0, False), (math.nan, False)])
def test_low_temperature_threshold(low: float, ok: bool) -> None:
    if ok:
        assert validate_low_threshold(low, 65.0) == low
    else:
        with pytest.raises(InvalidArgument):
            validate_low_threshold(low, 65.0)


@pytest.mark.parametrize(("high", "ok"), [(125.0, True), (-9.9, True), (125.1, False),
                                          (-10.0, False), (-20.0, False), (math.inf, False)])
def test_high_temperature_threshold(high: float, ok: bool) -> None:
    if ok:
        assert validate_high_threshold(high, -10.0) == high
    else:
        with pytest.raises(InvalidArgument):
            validate_high_threshold(high, -10.0)


@pytest.mark.parametrize("value", ["20", None, True])
def test_temperature_must_be_a_number(value: object) -> None:
    with pytest.raises(InvalidArgument):
        validate_temperature("low", value)  # type: ignore[arg-type]


def test_threshold_near_ambient_warnings() -> None:
    assert low_threshold_near_ambient(25.0) and not low_threshold_near_ambient(20.0)
    assert high_threshold_near_ambient(39.0) and not high_threshold_near_ambient(40.0)


@pytest.mark.parametrize(
    ("sleep", "self_destruct", "action"),
    [(False, False, BatteryAction.NONE), (True, False, BatteryAction.SLEEP),
     (False, True, BatteryAction.SELF_DESTRUCT)],
)
def test_battery_action(sleep: bool, self_destruct: bool, action: BatteryAction) -> None:
    assert battery_action(sleep, self_destruct) is action


def test_battery_action_sleep_and_self_destruct_not_both() -> None:
    with pytest.raises(InvalidArgument, match="Sleep and self-destruct cannot both be True"):
        battery_action(True, True)


@pytest.mark.parametrize(("volts", "ok"), [(2.5, True), (2.3, True), (0.001, True), (2.6, False),
                                           (2.5001, False), (0.0, False), (-1.0, False),
                                           (math.nan, False)])
def test_battery_threshold(volts: float, ok: bool) -> None:  # C11
    if ok:
        assert validate_battery_threshold(volts) == volts
    else:
        with pytest.raises(InvalidArgument):
            validate_battery_threshold(volts)


@pytest.mark.parametrize(("policy", "ok"), [(0, True), (1, True), (2, True), (3, False),
                                            (-1, False), (1.0, False)])
def test_supervised_boot_policy(policy: object, ok: bool) -> None:
    if ok:
        assert validate_supervised_boot_policy(policy) == policy  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidArgument):
            validate_supervised_boot_policy(policy)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"low_temp_c": 70.0},
        {"high_temp_c": -20.0},
        {"battery_threshold_v": 3.0},
        {"perimeter": (PerimeterFlags.NOTIFY,)},
        {"perimeter": (4, 0)},
        {"perimeter": (True, 0)},
        {"temperature_action": 2},
        {"temperature_action": True},
        {"battery_action": 3},
        {"supervised_boot_policy": 7},
        {"tamper_production_action": "explode"},
    ],
)
def test_settings_record_checks_itself(changes: dict) -> None:
    with pytest.raises(InvalidArgument):
        replace(EventSettings(), **changes)


def test_settings_record_parses_stored_values() -> None:
    stored = {
        "perimeter": [3, 0],
        "temperature_action": 1,
        "low_temp_c": 0.0,
        "high_temp_c": 50.0,
        "battery_action": 2,
        "battery_threshold_v": 2.4,
        "supervised_boot_policy": 1,
        "tamper_production_action": "hold",
    }
    s = EventSettings.from_dict(stored)
    assert s.perimeter == (PerimeterFlags.NOTIFY | PerimeterFlags.SELF_DESTRUCT,
                           PerimeterFlags.NONE)
    assert s.temperature_action is TemperatureAction.SELF_DESTRUCT
    assert s.battery_action is BatteryAction.SLEEP
    assert s.supervised_boot_policy is SupervisedBootPolicy.SELF_DESTRUCT
    assert s.tamper_production_action is TamperProductionAction.HOLD
    assert s.as_dict() == stored
    assert EventSettings.from_dict(EventSettings().as_dict()) == EventSettings()
    assert EventSettings.from_dict({}) == EventSettings()
    with pytest.raises(InvalidArgument):
        EventSettings.from_dict({"colour": "blue"})


# -- §3.3 settings after locking: one test per row ---------------------------------------------


def test_tamper_row_unlimited_before_lock() -> None:
    history = SettingHistory()
    for _ in range(5):
        check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, False, history, channel=0)
        history = history.after_change(Setting.PERIMETER_EVENT_ACTIONS, False, 0)
    assert history == SettingHistory()


def test_tamper_row_once_per_channel_after_lock() -> None:
    history = SettingHistory()
    check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, True, history, channel=0)
    history = history.after_change(Setting.PERIMETER_EVENT_ACTIONS, True, 0)
    with pytest.raises(PolicyLocked):
        check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, True, history, channel=0)
    check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, True, history, channel=1)


@pytest.mark.parametrize(
    "setting", [Setting.CPU_LOW_TEMP_THRESHOLD, Setting.CPU_HIGH_TEMP_THRESHOLD,
                Setting.CPU_TEMP_ACTION],
)
def test_temperature_rows_only_before_lock(setting: Setting) -> None:
    check_setting_change(setting, False)
    with pytest.raises(PolicyLocked):
        check_setting_change(setting, True)


@pytest.mark.parametrize(
    "setting", [Setting.BATTERY_VOLTAGE_THRESHOLD, Setting.BATTERY_VOLTAGE_ACTION]
)
def test_battery_rows_only_before_lock(setting: Setting) -> None:
    check_setting_change(setting, False)
    with pytest.raises(PolicyLocked):
        check_setting_change(setting, True)


@pytest.mark.parametrize(
    "setting", [Setting.SUPERVISED_BOOT_POLICY, Setting.SUPERVISED_BOOT_MANIFEST]
)
def test_supervised_boot_row_without_limit(setting: Setting) -> None:
    for locked in (False, True, True, True):
        check_setting_change(setting, locked)


@pytest.mark.parametrize(
    "setting", [Setting.DIGITAL_PERIMETER_LP_PERIOD, Setting.DIGITAL_PERIMETER_LP_MAX_BITS,
                Setting.DIGITAL_PERIMETER_DELAYS],
)
def test_digital_perimeter_tuning_refused_after_lock(setting: Setting) -> None:  # S-37
    check_setting_change(setting, False)
    with pytest.raises(PolicyLocked):
        check_setting_change(setting, True)


@pytest.mark.parametrize(
    "setting", [Setting.CLEAR_PERIMETER_DETECT_INFO, Setting.TAP_SENSITIVITY, Setting.USER_LED]
)
def test_unlimited_in_every_mode(setting: Setting) -> None:
    assert setting.rule is ChangeRule.UNLIMITED
    for _ in range(3):
        check_setting_change(setting, True)


def test_call_in_lock_pending_uses_the_one_chance() -> None:
    # LOCK_PENDING is locked (binding_is_locked is True) but still development mode.
    history = SettingHistory().after_change(Setting.PERIMETER_EVENT_ACTIONS, True, 1)
    assert history.perimeter_calls_after_lock == (0, 1)
    with pytest.raises(PolicyLocked):
        check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, True, history, channel=1)


def test_perimeter_change_needs_a_channel() -> None:
    with pytest.raises(InvalidArgument):
        check_setting_change(Setting.PERIMETER_EVENT_ACTIONS, True)
    with pytest.raises(InvalidArgument):
        SettingHistory().after_change(Setting.PERIMETER_EVENT_ACTIONS, True)


def test_other_settings_do_not_touch_the_history() -> None:
    history = SettingHistory()
    assert history.after_change(Setting.CPU_TEMP_ACTION, True) is history


# -- §12.3 scenarios ---------------------------------------------------------------------------


class Settings:
    """The order a module follows: validate, check the lock rule, apply, count."""

    def __init__(self, locked: bool = False) -> None:
        self.values = EventSettings()
        self.history = SettingHistory()
        self.locked = locked
        self.rejected: list[str] = []

    def _change(self, setting: Setting, build, channel: int | None = None) -> None:
        try:
            new = build()
            check_setting_change(setting, self.locked, self.history, channel)
        except PolicyLocked:
            self.rejected.append(setting.value)
            raise
        self.values = new
        self.history = self.history.after_change(setting, self.locked, channel)

    def set_perimeter_event_actions(self, ch: int, notify: bool, sd: bool) -> None:
        self._change(
            Setting.PERIMETER_EVENT_ACTIONS,
            lambda: self.values.with_flags(check_channel(ch), perimeter_flags(notify, sd)),
            ch,
        )

    def set_cpu_low_temp_threshold(self, c: float) -> None:
        v = self.values
        self._change(Setting.CPU_LOW_TEMP_THRESHOLD,
                     lambda: replace(v, low_temp_c=validate_low_threshold(c, v.high_temp_c)))

    def set_cpu_high_temp_threshold(self, c: float) -> None:
        v = self.values
        self._change(Setting.CPU_HIGH_TEMP_THRESHOLD,
                     lambda: replace(v, high_temp_c=validate_high_threshold(c, v.low_temp_c)))

    def set_cpu_temp_action(self, sd: bool) -> None:
        v = self.values
        self._change(Setting.CPU_TEMP_ACTION,
                     lambda: replace(v, temperature_action=temperature_action(sd)))

    def set_battery_voltage_threshold(self, volts: float) -> None:
        v = self.values
        self._change(Setting.BATTERY_VOLTAGE_THRESHOLD,
                     lambda: replace(v, battery_threshold_v=validate_battery_threshold(volts)))

    def set_battery_voltage_action(self, sleep: bool = False, sd: bool = False) -> None:
        v = self.values
        self._change(Setting.BATTERY_VOLTAGE_ACTION,
                     lambda: replace(v, battery_action=battery_action(sleep, sd)))

    def set_supervised_boot_policy(self, policy: int) -> None:
        v = self.values
        self._change(
            Setting.SUPERVISED_BOOT_POLICY,
            lambda: replace(v, supervised_boot_policy=validate_supervised_boot_policy(policy)),
        )


def test_s19_thresholds_and_actions_freeze_at_the_lock() -> None:  # S-19
    m = Settings()
    m.set_cpu_low_temp_threshold(0.0)
    m.locked = True
    for call in (
        lambda: m.set_cpu_low_temp_threshold(5.0),
        lambda: m.set_cpu_high_temp_threshold(50.0),
        lambda: m.set_cpu_temp_action(True),
        lambda: m.set_battery_voltage_threshold(2.4),
        lambda: m.set_battery_voltage_action(sleep=True),
    ):
        with pytest.raises(PolicyLocked):
            call()
    v = m.values
    assert (v.low_temp_c, v.high_temp_c, v.battery_threshold_v) == (0.0, 65.0, 2.3)
    assert v.temperature_action is TemperatureAction.NONE
    assert v.battery_action is BatteryAction.NONE
    assert len(m.rejected) == 5  # five setting_rejected records


def test_s20_one_perimeter_setting_per_channel() -> None:  # S-20
    m = Settings(locked=True)
    results = []
    for ch, notify, sd in ((0, True, True), (0, True, False), (1, True, False), (1, False, False)):
        try:
            m.set_perimeter_event_actions(ch, notify, sd)
            results.append("ok")
        except PolicyLocked:
            results.append("PolicyLocked")
    assert results == ["ok", "PolicyLocked", "ok", "PolicyLocked"]
    assert m.values.perimeter == (PerimeterFlags.NOTIFY | PerimeterFlags.SELF_DESTRUCT,
                                  PerimeterFlags.NOTIFY)
    for _ in range(3):
        check_setting_change(Setting.CLEAR_PERIMETER_DETECT_INFO, True, m.history)


def test_s21_rejected_call_does_not_spend_the_chance() -> None:  # S-21
    m = Settings(locked=True)
    with pytest.raises(InvalidArgument):
        m.set_perimeter_event_actions(2, True, False)
    assert m.history == SettingHistory()
    m.set_perimeter_event_actions(0, True, False)


def test_s22_supervised_boot_settings_have_no_limit() -> None:  # S-22
    m = Settings(locked=True)
    for policy in (0, 1, 2, 0):
        m.set_supervised_boot_policy(policy)
    assert m.values.supervised_boot_policy is SupervisedBootPolicy.NONE
    check_setting_change(Setting.SUPERVISED_BOOT_MANIFEST, True)
    check_setting_change(Setting.SUPERVISED_BOOT_MANIFEST, True)


def test_s23_validation_before_locking() -> None:  # S-23
    m = Settings()
    with pytest.raises(InvalidArgument):
        m.set_cpu_high_temp_threshold(-20.0)
    with pytest.raises(InvalidArgument):
        m.set_battery_voltage_threshold(2.6)
    m.set_battery_voltage_threshold(2.5)
    with pytest.raises(InvalidArgument, match="Sleep and self-destruct cannot both be True"):
        m.set_battery_voltage_action(sleep=True, sd=True)
    m.set_cpu_low_temp_threshold(25.0)
    assert low_threshold_near_ambient(25.0)  # warning {kind: threshold_near_ambient}
    with pytest.raises(InvalidArgument):
        m.set_supervised_boot_policy(3)
    v = m.values
    assert (v.low_temp_c, v.high_temp_c, v.battery_threshold_v) == (25.0, 65.0, 2.5)
    assert v.battery_action is BatteryAction.NONE
    assert v.supervised_boot_policy is SupervisedBootPolicy.HOLD


def test_s35_arming_after_the_lock() -> None:  # S-35 (the setting part)
    m = Settings(locked=True)
    m.set_perimeter_event_actions(0, True, True)
    m.set_perimeter_event_actions(1, True, True)
    with pytest.raises(PolicyLocked):
        m.set_perimeter_event_actions(0, True, True)
