"""The OpenSSL engine zymkey_ssl (``c-api.md`` §7, acceptance A6 and A7): the documented
``openssl`` and ``curl`` command lines against a softscm daemon, a CA made as the
tutorials' ``mk_ca.sh``/``sign_csr.sh`` make it, and a local ``openssl s_server -Verify``
on the loopback address. Failures (no daemon, a refusing daemon or server, an unusable
slot, a destroyed module) end the programs with an error, never a crash.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from client_programs import (
    CRASHED,
    destroy,
    engines_dir,
    no_system_daemon,
    program_env,
    require_tools,
    run,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from native_support import NATIVE, PROGRAMS, Build, Daemon

SUBJECT = "/C=US/ST=California/L=Santa Barbara/O=Zymbit/OU=Zymkey/CN=rpi.edge.zymbit.com"
CLIENT_CN = "CN=rpi.edge.zymbit.com"
PLACEHOLDER = "nonzymkey.key"  # named on the command lines, never read


@pytest.fixture(scope="module")
def build(native_build: Build) -> Build:
    """The library and the engine, installed in the test prefix."""
    require_tools("openssl")
    engines_dir(native_build)
    return native_build


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A daemon of this module's tests (they add keys to its module)."""
    root = tmp_path_factory.mktemp("engine-daemon")
    daemon = Daemon(root / "home", root / "softscm.sock")
    daemon.start()
    yield daemon
    daemon.kill()


def openssl(build: Build, daemon: Daemon | Path, cwd: Path, *args: str,
            input: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    sock = daemon.socket if isinstance(daemon, Daemon) else daemon
    return run(["openssl", *args], env=program_env(build, sock, **env), cwd=cwd, input=input)


def make_csr(build: Build, daemon: Daemon | Path, cwd: Path,
             **env: str) -> subprocess.CompletedProcess[str]:
    """E1, verbatim: a CSR signed with the module's key."""
    return openssl(build, daemon, cwd, "req", "-key", PLACEHOLDER, "-new", "-out", "zymkey.csr",
                   "-engine", "zymkey_ssl", "-keyform", "e", "-subj", SUBJECT, **env)


def csr_public_pem(build: Build, daemon: Daemon, cwd: Path) -> str:
    result = openssl(build, daemon, cwd, "req", "-in", "zymkey.csr", "-noout", "-pubkey")
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- A6: the engine, the CSR ----------------------------------------------------------------


def test_engine_is_available(build: Build, served: Daemon,
                             tmp_path: Path) -> None:
    result = openssl(build, served, tmp_path, "engine", "-t", "-c", "zymkey_ssl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("(zymkey_ssl) ")
    assert "[ available ]" in result.stdout


def test_csr_verifies_and_carries_the_slot_key(build: Build,
                                               served: Daemon, tmp_path: Path) -> None:
    result = make_csr(build, served, tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'Engine "zymkey_ssl" set.' in result.stdout + result.stderr
    assert not (tmp_path / PLACEHOLDER).exists()

    verify = openssl(build, served, tmp_path, "req", "-verify", "-in", "zymkey.csr",
                     "-noout")
    assert verify.returncode == 0, verify.stderr
    assert "Certificate request self-signature verify OK" in verify.stdout + verify.stderr

    with served.client() as scm:
        assert csr_public_pem(build, served, tmp_path) == scm.public_key_pem(0)
        raw = scm.public_key(0)
    csr = x509.load_pem_x509_csr((tmp_path / "zymkey.csr").read_bytes())
    assert csr.is_signature_valid
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.subject.rfc4514_string() == (
        "CN=rpi.edge.zymbit.com,OU=Zymkey,O=Zymbit,L=Santa Barbara,ST=California,C=US")
    key = csr.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert key.public_numbers().x.to_bytes(32, "big") + \
        key.public_numbers().y.to_bytes(32, "big") == raw


def test_csr_with_the_dn_prompts(build: Build, served: Daemon,
                                tmp_path: Path) -> None:
    """E2: the same command without -subj; the DN answered at the prompts."""
    answers = "US\nCalifornia\nSanta Barbara\nZymbit\nZymkey\nrpi.edge.zymbit.com\n\n\n\n"
    result = openssl(build, served, tmp_path, "req", "-key", PLACEHOLDER, "-new", "-out",
                     "zymkey.csr", "-engine", "zymkey_ssl", "-keyform", "e", input=answers)
    assert result.returncode == 0, result.stderr
    csr = x509.load_pem_x509_csr((tmp_path / "zymkey.csr").read_bytes())
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == (
        "CN=rpi.edge.zymbit.com,OU=Zymkey,O=Zymbit,L=Santa Barbara,ST=California,C=US")
    with served.client() as scm:
        assert csr_public_pem(build, served, tmp_path) == scm.public_key_pem(0)


def test_zk_ssl_slot_picks_the_slot(build: Build, served: Daemon,
                                    tmp_path: Path) -> None:
    with served.client() as scm:
        slot = scm.generate_key("nistp256")
        wanted, slot0 = scm.public_key_pem(slot), scm.public_key_pem(0)
    assert make_csr(build, served, tmp_path, ZK_SSL_SLOT=str(slot)).returncode == 0
    assert csr_public_pem(build, served, tmp_path) == wanted != slot0
    assert make_csr(build, served, tmp_path, ZK_SSL_SLOT="0").returncode == 0
    assert csr_public_pem(build, served, tmp_path) == slot0


@pytest.mark.parametrize(("value", "message"), [
    ("secp256k1", "the slot does not hold a NIST P-256 key"),
    ("200", "cannot read the public key of the slot"),
    ("one", "ZK_SSL_SLOT is not a slot number"),
    ("-1", "ZK_SSL_SLOT is not a slot number"),
])
def test_unusable_slots_fail_cleanly(build: Build, served: Daemon,
                                     tmp_path: Path, value: str, message: str) -> None:
    if value == "secp256k1":
        with served.client() as scm:
            value = str(scm.generate_key("secp256k1"))
    result = make_csr(build, served, tmp_path, ZK_SSL_SLOT=value)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "zymkey.csr").exists()


def test_no_daemon(build: Build, tmp_path: Path) -> None:
    no_system_daemon()
    nowhere = tmp_path / "no-daemon.sock"
    engine = openssl(build, nowhere, tmp_path, "engine", "-t", "zymkey_ssl")
    assert engine.returncode == 0 and "[ unavailable ]" in engine.stdout
    result = make_csr(build, nowhere, tmp_path)
    assert result.returncode == 1
    assert "cannot open a context on the module" in result.stderr
    assert "-111" in result.stderr


def test_a_daemon_refusing_the_user(build: Build, tmp_path: Path) -> None:
    """A daemon whose allow-list leaves this user out closes the connection: no context."""
    import tempfile
    import threading

    from softscm.runtime import open_served
    from softscm.service.access import AllowList
    from softscm.service.server import Server

    sock = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp")) / "s.sock"
    os.chmod(sock.parent, 0o711)  # the user the daemon admits must be able to reach it
    module, store = open_served(tmp_path / "home", str(sock))
    others = AllowList(frozenset({os.geteuid() + 1}), frozenset())
    server = Server(module, sock, others, on_event=lambda line: None)
    server.bind()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = make_csr(build, sock, tmp_path)
        assert result.returncode == 1
        assert "cannot open a context on the module" in result.stderr
        assert "-111" in result.stderr
        assert thread.is_alive(), "the daemon serves on"
    finally:
        server.stop()
        thread.join(10)
        store.close()
        sock.unlink(missing_ok=True)
        sock.parent.rmdir()


# -- A7: mutual TLS ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """A CA (``zk_ca.pem``), a server certificate for localhost and the module's
    certificate ``zymkey.crt``, all in ``dir``."""

    dir: Path
    ca: Path
    other_ca: Path


def make_ca(build: Build, daemon: Daemon, cwd: Path, name: str) -> Path:
    """The tutorials' mk_ca.sh: an EC key and a self-signed CA certificate."""
    for args in (
        ["ecparam", "-genkey", "-name", "prime256v1", "-out", f"{name}.key"],
        ["req", "-x509", "-new", "-SHA256", "-nodes", "-key", f"{name}.key", "-days", "30",
         "-out", f"{name}.pem", "-subj", f"/C=US/O=softscm tests/CN={name}"],
    ):
        result = openssl(build, daemon, cwd, *args)
        assert result.returncode == 0, result.stderr
    return cwd / f"{name}.pem"


def sign_csr(build: Build, daemon: Daemon, cwd: Path, csr: str, out: str,
             *extra: str) -> None:
    """The tutorials' sign_csr.sh: the CA signs a CSR."""
    result = openssl(build, daemon, cwd, "x509", "-req", "-SHA256", "-days", "30", "-in", csr,
                     "-CA", "zk_ca.pem", "-CAkey", "zk_ca.key", "-CAcreateserial", "-out", out,
                     *extra)
    assert result.returncode == 0, result.stderr


def make_pki(build: Build, daemon: Daemon, cwd: Path) -> Pki:
    ca = make_ca(build, daemon, cwd, "zk_ca")
    other = make_ca(build, daemon, cwd, "other_ca")
    for args in (
        ["ecparam", "-genkey", "-name", "prime256v1", "-out", "srv.key"],
        ["req", "-new", "-key", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ):
        result = openssl(build, daemon, cwd, *args)
        assert result.returncode == 0, result.stderr
    sign_csr(build, daemon, cwd, "srv.csr", "srv.crt", "-copy_extensions", "copy")
    assert make_csr(build, daemon, cwd).returncode == 0
    sign_csr(build, daemon, cwd, "zymkey.csr", "zymkey.crt")
    return Pki(cwd, ca, other)


@pytest.fixture(scope="module")
def pki(build: Build, served: Daemon,
        tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(build, served, tmp_path_factory.mktemp("pki"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def tls_server(build: Build, cwd: Path, cafile: Path, *extra: str) -> Iterator[int]:
    """``openssl s_server -Verify 1 -www`` on 127.0.0.1; yields its port, stops it after."""
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", "srv.crt",
             "-key", "srv.key", "-CAfile", str(cafile), "-Verify", "1", "-www", *extra],
            cwd=cwd, env=program_env(build, cwd / "unused.sock"), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        if proc.poll() is None and time.monotonic() < deadline:
            break
        proc.kill()
        proc.wait(10)  # the port was taken meanwhile: try another
    else:
        raise AssertionError("openssl s_server did not start")
    try:
        yield port
        assert proc.poll() is None, "s_server survives its clients"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def curl(build: Build, daemon: Daemon, cwd: Path, port: int,
         *extra: str) -> subprocess.CompletedProcess[str]:
    """E3's curl line against the local server (GET instead of AWS's POST)."""
    require_tools("curl")
    cmd = ["curl", "-sS", "--max-time", "30", *extra, "--cacert", "zk_ca.pem",
           "--cert", "zymkey.crt", "--key", PLACEHOLDER, "--engine", "zymkey_ssl",
           "--key-type", "ENG", "-w", "\nHTTP %{http_code}\n", f"https://localhost:{port}/"]
    return run(cmd, env=program_env(build, daemon.socket), cwd=cwd)


def s_client(build: Build, daemon: Daemon, cwd: Path,
             port: int) -> subprocess.CompletedProcess[str]:
    return run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-engine", "zymkey_ssl",
                "-keyform", "e", "-key", PLACEHOLDER, "-cert", "zymkey.crt",
                "-CAfile", "zk_ca.pem", "-verify_return_error", "-ign_eof"],
               env=program_env(build, daemon.socket), cwd=cwd, input="GET / HTTP/1.0\r\n\r\n",
               timeout=60)


@pytest.mark.parametrize(("extra", "protocol"), [
    ((), "TLSv1.3"),
    (("--tls-max", "1.2"), "TLSv1.2"),
    (("--tlsv1.2", "--tls-max", "1.2"), "TLSv1.2"),
])
def test_curl_mutual_tls(build: Build, served: Daemon, pki: Pki,
                         extra: tuple[str, ...], protocol: str) -> None:
    with tls_server(build, pki.dir, pki.ca) as port:
        result = curl(build, served, pki.dir, port, *extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\nHTTP 200\n")
    page = result.stdout
    assert f"Protocol  : {protocol}" in page
    # s_server -www shows the client certificate it verified.
    assert "Client certificate" in page
    assert CLIENT_CN in page.split("Client certificate", 1)[1].replace(" = ", "=")


@contextmanager
def post_server(pki: Pki) -> Iterator[int]:
    """An HTTPS server in a thread that requires a client certificate from the CA and
    answers a POST (s_server -www serves GETs only) with the client's CN, path and body."""
    import http.server
    import json
    import ssl
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            subject = dict(pair[0] for pair in peer["subject"])
            reply = json.dumps({"client": subject["commonName"], "path": self.path,
                                "body": body.decode()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.dir / "srv.crt", pki.dir / "srv.key")
    context.load_verify_locations(pki.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def test_curl_e3_post_verbatim(build: Build, served: Daemon,
                               pki: Pki) -> None:
    """E3 as the tls tutorial writes it, the endpoint a local server."""
    import json

    require_tools("curl")
    with post_server(pki) as port:
        result = run(["curl", "--tlsv1.2", "--cacert", "zk_ca.pem", "--cert", "zymkey.crt",
                      "--key", PLACEHOLDER, "--engine", "zymkey_ssl", "--key-type", "ENG", "-v",
                      "-X", "POST", "-d", '{ "hello": "world"}',
                      f"https://localhost:{port}/topics/hello/world"],
                     env=program_env(build, served.socket), cwd=pki.dir)
    assert result.returncode == 0, result.stderr
    assert "SSL connection using TLSv1." in result.stderr
    assert json.loads(result.stdout) == {
        "client": "rpi.edge.zymbit.com", "path": "/topics/hello/world",
        "body": '{ "hello": "world"}'}


def test_s_client_mutual_tls(build: Build, served: Daemon, pki: Pki) -> None:
    with tls_server(build, pki.dir, pki.ca) as port:
        result = s_client(build, served, pki.dir, port)
    assert result.returncode == 0, result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout
    assert "HTTP/1.0 200 ok" in result.stdout
    assert "Client certificate" in result.stdout
    assert CLIENT_CN in result.stdout.split("Client certificate", 1)[1].replace(" = ", "=")


def test_a_server_refusing_the_certificate(build: Build, served: Daemon,
                                           pki: Pki) -> None:
    """The server trusts another CA (and, unlike its default, fails the handshake on a
    certificate it cannot verify): the handshake fails, both programs live on."""
    with tls_server(build, pki.dir, pki.other_ca, "-verify_return_error") as port:
        result = curl(build, served, pki.dir, port)
        assert result.returncode != 0
        assert "HTTP 200" not in result.stdout
        again = s_client(build, served, pki.dir, port)
        assert "HTTP/1.0 200 ok" not in again.stdout


def test_a_destroyed_module_fails_the_handshake(build: Build,
                                                own_daemon: Daemon,
                                                tmp_path: Path) -> None:
    own = make_pki(build, own_daemon, tmp_path)
    with tls_server(build, own.dir, own.ca) as port:
        assert curl(build, own_daemon, own.dir, port).stdout.endswith("HTTP 200\n")
        destroy(own_daemon)
        result = curl(build, own_daemon, own.dir, port)
        assert result.returncode != 0
        assert "HTTP 200" not in result.stdout
        again = s_client(build, own_daemon, own.dir, port)
        assert again.returncode != 0
        assert "module unavailable, unbound or destroyed" in again.stderr


# -- signing after the key is loaded -----------------------------------------------------------


@pytest.fixture(scope="module")
def signer(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``programs/engine_sign.c``: loads the engine's key, signs once per input line."""
    out = tmp_path_factory.mktemp("signer") / "engine_sign"
    result = subprocess.run(
        ["gcc", "-std=c99", "-Wall", "-Werror", "-DOPENSSL_API_COMPAT=0x10100000L",
         str(PROGRAMS / "engine_sign.c"), "-o", str(out), "-lcrypto"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


class Signer:
    """The signing program as a child process, driven line by line; every wait bounded."""

    def __init__(self, program: Path, build: Build, daemon: Daemon, cwd: Path,
                 *prefix: str) -> None:
        import queue
        import threading

        self.errors = cwd / "signer.stderr"
        with self.errors.open("w") as errors:
            self.proc = subprocess.Popen([*prefix, str(program)], cwd=cwd,
                                         env=program_env(build, daemon.socket),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=errors, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            assert self.line() == "loaded", self.stderr()
        except BaseException:
            self.finish()
            raise

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("<end of output>")

    def line(self) -> str:
        return self.lines.get(timeout=120)

    def stderr(self) -> str:
        return self.errors.read_text()

    def sign(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write("sign\n")
        self.proc.stdin.flush()
        return self.line()

    def finish(self) -> int:
        assert self.proc.stdin is not None
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            return self.proc.wait(120)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)


def verify_message_signature(der_hex: str, public_key: bytes) -> None:
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + public_key)
    key.verify(bytes.fromhex(der_hex), b"message", ec.ECDSA(hashes.SHA256()))


def test_signing_stops_cleanly_when_the_module_is_destroyed(
        build: Build, own_daemon: Daemon, signer: Path,
        tmp_path: Path) -> None:
    with own_daemon.client() as scm:
        public_key = scm.public_key(0)
    child = Signer(signer, build, own_daemon, tmp_path)
    try:
        first = child.sign()
        assert first.startswith("sig "), first
        verify_message_signature(first[4:], public_key)
        destroy(own_daemon)
        failed = child.sign()
        assert failed.startswith("error the module refused to sign"), failed
        assert "module unavailable, unbound or destroyed" in failed
    finally:
        status = child.finish()
    assert status == 0 and status not in CRASHED


def test_signing_stops_cleanly_when_the_daemon_goes(
        build: Build, own_daemon: Daemon, signer: Path,
        tmp_path: Path) -> None:
    child = Signer(signer, build, own_daemon, tmp_path)
    try:
        assert child.sign().startswith("sig ")
        own_daemon.kill()
        failed = child.sign()
        assert failed.startswith("error the module refused to sign"), failed
        assert "-111 (daemon unreachable)" in failed
    finally:
        status = child.finish()
    assert status == 0


def test_the_engine_runs_clean_under_valgrind(build: Build, own_daemon: Daemon, signer: Path,
                                              tmp_path: Path) -> None:
    """Loading, signing, a refused signature and unloading: no memory error, no leak."""
    require_tools("valgrind")
    child = Signer(signer, build, own_daemon, tmp_path, "valgrind", "-q", "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99")
    try:
        assert child.sign().startswith("sig ")
        destroy(own_daemon)
        assert child.sign().startswith("error the module refused to sign")
    finally:
        status = child.finish()
    assert status == 0, child.stderr()


# -- installation ------------------------------------------------------------------------------


def test_make_install_puts_the_engine_where_openssl_looks(tmp_path: Path) -> None:
    """With PREFIX=/usr the engine goes to OpenSSL's own engines directory (under
    DESTDIR); any other prefix keeps it under the prefix (as the test build has it)."""
    require_tools("make", "openssl")
    found = subprocess.run(["openssl", "version", "-e"], capture_output=True, text=True,
                           check=True).stdout
    openssl_dir = found.split('"')[1]
    plan = subprocess.run(
        ["make", "-n", "-C", str(NATIVE), f"BUILD={tmp_path / 'build'}", "PREFIX=/usr",
         f"DESTDIR={tmp_path / 'stage'}", "install-engine", "install-cpp"],
        capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    assert f"{tmp_path / 'stage'}{openssl_dir}/zymkey_ssl.so" in plan.stdout
    assert f"{tmp_path / 'stage'}/usr/include/zymkey/" in plan.stdout
