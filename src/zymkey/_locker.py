"""Data lock and unlock (``zymkey-api.md`` §4.3).

A ``str`` is a path, anything else is data (``src``) or "return the result" (``dst``):
the wrapper decides by ``isinstance(x, str)`` (Q5). The key name is checked first, with a
bare ``AssertionError`` (Q6), raised explicitly so that it also holds under
``python -O``.
"""

from __future__ import annotations

from typing import Any

from softscm.client.files import read_file, write_file
from softscm.errors import VerificationFailed
from zymkey._cargs import c_bytes, c_string
from zymkey._constants import ENCRYPTION_KEYS, ZYMKEY_ENCRYPTION_KEY
from zymkey._errors import library_call
from zymkey._facade import Facade
from zymkey.exceptions import VerificationError


def _data(src: Any) -> bytes | bytearray:
    """Plaintext or blob as the wrapper takes it; ``bytes`` and ``bytearray`` pass as
    they are (the call reads them before it returns), the rest is converted."""
    return src if type(src) in (bytes, bytearray) else c_bytes(src)


def _fresh(data: Any) -> bytearray:
    """The client's result as the ``bytearray`` Zymbit returns (the client hands over a
    new one, so it is not copied again)."""
    return data if type(data) is bytearray else bytearray(data)


def _arguments(src: Any, dst: Any,
               encryption_key: Any) -> tuple[str, str | None, bytes | bytearray, str | None]:
    """The arguments of :meth:`~LockerMethods.lock` and :meth:`~LockerMethods.unlock`:
    the key name, checked first (Q6); ``src`` as a path, or else as data; ``dst`` as a
    path, or ``None`` to return the result (Q5)."""
    if encryption_key not in ENCRYPTION_KEYS:
        raise AssertionError()
    src_path = c_string(src) if isinstance(src, str) else None
    data = _data(src) if src_path is None else b""
    dst_path = c_string(dst) if isinstance(dst, str) else None
    return str(encryption_key), src_path, data, dst_path


class LockerMethods(Facade):
    """``lock`` and ``unlock``, in their four file/bytes modes."""

    def lock(self, src: Any, dst: Any = None,
             encryption_key: Any = ZYMKEY_ENCRYPTION_KEY) -> bytearray | None:
        """Encrypt and authenticate ``src`` with the ``"zymkey"`` (one-way, default) or
        ``"cloud"`` (shared) key. Counterpart to :meth:`unlock`.

        ``src`` is a path if it is a ``str``, else bytes-like plaintext (``bytes``,
        ``bytearray``, a list of ints...). If ``dst`` is a ``str`` the locked blob is
        written to that path and ``None`` is returned; otherwise the blob is returned as
        a ``bytearray``.
        """
        key, src_path, data, dst_path = _arguments(src, dst, encryption_key)
        with library_call():
            if src_path is not None and dst_path is not None:
                self._client.lock_file(src_path, dst_path, key)
                return None
            if src_path is not None:
                data = read_file(src_path)
            blob = self._client.lock(data, key)
            if dst_path is not None:
                write_file(dst_path, blob)
                return None
            return _fresh(blob)

    def unlock(self, src: Any, dst: Any = None, encryption_key: Any = ZYMKEY_ENCRYPTION_KEY,
               raise_exception: Any = True) -> bytearray | None:
        """Check and decrypt ``src``, a blob made by :meth:`lock`, with the key it was
        locked with.

        ``src`` and ``dst`` follow :meth:`lock`'s rules. Bytes to bytes, a blob that
        does not verify raises :class:`~zymkey.exceptions.VerificationError`, or returns
        ``None`` when ``raise_exception`` is false (Q4). In the modes that involve a
        file, ``raise_exception`` is not used and a blob that does not verify is a
        failure of the call (``AssertionError``); nothing is written.
        """
        key, src_path, blob, dst_path = _arguments(src, dst, encryption_key)
        with library_call():
            if src_path is not None and dst_path is not None:
                self._client.unlock_file(src_path, dst_path, key)
                return None
            if src_path is not None:
                return _fresh(self._client.unlock(read_file(src_path), key))
            if dst_path is not None:
                write_file(dst_path, self._client.unlock(blob, key))
                return None
            try:
                return _fresh(self._client.unlock(blob, key))
            except VerificationFailed:
                pass
        if raise_exception:
            raise VerificationError()
        return None
