"""Length-prefixed frames on a stream socket: a 4-byte big-endian length, then the
msgpack frame (``softscm.service.protocol``)."""

from __future__ import annotations

import socket
import struct
from os import sched_yield
from time import perf_counter
from typing import BinaryIO

from softscm.errors import ProtocolError

#: The length prefix.
PREFIX = struct.Struct(">I")
#: Largest frame either side accepts, in bytes: a lock/unlock chunk of 1 MiB plus room.
MAX_FRAME_BYTES = 4 << 20


def send_frame(sock: socket.socket, frame: bytes) -> None:
    """Send one frame (one ``sendall``: prefix and body together)."""
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    sock.sendall(PREFIX.pack(len(frame)) + frame)


#: Bytes of the buffer a :class:`FrameReader` starts with (it grows for a larger frame,
#: up to one largest frame, and shrinks back once that frame is read).
READ_BYTES = 1 << 14
#: How many times what has come of a frame its reader's buffer grows to at most: a
#: length alone does not make a peer's buffer that large (many peers sending lengths
#: cannot run the reader out of memory), and a large frame is copied a few times only.
GROWTH = 4


class FrameReader:
    """Reads frames from a socket straight into one reused buffer: one ``recv_into``
    usually brings a whole frame (or several), and no layer of buffered reader stands
    between. Holds at most one largest frame plus what came with it, and never more
    than ``GROWTH`` times what came (or ``READ_BYTES``). On a non-blocking socket,
    :meth:`next` raises ``BlockingIOError`` until a whole frame has come."""

    __slots__ = ("_recv_into", "_buf", "_view", "_start", "_end", "_spin_s", "_skip")

    def __init__(self, sock: socket.socket, spin_s: float = 0.0) -> None:
        self._recv_into = sock.recv_into
        self._buf = bytearray(READ_BYTES)
        self._view = memoryview(self._buf)
        self._start = self._end = 0
        self._spin_s = spin_s
        self._skip = 0

    def next(self, max_bytes: int = MAX_FRAME_BYTES, spin: bool = True
             ) -> memoryview | None:
        """The next frame, valid until the next call; ``None`` at a clean end of stream
        (between frames). A truncated frame or an oversized length is a
        ``ProtocolError``; a socket error is raised as itself. ``spin=False``: sleep
        at once if nothing has come, without polling first."""
        while True:
            start, end = self._start, self._end
            if end - start >= _PREFIX_SIZE:
                (length,) = _UNPACK(self._buf, start)
                if length > max_bytes:
                    raise ProtocolError(f"frame of {length} bytes exceeds {max_bytes}")
                stop = start + _PREFIX_SIZE + length
                if stop <= end:
                    self._start = stop
                    return self._view[start + _PREFIX_SIZE:stop]
            self._make_room()
            view = self._view[self._end:]
            got = self._spin(view) if spin and self._spin_s else -1
            if got < 0:
                got = self._recv_into(view)
            if not got:
                if self._start == self._end:
                    return None
                raise ProtocolError("truncated frame")
            self._end += got

    def buffered(self) -> bool:
        """Whether bytes beyond the frames returned are held (the start of the next)."""
        return self._end > self._start

    def _spin(self, view: memoryview) -> int:
        """Bytes read into ``view`` by polling for up to ``spin_s`` seconds without
        sleeping, or -1. A peer that answers within that time is read without the
        latency of waking a sleeping thread (large on an idle virtual CPU); one that
        does not stops being polled for the next ``SPIN_BACKOFF`` reads. Each poll gives
        way to any thread ready on this CPU (the peer, when both share one)."""
        if self._skip:
            self._skip -= 1
            return -1
        recv_into = self._recv_into
        deadline = perf_counter() + self._spin_s
        while True:
            try:
                return recv_into(view, 0, _DONTWAIT)
            except BlockingIOError:
                if perf_counter() >= deadline:
                    self._skip = SPIN_BACKOFF
                    return -1
                sched_yield()  # the peer may be waiting for this very CPU

    def _make_room(self) -> None:
        """Room to read the rest of the frame under way: the buffer emptied, or that
        frame moved to the front of one large enough for it."""
        start, end, size = self._start, self._end, len(self._buf)
        if start == end:
            self._start = self._end = 0
            if size > READ_BYTES:  # a large frame was read: shrink back
                self._replace(bytearray(READ_BYTES))
            return
        need = READ_BYTES
        if end - start >= _PREFIX_SIZE:
            frame = _PREFIX_SIZE + _UNPACK(self._buf, start)[0]
            need = max(need, min(frame, GROWTH * (end - start)))
        if size - end >= READ_BYTES // 4 and start + need <= size:
            return
        fresh = bytearray(max(need, end - start))
        fresh[:end - start] = self._view[start:end]
        self._replace(fresh)
        self._start, self._end = 0, end - start

    def _replace(self, buf: bytearray) -> None:
        self._view.release()
        self._buf, self._view = buf, memoryview(buf)

    def close(self) -> None:
        """Let go of the buffer."""
        self._view.release()


_PREFIX_SIZE = PREFIX.size
_DONTWAIT = socket.MSG_DONTWAIT
#: Reads a :class:`FrameReader` does without polling after a poll found nothing in time.
SPIN_BACKOFF = 16
_UNPACK = PREFIX.unpack_from


def recv_frame(stream: BinaryIO | FrameReader, max_bytes: int = MAX_FRAME_BYTES
               ) -> bytes | memoryview | None:
    """Read one frame from a :class:`FrameReader` (a view valid until its next frame) or
    from a buffered reader of the socket; ``None`` at a clean end of stream (between
    frames). A truncated frame or an oversized length is a ``ProtocolError``."""
    if isinstance(stream, FrameReader):
        return stream.next(max_bytes)
    prefix = stream.read(PREFIX.size)
    if not prefix:
        return None
    if len(prefix) < PREFIX.size:
        raise ProtocolError("truncated frame length")
    (length,) = PREFIX.unpack(prefix)
    if length > max_bytes:
        raise ProtocolError(f"frame of {length} bytes exceeds {max_bytes}")
    body = stream.read(length)
    if len(body) < length:
        raise ProtocolError("truncated frame")
    return body
