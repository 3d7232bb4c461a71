"""Supervised boot in the module (``scm-behaviour.md`` §6, §12.7): the manifest calls, the
verification at every power cycle and what each policy does in each mode, on a fake
clock with a temporary boot directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import softscm
from fakes import CountingEntropy, FakeClock
from scenario import kinds, spans, to_production
from softscm.host.bootdir import read_boot_file
from softscm.module import Module, Profile
from softscm.module.supervised_boot.manifest import MANIFEST_META, MAX_ENTRIES
from softscm.module.supervised_boot.shipped import SHIPPED_MANIFEST
from softscm.store import Store

SALT = b"s" * 32
ORIGINAL = b"original sample contents\n"
CHANGED = b"changed sample contents\n"
SHIPPED_STRING = ("bcm2711-rpi-cm4.dtb bootcode.bin cmdline.txt config.txt initrd.img "
                  "kernel8.img start4.elf zymbit_mac_address overlays/vc4-kms-v3d.dtbo")
#: Lengths of the simulated sequences, ms (§5.4).
SEQ_4_2_MS = 27_850
SEQ_22_9_MS = 102_850


@pytest.fixture
def boot_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "boot"
    directory.mkdir()
    (directory / "sample.txt").write_bytes(ORIGINAL)
    (directory / "config.txt").write_bytes(b"dtoverlay=dwc2,dr_mode=host\n")
    return directory


@pytest.fixture
def shipped_dir(boot_dir: Path) -> Path:
    """A boot directory holding the nine default files."""
    for name in SHIPPED_MANIFEST:
        target = boot_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"contents of " + name.encode())
    return boot_dir


def make(clock: FakeClock, boot_dir: Path, **profile: object) -> Module:
    """A module on ``boot_dir`` with a bound host session (the §12 background)."""
    store = Store.memory()
    entropy = CountingEntropy()
    Module.create_state(store, entropy=entropy, salt=SALT,
                        profile=Profile(boot_dir=str(boot_dir), **profile))  # type: ignore[arg-type]
    module = Module(store, clock=clock, entropy=entropy, salt=SALT,
                    identity={"machine_id": "host-a"}, boot_files=read_boot_file)
    module.physical.session_open("host")
    return module


@pytest.fixture
def m(clock: FakeClock, boot_dir: Path) -> Module:
    return make(clock, boot_dir)


def add(module: Module, path: str, slot: int = 15) -> None:
    """``add_or_update_supervised_boot_file`` as the client does it."""
    directory = module.supervised_boot.prepare_supervised_boot_file(path, slot)
    digest = hashlib.sha256((Path(directory) / path).read_bytes()).digest()
    module.supervised_boot.add_or_update_supervised_boot_file(path, slot, digest)


def manifest(module: Module) -> str:
    return module.supervised_boot.supervised_boot_manifest()


def events(module: Module, kind: str) -> list[dict]:
    return [e["detail"] for e in module.events(limit=10_000) if e["kind"] == kind]


def cycle_spans(module: Module, clock: FakeClock, settle: float) -> list[tuple]:
    """Power-cycle, let ``settle`` seconds pass; the spans of that boot."""
    start = int(round(module.physical.now() * 1000))
    module.simulation.sim_power_cycle()
    clock.advance(settle)
    module.physical.catch_up()
    return [s for s in spans(module) if s[0] >= start]


def labels(boot: list[tuple]) -> list[str]:
    return [s[2] for s in boot]


def fatal_spans(boot: list[tuple]) -> list[tuple]:
    return [s for s in boot if s[2].startswith("fatal")]


def since(module: Module, seq: int) -> list[dict]:
    return [e for e in module.events(limit=10_000) if e["seq"] > seq]


def last_seq(module: Module) -> int:
    return int(module.events(limit=10_000)[-1]["seq"])


# -- §12.7 scenarios ---------------------------------------------------------------------


def test_s50_shipped_manifest(clock: FakeClock, shipped_dir: Path) -> None:
    m = make(clock, shipped_dir, shipped_manifest=True)
    assert manifest(m) == SHIPPED_STRING
    shipped = events(m, "manifest_changed")
    assert shipped[0]["op"] == "shipped" and shipped[0]["skipped"] == []
    assert all(e["slot"] == 15 for e in m.supervised_boot.supervised_boot_entries())
    boot = cycle_spans(m, clock, 12)
    assert events(m, "supervised_boot_ok")[-1] == {"entries": 9}
    assert fatal_spans(boot) == []
    assert labels(boot)[-1] == "running_dev"


def test_s51_development_changed_file(m: Module, clock: FakeClock, boot_dir: Path) -> None:
    m.physical.set_supervised_boot_policy(2)
    add(m, "sample.txt")
    assert fatal_spans(cycle_spans(m, clock, 12)) == []
    seq = last_seq(m)
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    boot = cycle_spans(m, clock, 12 + SEQ_4_2_MS / 1000)
    assert labels(boot) == ["boot_init", "verify_1", "verify_2", "verify_3", "verify_4",
                            "fatal 4/2", "host_booting", "usb_enumerated", "running_dev"]
    fatal = fatal_spans(boot)[0]
    assert fatal[1] - fatal[0] == SEQ_4_2_MS and fatal[3] is True
    log = since(m, seq)
    assert [e["kind"] for e in log] == ["power_off", "power_on", "self_test",
                                        "supervised_boot_fail", "simulated_action", "bind_ok"]
    fail = log[3]["detail"]
    assert fail["path"] == "sample.txt" and fail["class"] == "signature"
    assert log[4]["detail"] == {"event": "supervised_boot", "code": "4/2"}
    assert m.physical.led()["label"] == "running_dev"


@pytest.mark.parametrize("remedy", ["re-sign", "remove", "restore"])
def test_s52_remedies(m: Module, clock: FakeClock, boot_dir: Path, remedy: str) -> None:
    add(m, "sample.txt")
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    assert fatal_spans(cycle_spans(m, clock, 12 + SEQ_4_2_MS / 1000))
    if remedy == "re-sign":
        add(m, "sample.txt")
    elif remedy == "remove":
        m.supervised_boot.remove_supervised_boot_file("sample.txt")
    else:
        (boot_dir / "sample.txt").write_bytes(ORIGINAL)
    seq = last_seq(m)
    boot = cycle_spans(m, clock, 12)
    assert fatal_spans(boot) == []
    assert labels(boot)[-1] == "running_dev"
    assert "supervised_boot_fail" not in [e["kind"] for e in since(m, seq)]
    if remedy == "remove":
        assert manifest(m) == ""
    else:
        assert manifest(m) == "sample.txt"
        assert events(m, "supervised_boot_ok")[-1] == {"entries": 1}


@pytest.mark.parametrize("path, slot", [
    ("config.txt", 16), ("config.txt", 527), ("config.txt", -1), ("config.txt", True),
    ("config.txt", "15"), ("/boot/config.txt", 15), ("/config.txt", 15),
    ("boot/config.txt", 15), ("../etc/passwd", 15), ("overlays/../../x", 15), ("", 15),
    ("a\x00b", 15), ("x" * 256, 15), ("my file.txt", 15), ("overlays//x.dtbo", 15),
    ("./config.txt", 15), ("overlays/", 15), (b"config.txt", 15), (None, 15),
])
def test_s53_bad_path_or_slot(m: Module, path: object, slot: object) -> None:
    add(m, "sample.txt")
    before = manifest(m)
    sb = m.supervised_boot
    with pytest.raises(softscm.InvalidArgument):
        sb.prepare_supervised_boot_file(path, slot)  # type: ignore[arg-type]
    with pytest.raises(softscm.InvalidArgument):
        sb.add_or_update_supervised_boot_file(path, slot, bytes(32))  # type: ignore[arg-type]
    assert manifest(m) == before


def test_s53_manifest_call_validation(m: Module) -> None:
    sb = m.supervised_boot
    add(m, "config.txt", 0)
    assert manifest(m) == "config.txt"
    assert sb.supervised_boot_entries()[0]["slot"] == 0
    with pytest.raises(softscm.InvalidArgument):
        sb.remove_supervised_boot_file("not-listed.txt")
    with pytest.raises(softscm.InvalidArgument):
        sb.add_or_update_supervised_boot_file("sample.txt", 15, b"short")
    assert manifest(m) == "config.txt"
    assert sb.prepare_supervised_boot_file("x" * 255, 15) == m.profile.boot_dir


def test_s54_empty_manifest_turns_it_off(clock: FakeClock, shipped_dir: Path) -> None:
    m = make(clock, shipped_dir, shipped_manifest=True)
    assert len(manifest(m).split()) == 9
    for path in manifest(m).split():
        m.supervised_boot.remove_supervised_boot_file(path)
    assert manifest(m) == ""
    (shipped_dir / "config.txt").write_bytes(b"otg_mode=1\n")
    seq = last_seq(m)
    boot = cycle_spans(m, clock, 12)
    assert fatal_spans(boot) == []
    log = [e["kind"] for e in since(m, seq)]
    assert "supervised_boot_fail" not in log and "supervised_boot_ok" not in log
    assert manifest(m) == ""


def _production(m: Module, clock: FakeClock, policy: int) -> None:
    m.physical.set_supervised_boot_policy(policy)
    add(m, "sample.txt")
    to_production(m, clock)
    assert m.physical.led()["label"] == "running_production"


def test_s55_standard_production_hold(m: Module, clock: FakeClock, boot_dir: Path) -> None:
    _production(m, clock, 2)
    key = m.public_key(0)
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    m.simulation.sim_power_cycle()
    clock.advance(11)
    status = m.physical.physical_status()
    assert status["lifecycle"] == "held" and status["hold"] == "supervised_boot"
    with pytest.raises(softscm.ModuleUnavailable):
        m.random_bytes(4)
    with pytest.raises(softscm.ModuleUnavailable):
        m.supervised_boot.supervised_boot_manifest()
    # The code runs three times, the module reboots and verifies again: held again.
    clock.advance(SEQ_4_2_MS / 1000 + 11)
    status = m.physical.physical_status()
    assert status["lifecycle"] == "held"
    fatals = [s for s in spans(m) if s[2] == "fatal 4/2"]
    assert len(fatals) >= 2 and not any(s[3] for s in fatals)
    assert fatals[0][1] - fatals[0][0] == SEQ_4_2_MS
    assert kinds(m).count("supervised_boot_fail") >= 2
    assert "module_reboot" in kinds(m) and "held" in kinds(m)
    # The file is restored out of band: the next verification passes.
    (boot_dir / "sample.txt").write_bytes(ORIGINAL)
    clock.advance(SEQ_4_2_MS / 1000 + 12)
    m.physical.catch_up()
    assert m.physical.physical_status()["lifecycle"] == "running"
    assert m.physical.led()["label"] == "running_production"
    assert m.public_key(0) == key
    assert manifest(m) == "sample.txt"


def test_s56_standard_production_destroy(m: Module, clock: FakeClock, boot_dir: Path) -> None:
    _production(m, clock, 1)
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    files = {p: p.read_bytes() for p in boot_dir.rglob("*") if p.is_file()}
    m.simulation.sim_power_cycle()
    clock.advance(12)
    log = m.events(limit=10_000)
    assert {"cause": "supervised_boot"} in [e["detail"] for e in log
                                            if e["kind"] == "self_destruct"]
    assert "boot_partition_destroyed" in kinds(m)
    assert {p: p.read_bytes() for p in boot_dir.rglob("*") if p.is_file()} == files
    with pytest.raises(softscm.Destroyed):
        m.random_bytes(4)
    with pytest.raises(softscm.Destroyed):
        m.supervised_boot.supervised_boot_manifest()
    assert m._store.get_meta(MANIFEST_META) is None
    boot = cycle_spans(m, clock, 40)
    assert "fatal 6" in labels(boot) and "fatal 4/2" not in labels(boot)
    with pytest.raises(softscm.Destroyed):
        m.random_bytes(4)


def test_s57_policy_zero_only_logs(m: Module, clock: FakeClock, boot_dir: Path) -> None:
    _production(m, clock, 0)
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    seq = last_seq(m)
    boot = cycle_spans(m, clock, 12)
    assert fatal_spans(boot) == []
    assert labels(boot)[-1] == "running_production"
    log = since(m, seq)
    assert [e["detail"]["class"] for e in log if e["kind"] == "supervised_boot_fail"] == [
        "signature"]
    assert len(m.random_bytes(4)) == 4


def test_s58_process_failure(m: Module, clock: FakeClock) -> None:
    m.physical.set_supervised_boot_policy(2)
    add(m, "sample.txt")
    m.integrity.sim_corrupt("manifest")
    seq = last_seq(m)
    boot = cycle_spans(m, clock, 12 + SEQ_22_9_MS / 1000)
    fatal = fatal_spans(boot)
    assert [s[2] for s in fatal] == ["fatal 22/9"]
    assert fatal[0][1] - fatal[0][0] == SEQ_22_9_MS and fatal[0][3] is True
    assert labels(boot)[-1] == "running_dev"
    fails = [e["detail"] for e in since(m, seq) if e["kind"] == "supervised_boot_fail"]
    assert [f["class"] for f in fails] == ["process"]
    assert {"event": "supervised_boot", "code": "22/9"} in events(m, "simulated_action")


def test_s59_alpha_production_simulates(clock: FakeClock, boot_dir: Path) -> None:
    m = make(clock, boot_dir, program="alpha")
    _production(m, clock, 1)
    key = m.public_key(3)
    blob = m.lock(b"kept")
    (boot_dir / "sample.txt").write_bytes(CHANGED)
    boot = cycle_spans(m, clock, 12 + SEQ_4_2_MS / 1000)
    assert [(s[2], s[3]) for s in fatal_spans(boot)] == [("fatal 4/2", True)]
    assert labels(boot)[-1] == "running_production"
    assert "self_destruct" not in kinds(m)
    assert m.public_key(3) == key and m.unlock(blob) == b"kept"


def test_s62_hsm6(clock: FakeClock, boot_dir: Path) -> None:
    m = make(clock, boot_dir, profile="hsm6")
    sb = m.supervised_boot
    calls = [
        lambda: m.physical.set_supervised_boot_policy(2),
        lambda: sb.prepare_supervised_boot_file("sample.txt", 13),
        lambda: sb.add_or_update_supervised_boot_file("sample.txt", 13, bytes(32)),
        lambda: sb.remove_supervised_boot_file("sample.txt"),
        sb.supervised_boot_manifest,
        sb.supervised_boot_entries,
    ]
    for call in calls:
        with pytest.raises(softscm.OperationNotSupported):
            call()
    assert fatal_spans(cycle_spans(m, clock, 12)) == []
    m.physical.set_i2c_address(0x31)
    with pytest.raises(softscm.InvalidArgument):
        m.physical.set_i2c_address(0x40)
    assert "module_reboot" not in kinds(m)


# -- the manifest ------------------------------------------------------------------------


def test_order_update_and_log(m: Module, boot_dir: Path) -> None:
    (boot_dir / "overlays").mkdir()
    (boot_dir / "overlays" / "x.dtbo").write_bytes(b"x")
    add(m, "sample.txt")
    add(m, "overlays/x.dtbo", 3)
    add(m, "config.txt")
    add(m, "sample.txt", 7)  # an update keeps its place and takes the new slot
    assert manifest(m) == "sample.txt overlays/x.dtbo config.txt"
    entries = m.supervised_boot.supervised_boot_entries()
    assert [(e["path"], e["slot"]) for e in entries] == [
        ("sample.txt", 7), ("overlays/x.dtbo", 3), ("config.txt", 15)]
    assert entries[0]["digest"] == hashlib.sha256(ORIGINAL).digest()
    m.supervised_boot.remove_supervised_boot_file("overlays/x.dtbo")
    changes = events(m, "manifest_changed")
    assert [(c["op"], c["path"]) for c in changes] == [
        ("add", "sample.txt"), ("add", "overlays/x.dtbo"), ("add", "config.txt"),
        ("update", "sample.txt"), ("remove", "overlays/x.dtbo")]
    assert changes[3]["slot"] == 7
    assert manifest(m) == "sample.txt config.txt"


def test_signature_is_the_slot_keys(m: Module) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

    add(m, "sample.txt", 5)
    stored = m._store.get_meta(MANIFEST_META)
    from softscm.module.supervised_boot.manifest import decode_manifest

    entry = decode_manifest(stored)[0]
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b"\x04" + m.public_key(5))
    der = encode_dss_signature(int.from_bytes(entry.signature[:32], "big"),
                               int.from_bytes(entry.signature[32:], "big"))
    public.verify(der, hashlib.sha256(ORIGINAL).digest(), ec.ECDSA(Prehashed(hashes.SHA256())))


def test_at_most_64_entries(m: Module, boot_dir: Path) -> None:
    for i in range(MAX_ENTRIES):
        (boot_dir / f"f{i}").write_bytes(b"%d" % i)
        add(m, f"f{i}")
    (boot_dir / "one-more").write_bytes(b"x")
    with pytest.raises(softscm.KeyStoreFull):
        add(m, "one-more")
    add(m, "f0")  # updating a listed file still works
    assert len(manifest(m).split()) == MAX_ENTRIES


def test_calls_allowed_after_locking(m: Module, clock: FakeClock) -> None:
    to_production(m, clock)
    for policy in (0, 1, 2, 0):
        m.physical.set_supervised_boot_policy(policy)
    add(m, "sample.txt")
    m.supervised_boot.remove_supervised_boot_file("sample.txt")
    settings = m.physical.physical_status()["settings"]
    assert settings["supervised_boot_policy"] == 0
    assert {"name": "set_supervised_boot_policy", "value": 0} in events(m, "setting_changed")
    assert "setting_rejected" not in kinds(m)


@pytest.mark.parametrize("policy", [3, -1, True, 1.0, "1", None])
def test_bad_policy(m: Module, policy: object) -> None:
    with pytest.raises(softscm.InvalidArgument):
        m.physical.set_supervised_boot_policy(policy)  # type: ignore[arg-type]
    assert m.physical.physical_status()["settings"]["supervised_boot_policy"] == 2


def test_default_policy_is_hold(m: Module) -> None:  # C17
    assert m.physical.physical_status()["settings"]["supervised_boot_policy"] == 2


def test_missing_file_is_a_signature_failure(m: Module, clock: FakeClock,
                                             boot_dir: Path) -> None:
    add(m, "sample.txt")
    add(m, "config.txt")
    (boot_dir / "sample.txt").unlink()
    seq = last_seq(m)
    boot = cycle_spans(m, clock, 12 + SEQ_4_2_MS / 1000)
    assert [s[2] for s in fatal_spans(boot)] == ["fatal 4/2"]
    fails = [e["detail"] for e in since(m, seq) if e["kind"] == "supervised_boot_fail"]
    assert fails == [{"path": "sample.txt", "class": "signature", "reason": "missing"}]


def test_missing_signing_key_is_a_process_failure(m: Module, clock: FakeClock,
                                                  boot_dir: Path) -> None:
    add(m, "sample.txt", 4)
    add(m, "config.txt")
    (boot_dir / "config.txt").write_bytes(b"changed")
    m._store.delete_key(4)  # a damaged key store: the signing key is gone
    m.keystore.forget()
    boot = cycle_spans(m, clock, 12 + SEQ_22_9_MS / 1000)
    assert [s[2] for s in fatal_spans(boot)] == ["fatal 22/9"]  # process wins
    fails = [(f["path"], f["class"]) for f in events(m, "supervised_boot_fail")]
    assert fails == [("sample.txt", "process"), ("config.txt", "signature")]


def test_damaged_manifest(m: Module, clock: FakeClock) -> None:
    add(m, "sample.txt")
    m.integrity.sim_corrupt("manifest")
    m.integrity.sim_corrupt("manifest")  # still damaged
    with pytest.raises(softscm.SelfTestFailed):
        manifest(m)
    with pytest.raises(softscm.SelfTestFailed):
        m.supervised_boot.remove_supervised_boot_file("sample.txt")
    assert {"area": "manifest"} in events(m, "sim_corrupt")
    # Adding a file re-creates the manifest.
    add(m, "config.txt")
    assert manifest(m) == "config.txt"
    assert events(m, "manifest_changed")[-1]["reset"] is True
    assert fatal_spans(cycle_spans(m, clock, 12)) == []


def test_corrupting_an_empty_manifest(m: Module, clock: FakeClock) -> None:
    m.integrity.sim_corrupt("manifest")
    boot = cycle_spans(m, clock, 12 + SEQ_22_9_MS / 1000)
    assert [s[2] for s in fatal_spans(boot)] == ["fatal 22/9"]


@pytest.mark.parametrize("area", ["keystores", "", 3, None])
def test_corrupt_unknown_area(m: Module, area: object) -> None:
    with pytest.raises(softscm.InvalidArgument) as excinfo:
        m.integrity.sim_corrupt(area)  # type: ignore[arg-type]
    assert repr(area) in str(excinfo.value)


def test_corrupt_refused_without_simulation(clock: FakeClock, boot_dir: Path) -> None:
    m = make(clock, boot_dir, simulation=False)
    add(m, "sample.txt")
    with pytest.raises(softscm.OperationNotSupported):
        m.integrity.sim_corrupt("manifest")
    assert manifest(m) == "sample.txt"


def test_self_destruct_erases_the_manifest(m: Module, clock: FakeClock) -> None:
    add(m, "sample.txt")
    to_production(m, clock)
    m.physical.set_perimeter_event_actions(0, True, True)
    m.simulation.sim_loop_open(0)
    assert m._store.get_meta(MANIFEST_META) is None


def test_shipped_manifest_skips_missing_files(clock: FakeClock, boot_dir: Path) -> None:
    (boot_dir / "kernel7l.img").write_bytes(b"32-bit kernel")
    m = make(clock, boot_dir, shipped_manifest=True)
    assert manifest(m) == "config.txt kernel7l.img"
    shipped = events(m, "manifest_changed")[0]
    assert shipped["op"] == "shipped" and shipped["paths"] == ["config.txt", "kernel7l.img"]
    assert shipped["skipped"] == ["bcm2711-rpi-cm4.dtb", "bootcode.bin", "cmdline.txt",
                                  "initrd.img", "start4.elf", "zymbit_mac_address",
                                  "overlays/vc4-kms-v3d.dtbo"]
    assert fatal_spans(cycle_spans(m, clock, 12)) == []
    assert events(m, "supervised_boot_ok")[-1] == {"entries": 2}


def test_shipped_manifest_is_signed_once(clock: FakeClock, shipped_dir: Path) -> None:
    m = make(clock, shipped_dir, shipped_manifest=True)
    for path in manifest(m).split():
        m.supervised_boot.remove_supervised_boot_file(path)
    cycle_spans(m, clock, 12)
    assert manifest(m) == ""
    assert [c["op"] for c in events(m, "manifest_changed")].count("shipped") == 1


def test_no_manifest_unless_asked(clock: FakeClock, shipped_dir: Path) -> None:
    m = make(clock, shipped_dir)
    assert manifest(m) == ""
    assert "manifest_changed" not in kinds(m)


def test_manifest_survives_reopening(clock: FakeClock, boot_dir: Path) -> None:
    store = Store.memory()
    entropy = CountingEntropy()
    Module.create_state(store, entropy=entropy, salt=SALT,
                        profile=Profile(boot_dir=str(boot_dir)))
    first = Module(store, clock=clock, entropy=entropy, salt=SALT, boot_files=read_boot_file)
    first.physical.session_open("a")
    add(first, "sample.txt")
    second = Module(store, clock=clock, entropy=entropy, salt=SALT, boot_files=read_boot_file)
    second.physical.session_open("b")
    assert manifest(second) == "sample.txt"


def test_boot_dir_reported(m: Module, boot_dir: Path) -> None:
    assert m.supervised_boot.supervised_boot_dir() == str(boot_dir)
    assert m.supervised_boot.prepare_supervised_boot_file("sample.txt") == str(boot_dir)


def test_one_executor_carries_out_the_decisions_of_both_paths(
        m: Module, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = m.physical.engine
    seen: list[tuple[str, bool]] = []
    carry_out = engine.carry_out

    def spy(st, t, decision, event, **options):  # type: ignore[no-untyped-def]
        seen.append((event, bool(options.get("at_boot"))))
        return carry_out(st, t, decision, event, **options)

    monkeypatch.setattr(engine, "carry_out", spy)
    m.physical.set_supervised_boot_policy(2)
    add(m, "sample.txt")
    m.integrity.sim_corrupt("manifest")
    cycle_spans(m, clock, 12 + SEQ_22_9_MS / 1000)
    m.simulation.sim_loop_open(0)
    assert seen == [("supervised_boot", True), ("tamper", False)]
