"""Measuring for the benches: rates over several rounds (min / median / max and the
noise between them), the rows that print them next to a reference, and a profile summary
of a hot path (``--profile``)."""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple

#: Rounds per figure unless ``--rounds`` says otherwise.
DEFAULT_ROUNDS = 5
#: Functions listed per profile summary.
PROFILE_LINES = 12


class Rate(NamedTuple):
    """Calls per second over several rounds."""

    low: float
    median: float
    high: float

    @property
    def noise(self) -> float:
        """Spread of the rounds relative to their median (0.05 = 5 %)."""
        return (self.high - self.low) / self.median if self.median else float("nan")

    def __float__(self) -> float:
        return self.median


def rate(fn: Callable[[], Any], seconds: float, rounds: int = DEFAULT_ROUNDS) -> Rate:
    """Calls per second of ``fn``: ``rounds`` rounds sharing about ``seconds``, after a
    warm-up that sizes the batch of one round."""
    fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / (rounds * 4):
        fn()
        calls += 1
    batch = max(1, calls * 4)
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        rates.append(batch / (time.perf_counter() - t0))
    return Rate(min(rates), statistics.median(rates), max(rates))


def header(left: str = "operation", ours: str = "softscm/s", reference: str = "raw/s") -> None:
    print(f"{left:<36} {ours:>12} {reference:>12} {'ratio':>8}  {'noise':>6}  target")


def row(name: str, ours: Rate | float, reference: Rate | float, target: str = "") -> float:
    """Print one figure: our median, the reference's, their ratio, the larger noise of the
    two (max - min over median); returns the ratio."""
    ratio = float(ours) / float(reference) if float(reference) else float("nan")
    noise = max((r.noise for r in (ours, reference) if isinstance(r, Rate)), default=0.0)
    print(f"{name:<36} {float(ours):>12,.0f} {float(reference):>12,.0f} {ratio:>7.2f}x"
          f"  {noise:>5.0%}  {target}")
    return ratio


def profile(name: str, fn: Callable[[], Any], calls: int) -> None:
    """Run ``fn`` ``calls`` times under cProfile and print where the time went (internal
    time per function, the top ``PROFILE_LINES``)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    print_profile(name, pstats.Stats(profiler), calls)


def print_profile(name: str, stats: pstats.Stats, calls: int) -> None:
    """Print a summary of ``stats`` for ``calls`` calls of one figure."""
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    total = getattr(stats, "total_tt", 0.0)
    print(f"\n-- profile: {name} ({calls:,} calls, {total / calls * 1e6:.1f} us each)")
    for line in lines[start:]:
        print("   " + line)
