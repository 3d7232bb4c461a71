"""Random and malformed frames against a running daemon: it answers or hangs up, never
dies, and its memory stays bounded."""

from __future__ import annotations

import shutil
import signal
import socket
import tempfile
from pathlib import Path

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon_process import rss_kib, start_daemon
from softscm import Client
from softscm.client.socket_transport import SocketTransport
from softscm.module import Module
from softscm.service import framing

_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.binary(max_size=64)
    | st.text(max_size=16) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
_requests = st.tuples(
    st.sampled_from([1, 0, 2]),
    st.sampled_from(sorted(Module.OPERATIONS - {"stream_open"}) + ["bogus", ""]),
    st.dictionaries(st.sampled_from(["slot", "digest", "data", "key", "num_bytes", "handle",
                                     "foreign", "key_type", "blob", "x"]), _values, max_size=4),
)


def _exchange(path, payload: bytes) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(path))
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass


def test_fuzz_frames(home) -> None:
    sock_dir = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
    path = sock_dir / "fuzz.sock"
    proc = start_daemon(home, path)
    try:
        _fuzz(proc.pid, path)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        shutil.rmtree(sock_dir, ignore_errors=True)
    assert proc.returncode == 0


def _fuzz(pid: int, path: Path) -> None:
    for _ in range(200):  # warm up: caches, thread stacks, allocator arenas
        _exchange(path, framing.PREFIX.pack(3) + b"\x93\x01\xa0")
    rss_before = rss_kib(pid)
    calls = {"n": 0}

    @settings(max_examples=2500, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.one_of(
        _requests.map(lambda r: msgpack.packb(list(r))),
        st.binary(max_size=200),
    ), st.sampled_from(["framed", "raw", "short", "huge"]))
    def check(body: bytes, how: str) -> None:
        calls["n"] += 1
        if how == "framed":
            payload = framing.PREFIX.pack(len(body)) + body
        elif how == "short":
            payload = framing.PREFIX.pack(len(body) + 10) + body
        elif how == "huge":
            payload = framing.PREFIX.pack(framing.MAX_FRAME_BYTES + 1) + body
        else:
            payload = body
        _exchange(path, payload)

    check()
    assert calls["n"] >= 2000
    with Client(SocketTransport(path)) as scm:
        assert scm.model_number() == "SCM"
        slot = scm.generate_key("nistp256")
        assert scm.verify_digest(bytes(32), scm.sign_digest(bytes(32), slot).signature, slot)
    growth = rss_kib(pid) - rss_before
    assert growth < 32 * 1024, f"daemon grew by {growth} KiB"  # bounded, whatever was sent
