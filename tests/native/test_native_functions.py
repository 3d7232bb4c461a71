"""Each function of libzk_app_utils against the Python client's result for the same
operation, on one daemon (``c-api.md`` §4, A4). The library is loaded with ctypes and
declared as Zymbit's zku declares it (§6)."""

from __future__ import annotations

import ctypes
import hashlib
import os
from ctypes import byref, c_bool, c_float, c_int, c_uint, c_void_p

import pytest
from zku_binding import AccelAxis, buf, take, take_str

from softscm.crypto import _weierstrass as weierstrass
from softscm.errors import SlotEmpty, VerificationFailed

DIGEST = hashlib.sha256(b"softscm native").digest()
EINVAL, ENOENT, ETIMEDOUT = -22, -2, -110


# -- identity, random, time ------------------------------------------------------------


def test_identity_strings_are_the_clients(lib, ctx, py):
    for fn, expected in (("zkGetModelNumberString", py.model_number()),
                         ("zkGetFirmwareVersionString", py.firmware_version()),
                         ("zkGetSerialNumberString", py.serial_number())):
        ptr = c_void_p()
        assert getattr(lib, fn)(ctx, byref(ptr)) == 0
        assert take_str(lib, ptr) == expected


def test_random_bytes_and_file(lib, ctx, tmp_path):
    ptr = c_void_p()
    assert lib.zkGetRandBytes(ctx, byref(ptr), 3 << 20) == 0  # more than one call's worth
    data = take(lib, ptr, 3 << 20)
    assert len(set(data[:64])) > 16
    assert lib.zkGetRandBytes(ctx, byref(ptr), 0) == 0 and ptr.value is not None
    lib.free(ptr)
    target = tmp_path / "random.bin"
    assert lib.zkCreateRandDataFile(ctx, str(target).encode(), 1000) == 0
    assert target.stat().st_size == 1000
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert lib.zkCreateRandDataFile(ctx, str(tmp_path / "no" / "dir").encode(), 10) == ENOENT
    assert not any(p.name.startswith(".softscm-") for p in tmp_path.iterdir())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_time_is_the_modules(lib, ctx, py):
    seconds = c_int()
    assert lib.zkGetTime(ctx, byref(seconds), False) == 0
    assert abs(seconds.value - py.get_time()) <= 1


# -- signatures (A4) ------------------------------------------------------------------


def test_signature_with_recid_verifies_in_python_and_recovers_the_key(lib, ctx, py):
    sig, size, recid = c_void_p(), c_int(), c_uint(0)
    assert lib.zkGenECDSASigFromDigestWithRecID(ctx, buf(DIGEST), 0, byref(sig), byref(size),
                                                byref(recid)) == 0
    signature = take(lib, sig, size.value)
    assert size.value == 64
    assert py.verify_digest(DIGEST, signature, 0)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    assert weierstrass.recovery_id(weierstrass.P256, py.public_key(0), r, s, DIGEST) == recid.value

    assert lib.zkGenECDSASigFromDigest(ctx, buf(DIGEST), 0, byref(sig), byref(size)) == 0
    assert py.verify_digest(DIGEST, take(lib, sig, size.value), 0)


def test_verify_gives_one_for_the_clients_signature_and_zero_for_a_bad_one(lib, ctx, py):
    signature = py.sign_digest(DIGEST, 1).signature
    assert lib.zkVerifyECDSASigFromDigest(ctx, buf(DIGEST), 1, buf(signature), 64) == 1
    bad = bytes([signature[0] ^ 1]) + signature[1:]
    assert lib.zkVerifyECDSASigFromDigest(ctx, buf(DIGEST), 1, buf(bad), 64) == 0
    assert lib.zkVerifyECDSASigFromDigest(ctx, buf(DIGEST), 2, buf(signature), 64) == 0
    foreign = py.store_foreign_key("nistp256", py.public_key(1))
    assert lib.zkVerifyECDSASigFromDigestWithForeignKeySlot(
        ctx, buf(DIGEST), foreign, buf(signature), 64) == 1
    py.remove_key(foreign, foreign=True)


def test_sign_with_an_empty_slot_is_enoent(lib, ctx, py):
    slot = py.generate_key("nistp256")
    py.remove_key(slot)
    sig, size = c_void_p(), c_int()
    assert lib.zkGenECDSASigFromDigest(ctx, buf(DIGEST), slot, byref(sig), byref(size)) == ENOENT
    assert sig.value is None and size.value == 0


# -- public keys and slots -------------------------------------------------------------


def test_public_keys_are_the_clients(lib, ctx, py, tmp_path):
    for fn, args in (("zkExportPubKey", (3, False)), ("zkGetECDSAPubKey", (3,))):
        ptr, size = c_void_p(), c_int()
        assert getattr(lib, fn)(ctx, byref(ptr), byref(size), *args) == 0
        assert take(lib, ptr, size.value) == py.public_key(3)
    pem = tmp_path / "key.pem"
    assert lib.zkExportPubKey2File(ctx, str(pem).encode(), 2, False) == 0
    assert pem.read_text() == py.public_key_pem(2)
    old = tmp_path / "old.pem"
    assert lib.zkSaveECDSAPubKey2File(ctx, str(old).encode(), 4) == 0
    assert old.read_text() == py.public_key_pem(4)


def test_slot_list_is_the_clients(lib, ctx, py):
    for foreign in (False, True):
        max_keys, ptr, count = c_int(), c_void_p(), c_int()
        assert lib.zkGetAllocSlotsList(ctx, foreign, byref(max_keys), byref(ptr),
                                       byref(count)) == 0
        raw = take(lib, ptr, 4 * count.value)
        slots = [int.from_bytes(raw[i:i + 4], "little", signed=True)
                 for i in range(0, len(raw), 4)]
        assert (slots, max_keys.value) == py.slots(foreign=foreign)


def test_key_management(lib, ctx, py):
    slot = lib.zkGenKeyPair(ctx, 1)  # ZK_SECP256K1
    assert slot >= 16
    assert any(k["slot"] == slot and k["key_type"] == "secp256k1" for k in py.keys())
    foreign = lib.zkStoreForeignPubKey(ctx, 1, buf(py.public_key(slot)), 64)
    assert foreign >= 0 and py.public_key(foreign, foreign=True) == py.public_key(slot)
    assert lib.zkDisablePubKeyExport(ctx, foreign, True) == 0
    ptr, size = c_void_p(), c_int()
    assert lib.zkExportPubKey(ctx, byref(ptr), byref(size), foreign, True) == -1
    assert lib.zkRemoveKey(ctx, foreign, True) == 0
    assert lib.zkRemoveKey(ctx, slot, False) == 0
    with pytest.raises(SlotEmpty):
        py.public_key(slot)
    assert lib.zkGenKeyPair(ctx, 4) == EINVAL  # out-of-range enum, no I/O

    assert lib.zkGenEphemeralKeyPair(ctx, 0) == 0
    assert lib.zkExportPubKey(ctx, byref(ptr), byref(size), -1, False) == 0
    assert take(lib, ptr, size.value) == py.public_key(-1)
    assert lib.zkInvalidateEphemeralKey(ctx) == 0


# -- ECDH --------------------------------------------------------------------------------


def test_ecdh_is_the_clients(lib, ctx, py):
    peer = py.generate_key("nistp256")
    peer_key = py.public_key(peer)
    ptr = c_void_p()
    assert lib.zkDoRawECDH(ctx, 0, buf(peer_key), 64, byref(ptr)) == 0
    assert take(lib, ptr, 32) == py.ecdh(0, peer_key)
    assert lib.zkDoRawECDHWithIntPeerPubkey(ctx, 0, peer, False, byref(ptr)) == 0
    assert take(lib, ptr, 32) == py.ecdh(0, peer, peer_foreign=False)
    salt, info = b"salt", b"info"
    for kdf, name in enumerate(("rfc5869-sha256", "rfc5869-sha512", "pbkdf2-sha256",
                                "pbkdf2-sha512")):
        assert lib.zkDoECDHAndKDF(ctx, kdf, 0, buf(peer_key), 64, buf(salt), 4, buf(info), 4,
                                  10, 48, byref(ptr)) == 0
        assert take(lib, ptr, 48) == py.ecdh(0, peer_key, kdf=name, salt=salt, info=info,
                                              iterations=10, size=48)
        assert lib.zkDoECDHAndKDFWithIntPeerPubkey(ctx, kdf, 0, peer, False, buf(salt), 4,
                                                   buf(info), 4, 10, 40, byref(ptr)) == 0
        assert take(lib, ptr, 40) == py.ecdh(0, peer, peer_foreign=False, kdf=name, salt=salt,
                                              info=info, iterations=10, size=40)
    assert lib.zkDoRawECDH(ctx, 0, buf(b"\x01" * 64), 64, byref(ptr)) == EINVAL
    assert ptr.value is None  # NULL on failure (C5)
    assert lib.zkDoECDHAndKDF(ctx, 7, 0, buf(peer_key), 64, None, 0, None, 0, 1, 32,
                              byref(ptr)) == EINVAL
    py.remove_key(peer)


# -- lock / unlock (A4) -----------------------------------------------------------------


def test_python_lock_unlocks_in_c_and_a_flipped_byte_gives_zero(lib, ctx, py):
    data = b"secret data" * 10
    for shared, key in ((False, "zymkey"), (True, "cloud")):
        blob = bytes(py.lock(data, key))
        ptr, size = c_void_p(), c_int()
        assert lib.zkUnlockDataB2B(ctx, buf(blob), len(blob), byref(ptr), byref(size),
                                   shared) == 1
        assert take(lib, ptr, size.value) == data
        bad = blob[:-1] + bytes([blob[-1] ^ 1])
        assert lib.zkUnlockDataB2B(ctx, buf(bad), len(bad), byref(ptr), byref(size),
                                   shared) == 0
        assert ptr.value is None and size.value == 0


def test_c_lock_unlocks_in_python(lib, ctx, py, tmp_path):
    data = os.urandom(3000)
    ptr, size = c_void_p(), c_int()
    assert lib.zkLockDataB2B(ctx, buf(data), len(data), byref(ptr), byref(size), False) == 0
    assert py.unlock(take(lib, ptr, size.value)) == data
    src = tmp_path / "plain"
    src.write_bytes(data)
    assert lib.zkLockDataF2B(ctx, str(src).encode(), byref(ptr), byref(size), True) == 0
    assert py.unlock(take(lib, ptr, size.value), "cloud") == data
    dst = tmp_path / "locked"
    assert lib.zkLockDataB2F(ctx, buf(data), len(data), str(dst).encode(), False) == 0
    assert py.unlock(dst.read_bytes()) == data
    assert lib.zkUnlockDataF2B(ctx, str(dst).encode(), byref(ptr), byref(size), False) == 0
    assert take(lib, ptr, size.value) == data
    out = tmp_path / "out"
    assert lib.zkUnlockDataB2F(ctx, buf(dst.read_bytes()), dst.stat().st_size,
                               str(out).encode(), False) == 0
    assert out.read_bytes() == data


def test_large_data_streams_both_ways(lib, ctx, py, tmp_path):
    data = os.urandom(5 << 20)
    src, locked, back = tmp_path / "big", tmp_path / "big.locked", tmp_path / "big.out"
    src.write_bytes(data)
    assert lib.zkLockDataF2F(ctx, str(src).encode(), str(locked).encode(), False) == 0
    py.unlock_file(locked, back)
    assert back.read_bytes() == data
    py.lock_file(src, locked, "cloud")
    back.unlink()
    assert lib.zkUnlockDataF2F(ctx, str(locked).encode(), str(back).encode(), True) == 0
    assert back.read_bytes() == data
    # More than one call's worth of bytes to bytes streams too.
    ptr, size = c_void_p(), c_int()
    assert lib.zkLockDataB2B(ctx, buf(data), len(data), byref(ptr), byref(size), False) == 0
    blob = take(lib, ptr, size.value)
    assert py.unlock(blob) == data
    bad = blob[:100] + bytes([blob[100] ^ 1]) + blob[101:]
    assert lib.zkUnlockDataB2B(ctx, buf(bad), len(bad), byref(ptr), byref(size), False) == 0


def test_failed_unlock_to_a_file_leaves_it_untouched(lib, ctx, py, tmp_path):
    blob = bytearray(py.lock(b"x" * 100))
    blob[-1] ^= 1
    src, dst = tmp_path / "bad.locked", tmp_path / "keep"
    src.write_bytes(blob)
    dst.write_bytes(b"old")
    assert lib.zkUnlockDataF2F(ctx, str(src).encode(), str(dst).encode(), False) == EINVAL
    assert lib.zkUnlockDataB2F(ctx, buf(bytes(blob)), len(blob), str(dst).encode(),
                               False) == EINVAL
    ptr, size = c_void_p(), c_int()
    assert lib.zkUnlockDataF2B(ctx, str(src).encode(), byref(ptr), byref(size), False) == EINVAL
    assert dst.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.locked", "keep"]
    with pytest.raises(VerificationFailed):
        py.unlock(bytes(blob))
    missing = str(tmp_path / "missing").encode()
    assert lib.zkLockDataF2F(ctx, missing, str(dst).encode(), False) == ENOENT


# -- wallets -----------------------------------------------------------------------------


def test_bip39_wallet_child_keys_and_lookups(lib, ctx, py):
    mnemonic = c_void_p()
    master = lib.zkGenWalletMasterSeedWithBIP39(ctx, 1, b"", b"c-bip39", None, 0, b"",
                                                byref(mnemonic))
    assert master >= 16
    words = take_str(lib, mnemonic)
    assert len(words.split()) == 24
    assert py.wallet_node_address(master) == ("m", "c-bip39", master)

    chain = c_void_p()
    child = lib.zkGenWalletChildKey(ctx, master, 44, True, True, byref(chain))
    assert child > master
    chain_code = take(lib, chain, 32)
    addr, name, root = c_void_p(), c_void_p(), c_int()
    assert lib.zkGetWalletNodeAddrFromKeySlot(ctx, child, byref(addr), byref(name),
                                              byref(root)) == 0
    node = take_str(lib, addr)
    assert (node, take_str(lib, name), root.value) == tuple(py.wallet_node_address(child))
    assert lib.zkGetWalletNodeAddrFromKeySlot(ctx, child, byref(addr), None, None) == 0
    assert take_str(lib, addr) == node
    found = c_int()
    assert lib.zkGetWalletKeySlotFromNodeAddr(ctx, node.encode(), b"c-bip39", 0,
                                              byref(found)) == 0
    assert found.value == child
    assert lib.zkGetWalletKeySlotFromNodeAddr(ctx, node.encode(), None, master,
                                              byref(found)) == 0
    assert found.value == child

    # Oversight wallet from the hardened child's public key and chain code.
    watch = lib.zkGenOversightWallet(ctx, 1, b"", buf(py.public_key(child)), buf(chain_code),
                                     node.encode(), b"c-watch")
    assert watch >= 16 and py.wallet_node_address(watch)[1] == "c-watch"
    plain = lib.zkGenWalletMasterSeedWithBIP39(ctx, 0, None, b"c-plain", None, 0, None, None)
    assert plain >= 16 and py.wallet_node_address(plain) == ("m", "c-plain", plain)

    py.remove_key(master)
    restored = lib.zkRestoreWalletMasterSeedFromBIP39Mnemonic(ctx, 1, b"", b"c-bip39", None, 0,
                                                              b"", words.encode())
    assert restored >= 16
    again = lib.zkGenWalletChildKey(ctx, restored, 44, True, False, None)
    assert py.public_key(again) == py.public_key(child)
    assert lib.zkGenWalletMasterSeedWithBIP39(ctx, 1, b"", b"c-plain", None, 0, b"",
                                              byref(mnemonic)) == -17
    assert mnemonic.value is None
    for slot in (restored, watch, plain):
        py.remove_key(slot)


def test_slip39_generation_and_restore(lib, ctx, py):
    assert lib.zkGenWalletMasterSeedWithSLIP39(ctx, 0, b"", b"c-slip39", None, 0, 1, 1, 0,
                                               b"") == 0
    assert lib.zkSetSLIP39GroupInfo(ctx, 0, 2, 2) == 0
    shares, results = [], []
    for _ in range(2):
        sentence = c_void_p()
        results.append(lib.zkAddSLIP39MemberPassword(ctx, b"", byref(sentence)))
        shares.append(take_str(lib, sentence))
    assert results[0] == -1 and results[1] >= 16  # -1 per share, then the slot (C6)
    master = results[1]
    py.remove_key(master)

    assert lib.zkRestoreWalletMasterSeedFromSLIP39(ctx, 0, b"", b"c-slip39", None, 0, b"") == -1
    assert lib.zkAddRestoreSLIP39Mnemonic(ctx, b"", b"not a share at all") == -1
    assert lib.zkAddRestoreSLIP39Mnemonic(ctx, b"", shares[0].encode()) == -1
    restored = lib.zkAddRestoreSLIP39Mnemonic(ctx, b"", shares[1].encode())
    assert restored >= 16 and py.wallet_node_address(restored)[1] == "c-slip39"
    py.remove_key(restored)

    assert lib.zkGenWalletMasterSeedWithSLIP39(ctx, 0, b"", b"c-cancel", None, 0, 1, 1, 0,
                                               b"") == 0
    assert lib.zkCancelSLIP39Session(ctx) == 0
    assert py.slip39_session() is None
    sentence = c_void_p()
    assert lib.zkAddSLIP39MemberPassword(ctx, b"", byref(sentence)) == ENOENT


# -- perimeter, LED, sensors, binding ----------------------------------------------------


def test_perimeter_settings_and_waits(lib, ctx, py):
    assert lib.zkSetPerimeterEventAction(ctx, 0, 1) == 0
    assert lib.zkSetPerimeterEventAction(ctx, 0, 4) == EINVAL
    assert lib.zkSetDigitalPerimeterDetectLPPeriod(ctx, 1000) == 0
    assert lib.zkSetDigitalPerimeterDetectLPMaxBits(ctx, 16) == 0
    assert lib.zkSetDigitalPerimeterDetectDelays(ctx, 100, 200) == 0
    assert lib.zkClearPerimeterDetectEvents(ctx) == 0
    ptr, count = c_void_p(), c_int()
    assert lib.zkGetPerimeterDetectInfo(ctx, byref(ptr), byref(count)) == 0
    raw = take(lib, ptr, 4 * count.value)
    assert [int.from_bytes(raw[i:i + 4], "little") for i in range(0, len(raw), 4)] == \
        py.perimeter_info()
    assert lib.zkWaitForPerimeterEvent(ctx, 0) == ETIMEDOUT
    assert lib.zkWaitForTap(ctx, 10) == ETIMEDOUT


def test_led_i2c_tap_and_accelerometer(lib, ctx, py):
    assert lib.zkLEDOn(ctx) == 0
    assert lib.zkLEDFlash(ctx, 100, 200, 3) == 0
    assert lib.zkLEDOff(ctx) == 0
    assert lib.zkSetI2CAddr(ctx, 0x30) == 0
    assert lib.zkSetI2CAddr(ctx, 0x10) == EINVAL
    assert lib.zkSetTapSensitivity(ctx, 3, c_float(40.0)) == 0
    assert lib.zkSetTapSensitivity(ctx, 4, c_float(40.0)) == EINVAL
    axes = [AccelAxis() for _ in range(3)]
    assert lib.zkGetAccelerometerData(ctx, *(byref(a) for a in axes)) == 0
    expected = py.accelerometer()
    assert [(a.g, a.tapDirection) for a in axes] == [(float(g), d) for g, d in expected]
    assert ctypes.sizeof(AccelAxis) == 16


def test_binding_sensors_and_monitors(lib, ctx, py):
    locked, bound = c_bool(True), c_bool(False)
    assert lib.zkGetCurrentBindingInfo(ctx, byref(locked), byref(bound)) == 0
    assert (locked.value, bound.value) == py.binding_info()
    value = c_float()
    for fn, expected in (("zkGetCPUTemp", py.cpu_temp()), ("zkGetRTCDrift", py.rtc_drift()),
                         ("zkGetBatteryVoltage", py.battery_voltage())):
        assert getattr(lib, fn)(ctx, byref(value)) == 0
        assert value.value == pytest.approx(expected, abs=0.5)
    assert lib.zkGetAUXTemp(ctx, 0, byref(value)) == 0
    assert value.value == pytest.approx(py.aux_temp(0), abs=0.5)
    assert lib.zkSetBatteryVoltageAction(ctx, 2) == 0
    assert lib.zkSetBatteryVoltageAction(ctx, 3) == EINVAL
    assert lib.zkSetBatteryVoltageAction(ctx, 0) == 0
    assert lib.zkSetBatteryVoltageThreshold(ctx, c_float(2.4)) == 0
    assert lib.zkSetCPUTempAction(ctx, 2) == EINVAL
    assert lib.zkSetCPUTempAction(ctx, 0) == 0
    assert lib.zkSetCPULowTempThreshold(ctx, c_float(-5.0)) == 0
    assert lib.zkSetCPUHighTempThreshold(ctx, c_float(70.0)) == 0


def test_supervised_boot(lib, ctx, py, native_daemon):
    boot = native_daemon.boot
    (boot / "config.txt").write_text("dtoverlay=test\n")
    assert lib.zkAddOrUpdateSupervisedBootFile(ctx, b"config.txt", 15) == 0
    entries = py.supervised_boot_entries()
    assert [(e["path"], e["slot"]) for e in entries] == [("config.txt", 15)]
    assert entries[0]["digest"] == hashlib.sha256(b"dtoverlay=test\n").digest()
    manifest = c_void_p()
    assert lib.zkGetSupervisedBootFileManifest(ctx, byref(manifest)) == 0
    assert take_str(lib, manifest) == py.supervised_boot_manifest() == "config.txt"
    assert lib.zkAddOrUpdateSupervisedBootFile(ctx, b"missing.txt", 15) == ENOENT
    (boot / "dir").mkdir()
    assert lib.zkAddOrUpdateSupervisedBootFile(ctx, b"dir", 15) == EINVAL
    outside = boot.parent / "outside.txt"
    outside.write_text("x")
    (boot / "link").symlink_to(outside)
    assert lib.zkAddOrUpdateSupervisedBootFile(ctx, b"link", 15) == -13
    assert lib.zkRemoveSupervisedBootFile(ctx, b"config.txt") == 0
    assert lib.zkRemoveSupervisedBootFile(ctx, b"config.txt") == EINVAL
    assert lib.zkSetSupervisedBootPolicy(ctx, 0) == 0


# -- argument checks with no I/O ----------------------------------------------------------


def test_null_context_and_pointers_are_einval(lib, ctx):
    assert lib.zkLEDOn(None) == EINVAL
    assert lib.zkClose(None) == EINVAL
    assert lib.zkOpen(None) == EINVAL
    assert lib.zkGetRandBytes(ctx, None, 4) == EINVAL
    assert lib.zkLockDataB2B(ctx, buf(b"x"), -1, byref(c_void_p()), byref(c_int()),
                             False) == EINVAL
    assert lib.zkGetCPUTemp(ctx, None) == EINVAL


def test_codes_match_the_python_zymkey_layer(lib, ctx, py, native_daemon, monkeypatch):
    """The same failures give the C library's code and zymkey's ``bad return code``."""
    monkeypatch.setenv("SOFTSCM_SOCKET", str(native_daemon.socket))
    monkeypatch.delenv("SOFTSCM_HOME", raising=False)
    import zymkey

    zk = zymkey.Zymkey()
    empty = py.generate_key("nistp256")
    py.remove_key(empty)
    cases = [
        (lambda: zk.get_public_key(empty),
         lambda: lib.zkExportPubKey(ctx, byref(c_void_p()), byref(c_int()), empty, False)),
        (lambda: zk.set_i2c_address(0x10), lambda: lib.zkSetI2CAddr(ctx, 0x10)),
        (lambda: zk.remove_key(3), lambda: lib.zkRemoveKey(ctx, 3, False)),
        (lambda: zk.gen_wallet_child_key(empty, 1, False),
         lambda: lib.zkGenWalletChildKey(ctx, empty, 1, False, False, None)),
    ]
    for python_call, c_call in cases:
        with pytest.raises(AssertionError) as raised:
            python_call()
        assert str(raised.value) == f"bad return code {c_call()}"


def test_context_survives_many_calls_from_threads(lib, ctx, py):
    import threading

    failures = []

    def work() -> None:
        for _ in range(50):
            ptr = c_void_p()
            if lib.zkGetRandBytes(ctx, byref(ptr), 32) != 0:
                failures.append("rand")
            else:
                lib.free(ptr)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []

