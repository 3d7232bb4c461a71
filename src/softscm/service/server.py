"""The daemon: one module shared by every process on the host, over a Unix socket.

One thread per connection; calls into the module are serialised by one lock, so each
call is atomic. A connection that sends garbage gets an error frame, or is closed when
its stream of frames cannot be trusted any more (bad length, truncated frame); the daemon
keeps serving the others. Lock/unlock streams belong to the connection that opened them
and are dropped when it goes away.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from softscm.errors import InvalidArgument, ProtocolError, SoftScmError
from softscm.service import framing, protocol
from softscm.service.access import AllowList, group_id, peer_of
from softscm.service.dispatch import call

log = logging.getLogger("softscm.daemon")

#: Most connections served at once; further ones are closed at once.
MAX_CONNECTIONS = 128
#: Seconds the accept loop waits before checking whether it should stop.
ACCEPT_POLL_SECONDS = 0.2
#: How long a stopping daemon waits for calls under way, in seconds.
DRAIN_SECONDS = 5.0
_STREAM_OPS = frozenset({"stream_update", "stream_finish", "stream_abort"})


class Server:
    """Serves ``module`` on the Unix socket ``path`` to the peers ``allow`` admits."""

    def __init__(
        self, module: Any, path: Path, allow: AllowList | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.module = module
        self.path = Path(path)
        self.allow = allow or AllowList.default()
        self._on_event = on_event or (lambda line: log.info("%s", line))
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._guard = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------

    def bind(self) -> None:
        """Create the socket directory (owner and ``softscm`` group only) and listen."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o750)  # noqa: S103 - owner and the softscm group
        gid = group_id("softscm")
        if self.path.exists() or self.path.is_symlink():
            if _answers(self.path):
                raise InvalidArgument(f"another daemon is listening on {self.path}")
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o117)
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old_umask)
        if gid is not None and os.geteuid() == 0:
            os.chown(directory, -1, gid)
            os.chown(self.path, -1, gid)
        os.chmod(self.path, 0o660)
        listener.listen(64)
        listener.settimeout(ACCEPT_POLL_SECONDS)
        self._listener = listener

    def serve_forever(self) -> None:
        """Accept and serve connections until :meth:`stop`."""
        if self._listener is None:
            self.bind()
        listener = self._listener
        if listener is None:  # pragma: no cover - bind() sets it
            raise RuntimeError("not bound")
        self._on_event(f"serving module {self.module.serial} on {self.path}")
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = listener.accept()
                except socket.timeout:
                    continue
                except OSError:
                    if self._stop.is_set():
                        break
                    raise
                self._start(conn)
        finally:
            self._close_listener()
            self._drain()

    def stop(self) -> None:
        """Ask the accept loop to end (safe from a signal handler or another thread)."""
        self._stop.set()

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    def _drain(self) -> None:
        with self._guard:
            conns = list(self._connections)
            threads = list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        for thread in threads:
            thread.join(DRAIN_SECONDS)

    # -- connections ----------------------------------------------------------------------

    def _start(self, conn: socket.socket) -> None:
        with self._guard:
            if len(self._connections) >= MAX_CONNECTIONS:
                conn.close()
                return
            self._connections.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.add(thread)
        thread.start()

    def _serve(self, conn: socket.socket) -> None:
        streams: set[int] = set()
        try:
            peer = peer_of(conn)
            if not self.allow.allows(peer):
                self._refuse(peer.uid, peer.gid, peer.pid)
                return
            reader = conn.makefile("rb", buffering=1 << 16)
            with reader:
                while not self._stop.is_set():
                    try:
                        frame = framing.recv_frame(reader)
                    except ProtocolError as exc:
                        # The stream is out of step: answer once, then hang up.
                        _send_quietly(conn, protocol.encode_error(exc))
                        return
                    if frame is None:
                        return
                    framing.send_frame(conn, self.handle(frame, streams))
        except OSError:
            pass
        finally:
            if streams:
                with self.lock:
                    for handle in streams:
                        self.module.stream_abort(handle)
            conn.close()
            with self._guard:
                self._connections.discard(conn)
                self._threads.discard(threading.current_thread())

    def handle(self, frame: bytes, streams: set[int]) -> bytes:
        """Answer one request frame of a connection owning ``streams``."""
        try:
            op, args = protocol.decode_request(frame)
            if op in _STREAM_OPS and args.get("handle") not in streams:
                raise InvalidArgument(f"no open stream {args.get('handle')!r}")
            result = call(self.module, op, args, self.lock)
            if op == "stream_open":
                streams.add(result)
            elif op in ("stream_finish", "stream_abort"):
                streams.discard(args["handle"])
            return protocol.encode_result(result)
        except SoftScmError as exc:
            if exc.status == exc.status.VERIFICATION_FAILED and "handle" in args:
                streams.discard(args["handle"])
            return protocol.encode_error(exc)

    def _refuse(self, uid: int, gid: int, pid: int) -> None:
        self._on_event(f"refused a connection from uid {uid} gid {gid} pid {pid}")
        with self.lock:
            self.module.record("connection_refused", uid=uid, gid=gid, pid=pid)


def _answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _send_quietly(conn: socket.socket, frame: bytes) -> None:
    try:
        framing.send_frame(conn, frame)
    except OSError:
        pass
