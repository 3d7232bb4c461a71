"""A ctypes binding of ``libzk_app_utils`` declared as Zymbit's zku binds it
(``c-api.md`` §6): ``c_int`` results, the context as ``c_void_p``, byte inputs as
``c_void_p`` to ``(c_ubyte * n)(*data)``, strings as ``c_char_p``, outputs as pointers,
and zku's departures from the C types (``zkLEDFlash`` ``c_ulong``, ``zkGetTime``
``POINTER(c_int)``, the recovery id ``POINTER(c_uint)``, waits and perimeter flags
``c_int``, the child index ``c_uint``, the accelerometer ``c_void_p``)."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_float, c_int, c_uint, c_ulong, c_void_p
from pathlib import Path
from typing import Any

_P_VOID, _P_INT, _P_BOOL, _P_FLOAT = POINTER(c_void_p), POINTER(c_int), POINTER(c_bool), POINTER(c_float)

#: Every function and its argument types, as zku declares them.
ARGTYPES: dict[str, list[Any]] = {
    "zkOpen": [_P_VOID],
    "zkClose": [c_void_p],
    "zkLEDOn": [c_void_p],
    "zkLEDOff": [c_void_p],
    "zkLEDFlash": [c_void_p, c_ulong, c_ulong, c_ulong],
    "zkGetRandBytes": [c_void_p, _P_VOID, c_int],
    "zkCreateRandDataFile": [c_void_p, c_char_p, c_int],
    "zkLockDataF2F": [c_void_p, c_char_p, c_char_p, c_bool],
    "zkLockDataB2F": [c_void_p, c_void_p, c_int, c_char_p, c_bool],
    "zkLockDataF2B": [c_void_p, c_char_p, _P_VOID, _P_INT, c_bool],
    "zkLockDataB2B": [c_void_p, c_void_p, c_int, _P_VOID, _P_INT, c_bool],
    "zkUnlockDataF2F": [c_void_p, c_char_p, c_char_p, c_bool],
    "zkUnlockDataB2F": [c_void_p, c_void_p, c_int, c_char_p, c_bool],
    "zkUnlockDataF2B": [c_void_p, c_char_p, _P_VOID, _P_INT, c_bool],
    "zkUnlockDataB2B": [c_void_p, c_void_p, c_int, _P_VOID, _P_INT, c_bool],
    "zkGenECDSASigFromDigest": [c_void_p, c_void_p, c_int, _P_VOID, _P_INT],
    "zkGenECDSASigFromDigestWithRecID": [c_void_p, c_void_p, c_int, _P_VOID, _P_INT,
                                         POINTER(c_uint)],
    "zkVerifyECDSASigFromDigest": [c_void_p, c_void_p, c_int, c_void_p, c_int],
    "zkVerifyECDSASigFromDigestWithForeignKeySlot": [c_void_p, c_void_p, c_int, c_void_p,
                                                     c_int],
    "zkDoRawECDH": [c_void_p, c_int, c_void_p, c_int, _P_VOID],
    "zkDoRawECDHWithIntPeerPubkey": [c_void_p, c_int, c_int, c_bool, _P_VOID],
    "zkDoECDHAndKDF": [c_void_p, c_int, c_int, c_void_p, c_int, c_void_p, c_int, c_void_p,
                       c_int, c_int, c_int, _P_VOID],
    "zkDoECDHAndKDFWithIntPeerPubkey": [c_void_p, c_int, c_int, c_int, c_bool, c_void_p,
                                        c_int, c_void_p, c_int, c_int, c_int, _P_VOID],
    "zkSaveECDSAPubKey2File": [c_void_p, c_char_p, c_int],
    "zkExportPubKey2File": [c_void_p, c_char_p, c_int, c_bool],
    "zkGetECDSAPubKey": [c_void_p, _P_VOID, _P_INT, c_int],
    "zkExportPubKey": [c_void_p, _P_VOID, _P_INT, c_int, c_bool],
    "zkGetAllocSlotsList": [c_void_p, c_bool, _P_INT, _P_VOID, _P_INT],
    "zkStoreForeignPubKey": [c_void_p, c_int, c_void_p, c_int],
    "zkDisablePubKeyExport": [c_void_p, c_int, c_bool],
    "zkGenKeyPair": [c_void_p, c_int],
    "zkGenEphemeralKeyPair": [c_void_p, c_int],
    "zkRemoveKey": [c_void_p, c_int, c_bool],
    "zkInvalidateEphemeralKey": [c_void_p],
    "zkGenWalletMasterSeedWithBIP39": [c_void_p, c_int, c_char_p, c_char_p, c_void_p, c_int,
                                       c_char_p, _P_VOID],
    "zkGenWalletMasterSeedWithSLIP39": [c_void_p, c_int, c_char_p, c_char_p, c_void_p, c_int,
                                        c_int, c_int, c_int, c_char_p],
    "zkSetSLIP39GroupInfo": [c_void_p, c_int, c_int, c_int],
    "zkAddSLIP39MemberPassword": [c_void_p, c_char_p, _P_VOID],
    "zkCancelSLIP39Session": [c_void_p],
    "zkGenOversightWallet": [c_void_p, c_int, c_char_p, c_void_p, c_void_p, c_char_p,
                             c_char_p],
    "zkGenWalletChildKey": [c_void_p, c_int, c_uint, c_bool, c_bool, _P_VOID],
    "zkRestoreWalletMasterSeedFromBIP39Mnemonic": [c_void_p, c_int, c_char_p, c_char_p,
                                                   c_void_p, c_int, c_char_p, c_char_p],
    "zkRestoreWalletMasterSeedFromSLIP39": [c_void_p, c_int, c_char_p, c_char_p, c_void_p,
                                            c_int, c_char_p],
    "zkAddRestoreSLIP39Mnemonic": [c_void_p, c_char_p, c_char_p],
    "zkGetWalletNodeAddrFromKeySlot": [c_void_p, c_int, _P_VOID, _P_VOID, _P_INT],
    "zkGetWalletKeySlotFromNodeAddr": [c_void_p, c_char_p, c_char_p, c_int, _P_INT],
    "zkSetPerimeterEventAction": [c_void_p, c_int, c_int],
    "zkSetDigitalPerimeterDetectLPPeriod": [c_void_p, c_int],
    "zkSetDigitalPerimeterDetectLPMaxBits": [c_void_p, c_int],
    "zkSetDigitalPerimeterDetectDelays": [c_void_p, c_int, c_int],
    "zkWaitForPerimeterEvent": [c_void_p, c_int],
    "zkGetPerimeterDetectInfo": [c_void_p, _P_VOID, _P_INT],
    "zkClearPerimeterDetectEvents": [c_void_p],
    "zkSetI2CAddr": [c_void_p, c_int],
    "zkGetTime": [c_void_p, _P_INT, c_bool],
    "zkSetTapSensitivity": [c_void_p, c_int, c_float],
    "zkWaitForTap": [c_void_p, c_int],
    "zkGetAccelerometerData": [c_void_p, c_void_p, c_void_p, c_void_p],
    "zkLockBinding": [c_void_p],
    "zkGetCurrentBindingInfo": [c_void_p, _P_BOOL, _P_BOOL],
    "zkGetModelNumberString": [c_void_p, _P_VOID],
    "zkGetFirmwareVersionString": [c_void_p, _P_VOID],
    "zkGetSerialNumberString": [c_void_p, _P_VOID],
    "zkGetCPUTemp": [c_void_p, _P_FLOAT],
    "zkGetAUXTemp": [c_void_p, c_int, _P_FLOAT],
    "zkGetRTCDrift": [c_void_p, _P_FLOAT],
    "zkGetBatteryVoltage": [c_void_p, _P_FLOAT],
    "zkSetBatteryVoltageAction": [c_void_p, c_int],
    "zkSetBatteryVoltageThreshold": [c_void_p, c_float],
    "zkSetCPUTempAction": [c_void_p, c_int],
    "zkSetCPULowTempThreshold": [c_void_p, c_float],
    "zkSetCPUHighTempThreshold": [c_void_p, c_float],
    "zkSetSupervisedBootPolicy": [c_void_p, c_int],
    "zkAddOrUpdateSupervisedBootFile": [c_void_p, c_char_p, c_int],
    "zkRemoveSupervisedBootFile": [c_void_p, c_char_p],
    "zkGetSupervisedBootFileManifest": [c_void_p, _P_VOID],
}


class AccelAxis(ctypes.Structure):
    """zku's own accelerometer record: the same 16-byte layout as zkAccelAxisDataType."""

    _fields_ = [("g", ctypes.c_double), ("tapDirection", c_int)]


def load(path: Path) -> ctypes.CDLL:
    """The library at ``path`` with every function declared as zku declares it."""
    lib = ctypes.CDLL(str(path))
    for name, argtypes in ARGTYPES.items():
        fn = getattr(lib, name)
        fn.restype = c_int
        fn.argtypes = argtypes
    lib.free = ctypes.CDLL(None).free
    lib.free.argtypes = [c_void_p]
    lib.free.restype = None
    return lib


def buf(data: bytes) -> Any:
    """A byte input as zku builds it."""
    return (ctypes.c_ubyte * len(data))(*data)


def take(lib: ctypes.CDLL, ptr: c_void_p, size: int) -> bytes:
    """Copy ``size`` bytes of an output and free it."""
    assert ptr.value is not None
    data = ctypes.string_at(ptr.value, size)
    lib.free(ptr)
    return data


def take_str(lib: ctypes.CDLL, ptr: c_void_p) -> str:
    """Copy a NUL-terminated output string and free it."""
    assert ptr.value is not None
    text = ctypes.string_at(ptr.value).decode()
    lib.free(ptr)
    return text
