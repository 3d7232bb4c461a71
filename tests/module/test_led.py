"""The LED pattern generator: timing constants, patterns, sequences, priorities, timelines
(``scm-behaviour.md`` §5 and the LED scenarios of §12)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from led_model import boot_stages, heartbeat_lost_at, led_at
from softscm.errors import InvalidArgument
from softscm.module.led import timing
from softscm.module.led.codes import (
    CODE_BOOT_PROCESS,
    CODE_BOOT_SIGNATURE,
    CODE_HEARTBEAT_LOST,
    CODE_HIGH_TEMPERATURE,
    CODE_KEY_DIGEST,
    CODE_LOW_BATTERY,
    CODE_LOW_BATTERY_ALPHA,
    CODE_LOW_TEMPERATURE,
    CODE_SELF_TEST,
    CODE_TAMPER_DESTROYED,
    FatalCode,
    meaning,
    tamper_code,
)
from softscm.module.led.patterns import (
    LABEL_USER,
    USER_MS_MAX,
    LedChoice,
    LedPriority,
    LedSegment,
    Pattern,
    Segment,
    Span,
    TimelineSegment,
    boot_init,
    cannot_bind,
    dark,
    fatal,
    fatal_repetition,
    host_booting,
    iter_timeline,
    led_flash,
    led_off,
    led_on,
    merge_segments,
    resolve,
    running,
    running_dev,
    running_production,
    spans,
    timeline,
    usb_enumerated,
    verify_group,
    waiting_for_host,
)

ON, OFF = True, False


def segs(*pairs: tuple[bool, int]) -> tuple[Segment, ...]:
    return tuple(Segment(on, ms) for on, ms in pairs)


def flashes(n: int, on: int, off: int) -> list[tuple[bool, int]]:
    out: list[tuple[bool, int]] = []
    for i in range(n):
        if i:
            out.append((OFF, off))
        out.append((ON, on))
    return out


# -- §5.1 timing constants: one test per row ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RAPID_ON_MS", 100),
        ("RAPID_OFF_MS", 100),
        ("PRE_ON_MS", 50),
        ("PRE_OFF_MS", 50),
        ("PRE_COUNT", 10),
        ("CODE_ON_MS", 500),
        ("CODE_OFF_MS", 500),
        ("GAP_MS", 1000),
        ("REPEAT_GAP_MS", 2000),
        ("REPEATS", 3),
        ("BLINK_ON_MS", 100),
        ("PERIOD_MS", 3000),
        ("SLOW_ON_MS", 1000),
        ("SLOW_OFF_MS", 1000),
        ("STAGE_ON_MS", 250),
        ("STAGE_OFF_MS", 250),
        ("STAGE_GAP_MS", 1000),
        ("CANNOT_BIND_RAPID_MS", 10_000),
    ],
)
def test_timing_constant(name: str, value: int) -> None:
    assert getattr(timing, name) == value


def test_group_duration_rule() -> None:
    # n on-phases separated by n - 1 off-phases: n*a + (n-1)*b.
    assert timing.group_ms(1, 500, 500) == 500
    assert timing.group_ms(4, 500, 500) == 3500
    assert timing.PREAMBLE_MS == 950
    assert timing.BOOT_INIT_MS == 2000
    assert timing.VERIFY_MS == 8000


def test_heartbeat_constants() -> None:
    assert timing.HEARTBEAT_INTERVAL_MS == 10_000
    assert timing.HEARTBEAT_TIMEOUT_MS == 60_000


# -- §5.2 status patterns ----------------------------------------------------------------------


def test_running_dev() -> None:
    p = running_dev()
    assert p.label == "running_dev" and p.repeating and p.priority is LedPriority.RUNNING
    assert p.segments == segs((ON, 100), (OFF, 2900))
    assert p.duration_ms is None and p.period_ms == 3000


def test_running_production() -> None:
    p = running_production()
    assert p.label == "running_production" and p.repeating
    assert p.segments == segs((ON, 100), (OFF, 100), (ON, 100), (OFF, 100), (ON, 100), (OFF, 2500))


def test_running_picks_by_mode() -> None:
    assert running(False) == running_dev()
    assert running(True) == running_production()


def test_waiting_for_host_is_constant_rapid_blinking() -> None:
    p = waiting_for_host()
    assert p.repeating and p.segments == segs((ON, 100), (OFF, 100))
    assert p.priority is LedPriority.WAITING_FOR_HOST


def test_cannot_bind_is_rapid_then_dark() -> None:
    p = cannot_bind()
    assert not p.repeating and p.duration_ms == 10_000
    assert p.segments == segs(*[(ON, 100), (OFF, 100)] * 50)
    assert led_at(p, 9_950) is False and led_at(p, 9_800) is True
    assert led_at(p, 10_000) is False and led_at(p, 3_600_000) is False


def test_off_pattern() -> None:
    p = dark()
    assert p.label == "off" and p.repeating
    assert not any(led_at(p, t) for t in (0, 999, 1000, 123_456))


# -- §5.3 boot stages --------------------------------------------------------------------------


def test_boot_init_one_slow_blink() -> None:
    assert boot_init().segments == segs((ON, 1000), (OFF, 1000))
    assert boot_init().label == "boot_init"


@pytest.mark.parametrize("group", [1, 2, 3, 4])
def test_verify_group(group: int) -> None:
    p = verify_group(group)
    assert p.label == f"verify_{group}"
    assert p.segments == segs(*flashes(group, 250, 250), (OFF, 1000))


@pytest.mark.parametrize("group", [0, 5, True])
def test_verify_group_out_of_range(group: int) -> None:
    with pytest.raises(InvalidArgument):
        verify_group(group)


def test_host_booting_and_usb_enumerated() -> None:
    assert host_booting(1000).segments == segs(*[(ON, 100), (OFF, 100)] * 5)
    assert host_booting(150).segments == segs((ON, 100), (OFF, 50))
    assert usb_enumerated(500).segments == segs((OFF, 500))


@pytest.mark.parametrize(
    ("profile", "revision", "host_ms", "usb_ms", "bind_ms"),
    [
        (timing.TimingProfile.FAST, "B1", 1000, 500, 500),
        (timing.TimingProfile.FAST, "A1", 1000, 500, 500),
        (timing.TimingProfile.REALISTIC, "A1", 60_000, 5000, 15_000),
        (timing.TimingProfile.REALISTIC, None, 60_000, 5000, 15_000),
        (timing.TimingProfile.REALISTIC, "B1", 110_000, 5000, 15_000),
    ],
)
def test_boot_timing_profiles(
    profile: timing.TimingProfile, revision: str | None, host_ms: int, usb_ms: int, bind_ms: int
) -> None:
    t = timing.boot_timing(profile, revision)
    assert (t.host_booting_ms, t.usb_enumerated_ms, t.bind_ms) == (host_ms, usb_ms, bind_ms)


def test_realistic_a1_boot_takes_about_90_s() -> None:
    t = timing.boot_timing(timing.TimingProfile.REALISTIC, "A1")
    total = sum(p.period_ms for p in boot_stages(t)) + t.bind_ms
    assert total == 90_000


def test_s60_boot_stages() -> None:  # S-60
    t = timing.boot_timing(timing.TimingProfile.FAST)
    patterns = (*boot_stages(t), running_dev())
    got = spans(patterns, 0, 12_000)
    assert [s.label for s in got] == [
        "boot_init", "verify_1", "verify_2", "verify_3", "verify_4",
        "host_booting", "usb_enumerated", "running_dev",
    ]
    assert [(s.start_ms, s.end_ms) for s in got[:7]] == [
        (0, 2000), (2000, 3250), (3250, 5000), (5000, 7250), (7250, 10_000),
        (10_000, 11_000), (11_000, 11_500),
    ]
    items = timeline(patterns, 0, 12_000)
    verify = [i for i in items if i.label.startswith("verify_")]
    assert sum(i.ms for i in verify) == 8000
    assert [(i.on, i.ms) for i in items if i.label == "boot_init"] == [(ON, 1000), (OFF, 1000)]
    assert [(i.on, i.ms) for i in items if i.label == "host_booting"] == [(ON, 100), (OFF, 100)] * 5
    assert [(i.on, i.ms) for i in items if i.label == "usb_enumerated"] == [(OFF, 500)]
    assert items[-1] == TimelineSegment(11_600, OFF, 400, "running_dev")


def test_s51_simulated_sequence_then_boot_continues() -> None:  # S-51, §6.6
    t = timing.boot_timing(timing.TimingProfile.FAST)
    seq = fatal(CODE_BOOT_SIGNATURE, simulated=True)
    got = spans((*boot_stages(t, sequence=seq), running_dev()), 0, 50_000)
    assert [(s.label, s.simulated) for s in got] == [
        ("boot_init", False), ("verify_1", False), ("verify_2", False), ("verify_3", False),
        ("verify_4", False), ("fatal 4/2", True), ("host_booting", False),
        ("usb_enumerated", False), ("running_dev", False),
    ]
    assert got[5].end_ms - got[5].start_ms == 27_850


def test_sequence_during_verify_is_shown_after_that_group() -> None:  # §5.3
    t = timing.boot_timing(timing.TimingProfile.FAST)
    seq = fatal(CODE_BOOT_PROCESS, simulated=True)
    labels = [p.label for p in boot_stages(t, sequence=seq, after_group=2)]
    assert labels == [
        "boot_init", "verify_1", "verify_2", "fatal 22/9", "verify_3", "verify_4",
        "host_booting", "usb_enumerated",
    ]


def test_real_sequence_ends_the_boot() -> None:  # S-55: the module reboots at its end
    t = timing.boot_timing(timing.TimingProfile.FAST)
    stages = boot_stages(t, sequence=fatal(CODE_BOOT_SIGNATURE))
    assert [p.label for p in stages][-2:] == ["verify_4", "fatal 4/2"]


def test_s30_destroyed_boot_is_boot_init_then_fatal_5() -> None:  # S-30
    t = timing.boot_timing(timing.TimingProfile.FAST)
    stages = boot_stages(t, sequence=fatal(CODE_TAMPER_DESTROYED), after_group=0)
    got = spans(stages)
    assert [(s.label, s.simulated) for s in got] == [("boot_init", False), ("fatal 5", False)]
    assert got[1].end_ms - got[1].start_ms == 23_350


def test_boot_stages_rejects_a_repeating_sequence_and_bad_group() -> None:
    t = timing.boot_timing(timing.TimingProfile.FAST)
    with pytest.raises(InvalidArgument):
        boot_stages(t, sequence=running_dev())
    with pytest.raises(InvalidArgument):
        boot_stages(t, sequence=fatal(CODE_SELF_TEST), after_group=5)


# -- §5.4 fatal sequence -----------------------------------------------------------------------


def spec_repetition(m: int, s: int | None = None) -> list[tuple[bool, int]]:
    """§5.4's pseudocode, transcribed."""
    out = flashes(10, 50, 50)
    out += [(OFF, 1000)] + flashes(m, 500, 500)
    if s is not None:
        out += [(OFF, 1000)] + flashes(s, 500, 500)
    return out


def spec_fatal(m: int, s: int | None = None) -> tuple[Segment, ...]:
    r = spec_repetition(m, s)
    return segs(*(r + [(OFF, 2000)] + r + [(OFF, 2000)] + r))


@pytest.mark.parametrize(
    ("code", "one_ms", "whole_ms"),
    [
        ("4", 5450, 20_350),
        ("4/1", 6950, 24_850),
        ("4/2", 7950, 27_850),
        ("5", 6450, 23_350),
        ("6", 7450, 26_350),
        ("6/1", 8950, 30_850),
        ("6/2", 9950, 33_850),
        ("6/3", 10_950, 36_850),
        ("8", 9450, 32_350),
        ("9", 10_450, 35_350),
        ("20/1", 22_950, 72_850),
        ("20/2", 23_950, 75_850),
        ("22/9", 32_950, 102_850),
    ],
)
def test_fatal_durations(code: str, one_ms: int, whole_ms: int) -> None:
    c = FatalCode.parse(code)
    assert sum(s.ms for s in fatal_repetition(c)) == one_ms
    assert timing.repetition_ms(c.main, c.sub) == one_ms
    p = fatal(c)
    assert p.duration_ms == whole_ms == timing.sequence_ms(c.main, c.sub)
    assert p.label == f"fatal {code}" and not p.repeating


@pytest.mark.parametrize(
    "code",
    [
        CODE_BOOT_SIGNATURE, CODE_TAMPER_DESTROYED, CODE_KEY_DIGEST, tamper_code(1),
        tamper_code(2), tamper_code(3), CODE_HEARTBEAT_LOST, CODE_LOW_TEMPERATURE,
        CODE_HIGH_TEMPERATURE, CODE_BOOT_PROCESS, CODE_LOW_BATTERY, CODE_LOW_BATTERY_ALPHA,
        CODE_SELF_TEST,
    ],
    ids=lambda c: c.label,
)
def test_fatal_structure_matches_the_spec_pseudocode(code: FatalCode) -> None:
    assert fatal(code).segments == spec_fatal(code.main, code.sub)


def test_fatal_6_1_exact_segments_three_times() -> None:
    preamble = [(ON, 50), (OFF, 50)] * 9 + [(ON, 50)]
    one = preamble + [(OFF, 1000)]
    one += [(ON, 500), (OFF, 500)] * 5 + [(ON, 500)]  # six 0.5 s flashes
    one += [(OFF, 1000), (ON, 500)]  # sub-code 1
    expected = segs(*one, (OFF, 2000), *one, (OFF, 2000), *one)
    p = fatal(FatalCode(6, 1), simulated=True)
    assert p.segments == expected
    assert len(p.segments) == 3 * 33 + 2
    assert p.simulated and p.priority is LedPriority.SEQUENCE


def test_s63_exact_fatal_timing_then_reboot() -> None:  # S-63
    t = timing.boot_timing(timing.TimingProfile.FAST)
    patterns = (fatal(CODE_BOOT_SIGNATURE), *boot_stages(t))
    items = [i for i in timeline(patterns, 40_000) if i.label == "fatal 4/2"]
    first = [(i.on, i.ms) for i in items[:24]]
    assert first[:19] == [(ON, 50), (OFF, 50)] * 9 + [(ON, 50)]
    assert sum(ms for _, ms in first[:19]) == 950
    assert first[19] == (OFF, 1000)
    main = [(i.on, i.ms) for i in items[20:27]]
    assert main == [(ON, 500), (OFF, 500)] * 3 + [(ON, 500)]
    assert (items[27].on, items[27].ms) == (OFF, 1000)
    assert [(i.on, i.ms) for i in items[28:31]] == [(ON, 500), (OFF, 500), (ON, 500)]
    assert (items[31].on, items[31].ms) == (OFF, 2000)
    assert items[31].start_ms == 40_000 + 7950
    got = spans(patterns, 40_000)
    assert got[0] == Span(40_000, 67_850, "fatal 4/2", False)
    assert got[1].label == "boot_init" and got[1].start_ms == 67_850


def test_fatal_code_records() -> None:
    assert FatalCode(6, 1).label == "6/1" and str(FatalCode(5)) == "5"
    assert FatalCode.parse("22/9") == CODE_BOOT_PROCESS
    assert FatalCode.parse("8") == CODE_HEARTBEAT_LOST
    for bad in ("", "x", "6/", "0", "6/0", "-1"):
        with pytest.raises(InvalidArgument):
            FatalCode.parse(bad)
    with pytest.raises(InvalidArgument):
        FatalCode(True)


@pytest.mark.parametrize("mask", [0, 4, -1, True])
def test_tamper_code_mask_range(mask: int) -> None:
    with pytest.raises(InvalidArgument):
        tamper_code(mask)


def test_code_meanings() -> None:
    assert "signature" in meaning(CODE_BOOT_SIGNATURE)
    assert "channel 0 and 1" in meaning(tamper_code(3))
    assert "channel 1" in meaning(tamper_code(2))
    assert meaning(FatalCode(13)) == "unknown code"


# -- §5.7 user control and priorities ----------------------------------------------------------


def test_led_on_and_off() -> None:
    assert led_on().label == LABEL_USER and led_on().repeating
    assert all(led_at(led_on(), t) for t in (0, 999, 1000, 10**9))
    assert not any(led_at(led_off(), t) for t in (0, 999, 1000, 10**9))


def test_led_flash_500_100() -> None:
    p = led_flash(500, 100)
    assert p.repeating and p.segments == segs((ON, 500), (OFF, 100))
    assert p.priority is LedPriority.USER and p.label == "user"


def test_s64_led_flash_off_defaults_to_on() -> None:  # S-64
    p = led_flash(200)
    assert p.repeating and p.segments == segs((ON, 200), (OFF, 200))
    assert [led_at(p, t) for t in (0, 199, 200, 399, 400)] == [ON, ON, OFF, OFF, ON]


def test_s64_finite_flash_then_dark() -> None:  # S-64
    p = led_flash(100, 300, 3)
    assert not p.repeating
    assert p.for_ms(1000).segments == segs(
        (ON, 100), (OFF, 300), (ON, 100), (OFF, 300), (ON, 100), (OFF, 100))
    assert [led_at(p, t) for t in (0, 99, 100, 800, 899, 900, 10**9)] == [
        ON, ON, OFF, ON, ON, OFF, OFF]
    items = timeline([p], 0, 2000)
    assert items[-1] == TimelineSegment(900, OFF, 1100, "user")


def test_four_billion_flashes_are_one_cycle() -> None:
    p = led_flash(1, 1, USER_MS_MAX)
    assert p.segments == segs((ON, 1), (OFF, 1)) and p.cycles == USER_MS_MAX
    assert p.duration_ms == 2 * USER_MS_MAX
    late = 2 * (USER_MS_MAX - 1)  # the start of the last flash
    assert p.window(late - 1, 5).segments == segs((OFF, 1), (ON, 1), (OFF, 3))
    assert [led_at(p, t) for t in (late, late + 1, late + 2, 10**12)] == [ON, OFF, OFF, OFF]


def test_a_finite_pattern_cannot_repeat_cycles() -> None:
    with pytest.raises(InvalidArgument):
        Pattern("x", segs((ON, 1)), LedPriority.USER, repeating=True, cycles=2)
    with pytest.raises(InvalidArgument):
        Pattern("x", segs((ON, 1)), LedPriority.USER, cycles=0)


@given(on=st.integers(1, 50), off=st.integers(1, 50), count=st.integers(0, 10**9),
       offset=st.integers(0, 10**12), duration=st.integers(1, 5000))
def test_window_matches_the_unrolled_pattern_and_its_bound(
        on: int, off: int, count: int, offset: int, duration: int) -> None:
    p = led_flash(on, off, count)
    window = p.window(offset, duration)
    assert len(window.segments) <= p.max_segments(duration)
    assert sum(s.ms for s in window.segments) == duration
    at = offset
    for segment in window.segments:
        assert led_at(p, at) == segment.on
        at += segment.ms
    budget = len(p.segments) * 10
    assert p.max_segments(p.longest_window(budget)) <= budget


def test_led_flash_zero_on_time_is_dark() -> None:
    assert led_flash(0) == led_off()


@pytest.mark.parametrize(
    "args", [(-1,), (2**32,), (100, -1), (100, 100, 2**32), (1.5,), (None,), (True,)]
)
def test_led_flash_rejects_values_the_c_api_cannot_carry(args: tuple) -> None:
    with pytest.raises(InvalidArgument):
        led_flash(*args)


@pytest.mark.parametrize(
    ("status", "user_kept"),
    [
        (running_dev(), True),
        (running_production(), True),
        (waiting_for_host(), True),
        (boot_init(), False),
        (host_booting(1000), False),
        (usb_enumerated(500), False),
        (dark(), False),
        (cannot_bind(), False),
        (fatal(CODE_HEARTBEAT_LOST), False),
        (fatal(tamper_code(1), simulated=True), False),
    ],
    ids=lambda v: v.label if isinstance(v, Pattern) else str(v),
)
def test_priority_user_against_status(status: Pattern, user_kept: bool) -> None:
    user = led_flash(500, 100)
    choice = resolve(status, user)
    if user_kept:
        assert choice == LedChoice(user, user)
    else:
        assert choice == LedChoice(status, None)


def test_priority_order() -> None:  # §5.7
    order = [
        fatal(CODE_KEY_DIGEST), cannot_bind(), boot_init(), led_on(), waiting_for_host(),
        running_dev(),
    ]
    assert [p.priority for p in order] == sorted((p.priority for p in order), reverse=True)
    assert len({p.priority for p in order}) == len(order)


def test_no_user_pattern_shows_the_status() -> None:
    assert resolve(running_dev()) == LedChoice(running_dev(), None)


def test_s64_sequence_pre_empts_user_then_running_returns() -> None:  # S-64
    user = led_flash(200)
    choice = resolve(running_dev(), user)
    assert choice.shown == user
    choice = resolve(fatal(tamper_code(1), simulated=True), choice.user)
    assert choice.shown.label == "fatal 6/1" and choice.user is None
    choice = resolve(running_dev(), choice.user)
    assert choice.shown == running_dev()


def test_resolve_rejects_swapped_roles() -> None:
    with pytest.raises(InvalidArgument):
        resolve(led_on(), None)
    with pytest.raises(InvalidArgument):
        resolve(running_dev(), running_production())


# -- reading a pattern -------------------------------------------------------------------------


def test_led_at_running_dev_each_period() -> None:  # S-11
    p = running_dev()
    assert [led_at(p, t) for t in (0, 99, 100, 2999, 3000, 3099, 3100)] == [
        ON, ON, OFF, OFF, ON, ON, OFF,
    ]


def test_led_at_past_a_finite_pattern_is_dark() -> None:
    p = fatal(CODE_KEY_DIGEST)
    assert led_at(p, p.period_ms - 1) is True
    assert led_at(p, p.period_ms) is False


def test_led_at_rejects_negative_offsets() -> None:
    with pytest.raises(InvalidArgument):
        led_at(running_dev(), -1)


# -- §5.6 heartbeat ----------------------------------------------------------------------------


def test_s65_heartbeat_loss() -> None:  # S-65
    assert heartbeat_lost_at(5000, 61_000) == 65_000
    p = fatal(CODE_HEARTBEAT_LOST)
    assert p.label == "fatal 8" and not p.simulated and p.duration_ms == 32_350


def test_short_stall_keeps_the_heartbeat() -> None:
    assert heartbeat_lost_at(0, 59_999) is None
    assert heartbeat_lost_at(0, 60_000) == 60_000


# -- §5.8 timeline -----------------------------------------------------------------------------


def test_s11_waiting_then_running_dev() -> None:  # S-11
    patterns = (waiting_for_host().for_ms(10_000), running_dev())
    items = timeline(patterns, 0, 16_000)
    assert items[:2] == [
        TimelineSegment(0, ON, 100, "waiting_for_host"),
        TimelineSegment(100, OFF, 100, "waiting_for_host"),
    ]
    running_items = [i for i in items if i.label == "running_dev"]
    assert running_items == [
        TimelineSegment(10_000, ON, 100, "running_dev"),
        TimelineSegment(10_100, OFF, 2900, "running_dev"),
        TimelineSegment(13_000, ON, 100, "running_dev"),
        TimelineSegment(13_100, OFF, 2900, "running_dev"),
    ]


def test_s13_production_pattern_after_lock_and_power_cycle() -> None:  # S-13
    items = timeline([running_dev().for_ms(6000), running_production()], 0, 9000)
    prod = [(i.on, i.ms) for i in items if i.label == "running_production"]
    assert prod == [(ON, 100), (OFF, 100), (ON, 100), (OFF, 100), (ON, 100), (OFF, 2500)]


def test_s15_cannot_bind_rapid_10_s_then_dark() -> None:  # S-15
    items = timeline([cannot_bind()], 1000, 100_000)
    assert items[0] == TimelineSegment(1000, ON, 100, "cannot_bind")
    assert items[-1] == TimelineSegment(10_900, OFF, 89_100, "cannot_bind")
    assert sum(1 for i in items if i.on) == 50
    assert spans([cannot_bind()], 1000, 100_000) == [Span(1000, 100_000, "cannot_bind")]


def test_timeline_is_contiguous_and_cut_at_until() -> None:
    patterns = (boot_init(), fatal(CODE_SELF_TEST))
    items = timeline(patterns, 100, 2500)
    assert items == [
        TimelineSegment(100, ON, 1000, "boot_init"),
        TimelineSegment(1100, OFF, 1000, "boot_init"),
        TimelineSegment(2100, ON, 50, "fatal 9"),
        TimelineSegment(2150, OFF, 50, "fatal 9"),
        TimelineSegment(2200, ON, 50, "fatal 9"),
        TimelineSegment(2250, OFF, 50, "fatal 9"),
        TimelineSegment(2300, ON, 50, "fatal 9"),
        TimelineSegment(2350, OFF, 50, "fatal 9"),
        TimelineSegment(2400, ON, 50, "fatal 9"),
        TimelineSegment(2450, OFF, 50, "fatal 9"),
    ]
    assert list(iter_timeline(patterns, 100, 2500)) == items
    assert timeline(patterns, 100, 100) == []


def test_timeline_merges_within_a_pattern_only() -> None:
    items = timeline([led_on()], 0, 5000)
    assert items == [TimelineSegment(0, ON, 5000, "user")]
    # fatal ends on, boot_init begins on: two items in the timeline, one merged segment.
    patterns = (fatal(CODE_KEY_DIGEST), boot_init())
    items = timeline(patterns)
    assert items[-3:-1] == [
        TimelineSegment(25_850, ON, 500, "fatal 6"),
        TimelineSegment(26_350, ON, 1000, "boot_init"),
    ]
    merged = merge_segments(items)
    assert merged[-2:] == [LedSegment(25_850, 1500, ON), LedSegment(27_350, 1000, OFF)]
    assert merged[0] == LedSegment(0, 50, ON)


def test_merge_segments_needs_a_contiguous_timeline() -> None:
    with pytest.raises(InvalidArgument):
        merge_segments([TimelineSegment(0, ON, 10, "x"), TimelineSegment(20, OFF, 10, "x")])


def test_timeline_rules_for_repeating_patterns() -> None:
    with pytest.raises(InvalidArgument):
        timeline([running_dev(), boot_init()], 0, 10_000)
    with pytest.raises(InvalidArgument):
        timeline([running_dev()])
    with pytest.raises(InvalidArgument):
        timeline([boot_init()], 100, 50)
    assert timeline([]) == []


def test_for_ms_cuts_and_pads() -> None:
    assert running_dev().for_ms(3200).segments == segs((ON, 100), (OFF, 2900), (ON, 100), (OFF, 100))
    assert boot_init().for_ms(1500).segments == segs((ON, 1000), (OFF, 500))
    assert boot_init().for_ms(2500).segments == segs((ON, 1000), (OFF, 1500))
    with pytest.raises(InvalidArgument):
        boot_init().for_ms(0)


def test_spans_carry_the_simulated_flag() -> None:  # S-31 (span), S-39 (two sequences)
    seq = fatal(CODE_HIGH_TEMPERATURE, simulated=True)
    got = spans([seq, running_dev().for_ms(1000), seq, running_dev()], 0, 200_000)
    assert got == [
        Span(0, 75_850, "fatal 20/2", True),
        Span(75_850, 76_850, "running_dev", False),
        Span(76_850, 152_700, "fatal 20/2", True),
        Span(152_700, 200_000, "running_dev", False),
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Segment(True, 0),
        lambda: Segment(True, -5),
        lambda: Segment(True, 1.5),
        lambda: Pattern("", segs((ON, 1)), LedPriority.USER),
        lambda: Pattern("x", (), LedPriority.USER),
        lambda: Pattern("x", ((True, 5),), LedPriority.USER),
    ],
)
def test_invalid_records(build) -> None:
    with pytest.raises(InvalidArgument):
        build()
