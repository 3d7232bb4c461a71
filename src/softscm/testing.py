"""Test helpers for applications built on softscm or ``zymkey``: a fake clock and a
fresh module on it, in a directory of the test's own.

The pytest plugin (:mod:`softscm.pytest_plugin`, fixture ``scm``) is built from these;
a test runner other than pytest can use :func:`simulated_module` directly::

    with simulated_module(tmp_dir) as scm:
        scm.sim.loop_open(0)
        assert scm.client.perimeter_info()[0] != 0
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from softscm.client import Client
from softscm.client.inprocess import InProcessTransport
from softscm.errors import ConnectionFailed
from softscm.host.bootdir import read_boot_file
from softscm.host.code import installed_code
from softscm.host.salt import SALT_BYTES
from softscm.module import Module, Profile
from softscm.store import Store

__all__ = ["DEFAULT_START", "TEST_IDENTITY", "FakeClock", "SimulatedModule",
           "simulated_module"]

#: Where a :class:`FakeClock` starts: 2023-11-14T22:13:20Z, in epoch seconds.
DEFAULT_START = 1_700_000_000.0
#: The measured identity of the host a test module binds to (override a factor with
#: ``sim.set_host_identity`` to play another host).
TEST_IDENTITY = {"machine_id": "softscm-test-host", "cpu_serial": "",
                 "boot_device_serial": ""}
#: Module seconds :meth:`SimulatedModule.settle` moves on per look.
SETTLE_STEP_S = 0.5
#: Most module seconds :meth:`SimulatedModule.settle` waits for a boot to finish.
SETTLE_LIMIT_S = 600.0
#: Lifecycle states in which a boot is still on its way.
_BOOTING = frozenset({"booting"})


class FakeClock:
    """A clock that moves only when told to: :meth:`advance`, or a caller's
    :meth:`sleep` (so a module call that waits, such as ``wait_for_perimeter_event``,
    lets its simulated time pass at once). Safe to share between threads.

    A waiter on it jumps straight to the next moment something can happen in the module
    (its deadline or the module's next timer), so an hour-long wait that nothing ends
    takes no real time. A waiter with no deadline and nothing due waits in real time
    for another caller, and its module time stands still meanwhile."""

    #: Time passes only when a caller sleeps or the test advances it (see
    #: ``softscm.module.module.Clock``).
    jumps = True

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._time = float(start)
        self._lock = threading.Lock()
        #: Every sleep asked for, in seconds, in order (what a caller waited).
        self.slept: list[float] = []

    def now(self) -> float:
        """The current time, epoch seconds."""
        with self._lock:
            return self._time

    @property
    def time(self) -> float:
        """The current time, epoch seconds (settable: a test may put the clock at a
        moment of its choosing)."""
        return self.now()

    @time.setter
    def time(self, value: float) -> None:
        with self._lock:
            self._time = float(value)

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass (at once), and let other threads run."""
        with self._lock:
            self.slept.append(seconds)
            self._time += max(0.0, float(seconds))
        time.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never back)."""
        if seconds < 0:
            raise ValueError("a fake clock only moves forward")
        with self._lock:
            self._time += float(seconds)


class _SharedTransport:
    """Another door to one in-process transport: calls go through its lock; closing
    this door leaves the module open for the others."""

    def __init__(self, inner: InProcessTransport) -> None:
        self._inner: InProcessTransport | None = inner

    def call(self, op: str, args: dict[str, Any]) -> Any:
        """Carry one request to the module."""
        inner = self._inner
        if inner is None:
            raise ConnectionFailed("the connection is closed")
        return inner.call(op, args)

    def close(self) -> None:
        """Close this door only."""
        self._inner = None


class SimulatedModule:
    """A fresh module on a :class:`FakeClock`, running and bound to the test host.

    ``client`` is a :class:`softscm.Client` on it, ``sim`` its simulation controls
    (``client.sim``), ``clock`` the fake clock, ``module`` the module itself. Every
    :meth:`new_client` is another host context on the same module, as another process
    would be."""

    def __init__(self, module: Module, store: Store, clock: FakeClock, directory: Path,
                 salt: bytes) -> None:
        self.module = module
        self.clock = clock
        self.directory = directory
        #: The host-side binding salt (``sim.restore_host_salt`` takes it back).
        self.salt = salt
        self._transport = InProcessTransport(module, on_close=store.close)
        self._clients: list[Client] = []
        self.client = self.new_client()

    @property
    def sim(self) -> Any:
        """The simulation control plane (``client.sim``)."""
        return self.client.sim

    def new_client(self) -> Client:
        """A new host context on this module (closed with the module)."""
        client = Client(_SharedTransport(self._transport))
        self._clients.append(client)
        return client

    def transport(self) -> _SharedTransport:
        """A new transport to this module, for code that builds its own client."""
        return _SharedTransport(self._transport)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of module time pass: the fake clock moves and whatever falls
        due meanwhile (boot stages, LED sequences, holds) happens, in order."""
        self.clock.advance(seconds)
        self.client.sim.advance(0)

    def lifecycle(self) -> str:
        """The module's lifecycle state (``running``, ``booting``, ``held``, …)."""
        return str(self.client.status()["lifecycle"])

    def settle(self, limit: float = SETTLE_LIMIT_S) -> str:
        """Let module time pass until a boot has finished (or ``limit`` seconds);
        returns the lifecycle state reached."""
        waited = 0.0
        state = self.lifecycle()
        while state in _BOOTING and waited < limit:
            self.advance(SETTLE_STEP_S)
            waited += SETTLE_STEP_S
            state = self.lifecycle()
        return state

    def power_cycle(self, settle: bool = True) -> str:
        """Main power off and on; with ``settle``, let the boot finish. Returns the
        lifecycle state."""
        self.sim.power_cycle()
        return self.settle() if settle else self.lifecycle()

    def to_production(self) -> str:
        """Lock the binding and power-cycle: production mode, as §4.6 steps 4-5 do."""
        self.client.lock_binding()
        return self.power_cycle()

    def close(self) -> None:
        """Close every client and the module's store."""
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._transport.close()

    def __enter__(self) -> SimulatedModule:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def simulated_module(directory: str | os.PathLike[str], *, clock: FakeClock | None = None,
                     identity: dict[str, str] | None = None,
                     **profile: Any) -> SimulatedModule:
    """A new module in ``directory`` (its store, and its boot directory ``boot`` unless
    ``boot_dir`` is given), on ``clock`` (default: a new :class:`FakeClock`), bound to a
    host of ``identity`` (default :data:`TEST_IDENTITY`). ``profile`` takes the fields
    of :class:`softscm.module.Profile` (``profile="hsm6"``, ``program="alpha"``,
    ``emulate_issue_159=True``, ``require_authorization=True``, ``tap_code="3-1-2"``,
    ``tamper_production_action="hold"``, …)."""
    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    if "boot_dir" not in profile:
        boot = base / "boot"
        boot.mkdir(exist_ok=True)
        profile["boot_dir"] = str(boot)
    store = Store.open(base / "state")
    try:
        salt = os.urandom(SALT_BYTES)
        Module.create_state(store, entropy=os.urandom, salt=salt, profile=Profile(**profile))
        clock = clock or FakeClock()
        module = Module(store, clock=clock, entropy=os.urandom, salt=salt,
                        identity=dict(identity or TEST_IDENTITY), boot_files=read_boot_file,
                        code=installed_code)
    except BaseException:
        store.close()
        raise
    return SimulatedModule(module, store, clock, base, salt)
