"""click's test runner, the same on every click this project supports."""

from __future__ import annotations

import inspect
from typing import Any

from click.testing import CliRunner, Result


class _Result81(Result):
    """A click 8.1 result read as click 8.2 reads it: ``output`` is what the user sees
    (stdout, then stderr: 8.1 does not record how the two interleave)."""

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class _Runner81(CliRunner):
    """click 8.1, the newest for Python 3.9, mixes stderr into stdout unless told."""

    def __init__(self) -> None:
        super().__init__(mix_stderr=False)  # type: ignore[call-arg]

    def invoke(self, *args: Any, **kwargs: Any) -> Result:
        result = super().invoke(*args, **kwargs)
        result.__class__ = _Result81
        return result


def cli_runner() -> CliRunner:
    """A runner whose results have ``stdout`` and ``stderr`` apart and ``output`` with
    both, as click 8.2 gives them."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return _Runner81()
    return CliRunner()
