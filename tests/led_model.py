"""Reference models of the LED behaviour of ``scm-behaviour.md`` §5, which the tests
hold the module's LED and timeline to: a boot's patterns in order, whether the LED is
on at an offset into a pattern, and when a host stall loses the heartbeat."""

from __future__ import annotations

from softscm.errors import InvalidArgument
from softscm.module.led.patterns import (
    Pattern,
    _check_ms,
    boot_init,
    host_booting,
    usb_enumerated,
    verify_group,
)
from softscm.module.led.timing import HEARTBEAT_TIMEOUT_MS, VERIFY_GROUPS, BootTiming


def boot_stages(
    timing: BootTiming,
    *,
    sequence: Pattern | None = None,
    after_group: int = VERIFY_GROUPS,
) -> tuple[Pattern, ...]:
    """The patterns of one module boot, from ``boot_init`` up to the running pattern (§5.3).

    ``boot_init``, ``verify_1`` … ``verify_4`` (shown even for an empty manifest),
    ``host_booting`` and ``usb_enumerated``; the caller appends the running pattern once
    the host binds. A ``sequence`` raised during the boot is shown right after verify
    group ``after_group`` (``0``: right after ``boot_init``, as the self test and a
    destroyed module do). A simulated sequence lets the boot continue where it was; a
    real one ends the list, since the module reboots at its end.
    """
    if isinstance(after_group, bool) or not isinstance(after_group, int):
        raise InvalidArgument(f"after_group must be an int: {after_group!r}")
    if not 0 <= after_group <= VERIFY_GROUPS:
        raise InvalidArgument(f"after_group must be 0..{VERIFY_GROUPS}: {after_group}")
    if sequence is not None and sequence.repeating:
        raise InvalidArgument(f"a boot can only be interrupted by a finite sequence: {sequence}")
    out = [boot_init()]
    for group in range(0, VERIFY_GROUPS + 1):
        if group:
            out.append(verify_group(group))
        if sequence is not None and group == after_group:
            out.append(sequence)
            if not sequence.simulated:
                return tuple(out)
    out.append(host_booting(timing.host_booting_ms))
    out.append(usb_enumerated(timing.usb_enumerated_ms))
    return tuple(out)


def led_at(pattern: Pattern, offset_ms: int) -> bool:
    """Whether the LED is on ``offset_ms`` after ``pattern`` started.

    A segment covers ``[start, start + ms)``. Past the end of a finite pattern the LED is
    dark.
    """
    _check_ms("offset", offset_ms)
    if not pattern.repeating and offset_ms >= pattern.period_ms:
        return False
    return next(pattern.iter_segments(offset_ms)).on


def heartbeat_lost_at(stall_start_ms: int, stall_ms: int) -> int | None:
    """When a host stall of ``stall_ms`` starting at ``stall_start_ms`` loses the heartbeat.

    Heartbeats are implicit while a host session is open, so only a stall (``host_stall``)
    can lose one: the module notices ``HEARTBEAT_TIMEOUT_MS`` after the stall began, logs
    ``heartbeat_lost``, shows ``fatal(CODE_HEARTBEAT_LOST)`` and reboots. A stall of
    exactly the timeout loses it (the check at that instant comes first). ``None``: the
    stall ends in time and nothing happens.
    """
    _check_ms("stall start", stall_start_ms)
    _check_ms("stall", stall_ms)
    if stall_ms >= HEARTBEAT_TIMEOUT_MS:
        return stall_start_ms + HEARTBEAT_TIMEOUT_MS
    return None
