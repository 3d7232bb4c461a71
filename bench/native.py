"""C library figures: P-256 signatures per second through ``libzk_app_utils`` (a C
program, one and four processes) next to the Python client over the same socket, and
SoftHSM2's PKCS#11 ``C_Sign`` when it is installed, all measured in the same run.

Run alone: ``python3 bench/native.py [--quick]`` (builds ``native/`` into a temporary
directory with ``make``; needs gcc and make).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MSG_DIGEST = hashlib.sha256(b"softscm benchmark message").digest()
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so",
                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                   "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")

#: A C program that signs for the given number of seconds and prints its rate.
SIGNER_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "zk_app_utils.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    uint8_t digest[32];
    memset(digest, 0x5a, sizeof(digest));
    zkCTX ctx;
    if (zkOpen(&ctx) < 0)
        return 1;
    uint8_t* sig;
    int sig_sz;
    if (zkGenECDSASigFromDigest(ctx, digest, 0, &sig, &sig_sz) < 0)
        return 1;
    free(sig);
    long n = 0;
    double start = now();
    while (now() - start < seconds) {
        if (zkGenECDSASigFromDigest(ctx, digest, 0, &sig, &sig_sz) < 0)
            return 1;
        free(sig);
        n++;
    }
    printf("%f\n", n / (now() - start));
    zkClose(ctx);
    return 0;
}
"""


def _rate(fn: Any, seconds: float) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def _build(work: Path) -> Path:
    """Build the library and the signer program; returns the program."""
    prefix = work / "prefix"
    subprocess.run(["make", "-s", "-C", str(ROOT / "native"), f"BUILD={work / 'build'}",
                    f"PREFIX={prefix}", "install"], check=True)
    source = work / "signer.c"
    source.write_text(SIGNER_C)
    program = work / "signer"
    subprocess.run(["gcc", "-O2", str(source), "-I", str(prefix / "include" / "zymkey"),
                    "-L", str(prefix / "lib"), "-l", "zk_app_utils", "-o", str(program)],
                   check=True)
    return program


def _c_rate(program: Path, env: dict[str, str], processes: int, seconds: float) -> float:
    procs = [subprocess.Popen([str(program), str(seconds)], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(processes)]
    total = 0.0
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds * 10 + 60)
        if proc.returncode != 0:
            sys.exit("the C signer failed")
        total += float(out)
    return total


def _python_signer(path: str, seconds: float, queue: Any) -> None:
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    with Client(SocketTransport(Path(path))) as scm:
        queue.put(_rate(lambda: scm.sign_digest(MSG_DIGEST, 0), seconds))


def _python_rate(path: str, processes: int, seconds: float) -> float:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_python_signer, args=(path, seconds, queue))
               for _ in range(processes)]
    for w in workers:
        w.start()
    total = sum(queue.get(timeout=seconds * 10 + 120) for _ in workers)
    for w in workers:
        w.join(30)
    return float(total)


def _softhsm_module() -> str | None:
    return next((m for m in SOFTHSM_MODULES if os.path.exists(m)), None)


def _softhsm_signer(module: str, conf: str, seconds: float, queue: Any) -> None:
    os.environ["SOFTHSM2_CONF"] = conf
    try:
        import pkcs11
        from pkcs11 import KeyType, Mechanism, ObjectClass

        token = pkcs11.lib(module).get_token(token_label="bench")
        with token.open(user_pin="1234") as session:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC,
                                  label="bench")
            queue.put(_rate(lambda: key.sign(MSG_DIGEST, mechanism=Mechanism.ECDSA), seconds))
    except Exception as exc:  # reported by the parent
        queue.put(f"{type(exc).__name__}: {exc}")


def _softhsm_token(work: Path) -> tuple[str, str] | None:
    """A SoftHSM2 token holding a P-256 key: ``(module, SOFTHSM2_CONF)``, or None when
    SoftHSM2 or python-pkcs11 is not installed."""
    module = _softhsm_module()
    try:
        import pkcs11
        from pkcs11.util.ec import encode_named_curve_parameters
    except ImportError:
        return None
    if module is None or shutil.which("softhsm2-util") is None:
        return None
    tokens = work / "tokens"
    tokens.mkdir(exist_ok=True)
    conf = work / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "bench",
                    "--so-pin", "5678", "--pin", "1234"],
                   env=dict(os.environ, SOFTHSM2_CONF=str(conf)), check=True,
                   capture_output=True)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = pkcs11.lib(module).get_token(token_label="bench")
    with token.open(rw=True, user_pin="1234") as session:
        params = session.create_domain_parameters(
            pkcs11.KeyType.EC,
            {pkcs11.Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
            local=True)
        params.generate_keypair(store=True, label="bench")
    return module, str(conf)


def _softhsm_rate(token: tuple[str, str], processes: int, seconds: float) -> float:
    """C_Sign (CKM_ECDSA over a digest, P-256) per second over ``processes``."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_softhsm_signer, args=(*token, seconds, queue))
               for _ in range(processes)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=seconds * 10 + 120) for _ in workers]
    for w in workers:
        w.join(30)
    errors = [r for r in results if isinstance(r, str)]
    if errors:
        sys.exit(f"SoftHSM2 signer failed: {errors[0]}")
    return float(sum(results))


def run(seconds: float) -> None:
    """Build, start a daemon on a throw-away state, and print the figures."""
    for tool in ("gcc", "make"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed to build the C library")
    work = Path(tempfile.mkdtemp(prefix="softscm-bench-native-"))
    program = _build(work)
    home = work / "home"
    sock_dir = tempfile.mkdtemp(prefix="scm", dir="/tmp")
    path = os.path.join(sock_dir, "d.sock")
    proc = subprocess.Popen([sys.executable, "-m", "softscm", "serve", "--socket", path],
                            env=dict(os.environ, SOFTSCM_HOME=str(home)),
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("the daemon did not start")
            time.sleep(0.05)
        env = dict(os.environ, SOFTSCM_SOCKET=path,
                   LD_LIBRARY_PATH=str(work / "prefix" / "lib"))
        rows = [
            ("libzk_app_utils, 1 process", _c_rate(program, env, 1, seconds)),
            ("libzk_app_utils, 4 processes", _c_rate(program, env, 4, seconds)),
            ("Python client, 1 process", _python_rate(path, 1, seconds)),
            ("Python client, 4 processes", _python_rate(path, 4, seconds)),
        ]
    finally:
        proc.terminate()
        proc.wait(30)
    token = _softhsm_token(work)
    softhsm = [(f"SoftHSM2 C_Sign, {n} process{'es' if n > 1 else ''}",
                _softhsm_rate(token, n, seconds)) for n in (1, 4)] if token else []
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(sock_dir, ignore_errors=True)
    reference = rows[2][1]
    print()
    print(f"{'sign nistp256 (ops/s)':<34} {'value':>12} {'vs Python, 1':>13}")
    for name, value in rows + softhsm:
        print(f"{name:<34} {value:>12,.0f} {value / reference:>12.2f}x")
    if token is None:
        print("SoftHSM2 not measured: install it with `apt-get install softhsm2` and "
              "`pip install python-pkcs11`")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(0.3 if parser.parse_args().quick else 2.0)
