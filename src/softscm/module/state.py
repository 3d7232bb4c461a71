"""The module's physical and lifecycle state: one JSON document in the store, shared by
every process on the state directory (``scm-behaviour.md`` §2-§7).

Everything here is plain data; :mod:`softscm.module.physical` gives it behaviour.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from softscm.module.actions_settings import EventSettings

#: Name of the meta entry that holds the document.
META_NAME = "physical"

#: Lifecycle states (§2.6) as stored.
OFF = "off"
BOOTING = "booting"
SEQUENCE = "sequence"
HELD = "held"
WAITING = "waiting_for_host"
RUNNING = "running"
CANNOT_BIND = "cannot_bind"
DESTROYED = "destroyed"

#: Binding states (§2.3) as stored.
UNBOUND = "unbound"
BOUND_DEV = "bound_dev"
LOCK_PENDING = "lock_pending"
PRODUCTION = "production"
PRODUCTION_CANNOT_BIND = "production_cannot_bind"

#: Sensor defaults of a fresh module (§3.4).
DEFAULT_CPU_TEMP_C = 25.0
DEFAULT_BATTERY_V = 3.0
#: Default digital-perimeter settings (§4.5).
DEFAULT_LP_PERIOD_US = 100_000
DEFAULT_LP_MAX_BITS = 8
DEFAULT_DELAYS_NS = (0, 10_000)
#: Default tap sensitivity, percent (§7.3).
DEFAULT_TAP_SENSITIVITY = 50.0
#: Default i2c address (``zymkey-api.md`` §4.9).
DEFAULT_I2C_ADDRESS = 0x30


@dataclass
class PhysicalState:
    """The shared state document. Times are module seconds (host clock + ``offset``)."""

    offset: float = 0.0
    rtc_offset: float = 0.0
    main_power: bool = True
    battery: float | None = DEFAULT_BATTERY_V
    power_off_at: float | None = None
    cpu_temp: float = DEFAULT_CPU_TEMP_C
    aux_temp: list[float] = field(default_factory=lambda: [DEFAULT_CPU_TEMP_C] * 2)
    accel: list[float] = field(default_factory=lambda: [0.0, 0.0, 1.0])
    tap_dir: list[int] = field(default_factory=lambda: [0, 0, 0])
    tap_sensitivity: list[float] = field(default_factory=lambda: [DEFAULT_TAP_SENSITIVITY] * 3)
    loops_open: list[bool] = field(default_factory=lambda: [False, False])
    breach: list[int] = field(default_factory=lambda: [0, 0])
    latched_mask: int = 0
    lp_period_us: int = DEFAULT_LP_PERIOD_US
    lp_max_bits: int = DEFAULT_LP_MAX_BITS
    delays_ns: list[int] = field(default_factory=lambda: list(DEFAULT_DELAYS_NS))
    settings: dict[str, Any] = field(default_factory=lambda: EventSettings().as_dict())
    perimeter_calls_after_lock: list[int] = field(default_factory=lambda: [0, 0])
    temp_side: str | None = None
    battery_sleep: bool = False
    binding: str = UNBOUND
    fingerprint: str | None = None
    lifecycle: str = RUNNING
    hold: str | None = None
    destroyed_code: str | None = None
    resume: str = RUNNING
    identity: dict[str, str] = field(default_factory=dict)
    salt_state: str = "present"
    stall_until: float | None = None
    timers: list[list[Any]] = field(default_factory=list)
    queued_sequences: list[list[Any]] = field(default_factory=list)
    led: list[list[Any]] = field(default_factory=list)
    contexts: dict[str, list[bool]] = field(default_factory=dict)
    i2c_address: int = DEFAULT_I2C_ADDRESS
    host_boot_id: str = ""
    drift_ppm: float = 0.0
    measured_drift_ppm: float = 0.0
    last_sync: list[float] | None = None
    rtc_valid: bool = True
    #: Module time since which neither main power nor a battery powers the module.
    unpowered_since: float | None = None
    #: Services are withdrawn until this module time (a brown-out and its settling).
    brownout_until: float | None = None
    #: The boot step a sequence interrupted (``"verify"`` or ``"bind"``).
    paused_boot: str | None = None

    def to_json(self) -> str:
        """The document as stored."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> PhysicalState:
        """Counterpart to :meth:`to_json`; unknown keys are ignored, missing ones default."""
        if not text:
            return cls()
        values = json.loads(text)
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def event_settings(self) -> EventSettings:
        """The event settings as a record."""
        return EventSettings.from_dict(self.settings)

    @property
    def locked(self) -> bool:
        """``binding_is_locked``: from ``lock_binding()`` on."""
        return self.binding in (LOCK_PENDING, PRODUCTION, PRODUCTION_CANNOT_BIND)

    @property
    def production_active(self) -> bool:
        """Production behaviour (§2.4): locked and booted since."""
        return self.binding in (PRODUCTION, PRODUCTION_CANNOT_BIND)
