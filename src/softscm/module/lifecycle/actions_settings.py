"""Event-action settings: their values, validation and the rules after locking.

``scm-behaviour.md`` §3.4 gives each setting's values, default and validation; §3.3 says
which of them may still change once ``lock_binding()`` has succeeded. The module keeps
an :class:`EventSettings` and a :class:`SettingHistory` and calls the functions here; no
state lives in this file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum, IntEnum, IntFlag, unique
from typing import Any

from softscm.errors import InvalidArgument, PolicyLocked
from softscm.module.checks import PERIMETER_CHANNELS, Channel, check_float

# -- values (§3.4) ----------------------------------------------------------------------------

TEMPERATURE_MIN_C = -40.0
"""Lowest temperature threshold accepted, °C (the parts' industrial range)."""

TEMPERATURE_MAX_C = 125.0
"""Highest temperature threshold accepted, °C."""

LOW_TEMP_RECOMMENDED_MAX_C = 20.0
"""A low threshold above this, °C, is accepted with a ``threshold_near_ambient`` warning."""

HIGH_TEMP_RECOMMENDED_MIN_C = 40.0
"""A high threshold below this, °C, is accepted with a ``threshold_near_ambient`` warning."""

BATTERY_THRESHOLD_MAX_V = 2.5
"""Highest battery threshold accepted, V (inclusive, C11); the lowest must be above 0 V."""

DEFAULT_LOW_TEMP_C = -10.0
"""Factory low temperature threshold, °C."""

DEFAULT_HIGH_TEMP_C = 65.0
"""Factory high temperature threshold, °C."""

DEFAULT_BATTERY_THRESHOLD_V = 2.3
"""Factory battery voltage threshold, V."""


class PerimeterFlags(IntFlag):
    """A channel's actions, as ``zkSetPerimeterEventAction`` takes them: any combination."""

    NONE = 0
    NOTIFY = 1
    SELF_DESTRUCT = 2


@unique
class TemperatureAction(IntEnum):
    """``zkSetCPUTempAction`` codes."""

    NONE = 0
    SELF_DESTRUCT = 1


@unique
class BatteryAction(IntEnum):
    """``zkSetBatteryVoltageAction`` codes."""

    NONE = 0
    SELF_DESTRUCT = 1
    SLEEP = 2


@unique
class SupervisedBootPolicy(IntEnum):
    """``zkSetSupervisedBootPolicy`` ids; the factory default is ``HOLD`` (C17)."""

    NONE = 0
    SELF_DESTRUCT = 1
    HOLD = 2


@unique
class TamperProductionAction(Enum):
    """Provisioning choice for a self-destruct tamper in standard production (§9.3)."""

    DESTROY = "destroy"
    HOLD = "hold"


# -- validation (§3.4) -------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def perimeter_flags(notify: bool, self_destruct: bool) -> PerimeterFlags:
    """The flags ``set_perimeter_event_actions(ch, notify, self_destruct)`` stores."""
    flags = PerimeterFlags.NONE
    if notify:
        flags |= PerimeterFlags.NOTIFY
    if self_destruct:
        flags |= PerimeterFlags.SELF_DESTRUCT
    return flags


_ALL_PERIMETER_FLAGS = int(PerimeterFlags.NOTIFY | PerimeterFlags.SELF_DESTRUCT)


def validate_perimeter_flags(flags: int) -> PerimeterFlags:
    """A raw flags value (0-3, as the C API takes it) as :class:`PerimeterFlags`."""
    if not _is_int(flags) or not 0 <= flags <= _ALL_PERIMETER_FLAGS:
        raise InvalidArgument(f"perimeter action flags must be 0..3: {flags!r}")
    return PerimeterFlags(flags)


def validate_temperature(name: str, celsius: float) -> float:
    """A temperature threshold within ``TEMPERATURE_MIN_C``..``TEMPERATURE_MAX_C``."""
    value = check_float(name, celsius)
    if not TEMPERATURE_MIN_C <= value <= TEMPERATURE_MAX_C:
        raise InvalidArgument(
            f"{name} must be within {TEMPERATURE_MIN_C}..{TEMPERATURE_MAX_C} °C: {value}"
        )
    return value


def validate_low_threshold(low_c: float, high_c: float) -> float:
    """A new low temperature threshold, given the current high one: in range and below it."""
    low = validate_temperature("low temperature threshold", low_c)
    if not low < high_c:
        raise InvalidArgument(f"low temperature threshold {low} must be below the high {high_c}")
    return low


def validate_high_threshold(high_c: float, low_c: float) -> float:
    """A new high temperature threshold, given the current low one: in range and above it."""
    high = validate_temperature("high temperature threshold", high_c)
    if not high > low_c:
        raise InvalidArgument(f"high temperature threshold {high} must be above the low {low_c}")
    return high


def low_threshold_near_ambient(low_c: float) -> bool:
    """Whether a low threshold is above the recommended ``LOW_TEMP_RECOMMENDED_MAX_C``
    (the module logs ``warning {kind: threshold_near_ambient}``)."""
    return low_c > LOW_TEMP_RECOMMENDED_MAX_C


def high_threshold_near_ambient(high_c: float) -> bool:
    """Whether a high threshold is below the recommended ``HIGH_TEMP_RECOMMENDED_MIN_C``."""
    return high_c < HIGH_TEMP_RECOMMENDED_MIN_C


def validate_battery_threshold(volts: float) -> float:
    """A battery voltage threshold: ``0 < volts <= BATTERY_THRESHOLD_MAX_V`` (C11)."""
    value = check_float("battery voltage threshold", volts)
    if not 0.0 < value <= BATTERY_THRESHOLD_MAX_V:
        raise InvalidArgument(
            f"battery voltage threshold must be above 0 and at most "
            f"{BATTERY_THRESHOLD_MAX_V} V: {value}"
        )
    return value


def temperature_action(self_destruct: bool) -> TemperatureAction:
    """The code ``set_cpu_temp_action(self_destruct)`` stores."""
    return TemperatureAction.SELF_DESTRUCT if self_destruct else TemperatureAction.NONE


def battery_action(sleep: bool, self_destruct: bool) -> BatteryAction:
    """The code ``set_battery_voltage_action(sleep, self_destruct)`` stores; both set is
    ``InvalidArgument`` (``zymkey`` raises its own ``AssertionError`` first)."""
    if sleep and self_destruct:
        raise InvalidArgument("Sleep and self-destruct cannot both be True")
    if self_destruct:
        return BatteryAction.SELF_DESTRUCT
    return BatteryAction.SLEEP if sleep else BatteryAction.NONE


def validate_supervised_boot_policy(policy_id: int) -> SupervisedBootPolicy:
    """A supervised boot policy id: 0, 1 or 2."""
    if not _is_int(policy_id) or policy_id not in {p.value for p in SupervisedBootPolicy}:
        raise InvalidArgument(f"supervised boot policy must be 0, 1 or 2: {policy_id!r}")
    return SupervisedBootPolicy(policy_id)


# -- the settings record ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventSettings:
    """The event settings of a module; the defaults are a fresh module's (§3.4).

    ``perimeter`` holds the flags of channel 0 and channel 1 (both notify as shipped).
    ``tamper_production_action`` is fixed at provisioning (§9.3). The record checks its
    own consistency; use :func:`dataclasses.replace` to change one setting after
    :func:`check_setting_change` has allowed it.
    """

    perimeter: tuple[PerimeterFlags, PerimeterFlags] = (
        PerimeterFlags.NOTIFY,
        PerimeterFlags.NOTIFY,
    )
    temperature_action: TemperatureAction = TemperatureAction.NONE
    low_temp_c: float = DEFAULT_LOW_TEMP_C
    high_temp_c: float = DEFAULT_HIGH_TEMP_C
    battery_action: BatteryAction = BatteryAction.NONE
    battery_threshold_v: float = DEFAULT_BATTERY_THRESHOLD_V
    supervised_boot_policy: SupervisedBootPolicy = SupervisedBootPolicy.HOLD
    tamper_production_action: TamperProductionAction = TamperProductionAction.DESTROY

    def __post_init__(self) -> None:
        # Stored values come back as plain ints and strings: coerce them to the enums.
        if len(self.perimeter) != PERIMETER_CHANNELS:
            raise InvalidArgument(
                f"perimeter flags for {PERIMETER_CHANNELS} channels: {self.perimeter!r}")
        perimeter = tuple(validate_perimeter_flags(flags) for flags in self.perimeter)
        object.__setattr__(self, "perimeter", perimeter)
        for name, kind in _ENUM_FIELDS.items():
            object.__setattr__(self, name, _coerce(kind, name, getattr(self, name)))
        object.__setattr__(
            self, "low_temp_c", validate_temperature("low temperature threshold", self.low_temp_c)
        )
        object.__setattr__(
            self, "high_temp_c", validate_high_threshold(self.high_temp_c, self.low_temp_c)
        )
        object.__setattr__(
            self, "battery_threshold_v", validate_battery_threshold(self.battery_threshold_v)
        )

    def as_dict(self) -> dict[str, object]:
        """The settings as plain JSON-able values (ints, floats, strings)."""
        return {
            "perimeter": [int(flags) for flags in self.perimeter],
            "temperature_action": int(self.temperature_action),
            "low_temp_c": self.low_temp_c,
            "high_temp_c": self.high_temp_c,
            "battery_action": int(self.battery_action),
            "battery_threshold_v": self.battery_threshold_v,
            "supervised_boot_policy": int(self.supervised_boot_policy),
            "tamper_production_action": self.tamper_production_action.value,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> EventSettings:
        """Counterpart to :meth:`as_dict`; missing keys take their defaults."""
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidArgument(f"unknown event settings: {sorted(unknown)}")
        fields = dict(values)
        if "perimeter" in fields:
            fields["perimeter"] = tuple(fields["perimeter"])
        return cls(**fields)

    def flags(self, channel: Channel) -> PerimeterFlags:
        """The action flags of perimeter ``channel`` (checked by
        :func:`~softscm.module.checks.check_channel`)."""
        return PerimeterFlags(self.perimeter[channel])

    def with_flags(self, channel: Channel, flags: PerimeterFlags) -> EventSettings:
        """A copy with the flags of ``channel`` (checked) replaced."""
        values = list(self.perimeter)
        values[channel] = validate_perimeter_flags(int(flags))
        return replace(self, perimeter=(values[0], values[1]))


_ENUM_FIELDS: dict[str, type[Enum]] = {
    "temperature_action": TemperatureAction,
    "battery_action": BatteryAction,
    "supervised_boot_policy": SupervisedBootPolicy,
    "tamper_production_action": TamperProductionAction,
}


def _coerce(kind: type[Enum], name: str, value: object) -> Enum:
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be a {kind.__name__}, not a bool")
    try:
        return kind(value)
    except ValueError:
        raise InvalidArgument(f"not a valid {name}: {value!r}") from None


# -- changes after locking (§3.3) -------------------------------------------------------------


@unique
class ChangeRule(Enum):
    """How often a setting may change once the binding is locked."""

    UNLIMITED = "unlimited"
    BEFORE_LOCK = "before_lock"
    ONCE_PER_CHANNEL = "once_per_channel"


@unique
class Setting(Enum):
    """The settings §3.3 speaks of, named by the call that changes them."""

    PERIMETER_EVENT_ACTIONS = "set_perimeter_event_actions"
    CLEAR_PERIMETER_DETECT_INFO = "clear_perimeter_detect_info"
    CPU_TEMP_ACTION = "set_cpu_temp_action"
    CPU_LOW_TEMP_THRESHOLD = "set_cpu_low_temp_threshold"
    CPU_HIGH_TEMP_THRESHOLD = "set_cpu_high_temp_threshold"
    BATTERY_VOLTAGE_ACTION = "set_battery_voltage_action"
    BATTERY_VOLTAGE_THRESHOLD = "set_battery_voltage_threshold"
    SUPERVISED_BOOT_POLICY = "set_supervised_boot_policy"
    SUPERVISED_BOOT_MANIFEST = "supervised_boot_manifest"
    """``add_or_update_supervised_boot_file`` and ``remove_supervised_boot_file``."""
    DIGITAL_PERIMETER_LP_PERIOD = "set_digital_perimeter_lp_period"
    DIGITAL_PERIMETER_LP_MAX_BITS = "set_digital_perimeter_lp_max_bits"
    DIGITAL_PERIMETER_DELAYS = "set_digital_perimeter_delays"
    TAP_SENSITIVITY = "set_tap_sensitivity"
    USER_LED = "led"
    """``led_on``, ``led_off`` and ``led_flash``."""

    @property
    def rule(self) -> ChangeRule:
        """This setting's rule after locking."""
        return _RULES.get(self, ChangeRule.UNLIMITED)


_RULES: dict[Setting, ChangeRule] = {
    Setting.PERIMETER_EVENT_ACTIONS: ChangeRule.ONCE_PER_CHANNEL,
    Setting.CPU_TEMP_ACTION: ChangeRule.BEFORE_LOCK,
    Setting.CPU_LOW_TEMP_THRESHOLD: ChangeRule.BEFORE_LOCK,
    Setting.CPU_HIGH_TEMP_THRESHOLD: ChangeRule.BEFORE_LOCK,
    Setting.BATTERY_VOLTAGE_ACTION: ChangeRule.BEFORE_LOCK,
    Setting.BATTERY_VOLTAGE_THRESHOLD: ChangeRule.BEFORE_LOCK,
    Setting.DIGITAL_PERIMETER_LP_PERIOD: ChangeRule.BEFORE_LOCK,
    Setting.DIGITAL_PERIMETER_LP_MAX_BITS: ChangeRule.BEFORE_LOCK,
    Setting.DIGITAL_PERIMETER_DELAYS: ChangeRule.BEFORE_LOCK,
}

PERIMETER_CALLS_AFTER_LOCK = 1
"""Successful ``set_perimeter_event_actions`` calls per channel once locked (C20)."""


@dataclass(frozen=True)
class SettingHistory:
    """What §3.3 needs to remember: successful perimeter-action calls per channel made
    while the binding was locked (from ``LOCK_PENDING`` on)."""

    perimeter_calls_after_lock: tuple[int, int] = (0, 0)

    def after_change(
        self, setting: Setting, locked: bool, channel: Channel | None = None
    ) -> SettingHistory:
        """The history once a change of ``setting`` has succeeded. Only a perimeter-action
        call made while locked is counted (on its checked ``channel``); call this only
        after the change was allowed and applied, so that a rejected call does not use
        the channel's one chance."""
        if setting is not Setting.PERIMETER_EVENT_ACTIONS or not locked:
            return self
        if channel is None:
            raise InvalidArgument("set_perimeter_event_actions needs a channel")
        counts = list(self.perimeter_calls_after_lock)
        counts[channel] += 1
        return SettingHistory((counts[0], counts[1]))


def check_setting_change(
    setting: Setting,
    locked: bool,
    history: SettingHistory | None = None,
    channel: Channel | None = None,
) -> None:
    """Raise ``PolicyLocked`` if ``setting`` may not change now (§3.3), else return.

    ``locked`` is ``binding_is_locked``: true from ``lock_binding()`` on, including
    ``LOCK_PENDING``. Before the lock everything may change. After it: one successful
    ``set_perimeter_event_actions`` per channel; the temperature, battery and digital
    perimeter settings never; supervised boot, the perimeter clear, tap sensitivity and
    the user LED without limit. Check the call's arguments before this check (the
    perimeter ``channel`` with :func:`~softscm.module.checks.check_channel`), so that
    a bad call is ``InvalidArgument`` and does not count.
    """
    if setting is Setting.PERIMETER_EVENT_ACTIONS and channel is None:
        raise InvalidArgument("set_perimeter_event_actions needs a channel")
    if not locked:
        return
    rule = setting.rule
    if rule is ChangeRule.BEFORE_LOCK:
        raise PolicyLocked(f"{setting.value} must be set before locking the binding")
    if rule is ChangeRule.ONCE_PER_CHANNEL and channel is not None:
        used = (history or SettingHistory()).perimeter_calls_after_lock[channel]
        if used >= PERIMETER_CALLS_AFTER_LOCK:
            raise PolicyLocked(
                f"{setting.value}: channel {channel} was already set once after locking"
            )
