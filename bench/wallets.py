"""softscm wallet benchmarks, each next to the reference library measured in the same run:

- child-key derivations per second through ``zymkey`` (``gen_wallet_child_key``, hardened
  and not, a new slot each) and a raw BIP32 derivation on ``coincurve`` (HMAC-SHA512 and a
  scalar tweak, nothing stored);
- SLIP39 split and recover times through ``zymkey`` (a generation session and a restore
  session, share by share) and with ``shamir_mnemonic`` (``generate_mnemonics`` and
  ``combine_mnemonics``) for the same groups and iteration exponent.

Run: ``python3 bench/wallets.py`` (``--quick`` for a short run). Uses a throw-away state
directory.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

#: SLIP39 layout of the split/recover rows: (member threshold, member count) per group.
GROUPS = [(2, 3), (3, 5), (1, 1)]
#: How many groups rebuild the secret.
GROUP_THRESHOLD = 2
#: Children derived under one master before the wallet is removed (the key store has
#: 512 slots).
BATCH = 200


def per_second(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``fn``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def row(name: str, ours: float, reference: float, unit: str, higher_is_better: bool) -> None:
    ratio = ours / reference if higher_is_better else reference / ours
    print(f"{name:<40} {ours:>12,.4g} {reference:>12,.4g} {unit:<6} {ratio:>7.2f}x")


def raw_child(private: bytes, chain: bytes, number: int) -> tuple[bytes, bytes]:
    """One BIP32 CKDpriv step on coincurve (the reference for derivation speed)."""
    import coincurve

    key = coincurve.PrivateKey(private)
    suffix = number.to_bytes(4, "big")
    if number >= 2**31:
        data = b"\x00" + private + suffix
    else:
        data = key.public_key.format(compressed=True) + suffix
    digest = hmac.new(chain, data, hashlib.sha512).digest()
    return key.add(digest[:32]).secret, digest[32:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short measurements")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else 2.0
    repeat = 2 if args.quick else 5
    exponent = 0 if args.quick else 1

    os.environ["SOFTSCM_HOME"] = tempfile.mkdtemp(prefix="softscm-bench-")
    import shamir_mnemonic

    import zymkey

    zk = zymkey.client
    if zk is None:
        sys.exit("zymkey.client is None: no module reachable")

    print(f"{'operation':<40} {'zymkey':>12} {'reference':>12} {'unit':<6} {'ratio':>8}")

    # Child-key derivation: a new slot per call; the wallet is renewed every BATCH keys.
    for hardened in (True, False):
        state = {"master": zk.gen_wallet_master_seed("secp256k1", "", "bench"), "n": 0}

        def derive(hardened: bool = hardened, state: dict[str, int] = state) -> None:
            if state["n"] == BATCH:
                zk.remove_key(state["master"])
                state["master"] = zk.gen_wallet_master_seed("secp256k1", "", "bench")
                state["n"] = 0
            zk.gen_wallet_child_key(state["master"], state["n"], hardened)
            state["n"] += 1

        ours = per_second(derive, seconds)
        zk.remove_key(state["master"])
        private = hashlib.sha256(b"bench").digest()
        chain = hashlib.sha256(b"chain").digest()
        counter = iter(range(2**31))

        def reference(hardened: bool = hardened, private: bytes = private,
                      chain: bytes = chain, counter: Any = counter) -> None:
            raw_child(private, chain, next(counter) + (2**31 if hardened else 0))

        kind = "hardened" if hardened else "non-hardened"
        row(f"child key secp256k1, {kind}", ours, per_second(reference, seconds), "/s", True)

    # SLIP39 split: a generation session, group by group, vs generate_mnemonics.
    secret = hashlib.sha256(b"slip39").digest()
    made: dict[str, Any] = {}

    def split() -> None:
        made.pop("slot", None)
        strategy = zymkey.RecoveryStrategySLIP39(len(GROUPS), GROUP_THRESHOLD, exponent)
        zk.gen_wallet_master_seed("secp256k1", "", "slip39", strategy)
        shares: list[list[str]] = []
        for index, (threshold, count) in enumerate(GROUPS):
            zk.set_gen_SLIP39_group_info(index, count, threshold)
            shares.append([])
            for _ in range(count):
                ret, mnemonic = zk.add_gen_SLIP39_member_pwd()
                shares[-1].append(mnemonic)
                if ret >= 0:
                    made["slot"] = ret
        made["shares"] = shares
        zk.remove_key(made["slot"])

    ours_split = best_time(split, repeat)
    reference_split = best_time(
        lambda: shamir_mnemonic.generate_mnemonics(GROUP_THRESHOLD, GROUPS, secret, b"",
                                                   iteration_exponent=exponent), repeat)
    row(f"SLIP39 split {len(GROUPS)} groups, e={exponent}", ours_split * 1e3,
        reference_split * 1e3, "ms", False)

    # SLIP39 recover: the shares of two groups fed one at a time vs combine_mnemonics.
    subset = made["shares"][0][:GROUPS[0][0]] + made["shares"][2]

    def recover() -> None:
        strategy = zymkey.RecoveryStrategySLIP39(len(GROUPS), GROUP_THRESHOLD, exponent)
        zk.restore_wallet_master_seed("secp256k1", "", "slip39", strategy)
        slot = -1
        for share in subset:
            slot = zk.add_restore_SLIP39_mnemonic(share)
        if slot < 0:
            sys.exit("SLIP39 restore did not complete")
        zk.remove_key(slot)

    theirs = shamir_mnemonic.generate_mnemonics(GROUP_THRESHOLD, GROUPS, secret, b"",
                                                iteration_exponent=exponent)
    their_subset = theirs[0][:GROUPS[0][0]] + theirs[2]
    ours_recover = best_time(recover, repeat)
    reference_recover = best_time(
        lambda: shamir_mnemonic.combine_mnemonics(their_subset, b""), repeat)
    row(f"SLIP39 recover {len(subset)} shares, e={exponent}", ours_recover * 1e3,
        reference_recover * 1e3, "ms", False)
    print("ratio: zymkey rate / reference rate (for times: reference time / zymkey time); "
          "higher is better")


if __name__ == "__main__":
    main()
