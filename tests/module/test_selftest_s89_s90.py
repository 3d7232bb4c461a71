"""The self test of ``scm-behaviour.md`` §9.2 (S-89, S-90): every check at every boot,
in the background every 60 minutes of module time and on demand; a failure is fatal
(code 6 for the key area, 9 otherwise), repeated at every boot while it lasts; and
``sim corrupt`` for each of its areas."""

from __future__ import annotations

import json
from typing import Any

import pytest

import softscm
from fakes import FakeClock
from scenario import make_module, power_cycle, spans
from softscm.host.code import code_digest, installed_code
from softscm.module import Module
from softscm.module.integrity import CODE_MANIFEST_META
from softscm.module.led.timing import BOOT_INIT_MS, sequence_ms
from softscm.module.lifecycle.selftest import BACKGROUND_INTERVAL_S

#: Every check of §9.2, by the name the log gives it.
ALL_CHECKS = {"sha", "hmac", "hkdf", "pbkdf2", "bip32", "ed25519", "x25519", "ecdsa",
              "ecdsa_kat", "secp256k1_kat", "ecdh_p256", "aes_gcm", "aes_gcm_kat", "random",
              "peripherals", "code", "keystore", "critical_key"}


def lifecycle(m: Module) -> str:
    return str(m.physical.physical_status()["lifecycle"])


def records(m: Module) -> list[dict[str, Any]]:
    return list(m.events(limit=100_000))


def fatal_labels(m: Module, since_ms: int = 0) -> list[str]:
    return [s[2] for s in spans(m) if s[2].startswith("fatal") and s[0] >= since_ms]


def now_ms(m: Module) -> int:
    return int(round(m.physical.now() * 1000))


def cycle_s(code: int) -> float:
    """One boot of a module whose self test fails: the init blink and three showings."""
    return (BOOT_INIT_MS + sequence_ms(code)) / 1000


def test_s89_power_on_self_test(module: Module, clock: FakeClock) -> None:
    before = len(records(module))
    power_cycle(module, clock)
    boot = records(module)[before:]
    kinds = [e["kind"] for e in boot]
    tests = [e for e in boot if e["kind"] == "self_test"]
    assert len(tests) == 1
    detail = tests[0]["detail"]
    assert detail["result"] == "pass" and detail["failed"] == []
    assert set(detail["checks"]) == ALL_CHECKS
    assert detail["trigger"] == "boot"
    first = kinds.index("self_test")
    assert all(i > first for i, kind in enumerate(kinds) if kind.startswith("supervised_boot"))
    assert lifecycle(module) == "running"


def test_s90_keystore_corruption_is_fatal_6_at_every_boot(module: Module, clock: FakeClock) -> None:
    module.integrity.sim_corrupt("keystore")
    assert lifecycle(module) == "running"  # seen at the next boot
    power_cycle(module, clock, settle=1.0)
    assert lifecycle(module) == "self_test_failed"
    with pytest.raises(softscm.SelfTestFailed):
        module.random_bytes(4)
    with pytest.raises(softscm.SelfTestFailed):
        module.physical.binding_info()
    start = now_ms(module)
    clock.advance(3 * cycle_s(6))
    module.physical.catch_up()
    shown = fatal_labels(module)
    assert shown and set(shown) == {"fatal 6"}
    assert len(fatal_labels(module, start)) >= 2  # every boot shows it again
    fails = [e["detail"] for e in records(module) if e["kind"] == "self_test"
             and e["detail"]["result"] == "fail"]
    assert len(fails) >= 3 and all(d["failed"] == ["keystore"] for d in fails)
    fatal = [e["detail"] for e in records(module) if e["kind"] == "fatal"]
    assert fatal[-1] == {"code": "6", "reason": "self_test"}
    assert lifecycle(module) == "self_test_failed"


def test_s90_code_corruption_is_fatal_9_at_every_boot(module: Module, clock: FakeClock) -> None:
    module.integrity.sim_corrupt("code")
    power_cycle(module, clock, settle=1.0)
    assert lifecycle(module) == "self_test_failed"
    with pytest.raises(softscm.SelfTestFailed):
        module.random_bytes(4)
    start = now_ms(module)
    clock.advance(3 * cycle_s(9))
    module.physical.catch_up()
    assert set(fatal_labels(module)) == {"fatal 9"}
    assert len(fatal_labels(module, start)) >= 2
    assert lifecycle(module) == "self_test_failed"


def test_s90_background_check_catches_corruption_while_running(
        module: Module, clock: FakeClock) -> None:
    clock.advance(BACKGROUND_INTERVAL_S + 1)
    module.physical.catch_up()
    background = [e["detail"] for e in records(module) if e["kind"] == "self_test"
                  and e["detail"]["trigger"] == "background"]
    assert len(background) == 1 and background[0]["result"] == "pass"
    assert lifecycle(module) == "running"
    module.integrity.sim_corrupt("keystore")
    module.random_bytes(4)  # still serving until the check runs
    clock.advance(BACKGROUND_INTERVAL_S)
    module.physical.catch_up()
    assert lifecycle(module) == "self_test_failed"
    assert fatal_labels(module) == ["fatal 6"]
    with pytest.raises(softscm.SelfTestFailed):
        module.random_bytes(4)
    background = [e["detail"] for e in records(module) if e["kind"] == "self_test"
                  and e["detail"]["trigger"] == "background"]
    assert background[-1]["failed"] == ["keystore"]
    clock.advance(2 * cycle_s(6))
    module.physical.catch_up()
    assert lifecycle(module) == "self_test_failed"  # the reboots find it again


def test_commanded_self_test_names_each_check(module: Module, clock: FakeClock) -> None:
    report = module.physical.self_test()
    assert report["result"] == "pass" and "code" not in report
    assert {c["name"] for c in report["checks"]} == ALL_CHECKS
    assert all(c["passed"] for c in report["checks"])
    assert lifecycle(module) == "running"
    module.integrity.sim_corrupt("code")
    report = module.physical.self_test()
    assert report["result"] == "fail" and report["code"] == "9"
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["code"]
    assert lifecycle(module) == "self_test_failed"
    with pytest.raises(softscm.SelfTestFailed):
        module.random_bytes(4)


def test_corrupt_keystore_fails_the_key_store_check(module: Module) -> None:
    module.integrity.sim_corrupt("keystore")
    detail = [e["detail"] for e in records(module) if e["kind"] == "sim_corrupt"][-1]
    assert detail["area"] == "keystore" and isinstance(detail["slot"], int)
    report = module.physical.self_test()
    assert report["code"] == "6"
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["keystore"]


def test_corrupt_code_fails_the_code_check(module: Module) -> None:
    module.integrity.sim_corrupt("code")
    assert {"area": "code"} in [e["detail"] for e in records(module) if e["kind"] == "sim_corrupt"]
    report = module.physical.self_test()
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["code"]


def test_corrupt_manifest_fails_supervised_boot_not_the_self_test(
        module: Module, clock: FakeClock) -> None:
    module.integrity.sim_corrupt("manifest")
    before = len(records(module))
    power_cycle(module, clock)
    boot = records(module)[before:]
    assert [e["detail"]["result"] for e in boot if e["kind"] == "self_test"] == ["pass"]
    fails = [e["detail"] for e in boot if e["kind"] == "supervised_boot_fail"]
    assert fails and fails[0].get("reason") != "signature"
    assert lifecycle(module) != "self_test_failed"


def test_corrupt_refuses_an_unknown_area(module: Module) -> None:
    with pytest.raises(softscm.InvalidArgument, match="keystore, code, manifest"):
        module.integrity.sim_corrupt("keys")


def test_a_new_softscm_version_re_records_the_code_digest(module: Module, clock: FakeClock) -> None:
    module.integrity.sim_corrupt("code")
    # An upgrade: the recorded manifest is another version's, so it is recorded anew.
    module._store.set_meta(CODE_MANIFEST_META, json.dumps({"version": "0.0.1", "digest": "0" * 64}))
    before = len(records(module))
    power_cycle(module, clock)
    boot = records(module)[before:]
    recorded = [e["detail"] for e in boot if e["kind"] == "code_manifest_recorded"]
    version, digest = installed_code()
    assert recorded == [{"version": version, "previous": "0.0.1"}]
    assert lifecycle(module) == "running"
    stored = json.loads(module._store.get_meta(CODE_MANIFEST_META))
    assert stored == {"version": version, "digest": digest}


def test_code_digest_covers_every_file(tmp_path: Any) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"cache")
    first = code_digest(tmp_path)
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"other cache")
    assert code_digest(tmp_path) == first
    (tmp_path / "a.py").write_text("x = 2\n")
    assert code_digest(tmp_path) != first


def test_a_module_given_no_code_leaves_the_code_check_out(clock: FakeClock) -> None:
    module = make_module(clock, code=None)
    report = module.physical.self_test()
    assert report["result"] == "pass"
    assert {c["name"] for c in report["checks"]} == ALL_CHECKS - {"code"}
    with pytest.raises(softscm.OperationNotSupported):
        module.integrity.sim_corrupt("code")


def test_an_editable_install_counts_each_state_of_its_files_as_a_version() -> None:
    from softscm.host.code import _editable

    assert _editable('{"url": "file:///src", "dir_info": {"editable": true}}')
    assert not _editable('{"url": "file:///src", "dir_info": {}}')
    assert not _editable(None) and not _editable("not json")
    version, digest = installed_code()
    assert len(digest) == 64 and digest == code_digest()
    assert version.endswith(f"+dev.{digest[:12]}") or "+dev." not in version


#: The P-256 generator, a point of another curve: no secp256k1 key verifies with it.
_P256_G = ("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
           "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def test_each_known_answer_check_fails_on_a_wrong_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes import CountingEntropy
    from softscm.module.lifecycle import selftest

    def failed() -> list[str]:
        return selftest.failed_checks(selftest.run_self_test(CountingEntropy()))

    assert failed() == []
    for name, constant, wrong in (
            ("pbkdf2", "_PBKDF2_OKM", "00" * 64), ("ecdh_p256", "_P256_2G_X", "00" * 32),
            ("aes_gcm_kat", "_GCM_TAG", "00" * 16), ("hkdf", "_HKDF_OKM", "00" * 42),
            ("bip32", "_BIP32_M0H", ("00", "00")), ("ecdsa_kat", "_P256_SIG", "11" * 64),
            ("secp256k1_kat", "_K1_SIG", "11" * 64),
            ("secp256k1_kat", "_K1_PUBLIC", _P256_G),
            ("hmac", "_HMAC_SHA512", "00" * 64)):
        with monkeypatch.context() as patch:
            patch.setattr(selftest, constant, wrong)
            assert failed() == [name], name


class StuckEntropy:
    """Deterministic bytes until :attr:`stuck` is set; then the same block at every
    draw, as a generator that has failed."""

    def __init__(self) -> None:
        from fakes import CountingEntropy

        self._good = CountingEntropy(b"run")
        self.stuck = False
        self.sizes: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.sizes.append(n)
        return bytes([0x5A]) * n if self.stuck else self._good(n)


def test_s90_a_repeated_draw_of_the_generator_is_fatal_9(clock: FakeClock) -> None:
    """The continuous test (§9.2): every draw is compared with the one before; a repeat
    fails the operation that drew (keeping nothing) and the module fails its self test
    with code 9, rebooting and failing again while the generator stays stuck."""
    from scenario import make_module
    from softscm import Client
    from softscm.client.inprocess import InProcessTransport

    entropy = StuckEntropy()
    m = make_module(clock, entropy=entropy)
    scm = Client(InProcessTransport(m))
    scm.random_bytes(32)
    slots = m.keystore.slots()
    entropy.stuck = True
    scm.random_bytes(32)  # the first stuck block differs from the last good one
    with pytest.raises(softscm.SelfTestFailed, match="continuous test"):
        scm.generate_key("nistp256")
    assert m.physical.physical_status()["lifecycle"] == "running"  # until the next call
    assert scm.status()["lifecycle"] == "self_test_failed"
    assert m.keystore.slots() == slots  # the failed generation kept nothing
    tests = [e["detail"] for e in records(m) if e["kind"] == "self_test"]
    assert tests[-1] == {"result": "fail", "trigger": "continuous", "checks": ["random"],
                         "failed": ["random"]}
    fatal = [e["detail"] for e in records(m) if e["kind"] == "fatal"]
    assert fatal[-1] == {"code": "9", "reason": "self_test"}
    with pytest.raises(softscm.SelfTestFailed):
        scm.random_bytes(4)
    start = now_ms(m)
    clock.advance(3 * cycle_s(9))
    m.physical.catch_up()
    assert set(fatal_labels(m)) == {"fatal 9"}
    assert len(fatal_labels(m, start)) >= 2  # every boot's own test finds it again
    boot = [e["detail"] for e in records(m) if e["kind"] == "self_test"
            and e["detail"]["trigger"] == "boot"]
    assert boot and "random" in boot[-1]["failed"]
    assert lifecycle(m) == "self_test_failed"
    entropy.stuck = False  # the generator recovers: the next boot passes
    clock.advance(2 * cycle_s(9) + 12)
    m.physical.catch_up()
    assert lifecycle(m) == "running"
    assert len(scm.random_bytes(32)) == 32
    scm.close()


def test_the_continuous_test_compares_blocks_of_at_least_16_bytes() -> None:
    from fakes import CountingEntropy
    from softscm.module.lifecycle.selftest import ContinuousTest

    source = StuckEntropy()
    tested = ContinuousTest(source)
    assert ContinuousTest.over(tested) is tested
    assert tested(2) == CountingEntropy(b"run")(2)  # the start of a 16-byte block
    assert source.sizes == [16]
    assert tested(0) == b""
    for _ in range(100):
        tested(1)
        tested(3000)
    assert not tested.failed
    source.stuck = True
    tested(8)
    with pytest.raises(softscm.SelfTestFailed):
        tested(64)  # the same start as the 8-byte draw before it
    assert tested.failed
    with pytest.raises(softscm.SelfTestFailed):
        tested(32)


def test_a_repeat_inside_the_self_test_is_its_own_failure_not_a_pending_one() -> None:
    from softscm.module.lifecycle import selftest

    source = StuckEntropy()
    source.stuck = True
    tested = selftest.ContinuousTest(source)
    assert "random" in selftest.failed_checks(selftest.run_self_test(tested))
    assert not tested.failed
