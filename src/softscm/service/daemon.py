"""Running the daemon: the state opened exclusively, signals, a clean shutdown."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any, Callable

from softscm.errors import InternalError
from softscm.runtime import open_served_locked, resolve_home
from softscm.service.access import AllowList
from softscm.service.limits import Limits
from softscm.service.server import Server
from softscm.service.workers import Workers

log = logging.getLogger("softscm.daemon")


def run_daemon(
    home: Any, socket_path: Path, allow: AllowList | None = None,
    on_event: Callable[[str], None] | None = None, *, workers: int = 1,
    limits: Limits | None = None,
) -> None:
    """Serve the module in ``home`` on ``socket_path`` until SIGTERM, SIGINT or SIGHUP
    (its terminal closed), with ``workers`` processes (one: in this process; more:
    :class:`~softscm.service.workers.Workers`); the state is checkpointed and released
    on the way out. ``InternalError`` if the workers kept failing."""
    emit = on_event or (lambda line: log.info("%s", line))
    # The full path, as the server and the workers name it: the state's lock says where
    # the daemon is to whoever reads it, and a worker opens the state only if it names
    # the socket the worker was given.
    socket_path = Path(os.path.abspath(socket_path))
    module, store, state_lock = open_served_locked(home, str(socket_path))
    try:
        server: Server | Workers
        if workers == 1:
            server = Server(module, socket_path, allow, emit, limits)
        else:
            server = Workers(module, resolve_home(home), socket_path, workers,
                             state_lock, allow, emit, limits)
        watcher = _Watcher(server, on_event)  # (what workers record from now is told)
        # Told to stop while it starts (workers take a moment), the daemon stops as it
        # does later: its socket removed, its workers ended, its exit clean.
        told = threading.Event()

        def on_signal(*_: object) -> None:
            told.set()
            server.stop()

        # (SIGINT or SIGHUP ignored by whoever started it, as `nohup` or a shell's
        # background job does, stays ignored)
        previous = {sig: signal.signal(sig, on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
                    if sig == signal.SIGTERM or signal.getsignal(sig) is not signal.SIG_IGN}
        try:
            server.bind()
            try:
                with server.lock:
                    module.record("daemon_start", socket=str(socket_path))
                if not told.is_set():  # (else it stops before it serves)
                    emit(f"serving module {module.serial} on {server.path}")
                watcher.start()
                server.serve_forever()
            finally:
                watcher.stop()
                with server.lock:
                    module.record("daemon_stop")
                    store.checkpoint()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        store.close()
    if on_event is not None:
        on_event("stopped")
    failure = getattr(server, "failure", None)
    if failure:
        raise InternalError(failure)


#: Seconds between looks at the event log and the LED.
WATCH_INTERVAL_S = 0.25


class _Watcher:
    """Reports new event-log records and LED changes as lines while the daemon runs."""

    def __init__(self, server: Server | Workers, on_event: Callable[[str], None] | None) -> None:
        self._server = server
        self._on_event = on_event
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        with server.lock:
            self._last_seq = server.module.last_seq()
        self._led = ""

    def start(self) -> None:
        """Report what was recorded since this watcher was made, and on."""
        if self._on_event is not None:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        emit = self._on_event
        if emit is None:
            return
        while not self._stop.wait(WATCH_INTERVAL_S):
            with self._server.lock:
                module = self._server.module
                events = module.events(after=self._last_seq, limit=1000)
                led = module.physical.led()["label"]
            for record in events:
                self._last_seq = record["seq"]
                emit(f"event #{record['seq']} {record['kind']} {record['detail']}")
            if led != self._led:
                self._led = led
                emit(f"led {led}")
