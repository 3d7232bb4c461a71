"""The shell and Python snippets of the seed page "Enabling Production Mode - SCM", kept
verbatim in ``tests/programs/seed_*`` (a shebang added, plus a ``ruff: noqa`` line in
the Python file), run as processes against a module in a fresh ``SOFTSCM_HOME``,
embedded or served by a daemon, and print what the page says they print
(``scm-behaviour.md`` §2.3, §4.4, §4.6; ``zymkey-api.md`` Q19, §4.13).

The snippets' shell lines call ``python3``; a directory put first on ``PATH`` makes that
the interpreter running the tests. The seed page itself (``../shared/seeds``, Zymbit's
documentation) is not part of this repository: without it the check that the programs
are its snippets is skipped, and the programs still run. Breaches are made beforehand through the simulation
plane (``softscm.Client.sim``), never through ``zymkey``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from softscm import Client

PROGRAMS = Path(__file__).parent
SRC = Path(__file__).resolve().parents[2] / "src"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
PAGE_TITLE = "title: Enabling Production Mode - SCM"

ARM = "seed_arm_notify.sh"
BINDING = "seed_binding_info.py"
CLEAR = "seed_clear_perimeter.sh"

#: The page's instruction for the binding example: "Remove the comments around the lock
#: binding function to move to Production Mode."
COMMENTED_LOCK = "#zymkey.client.lock_binding()\n"

NO_BREACH = "No perimeter breach detected."


def breach_line(idx: int) -> str:
    return (f"Channel {idx} has a detected breach event. "
            "Clear the Perimeter Detect Events again.")


def binding_lines(locked: bool) -> list[str]:
    return ["HSM is bound: True", f"Binding is locked: {locked}"]


# -- the programs are the page's snippets -------------------------------------------------


def _program_body(name: str) -> str:
    """A program's text without the lines added in front of the snippet."""
    lines = (PROGRAMS / name).read_text().splitlines(keepends=True)
    while lines and (lines[0].startswith("#!") or lines[0] == "# ruff: noqa\n"):
        lines.pop(0)
    return "".join(lines)


def _seed_blocks() -> list[tuple[str, str]]:
    if not SEEDS.is_dir():
        pytest.skip(f"Zymbit's seed pages are not beside this checkout ({SEEDS})")
    for page in sorted(SEEDS.glob("*.txt")):
        text = page.read_text()
        if PAGE_TITLE in text:
            return re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    pytest.skip("the production-mode seed page is not there")
    raise AssertionError("unreachable")


def test_programs_are_the_seed_snippets_unmodified() -> None:
    blocks = _seed_blocks()
    shell = [body for lang, body in blocks if lang == "bash"]
    python = [body for lang, body in blocks if lang == "python"]
    assert shell == [_program_body(ARM), _program_body(CLEAR)]
    assert python == [_program_body(BINDING)]
    assert _program_body(BINDING).count(COMMENTED_LOCK) == 1


# -- running them ---------------------------------------------------------------------------


class Runner:
    """Runs the seed programs as a user would, and reaches the same module for setup."""

    def __init__(self, home: Path, tmp: Path, socket_path: Path | None) -> None:
        self.home = home
        self.socket_path = socket_path
        self.tmp = tmp
        shim = tmp / "bin"
        shim.mkdir()
        # A script, not a symlink: a venv's interpreter reached through a symlink
        # elsewhere does not find its pyvenv.cfg and loses the venv's packages.
        python3 = shim / "python3"
        python3.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        python3.chmod(0o755)
        env = {k: v for k, v in os.environ.items()
               if k not in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR")}
        env["SOFTSCM_HOME"] = str(home)
        if socket_path is not None:
            env["SOFTSCM_SOCKET"] = str(socket_path)
        env["PATH"] = os.pathsep.join([str(shim), env.get("PATH", "")])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
        self.env = env

    def run(self, name: str, *, text: str | None = None) -> list[str]:
        """Run program ``name`` (or ``text`` in its place); its stdout lines."""
        path = PROGRAMS / name
        if text is not None:
            path = self.tmp / name
            path.write_text(text)
        interpreter = "bash" if name.endswith(".sh") else sys.executable
        result = subprocess.run([interpreter, str(path)], cwd=self.tmp, env=self.env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stderr == ""
        return result.stdout.splitlines()

    @contextmanager
    def control(self) -> Iterator[Client]:
        """A softscm client of the same module (simulation plane and operator view)."""
        if self.socket_path is None:
            scm = Client.open(self.home)
        else:
            from softscm.client.socket_transport import SocketTransport

            scm = Client(SocketTransport(self.socket_path))
        try:
            yield scm
        finally:
            scm.close()

    def boot(self) -> None:
        """Power cycle the module and let it boot (module time moves, no real waiting)."""
        with self.control() as scm:
            scm.sim.power_cycle()
            for _ in range(120):
                if scm.status()["lifecycle"] == "running":
                    return
                scm.sim.advance(1)
            raise AssertionError(f"the module did not boot: {scm.status()['lifecycle']}")


@pytest.fixture(params=["inprocess", "socket"])
def runner(request: pytest.FixtureRequest, home: Path, tmp_path: Path) -> Runner:
    socket_path = None
    if request.param == "socket":
        socket_path = request.getfixturevalue("daemon").path
    work = tmp_path / "work"
    work.mkdir()
    return Runner(home, work, socket_path)


# -- arming perimeter actions to notify ---------------------------------------------------


def test_arm_to_notify(runner: Runner) -> None:
    with runner.control() as scm:
        for ch in (0, 1):
            scm.set_perimeter_event_actions(ch, notify=False, self_destruct=False)
        scm.sim.loop_open(1)
        scm.sim.loop_close(1)
        assert scm.perimeter_info()[1] != 0
        assert scm.status()["settings"]["perimeter"] == [0, 0]
    assert runner.run(ARM) == []  # the page shows no output
    with runner.control() as scm:
        assert scm.status()["settings"]["perimeter"] == [1, 1]  # notify only, both channels
        assert scm.perimeter_info() == [0, 0]
        # Armed to notify: a breach now wakes a waiter.
        scm.sim.loop_open(0)
        scm.wait_for_perimeter_event(0)


def test_arm_to_notify_on_a_fresh_module(runner: Runner) -> None:
    assert runner.run(ARM) == []
    with runner.control() as scm:
        assert scm.status()["settings"]["perimeter"] == [1, 1]
        assert scm.perimeter_info() == [0, 0]


# -- clearing and reading perimeter info --------------------------------------------------


def test_clear_with_circuits_closed(runner: Runner) -> None:
    assert runner.run(CLEAR) == [NO_BREACH, NO_BREACH]


def test_clear_after_a_breach_on_a_closed_circuit(runner: Runner) -> None:
    with runner.control() as scm:
        scm.sim.loop_open(0)
        scm.sim.loop_close(0)
        assert scm.perimeter_info()[0] != 0
    assert runner.run(CLEAR) == [NO_BREACH, NO_BREACH]


def test_clear_with_channel_0_still_open(runner: Runner) -> None:
    with runner.control() as scm:
        scm.sim.loop_open(0)
    # Re-armed while open, the channel records a breach again at once (§4.4).
    assert runner.run(CLEAR) == [breach_line(0), NO_BREACH]
    # "run it again to ensure all events have been cleared": still open, still there.
    assert runner.run(CLEAR) == [breach_line(0), NO_BREACH]
    with runner.control() as scm:
        scm.sim.loop_close(0)
    assert runner.run(CLEAR) == [NO_BREACH, NO_BREACH]


def test_clear_with_channel_1_open_prints_the_seed_index(runner: Runner) -> None:
    """The snippet advances ``idx`` only for breached entries, so a breach on channel 1
    alone is reported as "Channel 0" (§4.6): reproduced as written."""
    with runner.control() as scm:
        scm.sim.loop_open(1)
    assert runner.run(CLEAR) == [NO_BREACH, breach_line(0)]
    with runner.control() as scm:
        info = scm.perimeter_info()
        assert info[0] == 0 and info[1] != 0


def test_clear_with_both_channels_open(runner: Runner) -> None:
    with runner.control() as scm:
        scm.sim.loop_open(0)
        scm.sim.loop_open(1)
    assert runner.run(CLEAR) == [breach_line(0), breach_line(1)]


# -- checking binding info, before and after lock_binding ---------------------------------


def _lock_uncommented() -> str:
    text = (PROGRAMS / BINDING).read_text()
    assert text.count(COMMENTED_LOCK) == 1
    return text.replace(COMMENTED_LOCK, COMMENTED_LOCK[1:])


def test_binding_info_as_written(runner: Runner) -> None:
    assert runner.run(BINDING) == binding_lines(False) + binding_lines(False)


def test_binding_info_with_lock_binding_uncommented(runner: Runner) -> None:
    out = runner.run(BINDING, text=_lock_uncommented())
    # Locked at once, production after the next power cycle (§2.3).
    assert out == binding_lines(False) + binding_lines(True)
    assert runner.run(BINDING) == binding_lines(True) + binding_lines(True)
    # Calling lock_binding again succeeds (§7 item 16).
    assert runner.run(BINDING, text=_lock_uncommented()) == (
        binding_lines(True) + binding_lines(True))
    runner.boot()
    assert runner.run(BINDING) == binding_lines(True) + binding_lines(True)
    with runner.control() as scm:
        status = scm.status()
        assert status["binding"] == "production"
        assert status["led"] == "running_production"


def test_binding_info_after_lock_binding_by_another_program(runner: Runner) -> None:
    assert runner.run(BINDING) == binding_lines(False) * 2
    with runner.control() as scm:
        scm.lock_binding()
    assert runner.run(BINDING) == binding_lines(True) * 2


# -- the page's procedure, in order ---------------------------------------------------------


def test_production_procedure(runner: Runner) -> None:
    """Arm to notify, check and lock the binding, reboot, close the lid and clear until
    no breach is left (``scm-behaviour.md`` §4.6 steps 2-7)."""
    with runner.control() as scm:
        scm.sim.loop_open(0)  # the enclosure is open while the unit is prepared
    assert runner.run(ARM) == []
    assert runner.run(BINDING) == binding_lines(False) * 2
    assert runner.run(BINDING, text=_lock_uncommented()) == (
        binding_lines(False) + binding_lines(True))
    runner.boot()
    assert runner.run(BINDING) == binding_lines(True) * 2
    assert runner.run(CLEAR) == [breach_line(0), NO_BREACH]
    with runner.control() as scm:
        scm.sim.loop_close(0)  # close the lid
    assert runner.run(CLEAR) == [NO_BREACH, NO_BREACH]
    with runner.control() as scm:
        status = scm.status()
        assert status["binding"] == "production"
        assert status["destroyed"] is False
        assert status["settings"]["perimeter"] == [1, 1]
