# ruff: noqa - kept as client programs for the hardware are written
# A client in the style of Zymbit's wallet SDK (ZymbitEthKeyring.sign_transaction): a
# hash object goes to sign_digest with return_recid=True, and the recovery id is read
# with .value. The SDK hashes with pycryptodome's Keccak-256; hashlib's SHA3-256 object
# stands in for it here (the same interface: update() and digest()). The key is a plain
# secp256k1 key pair, since this program does not need a wallet.
import hashlib

import coincurve
import zymkey

N = 115792089237316195423570985008687907852837564279074904382605163141518161494337
CHAIN_ID = 11155111


def gen_valid_eth_sig(signature, y_parity, chain_id):
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[-32:], "big")
    y_parity = bool(y_parity.value)
    if (s * 2) >= N:
        y_parity = not y_parity
        s = N - s
    v = chain_id * 2 + 35 + int(y_parity)
    return y_parity, v, r, s


slot = zymkey.client.gen_key_pair("secp256k1")
public_key = zymkey.client.get_public_key(slot)
address = "0x" + hashlib.sha3_256(bytes(public_key)).digest()[-20:].hex()
print("slot %i public key 0x%s" % (slot, bytes(public_key).hex()))

for nonce in range(4):
    encoded_transaction = b"\x02" + bytes([nonce]) + b"transfer 1 ETH to " + address.encode()
    keccak_digest = hashlib.sha3_256()
    keccak_digest.update(encoded_transaction)
    (signature, raw_y_parity) = zymkey.client.sign_digest(keccak_digest, slot,
                                                          return_recid=True)
    (y_parity, v, r, s) = gen_valid_eth_sig(signature, raw_y_parity, CHAIN_ID)

    recoverable = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([int(y_parity)])
    digest = hashlib.sha3_256(encoded_transaction).digest()
    recovered = coincurve.PublicKey.from_signature_and_message(recoverable, digest,
                                                               hasher=None)
    recovered_address = "0x" + hashlib.sha3_256(
        recovered.format(compressed=False)[1:]).digest()[-20:].hex()
    if recovered_address == address:
        print("nonce %i: v=%i recovered address matches" % (nonce, v))
    else:
        print("nonce %i: recovered address does NOT match" % nonce)

zymkey.client.remove_key(slot)
print("done")
