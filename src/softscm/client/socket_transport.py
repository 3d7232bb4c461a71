"""The socket transport: frames to the daemon over its Unix socket."""

from __future__ import annotations

import os
import pwd
import socket
import stat
import threading
from pathlib import Path
from typing import Any

from softscm.errors import ConnectionFailed, ProtocolError, SoftScmError
from softscm.service import framing, protocol
from softscm.service.access import credentials

#: Environment variable naming the user the daemon runs as (name or uid), whose socket
#: the client trusts besides root's and its own.
DAEMON_USER_ENV = "SOFTSCM_DAEMON_USER"
#: Seconds a call polls for its answer before it sleeps until the answer comes: most
#: answers come within it, and are read without waking a sleeping thread (on a virtual
#: machine with an idle CPU, waking costs more than the call itself).
ANSWER_SPIN_S = 100e-6
#: The system daemon's user, trusted when the host has it and the variable is not set.
DAEMON_USER = "softscm"


def trusted_owners() -> frozenset[int]:
    """The users whose daemon socket a client connects to: root, itself, and the daemon
    user (``SOFTSCM_DAEMON_USER``, else the ``softscm`` user if the host has one)."""
    owners = {0, os.geteuid()}
    name = os.environ.get(DAEMON_USER_ENV) or DAEMON_USER
    if name.isdigit():
        owners.add(int(name))
    else:
        try:
            owners.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            if DAEMON_USER_ENV in os.environ:
                raise ConnectionFailed(
                    f"{DAEMON_USER_ENV} names no user of this host: {name!r}") from None
    return frozenset(owners)


def _check_owner(path: Path, owners: frozenset[int]) -> None:
    """Refuse a socket (or a symbolic link to one) owned by anyone else."""
    try:
        link = os.lstat(path)
        st = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except OSError:
        return  # nothing there: connecting says so
    for what in (link, st):
        if what.st_uid not in owners:
            raise ConnectionFailed(
                f"the daemon socket {path} is owned by uid {what.st_uid}, who is neither "
                f"root, this user nor the daemon's user; refusing to connect "
                f"(set {DAEMON_USER_ENV} to trust a daemon run by another user)")


class SocketTransport:
    """Carries frames to a daemon. One call at a time per transport (thread-safe). A
    broken connection fails the call under way with ``ConnectionFailed``; the next call
    connects again, to the same daemon only. It connects only to a socket, and a
    daemon, of root, its own user or the daemon's user (:func:`trusted_owners`).

    Every answer must carry the id of the request it answers. A call that ends in any
    way other than with its own answer (an interrupt, a signal handler raising, a
    timeout, a mismatched answer) drops the connection, so that an answer still on its
    way can never be read as the answer to a later call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: framing.FrameReader | None = None
        self._closed = False
        self._last_id = 0
        self._connect()

    def _connect(self) -> None:
        owners = trusted_owners()
        _check_owner(self.path, owners)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.path))
            # The kernel's word on who listens, whatever happened to the path since.
            listener_uid = credentials(sock)[1]
        except OSError as exc:
            sock.close()
            raise ConnectionFailed(
                f"the daemon socket {self.path} refuses connections ({exc.strerror}); "
                "is `softscm serve` running?"
            ) from None
        if listener_uid not in owners:
            sock.close()
            raise ConnectionFailed(
                f"the daemon on {self.path} runs as uid {listener_uid}, who is neither "
                f"root, this user nor the daemon's user; refusing to talk to it")
        self._sock = sock
        self._reader = framing.FrameReader(sock, ANSWER_SPIN_S)

    def _drop(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None

    def call(self, op: str, args: dict[str, Any]) -> Any:
        """Send one request and wait for its response."""
        with self._lock:
            if self._closed:
                raise ConnectionFailed("the connection is closed")
            if self._sock is None:
                self._connect()
            sock, reader = self._sock, self._reader
            if sock is None or reader is None:  # pragma: no cover - _connect() sets both
                raise ConnectionFailed("not connected")
            self._last_id = request_id = protocol.next_request_id(self._last_id)
            try:
                framing.send_frame(sock, protocol.encode_request(request_id, op, args))
                response = framing.recv_frame(reader)
                if response is None:
                    raise ConnectionFailed(f"the daemon at {self.path} closed the connection")
                return protocol.decode_response(response, request_id)
            except SoftScmError as exc:
                if type(exc) is not ConnectionFailed and not isinstance(exc, ProtocolError):
                    raise  # the daemon's answer to this very request
                self._drop()
                raise
            except OSError as exc:
                self._drop()
                raise ConnectionFailed(f"lost the daemon at {self.path}: {exc}") from None
            except BaseException:
                self._drop()
                raise

    def close(self) -> None:
        """Close the connection; later calls fail with ``ConnectionFailed``."""
        with self._lock:
            self._closed = True
            self._drop()
