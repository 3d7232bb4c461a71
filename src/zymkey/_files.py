"""Files read and written by the client side of ``lock``/``unlock``.

The file paths of the ``zymkey`` API are handled in the calling process, never by the
module (``DESIGN.md``). ``softscm.Client`` covers the file-to-file modes; the mixed
modes (file to bytes, bytes to file) read or write here. Failures are
:class:`~softscm.errors.FileError` with the negated OS errno, as in the client.
"""

from __future__ import annotations

import os
import tempfile

from softscm.errors import FileError


def _file_error(verb: str, path: str, exc: OSError) -> FileError:
    return FileError(f"cannot {verb} {path!r}: {exc.strerror}", rc=-(exc.errno or 5))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_file(path: str) -> bytes:
    """The contents of ``path``."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise _file_error("read", path, exc) from None


def write_file(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: a reader sees the old file or the new.
    The file gets the permissions ``open()`` would give it (0o666 less the umask)."""
    directory = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=".zymkey-", dir=directory)
    except OSError as exc:
        raise _file_error("write", path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _file_error("write", path, exc) from None
