"""softscm benchmarks: operations per second through ``zymkey`` in-process, each next to
the raw library call measured in the same run, with the ratio (higher is better).

Run: ``python3 bench/run.py`` (``--quick`` for a short run). Uses a throw-away state
directory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

MSG = b"softscm benchmark message"


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn``, over about ``seconds`` (best of three rounds)."""
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 10:
        fn()
        n += 1
    batch = max(1, n)
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(batch * 3):
            fn()
        best = max(best, batch * 3 / (time.perf_counter() - t0))
    return best


def row(name: str, ours: float, raw: float, target: str = "") -> None:
    ratio = ours / raw if raw else float("nan")
    print(f"{name:<34} {ours:>12,.0f} {raw:>12,.0f} {ratio:>8.2f}x  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short measurements")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else 1.5

    home = tempfile.mkdtemp(prefix="softscm-bench-")
    os.environ["SOFTSCM_HOME"] = home
    import coincurve
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    import zymkey

    zk = zymkey.client
    if zk is None:
        sys.exit("zymkey.client is None: no module reachable")

    print(f"{'operation':<34} {'zymkey/s':>12} {'raw/s':>12} {'ratio':>9}  target")
    ecdsa = ec.ECDSA(Prehashed(hashes.SHA256()))

    # Key generation.
    curves: dict[str, Callable[[], Any]] = {
        "nistp256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "secp256k1": lambda: coincurve.PrivateKey(),
        "ed25519": ed25519.Ed25519PrivateKey.generate,
        "x25519": x25519.X25519PrivateKey.generate,
    }
    slots: dict[str, int] = {}
    for curve, raw_gen in curves.items():
        # A fixed batch: the key store holds 512 keys, so a timed loop could fill it.
        batch = 100
        t0 = time.perf_counter()
        made = [zk.gen_key_pair(curve) for _ in range(batch)]
        ours = batch / (time.perf_counter() - t0)
        row(f"keygen {curve}", ours, rate(raw_gen, seconds / 3))
        slots[curve] = made[0]
        for slot in made[1:]:
            zk.remove_key(slot)

    # Sign and verify.
    p256 = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    k1_crypto = ec.generate_private_key(ec.SECP256K1())
    k1 = coincurve.PrivateKey()

    def digest() -> bytes:
        return hashlib.sha256(MSG).digest()

    for curve, raw_sign, target in (
        ("nistp256", lambda: p256.sign(digest(), ecdsa), "target >= 0.70x"),
        ("ed25519", lambda: ed.sign(digest()), "target >= 0.70x"),
        ("secp256k1", lambda: k1.sign_recoverable(digest(), hasher=None), "(coincurve)"),
    ):
        slot = slots[curve]
        row(f"sign {curve}", rate(lambda slot=slot: zk.sign_digest(hashlib.sha256(MSG), slot),
                                  seconds), rate(raw_sign, seconds), target)
    k1_slot = slots["secp256k1"]
    row("sign secp256k1 vs cryptography",
        rate(lambda: zk.sign_digest(hashlib.sha256(MSG), k1_slot), seconds),
        rate(lambda: k1_crypto.sign(digest(), ecdsa), seconds), "target >= 10x")

    p256_sig = p256.sign(digest(), ecdsa)
    p256_pub = p256.public_key()
    ed_sig = ed.sign(digest())
    ed_pub = ed.public_key()
    for curve, raw_verify, target in (
        ("nistp256", lambda: p256_pub.verify(p256_sig, digest(), ecdsa), "target >= 0.70x"),
        ("ed25519", lambda: ed_pub.verify(ed_sig, digest()), "target >= 0.70x"),
    ):
        slot = slots[curve]
        sig = zk.sign_digest(hashlib.sha256(MSG), slot)
        row(f"verify {curve}",
            rate(lambda slot=slot, sig=sig: zk.verify_digest(hashlib.sha256(MSG), sig,
                                                             pubkey_slot=slot), seconds),
            rate(raw_verify, seconds), target)
    k1_sig = zk.sign_digest(hashlib.sha256(MSG), k1_slot)
    k1_pub = coincurve.PublicKey(k1.public_key.format())
    k1_raw_sig = k1.sign(digest(), hasher=None)
    row("verify secp256k1",
        rate(lambda: zk.verify_digest(hashlib.sha256(MSG), k1_sig, pubkey_slot=k1_slot), seconds),
        rate(lambda: k1_pub.verify(k1_raw_sig, digest(), hasher=None), seconds), "(coincurve)")

    # ECDH.
    for curve, cls in (("nistp256", ec.SECP256R1), ("secp256k1", ec.SECP256K1)):
        peer = ec.generate_private_key(cls())
        from cryptography.hazmat.primitives import serialization

        peer_raw = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
        mine = ec.generate_private_key(cls())
        peer_pub = peer.public_key()
        slot = slots[curve]
        row(f"ecdh {curve}", rate(lambda slot=slot, p=peer_raw: zk.ecdh(slot, p), seconds),
            rate(lambda m=mine, p=peer_pub: m.exchange(ec.ECDH(), p), seconds))
    xpeer = x25519.X25519PrivateKey.generate()
    xraw = xpeer.public_key().public_bytes_raw()
    xmine = x25519.X25519PrivateKey.generate()
    xpub = xpeer.public_key()
    xslot = slots["x25519"]
    row("ecdh x25519", rate(lambda: zk.ecdh(xslot, xraw), seconds),
        rate(lambda: xmine.exchange(xpub), seconds))

    # Lock / unlock.
    aes = AESGCM(os.urandom(32))
    for size, label in ((64, "64 B"), (1 << 20, "1 MiB")):
        data = os.urandom(size)
        blob = zk.lock(data)
        nonce = os.urandom(12)
        sealed = aes.encrypt(nonce, data, None)
        target = "target >= 0.70x" if size > 64 else ""
        row(f"lock {label}", rate(lambda d=data: zk.lock(d), seconds),
            rate(lambda d=data: aes.encrypt(os.urandom(12), d, None), seconds), target)
        row(f"unlock {label}", rate(lambda b=blob: zk.unlock(b), seconds),
            rate(lambda s=sealed, n=nonce: aes.decrypt(n, s, None), seconds), target)

    # Per-operation cost must not grow with the number of keys.
    raw_rate = rate(lambda: p256.sign(digest(), ecdsa), seconds)
    with_16 = rate(lambda: zk.sign_digest(hashlib.sha256(MSG), 0), seconds)
    allocated = len(zk.get_slot_alloc_list()[0])
    while allocated < 16 + 512:
        zk.gen_key_pair("x25519")
        allocated += 1
    with_512 = rate(lambda: zk.sign_digest(hashlib.sha256(MSG), 0), seconds)
    row("sign nistp256, 16 keys in store", with_16, raw_rate)
    row("sign nistp256, 512 keys in store", with_512, raw_rate,
        f"{with_512 / with_16:.2f}x of the 16-key rate")

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import daemon
    from softscm import Client

    with Client.open(tempfile.mkdtemp(prefix="softscm-bench-")) as local:
        native = rate(lambda: local.sign_digest(hashlib.sha256(MSG).digest(), 0), seconds)
    daemon.run(seconds, native)


if __name__ == "__main__":
    main()
