"""The repository's own promises: CI runs exactly the README's test command."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert len(blocks) >= 2
    run, test = blocks[0].strip(), blocks[1].strip()
    assert "softscm" in run and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text()
    assert test in ci.splitlines()


def _readme_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_commands_install_into_a_venv() -> None:
    """Debian 12 and Raspberry Pi OS refuse pip installs into the system Python."""
    run, test = _readme_blocks()[:2]
    for command in (run, test):
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install ")


def test_every_vector_file_is_named_with_its_checksum() -> None:
    folder = ROOT / "tests" / "vectors"
    sources = (folder / "SOURCES.md").read_text()
    listed = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", sources, flags=re.M)
    )
    present = {
        path.relative_to(folder).as_posix(): path
        for path in folder.rglob("*") if path.is_file() and path.name != "SOURCES.md"
    }
    assert set(listed) == set(present)
    for name, path in present.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name], name
        assert f"`{name}`" in sources, f"{name} has no row naming its source and licence"


def _unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "packaging" / "softscm.service").read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_runs_as_the_user_sysusers_creates() -> None:
    unit = _unit_settings()
    assert unit["User"] == ["softscm"] and unit["Group"] == ["softscm"]
    sysusers = (ROOT / "packaging" / "softscm.sysusers").read_text().splitlines()
    assert any(line.split()[:2] == ["u", "softscm"] for line in sysusers if line.strip())
    binary = unit["ExecStart"][0].split()[0]
    readme = (ROOT / "README.md").read_text()
    assert f"`{binary}`" in readme, "the README says where the unit's binary comes from"
    assert "packaging/softscm.sysusers" in readme and "usermod -aG softscm" in readme
