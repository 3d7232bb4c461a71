"""Choosing the transport: the daemon when its socket exists, else the embedded module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from softscm.errors import NotImplementedYet

#: Environment variable naming the daemon's socket.
SOCKET_ENV = "SOFTSCM_SOCKET"
#: The system daemon's socket (systemd unit).
SYSTEM_SOCKET = Path("/run/softscm/softscm.sock")


def socket_candidates() -> list[Path]:
    """Where a daemon's socket may be, in the order the client tries them."""
    found: list[Path] = []
    env = os.environ.get(SOCKET_ENV)
    if env:
        found.append(Path(env))
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        found.append(Path(runtime) / "softscm" / "softscm.sock")
    found.append(SYSTEM_SOCKET)
    return found


def locate_transport(home: Any = None) -> Any:
    """The transport this host should use (see ``DESIGN.md``: a socket that exists is
    never silently bypassed)."""
    for path in socket_candidates():
        if path.exists():
            raise NotImplementedYet(
                f"a daemon socket exists at {path}, and the socket transport is not "
                "implemented yet"
            )
    from softscm.client.inprocess import InProcessTransport

    return InProcessTransport.open(home)
