"""``softscm perimeter``: check, clear and arm the two perimeter channels
(``scm-behaviour.md`` §4, and the arming procedure of §4.6)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import click

from softscm.cli.common import INTEGER, Group, State, emit, json_option
from softscm.errors import SoftScmError


@click.group(cls=Group)
def perimeter() -> None:
    """Perimeter detect: check, clear and arm the two channels."""


@perimeter.command()
@click.option("--clear", "clear_first", is_flag=True,
              help="Clear the recorded events first, then read them (the arming "
                   "procedure's check: a loop still open is recorded again at once).")
@json_option
@click.pass_obj
def check(state: State, clear_first: bool, as_json: bool) -> None:
    """Report each channel, by its own index: clear, or breached and when. The
    timestamps are read through the operator interface, so this works in every state
    (cannot bind, held, destroyed); --clear needs the module to serve the host."""
    client = state.client() if clear_first else state.operator()
    if clear_first:
        client.clear_perimeter_info()
    info = [int(ts) for ts in client.status()["perimeter"]]
    channels = [{"channel": ch, "breached": ts != 0, "timestamp": ts,
                 "time": _iso(ts) if ts else None} for ch, ts in enumerate(info)]
    lines = [f"channel {c['channel']} breached at {c['time']}" if c["breached"]
             else f"channel {c['channel']} clear" for c in channels]
    if any(c["breached"] for c in channels):
        lines.append("close the perimeter circuits, then clear and check again "
                     "(softscm perimeter check --clear)")
    emit(as_json, {"cleared": clear_first, "channels": channels}, "\n".join(lines))


@perimeter.command()
@json_option
@click.pass_obj
def clear(state: State, as_json: bool) -> None:
    """Clear the recorded events and re-arm both channels."""
    state.client().clear_perimeter_info()
    emit(as_json, {"cleared": True}, "perimeter events cleared; both channels re-armed")


@perimeter.command()
@click.argument("channel", type=INTEGER)
@click.option("--notify/--no-notify", default=True, show_default=True,
              help="Wake the host's waiters on a breach.")
@click.option("--self-destruct", is_flag=True,
              help="Destroy the keys on a breach (simulated in development mode and in "
                   "the alpha program).")
@json_option
@click.pass_obj
def arm(state: State, channel: int, notify: bool, self_destruct: bool, as_json: bool) -> None:
    """Set the actions of perimeter CHANNEL (0 or 1). In production mode each channel
    can be set once: close the circuits and check them clear first."""
    client = state.client()
    client.set_perimeter_event_actions(channel, notify=notify, self_destruct=self_destruct)
    actions = [name for name, on in (("notify", notify), ("self-destruct", self_destruct))
               if on]
    emit(as_json, {"channel": channel, "notify": notify, "self_destruct": self_destruct},
         f"channel {channel} armed: {', '.join(actions) or 'no action (breaches recorded only)'}")
    if self_destruct and not _locked(client):
        click.echo("warning: self-destruct becomes live at the first production boot; "
                   "set none or notify before lock_binding and arm after it", err=True)


def _locked(client: Any) -> bool:
    try:
        return bool(client.binding_info()[0])
    except SoftScmError:
        return True


def _iso(epoch: int) -> str:
    try:
        moment = datetime.fromtimestamp(epoch, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(epoch)
    return moment.isoformat().replace("+00:00", "Z")
