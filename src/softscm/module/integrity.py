"""The module's integrity checks for the self test (``scm-behaviour.md`` §9.2): the
digest of the installed code, the key store's integrity and the check value of the
master key, and the simulation input that damages a protected area (``sim corrupt``).

**Code digest.** The host source ``code`` gives the installed ``softscm`` version and a
digest of its files (``softscm.host.code``); it is compared with the manifest recorded
in the state: ``{"version": …, "digest": …}``. The manifest is recorded at the first
boot of a module on this installation. An upgrade (another ``softscm`` version) is no
failure: the boot records the new version's digest and logs ``code_manifest_recorded``
with both versions, so an upgrade never bricks a module; a changed file under the same
version is a failure (fatal 9). A module given no code source (an embedded test
module) has no code to check and leaves the check out.

**Key-store digest.** Every key record is sealed under the master key with AES-256-GCM
for its very slot and record id: its tag is the record's integrity tag under the
master key. The check opens every record and compares a plain key's public key with
its private key's (:meth:`KeyStore.records_intact`).

**Critical-key digest.** A check value of the master key (an HMAC of a fixed label
under it), recorded at the first boot that has none and compared at every later run.

A module without its master key (destroyed, or a production state on another host)
has nothing to check in the last two: they pass, and the module's state says why it
does not serve.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softscm.errors import InvalidArgument, OperationNotSupported
from softscm.module.codes import EventKind
from softscm.module.lifecycle.selftest import Check
from softscm.module.operations import Input, Kind, Param, exposed

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.keys.keystore import KeyStore
    from softscm.module.profile import Profile

#: Meta entry of the code manifest: the version and the digest recorded for it.
CODE_MANIFEST_META = "code_manifest"
#: Meta entry of the master key's check value.
MASTER_CHECK_META = "master_key_check"
#: Areas ``sim corrupt`` can damage, and what each one exercises.
CORRUPTIBLE_AREAS = ("keystore", "code", "manifest")

_MASTER_CHECK_LABEL = b"softscm/master-key-check/v1"
#: The host source of the installed code: its version and digest.
CodeSource = Callable[[], "tuple[str, str]"]


def master_check_value(master: bytes) -> str:
    """The master key's check value."""
    return hmac.new(master, _MASTER_CHECK_LABEL, "sha256").hexdigest()[:16]


class Integrity:
    """The integrity checks of the self test and the ``corrupt`` simulation input."""

    def __init__(self, context: Context, keystore: KeyStore, profile: Profile,
                 corrupt_manifest: Callable[[], None], code: CodeSource | None) -> None:
        self._c = context
        self._code = code
        self._keystore = keystore
        self._profile = profile
        self._corrupt_manifest = corrupt_manifest

    def checks(self, t: float) -> list[tuple[str, Check]]:
        """The checks of the self test this part provides, for a run at module time
        ``t`` (inside the caller's transaction: a first run records what it compares
        with)."""
        checks: list[tuple[str, Check]] = []
        code = self._code
        if code is not None:
            checks.append(("code", lambda: self._code_ok(t, code)))
        return [*checks, ("keystore", self._keystore_ok),
                ("critical_key", self._critical_key_ok)]

    # -- the checks ----------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any] | None:
        stored = self._c.store.get_meta(CODE_MANIFEST_META)
        if not isinstance(stored, str):
            return None
        try:
            value = json.loads(stored)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def _record_manifest(self, version: str, digest: str) -> None:
        self._c.store.set_meta(CODE_MANIFEST_META, json.dumps(
            {"version": version, "digest": digest}, sort_keys=True))

    def _code_ok(self, t: float, code: CodeSource) -> bool:
        version, digest = code()
        manifest = self._manifest()
        if manifest is None or manifest.get("version") != version:
            self._record_manifest(version, digest)
            self._c.record(EventKind.CODE_MANIFEST_RECORDED, t, version=version,
                           previous=None if manifest is None else manifest.get("version"))
            return True
        return hmac.compare_digest(str(manifest.get("digest", "")), digest)

    def _keystore_ok(self) -> bool:
        if self._c.master_key() is None:
            return True
        return self._keystore.records_intact()

    def _critical_key_ok(self) -> bool:
        master = self._c.master_key()
        if master is None:
            return True
        value = master_check_value(master)
        stored = self._c.store.get_meta(MASTER_CHECK_META)
        if stored is None:
            self._c.store.set_meta(MASTER_CHECK_META, value)
            return True
        return hmac.compare_digest(str(stored), value)

    # -- simulation ----------------------------------------------------------------------

    @exposed(Kind.SIMULATION, input=Input(
        "corrupt", params=(Param("area", "text", metavar="|".join(CORRUPTIBLE_AREAS)),),
        help="damage a protected area: keystore (a key record; the self test fails, "
             "fatal 6), code (the code digest; fatal 9), manifest (supervised boot's "
             "manifest; 22/9)",
        done="{area} corrupted"))
    def sim_corrupt(self, area: str) -> None:
        """Damage a protected area (a test hook for integrity failures): ``"keystore"``
        a sealed key record, so the self test's key-store digest fails (fatal 6);
        ``"code"`` the recorded code digest, as a changed installed file would (fatal
        9); ``"manifest"`` supervised boot's manifest (a process failure, 22/9). The
        self test sees it at the next boot, background run or commanded test."""
        self._profile.require_simulation()
        if area not in CORRUPTIBLE_AREAS:
            raise InvalidArgument(
                f"cannot corrupt {area!r}: the areas are {', '.join(CORRUPTIBLE_AREAS)}")
        if area == "manifest":
            self._corrupt_manifest()
            return
        store = self._c.store
        with store.transaction():
            detail: dict[str, Any] = {"area": area}
            if area == "keystore":
                detail["slot"] = self._keystore.damage_record()
            else:
                if self._code is None:
                    raise OperationNotSupported("this module was given no installed code "
                                                "to check")
                self._record_manifest(self._code()[0], "0" * 64)
            self._c.record(EventKind.SIM_CORRUPT, self._c.now(), **detail)
