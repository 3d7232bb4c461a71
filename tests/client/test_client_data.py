"""Random bytes, data lock/unlock, LED and time through softscm.Client."""

from __future__ import annotations

import pytest

import softscm
from softscm import Client


def test_random(client: Client, tmp_path) -> None:
    assert client.random_bytes(0) == b""
    a, b = client.random_bytes(64), client.random_bytes(64)
    assert len(a) == 64 and a != b
    assert len(client.random_bytes(3 * 1024 * 1024 + 5)) == 3 * 1024 * 1024 + 5
    client.random_file(tmp_path / "r.bin", 100)
    assert len((tmp_path / "r.bin").read_bytes()) == 100


@pytest.mark.parametrize("size", [0, 1, 23, 65536, 1 << 20])
def test_lock_round_trip(client: Client, size: int) -> None:  # S-67
    data = bytes(i % 251 for i in range(size))
    blob = client.lock(data)
    assert client.unlock(blob) == data


def test_altered_blob_fails(client: Client) -> None:  # S-67
    data = b"action=data, value=19.5"
    blob = bytearray(client.lock(data))
    for i in range(len(blob)):
        altered = bytearray(blob)
        altered[i] ^= 0x01
        with pytest.raises(softscm.VerificationFailed):
            client.unlock(bytes(altered))
    for cut in (0, 1, len(blob) // 2, len(blob) - 1):
        with pytest.raises(softscm.VerificationFailed):
            client.unlock(bytes(blob[:cut]))


def test_cloud_key(client: Client) -> None:  # S-69
    blob = client.lock(b"data", "cloud")
    assert client.unlock(blob, "cloud") == b"data"
    with pytest.raises(softscm.VerificationFailed):
        client.unlock(blob)
    with pytest.raises(softscm.InvalidArgument):
        client.lock(b"data", "other")


def test_another_module_cannot_unlock(client: Client, tmp_path) -> None:  # S-68
    blob = client.lock(b"data")
    other = Client.open(tmp_path / "other")
    try:
        with pytest.raises(softscm.VerificationFailed):
            other.unlock(blob)
    finally:
        other.close()


def test_lock_files(client: Client, tmp_path, monkeypatch) -> None:
    (tmp_path / "in.txt").write_bytes(b"hello")
    client.lock_file(tmp_path / "in.txt", tmp_path / "out.bin")
    client.unlock_file(tmp_path / "out.bin", tmp_path / "back.txt")
    assert (tmp_path / "back.txt").read_bytes() == b"hello"
    monkeypatch.chdir(tmp_path)
    client.lock_file("in.txt", "rel.bin")
    assert client.unlock((tmp_path / "rel.bin").read_bytes()) == b"hello"
    (tmp_path / "bad.bin").write_bytes(b"garbage")
    with pytest.raises(softscm.VerificationFailed):
        client.unlock_file(tmp_path / "bad.bin", tmp_path / "never.txt")
    assert not (tmp_path / "never.txt").exists()
    with pytest.raises(softscm.FileError):
        client.lock_file(tmp_path / "missing", tmp_path / "x")


def test_led_user_pattern(client: Client) -> None:
    assert client.led()["label"] == "running_dev"
    client.led_flash(500, 100)
    assert client.led()["pattern"] == ["user_flash", 500, 100, 0]
    client.led_flash(200)
    assert client.led()["pattern"] == ["user_flash", 200, 200, 0]
    client.led_on()
    assert client.led()["pattern"] == ["user_on"]
    assert client.led()["label"] == "user"


def test_time(client: Client) -> None:
    import time

    assert abs(client.get_time() - time.time()) < 5


def test_closed_client_fails_clearly(home) -> None:
    scm = Client.open(home)
    scm.close()
    with pytest.raises(softscm.ConnectionFailed):
        scm.serial_number()


def test_large_data_streams(client: Client, tmp_path) -> None:
    data = bytes(range(256)) * (12 * 1024 + 3)  # about 3 MiB, not a multiple of a chunk
    blob = client.lock(data)
    assert client.unlock(blob) == data
    with pytest.raises(softscm.VerificationFailed):
        client.unlock(blob[:-1])
    with pytest.raises(softscm.VerificationFailed):
        client.unlock(blob[: len(blob) // 2])
    altered = bytearray(blob)
    altered[len(blob) // 2] ^= 1
    with pytest.raises(softscm.VerificationFailed):
        client.unlock(bytes(altered))
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    client.lock_file(src, tmp_path / "big.locked")
    assert (tmp_path / "big.locked").read_bytes() != data
    client.unlock_file(tmp_path / "big.locked", tmp_path / "big.out")
    assert (tmp_path / "big.out").read_bytes() == data
    (tmp_path / "cut.locked").write_bytes((tmp_path / "big.locked").read_bytes()[:-100])
    with pytest.raises(softscm.VerificationFailed):
        client.unlock_file(tmp_path / "cut.locked", tmp_path / "cut.out")
    assert not (tmp_path / "cut.out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".softscm-")]
