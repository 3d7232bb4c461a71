"""The daemon cannot be exhausted by one peer: abandoned waits end, idle connections
time out, limits count per user, running out of descriptors keeps it serving, refusals
are written down at a bounded rate, and SIGTERM ends it whatever clients are doing."""

from __future__ import annotations

import errno
import os
import resource
import select
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon_process import DaemonThread, rss_kib, start_daemon, threads
from peers import (
    NOBODY,
    AsUser,
    answer,
    call,
    connect,
    eventually,
    frame,
    hold,
    open_session,
    wait_frame,
)
from softscm import Client
from softscm.client.socket_transport import SocketTransport
from softscm.errors import Status, Timeout
from softscm.service import framing
from softscm.service.access import AllowList
from softscm.service.limits import Limits, RefusalLog

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to play other users")


@pytest.fixture
def start(home: Path, run_dir: Path) -> Iterator:
    """``start(**server_options)``: a daemon thread on a fresh socket directory."""
    running: list[DaemonThread] = []

    def make(**options: object) -> DaemonThread:
        daemon = DaemonThread(home, run_dir / "d" / "s.sock", **options)
        running.append(daemon)
        return daemon

    yield make
    for daemon in running:
        daemon.stop()


def test_waits_abandoned_by_their_clients_end(daemon) -> None:
    server = daemon.server
    open_session(daemon.path)
    waiters = [connect(daemon.path) for _ in range(20)]
    for i, sock in enumerate(waiters):
        sock.sendall(wait_frame(i + 1))
    assert eventually(lambda: server.wait_threads() == 20)
    for sock in waiters:
        sock.close()
    assert eventually(lambda: server.wait_threads() == 0 and server.connection_count() == 0)
    # The daemon still serves, and waits again.
    with Client(SocketTransport(daemon.path)) as scm:
        assert scm.model_number() == "SCM"


def test_a_half_closed_wait_still_gets_its_answer(daemon) -> None:
    open_session(daemon.path)
    sock = connect(daemon.path)
    sock.sendall(wait_frame(7, timeout_ms=200))
    sock.shutdown(socket.SHUT_WR)  # done sending, still reading
    reply = answer(sock)
    assert reply is not None and reply[0] == 7 and reply[1] == 0
    sock.close()


def test_idle_connections_are_closed(start) -> None:
    daemon = start(limits=Limits(idle_timeout_s=0.3))
    open_session(daemon.path)
    idle = connect(daemon.path)
    assert call(idle, 1, "model_number") == [1, 0, "SCM"]
    waiting = connect(daemon.path)
    waiting.sendall(wait_frame(2, timeout_ms=-1))
    # The idle one is closed; the one whose wait is under way is not.
    assert answer(idle) is None
    assert daemon.server.connection_count() == 1 and daemon.server.wait_threads() == 1
    with Client(SocketTransport(daemon.path)) as scm:
        scm.sim.loop_open(0)
    reply = answer(waiting)
    assert reply is not None and reply[0] == 2 and reply[1] == 0
    idle.close()
    waiting.close()


def test_a_slow_partial_frame_counts_as_idle(start) -> None:
    daemon = start(limits=Limits(idle_timeout_s=0.3))
    slow = connect(daemon.path)
    slow.sendall(b"\x00\x00\x01")  # never completes its frame
    assert answer(slow) is None
    slow.close()


@needs_root
def test_one_user_at_its_limits_does_not_stop_another(start) -> None:
    limits = Limits(connections_per_uid=3, streams_per_connection=1, streams_per_uid=2,
                    waits_per_uid=1)
    allow = AllowList(frozenset({0, NOBODY}), frozenset())
    daemon = start(limits=limits, allow=allow)
    open_session(daemon.path)
    path = str(daemon.path)

    def greedy(channel: AsUser) -> None:
        socks = [connect(Path(path)) for _ in range(3)]
        report = {
            "first": call(socks[0], 1, "model_number"),
            "fourth": call(connect(Path(path)), 1, "model_number"),
            "stream_a": call(socks[0], 2, "stream_open", mode="lock", key="zymkey"),
            "stream_a2": call(socks[0], 3, "stream_open", mode="lock", key="zymkey"),
            "stream_b": call(socks[1], 2, "stream_open", mode="lock", key="zymkey"),
            "stream_c": call(socks[2], 2, "stream_open", mode="lock", key="zymkey"),
        }
        socks[2].sendall(wait_frame(9))
        socks[1].sendall(frame(10, "wait", kind="perimeter", context="x", timeout_ms=-1))
        # The two waits race (each may be read first): the one that
        # comes second is refused at once, the other stays under way.
        ready, _, _ = select.select([socks[1], socks[2]], [], [], 30)
        report["second_wait"] = answer(ready[0]) if ready else None
        channel.send(report)
        hold(channel)

    child = AsUser(NOBODY, NOBODY, [], greedy)
    try:
        report = child.recv()
        assert report["first"] == [1, 0, "SCM"]
        assert report["fourth"] is None  # refused: three connections already
        assert report["stream_a"][1] == 0 and report["stream_b"][1] == 0
        assert report["stream_a2"][1] == Status.INVALID_ARGUMENT  # one per connection
        assert report["stream_c"][1] == Status.INVALID_ARGUMENT  # two per user
        assert report["second_wait"][1] == Status.INVALID_ARGUMENT  # one wait per user
        assert daemon.server.wait_threads() == 1
        # Root, another user, still gets everything the greedy user cannot.
        clients = [Client(SocketTransport(daemon.path)) for _ in range(3)]
        try:
            handles = [c._call("stream_open", mode="lock", key="zymkey") for c in clients[:2]]
            assert len(set(handles)) == 2
            assert clients[2].model_number() == "SCM"
            with pytest.raises(Timeout):
                clients[2].wait_for_perimeter_event(timeout_ms=50)
        finally:
            for c in clients:
                c.close()
    finally:
        assert child.finish() == 0


def test_refusals_are_written_at_a_bounded_rate(start) -> None:
    daemon = start(limits=Limits(connections_per_uid=1))
    held = connect(daemon.path)
    reply = call(held, 1, "hello")
    assert reply is not None and reply[:2] == [1, 0]
    for _ in range(200):
        refused = connect(daemon.path)
        assert answer(refused) is None
        refused.close()
    server = daemon.server
    assert eventually(lambda: server.refusals_pending() == 199)
    held.close()
    daemon.server.stop()  # writes what is pending
    daemon.thread.join(30)
    records = [e for e in daemon.module.events(limit=1000) if e["kind"] == "connection_refused"]
    assert len(records) == 2
    assert sum(r["detail"]["count"] for r in records) == 200
    assert {r["detail"]["uid"] for r in records} == {os.geteuid()}


def test_an_event_line_that_cannot_be_written_does_not_stop_the_daemon(start) -> None:
    def on_event(line: str) -> None:
        if line.startswith("refused"):
            raise BrokenPipeError("the daemon's stderr is gone")

    daemon = start(limits=Limits(connections_per_uid=1), on_event=on_event)
    held = connect(daemon.path)
    reply = call(held, 1, "hello")
    assert reply is not None and reply[:2] == [1, 0]
    refused = connect(daemon.path)
    assert answer(refused) is None
    refused.close()
    reply = call(held, 2, "hello")
    assert reply is not None and reply[:2] == [2, 0]
    held.close()
    with daemon.server.lock:
        events = daemon.module.events(limit=1000)
    assert [e["kind"] for e in events].count("connection_refused") == 1  # still recorded


def test_a_failed_accept_does_not_stop_the_daemon(daemon, monkeypatch) -> None:
    real = socket.socket.accept
    failed: list[int] = []

    def accept(self: socket.socket):
        if not failed:
            failed.append(1)
            raise OSError(errno.EPROTO, "protocol error")
        return real(self)

    monkeypatch.setattr(socket.socket, "accept", accept)
    with connect(daemon.path) as first:
        assert eventually(lambda: bool(failed))
        with Client(SocketTransport(daemon.path)) as scm:
            assert scm.model_number() == "SCM"
        assert call(first, 1, "model_number") == [1, 0, "SCM"]


def test_a_socket_that_cannot_be_watched_is_refused(daemon) -> None:
    server = daemon.server
    with Client(SocketTransport(daemon.path)) as scm:
        assert scm.model_number() == "SCM"
        real = server._epoll

        class Full:
            """The daemon's epoll with no room left for one more socket."""

            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

            def register(self, fd: int, events: int) -> None:
                raise OSError(errno.ENOSPC, "no room for one more watch")

        server._epoll = Full()
        try:
            with connect(daemon.path) as refused:
                assert answer(refused) is None
        finally:
            server._epoll = real
        assert scm.model_number() == "SCM"
        assert server.connection_count() == 1

def test_a_stopped_daemon_holds_no_descriptor(start) -> None:
    before = len(os.listdir("/proc/self/fd"))
    daemon = start()
    with Client(SocketTransport(daemon.path)) as scm:
        assert scm.model_number() == "SCM"
    daemon.stop()
    assert len(os.listdir("/proc/self/fd")) == before

def test_refusal_log_counts_between_records() -> None:
    written: list[tuple[int, int]] = []
    refusals = RefusalLog(60.0, lambda uid, gid, pid, count, reason: written.append((uid, count)))
    refusals.refused(5, 5, 1, "x", now=0.0)
    for t in range(1, 60):
        refusals.refused(5, 5, 1, "x", now=float(t))
        refusals.flush(float(t))
    refusals.refused(6, 6, 1, "y", now=30.0)
    assert written == [(5, 1), (6, 1)]
    refusals.flush(61.0)
    assert written == [(5, 1), (6, 1), (5, 59)]
    refusals.flush(200.0)
    assert written == [(5, 1), (6, 1), (5, 59)] and refusals.pending() == 0


def test_out_of_descriptors_refuses_and_keeps_serving(home, run_dir) -> None:
    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    Client.open(home).close()
    sock_path = run_dir / "s.sock"
    proc = start_daemon(home, sock_path, preexec_fn=few_descriptors)
    hogs: list[socket.socket] = []
    try:
        open_session(sock_path)
        with Client(SocketTransport(sock_path)) as early:
            assert early.model_number() == "SCM"
            for _ in range(80):
                hog = connect(sock_path)
                hogs.append(hog)
            # Some were refused (closed at once); the daemon lives and serves.
            refused = 0
            for hog in hogs:
                hog.settimeout(10)
                try:
                    hog.sendall(wait_frame(1, timeout_ms=0))
                    if answer(hog) is None:
                        refused += 1
                except OSError:
                    refused += 1
            assert refused > 0
            assert early.model_number() == "SCM"
            assert proc.poll() is None
            for hog in hogs:
                hog.close()
            hogs.clear()

            def served() -> bool:
                try:
                    with Client(SocketTransport(sock_path)) as late:
                        return late.model_number() == "SCM"
                except Exception:
                    return False

            assert eventually(served)
    finally:
        for hog in hogs:
            hog.close()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "out of descriptors" in err


def test_lengths_alone_do_not_make_the_daemon_hold_memory(daemon) -> None:
    """A connection that sends the length of a largest frame and nothing more costs the
    daemon a buffer of what came, not of that frame: many cannot run it out of memory."""
    server = daemon.server
    teasers: list[socket.socket] = []
    try:
        with Client(SocketTransport(daemon.path)) as scm:
            assert scm.model_number() == "SCM"
            before = rss_kib(os.getpid())
            for _ in range(32):
                teaser = connect(daemon.path)
                teaser.sendall(framing.PREFIX.pack(framing.MAX_FRAME_BYTES))
                teasers.append(teaser)
            assert eventually(lambda: server.connection_count() == 33)
            for _ in range(2):  # served after every length that came before
                assert scm.model_number() == "SCM"
            growth = rss_kib(os.getpid()) - before
    finally:
        for teaser in teasers:
            teaser.close()
    assert growth < 32 * 1024, f"the daemon grew by {growth} KiB"

@needs_root
def test_sigterm_ends_the_daemon_with_hundreds_of_waits(home, run_dir) -> None:
    Client.open(home).close()
    sock_path = run_dir / "d" / "s.sock"
    uids = [60001, 60002, 60003, 60004]
    proc = start_daemon(home, sock_path, *[f"--allow-user={u}" for u in uids])
    children: list[AsUser] = []

    def waiter(channel: AsUser) -> None:
        socks = [connect(sock_path) for _ in range(50)]
        for i, sock in enumerate(socks):
            sock.sendall(wait_frame(i + 1))
        channel.send("ready")
        hold(channel)

    try:
        open_session(sock_path)
        for uid in uids:
            children.append(AsUser(uid, uid, [], waiter))
        for child in children:
            assert child.recv() == "ready"
        assert eventually(lambda: threads(proc.pid) >= 200)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for child in children:
            child.finish()
    assert proc.returncode == 0, err
    assert "stopped" in err

