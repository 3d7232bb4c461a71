"""The in-process transport: an embedded module in this process, called directly.

A call is handed to the module as the daemon hands over a decoded frame
(:func:`softscm.service.dispatch.call`: the same lock, binding checks and error
mapping), and values cross as a frame would carry them, so that a value that cannot
cross the socket fails here too and neither side can change what the other holds.
Values that a frame carries unchanged and nobody can change (``None``, ``bool``, 64-bit
``int``, ``float``, ASCII ``str``, ``bytes``) are handed over as they are; a list or
tuple of them comes back as a new list; a ``bytearray`` crosses as ``bytes``, or from
64 KiB on as itself, by reference, as large byte strings travel beside in-process
frames. Anything else crosses as a real frame, encoded and decoded exactly as on the
socket, with its request id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from softscm.errors import ConnectionFailed, InternalError, SoftScmError, error_for
from softscm.service import protocol
from softscm.service.dispatch import Operations, call, dispatch

#: Types whose values a frame carries unchanged and that cannot change afterwards.
_IMMUTABLE = frozenset({type(None), bool, float, bytes})
#: The integers a frame carries (msgpack's signed and unsigned 64-bit ranges).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _unchanged(values: Iterable[Any]) -> bool:
    """Whether a frame would carry each of ``values`` as it is, and nobody can change
    it afterwards."""
    for value in values:
        kind = type(value)
        if kind in _IMMUTABLE:
            continue
        if kind is int:
            if _INT_MIN <= value <= _INT_MAX:
                continue
            return False
        # ASCII text always encodes; other text is checked by a frame (lone surrogates).
        if kind is not str or not value.isascii():
            return False
    return True


def _buffer(value: bytearray) -> bytes | bytearray:
    """A ``bytearray`` as a frame hands it over: a copy as ``bytes``, or from
    :data:`~softscm.service.protocol.SIDE_THRESHOLD_BYTES` on the same object, by
    reference."""
    return value if len(value) >= protocol.SIDE_THRESHOLD_BYTES else bytes(value)


def _with_buffers(args: dict[str, Any]) -> dict[str, Any] | None:
    """``args`` with each ``bytearray`` as a frame hands it over, when every other
    value is :func:`_unchanged`; else ``None`` (only a real frame says)."""
    handed = {}
    for name, value in args.items():
        if type(value) is bytearray:
            handed[name] = _buffer(value)
        elif _unchanged((value,)):
            handed[name] = value
        else:
            return None
    return handed


class InProcessTransport:
    """Carries calls to a module in this process. Thread-safe: one call at a time."""

    def __init__(self, module: Operations,
                 on_close: Callable[[], None] | None = None) -> None:
        self._module: Operations | None = module
        self._on_close = on_close
        self._lock = threading.Lock()
        self._last_id = 0

    @classmethod
    def open(cls, home: Any = None, **options: Any) -> InProcessTransport:
        """The embedded module of the state directory ``home`` (created on first use)."""
        from softscm.runtime import close_module, open_embedded

        module, store = open_embedded(home, **options)
        return cls(module, on_close=lambda: close_module(module, store))

    @property
    def module(self) -> Any:
        """The embedded module (the simulation and tests reach it directly)."""
        return self._module

    def call(self, op: str, args: dict[str, Any]) -> Any:
        """Run ``op`` on the module with ``args``; its result, or its error as a frame
        would report it (a new error of the same class, message and code, with nothing
        of the module's own exception attached)."""
        module = self._module
        if module is None:
            raise ConnectionFailed("the connection is closed")
        if not _unchanged(args.values()):
            handed = _with_buffers(args)
            if handed is None:
                return self._call_by_frame(module, op, args)
            args = handed
        # The mapping itself is never shared: the module's method takes its arguments
        # as keywords, into a mapping of its own.
        try:
            result = call(module, op, args, self._lock)
        except SoftScmError as exc:
            error = error_for(exc.status, exc.message, exc.rc)
        else:
            return self._handed_back(op, result)
        raise error  # outside the handler: the module's exception is not its context

    def _handed_back(self, op: str, result: Any) -> Any:
        """``result`` as the caller would read it from a response frame."""
        kind = type(result)
        if kind is tuple or kind is list:
            if _unchanged(result):
                return list(result)
        elif kind is bytearray:
            return _buffer(result)
        elif _unchanged((result,)):
            return result
        side: list[Any] = []
        request_id = self._next_id()
        try:
            frame = protocol.encode_result(request_id, result, side)
        except (OverflowError, TypeError, ValueError):
            raise InternalError(f"{op} answered with a value no frame can carry") from None
        return protocol.decode_response(frame, request_id, side)

    def _call_by_frame(self, module: Operations, op: str, args: dict[str, Any]) -> Any:
        """Encode, dispatch, decode: exactly what the socket transport does, with large
        byte strings beside the frames by reference."""
        side_in: list[Any] = []
        side_out: list[Any] = []
        request_id = self._next_id()
        frame = protocol.encode_request(request_id, op, args, side_in)
        response = dispatch(module, frame, self._lock, side_in, side_out)
        return protocol.decode_response(response, request_id, side_out)

    def _next_id(self) -> int:
        self._last_id = request_id = protocol.next_request_id(self._last_id)
        return request_id

    def close(self) -> None:
        """Release the module; later calls fail with ``ConnectionFailed``."""
        with self._lock:
            module, self._module = self._module, None
            if module is not None and self._on_close is not None:
                self._on_close()
