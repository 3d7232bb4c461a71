"""An operation that returned is durable; processes on one state share one module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from softscm import Client

_GENERATOR = textwrap.dedent("""
    import sys
    from softscm import Client
    scm = Client.open(sys.argv[1])
    curves = ["nistp256", "secp256k1", "ed25519", "x25519"]
    i = 0
    while True:
        slot = scm.generate_key(curves[i % 4])
        print(slot, curves[i % 4], scm.public_key(slot).hex(), flush=True)
        i += 1
""")


def test_sigkill_after_acknowledged_generations(tmp_path) -> None:  # S-10
    home = tmp_path / "state"
    Client.open(home).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", _GENERATOR, str(home)], stdout=subprocess.PIPE, text=True,
    )
    acknowledged = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acknowledged.append(line.split())
        if len(acknowledged) == 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    scm = Client.open(home)
    try:
        allocated = scm.slots()[0]
        for slot, curve, public in acknowledged:
            assert int(slot) in allocated
            assert scm.public_key(int(slot)).hex() == public
            if curve != "x25519":
                sig = scm.sign_digest(bytes(32), int(slot)).signature
                assert scm.verify_digest(bytes(32), sig, int(slot))
    finally:
        scm.close()


def test_two_clients_one_module(home) -> None:
    a, b = Client.open(home), Client.open(home)
    try:
        assert a.serial_number() == b.serial_number()
        slot = a.generate_key("ed25519")
        sig = b.sign_digest(bytes(32), slot).signature
        assert a.verify_digest(bytes(32), sig, slot)
        # Replace the key behind b's cache: b must see the new one.
        b_pub = b.public_key(slot)
        a.remove_key(slot)
        assert a.generate_key("ed25519") == slot
        assert b.public_key(slot) != b_pub
        sig = b.sign_digest(bytes(32), slot).signature
        assert a.verify_digest(bytes(32), sig, slot)
    finally:
        a.close()
        b.close()


def test_keys_survive_reopen(home) -> None:
    scm = Client.open(home)
    slot = scm.generate_key("secp256k1")
    public = scm.public_key(slot)
    blob = scm.lock(b"kept")
    scm.close()
    again = Client.open(home)
    try:
        assert again.public_key(slot) == public
        assert again.unlock(blob) == b"kept"
    finally:
        again.close()
