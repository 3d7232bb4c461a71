"""The ``softscm`` command's one error boundary: whatever goes wrong becomes one line on
stderr (a JSON object under ``--json``) and an exit status, never a traceback
(``--verbose`` shows it).

Exit status 2 is a usage error (a bad option, argument or value: the command did not
run), 1 a refusal or failure (the module said no, a file could not be read or written).
"""

from __future__ import annotations

import contextvars
import errno
import json
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from softscm.cli.common import Group
from softscm.errors import SoftScmError

#: Exit status of a usage error.
USAGE = 2
#: Exit status of a refusal or failure.
REFUSED = 1

#: Whether this invocation asked for tracebacks (``softscm --verbose``).
VERBOSE: contextvars.ContextVar[bool] = contextvars.ContextVar("softscm_verbose",
                                                               default=False)


#: Click's "a group given no command shows its help" (click 8.2 and later).
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class Failure(NamedTuple):
    """What the user is told: the kind of error, the line, the exit status."""

    kind: str
    message: str
    status: int

    def line(self, as_json: bool) -> str:
        """The one line for stderr."""
        if as_json:
            return json.dumps({"error": self.message, "kind": self.kind,
                               "status": self.status}, sort_keys=True)
        return f"error: {self.message}"


def failure(exc: BaseException) -> Failure:
    """The report of ``exc``: softscm's errors, click's usage errors, file and store
    errors each in their own words; anything else as an internal error."""
    if isinstance(exc, SoftScmError):
        return Failure(type(exc).__name__, exc.diagnostics(), REFUSED)
    if isinstance(exc, click.UsageError):
        message = exc.format_message()
        if exc.ctx is not None:
            message += f" (see '{exc.ctx.command_path} --help')"
        return Failure("UsageError", message, exc.exit_code)
    if isinstance(exc, click.ClickException):
        return Failure("Refused", exc.format_message(), exc.exit_code)
    if isinstance(exc, click.Abort):
        return Failure("Aborted", "aborted", REFUSED)
    if isinstance(exc, OSError):
        return Failure(type(exc).__name__, _os_message(exc), REFUSED)
    if isinstance(exc, sqlite3.Error):
        return Failure("StoreError", f"the state database: {exc}", REFUSED)
    return Failure("InternalError", f"internal error: {type(exc).__name__}: {exc} (run "
                   "`softscm --verbose ...` for the traceback)", REFUSED)


def _os_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    if exc.filename is None:
        return what
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {what}"
    return f"{exc.filename}: {what}"


def _wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` is among the options (before a ``--``)."""
    options = list(args)
    if "--" in options:
        options = options[:options.index("--")]
    return "--json" in options


class Cli(Group):
    """The ``softscm`` group: every invocation passes through :meth:`main`, the CLI's
    only error boundary."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        reset = VERBOSE.set(False)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False,
                                  **extra)
        except Exception as exc:  # noqa: BLE001 - the boundary: nothing escapes as a traceback
            if VERBOSE.get():
                raise
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                sys.exit(REFUSED)  # the reader went away (``softscm ... | head``)
            if isinstance(exc, _NO_ARGS_IS_HELP):
                # A group given no command (``softscm keys``): its help, as click does.
                click.echo(exc.format_message(), err=True)
                sys.exit(USAGE)
            report = failure(exc)
            click.echo(report.line(_wants_json(argv)), err=True)
            sys.exit(report.status)
        finally:
            VERBOSE.reset(reset)
        sys.exit(result if isinstance(result, int) else 0)
