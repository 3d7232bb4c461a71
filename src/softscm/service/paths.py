"""Where the daemon listens: the socket's directory and the socket itself, checked before
use and never repaired in place.

The rules (README, "The daemon"):

- Every directory above the socket's directory (after resolving symbolic links) is
  owned by root or by the daemon's user and is writable by nobody else, unless it has
  the sticky bit (as ``/tmp`` has): nobody else can then rename or remove what the
  daemon puts in it.
- The socket's directory itself is not a symbolic link, is owned by root or by the
  daemon's user, and is writable by nobody else (sticky or not). When it does not exist
  the daemon creates it (the last component only), mode 0750 (0711 when users outside
  the daemon's user and group are admitted) and group ``softscm`` where it can, else its
  own. A directory that exists is never chmod-ed or chown-ed.
- The socket path is either free, or a socket of the daemon's user that nobody answers
  on (a stale one, replaced). Anything else (a regular file, a symbolic link, a socket
  of another user, a live daemon) is refused and left alone.
- The socket is created with its final mode (0660, or 0666 when users outside the
  daemon's user and group are admitted: the credential check admits them), never
  through a symbolic link.
"""

from __future__ import annotations

import os
import pwd
import socket
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from softscm.errors import InvalidArgument
from softscm.service.access import user_groups

#: Mode of a socket directory the daemon creates for its own user and group.
PRIVATE_DIR_MODE = 0o750
#: Mode of a socket directory the daemon creates when others are admitted too.
SHARED_DIR_MODE = 0o711
#: Mode of the socket for the daemon's user and group.
PRIVATE_SOCKET_MODE = 0o660
#: Mode of the socket when others are admitted too (the credential check admits them).
SHARED_SOCKET_MODE = 0o666
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class Layout:
    """The modes and group the daemon gives what it creates."""

    dir_mode: int
    socket_mode: int
    gid: int | None  # None: leave the group the kernel gives


def _describe(st: os.stat_result) -> str:
    return f"mode {stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid} gid {st.st_gid}"


def _trusted_owner(uid: int) -> bool:
    return uid in (0, os.geteuid())


def check_ancestors(directory: Path) -> list[Path]:
    """Check every directory above ``directory`` (symbolic links resolved); the
    directories from ``/`` down, for :func:`unreachable`."""
    parent = Path(os.path.realpath(directory.parent))
    chain = [*reversed(parent.parents), parent]
    for path in chain:
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise InvalidArgument(f"{path} cannot be used for the daemon socket: "
                                  f"{exc.strerror}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise InvalidArgument(f"{path} is not a directory")
        if not _trusted_owner(st.st_uid):
            raise InvalidArgument(
                f"{path} is owned by uid {st.st_uid}, who could replace the daemon's "
                f"socket directory ({_describe(st)}); refusing it")
        if st.st_mode & _OTHERS_WRITE and not st.st_mode & stat.S_ISVTX:
            raise InvalidArgument(
                f"{path} is writable by others and not sticky ({_describe(st)}); "
                "refusing it")
    return chain


def check_directory(directory: Path) -> os.stat_result:
    """Check an existing socket directory; never changes it."""
    try:
        st = os.lstat(directory)
    except OSError as exc:
        raise InvalidArgument(f"{directory}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise InvalidArgument(f"the socket directory {directory} is a symbolic link; "
                              "refusing it")
    if not stat.S_ISDIR(st.st_mode):
        raise InvalidArgument(f"the socket directory {directory} is not a directory")
    if not _trusted_owner(st.st_uid):
        raise InvalidArgument(
            f"the socket directory {directory} is owned by uid {st.st_uid}, not by the "
            f"daemon's user or root ({_describe(st)}); refusing it")
    if st.st_mode & _OTHERS_WRITE:
        raise InvalidArgument(
            f"the socket directory {directory} is writable by others ({_describe(st)}); "
            "refusing it")
    return st


def prepare_directory(directory: Path, layout: Layout) -> bool:
    """Create the socket directory with ``layout`` if it does not exist (True), else
    check it (False). Nothing that exists is changed."""
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        check_directory(directory)
        return False
    except OSError as exc:
        raise InvalidArgument(f"cannot create the socket directory {directory}: "
                              f"{exc.strerror}") from None
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if layout.gid is not None:
            os.fchown(fd, -1, layout.gid)
        os.fchmod(fd, layout.dir_mode)
    finally:
        os.close(fd)
    check_directory(directory)
    return True


def clear_socket_path(path: Path, answers: Callable[[Path], bool]) -> None:
    """Make way for the socket at ``path``: nothing there, or a stale socket of ours
    (removed). ``answers(path)``: whether a daemon answers on ``path`` now."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a socket"
        raise InvalidArgument(f"{path} exists and is {kind} ({_describe(st)}); "
                              "refusing to replace it")
    if st.st_uid != os.geteuid():
        raise InvalidArgument(f"{path} is a socket of uid {st.st_uid}, not of the "
                              "daemon's user; refusing to replace it")
    if answers(path):
        raise InvalidArgument(f"another daemon is listening on {path}")
    os.unlink(path)


def bind_socket(path: Path, layout: Layout) -> tuple[socket.socket, int]:
    """A listening socket bound at ``path`` with the layout's mode and group (created
    with that mode; ``bind`` never follows a symbolic link); and its inode."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        old_umask = os.umask(0o777 & ~layout.socket_mode)
        try:
            listener.bind(str(path))
        finally:
            os.umask(old_umask)
        if layout.gid is not None:
            os.chown(path, -1, layout.gid, follow_symlinks=False)
        st = os.lstat(path)
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.geteuid():
            raise InvalidArgument(f"{path} was replaced while the daemon bound it")
    except OSError as exc:
        listener.close()
        raise InvalidArgument(f"cannot listen on {path}: {exc.strerror}") from None
    except BaseException:
        listener.close()
        raise
    return listener, st.st_ino


def remove_socket(path: Path, inode: int) -> None:
    """Remove the socket at ``path`` if it is still the one the daemon bound."""
    try:
        if os.lstat(path).st_ino == inode:
            os.unlink(path)
    except FileNotFoundError:
        pass


def _may(st: os.stat_result, uid: int | None, groups: Iterable[int], bit: int) -> bool:
    """Whether a user ``uid`` (None: an unnamed member of ``groups``) has permission
    ``bit`` (``stat.S_IXOTH``-style: 1 search, 2 write) on ``st``."""
    if uid == 0:
        return True
    mode = st.st_mode
    if uid is not None and st.st_uid == uid:
        return bool(mode & (bit << 6))
    if st.st_gid in set(groups):
        return bool(mode & (bit << 3))
    return bool(mode & bit)


def unreachable(chain: list[Path], socket_path: Path, uids: Iterable[int],
                gids: Iterable[int]) -> list[str]:
    """The users and groups (as ``"uid N"``, ``"gid N"``) who cannot reach the socket:
    every directory of ``chain`` needs search permission and the socket write
    permission for them."""
    stats = [os.stat(path) for path in chain]
    sock = os.stat(socket_path)
    missing = []
    for uid in uids:
        try:
            groups = user_groups(uid, pwd.getpwuid(uid).pw_gid)
        except KeyError:
            groups = frozenset()
        if not (all(_may(st, uid, groups, 1) for st in stats) and _may(sock, uid, groups, 2)):
            missing.append(f"uid {uid}")
    for gid in gids:
        if not (all(_may(st, None, (gid,), 1) for st in stats)
                and _may(sock, None, (gid,), 2)):
            missing.append(f"gid {gid}")
    return missing
