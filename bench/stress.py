"""Stress: faults and attacks against the daemon and the embedded module, with the
figures printed and checked against their goals.

    python3 bench/stress.py           # a quick run (small sizes)
    python3 bench/stress.py --full    # the documented run (the sizes below)

Every size is also a flag (``--help``). Phases: daemon concurrency, embedded
concurrency, SIGKILL rounds (daemon and embedded writers), interrupted calls (each
followed by a bogus verify), destruction with a concurrent reader (every file scanned
for known secrets), fuzzed frames, idle connections and abandoned waits. Goals: 0
errors, 0 crashes, 0 lost acknowledged operations, 0 false verifies, 0 secrets found,
the daemon's memory back within 50 MB of its start after each phase, other clients'
calls answered throughout. The script reports what it sees, goal met or not, and exits
1 when any goal is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import multiprocessing
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

#: The documented run (the issue's sizes).
FULL = {"procs": 16, "ops": 2000, "embedded_runs": 5, "kill_rounds": 100,
        "interrupts": 1000, "destroy_trials": 20, "fuzz_frames": 20000, "idle": 2000,
        "abandoned": 500}
#: The quick run.
QUICK = {"procs": 4, "ops": 150, "embedded_runs": 1, "kill_rounds": 5, "interrupts": 100,
         "destroy_trials": 2, "fuzz_frames": 1000, "idle": 200, "abandoned": 60}
#: Most the daemon's resident memory may grow over a phase, in KiB.
MEMORY_SLACK_KIB = 50 * 1024
_PREFIX = struct.Struct(">I")
DIGEST = hashlib.sha256(b"softscm stress").digest()
#: Host context of raw waits.
RAW_CONTEXT = "stress-raw"


# -- figures --------------------------------------------------------------------------


@dataclass
class Figure:
    phase: str
    name: str
    value: Any
    ok: bool | None = None  # None: reported, no goal


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    sink: Any = None  # a queue to the parent, in an isolated phase

    def add(self, phase: str, name: str, value: Any, ok: bool | None = None) -> None:
        self.figures.append(Figure(phase, name, value, ok))
        if self.sink is not None:
            self.sink.put((phase, name, value, ok))
        mark = {True: "ok", False: "MISSED", None: ""}[ok]
        print(f"  {phase:<22} {name:<38} {value!s:>12}  {mark}", flush=True)

    def zero(self, phase: str, name: str, value: int) -> None:
        self.add(phase, name, value, value == 0)

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]


def _isolated_child(fn_name: str, args: tuple[Any, ...], sink: Any) -> None:
    globals()[fn_name](Report(sink=sink), *args)


def isolated(report: Report, phase: str, fn: Any, *args: Any) -> None:
    """Run ``fn(report, *args)`` in a process of its own: a phase that opens states
    in-process can crash (a signal) without taking the run with it; the crash is a
    figure."""
    ctx = multiprocessing.get_context("spawn")
    sink = ctx.Queue()
    proc = ctx.Process(target=_isolated_child, args=(fn.__name__, args, sink))
    proc.start()
    while proc.is_alive() or not sink.empty():
        try:
            figure = sink.get(timeout=0.5)
        except Exception:  # noqa: BLE001 - nothing new
            continue
        report.figures.append(Figure(*figure))
    proc.join()
    if proc.exitcode != 0:
        how = (f"signal {signal.Signals(-proc.exitcode).name}"
               if proc.exitcode is not None and proc.exitcode < 0 else f"code {proc.exitcode}")
        report.add(phase, f"phase crashed ({how})", 1, False)


# -- the daemon under test --------------------------------------------------------------


class Daemon:
    """``softscm serve`` in a process of its own on ``home``."""

    def __init__(self, home: Path, sock: Path) -> None:
        self.home, self.sock = home, sock
        env = dict(os.environ, SOFTSCM_HOME=str(home))
        env.pop("SOFTSCM_SOCKET", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "softscm", "serve", "--socket", str(sock)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._err: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 60
        while not sock.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise SystemExit(f"the daemon did not start: {''.join(self._err)}")
            time.sleep(0.02)

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if len(self._err) < 10_000:
                self._err.append(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def pids(self) -> list[int]:
        """The daemon's process and its workers'."""
        children: list[str] = []
        try:
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                children += Path(f"/proc/{self.proc.pid}/task/{task}/children").read_text().split()
        except OSError:
            pass
        return [self.proc.pid, *map(int, children)]

    def rss_kib(self) -> int:
        return sum(_status(pid, "VmRSS:") for pid in self.pids())

    def threads(self) -> int:
        return sum(_status(pid, "Threads:") for pid in self.pids())

    def kill(self) -> None:
        """SIGKILL, as a power cut: the workers die with the daemon; returns once none
        of them runs any more and no process holds the state (a worker forked just
        before the kill holds it until it notices)."""
        from softscm.store.lockfile import is_free

        workers = self.pids()[1:]
        self.proc.kill()
        self.proc.wait()
        deadline = time.monotonic() + 20
        for pid in workers:
            while time.monotonic() < deadline and _running(pid):
                time.sleep(0.005)
        while time.monotonic() < deadline and not is_free(self.home):
            time.sleep(0.005)
        self.sock.unlink(missing_ok=True)

    def stop(self) -> tuple[int | None, float]:
        """SIGTERM; the exit code (None: it did not end in 30 s) and the seconds taken."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        return code, time.monotonic() - start


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (not ended, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _status(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Watcher:
    """Another client calling the daemon all along: its calls must be answered."""

    def __init__(self, sock: Path) -> None:
        from softscm import Client
        from softscm.client.socket_transport import SocketTransport

        self._client = Client(SocketTransport(sock))
        self.calls = self.failures = 0
        self.slowest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            start = time.monotonic()
            try:
                self._client.hello()
            except Exception:
                self.failures += 1
            self.calls += 1
            self.slowest = max(self.slowest, time.monotonic() - start)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self._client.close()


def _phase_end(report: Report, phase: str, daemon: Daemon, base_kib: int,
               watcher: Watcher | None) -> None:
    report.add(phase, "daemon alive", daemon.alive(), daemon.alive())
    if daemon.alive():
        grown = daemon.rss_kib() - base_kib
        report.add(phase, "daemon memory growth (MB)", round(grown / 1024, 1),
                   grown <= MEMORY_SLACK_KIB)
    if watcher is not None:
        report.zero(phase, "other client's calls not answered", watcher.failures)
        report.add(phase, "other client's slowest call (s)", round(watcher.slowest, 3))
        watcher.failures, watcher.slowest = 0, 0.0


# -- workers: mixed operations ----------------------------------------------------------


def _mixed_ops(client: Any, ops: int, seed: int) -> dict[str, int]:
    """Mixed operations, each result checked: returns the counts of errors, false
    verifies and acknowledged keys lost."""
    rng = random.Random(seed)
    out = {"ops": 0, "errors": 0, "false_verifies": 0, "lost": 0}
    owned: dict[int, bytes] = {}
    for _ in range(ops):
        choice = rng.random()
        try:
            if choice < 0.15 or not owned:
                if len(owned) >= 3:
                    slot = rng.choice(sorted(owned))
                    client.remove_key(slot)
                    del owned[slot]
                else:
                    slot = client.generate_key(rng.choice(["nistp256", "secp256k1", "ed25519"]))
                    owned[slot] = client.public_key(slot)
            elif choice < 0.45:
                slot = rng.choice(sorted(owned))
                sig = client.sign_digest(DIGEST, slot).signature
                if not client.verify_digest(DIGEST, sig, slot):
                    out["errors"] += 1
                bogus = bytes(len(sig)) if rng.random() < 0.5 else sig[:-1] + bytes([sig[-1] ^ 1])
                if client.verify_digest(DIGEST, bogus, slot):
                    out["false_verifies"] += 1
            elif choice < 0.65:
                data = rng.randbytes(rng.randrange(1, 4096)) if hasattr(rng, "randbytes") \
                    else os.urandom(rng.randrange(1, 4096))
                if bytes(client.unlock(client.lock(data))) != data:
                    out["errors"] += 1
            elif choice < 0.85:
                if len(client.random_bytes(32)) != 32:
                    out["errors"] += 1
            else:
                slot = rng.choice(sorted(owned))
                if client.public_key(slot) != owned[slot]:
                    out["lost"] += 1
        except Exception as exc:  # noqa: BLE001 - counted and shown
            out["errors"] += 1
            if out["errors"] <= 3:
                print(f"    error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        out["ops"] += 1
    try:
        present = set(client.slots()[0])
        for slot, pub in owned.items():
            if slot not in present or client.public_key(slot) != pub:
                out["lost"] += 1
        for slot in owned:
            client.remove_key(slot)
    except Exception:  # noqa: BLE001
        out["errors"] += 1
    return out


def _worker(kind: str, target: str, ops: int, seed: int, queue: Any) -> None:
    try:
        from softscm import Client
        from softscm.client.socket_transport import SocketTransport

        client = Client(SocketTransport(Path(target))) if kind == "daemon" \
            else Client.open(target)
        with client:
            queue.put(_mixed_ops(client, ops, seed))
    except Exception as exc:  # noqa: BLE001
        print(f"    worker failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        queue.put({"ops": 0, "errors": 1, "false_verifies": 0, "lost": 0, "crashed": 1})


def _run_workers(kind: str, target: str, procs: int, ops: int, seed: int) -> dict[str, int]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(kind, target, ops, seed * 1000 + i, queue))
               for i in range(procs)]
    for w in workers:
        w.start()
    total = {"ops": 0, "errors": 0, "false_verifies": 0, "lost": 0, "crashed": 0}
    results = 0
    while results < procs:
        try:
            result = queue.get(timeout=1)
        except Exception:  # noqa: BLE001 - nothing yet: are the workers still there?
            if any(w.is_alive() for w in workers):
                continue
            try:
                result = queue.get(timeout=5)
            except Exception:  # noqa: BLE001 - the rest died without a word
                break
        results += 1
        for k, v in result.items():
            total[k] = total.get(k, 0) + v
    for w in workers:
        w.join(60)
        if w.exitcode != 0:
            total["crashed"] += 1
            how = (f"signal {signal.Signals(-w.exitcode).name}"
                   if w.exitcode is not None and w.exitcode < 0 else f"code {w.exitcode}")
            print(f"    a {kind} worker ended with {how}", file=sys.stderr, flush=True)
    return total


def phase_daemon_concurrency(report: Report, daemon: Daemon, base: int, watcher: Watcher,
                             procs: int, ops: int) -> None:
    phase = "daemon concurrency"
    start = time.monotonic()
    total = _run_workers("daemon", str(daemon.sock), procs, ops, seed=1)
    took = time.monotonic() - start
    report.add(phase, f"operations ({procs} x {ops})", total["ops"])
    report.add(phase, "operations per second", round(total["ops"] / took))
    report.zero(phase, "errors", total["errors"])
    report.zero(phase, "worker crashes", total["crashed"])
    report.zero(phase, "false verifies", total["false_verifies"])
    report.zero(phase, "lost acknowledged keys", total["lost"])
    _phase_end(report, phase, daemon, base, watcher)


def phase_embedded_concurrency(report: Report, work: Path, procs: int, ops: int,
                               runs: int) -> None:
    from softscm import Client

    phase = "embedded concurrency"
    home = work / "embedded"
    Client.open(home).close()
    total = {"ops": 0, "errors": 0, "false_verifies": 0, "lost": 0, "crashed": 0}
    bad_integrity = 0
    for run in range(runs):
        result = _run_workers("embedded", str(home), procs, ops, seed=100 + run)
        for k in total:
            total[k] += result.get(k, 0)
        try:
            with Client.open(home) as scm:
                if scm._transport.module._store.integrity_check() != "ok":
                    bad_integrity += 1
        except Exception as exc:  # noqa: BLE001
            print(f"    reopen failed: {exc}", file=sys.stderr)
            bad_integrity += 1
    report.add(phase, f"operations ({runs} x {procs} x {ops})", total["ops"])
    report.zero(phase, "errors", total["errors"])
    report.zero(phase, "worker crashes", total["crashed"])
    report.zero(phase, "false verifies", total["false_verifies"])
    report.zero(phase, "lost acknowledged keys", total["lost"])
    report.zero(phase, "failed integrity checks", bad_integrity)


# -- SIGKILL rounds ---------------------------------------------------------------------


def _check_keys(home: Path, acknowledged: dict[int, bytes]) -> tuple[int, int]:
    """(lost, errors): acknowledged keys missing after a crash; then every key made
    since the state began is removed, for the next round."""
    from softscm import Client

    lost = 0
    try:
        with Client.open(home) as scm:
            if scm._transport.module._store.integrity_check() != "ok":
                return 0, 1
            present = set(scm.slots()[0])
            for slot, pub in acknowledged.items():
                if slot not in present or scm.public_key(slot) != pub:
                    lost += 1
            for slot in present - set(range(16)):
                scm.remove_key(slot)
    except Exception as exc:  # noqa: BLE001
        print(f"    check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return lost, 1
    return lost, 0


def phase_kill_daemon(report: Report, work: Path, rounds: int) -> None:
    from softscm import Client, ConnectionFailed
    from softscm.client.socket_transport import SocketTransport

    phase = "SIGKILL daemon"
    home = work / "kill-daemon"
    Client.open(home).close()
    rng = random.Random(7)
    lost = errors = acknowledged_total = 0
    for round_no in range(rounds):
        sock = work / f"kd{round_no % 2}.sock"
        daemon = Daemon(home, sock)
        acknowledged: dict[int, bytes] = {}
        lock = threading.Lock()

        def writer(sock: Path = sock, lock: threading.Lock = lock,
                   acknowledged: dict[int, bytes] = acknowledged) -> None:
            try:
                with Client(SocketTransport(sock)) as scm:
                    for _ in range(150):  # three writers stay within the key store
                        slot = scm.generate_key("secp256k1")
                        pub = scm.public_key(slot)
                        with lock:
                            acknowledged[slot] = pub
            except (ConnectionFailed, OSError):
                return
            except Exception as exc:  # noqa: BLE001
                nonlocal errors
                errors += 1
                print(f"    writer: {type(exc).__name__}: {exc}", file=sys.stderr)

        threads = [threading.Thread(target=writer) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        daemon.kill()
        for t in threads:
            t.join(30)
        acknowledged_total += len(acknowledged)
        round_lost, round_errors = _check_keys(home, acknowledged)
        lost += round_lost
        errors += round_errors
    report.add(phase, "rounds", rounds)
    report.add(phase, "acknowledged generations", acknowledged_total)
    report.zero(phase, "lost acknowledged keys", lost)
    report.zero(phase, "errors", errors)


_EMBEDDED_WRITER = """
import os, sys, time
from softscm import Client
parent = int(sys.argv[2])
with Client.open(sys.argv[1]) as scm:
    for _ in range(200):  # two writers stay within the key store
        slot = scm.generate_key("nistp256")
        print(slot, scm.public_key(slot).hex(), flush=True)
    while os.getppid() == parent:  # ends with the round that started it
        time.sleep(0.05)
"""


def phase_kill_embedded(report: Report, work: Path, rounds: int) -> None:
    from softscm import Client

    phase = "SIGKILL embedded"
    home = work / "kill-embedded"
    Client.open(home).close()
    rng = random.Random(8)
    lost = errors = acknowledged_total = 0
    env = dict(os.environ)
    env.pop("SOFTSCM_SOCKET", None)
    for _ in range(rounds):
        procs = [subprocess.Popen([sys.executable, "-c", _EMBEDDED_WRITER, str(home),
                                   str(os.getpid())],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(2)]
        acknowledged: dict[int, bytes] = {}
        readers = []
        for proc in procs:
            def read(proc: subprocess.Popen = proc,
                     acknowledged: dict[int, bytes] = acknowledged) -> None:
                assert proc.stdout is not None
                for line in proc.stdout:
                    if not line.endswith("\n"):
                        break  # cut short by the kill: not acknowledged
                    slot, pub = line.split()
                    acknowledged[int(slot)] = bytes.fromhex(pub)
            thread = threading.Thread(target=read)
            thread.start()
            readers.append(thread)
        time.sleep(rng.uniform(0.6, 1.2))  # past the interpreter's start
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()
            stderr = proc.stderr.read() if proc.stderr else ""
            if "Traceback" in stderr:
                errors += 1
                print(f"    writer: {stderr.strip().splitlines()[-1]}", file=sys.stderr)
        for thread in readers:
            thread.join(30)
        acknowledged_total += len(acknowledged)
        round_lost, round_errors = _check_keys(home, acknowledged)
        lost += round_lost
        errors += round_errors
    report.add(phase, "rounds", rounds)
    report.add(phase, "acknowledged generations", acknowledged_total)
    report.zero(phase, "lost acknowledged keys", lost)
    report.zero(phase, "errors", errors)


# -- interrupted calls ------------------------------------------------------------------


class _Interrupt(BaseException):
    """What a signal handler of the application raises (as KeyboardInterrupt is)."""


def _interrupts(client: Any, count: int, seed: int) -> dict[str, int]:
    """Interrupt calls at random points (a timer signal whose handler raises), each
    followed by a verify of a bogus signature, which must be False."""
    rng = random.Random(seed)
    slot = client.generate_key("nistp256")
    good = client.sign_digest(DIGEST, slot).signature
    bogus = good[:-1] + bytes([good[-1] ^ 1])

    def handler(signum: int, frame: Any) -> None:
        raise _Interrupt

    previous = signal.signal(signal.SIGALRM, handler)
    out = {"interrupts": 0, "attempts": 0, "false_verifies": 0, "errors": 0}
    try:
        while out["interrupts"] < count and out["attempts"] < count * 50:
            out["attempts"] += 1
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.00005, 0.004))
                for _ in range(5):
                    op = rng.random()
                    if op < 0.5:
                        client.verify_digest(DIGEST, good, slot)
                    elif op < 0.8:
                        client.sign_digest(DIGEST, slot)
                    else:
                        client.lock(b"x" * rng.randrange(1, 2048))
                signal.setitimer(signal.ITIMER_REAL, 0)
            except _Interrupt:
                out["interrupts"] += 1
            except Exception as exc:  # noqa: BLE001
                signal.setitimer(signal.ITIMER_REAL, 0)
                out["errors"] += 1
                if out["errors"] <= 3:
                    print(f"    error: {type(exc).__name__}: {exc}", file=sys.stderr)
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                if client.verify_digest(DIGEST, bogus, slot):
                    out["false_verifies"] += 1
            except _Interrupt:  # a signal that was already on its way
                pass
            except Exception as exc:  # noqa: BLE001
                out["errors"] += 1
                if out["errors"] <= 3:
                    print(f"    error after an interrupt: {type(exc).__name__}: {exc}",
                          file=sys.stderr)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    try:
        client.remove_key(slot)
    except Exception:  # noqa: BLE001
        out["errors"] += 1
    return out


def _interrupt_figures(report: Report, name: str, opener: Any, count: int) -> None:
    try:
        with opener() as client:
            result = _interrupts(client, count, seed=len(name))
    except Exception as exc:  # noqa: BLE001
        print(f"    {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        result = {"interrupts": 0, "attempts": 0, "false_verifies": 0, "errors": 1}
    report.add(name, "interrupts", result["interrupts"], result["interrupts"] >= count)
    report.zero(name, "false verifies", result["false_verifies"])
    report.zero(name, "errors", result["errors"])


def phase_interrupts_daemon(report: Report, daemon: Daemon, base: int, watcher: Watcher,
                            count: int) -> None:
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    name = "interrupts daemon"
    _interrupt_figures(report, name, lambda: Client(SocketTransport(daemon.sock)), count)
    _phase_end(report, name, daemon, base, watcher)


def phase_interrupts_embedded(report: Report, work: Path, count: int) -> None:
    from softscm import Client

    _interrupt_figures(report, "interrupts embedded", lambda: Client.open(work / "intr"),
                       count)


# -- destruction with a concurrent reader -------------------------------------------------

_READER = """
import os, sys, time
from softscm import Client
parent = int(sys.argv[2])
while os.getppid() == parent:  # ends with the trial that started it
    try:
        with Client.open(sys.argv[1]) as scm:
            while os.getppid() == parent:
                scm.slots(); scm.public_key(16); scm.random_bytes(16)
    except Exception:
        time.sleep(0.001)
"""


def _known_secrets(home: Path, mnemonic: str) -> list[bytes]:
    """What must not survive a destruction: the sealed key records and sealed master
    keys as stored, and the wallet's mnemonic, seed and master private key."""
    seed = hashlib.pbkdf2_hmac("sha512", mnemonic.encode(), b"mnemonic", 2048)
    master = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()[:32]
    secrets = [mnemonic.encode(), seed, master]
    db = sqlite3.connect(f"file:{home / 'state.db'}?mode=ro", uri=True)
    try:
        for (sealed,) in db.execute("SELECT sealed FROM keys"):
            secrets.append(bytes(sealed))
        for (sealed,) in db.execute("SELECT sealed FROM wallet_session"):
            secrets.append(bytes(sealed))
        for name, value in db.execute("SELECT name, value FROM meta"):
            if isinstance(value, bytes) and ("seal" in name or "master" in name):
                secrets.append(value)
    finally:
        db.close()
    return [s for s in secrets if len(s) >= 16]


def _found(home: Path, secrets: list[bytes]) -> int:
    found = 0
    for path in sorted(home.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for secret in secrets:
            if secret[:16] in data or secret[-16:] in data:
                found += 1
                print(f"    secret ({len(secret)} bytes) found in {path.name}", file=sys.stderr)
    return found


def _destroy_trial(home: Path, sink: Any) -> None:
    """One trial, in a process of its own: a wallet and keys, production, a reader in
    another process, then the perimeter's self-destruct. Sends the known secrets as
    soon as it has them, then whether the module ended destroyed."""
    from mnemonic import Mnemonic

    from softscm import Client, Destroyed

    env = dict(os.environ)
    env.pop("SOFTSCM_SOCKET", None)
    words = Mnemonic("english").generate(128)
    reader = None
    try:
        with Client.open(home) as scm:
            scm.restore_wallet_bip39("secp256k1", "stress", words)
            for key_type in ("nistp256", "secp256k1", "ed25519"):
                scm.generate_key(key_type)
            sink.put(("secrets", _known_secrets(home, words)))
            scm.lock_binding()
            scm.sim.power_cycle()
            scm.sim.advance(15)
            reader = subprocess.Popen([sys.executable, "-c", _READER, str(home),
                                       str(os.getpid())], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            scm.set_perimeter_event_actions(0, notify=True, self_destruct=True)
            scm.sim.loop_open(0)
            try:
                scm.public_key(16)
                sink.put(("destroyed", False))
            except Destroyed:
                sink.put(("destroyed", True))
            time.sleep(0.3)
    except Exception as exc:  # noqa: BLE001
        sink.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if reader is not None:
            reader.kill()
            reader.wait()


def phase_destruction(report: Report, work: Path, trials: int) -> None:
    phase = "destruction + reader"
    found = errors = not_destroyed = crashed = 0
    ctx = multiprocessing.get_context("spawn")
    for trial in range(trials):
        home = work / f"destroy{trial}"
        sink = ctx.Queue()
        proc = ctx.Process(target=_destroy_trial, args=(home, sink))
        proc.start()
        messages: dict[str, Any] = {}
        while proc.is_alive() or not sink.empty():
            try:
                kind, value = sink.get(timeout=0.5)
            except Exception:  # noqa: BLE001 - nothing new
                continue
            messages[kind] = value
        proc.join()
        if proc.exitcode != 0:
            crashed += 1
            print(f"    trial {trial} ended with {_how(proc.exitcode)}", file=sys.stderr)
        if "error" in messages:
            errors += 1
            print(f"    trial {trial}: {messages['error']}", file=sys.stderr)
        if messages.get("destroyed") is False:
            not_destroyed += 1
        time.sleep(0.2)  # its reader notices its parent is gone
        found += _found(home, messages.get("secrets", []))
        shutil.rmtree(home, ignore_errors=True)
    report.add(phase, "trials", trials)
    report.zero(phase, "trials crashed", crashed)
    report.zero(phase, "secrets found in files", found)
    report.zero(phase, "modules not destroyed", not_destroyed)
    report.zero(phase, "errors", errors)


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"code {exitcode}"


# -- fuzzed frames ----------------------------------------------------------------------


def _fuzz_payload(rng: random.Random, ops: list[str]) -> bytes:
    choice = rng.random()
    if choice < 0.2:
        return rng.getrandbits(8 * 64).to_bytes(64, "big")[: rng.randrange(0, 64)]
    if choice < 0.3:
        return _PREFIX.pack(rng.choice([0, 1, 5, 1 << 31, 0xFFFFFFFF])) + b"\x93\x01"

    def value(depth: int = 0) -> Any:
        kind = rng.randrange(8 if depth < 2 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rng.random() < 0.5
        if kind == 2:
            return rng.randrange(-2**63, 2**64)
        if kind == 3:
            return os.urandom(rng.randrange(0, 48))
        if kind == 4:
            return "x" * rng.randrange(0, 16)
        if kind == 5:
            return rng.random()
        if kind == 6:
            return [value(depth + 1) for _ in range(rng.randrange(0, 4))]
        return {str(rng.randrange(10)): value(depth + 1) for _ in range(rng.randrange(0, 4))}

    names = ["slot", "digest", "data", "key", "num_bytes", "handle", "foreign", "key_type",
             "blob", "context", "timeout_ms", "kind", "signature"]
    args = {rng.choice(names): value() for _ in range(rng.randrange(0, 4))}
    body = msgpack.packb([rng.choice([2, 2, 2, 1, 0]), rng.randrange(0, 2**32),
                          rng.choice(ops), args], use_bin_type=True)
    if rng.random() < 0.1:
        body = body[: rng.randrange(0, len(body) + 1)]
    return _PREFIX.pack(len(body)) + body


def phase_fuzz(report: Report, work: Path, frames: int) -> None:
    from softscm import Client

    phase = "fuzzed frames"
    home = work / "fuzz"
    Client.open(home).close()
    daemon = Daemon(home, work / "fuzz.sock")
    watcher = Watcher(daemon.sock)
    base = daemon.rss_kib()
    try:
        _fuzz(daemon, frames)
        report.add(phase, "frames sent", frames)
        _phase_end(report, phase, daemon, base, watcher)
    finally:
        watcher.stop()
        code, _ = daemon.stop()
    report.add(phase, "daemon exit code on SIGTERM", code, code == 0)


def _fuzz(daemon: Daemon, frames: int) -> None:
    from softscm.module import Module

    rng = random.Random(9)
    ops = sorted(Module.OPERATIONS) + ["bogus", ""]
    sent = 0
    while sent < frames:
        batch = min(frames - sent, rng.randrange(1, 50))
        payload = b"".join(_fuzz_payload(rng, ops) for _ in range(batch))
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                s.connect(str(daemon.sock))
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
        except OSError:
            pass
        sent += batch


# -- idle connections and abandoned waits -------------------------------------------------


def _raw(request_id: int, op: str, **args: Any) -> bytes:
    body = msgpack.packb([2, request_id, op, args], use_bin_type=True)
    return _PREFIX.pack(len(body)) + body


def phase_idle(report: Report, daemon: Daemon, base: int, watcher: Watcher,
               count: int) -> None:
    phase = "idle connections"
    held: list[socket.socket] = []
    failed_connects = 0
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(daemon.sock))
            held.append(s)
        except OSError:
            s.close()
            failed_connects += 1
    time.sleep(1.0)  # the daemon accepts or refuses each of them
    kept = 0
    for s in held:
        s.setblocking(False)
        try:
            kept += s.recv(1) != b""
        except BlockingIOError:
            kept += 1  # still open, nothing said
        except OSError:
            pass
    report.add(phase, "connections opened", count)
    report.add(phase, "held open by the daemon", kept)
    report.add(phase, "refused by the daemon", count - kept - failed_connects)
    for s in held:
        s.close()
    _phase_end(report, phase, daemon, base, watcher)


def phase_abandoned_waits(report: Report, daemon: Daemon, base: int, watcher: Watcher,
                          count: int) -> None:
    phase = "abandoned waits"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(daemon.sock))
        s.sendall(_raw(1, "session_open", context=RAW_CONTEXT))
        s.recv(65536)
    time.sleep(0.3)
    baseline = daemon.threads()
    slowest = 0.0
    peak = baseline
    done = 0
    while done < count:
        batch = min(50, count - done)
        socks = []
        for i in range(batch):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(daemon.sock))
            s.sendall(_raw(i + 1, "wait", kind="perimeter", context=RAW_CONTEXT,
                           timeout_ms=-1))
            socks.append(s)
        deadline = time.monotonic() + 10
        while daemon.threads() < baseline + batch and time.monotonic() < deadline:
            time.sleep(0.01)
        peak = max(peak, daemon.threads())
        start = time.monotonic()
        for s in socks:
            s.close()
        while daemon.threads() > baseline and time.monotonic() - start < 30:
            time.sleep(0.01)
        slowest = max(slowest, time.monotonic() - start)
        done += batch
    left = daemon.threads() - baseline
    report.add(phase, "waits abandoned", done)
    report.add(phase, "daemon threads at the peak", peak)
    report.zero(phase, "wait threads left", max(0, left))
    report.add(phase, "slowest batch freed (s)", round(slowest, 3), slowest <= 1.0)
    _phase_end(report, phase, daemon, base, watcher)


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the documented sizes")
    for name, default in QUICK.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                            help=f"quick {default}, full {FULL[name]}")
    parser.add_argument("--skip", action="append", default=[],
                        help="phase to skip (daemon, embedded, kill, interrupts, destroy, "
                             "fuzz, idle, waits); repeatable")
    args = parser.parse_args(argv)
    sizes = dict(FULL if args.full else QUICK)
    for name in sizes:
        value = getattr(args, name)
        if value is not None:
            sizes[name] = value
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = Path(tempfile.mkdtemp(prefix="scm-stress", dir="/tmp"))
    os.environ["SOFTSCM_HOME"] = str(work / "default")
    os.environ["XDG_RUNTIME_DIR"] = str(work)
    os.environ.pop("SOFTSCM_SOCKET", None)
    report = Report()
    print(f"softscm stress ({'full' if args.full else 'quick'}): "
          + ", ".join(f"{k}={v}" for k, v in sizes.items()), flush=True)
    skip = set(args.skip)
    daemon = None
    watcher = None
    try:
        from softscm import Client

        home = work / "served"
        Client.open(home).close()
        daemon = Daemon(home, work / "served.sock")
        watcher = Watcher(daemon.sock)
        time.sleep(0.5)
        base = daemon.rss_kib()
        report.add("daemon", "resident memory at start (MB)", round(base / 1024, 1))
        if "daemon" not in skip:
            phase_daemon_concurrency(report, daemon, base, watcher, sizes["procs"],
                                     sizes["ops"])
        if "interrupts" not in skip:
            phase_interrupts_daemon(report, daemon, base, watcher, sizes["interrupts"] // 2)
        if "idle" not in skip:
            phase_idle(report, daemon, base, watcher, sizes["idle"])
        if "waits" not in skip:
            phase_abandoned_waits(report, daemon, base, watcher, sizes["abandoned"])
        watcher.stop()
        watcher = None
        code, took = daemon.stop()
        report.add("daemon", "exit code on SIGTERM", code, code == 0)
        report.add("daemon", "seconds to stop", round(took, 2), took <= 5.0)
        daemon = None
        if "fuzz" not in skip:
            phase_fuzz(report, work, sizes["fuzz_frames"])
        if "interrupts" not in skip:
            isolated(report, "interrupts embedded", phase_interrupts_embedded, work,
                     sizes["interrupts"] - sizes["interrupts"] // 2)
        if "embedded" not in skip:
            isolated(report, "embedded concurrency", phase_embedded_concurrency, work,
                     sizes["procs"], sizes["ops"], sizes["embedded_runs"])
        if "kill" not in skip:
            isolated(report, "SIGKILL daemon", phase_kill_daemon, work, sizes["kill_rounds"])
            isolated(report, "SIGKILL embedded", phase_kill_embedded, work,
                     sizes["kill_rounds"])
        if "destroy" not in skip:
            phase_destruction(report, work, sizes["destroy_trials"])
    finally:
        if watcher is not None:
            watcher.stop()
        if daemon is not None and daemon.alive():
            daemon.kill()
        shutil.rmtree(work, ignore_errors=True)
    missed = report.missed()
    print(f"\n{len(report.figures)} figures, {len(missed)} goal(s) missed"
          + ("" if not missed else ": " + "; ".join(f"{f.phase}: {f.name} = {f.value}"
                                                  for f in missed)), flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
