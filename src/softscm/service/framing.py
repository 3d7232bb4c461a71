"""Length-prefixed frames on a stream socket: a 4-byte big-endian length, then the
msgpack frame (``softscm.service.protocol``)."""

from __future__ import annotations

import socket
import struct
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


def recv_frame(stream: BinaryIO, max_bytes: int = MAX_FRAME_BYTES) -> bytes | None:
    """Read one frame from a buffered reader of the socket; ``None`` at a clean end of
    stream (between frames). A truncated frame or an oversized length is a
    ``ProtocolError``."""
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
