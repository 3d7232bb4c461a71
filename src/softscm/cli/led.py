"""``softscm led``: the module's LED, live in the terminal or as its recorded timeline
(``scm-behaviour.md`` §5.8)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import click

from softscm.cli.common import INTEGER, Command, State, emit, json_option

#: Screen refreshes per second of the live view.
REFRESH_PER_SECOND = 20
#: A ``since_ms`` later than any module time: asks only for ``now_ms``.
_FAR_FUTURE_MS = 2**62


@click.command(cls=Command)
@click.option("--log", "show_log", is_flag=True,
              help="Print the recorded timeline: the on/off segments, then the spans.")
@click.option("--since", "since_ms", type=INTEGER, default=0, metavar="MS",
              help="With --log: only what lasts past this module time, in ms.")
@click.option("--for", "duration", type=float, default=None, metavar="SECONDS",
              help="Live view: stop after this many seconds (default: until Ctrl-C).")
@json_option
@click.pass_obj
def led(state: State, show_log: bool, since_ms: int, duration: float | None,
        as_json: bool) -> None:
    """Show the LED live (a dot on or off and the pattern's label; Ctrl-C to stop), or
    with --log the segments (start, duration, state) and the labelled spans. --json
    prints the two lists."""
    client = state.operator()
    if show_log or as_json:
        timeline = client.led_timeline(since_ms=since_ms)
        emit(as_json, timeline, _log_text(timeline))
        return
    _live(client, duration)


def _log_text(timeline: dict[str, Any]) -> str:
    lines = ["segments (start, duration, state):"]
    lines += [f"  {_clock(start)}  {duration:>9} ms  {'on' if on else 'off'}"
              for start, duration, on in timeline["segments"]]
    lines.append("spans (start - end, label):")
    for span in timeline["spans"]:
        start, end, label = span[0], span[1], span[2]
        simulated = len(span) > 3 and bool(span[3])
        lines.append(f"  {_clock(start)} - {_clock(end)}  {label}"
                     + (" (simulated)" if simulated else ""))
    return "\n".join(lines)


def _clock(ms: int) -> str:
    """Module time in ms as a UTC date and time with milliseconds."""
    try:
        moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(ms)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class _Watcher:
    """Follows the LED through successive timeline reads, each asking only for what
    came after the previous one."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.now_ms = int(client.led_timeline(since_ms=_FAR_FUTURE_MS)["now_ms"])
        self.on = False
        self.label = "off"
        self.simulated = False
        self.since_ms = self.now_ms
        self.poll(self.now_ms - 1)

    def poll(self, since_ms: int | None = None) -> None:
        """Read what happened since the last look and keep the state at its end."""
        view = self._client.led_timeline(
            since_ms=self.now_ms if since_ms is None else since_ms)
        self.now_ms = int(view["now_ms"])
        if view["segments"]:
            self.on = bool(view["segments"][-1][2])
        if view["spans"]:
            span = view["spans"][-1]
            self.label = str(span[2])
            self.simulated = len(span) > 3 and bool(span[3])
            self.since_ms = int(span[0])

    def render(self) -> Any:
        """The live view's frame."""
        from rich.text import Text

        frame = Text()
        frame.append(" ● " if self.on else " ○ ", style="bold yellow" if self.on else "dim")
        frame.append("on " if self.on else "off", style="bold" if self.on else "dim")
        frame.append(f"   {self.label}", style="bold")
        if self.simulated:
            frame.append(" (simulated)", style="italic")
        frame.append(f"   for {(self.now_ms - self.since_ms) / 1000:.1f} s", style="dim")
        frame.append(f"\n   module time {_clock(self.now_ms)}   Ctrl-C to stop", style="dim")
        return frame


def _live(client: Any, duration: float | None) -> None:
    from rich.live import Live

    watcher = _Watcher(client)
    step = 1.0 / REFRESH_PER_SECOND
    stop_at = None if duration is None else time.monotonic() + duration
    live = Live(watcher.render(), refresh_per_second=REFRESH_PER_SECOND, transient=False)
    try:
        with live:
            while stop_at is None or time.monotonic() < stop_at:
                started = time.monotonic()
                watcher.poll()
                live.update(watcher.render())
                time.sleep(max(0.0, step - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    if not live.console.is_terminal:
        # Piped output: the last frame was written without its line end.
        live.console.line()
