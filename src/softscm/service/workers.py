"""A daemon served by several worker processes, so that its clients' calls run on every
core: one interpreter serves at most one core at a time, however many threads it has.

The daemon holds the state (its exclusive lock) and a module of its own, for the event
lines and its start and stop records; it listens on the socket and starts the workers
(:mod:`softscm.service.worker`), each a process with a module of its own over the same
state, as in-process users of one state are (each call sees what the others committed).
Every worker accepts connections on the one listening socket and serves them as a
single-process daemon does (:class:`~softscm.service.server.Server`); what each user
holds (connections, streams, waits) is counted for all workers together
(:class:`~softscm.service.tally.SharedTally`), so the limits are the daemon's, not a
worker's. A worker that ends unexpectedly is replaced (its clients' connections end
with it, nobody else's), its counts forgotten; if workers keep ending, the daemon
stops. When the daemon ends, however it ends, its workers end too.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from softscm.errors import InternalError
from softscm.service import paths
from softscm.service.access import AllowList
from softscm.service.limits import Limits
from softscm.service.server import DRAIN_SECONDS, drain, listen
from softscm.service.tally import SharedTally
from softscm.service.worker import READY, spec

#: Most worker processes one daemon runs.
MAX_WORKERS = 32
#: Seconds a worker may take to start serving.
START_SECONDS = 60.0
#: Seconds a stopping daemon gives its workers to end before killing them.
STOP_SECONDS = DRAIN_SECONDS + 3.0
#: Workers that may end unexpectedly within ``RESTART_WINDOW_S`` seconds; one more and
#: the daemon stops (something is wrong that a new worker does not mend).
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
#: Longest line a worker may write, in bytes (longer ones are cut).
MAX_LINE = 64 * 1024


def default_workers() -> int:
    """Workers a daemon runs unless told: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


class _Worker:
    """One worker process and the daemon's end of its socket pair."""

    def __init__(self, row: int, proc: subprocess.Popen[bytes], pair: socket.socket) -> None:
        self.row = row
        self.proc = proc
        self.pair = pair
        self.buffer = b""
        self.ready = False


class Workers:
    """Serves ``module``'s state on ``path`` with ``count`` worker processes: the same
    shape as :class:`~softscm.service.server.Server` for the daemon (``bind``,
    ``serve_forever``, ``stop``, ``lock`` and ``module`` for the event lines)."""

    def __init__(
        self, module: Any, home: Path, path: Path, count: int, state_lock: int,
        allow: AllowList | None = None, on_event: Callable[[str], None] | None = None,
        limits: Limits | None = None,
    ) -> None:
        if not 2 <= count <= MAX_WORKERS:
            raise ValueError(f"{count} workers (2 to {MAX_WORKERS})")
        self.module = module
        self.lock = threading.Lock()
        self.path = Path(os.path.abspath(path))
        self._home = home
        self._count = count
        self._state_lock = state_lock
        self._allow = allow or AllowList.default()
        self._limits = limits or Limits()
        self._on_event = on_event or (lambda line: None)
        self._users = self._limits.connections + self._limits.waits
        self._listener: socket.socket | None = None
        self._inode = 0
        self._tally_fd = -1
        self._tally: SharedTally | None = None
        self._workers: dict[int, _Worker] = {}
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._restarts: list[float] = []
        self.failure: str | None = None

    def worker_pids(self) -> list[int]:
        """The process ids of the workers running now."""
        return [w.proc.pid for w in self._workers.values()]

    def bind(self) -> None:
        """Listen on the socket and start the workers; returns once each serves."""
        self._listener, self._inode = listen(self.path, self._allow, self._on_event)
        self._tally_fd = SharedTally.create(self._count, self._users)
        self._tally = SharedTally(self._tally_fd, self._count, self._users, 0)
        try:
            for row in range(self._count):
                self._start(row)
            deadline = time.monotonic() + START_SECONDS
            while not all(w.ready for w in self._workers.values()):
                if self._stop.is_set():
                    return  # told to stop meanwhile: serve_forever ends them
                if time.monotonic() > deadline:
                    raise InternalError("a worker of the daemon did not start in time")
                self._step(min(0.2, max(0.0, deadline - time.monotonic())), starting=True)
        except BaseException:
            self._shutdown()
            raise

    def serve_forever(self) -> None:
        """Look after the workers until :meth:`stop` (or until they keep failing:
        :attr:`failure` says why)."""
        try:
            while not self._stop.is_set():
                self._step(1.0)
        finally:
            self._shutdown()

    def stop(self) -> None:
        """Ask the daemon to end (safe from a signal handler or another thread)."""
        self._stop.set()
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    # -- the workers ----------------------------------------------------------------------

    def _start(self, row: int) -> None:
        listener = self._listener
        if listener is None:  # pragma: no cover - bind() listens first
            raise RuntimeError("not listening")
        mine, theirs = socket.socketpair()
        try:
            argument = spec(self._home, self.path, self._allow, self._limits,
                            listener=listener.fileno(), tally=self._tally_fd, row=row,
                            rows=self._count, users=self._users, pair=theirs.fileno())
            source = str(Path(__file__).resolve().parents[2])  # where softscm is
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (source, env.get("PYTHONPATH")) if p)
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "softscm.service.worker", argument],
                pass_fds=(listener.fileno(), self._tally_fd, self._state_lock,
                          theirs.fileno()),
                stdin=subprocess.DEVNULL, env=env,
                # (a session of its own: Ctrl-C at the daemon's terminal is the daemon's
                # to answer, not a traceback of a worker still loading)
                start_new_session=True)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        mine.setblocking(False)
        worker = self._workers[row] = _Worker(row, proc, mine)
        self._selector.register(mine, selectors.EVENT_READ, worker)

    def _step(self, timeout: float, starting: bool = False) -> None:
        """Wait up to ``timeout`` for lines of the workers (or their end) and act."""
        for key, _ in self._selector.select(timeout):
            worker = key.data
            if worker is None:
                drain(self._wake_r)
                continue
            try:
                data = worker.pair.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                self._lines(worker, data)
            else:
                self._ended(worker, starting)

    def _lines(self, worker: _Worker, data: bytes) -> None:
        *lines, rest = (worker.buffer + data).split(b"\n")
        worker.buffer = rest[-MAX_LINE:]
        for raw in lines:
            line = raw[:MAX_LINE].decode("utf-8", "replace")
            if line == READY and not worker.ready:
                worker.ready = True
            else:
                self._on_event(line)

    def _ended(self, worker: _Worker, starting: bool) -> None:
        """``worker`` has ended (its end of the pair closed): forget it and what it
        held, and start another in its place (not while stopping)."""
        self._selector.unregister(worker.pair)
        worker.pair.close()
        del self._workers[worker.row]
        code = _reap(worker.proc, 5.0)
        if self._tally is not None:
            self._tally.clear(worker.row)
        if self._stop.is_set():
            return
        if starting:
            raise InternalError(f"a worker of the daemon could not start (exit code {code})")
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW_S]
        self._restarts.append(now)
        if len(self._restarts) > MAX_RESTARTS:
            self.failure = (f"{len(self._restarts)} workers ended within "
                            f"{RESTART_WINDOW_S:.0f} s; the daemon stops")
            self._on_event(self.failure)
            self._stop.set()
            return
        self._on_event(f"worker {worker.row} ended (exit code {code}); starting another")
        self._start(worker.row)

    def _shutdown(self) -> None:
        """Stop listening, end every worker (killing those that do not end in time),
        forget the counts."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            paths.remove_socket(self.path, self._inode)
        workers = list(self._workers.values())
        for worker in workers:
            try:
                worker.proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_SECONDS
        for worker in workers:
            _reap(worker.proc, max(0.0, deadline - time.monotonic()))
            try:
                self._selector.unregister(worker.pair)
            except (KeyError, ValueError):
                pass
            worker.pair.close()
        self._workers.clear()
        if self._tally is not None:
            self._tally.close()
            self._tally = None
        if self._tally_fd >= 0:
            os.close(self._tally_fd)
            self._tally_fd = -1
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> int:
    """``proc``'s exit code, killing it if it has not ended within ``timeout``."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()

