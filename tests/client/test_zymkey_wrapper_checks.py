"""The wrapper's own checks and conversions fire before the module is reached
(``zymkey-api.md`` §2.2, §2.3, Q24, Q25, Q27, Q28), and no method is left unbuilt."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
from test_zymkey_conversion import as_on_python_311

SENTENCE = " ".join(["abandon"] * 23 + ["art"])
SHARE = " ".join(["academic"] * 33)


def _bip39():
    import zymkey

    return zymkey.RecoveryStrategyBIP39()


def _slip39():
    import zymkey

    return zymkey.RecoveryStrategySLIP39(group_count=2, group_threshold=1, iteration_exponent=0)


#: What the wrapper raises before any library call: (method, args, kwargs, type, message).
WRAPPER_ERRORS = [
    # Q27
    ("set_tap_sensitivity", ("w",), {}, AssertionError, "invalid input value w"),
    ("set_tap_sensitivity", ("XY",), {}, AssertionError, "invalid input value xy"),
    ("set_tap_sensitivity", ("",), {}, AssertionError, "invalid input value "),
    ("set_tap_sensitivity", (0,), {}, AttributeError, None),
    ("set_tap_sensitivity", ("x", None), {}, ctypes.ArgumentError,
     "argument 3: TypeError: wrong type"),
    ("set_tap_sensitivity", ("x", "50"), {}, ctypes.ArgumentError, None),
    # Q28
    ("set_battery_voltage_action", (True, True), {}, AssertionError,
     "Sleep and self-destruct cannot both be True"),
    ("set_battery_voltage_action", (), {"sleep": 1, "self_destruct": "yes"}, AssertionError,
     "Sleep and self-destruct cannot both be True"),
    # Q24
    ("restore_wallet_master_seed", ("secp256k1", "", "w", "BIP39"), {}, AssertionError,
     "BIP39 requires a mnemonic sentence"),
    ("restore_wallet_master_seed", ("secp256k1", "", "w", "base", SENTENCE), {}, AssertionError,
     "Not a supported recovery strategy"),
    ("restore_wallet_master_seed", ("secp256k1", "", "w", None, SENTENCE), {}, AttributeError,
     None),
    ("restore_wallet_master_seed", ("Secp256k1", "", "w", "BIP39", SENTENCE), {}, KeyError, None),
    ("restore_wallet_master_seed", ("secp256k1", "key", "w", "BIP39", SENTENCE), {}, TypeError,
     "'str' object cannot be interpreted as an integer"),
    ("restore_wallet_master_seed", ("secp256k1", "", b"w", "BIP39", SENTENCE), {},
     AttributeError, None),
    ("restore_wallet_master_seed", ("secp256k1", "", "w", "BIP39", b"abandon"), {},
     AttributeError, None),
    # Q25
    ("get_wallet_key_slot", ("m",), {}, ctypes.ArgumentError, "argument 4: TypeError: wrong type"),
    ("get_wallet_key_slot", ("m", None, None), {}, ctypes.ArgumentError, None),
    ("get_wallet_key_slot", ("m", "", 16), {}, ctypes.ArgumentError,
     "argument 3: TypeError: wrong type"),
    ("get_wallet_key_slot", ("m", b"wallet"), {}, AttributeError, None),
    ("get_wallet_key_slot", (b"m", "wallet"), {}, AttributeError, None),
    ("get_wallet_key_slot", ("m", None, 16.0), {}, ctypes.ArgumentError, None),
    # §2.3 conversions of the wallet calls
    ("gen_wallet_master_seed", ("secp256k1", "key", "w"), {}, TypeError,
     "'str' object cannot be interpreted as an integer"),
    ("gen_wallet_master_seed", ("SECP256K1", b"", "w"), {}, KeyError, None),
    ("gen_wallet_master_seed", ("secp256k1", b"", b"w"), {}, AttributeError, None),
    ("gen_wallet_master_seed", ("secp256k1", None, "w"), {}, TypeError, None),
    ("gen_wallet_master_seed", ("secp256k1", b"", "w", "SLIP39-none"), {},
     ctypes.ArgumentError, "argument 7: TypeError: wrong type"),
    ("gen_oversight_wallet", ("secp256k1", "pub", bytes(32), "m/0'", "w"), {}, TypeError, None),
    ("gen_oversight_wallet", ("secp256k1", bytes(64), "chain", "m/0'", "w"), {}, TypeError, None),
    ("gen_oversight_wallet", ("x", bytes(64), bytes(32), "m/0'", "w"), {}, KeyError, None),
    ("gen_oversight_wallet", ("secp256k1", bytes(64), bytes(32), b"m/0'", "w"), {},
     AttributeError, None),
    ("gen_oversight_wallet", ("secp256k1", bytes(64), bytes(32), "m/0'", "w", None), {},
     AttributeError, None),
    ("gen_wallet_child_key", (16, None, True), {}, ctypes.ArgumentError,
     "argument 3: TypeError: wrong type"),
    ("gen_wallet_child_key", ("16", 0, True), {}, ctypes.ArgumentError,
     "argument 2: TypeError: wrong type"),
    ("set_gen_SLIP39_group_info", (0, 3, 2.0), {}, ctypes.ArgumentError,
     "argument 4: TypeError: wrong type"),
    ("add_gen_SLIP39_member_pwd", (b"pwd",), {}, AttributeError, None),
    ("add_restore_SLIP39_mnemonic", (SHARE, None), {}, AttributeError, None),
    ("add_restore_SLIP39_mnemonic", (SHARE.encode(),), {}, AttributeError, None),
    ("get_wallet_node_addr", (None,), {}, ctypes.ArgumentError,
     "argument 2: TypeError: wrong type"),
    # other areas
    ("set_i2c_address", ("0x30",), {}, ctypes.ArgumentError, "argument 2: TypeError: wrong type"),
    ("wait_for_tap", (1.5,), {}, ctypes.ArgumentError, "argument 2: TypeError: wrong type"),
    ("wait_for_perimeter_event", (None,), {}, ctypes.ArgumentError, None),
    ("set_perimeter_event_actions", (None,), {}, ctypes.ArgumentError, None),
    ("set_digital_perimeter_lp_period", (1.0,), {}, ctypes.ArgumentError, None),
    ("set_digital_perimeter_lp_max_bits", ("8",), {}, ctypes.ArgumentError, None),
    ("set_digital_perimeter_delays", (10, None), {}, ctypes.ArgumentError,
     "argument 3: TypeError: wrong type"),
    ("get_aux_temp", (None,), {}, ctypes.ArgumentError, None),
    ("set_battery_voltage_threshold", ("2.5",), {}, ctypes.ArgumentError, None),
    ("set_cpu_low_temp_threshold", (None,), {}, ctypes.ArgumentError, None),
    ("set_cpu_high_temp_threshold", ("hot",), {}, ctypes.ArgumentError, None),
    ("set_supervised_boot_policy", (None,), {}, ctypes.ArgumentError, None),
    ("add_or_update_supervised_boot_file", (b"config.txt",), {}, AttributeError, None),
    ("add_or_update_supervised_boot_file", ("config.txt", None), {}, ctypes.ArgumentError,
     "argument 3: TypeError: wrong type"),
    ("remove_supervised_boot_file", (None,), {}, AttributeError, None),
]

_STRATEGIES = {"BIP39": _bip39, "SLIP39": _slip39}


def _resolve(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Strategy names in the tables stand for strategy objects (made after import)."""
    import zymkey

    def one(value):
        if not isinstance(value, str):
            return value
        if value in _STRATEGIES:
            return _STRATEGIES[value]()
        if value == "base":
            return zymkey.RecoveryStrategy()
        if value == "SLIP39-none":
            return zymkey.RecoveryStrategySLIP39(None, 1, 0)
        return value

    return tuple(one(a) for a in args), {k: one(v) for k, v in kwargs.items()}


class NoCalls:
    """A client that fails the test if any call reaches it."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the client was called: {name}")


@pytest.fixture
def zymkey(home: Path):
    import zymkey

    return zymkey


@pytest.fixture
def zk(zymkey):
    """A context on a real embedded module."""
    return zymkey.Zymkey()


@pytest.fixture
def isolated(zymkey):
    """A context whose client must never be reached."""
    return zymkey.Zymkey(_client=NoCalls())


@pytest.mark.parametrize("method, args, kwargs, error, message", WRAPPER_ERRORS,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_wrapper_checks_come_first(isolated, method, args, kwargs, error, message) -> None:
    args, kwargs = _resolve(args, kwargs)
    with pytest.raises(error) as excinfo:
        getattr(isolated, method)(*args, **kwargs)
    assert type(excinfo.value) is error
    if message is not None:
        assert as_on_python_311(str(excinfo.value)) == message


def test_readings_carry_float32_precision() -> None:
    from zymkey._cargs import c_float, float32

    assert float32(2.3) == 2.299999952316284
    assert c_float(2.3, 2) == 2.299999952316284
    assert float32(-10) == -10.0


_UNBUILT = {"NotImplementedError", "NotImplementedYet"}


def _raises_unbuilt(source: str) -> bool:
    """Whether ``source`` raises ``NotImplementedError`` (or softscm's subclass of it)."""
    import ast
    import textwrap

    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in _UNBUILT:
                return True
    return False


def test_the_unbuilt_check_sees_an_unbuilt_method() -> None:
    assert _raises_unbuilt("def f(self):\n    raise NotImplementedError('f')\n")
    assert _raises_unbuilt("def f(self):\n    raise errors.NotImplementedYet\n")
    assert not _raises_unbuilt("def f(self):\n    return 1\n")


def test_no_method_is_left_unbuilt() -> None:
    import inspect

    import zymkey
    from softscm import Client
    from softscm.module import Module

    checked = 0
    for cls in (zymkey.Zymkey, Client, Module):
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            assert not _raises_unbuilt(inspect.getsource(method)), f"{cls.__name__}.{name}"
            checked += 1
    assert checked > 100
