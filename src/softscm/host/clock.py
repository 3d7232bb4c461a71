"""The real clock, as the module's injected clock."""

from __future__ import annotations

import time


class SystemClock:
    """Wall-clock time in epoch seconds, and real sleeping."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block the caller for ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)
