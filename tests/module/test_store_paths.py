"""Paths are checked, never trusted: the embedded store refuses a state directory that
is a symlink, belongs to someone else or is writable by others, refuses planted files,
and creates every file owner-only without following symlinks."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import softscm
from softscm import Client
from softscm.store import paths

OTHER_UID = 65534


@pytest.fixture
def wide_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_new_state_files_are_owner_only(tmp_path: Path, wide_umask: None) -> None:
    home = tmp_path / "new" / "state"
    with Client.open(home) as scm:
        scm.generate_key("nistp256")
        names = sorted(os.listdir(home))
        assert {"state.db", "state.db-wal", "state.db-shm", "host.salt",
                "owner.lock"} <= set(names)
        for name in names:
            assert mode(home / name) == 0o600, name
    assert mode(home) == 0o700


def test_a_directory_it_did_not_create_keeps_its_mode(tmp_path: Path) -> None:
    home = tmp_path / "state"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    Client.open(home).close()
    assert mode(home) == 0o755


def test_symlinked_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    Client.open(real).close()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(softscm.FileError, match="symbolic link"):
        Client.open(link)


@pytest.mark.parametrize("bits", [0o770, 0o707, 0o777])
def test_directory_writable_by_others_is_refused(tmp_path: Path, bits: int) -> None:
    home = tmp_path / "state"
    home.mkdir()
    os.chmod(home, bits)
    with pytest.raises(softscm.FileError, match="writable by group or others"):
        Client.open(home)
    assert mode(home) == bits  # never repaired in place
    assert os.listdir(home) == []


def test_directory_of_another_user_is_refused(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    monkeypatch.setattr(paths, "current_uid", lambda: os.geteuid() + 1)
    with pytest.raises(softscm.FileError, match="belongs to"):
        Client.open(home)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_root_refuses_a_directory_another_user_owns(tmp_path: Path) -> None:
    home = tmp_path / "state"
    home.mkdir(mode=0o700)
    os.chown(home, OTHER_UID, OTHER_UID)
    with pytest.raises(softscm.FileError, match="belongs to"):
        Client.open(home)
    assert os.lstat(home).st_uid == OTHER_UID


@pytest.mark.parametrize("name", ["state.db", "host.salt", "owner.lock", "state.db-wal"])
def test_planted_file_of_another_user_is_refused(tmp_path: Path, monkeypatch,
                                                 name: str) -> None:
    # Her files in a directory of ours: made with her uid (by chown as root, else as seen
    # through lstat/fstat).
    home = tmp_path / "state"
    home.mkdir(mode=0o700)
    planted = home / name
    content = os.urandom(32) if name == "host.salt" else b""
    planted.write_bytes(content)
    os.chmod(planted, 0o600)
    if os.geteuid() == 0:
        os.chown(planted, OTHER_UID, OTHER_UID)
    else:
        real_lstat, real_fstat = os.lstat, os.fstat
        ino = real_lstat(planted).st_ino

        def foreign(st: os.stat_result) -> os.stat_result:
            if st.st_ino != ino:
                return st
            fields = list(st)
            fields[stat.ST_UID] = OTHER_UID
            return os.stat_result(fields)

        monkeypatch.setattr(paths.os, "lstat", lambda p: foreign(real_lstat(p)))
        monkeypatch.setattr(paths.os, "fstat", lambda fd: foreign(real_fstat(fd)))
    with pytest.raises(softscm.FileError, match=f"{name}.*belongs to"):
        Client.open(home)
    assert planted.read_bytes() == content  # used for nothing, changed in nothing


@pytest.mark.parametrize("name", ["state.db", "host.salt", "owner.lock", "state.db-shm"])
def test_planted_symlink_is_refused(tmp_path: Path, name: str) -> None:
    home = tmp_path / "state"
    home.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_bytes(b"")
    (home / name).symlink_to(target)
    with pytest.raises(softscm.FileError, match="symbolic link"):
        Client.open(home)
    assert target.read_bytes() == b""


def test_file_writable_by_others_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    os.chmod(home / "host.salt", 0o622)
    with pytest.raises(softscm.FileError, match="host.salt.*writable"):
        Client.open(home)


def test_file_of_ours_readable_by_others_is_made_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "state"
    Client.open(home).close()
    os.chmod(home / "state.db", 0o644)
    Client.open(home).close()
    assert mode(home / "state.db") == 0o600
