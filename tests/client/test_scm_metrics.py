"""Host-side metrics and host events (``scm-behaviour.md`` §9.6, S-97): through
softscm.Client on both transports, the CLI and the module."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import softscm
from fakes import FakeClock
from scenario import kinds, make_module, power_cycle
from softscm import Client
from softscm.module.metrics import (
    FLUSH_CALLS,
    FLUSH_SECONDS,
    MAX_EVENT_FIELDS,
    MAX_EVENT_VALUE_CHARS,
    check_host_event,
    counters_for,
)
from softscm.store.database import DATABASE_NAME
from softscm.store.lockfile import lock_exclusive


def boot(client: Client) -> None:
    """Power cycle and let the module boot, moving module time only."""
    client.sim.power_cycle()
    for _ in range(120):
        if client.status()["lifecycle"] == "running":
            return
        client.sim.advance(1)
    raise AssertionError(f"the module did not boot: {client.status()['lifecycle']}")


# -- S-97 --------------------------------------------------------------------------------


def test_s97_metrics_and_host_events(client: Client) -> None:
    before = client.metrics()
    for _ in range(3):
        boot(client)
    client.host_event("wifi", {"state": "up"})
    after = client.metrics()
    assert after["power_ons"] == before["power_ons"] + 3
    assert after["host_binds"] >= before["host_binds"] + 3
    assert after["host_events"] == {"wifi": 1}
    events = [e for e in client.events(limit=1000) if e["kind"] == "host_event"]
    assert [e["detail"] for e in events] == [{"name": "wifi", "state": "up"}]


def test_s97_through_the_cli(run) -> None:
    before = json.loads(run("metrics", "--json").stdout)
    for _ in range(3):
        run("sim", "power-cycle")
        run("sim", "advance", "20")
    run("event", "wifi", "state=up")
    after = json.loads(run("metrics", "--json").stdout)
    assert after["power_ons"] == before["power_ons"] + 3
    assert after["host_events"] == {"wifi": 1}
    exported = json.loads(run("log", "export", "--json").stdout)["records"]
    assert [r["detail"] for r in exported if r["kind"] == "host_event"] == [
        {"name": "wifi", "state": "up"}]
    text = run("metrics").stdout
    assert f"power_ons          {after['power_ons']}" in text
    assert "host_events        wifi 1" in text


# -- counters ------------------------------------------------------------------------------


def test_counters_follow_the_log(clock: FakeClock) -> None:
    m = make_module(clock)
    m.simulation.sim_loop_open(1)
    m.simulation.sim_loop_close(1)
    m.simulation.sim_loop_open(1)
    m.simulation.sim_brownout(0.5)
    clock.advance(2)
    m.simulation.sim_host_stall(60)
    clock.advance(120)
    m.physical.catch_up()
    power_cycle(m, clock)
    counts = m.metrics.metrics()
    log = kinds(m)
    assert counts["breaches"] == {"1": log.count("perimeter_breach")}
    assert counts["brownouts"] == log.count("brownout") == 1
    assert counts["heartbeat_losses"] == log.count("heartbeat_lost") >= 1
    assert sum(counts["module_reboots"].values()) == log.count("module_reboot")
    assert counts["power_ons"] == log.count("power_on")
    assert counts["host_binds"] == log.count("bind_ok") + log.count("rebind")


def test_counters_of_each_kind() -> None:
    assert counters_for("power_on", {"cold": True}) == ["power_ons"]
    assert counters_for("module_reboot", {"reason": "fatal"}) == ["module_reboots/fatal"]
    assert counters_for("bind_failed", {"reason": "salt"}) == ["bind_failures/salt"]
    assert counters_for("perimeter_breach", {"channel": 0}) == ["breaches/0"]
    assert counters_for("simulated_action", {}) == ["simulated_actions"]
    assert counters_for("self_destruct", {}) == ["self_destructs"]
    assert counters_for("host_event", {"name": "wifi"}) == ["host_events/wifi"]
    assert counters_for("tap", {}) == []


def test_api_calls_are_counted(client: Client) -> None:
    before = client.metrics()["api_calls"].get("sign_digest", 0)
    for _ in range(3):
        client.sign_digest(b"\x01" * 32, 0)
    with pytest.raises(softscm.SoftScmError):
        client._call("no_such_operation")
    calls = client.metrics()["api_calls"]
    assert calls["sign_digest"] == before + 3
    assert "no_such_operation" not in calls
    assert "poll_perimeter" not in calls


def _stored_calls(m, op: str):
    return m._store._db.execute(
        "SELECT count FROM counters WHERE name = ?", (f"api_calls/{op}",)).fetchone()


def test_calls_are_written_in_batches(clock: FakeClock) -> None:
    m = make_module(clock)
    for _ in range(FLUSH_CALLS - 1):
        m.operation("model_number")
    assert _stored_calls(m, "model_number") is None
    m.operation("model_number")
    assert _stored_calls(m, "model_number") == (FLUSH_CALLS,)
    m.operation("serial_number")
    assert _stored_calls(m, "serial_number") is None
    clock.advance(FLUSH_SECONDS)
    m.operation("serial_number")
    assert _stored_calls(m, "serial_number") == (2,)


def test_counters_are_shared_by_processes(home: Path) -> None:
    with Client.open(home) as one:
        one.host_event("door", {"state": "open"})
        one.random_bytes(4)
    with Client.open(home) as two:
        counts = two.metrics()
    assert counts["host_events"] == {"door": 1}
    assert counts["api_calls"]["random_bytes"] == 1


def test_calls_are_written_when_a_client_closes(home: Path) -> None:
    """A client that is not the host writes nothing when it closes but its calls."""
    Client.open(home).close()  # (bound to its host)
    with Client.open(home, host=False) as one:
        one.model_number()
        one.model_number()
    with Client.open(home) as two:
        assert two.metrics()["api_calls"]["model_number"] == 2


def test_a_count_that_cannot_be_written_does_not_keep_the_state(
        home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The counters' pages damaged on disk while a client is open: closing it warns
    (the count is lost), releases the state, and a second close does nothing."""
    Client.open(home).close()
    one = Client.open(home, host=False)
    one.model_number()
    db = sqlite3.connect(home / DATABASE_NAME, isolation_level=None)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [row[0] for row in db.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'counters'")]
        size = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    with open(home / DATABASE_NAME, "r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xff" * size)
    one.close()
    assert "the calls counted in this process were not written" in caplog.text
    assert "damaged" in caplog.text  # (StoreDamaged, not a raw SQLite error)
    one.close()
    lock_exclusive(home, str(tmp_path / "s.sock")).release()  # nobody holds it


# -- host events ---------------------------------------------------------------------------


def test_host_events_change_nothing(client: Client) -> None:
    before = {k: v for k, v in client.status().items() if k not in ("events", "time", "module_time", "rtc")}
    client.host_event("wifi", {"state": "down", "ssid": "office net"})
    after = {k: v for k, v in client.status().items() if k not in ("events", "time", "module_time", "rtc")}
    assert before == after


def test_host_events_in_any_state(home: Path) -> None:
    with Client.open(home, host=False) as operator:
        operator.host_event("boot", {})
        assert operator.events(limit=1000)[-1]["detail"] == {"name": "boot"}


@pytest.mark.parametrize("name, fields", [
    ("", {}), (".x", {}), ("a b", {}), ("x" * 65, {}), (7, {}),
    ("wifi", {"name": "x"}), ("wifi", {"a b": "x"}), ("wifi", {"k": 5}),
    ("wifi", {"k": "x" * (MAX_EVENT_VALUE_CHARS + 1)}), ("wifi", {"k": "line\nbreak"}),
    ("wifi", {f"k{i}": "v" for i in range(MAX_EVENT_FIELDS + 1)}), ("wifi", ["k"]),
])
def test_bad_host_events(client: Client, name: object, fields: object) -> None:
    count = len(client.events(limit=10_000))
    with pytest.raises(softscm.InvalidArgument):
        client._call("host_event", name=name, fields=fields)
    assert len(client.events(limit=10_000)) == count


def test_host_event_limits() -> None:
    fields = {f"k{i}": "v" * MAX_EVENT_VALUE_CHARS for i in range(MAX_EVENT_FIELDS)}
    assert check_host_event("x" * 64, fields) == {"name": "x" * 64, **fields}


def test_event_cli_arguments(run) -> None:
    run("event", "wifi", "state=up", "ssid=a=b")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    assert records[-1]["detail"] == {"name": "wifi", "state": "up", "ssid": "a=b"}
    assert "KEY=VALUE" in run("event", "wifi", "state", code=2).stderr
    assert "twice" in run("event", "wifi", "a=1", "a=2", code=2).stderr
    assert "InvalidArgument" in run("event", "bad name", code=1).stderr
