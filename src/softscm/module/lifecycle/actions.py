"""The event-action decision table (``scm-behaviour.md`` §3, with §11's resolutions).

:func:`decide` maps an event, the mode (§2.4), the configured settings and the moment of
evaluation (§3.1's triggers) to a :class:`Decision`: what is recorded and logged, whether
waiters wake, whether keys are destroyed for real, whether a sequence is simulated and
the module recovers, whether the host is held, and which fatal code the LED shows. The
module (which keeps all state) carries the decision out.

Conflicts between the seeds, resolved as §11 says:

- C6: tamper in development destroys nothing; a self-destruct channel shows a simulated
  6/mask, a notify-only channel shows nothing.
- C7, C8: low battery with sleep or self-destruct is simulated as 4/1 in development and
  as 4 (no sub-code) in alpha production.
- C9: supervised boot shows 4/2 for a signature failure and 22/9 for a process failure,
  in every mode.
- C10: temperature self-destruct in standard production holds an scm (do not boot) and
  destroys an hsm6.
- C19: every boot after a tamper destruction shows 5; after any other destruction, 6.

The setting rules of §3.3 and the validation of §3.4 are in
:mod:`softscm.module.lifecycle.actions_settings`, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum, unique

from softscm.errors import InvalidArgument
from softscm.module.checks import Channel
from softscm.module.codes import EventKind
from softscm.module.led.codes import (
    CODE_BOOT_PROCESS,
    CODE_BOOT_SIGNATURE,
    CODE_HIGH_TEMPERATURE,
    CODE_KEY_DIGEST,
    CODE_LOW_BATTERY,
    CODE_LOW_BATTERY_ALPHA,
    CODE_LOW_TEMPERATURE,
    CODE_TAMPER_DESTROYED,
    TAMPER_MASK_MAX,
    FatalCode,
    tamper_code,
)
from softscm.module.led.patterns import Pattern, fatal
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
    check_setting_change,
    perimeter_flags,
    temperature_action,
    validate_battery_threshold,
    validate_high_threshold,
    validate_low_threshold,
    validate_perimeter_flags,
    validate_supervised_boot_policy,
)
from softscm.module.lifecycle.actions_thresholds import (
    Side,
    battery_low,
    battery_released,
    temperature_released,
    temperature_side,
)
from softscm.module.profile import FACTORY_SLOTS, PROGRAMS

__all__ = [
    "BatteryAction",
    "Cause",
    "ChangeRule",
    "Decision",
    "Event",
    "EventSettings",
    "Mode",
    "Outcome",
    "PerimeterFlags",
    "Setting",
    "SettingHistory",
    "Side",
    "SupervisedBootPolicy",
    "TamperProductionAction",
    "TemperatureAction",
    "Trigger",
    "battery_action",
    "battery_low",
    "battery_released",
    "battery_sleep_hold",
    "check_setting_change",
    "decide",
    "mode_for",
    "perimeter_flags",
    "temperature_action",
    "temperature_hold",
    "temperature_released",
    "temperature_side",
    "validate_battery_threshold",
    "validate_high_threshold",
    "validate_low_threshold",
    "validate_perimeter_flags",
    "validate_supervised_boot_policy",
]


@unique
class Mode(Enum):
    """The mode as event actions see it (§2.4)."""

    DEVELOPMENT = "development"
    """``UNBOUND``, ``BOUND_DEV`` and ``LOCK_PENDING``: nothing is ever destroyed."""
    ALPHA_PRODUCTION = "alpha_production"
    """Production on the alpha program: destruction and holds are simulated."""
    STANDARD_PRODUCTION = "standard_production"
    """Production on the standard program: destruction and holds are real."""


def mode_for(production_active: bool, program: str) -> Mode:
    """The mode of §2.4. ``production_active`` is true in ``PRODUCTION`` and
    ``PRODUCTION_CANNOT_BIND`` (locked and booted since), false before (``LOCK_PENDING``
    included); ``program`` is the module's provisioned program, ``"standard"`` or
    ``"alpha"``."""
    if program not in PROGRAMS:
        raise InvalidArgument(f"unknown program {program!r} (standard or alpha)")
    if not production_active:
        return Mode.DEVELOPMENT
    return Mode.ALPHA_PRODUCTION if program == "alpha" else Mode.STANDARD_PRODUCTION


@unique
class Trigger(Enum):
    """When an event is evaluated (§3.1). Passed to :func:`decide` as the moment at hand."""

    IMMEDIATELY = "immediately"
    """At detection or at a sensor sample, main power present."""
    POWER_OFF = "power_off"
    """When main power is removed, and at each sample while running on battery."""
    ON_BOOT = "on_boot"
    """During a module boot (supervised boot runs in ``BOOT_VERIFY``)."""


@unique
class Event(Enum):
    """The events that have actions (§3.1)."""

    TAMPER = "tamper"
    LOW_TEMPERATURE = "low_temperature"
    HIGH_TEMPERATURE = "high_temperature"
    LOW_BATTERY = "low_battery"
    SUPERVISED_BOOT_SIGNATURE = "supervised_boot_signature"
    """A manifest file is changed or missing: its signature check failed (LED 4/2)."""
    SUPERVISED_BOOT_PROCESS = "supervised_boot_process"
    """The verification itself failed (LED 22/9); takes precedence over a signature failure."""

    @property
    def trigger(self) -> Trigger:
        """The seed's trigger for this event: the moment its action is taken."""
        return _TRIGGERS[self]

    @classmethod
    def temperature(cls, side: Side) -> Event:
        """The temperature event for a threshold crossed on ``side``."""
        return cls.LOW_TEMPERATURE if side is Side.LOW else cls.HIGH_TEMPERATURE


_TRIGGERS: dict[Event, Trigger] = {
    Event.TAMPER: Trigger.IMMEDIATELY,
    Event.LOW_TEMPERATURE: Trigger.IMMEDIATELY,
    Event.HIGH_TEMPERATURE: Trigger.IMMEDIATELY,
    Event.LOW_BATTERY: Trigger.POWER_OFF,
    Event.SUPERVISED_BOOT_SIGNATURE: Trigger.ON_BOOT,
    Event.SUPERVISED_BOOT_PROCESS: Trigger.ON_BOOT,
}


@unique
class Outcome(Enum):
    """The gist of a :class:`Decision`: the strongest thing it does."""

    LOG = "log"
    """Only recorded and logged."""
    NOTIFY = "notify"
    """Recorded, logged, and perimeter waiters woken."""
    SIMULATE = "simulate"
    """A simulated sequence, then the module recovers with nothing lost."""
    HOLD = "hold"
    """The host is held (``HELD``): the code three times, a reboot, a new check."""
    SLEEP = "sleep"
    """Battery sleep latched: the next boot is held until the battery recovers."""
    DESTROY = "destroy"
    """All key material destroyed for real (§3.6)."""


@unique
class Cause(Enum):
    """The ``cause`` of a ``self_destruct`` record and the ``reason`` of a ``held`` one."""

    PERIMETER = "perimeter"
    TEMPERATURE = "temperature"
    BATTERY = "battery"
    SUPERVISED_BOOT = "supervised_boot"


@dataclass(frozen=True)
class Decision:
    """What happens for one event (§3.2). Effects run in this order: record the breach,
    append the ``log`` records, wake waiters, destroy, show ``code``, reboot.

    ``code`` is the fatal code to show now, three times (§5.4): ``simulated`` means the
    module recovers afterwards; a real one (a hold) is followed by a reboot and a new
    check. ``destroyed_code`` is the code every later boot shows once keys are destroyed
    (``DESTROYED_LOOP``).
    """

    event: Event
    mode: Mode
    outcome: Outcome
    log: tuple[EventKind, ...]
    record_breach: bool = False
    """Tamper only: store the channel's first-breach timestamp (always, whatever the flags)."""
    notify: bool = False
    """Wake ``wait_for_perimeter_event`` waiters (a notify channel), before any sequence."""
    destroy: bool = False
    """Destroy all key material for real."""
    code: FatalCode | None = None
    """The fatal code to show now, or ``None``."""
    simulated: bool = False
    """``code`` is simulated: the module recovers to where it was (boot continues)."""
    hold: Cause | None = None
    """Enter ``HELD`` for this reason."""
    latch_sleep: bool = False
    """Latch ``battery_sleep``: the next boot is held (see :func:`battery_sleep_hold`)."""
    reboot: bool = False
    """The module reboots (after ``code``'s sequence when there is one)."""
    destroyed_code: FatalCode | None = None
    """The code every boot shows from now on, when keys are destroyed."""
    cause: Cause | None = None
    """The ``cause`` of the ``self_destruct`` record or the ``reason`` of ``held``."""
    channels: tuple[int, ...] = ()
    """Tamper only: the channels aggregated in a 6/mask code."""

    def sequence(self) -> Pattern | None:
        """The LED sequence to show now, or ``None``."""
        if self.code is None:
            return None
        return fatal(self.code, simulated=self.simulated)


def _log_only(event: Event, mode: Mode, kind: EventKind) -> Decision:
    return Decision(event, mode, Outcome.LOG, (kind,))


def _simulate(event: Event, mode: Mode, kind: EventKind, code: FatalCode) -> Decision:
    return Decision(
        event, mode, Outcome.SIMULATE, (kind, EventKind.SIMULATED_ACTION), code=code, simulated=True
    )


def _hold(
    event: Event, mode: Mode, kinds: tuple[EventKind, ...], code: FatalCode, cause: Cause
) -> Decision:
    return Decision(
        event,
        mode,
        Outcome.HOLD,
        (*kinds, EventKind.HELD),
        code=code,
        hold=cause,
        reboot=True,
        cause=cause,
    )


def _destroy(
    event: Event,
    mode: Mode,
    kinds: tuple[EventKind, ...],
    cause: Cause,
    destroyed_code: FatalCode,
    *,
    reboot: bool = True,
) -> Decision:
    log = (*kinds, EventKind.SELF_DESTRUCT)
    if cause is Cause.SUPERVISED_BOOT:
        log += (EventKind.BOOT_PARTITION_DESTROYED,)
    if reboot:
        log += (EventKind.MODULE_REBOOT,)
    return Decision(
        event,
        mode,
        Outcome.DESTROY,
        log,
        destroy=True,
        reboot=reboot,
        destroyed_code=destroyed_code,
        cause=cause,
    )


def decide(
    event: Event,
    mode: Mode,
    settings: EventSettings,
    trigger: Trigger,
    *,
    channel: Channel | None = None,
    latched_mask: int = 0,
    profile: str = "scm",
) -> Decision:
    """The action for ``event`` in ``mode`` with ``settings``, evaluated at ``trigger``.

    ``trigger`` is the moment at hand (§3.1). Tamper and temperature act at every moment.
    A low battery acts only at ``POWER_OFF`` (main power removed, or a sample on
    battery); seen with main power present it is only logged. Supervised boot failures
    happen only ``ON_BOOT``.

    Tamper needs the ``channel`` that broke (checked by
    :func:`~softscm.module.checks.check_channel`) and ``latched_mask``, the channels with a
    latched breach when the sequence starts (bit 0 channel 0, bit 1 channel 1); this
    channel's bit is added. ``profile`` (``"scm"`` or ``"hsm6"``) matters for
    temperature in standard production only (C10).
    """
    if not isinstance(mode, Mode) or not isinstance(trigger, Trigger):
        raise InvalidArgument(f"not a mode and trigger: {mode!r}, {trigger!r}")
    if profile not in FACTORY_SLOTS:
        raise InvalidArgument(f"unknown profile {profile!r} (scm or hsm6)")
    if event is Event.TAMPER:
        if channel is None:
            raise InvalidArgument("a tamper event needs its channel")
        return _tamper(mode, settings, channel, latched_mask)
    if event in (Event.LOW_TEMPERATURE, Event.HIGH_TEMPERATURE):
        return _temperature(event, mode, settings, profile)
    if event is Event.LOW_BATTERY:
        return _battery(mode, settings, trigger)
    if event in (Event.SUPERVISED_BOOT_SIGNATURE, Event.SUPERVISED_BOOT_PROCESS):
        if trigger is not Trigger.ON_BOOT:
            raise InvalidArgument(f"supervised boot is only verified on boot, not {trigger.value}")
        return _supervised_boot(event, mode, settings)
    raise InvalidArgument(f"not an event: {event!r}")


def _tamper(mode: Mode, settings: EventSettings, channel: Channel,
            latched_mask: int) -> Decision:
    if (
        isinstance(latched_mask, bool)
        or not isinstance(latched_mask, int)
        or not (0 <= latched_mask <= TAMPER_MASK_MAX)
    ):
        raise InvalidArgument(f"latched channel mask must be 0..3: {latched_mask!r}")
    flags = settings.flags(channel)
    notify = bool(flags & PerimeterFlags.NOTIFY)
    base = Decision(
        Event.TAMPER,
        mode,
        Outcome.NOTIFY if notify else Outcome.LOG,
        (EventKind.PERIMETER_BREACH,),
        record_breach=True,
        notify=notify,
    )
    if not flags & PerimeterFlags.SELF_DESTRUCT:
        return base
    mask = latched_mask | (1 << channel)
    channels = tuple(ch for ch in range(2) if mask & (1 << ch))
    if mode is not Mode.STANDARD_PRODUCTION:
        decision = _simulate(Event.TAMPER, mode, EventKind.PERIMETER_BREACH, tamper_code(mask))
    elif settings.tamper_production_action is TamperProductionAction.HOLD:
        decision = _hold(
            Event.TAMPER, mode, (EventKind.PERIMETER_BREACH,), tamper_code(mask), Cause.PERIMETER
        )
    else:
        decision = _destroy(
            Event.TAMPER,
            mode,
            (EventKind.PERIMETER_BREACH,),
            Cause.PERIMETER,
            CODE_TAMPER_DESTROYED,
        )
        channels = (channel,)
    return replace(decision, record_breach=True, notify=notify, channels=channels)


def _temperature(event: Event, mode: Mode, settings: EventSettings, profile: str) -> Decision:
    kind = EventKind.TEMPERATURE_OUT_OF_RANGE
    if settings.temperature_action is TemperatureAction.NONE:
        return _log_only(event, mode, kind)
    code = CODE_LOW_TEMPERATURE if event is Event.LOW_TEMPERATURE else CODE_HIGH_TEMPERATURE
    if mode is not Mode.STANDARD_PRODUCTION:
        return _simulate(event, mode, kind, code)
    if profile == "hsm6":
        return _destroy(event, mode, (kind,), Cause.TEMPERATURE, CODE_KEY_DIGEST)
    return _hold(event, mode, (kind,), code, Cause.TEMPERATURE)


def _battery(mode: Mode, settings: EventSettings, trigger: Trigger) -> Decision:
    event, kind = Event.LOW_BATTERY, EventKind.BATTERY_LOW
    action = settings.battery_action
    if trigger is not Trigger.POWER_OFF or action is BatteryAction.NONE:
        return _log_only(event, mode, kind)
    if mode is Mode.DEVELOPMENT:
        return _simulate(event, mode, kind, CODE_LOW_BATTERY)
    if mode is Mode.ALPHA_PRODUCTION:
        return _simulate(event, mode, kind, CODE_LOW_BATTERY_ALPHA)
    if action is BatteryAction.SLEEP:
        return Decision(event, mode, Outcome.SLEEP, (kind,), latch_sleep=True, cause=Cause.BATTERY)
    # Last gasp: main power is gone, so nothing reboots until it returns.
    return _destroy(event, mode, (kind,), Cause.BATTERY, CODE_KEY_DIGEST, reboot=False)


def _supervised_boot(event: Event, mode: Mode, settings: EventSettings) -> Decision:
    kind = EventKind.SUPERVISED_BOOT_FAIL
    policy = settings.supervised_boot_policy
    if policy is SupervisedBootPolicy.NONE:
        return _log_only(event, mode, kind)
    code = CODE_BOOT_PROCESS if event is Event.SUPERVISED_BOOT_PROCESS else CODE_BOOT_SIGNATURE
    if mode is not Mode.STANDARD_PRODUCTION:
        return _simulate(event, mode, kind, code)
    if policy is SupervisedBootPolicy.SELF_DESTRUCT:
        return _destroy(event, mode, (kind,), Cause.SUPERVISED_BOOT, CODE_KEY_DIGEST)
    return _hold(event, mode, (kind,), code, Cause.SUPERVISED_BOOT)


def temperature_hold(side: Side, celsius: float, low_c: float, high_c: float) -> Decision | None:
    """At a check while held for temperature (scm, standard production): the hold goes on
    (a :class:`Decision` showing 20/1 or 20/2 for the ``side`` that caused it), or
    ``None`` once the reading is back inside the hysteresis window and the module boots
    normally (log ``released {reason: temperature}``)."""
    if temperature_released(celsius, low_c, high_c):
        return None
    event = Event.temperature(side)
    code = CODE_LOW_TEMPERATURE if side is Side.LOW else CODE_HIGH_TEMPERATURE
    return _hold(event, Mode.STANDARD_PRODUCTION, (), code, Cause.TEMPERATURE)


def battery_sleep_hold(volts: float, threshold_v: float) -> Decision | None:
    """At a boot with ``battery_sleep`` latched (standard production): the hold (4/1
    repeated while main power is present), or ``None`` once the battery is above its
    threshold plus the hysteresis; the module then clears the latch and, if
    ``require_authorization`` is set, still waits for an authorisation (§9.3)."""
    if battery_released(volts, threshold_v):
        return None
    return _hold(Event.LOW_BATTERY, Mode.STANDARD_PRODUCTION, (), CODE_LOW_BATTERY, Cause.BATTERY)
