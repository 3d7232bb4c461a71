"""The daemon: serving, refusing, surviving bad clients and crashes."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import msgpack
import pytest

import softscm
from daemon_process import kill_daemon, start_daemon
from peers import connect, frame, open_session, wait_frame
from softscm import Client
from softscm.client.socket_transport import SocketTransport
from softscm.service import framing


@pytest.fixture
def sock_dir():
    path = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def raw_call(sock_path: Path, payload: bytes) -> bytes | None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(sock_path))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        reader = s.makefile("rb")
        try:
            return framing.recv_frame(reader)
        except softscm.ProtocolError:
            return None


def test_serve_connect_and_sigterm(home, sock_dir, monkeypatch) -> None:
    sock = sock_dir / "softscm.sock"
    proc = start_daemon(home, sock)
    try:
        monkeypatch.setenv("SOFTSCM_SOCKET", str(sock))
        with Client.connect() as scm:
            hello = scm.hello()
            assert hello["protocol"] == 2 and hello["model"] == "SCM"
            slot = scm.generate_key("nistp256")
            scm.sim.loop_open(0)
            time.sleep(0.6)  # the daemon reports new events every 0.25 s
        # The state is the daemon's: opening it in-process is refused, naming the socket.
        with pytest.raises(softscm.ConnectionFailed, match=str(sock)):
            Client.open(home)
        # A second daemon on the same state refuses to start.
        second = subprocess.run(
            [sys.executable, "-m", "softscm", "serve", "--socket", str(sock_dir / "b.sock")],
            env=dict(os.environ, SOFTSCM_HOME=str(home)), capture_output=True, text=True,
            timeout=30,
        )
        assert second.returncode == 1 and "in use" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not sock.exists()
    assert "serving module" in err and "stopped" in err
    assert "event #" in err and "led " in err
    monkeypatch.delenv("SOFTSCM_SOCKET")
    with Client.open(home) as scm:
        assert slot in scm.slots()[0]
        kinds = [e["kind"] for e in scm._call("events")]
        assert "daemon_start" in kinds and "daemon_stop" in kinds


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP], ids=["sigint", "sighup"])
def test_ctrl_c_or_a_closed_terminal_stops_the_daemon_cleanly(home, sock_dir, sig) -> None:
    sock = sock_dir / "softscm.sock"
    proc = start_daemon(home, sock)
    with Client(SocketTransport(sock)) as scm:
        assert scm.model_number() == "SCM"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not sock.exists()
    assert err.rstrip().endswith("softscm: stopped"), err
    with Client.open(home) as scm:
        assert scm._call("events")[-1]["kind"] == "daemon_stop"


def test_a_daemon_started_with_sighup_ignored_keeps_serving(home, sock_dir) -> None:
    """As under `nohup`: the terminal closing does not stop it."""
    sock = sock_dir / "softscm.sock"
    proc = start_daemon(home, sock,
                        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    try:
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=2)  # (stopping takes a fraction of that)
        with Client(SocketTransport(sock)) as scm:
            assert scm.model_number() == "SCM"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_existing_socket_that_refuses_is_an_error(home, sock_dir, monkeypatch) -> None:
    dead = sock_dir / "dead.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(dead))
    s.close()  # the file stays, nobody listens
    monkeypatch.setenv("SOFTSCM_SOCKET", str(dead))
    with pytest.raises(softscm.ConnectionFailed, match="refuses"):
        Client.connect()


def test_garbage_never_kills_the_daemon(daemon) -> None:
    sock = daemon.path
    cases = [
        b"",
        b"\x00",
        b"\xff\xff\xff\xff",  # a huge length
        struct.pack(">I", 100) + b"short",  # truncated
        struct.pack(">I", 3) + b"\xc1\xc1\xc1",  # not msgpack
        framing.PREFIX.pack(5) + msgpack.packb([2, 2, 3, 4, 5])[:5],
        framing.PREFIX.pack(len(f := msgpack.packb([2, 1, "nope", {}]))) + f,  # unknown op
        framing.PREFIX.pack(len(f := msgpack.packb([9, 1, "hello", {}]))) + f,  # other version
        framing.PREFIX.pack(len(f := msgpack.packb([2, 1, "sign_digest", {"zzz": 1}]))) + f,
        framing.PREFIX.pack(len(f := msgpack.packb([2, 1, "stream_update", {"handle": 1, "chunk": b""}]))) + f,
        os.urandom(1000),
    ]
    for payload in cases:
        response = raw_call(sock, payload)
        if response is not None:
            with pytest.raises(softscm.SoftScmError):
                from softscm.service.protocol import decode_response

                decode_response(response, 1)
    with Client(SocketTransport(sock)) as scm:
        assert scm.model_number() == "SCM"


def test_concurrent_clients_get_distinct_slots(daemon) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with Client(SocketTransport(daemon.path)) as scm:
                for _ in range(10):
                    slot = scm.generate_key("ed25519")
                    sig = scm.sign_digest(bytes(32), slot).signature
                    assert scm.verify_digest(bytes(32), sig, slot)
                    results.append(slot)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(results) == list(range(16, 16 + 60))


def test_client_vanishing_mid_stream_leaves_nothing(daemon) -> None:
    scm = Client(SocketTransport(daemon.path))
    handle = scm._call("stream_open", mode="lock", key="zymkey")
    scm._call("stream_update", handle=handle, chunk=b"x" * 1000)
    scm.close()
    deadline = time.monotonic() + 5
    while daemon.module.data_lock.open_streams and time.monotonic() < deadline:
        time.sleep(0.01)
    assert daemon.module.data_lock.open_streams == 0
    # Another connection cannot use someone else's stream.
    with Client(SocketTransport(daemon.path)) as other:
        h2 = other._call("stream_open", mode="lock", key="zymkey")
        with Client(SocketTransport(daemon.path)) as third:
            with pytest.raises(softscm.InvalidArgument):
                third._call("stream_update", handle=h2, chunk=b"x")


def test_peer_not_on_allow_list_is_refused(daemon) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another uid")
    # Open the socket's permissions so that only the credential check stands in the way.
    os.chmod(daemon.path.parent, 0o755)
    os.chmod(daemon.path, 0o666)
    code = (
        # Import everything first: the interpreter's own files may be unreadable to nobody.
        "import os, sys\n"
        "from softscm import Client, ConnectionFailed\n"
        "from softscm.client.socket_transport import SocketTransport\n"
        "import softscm.service.protocol, softscm.errors, encodings.idna\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "try:\n"
        f"    Client(SocketTransport({str(daemon.path)!r})).model_number()\n"
        "except ConnectionFailed as e:\n"
        "    print('refused', e); sys.exit(0)\n"
        "print('served'); sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd="/")
    assert result.returncode == 0, result.stdout + result.stderr
    with daemon.server.lock:
        kinds = [e["kind"] for e in daemon.module.events()]
    assert "connection_refused" in kinds


def _crash_rounds(home: Path, sock_dir: Path, rounds: int, seed: int) -> None:
    """Several clients generate and remove keys while the daemon is SIGKILLed at a
    random moment; after each restart every acknowledged operation must be there."""
    rng = random.Random(seed)
    workers = 3
    # Each worker owns its keys: slot -> public key, acknowledged by the daemon.
    owned: list[dict[int, bytes]] = [{} for _ in range(workers)]
    for round_no in range(rounds):
        sock = sock_dir / f"r{round_no}.sock"
        proc = start_daemon(home, sock)
        removed: list[set[int]] = [set() for _ in range(workers)]
        in_flight: list[int | None] = [None] * workers

        def client_loop(w: int, round_no: int = round_no, sock: Path = sock) -> None:
            local_rng = random.Random(seed * 100_000 + round_no * 10 + w)
            try:
                scm = Client(SocketTransport(sock))
            except softscm.ConnectionFailed:
                return
            try:
                while True:
                    mine = owned[w]
                    if mine and local_rng.random() < (0.3 if len(mine) < 40 else 0.8):
                        slot = local_rng.choice(sorted(mine))
                        in_flight[w] = slot
                        scm.remove_key(slot)
                        del mine[slot]
                        removed[w].add(slot)
                    else:
                        in_flight[w] = -1
                        slot = scm.generate_key("secp256k1")
                        mine[slot] = scm.public_key(slot)
                        removed[w].discard(slot)
                    in_flight[w] = None
            except softscm.ConnectionFailed:
                return
            finally:
                scm.close()

        threads = [threading.Thread(target=client_loop, args=(w,)) for w in range(workers)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        kill_daemon(proc, home)
        for t in threads:
            t.join(30)
        sock.unlink(missing_ok=True)
        with Client.open(home) as scm:
            assert scm._transport.module._store.integrity_check() == "ok"
            allocated = set(scm.slots()[0])
            generating = any(f == -1 for f in in_flight)
            for w in range(workers):
                ambiguous = in_flight[w]
                if (ambiguous is not None and ambiguous >= 0 and ambiguous in allocated
                        and ambiguous in owned[w]
                        and scm.public_key(ambiguous) != owned[w][ambiguous]):
                    # Its removal was done, not answered, and another client's generation
                    # was given the slot since (served by another worker meanwhile).
                    del owned[w][ambiguous]
                for slot, pub in list(owned[w].items()):
                    if slot == ambiguous:
                        continue
                    assert slot in allocated, f"round {round_no}: acknowledged key {slot} lost"
                    assert scm.public_key(slot) == pub
                if not generating:
                    owned_now = set().union(*owned)
                    for slot in removed[w] - {ambiguous}:
                        # Another worker may have been given the freed slot since.
                        if slot not in owned_now:
                            assert slot not in allocated, f"round {round_no}: removed {slot} back"
                if ambiguous is not None and ambiguous >= 0 and ambiguous not in allocated:
                    owned[w].pop(ambiguous, None)
            # Keys made by generations that were never acknowledged: nobody owns them.
            known = set().union(*owned) | set(range(16))
            for slot in allocated - known:
                scm.remove_key(slot)


def test_crash_rounds(home, sock_dir) -> None:
    Client.open(home).close()
    _crash_rounds(home, sock_dir, rounds=50, seed=1)


@pytest.mark.slow
def test_crash_rounds_long(home, sock_dir) -> None:
    Client.open(home).close()
    _crash_rounds(home, sock_dir, rounds=300, seed=2)


def test_pipelined_frames_are_answered_in_order(daemon) -> None:
    frames = b"".join(
        framing.PREFIX.pack(len(f)) + f
        for f in (msgpack.packb([2, i + 1, "random_bytes", {"num_bytes": i % 7}]) for i in range(5000))
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(daemon.path))
        s.sendall(frames)
        s.shutdown(socket.SHUT_WR)
        reader = s.makefile("rb")
        from softscm.service.protocol import decode_response

        sizes = []
        while (frame := framing.recv_frame(reader)) is not None:
            try:
                sizes.append(len(decode_response(frame, len(sizes) + 1)))
            except softscm.NotBound:
                sizes.append(-1)
    assert len(sizes) == 5000


def test_a_wait_blocks_only_its_caller(daemon) -> None:
    waiter = Client(SocketTransport(daemon.path))
    other = Client(SocketTransport(daemon.path))
    try:
        done = threading.Event()

        def wait() -> None:
            waiter.wait_for_perimeter_event(timeout_ms=20_000)
            done.set()

        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.2)
        start = time.monotonic()
        for _ in range(50):
            assert other.model_number() == "SCM"
        assert time.monotonic() - start < 5
        assert not done.is_set()
        other.sim.loop_open(0)
        thread.join(10)
        assert done.is_set()
    finally:
        waiter.close()
        other.close()


def test_a_client_that_does_not_read_does_not_stall_the_others(daemon) -> None:
    big = msgpack.packb([2, 1, "random_bytes", {"num_bytes": 1 << 20}])
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as greedy:
        greedy.connect(str(daemon.path))
        greedy.sendall((framing.PREFIX.pack(len(big)) + big) * 8)  # never read
        with Client(SocketTransport(daemon.path)) as scm:
            assert len(scm.random_bytes(16)) == 16


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, TimeoutError, RuntimeError])
def test_an_interrupted_call_never_hands_its_answer_to_the_next(daemon, monkeypatch,
                                                                interrupt) -> None:
    """A call interrupted after its request was sent (a signal handler raising, Ctrl-C, a
    timeout in the application) drops its connection: the next call never reads the
    interrupted call's answer as its own."""
    from softscm.client import socket_transport

    with Client(SocketTransport(daemon.path)) as scm:
        slot = scm.generate_key("nistp256")
        good = scm.sign_digest(bytes(32), slot).signature
        real_recv = socket_transport.framing.recv_frame
        calls = {"n": 0}

        def interrupted(reader, *args):
            calls["n"] += 1
            if calls["n"] == 1:
                raise interrupt("interrupted after the request was sent")
            return real_recv(reader, *args)

        monkeypatch.setattr(socket_transport.framing, "recv_frame", interrupted)
        # (An OSError such as TimeoutError reaches the caller as ConnectionFailed.)
        with pytest.raises((interrupt, softscm.ConnectionFailed)):
            scm.verify_digest(bytes(32), good, slot)  # its answer, True, is on its way
        time.sleep(0.05)  # let that answer arrive on the old connection
        assert scm.verify_digest(bytes(32), bytes(64), slot) is False
        assert scm.verify_digest(bytes(32), good, slot) is True


def test_a_mismatched_answer_is_an_error_and_drops_the_connection(monkeypatch) -> None:
    """A peer that answers with another request's id is out of step: the call fails with
    a protocol error, never a result, and the connection is dropped."""
    path = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp")) / "s.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    accepted: list[int] = []

    def serve() -> None:
        while len(accepted) < 2:
            conn, _ = listener.accept()
            accepted.append(1)
            with conn:
                reader = conn.makefile("rb")
                while (frame := framing.recv_frame(reader)) is not None:
                    _, request_id, op, _ = msgpack.unpackb(frame)
                    # The first connection answers "True" under a stale id.
                    answered = request_id + 1 if len(accepted) == 1 else request_id
                    reply = msgpack.packb([answered, 0, True if op != "model_number" else "SCM"])
                    framing.send_frame(conn, reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        transport = SocketTransport(path)
        with pytest.raises(softscm.ProtocolError, match="answer to request"):
            transport.call("verify_digest", {})
        assert transport.call("model_number", {}) == "SCM"  # on a fresh connection
        assert len(accepted) == 2
        transport.close()
    finally:
        listener.close()
        thread.join(5)
        shutil.rmtree(path.parent, ignore_errors=True)


def test_a_result_no_frame_can_carry_is_an_internal_error_to_its_caller_alone(
        daemon, monkeypatch) -> None:
    served = daemon.server.module.operation("model_number")
    monkeypatch.setattr(served.__self__, served.__name__, lambda: {"a set"})
    with Client(SocketTransport(daemon.path)) as scm, \
            Client(SocketTransport(daemon.path)) as other:
        with pytest.raises(softscm.InternalError, match="no frame can carry"):
            scm.model_number()
        assert len(other.random_bytes(8)) == 8
        monkeypatch.undo()
        assert scm.model_number() == other.model_number()  # the same connection goes on


def test_a_fault_serving_one_connection_ends_that_connection_alone(daemon, monkeypatch) -> None:
    handle = daemon.server._handle

    def faulty(conn, frame):
        if b"boom" in bytes(frame):
            raise RuntimeError("a fault of the daemon")
        return handle(conn, frame)

    monkeypatch.setattr(daemon.server, "_handle", faulty)
    with Client(SocketTransport(daemon.path)) as other:
        boom = msgpack.packb([2, 1, "boom", {}])
        assert raw_call(daemon.path, framing.PREFIX.pack(len(boom)) + boom) is None  # hung up
        assert len(other.random_bytes(8)) == 8
    with Client(SocketTransport(daemon.path)) as later:
        assert len(later.random_bytes(8)) == 8


def test_busy_clients_take_turns(daemon) -> None:
    """Eight clients calling at once are all served, each its own answers in order."""
    errors: list[BaseException] = []
    counts = [0] * 8

    def calls(index: int) -> None:
        try:
            with Client(SocketTransport(daemon.path)) as scm:
                for _ in range(150):
                    assert len(scm.random_bytes(index + 1)) == index + 1
                    counts[index] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=calls, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and counts == [150] * 8


def _replies(sock: socket.socket, count: int) -> list:
    """The next ``count`` answers on ``sock`` (one reader: none is lost in a buffer)."""
    sock.settimeout(10)  # a bound on a hang, not a measure of speed
    with sock.makefile("rb") as reader:
        return [msgpack.unpackb(framing.recv_frame(reader)) for _ in range(count)]


def test_a_request_read_with_a_wait_is_answered_after_it(daemon) -> None:
    """A request that came in one read with a wait is held by the daemon, not the
    socket: it is answered once the wait's answer is written."""
    open_session(daemon.path)
    with connect(daemon.path) as sock:
        sock.sendall(wait_frame(1, timeout_ms=0) + frame(2, "model_number"))
        replies = _replies(sock, 2)
    assert replies[0][0] == 1 and replies[1] == [2, 0, "SCM"]


def test_requests_read_behind_an_answer_the_socket_cannot_hold_are_answered(daemon) -> None:
    """Requests that came in one read behind one whose answer fills the socket are
    answered once the client has read that answer (nothing more comes on the socket
    to wake the daemon for them)."""
    open_session(daemon.path)
    with connect(daemon.path) as sock:
        sock.sendall(b"".join(frame(i, "random_bytes", num_bytes=1 << 20) for i in (1, 2, 3)))
        replies = _replies(sock, 3)
    assert [(r[0], r[1], len(r[2])) for r in replies] == [(i, 0, 1 << 20) for i in (1, 2, 3)]

