"""What the C library's tests share: where the sources are, builds, the daemon they
run against, and compiling a C program as the spec says."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from daemon_process import start_daemon
from softscm.client import Client
from softscm.client.socket_transport import SocketTransport

NATIVE = Path(__file__).resolve().parents[2] / "native"
PROGRAMS = Path(__file__).parent / "programs"


@dataclass(frozen=True)
class Build:
    """A build of the library: the shared object, its directory and the headers."""

    lib: Path
    include: Path

    @property
    def libdir(self) -> Path:
        return self.lib.parent


class Daemon:
    """``softscm serve --socket S`` on a fresh module in ``home``; stop/start keep it."""

    def __init__(self, home: Path, socket: Path) -> None:
        self.home = home
        self.socket = socket
        self.proc: subprocess.Popen | None = None
        self.boot = home.parent / "boot"

    def start(self) -> None:
        self.proc = start_daemon(self.home, self.socket)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
            self.proc = None
        self.socket.unlink(missing_ok=True)

    def env(self, build: Build | None = None, **extra: str) -> dict[str, str]:
        """The environment of a program that reaches this daemon (and finds ``build``)."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("SOFTSCM_HOME", "XDG_RUNTIME_DIR")}
        env["SOFTSCM_SOCKET"] = str(self.socket)
        if build is not None:
            env["LD_LIBRARY_PATH"] = str(build.libdir)
        env.update(extra)
        return env

    def client(self) -> Client:
        return Client(SocketTransport(self.socket))


def compile_program(build: Build, source: Path, out: Path, *flags: str,
                    lib: Path | None = None) -> Path:
    """Compile a C program as the spec says (source before ``-l``, C8)."""
    libdir = (lib or build.lib).parent
    subprocess.run(
        ["gcc", "-std=gnu99", "-Wall", *flags, str(source), "-I", str(build.include),
         "-L", str(libdir), "-l", "zk_app_utils", "-o", str(out)],
        check=True, capture_output=True, text=True,
    )
    return out
