"""Hierarchical deterministic keys: BIP32 (secp256k1) and SLIP-10 (NIST P-256, Ed25519).

:func:`master_node` turns a seed into a wallet's root node; :func:`derive_child` derives
one child of a node, from its private key when it has one and from its public key for a
watch-only (oversight) node; :func:`watch_only_root` makes the root of an oversight
wallet from a public key and chain code. Nodes are :class:`Node` records and carry their
address (``path.py``). Ed25519 wallets of the ``"cardano"`` variant follow Cardano's
BIP32-Ed25519 instead of SLIP-10 (``cardano.py``, :func:`icarus_master_node`).

With an empty ``master_gen_key`` the master node is the standard one, so the published
BIP32 / SLIP-10 vectors and any BIP44 wallet give the same keys; a non-empty
``master_gen_key`` replaces the curve's HMAC key (``zymkey-api.md`` §7.13). Both curves
of the Weierstrass family follow SLIP-10's rule for the (astronomically rare) invalid
candidate: hash again rather than give up, which is what BIP32 leaves undefined.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from softscm.errors import InvalidArgument
from softscm.wallet import cardano as _cardano
from softscm.wallet import path as _path
from softscm.wallet._ripemd160 import ripemd160
from softscm.wallet.curves import WalletCurve, curve_ops

SEED_MIN_BYTES = 16
"""Shortest seed BIP32 accepts (128 bits)."""

SEED_MAX_BYTES = 64
"""Longest seed BIP32 accepts (512 bits)."""

CHAIN_CODE_BYTES = 32
"""Length of a chain code."""

PRIVATE_KEY_BYTES = 32
"""Length of a private key."""

FINGERPRINT_BYTES = 4
"""Length of a key fingerprint (the first bytes of HASH160 of the public key)."""

MAX_DEPTH = 255
"""Deepest node BIP32 can express (the depth is one byte)."""

VARIANTS = ("", _cardano.VARIANT)
"""The derivation variants of ``RecoveryStrategy.variant``; ``"cardano"`` is Ed25519 only."""

NO_FINGERPRINT = bytes(FINGERPRINT_BYTES)
"""The parent fingerprint of a root node."""


@dataclass(frozen=True)
class Node:
    """One node of a wallet tree.

    ``private_key`` is ``None`` in a watch-only (oversight) wallet. ``public_key`` is raw,
    as ``get_public_key`` returns it: 64 bytes ``X||Y`` on secp256k1 and NIST P-256, 32
    bytes on Ed25519. ``path`` is the node's address (``"m/44'/60'/0'"``) and ``depth``
    its number of steps below the master (which for an oversight root is the depth of its
    address). ``parent_fingerprint`` is the parent's :func:`fingerprint` (zeros for a root,
    and for an oversight root, whose parent is unknown). ``variant`` is ``"cardano"`` for
    Cardano's BIP32-Ed25519, whose private keys are 64-byte extended keys
    (``cardano.py``), and ``""`` otherwise.
    """

    curve: WalletCurve
    private_key: bytes | None = field(repr=False)
    public_key: bytes
    chain_code: bytes
    depth: int
    path: str
    parent_fingerprint: bytes = NO_FINGERPRINT
    variant: str = ""

    def __post_init__(self) -> None:
        check_variant(self.curve, self.variant)
        ops = curve_ops(self.curve)
        size = _cardano.EXTENDED_KEY_BYTES if self.is_cardano else PRIVATE_KEY_BYTES
        if self.private_key is not None and len(self.private_key) != size:
            raise InvalidArgument(f"a private key of this wallet has {size} bytes")
        if len(self.public_key) != ops.public_key_size:
            raise InvalidArgument(f"a {self.curve.value} public key has "
                                  f"{ops.public_key_size} bytes, not {len(self.public_key)}")
        if len(self.chain_code) != CHAIN_CODE_BYTES:
            raise InvalidArgument(f"a chain code has {CHAIN_CODE_BYTES} bytes, "
                                  f"not {len(self.chain_code)}")
        if not 0 <= self.depth <= MAX_DEPTH:
            raise InvalidArgument(f"depth {self.depth} is out of range (0 to {MAX_DEPTH})")
        if len(self.parent_fingerprint) != FINGERPRINT_BYTES:
            raise InvalidArgument(f"a fingerprint has {FINGERPRINT_BYTES} bytes")
        _path.parse_path(self.path)

    @property
    def is_cardano(self) -> bool:
        """Whether the node follows Cardano's BIP32-Ed25519 (the ``"cardano"`` variant)."""
        return self.variant == _cardano.VARIANT

    @property
    def watch_only(self) -> bool:
        """Whether the node holds no private key (an oversight wallet's node)."""
        return self.private_key is None

    @property
    def child_number(self) -> int:
        """The BIP32 child number of the node's last step (0 for a root)."""
        numbers = _path.parse_path(self.path)
        return numbers[-1] if numbers else 0

    @property
    def serialized_public_key(self) -> bytes:
        """The 33-byte public key that BIP32 hashes (see :func:`serialize_public_key`)."""
        return serialize_public_key(self.curve, self.public_key)


def serialize_public_key(curve: WalletCurve, public_key: bytes) -> bytes:
    """The 33-byte form of a raw public key used by derivation and fingerprints: SEC1
    compressed on secp256k1 and NIST P-256, ``0x00 || key`` on Ed25519 (SLIP-10)."""
    return curve_ops(curve).serialize_public(public_key)


def fingerprint(node: Node) -> bytes:
    """The node's 4-byte fingerprint: HASH160 of its serialized public key, truncated.
    Its children carry it as their ``parent_fingerprint``."""
    digest = ripemd160(hashlib.sha256(node.serialized_public_key).digest())
    return digest[:FINGERPRINT_BYTES]


def check_variant(curve: WalletCurve, variant: str) -> None:
    """``InvalidArgument`` for an unknown variant, or ``"cardano"`` on a curve other
    than Ed25519."""
    if variant not in VARIANTS:
        raise InvalidArgument(f"unknown wallet variant {variant!r} "
                              f"(use one of {', '.join(repr(v) for v in VARIANTS)})")
    if variant == _cardano.VARIANT and curve is not WalletCurve.ED25519:
        raise InvalidArgument(f"the 'cardano' variant needs curve ed25519, not {curve.value}")


def master_node(curve: WalletCurve, seed: bytes, *, master_gen_key: bytes | str = b"",
                variant: str = "") -> Node:
    """The master node (address ``"m"``) of the wallet whose seed is ``seed``.

    ``I = HMAC-SHA512(key, seed)`` with the curve's standard key (``"Bitcoin seed"``,
    ``"Nist256p1 seed"``, ``"ed25519 seed"``) or, when it is not empty,
    ``master_gen_key``; ``IL`` is the private key and ``IR`` the chain code. On the
    Weierstrass curves an invalid ``IL`` (0 or at least the order) makes SLIP-10 hash
    ``I`` again. Seeds are 16 to 64 bytes.

    With ``variant="cardano"`` this is :func:`icarus_master_node` of ``seed`` with no
    passphrase: ``seed`` is then Icarus entropy, not a BIP39 seed.
    """
    check_variant(curve, variant)
    if variant == _cardano.VARIANT:
        return icarus_master_node(seed, master_gen_key=master_gen_key)
    seed = _check_seed(seed)
    ops = curve_ops(curve)
    key = _key_bytes(master_gen_key)
    digest = hmac.new(key or ops.hmac_key, seed, hashlib.sha512).digest()
    while True:
        private_key = ops.master_private(digest[:32])
        if private_key is not None:
            break
        digest = hmac.new(key or ops.hmac_key, digest, hashlib.sha512).digest()
    return Node(curve, private_key, ops.public_key(private_key), digest[32:], 0, _path.ROOT)


def icarus_master_node(entropy: bytes, passphrase: bytes | str = b"", *,
                       master_gen_key: bytes | str = b"") -> Node:
    """The master node of a ``"cardano"`` Ed25519 wallet (Icarus, CIP-3).

    ``entropy`` is what the wallet was made from: a BIP39 mnemonic's entropy
    (``bip39.mnemonic_to_entropy``) with its ``passphrase``, a SLIP39 master secret, or
    a random master seed; 16 to 64 bytes. See ``cardano.py`` for ``master_gen_key``.
    """
    private_key, public_key, chain_code = _cardano.icarus_master(
        _check_seed(entropy), passphrase, _key_bytes(master_gen_key))
    return Node(WalletCurve.ED25519, private_key, public_key, chain_code, 0, _path.ROOT,
                variant=_cardano.VARIANT)


def _check_seed(seed: bytes) -> bytes:
    seed = bytes(seed)
    if not SEED_MIN_BYTES <= len(seed) <= SEED_MAX_BYTES:
        raise InvalidArgument(f"a seed has {SEED_MIN_BYTES} to {SEED_MAX_BYTES} bytes, "
                              f"not {len(seed)}")
    return seed


def _key_bytes(key: bytes | str) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def derive_child(parent: Node, index: int, hardened: bool) -> Node:
    """Child ``index`` (``0 <= index < 2**31``) of ``parent``, hardened or not.

    A node with a private key derives privately (CKDpriv), a watch-only node publicly
    (CKDpub), and both give the same public key for a non-hardened child. Refused with
    ``InvalidArgument``: a non-hardened child on SLIP-10 Ed25519 (hardened children
    only; the ``"cardano"`` variant has both), a hardened child of a watch-only node (it
    needs the private key), a child below depth 255.
    """
    if parent.is_cardano:
        return _derive_cardano(parent, index, hardened)
    number = _path.child_number(index, hardened)
    ops = curve_ops(parent.curve)
    if not hardened and not ops.public_derivation:
        raise InvalidArgument(f"{parent.curve.value} (SLIP-10) wallets derive hardened "
                              f"children only; child {index} must be hardened")
    if parent.depth >= MAX_DEPTH:
        raise InvalidArgument(f"node {parent.path} is at the maximum depth {MAX_DEPTH}")
    suffix = number.to_bytes(4, "big")
    if hardened:
        if parent.private_key is None:
            raise InvalidArgument(f"the watch-only node {parent.path} holds no private key "
                                  f"and cannot derive the hardened child {index}'")
        data = b"\x00" + parent.private_key + suffix
    else:
        data = parent.serialized_public_key + suffix
    while True:
        digest = hmac.new(parent.chain_code, data, hashlib.sha512).digest()
        il, ir = digest[:32], digest[32:]
        if parent.private_key is not None:
            private_key = ops.child_private(parent.private_key, il)
            public_key = None if private_key is None else ops.public_key(private_key)
        else:
            private_key = None
            public_key = ops.child_public(parent.public_key, il)
        if public_key is not None:
            break
        data = b"\x01" + ir + suffix  # SLIP-10: the candidate is invalid; derive again
    return Node(parent.curve, private_key, public_key, ir, parent.depth + 1,
                _path.child_path(parent.path, index, hardened), fingerprint(parent))


def _derive_cardano(parent: Node, index: int, hardened: bool) -> Node:
    number = _path.child_number(index, hardened)
    if parent.depth >= MAX_DEPTH:
        raise InvalidArgument(f"node {parent.path} is at the maximum depth {MAX_DEPTH}")
    if parent.private_key is None:
        if hardened:
            raise InvalidArgument(f"the watch-only node {parent.path} holds no private key "
                                  f"and cannot derive the hardened child {index}'")
        private_key = None
        public_key, chain_code = _cardano.child_public(parent.public_key, parent.chain_code,
                                                       number)
    else:
        private_key, chain_code = _cardano.child_private(
            parent.private_key, parent.public_key, parent.chain_code, number)
        public_key = _cardano.public_key(private_key)
    return Node(parent.curve, private_key, public_key, chain_code, parent.depth + 1,
                _path.child_path(parent.path, index, hardened), fingerprint(parent),
                parent.variant)


def derive_path(root: Node, address: str) -> Node:
    """The node at ``address``, derived step by step from ``root``.

    ``address`` must extend ``root.path`` (for a master node, any address does).
    """
    root_numbers = _path.parse_path(root.path)
    numbers = _path.parse_path(address)
    if numbers[: len(root_numbers)] != root_numbers:
        raise InvalidArgument(f"node address {address!r} is not below {root.path!r}")
    node = root
    for number in numbers[len(root_numbers):]:
        hardened = _path.is_hardened(number)
        node = derive_child(node, number - _path.HARDENED if hardened else number, hardened)
    return node


def neuter(node: Node) -> Node:
    """The same node without its private key (what an oversight wallet would hold)."""
    return Node(node.curve, None, node.public_key, node.chain_code, node.depth, node.path,
                node.parent_fingerprint, node.variant)


def watch_only_root(curve: WalletCurve, public_key: bytes, chain_code: bytes,
                    address: str, variant: str = "") -> Node:
    """The root of an oversight wallet: a node known by its public key and chain code
    alone, at ``address`` in the wallet it watches (``gen_oversight_wallet``).

    The key must be a valid raw public key of ``curve`` and the chain code 32 bytes.
    """
    check_variant(curve, variant)
    if variant == _cardano.VARIANT:
        _cardano.check_public(bytes(public_key))
    else:
        curve_ops(curve).check_public(bytes(public_key))
    if len(chain_code) != CHAIN_CODE_BYTES:
        raise InvalidArgument(f"a chain code has {CHAIN_CODE_BYTES} bytes, "
                              f"not {len(chain_code)}")
    numbers = _path.parse_path(address)
    if len(numbers) > MAX_DEPTH:
        raise InvalidArgument(f"node address {address!r} is deeper than {MAX_DEPTH}")
    return Node(curve, None, bytes(public_key), bytes(chain_code), len(numbers),
                _path.format_path(numbers), variant=variant)
