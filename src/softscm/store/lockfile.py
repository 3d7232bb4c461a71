"""Who holds a state directory: one daemon exclusively, or in-process users shared.

A daemon takes an exclusive ``flock`` on ``owner.lock`` and writes its socket path into
it; every in-process user takes a shared lock. So a second daemon, or a daemon on a state
that processes hold open in-process, is refused, and an in-process open of a state a
daemon serves is refused with a message naming its socket (``DESIGN.md``).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from softscm.errors import ConnectionFailed
from softscm.store.paths import ensure_state_directory, open_private

#: File name of the lock inside a state directory.
LOCK_NAME = "owner.lock"


class StateLock:
    """A held lock on a state directory; release it with :meth:`release`."""

    def __init__(self, fd: int, *, clear: bool = False) -> None:
        self._fd = fd
        self._clear = clear

    def fileno(self) -> int:
        """The descriptor holding the lock (-1 once released): a daemon's workers
        inherit it, so that the state stays held until the last of them has ended."""
        return self._fd

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._fd >= 0:
            if self._clear:
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = -1

    def make_exclusive(self, directory: Path, *, advice: str = "close them first") -> None:
        """Hold the state alone from now on (a shared lock becomes exclusive); refused,
        and the lock given up, while other processes have the state open (the error
        ends with ``advice``: what the caller should do)."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.release()
            raise ConnectionFailed(
                f"the state in {directory} is open in other processes{_naming(directory)}; "
                f"{advice}") from None


def is_free(directory: Path) -> bool:
    """Whether nobody holds the state in ``directory`` now: no daemon, none of its
    workers, no in-process user (what a daemon's start or ``init --replace`` needs)."""
    fd = _open(directory)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # (and with it the lock just taken)
    return True


def holders(directory: Path) -> list[int]:
    """The processes other than this one that have the lock file of ``directory`` open
    (a daemon, its workers, in-process users), ascending; only those whose descriptors
    this user may read (``/proc``): all of them for root."""
    target = os.path.realpath(directory / LOCK_NAME)
    me = os.getpid()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") == target:
                    found.append(int(entry))
                    break
            except OSError:
                continue
    return sorted(found)


def _naming(directory: Path) -> str:
    """`` (processes 12, 34)``: the holders of ``directory`` this user can see, if any."""
    pids = holders(directory)
    if not pids:
        return ""
    return f" (process{'es' if len(pids) > 1 else ''} {', '.join(map(str, pids))})"


def _open(directory: Path) -> int:
    ensure_state_directory(directory)
    return open_private(directory / LOCK_NAME)


#: What an in-process user of a state that a daemon serves is told to do instead.
CONNECT_INSTEAD = "connect to it (SOFTSCM_SOCKET) instead of opening the state in-process"


def _served_by(fd: int) -> str:
    """The daemon named by the lock file: ``the daemon at SOCKET``, or ``a daemon``
    while its socket is not written yet."""
    os.lseek(fd, 0, os.SEEK_SET)
    where = os.read(fd, 4096).decode("utf-8", "replace").strip()
    return f"the daemon at {where}" if where else "a daemon"


def lock_shared(directory: Path, *, advice: str = CONNECT_INSTEAD) -> StateLock:
    """Join a state as an in-process user; refused while a daemon serves it, with
    ``advice`` (what to do; default: connect to the daemon) after the daemon's name."""
    fd = _open(directory)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        daemon = _served_by(fd)
        os.close(fd)
        raise ConnectionFailed(
            f"the state in {directory} is served by {daemon}; {advice}") from None
    return StateLock(fd)


def lock_exclusive(directory: Path, socket_path: str) -> StateLock:
    """Take a state for a daemon listening on ``socket_path``; refused if another daemon
    serves it or processes hold it open in-process."""
    fd = _open(directory)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        daemon = _served_by(fd)
        os.close(fd)
        raise ConnectionFailed(
            f"the state in {directory} is in use (by {daemon}, or by processes that "
            f"opened it in-process){_naming(directory)}; stop them first") from None
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, socket_path.encode("utf-8"))
    return StateLock(fd, clear=True)


def check_worker(directory: Path, socket_path: str) -> None:
    """Refuse, unless the state in ``directory`` is held by the daemon listening on
    ``socket_path`` (a worker of that daemon opens it without a lock of its own, under
    the daemon's)."""
    fd = _open(directory)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.lseek(fd, 0, os.SEEK_SET)
            if os.read(fd, 4096).decode("utf-8", "replace").strip() == socket_path:
                return
        raise ConnectionFailed(
            f"the state in {directory} is not held by the daemon at {socket_path}: a "
            "daemon's worker is started by its daemon (`softscm serve`)")
    finally:
        os.close(fd)
