"""``softscm store``: the state on disk. ``softscm store check`` runs SQLite's integrity
check and the seal checks and prints the result of each (exit 1 when the state is
damaged)."""

from __future__ import annotations

import sys

import click

from softscm.cli.common import Group, State, emit, json_option
from softscm.store.database import DAMAGE_ADVICE


@click.group(cls=Group)
def store() -> None:
    """The module's state on disk."""


@store.command()
@json_option
@click.pass_obj
def check(state: State, as_json: bool) -> None:
    """Check the state directory: SQLite's integrity check, that the master key, the
    data-lock keys and every sealed key open, the event log's hash chain and whether an
    erasure is pending. Exit 1 when a check fails. Refused while a daemon serves it."""
    from softscm.runtime import resolve_home
    from softscm.statecheck import check_state

    checks = check_state(state.home)
    ok = all(c.ok for c in checks)
    result = {"home": str(resolve_home(state.home)), "ok": ok,
              "checks": [c._asdict() for c in checks]}
    lines = [f"{'ok  ' if c.ok else 'FAIL'}  {c.name:<10} {c.detail}" for c in checks]
    if not ok:
        lines.append(f"the state is damaged: {DAMAGE_ADVICE}")
    emit(as_json, result, "\n".join(lines))
    if not ok:
        sys.exit(1)
