"""Authorisation of holds through ``softscm.Client`` (both transports) and the CLI
(``scm-behaviour.md`` §9.3, S-93, S-94)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

import softscm
from softscm import Client
from softscm.cli.errors import REFUSED


def authority() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_raw(key: ec.EllipticCurvePrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")


def sign(key: ec.EllipticCurvePrivateKey, challenge_hex: str) -> bytes:
    digest = hashlib.sha256(bytes.fromhex(challenge_hex)).digest()
    r, s = utils.decode_dss_signature(key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def settle(client: Client, *states: str) -> str:
    """Let module time pass until the lifecycle is one of ``states``."""
    for _ in range(200):
        lifecycle = str(client.status()["lifecycle"])
        if lifecycle in states:
            return lifecycle
        client.sim.advance(1)
    raise AssertionError(f"still {client.status()['lifecycle']}")


@pytest.fixture
def provisioned(run) -> None:
    """A module made with `softscm init --require-authorization --tap-code 3-1-2`."""
    run("init", "--require-authorization", "--tap-code", "3-1-2")


def hold(client: Client, key: ec.EllipticCurvePrivateKey | None = None) -> None:
    """The authority's key in foreign slot 0, battery action sleep, standard production;
    low at power-off, power back, the voltage back: a hold waiting for authorisation."""
    if key is not None:
        assert client.store_foreign_key("nistp256", public_raw(key)) == 0
        client.set_battery_voltage_action(sleep=True)
        client.lock_binding()
        client.sim.power_cycle()
        settle(client, "running")
    client.sim.set_battery(2.2)
    client.sim.main_power(False)
    client.sim.main_power(True)
    client.sim.set_battery(3.0)
    client.sim.advance(60)
    assert client.status()["lifecycle"] == "held"


def events(client: Client, kind: str) -> list[dict]:
    return [e["detail"] for e in client.status()["events"] if e["kind"] == kind]


def test_s93_remote_authorisation_client(provisioned: None, client: Client) -> None:
    key_a = authority()
    hold(client, key_a)
    info = client.auth_challenge()
    assert info["awaiting"] == "battery" and info["methods"] == ["remote", "tap_code"]
    assert client.status()["authorization"]["challenge"] == info["challenge"]
    with pytest.raises(softscm.VerificationFailed):
        client.auth_respond(sign(authority(), info["challenge"]))
    assert {"method": "remote", "result": "fail"} in events(client, "authorization")
    answer = sign(key_a, info["challenge"])
    client.auth_respond(answer)
    assert settle(client, "running", "waiting") in ("running", "waiting")
    hold(client)
    with pytest.raises(softscm.VerificationFailed):
        client.auth_respond(answer)
    assert {"method": "remote", "result": "replayed"} in events(client, "authorization")
    assert client.status()["lifecycle"] == "held"


def test_s94_tap_code_authorisation_client(provisioned: None, client: Client) -> None:
    hold(client, authority())
    for count in (3, 1, 2):
        for _ in range(count):
            client.sim.tap("x")
        client.sim.advance(2)
    assert {"method": "tap_code", "result": "ok"} in events(client, "authorization")
    settle(client, "running", "waiting")


def test_s93_s94_cli(provisioned: None, run, home: Path) -> None:
    key_a = authority()
    with Client.open(home) as host:
        hold(host, key_a)
    shown = json.loads(run("auth", "challenge", "--json").output)
    assert shown["awaiting"] == "battery"
    assert shown["challenge"] in run("status").output
    wrong = run("auth", "respond", sign(authority(), shown["challenge"]).hex(), code=REFUSED)
    assert "not the authority's" in wrong.output
    run("auth", "respond", "zz", code=2)
    for group in ("3", "2"):  # a wrong tap code
        for _ in range(int(group)):
            run("sim", "tap", "x+")
        run("sim", "advance", "2")
    records = json.loads(run("log", "export", "--json").output)["records"]
    tried = [r["detail"] for r in records if r["kind"] == "authorization"]
    assert tried == [{"method": "remote", "result": "fail"},
                     {"method": "tap_code", "result": "fail"}]
    answer = sign(key_a, shown["challenge"]).hex()
    assert "authorized" in run("auth", "respond", answer).output
    assert "no hold waits" in run("auth", "challenge").output
    with Client.open(home) as host:
        assert settle(host, "running") == "running"
        hold(host)
    run("auth", "respond", answer, code=REFUSED)


def test_init_options_in_status_and_checked(run, home: Path) -> None:
    run("init", "--tap-code", "3-x", code=REFUSED)
    run("init", "--tamper-production-action", "explode", code=2)
    run("init", "--tamper-production-action", "hold", "--require-authorization")
    with Client.open(home, host=False) as operator:
        status = operator.status()
        assert status["settings"]["tamper_production_action"] == "hold"
        assert status["authorization"]["required"] is True
        with pytest.raises(softscm.InvalidArgument):
            operator.operator_clear_perimeter()


@pytest.fixture
def tamper_hold_module(run) -> None:
    """`softscm init --tamper-production-action hold --require-authorization --tap-code 1`."""
    run("init", "--tamper-production-action", "hold", "--require-authorization",
        "--tap-code", "1")


def test_tamper_hold_remediation_client(tamper_hold_module: None, client: Client) -> None:
    client.set_perimeter_event_actions(0, notify=True, self_destruct=True)
    client.lock_binding()
    client.sim.power_cycle()
    settle(client, "running")
    slot = client.generate_key("nistp256")
    client.sim.loop_open(0)
    status = client.status()
    assert status["lifecycle"] == "held" and status["hold"] == "perimeter"
    assert not status["destroyed"]
    client.sim.loop_close(0)
    client.operator_clear_perimeter()
    client.sim.advance(60)
    assert client.auth_challenge()["awaiting"] == "perimeter"
    client.sim.tap("y")
    client.sim.advance(2)
    settle(client, "running")
    assert len(client.public_key(slot)) == 64
    with pytest.raises(softscm.InvalidArgument):
        client.operator_clear_perimeter()
