"""The names, signatures and supporting classes of the ``zymkey`` package
(``zymkey-api.md`` §1, §2.1, §3, §4.0; Q2, Q12, Q14, Q17, Q33, Q34, Q35).

``zymkey`` makes its shared client at import, so it is imported through the ``zymkey``
fixture, with ``SOFTSCM_HOME`` pointing at a fresh state directory.
"""

from __future__ import annotations

import ctypes
import hashlib
import inspect
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: Every public method of ``Zymkey`` with its parameters as Zymbit's module spells them.
SIGNATURES = {
    "led_on": "()",
    "led_off": "()",
    "led_flash": "(on_ms, off_ms=0, num_flashes=0)",
    "get_random": "(num_bytes)",
    "create_random_file": "(file_path, num_bytes)",
    "lock": "(src, dst=None, encryption_key='zymkey')",
    "unlock": "(src, dst=None, encryption_key='zymkey', raise_exception=True)",
    "sign": "(src, slot=0, return_recid=False, encoding='utf-8', digest=None)",
    "sign_digest": "(digest, slot=0, return_recid=False)",
    "verify": "(src, sig, raise_exception=True, pubkey_slot=0, foreign=False, "
              "encoding='utf-8', digest=None)",
    "verify_digest": "(digest, sig, raise_exception=True, pubkey_slot=0, foreign=False)",
    "ecdh": "(local_slot, peer_pubkey, kdf_func_type='none', salt=[], info=[], "
            "num_iterations=1, peer_pubkey_slot_is_foreign=True, derived_key_size=32)",
    "create_ecdsa_public_key_file": "(filename, slot=0)",
    "create_public_key_file": "(filename, slot=0, foreign=False)",
    "get_ecdsa_public_key": "(slot=0)",
    "get_public_key": "(slot=0, foreign=False)",
    "get_slot_alloc_list": "(foreign=False)",
    "store_foreign_public_key": "(key_type, pubkey)",
    "disable_public_key_export": "(slot=0, foreign=False)",
    "gen_key_pair": "(key_type)",
    "gen_ephemeral_key_pair": "(key_type)",
    "remove_key": "(slot, foreign=False)",
    "invalidate_ephemeral_key": "()",
    "gen_wallet_master_seed": "(key_type, master_gen_key, wallet_name, "
                              "recovery_strategy=<RecoveryStrategy>)",
    "set_gen_SLIP39_group_info": "(group_index, member_count, member_threshold)",
    "add_gen_SLIP39_member_pwd": "(passphrase='')",
    "cancel_SLIP39_session": "()",
    "gen_oversight_wallet": "(key_type, pub_key, chain_code, node_addr, wallet_name, "
                            "variant='')",
    "gen_wallet_child_key": "(parent_key_slot, index, hardened, return_chain_code=False)",
    "restore_wallet_master_seed": "(key_type, master_gen_key, wallet_name, "
                                  "recovery_strategy, mnemonics=None)",
    "add_restore_SLIP39_mnemonic": "(mnemonic_sentence, passphrase='')",
    "get_wallet_node_addr": "(slot)",
    "get_wallet_key_slot": "(node_addr, wallet_name=None, master_seed_slot=None)",
    "set_i2c_address": "(address)",
    "set_tap_sensitivity": "(axis='all', pct=50.0)",
    "wait_for_tap": "(timeout_ms=-1)",
    "get_accelerometer_data": "()",
    "get_time": "(precise=False)",
    "lock_binding": "()",
    "get_current_binding_info": "()",
    "set_perimeter_event_actions": "(channel, action_notify=True, action_self_destruct=False)",
    "set_digital_perimeter_lp_period": "(lp_period)",
    "set_digital_perimeter_lp_max_bits": "(max_num_bits)",
    "set_digital_perimeter_delays": "(min_delay_ns, max_delay_ns)",
    "wait_for_perimeter_event": "(timeout_ms=-1)",
    "get_perimeter_detect_info": "()",
    "clear_perimeter_detect_info": "()",
    "get_cpu_temp": "()",
    "get_aux_temp": "(index=0)",
    "get_rtc_drift": "()",
    "get_batt_volt": "()",
    "get_model_number": "()",
    "get_firmware_version": "()",
    "get_serial_number": "()",
    "set_battery_voltage_action": "(sleep=False, self_destruct=False)",
    "set_battery_voltage_threshold": "(threshold)",
    "set_cpu_temp_action": "(self_destruct=False)",
    "set_cpu_low_temp_threshold": "(threshold)",
    "set_cpu_high_temp_threshold": "(threshold)",
    "set_supervised_boot_policy": "(policy_id=0)",
    "add_or_update_supervised_boot_file": "(filepath='', slot=15)",
    "remove_supervised_boot_file": "(filepath='')",
    "get_supervised_boot_file_manifest": "()",
}


@pytest.fixture
def zymkey(home: Path):
    """The ``zymkey`` package, imported (the first time) with a fresh ``SOFTSCM_HOME``."""
    import zymkey

    return zymkey


def _spelled(func: object) -> str:
    """A signature without ``self`` and annotations, as the table above spells it."""
    parts = []
    for name, param in inspect.signature(func).parameters.items():
        if name == "self":
            continue
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        if param.default is inspect.Parameter.empty:
            parts.append(name)
        elif type(param.default).__name__ == "RecoveryStrategy":
            parts.append(f"{name}=<RecoveryStrategy>")
        else:
            parts.append(f"{name}={param.default!r}")
    return "(" + ", ".join(parts) + ")"


def test_sixty_three_methods() -> None:
    assert len(SIGNATURES) == 63


def test_exact_method_set(zymkey) -> None:  # Q33
    public = {
        name for name, value in inspect.getmembers(zymkey.Zymkey)
        if not name.startswith("_") and inspect.isfunction(value)
    }
    assert public == set(SIGNATURES)


@pytest.mark.parametrize("method", sorted(SIGNATURES))
def test_signature(zymkey, method: str) -> None:  # Q33, Q35
    assert _spelled(getattr(zymkey.Zymkey, method)) == SIGNATURES[method]


def test_sign_and_verify_positional_orders_differ(zymkey) -> None:  # Q35
    sign = list(inspect.signature(zymkey.Zymkey.sign).parameters)
    verify = list(inspect.signature(zymkey.Zymkey.verify).parameters)
    assert sign[2] == "slot" and verify[3] == "raise_exception"


def test_every_public_name_has_a_docstring(zymkey) -> None:
    for name in SIGNATURES:
        assert getattr(zymkey.Zymkey, name).__doc__, name
    for name in ("Zymkey", "DigestObject", "RecoveryStrategy", "RecoveryStrategyBIP39",
                 "RecoveryStrategySLIP39", "create_new_client"):
        assert getattr(zymkey, name).__doc__, name


# -- module-level names (§1.3) -------------------------------------------------------------


def test_constants(zymkey) -> None:
    assert zymkey.CLOUD_ENCRYPTION_KEY == "cloud"
    assert zymkey.ZYMKEY_ENCRYPTION_KEY == "zymkey"
    assert zymkey.ENCRYPTION_KEYS == ("cloud", "zymkey")
    assert type(zymkey.ENCRYPTION_KEYS) is tuple
    assert zymkey.keyTypes == {"secp256r1": 0, "nistp256": 0, "secp256k1": 1,
                               "ed25519": 2, "x25519": 3}
    assert zymkey.kdfFuncTypes == {"none": 0, "rfc5869-sha256": 1, "rfc5869-sha512": 2,
                                   "pbkdf2-sha256": 3, "pbkdf2-sha512": 4}


def test_key_type_lookups_are_exact(zymkey) -> None:  # Q32
    assert zymkey.keyTypes["nistp256"] == zymkey.keyTypes["secp256r1"]
    with pytest.raises(KeyError):
        zymkey.keyTypes["NISTP256"]


def test_all(zymkey) -> None:
    assert zymkey.__all__ == ["Zymkey", "client", "RecoveryStrategy",
                              "RecoveryStrategyBIP39", "RecoveryStrategySLIP39"]
    namespace: dict = {}
    exec("from zymkey import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(zymkey.__all__)


def test_reexports_are_the_same_objects(zymkey) -> None:  # Q34
    import zymkey.exceptions
    import zymkey.settings
    import zymkey.utils

    for name in ("VerificationError", "ZymkeyLibraryError", "ZymkeyTimeoutError"):
        assert getattr(zymkey, name) is getattr(zymkey.exceptions, name)
    assert zymkey.ZYMKEY_LIBRARY_PATH == zymkey.settings.ZYMKEY_LIBRARY_PATH
    assert isinstance(zymkey.ZYMKEY_LIBRARY_PATH, str)
    assert zymkey.is_string is zymkey.utils.is_string


def test_exception_classes(zymkey) -> None:
    from zymkey import exceptions

    for name in ("CommandError", "VaultError", "VerificationError", "ZymkeyLibraryError",
                 "ZymkeyTimeoutError"):
        cls = getattr(exceptions, name)
        assert cls.__bases__ == (Exception,)
    assert str(exceptions.VerificationError()) == ""


def test_ctypes_names_at_package_level(zymkey) -> None:
    assert zymkey.c_uint is ctypes.c_uint
    assert zymkey.c_ubyte is ctypes.c_ubyte
    assert zymkey.byref is ctypes.byref


def test_no_distutils(zymkey) -> None:
    assert "distutils" not in vars(zymkey)


def test_class_attributes(zymkey) -> None:
    assert zymkey.Zymkey.EPHEMERAL_KEY_SLOT == -1
    data = zymkey.Zymkey.ZymkeyAccelAxisData(0.5, -1)
    assert (data.g_force, data.tap_dir) == (0.5, -1)
    with pytest.raises(TypeError):
        zymkey.Zymkey(1)


def test_client_made_at_import(zymkey) -> None:  # Q2
    assert isinstance(zymkey.client, zymkey.Zymkey)
    other = zymkey.create_new_client()
    assert isinstance(other, zymkey.Zymkey) and other is not zymkey.client


# -- import behaviour in a fresh interpreter (§1.2, Q2) -------------------------------------


def _python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR", "PYTHONOPTIMIZE")}
    env["SOFTSCM_HOME"] = str(tmp_path / "state")
    env.update(extra)
    return env


def test_import_with_a_reachable_module(tmp_path: Path) -> None:
    result = _python("""
        import zymkey
        print(type(zymkey.client).__name__, zymkey.create_new_client() is not None)
    """, _env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Zymkey", "True"]


def test_client_is_none_when_no_module_can_be_reached(tmp_path: Path) -> None:  # Q2
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be")
    result = _python("""
        import zymkey
        print(zymkey.client, zymkey.create_new_client())
        try:
            zymkey.Zymkey()
        except AssertionError as exc:
            print(str(exc).startswith("bad return code -"))
    """, _env(tmp_path, SOFTSCM_HOME=str(blocker / "state")), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "None", "True"]


def test_client_is_none_when_the_daemon_socket_refuses(tmp_path: Path) -> None:  # Q2
    socket_path = tmp_path / "softscm.sock"
    socket_path.write_text("")
    result = _python("""
        import zymkey
        print(zymkey.client)
    """, _env(tmp_path, SOFTSCM_SOCKET=str(socket_path)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None"]


# -- DigestObject (§3.2, Q7, Q8) -----------------------------------------------------------


def test_digest_object_of_text(zymkey) -> None:
    d = zymkey.DigestObject("héllo")
    assert (d.src, d.encoding, d.str) == ("héllo", "utf-8", "héllo")
    assert d.digest() == hashlib.sha256("héllo".encode()).digest()
    assert isinstance(d.digest(), bytes)


@pytest.mark.parametrize("src", [b"hello", bytearray(b"hello")])
def test_digest_object_of_bytes_decodes_them(zymkey, src) -> None:  # Q7
    d = zymkey.DigestObject(src)
    assert d.str == "hello"
    assert d.digest() == hashlib.sha256(b"hello").digest()


def test_digest_object_encoding(zymkey) -> None:
    d = zymkey.DigestObject("é", encoding="latin-1")
    assert d.digest() == hashlib.sha256(b"\xe9").digest()


def test_digest_object_refuses_undecodable_bytes(zymkey) -> None:  # Q7
    with pytest.raises(UnicodeDecodeError):
        zymkey.DigestObject(b"\xff\xfe")


@pytest.mark.parametrize("src", [None, 5, [104, 105]])
def test_digest_object_refuses_other_types(zymkey, src) -> None:  # Q7
    with pytest.raises(AttributeError):
        zymkey.DigestObject(src)


def test_digest_object_uses_and_mutates_the_hash_given(zymkey) -> None:  # Q8
    h = hashlib.sha3_256()
    d = zymkey.DigestObject("abc", digest=h)
    assert d.hashlib is h
    assert h.digest() == hashlib.sha3_256(b"abc").digest()


def test_digest_object_update_hash(zymkey) -> None:
    d = zymkey.DigestObject("abc")
    assert d.digest(update_hash=True) == hashlib.sha256(b"abcabc").digest()


# -- recovery strategies (§3.1, Q12, Q14) --------------------------------------------------


def test_recovery_strategies(zymkey) -> None:
    base = zymkey.RecoveryStrategy()
    assert (base.recovery_strategy, base.variant, base.passphrase) == ("", "", "")
    assert zymkey.RecoveryStrategy("cardano").variant == "cardano"
    bip39 = zymkey.RecoveryStrategyBIP39("cardano")  # Q14: variant comes first
    assert (bip39.recovery_strategy, bip39.variant, bip39.passphrase) == ("BIP39", "cardano", "")
    assert zymkey.RecoveryStrategyBIP39(passphrase="cGFzcw==").passphrase == "cGFzcw=="
    slip39 = zymkey.RecoveryStrategySLIP39(3, 2, 1, "", "eA==")
    assert (slip39.recovery_strategy, slip39.group_count, slip39.group_threshold,
            slip39.iteration_exponent, slip39.variant, slip39.passphrase) == (
        "SLIP39", 3, 2, 1, "", "eA==")
    assert isinstance(bip39, zymkey.RecoveryStrategy)
    assert isinstance(slip39, zymkey.RecoveryStrategy)
    # No validation at all.
    assert zymkey.RecoveryStrategySLIP39(99, 100, 42).group_count == 99


def test_default_recovery_strategy_is_one_shared_instance(zymkey) -> None:  # Q12
    default = inspect.signature(zymkey.Zymkey.gen_wallet_master_seed).parameters[
        "recovery_strategy"].default
    assert isinstance(default, zymkey.RecoveryStrategy)
    assert default.recovery_strategy == ""
    again = inspect.signature(zymkey.Zymkey.gen_wallet_master_seed).parameters[
        "recovery_strategy"].default
    assert again is default


# -- utils and vault (§1.1) ----------------------------------------------------------------


def test_utils(zymkey, tmp_path: Path) -> None:
    from zymkey import utils
    from zymkey.exceptions import CommandError

    assert utils.is_string("x") and not utils.is_string(b"x")
    hexed = utils.get_random(16)
    assert isinstance(hexed, bytes) and len(hexed) == 32
    int(hexed, 16)
    assert len(utils.get_random()) == 1024
    target = tmp_path / "exists"
    utils.check_outfile(str(target))
    target.write_bytes(b"")
    with pytest.raises(CommandError):
        utils.check_outfile(str(target))
    with utils.open_with_perms(str(tmp_path / "secret"), "wb", 0o600) as fh:
        fh.write(b"x")
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_vault_round_trip(zymkey, tmp_path: Path) -> None:
    from zymkey import vault
    from zymkey.exceptions import CommandError, VaultError

    locked = tmp_path / "locked.bin"
    vault.lock(str(locked), content=b"secret")
    assert stat.S_IMODE(locked.stat().st_mode) == 0o400
    assert vault.unlock(str(locked)) == bytearray(b"secret")
    with pytest.raises(CommandError):
        vault.lock(str(locked), content=b"again")

    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"from a file")
    vault.lock(str(tmp_path / "from-file.bin"), infile=str(plain), remove_infile=True)
    assert not plain.exists()
    assert vault.unlock(str(tmp_path / "from-file.bin")) == bytearray(b"from a file")

    with pytest.raises(VaultError):
        vault.lock(str(tmp_path / "both.bin"), content=b"x", infile=str(plain))


def test_wrapper_asserts_hold_under_python_o(tmp_path: Path) -> None:  # Q6
    code = """
        import zymkey
        zk = zymkey.client
        checks = [
            lambda: zk.lock(b"x", encryption_key="bogus"),
            lambda: zk.unlock(b"x", encryption_key="bogus"),
            lambda: zk.set_tap_sensitivity("w"),
            lambda: zk.set_battery_voltage_action(True, True),
            lambda: zk.restore_wallet_master_seed("secp256k1", "", "w",
                                                  zymkey.RecoveryStrategyBIP39()),
            lambda: zk.restore_wallet_master_seed("secp256k1", "", "w",
                                                  zymkey.RecoveryStrategy(), "words"),
        ]
        for check in checks:
            try:
                check()
            except AssertionError as exc:
                print(repr(str(exc)))
    """
    result = subprocess.run(
        [sys.executable, "-O", "-c", textwrap.dedent(code)], env=_env(tmp_path),
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "''", "''", "'invalid input value w'",
        "'Sleep and self-destruct cannot both be True'",
        "'BIP39 requires a mnemonic sentence'", "'Not a supported recovery strategy'",
    ]


def test_ecdh_mutable_defaults_are_never_mutated(zymkey) -> None:  # Q11
    params = inspect.signature(zymkey.Zymkey.ecdh).parameters
    zk = zymkey.Zymkey()
    zk.gen_ephemeral_key_pair("nistp256")
    zk.ecdh(0, zk.get_public_key(-1))
    zk.ecdh(0, zk.get_public_key(-1), "rfc5869-sha256")
    assert params["salt"].default == [] and params["info"].default == []
