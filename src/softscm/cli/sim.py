"""``softscm sim``: the physical world and the factory, as the operator plays them
(``scm-behaviour.md`` §0.1). One command per simulation input, named as in
:data:`softscm.scenario.INPUTS`, and ``sim run`` for a scenario file.

A module made with ``softscm init --no-simulation`` refuses every one of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from softscm.cli.common import INTEGER, Group, State, emit, json_option
from softscm.module.physical import IDENTITY_FACTORS
from softscm.module.supervised_boot import CORRUPTIBLE_AREAS
from softscm.scenario import INPUTS, ScenarioError, Step, apply_input, check_args, load, play


@click.group(cls=Group)
def sim() -> None:
    """Drive the simulated world: perimeter loops, sensors, power, host, clock."""


def _apply(state: State, as_json: bool, name: str, **args: Any) -> None:
    """Send one input and say what was done."""
    checked = check_args(name, args)
    done = apply_input(state.operator().sim, name, checked)
    emit(as_json, {"input": name, "control": INPUTS[name].control, "args": checked,
                   "done": done}, done)


def _help(name: str) -> str:
    return INPUTS[name].help[:1].upper() + INPUTS[name].help[1:] + "."


def _input_command(name: str, **settings: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A ``sim`` subcommand for input ``name``, helped by the input's own text."""
    return sim.command(name, help=_help(name), **settings)


# -- perimeter -----------------------------------------------------------------------------


@_input_command("tamper")
@click.argument("channel", type=INTEGER)
@json_option
@click.pass_obj
def tamper(state: State, channel: int, as_json: bool) -> None:
    _apply(state, as_json, "tamper", channel=channel)


@_input_command("close")
@click.argument("channel", type=INTEGER)
@json_option
@click.pass_obj
def close(state: State, channel: int, as_json: bool) -> None:
    _apply(state, as_json, "close", channel=channel)


@_input_command("pulse")
@click.argument("channel", type=INTEGER)
@click.argument("duration", metavar="SECONDS", type=float)
@json_option
@click.pass_obj
def pulse(state: State, channel: int, duration: float, as_json: bool) -> None:
    _apply(state, as_json, "pulse", channel=channel, duration=duration)


# -- temperature and battery -------------------------------------------------------------


@_input_command("temp")
@click.argument("celsius", metavar="C", type=float)
@json_option
@click.pass_obj
def temp(state: State, celsius: float, as_json: bool) -> None:
    _apply(state, as_json, "temp", celsius=celsius)


@_input_command("aux-temp")
@click.argument("index", metavar="I", type=INTEGER)
@click.argument("celsius", metavar="C", type=float)
@json_option
@click.pass_obj
def aux_temp(state: State, index: int, celsius: float, as_json: bool) -> None:
    _apply(state, as_json, "aux-temp", index=index, celsius=celsius)


@_input_command("battery")
@click.argument("volts", metavar="V", type=float)
@json_option
@click.pass_obj
def battery(state: State, volts: float, as_json: bool) -> None:
    _apply(state, as_json, "battery", volts=volts)


@_input_command("remove-battery")
@json_option
@click.pass_obj
def remove_battery(state: State, as_json: bool) -> None:
    _apply(state, as_json, "remove-battery")


@_input_command("insert-battery")
@click.argument("volts", metavar="V", type=float)
@json_option
@click.pass_obj
def insert_battery(state: State, volts: float, as_json: bool) -> None:
    _apply(state, as_json, "insert-battery", volts=volts)


# -- power and host ------------------------------------------------------------------------


@_input_command("power")
@click.argument("switch", metavar="on|off", type=click.Choice(["on", "off"]))
@json_option
@click.pass_obj
def power(state: State, switch: str, as_json: bool) -> None:
    _apply(state, as_json, "power", on=switch == "on")


@_input_command("power-cycle")
@json_option
@click.pass_obj
def power_cycle(state: State, as_json: bool) -> None:
    _apply(state, as_json, "power-cycle")


@_input_command("host-reboot")
@json_option
@click.pass_obj
def host_reboot(state: State, as_json: bool) -> None:
    _apply(state, as_json, "host-reboot")


@_input_command("host-stall")
@click.argument("seconds", metavar="S", type=float)
@json_option
@click.pass_obj
def host_stall(state: State, seconds: float, as_json: bool) -> None:
    _apply(state, as_json, "host-stall", seconds=seconds)


@_input_command("host-identity")
@click.argument("factor", type=click.Choice(IDENTITY_FACTORS))
@click.argument("value")
@json_option
@click.pass_obj
def host_identity(state: State, factor: str, value: str, as_json: bool) -> None:
    _apply(state, as_json, "host-identity", factor=factor, value=value)


@_input_command("delete-salt")
@json_option
@click.pass_obj
def delete_salt(state: State, as_json: bool) -> None:
    _apply(state, as_json, "delete-salt")


@sim.command("restore-salt")
@click.argument("hexfile", type=click.Path(exists=True, dir_okay=False))
@json_option
@click.pass_obj
def restore_salt(state: State, hexfile: str, as_json: bool) -> None:
    """Put the host salt back from HEXFILE: hexadecimal text, or the raw salt file
    (``host.salt`` of a state directory)."""
    data = Path(hexfile).read_bytes()
    try:
        salt = bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        salt = data
    _apply(state, as_json, "restore-salt", salt=salt)


# -- motion --------------------------------------------------------------------------------


def _axis(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return str(check_args("tap", {"axis": value})["axis"])
    except ScenarioError:
        raise click.BadParameter("an axis and a direction such as x+, y- or z+") from None


@_input_command("tap")
@click.argument("axis", metavar="AXIS±", callback=_axis)
@click.option("--g", "g", type=float, default=None,
              help="Size of the impulse in g (default: 16, seen by every enabled axis).")
@json_option
@click.pass_obj
def tap(state: State, axis: str, g: float | None, as_json: bool) -> None:
    args: dict[str, Any] = {"axis": axis}
    if g is not None:
        args["g"] = g
    _apply(state, as_json, "tap", **args)


@_input_command("accel")
@click.argument("x", type=float)
@click.argument("y", type=float)
@click.argument("z", type=float)
@json_option
@click.pass_obj
def accel(state: State, x: float, y: float, z: float, as_json: bool) -> None:
    _apply(state, as_json, "accel", x=x, y=y, z=z)


# -- supply, store, clock --------------------------------------------------------------------


@_input_command("brownout")
@click.argument("seconds", metavar="S", type=float)
@json_option
@click.pass_obj
def brownout(state: State, seconds: float, as_json: bool) -> None:
    _apply(state, as_json, "brownout", seconds=seconds)


@_input_command("corrupt")
@click.argument("area", metavar="|".join(CORRUPTIBLE_AREAS))
@json_option
@click.pass_obj
def corrupt(state: State, area: str, as_json: bool) -> None:
    _apply(state, as_json, "corrupt", area=area)


@_input_command("advance")
@click.argument("seconds", type=float)
@json_option
@click.pass_obj
def advance(state: State, seconds: float, as_json: bool) -> None:
    _apply(state, as_json, "advance", seconds=seconds)


@_input_command("host-time")
@click.argument("epoch", type=float)
@click.option("--ntp/--no-ntp", "ntp_synced", default=True, show_default=True,
              help="Whether the host's clock is synchronised by NTP.")
@json_option
@click.pass_obj
def host_time(state: State, epoch: float, ntp_synced: bool, as_json: bool) -> None:
    _apply(state, as_json, "host-time", epoch=epoch, ntp_synced=ntp_synced)


@_input_command("drift")
@click.argument("ppm", type=float)
@json_option
@click.pass_obj
def drift(state: State, ppm: float, as_json: bool) -> None:
    _apply(state, as_json, "drift", ppm=ppm)


# -- scenarios -------------------------------------------------------------------------------


@sim.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True, help="Only check the file and list its events.")
@json_option
@click.pass_obj
def run(state: State, file: str, check: bool, as_json: bool) -> None:
    """Play the scenario FILE: a TOML timeline of inputs (see the README). Module time
    moves forward to each event; nothing waits in real time."""
    scenario = load(file)
    played: list[dict[str, Any]] = []

    def heard(step: Step, done: str) -> None:
        played.append({"event": step.index, "at": step.at, "do": step.input,
                       "args": step.args, "done": done})
        if not as_json:
            click.echo(f"{_offset(step.at)}  {step.input}: {done}")

    if check:
        for step in scenario.steps:
            heard(step, step.describe())
    else:
        play(state.operator().sim, scenario, heard)
    summary = (f"{'checked' if check else 'played'} {len(scenario.steps)} event"
               f"{'' if len(scenario.steps) == 1 else 's'} over {scenario.end:g} s of "
               f"module time" + (f" ({scenario.name})" if scenario.name else ""))
    emit(as_json, {"scenario": scenario.name, "file": file, "end": scenario.end,
                   "played": not check, "events": played}, summary)


def _offset(seconds: float) -> str:
    return f"+{seconds:10.3f} s"
