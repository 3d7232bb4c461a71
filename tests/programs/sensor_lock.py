# ruff: noqa - kept as client programs for the hardware are written
# A client in the style of Zymbit's sensor-data tutorial (locking): each reading is
# locked by the module and written to disk as one base64 line.
import argparse
import base64
import logging

import zymkey

parser = argparse.ArgumentParser()
parser.add_argument('--loglevel', '-l', default='info')
parser.add_argument('--file_out', '-fo', type=str, default='encrypted.bin')
parser.add_argument('--count', type=int, default=5)
args = parser.parse_args()

logging.basicConfig(format="%(levelname)s:%(name)s:%(lineno)s:%(message)s",
                    level=getattr(logging, args.loglevel.upper()))

encrypted_file = open(args.file_out, mode='wb')

for i in range(args.count):
    temp_c = 19.5 + i / 10.0
    payload = "action=data, key=temperature, tags.unit=c, " \
              "tags.sensor_id=ds18b20:28000006151b77,value= {}".format(temp_c)
    logging.debug('Unencrypted Payload: {}'.format(payload))

    locked_data = zymkey.client.lock(bytearray(payload, 'utf-8'))
    encrypted_file.write(base64.b64encode(locked_data) + b'\n')

encrypted_file.close()
print('locked {} readings'.format(args.count))
