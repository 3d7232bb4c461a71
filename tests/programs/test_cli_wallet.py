"""``softscm wallet`` and ``softscm slip39``: create, restore (prompt without echo, a
file, stdin), derive, list, show, remove; SLIP39 shares made and fed back; one-line
errors."""

from __future__ import annotations

import json
from pathlib import Path

import mnemonic
import pytest
import shamir_mnemonic
from test_wallet_module_vectors import HARDENED, independent_child, independent_master, public_of

from cli_runner import cli_runner
from softscm.cli.app import cli


@pytest.fixture
def run(home):
    runner = cli_runner()

    def invoke(*args: str, input: str | None = None, code: int = 0):
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    invoke("init")
    return invoke


def as_json(result) -> dict:
    return json.loads(result.stdout)


def test_create_derive_list_show_remove(run) -> None:
    made = as_json(run("wallet", "create", "W", "--bip39", "--json"))
    assert made["slot"] == 16 and len(made["mnemonic"].split()) == 24
    assert mnemonic.Mnemonic("english").check(made["mnemonic"])
    derived = as_json(run("wallet", "derive", "W", "m/44'/60'/0'/0/0", "--json"))
    assert derived["address"] == "m/44'/60'/0'/0/0" and derived["derived"] == [17, 18, 19, 20, 21]
    seed = mnemonic.Mnemonic.to_seed(made["mnemonic"])
    private, chain = independent_master("secp256k1", seed)
    for number in (44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0):
        private, chain = independent_child("secp256k1", private, chain, number)
    assert derived["public_key"] == public_of("secp256k1", private).hex()
    # Existing nodes are reused; the slot of any node names its wallet.
    again = as_json(run("wallet", "derive", "16", "m/44'/60'/0'/0/1", "--json"))
    assert again["derived"] == [22] and again["slot"] == 22
    text = run("wallet", "derive", "W", "m/44'/60'/0'/0/1").output
    assert "slot 22" in text
    listing = as_json(run("wallet", "list", "--json"))["wallets"]
    assert listing == [{"name": "W", "slot": 16, "key_type": "secp256k1", "variant": "",
                        "kind": "master", "address": "m", "nodes": 7}]
    assert "W (m)" in run("wallet", "list").output
    shown = as_json(run("wallet", "show", "W", "--json"))
    assert shown["nodes"][0] == {"slot": 16, "address": "m", "parent": None, "public_key": None}
    assert "(not exported)" in run("wallet", "show", "21").output
    removed = as_json(run("wallet", "remove", "19", "--json"))
    assert removed["removed"] == [19, 20, 21, 22] and removed["address"] == "m/44'/60'/0'"
    assert "removed wallet 'W'" in run("wallet", "remove", "W").output
    assert as_json(run("wallet", "list", "--json"))["wallets"] == []


def test_restore_from_prompt_file_and_stdin(run, tmp_path: Path) -> None:
    made = as_json(run("wallet", "create", "W", "--bip39", "--ask-passphrase", "--json",
                       input="TREZOR\nTREZOR\n"))
    words = made["mnemonic"]
    public = as_json(run("wallet", "derive", "W", "m/0'", "--json"))["public_key"]
    run("wallet", "remove", "W")
    prompted = run("wallet", "restore", "W", "--ask-passphrase", "--json",
                   input=f"{words}\nTREZOR\n")
    assert words not in prompted.output  # read without echo
    assert as_json(run("wallet", "derive", "W", "m/0'", "--json"))["public_key"] == public
    path = tmp_path / "words.txt"
    path.write_text(words + "\n")
    restored = as_json(run("wallet", "restore", "F", "--mnemonic-file", str(path), "--json"))
    assert restored["slot"] != made["slot"]
    from_stdin = as_json(run("wallet", "restore", "S", "--mnemonic-file", "-", "--json",
                             input=words + "\n"))
    assert from_stdin["name"] == "S"
    # Without the passphrase the keys differ.
    assert as_json(run("wallet", "derive", "S", "m/0'", "--json"))["public_key"] != public


def test_clear_one_line_errors(run, tmp_path: Path) -> None:
    run("wallet", "create", "W")
    result = run("wallet", "create", "W", code=1)
    assert result.stderr.strip() == "error: WalletNameExists: a wallet named 'W' already exists"
    bad = " ".join(["abandon"] * 12)
    result = run("wallet", "restore", "R", "--mnemonic-file", "-", input=bad, code=1)
    assert "InvalidArgument" in result.output and "checksum" in result.output
    assert "abandon" not in result.output
    result = run("wallet", "derive", "W", "m/0", "--json", code=0)
    result = run("wallet", "show", "nope", code=1)
    assert "WalletNotFound" in result.output
    result = run("wallet", "derive", "W", "m/0h", code=1)
    assert "InvalidArgument" in result.output
    result = run("wallet", "create", "E", "--curve", "ed25519")
    result = run("wallet", "derive", "E", "m/1", code=1)
    assert "hardened" in result.output
    result = run("wallet", "derive", "E", "m/1'", "--chain-code", "--json")
    assert len(bytes.fromhex(as_json(result)["chain_code"])) == 32
    assert len(result.output.strip().splitlines()) > 1


def test_slip39_create_and_restore(run, tmp_path: Path) -> None:
    made = as_json(run("slip39", "create", "S", "--group", "2of3", "--group", "1of1",
                       "--group-threshold", "2", "--iteration-exponent", "0", "--json"))
    assert made["slot"] == 16 and [len(g["shares"]) for g in made["groups"]] == [3, 1]
    shares = [s for g in made["groups"] for s in g["shares"]]
    assert all(len(s.split()) == 33 for s in shares)
    public = as_json(run("wallet", "derive", "S", "m/0", "--json"))["public_key"]
    secret = shamir_mnemonic.combine_mnemonics([shares[0], shares[2], shares[3]])
    private, chain = independent_master("secp256k1", secret)
    private, chain = independent_child("secp256k1", private, chain, 0)
    assert public == public_of("secp256k1", private).hex()
    run("wallet", "remove", "S")
    # A file: one share per line; the input may hold more shares than needed.
    path = tmp_path / "shares.txt"
    path.write_text("\n".join([shares[3], shares[1], shares[0], shares[2]]) + "\n")
    restored = as_json(run("slip39", "restore", "S", "--mnemonic-file", str(path), "--json"))
    assert restored["shares"] == 3
    assert as_json(run("wallet", "derive", "S", "m/0", "--json"))["public_key"] == public
    run("wallet", "remove", "S")
    # Too few shares: a clear error, and no session is left open.
    result = run("slip39", "restore", "S", "--mnemonic-file", "-", input=shares[0] + "\n",
                 code=1)
    assert "too few shares" in result.output
    run("keys", "generate", "nistp256")
    # At the prompt: a bad share is refused and asked for again.
    corrupted = shares[1].split()
    corrupted[12] = "academic" if corrupted[12] != "academic" else "acid"
    answers = "\n".join([shares[3], " ".join(corrupted), shares[1], shares[2]]) + "\n"
    result = run("slip39", "restore", "S", "--json", input=answers)
    assert "refused" in result.stderr and shares[1] not in result.output
    assert as_json(result)["shares"] == 3


def test_slip39_member_passwords(run) -> None:
    answers = "pw\npw\n\n\n"  # group 0 member 0: "pw" (confirmed), member 1: none
    made = as_json(run("slip39", "create", "P", "--group", "2of2", "--iteration-exponent", "0",
                       "--ask-passwords", "--json", input=answers))
    first, second = made["groups"][0]["shares"]
    run("wallet", "remove", "P")
    result = run("slip39", "restore", "P", "--ask-passwords", "--json",
                 input=f"{first}\nwrong\n{first}\npw\n{second}\n\n")
    assert "refused" in result.stderr and as_json(result)["slot"] == 16


def test_slip39_create_failure_leaves_no_session(run) -> None:
    result = run("slip39", "create", "S", "--group", "1of3", "--iteration-exponent", "0",
                 code=1)
    assert "member threshold of 1" in result.output
    run("keys", "generate", "nistp256")  # not blocked by a session
    result = run("slip39", "create", "S", "--group", "3", code=2)
    assert "THRESHOLDofCOUNT" in result.output
