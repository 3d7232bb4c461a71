"""What every ``softscm`` command shares: the client, output (text or ``--json``) and the
rendering of errors (no tracebacks for user mistakes)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from softscm.client import Client
from softscm.errors import SoftScmError

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Options of the top-level group, shared by the subcommands."""

    def __init__(self, home: str | None, verbose: bool) -> None:
        self.home = home
        self.verbose = verbose
        self._client: Client | None = None

    def client(self) -> Client:
        """The client for this invocation as a host session (opened once)."""
        if self._client is None:
            self._client = Client.connect(self.home)
        return self._client

    def operator(self) -> Client:
        """The client for an operator's command (status, simulation, LED, log): it opens
        no host session, so it neither binds the module nor counts as its host."""
        if self._client is None:
            self._client = Client.connect(self.home, host=False)
        return self._client

    def close(self) -> None:
        """Close the client if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None


def json_option(func: F) -> F:
    """Add ``--json`` to a command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)  # type: ignore[return-value]


def emit(as_json: bool, data: Any, text: str | None = None) -> None:
    """Print ``data`` as JSON, or ``text`` (default: ``data``) for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=_json_default))
    else:
        click.echo(text if text is not None else str(data))


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    raise TypeError(f"cannot encode {type(value).__name__}")


def handle_errors(func: F) -> F:
    """Render softscm errors as one line on stderr and exit 1 (with ``--verbose`` the
    traceback too)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SoftScmError as exc:
            ctx = click.get_current_context()
            state = ctx.find_object(State)
            if state is not None and state.verbose:
                raise
            click.echo(f"error: {exc.diagnostics()}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def parse_hex(value: str, what: str) -> bytes:
    """Bytes from hex text, or a usage error naming ``what``."""
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        raise click.BadParameter(f"{what} must be hexadecimal") from None
