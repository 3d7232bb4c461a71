"""``softscm sim``: the physical world and the factory, as the operator plays them
(``scm-behaviour.md`` §0.1). One command per simulation input, made from the input's
declaration in the module's registry of operations (:data:`softscm.scenario.INPUTS`),
and ``sim run`` for a scenario file.

A module made with ``softscm init --no-simulation`` refuses every one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from softscm.cli.common import INTEGER, Command, Group, State, emit, json_option
from softscm.scenario import (
    INPUTS,
    Input,
    Param,
    ScenarioError,
    Step,
    apply_input,
    check_args,
    load,
    play,
)


@click.group(cls=Group)
def sim() -> None:
    """Drive the simulated world: perimeter loops, sensors, power, host, clock."""


def _apply(state: State, as_json: bool, name: str, **args: Any) -> None:
    """Send one input and say what was done."""
    checked = check_args(name, args)
    done = apply_input(state.operator().sim, name, checked)
    emit(as_json, {"input": name, "control": INPUTS[name].control, "args": checked,
                   "done": done}, done)


def _help(spec: Input) -> str:
    return spec.help[:1].upper() + spec.help[1:] + "."


def _axis(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return str(check_args("tap", {"axis": value})["axis"])
    except ScenarioError:
        raise click.BadParameter("an axis and a direction such as x+, y- or z+") from None


def _salt_file(ctx: click.Context, param: click.Parameter, value: str) -> bytes:
    """The salt in a file: hexadecimal text, or the raw salt file (``host.salt`` of a
    state directory)."""
    data = Path(value).read_bytes()
    try:
        return bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        return data


def _switch(ctx: click.Context, param: click.Parameter, value: str) -> bool:
    return value == "on"


#: The click type of a required parameter, by the parameter's kind.
_TYPES: dict[str, Any] = {"int": INTEGER, "number": float, "text": str}


def _click_param(param: Param) -> click.Parameter:
    """The argument (a required parameter) or option (one with a default) of ``param``
    on its ``softscm sim`` command."""
    if not param.required:
        if param.kind == "bool":
            return click.Option([param.option or f"--{param.name}", param.name],
                                default=param.default, show_default=True, help=param.help)
        # Not given: the module's default applies (the input's default, in its words).
        return click.Option([param.option or f"--{param.name}", param.name],
                            type=_TYPES[param.kind], default=None, help=param.help)
    if param.kind == "bool":
        return click.Argument(["switch"], metavar=param.metavar,
                              type=click.Choice(["on", "off"]), callback=_switch)
    if param.kind == "hex":
        return click.Argument([param.name], metavar=param.metavar, callback=_salt_file,
                              type=click.Path(exists=True, dir_okay=False))
    if param.kind == "axis":
        return click.Argument([param.name], metavar=param.metavar, callback=_axis)
    kind = click.Choice(param.choices) if param.choices else _TYPES[param.kind]
    return click.Argument([param.name], metavar=param.metavar, type=kind)


def _input_command(spec: Input) -> click.Command:
    """The ``sim`` subcommand of simulation input ``spec``, helped by the input's own
    text: its parameters as arguments (and options, for those with a default)."""

    @click.pass_obj
    def command(state: State, /, as_json: bool, **values: Any) -> None:
        if "switch" in values:  # an on|off argument names its bool parameter "on"
            values["on"] = values.pop("switch")
        args = {name: value for name, value in values.items() if value is not None}
        _apply(state, as_json, spec.name, **args)

    params = [_click_param(param) for param in spec.params]
    return Command(spec.name, callback=json_option(command), help=_help(spec),
                   params=params + command.__click_params__)  # type: ignore[attr-defined]


for _spec in INPUTS.values():
    sim.add_command(_input_command(_spec))


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
