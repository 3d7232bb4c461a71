"""``softscm metrics`` and ``softscm event`` (``scm-behaviour.md`` §9.6): the module's
counters, and host events recorded in its event log. Both are operator commands: they
open no host session."""

from __future__ import annotations

import click

from softscm.cli.common import Command, State, emit, json_option


@click.command(cls=Command)
@json_option
@click.pass_obj
def metrics(state: State, as_json: bool) -> None:
    """The module's counters: power-ons, reboots by reason, binds, bind failures,
    breaches per channel, simulated actions, self-destructs, heartbeat losses,
    brown-outs, host events and API calls."""
    counts = state.operator().metrics()
    lines = []
    for name in sorted(counts):
        value = counts[name]
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "-"
            lines.append(f"{name:<18} {inner}")
        else:
            lines.append(f"{name:<18} {value}")
    emit(as_json, counts, "\n".join(lines))


@click.command(cls=Command)
@click.argument("name")
@click.argument("fields", nargs=-1)
@json_option
@click.pass_obj
def event(state: State, name: str, fields: tuple[str, ...], as_json: bool) -> None:
    """Record a host event NAME with KEY=VALUE fields in the event log
    (`softscm event wifi state=up`)."""
    detail = {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="FIELDS")
        if key in detail:
            raise click.BadParameter(f"field {key!r} given twice", param_hint="FIELDS")
        detail[key] = value
    state.operator().host_event(name, detail)
    emit(as_json, {"name": name, "fields": detail}, f"recorded host event {name}")
