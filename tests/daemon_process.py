"""Starting ``softscm serve`` as a separate process for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


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


def rss_kib(pid: int) -> int:
    """Resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
