"""Reading length-prefixed frames straight from a socket (``framing.FrameReader``): whole
frames however the bytes arrive, in order, large ones too, and clear errors for a bad
length or a stream cut inside a frame."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest

from softscm.errors import ProtocolError
from softscm.service import framing


@pytest.fixture(params=[0.0, 50e-6], ids=["sleeping", "polling"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[socket.socket, framing.FrameReader]]:
    """A connected pair: the sending end and a reader of the other end."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    reader = framing.FrameReader(theirs, request.param)
    yield ours, reader
    reader.close()
    ours.close()
    theirs.close()


def _framed(body: bytes) -> bytes:
    return framing.PREFIX.pack(len(body)) + body


def test_frames_sent_at_once_come_out_whole_and_in_order(pair) -> None:
    ours, reader = pair
    bodies = [os.urandom(n) for n in (0, 1, 5, 300, 4000)]
    ours.sendall(b"".join(_framed(b) for b in bodies))
    ours.shutdown(socket.SHUT_WR)
    assert [bytes(reader.next()) for _ in bodies] == bodies
    assert reader.next() is None


def test_a_frame_sent_byte_by_byte_comes_out_whole(pair) -> None:
    ours, reader = pair
    body = os.urandom(100)
    data = _framed(body)

    def trickle() -> None:
        for i in range(len(data)):
            ours.sendall(data[i:i + 1])

    sender = threading.Thread(target=trickle)
    sender.start()
    assert bytes(reader.next()) == body
    sender.join()


def test_frames_larger_than_the_buffer_and_small_ones_after(pair) -> None:
    ours, reader = pair
    bodies = [os.urandom(3 * framing.READ_BYTES + 7), b"small", os.urandom(1 << 20), b"x"]
    sender = threading.Thread(target=ours.sendall,
                              args=(b"".join(_framed(b) for b in bodies),))
    sender.start()
    assert [bytes(reader.next()) for _ in bodies] == bodies
    sender.join()


def test_an_oversized_length_is_a_protocol_error(pair) -> None:
    ours, reader = pair
    ours.sendall(framing.PREFIX.pack(framing.MAX_FRAME_BYTES + 1))
    with pytest.raises(ProtocolError, match="exceeds"):
        reader.next()


@pytest.mark.parametrize("cut", [2, 4, 10])
def test_a_stream_cut_inside_a_frame_is_a_protocol_error(pair, cut: int) -> None:
    ours, reader = pair
    ours.sendall(_framed(os.urandom(20))[:cut])
    ours.shutdown(socket.SHUT_WR)
    with pytest.raises(ProtocolError, match="truncated"):
        reader.next()


def test_recv_frame_reads_from_a_frame_reader(pair) -> None:
    ours, reader = pair
    ours.sendall(_framed(b"hello"))
    assert bytes(framing.recv_frame(reader)) == b"hello"
