"""The command line's one error boundary: every user error is one line on stderr (a JSON
object under ``--json``), exit status 2 for usage errors and 1 for refusals, and never a
traceback; ``-h`` everywhere; piped data; and no silent switch of modules."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import Result

from cli_runner import cli_runner
from softscm import Client, ConnectionFailed
from softscm.cli import common, data
from softscm.cli.app import cli

USAGE, REFUSED = 2, 1


@pytest.fixture
def run(home: Path):
    """``run(*args, input=None)``: the command on an initialised module in ``home``,
    nothing caught (an exception escaping the boundary fails the test)."""
    runner = cli_runner()
    runner.invoke(cli, ["init"], catch_exceptions=False)

    def invoke(*args: str, input: Any = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Paths the bad inputs name: a file that exists, one that does not, a directory,
    and a place where nothing can be written."""
    existing = tmp_path / "data.txt"
    existing.write_bytes(b"some data")
    return {"{file}": str(existing), "{missing}": str(tmp_path / "missing.txt"),
            "{dir}": str(tmp_path), "{nowhere}": str(tmp_path / "no" / "such" / "dir" / "out")}


#: (arguments, exit status, a fragment of the message). ``{file}`` and the others are
#: replaced by the paths of :func:`files`.
BAD_INPUTS = [
    # files that are missing, directories, or cannot be written
    (["sign", "{missing}"], USAGE, "does not exist"),
    (["sign", "{dir}"], USAGE, "is a directory"),
    (["verify", "00", "{missing}"], USAGE, "does not exist"),
    (["lock", "{missing}", "{nowhere}"], USAGE, "does not exist"),
    (["lock", "{file}", "{nowhere}"], REFUSED, "cannot write"),
    (["unlock", "{missing}", "{nowhere}"], USAGE, "does not exist"),
    (["wallet", "restore", "w", "--mnemonic-file", "{missing}"], USAGE, "does not exist"),
    (["slip39", "restore", "w", "--mnemonic-file", "{missing}"], USAGE, "does not exist"),
    (["sim", "run", "{missing}"], USAGE, "does not exist"),
    (["sim", "restore-salt", "{missing}"], USAGE, "does not exist"),
    (["random", "16", "--out", "{nowhere}"], REFUSED, "cannot write"),
    (["keys", "export-public", "0", "--out", "{nowhere}"], REFUSED, "cannot write"),
    (["log", "export", "--out", "{nowhere}"], REFUSED, "cannot write"),
    # secrets asked for when standard input has none
    (["wallet", "restore", "w"], USAGE, "standard input ended before the BIP39 mnemonic"),
    # the daemon's allow-list
    (["serve", "--allow-user", "no-such-user-here"], USAGE, "no user named"),
    (["serve", "--allow-group", "no-such-group-here"], USAGE, "no group named"),
    # negative and absurd numbers: a message about the value
    (["random", "-5"], USAGE, "-5 is not in the range"),
    (["keys", "remove", "-4"], REFUSED, "slot -4"),
    (["keys", "export-public", "-7"], REFUSED, "slot -7"),
    (["sim", "tamper", "-1"], REFUSED, "channel must be 0 or 1: -1"),
    (["sim", "close", "-1"], REFUSED, "channel must be 0 or 1: -1"),
    (["perimeter", "arm", "-1"], REFUSED, "-1"),
    (["random", "99999999999999999999"], USAGE, "99999999999999999999 is not in the range"),
    (["random", str(data.RANDOM_PRINT_MAX + 1)], USAGE, "--out FILE"),
    (["keys", "remove", "99999999999999999999"], USAGE, "not in the range"),
    (["sign", "--digest", "00" * 32, "--slot", "99999999999999999999"], USAGE,
     "not in the range"),
    (["perimeter", "arm", "99999999999999999999"], USAGE, "not in the range"),
    (["led", "--log", "--since", "99999999999999999999999"], USAGE, "not in the range"),
    (["wallet", "show", "99999999999999999999"], REFUSED, "WalletNotFound"),
    (["random", "abc"], USAGE, "'abc' is not a valid integer"),
    (["sim", "temp", "warm"], USAGE, "'warm' is not a valid float"),
    (["led", "--log", "--since", "soon"], USAGE, "'soon' is not a valid integer"),
    # options and commands that do not exist
    (["--bogus", "status"], USAGE, "No such option '--bogus'"),
    (["status", "-x"], USAGE, "No such option '-x'"),
    (["random", "5", "--bogus"], USAGE, "No such option '--bogus'"),
    (["sim", "tamper", "0", "--bogus"], USAGE, "No such option '--bogus'"),
    (["nosuch"], USAGE, "No such command 'nosuch'"),
    (["keys", "nosuch"], USAGE, "No such command 'nosuch'"),
    (["random"], USAGE, "Missing argument"),
    # values of the wrong kind
    (["random", "5", "--format", "xx"], USAGE, "'xx' is not one of"),
    (["keys", "generate", "rsa"], USAGE, "'rsa' is not one of"),
    (["boot", "policy", "7"], USAGE, "'7' is not one of"),
    (["sim", "power", "sideways"], USAGE, "'sideways' is not one of"),
    (["sign", "--digest", "zz"], USAGE, "--digest must be hexadecimal"),
    (["sign", "{file}", "--digest", "00"], USAGE, "not both"),
    (["verify", "zz", "--digest", "00" * 32], USAGE, "SIGNATURE must be hexadecimal"),
    (["--home", "{file}", "status"], USAGE, "is a file"),
    # refusals of the module
    (["keys", "remove", "3"], REFUSED, "SlotReadOnly: factory key 3 cannot be removed"),
    (["keys", "export-public", "999"], REFUSED, "InvalidArgument"),
    (["sign", "--digest", "00" * 32, "--slot", "999"], REFUSED, "InvalidArgument"),
    (["sim", "tamper", "2"], REFUSED, "channel must be 0 or 1"),
    (["sim", "corrupt", "keys"], REFUSED, "cannot corrupt 'keys'"),
    (["wallet", "show", "nosuch"], REFUSED, "WalletNotFound"),
    (["unlock", "{file}", "{dir}/never"], REFUSED, "VerificationFailed"),
    # a state directory that cannot be made
    (["--home", "{file}/state", "status"], REFUSED, "Not a directory"),
]


def _fill(args: list[str], paths: dict[str, str]) -> list[str]:
    out = []
    for arg in args:
        for name, path in paths.items():
            arg = arg.replace(name, path)
        out.append(arg)
    return out


def _one_line(result: Result, code: int) -> str:
    """The single stderr line of a failed command, checked."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.rstrip("\n")


def _says(line: str, fragment: str) -> bool:
    """Whether ``line`` holds ``fragment``, as click 8.2 words it or as click 8.1 does
    (the newest for Python 3.9: "No such option: --x" for "No such option '--x'")."""
    older = re.sub(r"^No such option '(.*)'$", r"No such option: \1", fragment)
    return fragment in line or older in line


@pytest.mark.parametrize(("args", "code", "fragment"), BAD_INPUTS,
                         ids=[" ".join(case[0]) for case in BAD_INPUTS])
def test_bad_input_is_one_line(run, files, args, code, fragment) -> None:
    line = _one_line(run(*_fill(args, files)), code)
    assert line.startswith("error: ")
    assert _says(line, _fill([fragment], files)[0])
    if "-" in fragment and fragment.lstrip("-")[:1].isdigit():
        assert "No such option" not in line


@pytest.mark.parametrize(("args", "code", "fragment"), BAD_INPUTS,
                         ids=[" ".join(case[0]) for case in BAD_INPUTS])
def test_bad_input_under_json_is_one_json_object(run, files, args, code, fragment) -> None:
    if args[0] == "serve":
        pytest.skip("serve prints events, not JSON")
    report = json.loads(_one_line(run(*_fill(args, files), "--json"), code))
    assert report["status"] == code
    assert _says(report["error"], _fill([fragment], files)[0])
    assert isinstance(report["kind"], str) and report["kind"]


def test_errors_escaping_the_commands_are_one_line(run, monkeypatch) -> None:
    """A read-only or unwritable state directory, a broken database, or a bug: still one
    line, and the traceback only with --verbose."""
    import sqlite3

    failures = [
        (PermissionError(13, "Permission denied", "/var/lib/softscm/owner.lock"),
         "/var/lib/softscm/owner.lock: Permission denied"),
        (sqlite3.OperationalError("attempt to write a readonly database"),
         "the state database: attempt to write a readonly database"),
        (KeyError("surprise"), "internal error: KeyError"),
    ]
    for exc, message in failures:
        def connect(*args: Any, exc: BaseException = exc, **kwargs: Any) -> Client:
            raise exc

        monkeypatch.setattr(Client, "connect", connect)
        assert _one_line(run("status"), REFUSED).startswith(f"error: {message}")
        with pytest.raises(type(exc)):
            run("--verbose", "status")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_state_directory(run, home) -> None:
    home.chmod(0o500)
    try:
        line = _one_line(run("status"), REFUSED)
    finally:
        home.chmod(0o700)
    assert line.startswith("error: ")


def test_unusable_home_directory(run, tmp_path) -> None:
    """No SOFTSCM_HOME and a HOME where nothing can be made: one line, naming the path."""
    not_a_dir = tmp_path / "home-is-a-file"
    not_a_dir.write_text("")
    env = {"SOFTSCM_HOME": None, "XDG_DATA_HOME": None, "HOME": str(not_a_dir)}
    line = _one_line(run("status", env=env), REFUSED)  # type: ignore[arg-type]
    assert str(not_a_dir) in line and "Not a directory" in line


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_state_directory_where_nothing_can_be_made(run) -> None:
    """Nobody, root included, can make a directory in /proc: a real refusal of the
    system, reported in one line."""
    line = _one_line(run("--home", "/proc/softscm-state", "status"), REFUSED)
    assert line.startswith("error: ") and "/proc/softscm-state" in line
    env = {"SOFTSCM_HOME": None, "XDG_DATA_HOME": None, "HOME": "/proc"}
    line = _one_line(run("status", env=env), REFUSED)  # type: ignore[arg-type]
    assert line.startswith("error: ") and "/proc/" in line


# -- piped data ----------------------------------------------------------------------------


def test_sign_and_verify_read_a_pipe(run, files) -> None:
    payload = b"data on a pipe"
    signed = run("sign", "--json", input=payload)
    assert signed.exit_code == 0, signed.stderr
    out = json.loads(signed.stdout)
    assert out["digest"] == hashlib.sha256(payload).hexdigest()
    signature = out["signature"]
    assert run("verify", signature, input=payload).stdout.strip() == "valid"
    assert run("verify", signature, "--digest", out["digest"]).stdout.strip() == "valid"
    assert run("verify", signature, input=b"other data").exit_code == 1
    assert run("verify", signature, "-", input=payload).stdout.strip() == "valid"


def test_piped_secrets_need_no_prompt_and_are_not_echoed(run) -> None:
    words = json.loads(run("wallet", "create", "W", "--bip39", "--json").stdout)["mnemonic"]
    run("wallet", "remove", "W")
    restored = run("wallet", "restore", "W", "--ask-passphrase", input=f"{words}\nsecret\n")
    assert restored.exit_code == 0 and restored.stderr == ""
    assert words not in restored.output and "secret" not in restored.output
    made = run("wallet", "create", "P", "--bip39", "--ask-passphrase", input="one\ntwo\n")
    line = _one_line(made, USAGE)
    assert "passphrase and its repetition differ" in line and "one" not in line


def test_sign_with_nothing_to_read_on_a_terminal(run, monkeypatch) -> None:
    from softscm.cli import signing

    monkeypatch.setattr(signing, "_stdin_is_terminal", lambda: True)
    line = _one_line(run("sign"), USAGE)
    assert "give a FILE" in line and "not both" not in line


# -- -h everywhere -------------------------------------------------------------------------


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _command_paths(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = _command_paths(cli)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "softscm" for p in COMMANDS])
def test_dash_h_everywhere(path) -> None:
    result = cli_runner().invoke(cli, [*path, "-h"], prog_name="softscm", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: softscm") and "-h, --help" in result.stdout


def test_sim_corrupt_offers_what_the_module_takes() -> None:
    from softscm.module.integrity import CORRUPTIBLE_AREAS

    text = cli_runner().invoke(cli, ["sim", "corrupt", "-h"]).stdout
    for area in ("keystore", "code", "flash"):
        if area not in CORRUPTIBLE_AREAS:
            assert area not in text
    assert all(area in text for area in CORRUPTIBLE_AREAS)


def test_negative_numbers_are_values_wherever_numbers_are_taken() -> None:
    """Every command with a numeric argument takes ``-N`` as its value."""
    for path in COMMANDS:
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if isinstance(command, click.Group):
            continue
        assert isinstance(command, common.Command), path


# -- random --------------------------------------------------------------------------------


def test_random_streams_to_a_file(run, tmp_path) -> None:
    out = tmp_path / "r.bin"
    size = data.RANDOM_PRINT_MAX * 3 + 5
    result = run("random", str(size), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size == size
    raw = run("random", "100", "--out", "-")
    assert raw.exit_code == 0 and len(raw.stdout_bytes) == 100


def test_progress_is_shown_on_a_terminal_only(monkeypatch) -> None:
    from rich.console import Console

    seen: list[int] = []
    with common.progress(common.PROGRESS_MIN * 2, "work") as advance:
        advance(1)  # not a terminal: nothing is drawn
    monkeypatch.setattr(common, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr("rich.console.Console", lambda **kw: Console(
        file=sys.stderr, force_terminal=True, width=80))
    import rich.progress

    original = rich.progress.Progress.advance

    def advance_spy(self: Any, task: Any, done: float) -> None:
        seen.append(int(done))
        original(self, task, done)

    monkeypatch.setattr(rich.progress.Progress, "advance", advance_spy)
    with common.progress(common.PROGRESS_MIN - 1, "small") as advance:
        advance(5)
    assert seen == []
    with common.progress(common.PROGRESS_MIN * 2, "large") as advance:
        advance(7)
    assert seen == [7]


# -- no silent switches ----------------------------------------------------------------------


def test_named_socket_that_does_not_exist_is_an_error(run, home, tmp_path, monkeypatch) -> None:
    missing = tmp_path / "no-daemon.sock"
    monkeypatch.setenv("SOFTSCM_SOCKET", str(missing))
    with pytest.raises(ConnectionFailed, match=str(missing)):
        Client.connect(home)
    line = _one_line(run("status"), REFUSED)
    assert "ConnectionFailed" in line and str(missing) in line


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR", "PYTHONOPTIMIZE")}
    env.update(extra)
    return env


def test_zymkey_says_why_when_the_daemon_owns_the_state(daemon, home, tmp_path) -> None:
    result = _python("""
        import zymkey
        print(zymkey.client, zymkey.create_new_client())
    """, _env(SOFTSCM_HOME=str(home)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "None"]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # said once, not at each attempt
    assert "client is None" in lines[0] and str(daemon.path) in lines[0]


def test_zymkey_says_why_when_the_named_socket_is_missing(tmp_path) -> None:
    missing = tmp_path / "absent.sock"
    result = _python("import zymkey; print(zymkey.client)",
                     _env(SOFTSCM_HOME=str(tmp_path / "state"), SOFTSCM_SOCKET=str(missing)),
                     tmp_path)
    assert result.stdout.split() == ["None"]
    assert str(missing) in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "state").exists()  # no embedded module was made instead


def test_zymkey_is_quiet_when_it_opens_a_module(tmp_path) -> None:
    result = _python("import zymkey; print(type(zymkey.client).__name__)",
                     _env(SOFTSCM_HOME=str(tmp_path / "state")), tmp_path)
    assert result.stdout.split() == ["Zymkey"] and result.stderr == ""


def test_a_new_module_is_announced_once(tmp_path) -> None:
    runner = cli_runner()
    typo = tmp_path / "mistyped"
    first = runner.invoke(cli, ["--home", str(typo), "status", "--json"],
                          catch_exceptions=False)
    assert first.exit_code == 0
    assert first.stderr == f"softscm: created a new module in {typo} (`softscm init` " \
                           "makes one with other settings)\n"
    assert json.loads(first.stdout)["serial"]
    again = runner.invoke(cli, ["--home", str(typo), "status"], catch_exceptions=False)
    assert again.exit_code == 0 and again.stderr == ""
    made = runner.invoke(cli, ["--home", str(tmp_path / "made"), "init"],
                         catch_exceptions=False)
    assert made.exit_code == 0 and made.stderr == ""


def test_lock_and_unlock_report_progress(run, home, tmp_path) -> None:
    """``softscm lock`` / ``unlock`` of files stream through the client, which reports
    each chunk of the source (the CLI draws it on a terminal)."""
    from softscm.client.client import STREAM_CHUNK

    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(STREAM_CHUNK * 2 + 3))
    seen: list[int] = []
    with Client.open(home) as scm:
        scm.lock_file(src, tmp_path / "big.lk", progress=seen.append)
        assert sum(seen) == src.stat().st_size and len(seen) == 3
        seen.clear()
        scm.unlock_file(tmp_path / "big.lk", tmp_path / "big.out", progress=seen.append)
        assert sum(seen) == (tmp_path / "big.lk").stat().st_size
    assert (tmp_path / "big.out").read_bytes() == src.read_bytes()
    result = run("unlock", str(tmp_path / "big.lk"), str(tmp_path / "again.out"), "--json")
    assert json.loads(result.stdout)["bytes"] == src.stat().st_size


def test_a_failure_inside_the_embedded_module_is_one_line(run, monkeypatch) -> None:
    """The module's log of an internal failure stays off the terminal (``--verbose``
    lets it through): the command says what failed in one line."""
    import logging

    from softscm.module import Module

    real = Module.operation

    def operation(self: Any, op: str) -> Any:
        if op == "random_bytes":
            def broken(**args: Any) -> Any:
                raise RuntimeError("a bug")
            return broken
        return real(self, op)

    monkeypatch.setattr(Module, "operation", operation)
    # As outside pytest: no handler anywhere, so Python's last resort writes to stderr.
    monkeypatch.setattr(logging.getLogger("softscm"), "handlers", [])
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    line = _one_line(run("random", "4"), REFUSED)
    assert line == "error: InternalError: random_bytes failed inside the module"


@pytest.mark.parametrize("path", [p for p in COMMANDS if isinstance(
    cli.commands.get(p[0]) if p else cli, click.Group) and len(p) < 2])
def test_a_group_without_a_command_shows_its_help(path) -> None:
    result = cli_runner().invoke(cli, list(path), prog_name="softscm", catch_exceptions=False)
    assert result.exit_code in (0, 2) and "Traceback" not in result.output
    assert "Usage: softscm" in result.output and "error:" not in result.output


def test_an_explicit_home_is_never_swapped_for_a_daemons_module(
        daemon, home, tmp_path, monkeypatch) -> None:
    """With a daemon on this host, ``--home`` must name the state it serves: another
    directory is refused rather than quietly answered by the daemon's module."""
    monkeypatch.setenv("SOFTSCM_SOCKET", str(daemon.path))
    runner = cli_runner()
    served = runner.invoke(cli, ["--home", str(home), "status", "--json"],
                           catch_exceptions=False)
    assert served.exit_code == 0, served.stderr
    assert json.loads(served.stdout)["serial"] == daemon.module.serial
    other = tmp_path / "other"
    line = _one_line(runner.invoke(cli, ["--home", str(other), "status"],
                                   catch_exceptions=False), REFUSED)
    assert f"--home {other} is not the state of the daemon at {daemon.path}" in line
    assert not other.exists()  # nothing made on the way
    runner.invoke(cli, ["--home", str(other), "init"], catch_exceptions=False)
    line = _one_line(runner.invoke(cli, ["--home", str(other), "keys", "list"],
                                   catch_exceptions=False), REFUSED)
    assert "is not the state of the daemon" in line
    # From the environment, SOFTSCM_HOME yields to the daemon, as DESIGN.md says.
    via_env = runner.invoke(cli, ["status", "--json"], env={"SOFTSCM_HOME": str(other)},
                            catch_exceptions=False)
    assert via_env.exit_code == 0
    assert json.loads(via_env.stdout)["serial"] == daemon.module.serial
