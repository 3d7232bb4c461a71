"""PKCS#10 certificate signing requests whose signature is made elsewhere (inside the
module): the subject in OpenSSL's ``-subj`` form, the CertificationRequestInfo to be
signed, and the finished request (RFC 2986).

``cryptography`` builds requests only with a private key in hand, so the few DER
structures a request needs are written here with a minimal encoder (definite lengths,
the tags below). Everything is pure: the caller signs :func:`request_info` and hands
the signature to :func:`assemble`.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from softscm.crypto.curves import KeyType
from softscm.crypto.public_keys import public_key_pem
from softscm.errors import InvalidArgument, OperationNotSupported

#: Longest subject accepted, in characters (OpenSSL's own limit is far above any use).
MAX_SUBJECT_CHARS = 1024
#: Most attributes (``/KEY=value`` parts) in a subject.
MAX_SUBJECT_PARTS = 32

# Short names of OpenSSL's -subj, as cryptography knows them.
_NAMES = {
    "C": NameOID.COUNTRY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME, "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "CN": NameOID.COMMON_NAME,
    "emailAddress": NameOID.EMAIL_ADDRESS, "serialNumber": NameOID.SERIAL_NUMBER,
    "DC": NameOID.DOMAIN_COMPONENT, "UID": NameOID.USER_ID, "title": NameOID.TITLE,
    "GN": NameOID.GIVEN_NAME, "SN": NameOID.SURNAME, "street": NameOID.STREET_ADDRESS,
    "postalCode": NameOID.POSTAL_CODE,
}

# DER object identifiers of the signature algorithms (RFC 5758, RFC 8410).
_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
_ED25519 = "1.3.101.112"


def parse_subject(subject: str) -> x509.Name:
    """A distinguished name from OpenSSL's ``-subj`` form ``/C=US/O=Acme/CN=host``:
    ``/`` separates attributes (``\\/`` is a literal slash), ``+`` joins attributes
    of one multi-valued RDN, and an attribute with an empty value is left out, as
    OpenSSL does. ``InvalidArgument`` for anything else."""
    if not isinstance(subject, str):
        raise InvalidArgument("the subject must be a string")
    if len(subject) > MAX_SUBJECT_CHARS:
        raise InvalidArgument(f"the subject is at most {MAX_SUBJECT_CHARS} characters")
    if not subject.startswith("/"):
        raise InvalidArgument("the subject must start with '/' (as /C=US/O=Acme/CN=host)")
    rdns: list[x509.RelativeDistinguishedName] = []
    for part in _split(subject[1:], "/"):
        attributes = []
        for item in _split(part, "+"):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise InvalidArgument(f"subject part {item!r} is not KEY=value")
            if key not in _NAMES:
                raise InvalidArgument(f"unknown subject attribute {key!r} "
                                      f"(known: {', '.join(sorted(_NAMES))})")
            if not value:
                continue
            try:
                attributes.append(x509.NameAttribute(_NAMES[key], value))
            except ValueError as exc:
                raise InvalidArgument(f"subject attribute {key}: {exc}") from None
        if attributes:
            rdns.append(x509.RelativeDistinguishedName(attributes))
    if len(rdns) > MAX_SUBJECT_PARTS:
        raise InvalidArgument(f"a subject has at most {MAX_SUBJECT_PARTS} attributes")
    if not rdns:
        raise InvalidArgument("the subject names no attribute")
    return x509.Name(rdns)


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at unescaped ``separator`` (a backslash escapes any character)."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        raise InvalidArgument("the subject ends in a lone backslash")
    parts.append("".join(current))
    return [p for p in parts if p]


def public_key_info(key_type: KeyType, raw_public: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a raw public key (§5.2 encodings)."""
    key = serialization.load_pem_public_key(public_key_pem(key_type, raw_public).encode())
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def check_can_sign_request(key_type: KeyType) -> None:
    """``OperationNotSupported`` for a key type that cannot sign a request (X25519)."""
    if not key_type.can_sign:
        raise OperationNotSupported(f"a {key_type.name} key cannot sign a request")


def request_info(subject: x509.Name, key_type: KeyType, raw_public: bytes) -> bytes:
    """The DER CertificationRequestInfo: version 0, ``subject``, the key, and no
    attributes (an empty ``[0]`` set). This is what the key signs."""
    return _sequence(
        _integer(0),
        subject.public_bytes(),
        public_key_info(key_type, raw_public),
        _tlv(0xA0, b""),
    )


def signature_algorithm(key_type: KeyType) -> bytes:
    """The DER AlgorithmIdentifier of the request's signature: ECDSA with SHA-256 for
    the ECDSA curves (no parameters), pure Ed25519 for Ed25519 (RFC 8410)."""
    check_can_sign_request(key_type)
    if key_type == KeyType.ED25519:
        return _sequence(_oid(_ED25519))
    return _sequence(_oid(_ECDSA_WITH_SHA256))


def assemble(info: bytes, key_type: KeyType, signature: bytes) -> bytes:
    """The DER CertificationRequest: ``info``, the algorithm, and ``signature`` as the
    bit string (for ECDSA the DER ``Ecdsa-Sig-Value``, for Ed25519 the 64 raw bytes)."""
    return _sequence(info, signature_algorithm(key_type), _tlv(0x03, b"\x00" + signature))


def ecdsa_der(raw_signature: bytes) -> bytes:
    """The DER ``Ecdsa-Sig-Value`` of a 64-byte ``r||s`` signature."""
    if len(raw_signature) != 64:
        raise InvalidArgument("an ECDSA signature is 64 bytes r||s")
    r = int.from_bytes(raw_signature[:32], "big")
    s = int.from_bytes(raw_signature[32:], "big")
    return _sequence(_integer(r), _integer(s))


def to_pem(der: bytes) -> str:
    """The PEM text (``CERTIFICATE REQUEST``) of a DER request."""
    return x509.load_der_x509_csr(der).public_bytes(serialization.Encoding.PEM).decode()


# -- a minimal DER encoder ------------------------------------------------------------

def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        header = bytes((tag, length))
    else:
        size = (length.bit_length() + 7) // 8
        header = bytes((tag, 0x80 | size)) + length.to_bytes(size, "big")
    return header + content


def _sequence(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _integer(value: int) -> bytes:
    if value < 0:
        raise InvalidArgument("only non-negative integers are encoded")
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a leading 0 bit
    while len(body) > 1 and body[0] == 0 and body[1] < 0x80:
        body = body[1:]
    return _tlv(0x02, body)


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray((40 * arcs[0] + arcs[1],))
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))
