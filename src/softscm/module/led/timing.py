"""The LED's timing constants (``scm-behaviour.md`` §5.1, §5.3, §5.6).

Every duration is an integer number of milliseconds of simulated time; the names say so.
Values marked [softscm] in the spec are this emulator's choices where Zymbit documents
only the shape of a pattern. Derived durations are computed here, never re-typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, unique

# -- §5.1 timing constants ------------------------------------------------------------------

RAPID_ON_MS = 100
"""On-phase of a rapid blink, ms (5 blinks per second)."""

RAPID_OFF_MS = 100
"""Off-phase of a rapid blink, ms."""

PRE_ON_MS = 50
"""On-phase of one very rapid preamble flash of a fatal sequence, ms."""

PRE_OFF_MS = 50
"""Off-phase between two preamble flashes, ms."""

PRE_COUNT = 10
"""Number of flashes in a fatal sequence's preamble."""

CODE_ON_MS = 500
"""On-phase of one flash of a main code or sub-code, ms (the seed's 0.5 s flashes)."""

CODE_OFF_MS = 500
"""Off-phase between two flashes of a main code or sub-code, ms [softscm]."""

GAP_MS = 1000
"""LED off between the preamble and the main code, and between main code and sub-code, ms."""

REPEAT_GAP_MS = 2000
"""LED off between two repetitions of a fatal sequence, ms [softscm]."""

REPEATS = 3
"""How many times a fatal or simulated sequence is shown."""

BLINK_ON_MS = 100
"""On-phase of the running pattern's blink, ms [softscm]."""

PERIOD_MS = 3000
"""Period of the running patterns, ms ("every 3 seconds")."""

SLOW_ON_MS = 1000
"""On-phase of the slow blink shown while the module initialises, ms [softscm]."""

SLOW_OFF_MS = 1000
"""Off-phase of the slow blink, ms [softscm]."""

STAGE_ON_MS = 250
"""On-phase of a flash of the supervised-boot verify groups, ms [softscm]."""

STAGE_OFF_MS = 250
"""Off-phase between two flashes of one verify group, ms [softscm]."""

STAGE_GAP_MS = 1000
"""LED off after each verify group, ms [softscm]."""

CANNOT_BIND_RAPID_MS = 10_000
"""Rapid blinking shown before a module that cannot bind goes dark, ms [softscm]."""

RUNNING_PRODUCTION_FLASHES = 3
"""Rapid flashes at the start of each period of the production running pattern."""

VERIFY_GROUPS = 4
"""Verify groups shown while supervised boot checks the manifest: 1, 2, 3 then 4 flashes."""

STEADY_SEGMENT_MS = 1000
"""Length of the single segment of a steady (always on or always off) pattern, ms.

Any length would do: a steady pattern repeats its one segment, and merged timelines
(:func:`softscm.module.led.patterns.merge_segments`) join the copies into one.
"""


def group_ms(count: int, on_ms: int, off_ms: int) -> int:
    """Duration of a group of ``count`` flashes, ms (§5.1).

    A group is ``count`` on-phases separated by ``count - 1`` off-phases; the gap that
    follows a group replaces (does not add to) an off-phase.
    """
    return count * on_ms + (count - 1) * off_ms


PREAMBLE_MS = group_ms(PRE_COUNT, PRE_ON_MS, PRE_OFF_MS)
"""Duration of the preamble of a fatal sequence, ms (950)."""

RUNNING_PRODUCTION_BURST_MS = group_ms(RUNNING_PRODUCTION_FLASHES, RAPID_ON_MS, RAPID_OFF_MS)
"""Duration of the three rapid flashes of the production running pattern, ms (500)."""

BOOT_INIT_MS = SLOW_ON_MS + SLOW_OFF_MS
"""Duration of the module-initialising stage (one slow blink), ms (2000)."""

VERIFY_MS = sum(
    group_ms(n, STAGE_ON_MS, STAGE_OFF_MS) + STAGE_GAP_MS for n in range(1, VERIFY_GROUPS + 1)
)
"""Duration of the four supervised-boot verify groups with their gaps, ms (8000)."""


def repetition_ms(main: int, sub: int | None = None) -> int:
    """Duration of one repetition of the fatal sequence for code ``main``/``sub``, ms (§5.4)."""
    total = PREAMBLE_MS + GAP_MS + group_ms(main, CODE_ON_MS, CODE_OFF_MS)
    if sub is not None:
        total += GAP_MS + group_ms(sub, CODE_ON_MS, CODE_OFF_MS)
    return total


def sequence_ms(main: int, sub: int | None = None) -> int:
    """Duration of a whole fatal sequence (``REPEATS`` repetitions and the gaps), ms (§5.4)."""
    return REPEATS * repetition_ms(main, sub) + (REPEATS - 1) * REPEAT_GAP_MS


# -- §5.6 heartbeat ---------------------------------------------------------------------------

HEARTBEAT_INTERVAL_MS = 10_000
"""The host service sends a heartbeat this often, ms [softscm]."""

HEARTBEAT_TIMEOUT_MS = 60_000
"""A running module that receives no heartbeat for this long shows fatal 8, ms [softscm]."""


# -- §5.3 boot stages -------------------------------------------------------------------------


@unique
class TimingProfile(Enum):
    """How long the boot stages that depend on the host last (provisioning setting, §1.1)."""

    FAST = "fast"
    REALISTIC = "realistic"


@dataclass(frozen=True)
class BootTiming:
    """Durations of the host-dependent boot stages of one timing profile, ms (§5.3).

    The module-initialising stage (:data:`BOOT_INIT_MS`) and the verify groups
    (:data:`VERIFY_MS`) have fixed shapes and the same length in every profile.
    """

    host_booting_ms: int
    """Rapid blinking while the host boots after supervised boot released it."""
    usb_enumerated_ms: int
    """LED off after the host's USB enumeration found the module."""
    bind_ms: int
    """Time the host service takes to bind once it has loaded (§5.3's last row)."""


FAST_TIMING = BootTiming(host_booting_ms=1000, usb_enumerated_ms=500, bind_ms=500)
"""Boot-stage durations of the ``fast`` profile (tests, the default)."""

REALISTIC_TIMING = BootTiming(host_booting_ms=60_000, usb_enumerated_ms=5000, bind_ms=15_000)
"""Boot-stage durations of the ``realistic`` profile for a Rev A1 module (about 90 s in all)."""

REV_B1_EXTRA_HOST_BOOT_MS = 50_000
"""Extra host boot time of a Rev B1 module in the ``realistic`` profile, ms."""


def boot_timing(profile: TimingProfile, revision: str | None = None) -> BootTiming:
    """The boot-stage durations for ``profile`` on hardware ``revision`` (``"A1"``, ``"B1"``).

    Only the realistic profile models Rev B1's slower host boot; ``None`` (an hsm6 has no
    revision) is treated like A1.
    """
    if profile is TimingProfile.FAST:
        return FAST_TIMING
    if revision == "B1":
        return BootTiming(
            host_booting_ms=REALISTIC_TIMING.host_booting_ms + REV_B1_EXTRA_HOST_BOOT_MS,
            usb_enumerated_ms=REALISTIC_TIMING.usb_enumerated_ms,
            bind_ms=REALISTIC_TIMING.bind_ms,
        )
    return REALISTIC_TIMING
