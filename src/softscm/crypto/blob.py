"""Locked blobs: the segmented AES-256-GCM format of ``lock`` / ``unlock``
(``zymkey-api.md`` §4.3, §5.8).

Layout::

    header   magic "SSCB" | version u8 (1) | key id u8 | segment size u32 BE
             | nonce prefix (8 bytes, from the entropy source)
    segments AES-256-GCM ciphertext || 16-byte tag, of up to segment-size plaintext
             bytes each; every segment but the last is full, the last may be empty

Segment i is encrypted with nonce = prefix || i (u32 BE) and associated data = header
|| context || i (u32 BE) || last-segment flag (u8). The context names what the blob is
bound to (the module). So a changed header, a blob of another module or key, dropped,
reordered or repeated segments, a cut (even at a segment boundary) or appended bytes
all fail to authenticate. Every failure raises the same :class:`VerificationFailed`,
which says nothing about the cause.

:func:`lock` / :func:`unlock` work on whole buffers; :class:`Locker` / :class:`Unlocker`
stream, holding at most one segment besides the chunk they are given.
"""

from __future__ import annotations

import struct
from enum import IntEnum, unique
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softscm.errors import InvalidArgument, VerificationFailed

#: First bytes of every locked blob.
MAGIC = b"SSCB"
#: Format version written after the magic.
VERSION = 1
#: Default plaintext bytes per segment: large segments cost least per byte, and a
#: stream still holds no more than one segment at a time.
SEGMENT_SIZE = 1 << 20
#: Largest segment size a blob may declare (1 MiB).
MAX_SEGMENT_SIZE = 1 << 20
#: Size in bytes of the random nonce prefix in the header.
NONCE_PREFIX_SIZE = 8
#: Size in bytes of each segment's GCM tag.
TAG_SIZE = 16
#: Size in bytes of a locking key (AES-256).
KEY_SIZE = 32

_HEADER = struct.Struct(">4sBBI8s")
_TRAILER = struct.Struct(">IB")
#: Size in bytes of the header.
HEADER_SIZE = _HEADER.size
#: Most segments a blob can have (the index is a u32).
MAX_SEGMENTS = 1 << 32

_BYTES_LIKE = (bytes, bytearray, memoryview)
_FAILED = "locked data does not authenticate"
_HAS_INTO = hasattr(AESGCM, "encrypt_into")  # cryptography >= 45 writes in place


@unique
class KeyId(IntEnum):
    """Which of the module's two locking keys a blob is locked with (§4.3). Never
    renumber: the value is written in every blob."""

    ZYMKEY = 0  #: the one-way key: only this module can unlock
    CLOUD = 1  #: the shared key


def _check_key(key32: object) -> bytes:
    if not isinstance(key32, _BYTES_LIKE) or len(key32) != KEY_SIZE:
        raise InvalidArgument(f"locking key must be {KEY_SIZE} bytes")
    return bytes(key32)


def _check_key_id(key_id: object) -> int:
    if type(key_id) is not KeyId and type(key_id) is not int:
        raise InvalidArgument(f"unknown locking key id {key_id!r}")
    try:
        return int(KeyId(key_id))
    except ValueError:
        raise InvalidArgument(f"unknown locking key id {key_id!r}") from None


def _check_segment_size(segment_size: object) -> int:
    if type(segment_size) is not int or not 1 <= segment_size <= MAX_SEGMENT_SIZE:
        raise InvalidArgument(f"segment size must be 1..{MAX_SEGMENT_SIZE} bytes")
    return segment_size


def _check_bytes(value: object, what: str) -> memoryview:
    if not isinstance(value, _BYTES_LIKE):
        raise InvalidArgument(f"{what} must be bytes, not {type(value).__name__}")
    return memoryview(value).cast("B")


def _new_header(key_id: int, segment_size: int, entropy: Callable[[int], bytes]) -> bytes:
    prefix = entropy(NONCE_PREFIX_SIZE)
    if not isinstance(prefix, bytes) or len(prefix) != NONCE_PREFIX_SIZE:
        raise InvalidArgument("entropy source did not return the size asked for")
    return _HEADER.pack(MAGIC, VERSION, key_id, segment_size, prefix)


def _parse_header(header: bytes, key_id: int) -> int:
    """The segment size of a header that is well formed and names ``key_id``."""
    magic, version, blob_key_id, segment_size, _ = _HEADER.unpack(header)
    if (
        magic != MAGIC
        or version != VERSION
        or blob_key_id != key_id
        or not 1 <= segment_size <= MAX_SEGMENT_SIZE
    ):
        raise VerificationFailed(_FAILED)
    return int(segment_size)


class _SegmentCipher:
    """AES-256-GCM with the nonce and associated data of segment i."""

    __slots__ = ("aead", "_prefix", "_aad")

    def __init__(self, key32: bytes, header: bytes, context: memoryview) -> None:
        self.aead = AESGCM(key32)
        self._prefix = header[-NONCE_PREFIX_SIZE:]
        self._aad = header + context.tobytes()

    def nonce(self, index: int) -> bytes:
        return self._prefix + index.to_bytes(4, "big")

    def aad(self, index: int, last: bool) -> bytes:
        return self._aad + _TRAILER.pack(index, last)

    def seal(self, index: int, data: memoryview | bytes, last: bool) -> bytes:
        if index >= MAX_SEGMENTS:
            raise InvalidArgument("data too long for one locked blob")
        return self.aead.encrypt(self.nonce(index), data, self.aad(index, last))

    def open(self, index: int, data: memoryview | bytes, last: bool) -> bytes:
        if index >= MAX_SEGMENTS:
            raise VerificationFailed(_FAILED)
        try:
            return self.aead.decrypt(self.nonce(index), data, self.aad(index, last))
        except InvalidTag:
            raise VerificationFailed(_FAILED) from None


def lock(
    key32: bytes,
    key_id: int,
    plaintext: bytes,
    context: bytes,
    entropy: Callable[[int], bytes],
    *,
    segment_size: int = SEGMENT_SIZE,
) -> bytearray:
    """Lock ``plaintext`` (any length, 0 included) under ``key32``, the key ``key_id``
    names, bound to ``context``. The nonce prefix comes from ``entropy``.

    Counterpart to :func:`unlock`; gives the same blob as a :class:`Locker` fed the same
    data with the same entropy.
    """
    key = _check_key(key32)
    key_id = _check_key_id(key_id)
    segment_size = _check_segment_size(segment_size)
    data = _check_bytes(plaintext, "plaintext")
    ctx = _check_bytes(context, "context")
    size = len(data)
    count = max(1, -(-size // segment_size))
    if count > MAX_SEGMENTS:
        raise InvalidArgument("data too long for one locked blob")
    header = _new_header(key_id, segment_size, entropy)
    cipher = _SegmentCipher(key, header, ctx)
    out = bytearray(HEADER_SIZE + size + count * TAG_SIZE)
    out[:HEADER_SIZE] = header
    pos = HEADER_SIZE
    last_index = count - 1
    if _HAS_INTO:
        encrypt_into = cipher.aead.encrypt_into
        with memoryview(out) as view:
            for index in range(count):
                segment = data[index * segment_size : (index + 1) * segment_size]
                end = pos + len(segment) + TAG_SIZE
                encrypt_into(
                    cipher.nonce(index),
                    segment,
                    cipher.aad(index, index == last_index),
                    view[pos:end],
                )
                pos = end
        return out
    for index in range(count):
        segment = data[index * segment_size : (index + 1) * segment_size]
        sealed = cipher.seal(index, segment, index == last_index)
        out[pos : pos + len(sealed)] = sealed
        pos += len(sealed)
    return out


def unlock(key32: bytes, key_id: int, blob: bytes | bytearray, context: bytes) -> bytearray:
    """The plaintext of a blob that :func:`lock` or :class:`Locker` made with the same
    key, key id and context. Any failure raises one :class:`VerificationFailed`; a bad
    key, key id or context type raises :class:`InvalidArgument`."""
    key = _check_key(key32)
    key_id = _check_key_id(key_id)
    ctx = _check_bytes(context, "context")
    if not isinstance(blob, _BYTES_LIKE):
        raise VerificationFailed(_FAILED)
    data = memoryview(blob).cast("B")
    if len(data) < HEADER_SIZE + TAG_SIZE:
        raise VerificationFailed(_FAILED)
    header = data[:HEADER_SIZE].tobytes()
    segment_size = _parse_header(header, key_id)
    full = segment_size + TAG_SIZE
    body = len(data) - HEADER_SIZE
    count = -(-body // full)
    if body - (count - 1) * full < TAG_SIZE or count > MAX_SEGMENTS:
        raise VerificationFailed(_FAILED)
    cipher = _SegmentCipher(key, header, ctx)
    last_index = count - 1
    if not _HAS_INTO:
        parts = [
            cipher.open(
                index,
                data[HEADER_SIZE + index * full : HEADER_SIZE + (index + 1) * full],
                index == last_index,
            )
            for index in range(count)
        ]
        return bytearray(b"".join(parts))
    out = bytearray(body - count * TAG_SIZE)
    decrypt_into = cipher.aead.decrypt_into
    pos = 0
    with memoryview(out) as view:
        for index in range(count):
            start = HEADER_SIZE + index * full
            segment = data[start : start + full]
            end = pos + len(segment) - TAG_SIZE
            try:
                decrypt_into(
                    cipher.nonce(index),
                    segment,
                    cipher.aad(index, index == last_index),
                    view[pos:end],
                )
            except InvalidTag:
                raise VerificationFailed(_FAILED) from None
            pos = end
    return out


class Locker:
    """Streaming counterpart of :func:`lock`: write :meth:`header`, then what each
    :meth:`update` returns, then what :meth:`finish` returns. Holds at most one segment
    besides the chunk it is given."""

    def __init__(
        self,
        key32: bytes,
        key_id: int,
        context: bytes,
        entropy: Callable[[int], bytes],
        *,
        segment_size: int = SEGMENT_SIZE,
    ) -> None:
        key = _check_key(key32)
        key_id = _check_key_id(key_id)
        self._segment_size = _check_segment_size(segment_size)
        self._header = _new_header(key_id, self._segment_size, entropy)
        self._cipher = _SegmentCipher(key, self._header, _check_bytes(context, "context"))
        self._buffer = bytearray()
        self._index = 0
        self._finished = False

    def header(self) -> bytes:
        """The blob's header, to be written before every segment."""
        return self._header

    def update(self, chunk: bytes) -> bytes:
        """Take more plaintext; return the segments it completes (maybe none). A full
        segment is held back until more data shows it is not the last."""
        if self._finished:
            raise InvalidArgument("the locker is finished")
        self._buffer += _check_bytes(chunk, "plaintext")
        size = self._segment_size
        if len(self._buffer) <= size:
            return b""
        out = []
        pos = 0
        with memoryview(self._buffer) as view:
            while len(view) - pos > size:
                out.append(self._cipher.seal(self._index, view[pos : pos + size], False))
                self._index += 1
                pos += size
        del self._buffer[:pos]
        return b"".join(out)

    def finish(self) -> bytes:
        """The last segment (empty plaintext if nothing else was locked)."""
        if self._finished:
            raise InvalidArgument("the locker is finished")
        self._finished = True
        last = self._cipher.seal(self._index, bytes(self._buffer), True)
        self._buffer = bytearray()
        return last


class Unlocker:
    """Streaming counterpart of :func:`unlock`: feed the blob to :meth:`update` in
    chunks of any size, then call :meth:`finish`. Only plaintext of segments that have
    verified is returned. A blob is whole only once :meth:`finish` returns: a caller
    writing to a file keeps the output out of sight until then. After a failure every
    call raises :class:`VerificationFailed`."""

    def __init__(self, key32: bytes, key_id: int, context: bytes) -> None:
        self._key = _check_key(key32)
        self._key_id = _check_key_id(key_id)
        self._context = _check_bytes(context, "context")
        self._cipher: _SegmentCipher | None = None
        self._full = 0
        self._buffer = bytearray()
        self._index = 0
        self._state = "open"  # "open", "finished" or "failed"

    def _fail(self) -> VerificationFailed:
        self._state = "failed"
        self._buffer = bytearray()
        return VerificationFailed(_FAILED)

    def _check_open(self) -> None:
        if self._state == "failed":
            raise VerificationFailed(_FAILED)
        if self._state == "finished":
            raise InvalidArgument("the unlocker is finished")

    def update(self, chunk: bytes) -> bytes:
        """Take more of the blob; return the plaintext of the segments it completes and
        that verified. A full segment is held back until more data shows it is not the
        last."""
        self._check_open()
        if not isinstance(chunk, _BYTES_LIKE):
            raise self._fail()
        self._buffer += chunk
        if self._cipher is None:
            if len(self._buffer) < HEADER_SIZE:
                return b""
            header = bytes(self._buffer[:HEADER_SIZE])
            try:
                segment_size = _parse_header(header, self._key_id)
            except VerificationFailed:
                raise self._fail() from None
            self._cipher = _SegmentCipher(self._key, header, self._context)
            self._full = segment_size + TAG_SIZE
            del self._buffer[:HEADER_SIZE]
        full = self._full
        if len(self._buffer) <= full:
            return b""
        out = []
        pos = 0
        try:
            with memoryview(self._buffer) as view:
                while len(view) - pos > full:
                    out.append(self._cipher.open(self._index, view[pos : pos + full], False))
                    self._index += 1
                    pos += full
        except VerificationFailed:
            raise self._fail() from None
        del self._buffer[:pos]
        return b"".join(out)

    def finish(self) -> bytes:
        """The plaintext of the last segment. Raises :class:`VerificationFailed` if the
        blob ended early (no header, no last segment) or the last segment is bad."""
        self._check_open()
        if self._cipher is None or len(self._buffer) < TAG_SIZE:
            raise self._fail()
        try:
            plaintext = self._cipher.open(self._index, bytes(self._buffer), True)
        except VerificationFailed:
            raise self._fail() from None
        self._state = "finished"
        self._buffer = bytearray()
        return plaintext
