"""Wire frames: msgpack-encoded requests and responses, versioned.

A request is ``[version, op, args]``; a response is ``[0, result]`` on success or
``[status, message, rc]`` on failure, where ``status`` is a :class:`softscm.errors.Status`.
The in-process transport uses the same frames as the socket, so that a value that cannot
cross the socket fails everywhere. (The socket adds a length prefix.)
"""

from __future__ import annotations

import threading
from typing import Any

import msgpack

from softscm.errors import ProtocolError, SoftScmError, Status, error_for

#: Version of the frame layout; a peer speaking another version is refused.
FRAME_VERSION = 1
#: In-process only: byte strings at least this long travel beside the frame, by
#: reference, instead of being copied into it (the frame holds an extension value that
#: names them). The socket never carries such references.
SIDE_THRESHOLD_BYTES = 64 * 1024
#: The msgpack extension code of such a reference.
SIDE_EXT = 1


_BUFFERS = (bytes, bytearray)
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


def encode_request(op: str, args: dict[str, Any], side: list[Any] | None = None) -> bytes:
    """The frame of one call (large byte strings go to ``side`` when it is given)."""
    if side is not None and any(_large(value) for value in args.values()):
        args = {name: _out(value, side) for name, value in args.items()}
    return _pack([FRAME_VERSION, op, args])


def decode_request(frame: bytes, side: list[Any] | None = None) -> tuple[str, dict[str, Any]]:
    """``(op, args)`` of a request frame; ``ProtocolError`` for anything malformed."""
    try:
        message = msgpack.unpackb(frame, raw=False, strict_map_key=True,
                                  ext_hook=_hook(side))
    except Exception:
        raise ProtocolError("malformed request frame") from None
    if (
        not isinstance(message, list) or len(message) != 3
        or message[0] != FRAME_VERSION or not isinstance(message[1], str)
        or not isinstance(message[2], dict)
    ):
        raise ProtocolError("malformed request frame")
    return message[1], message[2]


def encode_result(result: Any, side: list[Any] | None = None) -> bytes:
    """The frame of a successful call (a large byte-string result goes to ``side``)."""
    return _pack([_OK, _out(result, side)])


def encode_error(error: SoftScmError) -> bytes:
    """The frame of a failed call."""
    return msgpack.packb(  # type: ignore[no-any-return]
        [int(error.status), error.message, error.rc], use_bin_type=True
    )


def decode_response(frame: bytes, side: list[Any] | None = None) -> Any:
    """The result of a response frame, or raise the error it reports."""
    try:
        message = msgpack.unpackb(frame, raw=False, ext_hook=_hook(side))
    except Exception:
        raise ProtocolError("malformed response frame") from None
    if isinstance(message, list) and len(message) == 2 and message[0] == Status.OK:
        return message[1]
    if isinstance(message, list) and len(message) == 3 and isinstance(message[0], int):
        raise error_for(message[0], str(message[1]), int(message[2]))
    raise ProtocolError("malformed response frame")
