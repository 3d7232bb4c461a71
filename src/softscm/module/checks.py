"""The one home of the module's argument checks: every part checks its arguments here,
before it touches a cache or any state. Each check raises ``InvalidArgument`` naming
the argument, and returns the value it let through."""

from __future__ import annotations

import math
from typing import NewType

from softscm.errors import InvalidArgument

#: The shortest digest the module signs (only the first 32 bytes are signed).
DIGEST_BYTES = 32
#: Perimeter channels: 0 (perimeter circuit 1) and 1 (perimeter circuit 2).
PERIMETER_CHANNELS = 2

#: A perimeter channel that :func:`check_channel` let through: the code inside the
#: module takes it as it is and never checks it again.
Channel = NewType("Channel", int)
#: Every perimeter channel, in order.
ALL_CHANNELS: tuple[Channel, ...] = tuple(Channel(c) for c in range(PERIMETER_CHANNELS))


def check_context(context: object) -> None:
    """A host context: a string of 1 to 64 characters."""
    if not isinstance(context, str) or not 1 <= len(context) <= 64:
        raise InvalidArgument("context must be a short string")


def check_int(name: str, value: object, low: int, high: int) -> int:
    """An int (not a bool) in ``low..high`` (both included)."""
    if type(value) is not int:
        raise InvalidArgument(
            f"{name} must be an integer in {low}..{high}, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgument(f"{name} must be an integer in {low}..{high}, not {value}")
    return value


def check_channel(channel: object) -> Channel:
    """A perimeter channel: an int (not a bool), 0 or 1."""
    if isinstance(channel, bool) or not isinstance(channel, int) \
            or not 0 <= channel < PERIMETER_CHANNELS:
        raise InvalidArgument(f"perimeter channel must be 0 or 1: {channel!r}")
    return Channel(channel)


def check_slot_number(slot: object) -> int:
    """A slot number: an int, not a bool (``True`` is not slot 1). The range is the key
    store's to check (:meth:`softscm.module.keys.keystore.KeyStore.check_slot`)."""
    if type(slot) is not int:
        raise InvalidArgument(f"slot must be an integer, not {type(slot).__name__}")
    return slot


def check_bytes(name: str, value: object) -> bytes | bytearray:
    """Bytes (or a bytearray)."""
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidArgument(f"{name} must be bytes")
    return value


def check_str(name: str, value: object) -> str:
    """A string."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a string")
    return value


def check_digest(digest: object) -> bytes | bytearray:
    """A digest to sign or verify: bytes, at least :data:`DIGEST_BYTES` long."""
    check_bytes("digest", digest)
    if len(digest) < DIGEST_BYTES:  # type: ignore[arg-type]
        raise InvalidArgument(f"digest must be at least {DIGEST_BYTES} bytes")
    return digest  # type: ignore[return-value]


def check_float(name: str, value: object) -> float:
    """A finite number (not a bool), as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{name} must be a number: {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidArgument(f"{name} must be finite: {value!r}")
    return result


def check_non_negative(name: str, value: object) -> float:
    """A finite number, at least 0."""
    result = check_float(name, value)
    if result < 0:
        raise InvalidArgument(f"{name} cannot be negative")
    return result


def check_range(name: str, value: object, low: float, high: float, unit: str = "") -> float:
    """A finite number in ``low..high`` (both included), as a float."""
    result = check_float(name, value)
    if not low <= result <= high:
        suffix = f" {unit}" if unit else ""
        raise InvalidArgument(f"{name} must be in {low:g}..{high:g}{suffix}, not {result:g}")
    return result
