"""Fault remediation and authorisation of holds (``scm-behaviour.md`` §9.3, S-93, S-94)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

import softscm
from fakes import FakeClock
from scenario import make_module, to_production
from softscm.module import Module, Profile
from softscm.module.lifecycle.authorization import judge_taps, parse_tap_code, tap_groups

AUTH = Profile(require_authorization=True, tap_code="3-1-2")


def details(m: Module, kind: str) -> list[dict]:
    return [e["detail"] for e in m.events(limit=10_000) if e["kind"] == kind]


def authority() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_raw(key: ec.EllipticCurvePrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")


def sign(key: ec.EllipticCurvePrivateKey, challenge_hex: str) -> bytes:
    digest = hashlib.sha256(bytes.fromhex(challenge_hex)).digest()
    der = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def battery_hold(m: Module, clock: FakeClock) -> None:
    """Standard production, battery action sleep; low at power-off, power back, the
    voltage back in range: the hold waits for an authorisation."""
    m.simulation.sim_set_battery(2.2)
    m.simulation.sim_main_power(False)
    m.simulation.sim_main_power(True)
    assert m.physical.physical_status()["hold"] == "battery"
    m.simulation.sim_set_battery(3.0)
    clock.advance(60)


def held_module(clock: FakeClock, profile: Profile = AUTH) -> tuple[Module, ec.EllipticCurvePrivateKey]:
    m = make_module(clock, profile)
    key = authority()
    assert m.store_foreign_key("nistp256", public_raw(key)) == 0
    m.physical.set_battery_voltage_action(sleep=True)
    to_production(m, clock)
    battery_hold(m, clock)
    return m, key


def test_s93_remote_authorisation(clock: FakeClock) -> None:
    m, key_a = held_module(clock)
    status = m.status()
    assert status["lifecycle"] == "held" and status["hold"] == "battery"
    challenge = status["authorization"]["challenge"]
    assert len(bytes.fromhex(challenge)) == 32
    assert m.authorization.auth_challenge()["challenge"] == challenge
    with pytest.raises(softscm.ModuleUnavailable):
        m.random_bytes(1)
    with pytest.raises(softscm.VerificationFailed):
        m.authorization.auth_respond(sign(authority(), challenge))
    assert {"method": "remote", "result": "fail"} in details(m, "authorization")
    assert m.physical.physical_status()["lifecycle"] == "held"
    answer = sign(key_a, challenge)
    m.authorization.auth_respond(answer)
    assert {"method": "remote", "result": "ok"} in details(m, "authorization")
    assert {"reason": "battery"} in details(m, "released")
    clock.advance(30)
    assert m.physical.physical_status()["lifecycle"] == "running"
    assert len(m.random_bytes(4)) == 4
    # A later hold has a new challenge; the same signature is refused as a replay.
    battery_hold(m, clock)
    assert m.physical.physical_status()["authorization"]["challenge"] != challenge
    with pytest.raises(softscm.VerificationFailed):
        m.authorization.auth_respond(answer)
    assert {"method": "remote", "result": "replayed"} in details(m, "authorization")
    assert m.physical.physical_status()["lifecycle"] == "held"


def test_s93_hold_waits_until_the_battery_is_back(clock: FakeClock) -> None:
    m = make_module(clock, AUTH)
    m.physical.set_battery_voltage_action(sleep=True)
    to_production(m, clock)
    m.simulation.sim_set_battery(2.2)
    m.simulation.sim_main_power(False)
    m.simulation.sim_main_power(True)
    assert m.authorization.auth_challenge() == {
        "awaiting": None, "challenge": None, "authority_slot": 0, "methods": []}
    with pytest.raises(softscm.InvalidArgument):
        m.authorization.auth_respond(b"\x01" * 64)


def test_remote_answer_checks(clock: FakeClock) -> None:
    m, _ = held_module(clock)
    with pytest.raises(softscm.InvalidArgument):
        m.authorization.auth_respond("00" * 64)  # type: ignore[arg-type]
    with pytest.raises(softscm.InvalidArgument):
        m.authorization.auth_respond(b"")
    with pytest.raises(softscm.VerificationFailed):
        m.authorization.auth_respond(b"\x00" * 64)
    assert m.physical.physical_status()["lifecycle"] == "held"


def test_without_require_authorization_the_hold_ends_by_itself(clock: FakeClock) -> None:
    m = make_module(clock)
    m.physical.set_battery_voltage_action(sleep=True)
    to_production(m, clock)
    battery_hold(m, clock)
    assert m.physical.physical_status()["lifecycle"] == "running"
    assert details(m, "authorization") == []


def taps(m: Module, clock: FakeClock, code: list[int], pause: float = 2.0) -> None:
    for index, count in enumerate(code):
        if index:
            clock.advance(pause)
        for _ in range(count):
            m.simulation.sim_tap("x")
            clock.advance(0.2)


def test_s94_tap_code_authorisation(clock: FakeClock) -> None:
    m, _ = held_module(clock)
    taps(m, clock, [3, 1, 2])
    clock.advance(2)
    assert {"method": "tap_code", "result": "ok"} in details(m, "authorization")
    clock.advance(30)
    assert m.physical.physical_status()["lifecycle"] == "running"


def test_s94_wrong_tap_code_stays_held(clock: FakeClock) -> None:
    m, _ = held_module(clock)
    taps(m, clock, [3, 2])
    clock.advance(2)
    assert details(m, "authorization") == [{"method": "tap_code", "result": "fail"}]
    clock.advance(60)
    assert m.physical.physical_status()["lifecycle"] == "held"
    # The right code afterwards still works.
    taps(m, clock, [3, 1, 2])
    clock.advance(2)
    assert details(m, "authorization")[-1] == {"method": "tap_code", "result": "ok"}


def test_s94_tap_code_too_slow(clock: FakeClock) -> None:
    m, _ = held_module(clock)
    taps(m, clock, [3, 1, 2], pause=16.0)
    clock.advance(2)
    # The window closes during the second pause; the last group then starts a new
    # entry, which is no code.
    assert details(m, "authorization") == [{"method": "tap_code", "result": "too_slow"},
                                           {"method": "tap_code", "result": "fail"}]
    assert m.physical.physical_status()["lifecycle"] == "held"


def test_tap_code_unfinished_times_out(clock: FakeClock) -> None:
    m, _ = held_module(clock)
    taps(m, clock, [3, 1])
    clock.advance(40)
    assert details(m, "authorization") == [{"method": "tap_code", "result": "too_slow"}]
    assert m.physical.physical_status()["lifecycle"] == "held"


def test_taps_while_running_authorise_nothing(clock: FakeClock) -> None:
    m = make_module(clock, AUTH)
    taps(m, clock, [3, 1, 2])
    clock.advance(5)
    assert details(m, "authorization") == []


def test_tamper_hold_needs_closed_loop_clearing_and_authorisation(clock: FakeClock) -> None:
    profile = Profile(require_authorization=True, tap_code="2",
                      tamper_production_action="hold")
    m = make_module(clock, profile)
    m.physical.set_perimeter_event_actions(0, notify=True, self_destruct=True)
    to_production(m, clock)
    slot = m.generate_key("nistp256")
    m.simulation.sim_loop_open(0)
    assert details(m, "self_destruct") == []
    assert m.physical.physical_status()["hold"] == "perimeter"
    clock.advance(60)
    assert m.physical.physical_status()["lifecycle"] == "held"
    assert m.authorization.auth_challenge()["awaiting"] is None
    m.simulation.sim_loop_close(0)
    m.physical.operator_clear_perimeter()
    clock.advance(30)
    assert m.authorization.auth_challenge()["awaiting"] == "perimeter"
    taps(m, clock, [2])
    clock.advance(30)
    assert {"reason": "perimeter"} in details(m, "released")
    assert m.physical.physical_status()["lifecycle"] == "running"
    assert len(m.public_key(slot)) == 64


def test_tamper_destroys_by_default(clock: FakeClock) -> None:
    m = make_module(clock, Profile(require_authorization=True))
    m.physical.set_perimeter_event_actions(0, notify=True, self_destruct=True)
    to_production(m, clock)
    m.simulation.sim_loop_open(0)
    assert details(m, "self_destruct")


@pytest.mark.parametrize("kwargs", [
    {"tap_code": "3-0"}, {"tap_code": "31"}, {"tap_code": "1-1-1-1-1-1-1-1-1"},
    {"tap_code": 3}, {"authority_slot": 128}, {"authority_slot": -1},
    {"tamper_production_action": "explode"},
])
def test_provisioning_settings_are_checked(kwargs: dict) -> None:
    with pytest.raises(softscm.InvalidArgument):
        Profile(**kwargs).resolved()


def test_tap_code_rules() -> None:
    assert parse_tap_code("3-1-2") == (3, 1, 2) and parse_tap_code("") == ()
    assert tap_groups([0, 0.2, 0.4, 2.4, 4.5, 4.6]) == [3, 1, 2]
    assert tap_groups([0, 1.4, 2.8]) == [3]
    assert judge_taps([0, 0.2, 0.4], (3, 1, 2), 2.0) is None
    assert judge_taps([0, 0.2, 0.4, 2.4, 4.5, 4.6], (3, 1, 2), 6.1) == "ok"
    assert judge_taps([0, 0.2, 2.4], (3, 1, 2), 4.0) == "fail"
    assert judge_taps([0, 20, 40], (1, 1, 1), 42) == "too_slow"
    assert judge_taps([0], (1, 1), 30) == "too_slow"


@pytest.mark.softscm(require_authorization=True, tap_code="2")
def test_marker_sets_the_authorisation_settings(scm) -> None:
    client = scm.client
    client.set_battery_voltage_action(sleep=True)
    scm.to_production()
    scm.sim.set_battery(2.2)
    scm.sim.main_power(False)
    scm.sim.main_power(True)
    scm.sim.set_battery(3.0)
    scm.advance(60)
    assert scm.lifecycle() == "held"
    scm.sim.tap("z")
    scm.sim.tap("z")
    scm.advance(2)
    assert scm.settle() == "running"


TAP_CODE_SCENARIO = "end = 8\n" + "".join(
    f'[[event]]\nat = {at}\ndo = "tap"\naxis = "x+"\n\n'
    for at in (0, 0, 0, 2, 4, 4))


@pytest.mark.softscm(require_authorization=True, tap_code="3-1-2")
def test_s94_tap_code_from_a_scenario_file(scm) -> None:
    from softscm.scenario import parse, play

    scm.client.set_battery_voltage_action(sleep=True)
    scm.to_production()
    scm.sim.set_battery(2.2)
    scm.sim.main_power(False)
    scm.sim.main_power(True)
    scm.sim.set_battery(3.0)
    scm.advance(60)
    assert scm.lifecycle() == "held"
    play(scm.sim, parse(TAP_CODE_SCENARIO, "tap-code.toml"))
    assert scm.settle() == "running"


def test_s93_ed25519_authority(clock: FakeClock) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    m = make_module(clock, Profile(require_authorization=True, authority_slot=1))
    m.store_foreign_key("nistp256", public_raw(authority()))
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    assert m.store_foreign_key("ed25519", raw) == 1
    m.physical.set_battery_voltage_action(sleep=True)
    to_production(m, clock)
    battery_hold(m, clock)
    challenge = bytes.fromhex(m.authorization.auth_challenge()["challenge"])
    with pytest.raises(softscm.VerificationFailed):
        m.authorization.auth_respond(key.sign(challenge))  # not over the digest
    m.authorization.auth_respond(key.sign(hashlib.sha256(challenge).digest()))
    clock.advance(30)
    assert m.physical.physical_status()["lifecycle"] == "running"
