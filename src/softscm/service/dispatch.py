"""Dispatch of request frames to a module's operations: the one table of what may be
called from outside. It only moves frames; every check is the module's."""

from __future__ import annotations

import logging
from typing import Any

from softscm.errors import InternalError, InvalidArgument, ProtocolError, SoftScmError
from softscm.service import protocol

log = logging.getLogger("softscm.service")

def call(module: Any, op: str, args: dict[str, Any]) -> Any:
    """Run one operation on ``module`` (the method :meth:`Module.operation` names);
    raises softscm errors only."""
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


def dispatch(module: Any, frame: bytes) -> bytes:
    """Answer one request frame with one response frame; never raises."""
    try:
        op, args = protocol.decode_request(frame)
        return protocol.encode_result(call(module, op, args))
    except SoftScmError as exc:
        return protocol.encode_error(exc)
