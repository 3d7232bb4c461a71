"""A damaged store is reported, not crashed on: one error (``StoreDamaged``) naming the
file, ``softscm store check``, and a failed open that keeps nothing."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

import softscm
from softscm import Client, Status, StoreDamaged
from softscm.errors import error_for
from softscm.store.lockfile import lock_exclusive
from softscm.store.rows import SUMMED, row_sum
from zymkey._errors import bad_return_code, return_code

COPIES = 100


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A closed state with keys of every kind, a wallet and a locked blob."""
    home = tmp_path_factory.mktemp("pristine") / "state"
    with Client.open(home) as scm:
        for curve in ("nistp256", "secp256k1", "ed25519"):
            scm.generate_key(curve)
        scm.create_wallet("secp256k1", "w")
        blob = bytes(scm.lock(b"damage test"))
    return home, blob


def flipped_copy(source: Path, target: Path, rng: random.Random) -> None:
    shutil.copytree(source, target)
    db = target / "state.db"
    data = bytearray(db.read_bytes())
    for _ in range(rng.randint(1, 64)):
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
    db.write_bytes(bytes(data))


def exercise(home: Path, blob: bytes) -> None:
    with Client.open(home) as scm:
        scm.status()
        for slot in scm.slots()[0]:
            try:
                scm.sign_digest(bytes(32), slot)
            except softscm.OperationNotSupported:
                pass  # a wallet's master seed or an X25519 key: not a signer
        assert scm.unlock(blob) == b"damage test"
        scm.events(limit=1000)


def test_flipped_bits_give_store_damaged_or_work(pristine, tmp_path: Path) -> None:
    source, blob = pristine
    rng = random.Random(20261203)
    outcomes = {"works": 0, "damaged": 0}
    for n in range(COPIES):
        copy = tmp_path / f"copy{n}"
        flipped_copy(source, copy, rng)
        try:
            exercise(copy, blob)
        except StoreDamaged as exc:
            assert str(copy / "state.db") in exc.message, exc.message
            assert "softscm log export" in exc.message
            outcomes["damaged"] += 1
            # Nothing was kept: the state can be taken exclusively again.
            lock_exclusive(copy, "probe").release()
        else:
            outcomes["works"] += 1
        shutil.rmtree(copy)
    print(outcomes)
    assert outcomes["damaged"] > 0


def test_not_a_database(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    (home / "state.db").write_bytes(b"this is not an SQLite database" * 200)
    with pytest.raises(StoreDamaged, match="state.db"):
        Client.open(home)
    lock_exclusive(home, "probe").release()


def _edit(database: Path, sql: str, *args: object) -> None:
    # No store of this process has the database open here: a bare connection is safe.
    db = sqlite3.connect(str(database), isolation_level=None)
    db.execute(sql, args)
    db.close()


def _resum(database: Path, table: str) -> None:
    """Recompute the rows' check values, as if the damage had been written by the store
    itself: what is left to catch it are the seals."""
    db = sqlite3.connect(str(database), isolation_level=None)
    columns = SUMMED[table]
    for row in db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table}").fetchall():
        db.execute(f"UPDATE {table} SET sum = ? WHERE rowid = ?",
                   (row_sum(table, tuple(row[1:])), row[0]))
    db.close()


def test_a_value_changed_behind_the_stores_back_is_damage(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    _edit(home / "state.db", "UPDATE meta SET value = 'hsm6' WHERE name = 'profile'")
    with pytest.raises(StoreDamaged, match="does not match its check value"):
        Client.open(home)


def test_damaged_master_seal_is_not_blamed_on_the_salt(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    db = sqlite3.connect(str(home / "state.db"))
    sealed = bytearray(db.execute("SELECT value FROM meta WHERE name = 'master_key'")
                       .fetchone()[0])
    db.close()
    sealed[-1] ^= 1
    _edit(home / "state.db", "UPDATE meta SET value = ? WHERE name = 'master_key'",
          bytes(sealed))
    _resum(home / "state.db", "meta")
    with pytest.raises(StoreDamaged, match="state.db") as info:
        Client.open(home)
    assert "host salt is the one" in info.value.message


def test_a_replaced_salt_is_still_named(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    (home / "host.salt").write_bytes(bytes(32))
    with pytest.raises(softscm.VerificationFailed, match="host salt"):
        Client.open(home)


def test_failed_session_open_releases_everything(home: Path, monkeypatch) -> None:
    from softscm.module.lifecycle.physical import Physical

    Client.open(home).close()

    def refuse(self: Physical, context: str) -> None:
        raise softscm.ModuleUnavailable("refused for the test")

    monkeypatch.setattr(Physical, "session_open", refuse)
    with pytest.raises(softscm.ModuleUnavailable):
        Client.open(home)
    # No shared lock is left behind: the state can be taken exclusively.
    lock_exclusive(home, "probe").release()
    monkeypatch.undo()
    with Client.open(home) as scm:
        assert scm.serial_number()


def test_status_code_and_zymkey_mapping() -> None:
    assert Status.STORE_DAMAGED == 24
    exc = error_for(24, "the state database x is damaged")
    assert type(exc) is StoreDamaged and softscm.StoreDamaged is StoreDamaged
    assert str(bad_return_code(return_code(exc))) == "bad return code -5"


def test_store_check_on_a_good_state(run, home: Path) -> None:
    with Client.open(home) as scm:
        scm.generate_key("ed25519")
    result = json.loads(run("store", "check", "--json").output)
    assert result["ok"] is True
    names = [c["name"] for c in result["checks"]]
    assert names == ["integrity", "erasure", "module", "seals", "event log"]
    assert all(c["ok"] for c in result["checks"])
    assert "seals" in run("store", "check").output


def test_store_check_on_a_damaged_state(run, home: Path) -> None:
    with Client.open(home) as scm:
        slot = scm.generate_key("ed25519")
    db = sqlite3.connect(str(home / "state.db"))
    sealed = bytearray(db.execute("SELECT sealed FROM keys WHERE slot = ?", (slot,))
                       .fetchone()[0])
    db.close()
    sealed[10] ^= 0x40
    _edit(home / "state.db", "UPDATE keys SET sealed = ? WHERE slot = ?", bytes(sealed), slot)
    _resum(home / "state.db", "keys")
    out = run("store", "check", code=1).output
    assert "FAIL  seals" in out and f"slot {slot}" in out
    result = json.loads(run("store", "check", "--json", code=1).output)
    assert result["ok"] is False
    assert [c["name"] for c in result["checks"] if not c["ok"]] == ["seals"]


def test_store_check_on_a_file_that_is_not_a_database(run, home: Path) -> None:
    Client.open(home).close()
    (home / "state.db").write_bytes(b"\0garbage" * 512)
    out = run("store", "check", code=1).output
    assert "FAIL" in out and "state.db" in out


def test_log_export_still_works_on_a_damaged_state(run, home: Path) -> None:
    with Client.open(home) as scm:
        scm.generate_key("nistp256")
    db = sqlite3.connect(str(home / "state.db"))
    sealed = bytearray(db.execute("SELECT value FROM meta WHERE name = 'lock_key_cloud'")
                       .fetchone()[0])
    db.close()
    sealed[5] ^= 1
    _edit(home / "state.db", "UPDATE meta SET value = ? WHERE name = 'lock_key_cloud'",
          bytes(sealed))
    with pytest.raises(StoreDamaged):
        Client.open(home, host=False)
    out = run("log", "export").output
    assert "power_on" in out
    assert "event log intact" in run("log", "verify").output
    lock_exclusive(home, "probe").release()  # the export let go of the state


def test_zymkey_reports_a_damaged_state_as_an_unusable_module(home: Path) -> None:
    import zymkey

    Client.open(home).close()
    (home / "state.db").write_bytes(b"\0garbage" * 512)
    with pytest.raises(AssertionError, match="bad return code -5"):
        zymkey.Zymkey()
    lock_exclusive(home, "probe").release()
