"""The LED as the module records it: a history of patterns, each with the module time
(ms) it started at, stored as small JSON-able descriptors and turned back into
:class:`softscm.module.led.Pattern` objects to lay out the §5.8 timeline."""

from __future__ import annotations

import functools
from typing import Any

from softscm.module.led import patterns as led
from softscm.module.led.codes import FatalCode
from softscm.module.led.timing import FAST_TIMING

#: How many history entries the module keeps (older ones are dropped).
HISTORY_ENTRIES = 400
#: Most on/off segments one timeline view lays out [softscm]: when the window asked for
#: holds more (a long window, fast flashing), the view keeps its most recent part.
MAX_TIMELINE_SEGMENTS = 4096


def pattern_of(desc: list[Any]) -> led.Pattern:
    """The pattern a stored descriptor names (``ValueError`` or ``InvalidArgument`` if
    it names none)."""
    try:
        key = tuple(desc)
        hash(key)
    except TypeError:
        raise ValueError(f"unknown LED descriptor {desc!r}") from None
    return _pattern(key)


@functools.lru_cache(maxsize=1024)
def _pattern(desc: tuple[Any, ...]) -> led.Pattern:
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
    """The §5.8 view of ``since_ms`` to ``now_ms``: merged ``segments`` and labelled
    ``spans``.

    Only that window is laid out, and at most :data:`MAX_TIMELINE_SEGMENTS` segments of
    it, the most recent: a long or endless pattern is never unrolled from its start,
    nor into one entry per flash. Spans keep their patterns' own start and end."""
    entries = [(s, d) for s, d in history if s <= now_ms]
    shown: list[tuple[int, int, led.Pattern]] = []
    for index, (start, desc) in enumerate(entries):
        end = entries[index + 1][0] if index + 1 < len(entries) else now_ms
        if end > start and end > since_ms:
            shown.append((start, end, pattern_of(desc)))
    # From the newest back: the part of each pattern that still fits the budget.
    budget = MAX_TIMELINE_SEGMENTS
    laid: list[tuple[int, int, int, led.Pattern]] = []
    for start, end, pattern in reversed(shown):
        begin = max(start, since_ms)
        if pattern.max_segments(end - begin) > budget:
            begin = max(begin, end - pattern.longest_window(budget))
        if begin >= end:
            break
        budget -= pattern.max_segments(end - begin)
        laid.append((start, begin, end, pattern))
    laid.reverse()
    items: list[led.TimelineSegment] = []
    for start, begin, end, pattern in laid:
        at = begin
        for segment in pattern.window(begin - start, end - begin).segments:
            items.append(led.TimelineSegment(at, segment.on, segment.ms, pattern.label))
            at += segment.ms
    return {
        "segments": [list(s) for s in led.merge_segments(items)],
        "spans": [[start, end, pattern.label, pattern.simulated]
                  for start, _, end, pattern in laid],
    }
