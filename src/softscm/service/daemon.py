"""Running the daemon: the state opened exclusively, signals, a clean shutdown."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Callable

from softscm.service.access import AllowList
from softscm.service.server import Server


def run_daemon(
    home: Any, socket_path: Path, allow: AllowList | None = None,
    on_event: Callable[[str], None] | None = None,
) -> None:
    """Serve the module in ``home`` on ``socket_path`` until SIGTERM or SIGINT; the
    state is checkpointed and released on the way out."""
    from softscm.client.embedded import open_served

    module, store = open_served(home, str(socket_path))
    try:
        server = Server(module, socket_path, allow, on_event)
        server.bind()
        previous = {
            sig: signal.signal(sig, lambda *_: server.stop())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            module.record("daemon_start", socket=str(socket_path))
            server.serve_forever()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            with server.lock:
                module.record("daemon_stop")
                store.checkpoint()
    finally:
        store.close()
    if on_event is not None:
        on_event("stopped")
