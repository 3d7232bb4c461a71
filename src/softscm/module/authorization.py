"""Remote authorisation of a hold (``scm-behaviour.md`` §9.3), through the operator
interface: the module shows a 32-byte challenge; a signature over it by the authority,
whose public key was put in the foreign slot chosen at provisioning, releases a hold
that waits for an authorisation. Each challenge answers once; a wrong or replayed
answer is refused and logged. Operations are served through :meth:`Module.operation`.

The tap code, the other method, is a simulation input (``sim tap``) judged by the
engine (:mod:`softscm.module.lifecycle.authorization`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from softscm.errors import InvalidArgument, OperationNotSupported, VerificationFailed
from softscm.module.checks import check_bytes
from softscm.module.lifecycle import authorization as auth
from softscm.module.operations import Kind, exposed

if TYPE_CHECKING:
    from softscm.module.keys.keystore import KeyStore
    from softscm.module.lifecycle.physical import Physical
    from softscm.module.profile import Profile

#: Longest answer accepted, in bytes (a DER ECDSA signature is at most 72).
MAX_SIGNATURE_BYTES = 128


class Authorization:
    """The remote authorisation of holds."""

    def __init__(self, physical: Physical, keystore: KeyStore, profile: Profile) -> None:
        self._p = physical
        self._keys = keystore
        self._profile = profile

    @exposed(Kind.OPERATOR)
    def auth_challenge(self) -> dict[str, Any]:
        """The hold that waits for an authorisation (``awaiting``, ``None`` if none), its
        challenge (hex) and the methods that can give it."""
        st = self._p.catch_up()
        methods = ["remote"] + (["tap_code"] if self._profile.tap_code else [])
        return {"awaiting": st.auth_awaiting, "challenge": st.auth_challenge,
                "authority_slot": self._profile.authority_slot,
                "methods": methods if st.auth_awaiting else []}

    @exposed(Kind.OPERATOR)
    def auth_respond(self, signature: bytes) -> None:
        """Answer the challenge with the authority's signature over its SHA-256 digest
        (ECDSA ``r||s`` or Ed25519, as ``zymkey``'s ``sign``). A good answer releases the
        hold; a wrong one fails ``VerificationFailed``, and so does a replay."""
        check_bytes("signature", signature)
        if not 0 < len(signature) <= MAX_SIGNATURE_BYTES:
            raise InvalidArgument(f"a signature is 1-{MAX_SIGNATURE_BYTES} bytes")
        if self._p.catch_up().auth_awaiting is None:
            raise InvalidArgument("no hold waits for an authorisation")
        key = self._keys.public_key(self._profile.authority_slot, foreign=True)
        if not key.key_type.can_sign:
            raise OperationNotSupported(
                f"the authority slot holds a {key.key_type.name} key, which cannot sign")
        seen = auth.signature_id(bytes(signature))
        with self._p.edit() as st:
            if st.auth_awaiting is None:  # it ended meanwhile
                raise InvalidArgument("no hold waits for an authorisation")
            t = self._p.time_at(st)
            challenge = bytes.fromhex(st.auth_challenge or "")
            if seen in st.auth_used:
                result = auth.REPLAYED
            elif challenge and key.verify_digest(auth.challenge_digest(challenge),
                                                 bytes(signature)):
                result = auth.OK
                st.auth_used = (st.auth_used + [seen])[-auth.USED_SIGNATURES_KEPT:]
            else:
                result = auth.FAIL
            self._p.engine.authorize(st, t, "remote", result)
        if result == auth.REPLAYED:
            raise VerificationFailed("this answer was used before: replay refused")
        if result != auth.OK:
            raise VerificationFailed("the signature is not the authority's over the challenge")
