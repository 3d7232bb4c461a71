"""Destruction is complete or not reported: after a self-destruct or ``remove_key`` no
sealed key, master-key seal, wallet secret or locked plaintext is left in any file of
the state directory, even while another process holds a read transaction on it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mnemonic import Mnemonic

import softscm
from fakes import CountingEntropy, FakeClock
from scenario import to_production
from softscm.module import Module
from softscm.store import Store, scrub

PLAINTEXT = b"locked plaintext that must never reach the disk"

_READER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
db.execute("SELECT count(*) FROM keys").fetchone()
print("reading", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""

# Reads every file of the directory in a process of its own (a descriptor opened and
# closed here would drop this process's SQLite locks) and names the files that hold one
# of the needles.
_SCAN = """
import os, sys
directory, needles = sys.argv[1], [bytes.fromhex(n) for n in sys.argv[2:]]
for name in sorted(os.listdir(directory)):
    with open(os.path.join(directory, name), "rb") as fh:
        data = fh.read()
    for n in needles:
        if n in data:
            print(name, n.hex()[:16])
"""


def scan(directory: Path, needles: list[bytes]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _SCAN, str(directory),
                          *[n.hex() for n in needles]],
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


class Reader:
    """Another process holding a read transaction on the database."""

    def __init__(self, database: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _READER, str(database)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "reading"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0


@pytest.fixture
def module(tmp_path: Path):
    clock = FakeClock()
    store = Store.open(tmp_path / "state")
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32)
    m = Module(store, clock=clock, entropy=CountingEntropy(b"run"), salt=b"s" * 32,
               identity={"machine_id": "host-a"})
    m.physical.session_open("host")
    yield m, clock, store
    store.close()


def secrets_of(m: Module, store: Store) -> list[bytes]:
    """Every secret of the state as it is stored: sealed keys and wallet nodes, the
    sealed master key and data-lock keys."""
    found = [rec.sealed for rec in store.list_keys()]
    for name in ("master_key", "production_seal", "lock_key_zymkey", "lock_key_cloud"):
        value = store.get_meta(name)
        if value is not None:
            found.append(bytes(value))
    return found


def wait_erased(store: Store) -> None:
    deadline = time.monotonic() + 60
    while store.erasure_pending():
        assert time.monotonic() < deadline, "erasure did not complete"
        time.sleep(0.05)


def test_self_destruct_with_a_reader_in_another_process(module, monkeypatch) -> None:
    monkeypatch.setattr(scrub, "ERASE_WAIT_MS", 300)
    m, clock, store = module
    m.generate_key("nistp256")
    _slot, words = m.wallets.create_wallet_bip39("secp256k1", "w")
    seed = Mnemonic.to_seed(words)
    blob = m.lock(PLAINTEXT)
    to_production(m, clock)
    needles = secrets_of(m, store) + [PLAINTEXT, seed]
    assert store.get_meta("production_seal") is not None
    assert len(needles) > 20
    assert scan(store.path.parent, needles)  # they are there before

    reader = Reader(store.path)
    m.physical.set_perimeter_event_actions(0, True, True)
    try:
        with pytest.raises(softscm.ModuleUnavailable, match="not yet erased"):
            m.simulation.sim_loop_open(0)
        # Not reported as done: the state says erasure is pending.
        assert store.erasure_pending()
    finally:
        reader.release()
    # The destruction stands in this process's view too.
    assert m.status()["destroyed"]
    wait_erased(store)
    assert scan(store.path.parent, needles) == []
    with pytest.raises(softscm.Destroyed):
        m.unlock(blob)


def test_remove_key_with_a_reader_is_reported_and_stands(module, monkeypatch) -> None:
    monkeypatch.setattr(scrub, "ERASE_WAIT_MS", 300)
    m, _clock, store = module
    slot = m.generate_key("nistp256")
    m.sign_digest(bytes(32), slot)  # loaded and cached
    sealed = store.get_key(slot).sealed
    reader = Reader(store.path)
    try:
        with pytest.raises(softscm.ModuleUnavailable, match="not yet erased"):
            m.remove_key(slot)
        with pytest.raises(softscm.SlotEmpty):
            m.sign_digest(bytes(32), slot)
    finally:
        reader.release()
    wait_erased(store)
    assert scan(store.path.parent, [sealed]) == []


def test_self_destruct_waits_for_a_short_reader(module) -> None:
    m, clock, store = module
    to_production(m, clock)
    needles = secrets_of(m, store)
    reader = Reader(store.path)
    m.physical.set_perimeter_event_actions(0, True, True)
    threading.Timer(0.5, reader.release).start()
    m.simulation.sim_loop_open(0)  # waits for the reader, then erases: no error
    assert not store.erasure_pending()
    assert scan(store.path.parent, needles) == []


def test_remove_key_erases_its_sealed_key(module) -> None:
    m, _clock, store = module
    slot = m.generate_key("ed25519")
    other = m.generate_key("ed25519")
    sealed = store.get_key(slot).sealed
    kept = store.get_key(other).sealed
    assert scan(store.path.parent, [sealed]) != []
    m.remove_key(slot)
    assert scan(store.path.parent, [sealed, kept]) == [
        f"state.db {kept.hex()[:16]}"]


def test_pending_erasure_is_resumed_by_the_next_open(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(scrub, "ERASE_WAIT_MS", 300)
    home = tmp_path / "state"
    client = softscm.Client.open(home)
    slot = client.generate_key("nistp256")
    client.close()
    store = Store.open(home)
    sealed = store.get_key(slot).sealed
    reader = Reader(store.path)
    try:
        with pytest.raises(softscm.ModuleUnavailable):
            store.delete_key(slot)
        store.close()  # the eraser stops; the mark stays in the state
    finally:
        reader.release()
    again = Store.open(home)
    try:
        assert not again.erasure_pending()
        assert scan(home, [sealed]) == []
    finally:
        again.close()


def test_store_check_says_when_erasure_is_pending(run, home: Path, monkeypatch) -> None:
    monkeypatch.setattr(scrub, "ERASE_WAIT_MS", 200)
    monkeypatch.setattr(scrub, "RESUME_WAIT_MS", 200)
    with softscm.Client.open(home) as scm:
        slot = scm.generate_key("nistp256")
    store = Store.open(home)
    reader = Reader(store.path)
    try:
        with pytest.raises(softscm.ModuleUnavailable):
            store.delete_key(slot)
        store.close()
        out = run("store", "check", code=1).output
        assert "FAIL  erasure" in out
        with softscm.Client.open(home) as scm:
            assert scm.status()["erasure_pending"] is True
        assert "ERASURE PENDING" in run("status").output
    finally:
        reader.release()
    assert "ok    erasure" in run("store", "check").output
    with softscm.Client.open(home) as scm:
        assert scm.status()["erasure_pending"] is False
    assert "ERASURE PENDING" not in run("status").output


def test_replacing_a_key_erases_the_secret_it_replaces(module) -> None:
    m, _clock, store = module
    m.generate_ephemeral_key("nistp256")
    first = store.get_key(-1).sealed
    assert scan(store.path.parent, [first]) != []
    m.generate_ephemeral_key("nistp256")  # replaces it
    second = store.get_key(-1).sealed
    assert scan(store.path.parent, [first, second]) == [f"state.db {second.hex()[:16]}"]


def test_a_new_export_flag_keeps_the_key_and_costs_no_erasure(module, monkeypatch) -> None:
    m, _clock, store = module
    slot = m.generate_key("nistp256")
    erasures = []
    monkeypatch.setattr(store, "erased", lambda: erasures.append(1))
    store.set_key_exportable(slot, True)
    assert erasures == [] and store.get_key(slot).exportable
