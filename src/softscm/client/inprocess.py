"""The in-process transport: an embedded module in this process, reached through the
same frames as the socket."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from softscm.errors import ConnectionFailed
from softscm.service import protocol
from softscm.service.dispatch import Operations, dispatch


class InProcessTransport:
    """Carries frames to a module in this process. Thread-safe: one call at a time.

    Byte strings of 64 KiB and more travel beside the frame by reference rather than
    being copied into it; everything else is encoded and decoded exactly as on the
    socket, so a value that cannot cross the socket fails here too."""

    def __init__(self, module: Operations,
                 on_close: Callable[[], None] | None = None) -> None:
        self._module: Operations | None = module
        self._on_close = on_close
        self._lock = threading.Lock()
        self._last_id = 0

    @classmethod
    def open(cls, home: Any = None, **options: Any) -> InProcessTransport:
        """The embedded module of the state directory ``home`` (created on first use)."""
        from softscm.runtime import open_embedded

        module, store = open_embedded(home, **options)
        return cls(module, on_close=store.close)

    @property
    def module(self) -> Any:
        """The embedded module (the simulation and tests reach it directly)."""
        return self._module

    def call(self, op: str, args: dict[str, Any]) -> Any:
        """Encode, dispatch, decode: exactly what the socket transport does."""
        side_in: list[Any] = []
        side_out: list[Any] = []
        self._last_id = request_id = protocol.next_request_id(self._last_id)
        frame = protocol.encode_request(request_id, op, args, side_in)
        module = self._module
        if module is None:
            raise ConnectionFailed("the connection is closed")
        response = dispatch(module, frame, self._lock, side_in, side_out)
        return protocol.decode_response(response, request_id, side_out)

    def close(self) -> None:
        """Release the module; later calls fail with ``ConnectionFailed``."""
        with self._lock:
            if self._module is not None and self._on_close is not None:
                self._on_close()
            self._module = None
