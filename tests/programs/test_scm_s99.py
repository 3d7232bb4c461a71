"""S-99 (``scm-behaviour.md``): daemon and embedded agree. Two client processes of one
daemon, each a program written against ``zymkey``: a breach one of them waits for is
seen with the same timestamp by the other. (S-01 ... S-10 run against the daemon with
every client test: the ``client`` fixture's socket transport.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from daemon_process import start_daemon
from softscm import Client
from softscm.client.socket_transport import SocketTransport

#: Waits for a perimeter event, then says what it got and the detect info.
WAITER = textwrap.dedent("""
    import json, zymkey
    zymkey.client.set_perimeter_event_actions(0, action_notify=True,
                                              action_self_destruct=False)
    print("waiting", flush=True)
    got = zymkey.client.wait_for_perimeter_event(timeout_ms=10000)
    print(json.dumps([got, zymkey.client.get_perimeter_detect_info()]), flush=True)
""")
#: Reads the detect info.
OTHER = "import json, zymkey; print(json.dumps(zymkey.client.get_perimeter_detect_info()))"


def test_s99_daemon_and_embedded_agree(home: Path, run_dir: Path) -> None:
    sock = run_dir / "s.sock"
    daemon = start_daemon(home, sock)
    env = dict(os.environ, SOFTSCM_SOCKET=str(sock))
    try:
        waiter = subprocess.Popen([sys.executable, "-c", WAITER], env=env, text=True,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        try:
            assert waiter.stdout is not None
            assert waiter.stdout.readline() == "waiting\n"
            with Client(SocketTransport(sock)) as scm:
                scm.sim.loop_open(0)  # the breach of channel 0
            out, _ = waiter.communicate(timeout=30)
        finally:
            if waiter.poll() is None:
                waiter.kill()
                waiter.communicate()
        assert waiter.returncode == 0
        got, seen_by_waiter = json.loads(out)
        other = subprocess.run([sys.executable, "-c", OTHER], env=env, text=True,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        assert other.returncode == 0, other.stderr
        seen_by_other = json.loads(other.stdout)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)
    assert got is None
    assert seen_by_waiter[0] > 0
    assert seen_by_other == seen_by_waiter
