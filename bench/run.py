"""softscm benchmarks: operations per second through ``zymkey`` in-process, each next to
the raw library call measured in the same run, with the ratio (higher is better), then the
daemon's figures (``bench/daemon.py``).

Run: ``python3 bench/run.py`` (``--quick`` for a short run, ``--rounds N`` rounds per
figure (the median is compared; the noise column is max - min over median),
``--profile`` to print where the time goes on each hot path). Uses a throw-away state
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import DEFAULT_ROUNDS, header, profile, rate, row  # noqa: E402

MSG = b"softscm benchmark message"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short measurements")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help="rounds per figure (min/median/max)")
    parser.add_argument("--profile", action="store_true",
                        help="print where the time goes on the hot paths")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else 1.5
    rounds = max(1, args.rounds)

    def timed(fn: Callable[[], Any], span: float = seconds) -> Any:
        return rate(fn, span, rounds)

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

    header(ours="zymkey/s")
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
        row(f"keygen {curve}", ours, timed(raw_gen, seconds / 3))
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
        row(f"sign {curve}", timed(lambda slot=slot: zk.sign_digest(hashlib.sha256(MSG), slot)),
            timed(raw_sign), target)
    k1_slot = slots["secp256k1"]
    row("sign secp256k1 vs cryptography",
        timed(lambda: zk.sign_digest(hashlib.sha256(MSG), k1_slot)),
        timed(lambda: k1_crypto.sign(digest(), ecdsa)), "target >= 10x")

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
            timed(lambda slot=slot, sig=sig: zk.verify_digest(hashlib.sha256(MSG), sig,
                                                              pubkey_slot=slot)),
            timed(raw_verify), target)
    k1_sig = zk.sign_digest(hashlib.sha256(MSG), k1_slot)
    k1_pub = coincurve.PublicKey(k1.public_key.format())
    k1_raw_sig = k1.sign(digest(), hasher=None)
    row("verify secp256k1",
        timed(lambda: zk.verify_digest(hashlib.sha256(MSG), k1_sig, pubkey_slot=k1_slot)),
        timed(lambda: k1_pub.verify(k1_raw_sig, digest(), hasher=None)), "(coincurve)")

    # ECDH.
    for curve, cls in (("nistp256", ec.SECP256R1), ("secp256k1", ec.SECP256K1)):
        peer = ec.generate_private_key(cls())
        from cryptography.hazmat.primitives import serialization

        peer_raw = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
        mine = ec.generate_private_key(cls())
        peer_pub = peer.public_key()
        slot = slots[curve]
        row(f"ecdh {curve}", timed(lambda slot=slot, p=peer_raw: zk.ecdh(slot, p)),
            timed(lambda m=mine, p=peer_pub: m.exchange(ec.ECDH(), p)))
    xpeer = x25519.X25519PrivateKey.generate()
    xraw = xpeer.public_key().public_bytes_raw()
    xmine = x25519.X25519PrivateKey.generate()
    xpub = xpeer.public_key()
    xslot = slots["x25519"]
    row("ecdh x25519", timed(lambda: zk.ecdh(xslot, xraw)),
        timed(lambda: xmine.exchange(xpub)))

    # Lock / unlock.
    aes = AESGCM(os.urandom(32))
    for size, label in ((64, "64 B"), (1 << 20, "1 MiB")):
        data = os.urandom(size)
        blob = zk.lock(data)
        nonce = os.urandom(12)
        sealed = aes.encrypt(nonce, data, None)
        target = "target >= 0.70x" if size > 64 else ""
        row(f"lock {label}", timed(lambda d=data: zk.lock(d)),
            timed(lambda d=data: aes.encrypt(os.urandom(12), d, None)), target)
        row(f"unlock {label}", timed(lambda b=blob: zk.unlock(b)),
            timed(lambda s=sealed, n=nonce: aes.decrypt(n, s, None)), target)

    # Per-operation cost must not grow with the number of keys.
    raw_rate = timed(lambda: p256.sign(digest(), ecdsa))
    with_16 = timed(lambda: zk.sign_digest(hashlib.sha256(MSG), 0))
    allocated = len(zk.get_slot_alloc_list()[0])
    while allocated < 16 + 512:
        zk.gen_key_pair("x25519")
        allocated += 1
    with_512 = timed(lambda: zk.sign_digest(hashlib.sha256(MSG), 0))
    row("sign nistp256, 16 keys in store", with_16, raw_rate)
    row("sign nistp256, 512 keys in store", with_512, raw_rate,
        f"{float(with_512) / float(with_16):.2f}x of the 16-key rate")
    if args.profile:
        profile("sign nistp256 through zymkey, in-process",
                lambda: zk.sign_digest(hashlib.sha256(MSG), 0), 20_000)

    import daemon
    from softscm import Client

    with Client.open(tempfile.mkdtemp(prefix="softscm-bench-")) as local:
        native = timed(lambda: local.sign_digest(hashlib.sha256(MSG).digest(), 0))
    daemon.run(seconds, native, rounds=rounds, profile_daemon=args.profile)


if __name__ == "__main__":
    main()
