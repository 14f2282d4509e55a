#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/capi_calls/ (the input format is
described in fuzz/harness/capi_calls.rs): call scripts with modem answers
that let init, attach and a connect get somewhere. Run from the repository
root: python3 fuzz/seeds/capi_calls.py"""
import struct


def b(x):
    return bytes([len(x)]) + x


OPEN = bytes([0, 0])  # open, every callback set
OPEN_RING = bytes([0, 2])  # open with uart_read NULL (the interrupt ring)
TIMEOUTS = bytes([2, 0]) + struct.pack('<4H', 200, 300, 400, 500) + bytes([0])
INIT = bytes([3, 0])
IDENT = bytes([4, 0, 49, 10])
ATTACH = bytes([5, 0]) + b(b'internet') + b(b'') + b(b'') + bytes([6])
CREDS = bytes([6, 0]) + b(b'-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n') + b(b'') + b(b'') + bytes([0])
REAL_CA = 0x80


def connect(mode, host=b'server.test', port=443, flags=REAL_CA):
    return bytes([7, 0]) + b(host) + b(b'') + bytes([flags]) + struct.pack('<H', port) + bytes([mode, 5])


WRITE = bytes([8, 0]) + b(b'GET / HTTP/1.0\r\n\r\n')
READ = bytes([9, 0, 200])
INFO = bytes([10, 0])
SCLOSE = bytes([11, 0])
SAVE = bytes([12, 0, 100])
RESTORE = bytes([13, 0]) + b(b'MTLC\x01\x00garbage')
DETAIL = bytes([14, 0]) + struct.pack('<H', 512)
ISR = bytes([15, 0]) + b(b'\r\nOK\r\n')
STATUS = bytes([16]) + struct.pack('<i', 76) + bytes([0])
MCLOSE = bytes([1, 0])
STALE = bytes([1, 0, 3, 0, 1, 7, 3, 6])  # close; init on the stale, forged and NULL handles

INIT_ANSWERS = [
    b'\r\nOK\r\n', b'\r\nOK\r\n', b'\r\nOK\r\n',
    b'\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n',
    b'\r\nBG96MAR02A07M1G_01.016.01.016\r\n\r\nOK\r\n',
    b'\r\n+QSSLCFG: "sni",0,0\r\n\r\nOK\r\n', b'\r\nOK\r\n', b'\r\nOK\r\n', b'\r\nOK\r\n', b'\r\nOK\r\n',
    b'\r\n+QIACT: 1,1,1,"10.0.0.2"\r\n\r\nOK\r\n',
]
CLOCK = [b'\r\n+CCLK: "26/12/05,01:00:00+00"\r\n\r\nOK\r\n']


def checksum(data):
    """The BG96's file checksum: XOR of 16-bit big-endian words."""
    if len(data) % 2:
        data += b'\0'
    x = 0
    for i in range(0, len(data), 2):
        x ^= data[i] << 8 | data[i + 1]
    return x


CA = open('tests/data/amazonca.pem', 'rb').read()
# AT+QFDEL, AT+QFUPL -> CONNECT, the file (one write) -> the upload's result.
UPLOAD = [b'\r\nOK\r\n', b'\r\nCONNECT\r\n', b'\r\n+QFUPL: %d,%x\r\n\r\nOK\r\n' % (len(CA), checksum(CA))]
OFFLOAD_ANSWERS = CLOCK + UPLOAD + [b'\r\nOK\r\n'] * 8 + [
    b'\r\nOK\r\n\r\n+QSSLOPEN: 0,0\r\n', b'\r\n> ', b'\r\nSEND OK\r\n',
    b'\r\n+QSSLRECV: 5\r\nhello\r\n\r\nOK\r\n', b'\r\nOK\r\n']
HOST_ANSWERS = CLOCK + [
    b'\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n', b'\r\n> ', b'\r\nSEND OK\r\n',
    b'\r\n+QIRD: 5\r\n\x16\x03\x03\x00\x00\r\n\r\nOK\r\n', b'\r\nOK\r\n']

SEEDS = {
    'lifecycle': (OPEN + TIMEOUTS + IDENT + DETAIL + SAVE + RESTORE + STATUS + MCLOSE + STALE, []),
    'init_attach_offload': (OPEN + TIMEOUTS + INIT + IDENT + ATTACH + CREDS + connect(1) + WRITE + READ + INFO +
                            SCLOSE + DETAIL + SAVE + MCLOSE, INIT_ANSWERS + OFFLOAD_ANSWERS),
    'init_attach_host': (OPEN + TIMEOUTS + INIT + ATTACH + connect(2) + READ + SCLOSE + DETAIL + MCLOSE,
                         INIT_ANSWERS + HOST_ANSWERS),
    'auto_hints': (OPEN + TIMEOUTS + INIT + ATTACH + connect(0, flags=REAL_CA | 0b1110) + INFO + SCLOSE + DETAIL +
                   MCLOSE, INIT_ANSWERS + OFFLOAD_ANSWERS),
    'ring_isr': (OPEN_RING + TIMEOUTS + ISR + INIT + ISR + IDENT + MCLOSE + ISR, INIT_ANSWERS),
    'bad_configs': (OPEN + TIMEOUTS + INIT + connect(9, host=b'') + connect(1, host=b'a' * 250, port=0) +
                    connect(1, host=b'10.0.0.1', flags=1) + MCLOSE, INIT_ANSWERS),
    'open_variants': (bytes([0, 1, 0, 4, 0, 32, 0, 64, 0, 8]) + INIT + MCLOSE + MCLOSE, INIT_ANSWERS),
    'session_then_modem_close': (OPEN + TIMEOUTS + INIT + ATTACH + connect(1) + MCLOSE + WRITE + SCLOSE + MCLOSE +
                                 SCLOSE, INIT_ANSWERS + OFFLOAD_ANSWERS),
}

for name, (script, answers) in SEEDS.items():
    data = struct.pack('<H', len(script)) + script + b'\xfe'.join(answers)
    with open(f'fuzz/corpus/capi_calls/{name}', 'wb') as f:
        f.write(data)
print(f'{len(SEEDS)} seeds written to fuzz/corpus/capi_calls/')
