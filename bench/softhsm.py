"""SoftHSM2, the software HSM people use instead, as a reference: P-256 ``C_Sign`` through
PKCS#11 (``python-pkcs11``) in this process, on a throw-away token."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Where Debian and Raspberry Pi OS put SoftHSM2's PKCS#11 module.
MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
#: What to run when it is missing.
INSTALL_HINT = ("SoftHSM2 not measured: install it with "
                "`sudo apt-get install softhsm2 && python3 -m pip install python-pkcs11`")
_PIN = "123456"


def missing() -> str | None:
    """Why SoftHSM2 cannot be measured here, or ``None`` when it can."""
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    if _module_path() is None or shutil.which("softhsm2-util") is None:
        return INSTALL_HINT
    return None


def _module_path() -> str | None:
    return next((p for p in MODULE_PATHS if Path(p).exists()), None)


@contextmanager
def p256_signer() -> Iterator[Callable[[bytes], bytes]]:
    """A function signing a 32-byte digest with a fresh P-256 key inside a fresh SoftHSM2
    token (``CKM_ECDSA``), valid inside the ``with``."""
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism
    from pkcs11.util.ec import encode_named_curve_parameters

    module = _module_path()
    if module is None:
        raise RuntimeError(INSTALL_HINT)
    directory = Path(tempfile.mkdtemp(prefix="softscm-bench-softhsm-"))
    previous = os.environ.get("SOFTHSM2_CONF")
    try:
        (directory / "tokens").mkdir()
        conf = directory / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                        "objectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "bench",
                        "--pin", _PIN, "--so-pin", _PIN], check=True, capture_output=True)
        token = pkcs11.lib(module).get_token(token_label="bench")
        with token.open(user_pin=_PIN, rw=True) as session:
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True)
            _, private = params.generate_keypair()
            yield lambda digest: private.sign(digest, mechanism=Mechanism.ECDSA)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
        shutil.rmtree(directory, ignore_errors=True)
