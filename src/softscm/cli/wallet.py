"""``softscm wallet`` and ``softscm slip39``: HD wallets from the command line.

Mnemonics and shares are secrets: they are read without echo at a prompt, or from a
file (``--mnemonic-file FILE``, ``-`` for stdin) in scripts, never from the command
line; when standard input is not a terminal, what would be prompted for is read from
it line by line, with no prompt. Master passphrases are read the same way
(``--ask-passphrase``) and base64-encoded here, as the module expects them
(``scm-behaviour.md`` §8.1).
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from typing import Any

import click

from softscm.cli.common import INTEGER, INTEGER_MAX, F, Group, State, emit, json_option
from softscm.client import Client
from softscm.errors import InvalidArgument, SoftScmError, WalletNotFound
from softscm.wallet import path as wpath

CURVES = ["secp256k1", "nistp256", "secp256r1", "ed25519"]
"""The curves a wallet can be made on."""


def _wallet_options(func: F) -> F:
    """The options every new or restored wallet takes."""
    options = [
        click.option("--curve", type=click.Choice(CURVES), default="secp256k1",
                     show_default=True, help="The wallet's curve."),
        click.option("--variant", type=click.Choice(["", "cardano"]), default="",
                     help="cardano: Cardano's BIP32-Ed25519 (curve ed25519 only)."),
        click.option("--master-gen-key", default="", metavar="TEXT",
                     help="Master generator key (its UTF-8 bytes); empty: the standard "
                          "BIP32 / SLIP-10 key."),
        click.option("--ask-passphrase", is_flag=True,
                     help="Prompt (without echo) for the BIP39 / SLIP39 passphrase."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _passphrase(ask: bool, confirm: bool) -> str:
    """The master passphrase as the module takes it: base64 text ("" for none)."""
    if not ask:
        return ""
    text = _secret("passphrase", confirm=confirm, default="")
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _secret(prompt: str, *, confirm: bool = False, default: str | None = None) -> str:
    """A secret typed without echo at a prompt on stderr; when standard input is not a
    terminal (a pipe, a file), its next line, with no prompt (``confirm``: the line
    after it must repeat it). ``default``: the answer to an empty line or the end of
    the input; without one, the end of the input is a usage error."""
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm,
                                default=default, show_default=False, err=True))
    value = _next_line(prompt, default)
    if confirm and _next_line(prompt, default) != value:
        raise click.UsageError(f"the {prompt} and its repetition differ")
    return value


def _next_line(prompt: str, default: str | None) -> str:
    line = sys.stdin.readline()
    if not line and default is None:
        raise click.UsageError(f"standard input ended before the {prompt}")
    return line.rstrip("\r\n") or (default or "")


def _lines(path: str) -> Iterator[str]:
    """The non-blank lines of a file (``-``: stdin), stripped."""
    with click.open_file(path, "r", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip("\r\n")
            if line.strip():
                yield line


def _gen_key(text: str) -> bytes:
    return text.encode("utf-8")


# -- softscm wallet ----------------------------------------------------------------------


@click.group(cls=Group)
def wallet() -> None:
    """HD wallets: BIP32 / SLIP-10 master seeds, BIP39 mnemonics and derived keys."""


@wallet.command()
@click.argument("name")
@_wallet_options
@click.option("--bip39", is_flag=True,
              help="Make the seed from a new 24-word BIP39 mnemonic, shown once.")
@json_option
@click.pass_obj
def create(state: State, name: str, curve: str, variant: str, master_gen_key: str,
           ask_passphrase: bool, bip39: bool, as_json: bool) -> None:
    """Create the wallet NAME; prints its master seed's slot (and the mnemonic, once).
    For SLIP39 shares use `softscm slip39 create`."""
    client = state.client()
    record: dict[str, Any] = {"name": name, "key_type": curve, "variant": variant}
    if bip39:
        passphrase = _passphrase(ask_passphrase, confirm=True)
        slot, mnemonic = client.create_wallet_bip39(
            curve, name, master_gen_key=_gen_key(master_gen_key), variant=variant,
            passphrase=passphrase)
        record.update(slot=slot, mnemonic=mnemonic)
        text = (f"created wallet {name!r}: master seed in slot {slot}\n"
                f"BIP39 mnemonic (write it down; it is shown only this once):\n{mnemonic}")
    else:
        if ask_passphrase:
            raise click.UsageError("--ask-passphrase needs --bip39 (a passphrase protects "
                                   "a mnemonic)")
        slot = client.create_wallet(curve, name, master_gen_key=_gen_key(master_gen_key),
                                    variant=variant)
        record["slot"] = slot
        text = f"created wallet {name!r}: master seed in slot {slot}"
    emit(as_json, record, text)


@wallet.command()
@click.argument("name")
@_wallet_options
@click.option("--mnemonic-file",
              type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="Read the mnemonic from FILE (- for stdin) instead of a prompt.")
@json_option
@click.pass_obj
def restore(state: State, name: str, curve: str, variant: str, master_gen_key: str,
            ask_passphrase: bool, mnemonic_file: str | None, as_json: bool) -> None:
    """Restore the wallet NAME from its BIP39 mnemonic; prints the new master slot.
    Only the master seed comes back: derive the keys again."""
    if mnemonic_file is not None:
        mnemonic = " ".join(_lines(mnemonic_file))
    else:
        mnemonic = _secret("BIP39 mnemonic")
    passphrase = _passphrase(ask_passphrase, confirm=False)
    slot = state.client().restore_wallet_bip39(
        curve, name, mnemonic, master_gen_key=_gen_key(master_gen_key), variant=variant,
        passphrase=passphrase)
    emit(as_json, {"name": name, "slot": slot, "key_type": curve, "variant": variant},
         f"restored wallet {name!r}: master seed in slot {slot}")


@wallet.command()
@click.argument("wallet_ref", metavar="WALLET")
@click.argument("address", metavar="PATH")
@click.option("--chain-code", is_flag=True,
              help="Also print the chain code of the last node (it must be hardened and "
                   "derived by this command).")
@json_option
@click.pass_obj
def derive(state: State, wallet_ref: str, address: str, chain_code: bool,
           as_json: bool) -> None:
    """Derive the key at PATH in WALLET (a name or a slot), making each missing node on
    the way; prints its slot and public key. PATH is a node address such as
    m/44'/60'/0'/0/0 (an apostrophe marks a hardened step)."""
    client = state.client()
    info = _wallet_info(client, wallet_ref)
    root = wpath.parse_path(info["address"])
    numbers = wpath.parse_path(address)
    if numbers[:len(root)] != root:
        raise InvalidArgument(f"{address!r} is not below the wallet's root {info['address']!r}")
    if not numbers[len(root):]:
        raise InvalidArgument(f"{address!r} is the wallet's root: give a path below it")
    existing = {node["address"]: node["slot"] for node in info["nodes"]}
    slot, current, made = info["slot"], info["address"], []
    chain: bytes | None = None
    for number in numbers[len(root):]:
        hardened = wpath.is_hardened(number)
        index = number - wpath.HARDENED if hardened else number
        current = wpath.child_path(current, index, hardened)
        if current in existing:
            slot = existing[current]
            chain = None
            continue
        if chain_code and hardened:
            slot, chain = client.derive_wallet_child(slot, index, True, return_chain_code=True)
        else:
            slot, chain = client.derive_wallet_child(slot, index, hardened), None
        made.append(slot)
    if chain_code and chain is None:
        raise InvalidArgument(f"the chain code of {current} is given only when this command "
                              "derives it, and only for a hardened node")
    public = client.public_key(slot)
    record: dict[str, Any] = {"wallet": info["name"], "address": current, "slot": slot,
                              "public_key": public.hex(), "derived": made}
    text = f"{current}  slot {slot}  public key {public.hex()}"
    if chain is not None:
        record["chain_code"] = chain.hex()
        text += f"\nchain code {chain.hex()}"
    emit(as_json, record, text)


@wallet.command("list")
@json_option
@click.pass_obj
def list_wallets(state: State, as_json: bool) -> None:
    """List the wallets."""
    records = state.client().wallets()
    lines = [f"{'slot':>5}  {'curve':<10} {'kind':<10} {'nodes':>5}  name (root)"]
    lines += [f"{w['slot']:>5}  {w['key_type'] + (' ' + w['variant'] if w['variant'] else ''):<10}"
              f" {w['kind']:<10} {w['nodes']:>5}  {w['name']} ({w['address']})"
              for w in records]
    lines.append(f"{len(records)} wallets")
    emit(as_json, {"wallets": records}, "\n".join(lines))


@wallet.command()
@click.argument("wallet_ref", metavar="WALLET")
@json_option
@click.pass_obj
def show(state: State, wallet_ref: str, as_json: bool) -> None:
    """Show WALLET (a name, or the slot of any of its nodes) and its nodes."""
    info = _wallet_info(state.client(), wallet_ref)
    variant = f" ({info['variant']})" if info["variant"] else ""
    lines = [f"wallet {info['name']!r}: {info['kind']}, {info['key_type']}{variant}, "
             f"root {info['address']} in slot {info['slot']}"]
    for node in info["nodes"]:
        public = node["public_key"].hex() if node["public_key"] is not None else "(not exported)"
        lines.append(f"{node['slot']:>5}  {node['address']:<24} {public}")
    emit(as_json, info, "\n".join(lines))


@wallet.command()
@click.argument("wallet_ref", metavar="WALLET")
@json_option
@click.pass_obj
def remove(state: State, wallet_ref: str, as_json: bool) -> None:
    """Remove WALLET (a name: the whole wallet) or the node in a slot with everything
    derived from it."""
    client = state.client()
    slot = _node_slot(client, wallet_ref)
    where = client.wallet_node_address(slot)
    before = {n["slot"] for n in client.wallet_info(where.wallet_name)["nodes"]}
    client.remove_key(slot)
    try:
        after = {n["slot"] for n in client.wallet_info(where.wallet_name)["nodes"]}
    except WalletNotFound:
        after = set()
    removed = sorted(before - after)
    what = (f"wallet {where.wallet_name!r}" if slot == where.master_slot
            else f"node {where.address} of wallet {where.wallet_name!r}")
    emit(as_json, {"wallet": where.wallet_name, "address": where.address, "removed": removed},
         f"removed {what} (slots {', '.join(map(str, removed))})")


def _wallet_info(client: Client, ref: str) -> dict[str, Any]:
    """The wallet named ``ref`` or, failing that, the wallet of the node in slot ``ref``."""
    try:
        return client.wallet_info(ref)
    except WalletNotFound:
        if not _is_slot(ref):
            raise
    return client.wallet_info(client.wallet_node_address(int(ref)).wallet_name)


def _node_slot(client: Client, ref: str) -> int:
    """The root slot of the wallet named ``ref``, or the node slot ``ref``."""
    try:
        return int(client.wallet_info(ref)["slot"])
    except WalletNotFound:
        if not _is_slot(ref):
            raise
    return int(ref)


def _is_slot(ref: str) -> bool:
    """Whether ``ref`` can be a slot number (else it is only a name)."""
    return ref.isdigit() and int(ref) <= INTEGER_MAX


# -- softscm slip39 ----------------------------------------------------------------------


def _group(value: str) -> tuple[int, int]:
    """``"2of3"`` (or ``"2/3"``): a member threshold and count."""
    for sep in ("of", "/"):
        if sep in value:
            left, _, right = value.partition(sep)
            if left.strip().isdigit() and right.strip().isdigit():
                return int(left), int(right)
    raise click.BadParameter(f"{value!r} is not THRESHOLDofCOUNT (e.g. 2of3)")


@click.group(cls=Group)
def slip39() -> None:
    """SLIP39 (Shamir) backups of wallet master seeds."""


@slip39.command("create")
@click.argument("name")
@_wallet_options
@click.option("--group", "groups", multiple=True, required=True, metavar="TofN",
              help="One group, in order: T of its N member shares rebuild it (e.g. 2of3). "
                   "Repeat for each group.")
@click.option("--group-threshold", type=INTEGER, default=1, show_default=True,
              help="How many groups rebuild the master secret.")
@click.option("--iteration-exponent", type=click.IntRange(0, 5), default=1,
              show_default=True, help="SLIP39 iteration exponent (PBKDF2 cost).")
@click.option("--ask-passwords", is_flag=True,
              help="Prompt (without echo) for a password per member share (empty: none).")
@json_option
@click.pass_obj
def slip39_create(state: State, name: str, curve: str, variant: str, master_gen_key: str,
                  ask_passphrase: bool, groups: tuple[str, ...], group_threshold: int,
                  iteration_exponent: int, ask_passwords: bool, as_json: bool) -> None:
    """Create the wallet NAME with its master secret split into SLIP39 shares; prints
    every share (33 words) once, group by group."""
    layout = [_group(g) for g in groups]
    passphrase = _passphrase(ask_passphrase, confirm=True)
    client = state.client()
    client.start_slip39_generation(curve, name, len(layout), group_threshold,
                                   iteration_exponent, master_gen_key=_gen_key(master_gen_key),
                                   variant=variant, passphrase=passphrase)
    done = False
    try:
        out: list[dict[str, Any]] = []
        slot: int | None = None
        for index, (threshold, count) in enumerate(layout):
            client.set_slip39_group(index, count, threshold)
            shares = []
            for member in range(count):
                password = ""
                if ask_passwords:
                    password = _secret(
                        f"password for group {index} member {member} (empty: none)",
                        confirm=True, default="")
                share = client.add_slip39_member(password)
                shares.append(share.mnemonic)
                slot = share.master_slot if share.master_slot is not None else slot
            out.append({"index": index, "threshold": threshold, "count": count,
                        "shares": shares})
        done = True
    finally:
        if not done:
            client.cancel_slip39_session()
    lines = [f"created wallet {name!r}: master seed in slot {slot}; "
             f"{group_threshold} of {len(layout)} groups rebuild it",
             "SLIP39 shares (write each down; they are shown only this once):"]
    for group in out:
        lines.append(f"group {group['index']} ({group['threshold']} of {group['count']}):")
        lines += [f"  {share}" for share in group["shares"]]
    emit(as_json, {"name": name, "slot": slot, "key_type": curve, "variant": variant,
                   "group_threshold": group_threshold, "groups": out}, "\n".join(lines))


@slip39.command("restore")
@click.argument("name")
@_wallet_options
@click.option("--mnemonic-file",
              type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="Read the shares from FILE (- for stdin), one per line, each optionally "
                   "followed by a tab and its member password.")
@click.option("--ask-passwords", is_flag=True,
              help="At the prompt, also ask (without echo) for each share's password.")
@json_option
@click.pass_obj
def slip39_restore(state: State, name: str, curve: str, variant: str, master_gen_key: str,
                   ask_passphrase: bool, mnemonic_file: str | None, ask_passwords: bool,
                   as_json: bool) -> None:
    """Restore the wallet NAME from SLIP39 shares, fed one at a time until the master
    secret is rebuilt; prints the new master slot."""
    passphrase = _passphrase(ask_passphrase, confirm=False)
    client = state.client()
    client.start_slip39_restore(curve, name, master_gen_key=_gen_key(master_gen_key),
                                variant=variant, passphrase=passphrase)
    slot: int | None = None
    accepted = 0
    try:
        if mnemonic_file is not None:
            for line in _lines(mnemonic_file):
                share, _, password = line.partition("\t")
                slot = client.add_slip39_share(share.strip(), password)
                accepted += 1
                if slot is not None:
                    break
        else:
            slot, accepted = _prompt_shares(client, ask_passwords)
        if slot is None:
            raise InvalidArgument(f"too few shares: the input ended after {accepted} "
                                  "accepted share(s), before the master secret could be "
                                  "rebuilt")
    finally:
        if slot is None:
            client.cancel_slip39_session()
    emit(as_json, {"name": name, "slot": slot, "shares": accepted, "key_type": curve,
                   "variant": variant},
         f"restored wallet {name!r}: master seed in slot {slot}")


def _prompt_shares(client: Client, ask_passwords: bool) -> tuple[int | None, int]:
    """Ask for shares until the secret is rebuilt or an empty answer ends the input;
    a share that cannot count is reported and asked for again."""
    accepted = 0
    while True:
        share = _secret(f"share {accepted + 1} (empty to stop)", default="").strip()
        if not share:
            return None, accepted
        password = ""
        if ask_passwords:
            password = _secret("its password (empty: none)", default="")
        try:
            slot = client.add_slip39_share(share, password)
        except SoftScmError as exc:
            if not isinstance(exc, InvalidArgument):
                raise
            click.echo(f"refused: {exc.message}", err=True)
            continue
        accepted += 1
        if slot is not None:
            return slot, accepted
