"""Wire frames: msgpack-encoded requests and responses, versioned.

A request is ``[version, op, args]``; a response is ``[0, result]`` on success or
``[status, message, rc]`` on failure, where ``status`` is a :class:`softscm.errors.Status`.
The in-process transport uses the same frames as the socket, so that a value that cannot
cross the socket fails everywhere. (The socket adds a length prefix.)
"""

from __future__ import annotations

from typing import Any

import msgpack

from softscm.errors import ProtocolError, SoftScmError, Status, error_for

#: Version of the frame layout; a peer speaking another version is refused.
FRAME_VERSION = 1


def encode_request(op: str, args: dict[str, Any]) -> bytes:
    """The frame of one call."""
    return msgpack.packb([FRAME_VERSION, op, args], use_bin_type=True)  # type: ignore[no-any-return]


def decode_request(frame: bytes) -> tuple[str, dict[str, Any]]:
    """``(op, args)`` of a request frame; ``ProtocolError`` for anything malformed."""
    try:
        message = msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except Exception:
        raise ProtocolError("malformed request frame") from None
    if (
        not isinstance(message, list) or len(message) != 3
        or message[0] != FRAME_VERSION or not isinstance(message[1], str)
        or not isinstance(message[2], dict)
        or not all(isinstance(k, str) for k in message[2])
    ):
        raise ProtocolError("malformed request frame")
    return message[1], message[2]


def encode_result(result: Any) -> bytes:
    """The frame of a successful call."""
    return msgpack.packb([Status.OK, result], use_bin_type=True)  # type: ignore[no-any-return]


def encode_error(error: SoftScmError) -> bytes:
    """The frame of a failed call."""
    return msgpack.packb(  # type: ignore[no-any-return]
        [int(error.status), error.message, error.rc], use_bin_type=True
    )


def decode_response(frame: bytes) -> Any:
    """The result of a response frame, or raise the error it reports."""
    try:
        message = msgpack.unpackb(frame, raw=False)
    except Exception:
        raise ProtocolError("malformed response frame") from None
    if isinstance(message, list) and len(message) == 2 and message[0] == Status.OK:
        return message[1]
    if isinstance(message, list) and len(message) == 3 and isinstance(message[0], int):
        raise error_for(message[0], str(message[1]), int(message[2]))
    raise ProtocolError("malformed response frame")
