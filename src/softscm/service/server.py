"""The daemon: one module shared by every process on the host, over a Unix socket.

One thread runs an event loop over every connection (no hand-offs between threads on
the hot path); calls into the module are serialised by one lock, so each call is atomic.
A blocking wait (perimeter event, tap) runs in a thread of its own, so it blocks only its
caller; that connection's further requests wait for its answer, keeping answers in
order. A connection that sends garbage gets an error frame, or is closed when its stream
of frames cannot be trusted any more (bad length, truncated frame); the daemon keeps
serving the others. A connection whose answers are not read is not read either, so no
buffer grows without bound. Lock/unlock streams belong to the connection that opened
them and are dropped when it goes away.
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
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
#: Seconds the event loop waits before checking whether it should stop.
ACCEPT_POLL_SECONDS = 0.2
#: How long a stopping daemon waits for calls under way, in seconds.
DRAIN_SECONDS = 5.0
#: Bytes read from a connection at a time.
READ_BYTES = 1 << 16
_STREAM_OPS = frozenset({"stream_update", "stream_finish", "stream_abort"})
_PREFIX = framing.PREFIX


class _Connection:
    """One client: what it sent that is not handled yet, what is not sent back yet, its
    streams, and whether a wait of its is under way."""

    __slots__ = ("sock", "inbox", "outbox", "streams", "waiting", "closing", "closed", "eof",
                 "events")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.streams: set[int] = set()
        self.waiting = False
        self.closing = False
        self.closed = False
        self.eof = False
        self.events = 0


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
        self._selector: selectors.BaseSelector | None = None
        self._connections: dict[int, _Connection] = {}
        self._answers: queue.SimpleQueue[tuple[_Connection, bytes]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._waiters: set[threading.Thread] = set()

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
        listener.setblocking(False)
        self._listener = listener

    def serve_forever(self) -> None:
        """Serve connections until :meth:`stop`."""
        if self._listener is None:
            self.bind()
        listener = self._listener
        if listener is None:  # pragma: no cover - bind() sets it
            raise RuntimeError("not bound")
        self._on_event(f"serving module {self.module.serial} on {self.path}")
        selector = selectors.DefaultSelector()
        self._selector = selector
        selector.register(listener, selectors.EVENT_READ, "accept")
        selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, mask in selector.select(ACCEPT_POLL_SECONDS):
                    if key.data == "accept":
                        self._accept(listener)
                    elif key.data == "wake":
                        self._take_answers()
                    else:
                        self._serve(key.data, mask)
        finally:
            self._close_listener()
            for conn in list(self._connections.values()):
                self._close(conn)
            for thread in list(self._waiters):
                thread.join(DRAIN_SECONDS)
            selector.close()
            self._selector = None

    def stop(self) -> None:
        """Ask the event loop to end (safe from a signal handler or another thread)."""
        self._stop.set()
        self._wake()

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already woken (the pipe is full) or closing

    # -- connections ----------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        try:
            sock, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            if self._stop.is_set():
                return
            raise
        if len(self._connections) >= MAX_CONNECTIONS:
            sock.close()
            return
        try:
            peer = peer_of(sock)
        except OSError:
            sock.close()
            return
        if not self.allow.allows(peer):
            self._refuse(peer.uid, peer.gid, peer.pid)
            sock.close()
            return
        sock.setblocking(False)
        conn = _Connection(sock)
        self._connections[sock.fileno()] = conn
        self._settle(conn)

    def _serve(self, conn: _Connection, mask: int) -> None:
        """One connection is ready. Whatever goes wrong with it ends it alone."""
        try:
            if mask & selectors.EVENT_WRITE:
                self._flush(conn)
                if not conn.outbox and not conn.closed:
                    self._process(conn)
            if mask & selectors.EVENT_READ and not conn.closed:
                self._read(conn)
        except Exception:
            log.exception("a connection failed; closing it")
            self._close(conn)

    def _read(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            conn.eof = True
        else:
            conn.inbox += data
        self._process(conn)

    def _process(self, conn: _Connection) -> None:
        """Answer the whole frames a connection has sent, in order; stop while a wait
        of its is under way or its answers are not being read."""
        inbox = conn.inbox
        while not conn.waiting and not conn.outbox and not conn.closing:
            if len(inbox) < _PREFIX.size:
                break
            (length,) = _PREFIX.unpack_from(inbox)
            if length > framing.MAX_FRAME_BYTES:
                inbox.clear()
                self._fail(conn, ProtocolError(
                    f"frame of {length} bytes exceeds {framing.MAX_FRAME_BYTES}"))
                return
            if len(inbox) < _PREFIX.size + length:
                break
            frame = bytes(inbox[_PREFIX.size:_PREFIX.size + length])
            del inbox[:_PREFIX.size + length]
            try:
                request_id, op, args = protocol.decode_request(frame)
            except protocol.MalformedRequest as exc:
                self._send(conn, protocol.encode_error(exc, exc.request_id))
                continue
            if op == "wait":
                self._start_wait(conn, request_id, op, args)
                break
            self._send(conn, self._answer(request_id, op, args, conn.streams))
        self._settle(conn)

    def _settle(self, conn: _Connection) -> None:
        """Close a connection that has nothing more to say, else watch it for what it
        can do next: read (unless it ended or its answers are not read) and write."""
        if conn.closed:
            return
        if (conn.eof and not conn.outbox and not conn.waiting and not conn.closing
                and not _whole_frame(conn.inbox)):
            if conn.inbox:
                # What is left cannot become a whole frame any more.
                conn.inbox.clear()
                self._fail(conn, ProtocolError("truncated frame"))
            else:
                self._close(conn)
            return
        if conn.closing and not conn.outbox:
            self._close(conn)
            return
        events = 0 if conn.eof or conn.outbox else selectors.EVENT_READ
        if conn.outbox:
            events |= selectors.EVENT_WRITE
        self._watch(conn, events)

    def _start_wait(self, conn: _Connection, request_id: int, op: str,
                    args: dict[str, Any]) -> None:
        conn.waiting = True

        def wait() -> None:
            try:
                answer = self._answer(request_id, op, args, conn.streams)
            finally:
                self._waiters.discard(threading.current_thread())
            self._answers.put((conn, answer))
            self._wake()

        thread = threading.Thread(target=wait, daemon=True)
        self._waiters.add(thread)
        thread.start()

    def _take_answers(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while True:
            try:
                conn, answer = self._answers.get_nowait()
            except queue.Empty:
                return
            conn.waiting = False
            if conn.closed:
                continue
            self._send(conn, answer)
            self._process(conn)

    def _send(self, conn: _Connection, frame: bytes) -> None:
        conn.outbox += _PREFIX.pack(len(frame))
        conn.outbox += frame
        self._flush(conn)

    def _flush(self, conn: _Connection) -> None:
        if conn.closed:
            return
        try:
            while conn.outbox:
                sent = conn.sock.send(conn.outbox)
                del conn.outbox[:sent]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._close(conn)
            return
        self._settle(conn)

    def _watch(self, conn: _Connection, events: int) -> None:
        selector = self._selector
        if selector is None or conn.closed or events == conn.events:
            return
        if conn.events == 0:
            selector.register(conn.sock, events, conn)
        elif events == 0:
            selector.unregister(conn.sock)
        else:
            selector.modify(conn.sock, events, conn)
        conn.events = events

    def _fail(self, conn: _Connection, error: SoftScmError) -> None:
        """Answer once, then hang up: the stream of frames is out of step."""
        conn.closing = True
        frame = protocol.encode_error(error)
        conn.outbox += _PREFIX.pack(len(frame)) + frame
        self._flush(conn)

    def _close(self, conn: _Connection) -> None:
        if conn.closed:
            return
        conn.closed = True
        if self._selector is not None and conn.events:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.events = 0
        self._connections.pop(conn.sock.fileno(), None)
        conn.sock.close()
        if conn.streams:
            with self.lock:
                for handle in conn.streams:
                    self.module.stream_abort(handle)
            conn.streams.clear()

    # -- answers --------------------------------------------------------------------------

    def handle(self, frame: bytes, streams: set[int]) -> bytes:
        """Answer one request frame of a connection owning ``streams``."""
        try:
            request_id, op, args = protocol.decode_request(frame)
        except protocol.MalformedRequest as exc:
            return protocol.encode_error(exc, exc.request_id)
        return self._answer(request_id, op, args, streams)

    def _answer(self, request_id: int, op: str, args: dict[str, Any],
                streams: set[int]) -> bytes:
        try:
            handle = args.get("handle")
            if op in _STREAM_OPS and (type(handle) is not int or handle not in streams):
                raise InvalidArgument(f"no open stream {handle!r}")
            result = call(self.module, op, args, self.lock)
            if op == "stream_open":
                streams.add(result)
            elif op in ("stream_finish", "stream_abort"):
                streams.discard(args["handle"])
            return protocol.encode_result(request_id, result)
        except SoftScmError as exc:
            if exc.status == exc.status.VERIFICATION_FAILED and "handle" in args:
                streams.discard(args["handle"])
            return protocol.encode_error(exc, request_id)

    def _refuse(self, uid: int, gid: int, pid: int) -> None:
        self._on_event(f"refused a connection from uid {uid} gid {gid} pid {pid}")
        with self.lock:
            self.module.record("connection_refused", uid=uid, gid=gid, pid=pid)


def _whole_frame(inbox: bytearray) -> bool:
    """Whether ``inbox`` starts with a frame that can be answered (or refused)."""
    if len(inbox) < _PREFIX.size:
        return False
    (length,) = _PREFIX.unpack_from(inbox)
    return length > framing.MAX_FRAME_BYTES or len(inbox) >= _PREFIX.size + length


def _answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True
