"""The module's physical and lifecycle state: one JSON document in the store, shared by
every process on the state directory (``scm-behaviour.md`` §2-§7).

Everything here is plain data; :mod:`softscm.module.lifecycle.physical` gives it behaviour.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from softscm.module.codes import Binding, Lifecycle
from softscm.module.led import view as ledview
from softscm.module.lifecycle.actions_settings import EventSettings
from softscm.module.limits import (
    MODULE_TIME_MAX_S,
    SIM_ACCEL_MAX_G,
    SIM_BATTERY_MAX_V,
    SIM_DRIFT_MAX_PPM,
    SIM_TEMP_MAX_C,
    SIM_TEMP_MIN_C,
)

#: Name of the meta entry that holds the document.
META_NAME = "physical"

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
    binding: str = Binding.UNBOUND
    fingerprint: str | None = None
    lifecycle: str = Lifecycle.RUNNING
    hold: str | None = None
    destroyed_code: str | None = None
    resume: str = Lifecycle.RUNNING
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
    #: The fatal code of a tamper hold (standard production, ``tamper_production_action =
    #: "hold"``), kept until the loops are closed, cleared and the boot authorised (§9.3).
    tamper_hold: str | None = None
    #: The hold (its reason) that waits for an authorisation, its challenge (hex), the
    #: module times of the taps entered so far, and whether an authorisation was given.
    auth_awaiting: str | None = None
    auth_challenge: str | None = None
    auth_taps: list[float] = field(default_factory=list)
    authorized: bool = False
    #: Digests of the remote answers already accepted (a replay is refused).
    auth_used: list[str] = field(default_factory=list)
    #: Module time of the latest module boot (the log's ``mono_ms`` counts from it).
    booted_at: float | None = None

    def to_json(self) -> str:
        """The document as stored."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> PhysicalState:
        """Counterpart to :meth:`to_json`; unknown keys are ignored, missing ones default.

        A value out of its bounds (:mod:`softscm.module.limits`), which an older
        softscm could store, is clamped into them, and an LED entry or a timer that
        cannot be read is dropped, so that no stored value breaks a later call."""
        if not text:
            return cls()
        values = json.loads(text)
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return _within_bounds(cls(**known))

    @property
    def event_settings(self) -> EventSettings:
        """The event settings as a record."""
        return EventSettings.from_dict(self.settings)

    @property
    def locked(self) -> bool:
        """``binding_is_locked``: from ``lock_binding()`` on."""
        return self.binding in (Binding.LOCK_PENDING, Binding.PRODUCTION,
                                Binding.PRODUCTION_CANNOT_BIND)

    @property
    def production_active(self) -> bool:
        """Production behaviour (§2.4): locked and booted since."""
        return self.binding in (Binding.PRODUCTION, Binding.PRODUCTION_CANNOT_BIND)


# -- loading: stored values back into their bounds ---------------------------------------------

_TIME = (-MODULE_TIME_MAX_S, MODULE_TIME_MAX_S)
_TEMP = (SIM_TEMP_MIN_C, SIM_TEMP_MAX_C)
_ACCEL = (-SIM_ACCEL_MAX_G, SIM_ACCEL_MAX_G)
#: Largest RTC drift the module can measure, ppm (an RTC set far off between two syncs).
_MEASURED_DRIFT_MAX_PPM = 1e12


def _clamp(value: Any, bounds: tuple[float, float], default: float) -> float:
    """``value`` as a float within ``bounds``; ``default`` if it is no number at all."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return default
    return float(min(max(value, bounds[0]), bounds[1]))


def _clamp_optional(value: Any, bounds: tuple[float, float]) -> float | None:
    return None if value is None else _clamp(value, bounds, bounds[0])


def _clamp_list(values: Any, bounds: tuple[float, float], defaults: list[float]) -> list[float]:
    if not isinstance(values, list) or len(values) != len(defaults):
        return list(defaults)
    return [_clamp(v, bounds, d) for v, d in zip(values, defaults)]


def _led_entry(entry: Any) -> bool:
    if not (isinstance(entry, list) and len(entry) == 2 and type(entry[0]) is int
            and isinstance(entry[1], list) and entry[1]):
        return False
    if not -MODULE_TIME_MAX_S * 1000 <= entry[0] <= MODULE_TIME_MAX_S * 1000:
        return False
    try:
        ledview.pattern_of(entry[1])
    except Exception:  # noqa: BLE001 - any descriptor that does not read is dropped
        return False
    return True


def _timers(timers: Any) -> list[list[Any]]:
    out = []
    for timer in timers if isinstance(timers, list) else ():
        if (isinstance(timer, list) and len(timer) == 3 and isinstance(timer[1], str)
                and isinstance(timer[2], dict)):
            due = _clamp(timer[0], _TIME, math.nan)
            if not math.isnan(due):
                out.append([due, timer[1], timer[2]])
    return sorted(out, key=lambda timer: float(timer[0]))


def _within_bounds(st: PhysicalState) -> PhysicalState:
    """``st`` with every number clamped into its bounds (see :meth:`from_json`)."""
    st.offset = _clamp(st.offset, _TIME, 0.0)
    st.rtc_offset = _clamp(st.rtc_offset, _TIME, 0.0)
    st.battery = _clamp_optional(st.battery, (0.0, SIM_BATTERY_MAX_V))
    st.cpu_temp = _clamp(st.cpu_temp, _TEMP, DEFAULT_CPU_TEMP_C)
    st.aux_temp = _clamp_list(st.aux_temp, _TEMP, [DEFAULT_CPU_TEMP_C] * 2)
    st.accel = _clamp_list(st.accel, _ACCEL, [0.0, 0.0, 1.0])
    st.tap_sensitivity = _clamp_list(st.tap_sensitivity, (0.0, 100.0),
                                     [DEFAULT_TAP_SENSITIVITY] * 3)
    st.breach = [int(b) for b in _clamp_list(st.breach, (0, MODULE_TIME_MAX_S), [0, 0])]
    st.drift_ppm = _clamp(st.drift_ppm, (-SIM_DRIFT_MAX_PPM, SIM_DRIFT_MAX_PPM), 0.0)
    st.measured_drift_ppm = _clamp(
        st.measured_drift_ppm, (-_MEASURED_DRIFT_MAX_PPM, _MEASURED_DRIFT_MAX_PPM), 0.0)
    for name in ("power_off_at", "stall_until", "unpowered_since", "brownout_until",
                 "booted_at"):
        setattr(st, name, _clamp_optional(getattr(st, name), _TIME))
    if not (isinstance(st.last_sync, list) and len(st.last_sync) == 2):
        st.last_sync = None
    else:
        st.last_sync = _clamp_list(st.last_sync, _TIME, [0.0, 0.0])
    st.timers = _timers(st.timers)
    st.led = [entry for entry in st.led if _led_entry(entry)] if isinstance(st.led, list) else []
    return st
