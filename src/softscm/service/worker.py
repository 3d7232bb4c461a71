"""One worker of a daemon: a process of its own serving the daemon's socket with a module
of its own over the same state (``python -m softscm.service.worker SPEC``, started by
:mod:`softscm.service.workers`, never by hand).

The daemon gives it, by descriptor: the listening socket, the memory file where every
worker counts what each user holds (:class:`~softscm.service.tally.SharedTally`), the
daemon's lock on the state, and one end of a socket pair. On that pair the worker says
``ready`` once it serves, then writes the lines of its events; when the daemon's end
closes, the worker stops as it does on SIGTERM (SIGINT it ignores: the daemon answers
it). If the daemon dies (SIGKILL, a crash), the kernel kills the worker at once
(``PR_SET_PDEATHSIG``), as a power cut would: no worker outlives its daemon's lock on
the state.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (imported by main, once this process dies with its daemon)
    from softscm.service.access import AllowList
    from softscm.service.limits import Limits
    from softscm.service.server import Server

#: What a worker first says on its socket pair once it serves.
READY = "ready"


def spec(home: Path, socket_path: Path, allow: AllowList, limits: Limits, *,
         listener: int, tally: int, row: int, rows: int, users: int, pair: int) -> str:
    """The argument a worker is started with."""
    return json.dumps({
        "home": str(home), "socket": str(socket_path),
        "uids": sorted(allow.uids), "gids": sorted(allow.gids),
        "limits": dataclasses.asdict(limits),
        "listener": listener, "tally": tally, "row": row, "rows": rows, "users": users,
        "pair": pair, "daemon": os.getpid(),
    })


def main(argv: list[str]) -> int:
    """Serve as the worker ``argv[1]`` (:func:`spec`) describes until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon's to answer
    options: dict[str, Any] = json.loads(argv[1])
    _die_with(options["daemon"])
    from softscm.runtime import close_module, open_worker
    from softscm.service.access import AllowList
    from softscm.service.limits import Limits
    from softscm.service.server import Server
    from softscm.service.tally import SharedTally

    pair = socket.socket(fileno=options["pair"])
    listener = socket.socket(fileno=options["listener"])
    tally = SharedTally(options["tally"], options["rows"], options["users"], options["row"])
    lines = threading.Lock()

    def say(line: str) -> None:
        with lines:
            try:
                pair.sendall(line.replace("\n", " ").encode("utf-8", "replace") + b"\n")
            except OSError:
                pass  # the daemon has gone: the watch below stops us

    path = Path(options["socket"])
    module, store = open_worker(options["home"], str(path))
    try:
        server = Server(module, path, AllowList(frozenset(options["uids"]),
                                                frozenset(options["gids"])),
                        say, Limits(**options["limits"]), tally=tally, listener=listener)
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        threading.Thread(target=_watch_daemon, args=(pair, server), daemon=True,
                         name="softscm-daemon-watch").start()
        say(READY)
        server.serve_forever()
        with server.lock:
            close_module(module, store)  # the calls this worker counted, then the state
    finally:
        store.close()  # (a no-op once closed)
        listener.close()
        tally.close()
    return 0


#: ``prctl`` option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with(daemon: int) -> None:
    """Be killed as soon as the process ``daemon`` (our parent) dies; end now if it
    has died already."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != daemon:
        sys.exit(1)


def _watch_daemon(pair: socket.socket, server: Server) -> None:
    """Stop ``server`` once the daemon's end of ``pair`` closes."""
    try:
        while pair.recv(64):
            pass
    except OSError:
        pass
    server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
