"""``python3 bench/profiled_daemon.py OUT serve ...``: ``softscm serve ...`` with every
thread profiled (the serving thread and each wait's), the statistics of all of them
written together to ``OUT`` when the daemon ends (``bench/daemon.py --profile``)."""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import threading
from typing import Any

from softscm.service import server

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_wait = server.Server._wait


def _profiled_wait(self: Any, *args: Any) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        _wait(self, *args)
    finally:
        profiler.disable()
        with _lock:
            _profiles.append(profiler)


def main() -> None:
    out = sys.argv[1]
    sys.argv = ["softscm", *sys.argv[2:]]
    server.Server._wait = _profiled_wait  # type: ignore[method-assign]
    main_profile = cProfile.Profile()
    main_profile.enable()
    try:
        runpy.run_module("softscm", run_name="__main__", alter_sys=True)
    finally:
        main_profile.disable()
        with _lock:
            stats = pstats.Stats(main_profile)
            for profile in _profiles:
                stats.add(profile)
        stats.dump_stats(out)


if __name__ == "__main__":
    main()
