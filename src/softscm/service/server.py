"""The daemon: one module shared by every process on the host, over a Unix socket.
This is one server, in the daemon's process or in each of its workers
(:mod:`softscm.service.workers`, which then share the listening socket and count what
each user holds together, :mod:`softscm.service.tally`).

One thread serves every connection: it waits on all their sockets at once (epoll), reads
a request, answers it and writes the answer back, with nothing handed between threads
on the way, so the interpreter never has two threads of the daemon fighting over it. A
sign's curve work runs with the interpreter let go, and the answer of one connection is
written while the next request is already read: with several clients calling, each
wake-up of the thread serves all of them that are ready. Connections take turns: one
request of each ready connection per round. After an answer, while at most one
connection is busy, the thread polls that connection briefly for its next request
(``REQUEST_SPIN_S``) before it sleeps.

Calls into the module are serialised by one lock, so each call is atomic. A blocking wait
(perimeter event, tap), a precise time and a PBKDF2 run in a thread of their own that
holds the lock only while it looks, so they block only their caller; that connection's
further requests are not read until its answer is written, keeping answers in order. A
wait whose caller hangs up, and every wait when the daemon stops, is cancelled and its
thread ends. A client that does not read its answers stops being read (its answer waits
in its socket buffer and one frame of ours): no buffer grows without bound, and nobody
else waits for it. A connection that sends garbage gets an error frame, or is closed
when its stream of frames cannot be trusted any more (bad length, truncated frame); the
daemon keeps serving the others. Lock/unlock streams belong to the connection that
opened them and are dropped when it goes away.

The same thread keeps house: it closes idle connections and hung-up waiters, and writes
down refusals. What one peer may hold (connections, streams, waits) is bounded per user
and in all (``softscm.service.limits``); running out of descriptors or threads refuses
new connections (or waits) and keeps serving the others; refusals are written down at
most once per user per interval, with a count.
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from softscm.errors import InternalError, InvalidArgument, ProtocolError, SoftScmError
from softscm.service import framing, paths, protocol
from softscm.service.access import (
    DEFAULT_GROUP,
    AllowList,
    Peer,
    credentials,
    group_id,
    peer_of,
)
from softscm.service.dispatch import call, may_block, result_frame
from softscm.service.limits import Limits, RefusalLog
from softscm.service.tally import Held, Refused, Tally

log = logging.getLogger("softscm.daemon")

#: Seconds between the serving thread's looks at idle connections and hung-up waiters
#: (and longest sleep of the serving thread).
TICK_SECONDS = 0.2
#: Seconds accepting pauses when no descriptor is left even to refuse a connection.
ACCEPT_BACKOFF_SECONDS = 0.1
#: How long a stopping daemon waits for the threads of its waits to end, in seconds.
DRAIN_SECONDS = 2.0
#: Seconds the serving thread polls a connection for its next request after an answer
#: before it sleeps: a client calling in a loop is read without the latency of waking a
#: sleeping thread; an idle one costs this much CPU once (``FrameReader`` then stops
#: polling it for a while). Only while at most one connection is busy: with several
#: clients calling, the others are served meanwhile instead.
REQUEST_SPIN_S = 50e-6
#: Requests of one connection answered in a row while it is the only one busy, before
#: the serving thread looks at every socket again.
SPIN_TURNS = 64
_STREAM_OPS = frozenset({"stream_update", "stream_finish", "stream_abort"})
_PREFIX = framing.PREFIX
_NO_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: ``last_active`` of a connection whose call is under way (never idle).
_BUSY = float("inf")
_HUNG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL
_READ = select.EPOLLIN
_WRITE = select.EPOLLOUT


class _Connection:
    """One client: who it is, its frames read and its answer not yet written, its
    streams, its wait if one is under way, and when it last did something."""

    __slots__ = ("sock", "fd", "peer", "reader", "out", "streams", "waiting", "cancel",
                 "closed", "last_active", "events")

    def __init__(self, sock: socket.socket, peer: Peer, now: float) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.peer = peer
        self.reader = framing.FrameReader(sock, REQUEST_SPIN_S)
        #: What is left to write of the last answer (the client reads slowly).
        self.out = b""
        self.streams: set[int] = set()
        self.waiting = False
        self.cancel = threading.Event()
        self.closed = False
        self.last_active = now
        #: What the serving thread waits for on this socket (``select.EPOLL*``).
        self.events = _READ


class Server:
    """Serves ``module`` on the Unix socket ``path`` to the peers ``allow`` admits,
    within ``limits``."""

    def __init__(
        self, module: Any, path: Path, allow: AllowList | None = None,
        on_event: Callable[[str], None] | None = None, limits: Limits | None = None,
        *, tally: Tally | None = None, listener: socket.socket | None = None,
    ) -> None:
        """``tally``: where what each user holds is counted (shared by the workers of
        one daemon; default: this server's own). ``listener``: a socket listening on
        ``path`` already (a worker's), which this server neither binds nor removes."""
        self.module = module
        self.path = Path(os.path.abspath(path))
        self.allow = allow or AllowList.default()
        self.limits = limits or Limits()
        self._on_event = on_event or (lambda line: log.info("%s", line))
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = listener
        self._owns_listener = listener is None
        self._inode = 0
        self._tally = tally or Tally()
        #: Guards the connections, their waits and streams (held
        #: while calling the module only to open a stream: checked and counted together).
        self._conns_lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._by_fd: dict[int, _Connection] = {}
        self._epoll: select.epoll | None = None
        #: The threads of the waits under way, by connection: counted against the limits
        #: on waits until they end, even after their connection is closed (a PBKDF2 or a
        #: precise time cannot be cancelled); each removes itself when it ends.
        self._waits: dict[_Connection, threading.Thread] = {}
        #: Answers of waits, computed by their threads, for the serving thread to write.
        self._finished: collections.deque[tuple[_Connection, bytes]] = collections.deque()
        #: Connections that called within the last tick (counted by the housekeeping).
        self._busy_connections = 0
        self._last_served: _Connection | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._refusals = RefusalLog(self.limits.refusal_log_interval_s, self._write_refusal)
        self._reserve: int | None = None
        self._accept_paused_until = 0.0
        self._next_tick = 0.0

    # -- what tests and benchmarks look at ------------------------------------------------

    def connection_count(self) -> int:
        """Connections open now."""
        return len(self._connections)

    def wait_threads(self) -> int:
        """Waits under way (each in a thread of its own), their callers gone or not."""
        with self._conns_lock:
            return len(self._waits)

    def refusals_pending(self) -> int:
        """Refused connections counted and not yet written to the event log."""
        return self._refusals.pending()

    # -- lifecycle ------------------------------------------------------------------------

    def bind(self) -> None:
        """Check (or create) the socket directory and listen (:func:`listen`)."""
        self._listener, self._inode = listen(self.path, self.allow, self._on_event)

    def serve_forever(self) -> None:
        """Serve every connection from this thread until :meth:`stop`."""
        if self._listener is None:
            self.bind()
        listener = self._listener
        if listener is None:  # pragma: no cover - bind() sets it
            raise RuntimeError("not bound")
        self._reserve = _reserve_descriptor()
        epoll = self._epoll = select.epoll()
        wake_fd, listen_fd = self._wake_r.fileno(), listener.fileno()
        epoll.register(wake_fd, select.EPOLLIN)
        accepting = False
        ready: list[_Connection] = []
        try:
            while not self._stop.is_set():
                if not self._accept_paused_until and not accepting:
                    epoll.register(listen_fd, select.EPOLLIN)
                    accepting = True
                more: list[_Connection] = []
                for fd, events in epoll.poll(0 if ready else TICK_SECONDS):
                    if fd == wake_fd:
                        drain(self._wake_r)
                        self._write_finished(more)
                    elif fd == listen_fd:
                        if not self._stop.is_set():
                            self._accept(listener)
                            if self._accept_paused_until:
                                epoll.unregister(listen_fd)
                                accepting = False
                    else:
                        conn = self._by_fd.get(fd)
                        if conn is not None:
                            self._guarded(conn, self._ready, conn, events, more)
                for conn in ready:  # frames already read, one each per round
                    if not conn.closed and conn.events == _READ:
                        self._guarded(conn, self._read, conn, more)
                ready = more
                now = time.monotonic()
                if now >= self._next_tick:
                    self._next_tick = now + TICK_SECONDS
                    self._tick(now)
        finally:
            self._shutdown()

    def _guarded(self, conn: _Connection, work: Callable[..., None], *args: Any) -> None:
        """Do ``work`` for ``conn``; whatever goes wrong with it ends it alone."""
        try:
            work(*args)
        except Exception:
            log.exception("a connection failed; closing it")
            self._close(conn)

    def _ready(self, conn: _Connection, events: int, more: list[_Connection]) -> None:
        """``conn``'s socket is ready (``events``): write what is left of its answer,
        read its next request, or close it."""
        if events & select.EPOLLOUT:
            conn.last_active = time.monotonic()  # the client reads its answer: not idle
            self._write(conn, b"")
        if conn.closed:
            return
        if conn.events == _READ and (events & (select.EPOLLIN | select.EPOLLHUP
                                               | select.EPOLLERR) or conn.reader.buffered()):
            self._read(conn, more)  # (frames read before its answer was held up)
        elif events & (select.EPOLLHUP | select.EPOLLERR):
            self._close(conn)  # hung up while its answer is worked on: a wait is cancelled

    def _read(self, conn: _Connection, more: list[_Connection]) -> None:
        """Answer ``conn``'s requests that have come whole: one, or, while nobody else
        is busy, up to ``SPIN_TURNS`` in a row, polling briefly for each next one
        before going back to wait on every socket. ``conn`` goes in ``more`` if a
        request of it is left read and unanswered."""
        reader = conn.reader
        if conn is not self._last_served:
            # Another connection is calling too: no more runs of turns before the next
            # count (``_tick``) says whether it still is.
            self._last_served = conn
            self._busy_connections = max(self._busy_connections, 2)
        turns = SPIN_TURNS if self._busy_connections <= 1 else 1
        spin = False  # the socket is readable, or a frame is read already
        while True:
            try:
                frame = reader.next(spin=spin)
            except BlockingIOError:
                return  # not all of it yet
            except ProtocolError as exc:
                # A bad length, or what is left cannot become a whole frame any more.
                self._fail(conn, exc)
                return
            except OSError:
                self._close(conn)
                return
            if frame is None:
                self._close(conn)
                return
            conn.last_active = _BUSY
            answer = self._handle(conn, frame)
            if answer is None:
                return  # a wait: its thread answers
            conn.last_active = time.monotonic()
            self._write(conn, answer)
            turns -= 1
            if conn.closed or conn.events != _READ:
                return
            if not turns:
                if reader.buffered():
                    more.append(conn)
                return
            spin = True

    def _write(self, conn: _Connection, answer: bytes) -> None:
        """Write ``answer`` (after what is left of the last one) without blocking;
        what does not fit waits for the socket, and ``conn`` is not read meanwhile."""
        data = _PREFIX.pack(len(answer)) + answer if answer else b""
        if conn.out:
            data = conn.out + data
        try:
            sent = conn.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(conn)
            return
        if sent == len(data):  # the usual case: all of it at once
            conn.out = b""
            if conn.events != _READ:
                self._listen(conn, _READ)
            return
        conn.out = data[sent:]
        self._listen(conn, _WRITE)

    def _listen(self, conn: _Connection, events: int) -> None:
        if conn.events != events and self._epoll is not None and not conn.closed:
            self._epoll.modify(conn.fd, events)
            conn.events = events

    def _write_finished(self, more: list[_Connection]) -> None:
        """Write the answers of the waits that ended, and read their connections again
        (those holding requests read already go in ``more``)."""
        while self._finished:
            conn, answer = self._finished.popleft()
            with self._conns_lock:
                conn.waiting = False
            if conn.closed:
                continue
            conn.last_active = time.monotonic()
            self._guarded(conn, self._resume, conn, answer, more)

    def _resume(self, conn: _Connection, answer: bytes, more: list[_Connection]) -> None:
        self._listen(conn, _READ)
        self._write(conn, answer)
        if not conn.closed and conn.events == _READ and conn.reader.buffered():
            more.append(conn)  # no event comes for requests read already

    def _shutdown(self) -> None:
        """Cancel every wait, end every connection, wait briefly for the waits' threads."""
        self._close_listener()
        conns = list(self._connections)
        with self._conns_lock:
            threads = list(self._waits.values())
        for conn in conns:
            self._close(conn)
        deadline = time.monotonic() + DRAIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._refusals.flush(time.monotonic(), force=True)
        if self._epoll is not None:
            self._epoll.close()
            self._epoll = None
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
        self._wake_r.close()
        self._wake_w.close()  # a wait's thread still ending wakes nobody (see _wake)

    def stop(self) -> None:
        """Ask the daemon to end (safe from a signal handler or another thread)."""
        self._stop.set()
        self._wake()

    def _close_listener(self) -> None:
        if self._listener is not None and self._owns_listener:
            self._listener.close()
            paths.remove_socket(self.path, self._inode)
        self._listener = None

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already woken (the pipe is full), or stopped

    # -- housekeeping ---------------------------------------------------------------------

    def _tick(self, now: float) -> None:
        """End idle connections and hung-up waiters, count the busy ones, resume
        accepting after a pause, write down refusals whose interval is over."""
        idle = self.limits.idle_timeout_s
        waiting = []
        busy = 0
        for conn in list(self._connections):
            if conn.waiting:
                waiting.append(conn)
            elif now - conn.last_active > idle:
                self._close(conn)
            elif now - conn.last_active < TICK_SECONDS:
                busy += 1
        self._busy_connections = busy
        if waiting:
            for conn in _hung_up(waiting):
                self._close(conn)
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
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
            else:  # the pending connection's trouble, or the listener's: try again soon
                log.warning("accepting a connection failed: %s", exc)
                self._accept_paused_until = time.monotonic() + ACCEPT_BACKOFF_SECONDS
            return
        try:
            peer = peer_of(sock)
        except OSError:
            sock.close()
            self._refuse(-1, -1, 0, "its credentials could not be read")
            return
        with self._conns_lock:
            reason = self._refusal_reason(peer)
            if reason is None:
                conn = _Connection(sock, peer, time.monotonic())
                self._connections.add(conn)
        if reason is not None:
            sock.close()
            self._refuse(peer.uid, peer.gid, peer.pid, reason)
            return
        sock.setblocking(False)
        self._by_fd[conn.fd] = conn
        if self._epoll is not None:
            try:
                self._epoll.register(conn.fd, _READ)
            except OSError:
                self._close(conn)
                self._refuse(peer.uid, peer.gid, peer.pid, "its socket cannot be watched")

    def _refusal_reason(self, peer: Peer) -> str | None:
        if not self.allow.allows(peer):
            return "not on the allow-list"
        limits = self.limits
        refused = self._tally.take(Held.CONNECTION, peer.uid, limits.connections_per_uid,
                                   limits.connections)
        if refused is Refused.USER:
            return f"its user holds {limits.connections_per_uid} connections"
        if refused is Refused.ALL:
            return f"the daemon holds {limits.connections} connections"
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
        if not self._accept_paused_until:
            self._accept_paused_until = time.monotonic() + ACCEPT_BACKOFF_SECONDS

    def _handle(self, conn: _Connection, frame: Any) -> bytes | None:
        """The answer to one request frame; ``None`` when a thread of its own answers
        it (a wait, a precise time, a PBKDF2)."""
        try:
            request_id, op, args = protocol.decode_request(frame)
        except protocol.MalformedRequest as exc:
            return protocol.encode_error(exc, exc.request_id)
        if not may_block(op, args):
            return self._answer(conn, request_id, op, args)
        # Counted against the limits on waits, and cancelled when its caller hangs up.
        thread = threading.Thread(target=self._wait, args=(conn, request_id, op, args),
                                  daemon=True, name="softscm-wait")
        with self._conns_lock:
            refusal = self._wait_refusal(conn)
            if refusal is None:
                conn.waiting = True
                self._waits[conn] = thread
        if refusal is not None:
            return protocol.encode_error(refusal, request_id)
        try:
            thread.start()
        except RuntimeError:
            with self._conns_lock:
                conn.waiting = False
                del self._waits[conn]
            self._tally.give(Held.WAIT, conn.peer.uid)
            return protocol.encode_error(InvalidArgument(
                "the daemon cannot start a thread for this call now", rc=-errno.EAGAIN),
                request_id)
        self._listen(conn, 0)  # its next request waits for this answer
        return None

    def _wait(self, conn: _Connection, request_id: int, op: str,
              args: dict[str, Any]) -> None:
        """A wait's thread: answer it, and hand the answer to the serving thread."""
        try:
            answer = self._answer(conn, request_id, op, args)
        except Exception:
            log.exception("a wait failed")
            answer = protocol.encode_error(InternalError("the wait failed in the daemon"),
                                           request_id)
        with self._conns_lock:
            del self._waits[conn]
        self._tally.give(Held.WAIT, conn.peer.uid)
        self._finished.append((conn, answer))
        self._wake()

    def _wait_refusal(self, conn: _Connection) -> SoftScmError | None:
        limits = self.limits
        refused = self._tally.take(Held.WAIT, conn.peer.uid, limits.waits_per_uid,
                                   limits.waits)
        if refused is Refused.USER:
            return InvalidArgument(
                f"at most {limits.waits_per_uid} waits of one user may be under way",
                rc=-errno.EAGAIN)
        if refused is Refused.ALL:
            return InvalidArgument(
                f"at most {limits.waits} waits may be under way", rc=-errno.EAGAIN)
        return None

    def _fail(self, conn: _Connection, error: SoftScmError) -> None:
        """Answer once, then hang up: the stream of frames is out of step."""
        frame = protocol.encode_error(error)
        try:
            conn.sock.send(conn.out + _PREFIX.pack(len(frame)) + frame)
        except OSError:
            pass
        self._close(conn)

    def _close(self, conn: _Connection) -> None:
        """Close a connection: stop counting it, cancel its wait, drop its streams."""
        if conn.closed:
            return
        with self._conns_lock:
            conn.closed = True
            conn.cancel.set()
            self._connections.discard(conn)
            streams = list(conn.streams)
            conn.streams.clear()
        self._tally.give(Held.CONNECTION, conn.peer.uid)
        if streams:
            self._tally.give(Held.STREAM, conn.peer.uid, len(streams))
        self._by_fd.pop(conn.fd, None)
        if self._last_served is conn:
            self._last_served = None
        if self._epoll is not None:
            try:
                self._epoll.unregister(conn.fd)
            except (OSError, ValueError):
                pass
        conn.sock.close()
        conn.reader.close()
        conn.out = b""
        if streams:
            with self.lock:
                for handle in streams:
                    self.module.stream_abort(handle)

    # -- answers --------------------------------------------------------------------------

    def _answer(self, conn: _Connection, request_id: int, op: str,
                args: dict[str, Any]) -> bytes:
        """The answer to one request."""
        streams = conn.streams
        try:
            if op in _STREAM_OPS:
                handle = args.get("handle")
                if type(handle) is not int or handle not in streams:
                    raise InvalidArgument(f"no open stream {handle!r}")
            elif op == "stream_open":
                return result_frame(request_id, op, self._stream_open(conn, args))
            result = call(self.module, op, args, self.lock, conn.cancel.is_set)
            if op == "stream_finish" or op == "stream_abort":
                self._stream_closed(conn, args["handle"])
            return result_frame(request_id, op, result)
        except SoftScmError as exc:
            if exc.status == exc.status.VERIFICATION_FAILED and "handle" in args:
                self._stream_closed(conn, args["handle"])
            return protocol.encode_error(exc, request_id)

    def _stream_open(self, conn: _Connection, args: dict[str, Any]) -> Any:
        """Open a stream for ``conn`` within the limits (checked and counted together,
        so that two connections of one user cannot both pass the last free place)."""
        limits, uid = self.limits, conn.peer.uid
        with self._conns_lock:
            if len(conn.streams) >= limits.streams_per_connection:
                raise InvalidArgument(
                    f"at most {limits.streams_per_connection} streams per connection",
                    rc=-errno.EAGAIN)
            refused = self._tally.take(Held.STREAM, uid, limits.streams_per_uid,
                                       limits.streams)
            if refused is Refused.USER:
                raise InvalidArgument(
                    f"at most {limits.streams_per_uid} streams per user", rc=-errno.EAGAIN)
            if refused is not None:
                raise InvalidArgument(
                    f"at most {limits.streams} lock/unlock streams may be open",
                    rc=-errno.EAGAIN)
            try:
                handle = call(self.module, "stream_open", args, self.lock)
            except BaseException:
                self._tally.give(Held.STREAM, uid)
                raise
            conn.streams.add(handle)
        return handle

    def _stream_closed(self, conn: _Connection, handle: int) -> None:
        with self._conns_lock:
            if handle not in conn.streams:
                return
            conn.streams.discard(handle)
        self._tally.give(Held.STREAM, conn.peer.uid)

    # -- refusals -------------------------------------------------------------------------

    def _refuse(self, uid: int, gid: int, pid: int, reason: str) -> None:
        self._refusals.refused(uid, gid, pid, reason, time.monotonic())

    def _write_refusal(self, uid: int, gid: int, pid: int, count: int, reason: str) -> None:
        try:
            self._on_event(f"refused {count} connection(s) from uid {uid} (last: gid {gid} "
                           f"pid {pid}, {reason})")
        except Exception:
            log.exception("could not report refused connections")
        try:
            with self.lock:
                self.module.record("connection_refused", uid=uid, gid=gid, pid=pid,
                                   count=count, reason=reason)
        except Exception:
            log.exception("could not record refused connections")


def listen(path: Path, allow: AllowList, on_event: Callable[[str], None]
           ) -> tuple[socket.socket, int]:
    """A socket listening on ``path`` for the peers ``allow`` admits, the socket
    directory checked (or created) first (``softscm.service.paths`` has the rules), and
    the inode of the socket file (for :func:`softscm.service.paths.remove_socket`).
    Problems of reach that do not stop the daemon are told to ``on_event``."""
    directory = path.parent
    chain = paths.check_ancestors(directory)
    layout, others_uids, others_gids = _layout(allow, on_event)
    paths.prepare_directory(directory, layout)
    paths.clear_socket_path(path, _answers)
    listener, inode = paths.bind_socket(path, layout)
    try:
        shared = group_id(DEFAULT_GROUP)
        missing = paths.unreachable([*chain, directory], path, others_uids,
                                    others_gids - {shared})
        if missing:
            raise InvalidArgument(
                f"{', '.join(missing)} may use the daemon but cannot reach {path}: "
                f"the directories on the way need search permission for them (a "
                f"socket directory the daemon creates gets it)")
        if shared in others_gids and paths.unreachable(
                [*chain, directory], path, (), {shared}):
            on_event(f"members of group {DEFAULT_GROUP} cannot reach {path} "
                     "(directory permissions)")
    except BaseException:
        listener.close()
        paths.remove_socket(path, inode)
        raise
    listener.listen(128)
    listener.setblocking(False)
    return listener, inode


def _layout(allow: AllowList, on_event: Callable[[str], None]
            ) -> tuple[paths.Layout, frozenset[int], frozenset[int]]:
    """Modes and group for what the daemon creates, and the users and groups other
    than its own that it admits (they need the socket reachable)."""
    euid = os.geteuid()
    shared = group_id(DEFAULT_GROUP)
    usable = shared is not None and (
        euid == 0 or shared == os.getegid() or shared in os.getgroups())
    own_group = shared if usable else os.getegid()
    others_uids = allow.uids - {euid}
    others_gids = allow.gids - {own_group}
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
    if shared is not None and shared in allow.gids and not usable:
        on_event(f"the daemon's user is not in group {DEFAULT_GROUP}: its "
                 "members cannot reach the socket")
    return layout, frozenset(others_uids), frozenset(others_gids)


def drain(sock: socket.socket) -> None:
    """Read and drop what a non-blocking wake-up socket holds."""
    try:
        while sock.recv(4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass


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
