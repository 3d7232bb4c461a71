"""Daemons for tests: ``softscm serve`` as a separate process, or a server in a thread of
the test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from softscm.store.lockfile import is_free


def start_daemon(home: Path, sock: Path, *extra: str, preexec_fn=None) -> subprocess.Popen:
    env = dict(os.environ, SOFTSCM_HOME=str(home))
    env.pop("SOFTSCM_SOCKET", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "softscm", "serve", "--socket", str(sock), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=preexec_fn,
    )
    deadline = time.monotonic() + 20
    while not sock.exists():
        if proc.poll() is not None:
            raise AssertionError(f"daemon exited: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("daemon did not start")
        time.sleep(0.02)
    return proc


def daemon_pids(pid: int) -> list[int]:
    """The daemon ``pid`` and its workers (its child processes)."""
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            children += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            pass
    return [pid, *map(int, children)]


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise AssertionError(f"no {field}")


def rss_kib(pid: int) -> int:
    """Resident memory of the daemon ``pid`` and its workers together, in KiB."""
    return sum(_status(p, "VmRSS:") for p in daemon_pids(pid))


def threads(pid: int) -> int:
    """Threads of the daemon ``pid`` and its workers together (0 once it has ended)."""
    try:
        return sum(_status(p, "Threads:") for p in daemon_pids(pid))
    except OSError:
        return 0


def state(stat: Path) -> str:
    """The state letter of the process (or thread) whose ``stat`` file this is; ``X``
    once it is gone."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


def _running(pid: int) -> bool:
    return state(Path(f"/proc/{pid}/stat")) not in ("Z", "X")


def kill_daemon(proc: subprocess.Popen, home: Path | None = None) -> None:
    """SIGKILL the daemon ``proc``, as a power cut would, and wait until none of its
    processes runs any more (its workers die with it). With ``home`` (its state
    directory), also until nobody holds the state any more: a worker forked just before
    the kill holds it until it notices, and is no child of the daemon now."""
    workers = daemon_pids(proc.pid)[1:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in workers) or (
            home is not None and not is_free(home)):
        if time.monotonic() > deadline:
            raise AssertionError("a worker outlived its daemon")
        time.sleep(0.005)


class DaemonThread:
    """A daemon serving ``home`` on ``socket_path`` from a thread of the test process."""

    def __init__(self, home: Path, socket_path: Path, **server_options: object) -> None:
        from softscm.runtime import open_served
        from softscm.service.server import Server

        self.module, self.store = open_served(home, str(socket_path))
        server_options.setdefault("on_event", lambda line: None)
        self.server = Server(self.module, socket_path, **server_options)  # type: ignore[arg-type]
        try:
            self.server.bind()
        except BaseException:
            self.store.close()
            raise
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.path = socket_path

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(10)
        self.store.close()
