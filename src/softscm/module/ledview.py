"""The LED as the module records it: a history of patterns, each with the module time
(ms) it started at, stored as small JSON-able descriptors and turned back into
:class:`softscm.module.led.Pattern` objects to lay out the §5.8 timeline."""

from __future__ import annotations

from typing import Any

from softscm.module import led
from softscm.module.led_codes import FatalCode
from softscm.module.led_timing import FAST_TIMING

#: How many history entries the module keeps (older ones are dropped).
HISTORY_ENTRIES = 400


def pattern_of(desc: list[Any]) -> led.Pattern:
    """The pattern a stored descriptor names."""
    kind = desc[0]
    if kind == "boot_init":
        return led.boot_init()
    if kind == "verify":
        return led.verify_group(int(desc[1]))
    if kind == "host_booting":
        return led.host_booting(int(desc[1]))
    if kind == "usb_enumerated":
        return led.usb_enumerated(int(desc[1]))
    if kind == "running":
        return led.running(bool(desc[1]))
    if kind == "waiting_for_host":
        return led.waiting_for_host()
    if kind == "cannot_bind":
        return led.cannot_bind()
    if kind == "off":
        return led.dark()
    if kind == "fatal":
        return led.fatal(FatalCode.parse(str(desc[1])), simulated=bool(desc[2]))
    if kind == "user_on":
        return led.led_on()
    if kind == "user_off":
        return led.led_off()
    if kind == "user_flash":
        return led.led_flash(int(desc[1]), int(desc[2]), int(desc[3]))
    raise ValueError(f"unknown LED descriptor {desc!r}")


def boot_descriptors(host_booting_ms: int = FAST_TIMING.host_booting_ms,
                     usb_ms: int = FAST_TIMING.usb_enumerated_ms) -> list[list[Any]]:
    """The boot stages up to the host binding (§5.3), as descriptors."""
    return ([["boot_init"]] + [["verify", g] for g in range(1, 5)]
            + [["host_booting", host_booting_ms], ["usb_enumerated", usb_ms]])


def duration_ms(desc: list[Any]) -> int | None:
    """How long a descriptor's pattern lasts (``None``: it repeats)."""
    return pattern_of(desc).duration_ms


def record(history: list[list[Any]], start_ms: int, desc: list[Any]) -> None:
    """Append ``desc`` starting at ``start_ms``; whatever was planned from then on is
    replaced (a power cut ends a boot's planned stages)."""
    while history and history[-1][0] >= start_ms:
        history.pop()
    history.append([start_ms, desc])
    if len(history) > HISTORY_ENTRIES:
        del history[: len(history) - HISTORY_ENTRIES]


def current(history: list[list[Any]], now_ms: int) -> tuple[int, list[Any]] | None:
    """The entry showing at ``now_ms``, with its start."""
    shown = None
    for start, desc in history:
        if start > now_ms:
            break
        shown = (start, desc)
    return shown


def timeline(history: list[list[Any]], now_ms: int, since_ms: int = 0) -> dict[str, Any]:
    """The §5.8 view up to ``now_ms``: merged ``segments`` and labelled ``spans``."""
    entries = [(s, d) for s, d in history if s <= now_ms]
    # Lay out only from the entry showing at ``since_ms``: a long history is not
    # unrolled again for a caller that asks for the recent part.
    first = 0
    for index, (start, _) in enumerate(entries):
        if start <= since_ms:
            first = index
    entries = entries[first:]
    patterns: list[led.Pattern] = []
    starts: list[int] = []
    for index, (start, desc) in enumerate(entries):
        pattern = pattern_of(desc)
        end = entries[index + 1][0] if index + 1 < len(entries) else now_ms
        if pattern.repeating and since_ms > start:
            # A periodic pattern is laid out lazily: from its last whole period before
            # ``since_ms``, not from where it began.
            start += (since_ms - start) // pattern.period_ms * pattern.period_ms
        if end <= start:
            continue
        patterns.append(pattern.for_ms(end - start))
        starts.append(start)
    if not patterns:
        return {"segments": [], "spans": []}
    items = led.timeline(patterns, starts[0])
    spans = led.spans(patterns, starts[0])
    return {
        "segments": [list(s) for s in led.merge_segments(items) if s.start_ms + s.duration_ms
                     > since_ms],
        "spans": [[s.start_ms, s.end_ms, s.label, s.simulated] for s in spans
                  if s.end_ms > since_ms],
    }
