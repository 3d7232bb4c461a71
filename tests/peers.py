"""Raw daemon peers for tests: frames on bare sockets, and processes that run as
another user (root only) to play other peers."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack

from softscm.service import framing

#: The uid (and gid) of ``nobody``, the other user the tests play as root.
NOBODY = 65534



def frame(request_id: int, op: str, **args: Any) -> bytes:
    """One length-prefixed request frame."""
    body = msgpack.packb([2, request_id, op, args], use_bin_type=True)
    return framing.PREFIX.pack(len(body)) + body


def connect(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(path))
    return sock


def answer(sock: socket.socket, timeout: float = 30.0) -> list[Any] | None:
    """The next answer on ``sock`` as a list, or None when the daemon hung up."""
    sock.settimeout(timeout)
    with sock.makefile("rb") as reader:
        body = framing.recv_frame(reader)
    return None if body is None else msgpack.unpackb(body, raw=False)


def call(sock: socket.socket, request_id: int, op: str, **args: Any) -> list[Any] | None:
    """Send one request and read its answer (None: the daemon hung up)."""
    try:
        sock.sendall(frame(request_id, op, **args))
    except OSError:
        return None
    try:
        return answer(sock)
    except OSError:
        return None


#: The host context raw waits use (opened by :func:`open_session`).
CONTEXT = "raw-peers"


def open_session(path: Path) -> None:
    """Open the host context of raw waits (the module binds to its host)."""
    with connect(path) as sock:
        reply = call(sock, 1, "session_open", context=CONTEXT)
    assert reply is not None and reply[1] == 0, reply


def wait_frame(request_id: int, timeout_ms: int = -1) -> bytes:
    """A perimeter wait of the raw host context."""
    return frame(request_id, "wait", kind="perimeter", context=CONTEXT,
                 timeout_ms=timeout_ms)


def eventually(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Whether ``condition()`` comes true within ``seconds`` (a bound on a hang, not a
    measure of speed)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class AsUser:
    """A forked process running ``target(channel)`` as ``uid``/``gid`` with
    supplementary ``groups``; ``channel`` and :meth:`send`/:meth:`recv` carry JSON
    values between it and the test. The child touches only sockets and msgpack, so
    forking from a process with threads is safe."""

    _open: set[socket.socket] = set()

    def __init__(self, uid: int, gid: int, groups: list[int],
                 target: Callable[[AsUser], None]) -> None:
        parent, child = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                for other in (parent, *AsUser._open):
                    other.close()  # only the test holds the other children's channels
                self._io = child.makefile("rw")
                os.setgroups(groups)
                os.setresgid(gid, gid, gid)
                os.setresuid(uid, uid, uid)
                target(self)
                code = 0
            finally:
                os._exit(code)
        child.close()
        self._sock = parent
        AsUser._open.add(parent)
        self._io = parent.makefile("rw")

    def send(self, value: Any) -> None:
        self._io.write(json.dumps(value) + "\n")
        self._io.flush()

    def recv(self) -> Any:
        line = self._io.readline()
        if not line:
            raise EOFError("the other side ended")
        return json.loads(line)

    def finish(self) -> int:
        """Tell the child to end (closing the channel) and return its exit status."""
        try:
            self.send("end")
        except OSError:
            pass
        AsUser._open.discard(self._sock)
        self._io.close()
        self._sock.close()
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def hold(channel: AsUser) -> None:
    """Block a child until the test closes its channel."""
    try:
        channel.recv()
    except (EOFError, OSError, ValueError):
        pass
