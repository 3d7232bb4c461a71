"""``softscm log``: the module's event log (``scm-behaviour.md`` §9.1), exported or
checked. The log is not sealed under the destroyable keys, so both work in every state,
a destroyed module's included."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from softscm.cli.common import Group, State, emit, json_option
from softscm.errors import StoreDamaged
from softscm.module import eventlog
from softscm.store import EventRecord

#: Records asked for per call (the module answers at most this many at once).
PAGE = 10_000


@click.group(cls=Group)
def log() -> None:
    """The module's event log: export it, check its hash chain."""


@log.command()
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the export to this file instead of standard output.")
@json_option
@click.pass_obj
def export(state: State, out: str | None, as_json: bool) -> None:
    """Every record of the event log, oldest first: one line each, or with --json the
    module's identity and the records."""
    client = _log_source(state)
    records = _all_events(client)
    if as_json:
        hello = client.hello()
        text = json.dumps({"serial": hello["serial"], "model": hello["model"],
                           "firmware": hello["firmware"], "records": records},
                          indent=2, sort_keys=True, default=_hex)
    else:
        text = "\n".join(_line(r) for r in records)
    if out is None:
        click.echo(text)
        return
    try:
        Path(out).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"exported {len(records)} record{'' if len(records) == 1 else 's'} to {out}",
               err=as_json)


@log.command()
@json_option
@click.pass_obj
def verify(state: State, as_json: bool) -> None:
    """Check the event log's hash chain; exit 1 naming the first broken record."""
    records = _chain_records(state)
    broken = eventlog.first_broken(records)
    result = {"records": len(records), "intact": broken is None, "first_broken": broken,
              "last_seq": records[-1].seq if records else 0}
    if broken is None:
        emit(as_json, result, f"event log intact: {len(records)} records"
             + (f" (#{records[0].seq} to #{records[-1].seq})" if records else ""))
        return
    emit(as_json, result, f"event log broken at record #{broken}: it, or one before it, "
         "was altered, removed or reordered")
    sys.exit(1)


def _all_events(client: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while True:
        page = client.events(after=records[-1]["seq"] if records else 0, limit=PAGE)
        records += page
        if not page:
            return records


def _line(record: dict[str, Any]) -> str:
    """One record as a line: sequence number, module time, the module's RTC and uptime
    (``rtc=``, ``mono_ms=``; ``-`` for a record written before they were kept), kind,
    detail."""
    detail = json.dumps(record.get("detail", {}), sort_keys=True, separators=(",", ":"),
                        default=_hex)
    rtc, mono_ms = record.get("rtc"), record.get("mono_ms")
    clock = (f"rtc={'-' if rtc is None else _clock(float(rtc))} "
             f"mono_ms={'-' if mono_ms is None else int(mono_ms)}")
    return (f"#{record['seq']:<6} {_clock(float(record['at']))}  {clock}  "
            f"{record['kind']}  {detail}")


def _clock(seconds: float) -> str:
    try:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _hex(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _chain_records(state: State) -> list[EventRecord]:
    """The records with their chain digests, as the module sends them."""
    return [eventlog.from_dict(e) for e in _all_events(_log_source(state))]


def _log_source(state: State) -> Any:
    """The client, or for a state too damaged to load, its log read straight from the
    database (the log is what a damaged module is still asked for)."""
    try:
        return state.operator()
    except StoreDamaged as exc:
        from softscm.statecheck import DamagedStateLog

        click.echo(f"warning: {exc.message}; reading the event log straight from it",
                   err=True)
        source = DamagedStateLog(state.home)
        click.get_current_context().call_on_close(source.close)
        return source

