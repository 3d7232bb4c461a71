"""X.509 certificates kept with key slots and PKCS#10 requests signed inside the module
(``scm-behaviour.md`` §9.4, S-95): through softscm.Client on both transports, the CLI
and the module."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

import softscm
from fakes import FakeClock
from scenario import to_production
from softscm import Client
from softscm.crypto import csr
from softscm.module import Module
from softscm.module.keys.certificates import MAX_CERTIFICATE_BYTES, MAX_CERTIFICATES

CA_KEY = ed25519.Ed25519PrivateKey.generate()
OPENSSL = shutil.which("openssl")


def make_cert(public_pem: str | bytes, cn: str = "device") -> x509.Certificate:
    """A certificate for the public key ``public_pem``, issued by a throw-away CA."""
    if isinstance(public_pem, str):
        public_pem = public_pem.encode()
    subject_key = serialization.load_pem_public_key(public_pem)
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")]))
        .public_key(subject_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(CA_KEY, None)
    )


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def other_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# -- S-95 --------------------------------------------------------------------------------


def test_s95_x509_storage(client: Client) -> None:
    k = client.generate_key("nistp256")
    der = der_of(make_cert(client.public_key_pem(k)))
    client.store_certificate(k, der)
    assert client.certificate(k) == der
    with pytest.raises(softscm.InvalidArgument):
        client.store_certificate(k, der_of(make_cert(other_key_pem())))
    assert client.certificate(k) == der, "a refused certificate changes nothing"
    client.remove_key(k)
    with pytest.raises(softscm.SlotEmpty):
        client.certificate(k)
    assert client.certificates() == []


def test_s95_through_the_cli(run, home, tmp_path) -> None:
    slot = run("keys", "generate", "nistp256").stdout.strip()
    pem = run("keys", "export-public", slot).stdout
    cert = make_cert(pem, cn="cli")
    path = tmp_path / "cert.der"
    path.write_bytes(der_of(cert))
    run("cert", "store", slot, str(path))
    out = tmp_path / "back.der"
    run("cert", "get", slot, "--der", "--out", str(out))
    assert out.read_bytes() == der_of(cert)
    assert run("cert", "get", slot).stdout == cert.public_bytes(
        serialization.Encoding.PEM).decode()
    run("cert", "get", slot, "--out", str(out))
    assert out.read_bytes() == cert.public_bytes(serialization.Encoding.PEM)
    assert "Write the certificate to this file" in run("cert", "get", "--help").stdout
    assert "CN=cli" in run("cert", "list").stdout
    assert json.loads(run("cert", "get", slot, "--json").stdout)["der"] == der_of(cert).hex()
    other = tmp_path / "other.der"
    other.write_bytes(der_of(make_cert(other_key_pem())))
    assert "InvalidArgument" in run("cert", "store", slot, str(other), code=1).stderr
    run("keys", "remove", slot)
    assert "SlotEmpty" in run("cert", "get", slot, code=1).stderr


# -- the store -------------------------------------------------------------------------


@pytest.mark.parametrize("curve", ["nistp256", "secp256k1", "ed25519"])
def test_store_pem_and_list(client: Client, curve: str) -> None:
    slot = client.generate_key(curve)
    cert = make_cert(client.public_key_pem(slot), cn=f"host-{curve}")
    client.store_certificate(slot, cert.public_bytes(serialization.Encoding.PEM).decode())
    assert client.certificate(slot) == der_of(cert)
    [entry] = client.certificates()
    assert entry["slot"] == slot and entry["subject"] == f"CN=host-{curve}"
    assert entry["issuer"] == "CN=test CA"
    assert entry["not_after"] - entry["not_before"] == 365 * 86400


def test_factory_slot_and_replacement(client: Client) -> None:
    first = der_of(make_cert(client.public_key_pem(0), cn="one"))
    second = der_of(make_cert(client.public_key_pem(0), cn="two"))
    client.store_certificate(0, first)
    client.store_certificate(0, second)
    assert client.certificate(0) == second
    assert [e["slot"] for e in client.certificates()] == [0]
    client.remove_certificate(0)
    with pytest.raises(softscm.SlotEmpty):
        client.remove_certificate(0)
    assert client.public_key(0), "removing a certificate keeps the key"


@pytest.mark.parametrize("bad", [b"", b"not a certificate", b"\x30\x03\x02\x01\x00",
                                 b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                 b"x" * (MAX_CERTIFICATE_BYTES + 1)])
def test_bad_certificates(client: Client, bad: bytes) -> None:
    with pytest.raises(softscm.InvalidArgument):
        client.store_certificate(0, bad)
    assert client.certificates() == []


def test_two_pem_certificates_are_refused(client: Client) -> None:
    one = make_cert(client.public_key_pem(0)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(softscm.InvalidArgument):
        client.store_certificate(0, one + one)


def test_empty_and_bad_slots(client: Client) -> None:
    der = der_of(make_cert(client.public_key_pem(0)))
    with pytest.raises(softscm.SlotEmpty):
        client.store_certificate(100, der)
    with pytest.raises(softscm.InvalidArgument):
        client.store_certificate(10_000, der)
    with pytest.raises(softscm.InvalidArgument):
        client.certificate(10_000)
    with pytest.raises(softscm.SlotEmpty):
        client.certificate(1)


def test_a_new_ephemeral_key_drops_the_old_certificate(client: Client) -> None:
    client.generate_ephemeral_key("nistp256")
    client.store_certificate(-1, der_of(make_cert(client.public_key_pem(-1))))
    client.generate_ephemeral_key("nistp256")
    with pytest.raises(softscm.SlotEmpty):
        client.certificate(-1)


def test_export_disabled_keeps_the_certificate_in(client: Client) -> None:
    slot = client.generate_key("nistp256")
    client.store_certificate(slot, der_of(make_cert(client.public_key_pem(slot))))
    client.disable_public_key_export(slot)
    with pytest.raises(softscm.ExportDisabled):
        client.certificate(slot)


def test_at_most_64_certificates(module: Module) -> None:
    slots = [0] + [module.generate_key("ed25519") for _ in range(MAX_CERTIFICATES)]
    certs = {s: der_of(make_cert(module.public_key_pem(s))) for s in slots}
    for slot in slots[:MAX_CERTIFICATES]:
        module.certificates.certificate_store(slot, certs[slot])
    with pytest.raises(softscm.KeyStoreFull):
        module.certificates.certificate_store(slots[-1], certs[slots[-1]])
    module.certificates.certificate_store(slots[0], certs[slots[0]])  # a replacement fits
    module.certificates.certificate_remove(slots[1])
    module.certificates.certificate_store(slots[-1], certs[slots[-1]])
    assert len(module.certificates.certificate_list()) == MAX_CERTIFICATES


def test_self_destruct_erases_certificates(clock: FakeClock) -> None:
    from scenario import make_module

    m = make_module(clock)
    m.certificates.certificate_store(0, der_of(make_cert(m.public_key_pem(0))))
    m.physical.set_perimeter_event_actions(0, notify=True, self_destruct=True)
    to_production(m, clock)
    assert m._store.certificate_slots() == [0]
    m.simulation.sim_loop_open(0)
    assert m.physical.physical_status()["destroyed"] is True
    assert m._store.certificate_slots() == []
    with pytest.raises(softscm.Destroyed):
        m.certificates.certificate_list()


def test_removing_a_wallet_removes_its_certificates(module: Module) -> None:
    root = module.wallets.create_wallet("secp256k1", "w")
    child, _ = module.wallets.derive_wallet_child(root, 0, True)
    module.certificates.certificate_store(child, der_of(make_cert(module.public_key_pem(child))))
    with pytest.raises(softscm.ExportDisabled):  # a master seed's key stays inside
        module.certificates.certificate_request(root, "/CN=seed")
    module.remove_key(root)
    assert module._store.certificate_slots() == []


# -- requests ------------------------------------------------------------------------------


def _openssl_verifies(der: bytes) -> bool:
    done = subprocess.run([OPENSSL, "req", "-verify", "-noout", "-inform", "DER"],
                          input=der, capture_output=True, check=False)
    return done.returncode == 0 and b"verify OK" in done.stdout + done.stderr


@pytest.mark.parametrize("curve", ["nistp256", "secp256k1", "ed25519"])
def test_certificate_request(client: Client, curve: str) -> None:
    slot = client.generate_key(curve)
    der = client.certificate_request(slot, "/C=US/ST=California/O=Acme, Inc./CN=device-7")
    request = x509.load_der_x509_csr(der)
    assert request.is_signature_valid
    assert request.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode() == client.public_key_pem(slot)
    assert request.subject.rfc4514_string() == "CN=device-7,O=Acme\\, Inc.,ST=California,C=US"
    if curve == "ed25519":
        assert request.signature_hash_algorithm is None
    else:
        assert isinstance(request.signature_hash_algorithm, hashes.SHA256)
    pem = client.certificate_request(slot, "/CN=x", pem=True)
    assert pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    if OPENSSL:
        assert _openssl_verifies(der)
        broken = bytearray(der)
        broken[-5] ^= 1
        assert not _openssl_verifies(bytes(broken))


def test_certificate_request_refusals(client: Client) -> None:
    x = client.generate_key("x25519")
    with pytest.raises(softscm.OperationNotSupported):
        client.certificate_request(x, "/CN=x")
    for subject in ["CN=x", "/", "/CN", "/XX=1", "/CN=x\\", 7, "/CN=" + "a" * 2000]:
        with pytest.raises(softscm.InvalidArgument):
            client.certificate_request(0, subject)  # type: ignore[arg-type]
    with pytest.raises(softscm.SlotEmpty):
        client.certificate_request(300, "/CN=x")


def test_csr_through_the_cli(run, tmp_path) -> None:
    out = run("csr", "--slot", "3", "--subject", "/C=DE/O=Example/CN=gateway").stdout
    request = x509.load_pem_x509_csr(out.encode())
    assert request.is_signature_valid
    assert request.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "DE"
    path = tmp_path / "req.der"
    run("csr", "--slot", "3", "--subject", "/CN=gateway", "--der", "--out", str(path))
    assert x509.load_der_x509_csr(path.read_bytes()).is_signature_valid
    assert "OperationNotSupported" not in run("csr", "--slot", "3", "--subject", "CN",
                                              code=1).stderr
    assert "InvalidArgument" in run("csr", "--slot", "3", "--subject", "CN", code=1).stderr
    if OPENSSL:
        assert _openssl_verifies(path.read_bytes())
    doc = json.loads(run("csr", "--slot", "3", "--subject", "/CN=j", "--json").stdout)
    assert x509.load_pem_x509_csr(doc["pem"].encode()).public_bytes(
        serialization.Encoding.DER) == bytes.fromhex(doc["der"])


# -- the pure helpers ------------------------------------------------------------------


def test_subject_parsing_follows_openssl() -> None:
    name = csr.parse_subject("/C=US/O=A\\/B/OU=x+CN=y/L=")
    assert name.rfc4514_string() == "OU=x+CN=y,O=A/B,C=US"
    assert len(name.rdns) == 3, "the empty L is left out, OU+CN is one RDN"
    with pytest.raises(softscm.InvalidArgument):
        csr.parse_subject("/C=USA")  # a country is two letters
    with pytest.raises(softscm.InvalidArgument):
        csr.parse_subject("/" + "/".join(f"OU={i}" for i in range(csr.MAX_SUBJECT_PARTS + 1)))


def test_der_integers_and_lengths() -> None:
    assert csr._integer(0) == b"\x02\x01\x00"
    assert csr._integer(127) == b"\x02\x01\x7f"
    assert csr._integer(128) == b"\x02\x02\x00\x80"
    assert csr._integer(256) == b"\x02\x02\x01\x00"
    assert csr._tlv(0x04, b"a" * 200)[:3] == b"\x04\x81\xc8"
    assert csr._tlv(0x04, b"a" * 300)[:4] == b"\x04\x82\x01\x2c"
    assert csr._oid("1.2.840.10045.4.3.2") == bytes.fromhex("06082a8648ce3d040302")
