"""Wire frames: versions, errors, and large byte strings carried beside in-process
frames by reference (never across the socket)."""

from __future__ import annotations

import msgpack
import pytest

import softscm
from softscm.service import protocol
from softscm.service.dispatch import dispatch


def test_request_round_trip() -> None:
    frame = protocol.encode_request(7, "op", {"a": 1, "b": b"x"})
    assert protocol.decode_request(frame) == (7, "op", {"a": 1, "b": b"x"})


@pytest.mark.parametrize("frame", [
    b"", b"\xc1", msgpack.packb([2, "op", {}]), msgpack.packb([2, 1, 5, {}]),
    msgpack.packb([2, 1, "op", []]), msgpack.packb([1, "op", {}]),  # version 1: no id
    msgpack.packb([2, 0, "op", {}]), msgpack.packb([2, 1 << 32, "op", {}]),
    msgpack.packb([2, -1, "op", {}]), msgpack.packb([2, True, "op", {}]),
])
def test_malformed_requests(frame: bytes) -> None:
    with pytest.raises(softscm.ProtocolError):
        protocol.decode_request(frame)


def test_a_malformed_request_keeps_its_id_when_it_can_be_read() -> None:
    with pytest.raises(protocol.MalformedRequest) as excinfo:
        protocol.decode_request(msgpack.packb([2, 41, "op", []]))
    assert excinfo.value.request_id == 41
    with pytest.raises(protocol.MalformedRequest) as excinfo:
        protocol.decode_request(b"\xc1")
    assert excinfo.value.request_id == protocol.UNKNOWN_REQUEST_ID


def test_errors_come_back_as_the_same_class() -> None:
    frame = protocol.encode_error(softscm.SlotEmpty("slot 20 holds no key"), 3)
    with pytest.raises(softscm.SlotEmpty, match="slot 20") as excinfo:
        protocol.decode_response(frame, 3)
    assert excinfo.value.rc == -2


def test_an_answer_to_another_request_is_refused() -> None:
    with pytest.raises(protocol.AnswerMismatch, match="request 4"):
        protocol.decode_response(protocol.encode_result(4, True), 5)
    with pytest.raises(protocol.AnswerMismatch):
        protocol.decode_response(protocol.encode_error(softscm.SlotEmpty("x"), 4), 5)
    with pytest.raises(protocol.AnswerMismatch):
        protocol.decode_response(msgpack.packb([0, True]), 5)  # a version-1 answer
    # An error the peer could not pair with a request is raised as itself.
    with pytest.raises(softscm.InvalidArgument):
        protocol.decode_response(protocol.encode_error(softscm.InvalidArgument("x")), 5)


def test_request_ids_wrap_around_and_skip_zero() -> None:
    assert protocol.next_request_id(0) == 1
    assert protocol.next_request_id(protocol.MAX_REQUEST_ID) == 1


def test_large_bytes_travel_beside_the_frame() -> None:
    big = bytes(protocol.SIDE_THRESHOLD_BYTES)
    side: list = []
    frame = protocol.encode_request(1, "lock", {"data": big, "key": "zymkey"}, side)
    assert len(frame) < 100 and side == [big]
    _, op, args = protocol.decode_request(frame, side)
    assert args["data"] is big
    # Without the side list (as on the socket) the reference is not bytes at all.
    _, _, args = protocol.decode_request(frame)
    assert isinstance(args["data"], msgpack.ExtType)


def test_a_reference_from_the_socket_is_refused(module) -> None:
    frame = msgpack.packb([2, 1, "lock", {"data": msgpack.ExtType(protocol.SIDE_EXT, bytes(4)),
                                          "key": "zymkey"}], use_bin_type=True)
    with pytest.raises(softscm.InvalidArgument):
        protocol.decode_response(dispatch(module, frame), 1)


@pytest.mark.parametrize("value", [10**400, 1 << 64, -(1 << 64), object()])
def test_a_value_no_frame_can_carry_is_an_invalid_argument(value) -> None:
    with pytest.raises(softscm.InvalidArgument, match="cannot be sent"):
        protocol.encode_request(1, "wait", {"timeout_ms": value})
    # The thread's packer is still clean afterwards.
    assert protocol.decode_request(protocol.encode_request(2, "op", {"a": 1})) == (2, "op", {"a": 1})


def test_an_absurd_timeout_through_the_client_is_an_invalid_argument(client) -> None:
    with pytest.raises(softscm.InvalidArgument):
        client.wait_for_perimeter_event(timeout_ms=10**400)
    assert client.model_number() == "SCM"


def test_an_exception_of_the_caller_passes_through_decoding(monkeypatch) -> None:
    """A signal handler's exception raised while an answer is decoded is not mistaken
    for a malformed frame."""
    from softscm.service import protocol as proto

    class Interrupted(Exception):
        pass

    def interrupted(*args, **kwargs):
        raise Interrupted

    frame = proto.encode_result(1, "ok")
    original = proto.msgpack.unpackb
    monkeypatch.setattr(proto.msgpack, "unpackb", interrupted)
    with pytest.raises(Interrupted):
        proto.decode_response(frame, 1)
    monkeypatch.setattr(proto.msgpack, "unpackb", original)
    with pytest.raises(proto.AnswerMismatch):
        proto.decode_response(b"\xc1", 1)
