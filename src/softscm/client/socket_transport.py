"""The socket transport: frames to the daemon over its Unix socket."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any, BinaryIO

from softscm.errors import ConnectionFailed, ProtocolError, SoftScmError
from softscm.service import framing, protocol


class SocketTransport:
    """Carries frames to a daemon. One call at a time per transport (thread-safe). A
    broken connection fails the call under way with ``ConnectionFailed``; the next call
    connects again, to the same daemon only.

    Every answer must carry the id of the request it answers. A call that ends in any
    way other than with its own answer (an interrupt, a signal handler raising, a
    timeout, a mismatched answer) drops the connection, so that an answer still on its
    way can never be read as the answer to a later call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: BinaryIO | None = None
        self._closed = False
        self._last_id = 0
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
        with self._lock:
            if self._closed:
                raise ConnectionFailed("the connection is closed")
            if self._sock is None:
                self._connect()
            sock, reader = self._sock, self._reader
            if sock is None or reader is None:  # pragma: no cover - _connect() sets both
                raise ConnectionFailed("not connected")
            self._last_id = request_id = protocol.next_request_id(self._last_id)
            try:
                framing.send_frame(sock, protocol.encode_request(request_id, op, args))
                response = framing.recv_frame(reader)
                if response is None:
                    raise ConnectionFailed(f"the daemon at {self.path} closed the connection")
                return protocol.decode_response(response, request_id)
            except SoftScmError as exc:
                if type(exc) is not ConnectionFailed and not isinstance(exc, ProtocolError):
                    raise  # the daemon's answer to this very request
                self._drop()
                raise
            except OSError as exc:
                self._drop()
                raise ConnectionFailed(f"lost the daemon at {self.path}: {exc}") from None
            except BaseException:
                self._drop()
                raise

    def close(self) -> None:
        """Close the connection; later calls fail with ``ConnectionFailed``."""
        with self._lock:
            self._closed = True
            self._drop()
