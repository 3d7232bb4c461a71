"""Dispatch of request frames to a module's operations: the one table of what may be
called from outside. It only moves frames; every check is the module's."""

from __future__ import annotations

import logging
from typing import Any

from softscm.errors import InternalError, InvalidArgument, ProtocolError, SoftScmError
from softscm.service import protocol

log = logging.getLogger("softscm.service")

#: Operations a client may call, each a method of the same name on the module.
OPERATIONS = frozenset({
    "hello", "status", "model_number", "firmware_version", "serial_number", "get_time",
    "led_on", "led_off", "led_flash", "led", "random_bytes", "lock", "unlock",
    "sign_digest", "verify_digest", "ecdh", "public_key", "public_key_pem", "slots", "keys",
    "generate_key", "generate_ephemeral_key", "invalidate_ephemeral_key",
    "store_foreign_key", "disable_public_key_export", "remove_key",
    "stream_open", "stream_update", "stream_finish", "stream_abort", "events",
})


def call(module: Any, op: str, args: dict[str, Any]) -> Any:
    """Run one operation on ``module``; raises softscm errors only."""
    if op not in OPERATIONS:
        raise ProtocolError(f"unknown operation {op!r}")
    try:
        return getattr(module, op)(**args)
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
