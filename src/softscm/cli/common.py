"""What every ``softscm`` command shares: the client, output (text or ``--json``),
progress bars and the command classes (``-h``, negative numbers as values). Errors are
rendered in one place, :mod:`softscm.cli.errors`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from softscm.client import Client

F = TypeVar("F", bound=Callable[..., Any])

#: Work (bytes) below which no progress bar is shown: it is done in well under a second.
PROGRESS_MIN = 1 << 24


class State:
    """Options of the top-level group, shared by the subcommands."""

    def __init__(self, home: str | None, verbose: bool, *, explicit_home: bool = False) -> None:
        self.home = home
        self.verbose = verbose
        #: Whether ``--home`` was given on the command line (not taken from the
        #: environment): then a daemon serving another state is not used instead.
        self.explicit_home = explicit_home
        self._client: Client | None = None

    def client(self) -> Client:
        """The client for this invocation as a host session (opened once)."""
        if self._client is None:
            self._client = self._connect(host=True)
        return self._client

    def operator(self) -> Client:
        """The client for an operator's command (status, simulation, LED, log): it opens
        no host session, so it neither binds the module nor counts as its host."""
        if self._client is None:
            self._client = self._connect(host=False)
        return self._client

    def _connect(self, host: bool) -> Client:
        """The module this host uses; a module made on first use (a state directory
        with none, for instance a mistyped ``--home``) is announced on stderr."""
        from softscm.runtime import resolve_home
        from softscm.store.database import DATABASE_NAME

        if not self.verbose:
            _quiet_module_log()
        directory = resolve_home(self.home)
        if self.explicit_home:
            _check_daemon_serves(directory)
        database = directory / DATABASE_NAME
        existed = database.exists()
        client = Client.connect(self.home, host=host)
        if not existed and database.exists():
            click.echo(f"softscm: created a new module in {database.parent} "
                       "(`softscm init` makes one with other settings)", err=True)
        return client

    def close(self) -> None:
        """Close the client if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _check_daemon_serves(directory: Path) -> None:
    """Refuse a ``--home`` that the daemon this host uses does not serve: the command
    would reach the daemon's module, not the one asked for."""
    from softscm.client.locate import daemon_socket
    from softscm.errors import ConnectionFailed
    from softscm.store.lockfile import LOCK_NAME, lock_shared

    socket = daemon_socket()
    if socket is None:
        return
    lock = directory / LOCK_NAME
    served_by = None
    if lock.exists():
        try:
            lock_shared(directory).release()
        except ConnectionFailed:
            served_by = lock.read_text(encoding="utf-8", errors="replace").strip()
    if served_by is None:
        raise click.ClickException(
            f"--home {directory} is not the state of the daemon at {socket}: leave out "
            "--home to use the daemon's module, or stop the daemon to open this one")
    if os.path.realpath(served_by) != os.path.realpath(socket):
        raise click.ClickException(
            f"--home {directory} is served by the daemon at {served_by}, not by the one "
            f"at {socket}: set SOFTSCM_SOCKET={served_by} to reach it")


def _quiet_module_log() -> None:
    """Keep an embedded module's log of internal failures (with their tracebacks) off
    the terminal: the command reports the failure in one line, and ``--verbose`` shows
    the log. A daemon (``softscm serve``) keeps logging to its stderr."""
    logger = logging.getLogger("softscm")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def json_option(func: F) -> F:
    """Add ``--json`` to a command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def emit(as_json: bool, data: Any, text: str | None = None) -> None:
    """Print ``data`` as JSON, or ``text`` (default: ``data``) for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=_json_default))
    else:
        click.echo(text if text is not None else str(data))


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar for ``total`` bytes of work, on stderr when it is a terminal and
    the work is more than :data:`PROGRESS_MIN`; yields ``advance(n)``."""
    if total <= PROGRESS_MIN or not _stderr_is_terminal():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    raise TypeError(f"cannot encode {type(value).__name__}")


def parse_hex(value: str, what: str) -> bytes:
    """Bytes from hex text, or a usage error naming ``what``."""
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        raise click.BadParameter(f"{what} must be hexadecimal") from None


#: A token that is a negative number (``-25``, ``-0.5``, ``-1e3``, ``-inf``): a value, not
#: an option.
_NEGATIVE_NUMBER = re.compile(r"-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|-inf(inity)?|-nan",
                              re.IGNORECASE)

#: An integer argument: at most 64 bits, what a frame to the module can carry (the module
#: checks the value's own range).
INTEGER_MAX = 2**63 - 1
INTEGER = click.IntRange(-INTEGER_MAX - 1, INTEGER_MAX)

#: ``-h`` as well as ``--help``, on the group and (inherited) on every command.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class Command(click.Command):
    """A ``softscm`` command: a negative number is an argument's value (``sim temp -25``,
    ``random -5`` gets a message about the value), and any other unknown option is still
    refused by name. Click reads ``-25`` as an option by default (``DESIGN.md``)."""

    def __init__(self, name: str | None, context_settings: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        settings = dict(context_settings or {})
        settings.setdefault("ignore_unknown_options", True)
        super().__init__(name, context_settings=settings, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known: set[str] = set()
        takes_value: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = {*param.opts, *param.secondary_opts}
                known |= names
                if not param.is_flag and not param.count:
                    takes_value |= names
        skip = False
        for arg in args:
            if skip:
                skip = False
                continue
            if arg == "--":
                break
            if not arg.startswith("-") or arg == "-":
                continue
            name = arg.split("=", 1)[0]
            if name in takes_value and "=" not in arg:
                skip = True
            elif name not in known and not _NEGATIVE_NUMBER.fullmatch(arg):
                raise click.NoSuchOption(name, ctx=ctx)
        return super().parse_args(ctx, args)


class Group(click.Group):
    """A ``softscm`` command group: its commands and subgroups are :class:`Command` and
    :class:`Group`."""

    command_class = Command
    group_class = type
