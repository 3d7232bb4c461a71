"""The module's vocabulary: the kinds of event-log records (``scm-behaviour.md`` §9.1)
and the lifecycle (§2.6) and binding (§2.3) states, each one enum.

They are ``str`` enums whose values are the very strings stored in the state and
written in the log, so that a member and its string compare equal, format alike and
are stored alike: nothing stored or logged changes with them."""

from __future__ import annotations

from enum import Enum, unique


class Code(str, Enum):
    """A word of the vocabulary: a ``str`` that is its value wherever it is written."""

    __str__ = str.__str__
    __format__ = str.__format__  # type: ignore[assignment]


@unique
class EventKind(Code):
    """The kinds of event-log records."""

    # Power, boot and the module's own loops.
    POWER_ON = "power_on"
    POWER_OFF = "power_off"
    BROWNOUT = "brownout"
    SELF_TEST = "self_test"
    CODE_MANIFEST_RECORDED = "code_manifest_recorded"
    MODULE_REBOOT = "module_reboot"
    ISSUE159_KEYS_DROPPED = "issue159_keys_dropped"
    FATAL = "fatal"
    HELD = "held"
    RELEASED = "released"
    AUTHORIZATION = "authorization"
    WARNING = "warning"
    # Binding and modes.
    BIND_OK = "bind_ok"
    REBIND = "rebind"
    BIND_FAILED = "bind_failed"
    LOCK_BINDING = "lock_binding"
    LOCK_BINDING_REPEAT = "lock_binding_repeat"
    PRODUCTION_ACTIVE = "production_active"
    HEARTBEAT_LOST = "heartbeat_lost"
    # Event actions and their settings.
    PERIMETER_BREACH = "perimeter_breach"
    PERIMETER_CLEARED = "perimeter_cleared"
    PERIMETER_ACTIONS_SET = "perimeter_actions_set"
    SETTING_CHANGED = "setting_changed"
    SETTING_REJECTED = "setting_rejected"
    TEMPERATURE_OUT_OF_RANGE = "temperature_out_of_range"
    TEMPERATURE_IN_RANGE = "temperature_in_range"
    BATTERY_LOW = "battery_low"
    BATTERY_OK = "battery_ok"
    BATTERY_REMOVED = "battery_removed"
    SIMULATED_ACTION = "simulated_action"
    TAP = "tap"
    SELF_DESTRUCT = "self_destruct"
    BOOT_PARTITION_DESTROYED = "boot_partition_destroyed"
    # Supervised boot.
    SUPERVISED_BOOT_OK = "supervised_boot_ok"
    SUPERVISED_BOOT_FAIL = "supervised_boot_fail"
    MANIFEST_CHANGED = "manifest_changed"
    # The real-time clock.
    RTC_INVALID = "rtc_invalid"
    RTC_SYNCED = "rtc_synced"
    # Simulation, the host's own events, the daemon.
    SIM_CORRUPT = "sim_corrupt"
    HOST_EVENT = "host_event"
    DAEMON_START = "daemon_start"
    DAEMON_STOP = "daemon_stop"
    CONNECTION_REFUSED = "connection_refused"
    # The log itself.
    LOG_TRUNCATED = "log_truncated"


@unique
class Lifecycle(Code):
    """Lifecycle states (§2.6) as stored."""

    OFF = "off"
    BOOTING = "booting"
    SEQUENCE = "sequence"
    HELD = "held"
    WAITING = "waiting_for_host"
    RUNNING = "running"
    CANNOT_BIND = "cannot_bind"
    DESTROYED = "destroyed"
    SELF_TEST_FAILED = "self_test_failed"


@unique
class Binding(Code):
    """Binding states (§2.3) as stored."""

    UNBOUND = "unbound"
    BOUND_DEV = "bound_dev"
    LOCK_PENDING = "lock_pending"
    PRODUCTION = "production"
    PRODUCTION_CANNOT_BIND = "production_cannot_bind"
