"""The socket transport: frames to the daemon over its Unix socket."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any, BinaryIO

from softscm.errors import ConnectionFailed
from softscm.service import framing, protocol


class SocketTransport:
    """Carries frames to a daemon. One call at a time per transport (thread-safe). A
    broken connection fails the call under way with ``ConnectionFailed``; the next call
    connects again, to the same daemon only."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: BinaryIO | None = None
        self._closed = False
        self._connect()

    def _connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.path))
        except OSError as exc:
            sock.close()
            raise ConnectionFailed(
                f"the daemon socket {self.path} refuses connections ({exc.strerror}); "
                "is `softscm serve` running?"
            ) from None
        self._sock = sock
        self._reader = sock.makefile("rb", buffering=1 << 16)

    def _drop(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None

    def call(self, op: str, args: dict[str, Any]) -> Any:
        """Send one request and wait for its response."""
        frame = protocol.encode_request(op, args)
        with self._lock:
            if self._closed:
                raise ConnectionFailed("the connection is closed")
            if self._sock is None:
                self._connect()
            sock, reader = self._sock, self._reader
            if sock is None or reader is None:  # pragma: no cover - _connect() sets both
                raise ConnectionFailed("not connected")
            try:
                framing.send_frame(sock, frame)
                response = framing.recv_frame(reader)
            except OSError as exc:
                self._drop()
                raise ConnectionFailed(f"lost the daemon at {self.path}: {exc}") from None
            if response is None:
                self._drop()
                raise ConnectionFailed(f"the daemon at {self.path} closed the connection")
        return protocol.decode_response(response)

    def close(self) -> None:
        """Close the connection; later calls fail with ``ConnectionFailed``."""
        with self._lock:
            self._closed = True
            self._drop()
