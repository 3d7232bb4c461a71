"""``softscm led``: the LED live, and its timeline (``scm-behaviour.md`` §5.8)."""

from __future__ import annotations

import json
import re

import pytest

from softscm.cli import led as led_cli
from softscm.testing import simulated_module

LINE = re.compile(r"^  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +(\d+) ms  (on|off)$")


@pytest.fixture
def bound(run):
    """A module a host has bound (a host command opens a session), so it runs."""
    run("keys", "list")
    return run


def test_log_prints_segments_then_spans(bound) -> None:
    run = bound
    run("sim", "advance", "10")
    lines = run("led", "--log").output.splitlines()
    assert lines[0] == "segments (start, duration, state):"
    split = lines.index("spans (start - end, label):")
    segments = [LINE.match(line) for line in lines[1:split]]
    assert all(segments), lines[1:split]
    # Running in development mode: one 100 ms flash every 3 s.
    assert ("100", "on") in [m.groups() for m in segments if m]
    assert ("2900", "off") in [m.groups() for m in segments if m]
    assert lines[-1].endswith("  running_dev")


def test_json_gives_the_two_lists(bound) -> None:
    run = bound
    run("sim", "advance", "7")
    view = json.loads(run("led", "--json").stdout)
    segments, spans = view["segments"], view["spans"]
    for (start, duration, _), (after, _, _) in zip(segments, segments[1:]):
        assert start + duration == after, "no gaps, no overlaps"
    assert all(a[2] != b[2] for a, b in zip(segments, segments[1:])), "merged"
    assert spans[-1][2] == "running_dev" and spans[-1][3] is False
    assert view["now_ms"] >= spans[-1][1]
    again = json.loads(run("led", "--log", "--json").stdout)["spans"]
    assert [s[2] for s in again] == [s[2] for s in spans], "the module's time runs on"


def test_since_keeps_what_lasts_past_it(run) -> None:
    run("sim", "advance", "20")
    view = json.loads(run("led", "--json").stdout)
    since = view["now_ms"] - 4000
    later = json.loads(run("led", "--json", "--since", str(since)).stdout)
    assert later["segments"] and all(s[0] + s[1] > since for s in later["segments"])
    assert len(later["segments"]) < len(view["segments"])


def test_a_simulated_sequence_is_labelled(run) -> None:
    # S-32: development mode, self-destruct on channel 1 is simulated as fatal 6/2.
    run("perimeter", "arm", "1", "--no-notify", "--self-destruct")
    run("sim", "tamper", "1")
    run("sim", "advance", "40")
    lines = run("led", "--log").output.splitlines()
    fatal = [line for line in lines if "fatal 6/2" in line]
    assert fatal and fatal[0].endswith("fatal 6/2 (simulated)")
    assert lines[-1].endswith("running_dev")
    spans = json.loads(run("led", "--json").stdout)["spans"]
    (start, end, _, simulated), = [s for s in spans if s[2] == "fatal 6/2"]
    assert end - start == 33_850 and simulated is True


def test_live_view_shows_the_dot_and_label(bound) -> None:
    out = bound("led", "--for", "0.2").output
    assert "running_dev" in out and "module time" in out and "Ctrl-C" in out
    assert ("●" in out) or ("○" in out)


def test_live_view_stops_quietly_on_ctrl_c(bound, monkeypatch) -> None:
    run = bound
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(led_cli.time, "sleep", interrupt)
    result = run("led")
    assert "running_dev" in result.output and "Traceback" not in result.output


def test_watcher_follows_the_flashes(tmp_path) -> None:
    with simulated_module(tmp_path) as scm:
        scm.advance(3.0)          # the running pattern starts a cycle every 3 s
        watcher = led_cli._Watcher(scm.client)
        assert watcher.label == "running_dev"
        seen = []
        for _ in range(80):       # 4 s in 50 ms steps
            scm.clock.advance(0.05)
            watcher.poll()
            seen.append(watcher.on)
        flashes = sum(1 for a, b in zip(seen, seen[1:]) if b and not a)
        assert flashes in (1, 2) and seen.count(True) <= 2 * 2
        scm.client.led_on()
        scm.clock.advance(0.05)
        watcher.poll()
        assert watcher.on and watcher.label == "user"
        assert "user" in str(watcher.render())
