"""BIP44 Ethereum accounts m/44'/60'/0'/0/i from well-known mnemonics.

The expected keys and addresses are the published ones of two test mnemonics (Hardhat's
default accounts, and the "abandon ... about" wallet). Each key is also re-derived here
by an independent, minimal BIP32 on coincurve, and each address computed with a small
Keccak-256 (the pre-standard SHA-3 padding Ethereum uses; ``hashlib.sha3_256`` differs).
"""

from __future__ import annotations

import hashlib
import hmac

import coincurve
import pytest

from softscm.wallet.bip32 import derive_path, master_node
from softscm.wallet.bip39 import mnemonic_to_seed
from softscm.wallet.curves import WalletCurve

HARDHAT = "test test test test test test test test test test test junk"
ABANDON = " ".join(["abandon"] * 11 + ["about"])

ACCOUNTS = [
    (HARDHAT, 0, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
     "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    (HARDHAT, 1, "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
     "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    (HARDHAT, 2, "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
     "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    (ABANDON, 0, "1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727",
     "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
]

_ROUND_CONSTANTS = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROTATIONS = [
    [0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
_M64 = (1 << 64) - 1


def _rol(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _M64 if shift else value


def _keccak_f(lanes: list[list[int]]) -> None:
    for constant in _ROUND_CONSTANTS:
        c = [lanes[x][0] ^ lanes[x][1] ^ lanes[x][2] ^ lanes[x][3] ^ lanes[x][4]
             for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                lanes[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(lanes[x][y], _ROTATIONS[x][y])
        for x in range(5):
            for y in range(5):
                lanes[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
        lanes[0][0] ^= constant


def keccak256(data: bytes) -> bytes:
    rate = 136
    padded = bytearray(data) + b"\x01" + bytes(-(len(data) + 1) % rate)
    padded[-1] |= 0x80
    lanes = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset:offset + rate]
        for i in range(rate // 8):
            lanes[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _keccak_f(lanes)
    return b"".join(lanes[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def eth_address(public_xy: bytes) -> str:
    """EIP-55 mixed-case address of a 64-byte ``X||Y`` public key."""
    plain = keccak256(public_xy)[-20:].hex()
    digest = keccak256(plain.encode()).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch
                          for i, ch in enumerate(plain))


def independent_private_key(seed: bytes, path: list[int]) -> bytes:
    """A minimal BIP32 CKDpriv on coincurve, written apart from softscm's."""
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain = coincurve.PrivateKey(digest[:32]), digest[32:]
    for number in path:
        if number >= 2**31:
            data = b"\x00" + key.secret + number.to_bytes(4, "big")
        else:
            data = key.public_key.format(compressed=True) + number.to_bytes(4, "big")
        digest = hmac.new(chain, data, hashlib.sha512).digest()
        key, chain = key.add(digest[:32]), digest[32:]
    return bytes(key.secret)


def test_keccak_known_answers() -> None:
    assert keccak256(b"").hex() == \
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == \
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert keccak256(bytes(200)) != hashlib.sha3_256(bytes(200)).digest()


@pytest.mark.parametrize(("mnemonic", "index", "private_key", "address"), ACCOUNTS)
def test_ethereum_accounts(mnemonic: str, index: int, private_key: str, address: str) -> None:
    seed = mnemonic_to_seed(mnemonic)
    node = derive_path(master_node(WalletCurve.SECP256K1, seed), f"m/44'/60'/0'/0/{index}")
    assert node.private_key is not None and node.private_key.hex() == private_key
    hardened = 2**31
    path = [44 + hardened, 60 + hardened, hardened, 0, index]
    assert independent_private_key(seed, path) == node.private_key
    assert eth_address(node.public_key) == address


def test_account_range_matches_independent_derivation() -> None:
    seed = mnemonic_to_seed(ABANDON, b"TREZOR")
    account = derive_path(master_node(WalletCurve.SECP256K1, seed), "m/44'/60'/0'/0")
    from softscm.wallet.bip32 import derive_child

    for index in range(10):
        node = derive_child(account, index, False)
        expected = independent_private_key(seed, [44 + 2**31, 60 + 2**31, 2**31, 0, index])
        assert node.private_key == expected
