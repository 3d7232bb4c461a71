# ruff: noqa - kept as client programs for the hardware are written
# A client in the style of Zymbit's verify-sigs tutorial: sign on the module, then check
# the signature elsewhere with the exported public key (raw X||Y and a PEM file).
import hashlib

import zymkey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

data = 'hello world'

signature = zymkey.client.sign(data)
print('Signature: ' + bytes(signature).hex())

pk = zymkey.client.get_public_key(0)
print('Public key: ' + bytes(pk).hex())

# The raw key is X||Y with no prefix, the signature r||s.
public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b'\x04' + bytes(pk))
r = int.from_bytes(signature[:32], 'big')
s = int.from_bytes(signature[32:], 'big')
der = encode_dss_signature(r, s)
public_key.verify(der, bytearray(data, 'utf-8'), ec.ECDSA(hashes.SHA256()))
print('Signature verified with the raw public key')

# Files for a check with openssl.
zymkey.client.create_public_key_file('pubkey.pem')
with open('data.txt', 'wb') as f:
    f.write(data.encode('utf-8'))
with open('signature.der', 'wb') as f:
    f.write(der)

print('Digest: ' + hashlib.sha256(data.encode('utf-8')).hexdigest())
try:
    zymkey.client.verify(data, signature)
    print('zymkey verify: OK')
except Exception as e:
    print('zymkey verify failed: %s' % e)
