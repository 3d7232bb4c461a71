"""``softscm selftest`` and ``sim corrupt`` through the CLI (``scm-behaviour.md``
§9.2, S-90), and the log read out of a failed or destroyed unit (S-92)."""

from __future__ import annotations

import json

from softscm import Client
from softscm.module.led.timing import BOOT_INIT_MS, sequence_ms

#: One boot of a module whose self test fails with code 6, s.
CYCLE_6_S = (BOOT_INIT_MS + sequence_ms(6)) / 1000


def test_selftest_prints_each_check(run) -> None:
    out = run("selftest").stdout
    assert out.splitlines()[0] == "self test: pass"
    for name in ("sha", "hmac", "random", "peripherals", "code", "keystore", "critical_key"):
        assert any(line.split() == [name, "pass"] for line in out.splitlines()), name
    report = json.loads(run("selftest", "--json").stdout)
    assert report["result"] == "pass" and len(report["checks"]) == 18


def test_selftest_failure_exits_1_and_is_fatal(run, home) -> None:
    run("sim", "corrupt", "code")
    out = run("selftest", code=1).stdout
    assert out.splitlines()[0].startswith("self test: fail (fatal code 9")
    assert any(line.split() == ["code", "FAIL"] for line in out.splitlines())
    assert run("sign", "--digest", "00" * 32, code=1).output.startswith("error: SelfTestFailed")


def test_sim_corrupt_help_names_every_area(run) -> None:
    out = run("sim", "corrupt", "--help").output
    assert "keystore" in out and "code" in out and "manifest" in out


def test_s92_logs_come_out_of_a_self_test_failed_unit(run, home) -> None:
    run("sim", "corrupt", "keystore")
    run("sim", "power-cycle")
    run("sim", "advance", str(2 * CYCLE_6_S))
    assert json.loads(run("status", "--json").stdout)["lifecycle"] == "self_test_failed"
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    with Client.open(home, host=False) as scm:
        assert records == scm.events(limit=100_000)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    kinds = [r["kind"] for r in records]
    assert "sim_corrupt" in kinds and kinds.count("fatal") >= 2
    assert any(r["kind"] == "self_test" and r["detail"]["result"] == "fail" for r in records)
    assert run("log", "verify").output.startswith("event log intact")


def test_s92_logs_come_out_of_a_destroyed_unit(run, home) -> None:
    """S-30 after destruction, then ``softscm log export``: the whole log."""
    with Client.open(home) as scm:
        scm.lock_binding()
    run("sim", "power-cycle")
    run("sim", "advance", "20")
    run("perimeter", "arm", "0", "--self-destruct")
    run("sim", "tamper", "0")
    assert run("sign", "--digest", "00" * 32, code=1).output.startswith("error: Destroyed")
    records = json.loads(run("log", "export", "--json").stdout)["records"]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    with Client.open(home, host=False) as scm:
        assert records == scm.events(limit=100_000)
    kinds = [r["kind"] for r in records]
    assert "self_destruct" in kinds and "power_on" in kinds
