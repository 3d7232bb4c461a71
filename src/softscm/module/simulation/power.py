"""What main power and its loss do to the module (``scm-behaviour.md`` §2, §4.5, §7.2):
switching it, power coming back after a time with none at all, and when a module on
battery samples its perimeter."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from softscm.module.checks import ALL_CHANNELS
from softscm.module.codes import EventKind, Lifecycle
from softscm.module.lifecycle.actions import Trigger

if TYPE_CHECKING:
    from softscm.module.lifecycle.engine import Engine
    from softscm.module.lifecycle.state import PhysicalState


def switch_main_power(engine: Engine, st: PhysicalState, t: float, on: bool) -> None:
    """Switch main power off or on at module time ``t``; no change if it already is."""
    if not on:
        if not st.main_power:
            return
        st.main_power = False
        st.power_off_at = t
        engine.cancel(st)
        st.queued_sequences = []
        st.lifecycle = Lifecycle.OFF
        engine.record(EventKind.POWER_OFF, t, {})
        engine.show(st, t, ["off"])
        if st.battery is None:
            st.unpowered_since = t
        engine.battery(st, t, Trigger.POWER_OFF)
        return
    if st.main_power:
        return
    st.main_power = True
    st.power_off_at = None
    engine.record(EventKind.POWER_ON, t, {})
    engine.boot(st, t, replay=True)
    if st.unpowered_since is not None:
        repowered(engine, st, t)


def repowered(engine: Engine, st: PhysicalState, t: float) -> None:
    """Power returns after a time with neither main power nor a battery: monitoring
    resumes (a loop found open is a breach now, S-29) and the RTC, which stood
    still, goes on from where it stopped, marked invalid (§7.2)."""
    stopped = st.unpowered_since if st.unpowered_since is not None else t
    st.unpowered_since = None
    for channel in ALL_CHANNELS:
        if st.loops_open[channel]:
            engine.breach(st, t, channel)
    st.rtc_offset -= t - stopped
    st.rtc_valid = False
    engine.record(EventKind.RTC_INVALID, t, {})


def next_sample(st: PhysicalState, t: float) -> float | None:
    """The first instant at or after ``t`` at which a module on battery samples its
    perimeter loops (every ``lp_period_us`` from power-off); ``None`` when it samples
    none (no battery, or on main power)."""
    if st.main_power or st.battery is None or st.power_off_at is None:
        return None
    period = st.lp_period_us / 1e6
    k = math.ceil((t - st.power_off_at) / period - 1e-9)
    return st.power_off_at + k * period
