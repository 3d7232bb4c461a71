"""Choosing the transport: the daemon when its socket exists, else the embedded module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from softscm.errors import ConnectionFailed

#: Environment variable naming the daemon's socket.
SOCKET_ENV = "SOFTSCM_SOCKET"
#: The system daemon's socket (systemd unit).
SYSTEM_SOCKET = Path("/run/softscm/softscm.sock")


def default_socket() -> Path:
    """Where ``softscm serve`` listens by default: ``SOFTSCM_SOCKET``, else the user's
    runtime directory for a user's daemon, else the system socket (root)."""
    env = os.environ.get(SOCKET_ENV)
    if env:
        return Path(env)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.geteuid() != 0:
        return Path(runtime) / "softscm" / "softscm.sock"
    return SYSTEM_SOCKET


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


def daemon_socket() -> Path | None:
    """The socket of the daemon this host uses, or ``None`` when there is none (the
    embedded module). A socket named by ``SOFTSCM_SOCKET`` must exist: asking for a
    daemon that is not there is :class:`~softscm.errors.ConnectionFailed`, never a reason
    to open the embedded module instead."""
    env = os.environ.get(SOCKET_ENV)
    if env:
        if not os.path.lexists(env):
            raise ConnectionFailed(
                f"no daemon socket at {env} ({SOCKET_ENV}); start `softscm serve` there, "
                f"or unset {SOCKET_ENV} to use the embedded module")
        return Path(env)
    for path in socket_candidates():
        if path.exists():
            return path
    return None


def locate_transport(home: Any = None) -> Any:
    """The transport this host should use (see ``DESIGN.md``: a socket that exists is
    never silently bypassed): the daemon of :func:`daemon_socket`, else the embedded
    module in ``home``."""
    path = daemon_socket()
    if path is not None:
        from softscm.client.socket_transport import SocketTransport

        return SocketTransport(path)
    from softscm.client.inprocess import InProcessTransport

    return InProcessTransport.open(home)
