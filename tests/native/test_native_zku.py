"""Zymbit's own ctypes binding (zku) over libzk_app_utils (``c-api.md`` A2).

Opt-in: ``SOFTSCM_ZKU_PYTHON`` names the interpreter of a virtual environment where
``zku`` is installed (Python 3.11 or older: zku imports ``distutils``). The test installs
the library where zku looks first, ``<site-packages>/usr/lib/libzk_app_utils.so`` of that
environment, and runs the project's example programs under zku and under softscm's
``zymkey``: they print the same, random values aside.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from native_support import NATIVE

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src"
ZKU_PYTHON = os.environ.get("SOFTSCM_ZKU_PYTHON", "")


@pytest.fixture(scope="module")
def zku_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not ZKU_PYTHON:
        pytest.skip("set SOFTSCM_ZKU_PYTHON to a Python with zku installed to run zku")
    site = subprocess.run(
        [ZKU_PYTHON, "-c", "from distutils.sysconfig import get_python_lib; "
                           "print(get_python_lib())"],
        check=True, capture_output=True, text=True).stdout.strip()
    build = tmp_path_factory.mktemp("zku-build")
    subprocess.run(["make", "-s", "-C", str(NATIVE), f"BUILD={build}", f"PREFIX={site}/usr",
                    "install"], check=True, capture_output=True)
    return ZKU_PYTHON


def _masked(text: str) -> list[str]:
    """Lines with hex strings, bytes in hex and numbers replaced: what is random."""
    text = re.sub(r"\b(?:[0-9A-Fa-f]{2} )+[0-9A-Fa-f]{2}\b", "<bytes>", text)
    text = re.sub(r"\b(?:0x)?[0-9A-Fa-f]{8,}\b", "<hex>", text)
    return re.sub(r"-?\d+(?:\.\d+)?", "<n>", text).splitlines()


def test_zku_binds_all_76_functions(zku_python, native_daemon):
    # zku binds each symbol under a name of its own (``_zkAddSLIP39Member``...).
    script = ("import zymkey; assert zymkey.client is not None; "
              "cls = type(zymkey.client); "
              "print(' '.join(getattr(cls, n).__name__ for n in dir(cls) "
              "if n.startswith('_zk') and n[3].isupper()))")
    result = subprocess.run([zku_python, "-c", script], env=native_daemon.env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    declared = re.findall(r"^int (zk\w+)\(", (NATIVE / "include" / "zk_app_utils.h").read_text(),
                          re.MULTILINE)
    assert sorted(result.stdout.split()) == sorted(declared)
    assert len(declared) == 76


def test_zku_client_is_none_without_a_daemon(zku_python, tmp_path):
    env = dict(os.environ, SOFTSCM_SOCKET=str(tmp_path / "none.sock"),
               XDG_RUNTIME_DIR=str(tmp_path))
    result = subprocess.run([zku_python, "-c", "import zymkey; print(zymkey.client)"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


@pytest.mark.parametrize("program", ["zk_app_utils_demo.py", "seed_binding_info.py",
                                     "verify_sigs.py", "eth_sign.py"])
def test_programs_print_the_same_under_zku(zku_python, own_daemon, tmp_path, program):
    outputs = []
    for name, python, extra in (("zku", zku_python, {}),
                                ("softscm", sys.executable, {"PYTHONPATH": str(SRC)})):
        work = tmp_path / name
        work.mkdir()
        result = subprocess.run([python, str(TESTS / "programs" / program)], cwd=work,
                                env=own_daemon.env(**extra), capture_output=True, text=True,
                                timeout=300)
        missing = re.search(r"No module named '(\w+)'", result.stderr)
        if name == "zku" and missing and missing.group(1) != "zymkey":
            pytest.skip(f"{program} needs {missing.group(1)} in the zku environment")
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(_masked(result.stdout))
    assert outputs[0] == outputs[1]
