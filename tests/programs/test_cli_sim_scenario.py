"""Scenario files: ``softscm sim run FILE`` and :mod:`softscm.scenario`."""

from __future__ import annotations

import json
import textwrap

import pytest

from cli_runner import cli_runner
from softscm import Client
from softscm.cli.app import cli
from softscm.scenario import EventFailed, ScenarioError, parse, play
from softscm.testing import simulated_module

LID = textwrap.dedent("""\
    name = "lid opened in transit"
    description = "the enclosure is opened, closed, then the module gets cold"

    [[event]]
    at = 0
    do = "tamper"
    channel = 0

    [[event]]
    at = 2.5
    do = "close"
    channel = 0

    [[event]]
    at = 10
    do = "temp"
    celsius = -25

    [[event]]
    at = 10
    do = "tap"
    axis = "y-"
    g = 20
""")


def write(tmp_path, text: str, name: str = "scenario.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


# -- the format ----------------------------------------------------------------------------


def test_parse_a_scenario() -> None:
    scenario = parse(LID, "lid.toml")
    assert scenario.name == "lid opened in transit"
    assert [(s.at, s.input, s.args) for s in scenario.steps] == [
        (0.0, "tamper", {"channel": 0}),
        (2.5, "close", {"channel": 0}),
        (10.0, "temp", {"celsius": -25.0}),
        (10.0, "tap", {"axis": "y-", "g": 20.0}),
    ]
    assert [s.line for s in scenario.steps] == [4, 9, 14, 19]
    assert scenario.end == 10.0


def test_end_extends_the_run() -> None:
    text = 'end = 30\n[[event]]\nat = 1\ndo = "power-cycle"\n'
    assert parse(text).end == 30.0


@pytest.mark.parametrize("text, message", [
    ("[[event]\n", "not valid TOML"),
    ("", "no events"),
    ("name = 'x'\n", "no events"),
    ("speed = 3\n[[event]]\nat = 0\ndo = 'tamper'\nchannel = 0\n", "unknown top-level key 'speed'"),
    ("[[event]]\nat = 0\ndo = 'explode'\n", "event 1 (line 1): unknown input do = 'explode'"),
    ("[[event]]\nat = 0\ndo = 'advance'\nseconds = 3\n", "place events in time with at"),
    ("[[event]]\nat = 0\n", "event 1 (line 1): missing do"),
    ("[[event]]\ndo = 'tamper'\nchannel = 0\n", "missing at"),
    ("[[event]]\nat = -1\ndo = 'tamper'\nchannel = 0\n", "at must be a number of seconds >= 0"),
    ("[[event]]\nat = 'soon'\ndo = 'tamper'\nchannel = 0\n", "at must be a number"),
    ("[[event]]\nat = 0\ndo = 'tamper'\n", "event 1 (line 1): tamper needs 'channel'"),
    ("[[event]]\nat = 0\ndo = 'tamper'\nchanel = 0\n", "tamper takes no 'chanel' (it takes channel)"),
    ("[[event]]\nat = 0\ndo = 'tamper'\nchannel = '0'\n", "channel must be an integer"),
    ("[[event]]\nat = 0\ndo = 'temp'\ncelsius = true\n", "celsius must be a number"),
    ("[[event]]\nat = 0\ndo = 'power'\non = 'off'\n", "on must be true or false"),
    ("[[event]]\nat = 0\ndo = 'tap'\naxis = 'q'\n", "axis must be an axis and a sign"),
    ("[[event]]\nat = 0\ndo = 'restore-salt'\nsalt = 'zz'\n", "salt must be hexadecimal"),
    ("[[event]]\nat = 0\ndo = 'remove-battery'\nvolts = 1\n", "takes no 'volts' (it takes no parameters)"),
    ("end = 1\n[[event]]\nat = 5\ndo = 'power-cycle'\n", "end must be a number of seconds no earlier"),
    ("end = nan\n[[event]]\nat = 5\ndo = 'power-cycle'\n", "end must be a number of seconds"),
    ("end = inf\n[[event]]\nat = 5\ndo = 'power-cycle'\n", "end must be a number of seconds"),
    ("[[event]]\nat = 0\ndo = [1]\n", "unknown input do = [1]"),
    ("[[event]]\nat = inf\ndo = 'power-cycle'\n", "at must be a number of seconds >= 0"),
    ("event = 3\n", "no events"),
])
def test_bad_files_are_named_clearly(text, message) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "bad.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("bad.toml: ")


def test_events_out_of_order_name_their_line() -> None:
    text = LID.replace("at = 10\ndo = \"temp\"", "at = 1\ndo = \"temp\"")
    with pytest.raises(ScenarioError, match=r"event 3 \(line 14\): at = 1 comes before the "
                                            r"previous event's at = 2.5"):
        parse(text, "lid.toml")


def test_inline_events_have_no_line() -> None:
    text = 'event = [{at = 0, do = "tamper", channel = 0}, {at = 1, do = "tamper"}]\n'
    with pytest.raises(ScenarioError, match=r"^s: event 2: tamper needs 'channel'$"):
        parse(text, "s")


# -- playing ---------------------------------------------------------------------------------


def test_play_moves_module_time_not_real_time(tmp_path) -> None:
    with simulated_module(tmp_path) as scm:
        start = scm.clock.now()
        heard = []
        play(scm.sim, parse("end = 60\n" + LID), lambda step, done: heard.append(done))
        assert heard == ["perimeter loop 0 opened", "perimeter loop 0 closed",
                         "CPU temperature set to -25 °C", "tap on y- (20 g)"]
        events = {e["kind"]: e for e in scm.client.events(limit=1000)}
        assert events["perimeter_breach"]["at"] == start
        assert events["temperature_out_of_range"]["at"] == start + 10
        assert scm.client.status()["module_time"] == pytest.approx(start + 60)
        assert scm.clock.now() == start, "the fake clock never slept"
        assert scm.client.accelerometer()[1][1] == -1


def test_play_stops_at_a_refused_event(tmp_path) -> None:
    text = LID.replace("at = 2.5\ndo = \"close\"\nchannel = 0", "at = 2.5\ndo = \"close\"\nchannel = 7")
    with simulated_module(tmp_path) as scm:
        with pytest.raises(EventFailed) as caught:
            play(scm.sim, parse(text, "lid.toml"))
        assert caught.value.step.index == 2
        assert str(caught.value).startswith("lid.toml: event 2 (line 9), close at 2.5 s: "
                                            "InvalidArgument:")
        assert scm.client.status()["loops_open"] == [True, False]


# -- the command ------------------------------------------------------------------------------


def test_sim_run(run, home, tmp_path) -> None:
    path = write(tmp_path, LID)
    with Client.open(home) as scm:
        start = scm.status()["module_time"]
    out = run("sim", "run", path).output.splitlines()
    assert out == [
        "+     0.000 s  tamper: perimeter loop 0 opened",
        "+     2.500 s  close: perimeter loop 0 closed",
        "+    10.000 s  temp: CPU temperature set to -25 °C",
        "+    10.000 s  tap: tap on y- (20 g)",
        "played 4 events over 10 s of module time (lid opened in transit)",
    ]
    with Client.open(home) as scm:
        info = scm.status()
        events = {e["kind"]: e["at"] for e in scm.events(limit=1000)}
    assert info["cpu_temp"] == -25.0 and info["loops_open"] == [False, False]
    # Module time moved 10 s through sim advance, plus the little real time the run took.
    assert events["temperature_out_of_range"] - events["perimeter_breach"] == \
        pytest.approx(10, abs=1)
    assert info["module_time"] - start == pytest.approx(10, abs=1)


def test_sim_run_json(run, tmp_path) -> None:
    out = json.loads(run("sim", "run", write(tmp_path, LID), "--json").stdout)
    assert out["scenario"] == "lid opened in transit" and out["played"] is True
    assert [e["do"] for e in out["events"]] == ["tamper", "close", "temp", "tap"]
    assert out["events"][3] == {"event": 4, "at": 10.0, "do": "tap",
                                "args": {"axis": "y-", "g": 20.0}, "done": "tap on y- (20 g)"}


def test_sim_run_check_changes_nothing(run, home, tmp_path) -> None:
    run("init")
    with Client.open(home) as scm:
        before = len(scm.events(limit=1000))
    out = run("sim", "run", write(tmp_path, LID), "--check").output
    assert out.splitlines()[-1].startswith("checked 4 events over 10 s")
    with Client.open(home) as scm:
        assert len(scm.events(limit=1000)) == before
        assert scm.status()["loops_open"] == [False, False]


def test_sim_run_bad_file_is_one_line(run, tmp_path) -> None:
    path = write(tmp_path, "[[event]]\nat = 0\ndo = 'tamper'\nchannel = 0\n[[event]]\nat = 1\ndo = 'tmp'\n")
    result = run("sim", "run", path, code=1)
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"error: {path}: event 2 (line 5): unknown input do = 'tmp'")
    run("sim", "run", str(tmp_path / "missing.toml"), code=2)


def test_sim_run_refused_without_simulation(home, tmp_path) -> None:
    runner = cli_runner()
    runner.invoke(cli, ["--home", str(home), "init", "--no-simulation"])
    result = runner.invoke(cli, ["--home", str(home), "sim", "run", write(tmp_path, LID)])
    assert result.exit_code == 1
    assert result.output == (f"error: {tmp_path / 'scenario.toml'}: event 1 (line 4), tamper at "
                             "0 s: OperationNotSupported: this module was made for a real "
                             "deployment: simulation controls are off\n")
