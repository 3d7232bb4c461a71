"""Files read and written on the client side: every path given to the API is handled
in the calling process, never by the module (``DESIGN.md``). Failures are
:class:`~softscm.errors.FileError` carrying the negated OS errno."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Union

from softscm.errors import FileError

PathLike = Union[str, "os.PathLike[str]"]


def file_error(action: str, path: PathLike, exc: OSError) -> FileError:
    """The error for a failed read or write of ``path``."""
    return FileError(f"cannot {action} {os.fspath(path)!r}: {exc.strerror}",
                     rc=-(exc.errno or 5))


class AtomicWriter:
    """A file written beside its target and renamed over it only on success, with the
    permissions ``open()`` would give it (0o666 less the umask)."""

    def __init__(self, path: PathLike) -> None:
        self._target = Path(path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".softscm-", dir=self._target.parent)
        except OSError as exc:
            raise file_error("write", path, exc) from None
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "wb")

    def __enter__(self) -> AtomicWriter:
        return self

    def write(self, data: bytes | bytearray) -> None:
        try:
            self._file.write(data)
        except OSError as exc:
            raise file_error("write", self._target, exc) from None

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None:
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if exc_type is None:
                os.chmod(self._tmp, 0o666 & ~_umask())
                os.replace(self._tmp, self._target)
        except OSError as exc:
            raise file_error("write", self._target, exc) from None
        finally:
            self._tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_file(path: PathLike) -> bytes:
    """The contents of ``path``."""
    try:
        with open(os.fspath(path), "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise file_error("read", path, exc) from None


def write_file(path: PathLike, data: bytes | bytearray) -> None:
    """Write ``data`` to ``path`` atomically: a reader sees the old file or the new one."""
    with AtomicWriter(path) as out:
        out.write(data)
