"""Wire frames: msgpack-encoded requests and responses, versioned, each answer paired
with its request by id.

A request is ``[version, id, op, args]``; a response is ``[id, 0, result]`` on success or
``[id, status, message, rc]`` on failure, where ``status`` is a
:class:`softscm.errors.Status`. ``id`` is chosen by the client (an int from 1 to
``MAX_REQUEST_ID``, new for each call on a connection) and repeated by the answer; an
answer to a request whose id could not be read carries id 0. A client takes an answer
only for the id it sent: anything else means the connection is out of step, and it is
dropped. The in-process transport hands values over as these frames carry them, so that
a value that cannot cross the socket fails everywhere. (The socket adds a length prefix.)
"""

from __future__ import annotations

import threading
from typing import Any

import msgpack

from softscm.errors import InvalidArgument, ProtocolError, SoftScmError, Status, error_for

#: Version of the frame layout; a peer speaking another version is refused.
FRAME_VERSION = 2
#: Largest request id; ids run from 1 to this and wrap around.
MAX_REQUEST_ID = 0xFFFFFFFF
#: The id of an answer to a request whose own id could not be read.
UNKNOWN_REQUEST_ID = 0
#: In-process only: byte strings at least this long travel beside the frame, by
#: reference, instead of being copied into it (the frame holds an extension value that
#: names them). The socket never carries such references.
SIDE_THRESHOLD_BYTES = 64 * 1024
#: The msgpack extension code of such a reference.
SIDE_EXT = 1


_BUFFERS = (bytes, bytearray)
#: What msgpack raises for a frame it cannot read.
_UNPACK_ERRORS = (ValueError, TypeError, msgpack.exceptions.UnpackException)
_local = threading.local()


def _pack(message: Any) -> bytes:
    """msgpack of ``message`` with this thread's reusable packer."""
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True)
    return packer.pack(message)  # type: ignore[no-any-return]


def _large(value: Any) -> bool:
    return type(value) in _BUFFERS and len(value) >= SIDE_THRESHOLD_BYTES


def _out(value: Any, side: list[Any] | None) -> Any:
    if side is not None and _large(value):
        side.append(value)
        return msgpack.ExtType(SIDE_EXT, (len(side) - 1).to_bytes(4, "big"))
    return value


def _ext_hook(side: list[Any] | None) -> Any:
    def hook(code: int, data: bytes) -> Any:
        if side is not None and code == SIDE_EXT and len(data) == 4:
            index = int.from_bytes(data, "big")
            if index < len(side):
                return side[index]
        return msgpack.ExtType(code, data)

    return hook


#: The hook for frames that carry no side buffers: every extension value stays one.
_NO_SIDE = _ext_hook(None)
_OK = int(Status.OK)


def _hook(side: list[Any] | None) -> Any:
    return _ext_hook(side) if side else _NO_SIDE


def next_request_id(previous: int) -> int:
    """The id after ``previous``: 1 to ``MAX_REQUEST_ID``, then 1 again."""
    return previous + 1 if previous < MAX_REQUEST_ID else 1


def encode_request(request_id: int, op: str, args: dict[str, Any],
                   side: list[Any] | None = None) -> bytes:
    """The frame of one call (large byte strings go to ``side`` when it is given)."""
    if side is not None:
        for value in args.values():
            if type(value) in _BUFFERS and len(value) >= SIDE_THRESHOLD_BYTES:
                args = {name: _out(value, side) for name, value in args.items()}
                break
    try:
        return _pack([FRAME_VERSION, request_id, op, args])
    except (OverflowError, TypeError, ValueError) as exc:
        # A value no frame can carry (an integer of 2**64 or more, an object): the
        # caller's mistake, reported before anything is sent.
        raise InvalidArgument(f"an argument of {op} cannot be sent: {exc}") from None


class MalformedRequest(ProtocolError):
    """A request frame that cannot be answered; ``request_id`` is its id when that much
    could be read, else ``UNKNOWN_REQUEST_ID``."""

    def __init__(self, message: str, request_id: int = UNKNOWN_REQUEST_ID) -> None:
        super().__init__(message)
        self.request_id = request_id


class AnswerMismatch(ProtocolError):
    """A response that is not the answer to the request sent: the connection is out of
    step and must be dropped."""


def _valid_id(value: Any) -> bool:
    return type(value) is int and 0 < value <= MAX_REQUEST_ID


def decode_request(frame: bytes | memoryview, side: list[Any] | None = None
                   ) -> tuple[int, str, dict[str, Any]]:
    """``(id, op, args)`` of a request frame; ``MalformedRequest`` for anything malformed."""
    try:
        message = msgpack.unpackb(frame, raw=False, strict_map_key=True,
                                  ext_hook=_hook(side))
    except Exception:
        raise MalformedRequest("malformed request frame") from None
    if type(message) is list and len(message) == 4:
        version, request_id, op, args = message
        if (version == FRAME_VERSION and type(request_id) is int
                and 0 < request_id <= MAX_REQUEST_ID and type(op) is str
                and type(args) is dict):
            return request_id, op, args  # the common case, checked at once
    if not isinstance(message, list) or not message:
        raise MalformedRequest("malformed request frame")
    if message[0] != FRAME_VERSION:
        raise MalformedRequest(
            f"frame version {message[0]!r} is not spoken here (version {FRAME_VERSION})")
    if len(message) != 4 or not _valid_id(message[1]):
        raise MalformedRequest("malformed request frame")
    if not isinstance(message[2], str) or not isinstance(message[3], dict):
        raise MalformedRequest("malformed request frame", message[1])
    return message[1], message[2], message[3]


def encode_result(request_id: int, result: Any, side: list[Any] | None = None) -> bytes:
    """The frame of a successful call (a large byte-string result goes to ``side``)."""
    return _pack([request_id, _OK, _out(result, side)])


def encode_error(error: SoftScmError, request_id: int = UNKNOWN_REQUEST_ID) -> bytes:
    """The frame of a failed call."""
    return msgpack.packb(  # type: ignore[no-any-return]
        [request_id, int(error.status), error.message, error.rc], use_bin_type=True
    )


def decode_response(frame: bytes | memoryview, request_id: int,
                    side: list[Any] | None = None) -> Any:
    """The result of the response frame to request ``request_id``, or raise the error it
    reports. An answer to another request raises ``AnswerMismatch``: the caller must drop
    the connection. An error answer with id 0 (the peer could not read the request) is
    raised as itself."""
    try:
        message = msgpack.unpackb(frame, raw=False, ext_hook=_hook(side))
    except _UNPACK_ERRORS:
        # Only what a bad frame raises: an exception of the caller's own (a signal
        # handler's) passes through as itself.
        raise AnswerMismatch("malformed response frame") from None
    if not isinstance(message, list) or len(message) not in (3, 4) or type(message[0]) is not int:
        raise AnswerMismatch("malformed response frame")
    answered = message[0]
    if len(message) == 3 and message[1] == _OK:
        if answered != request_id:
            raise AnswerMismatch(f"answer to request {answered} received for {request_id}")
        return message[2]
    if len(message) == 4 and type(message[1]) is int and type(message[3]) is int:
        if answered not in (request_id, UNKNOWN_REQUEST_ID):
            raise AnswerMismatch(f"answer to request {answered} received for {request_id}")
        raise error_for(message[1], str(message[2]), message[3])
    raise AnswerMismatch("malformed response frame")
