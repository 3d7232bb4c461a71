"""The daemon: one module shared by every process on the host, over a Unix socket.

One thread runs an event loop over every connection (no hand-offs between threads on
the hot path); calls into the module are serialised by one lock, so each call is atomic.
A blocking wait (perimeter event, tap) runs in a thread of its own, so it blocks only its
caller; that connection's further requests wait for its answer, keeping answers in
order. A wait whose caller hangs up, and every wait when the daemon stops, is cancelled
and its thread ends. A connection that sends garbage gets an error frame, or is closed
when its stream of frames cannot be trusted any more (bad length, truncated frame); the
daemon keeps serving the others. A connection whose answers are not read is not read
either, so no buffer grows without bound. Lock/unlock streams belong to the connection
that opened them and are dropped when it goes away.

What one peer may hold (connections, streams, waits) is bounded per user and in all
(``softscm.service.limits``); idle connections are closed; running out of descriptors
refuses new connections and keeps serving the others; refusals are written down at most
once per user per interval, with a count.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import select
import selectors
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from softscm.errors import InvalidArgument, ProtocolError, SoftScmError
from softscm.service import framing, paths, protocol
from softscm.service.access import (
    DEFAULT_GROUP,
    AllowList,
    Peer,
    credentials,
    group_id,
    peer_of,
)
from softscm.service.dispatch import call, may_block
from softscm.service.limits import Limits, RefusalLog

log = logging.getLogger("softscm.daemon")

#: Seconds between the event loop's looks at idle connections, hung-up waiters and
#: whether it should stop.
TICK_SECONDS = 0.2
#: Seconds accepting pauses when no descriptor is left even to refuse a connection.
ACCEPT_BACKOFF_SECONDS = 0.1
#: How long a stopping daemon waits for its wait threads to end, in seconds.
DRAIN_SECONDS = 2.0
#: Bytes read from a connection at a time.
READ_BYTES = 1 << 16
#: Most bytes of unanswered requests held for one connection (one largest frame).
INBOX_BYTES = framing.MAX_FRAME_BYTES + framing.PREFIX.size
_STREAM_OPS = frozenset({"stream_update", "stream_finish", "stream_abort"})
_PREFIX = framing.PREFIX
_NO_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_HUNG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL


class _Connection:
    """One client: who it is, what it sent that is not handled yet, what is not sent
    back yet, its streams, and its wait if one is under way."""

    __slots__ = ("sock", "peer", "inbox", "outbox", "streams", "waiting", "cancel",
                 "closing", "closed", "eof", "events", "last_active")

    def __init__(self, sock: socket.socket, peer: Peer, now: float) -> None:
        self.sock = sock
        self.peer = peer
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.streams: set[int] = set()
        self.waiting = False
        self.cancel = threading.Event()
        self.closing = False
        self.closed = False
        self.eof = False
        self.events = 0
        self.last_active = now


class Server:
    """Serves ``module`` on the Unix socket ``path`` to the peers ``allow`` admits,
    within ``limits``."""

    def __init__(
        self, module: Any, path: Path, allow: AllowList | None = None,
        on_event: Callable[[str], None] | None = None, limits: Limits | None = None,
    ) -> None:
        self.module = module
        self.path = Path(os.path.abspath(path))
        self.allow = allow or AllowList.default()
        self.limits = limits or Limits()
        self._on_event = on_event or (lambda line: log.info("%s", line))
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._inode = 0
        self._selector: selectors.BaseSelector | None = None
        self._connections: dict[int, _Connection] = {}
        self._per_uid: Counter[int] = Counter()
        self._answers: queue.SimpleQueue[tuple[_Connection, bytes | None]] = (
            queue.SimpleQueue())
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._waiters: set[threading.Thread] = set()
        self._waiters_lock = threading.Lock()
        self._refusals = RefusalLog(self.limits.refusal_log_interval_s, self._write_refusal)
        self._reserve: int | None = None
        self._accept_paused_until = 0.0
        self._next_tick = 0.0

    # -- what tests and benchmarks look at ------------------------------------------------

    def connection_count(self) -> int:
        """Connections open now."""
        return len(self._connections)

    def wait_threads(self) -> int:
        """Wait threads still running."""
        with self._waiters_lock:
            return len(self._waiters)

    def refusals_pending(self) -> int:
        """Refused connections counted and not yet written to the event log."""
        return self._refusals.pending()

    # -- lifecycle ------------------------------------------------------------------------

    def bind(self) -> None:
        """Check (or create) the socket directory and listen (``softscm.service.paths``
        has the rules)."""
        directory = self.path.parent
        chain = paths.check_ancestors(directory)
        layout, others_uids, others_gids = self._layout()
        paths.prepare_directory(directory, layout)
        paths.clear_socket_path(self.path, _answers)
        listener, inode = paths.bind_socket(self.path, layout)
        try:
            shared = group_id(DEFAULT_GROUP)
            missing = paths.unreachable([*chain, directory], self.path, others_uids,
                                        others_gids - {shared})
            if missing:
                raise InvalidArgument(
                    f"{', '.join(missing)} may use the daemon but cannot reach {self.path}: "
                    f"the directories on the way need search permission for them (a "
                    f"socket directory the daemon creates gets it)")
            if shared in others_gids and paths.unreachable(
                    [*chain, directory], self.path, (), {shared}):
                self._on_event(f"members of group {DEFAULT_GROUP} cannot reach {self.path} "
                               "(directory permissions)")
        except BaseException:
            listener.close()
            paths.remove_socket(self.path, inode)
            raise
        listener.listen(128)
        listener.setblocking(False)
        self._listener, self._inode = listener, inode

    def _layout(self) -> tuple[paths.Layout, frozenset[int], frozenset[int]]:
        """Modes and group for what the daemon creates, and the users and groups other
        than its own that it admits (they need the socket reachable)."""
        euid = os.geteuid()
        shared = group_id(DEFAULT_GROUP)
        usable = shared is not None and (
            euid == 0 or shared == os.getegid() or shared in os.getgroups())
        own_group = shared if usable else os.getegid()
        others_uids = self.allow.uids - {euid}
        others_gids = self.allow.gids - {own_group}
        if not usable:
            # The default group is not the daemon's to give: its members are not served
            # through the file permissions (the daemon says so when it starts).
            others_gids -= {shared}
        if others_uids or others_gids:
            layout = paths.Layout(paths.SHARED_DIR_MODE, paths.SHARED_SOCKET_MODE,
                                  shared if usable else None)
        else:
            layout = paths.Layout(paths.PRIVATE_DIR_MODE, paths.PRIVATE_SOCKET_MODE,
                                  shared if usable else None)
        if shared is not None and shared in self.allow.gids and not usable:
            self._on_event(f"the daemon's user is not in group {DEFAULT_GROUP}: its "
                           "members cannot reach the socket")
        return layout, frozenset(others_uids), frozenset(others_gids)

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
        self._reserve = _reserve_descriptor()
        try:
            while not self._stop.is_set():
                for key, mask in selector.select(TICK_SECONDS):
                    if key.data == "accept":
                        self._accept(listener)
                    elif key.data == "wake":
                        self._take_answers()
                    else:
                        self._serve(key.data, mask)
                now = time.monotonic()
                if now >= self._next_tick:
                    self._next_tick = now + TICK_SECONDS
                    self._tick(now)
        finally:
            self._shutdown(selector)

    def _shutdown(self, selector: selectors.BaseSelector) -> None:
        """Cancel every wait, close every connection, wait briefly for the threads."""
        self._close_listener()
        for conn in list(self._connections.values()):
            conn.cancel.set()
            self._close(conn)
        deadline = time.monotonic() + DRAIN_SECONDS
        with self._waiters_lock:
            threads = list(self._waiters)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._refusals.flush(time.monotonic(), force=True)
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
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
            paths.remove_socket(self.path, self._inode)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already woken (the pipe is full) or closing

    # -- housekeeping ---------------------------------------------------------------------

    def _tick(self, now: float) -> None:
        """Close idle connections and hung-up waiters, resume accepting after a pause,
        write down refusals whose interval is over."""
        idle = self.limits.idle_timeout_s
        waiting = []
        for conn in list(self._connections.values()):
            if conn.waiting:
                waiting.append(conn)
            elif now - conn.last_active > idle:
                self._close(conn)
        if waiting:
            for conn in _hung_up(waiting):
                conn.cancel.set()
                self._close(conn)
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            if self._selector is not None and self._listener is not None:
                self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._refusals.flush(now)

    # -- connections ----------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        try:
            sock, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if self._stop.is_set():
                return
            if exc.errno in _NO_DESCRIPTORS:
                self._out_of_descriptors(listener)
                return
            raise
        try:
            peer = peer_of(sock)
        except OSError:
            sock.close()
            self._refuse(-1, -1, 0, "its credentials could not be read")
            return
        reason = self._refusal_reason(peer)
        if reason is not None:
            sock.close()
            self._refuse(peer.uid, peer.gid, peer.pid, reason)
            return
        sock.setblocking(False)
        conn = _Connection(sock, peer, time.monotonic())
        self._connections[sock.fileno()] = conn
        self._per_uid[peer.uid] += 1
        self._settle(conn)

    def _refusal_reason(self, peer: Peer) -> str | None:
        if not self.allow.allows(peer):
            return "not on the allow-list"
        if self._per_uid[peer.uid] >= self.limits.connections_per_uid:
            return f"its user holds {self.limits.connections_per_uid} connections"
        if len(self._connections) >= self.limits.connections:
            return f"the daemon holds {self.limits.connections} connections"
        return None

    def _out_of_descriptors(self, listener: socket.socket) -> None:
        """No descriptor for a new connection: refuse it with the one held in reserve;
        with none left, stop accepting for a moment (the loop does not spin)."""
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
            try:
                sock, _ = listener.accept()
            except OSError:
                pass
            else:
                try:
                    pid, uid, gid = credentials(sock)
                except OSError:
                    pid, uid, gid = 0, -1, -1
                sock.close()
                self._refuse(uid, gid, pid, "the daemon is out of descriptors")
            self._reserve = _reserve_descriptor()
            if self._reserve is not None:
                return
        else:
            self._refuse(-1, -1, 0, "the daemon is out of descriptors")
        if self._selector is not None and not self._accept_paused_until:
            self._selector.unregister(listener)
            self._accept_paused_until = time.monotonic() + ACCEPT_BACKOFF_SECONDS

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
            if conn.waiting and _hung_up([conn]):
                conn.cancel.set()
                self._close(conn)
                return
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
            conn.last_active = time.monotonic()
            try:
                request_id, op, args = protocol.decode_request(frame)
            except protocol.MalformedRequest as exc:
                self._send(conn, protocol.encode_error(exc, exc.request_id))
                continue
            if may_block(op, args):
                # A wait, a precise time or a PBKDF2: in a thread of its own, counted
                # against the limits on waits.
                refusal = self._wait_refusal(conn)
                if refusal is None:
                    self._start_wait(conn, request_id, op, args)
                    break
                self._send(conn, protocol.encode_error(refusal, request_id))
                continue
            self._send(conn, self._answer(conn, request_id, op, args))
        self._settle(conn)

    def _settle(self, conn: _Connection) -> None:
        """Close a connection that has nothing more to say, else watch it for what it
        can do next: read (unless it ended, its answers are not read or it sent as much
        as is held) and write."""
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
        full = conn.eof or conn.outbox or len(conn.inbox) >= INBOX_BYTES
        events = 0 if full else selectors.EVENT_READ
        if conn.outbox:
            events |= selectors.EVENT_WRITE
        self._watch(conn, events)

    def _wait_refusal(self, conn: _Connection) -> SoftScmError | None:
        uid = conn.peer.uid
        waits = [c for c in self._connections.values() if c.waiting]
        if sum(1 for c in waits if c.peer.uid == uid) >= self.limits.waits_per_uid:
            return InvalidArgument(
                f"at most {self.limits.waits_per_uid} waits of one user may be under way",
                rc=-errno.EAGAIN)
        if len(waits) >= self.limits.waits:
            return InvalidArgument(
                f"at most {self.limits.waits} waits may be under way", rc=-errno.EAGAIN)
        return None

    def _start_wait(self, conn: _Connection, request_id: int, op: str,
                    args: dict[str, Any]) -> None:
        conn.waiting = True

        def wait() -> None:
            answer: bytes | None = None
            try:
                answer = self._answer(conn, request_id, op, args)
            finally:
                with self._waiters_lock:
                    self._waiters.discard(threading.current_thread())
                self._answers.put((conn, answer))
                self._wake()

        thread = threading.Thread(target=wait, daemon=True, name="softscm-wait")
        with self._waiters_lock:
            self._waiters.add(thread)
        try:
            thread.start()
        except RuntimeError:
            with self._waiters_lock:
                self._waiters.discard(thread)
            conn.waiting = False
            self._send(conn, protocol.encode_error(InvalidArgument(
                "the daemon cannot start another wait now", rc=-errno.EAGAIN), request_id))

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
            if answer is None:  # the wait thread failed unexpectedly
                self._close(conn)
                continue
            conn.last_active = time.monotonic()
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
                conn.last_active = time.monotonic()
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
        conn.cancel.set()
        if self._selector is not None and conn.events:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.events = 0
        if self._connections.pop(conn.sock.fileno(), None) is not None:
            self._per_uid[conn.peer.uid] -= 1
            if self._per_uid[conn.peer.uid] <= 0:
                del self._per_uid[conn.peer.uid]
        conn.sock.close()
        if conn.streams:
            with self.lock:
                for handle in conn.streams:
                    self.module.stream_abort(handle)
            conn.streams.clear()

    # -- answers --------------------------------------------------------------------------

    def _answer(self, conn: _Connection, request_id: int, op: str,
                args: dict[str, Any]) -> bytes:
        streams = conn.streams
        try:
            handle = args.get("handle")
            if op in _STREAM_OPS and (type(handle) is not int or handle not in streams):
                raise InvalidArgument(f"no open stream {handle!r}")
            if op == "stream_open":
                self._check_streams(conn)
            result = call(self.module, op, args, self.lock, conn.cancel.is_set)
            if op == "stream_open":
                streams.add(result)
            elif op in ("stream_finish", "stream_abort"):
                streams.discard(args["handle"])
            return protocol.encode_result(request_id, result)
        except SoftScmError as exc:
            if exc.status == exc.status.VERIFICATION_FAILED and "handle" in args:
                streams.discard(args["handle"])
            return protocol.encode_error(exc, request_id)

    def _check_streams(self, conn: _Connection) -> None:
        limits = self.limits
        if len(conn.streams) >= limits.streams_per_connection:
            raise InvalidArgument(
                f"at most {limits.streams_per_connection} streams per connection",
                rc=-errno.EAGAIN)
        uid = conn.peer.uid
        held = sum(len(c.streams) for c in self._connections.values() if c.peer.uid == uid)
        if held >= limits.streams_per_uid:
            raise InvalidArgument(
                f"at most {limits.streams_per_uid} streams per user", rc=-errno.EAGAIN)

    # -- refusals -------------------------------------------------------------------------

    def _refuse(self, uid: int, gid: int, pid: int, reason: str) -> None:
        self._refusals.refused(uid, gid, pid, reason, time.monotonic())

    def _write_refusal(self, uid: int, gid: int, pid: int, count: int, reason: str) -> None:
        self._on_event(f"refused {count} connection(s) from uid {uid} (last: gid {gid} "
                       f"pid {pid}, {reason})")
        try:
            with self.lock:
                self.module.record("connection_refused", uid=uid, gid=gid, pid=pid,
                                   count=count, reason=reason)
        except Exception:
            log.exception("could not record refused connections")


def _whole_frame(inbox: bytearray) -> bool:
    """Whether ``inbox`` starts with a frame that can be answered (or refused)."""
    if len(inbox) < _PREFIX.size:
        return False
    length: int = _PREFIX.unpack_from(inbox)[0]
    return length > framing.MAX_FRAME_BYTES or len(inbox) >= _PREFIX.size + length


def _hung_up(conns: list[_Connection]) -> list[_Connection]:
    """The connections whose client has closed its end (not merely stopped sending)."""
    poller = select.poll()
    by_fd = {}
    for conn in conns:
        fd = conn.sock.fileno()
        by_fd[fd] = conn
        poller.register(fd, select.POLLHUP)
    return [by_fd[fd] for fd, event in poller.poll(0) if event & _HUNG_UP]


def _reserve_descriptor() -> int | None:
    """A descriptor held back to refuse connections with when none is left."""
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True
