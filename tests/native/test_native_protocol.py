"""The library's side of the wire protocol against a scripted peer: the request frame
(version 2, a fresh id per call, args named as the client's), answers paired by id, and
broken exchanges (an answer to another request, a malformed or oversized frame, a peer
that hangs up), after which the connection is dropped and the next call reconnects."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from ctypes import byref, c_float, c_void_p
from pathlib import Path
from typing import Any, Callable

import msgpack
import pytest

from softscm.service import protocol

#: An answer: bytes to send, ``None`` to hang up, or ``(bytes, "hang up")``.
Answer = Callable[[list[Any]], Any]


class ScriptedPeer:
    """A Unix-socket server that records each request and answers it with the next
    function of ``script`` (``None``: hang up)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.requests: list[list[Any]] = []
        self.connections = 0
        self.script: list[Answer] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(8)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as reader:
                try:
                    self._answer(conn, reader)
                except OSError:  # the library dropped the connection
                    pass

    def _answer(self, conn: socket.socket, reader: Any) -> None:
        while True:
            prefix = reader.read(4)
            if len(prefix) < 4:
                return
            (length,) = struct.unpack(">I", prefix)
            request = msgpack.unpackb(reader.read(length), raw=False)
            self.requests.append(request)
            answer = self.script.pop(0)(request) if self.script else ok(None)(request)
            if answer is None:
                return
            if isinstance(answer, tuple):  # (bytes, "hang up")
                conn.sendall(answer[0])
                return
            conn.sendall(answer)

    def close(self) -> None:
        self._listener.close()


def body(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def frame(message: Any) -> bytes:
    return body(msgpack.packb(message, use_bin_type=True))


def ok(result: Any) -> Answer:
    return lambda request: frame([request[1], 0, result])


@pytest.fixture
def peer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedPeer]:
    server = ScriptedPeer(tmp_path / "peer.sock")
    monkeypatch.setenv("SOFTSCM_SOCKET", str(server.path))
    yield server
    server.close()


@pytest.fixture
def opened(lib, peer: ScriptedPeer) -> Iterator[c_void_p]:
    handle = c_void_p()
    assert lib.zkOpen(byref(handle)) == 0
    yield handle
    lib.zkClose(handle)


def test_requests_are_version_2_frames_with_fresh_ids(lib, peer, opened):
    assert lib.zkSetCPULowTempThreshold(opened, c_float(-5.5)) == 0
    assert lib.zkLEDFlash(opened, 100, 0, 3) == 0
    session, threshold, flash = peer.requests
    assert session[0] == protocol.FRAME_VERSION and session[2] == "session_open"
    assert set(session[3]) == {"context"} and len(session[3]["context"]) == 16
    assert threshold[2:] == ["set_cpu_low_temp_threshold", {"threshold": -5.5}]
    assert flash[2:] == ["led_flash", {"on_ms": 100, "off_ms": 0, "num_flashes": 3}]
    ids = [r[1] for r in peer.requests]
    assert ids == sorted(set(ids)) and all(0 < i <= protocol.MAX_REQUEST_ID for i in ids)


def test_error_answers_give_their_rc(lib, peer, opened):
    peer.script = [lambda r: frame([r[1], 7, "slot 40 is empty", -2]),
                   lambda r: frame([r[1], 1, "bad", 5]),  # rc >= 0 is -EINVAL
                   lambda r: frame([0, 21, "could not read the request", -71])]
    assert lib.zkLEDOn(opened) == -2
    assert lib.zkLEDOn(opened) == -22
    assert lib.zkLEDOn(opened) == -71
    assert lib.zkLEDOn(opened) == 0
    assert peer.connections == 2  # a protocol error from the peer dropped the connection


@pytest.mark.parametrize("answer", [
    lambda r: frame([r[1] + 1, 0, None]),           # the answer to another request
    lambda r: frame([0, 0, None]),                   # a success with no id
    lambda r: frame([r[1], 0]),                      # too short
    lambda r: frame({"id": r[1]}),                   # not a list
    lambda r: struct.pack(">I", 3) + b"\x93\x01\x00",  # truncated msgpack
    lambda r: body(msgpack.packb([r[1], 0, None]) + b"\xc0"),  # trailing bytes
], ids=["other-id", "no-id", "short", "map", "truncated", "trailing"])
def test_an_answer_out_of_step_is_eproto_and_drops_the_connection(lib, peer, opened, answer):
    peer.script = [answer]
    before = peer.connections
    assert lib.zkLEDOn(opened) == -71
    assert lib.zkLEDOn(opened) == 0
    assert peer.connections == before + 1


def test_an_oversized_frame_is_eproto(lib, peer, opened):
    peer.script = [lambda r: struct.pack(">I", (4 << 20) + 1)]
    assert lib.zkLEDOn(opened) == -71
    assert lib.zkLEDOn(opened) == 0


def test_a_peer_that_hangs_up_mid_call_is_econnrefused(lib, peer, opened):
    peer.script = [lambda r: None, lambda r: (struct.pack(">I", 10) + b"\x93", "hang up")]
    assert lib.zkLEDOn(opened) == -111
    # A short frame followed by a hang-up: also a lost connection.
    assert lib.zkLEDOn(opened) == -111
    assert lib.zkLEDOn(opened) == 0
    assert peer.connections == 3  # each call after a loss connects again


def test_a_result_of_the_wrong_shape_is_eproto(lib, peer, opened):
    peer.script = [ok("not a float")]
    value = c_float()
    assert lib.zkGetCPUTemp(opened, byref(value)) == -71
    assert lib.zkLEDOn(opened) == 0


def test_wait_forever_and_timeouts(lib, peer, opened):
    peer.script = [ok("event"), ok("timeout")]
    assert lib.zkWaitForPerimeterEvent(opened, 0xFFFFFFFF) == 0
    assert lib.zkWaitForTap(opened, 250) == -110
    waits = [r for r in peer.requests if r[2] == "wait"]
    assert [(w[3]["kind"], w[3]["timeout_ms"]) for w in waits] == [("perimeter", -1),
                                                                   ("tap", 250)]
    assert waits[0][3]["context"] == peer.requests[0][3]["context"]
