"""The data lock: ``lock`` and ``unlock`` with the module's two data-lock keys, whole or
as streams of chunks (softscm's segmented blob format, :mod:`softscm.crypto.blob`).

The data-lock keys are drawn at provisioning and kept sealed under the master key; a
process opens them when it opens the state, and holds none without the master key. The
streams are this process's: a self-destruct closes them with the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softscm.crypto import blob as blob_format
from softscm.crypto import seal
from softscm.errors import Destroyed, InvalidArgument, VerificationFailed
from softscm.module.checks import check_bytes

if TYPE_CHECKING:
    from softscm.module.context import Context

#: Data-lock keys by name, with the key id written into each blob.
LOCK_KEYS = {"zymkey": blob_format.KeyId.ZYMKEY, "cloud": blob_format.KeyId.CLOUD}
#: Length of a data-lock key, in bytes.
LOCK_KEY_BYTES = 32
#: Most lock/unlock streams open at once in one module.
MAX_STREAMS = 64
#: Largest chunk one stream call takes, in bytes (a segment and some).
MAX_STREAM_CHUNK = (1 << 20) + 4096


def _meta_name(name: str) -> str:
    return f"lock_key_{name}"


def _aad(name: str, serial: str) -> bytes:
    return b"lock/" + name.encode() + b"/" + serial.encode("ascii")


def new_sealed_lock_keys(master: bytes, serial: str,
                         entropy: Callable[[int], bytes]) -> dict[str, bytes]:
    """A new module's data-lock keys, drawn from ``entropy``, as the meta entries that
    keep them sealed under ``master``."""
    return {_meta_name(name): seal.seal(master, entropy(LOCK_KEY_BYTES),
                                        _aad(name, serial), entropy)
            for name in LOCK_KEYS}


def check_lock_key(key: object) -> str:
    """The name of a data-lock key: ``"zymkey"`` or ``"cloud"``."""
    if not isinstance(key, str) or key not in LOCK_KEYS:
        raise InvalidArgument(f"unknown data-lock key {key!r} (zymkey or cloud)")
    return key


class DataLock:
    """The data-lock keys of a module, as this process opened them (``meta``: the
    store's meta entries, read once at opening), and its open streams."""

    def __init__(self, context: Context, meta: dict[str, Any]) -> None:
        self._c = context
        self._blob_context = context.serial.encode("ascii")
        master = context.master_key()
        self._keys = {} if master is None else {
            name: seal.open_sealed(master, bytes(meta[_meta_name(name)]),
                                   _aad(name, context.serial))
            for name in LOCK_KEYS
        }
        self._streams: dict[int, _LockStream | _UnlockStream] = {}
        self._next_stream = 1

    def forget(self) -> None:
        """The keys were destroyed: forget the data-lock keys and close every stream."""
        self._keys = {}
        self._streams.clear()

    @property
    def open_streams(self) -> int:
        """How many streams are open."""
        return len(self._streams)

    def _key(self, key: str) -> tuple[bytes, int]:
        """The data-lock key named ``key`` (checked), once the host guard let the call
        through."""
        secret = self._keys.get(key)
        if secret is None:  # pragma: no cover - the host guard refuses a destroyed module
            raise Destroyed("the data-lock keys were destroyed")
        return secret, LOCK_KEYS[key]

    def lock(self, data: bytes, key: str = "zymkey") -> bytearray:
        """Encrypt and authenticate ``data`` with the data-lock key ``key``."""
        check_lock_key(key)
        check_bytes("data", data)
        self._c.host_guard()
        secret, key_id = self._key(key)
        return blob_format.lock(secret, key_id, data, self._blob_context, self._c.entropy)

    def unlock(self, blob: bytes, key: str = "zymkey") -> bytearray:
        """Check and decrypt a locked blob; ``VerificationFailed`` for any mismatch."""
        check_lock_key(key)
        check_bytes("blob", blob)
        self._c.host_guard()
        secret, key_id = self._key(key)
        return blob_format.unlock(secret, key_id, blob, self._blob_context)

    def stream_open(self, mode: str, key: str = "zymkey") -> int:
        """Start a ``"lock"`` or ``"unlock"`` stream; returns its handle."""
        check_lock_key(key)
        if mode not in ("lock", "unlock"):
            raise InvalidArgument(f"unknown stream mode {mode!r} (lock or unlock)")
        if len(self._streams) >= MAX_STREAMS:
            raise InvalidArgument(f"at most {MAX_STREAMS} lock/unlock streams may be open")
        self._c.host_guard()
        secret, key_id = self._key(key)
        handle = self._next_stream
        self._next_stream += 1
        if mode == "lock":
            self._streams[handle] = _LockStream(
                blob_format.Locker(secret, key_id, self._blob_context, self._c.entropy)
            )
        else:
            self._streams[handle] = _UnlockStream(
                blob_format.Unlocker(secret, key_id, self._blob_context)
            )
        return handle

    def _stream(self, handle: int) -> _LockStream | _UnlockStream:
        stream = self._streams.get(handle) if type(handle) is int else None
        if stream is None:
            raise InvalidArgument(f"no open stream {handle!r}")
        return stream

    def stream_update(self, handle: int, chunk: bytes) -> bytes:
        """Feed a chunk; returns the output it completes (only verified plaintext when
        unlocking). A chunk that does not verify closes the stream."""
        stream = self._stream(handle)
        check_bytes("chunk", chunk)
        if len(chunk) > MAX_STREAM_CHUNK:
            raise InvalidArgument(f"a stream chunk is at most {MAX_STREAM_CHUNK} bytes")
        try:
            return stream.update(chunk)
        except VerificationFailed:
            del self._streams[handle]
            raise

    def stream_finish(self, handle: int) -> bytes:
        """End a stream: the last output. The handle is closed either way."""
        stream = self._stream(handle)
        del self._streams[handle]
        return stream.finish()

    def stream_abort(self, handle: int) -> None:
        """Drop a stream without output."""
        self._streams.pop(handle, None)


class _LockStream:
    """A lock stream: the blob header goes out before the first segment."""

    def __init__(self, locker: blob_format.Locker) -> None:
        self._locker = locker
        self._header: bytes = locker.header()

    def _with_header(self, out: bytes) -> bytes:
        header, self._header = self._header, b""
        return header + out if header else out

    def update(self, chunk: bytes) -> bytes:
        return self._with_header(self._locker.update(chunk))

    def finish(self) -> bytes:
        return self._with_header(self._locker.finish())


class _UnlockStream:
    """An unlock stream: plaintext of verified segments only."""

    def __init__(self, unlocker: blob_format.Unlocker) -> None:
        self._unlocker = unlocker

    def update(self, chunk: bytes) -> bytes:
        return bytes(self._unlocker.update(chunk))

    def finish(self) -> bytes:
        return bytes(self._unlocker.finish())
