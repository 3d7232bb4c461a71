"""What the ``zymkey`` facade hands to ``softscm.Client`` and what it makes of the answers:
argument conversion as Zymbit's ``ctypes`` wrapper does it (``zymkey-api.md`` §2.3,
Q5-Q11, Q17, Q18, Q21, Q31, Q36) and the mapping of softscm's errors (§2.2, §2.4, Q1,
Q9, Q29).

A stub stands in for the client: it records each call and answers as a module would.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import re
import sys
from pathlib import Path

import pytest

import softscm.errors as errors
from softscm.client import Client, Signature

U32 = 2**32


class StubClient:
    """Records calls; ``fail`` is raised by the next call that reaches it."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.fail: Exception | None = None
        self.recid: int | None = 1
        self.valid = True
        self.closed = False

    def _record(self, name: str, *args, **kwargs) -> None:
        self.calls.append((name, args, kwargs))
        if self.fail is not None:
            raise self.fail

    @property
    def last(self) -> tuple:
        return self.calls[-1]

    def close(self) -> None:
        self.closed = True

    def model_number(self) -> str:
        self._record("model_number")
        return "SCM"

    def firmware_version(self) -> str:
        self._record("firmware_version")
        return "01.02.02release"

    def serial_number(self) -> str:
        self._record("serial_number")
        return "SERIAL"

    def get_time(self, precise=False) -> int:
        self._record("get_time", precise)
        return 1_700_000_000

    def led_on(self) -> None:
        self._record("led_on")

    def led_off(self) -> None:
        self._record("led_off")

    def led_flash(self, on_ms, off_ms=0, num_flashes=0) -> None:
        self._record("led_flash", on_ms, off_ms, num_flashes)

    def random_bytes(self, num_bytes) -> bytes:
        self._record("random_bytes", num_bytes)
        return bytes(range(num_bytes))

    def random_file(self, path, num_bytes) -> None:
        self._record("random_file", path, num_bytes)

    def lock(self, data, key="zymkey") -> bytes:
        self._record("lock", data, key)
        return b"L" + key[:1].encode() + bytes(data)

    def unlock(self, blob, key="zymkey") -> bytes:
        self._record("unlock", blob, key)
        if bytes(blob[:2]) != b"L" + key[:1].encode():
            raise errors.VerificationFailed("does not verify")
        return bytes(blob[2:])

    def lock_file(self, src, dst, key="zymkey") -> None:
        self._record("lock_file", src, dst, key)

    def unlock_file(self, src, dst, key="zymkey") -> None:
        self._record("unlock_file", src, dst, key)

    def sign_digest(self, digest, slot=0, *, recid=False, foreign=False) -> Signature:
        self._record("sign_digest", digest, slot, recid=recid, foreign=foreign)
        return Signature(bytes(range(64)), self.recid if recid else None)

    def verify_digest(self, digest, signature, slot=0, *, foreign=False) -> bool:
        self._record("verify_digest", digest, signature, slot, foreign=foreign)
        return self.valid

    def ecdh(self, slot, peer, **kwargs) -> bytes:
        self._record("ecdh", slot, peer, **kwargs)
        return bytes(kwargs["size"])

    def public_key(self, slot=0, *, foreign=False) -> bytes:
        self._record("public_key", slot, foreign=foreign)
        return bytes(64)

    def export_public_key(self, path, slot=0, *, foreign=False) -> None:
        self._record("export_public_key", path, slot, foreign=foreign)

    def slots(self, *, foreign=False):
        self._record("slots", foreign=foreign)
        return [0, 1, 16], 512

    def generate_key(self, key_type) -> int:
        self._record("generate_key", key_type)
        return 16

    def generate_ephemeral_key(self, key_type) -> None:
        self._record("generate_ephemeral_key", key_type)

    def invalidate_ephemeral_key(self) -> None:
        self._record("invalidate_ephemeral_key")

    def store_foreign_key(self, key_type, public_key) -> int:
        self._record("store_foreign_key", key_type, public_key)
        return 3

    def disable_public_key_export(self, slot=0, *, foreign=False) -> None:
        self._record("disable_public_key_export", slot, foreign=foreign)

    def remove_key(self, slot, *, foreign=False) -> None:
        self._record("remove_key", slot, foreign=foreign)


@pytest.fixture
def zymkey(home: Path):
    import zymkey

    return zymkey


@pytest.fixture
def stub() -> StubClient:
    return StubClient()


@pytest.fixture
def zk(zymkey, stub: StubClient):
    return zymkey.Zymkey(_client=stub)


def as_on_python_311(message: str) -> str:
    """A ``TypeError`` or ``ctypes.ArgumentError`` message as Python 3.11 words it
    (``zymkey-api.md`` §2.3). ctypes judges the values itself, and its words change with
    the interpreter: for a C argument of the wrong type, 3.12 names the refused type
    ("'float' object cannot be interpreted as an integer", "must be real number, not
    NoneType"; 3.13 also "... as ctypes.c_char_p") where 3.11 says "wrong type"; for a
    ``str`` in a byte buffer, 3.9 says "an integer is required (got type str)"."""
    if sys.version_info < (3, 10):
        return re.sub(r"an integer is required \(got type (\w+)\)$",
                      r"'\1' object cannot be interpreted as an integer", message)
    if sys.version_info < (3, 12):
        return message
    return re.sub(r": TypeError: ('\w+' object cannot be interpreted as "
                  r"(an integer|ctypes\.\w+)|must be real number, not \w+)$",
                  ": TypeError: wrong type", message)


def _str_in_bytes_error(excinfo: pytest.ExceptionInfo) -> None:
    """The ``TypeError`` of a non-empty ``str`` where bytes-like data is expected."""
    assert excinfo.type is TypeError
    assert as_on_python_311(str(excinfo.value)) == (
        "'str' object cannot be interpreted as an integer")


def _argument_error(excinfo: pytest.ExceptionInfo, argno: int) -> None:
    assert excinfo.type is ctypes.ArgumentError
    assert as_on_python_311(str(excinfo.value)) == f"argument {argno}: TypeError: wrong type"


class DigestCounter:
    """A hash object that counts how often its digest is asked for."""

    def __init__(self, value: bytes = b"\x11" * 32) -> None:
        self.value = value
        self.count = 0

    def digest(self) -> bytes:
        self.count += 1
        return self.value


# -- construction (§1.2, §3.4, Q2) -------------------------------------------------------


@pytest.mark.parametrize("failure, rc", [
    (errors.ConnectionFailed("daemon down"), -errno.ECONNREFUSED),
    (errors.CannotBind("other host"), -errno.EIO),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory"), -errno.ENOTDIR),
])
def test_unreachable_module_is_an_assertion_error(zymkey, monkeypatch, failure, rc) -> None:
    def refuse(cls, home=None):
        raise failure

    monkeypatch.setattr(Client, "connect", classmethod(refuse))
    with pytest.raises(AssertionError) as excinfo:
        zymkey.Zymkey()
    assert str(excinfo.value) == f"bad return code {rc}"
    assert zymkey.create_new_client() is None


def test_other_constructor_failures_propagate(zymkey, monkeypatch) -> None:
    def broken(cls, home=None):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(Client, "connect", classmethod(broken))
    with pytest.raises(RuntimeError):
        zymkey.create_new_client()


def test_owned_client_is_closed_injected_one_is_not(zymkey, monkeypatch) -> None:
    owned = StubClient()
    monkeypatch.setattr(Client, "connect", classmethod(lambda cls, home=None: owned))
    zk = zymkey.Zymkey()
    zk.__del__()
    assert owned.closed
    injected = StubClient()
    zymkey.Zymkey(_client=injected).__del__()
    assert not injected.closed


# -- error mapping (§2.2, §2.4, Q1, Q29) -------------------------------------------------


@pytest.mark.parametrize("error, rc", [
    (errors.InvalidArgument("bad"), -22),
    (errors.OperationNotSupported("x25519 cannot sign"), -22),
    (errors.SlotEmpty("empty"), -2),
    (errors.WalletNotFound("none"), -2),
    (errors.NoSession("none"), -2),
    (errors.ExportDisabled("no"), -1),
    (errors.SlotReadOnly("factory"), -1),
    (errors.PolicyLocked("production"), -1),
    (errors.KeyStoreFull("full"), -28),
    (errors.WalletNameExists("dup"), -17),
    (errors.SessionActive("busy"), -16),
    (errors.Destroyed("gone"), -5),
    (errors.CannotBind("host"), -5),
    (errors.NotBound("unbound"), -5),
    (errors.ModuleUnavailable("booting"), -5),
    (errors.SelfTestFailed("self test"), -5),
    (errors.FileError("denied", rc=-13), -13),
    (errors.ConnectionFailed("daemon gone"), -111),
])
def test_module_errors_are_bad_return_codes(zk, stub, error, rc) -> None:  # Q1
    stub.fail = error
    with pytest.raises(AssertionError) as excinfo:
        zk.get_public_key(0)
    assert type(excinfo.value) is AssertionError
    assert str(excinfo.value) == f"bad return code {rc}"
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_timeout_is_zymkey_timeout_error(zymkey, zk, stub) -> None:  # Q29
    stub.fail = errors.Timeout("elapsed")
    with pytest.raises(zymkey.ZymkeyTimeoutError) as excinfo:
        zk.get_time()
    assert str(excinfo.value) == "wait timed out"


def test_not_implemented_yet_passes_through(zk, stub) -> None:
    stub.fail = errors.NotImplementedYet("led_flash is not implemented yet")
    with pytest.raises(NotImplementedError, match="not implemented yet"):
        zk.led_flash(100)


# -- LED (§4.1, Q21) ---------------------------------------------------------------------


def test_led_flash_off_time_defaults_to_on_time(zk, stub) -> None:  # Q21
    assert zk.led_flash(500) is None
    assert stub.last == ("led_flash", (500, 500, 0), {})
    zk.led_flash(500, 100)
    assert stub.last == ("led_flash", (500, 100, 0), {})
    zk.led_flash(on_ms=200, off_ms=0, num_flashes=3)
    assert stub.last == ("led_flash", (200, 200, 3), {})


def test_led_flash_wraps_unsigned(zk, stub) -> None:
    zk.led_flash(-1, 0, -2)
    assert stub.last == ("led_flash", (U32 - 1, U32 - 1, U32 - 2), {})
    zk.led_flash(U32 + 7, 1)
    assert stub.last == ("led_flash", (7, 1, 0), {})


@pytest.mark.parametrize("args, argno", [
    ((None,), 2), ((1.5,), 2), (("500",), 2), ((500, 2.5), 3), ((500, 100, None), 4),
])
def test_led_flash_refuses_non_ints(zk, stub, args, argno) -> None:  # Q31
    with pytest.raises(ctypes.ArgumentError) as excinfo:
        zk.led_flash(*args)
    _argument_error(excinfo, argno)
    assert stub.calls == []


def test_led_on_off(zk, stub) -> None:
    assert zk.led_on() is None and zk.led_off() is None
    assert [c[0] for c in stub.calls] == ["led_on", "led_off"]


# -- random (§4.2) ----------------------------------------------------------------------


def test_get_random_returns_bytearray(zk, stub) -> None:
    out = zk.get_random(5)
    assert type(out) is bytearray and out == bytearray(range(5))
    assert zk.get_random(True) == bytearray(b"\x00")


def test_get_random_truncates_like_a_c_int(zk, stub) -> None:
    zk.get_random(U32 + 3)
    assert stub.last == ("random_bytes", (3,), {})


@pytest.mark.parametrize("value", [None, 2.0, "4"])
def test_get_random_refuses_non_ints(zk, stub, value) -> None:
    with pytest.raises(ctypes.ArgumentError) as excinfo:
        zk.get_random(value)
    _argument_error(excinfo, 3)


def test_create_random_file(zk, stub) -> None:
    assert zk.create_random_file("relative/out.bin", 10) is None
    assert stub.last == ("random_file", ("relative/out.bin", 10), {})
    with pytest.raises(AttributeError):
        zk.create_random_file(b"/tmp/out.bin", 10)
    with pytest.raises(ctypes.ArgumentError):
        zk.create_random_file("/tmp/out.bin", None)


# -- lock / unlock (§4.3, Q4, Q5, Q6) ---------------------------------------------------


@pytest.mark.parametrize("method", ["lock", "unlock"])
@pytest.mark.parametrize("key", ["ZYMKEY", "", None, "shared", b"zymkey"])
def test_encryption_key_bare_assert_first(zk, stub, method, key) -> None:  # Q6
    with pytest.raises(AssertionError) as excinfo:
        getattr(zk, method)(12345, encryption_key=key)
    assert excinfo.value.args == ()
    assert str(excinfo.value) == ""
    assert stub.calls == []


@pytest.mark.parametrize("src, data", [
    (b"abc", b"abc"),
    (bytearray(b"abc"), b"abc"),
    ([97, 98, 99], b"abc"),
    ([1, 256, 513, -1], b"\x01\x00\x01\xff"),
    ((97, 98), b"ab"),
    (memoryview(b"xyz"), b"xyz"),
    ([], b""),
])
def test_lock_bytes_like_sources(zk, stub, src, data) -> None:  # Q5
    out = zk.lock(src)
    assert type(out) is bytearray
    assert stub.last == ("lock", (data, "zymkey"), {})
    assert out == bytearray(b"Lz" + data)


def test_lock_cloud_key(zk, stub) -> None:
    zk.lock(b"x", encryption_key="cloud")
    assert stub.last == ("lock", (b"x", "cloud"), {})


def test_lock_refuses_non_byte_data(zk, stub) -> None:
    with pytest.raises(TypeError):
        zk.lock([1.5])
    with pytest.raises(TypeError):
        zk.lock(None)


def test_lock_modes(zk, stub, tmp_path: Path) -> None:  # Q5
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"file data")
    # str to str: the client's file-to-file call
    assert zk.lock(str(plain), str(tmp_path / "a.bin")) is None
    assert stub.last == ("lock_file", (str(plain), str(tmp_path / "a.bin"), "zymkey"), {})
    # str to bytes
    assert zk.lock(str(plain)) == bytearray(b"Lzfile data")
    # bytes to str
    assert zk.lock(b"data", str(tmp_path / "b.bin")) is None
    assert (tmp_path / "b.bin").read_bytes() == b"Lzdata"
    # a bytes "path" is no path: the blob is returned
    assert zk.lock(b"data", bytes(tmp_path / "c.bin")) == bytearray(b"Lzdata")
    assert not (tmp_path / "c.bin").exists()


def test_lock_missing_source_file(zk, stub, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.lock(str(tmp_path / "missing"))
    with pytest.raises(AssertionError, match=r"^bad return code -2$"):
        zk.lock("")  # an empty str is a path too


def test_unlock_bytes_to_bytes(zymkey, zk, stub) -> None:  # Q4
    out = zk.unlock(bytearray(b"Lzsecret"))
    assert type(out) is bytearray and out == bytearray(b"secret")
    assert zk.unlock([76, 122]) == bytearray()
    with pytest.raises(zymkey.VerificationError) as excinfo:
        zk.unlock(b"Lcsecret")
    assert excinfo.value.args == ()
    assert zk.unlock(b"Lcsecret", raise_exception=False) is None
    assert zk.unlock(b"Lcsecret", None, "cloud", False) == bytearray(b"secret")


def test_unlock_file_modes_ignore_raise_exception(zk, stub, tmp_path: Path) -> None:  # Q4
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"Lcdata")
    good = tmp_path / "good.bin"
    good.write_bytes(b"Lzdata")
    assert zk.unlock(str(good)) == bytearray(b"data")
    assert zk.unlock(b"Lzdata", str(tmp_path / "out.txt")) is None
    assert (tmp_path / "out.txt").read_bytes() == b"data"
    for raise_exception in (True, False):
        with pytest.raises(AssertionError, match=r"^bad return code -22$"):
            zk.unlock(str(bad), raise_exception=raise_exception)
        with pytest.raises(AssertionError, match=r"^bad return code -22$"):
            zk.unlock(b"Lcdata", str(tmp_path / "never.txt"), raise_exception=raise_exception)
    assert not (tmp_path / "never.txt").exists()
    assert zk.unlock(str(good), str(tmp_path / "x.txt")) is None
    assert stub.last[0] == "unlock_file"


# -- sign / verify (§3.2, §4.4, §4.5, Q3, Q7, Q8, Q17, Q18, Q36) -------------------------


def test_sign_hashes_utf8_text(zk, stub) -> None:
    sig = zk.sign("hello world")
    assert type(sig) is bytearray and len(sig) == 64
    name, args, kwargs = stub.last
    assert name == "sign_digest"
    assert args == (hashlib.sha256(b"hello world").digest(), 0)
    # Q36: the signature is the same either way; the recid is worked out only when asked.
    assert kwargs == {"recid": False, "foreign": False}


@pytest.mark.parametrize("src", [b"hello", bytearray(b"hello"), "hello"])
def test_sign_bytes_are_text(zk, stub, src) -> None:  # Q7
    zk.sign(src, 4)
    assert stub.last[1] == (hashlib.sha256(b"hello").digest(), 4)


def test_sign_encoding(zk, stub) -> None:
    zk.sign("é", encoding="latin-1")
    assert stub.last[1][0] == hashlib.sha256(b"\xe9").digest()


def test_sign_refuses_non_text(zk, stub) -> None:  # Q7
    with pytest.raises(AttributeError):
        zk.sign(None)
    with pytest.raises(AttributeError):
        zk.sign([1, 2])
    with pytest.raises(UnicodeDecodeError):
        zk.sign(b"\xff")
    assert stub.calls == []


def test_sign_return_recid(zk, stub) -> None:  # Q17
    sig, recid = zk.sign("x", return_recid=True)
    assert type(sig) is bytearray
    assert type(recid) is ctypes.c_uint and recid.value == 1
    assert recid != 1  # a c_uint is not an int
    stub.recid = None  # Ed25519: no recovery id
    assert zk.sign_digest(hashlib.sha256(), 0, True)[1].value == 0


def test_sign_digest_calls_digest_once(zk, stub) -> None:  # Q18
    h = DigestCounter(b"\x22" * 64)
    zk.sign_digest(h, slot=-1)
    assert h.count == 1
    assert stub.last[1] == (b"\x22" * 64, -1)  # the module takes the first 32 bytes


@pytest.mark.parametrize("digest", [b"\x00" * 32, bytearray(32), "digest"])
def test_sign_digest_needs_a_hash_object(zk, stub, digest) -> None:  # Q18
    with pytest.raises(AttributeError):
        zk.sign_digest(digest)
    with pytest.raises(AttributeError):
        zk.verify_digest(digest, bytes(64))


@pytest.mark.parametrize("slot", [None, 1.0, "0"])
def test_sign_slot_must_be_an_int(zk, stub, slot) -> None:
    with pytest.raises(ctypes.ArgumentError) as excinfo:
        zk.sign("x", slot)
    _argument_error(excinfo, 3)


def test_sign_with_digest_object_mutates_it(zk, stub) -> None:  # Q8
    h = hashlib.sha3_256()
    zk.sign("abc", digest=h)
    assert stub.last[1][0] == hashlib.sha3_256(b"abc").digest()
    zk.verify("abc", b"sig", digest=h)
    assert stub.last[1][0] == hashlib.sha3_256(b"abcabc").digest()


def test_verify_outcomes(zymkey, zk, stub) -> None:  # Q3
    assert zk.verify("m", b"good") is True
    stub.valid = False
    with pytest.raises(zymkey.VerificationError) as excinfo:
        zk.verify("m", b"bad")
    assert excinfo.value.args == () and str(excinfo.value) == ""
    assert zk.verify("m", b"bad", raise_exception=False) is False
    assert zk.verify("m", b"bad", False) is False  # Q35: third positional
    assert zk.verify_digest(hashlib.sha256(), [1, 2], False) is False


def test_verify_failed_from_the_client_is_a_bad_signature(zymkey, zk, stub) -> None:
    stub.fail = errors.VerificationFailed("malformed")
    assert zk.verify("m", b"sig", raise_exception=False) is False
    with pytest.raises(zymkey.VerificationError):
        zk.verify("m", b"sig")


def test_verify_library_errors_ignore_raise_exception(zk, stub) -> None:  # Q3
    stub.fail = errors.SlotEmpty("empty")
    for raise_exception in (True, False):
        with pytest.raises(AssertionError, match=r"^bad return code -2$"):
            zk.verify("m", b"sig", raise_exception, 99)


def test_verify_arguments(zk, stub) -> None:
    zk.verify("m", [1, 2, 258], True, 7, "yes")
    name, args, kwargs = stub.last
    assert args[1:] == (b"\x01\x02\x02", 7) and kwargs == {"foreign": True}
    zk.verify_digest(hashlib.sha256(), bytearray(b"s"), pubkey_slot=3, foreign=0)
    assert stub.last[2] == {"foreign": False}
    with pytest.raises(TypeError) as excinfo:
        zk.verify("m", "signature")
    _str_in_bytes_error(excinfo)
    with pytest.raises(ctypes.ArgumentError):
        zk.verify("m", b"s", True, None)


# -- ECDH (§4.6, Q9, Q10, Q11) ----------------------------------------------------------


def test_ecdh_defaults(zk, stub) -> None:  # Q11
    out = zk.ecdh(0, bytes(64))
    assert type(out) is bytearray and len(out) == 32
    name, args, kwargs = stub.last
    assert args == (0, bytes(64))
    assert kwargs == {"peer_foreign": True, "kdf": "none", "salt": b"", "info": b"",
                      "iterations": 1, "size": 32}


def test_ecdh_int_peer_is_a_slot(zk, stub) -> None:  # Q11
    zk.ecdh(-1, 5)
    assert stub.last[1] == (-1, 5) and stub.last[2]["peer_foreign"] is True
    zk.ecdh(-1, 5, peer_pubkey_slot_is_foreign=0)
    assert stub.last[2]["peer_foreign"] is False


def test_ecdh_only_exact_ints_are_slots(zk, stub) -> None:  # Q11
    class SlotNumber(int):
        pass

    for peer in (True, SlotNumber(3)):
        with pytest.raises(TypeError):
            zk.ecdh(0, peer)
    assert stub.calls == []


def test_ecdh_kdf_arguments(zk, stub) -> None:
    out = zk.ecdh(2, [4] * 64, "pbkdf2-sha512", salt=b"salt", info=[1, 2],
                  num_iterations=10, derived_key_size=48)
    assert len(out) == 48
    assert stub.last[2] == {"peer_foreign": True, "kdf": "pbkdf2-sha512", "salt": b"salt",
                            "info": b"\x01\x02", "iterations": 10, "size": 48}
    zk.ecdh(2, bytes(64), "none", salt="", info="")
    assert stub.last[2]["salt"] == b"" and stub.last[2]["info"] == b""


def test_ecdh_argument_errors(zk, stub) -> None:
    with pytest.raises(KeyError):
        zk.ecdh(0, bytes(64), "hkdf")
    with pytest.raises(TypeError) as excinfo:
        zk.ecdh(0, bytes(64), salt="salt")
    _str_in_bytes_error(excinfo)
    with pytest.raises(TypeError) as excinfo:
        zk.ecdh(0, "peer key")
    _str_in_bytes_error(excinfo)
    with pytest.raises(ctypes.ArgumentError):
        zk.ecdh(None, bytes(64))
    with pytest.raises(ctypes.ArgumentError):
        zk.ecdh(0, bytes(64), "rfc5869-sha256", derived_key_size=32.0)
    assert stub.calls == []


@pytest.mark.parametrize("error", [
    errors.SlotEmpty("slot 40 is empty"),
    errors.InvalidArgument("public key is not a point on the curve"),
    errors.OperationNotSupported("Ed25519 keys cannot do ECDH"),
])
def test_ecdh_failures_are_type_errors(zk, stub, error) -> None:  # Q9
    stub.fail = error
    with pytest.raises(TypeError) as excinfo:
        zk.ecdh(40, bytes(64))
    message = str(excinfo.value)
    assert error.message in message
    assert f"bad return code {error.rc}" in message


def test_ecdh_not_implemented_passes_through(zk, stub) -> None:
    stub.fail = errors.NotImplementedYet("x")
    with pytest.raises(NotImplementedError):
        zk.ecdh(0, bytes(64))


# -- keys (§4.7, Q16, Q32) --------------------------------------------------------------


def test_key_methods(zk, stub) -> None:  # Q16
    assert zk.gen_key_pair("nistp256") == 16
    assert stub.last == ("generate_key", ("nistp256",), {})
    assert zk.gen_ephemeral_key_pair("x25519") is None
    assert zk.invalidate_ephemeral_key() == 0
    assert zk.store_foreign_public_key("secp256r1", list(range(64))) == 3
    assert stub.last == ("store_foreign_key", ("secp256r1", bytes(range(64))), {})
    assert zk.disable_public_key_export(5, 1) is None
    assert stub.last == ("disable_public_key_export", (5,), {"foreign": True})
    assert zk.remove_key(17) is None
    assert stub.last == ("remove_key", (17,), {"foreign": False})
    slots = zk.get_slot_alloc_list(foreign="yes")
    assert slots == ([0, 1, 16], 512) and type(slots) is tuple and type(slots[0]) is list
    assert stub.last == ("slots", (), {"foreign": True})


@pytest.mark.parametrize("name", ["NISTP256", "p256", "Ed25519", ""])
def test_key_type_names_are_exact(zk, stub, name) -> None:  # Q32
    for call in (zk.gen_key_pair, zk.gen_ephemeral_key_pair):
        with pytest.raises(KeyError):
            call(name)
    with pytest.raises(KeyError):
        zk.store_foreign_public_key(name, bytes(64))
    assert stub.calls == []


def test_store_foreign_public_key_converts_the_key_first(zk, stub) -> None:
    with pytest.raises(TypeError):
        zk.store_foreign_public_key("bogus", "not bytes")


def test_public_key_methods(zk, stub) -> None:
    assert type(zk.get_public_key()) is bytearray
    assert stub.last == ("public_key", (0,), {"foreign": False})
    assert type(zk.get_ecdsa_public_key(2)) is bytearray
    assert stub.last == ("public_key", (2,), {"foreign": False})
    zk.get_public_key(1, True)
    assert stub.last == ("public_key", (1,), {"foreign": True})
    assert zk.create_public_key_file("pk.pem", 3, True) is None
    assert stub.last == ("export_public_key", ("pk.pem", 3), {"foreign": True})
    assert zk.create_ecdsa_public_key_file("pk.pem") is None
    assert stub.last == ("export_public_key", ("pk.pem", 0), {"foreign": False})
    with pytest.raises(AttributeError):
        zk.create_public_key_file(Path("pk.pem"))
    with pytest.raises(ctypes.ArgumentError):
        zk.get_public_key(None)


# -- information and time (§4.11, §4.14) ------------------------------------------------


def test_information(zk, stub) -> None:
    assert zk.get_model_number() == "SCM"
    assert zk.get_firmware_version() == "01.02.02release"
    assert zk.get_serial_number() == "SERIAL"
    assert zk.get_time() == 1_700_000_000
    assert stub.last == ("get_time", (False,), {})
    zk.get_time(precise="yes")
    assert stub.last == ("get_time", (True,), {})
