"""X.509 certificates kept with key slots, and certificate signing requests signed
inside the module (``scm-behaviour.md`` §9.4). Operations are served through
:meth:`Module.operation`.

A certificate is public data, kept in the store next to its slot: storing checks that
its public key is the slot's, and it goes when the slot's key goes (removal, a new key
in the slot, self-destruct). A request is built around the slot's public key and signed
with the slot's private key here; the private key never leaves the module.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softscm.crypto import csr
from softscm.crypto.curves import KeyType
from softscm.errors import InvalidArgument, KeyStoreFull, SlotEmpty
from softscm.module.operations import Kind, exposed

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.keys.keystore import KeyStore

#: Most certificates a module keeps, one per slot at most (§9.4).
MAX_CERTIFICATES = 64
#: Largest certificate accepted, in bytes (DER, or PEM text).
MAX_CERTIFICATE_BYTES = 16 * 1024
_PEM_START = b"-----BEGIN"


class Certificates:
    """The certificate store and request signing of a module."""

    def __init__(self, context: Context, keystore: KeyStore) -> None:
        self._c = context
        self._keys = keystore

    @exposed(Kind.HOST)
    def certificate_store(self, slot: int, certificate: bytes) -> None:
        """Keep ``certificate`` (DER, or one PEM certificate) for the key in ``slot``,
        replacing the one it had. ``InvalidArgument`` unless it parses and its public
        key is the slot's; ``SlotEmpty`` for an empty slot; ``KeyStoreFull`` beyond
        :data:`MAX_CERTIFICATES`."""
        der = _certificate_der(certificate)
        self._c.host_guard()
        key_type, public = self._key(slot)
        spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if spki != csr.public_key_info(key_type, public):
            raise InvalidArgument(f"the certificate's public key is not the key in slot {slot}")
        store = self._c.store
        with store.transaction():
            slots = store.certificate_slots()
            if slot not in slots and len(slots) >= MAX_CERTIFICATES:
                raise KeyStoreFull(f"the module keeps at most {MAX_CERTIFICATES} certificates")
            store.put_certificate(slot, der)

    @exposed(Kind.HOST)
    def certificate_get(self, slot: int) -> bytes:
        """The DER certificate of ``slot`` (``SlotEmpty`` if it has none)."""
        self._c.host_guard()
        self._keys.exported_public(slot)
        der = self._c.store.get_certificate(slot)
        if der is None:
            raise SlotEmpty(f"slot {slot} has no certificate")
        return der

    @exposed(Kind.HOST)
    def certificate_list(self) -> list[dict[str, Any]]:
        """One entry per certificate: ``slot``, ``subject`` (RFC 4514), ``issuer``,
        ``not_before`` and ``not_after`` (epoch seconds)."""
        self._c.host_guard()
        out = []
        for slot in self._c.store.certificate_slots():
            der = self._c.store.get_certificate(slot)
            if der is None:  # pragma: no cover - removed between the two reads
                continue
            cert = x509.load_der_x509_certificate(der)
            out.append({
                "slot": slot, "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "not_before": int(_not_before(cert)), "not_after": int(_not_after(cert)),
            })
        return out

    @exposed(Kind.HOST)
    def certificate_remove(self, slot: int) -> None:
        """Drop the certificate of ``slot`` (``SlotEmpty`` if it has none)."""
        self._c.host_guard()
        self._keys.check_slot(slot)
        if not self._c.store.delete_certificate(slot):
            raise SlotEmpty(f"slot {slot} has no certificate")

    @exposed(Kind.HOST)
    def certificate_request(self, slot: int, subject: str) -> bytes:
        """A PKCS#10 request (DER) for the key in ``slot`` with ``subject`` in OpenSSL's
        ``-subj`` form, signed with that key: ECDSA with SHA-256 for NIST P-256 and
        secp256k1, pure Ed25519 for Ed25519. X25519 keys cannot sign
        (``OperationNotSupported``)."""
        name = csr.parse_subject(subject)
        self._c.host_guard()
        key_type, public = self._key(slot)
        csr.check_can_sign_request(key_type)
        key = self._keys.private_key(slot)
        info = csr.request_info(name, key_type, public)
        if key_type == KeyType.ED25519:
            signature = key.sign_message(info)
        else:
            signature = csr.ecdsa_der(key.sign_digest(hashlib.sha256(info).digest())[0])
        return csr.assemble(info, key_type, signature)

    def _key(self, slot: int) -> tuple[KeyType, bytes]:
        """Key type and public key of ``slot``, whose public key may be exported."""
        self._keys.check_slot(slot)
        return self._keys.exported_public(slot)


def _certificate_der(certificate: object) -> bytes:
    """The DER of one certificate given as DER or PEM; ``InvalidArgument`` otherwise."""
    if not isinstance(certificate, (bytes, bytearray)):
        raise InvalidArgument("the certificate must be bytes (DER or PEM)")
    if len(certificate) > MAX_CERTIFICATE_BYTES:
        raise InvalidArgument(f"a certificate is at most {MAX_CERTIFICATE_BYTES} bytes")
    data = bytes(certificate)
    try:
        if data.lstrip().startswith(_PEM_START):
            if data.count(_PEM_START) != 1:
                raise InvalidArgument("give one PEM certificate, not several")
            return x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
        x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise InvalidArgument(f"not an X.509 certificate: {exc}") from None
    return data


def _not_before(cert: x509.Certificate) -> float:
    value = getattr(cert, "not_valid_before_utc", None)
    if value is None:  # cryptography before 42
        return float(cert.not_valid_before.timestamp())
    return float(value.timestamp())


def _not_after(cert: x509.Certificate) -> float:
    value = getattr(cert, "not_valid_after_utc", None)
    if value is None:  # cryptography before 42
        return float(cert.not_valid_after.timestamp())
    return float(value.timestamp())
