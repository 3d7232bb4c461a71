"""The LED pattern generator (``scm-behaviour.md`` §5).

A :class:`Pattern` is a labelled list of :class:`Segment` (LED on or off for so many
milliseconds) that is either shown once (finite) or loops forever (``repeating``). After
the last segment of a finite pattern the LED stays dark, under the same label, until
another pattern replaces it: that is how ``cannot_bind`` goes dark and how a finite
``led_flash`` ends (§5.2, §5.7).

The builders below give the exact segments of every status pattern (§5.2), the boot
stages (§5.3), the fatal and simulated sequences (§5.4) and the user patterns (§5.7).
:func:`resolve` applies §5.7's priorities between a status pattern and a user pattern;
:func:`timeline`, :func:`spans` and :func:`merge_segments` lay patterns out in time for
the operator interface (§5.8). Everything here is pure: times are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum, unique
from typing import NamedTuple

from softscm.errors import InvalidArgument
from softscm.module.led.codes import FatalCode
from softscm.module.led.timing import (
    BLINK_ON_MS,
    CANNOT_BIND_RAPID_MS,
    CODE_OFF_MS,
    CODE_ON_MS,
    GAP_MS,
    PERIOD_MS,
    PRE_COUNT,
    PRE_OFF_MS,
    PRE_ON_MS,
    RAPID_OFF_MS,
    RAPID_ON_MS,
    REPEAT_GAP_MS,
    REPEATS,
    RUNNING_PRODUCTION_BURST_MS,
    RUNNING_PRODUCTION_FLASHES,
    SLOW_OFF_MS,
    SLOW_ON_MS,
    STAGE_GAP_MS,
    STAGE_OFF_MS,
    STAGE_ON_MS,
    STEADY_SEGMENT_MS,
    VERIFY_GROUPS,
)

USER_MS_MAX = 2**32 - 1
"""Largest ``led_flash`` time or count, ms: the C API passes them as 32-bit unsigned longs."""

# -- labels (§5.8) ----------------------------------------------------------------------------

LABEL_BOOT_INIT = "boot_init"
"""Span label of the module-initialising stage."""
LABEL_HOST_BOOTING = "host_booting"
"""Span label of the host-booting stage."""
LABEL_USB_ENUMERATED = "usb_enumerated"
"""Span label of the dark USB-enumeration gap."""
LABEL_WAITING_FOR_HOST = "waiting_for_host"
"""Span label of the constant rapid blinking of a module no host has bound."""
LABEL_RUNNING_DEV = "running_dev"
"""Span label of the development-mode running pattern."""
LABEL_RUNNING_PRODUCTION = "running_production"
"""Span label of the production-mode running pattern."""
LABEL_CANNOT_BIND = "cannot_bind"
"""Span label of a production module refusing its host."""
LABEL_USER = "user"
"""Span label of every pattern the host commands (``led_on``, ``led_off``, ``led_flash``)."""
LABEL_OFF = "off"
"""Span label of the dark LED of an unpowered module or one on battery."""


def verify_label(group: int) -> str:
    """Span label of supervised boot's verify group ``group`` (1-4): ``"verify_2"``."""
    return f"verify_{group}"


def fatal_label(code: FatalCode) -> str:
    """Span label of a fatal or simulated sequence: ``"fatal 6/1"``."""
    return f"fatal {code.label}"


# -- records ----------------------------------------------------------------------------------


@unique
class LedPriority(IntEnum):
    """Which pattern wins when several apply, higher first (§5.7).

    The dark ``off`` pattern (unpowered, on battery) ranks with the boot stages: like
    them it pre-empts a user pattern, and a simulated sequence shown on battery
    pre-empts it.
    """

    RUNNING = 0
    WAITING_FOR_HOST = 1
    USER = 2
    BOOT = 3
    CANNOT_BIND = 4
    SEQUENCE = 5


@dataclass(frozen=True)
class Segment:
    """The LED ``on`` (or off) for ``ms`` milliseconds (at least 1)."""

    on: bool
    ms: int

    def __post_init__(self) -> None:
        _check_ms("segment length", self.ms, minimum=1)


@dataclass(frozen=True)
class Pattern:
    """A labelled LED pattern: its segments, shown ``cycles`` times in a row or looping
    forever (``repeating``).

    ``priority`` places it in §5.7's order; ``simulated`` marks a fatal-style sequence
    after which the module recovers instead of rebooting (§5.4). A pattern of many
    cycles (``led_flash(1, 1, 2**32 - 1)``) holds its segments once: nothing here
    unrolls more of it than the window asked for.
    """

    label: str
    segments: tuple[Segment, ...]
    priority: LedPriority
    repeating: bool = False
    simulated: bool = False
    cycles: int = 1

    def __post_init__(self) -> None:
        if not self.label:
            raise InvalidArgument("a pattern needs a label")
        if not self.segments:
            raise InvalidArgument(f"pattern {self.label!r} has no segments")
        for segment in self.segments:
            if not isinstance(segment, Segment):
                raise InvalidArgument(f"pattern {self.label!r}: not a Segment: {segment!r}")
        _check_ms("cycles", self.cycles, minimum=1, maximum=1 if self.repeating else None)

    @property
    def cycle_ms(self) -> int:
        """Sum of the segments: one cycle, ms."""
        return sum(segment.ms for segment in self.segments)

    @property
    def period_ms(self) -> int:
        """One loop of a repeating pattern, all of a finite one, ms."""
        return self.cycle_ms if self.repeating else self.cycle_ms * self.cycles

    @property
    def duration_ms(self) -> int | None:
        """How long a finite pattern lasts, ms; ``None`` for a repeating one."""
        return None if self.repeating else self.period_ms

    def iter_segments(self, offset_ms: int = 0) -> Iterator[Segment]:
        """The segments as shown from ``offset_ms`` after the start (the first one cut
        there), lazily: whole cycles before the offset are skipped, not walked. A
        repeating pattern never ends; a finite one ends with its last segment."""
        _check_ms("offset", offset_ms)
        cycle = self.cycle_ms
        skipped, offset_ms = divmod(offset_ms, cycle)
        left = None if self.repeating else self.cycles - skipped
        while left is None or left > 0:
            for segment in self.segments:
                if offset_ms >= segment.ms:
                    offset_ms -= segment.ms
                    continue
                yield Segment(segment.on, segment.ms - offset_ms)
                offset_ms = 0
            if left is not None:
                left -= 1

    def window(self, offset_ms: int, duration_ms: int) -> Pattern:
        """This pattern as shown from ``offset_ms`` after its start, for exactly
        ``duration_ms``, as a finite pattern: a repeating one is unrolled and cut, a
        finite one cut or followed by its dark tail. Adjacent segments with the same
        state are merged. Only the window is laid out, however long the pattern."""
        _check_ms("duration", duration_ms, minimum=1)
        out: list[Segment] = []
        left = duration_ms
        for segment in self.iter_segments(offset_ms):
            if left <= 0:
                break
            take = min(segment.ms, left)
            out.append(Segment(segment.on, take))
            left -= take
        if left > 0:
            out.append(Segment(False, left))
        return replace(self, segments=_merged(out), repeating=False, cycles=1)

    def for_ms(self, duration_ms: int) -> Pattern:
        """This pattern shown for exactly ``duration_ms`` from its start, as a finite
        pattern (:meth:`window` from offset 0)."""
        return self.window(0, duration_ms)

    def max_segments(self, duration_ms: int) -> int:
        """At most how many segments any :meth:`window` of ``duration_ms`` holds."""
        per_cycle = len(self.segments)
        bound = per_cycle * (duration_ms // self.cycle_ms + 2)
        if not self.repeating:
            bound = min(bound, per_cycle * self.cycles) + 1  # and the dark tail
        return bound

    def longest_window(self, max_segments: int) -> int:
        """The longest window, ms, that :meth:`max_segments` keeps within
        ``max_segments`` (0 if even a short one may not)."""
        cycles = (max_segments - 1) // len(self.segments) - 2
        return max(0, cycles) * self.cycle_ms


def _check_ms(what: str, value: int, *, minimum: int = 0, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{what} must be an int number of ms: {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        top = "" if maximum is None else f"..{maximum}"
        raise InvalidArgument(f"{what} out of range {minimum}{top}: {value}")


def _merged(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for segment in segments:
        if out and out[-1].on == segment.on:
            out[-1] = Segment(segment.on, out[-1].ms + segment.ms)
        else:
            out.append(segment)
    return tuple(out)


def _group(count: int, on_ms: int, off_ms: int) -> list[Segment]:
    """``count`` flashes: on-phases separated by ``count - 1`` off-phases (§5.1)."""
    out: list[Segment] = []
    for index in range(count):
        if index:
            out.append(Segment(False, off_ms))
        out.append(Segment(True, on_ms))
    return out


def _blinking_for(duration_ms: int, on_ms: int, off_ms: int) -> tuple[Segment, ...]:
    """Blinking ``on_ms``/``off_ms`` for exactly ``duration_ms`` (the last phase cut short)."""
    cycle = Pattern("_", (Segment(True, on_ms), Segment(False, off_ms)), LedPriority.BOOT, True)
    return cycle.for_ms(duration_ms).segments


# -- status patterns (§5.2) -------------------------------------------------------------------


def running_dev() -> Pattern:
    """Bound, development mode: every ``PERIOD_MS`` one ``BLINK_ON_MS`` blink."""
    segments = (Segment(True, BLINK_ON_MS), Segment(False, PERIOD_MS - BLINK_ON_MS))
    return Pattern(LABEL_RUNNING_DEV, segments, LedPriority.RUNNING, repeating=True)


def running_production() -> Pattern:
    """Production mode: every ``PERIOD_MS`` three rapid flashes (500 ms), then off."""
    segments = _group(RUNNING_PRODUCTION_FLASHES, RAPID_ON_MS, RAPID_OFF_MS)
    segments.append(Segment(False, PERIOD_MS - RUNNING_PRODUCTION_BURST_MS))
    return Pattern(LABEL_RUNNING_PRODUCTION, tuple(segments), LedPriority.RUNNING, repeating=True)


def running(production: bool) -> Pattern:
    """The running pattern of a bound module: :func:`running_production` once production
    is active (§2.3 ``PRODUCTION``), else :func:`running_dev` (``BOUND_DEV``,
    ``LOCK_PENDING``)."""
    return running_production() if production else running_dev()


def waiting_for_host() -> Pattern:
    """Working, but no host has bound: constant rapid blinking."""
    segments = (Segment(True, RAPID_ON_MS), Segment(False, RAPID_OFF_MS))
    return Pattern(LABEL_WAITING_FOR_HOST, segments, LedPriority.WAITING_FOR_HOST, repeating=True)


def cannot_bind() -> Pattern:
    """Production, the host is not the bound one: ``CANNOT_BIND_RAPID_MS`` of rapid
    blinking, then dark (the finite pattern's tail) until the next power cycle."""
    segments = _blinking_for(CANNOT_BIND_RAPID_MS, RAPID_ON_MS, RAPID_OFF_MS)
    return Pattern(LABEL_CANNOT_BIND, segments, LedPriority.CANNOT_BIND)


def dark() -> Pattern:
    """The ``off`` pattern: unpowered or on battery."""
    return Pattern(LABEL_OFF, (Segment(False, STEADY_SEGMENT_MS),), LedPriority.BOOT, True)


# -- boot stages (§5.3) -----------------------------------------------------------------------


def boot_init() -> Pattern:
    """Module initialising (``BOOT_INIT`` and the self test): one slow blink, 2000 ms."""
    segments = (Segment(True, SLOW_ON_MS), Segment(False, SLOW_OFF_MS))
    return Pattern(LABEL_BOOT_INIT, segments, LedPriority.BOOT)


def verify_group(group: int) -> Pattern:
    """Supervised boot verifying: group ``group`` (1-4) of ``STAGE_ON_MS`` flashes, then
    ``STAGE_GAP_MS`` off."""
    if isinstance(group, bool) or not isinstance(group, int) or not 1 <= group <= VERIFY_GROUPS:
        raise InvalidArgument(f"verify group must be 1..{VERIFY_GROUPS}: {group!r}")
    segments = _group(group, STAGE_ON_MS, STAGE_OFF_MS)
    segments.append(Segment(False, STAGE_GAP_MS))
    return Pattern(verify_label(group), tuple(segments), LedPriority.BOOT)


def host_booting(duration_ms: int) -> Pattern:
    """Supervised boot done, the host booting: rapid blinking for ``duration_ms``."""
    segments = _blinking_for(duration_ms, RAPID_ON_MS, RAPID_OFF_MS)
    return Pattern(LABEL_HOST_BOOTING, segments, LedPriority.BOOT)


def usb_enumerated(duration_ms: int) -> Pattern:
    """The host's USB enumeration found the module: dark for ``duration_ms``."""
    _check_ms("duration", duration_ms, minimum=1)
    return Pattern(LABEL_USB_ENUMERATED, (Segment(False, duration_ms),), LedPriority.BOOT)


# -- fatal and simulated sequences (§5.4) -----------------------------------------------------


def fatal_repetition(code: FatalCode) -> tuple[Segment, ...]:
    """One repetition of ``code``: preamble, gap, main code, and gap plus sub-code if any."""
    segments = _group(PRE_COUNT, PRE_ON_MS, PRE_OFF_MS)
    segments.append(Segment(False, GAP_MS))
    segments += _group(code.main, CODE_ON_MS, CODE_OFF_MS)
    if code.sub is not None:
        segments.append(Segment(False, GAP_MS))
        segments += _group(code.sub, CODE_ON_MS, CODE_OFF_MS)
    return tuple(segments)


def fatal(code: FatalCode, *, simulated: bool = False) -> Pattern:
    """The whole sequence for ``code``: ``REPEATS`` repetitions with ``REPEAT_GAP_MS``
    between them and no trailing gap.

    At its end a real fatal condition reboots the module (which checks the condition
    again); a ``simulated`` one (development, alpha production) recovers.
    """
    repetition = fatal_repetition(code)
    segments: list[Segment] = []
    for index in range(REPEATS):
        if index:
            segments.append(Segment(False, REPEAT_GAP_MS))
        segments += repetition
    return Pattern(fatal_label(code), tuple(segments), LedPriority.SEQUENCE, simulated=simulated)


# -- user control (§5.7) ----------------------------------------------------------------------


def led_on() -> Pattern:
    """``led_on()``: the LED steadily on, in user mode."""
    return Pattern(LABEL_USER, (Segment(True, STEADY_SEGMENT_MS),), LedPriority.USER, True)


def led_off() -> Pattern:
    """``led_off()``: the LED steadily off, in user mode."""
    return Pattern(LABEL_USER, (Segment(False, STEADY_SEGMENT_MS),), LedPriority.USER, True)


def led_flash(on_ms: int, off_ms: int = 0, num_flashes: int = 0) -> Pattern:
    """``led_flash(on_ms, off_ms=0, num_flashes=0)``: flash in user mode.

    ``off_ms = 0`` means the same as ``on_ms``; ``num_flashes = 0`` flashes forever,
    otherwise the pattern is ``num_flashes`` on-phases separated by off-phases and the
    LED stays dark afterwards. Each value must fit the C API's 32-bit unsigned long (the
    ``zymkey`` package wraps negative values before they get here). ``on_ms = 0``
    leaves no on-time at all: the LED stays dark. A finite flash is one on/off cycle
    shown ``num_flashes`` times (:attr:`Pattern.cycles`), never unrolled.
    """
    _check_ms("on_ms", on_ms, maximum=USER_MS_MAX)
    _check_ms("off_ms", off_ms, maximum=USER_MS_MAX)
    _check_ms("num_flashes", num_flashes, maximum=USER_MS_MAX)
    if on_ms == 0:
        return led_off()
    if off_ms == 0:
        off_ms = on_ms
    segments = (Segment(True, on_ms), Segment(False, off_ms))
    if num_flashes == 0:
        return Pattern(LABEL_USER, segments, LedPriority.USER, repeating=True)
    # The last flash's off-phase is the start of the dark tail: shown the same.
    return Pattern(LABEL_USER, segments, LedPriority.USER, cycles=num_flashes)


@dataclass(frozen=True)
class LedChoice:
    """What :func:`resolve` decided: the pattern ``shown`` and the ``user`` pattern still
    in force (``None`` once a higher-priority pattern has abandoned it)."""

    shown: Pattern
    user: Pattern | None


def resolve(status: Pattern, user: Pattern | None = None) -> LedChoice:
    """Apply §5.7: the user pattern is shown over ``waiting_for_host`` and the running
    patterns; any higher-priority ``status`` (boot stages, ``off``, ``cannot_bind``, a
    fatal or simulated sequence) pre-empts it and the user pattern is abandoned, so that
    after the sequence the running pattern returns, not the user's.

    The module ends user mode itself at the next module boot or host re-bind; both pass
    through boot-stage patterns, which abandon it here too.
    """
    if status.priority is LedPriority.USER:
        raise InvalidArgument(f"a status pattern cannot be a user pattern: {status.label}")
    if user is None:
        return LedChoice(status, None)
    if user.priority is not LedPriority.USER:
        raise InvalidArgument(f"not a user pattern: {user.label}")
    if status.priority > LedPriority.USER:
        return LedChoice(status, None)
    return LedChoice(user, user)


# -- reading a pattern ------------------------------------------------------------------------


# -- heartbeat (§5.6) -------------------------------------------------------------------------


# -- timeline (§5.8) --------------------------------------------------------------------------


class TimelineSegment(NamedTuple):
    """One segment of a laid-out timeline: at ``start_ms`` the LED is ``on`` for ``ms``,
    under pattern ``label``."""

    start_ms: int
    on: bool
    ms: int
    label: str


class LedSegment(NamedTuple):
    """A segment of §5.8's ``segments`` list: ``(start_ms, duration_ms, on)``."""

    start_ms: int
    duration_ms: int
    on: bool


class Span(NamedTuple):
    """An entry of §5.8's ``spans`` list: one pattern shown from ``start_ms`` to ``end_ms``."""

    start_ms: int
    end_ms: int
    label: str
    simulated: bool = False


def _laid_out(
    patterns: Sequence[Pattern], start_ms: int, until_ms: int | None
) -> Iterator[tuple[int, Pattern]]:
    """Each pattern as shown, with its start: all but the last finite, the last cut or
    extended to ``until_ms``, nothing past ``until_ms``."""
    _check_ms("start", start_ms)
    if until_ms is not None:
        _check_ms("until", until_ms, minimum=start_ms)
    patterns = tuple(patterns)
    at = start_ms
    for index, pattern in enumerate(patterns):
        last = index == len(patterns) - 1
        if until_ms is not None and at >= until_ms:
            return
        if pattern.repeating and not last:
            raise InvalidArgument(
                f"only the last pattern may repeat; cut {pattern.label!r} with for_ms()"
            )
        if pattern.repeating and until_ms is None:
            raise InvalidArgument(f"pattern {pattern.label!r} repeats: give until_ms")
        shown = pattern
        if until_ms is not None and (last or at + pattern.period_ms > until_ms):
            shown = pattern.for_ms(until_ms - at)
        yield at, shown
        at += shown.period_ms


def iter_timeline(
    patterns: Sequence[Pattern], start_ms: int = 0, until_ms: int | None = None
) -> Iterator[TimelineSegment]:
    """Lazy form of :func:`timeline`."""
    for at, shown in _laid_out(patterns, start_ms, until_ms):
        for segment in _merged(shown.segments):
            yield TimelineSegment(at, segment.on, segment.ms, shown.label)
            at += segment.ms


def timeline(
    patterns: Sequence[Pattern], start_ms: int = 0, until_ms: int | None = None
) -> list[TimelineSegment]:
    """Lay ``patterns`` end to end from ``start_ms``: ``(start_ms, on, ms, label)`` items.

    Each pattern starts where the previous one ended. Every pattern but the last must be
    finite (cut a repeating one with :meth:`Pattern.for_ms`). With ``until_ms`` the
    timeline stops there: the last pattern repeats or keeps its dark tail up to it, and a
    pattern reaching past it is cut. A repeating last pattern needs ``until_ms``.
    Segments with the same state are merged within one pattern, never across two.
    """
    return list(iter_timeline(patterns, start_ms, until_ms))


def spans(
    patterns: Sequence[Pattern], start_ms: int = 0, until_ms: int | None = None
) -> list[Span]:
    """The labelled spans of the same layout as :func:`timeline` (§5.8 ``spans``)."""
    return [
        Span(at, at + shown.period_ms, shown.label, shown.simulated)
        for at, shown in _laid_out(patterns, start_ms, until_ms)
    ]


def merge_segments(items: Iterable[TimelineSegment]) -> list[LedSegment]:
    """§5.8 ``segments``: ``(start_ms, duration_ms, on)``, adjacent equal states merged
    across pattern boundaries. ``items`` must be contiguous, as :func:`timeline` gives."""
    out: list[LedSegment] = []
    for item in items:
        if out and out[-1].start_ms + out[-1].duration_ms != item.start_ms:
            raise InvalidArgument(f"timeline is not contiguous at {item.start_ms} ms")
        if out and out[-1].on == item.on:
            previous = out[-1]
            out[-1] = LedSegment(previous.start_ms, previous.duration_ms + item.ms, item.on)
        else:
            out.append(LedSegment(item.start_ms, item.ms, item.on))
    return out
