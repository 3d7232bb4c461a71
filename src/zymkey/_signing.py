"""Signatures, verification and ECDH (``zymkey-api.md`` §4.4-§4.6)."""

from __future__ import annotations

import ctypes
import operator
from typing import Any

from softscm.errors import VerificationFailed
from zymkey._cargs import c_bool, c_bytes, c_int
from zymkey._constants import kdfFuncTypes
from zymkey._digest import DigestObject
from zymkey._errors import ecdh_call, library_call
from zymkey._facade import Facade
from zymkey.exceptions import VerificationError


class SigningMethods(Facade):
    """``sign``/``verify`` over text, ``sign_digest``/``verify_digest`` over a hash
    object, and ``ecdh``."""

    def sign(self, src: Any, slot: Any = 0, return_recid: Any = False,
             encoding: Any = "utf-8", digest: Any = None) -> Any:
        """Sign the SHA-256 (or ``digest``, updated in place) of ``src`` encoded with
        ``encoding`` with the private key in ``slot``.

        ``src`` is text (``str``, or ``bytes`` that decode with ``encoding``), never a
        path. Returns as :meth:`sign_digest`.
        """
        return self.sign_digest(DigestObject(src, encoding, digest), slot=slot,
                                return_recid=return_recid)

    def sign_digest(self, digest: Any, slot: Any = 0, return_recid: Any = False) -> Any:
        """Sign ``digest.digest()`` (called once) with the private key in ``slot``
        (``-1``: the ephemeral key).

        ``digest`` is any object with a ``digest()`` method (hashlib, pycryptodome,
        :class:`DigestObject`); raw bytes raise ``AttributeError``. Returns the 64-byte
        signature as a ``bytearray``, or with ``return_recid`` the tuple
        ``(signature, ctypes.c_uint(recovery_id))`` (Q17).
        """
        digest_bytes = c_bytes(digest.digest())
        key_slot = c_int(slot, 3)
        want_recid = bool(return_recid)
        with library_call():
            # The signature is the same whether or not the recid is asked for (Q36);
            # the module works the recid out only when asked (costly on P-256).
            result = self._client.sign_digest(digest_bytes, key_slot, recid=want_recid)
        signature = bytearray(result.signature)
        if want_recid:
            return signature, ctypes.c_uint(0 if result.recid is None else result.recid)
        return signature

    def verify(self, src: Any, sig: Any, raise_exception: Any = True, pubkey_slot: Any = 0,
               foreign: Any = False, encoding: Any = "utf-8", digest: Any = None) -> bool:
        """Verify ``sig`` over ``src``, hashed exactly as :meth:`sign` hashes it, with
        the public key in ``pubkey_slot`` (the foreign keyring when ``foreign``).

        Note the order: the third positional argument is ``raise_exception`` (Q35).
        Returns as :meth:`verify_digest`.
        """
        return self.verify_digest(DigestObject(src, encoding, digest), sig,
                                  raise_exception=raise_exception,
                                  pubkey_slot=pubkey_slot, foreign=foreign)

    def verify_digest(self, digest: Any, sig: Any, raise_exception: Any = True,
                      pubkey_slot: Any = 0, foreign: Any = False) -> bool:
        """Verify ``sig`` over ``digest.digest()`` with the public key in
        ``pubkey_slot`` (the foreign keyring when ``foreign``).

        Returns ``True`` when it verifies. When it does not, raises
        :class:`~zymkey.exceptions.VerificationError` (no message), or returns
        ``False`` if ``raise_exception`` is false (Q3). Failures of the module raise
        ``AssertionError`` whatever ``raise_exception`` says.
        """
        digest_bytes = c_bytes(digest.digest())
        signature = c_bytes(sig)
        key_slot = c_int(pubkey_slot, 3)
        in_keyring = c_bool(foreign)
        with library_call():
            try:
                valid = self._client.verify_digest(digest_bytes, signature, key_slot,
                                                   foreign=in_keyring)
            except VerificationFailed:
                valid = False
        if valid:
            return True
        if raise_exception:
            raise VerificationError()
        return False

    def ecdh(self, local_slot: Any, peer_pubkey: Any, kdf_func_type: Any = "none",
             salt: Any = [], info: Any = [], num_iterations: Any = 1,  # noqa: B006
             peer_pubkey_slot_is_foreign: Any = True, derived_key_size: Any = 32) -> bytearray:
        """ECDH between the private key in ``local_slot`` (``-1``: the ephemeral key)
        and the peer's public key, then the key derivation ``kdf_func_type``.

        ``peer_pubkey`` is the peer's raw public key (bytes-like), or, only when its type
        is exactly ``int``, the slot holding it: in the foreign keyring if
        ``peer_pubkey_slot_is_foreign`` (the default), else in the key store.
        ``kdf_func_type`` is one of :data:`zymkey.kdfFuncTypes`: ``"none"`` returns the
        raw shared secret, the HKDF (``rfc5869-*``) and PBKDF2 (``pbkdf2-*``) functions
        derive from it with ``salt``, ``info`` (HKDF) and ``num_iterations`` (PBKDF2).
        Returns ``derived_key_size`` bytes as a ``bytearray``.

        Every failure of the module raises ``TypeError``, as on the hardware (Q9); its
        message names the cause and the return code.
        """
        salt_bytes = c_bytes(salt)
        info_bytes = c_bytes(info)
        kdf = kdfFuncTypes[kdf_func_type]
        shift = 1 if kdf else 0  # the KDF calls take the KDF as their second argument
        local = c_int(local_slot, 2 + shift)
        peer: int | bytes
        peer_foreign = True
        if type(peer_pubkey) is int:
            peer = c_int(peer_pubkey, 3 + shift)
            peer_foreign = c_bool(peer_pubkey_slot_is_foreign)
        else:
            peer = c_bytes(peer_pubkey)
        if kdf:
            iterations = c_int(num_iterations, 10)
            size = c_int(derived_key_size, 11)
        else:
            # The raw call takes neither: the iteration count is unused and the size
            # only sizes the wrapper's result buffer.
            iterations = 1
            size = operator.index(derived_key_size)
        with ecdh_call():
            secret = self._client.ecdh(
                local, peer, peer_foreign=peer_foreign, kdf=kdf_func_type,
                salt=salt_bytes, info=info_bytes, iterations=iterations, size=size,
            )
        return bytearray(secret)
