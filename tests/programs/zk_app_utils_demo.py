# ruff: noqa - kept as client programs for the hardware are written
# A client in the style of Zymbit's installed example (zk_app_utils_test.py): it uses
# the shared zymkey.client exactly as programs written for the hardware do.
from __future__ import print_function

from textwrap import fill

import zymkey
from zymkey.exceptions import VerificationError

print('Testing data lock...')
src = bytearray(b'\x01\x02\x03\x04')
dst = zymkey.client.lock(src)
print('Original Data')
print(fill(' '.join('{:02X}'.format(c) for c in src), 49))
print('Encrypted Data')
print(fill(' '.join('{:02X}'.format(c) for c in dst), 49))

print('Testing data unlock...')
new_dst = zymkey.client.unlock(dst)
print('Decrypted Data')
print(fill(' '.join('{:02X}'.format(c) for c in new_dst), 49))

secret_message = 'Hello, Bob.  --Alice'

print('Signing data...', end='')
signature = zymkey.client.sign(secret_message)
print('OK')

print('Verifying data...', end='')
zymkey.client.verify(secret_message, signature)
print('OK')

print('Verifying tainted data...', end='')
try:
    zymkey.client.verify(secret_message.replace('Alice', 'Eve'), signature)
except VerificationError:
    print('FAIL, yay!')
else:
    raise Exception('verification should have failed, but passed')

# Flash the LED to show that the work is underway
zymkey.client.led_flash(500, 100)

bs = 512
num_blocks = 64
print('Generating random block ({!r} bytes)...'.format(bs * num_blocks))
random_bytes = []
for x in range(num_blocks):
    random_bytes += zymkey.client.get_random(bs)

print('Encrypting random block...')
encrypted = zymkey.client.lock(random_bytes)

print('Decrypting encrypted block...')
decrypted = zymkey.client.unlock(encrypted)

if list(decrypted) == list(random_bytes):
    print('PASS: Decrypted data matches original random data')
else:
    print('Decrypted data does not match original random data')

print('Turning LED on...')
zymkey.client.led_on()

print('Testing get_random() with 512 bytes...')
random_block = zymkey.client.get_random(512)
print(len(random_block))

print('Turning LED off...')
zymkey.client.led_off()

print('Testing create_random_file() with 1MB...')
zymkey.client.create_random_file('r.bin', 1024 * 1024)

print('Testing get_ecdsa_public_key()...')
pk = zymkey.client.get_ecdsa_public_key()
print(fill(' '.join('{:02X}'.format(c) for c in pk), 49))

print('Testing create_ecdsa_public_key_file()...')
zymkey.client.create_ecdsa_public_key_file('pk.pem')

print('Done!')
