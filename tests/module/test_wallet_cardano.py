"""The "cardano" Ed25519 variant: Icarus master keys and BIP32-Ed25519 derivation.

The vectors are the published Cardano test values that trezor-crypto checks
(``tests/test_check_cardano.h``: its HD-node vectors 1-9 and the extended-key signing
vectors of IOHK's cardano-crypto goldens, message "Hello World"). trezor-crypto feeds
the mnemonic's bits rounded down to whole bytes as entropy, which for 24 words keeps
the checksum byte (the "Icarus-Trezor" form); the last vector reproduces that input.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from softscm.errors import InvalidArgument
from softscm.wallet import cardano
from softscm.wallet.bip32 import (
    Node,
    derive_child,
    derive_path,
    icarus_master_node,
    master_node,
    neuter,
    watch_only_root,
)
from softscm.wallet.bip39 import mnemonic_to_entropy
from softscm.wallet.curves import WalletCurve

RING = "ring crime symptom enough erupt lady behave ramp apart settle citizen junk"
FOUND = ("found differ bulb shadow wrist blue bind vessel deposit tip pelican action "
         "surprise weapon check fiction muscle this")
BALANCE = ("balance exotic ranch knife glory slow tape favorite yard gym awake ill exist "
           "useless parent aim pig stay effort into square gasp credit butter")

# mnemonic, path, chain code, kL, kR, public key
HD_VECTORS = [
    (RING, "m", "affbc325d9027c0f2d9f925b1dcf6c12bf5c1dd08904474066a4f2c00db56173",
     "08a14df748e477a69d21c97c56db151fc19e2521f31dd0ac5360f269e5b6ea46",
     "daeb991f2d2128e2525415c56a07f4366baa26c1e48572a5e073934b6de35fbc",
     "9a1d04808b4c0682816961cf666e82a7fd35949658aba5354c517eccf12aacb4"),
    (RING, "m/0'", "104c6a0736e501c9bfe2966ba3773f5320495b19c3f2ed222234850af2ccd5b1",
     "6064bf06b2e981d7c9792b1482eeecd40ec3cfa12143f4a1f149d48ce8b6ea46",
     "64aa9a16331f14c981b769efcf96addcc4c6db44047fe7a7feae0be23d33bf54",
     "c651c14a13c2311fc30a7acf244add1fdac3683e7ba89b4571e4cbcab509b915"),
    (RING, "m/1'", "da99870d7e69de2a76f255ba8c7ed22428c7e5b0a8df978753c707c95ec3d4ca",
     "c85fa69f4a1891fd98d1d1fc5f0cf9b1d6e44b0e6906744ab23ea766edb6ea46",
     "b4fc241feffe840b8a54a26ab447f5a5caa31032db3a8091fca14f38b86ed539",
     "5a5b0c92530cd366f05cf072509c806f904262c259e79a0080bbd5ee35706bb1"),
    (RING, "m/0'/1'", "b40c44dfd9be08591b62be7f9991c85f812d8196927f3c824d9fcb17d275089e",
     "d064dcf1449d9c3e47f5b422680343561989035bf2e4e23fc34cb61fedb6ea46",
     "a3071959013af95aaecf78a7a2e1b9838bbbc4864d6a8a2295243782078345cd",
     "aaaca5e7adc69a03ef1f5c017ed02879e8ca871df028461ed9bf19fb8fa15038"),
    (RING, "m/0'/1'/2'", "2593896baf92f6ab2c0f253787ab16be0244ba95e0d48ba09da1a7fd3f926c72",
     "0811b6d5d6f7120cb05d4ce5453d6ce42825c2a8e53b6d370a6b05ccf4b6ea46",
     "5bebf1eea68acd04932653d944b064b10baaf5886dd73c185cc285059bf93363",
     "1c87a32c5babad2fe33e0586bdc523574c6126f8368bc76598e17ea46201f980"),
    (RING, "m/0'/1'/2'/2'", "fe8c6c2ab1e30385513fcffb49dcfe3e7805260425ea76b3b72b9f5bbe3b3d40",
     "6019b9f5ef6ca530b657bcdb500de5455db8d51afb951fa045b6fbb3f6b6ea46",
     "466332cb097934b43008701e7e27044aa56c7859019e4eba18d91a3bea23dff7",
     "0b8f04755481ced76b4e5795aaafdb3cbd757c10fe60e9c58f48cf29a7ec3575"),
    (RING, "m/0'/1'/2'/2'/1000000000'",
     "ff77c08d37471c1d4cedd3fae2642c009324d9712492efc74dedab09c9bf973c",
     "488f34840bba516f7920f91676b8681d0dd833b4ce14468e0810b255f9b6ea46",
     "01eccef768a79859f824a1d3c3e35e131184e2940c3fca9a4c9b307741f65363",
     "148605be54585773b44ba87e79265149ae444c4cc37cb1f8db8c08482fba293b"),
    (FOUND, "m/0'/1'/2'/2'/1000000000'",
     "6fb22a4531ad79e828c4907c5fff3ecf686c16cb195f81243f1f0330173380e4",
     "a0baa34e4e24f0500ed6e5e90ab41984b965b7464b0b28640528778dd8a6b854",
     "170e0d3b65ba8d71f27a6db60d0ac26dcb16e52e08cc259db72066f206b258d5",
     "3dae0c06d87db618d73ee808425898cdd882f9eb43bf139c6b3a4760551ee89f"),
    (BALANCE, "m/0'/1'/2'/2'/1000000000'",
     "9b226add79f90086ea18b260da633089fe121db758aa31284ad1affaf3c9bb68",
     "38eb2a79486e516cb6658700503a3e2c870c03e9d1aec731f780aa6fb7f7de44",
     "80d2c677638e5dbd4395cdec279bf2a42077f2797c9e887949d37cdb317fce6a",
     "115a365b2aad1d8eba7d379de518f1fa8553855110af24e5695011c32ce9a300"),
]

# kL, kR, public key, signature of b"Hello World"
SIGN_VECTORS = [
    ("6065a956b1b34145c4416fdc3ba3276801850e91a77a31a7be782463288aea53",
     "60ba6e25b1a02157fb69c5d1d7b96c4619736e545447069a6a6f0ba90844bc8e",
     "64b20fa082b3143d6b5eed42c6ef63f99599d0888afe060620abc1b319935fe1",
     "45b1a75fe3119e13c6f60ab9ba674b42f946fdc558e07c83dfa0751c2eba69c7"
     "9331bd8a4a975662b23628a438a0eba76367e44c12ca91b39ec59063f860f10d"),
    ("e7d27516538403a53a8b041656a3f570909df641a0ab811fe7d87c9ba02a830c",
     "794a2c54ad8b525b781773c87d38cbf4197636bc427a9d551368286fe4c294a4",
     "95bb82ffd5707716bc65170ab4e8dafeed90fbe0ce9258713b7751e962d931df",
     "f2c9171782e7df7665126ac545ae53b05964b0160536efdb545e2460dbbec2b1"
     "9ec6b338b8f1bf4dfee94360ed024b115e37b1d7e6f3f9ae4beb79539428560f"),
    ("9b5a3d9a4c60bcd49bb64b72c082b164314d0f61d842f2575fd1d4fb30a28a0c",
     "b093e376f41eb7bf80abcd0073a52455d25b5d21815bc758e5f6f81536aedebb",
     "79fc8154554b97e4c56ef2f9dbb4c1421ff19509688931a1e964bda5dec0f19f",
     "2ba1439ae648a7e8da7c9ab1ee6da94fd4ebe37abd0978306e8fba2afa8f111a"
     "88a993dbf008bedae9167f4f68409e4c9ddaf02cba12418447b1848907ad800f"),
    ("52e0c98aa600cfdcd1ff28fcda5227ed87063f4a98547a78b771052cf102b40c",
     "6c18d9f8075b1a6a1833540607479bd58b7beb8a83d2bb01ca7ae02452a25803",
     "dc907c7c06e6314eedd9e18c9f6c6f9cc4e205fb1c70da608234c319f1f7b0d6",
     "0cd34f84e0d2fcb1800bdb0e869b9041349955ced66aedbe6bda187ebe8d36a6"
     "2a05b39647e92fcc42aa7a7368174240afba08b8c81f981a22f942d6bd781602"),
    ("11fd6462a3a92b35c22703f6f1c124ddcf36b7c2b09cc2784f320e1cfa12ec04",
     "c2785803c61c46aeca192a1bb1b7b20a8c4cc7fa01db57fc5d1d8a5473402352",
     "839775a41876e328986aa26168958bba1176e67819b357eea84afceab8b1db78",
     "e41f73db2f8d2896a687802b2be76b7cabb73dfbb4891494883a0cbd9bbb9e5f"
     "9d3e14d2d0b06c6674333508496db660936737c0efd9511514147dac79fa4905"),
    ("5b1e5cad02274ba461f4708d8598d3497faf8fe3e894a379573aa6ac3a03e505",
     "ba179d2e3c67aabb486c48d16002b51ad32eab434c738a1550962313b07098cd",
     "75eb8d197ec8627c85af88e66aa1e49065dd8ac98ed8991db52ece01635dfb76",
     "631015357cee3051116b4c2ff4d1c5beb13b6e5023635aa1eeb0563cadf0d4fb"
     "c10bd5e31b4a4220c67875558c41b5cc0328104ae39cc7ff20ff0c2bda598906"),
    ("624b47150f58dfa44284fbc63c9f99b9b79f808c4955a461f0e2be44eb0be50d",
     "097aa006d694b165ef37cf23562e5967c96e49255d2f20faae478dee83aa5b02",
     "0588589cd9b51dfc028cf225674069cbe52e0e70deb02dc45b79b26ee3548b00",
     "1de1d275428ba9491a433cd473cd076c027f61e7a8b5391df9dea5cb4bc88d8a"
     "57b095906a30b13e68259851a8dd3f57b6f0ffa37a5d3ffc171240f2d404f901"),
]


def _trezor_entropy(mnemonic: str) -> bytes:
    """The mnemonic's entropy and checksum bits, rounded down to whole bytes."""
    entropy = mnemonic_to_entropy(mnemonic)[1]
    if len(mnemonic.split()) == 24:
        return entropy + hashlib.sha256(entropy).digest()[:1]
    return entropy


@pytest.mark.parametrize(("mnemonic", "path", "chain_code", "kl", "kr", "public"),
                         HD_VECTORS, ids=[f"{m.split()[0]} {p}" for m, p, *_ in HD_VECTORS])
def test_hd_vectors(mnemonic: str, path: str, chain_code: str, kl: str, kr: str,
                    public: str) -> None:
    node = derive_path(icarus_master_node(_trezor_entropy(mnemonic)), path)
    assert node.private_key is not None
    assert node.chain_code.hex() == chain_code
    assert node.private_key.hex() == kl + kr
    assert node.public_key.hex() == public
    assert node.is_cardano and node.path == path


@pytest.mark.parametrize(("kl", "kr", "public", "signature"), SIGN_VECTORS)
def test_extended_key_signatures(kl: str, kr: str, public: str, signature: str) -> None:
    key = bytes.fromhex(kl + kr)
    assert cardano.public_key(key).hex() == public
    assert cardano.sign(key, b"Hello World").hex() == signature
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
        bytes.fromhex(signature), b"Hello World")


def test_soft_children_and_oversight() -> None:
    """CIP-1852 style: an account m/1852'/1815'/0' watched by an oversight wallet."""
    master = master_node(WalletCurve.ED25519, mnemonic_to_entropy(RING)[1],
                         variant="cardano")
    assert master == icarus_master_node(mnemonic_to_entropy(RING)[1])
    account = derive_path(master, "m/1852'/1815'/0'")
    watcher = watch_only_root(WalletCurve.ED25519, account.public_key, account.chain_code,
                              "m/1852'/1815'/0'", variant="cardano")
    for role, index in ((0, 0), (0, 1), (1, 0), (2, 7)):
        mine = derive_child(derive_child(account, role, False), index, False)
        seen = derive_child(derive_child(watcher, role, False), index, False)
        assert seen == neuter(mine)
        assert seen.path == f"m/1852'/1815'/0'/{role}/{index}"
        assert mine.private_key is not None
        Ed25519PublicKey.from_public_bytes(mine.public_key).verify(
            cardano.sign(mine.private_key, b"tx"), b"tx")
    with pytest.raises(InvalidArgument, match="watch-only"):
        derive_child(watcher, 0, True)


def test_passphrase_and_master_gen_key_change_the_master() -> None:
    entropy = mnemonic_to_entropy(RING)[1]
    plain = icarus_master_node(entropy)
    assert icarus_master_node(entropy, b"pass") != plain
    assert icarus_master_node(entropy, "pass") == icarus_master_node(entropy, b"pass")
    keyed = master_node(WalletCurve.ED25519, entropy, variant="cardano",
                        master_gen_key=b"3xampleM@sterK3Y")
    assert keyed.private_key != plain.private_key
    assert master_node(WalletCurve.ED25519, entropy, variant="cardano",
                       master_gen_key="") == plain


def test_cardano_records_are_checked() -> None:
    master = icarus_master_node(bytes(16))
    assert master.private_key is not None and len(master.private_key) == 64
    with pytest.raises(InvalidArgument):
        Node(WalletCurve.ED25519, master.private_key[:32], master.public_key,
             master.chain_code, 0, "m", variant="cardano")
    with pytest.raises(InvalidArgument, match="cardano"):
        Node(WalletCurve.SECP256K1, None, bytes(64), master.chain_code, 0, "m",
             variant="cardano")
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.ED25519, b"\xff" * 32, master.chain_code, "m/0",
                        variant="cardano")
    with pytest.raises(InvalidArgument):
        cardano.sign(bytes(32), b"x")
