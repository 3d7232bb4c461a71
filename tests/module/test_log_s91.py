"""The system log (``scm-behaviour.md`` §9.1, S-91): every required kind with ``rtc`` and
``mono_ms``, taps logged when tap logging is on, the capacity bound with its
``log_truncated`` marker, and records written before the clock fields still verifying."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakes import CountingEntropy, FakeClock
from softscm.host.bootdir import read_boot_file
from softscm.module import Module, Profile, eventlog
from softscm.module.module import OPERATIONS
from softscm.module.records import EventRecord
from softscm.store import Store

SALT = b"s" * 32
#: Module seconds a development power cycle with a changed boot file takes to settle
#: (the boot, then the 4/2 sequence, §5.4).
SETTLE_AFTER_FAIL_S = 12 + 27.85


@pytest.fixture
def boot_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "boot"
    directory.mkdir()
    (directory / "sample.txt").write_bytes(b"original\n")
    return directory


def make(clock: FakeClock, boot_dir: Path, **profile: Any) -> Module:
    """A development module on ``boot_dir`` (made with ``profile``'s settings) with a
    bound host session."""
    store = Store.memory()
    Module.create_state(store, entropy=CountingEntropy(), salt=SALT,
                        profile=Profile(boot_dir=str(boot_dir), **profile))
    module = Module(store, clock=clock, entropy=CountingEntropy(b"run"), salt=SALT,
                    identity={"machine_id": "host-a"}, boot_files=read_boot_file)
    module.physical.session_open("host")
    return module


def sign_boot_file(module: Module, path: str) -> None:
    sb = module.supervised_boot
    directory = sb.prepare_supervised_boot_file(path, 15)
    import hashlib

    digest = hashlib.sha256((Path(directory) / path).read_bytes()).digest()
    sb.add_or_update_supervised_boot_file(path, 15, digest)


def exported(module: Module) -> list[dict]:
    return module.events(limit=10_000)


def chain(records: list[dict]) -> list[EventRecord]:
    return [eventlog.from_dict(r) for r in records]


def test_s91_every_required_kind_with_clock_fields_chained(
        clock: FakeClock, boot_dir: Path) -> None:
    m = make(clock, boot_dir, tap_logging=True)
    sign_boot_file(m, "sample.txt")
    start = exported(m)[-1]["seq"]
    clock.advance(5)
    m.simulation.sim_loop_open(0)                 # a notify breach (the default action)
    m.simulation.sim_loop_close(0)
    m.simulation.sim_set_temperature(70)          # action none: logged only
    m.simulation.sim_set_temperature(25)
    m.simulation.sim_set_battery(2.2)             # below the 2.3 V threshold
    m.simulation.sim_set_battery(3.0)
    (boot_dir / "sample.txt").write_bytes(b"changed\n")
    m.simulation.sim_power_cycle()                # development: 4/2, simulated
    clock.advance(SETTLE_AFTER_FAIL_S)
    m.physical.catch_up()
    clock.advance(3)
    m.simulation.sim_tap("x", 16, -1)
    log = [r for r in exported(m) if r["seq"] > start]

    kinds = [r["kind"] for r in log]
    wanted = ["perimeter_breach", "temperature_out_of_range", "battery_low", "self_test",
              "supervised_boot_fail", "tap"]
    positions = [kinds.index(kind) for kind in wanted]
    assert positions == sorted(positions), kinds
    seqs = [r["seq"] for r in log]
    assert seqs == list(range(start + 1, start + 1 + len(log)))
    tap = log[kinds.index("tap")]
    assert tap["detail"] == {"axis": "x", "direction": -1}
    assert log[kinds.index("temperature_out_of_range")]["detail"] == {
        "side": "high", "value": 70.0, "threshold": 65.0}

    for record in log:
        assert isinstance(record["rtc"], float) and isinstance(record["mono_ms"], int)
        assert "rtc" not in record["detail"] and "mono_ms" not in record["detail"]
    assert tap["rtc"] == pytest.approx(m.physical.rtc())
    boot = log[kinds.index("self_test")]
    assert boot["mono_ms"] == 0, "uptime counts from the module boot"
    assert tap["mono_ms"] == round((tap["at"] - boot["at"]) * 1000) > 0
    breach = log[kinds.index("perimeter_breach")]
    assert breach["mono_ms"] > 0 and breach["rtc"] < tap["rtc"]

    whole = exported(m)
    assert eventlog.first_broken(chain(whole)) is None
    edited = json.loads(json.dumps(whole))
    index = next(i for i, r in enumerate(edited) if r["kind"] == "battery_low")
    edited[index]["detail"]["volts"] = 2.9
    assert eventlog.first_broken(chain(edited)) == edited[index]["seq"]
    edited = json.loads(json.dumps(whole))
    edited[index]["rtc"] += 1
    assert eventlog.first_broken(chain(edited)) == edited[index]["seq"], \
        "the chain covers rtc"
    text = json.dumps(whole)
    assert SALT.hex() not in text and SALT.decode() not in text


def test_taps_are_logged_only_when_provisioned_with_tap_logging(
        clock: FakeClock, boot_dir: Path) -> None:
    """Tap logging is a provisioning setting (§9.1 "if configured"), default off."""
    m = make(clock, boot_dir)
    assert m.profile.tap_logging is False and m.status()["tap_logging"] is False
    last = exported(m)[-1]["seq"]
    m.simulation.sim_tap("z", 16, -1)
    assert m.physical.accelerometer()[2] == [1.0, -1], "the tap itself still happens"
    assert "tap" not in [r["kind"] for r in exported(m) if r["seq"] > last]

    m = make(clock, boot_dir, tap_logging=True)
    assert m.status()["tap_logging"] is True
    last = exported(m)[-1]["seq"]
    m.simulation.sim_tap("z", 16, 1)
    m.physical.set_tap_sensitivity("x", 0)
    m.simulation.sim_tap("x", 16, 1)              # not detected: not a tap
    taps = [r for r in exported(m) if r["seq"] > last and r["kind"] == "tap"]
    assert [t["detail"] for t in taps] == [{"axis": "z", "direction": 1}]
    again = Module(m._store, clock=clock, entropy=CountingEntropy(b"again"), salt=SALT,
                   identity={"machine_id": "host-a"})
    assert again.profile.tap_logging is True, "kept in the state"
    assert "sim_tap_logging" not in OPERATIONS, "not a simulation input: fixed when made"


@pytest.fixture
def small_log(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    monkeypatch.setattr(eventlog, "MAX_RECORDS", 20)
    monkeypatch.setattr(eventlog, "TRUNCATE_SLACK", 5)
    return 20, 5


def taps(m: Module, count: int) -> None:
    for _ in range(count):
        m.simulation.sim_tap("x", 16, 1)


@pytest.fixture
def tapping(clock: FakeClock) -> Module:
    """The §12 background, made with tap logging on: each tap is a record."""
    from scenario import make_module

    return make_module(clock, Profile(tap_logging=True))


def test_the_newest_records_are_kept_with_a_marker(tapping: Module, small_log) -> None:
    module = tapping
    cap, slack = small_log
    sizes = []
    for _ in range(60):
        taps(module, 1)
        sizes.append(len(exported(module)))
    assert max(sizes) == cap + slack, "the oldest go in one batch past the slack"
    log = exported(module)
    markers = [r for r in log if r["kind"] == "log_truncated"]
    assert markers, "at least one truncation"
    newest = markers[-1]
    assert newest["detail"]["first_seq"] == log[0]["seq"] > 1
    assert isinstance(newest["rtc"], float) and isinstance(newest["mono_ms"], int)
    assert log[0]["prev_hash"] == newest["detail"]["prev_hash"]
    seqs = [r["seq"] for r in log]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert eventlog.first_broken(chain(log)) is None
    # Read from the middle, a page still carries the digest before it.
    page = module.events(after=log[4]["seq"], limit=3)
    assert page[0]["prev_hash"] == log[4]["hash"]
    # Removing one more old record, or editing the marker, breaks the chain.
    assert eventlog.first_broken(chain(log[1:])) == log[1]["seq"]
    edited = json.loads(json.dumps(log))
    at = log.index(newest)
    edited[at]["detail"]["first_seq"] += 1
    assert eventlog.first_broken(chain(edited)) is not None
    edited = json.loads(json.dumps(log))
    edited[at]["detail"]["prev_hash"] = "00" * eventlog.DIGEST_BYTES
    assert eventlog.first_broken(chain(edited)) == log[0]["seq"]


def test_truncation_is_exact(tapping: Module, small_log) -> None:
    module = tapping
    cap, slack = small_log
    first = exported(module)[0]["seq"]
    assert first == 1
    sizes = []
    while "log_truncated" not in [r["kind"] for r in exported(module)]:
        taps(module, 1)
        sizes.append(len(exported(module)))
        assert len(sizes) < 100
    assert sizes[-2] == cap + slack
    log = exported(module)
    assert [r["kind"] for r in log].count("log_truncated") == 1
    marker = next(r for r in log if r["kind"] == "log_truncated")
    assert marker == log[-1]
    assert len(log) == cap + 1, "the newest records and the marker"
    assert log[0]["seq"] == marker["seq"] - cap


def test_records_without_clock_fields_still_verify() -> None:
    old = []
    previous = None
    for kind, detail in [("power_on", {"cold": True}), ("self_test",
                                                        {"result": "pass", "failed": []})]:
        previous = eventlog.make_record(previous, 1_700_000_000.0, kind, detail)
        old.append(previous)
    new = eventlog.make_record(previous, 1_700_000_001.0, "tap",
                               {"axis": "x", "direction": 1, "rtc": 1_700_000_001.5,
                                "mono_ms": 1000})
    wire = eventlog.as_dicts([*old, new], eventlog.GENESIS)
    assert wire[0]["rtc"] is None and wire[0]["mono_ms"] is None
    assert wire[0]["detail"] == {"cold": True}
    assert wire[2]["rtc"] == 1_700_000_001.5 and wire[2]["detail"] == {"axis": "x",
                                                                       "direction": 1}
    assert chain(wire) == [*old, new]
    assert eventlog.first_broken(chain(wire)) is None


def test_the_clock_field_names_are_the_logs_own(module: Module) -> None:
    with pytest.raises(ValueError, match="rtc"):
        module.record("warning", kind="x", rtc=1.0)
