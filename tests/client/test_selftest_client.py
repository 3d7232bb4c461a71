"""``Client.selftest`` over each transport (``scm-behaviour.md`` §9.2)."""

from __future__ import annotations

import pytest

import softscm
from softscm import Client


def test_selftest_reports_each_check(client: Client) -> None:
    report = client.selftest()
    assert report["result"] == "pass"
    names = [check["name"] for check in report["checks"]]
    assert {"sha", "random", "peripherals", "code", "keystore", "critical_key"} <= set(names)
    assert all(check["passed"] for check in report["checks"])


def test_selftest_failure_is_fatal_for_the_host(client: Client) -> None:
    client.sim.corrupt("keystore")
    report = client.selftest()
    assert report["result"] == "fail" and report["code"] == "6"
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["keystore"]
    with pytest.raises(softscm.SelfTestFailed):
        client.random_bytes(4)
    assert client.status()["lifecycle"] == "self_test_failed"
