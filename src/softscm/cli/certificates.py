"""``softscm cert``: X.509 certificates kept with key slots, and ``softscm csr``:
certificate signing requests signed inside the module (``scm-behaviour.md`` §9.4)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softscm.cli.common import Command, F, Group, State, emit, json_option
from softscm.crypto.csr import to_pem


def _write(path: str, data: bytes) -> None:
    with click.open_file(path, "wb", atomic=path != "-") as fh:
        fh.write(data)


def _output_options(what: str) -> Callable[[F], F]:
    """``--out`` and ``--der``, for a command that prints ``what`` (PEM or DER)."""
    def add(func: F) -> F:
        func = click.option("--der", is_flag=True, help="DER instead of PEM.")(func)
        return click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
                            help=f"Write {what} to this file instead of printing it.")(func)
    return add


def _output(record: dict[str, Any], data: bytes, pem: bytes, *, out: str | None,
            der: bool, as_json: bool) -> None:
    """Print ``pem``, or write it to ``out``; ``data`` (DER) instead with ``--der``.
    With ``--json`` and no ``--out``: ``record`` with both encodings."""
    if as_json and not out:
        emit(True, {**record, "der": data.hex(), "pem": pem.decode("ascii")})
    elif out:
        _write(out, data if der else pem)
    elif der:
        _write("-", data)
    else:
        click.echo(pem.decode("ascii"), nl=False)


@click.group(cls=Group)
def cert() -> None:
    """Certificates kept with key slots (one per slot; removed with the slot's key)."""


@cert.command("store")
@click.argument("slot", type=int)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@json_option
@click.pass_obj
def store_(state: State, slot: int, file: str, as_json: bool) -> None:
    """Keep the certificate in FILE (DER or PEM; - is stdin) for the key in SLOT; its
    public key must be the slot's."""
    with click.open_file(file, "rb") as fh:
        data = bytes(fh.read())
    state.client().store_certificate(slot, data)
    emit(as_json, {"slot": slot, "stored": True}, f"stored the certificate of slot {slot}")


@cert.command("get")
@click.argument("slot", type=int)
@_output_options("the certificate")
@json_option
@click.pass_obj
def get(state: State, slot: int, out: str | None, der: bool, as_json: bool) -> None:
    """The certificate of SLOT, as PEM (or DER with --der)."""
    data = state.client().certificate(slot)
    pem = x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.PEM)
    _output({"slot": slot}, data, pem, out=out, der=der, as_json=as_json)


@cert.command("list")
@json_option
@click.pass_obj
def list_(state: State, as_json: bool) -> None:
    """The certificates kept, one line each."""
    entries = state.client().certificates()
    lines = [f"{'slot':>5}  {'not after':<20} subject"]
    lines += [f"{e['slot']:>5}  {_date(e['not_after']):<20} {e['subject']}" for e in entries]
    lines.append(f"{len(entries)} certificates")
    emit(as_json, {"certificates": entries}, "\n".join(lines))


@cert.command("remove")
@click.argument("slot", type=int)
@json_option
@click.pass_obj
def remove(state: State, slot: int, as_json: bool) -> None:
    """Drop the certificate of SLOT (the key stays)."""
    state.client().remove_certificate(slot)
    emit(as_json, {"slot": slot, "removed": True}, f"removed the certificate of slot {slot}")


@click.command(cls=Command)
@click.option("--slot", type=int, required=True, help="The key slot whose key is requested.")
@click.option("--subject", required=True,
              help="The subject in OpenSSL's -subj form: /C=US/O=Acme/CN=host.")
@_output_options("the request")
@json_option
@click.pass_obj
def csr(state: State, slot: int, subject: str, out: str | None, der: bool,
        as_json: bool) -> None:
    """A PKCS#10 certificate signing request for the key in SLOT, signed inside the
    module (ECDSA-SHA256 for P-256 and secp256k1, Ed25519 for Ed25519)."""
    request = state.client().certificate_request(slot, subject)
    _output({"slot": slot, "subject": subject}, request, to_pem(request).encode("ascii"),
            out=out, der=der, as_json=as_json)


def _date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
