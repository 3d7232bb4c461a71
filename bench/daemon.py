"""Daemon figures: the same operations over the Unix socket, next to the in-process
rate and a bare length-prefixed msgpack echo measured in the same run.

Run by ``bench/run.py`` (or alone: ``python3 bench/daemon.py [--quick]``).
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

MSG_DIGEST = hashlib.sha256(b"softscm benchmark message").digest()
_PREFIX = struct.Struct(">I")


def _rate(fn: Any, seconds: float) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def _echo_server(path: str, ready: threading.Event) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    ready.set()
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
    conn.close()
    listener.close()


def _echo_rate(path: str, seconds: float) -> float:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    reader = sock.makefile("rb", buffering=1 << 16)
    frame = msgpack.packb([2, 1, "model_number", {}])

    def once() -> None:
        sock.sendall(_PREFIX.pack(len(frame)) + frame)
        body = reader.read(_PREFIX.unpack(reader.read(4))[0])
        msgpack.unpackb(body)

    result = _rate(once, seconds)
    sock.close()
    return result


def _signer(path: str, seconds: float, queue: Any) -> None:
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    with Client(SocketTransport(Path(path))) as scm:
        queue.put(_rate(lambda: scm.sign_digest(MSG_DIGEST, 0), seconds))


def run(seconds: float, inprocess_sign_rate: float | None = None) -> None:
    """Start a daemon on a throw-away state and print its figures."""
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    home = tempfile.mkdtemp(prefix="softscm-bench-daemon-")
    sock_dir = tempfile.mkdtemp(prefix="scm", dir="/tmp")
    path = os.path.join(sock_dir, "d.sock")
    env = dict(os.environ, SOFTSCM_HOME=home)
    proc = subprocess.Popen([sys.executable, "-m", "softscm", "serve", "--socket", path],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("the daemon did not start")
            time.sleep(0.05)
        if inprocess_sign_rate is None:
            with Client.open(tempfile.mkdtemp(prefix="softscm-bench-")) as local:
                inprocess_sign_rate = _rate(lambda: local.sign_digest(MSG_DIGEST, 0), seconds)
        with Client(SocketTransport(Path(path))) as scm:
            one = _rate(lambda: scm.sign_digest(MSG_DIGEST, 0), seconds)
            trivial = _rate(scm.model_number, seconds)
            data = os.urandom(8 << 20)
            t0 = time.perf_counter()
            blob = scm.lock(data)
            lock_mbs = len(data) / (time.perf_counter() - t0) / 1e6
            t0 = time.perf_counter()
            scm.unlock(blob)
            unlock_mbs = len(data) / (time.perf_counter() - t0) / 1e6
        echo_path = os.path.join(sock_dir, "echo.sock")
        ready = threading.Event()
        server = threading.Thread(target=_echo_server, args=(echo_path, ready), daemon=True)
        server.start()
        ready.wait(5)
        echo = _echo_rate(echo_path, seconds)
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        workers = [ctx.Process(target=_signer, args=(path, seconds, queue)) for _ in range(4)]
        for w in workers:
            w.start()
        four = sum(queue.get(timeout=120) for _ in workers)
        for w in workers:
            w.join(30)
    finally:
        proc.terminate()
        proc.wait(30)
    print()
    print(f"{'daemon':<34} {'value':>12} {'reference':>12} {'ratio':>9}  target")
    print(f"{'sign nistp256, 1 client (ops/s)':<34} {one:>12,.0f} {inprocess_sign_rate:>12,.0f} "
          f"{one / inprocess_sign_rate:>8.2f}x  >= 0.45x of in-process")
    print(f"{'sign nistp256, 4 clients (ops/s)':<34} {four:>12,.0f} {inprocess_sign_rate:>12,.0f} "
          f"{four / inprocess_sign_rate:>8.2f}x  >= 0.70x of in-process")
    rt, rt_echo = 1e6 / trivial, 1e6 / echo
    print(f"{'trivial call round trip (us)':<34} {rt:>12,.1f} {rt_echo:>12,.1f} "
          f"{rt / rt_echo:>8.2f}x  <= 2x the bare msgpack echo")
    print(f"{'lock 8 MiB (MB/s)':<34} {lock_mbs:>12,.0f}")
    print(f"{'unlock 8 MiB (MB/s)':<34} {unlock_mbs:>12,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(0.3 if parser.parse_args().quick else 2.0)
