"""click's test runner, the same on every click this project supports."""

from __future__ import annotations

import inspect

from click.testing import CliRunner


def cli_runner() -> CliRunner:
    """A runner whose results keep stdout and stderr apart (``result.stdout``,
    ``result.stderr``), as click 8.2 does by itself; click 8.1, the newest for
    Python 3.9, mixes them unless told not to."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()
