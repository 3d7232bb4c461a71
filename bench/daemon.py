"""Daemon figures: the same operations over the Unix socket, next to the in-process
rate, a bare length-prefixed msgpack echo and SoftHSM2's in-process PKCS#11 signing, all
measured in the same run.

Run by ``bench/run.py`` (or alone: ``python3 bench/daemon.py [--quick] [--rounds N]
[--profile]``; ``--profile`` prints where the time goes on the client's and the daemon's
side of a sign).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import softhsm  # noqa: E402
from measure import DEFAULT_ROUNDS, Rate, print_profile, profile, rate  # noqa: E402

MSG_DIGEST = hashlib.sha256(b"softscm benchmark message").digest()
_PREFIX = struct.Struct(">I")


def _echo_server(path: str) -> None:
    """A bare length-prefixed msgpack echo: the reference for a round trip. It runs in a
    process of its own, as the daemon does (two threads of one process would measure the
    GIL's hand-over instead)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    conn, _ = listener.accept()
    reader = conn.makefile("rb", buffering=1 << 16)
    while True:
        prefix = reader.read(4)
        if len(prefix) < 4:
            break
        body = reader.read(_PREFIX.unpack(prefix)[0])
        request = msgpack.unpackb(body)
        reply = msgpack.packb([request[1], 0, request[2]])
        conn.sendall(_PREFIX.pack(len(reply)) + reply)
    reader.close()
    conn.close()
    listener.close()


def _bare_sign_server(path: str) -> None:
    """A bare signing server: a thread per connection reading length-prefixed msgpack
    requests, a P-256 sign with ``cryptography`` for each, nothing else (no checks, no
    key store, no lock) in one process, for the four-client figure's context (the
    daemon's workers serve from several processes). Runs until killed."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    key = ec.generate_private_key(ec.SECP256R1())
    ecdsa = ec.ECDSA(Prehashed(hashes.SHA256()))

    def serve(conn: socket.socket) -> None:
        while True:
            prefix = conn.recv(4, socket.MSG_WAITALL)
            if len(prefix) < 4:
                conn.close()
                return
            request = msgpack.unpackb(conn.recv(_PREFIX.unpack(prefix)[0], socket.MSG_WAITALL))
            result = None
            if request[2] == "sign_digest":
                result = [key.sign(request[3]["digest"][:32], ecdsa), None]
            reply = msgpack.packb([request[1], 0, result])
            conn.sendall(_PREFIX.pack(len(reply)) + reply)

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def _wait_for(path: str) -> socket.socket:
    """A connection to the server about to listen on ``path``."""
    deadline = time.monotonic() + 30
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _echo_rate(path: str, seconds: float, rounds: int) -> Rate:
    sock = _wait_for(path)
    reader = sock.makefile("rb", buffering=1 << 16)
    frame = msgpack.packb([2, 1, "model_number", {}])

    def once() -> None:
        sock.sendall(_PREFIX.pack(len(frame)) + frame)
        body = reader.read(_PREFIX.unpack(reader.read(4))[0])
        msgpack.unpackb(body)

    result = rate(once, seconds, rounds)
    reader.close()
    sock.close()
    return result


def _signer(path: str, seconds: float, start: Any, queue: Any) -> None:
    """One of the client processes: sign for ``seconds`` from ``start``, report the rate."""
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    with Client(SocketTransport(Path(path))) as scm:
        scm.sign_digest(MSG_DIGEST, 0)
        start.wait(60)
        calls, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            scm.sign_digest(MSG_DIGEST, 0)
            calls += 1
        queue.put(calls / (time.perf_counter() - t0))


def _four_clients(path: str, seconds: float, rounds: int) -> Rate:
    """Signs per second of four client processes together, over ``rounds`` rounds."""
    ctx = multiprocessing.get_context("spawn")
    totals = []
    for _ in range(rounds):
        queue, start = ctx.Queue(), ctx.Event()
        workers = [ctx.Process(target=_signer, args=(path, seconds / rounds, start, queue))
                   for _ in range(4)]
        for w in workers:
            w.start()
        start.set()
        totals.append(sum(queue.get(timeout=120) for _ in workers))
        for w in workers:
            w.join(30)
    totals.sort()
    return Rate(totals[0], totals[len(totals) // 2], totals[-1])


def _softhsm_rate(seconds: float, rounds: int) -> Rate | None:
    why = softhsm.missing()
    if why is not None:
        print(why)
        return None
    with softhsm.p256_signer() as sign:
        return rate(lambda: sign(MSG_DIGEST), seconds, rounds)


def _start_daemon(home: str, path: str, profile_out: str | None,
                  workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "softscm", "serve", "--socket", path,
               "--workers", str(workers)]
    if profile_out is not None:
        # Every thread of the daemon profiled (cProfile alone sees only the main one).
        command[1:3] = [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "profiled_daemon.py"), profile_out]
    proc = subprocess.Popen(command, env=dict(os.environ, SOFTSCM_HOME=home),
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            sys.exit("the daemon did not start")
        time.sleep(0.05)
    return proc


def _line(name: str, value: float, reference: float, ratio: float, noise: float,
          target: str) -> None:
    print(f"{name:<36} {value:>12,.1f} {reference:>12,.1f} {ratio:>7.2f}x  {noise:>5.0%}"
          f"  {target}")


def run(seconds: float, inprocess_sign_rate: Rate | None = None, *,
        rounds: int = DEFAULT_ROUNDS, profile_daemon: bool = False) -> None:
    """Start a daemon on a throw-away state and print its figures."""
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    home = tempfile.mkdtemp(prefix="softscm-bench-daemon-")
    sock_dir = tempfile.mkdtemp(prefix="scm", dir="/tmp")
    path = os.path.join(sock_dir, "d.sock")
    profile_out = os.path.join(sock_dir, "daemon.prof") if profile_daemon else None
    if inprocess_sign_rate is None:
        with Client.open(tempfile.mkdtemp(prefix="softscm-bench-")) as local:
            inprocess_sign_rate = rate(lambda: local.sign_digest(MSG_DIGEST, 0), seconds, rounds)
    softhsm_rate = _softhsm_rate(seconds, rounds)
    from softscm.service.workers import default_workers

    # Profiled, the daemon serves from its own process (one worker: the same code).
    workers = 1 if profile_daemon else default_workers()
    proc = _start_daemon(home, path, profile_out, workers)
    profiled = 0
    try:
        with Client(SocketTransport(Path(path))) as scm:
            one = rate(lambda: scm.sign_digest(MSG_DIGEST, 0), seconds, rounds)
            trivial = rate(scm.model_number, seconds, rounds)
            data = os.urandom(8 << 20)
            t0 = time.perf_counter()
            blob = scm.lock(data)
            lock_mbs = len(data) / (time.perf_counter() - t0) / 1e6
            t0 = time.perf_counter()
            scm.unlock(blob)
            unlock_mbs = len(data) / (time.perf_counter() - t0) / 1e6
            if profile_daemon:
                profiled = 20_000
                profile("sign nistp256 over the socket, client side",
                        lambda: scm.sign_digest(MSG_DIGEST, 0), profiled)
        echo_path = os.path.join(sock_dir, "echo.sock")
        echo_server = multiprocessing.get_context("spawn").Process(
            target=_echo_server, args=(echo_path,), daemon=True)
        echo_server.start()
        echo = _echo_rate(echo_path, seconds, rounds)
        echo_server.join(10)
        four = _four_clients(path, seconds, rounds)
    finally:
        proc.terminate()
        proc.wait(30)
    bare_path = os.path.join(sock_dir, "bare.sock")
    bare_server = multiprocessing.get_context("spawn").Process(
        target=_bare_sign_server, args=(bare_path,), daemon=True)
    bare_server.start()
    try:
        _wait_for(bare_path).close()
        bare_four = _four_clients(bare_path, seconds, rounds)
    finally:
        bare_server.kill()
        bare_server.join(10)
    if profile_out is not None and os.path.exists(profile_out):
        import pstats

        print_profile("the daemon's side of the whole run (all figures)",
                      pstats.Stats(profile_out), max(profiled, 1))
    inproc = float(inprocess_sign_rate)
    print()
    print(f"{'daemon':<36} {'value':>12} {'reference':>12} {'ratio':>8}  {'noise':>6}  target"
          f"  ({workers} worker{'s' if workers > 1 else ''}, {os.cpu_count()} cores)")
    _line("sign nistp256, 1 client (ops/s)", one.median, inproc, one.median / inproc,
          one.noise, ">= 0.45x of in-process")
    _line("sign nistp256, 4 clients (ops/s)", four.median, inproc, four.median / inproc,
          four.noise, ">= 0.70x of in-process")
    _line("  the same 4 clients, bare server", bare_four.median, inproc,
          bare_four.median / inproc, bare_four.noise, "one process, threads (context)")
    _line("  daemon vs the bare server", four.median, bare_four.median,
          four.median / bare_four.median, max(four.noise, bare_four.noise), "")
    rt, rt_echo = 1e6 / trivial.median, 1e6 / echo.median
    _line("trivial call round trip (us)", rt, rt_echo, rt / rt_echo,
          max(trivial.noise, echo.noise), "<= 2x the bare msgpack echo")
    if softhsm_rate is not None:
        _line("sign nistp256, 1 client vs SoftHSM2", one.median, softhsm_rate.median,
              one.median / softhsm_rate.median, max(one.noise, softhsm_rate.noise),
              ">= 1x SoftHSM2 in-process (PKCS#11 C_Sign)")
    print(f"{'lock 8 MiB (MB/s)':<36} {lock_mbs:>12,.0f}")
    print(f"{'unlock 8 MiB (MB/s)':<36} {unlock_mbs:>12,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    run(0.3 if options.quick else 2.0, rounds=max(1, options.rounds),
        profile_daemon=options.profile)
