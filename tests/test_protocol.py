"""Wire frames: versions, errors, and large byte strings carried beside in-process
frames by reference (never across the socket)."""

from __future__ import annotations

import msgpack
import pytest

import softscm
from softscm.service import protocol
from softscm.service.dispatch import dispatch


def test_request_round_trip() -> None:
    frame = protocol.encode_request("op", {"a": 1, "b": b"x"})
    assert protocol.decode_request(frame) == ("op", {"a": 1, "b": b"x"})


@pytest.mark.parametrize("frame", [b"", b"\xc1", msgpack.packb([2, "op", {}]),
                                   msgpack.packb([1, 5, {}]), msgpack.packb([1, "op", []])])
def test_malformed_requests(frame: bytes) -> None:
    with pytest.raises(softscm.ProtocolError):
        protocol.decode_request(frame)


def test_errors_come_back_as_the_same_class() -> None:
    frame = protocol.encode_error(softscm.SlotEmpty("slot 20 holds no key"))
    with pytest.raises(softscm.SlotEmpty, match="slot 20") as excinfo:
        protocol.decode_response(frame)
    assert excinfo.value.rc == -2


def test_large_bytes_travel_beside_the_frame() -> None:
    big = bytes(protocol.SIDE_THRESHOLD_BYTES)
    side: list = []
    frame = protocol.encode_request("lock", {"data": big, "key": "zymkey"}, side)
    assert len(frame) < 100 and side == [big]
    op, args = protocol.decode_request(frame, side)
    assert args["data"] is big
    # Without the side list (as on the socket) the reference is not bytes at all.
    _, args = protocol.decode_request(frame)
    assert isinstance(args["data"], msgpack.ExtType)


def test_a_reference_from_the_socket_is_refused(module) -> None:
    frame = msgpack.packb([1, "lock", {"data": msgpack.ExtType(protocol.SIDE_EXT, bytes(4)),
                                       "key": "zymkey"}], use_bin_type=True)
    with pytest.raises(softscm.InvalidArgument):
        protocol.decode_response(dispatch(module, frame))
