"""Helpers for the behaviour scenarios (``scm-behaviour.md`` §12): a module on a fake
clock, driven through its parts as the client would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakes import CountingEntropy, FakeClock
from softscm.host.code import installed_code
from softscm.module import Module, Profile
from softscm.store import Store

#: Seconds a fast-profile boot takes from power-on to a bound host.
BOOT_S = 12.0


def make_module(clock: FakeClock, profile: Profile | None = None,
                entropy: Callable[[int], bytes] | None = None, *,
                store: Store | None = None, **kwargs: Any) -> Module:
    """A provisioned module with a bound host session (the §12 background), on
    ``store`` (default: a new in-memory one); ``entropy`` is the running module's
    source (default: deterministic bytes)."""
    store = Store.memory() if store is None else store
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32, profile=profile)
    kwargs.setdefault("code", installed_code)
    module = Module(store, clock=clock, entropy=entropy or CountingEntropy(b"run"),
                    salt=b"s" * 32, identity={"machine_id": "host-a"}, **kwargs)
    module.physical.session_open("host")
    return module


def kinds(module: Module) -> list[str]:
    """The kinds of every event-log record, oldest first."""
    return [e["kind"] for e in module.events(limit=10_000)]


def spans(module: Module) -> list[tuple[int, int, str, bool]]:
    """The LED spans so far."""
    return [tuple(s) for s in module.physical.led_timeline()["spans"]]  # type: ignore[misc]


def power_cycle(module: Module, clock: FakeClock, settle: float = BOOT_S) -> None:
    """Power-cycle and let the boot finish."""
    module.simulation.sim_power_cycle()
    clock.advance(settle)
    module.physical.catch_up()


def to_production(module: Module, clock: FakeClock) -> None:
    """Standard (or alpha) production: lock, power cycle, bind."""
    module.physical.lock_binding()
    power_cycle(module, clock)
    assert module.physical.state().binding == "production"
