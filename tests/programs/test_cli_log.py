"""``softscm log export|verify``: the event log, readable in every state (``§9.1``)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from softscm import Client
from softscm.cli import log as log_cli
from softscm.module import eventlog
from softscm.store.database import DATABASE_NAME

_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
LINE = re.compile(rf"^#(\d+) +({_ISO})  rtc=({_ISO}|-) mono_ms=(\d+|-)  (\w+)  (\{{.*\}})$")


def test_export_text(run) -> None:
    run("sim", "tamper", "1")
    lines = run("log", "export").output.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    seqs = [int(m.group(1)) for m in parsed if m]
    assert seqs == list(range(1, len(seqs) + 1))
    breach = [m for m in parsed if m and m.group(5) == "perimeter_breach"]
    assert json.loads(breach[0].group(6))["channel"] == 1
    # S-91: the text form carries each record's rtc and mono_ms, as the JSON form does.
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    assert len(records) == len(parsed)
    for m, record in zip(parsed, records):
        assert m and m.group(3) == log_cli._clock(record["rtc"])
        assert int(m.group(4)) == record["mono_ms"]
    run("sim", "advance", "5")
    run("sim", "tamper", "0")
    last = LINE.match(run("log", "export").output.splitlines()[-1])
    assert last and last.group(5) == "perimeter_breach" and int(last.group(4)) >= 5000


def test_export_json_and_out(run, home, tmp_path) -> None:
    run("sim", "temp", "80")
    out = json.loads(run("log", "export", "--json").stdout)
    with Client.open(home, host=False) as scm:
        assert out["serial"] == scm.hello()["serial"]
        assert out["records"] == scm.events(limit=10_000)
    target = tmp_path / "log.json"
    result = run("log", "export", "--json", "--out", str(target))
    assert result.stdout == ""
    assert f"to {target}" in result.stderr
    assert json.loads(target.read_text())["records"] == out["records"]
    target = tmp_path / "log.txt"
    count = len(out["records"])
    assert run("log", "export", "--out", str(target)).stdout.strip() == \
        f"exported {count} records to {target}"
    assert len(target.read_text().splitlines()) == count


def test_export_pages_through_long_logs(monkeypatch, run) -> None:
    monkeypatch.setattr(log_cli, "PAGE", 2)
    run("sim", "tamper", "0")
    lines = run("log", "export").output.splitlines()
    assert [int(LINE.match(line).group(1)) for line in lines] == list(range(1, len(lines) + 1))
    assert len(lines) > 2, "more than one page"


def destroy(run, home) -> None:
    """S-30: standard production, channel 0 armed to self-destruct, a breach."""
    with Client.open(home) as scm:
        scm.lock_binding()
    run("sim", "power-cycle")
    run("sim", "advance", "20")
    run("perimeter", "arm", "0", "--self-destruct")
    run("sim", "tamper", "0")


def test_export_and_verify_work_on_a_destroyed_module(run, home) -> None:
    destroy(run, home)
    assert run("sign", "--digest", "00" * 32, code=1).output.startswith("error: Destroyed")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    kinds = [r["kind"] for r in records]
    assert "self_destruct" in kinds and "perimeter_breach" in kinds
    assert run("log", "verify").output.startswith("event log intact")
    status = json.loads(run("status", "--json").stdout)
    assert status["destroyed"] is True and status["perimeter"][0] > 0


def test_verify_an_intact_log(run) -> None:
    run("sim", "tamper", "0")
    out = run("log", "verify").output.strip()
    assert re.fullmatch(r"event log intact: (\d+) records \(#1 to #\1\)", out)
    report = json.loads(run("log", "verify", "--json").stdout)
    assert report["intact"] is True and report["first_broken"] is None


def tamper_with(home: Path, sql: str, *args) -> None:
    db = sqlite3.connect(str(home / DATABASE_NAME))
    with db:
        db.execute(sql, args)
    db.close()


def test_verify_names_an_altered_record(run, home) -> None:
    run("sim", "tamper", "0")
    with Client.open(home) as scm:
        breach = next(e for e in scm.events() if e["kind"] == "perimeter_breach")
    tamper_with(home, "UPDATE events SET detail = ? WHERE seq = ?",
                '{"channel":1}', breach["seq"])
    result = run("log", "verify", code=1)
    assert result.output.strip().startswith(f"event log broken at record #{breach['seq']}")
    report = json.loads(run("log", "verify", "--json", code=1).stdout)
    assert report["first_broken"] == breach["seq"] and report["intact"] is False


def test_verify_names_the_record_after_a_removed_one(run, home) -> None:
    run("sim", "tamper", "0")
    tamper_with(home, "DELETE FROM events WHERE seq = ?", 2)
    assert "broken at record #3" in run("log", "verify", code=1).output


class _StubClient:
    def __init__(self, events):
        self._events = events

    def events(self, after=0, limit=100):
        return [e for e in self._events if e["seq"] > after][:limit]


class _StubState:
    home = None

    def __init__(self, events):
        self._client = _StubClient(events)

    def client(self):
        return self._client

    operator = client


def _wire_records(digest_key: str, as_hex: bool):
    previous = None
    wire = []
    for kind, detail in [("power_on", {"cold": True}), ("bind_ok", {}),
                         ("perimeter_breach", {"channel": 1, "timestamp": 1700000000})]:
        rec = eventlog.make_record(previous, 1_700_000_000.5, kind, detail)
        wire.append({"seq": rec.seq, "at": rec.at, "kind": rec.kind, "detail": detail,
                     digest_key: rec.digest.hex() if as_hex else rec.digest})
        previous = rec
    return wire


def test_verify_uses_digests_the_module_sends() -> None:
    wire = _wire_records("hash", True)
    records = log_cli._chain_records(_StubState(wire))
    assert eventlog.first_broken(records) is None
    wire[1]["detail"] = {"again": True}
    assert eventlog.first_broken(log_cli._chain_records(_StubState(wire))) == 2




def test_s91_verify_stays_green_across_truncation(monkeypatch, run, home) -> None:
    monkeypatch.setattr(eventlog, "MAX_RECORDS", 8)
    monkeypatch.setattr(eventlog, "TRUNCATE_SLACK", 2)
    run("init", "--tap-logging")
    for _ in range(12):
        run("sim", "tap", "x+")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    markers = [r for r in records if r["kind"] == "log_truncated"]
    assert markers and markers[-1]["detail"]["first_seq"] == records[0]["seq"] > 1
    assert all(isinstance(r["rtc"], float) and isinstance(r["mono_ms"], int)
               for r in records)
    first, last = records[0]["seq"], records[-1]["seq"]
    assert run("log", "verify").output.strip() == \
        f"event log intact: {len(records)} records (#{first} to #{last})"
    assert "hash chain whole" in run("store", "check").output
    tamper_with(home, "DELETE FROM events WHERE seq = ?", first)
    assert f"broken at record #{first + 1}" in run("log", "verify", code=1).output


def test_verify_a_log_written_before_the_clock_fields(run, home) -> None:
    """A state whose records have no ``rtc``/``mono_ms`` (an older softscm) verifies,
    and so do the records appended after them."""
    run("status")
    db = sqlite3.connect(str(home / DATABASE_NAME))
    with db:
        rows = db.execute("SELECT seq, at, kind, detail FROM events ORDER BY seq").fetchall()
        previous = None
        for seq, at, kind, detail in rows:
            old = {k: v for k, v in json.loads(detail).items() if k not in ("rtc", "mono_ms")}
            previous = eventlog.make_record(previous, at, kind, old)
            assert previous.seq == seq
            db.execute("UPDATE events SET detail = ?, digest = ? WHERE seq = ?",
                       (previous.detail, previous.digest, seq))
    db.close()
    run("sim", "tamper", "0")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    assert records[0]["rtc"] is None and records[-1]["rtc"] is not None
    assert run("log", "verify").output.startswith("event log intact")
    lines = [LINE.match(line) for line in run("log", "export").output.splitlines()]
    assert all(lines)
    assert lines[0] and (lines[0].group(3), lines[0].group(4)) == ("-", "-")
    assert lines[-1] and lines[-1].group(3) != "-" and lines[-1].group(4) != "-"


def test_s91_tap_logging_is_chosen_when_the_module_is_made(run, home) -> None:
    """Tap logging is a provisioning setting (``softscm init --tap-logging``), off by
    default; there is no simulation input for it."""
    run("init")
    assert "taps logged" not in run("status").output
    run("sim", "tap", "x+")
    assert "tap" not in [r["kind"] for r in
                         json.loads(run("log", "export", "--json").stdout)["records"]]
    run("sim", "tap-logging", "on", code=2)
    run("init", "--replace", "--tap-logging")
    assert "taps logged" in run("status").output
    assert json.loads(run("status", "--json").stdout)["tap_logging"] is True
    run("sim", "tap", "y-")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    assert records[-1]["kind"] == "tap"
    assert records[-1]["detail"] == {"axis": "y", "direction": -1}
