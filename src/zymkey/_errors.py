"""How softscm's errors surface through the ``zymkey`` API: the one place that maps them.

- every :class:`~softscm.errors.SoftScmError` becomes Zymbit's
  ``AssertionError("bad return code N")`` with the error's ``rc`` (``zymkey-api.md``
  §2.2, §2.4);
- :class:`~softscm.errors.StoreDamaged` (a damaged state) is an unusable module, like
  one whose keys were destroyed: ``bad return code -5`` (EIO), from ``Zymkey()`` too;
- :class:`~softscm.errors.Timeout` becomes ``ZymkeyTimeoutError("wait timed out")``;
- :class:`~softscm.errors.NotImplementedYet` passes through unchanged: it is a
  ``NotImplementedError``, never mistaken for a module error;
- ``ecdh`` reports every failure as ``TypeError`` (§4.6, Q9), with a message that names
  the cause and keeps the code.

``VerificationFailed`` means "rc 0" to the methods that distinguish it (``verify*``,
``unlock`` of bytes to bytes), which catch it themselves. Anywhere else it is a failure
of the call, reported as ``-EINVAL`` (``unlock`` to or from a file, §7 item 17).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from softscm.errors import NotImplementedYet, SoftScmError, Timeout, VerificationFailed
from zymkey.exceptions import ZymkeyTimeoutError


def return_code(exc: SoftScmError) -> int:
    """The negative code Zymbit's library would have returned for ``exc``."""
    if isinstance(exc, VerificationFailed) or exc.rc >= 0:
        return -errno.EINVAL
    return exc.rc


def bad_return_code(rc: int) -> AssertionError:
    """Zymbit's report of a failed library call."""
    return AssertionError(f"bad return code {rc:d}")


class _LibraryCall:
    """Map softscm's errors raised inside the block to what Zymbit's module raises.
    (A class rather than a generator: it wraps every call, so it is kept cheap.)"""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> None:
        # Never swallows: an exception leaves the block translated or as it was.
        if exc is None or isinstance(exc, NotImplementedYet):
            return
        if isinstance(exc, Timeout):
            raise ZymkeyTimeoutError("wait timed out") from None
        if isinstance(exc, SoftScmError):
            raise bad_return_code(return_code(exc)) from None


_LIBRARY_CALL = _LibraryCall()


def library_call() -> _LibraryCall:
    """The context that maps softscm's errors raised inside it to Zymbit's."""
    return _LIBRARY_CALL


@contextmanager
def ecdh_call() -> Iterator[None]:
    """Map every failure of an ECDH/KDF call to ``TypeError``, naming its cause."""
    try:
        yield
    except NotImplementedYet:
        raise
    except SoftScmError as exc:
        raise TypeError(
            f"ECDH failed: {exc.message} (bad return code {return_code(exc)})"
        ) from None

