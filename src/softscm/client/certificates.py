"""The certificate methods of :class:`softscm.Client` (``scm-behaviour.md`` §9.4): X.509
certificates kept with key slots, and PKCS#10 requests signed inside the module."""

from __future__ import annotations

from typing import Any


class CertificateClientMixin:
    """Certificates kept with key slots, and certificate signing requests."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    def store_certificate(self, slot: int, certificate: bytes | str) -> None:
        """Keep ``certificate`` (DER bytes, or PEM as bytes or text) for the key in
        ``slot``, replacing the one it had. ``InvalidArgument`` unless its public key is
        the slot's."""
        if isinstance(certificate, str):
            certificate = certificate.encode("utf-8")
        self._call("certificate_store", slot=slot, certificate=certificate)

    def certificate(self, slot: int) -> bytes:
        """The DER certificate kept for ``slot`` (``SlotEmpty`` if there is none)."""
        return bytes(self._call("certificate_get", slot=slot))

    def certificates(self) -> list[dict[str, Any]]:
        """The certificates kept: ``slot``, ``subject``, ``issuer``, ``not_before`` and
        ``not_after`` (epoch seconds) of each."""
        return [dict(entry) for entry in self._call("certificate_list")]

    def remove_certificate(self, slot: int) -> None:
        """Drop the certificate of ``slot`` (``SlotEmpty`` if there is none)."""
        self._call("certificate_remove", slot=slot)

    def certificate_request(self, slot: int, subject: str, *, pem: bool = False) -> Any:
        """A PKCS#10 request for the key in ``slot``, signed inside the module, with
        ``subject`` in OpenSSL's ``-subj`` form (``"/C=US/O=Acme/CN=host"``): DER bytes,
        or PEM text with ``pem=True``."""
        der = bytes(self._call("certificate_request", slot=slot, subject=subject))
        if not pem:
            return der
        from softscm.crypto.csr import to_pem  # the client itself needs no crypto library

        return to_pem(der)
