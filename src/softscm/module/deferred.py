"""Work an operation hands back to be done after the module's lock is released.

The service runs one module call at a time (``softscm.service.dispatch.call``). An
operation with slow work that needs no module state (a PBKDF2 over an ECDH secret, the
wait of ``get_time(precise=True)`` for the next second) checks its arguments and reads
what it needs under the lock, then returns a :class:`Deferred`: ``call`` releases the
lock and runs it, so that other clients are not held up while it works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Deferred(Generic[T]):
    """The rest of an operation, to run outside the module's lock: ``run()`` does it
    and returns the operation's result. It must touch no module state."""

    __slots__ = ("_work",)

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work

    def run(self) -> T:
        """Do the work; the operation's result (or its error)."""
        return self._work()
