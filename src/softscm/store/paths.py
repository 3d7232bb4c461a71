"""Paths of a state directory, checked before use and never trusted (``DESIGN.md``).

A state directory must be a real directory (not a symlink), owned by the user the
process runs as (its effective uid; so a root-owned one only for root), and writable by
no one else. Files in it (the database and its ``-wal``/``-shm``, the host salt, the
lock file) must be regular files of that same owner that no one else may write. What
is wrong is refused with a :class:`~softscm.errors.FileError` naming the path; nothing
is repaired in place, except that a file of ours readable by others is made owner-only.

New files are created without following symlinks, exclusively, with mode 0600; a
directory is created with mode 0700, and the mode of a directory this module did not
create is never changed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from softscm.errors import FileError

#: Permission bits no one but the owner may hold on a state directory or file.
_FOREIGN_WRITE = stat.S_IWGRP | stat.S_IWOTH
#: Permission bits beyond the owner's on a file (removed from files of ours).
_FOREIGN_ANY = 0o077
#: Mode of every file the module creates.
FILE_MODE = 0o600
#: Mode of a state directory the module creates.
DIRECTORY_MODE = 0o700


def current_uid() -> int:
    """The user a state must belong to: the effective uid (tests replace this)."""
    return os.geteuid()


def _refuse(path: Path, why: str, code: int = errno.EPERM) -> FileError:
    return FileError(f"refusing the state path {path}: {why}", rc=-code)


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def ensure_state_directory(directory: Path) -> Path:
    """Check the state ``directory`` (created, mode 0700, when missing) and return it."""
    try:
        st = os.lstat(directory)
    except FileNotFoundError:
        try:
            directory.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(directory, DIRECTORY_MODE)
        except FileExistsError:
            pass  # another process made it meanwhile: check theirs
        except OSError as exc:
            raise FileError(f"cannot create the state directory {directory}: "
                            f"{exc.strerror}", rc=-(exc.errno or errno.EIO)) from None
        st = os.lstat(directory)
    except OSError as exc:
        raise FileError(f"cannot read the state directory {directory}: {exc.strerror}",
                        rc=-(exc.errno or errno.EIO)) from None
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(directory, "it is a symbolic link; name the real directory",
                      errno.ELOOP)
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(directory, "it is not a directory", errno.ENOTDIR)
    _check_owner(directory, st, "directory")
    if st.st_mode & _FOREIGN_WRITE:
        raise _refuse(directory, f"it is writable by group or others (mode "
                      f"{stat.S_IMODE(st.st_mode):04o}); make it owner-only (chmod 700)")
    return directory


def _check_owner(path: Path, st: os.stat_result, what: str) -> None:
    uid = current_uid()
    if st.st_uid != uid:
        raise _refuse(path, f"the {what} belongs to {_owner_name(st.st_uid)}, not to "
                      f"{_owner_name(uid)} who runs this module; a state is used only by "
                      "its owner")


def _check_file(path: Path, st: os.stat_result) -> bool:
    """Refuse a state file that is not a regular file of ours or that others may write;
    whether others may read it (then the caller makes it owner-only)."""
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "it is not a regular file", errno.EINVAL)
    _check_owner(path, st, "file")
    if st.st_mode & _FOREIGN_WRITE:
        raise _refuse(path, f"it is writable by group or others (mode "
                      f"{stat.S_IMODE(st.st_mode):04o})")
    return bool(st.st_mode & _FOREIGN_ANY)


def check_state_file(path: Path) -> bool:
    """Check an existing file of a state directory; ``False`` if there is none. A file of
    ours that others may read is made owner-only (it is ours, in a directory of ours)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}",
                        rc=-(exc.errno or errno.EIO)) from None
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(path, "it is a symbolic link", errno.ELOOP)
    if _check_file(path, st):
        try:
            os.chmod(path, FILE_MODE)
        except OSError as exc:
            raise FileError(f"cannot make {path} owner-only: {exc.strerror}",
                            rc=-(exc.errno or errno.EIO)) from None
    return True


def open_private(path: Path, flags: int = os.O_RDWR) -> int:
    """Open a file of a state directory, creating it (mode 0600) when missing, never
    through a symlink; an existing one is checked as :func:`check_state_file` does. The
    descriptor is the caller's to close."""
    base = flags | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, base | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            fd = os.open(path, base)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(path, "it is a symbolic link", errno.ELOOP) from None
        raise FileError(f"cannot open {path}: {exc.strerror}",
                        rc=-(exc.errno or errno.EIO)) from None
    try:
        if _check_file(path, os.fstat(fd)):
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> int:
    """Create a new file (mode 0600, exclusively, never through a symlink) for writing;
    ``FileExistsError`` if the name is taken. The descriptor is the caller's."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                   FILE_MODE)
