"""What the module gives its parts: a small :class:`Context` of its injected
collaborators (store, clock, entropy) and of the few things only the module as a whole
can do (log a record, guard a host call, see other processes' changes, hand out the
master key), as named callables. A part takes a context and never imports, or reaches
into, the module that composes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from softscm.module.storage import ModuleStore


class Clock(Protocol):
    """The module's time source (injected: the host's clock, or a fake one in tests).

    A clock whose time passes only when told to (a fake clock: :meth:`sleep` moves it
    at once) says so with a true ``jumps`` attribute: a waiter on it jumps straight to
    the next moment something can happen instead of polling in small steps."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass for the caller."""


class Recorder(Protocol):
    """Appends a record of ``kind`` to the event log, at module time ``_at`` (default:
    now) (:meth:`softscm.module.Module.record`)."""

    def __call__(self, kind: str, _at: float | None = None, /, **detail: Any) -> None: ...


@dataclass(frozen=True)
class Context:
    """The module as its parts see it."""

    #: The durable state.
    store: ModuleStore
    #: The injected time source.
    clock: Clock
    #: Module time, seconds (the clock plus the simulated offset).
    now: Callable[[], float]
    #: The injected entropy source: ``entropy(n)`` is ``n`` random bytes.
    entropy: Callable[[int], bytes]
    #: The module's serial number.
    serial: str
    #: Appends a record to the event log.
    record: Recorder
    #: The host guard: returns when the module serves the host (running and bound),
    #: raises the reason otherwise. Every host operation passes it once.
    host_guard: Callable[[], None]
    #: Looks whether another process changed the state, and forgets stale caches.
    sync: Callable[[], None]
    #: The master key, or ``None`` once it is destroyed (or cannot be unsealed here).
    master_key: Callable[[], bytes | None]
