"""Locked blobs: round trips, the streaming classes, and every kind of tampering."""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softscm.crypto import blob
from softscm.crypto.blob import (
    HEADER_SIZE,
    MAGIC,
    MAX_SEGMENT_SIZE,
    SEGMENT_SIZE,
    TAG_SIZE,
    KeyId,
    Locker,
    Unlocker,
    lock,
    unlock,
)
from softscm.errors import InvalidArgument, VerificationFailed

KEY = hashlib.sha256(b"locking key").digest()
OTHER_KEY = hashlib.sha256(b"another key").digest()
CONTEXT = b"module serial 0001"
SIZES = [0, 1, 65535, 65536, 65537, 3 * 65536]


def entropy(seed: bytes = b"blob") -> Callable[[int], bytes]:
    """Deterministic bytes, so that the streaming and one-shot blobs can be compared."""
    counter = [0]

    def draw(n: int) -> bytes:
        out = b""
        while len(out) < n:
            counter[0] += 1
            out += hashlib.sha256(seed + counter[0].to_bytes(8, "big")).digest()
        return out[:n]

    return draw


def data_of(size: int) -> bytes:
    return os.urandom(size)


def segments_of(locked: bytes, segment_size: int) -> list[bytes]:
    body = locked[HEADER_SIZE:]
    full = segment_size + TAG_SIZE
    return [body[i : i + full] for i in range(0, len(body), full)]


def fails(locked: object, *, key: bytes = KEY, key_id: int = 0, context: bytes = CONTEXT) -> None:
    """Both the one-shot and the streaming unlock refuse ``locked``, with the one
    message."""
    with pytest.raises(VerificationFailed) as info:
        unlock(key, key_id, locked, context)  # type: ignore[arg-type]
    assert str(info.value) == "locked data does not authenticate"
    with pytest.raises(VerificationFailed) as info:
        unlocker = Unlocker(key, key_id, context)
        unlocker.update(locked)  # type: ignore[arg-type]
        unlocker.finish()
    assert str(info.value) == "locked data does not authenticate"


# -- format and round trips ----------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_round_trip(size: int) -> None:
    data = data_of(size)
    locked = lock(KEY, KeyId.ZYMKEY, data, CONTEXT, entropy())
    segments = max(1, -(-size // SEGMENT_SIZE))
    assert len(locked) == HEADER_SIZE + size + segments * TAG_SIZE
    assert unlock(KEY, KeyId.ZYMKEY, locked, CONTEXT) == data
    assert unlock(KEY, 0, bytes(locked), bytearray(CONTEXT)) == data


def test_header_layout() -> None:
    locked = lock(KEY, KeyId.CLOUD, b"abc", CONTEXT, lambda n: b"\xaa" * n, segment_size=1000)
    assert locked[:HEADER_SIZE] == MAGIC + bytes([1, 1]) + struct.pack(">I", 1000) + b"\xaa" * 8
    assert HEADER_SIZE == 18


def test_empty_plaintext_is_one_empty_last_segment() -> None:
    locked = lock(KEY, 0, b"", CONTEXT, entropy())
    assert len(locked) == HEADER_SIZE + TAG_SIZE
    assert unlock(KEY, 0, locked, CONTEXT) == b""


def test_output_types() -> None:
    locked = lock(KEY, 0, b"data", CONTEXT, entropy())
    assert isinstance(locked, (bytes, bytearray))
    assert isinstance(unlock(KEY, 0, locked, CONTEXT), (bytes, bytearray))


def test_blobs_differ_by_nonce_prefix() -> None:
    first = lock(KEY, 0, b"same", CONTEXT, entropy(b"a"))
    second = lock(KEY, 0, b"same", CONTEXT, entropy(b"b"))
    assert first != second
    assert first == lock(KEY, 0, b"same", CONTEXT, entropy(b"a"))


@pytest.mark.parametrize("size", SIZES)
def test_without_in_place_aead_gives_the_same_blob(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data_of(size)
    expected = lock(KEY, 0, data, CONTEXT, entropy())
    monkeypatch.setattr(blob, "_HAS_INTO", False)
    assert lock(KEY, 0, data, CONTEXT, entropy()) == expected
    assert unlock(KEY, 0, expected, CONTEXT) == data
    fails(expected[:-1])


# -- streaming -----------------------------------------------------------------------------


def stream_lock(data: bytes, chunk: int, segment_size: int = SEGMENT_SIZE) -> bytes:
    locker = Locker(KEY, 0, CONTEXT, entropy(), segment_size=segment_size)
    parts = [locker.header()]
    for i in range(0, len(data), chunk):
        parts.append(locker.update(data[i : i + chunk]))
    parts.append(locker.finish())
    return b"".join(parts)


def stream_unlock(locked: bytes, chunk: int) -> bytes:
    unlocker = Unlocker(KEY, 0, CONTEXT)
    parts = [unlocker.update(locked[i : i + chunk]) for i in range(0, len(locked), chunk)]
    parts.append(unlocker.finish())
    return b"".join(parts)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chunk", [1000, 65536, 65537, 300000])
def test_streaming_matches_one_shot(size: int, chunk: int) -> None:
    data = data_of(size)
    one_shot = lock(KEY, 0, data, CONTEXT, entropy())
    streamed = stream_lock(data, chunk)
    assert streamed == one_shot
    assert stream_unlock(one_shot, chunk) == data
    assert unlock(KEY, 0, streamed, CONTEXT) == data


def test_locker_emits_only_complete_segments() -> None:
    locker = Locker(KEY, 0, CONTEXT, entropy(), segment_size=10)
    assert locker.update(b"x" * 10) == b""  # might be the last segment
    assert len(locker.update(b"x")) == 10 + TAG_SIZE
    assert len(locker.update(b"x" * 25)) == 2 * (10 + TAG_SIZE)
    assert len(locker.finish()) == 6 + TAG_SIZE
    with pytest.raises(InvalidArgument):
        locker.update(b"more")
    with pytest.raises(InvalidArgument):
        locker.finish()


def test_unlocker_memory_is_bounded_by_a_segment() -> None:
    """Plaintext comes out no later than one segment behind the input."""
    segment_size = 4096
    data = data_of(20 * segment_size + 7)
    locked = lock(KEY, 0, data, CONTEXT, entropy(), segment_size=segment_size)
    unlocker = Unlocker(KEY, 0, CONTEXT)
    fed = produced = 0
    out = []
    for i in range(0, len(locked), 1000):
        chunk = locked[i : i + 1000]
        piece = unlocker.update(chunk)
        fed += len(chunk)
        produced += len(piece)
        out.append(piece)
        held = fed - HEADER_SIZE - produced - TAG_SIZE * (produced // segment_size)
        assert held <= segment_size + TAG_SIZE + 1000
    out.append(unlocker.finish())
    assert b"".join(out) == data


def test_unlocker_returns_only_verified_segments() -> None:
    data = data_of(3 * 100)
    locked = bytearray(lock(KEY, 0, data, CONTEXT, entropy(), segment_size=100))
    locked[-1] ^= 1  # the last segment's tag
    unlocker = Unlocker(KEY, 0, CONTEXT)
    assert unlocker.update(bytes(locked)) == data[:200]
    with pytest.raises(VerificationFailed):
        unlocker.finish()
    # A failed unlocker stays failed.
    with pytest.raises(VerificationFailed):
        unlocker.update(b"")
    with pytest.raises(VerificationFailed):
        unlocker.finish()
    locked[-1] ^= 1
    locked[HEADER_SIZE] ^= 1  # the first segment
    unlocker = Unlocker(KEY, 0, CONTEXT)
    with pytest.raises(VerificationFailed):
        unlocker.update(bytes(locked))


def test_unlocker_fails_early_on_a_bad_header() -> None:
    locked = lock(KEY, 0, b"data", CONTEXT, entropy())
    unlocker = Unlocker(KEY, 1, CONTEXT)
    with pytest.raises(VerificationFailed):
        unlocker.update(locked[:HEADER_SIZE])


def test_unlocker_finished() -> None:
    locked = lock(KEY, 0, b"data", CONTEXT, entropy())
    unlocker = Unlocker(KEY, 0, CONTEXT)
    assert unlocker.update(locked) == b""
    assert unlocker.finish() == b"data"
    with pytest.raises(InvalidArgument):
        unlocker.update(b"")


# -- tampering -----------------------------------------------------------------------------


def test_flipping_any_bit_fails() -> None:
    locked = lock(KEY, 0, data_of(50), CONTEXT, entropy(), segment_size=16)
    assert len(locked) == HEADER_SIZE + 50 + 4 * TAG_SIZE
    for i in range(len(locked)):
        for bit in (0x01, 0x80):
            tampered = bytearray(locked)
            tampered[i] ^= bit
            fails(bytes(tampered))


def test_flipping_bytes_of_default_size_blobs_fails() -> None:
    data = data_of(3 * SEGMENT_SIZE + 1)
    locked = lock(KEY, 0, data, CONTEXT, entropy())
    full = SEGMENT_SIZE + TAG_SIZE
    positions = set(range(HEADER_SIZE))
    for k in range(4):
        start = HEADER_SIZE + k * full
        positions |= {start, start + 1, start + full // 2, start + full - TAG_SIZE}
        positions |= {start + full - 1}
    positions = {p for p in positions if p < len(locked)} | {len(locked) - 1}
    for i in sorted(positions):
        tampered = bytearray(locked)
        tampered[i] ^= 0x40
        with pytest.raises(VerificationFailed):
            unlock(KEY, 0, tampered, CONTEXT)


def test_truncation_at_every_length_fails() -> None:
    locked = lock(KEY, 0, data_of(50), CONTEXT, entropy(), segment_size=16)
    for cut in range(len(locked)):
        fails(locked[:cut])


@pytest.mark.parametrize("size", [65536, 65537, 3 * 65536, 3 * 65536 + 5])
def test_truncation_at_segment_boundaries_fails(size: int) -> None:
    locked = lock(KEY, 0, data_of(size), CONTEXT, entropy())
    full = SEGMENT_SIZE + TAG_SIZE
    boundaries = list(range(HEADER_SIZE, len(locked), full))
    assert len(boundaries) == len(segments_of(locked, SEGMENT_SIZE))
    for cut in boundaries:
        fails(locked[:cut])


def test_dropping_reordering_duplicating_segments_fails() -> None:
    locked = lock(KEY, 0, data_of(4 * 16 + 3), CONTEXT, entropy(), segment_size=16)
    header = locked[:HEADER_SIZE]
    segments = segments_of(locked, 16)
    assert len(segments) == 5
    for i in range(len(segments)):
        fails(header + b"".join(segments[:i] + segments[i + 1 :]))  # dropped
        fails(header + b"".join(segments[: i + 1] + segments[i:]))  # repeated
        for j in range(i + 1, len(segments)):
            swapped = list(segments)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            fails(header + b"".join(swapped))


def test_extending_fails() -> None:
    for size in (0, 16, 20):
        locked = lock(KEY, 0, data_of(size), CONTEXT, entropy(), segment_size=16)
        last = segments_of(locked, 16)[-1]
        for extra in (b"\x00", bytes(TAG_SIZE), last, bytes(16 + TAG_SIZE)):
            fails(locked + extra)


def test_segments_of_another_blob_do_not_fit() -> None:
    first = lock(KEY, 0, bytes(32), CONTEXT, entropy(b"1"), segment_size=16)
    second = lock(KEY, 0, bytes(32), CONTEXT, entropy(b"2"), segment_size=16)
    a, b = segments_of(first, 16), segments_of(second, 16)
    fails(first[:HEADER_SIZE] + a[0] + b[1])
    fails(second[:HEADER_SIZE] + a[0] + a[1])


def test_wrong_key_id_key_or_context_fails() -> None:
    locked = lock(KEY, KeyId.ZYMKEY, b"secret data", CONTEXT, entropy())
    fails(locked, key_id=KeyId.CLOUD)
    fails(locked, key=OTHER_KEY)
    fails(locked, context=b"module serial 0002")
    fails(locked, context=b"")
    # Rewriting the key id in the header does not help.
    relabelled = bytearray(locked)
    relabelled[5] = KeyId.CLOUD
    fails(bytes(relabelled), key_id=KeyId.CLOUD)
    assert unlock(KEY, KeyId.ZYMKEY, locked, CONTEXT) == b"secret data"


def test_bad_headers_fail() -> None:
    locked = lock(KEY, 0, b"data", CONTEXT, entropy())
    fails(b"XXXX" + locked[4:])
    fails(locked[:4] + b"\x02" + locked[5:])
    for size in (0, MAX_SEGMENT_SIZE + 1, 2**32 - 1):
        fails(locked[:6] + struct.pack(">I", size) + locked[10:])
    fails(b"")
    fails("text")
    fails(None)


def test_one_message_for_every_failure() -> None:
    locked = lock(KEY, 0, b"data", CONTEXT, entropy())
    messages = set()
    for candidate, key_id in ((locked[:-1], 0), (b"XXXX" + locked[4:], 0), (locked, 1)):
        with pytest.raises(VerificationFailed) as info:
            unlock(KEY, key_id, candidate, CONTEXT)
        messages.add(str(info.value))
    assert len(messages) == 1


# -- arguments -----------------------------------------------------------------------------


def test_bad_arguments_are_invalid() -> None:
    for key in (b"", bytes(16), bytes(33), "k" * 32):
        with pytest.raises(InvalidArgument):
            lock(key, 0, b"x", CONTEXT, entropy())  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            unlock(key, 0, b"x" * 40, CONTEXT)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            Locker(key, 0, CONTEXT, entropy())  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            Unlocker(key, 0, CONTEXT)  # type: ignore[arg-type]
    for key_id in (2, -1, True, "zymkey", None):
        with pytest.raises(InvalidArgument):
            lock(KEY, key_id, b"x", CONTEXT, entropy())  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            unlock(KEY, key_id, b"x" * 40, CONTEXT)  # type: ignore[arg-type]
    for segment_size in (0, -1, MAX_SEGMENT_SIZE + 1, 1.5):
        with pytest.raises(InvalidArgument):
            lock(KEY, 0, b"x", CONTEXT, entropy(), segment_size=segment_size)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            Locker(KEY, 0, CONTEXT, entropy(), segment_size=segment_size)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lock(KEY, 0, "text", CONTEXT, entropy())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lock(KEY, 0, b"x", "context", entropy())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lock(KEY, 0, b"x", CONTEXT, lambda n: bytes(n + 1))


def test_largest_segment_size() -> None:
    data = data_of(MAX_SEGMENT_SIZE + 1)
    locked = lock(KEY, 0, data, CONTEXT, entropy(), segment_size=MAX_SEGMENT_SIZE)
    assert len(locked) == HEADER_SIZE + len(data) + 2 * TAG_SIZE
    assert unlock(KEY, 0, locked, CONTEXT) == data


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=600),
    context=st.binary(max_size=40),
    segment_size=st.integers(min_value=1, max_value=80),
    key_id=st.sampled_from(list(KeyId)),
    chunks=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=8),
)
def test_lock_unlock_round_trip_property(
    data: bytes, context: bytes, segment_size: int, key_id: KeyId, chunks: list[int]
) -> None:
    locked = lock(KEY, key_id, data, context, entropy(), segment_size=segment_size)
    assert unlock(KEY, key_id, locked, context) == data

    locker = Locker(KEY, key_id, context, entropy(), segment_size=segment_size)
    streamed = [locker.header()]
    unlocker = Unlocker(KEY, key_id, context)
    plain = []
    pos = i = 0
    while pos < len(data):
        step = chunks[i % len(chunks)]
        streamed.append(locker.update(data[pos : pos + step]))
        pos += step
        i += 1
    streamed.append(locker.finish())
    assert b"".join(streamed) == locked
    pos = i = 0
    while pos < len(locked):
        step = chunks[i % len(chunks)]
        plain.append(unlocker.update(locked[pos : pos + step]))
        pos += step
        i += 1
    plain.append(unlocker.finish())
    assert b"".join(plain) == data


@settings(max_examples=100, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=200), where=st.integers(min_value=0), bit=st.integers(0, 7)
)
def test_any_flip_fails_property(data: bytes, where: int, bit: int) -> None:
    locked = bytearray(lock(KEY, 0, data, CONTEXT, entropy(), segment_size=32))
    locked[where % len(locked)] ^= 1 << bit
    with pytest.raises(VerificationFailed):
        unlock(KEY, 0, locked, CONTEXT)
