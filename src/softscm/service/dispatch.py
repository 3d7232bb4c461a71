"""Dispatch of request frames to a module's operations: the one table of what may be
called from outside. It only moves frames; every check is the module's."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from softscm.errors import (
    ConnectionFailed,
    InternalError,
    InvalidArgument,
    ProtocolError,
    SoftScmError,
)
from softscm.service import protocol

log = logging.getLogger("softscm.service")

#: Seconds a waiting call sleeps between looks (module time, through the module's clock).
POLL_STEP_S = 0.02
_NO_LOCK = contextlib.nullcontext()


def call(module: Any, op: str, args: dict[str, Any], lock: Any = _NO_LOCK,
         cancelled: Callable[[], bool] | None = None) -> Any:
    """Run one operation on ``module`` (the method :meth:`Module.operation` names) under
    ``lock``; raises softscm errors only. A blocking wait holds the lock only while it
    looks, so that it blocks nobody but its caller; it ends with ``ConnectionFailed``
    as soon as ``cancelled()`` is true (its caller went away, the daemon stops)."""
    if op == "wait":
        return _wait(module, args, lock, cancelled)
    with lock:
        return _call(module, op, args)


def _wait(module: Any, args: dict[str, Any], lock: Any,
          cancelled: Callable[[], bool] | None = None) -> str:
    kind, context, timeout_ms = args.get("kind"), args.get("context"), args.get("timeout_ms")
    if kind not in ("perimeter", "tap") or type(timeout_ms) is not int or set(args) - {
        "kind", "context", "timeout_ms"
    }:
        raise InvalidArgument("wait takes kind (perimeter or tap), context and timeout_ms")
    poll = "poll_perimeter" if kind == "perimeter" else "poll_tap"
    with lock:
        start = _call(module, "module_time", {})
    deadline = start + timeout_ms / 1000 if timeout_ms >= 0 else float("inf")
    while True:
        if cancelled is not None and cancelled():
            raise ConnectionFailed("the wait was cancelled")
        with lock:
            result = _call(module, poll, {"context": context, "deadline": deadline})
            now = _call(module, "module_time", {})
        if result != "wait":
            return str(result)
        module.sleep(min(POLL_STEP_S, max(0.0, deadline - now)))


def _call(module: Any, op: str, args: dict[str, Any]) -> Any:
    method = module.operation(op)
    if method is None:
        raise ProtocolError(f"unknown operation {op!r}")
    try:
        return method(**args)
    except SoftScmError:
        raise
    except TypeError as exc:
        # Unknown or missing arguments: the caller's mistake, not the module's.
        raise InvalidArgument(f"bad arguments for {op}: {exc}") from None
    except Exception:
        log.exception("operation %s failed", op)
        raise InternalError(f"{op} failed inside the module") from None


def dispatch(module: Any, frame: bytes, lock: Any = _NO_LOCK,
             side_in: list[Any] | None = None, side_out: list[Any] | None = None) -> bytes:
    """Answer one request frame with one response frame; never raises. ``side_in`` and
    ``side_out`` carry large byte strings beside the frames (in-process only)."""
    try:
        request_id, op, args = protocol.decode_request(frame, side_in)
    except protocol.MalformedRequest as exc:
        return protocol.encode_error(exc, exc.request_id)
    try:
        return protocol.encode_result(request_id, call(module, op, args, lock), side_out)
    except SoftScmError as exc:
        return protocol.encode_error(exc, request_id)
