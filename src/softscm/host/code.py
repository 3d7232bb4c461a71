"""The installed ``softscm`` code as the module's host source, for the self test's code
digest (``scm-behaviour.md`` §9.2): the installed version and a SHA-256 over every file
of the package (its path relative to the package and its bytes; compiled caches left
out).

An editable install (a development checkout, PEP 610 ``direct_url.json`` with
``dir_info.editable``) changes its files without changing its version: there each
state of the files counts as a version of its own (``<version>+dev.<digest prefix>``),
so an edit is recorded anew (and logged) at the next boot, as an upgrade is, instead of
failing the self test."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

#: The installed package's directory.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The distribution whose version is recorded with the digest.
DISTRIBUTION = "softscm"


def code_digest(root: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the files of the package at ``root`` (compiled caches left out)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")):
        name = path.relative_to(root).as_posix().encode("utf-8")
        data = path.read_bytes()
        h.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def installed_code() -> tuple[str, str]:
    """The installed version and its code digest."""
    digest = code_digest()
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown", digest
    version = dist.version
    if _editable(dist.read_text("direct_url.json")):
        version = f"{version}+dev.{digest[:12]}"
    return version, digest


def _editable(direct_url: str | None) -> bool:
    """Whether PEP 610 ``direct_url.json`` describes an editable install."""
    if not direct_url:
        return False
    try:
        info = json.loads(direct_url)
    except ValueError:
        return False
    dir_info = info.get("dir_info") if isinstance(info, dict) else None
    return isinstance(dir_info, dict) and dir_info.get("editable") is True
