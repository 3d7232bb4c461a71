"""Dispatch of request frames to a module's operations: the one table of what may be
called from outside. It only moves frames; every check is the module's."""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from softscm.errors import (
    ConnectionFailed,
    InternalError,
    InvalidArgument,
    ProtocolError,
    SoftScmError,
)
from softscm.module.deferred import Deferred
from softscm.service import protocol

log = logging.getLogger("softscm.service")

#: Seconds a waiting call sleeps between looks (module time, through the module's clock;
#: real time on a jumping clock with nothing due, while another caller may act).
POLL_STEP_S = 0.02
#: Longest and shortest wait timeouts, ms: Zymbit's API passes them as a C ``int``
#: (about 24.8 days; a negative timeout waits for ever).
WAIT_MAX_MS = 2**31 - 1
WAIT_MIN_MS = -(2**31)
_NO_LOCK = contextlib.nullcontext()
#: The lock a caller holds the module with (``threading.Lock``, or none).
Lock = AbstractContextManager[Any]


class Operations(Protocol):
    """What dispatch needs of a module (:class:`softscm.module.Module`): its operations
    by name (:mod:`softscm.module.operations`), and its clock for the waits."""

    @property
    def clock_jumps(self) -> bool: ...

    def operation(self, op: str) -> Callable[..., Any] | None: ...

    def next_due(self) -> float | None: ...

    def sleep(self, seconds: float) -> None: ...


def call(module: Operations, op: str, args: dict[str, Any], lock: Lock = _NO_LOCK,
         cancelled: Callable[[], bool] | None = None) -> Any:
    """Run one operation on ``module`` (the method :meth:`Module.operation` names) under
    ``lock``; raises softscm errors only. A blocking wait holds the lock only while it
    looks, and the slow part of an operation (a :class:`Deferred` it returns: PBKDF2,
    the precise-time wait) runs after the lock is released, so that neither blocks
    anybody but its caller. A wait ends with ``ConnectionFailed`` as soon as
    ``cancelled()`` is true (its caller went away, the daemon stops)."""
    if op == "wait":
        return _wait(module, args, lock, cancelled)
    with lock:
        result = _call(module, op, args)
    if isinstance(result, Deferred):
        return _guarded(op, result.run)
    return result


def may_block(op: str, args: dict[str, Any]) -> bool:
    """Whether operation ``op`` with ``args`` may take long in :func:`call` (a wait, a
    precise time, a PBKDF2): a server answers it in a thread of its own, so that other
    connections are not held up meanwhile."""
    if op == "wait":
        return True
    if op == "get_time":
        return bool(args.get("precise"))
    if op == "ecdh":
        kdf = args.get("kdf")
        return isinstance(kdf, str) and kdf.startswith("pbkdf2")
    return False


def _wait(module: Operations, args: dict[str, Any], lock: Lock,
          cancelled: Callable[[], bool] | None = None) -> str:
    kind, context, timeout_ms = args.get("kind"), args.get("context"), args.get("timeout_ms")
    if kind not in ("perimeter", "tap") or type(timeout_ms) is not int or set(args) - {
        "kind", "context", "timeout_ms"
    }:
        raise InvalidArgument("wait takes kind (perimeter or tap), context and timeout_ms")
    if not WAIT_MIN_MS <= timeout_ms <= WAIT_MAX_MS:
        raise InvalidArgument(f"timeout_ms must be in {WAIT_MIN_MS}..{WAIT_MAX_MS}")
    poll = "poll_perimeter" if kind == "perimeter" else "poll_tap"
    with lock:
        start = _call(module, "module_time", {})
        jumps = module.clock_jumps
    deadline = start + timeout_ms / 1000 if timeout_ms >= 0 else float("inf")
    while True:
        if cancelled is not None and cancelled():
            raise ConnectionFailed("the wait was cancelled")
        with lock:
            result = _call(module, poll, {"context": context, "deadline": deadline})
            now = _call(module, "module_time", {})
            due = module.next_due() if jumps else None
        if result != "wait":
            return str(result)
        if not jumps:
            module.sleep(min(POLL_STEP_S, max(0.0, deadline - now)))
            continue
        # A clock that jumps: straight to the next moment something can happen here
        # (the deadline or the module's next timer), landing on it, not a hair before.
        moment = min(deadline, float("inf") if due is None else due)
        if math.isinf(moment):
            time.sleep(POLL_STEP_S)  # only another caller can end this wait
        else:
            module.sleep(max(0.0, moment - now) + 4 * math.ulp(abs(now) + 1.0))


def _call(module: Operations, op: str, args: dict[str, Any]) -> Any:
    method = module.operation(op)
    if method is None:
        raise ProtocolError(f"unknown operation {op!r}")
    _bind(op, method, args)
    try:
        return method(**args)
    except SoftScmError:
        raise
    except Exception:
        raise _internal_error(op) from None


class _Parameters:
    """The keyword arguments a method accepts, read once from its signature."""

    __slots__ = ("names", "required", "any_keyword", "signature")

    def __init__(self, method: Any) -> None:
        self.signature = inspect.signature(method)
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        params = self.signature.parameters.values()
        self.names = frozenset(p.name for p in params if p.kind in kinds)
        self.required = frozenset(p.name for p in params
                                  if p.kind in kinds and p.default is p.empty)
        self.any_keyword = any(p.kind is p.VAR_KEYWORD for p in params)


#: :class:`_Parameters` by the function behind an operation's method.
_PARAMETERS: dict[Any, _Parameters] = {}


def _bind(op: str, method: Any, args: dict[str, Any]) -> None:
    """``InvalidArgument`` unless ``args`` bind to ``method``'s signature (no unknown,
    no missing argument): the caller's mistake is told from a ``TypeError`` raised
    inside the module, which is the module's own failure (``InternalError``)."""
    function = getattr(method, "__func__", method)
    params = _PARAMETERS.get(function)
    if params is None:
        params = _PARAMETERS[function] = _Parameters(method)
    keys = args.keys()
    if (params.any_keyword or params.names.issuperset(keys)) and keys >= params.required:
        return
    try:
        params.signature.bind(**args)
    except TypeError as exc:
        raise InvalidArgument(f"bad arguments for {op}: {exc}") from None
    raise InvalidArgument(f"bad arguments for {op}")  # pragma: no cover - bind agreed


def _guarded(op: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` (the slow part of operation ``op``), turning any failure into a
    softscm error."""
    try:
        return work()
    except SoftScmError:
        raise
    except Exception:
        raise _internal_error(op) from None


def _internal_error(op: str) -> InternalError:
    """What a failure of operation ``op`` other than a softscm error is: a failure
    inside the module (logged here, with its traceback, while it is being handled)."""
    log.exception("operation %s failed", op)
    return InternalError(f"{op} failed inside the module")


def dispatch(module: Operations, frame: bytes, lock: Lock = _NO_LOCK,
             side_in: list[Any] | None = None, side_out: list[Any] | None = None) -> bytes:
    """Answer one request frame with one response frame; never raises. ``side_in`` and
    ``side_out`` carry large byte strings beside the frames (in-process only)."""
    try:
        request_id, op, args = protocol.decode_request(frame, side_in)
    except protocol.MalformedRequest as exc:
        return protocol.encode_error(exc, exc.request_id)
    try:
        result = call(module, op, args, lock)
    except SoftScmError as exc:
        return protocol.encode_error(exc, request_id)
    return result_frame(request_id, op, result, side_out)


def result_frame(request_id: int, op: str, result: Any,
                 side_out: list[Any] | None = None) -> bytes:
    """The frame answering request ``request_id`` (operation ``op``) with ``result``;
    an ``InternalError`` frame if no frame can carry it (a fault of the module)."""
    try:
        return protocol.encode_result(request_id, result, side_out)
    except (OverflowError, TypeError, ValueError):
        log.exception("operation %s answered with a value no frame can carry", op)
        error = InternalError(f"{op} answered with a value no frame can carry")
        return protocol.encode_error(error, request_id)
