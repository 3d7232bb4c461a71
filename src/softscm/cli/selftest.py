"""``softscm selftest``: the module's whole self test on demand, with each check's
result (``scm-behaviour.md`` §9.2)."""

from __future__ import annotations

from typing import Any

import click

from softscm.cli.common import Command, State, emit, json_option


@click.command(cls=Command)
@json_option
@click.pass_obj
def selftest(state: State, as_json: bool) -> None:
    """Run the whole self test now and print each check's result. A failure is fatal as
    at boot: the module shows code 6 (key store, master key) or 9 (any other check),
    reboots, and host calls fail SelfTestFailed while it lasts. Exits 1 on a failure."""
    report = state.operator().selftest()
    emit(as_json, report, _text(report))
    if report["result"] != "pass":
        raise click.exceptions.Exit(1)


def _text(report: dict[str, Any]) -> str:
    lines = [f"  {check['name']:<13} {'pass' if check['passed'] else 'FAIL'}"
             for check in report["checks"]]
    verdict = f"self test: {report['result']}"
    if "code" in report:
        verdict += f" (fatal code {report['code']}; the module reboots)"
    return "\n".join([verdict, *lines])
