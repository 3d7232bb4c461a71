"""A daemon served by several worker processes: its limits hold for all workers together,
a wait served by one worker sees what another caused, a worker that dies is replaced and
its counts forgotten, the workers end with their daemon, and only a daemon's own workers
open its state.

Which worker accepts a connection is the kernel's choice; to place connections on one
worker, the tests stop the other (SIGSTOP) while they connect: only the running one
accepts then."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import softscm
from daemon_process import DaemonThread, daemon_pids, kill_daemon, state
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
from softscm.errors import Status
from softscm.runtime import open_worker
from softscm.service.access import AllowList
from softscm.service.limits import Limits
from softscm.service.tally import SharedTally
from softscm.service.worker import spec
from softscm.service.workers import MAX_RESTARTS

#: ``python -c SCRIPT OPTIONS``: ``run_daemon`` with the workers and limits of OPTIONS
#: (the command line has no option for limits), its event lines on stderr.
SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from softscm.service.access import AllowList
    from softscm.service.daemon import run_daemon
    from softscm.service.limits import Limits

    options = json.loads(sys.argv[1])

    def emit(line):
        print(line, file=sys.stderr, flush=True)

    run_daemon(options["home"], Path(options["socket"]),
               AllowList(frozenset(options["uids"]), frozenset()), on_event=emit,
               workers=options["workers"], limits=Limits(**options["limits"]))
""")


class Daemon:
    """``run_daemon`` with ``workers`` workers in a process of its own; its stderr is
    read line by line as it comes."""

    def __init__(self, home: Path, sock: Path, workers: int = 2,
                 uids: tuple[int, ...] = (), *, cli: bool = False, cwd: Path | None = None,
                 **limits: object) -> None:
        """``cli``: ``softscm serve --workers N`` (default limits) instead; ``cwd``:
        where it runs (the socket is named relative to it)."""
        self.path = sock
        if cli:
            named = os.path.relpath(sock, cwd) if cwd else str(sock)
            command = ["-m", "softscm", "serve", "--socket", named,
                       "--workers", str(workers)]
        else:
            options = {"home": str(home), "socket": str(sock), "workers": workers,
                       "uids": sorted({os.geteuid(), *uids}), "limits": limits}
            command = ["-c", SCRIPT, json.dumps(options)]
        env = dict(os.environ, SOFTSCM_HOME=str(home))
        env.pop("SOFTSCM_SOCKET", None)
        self.proc = subprocess.Popen(
            [sys.executable, *command], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.wait_line("serving module")
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            raise

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # the end
            self._changed.notify_all()

    def wait_line(self, pattern: str, count: int = 1, seconds: float = 30.0) -> list[str]:
        """The first ``count`` lines matching ``pattern`` (a regular expression), once
        the daemon has written them."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                found = [line for line in self.lines if re.search(pattern, line)]
                if len(found) >= count:
                    return found[:count]
                if "" in self.lines or time.monotonic() > deadline:
                    raise AssertionError(f"no {pattern!r} from the daemon: {self.lines}")
                self._changed.wait(max(0.0, deadline - time.monotonic()))

    def workers(self) -> list[int]:
        return daemon_pids(self.proc.pid)[1:]

    def ended(self) -> bool:
        """Whether the daemon has ended and its stderr is read to the end."""
        with self._changed:
            return "" in self.lines

    def stop(self) -> int:
        """SIGTERM; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(10)
        return code


@pytest.fixture
def start(home: Path, run_dir: Path) -> Iterator:
    """``start(workers=2, uids=(), **limits)``: a daemon on ``home`` (stopped, its workers
    with it, at the end)."""
    running: list[Daemon] = []

    def make(workers: int = 2, uids: tuple[int, ...] = (), **limits: object) -> Daemon:
        daemon = Daemon(home, run_dir / "d" / "s.sock", workers, uids, **limits)
        running.append(daemon)
        assert eventually(lambda: len(daemon.workers()) == workers)
        return daemon

    def cli(workers: int = 2, cwd: Path | None = None) -> Daemon:
        daemon = Daemon(home, run_dir / "d" / "s.sock", workers, cli=True, cwd=cwd)
        running.append(daemon)
        assert eventually(lambda: len(daemon.workers()) == workers)
        return daemon

    make.cli = cli  # type: ignore[attr-defined]
    yield make
    for daemon in running:
        if daemon.proc.poll() is None:
            for pid in daemon.workers():
                _signal(pid, signal.SIGCONT)
        daemon.stop()


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _state(pid: int) -> str:
    return state(Path(f"/proc/{pid}/stat"))


def _stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is stopped (the first one to stop is not enough:
    another may still accept a connection)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    return bool(tasks) and all(
        state(task / "stat") in ("T", "t") for task in tasks)


def _holds_tally(pid: int) -> bool:
    """Whether the worker ``pid`` holds the lock of the daemon's tally (every worker
    takes it to count a connection: one stopped while holding it stops the others)."""
    spec_ = json.loads(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[3])
    tally = os.stat(f"/proc/{pid}/fd/{spec_['tally']}")
    file = f"{os.major(tally.st_dev):02x}:{os.minor(tally.st_dev):02x}:{tally.st_ino}"
    return any(line.split()[4:6] == [str(pid), file]
               for line in Path("/proc/locks").read_text().splitlines()
               if "POSIX" in line and "->" not in line)


@contextmanager
def paused(pid: int) -> Iterator[None]:
    """The worker ``pid`` stopped (it accepts and answers nothing) meanwhile: every
    thread of it, and not while it holds the tally's lock."""
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        assert eventually(lambda: _stopped(pid))
        if not _holds_tally(pid):
            break
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.01)
    else:
        raise AssertionError(f"worker {pid} keeps holding the tally's lock")
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads")


def served(sock: socket.socket) -> bool:
    """Whether the daemon answers on ``sock`` (it closes a connection it refuses)."""
    reply = call(sock, 1, "hello")
    assert reply is None or reply[:2] == [1, 0], reply
    return reply is not None


def connections(path: Path, count: int) -> tuple[list[socket.socket], int]:
    """``count`` new connections, and how many of them the daemon serves (those it
    refuses are closed at once)."""
    socks = [connect(path) for _ in range(count)]
    return socks, sum(served(sock) for sock in socks)


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()
    socks.clear()


def all_served(path: Path, count: int) -> bool:
    """Whether ``count`` new connections are all served (closed again after)."""
    socks, served_ = connections(path, count)
    close_all(socks)
    return served_ == count


def one_more_served(path: Path, held: list[socket.socket]) -> bool:
    """Whether a new connection is served now (kept in ``held`` if it is)."""
    sock = connect(path)
    if served(sock):
        held.append(sock)
        return True
    sock.close()
    return False


# -- limits count for every worker together --------------------------------------------


def test_connections_per_user_count_across_workers(start) -> None:
    root = os.geteuid() == 0  # (plays another user too)
    daemon = start(uids=(NOBODY,) if root else (), connections_per_uid=3)
    a, b = daemon.workers()
    held: list[socket.socket] = []
    try:
        with paused(a):
            socks, count = connections(daemon.path, 2)
            held += socks
            assert count == 2  # by b
        with paused(b):
            socks, count = connections(daemon.path, 3)
            held += socks
            # a holds one connection of the user, b two: the user's limit is reached.
            assert count == 1
        daemon.wait_line(rf"refused \d connection\(s\) from uid {os.geteuid()} .*its user "
                         "holds 3 connections")
        assert all(served(sock) for sock in held[:3])
        close_all(held[3:])  # (the refused ones)
        del held[3:]

        if root:  # another user is not held up by this one
            path = str(daemon.path)

            def other(channel: AsUser) -> None:
                socks, replies = [], []
                for _ in range(4):  # one after the other: whichever worker accepts it
                    socks.append(connect(Path(path)))
                    replies.append(call(socks[-1], 1, "hello"))
                channel.send(replies)
                hold(channel)

            child = AsUser(NOBODY, NOBODY, [], other)
            try:
                replies = child.recv()
                assert [reply and reply[:2] for reply in replies] == [[1, 0]] * 3 + [None]
            finally:
                assert child.finish() == 0

        # A place given back (on b) is free again, whichever worker takes it.
        held[0].close()
        del held[0]
        assert eventually(lambda: one_more_served(daemon.path, held))
        assert not one_more_served(daemon.path, held)
        close_all(held)
        assert eventually(lambda: all_served(daemon.path, 3))
    finally:
        close_all(held)


def test_connections_in_all_count_across_workers(start) -> None:
    daemon = start(connections=4, connections_per_uid=10)
    a, b = daemon.workers()
    held: list[socket.socket] = []
    try:
        with paused(a):
            socks, count = connections(daemon.path, 2)
            held += socks
            assert count == 2
        with paused(b):
            socks, count = connections(daemon.path, 4)
            held += socks
            assert count == 2
        daemon.wait_line(r"refused .* the daemon holds 4 connections")
        assert not [line for line in daemon.lines if "its user holds" in line]
        close_all(held)  # (each worker gives back what it held)
        assert eventually(lambda: all_served(daemon.path, 4))
    finally:
        close_all(held)


@pytest.mark.parametrize("limit, refusal", [
    ("waits_per_uid", "at most 2 waits of one user may be under way"),
    ("waits", "at most 2 waits may be under way"),
])
def test_waits_count_across_workers(start, limit: str, refusal: str) -> None:
    daemon = start(**{limit: 2})
    a, b = daemon.workers()
    open_session(daemon.path)
    held: list[socket.socket] = []
    try:
        with paused(a):
            first = connect(daemon.path)
            held.append(first)
            assert served(first)  # on b
            before = _threads(b)
            first.sendall(wait_frame(2))
            assert eventually(lambda: _threads(b) == before + 1)  # under way
        with paused(b):
            second, third = connect(daemon.path), connect(daemon.path)
            held += [second, third]
            assert served(second) and served(third)  # on a
            before = _threads(a)
            second.sendall(wait_frame(2))
            assert eventually(lambda: _threads(a) == before + 1)
            # The user has two waits under way, one on each worker: a third is refused.
            refused = call(third, 3, "wait", kind="perimeter", context="raw-peers",
                           timeout_ms=-1)
            assert refused is not None and refused[:2] == [3, Status.INVALID_ARGUMENT]
            assert refused[2] == refusal, refused
        # The wait on b ends with its connection: its place is free for a's.
        first.close()

        def waits_again() -> bool:
            reply = call(third, 4, "wait", kind="perimeter", context="raw-peers",
                         timeout_ms=20)
            assert reply is not None
            return reply[:3] == [4, 0, "timeout"]

        assert eventually(waits_again)
    finally:
        close_all(held)


@pytest.mark.parametrize("limit, refusal", [
    ("streams_per_uid", "at most 2 streams per user"),
    # (as many as one module holds: each worker has a module of its own)
    ("streams", "at most 2 lock/unlock streams may be open"),
])
def test_streams_count_across_workers(start, limit: str, refusal: str) -> None:
    daemon = start(**{limit: 2})
    a, b = daemon.workers()
    open_session(daemon.path)
    held: list[socket.socket] = []

    def stream_open(sock: socket.socket) -> list[object] | None:
        return call(sock, 2, "stream_open", mode="lock", key="zymkey")

    try:
        with paused(a):
            first = connect(daemon.path)
            held.append(first)
            reply = stream_open(first)
            assert reply is not None and reply[1] == 0, reply  # on b
        with paused(b):
            second, third = connect(daemon.path), connect(daemon.path)
            held += [second, third]
            reply = stream_open(second)
            assert reply is not None and reply[1] == 0, reply  # on a
            for sock in (second, third):
                reply = stream_open(sock)
                assert reply is not None and reply[1] == Status.INVALID_ARGUMENT, reply
                assert reply[2] == refusal, reply
        first.close()  # its stream ends with it, on b

        def opens() -> bool:
            reply = stream_open(third)
            assert reply is not None
            return reply[1] == 0

        assert eventually(opens)
        reply = stream_open(second)
        assert reply is not None and reply[1] == Status.INVALID_ARGUMENT, reply
    finally:
        close_all(held)


# -- waits see what other workers cause ----------------------------------------------


def test_a_wait_is_woken_by_an_event_another_worker_causes(start) -> None:
    """Each waiter waits on a host context of its own (a notification is consumed by
    the first wait of its context), three on one worker; the perimeter breach comes
    through the other worker, and reaches every waiter."""
    daemon = start()
    a, b = daemon.workers()
    held: list[socket.socket] = []
    try:
        for channel, (waiting, causing) in enumerate(((b, a), (a, b))):
            contexts = [f"waiter-{channel}-{i}" for i in range(3)]
            for context in contexts:
                with connect(daemon.path) as sock:
                    assert call(sock, 1, "session_open", context=context) == [1, 0, None]
            waiters = []
            with paused(causing):
                before = _threads(waiting)
                for i, context in enumerate(contexts):
                    sock = connect(daemon.path)
                    held.append(sock)
                    sock.sendall(frame(10 + i, "wait", kind="perimeter", context=context,
                                       timeout_ms=-1))
                    waiters.append(sock)
                # Under way (each in a thread of its own), not answered at once.
                assert eventually(lambda: _threads(waiting) == before + 3)
            with paused(waiting):
                with Client(SocketTransport(daemon.path)) as scm:
                    scm.sim.loop_open(channel)  # served by the other worker
            replies = [answer(sock, timeout=20) for sock in waiters]
            assert replies == [[10 + i, 0, "event"] for i in range(3)]
    finally:
        close_all(held)


# -- a worker that dies ----------------------------------------------------------------


def test_sigint_is_the_daemons_to_answer_not_a_workers(start) -> None:
    daemon = start()
    workers = daemon.workers()
    os.kill(workers[0], signal.SIGINT)
    with pytest.raises(AssertionError):
        daemon.wait_line(r"worker \d ended", seconds=2)  # (a stopping one ends at once)
    assert daemon.workers() == workers
    assert all_served(daemon.path, 4)


def test_a_worker_killed_is_replaced_and_its_counts_forgotten(start) -> None:
    daemon = start(connections_per_uid=4)
    a, b = daemon.workers()
    on_a: list[socket.socket] = []
    on_b: list[socket.socket] = []
    try:
        with paused(a):
            socks, count = connections(daemon.path, 2)
            on_b += socks
            assert count == 2
        with paused(b):
            socks, count = connections(daemon.path, 2)
            on_a += socks
            assert count == 2
        os.kill(a, signal.SIGKILL)
        daemon.wait_line(r"worker \d ended \(exit code -9\); starting another")
        # Its clients' connections ended with it; the others are served as before.
        assert not any(served(sock) for sock in on_a)
        assert all(served(sock) for sock in on_b)
        assert eventually(lambda: len(daemon.workers()) == 2)
        replacement = next(pid for pid in daemon.workers() if pid != b)
        assert replacement != a
        # What the dead worker held is free again: exactly two more, on the new worker.
        with paused(b):
            socks, count = connections(daemon.path, 3)
            on_a += socks
            assert count == 2
        assert all(served(sock) for sock in on_b)
    finally:
        close_all(on_a)
        close_all(on_b)


def test_workers_that_keep_dying_stop_the_daemon(start, home: Path) -> None:
    daemon = start.cli()
    killed: set[int] = set()
    deadline = time.monotonic() + 20
    while not daemon.ended() and time.monotonic() < deadline:
        try:
            workers = set(daemon.workers())
        except OSError:
            workers = set()  # it has ended
        for pid in workers - killed:
            _signal(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.01)
    assert daemon.stop() == 1, daemon.lines
    restarts = [line for line in daemon.lines if "starting another" in line]
    assert len(restarts) == MAX_RESTARTS, daemon.lines
    assert all(re.search(r"softscm: worker [01] ended \(exit code -9\); starting another$",
                         line) for line in restarts), restarts
    failure = f"{MAX_RESTARTS + 1} workers ended within 60 s; the daemon stops"
    assert any(line.endswith(failure) for line in daemon.lines), daemon.lines
    assert any(line == f"error: InternalError: {failure}" for line in daemon.lines)
    assert not daemon.path.exists()
    assert all(_state(pid) in ("X", "Z") for pid in killed)
    # Nothing holds the state any more.
    with Client.open(home) as scm:
        assert scm.model_number() == "SCM"


# -- the workers end with their daemon -----------------------------------------------


def test_workers_die_with_their_daemon_and_the_state_is_free_at_once(start) -> None:
    first = start.cli()
    with Client(SocketTransport(first.path)) as scm:
        assert scm.model_number() == "SCM"
    began = time.monotonic()
    kill_daemon(first.proc)  # asserts that every worker has ended
    assert time.monotonic() - began < 5
    # A new daemon takes the state (and the socket path) at once.
    second = start.cli()
    workers = second.workers()
    with Client(SocketTransport(second.path)) as scm:
        assert scm.model_number() == "SCM"
    assert second.stop() == 0, second.lines
    assert second.lines[-2].endswith("softscm: stopped"), second.lines
    assert not [line for line in second.lines if " ended " in line], second.lines
    assert not second.path.exists()
    assert all(_state(pid) == "X" for pid in workers)  # ended, and reaped by the daemon


def test_workers_serve_a_socket_named_relative_to_the_daemon(
        start, home: Path, run_dir: Path) -> None:
    """The workers of ``softscm serve --socket d/s.sock`` open the state their daemon
    holds; an in-process open is told the socket's full path."""
    daemon = start.cli(cwd=run_dir)
    with Client(SocketTransport(daemon.path)) as scm:
        assert scm.model_number() == "SCM"
    with pytest.raises(softscm.ConnectionFailed, match=f"the daemon at {daemon.path};"):
        Client.open(home)


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["sigterm", "ctrl-c"])
def test_a_signal_while_the_workers_start_stops_the_daemon_cleanly(
        home: Path, run_dir: Path, ctrl_c: bool) -> None:
    """SIGTERM to the daemon, or SIGINT to its whole process group (as Ctrl-C at a
    terminal sends it, workers still loading included)."""
    Client.open(home).close()
    sock = run_dir / "s.sock"
    env = dict(os.environ, SOFTSCM_HOME=str(home))
    env.pop("SOFTSCM_SOCKET", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "softscm", "serve", "--socket", str(sock), "--workers", "2"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # It listens first, then starts its workers, which take a moment to serve.
        deadline = time.monotonic() + 30
        while not sock.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        workers = daemon_pids(proc.pid)[1:]
        if ctrl_c:
            time.sleep(0.05)  # (the workers' interpreters loading)
            os.killpg(proc.pid, signal.SIGINT)  # the terminal's foreground group
        else:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert err.rstrip().endswith("softscm: stopped"), err
    assert "Traceback" not in err
    assert not sock.exists()
    assert all(_state(pid) == "X" for pid in workers)
    with Client.open(home) as scm:  # nothing holds the state
        assert scm.model_number() == "SCM"


# -- only a daemon's own workers open its state ------------------------------------------


def test_a_worker_opens_only_the_state_of_its_daemon(home: Path, run_dir: Path) -> None:
    Client.open(home).close()
    sock = run_dir / "s.sock"
    with pytest.raises(softscm.ConnectionFailed, match="not held by the daemon"):
        open_worker(home, str(sock))
    daemon = DaemonThread(home, sock)
    try:
        with pytest.raises(softscm.ConnectionFailed, match="not held by the daemon"):
            open_worker(home, str(run_dir / "other.sock"))
        module, store = open_worker(home, str(sock))  # the daemon's own: opens
        try:
            assert module.serial == daemon.module.serial
        finally:
            store.close()
    finally:
        daemon.stop()
    # Held in-process (a shared lock), it is no daemon's.
    with Client.open(home):
        with pytest.raises(softscm.ConnectionFailed, match="not held by the daemon"):
            open_worker(home, str(sock))


@pytest.mark.parametrize("holder", ["nobody", "another daemon"])
def test_a_worker_started_by_hand_is_refused(home: Path, run_dir: Path, holder: str) -> None:
    Client.open(home).close()
    sock = run_dir / "s.sock"
    other = DaemonThread(home, run_dir / "other.sock") if holder == "another daemon" else None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock))
    listener.listen(1)
    tally = SharedTally.create(1, 4)
    ours, theirs = socket.socketpair()
    try:
        argument = spec(home, sock, AllowList.default(), Limits(),
                        listener=listener.fileno(), tally=tally, row=0, rows=1, users=4,
                        pair=theirs.fileno())
        result = subprocess.run(
            [sys.executable, "-m", "softscm.service.worker", argument],
            pass_fds=(listener.fileno(), tally, theirs.fileno()), capture_output=True,
            text=True, timeout=60)
    finally:
        listener.close()
        os.close(tally)
        ours.close()
        theirs.close()
        if other is not None:
            other.stop()
    assert result.returncode == 1
    assert "ConnectionFailed" in result.stderr and "not held by the daemon" in result.stderr


# -- the command line ---------------------------------------------------------------


@pytest.mark.parametrize("count", ["0", "33", "-1"])
def test_serve_refuses_a_number_of_workers_out_of_range(run, count: str) -> None:
    result = run("serve", "--socket", "/nonexistent/s.sock", "--workers", count, code=2)
    assert "--workers" in result.output
