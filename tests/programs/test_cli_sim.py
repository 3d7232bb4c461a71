"""``softscm sim``: one command per simulation input (``scm-behaviour.md`` §0.1)."""

from __future__ import annotations

import json

import pytest

from cli_runner import cli_runner
from softscm import Client
from softscm.cli.app import cli
from softscm.scenario import INPUTS


@pytest.fixture
def status(run):
    return lambda: json.loads(run("status", "--json").stdout)


def kinds(home) -> list[str]:
    with Client.open(home) as scm:
        return [e["kind"] for e in scm.events(limit=10_000)]


#: A sample invocation of every input, for the commands that all behave alike.
SAMPLES = {
    "tamper": ["0"], "close": ["0"], "pulse": ["1", "0.5"], "temp": ["-25"],
    "aux-temp": ["1", "-3.5"], "battery": ["2.1"], "remove-battery": [],
    "insert-battery": ["3.0"], "power": ["off"], "power-cycle": [], "host-reboot": [],
    "host-stall": ["5"], "host-identity": ["machine_id", "other-host"], "delete-salt": [],
    "tap": ["x+"], "accel": ["0", "-1", "0.5"], "brownout": ["0.5"], "corrupt": ["manifest"],
    "advance": ["60"], "host-time": ["1700000000"], "drift": ["-12.5"],
}


def test_every_input_has_a_command() -> None:
    commands = set(cli.commands["sim"].commands)
    assert set(INPUTS) <= commands
    assert commands - set(INPUTS) == {"run"}
    assert set(SAMPLES) | {"restore-salt"} == set(INPUTS)


def test_tamper_and_close(run, status, home) -> None:
    assert run("sim", "tamper", "1").stdout.strip() == "perimeter loop 1 opened"
    info = status()
    assert info["loops_open"] == [False, True]
    assert info["perimeter"][0] == 0 and info["perimeter"][1] > 0
    assert run("sim", "close", "1").stdout.strip() == "perimeter loop 1 closed"
    assert status()["loops_open"] == [False, False]
    assert kinds(home).count("perimeter_breach") == 1


def test_negative_numbers_need_no_double_dash(run, status) -> None:
    assert run("sim", "temp", "-25").stdout.strip() == "CPU temperature set to -25 °C"
    assert status()["cpu_temp"] == -25.0
    run("sim", "aux-temp", "0", "-40")
    assert status()["aux_temp"][0] == -40.0
    run("sim", "accel", "-1", "0", "-0.25")
    assert status()["accel"] == [-1.0, 0.0, -0.25]
    run("sim", "drift", "-12.5")
    out = json.loads(run("sim", "temp", "-2.5", "--json").stdout)
    assert out == {"input": "temp", "control": "set_temperature", "args": {"celsius": -2.5},
                   "done": "CPU temperature set to -2.5 °C"}


def test_battery_inputs(run, status) -> None:
    assert run("sim", "battery", "2.1").stdout.strip() == "battery set to 2.1 V"
    assert status()["battery"] == 2.1
    assert run("sim", "remove-battery").stdout.strip() == "battery removed"
    assert status()["battery"] is None
    run("sim", "insert-battery", "3.1")
    assert status()["battery"] == 3.1
    result = run("sim", "battery", "-1", code=1)
    assert result.stderr.strip() == (
        "error: battery: volts must be a finite number in 0..5, not -1")
    assert status()["battery"] == 3.1


def test_power(run, status, home) -> None:
    assert run("sim", "power", "off").stdout.strip() == "main power off"
    assert status()["main_power"] is False
    run("sim", "power", "on")
    assert status()["main_power"] is True
    run("sim", "power-cycle")
    assert kinds(home).count("power_off") == 2
    run("sim", "power", "sideways", code=2)


def test_tap_axes(run, home) -> None:
    assert run("sim", "tap", "z-").stdout.strip() == "tap on z- (16 g)"
    with Client.open(home) as scm:
        assert [d for _, d in scm.accelerometer()] == [0, 0, -1]
    out = json.loads(run("sim", "tap", "X", "--g", "12", "--json").stdout)
    assert out["args"] == {"axis": "x+", "g": 12.0}
    with Client.open(home) as scm:
        assert [d for _, d in scm.accelerometer()] == [1, 0, 0]
    assert "x+, y- or z+" in run("sim", "tap", "w+", code=2).output


def test_advance_moves_module_time(run, status) -> None:
    before = status()["module_time"]
    assert run("sim", "advance", "3600").stdout.strip() == "module time advanced 3600 s"
    assert status()["module_time"] - before >= 3600
    assert "time only moves forward" in run("sim", "advance", "-5", code=1).output


def test_host_inputs(run, home) -> None:
    assert run("sim", "host-identity", "cpu_serial", "1234").stdout.strip() == \
        "host identity cpu_serial set to '1234'"
    run("sim", "host-identity", "mac_address", "x", code=2)
    assert run("sim", "host-stall", "5").stdout.strip() == "host stalled for 5 s"
    assert run("sim", "host-reboot").stdout.strip() == "host rebooted"
    assert run("sim", "brownout", "0.5").stdout.strip() == "brownout for 0.5 s"
    out = run("sim", "host-time", "1700000000", "--no-ntp").output.strip()
    assert out == "host time set to 2023-11-14T22:13:20Z (NTP not synchronised)"
    run("sim", "host-time", "1700000000")
    assert "rtc_synced" in kinds(home)


def test_salt_delete_and_restore(run, home, tmp_path) -> None:
    assert run("sim", "delete-salt").stdout.strip() == "host salt deleted"
    salt = (home / "host.salt").read_bytes()
    as_hex = tmp_path / "salt.hex"
    as_hex.write_text(salt.hex() + "\n")
    assert run("sim", "restore-salt", str(as_hex)).stdout.strip() == \
        "host salt restored (32 bytes)"
    out = json.loads(run("sim", "restore-salt", str(home / "host.salt"), "--json").stdout)
    assert out["args"]["salt"] == salt.hex()


def test_module_errors_are_one_line(run) -> None:
    run("init")
    result = run("sim", "tamper", "2", code=1)
    assert result.output.count("\n") == 1 and result.output.startswith("error: InvalidArgument")
    assert "Traceback" not in run("sim", "corrupt", "nowhere", code=1).output


def module_has(op: str) -> bool:
    """Whether the module serves ``op`` as a simulation input (``sim_corrupt`` lives
    with the integrity checks)."""
    from softscm.module.module import OPERATIONS
    from softscm.module.operations import Kind

    return op in OPERATIONS and OPERATIONS[op].kind is Kind.SIMULATION


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_refused_without_simulation(home, name) -> None:
    assert module_has("sim_" + INPUTS[name].control)
    runner = cli_runner()
    made = runner.invoke(cli, ["--home", str(home), "init", "--no-simulation"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(cli, ["--home", str(home), "sim", name, *SAMPLES[name]])
    assert result.exit_code == 1, result.output
    assert result.output == ("error: OperationNotSupported: this module was made for a real "
                             "deployment: simulation controls are off\n")


def test_restore_salt_refused_without_simulation(home, tmp_path) -> None:
    runner = cli_runner()
    runner.invoke(cli, ["--home", str(home), "init", "--no-simulation"])
    (tmp_path / "s").write_text("00" * 32)
    result = runner.invoke(cli, ["--home", str(home), "sim", "restore-salt", str(tmp_path / "s")])
    assert result.exit_code == 1 and "simulation controls are off" in result.output
