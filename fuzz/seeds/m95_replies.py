#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/m95_replies/ (format: one
control byte, then the modem's answers separated by 0xFE, one released per
write of the driver; see fuzz/harness/m95_replies.rs). Run from the
repository root: python3 fuzz/seeds/m95_replies.py"""

OK = b'\r\nOK\r\n'
FILE = b"-----begin certificate-----\nzmlszq==\n"
BANNER = b'\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n'


def xor16(data):
    acc = 0
    for i, b in enumerate(data):
        acc ^= b << 8 if i % 2 == 0 else b
    return b'%x' % acc


CK = xor16(FILE)
INIT = [BANNER + b'AT\r\r\nOK\r\n', b'ATE0\r\r\nOK\r\n', OK,
        b'\r\nQuectel_Ltd\r\nQuectel_M95\r\nRevision: M95FAR02A08\r\n\r\nOK\r\n',
        b'\r\nDEACT OK\r\n', OK, OK, OK, OK, OK, OK]
ATTACH = [OK, OK, OK, b'\r\n10.1.83.188\r\n']
TCP = [b'\r\nOK\r\n\r\n0, CONNECT OK\r\n',
       b'\r\n> ', b'\r\nSEND OK\r\n',
       b'\r\n+QIRD: 1.2.3.4:443,TCP,6\r\n\r\nOK\r\n\r\nOK\r\n',
       b'\r\n> ', b'\r\nSEND OK\r\n',
       b'\r\n0, CLOSE OK\r\n']
CERT = [b'\r\n+CME ERROR: 405\r\n', b'\r\nCONNECT\r\n',
        b'\r\n+QSECWRITE: %d,%s\r\n\r\nOK\r\n' % (len(FILE), CK),
        b'\r\n+QSECREAD: 1,%s\r\n\r\nOK\r\n' % CK]
SSL = [OK, OK, OK, OK, OK, b'\r\nOK\r\n\r\n+QSSLOPEN: 0,0\r\n',
       b'\r\n> ', b'\r\nSEND OK\r\n\r\n+QSSLURC: "recv",0,0\r\n',
       b'\r\n+QSSLRECV: 1.2.3.4:443,TCP,2\r\nhi\r\nOK\r\n',
       OK,
       b'\r\n+CCLK: "26/12/05,01:00:00+00"\r\n\r\nOK\r\n']
HAPPY = INIT + ATTACH + TCP + CERT + SSL


def variant(name, changes):
    answers = list(HAPPY)
    for i, a in changes:
        answers[i] = a
    return name, answers


tcp = len(INIT) + len(ATTACH)
first_send = tcp + 1
cert = tcp + len(TCP)
ssl = cert + len(CERT)
ssl_send = ssl + 6
SEEDS = [
    ("happy", HAPPY),
    # The index still open in the modem: closed there, opened again.
    ("already_connect", HAPPY[:tcp] + [b'\r\nALREADY CONNECT\r\n', b'\r\n0, CLOSE OK\r\n'] + HAPPY[tcp:]),
    variant("connect_fail", [(tcp, b'\r\nOK\r\n\r\n0, CONNECT FAIL\r\n')]),
    variant("send_prompt_lost", [(first_send, OK)]),
    variant("send_error", [(first_send, b'\r\nERROR\r\n')]),
    variant("send_fail", [(first_send + 1, b'\r\nSEND FAIL\r\n')]),
    variant("read_longer_than_asked", [(first_send + 2, b'\r\n+QIRD: 1.2.3.4:443,TCP,99\r\nab\r\nOK\r\n')]),
    variant("read_empty_then_closed", [(first_send + 2, b'\r\nOK\r\n\r\n0, CLOSED\r\n')]),
    variant("secwrite_wrong_checksum", [(cert + 2, b'\r\n+QSECWRITE: %d,ffff\r\n\r\nOK\r\n' % len(FILE))]),
    variant("secread_short", [(cert + 3, b'\r\n+QSECREAD: 0,%s\r\n\r\nOK\r\n' % CK)]),
    variant("secwrite_connect_lost", [(cert + 1, OK)]),
    variant("ssl_open_minus5", [(ssl + 5, b'\r\nOK\r\n\r\n+QSSLOPEN: 0,-5\r\n')]),
    variant("ssl_send_prompt_lost", [(ssl_send, OK)]),
    variant("reboot_mid_session", [(first_send + 2, BANNER)]),
    variant("pdp_deact", [(first_send + 2, b'\r\nOK\r\n\r\n+PDP DEACT\r\n')]),
]

# The credential calls at the end: AT+QFLST="RAM:*", then AT+QSECDEL.
def qflst(*lines):
    return b'\r\n' + b''.join(l + b'\r\n' for l in lines) + OK


SEEDS += [
    ("creds_listed", HAPPY + [qflst(b'+QFLST: "RAM:0a1b2c3d.pem",38', b'+QFLST: "RAM:c.key",241'), OK]),
    ("creds_empty", HAPPY + [b'\r\n+CME ERROR: 405\r\n', b'\r\n+CME ERROR: 405\r\n']),
    ("creds_long_name", HAPPY + [qflst(b'+QFLST: "RAM:' + b'x' * 100 + b'",5'), OK]),
    ("creds_garbage", HAPPY + [qflst(b'+QFLST: "UFS:a.pem",5', b'\x80\xff"",,', b'+QFLST: "RAM:a",-1'),
                               b'\r\nERROR\r\n']),
]

for name, answers in SEEDS:
    for step in (1, 7):
        with open(f'fuzz/corpus/m95_replies/{name}_{step:02}', 'wb') as f:
            f.write(bytes([step]) + b'\xfe'.join(answers))
print(f'{2 * len(SEEDS)} seeds written to fuzz/corpus/m95_replies/')
