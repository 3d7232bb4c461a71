# ruff: noqa - kept as client programs for the hardware are written
# A client in the style of Zymbit's sensor-data tutorial (unlocking), run in another
# process than the one that locked the data.
import argparse
import base64
import logging

import zymkey

parser = argparse.ArgumentParser()
parser.add_argument('--loglevel', '-l', default='info')
parser.add_argument('--file_in', '-fi', type=str, default='encrypted.bin')
parser.add_argument('--file_out', '-fo', type=str, default='decrypted.txt')
args = parser.parse_args()

logging.basicConfig(format="%(levelname)s:%(name)s:%(lineno)s:%(message)s",
                    level=getattr(logging, args.loglevel.upper()))

with open(args.file_in) as f:
    content = f.readlines()

decrypted_file = open(args.file_out, mode='w+')

for i in content:
    payload = zymkey.client.unlock(bytearray(base64.b64decode(i)))
    logging.debug("Writing decrypted sensor data {} to {}".format(payload, args.file_out))
    decrypted_file.write(payload.decode('utf-8') + '\n')

decrypted_file.close()
print('unlocked {} readings'.format(len(content)))
