"""Paths are checked, never trusted: the daemon refuses a planted or foreign socket
directory and anything at the socket path that is not its own stale socket, and changes
nothing it did not create; the client talks only to a daemon of root, itself or the
daemon user; --allow-user and --allow-group admit exactly whom they name."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import softscm
from daemon_process import DaemonThread
from peers import NOBODY, AsUser, call, connect, hold
from softscm.client.socket_transport import SocketTransport
from softscm.service import access
from softscm.service.access import AllowList, peer_of

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to play other users")


@pytest.fixture
def top() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _snapshot(path: Path) -> tuple[int, int, int]:
    st = os.lstat(path)
    return st.st_mode, st.st_uid, st.st_gid


def _refused(home: Path, sock: Path, match: str) -> None:
    with pytest.raises(softscm.InvalidArgument, match=match):
        DaemonThread(home, sock)


def test_a_symlinked_socket_directory_is_refused_and_its_target_untouched(home, top) -> None:
    target = top / "target"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    before = _snapshot(target)
    (top / "d").symlink_to(target)
    _refused(home, top / "d" / "s.sock", "symbolic link")
    assert _snapshot(target) == before
    assert list(target.iterdir()) == []


def test_a_sticky_world_writable_socket_directory_is_refused_unchanged(home, top) -> None:
    shared = top / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    _refused(home, shared / "s.sock", "writable by others")
    assert stat.S_IMODE(os.lstat(shared).st_mode) == 0o1777


def test_a_world_writable_parent_without_sticky_bit_is_refused(home, top) -> None:
    os.chmod(top, 0o777)
    _refused(home, top / "d" / "s.sock", "writable by others and not sticky")
    assert not (top / "d").exists()


@needs_root
def test_a_socket_directory_of_another_user_is_refused_unchanged(home, top) -> None:
    foreign = top / "foreign"
    foreign.mkdir(mode=0o700)
    os.chown(foreign, NOBODY, NOBODY)
    before = _snapshot(foreign)
    _refused(home, foreign / "s.sock", f"owned by uid {NOBODY}")
    assert _snapshot(foreign) == before
    assert list(foreign.iterdir()) == []


@needs_root
def test_a_parent_of_another_user_is_refused(home, top) -> None:
    os.chown(top, NOBODY, NOBODY)
    _refused(home, top / "d" / "s.sock", f"owned by uid {NOBODY}")


def test_a_regular_file_at_the_socket_path_is_not_replaced(home, top) -> None:
    planted = top / "s.sock"
    planted.write_text("keep me")
    _refused(home, planted, "not a socket")
    assert planted.read_text() == "keep me"


def test_a_symlink_at_the_socket_path_is_not_followed(home, top) -> None:
    elsewhere = top / "elsewhere"
    (top / "s.sock").symlink_to(elsewhere)
    _refused(home, top / "s.sock", "symbolic link")
    assert not elsewhere.exists() and (top / "s.sock").is_symlink()


@needs_root
def test_a_socket_of_another_user_is_not_replaced(home, top) -> None:
    planted = top / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(planted))
    os.chown(planted, NOBODY, NOBODY)
    _refused(home, planted, f"socket of uid {NOBODY}")
    assert os.lstat(planted).st_uid == NOBODY


def test_a_stale_socket_of_ours_is_replaced_and_a_live_one_refused(home, top) -> None:
    path = top / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))  # nobody listens: stale
    daemon = DaemonThread(home, path)
    try:
        with softscm.Client(SocketTransport(path)) as scm:
            assert scm.model_number() == "SCM"
        with pytest.raises(softscm.InvalidArgument, match="another daemon"):
            from softscm.service.server import Server

            Server(daemon.module, path).bind()
    finally:
        daemon.stop()
    assert not path.exists()


def test_a_directory_the_daemon_creates_is_private(home, top) -> None:
    daemon = DaemonThread(home, top / "d" / "s.sock")
    try:
        directory = os.lstat(top / "d")
        sock = os.lstat(top / "d" / "s.sock")
        assert stat.S_IMODE(directory.st_mode) == 0o750
        assert stat.S_IMODE(sock.st_mode) == 0o660
        softscm_group = access.group_id(access.DEFAULT_GROUP)
        assert directory.st_gid in {softscm_group, os.getegid()}
        assert sock.st_gid == directory.st_gid
    finally:
        daemon.stop()


def test_an_existing_directory_is_never_chmodded(home, top) -> None:
    os.chmod(top, 0o700)
    daemon = DaemonThread(home, top / "s.sock")
    try:
        assert stat.S_IMODE(os.lstat(top).st_mode) == 0o700
    finally:
        daemon.stop()


@needs_root
def test_allow_user_needs_a_reachable_socket(home, top) -> None:
    os.chmod(top, 0o700)  # exists, not searchable by others: never changed
    with pytest.raises(softscm.InvalidArgument, match=f"uid {NOBODY}.*cannot reach"):
        DaemonThread(home, top / "s.sock", allow=AllowList(frozenset({0, NOBODY})))
    assert stat.S_IMODE(os.lstat(top).st_mode) == 0o700
    assert not (top / "s.sock").exists()


def _outcome(path: Path, uid: int, groups: list[int]) -> str:
    """What a process of ``uid`` with supplementary ``groups`` gets from the daemon."""

    def client(channel: AsUser) -> None:
        try:
            sock = connect(path)
        except OSError as exc:
            channel.send(f"no access: {exc.strerror}")
        else:
            reply = call(sock, 1, "hello")
            channel.send("served" if reply is not None and reply[1] == 0 else "refused")
        hold(channel)

    child = AsUser(uid, uid, groups, client)
    try:
        return str(child.recv())
    finally:
        child.finish()


@needs_root
def test_allow_user_and_allow_group_admit_exactly_whom_they_name(home, top) -> None:
    os.chmod(top, 0o711)
    friends = 60010
    allow = AllowList(frozenset({0, NOBODY}), frozenset({friends}))
    daemon = DaemonThread(home, top / "d" / "s.sock", allow=allow)
    try:
        assert stat.S_IMODE(os.lstat(top / "d").st_mode) == 0o711
        assert stat.S_IMODE(os.lstat(daemon.path).st_mode) == 0o666
        assert _outcome(daemon.path, NOBODY, []) == "served"
        assert _outcome(daemon.path, 60011, [friends]) == "served"  # a member of the group
        assert _outcome(daemon.path, 60012, []) == "refused"
        assert _outcome(daemon.path, 60013, [60014]) == "refused"
        with daemon.server.lock:
            refused = [e["detail"] for e in daemon.module.events(limit=1000)
                       if e["kind"] == "connection_refused"]
        assert {r["uid"] for r in refused} == {60012, 60013}
    finally:
        daemon.stop()


@needs_root
def test_without_allow_options_only_the_owner_and_group_reach_the_socket(home, top) -> None:
    os.chmod(top, 0o711)
    daemon = DaemonThread(home, top / "d" / "s.sock", allow=AllowList(frozenset({0})))
    try:
        assert _outcome(daemon.path, NOBODY, []).startswith("no access")
    finally:
        daemon.stop()


def test_peer_groups_come_from_the_kernel() -> None:
    a, b = socket.socketpair()
    with a, b:
        peer = peer_of(a)
        assert peer.pid == os.getpid() and peer.uid == os.geteuid()
        assert peer.groups == frozenset(os.getgroups())


def test_peer_groups_fall_back_to_the_user_database(monkeypatch) -> None:
    monkeypatch.setattr(access, "SO_PEERGROUPS", 0x7FFF)  # an option no kernel has
    a, b = socket.socketpair()
    with a, b:
        peer = peer_of(a)
    import pwd

    name = pwd.getpwuid(os.geteuid()).pw_name
    assert peer.groups == frozenset(os.getgrouplist(name, peer.gid))


def _listener(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(4)
    return s


@needs_root
def test_the_client_refuses_a_socket_of_another_user(top, monkeypatch) -> None:
    monkeypatch.delenv("SOFTSCM_DAEMON_USER", raising=False)
    path = top / "s.sock"
    with _listener(path):
        os.chown(path, 60020, 60020)
        with pytest.raises(softscm.ConnectionFailed, match=f"{path}.*uid 60020"):
            SocketTransport(path)
        monkeypatch.setenv("SOFTSCM_DAEMON_USER", "60020")
        SocketTransport(path).close()  # the configured daemon user is trusted


@needs_root
def test_the_client_checks_who_listens_not_only_the_file(top, monkeypatch) -> None:
    monkeypatch.delenv("SOFTSCM_DAEMON_USER", raising=False)
    os.chmod(top, 0o777)
    path = top / "s.sock"

    def impostor(channel: AsUser) -> None:
        listener = _listener(path)
        channel.send("listening")
        hold(channel)
        listener.close()

    child = AsUser(60021, 60021, [], impostor)
    try:
        assert child.recv() == "listening"
        os.chown(path, 0, 0, follow_symlinks=False)  # the file looks like root's
        with pytest.raises(softscm.ConnectionFailed, match="runs as uid 60021"):
            SocketTransport(path)
    finally:
        child.finish()


def test_an_unknown_allow_name_is_a_clear_error() -> None:
    with pytest.raises(softscm.InvalidArgument, match="no such user"):
        AllowList.parse(["no-such-user-here"], [])
    with pytest.raises(softscm.InvalidArgument, match="no such group"):
        AllowList.parse([], ["no-such-group-here"])
