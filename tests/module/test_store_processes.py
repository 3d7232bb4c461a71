"""Any number of processes may share one state in embedded mode: no process drops
another's SQLite locks (no SIGBUS, no reset WAL index under live readers)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from softscm import Client
from softscm.store import Store

PROCESSES = 8
OPS = 300

_WORKER = textwrap.dedent("""
    import sys
    from softscm import Client
    home, seed, ops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    mine = []
    done = 0
    for i in range(ops):
        # Each pass opens and closes a client too: the open/close is what used to
        # drop the other connections' locks.
        if i % 10 == 0:
            if i:
                scm.close()
            scm = Client.open(home)
        kind = (i + seed) % 6
        if kind == 0 or not mine:
            mine.append(scm.generate_key("nistp256"))
        elif kind == 1:
            sig = scm.sign_digest(bytes(32), mine[-1]).signature
            assert scm.verify_digest(bytes(32), sig, mine[-1])
        elif kind == 2:
            assert scm.unlock(scm.lock(b"data %d" % i)) == b"data %d" % i
        elif kind == 3 and len(mine) > 2:
            scm.remove_key(mine.pop(0))
        elif kind == 4:
            scm.public_key(0)
        else:
            scm.events(limit=10)
        done += 1
    scm.close()
    print(done)
""")


def test_processes_share_one_state(tmp_path: Path) -> None:
    home = tmp_path / "state"  # made by the workers themselves, all at once
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(home), str(n), str(OPS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(PROCESSES)]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err[-2000:]
        assert out.strip() == str(OPS)
    with Client.open(home) as scm:
        assert scm.public_key(0)


# SQLite's "dead man switch" byte of the -shm file: every process with the database open
# holds a shared lock on it, and a process that can lock it exclusively believes it is
# alone and resets the shared WAL index.
_DMS_BYTE = 128
_PROBE = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, int(sys.argv[2]))
    except OSError:
        print("held")
    else:
        print("free")
""")


def dms_lock(database: Path) -> str:
    shm = database.with_name(database.name + "-shm")
    out = subprocess.run([sys.executable, "-c", _PROBE, str(shm), str(_DMS_BYTE)],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("second", [False, True])
def test_change_check_keeps_sqlites_locks(tmp_path: Path, second: bool) -> None:
    store = Store.open(tmp_path / "state")
    try:
        assert store.path is not None
        assert dms_lock(store.path) == "held"
        if second:
            # Another store of this process on the same database comes and goes.
            other = Store.open(tmp_path / "state")
            other.change_token()
            other.set_meta("x", 1)
            other.close()
        token = store.change_token()
        store.set_meta("y", 2)
        assert store.change_token() != token
        assert dms_lock(store.path) == "held"
    finally:
        store.close()
