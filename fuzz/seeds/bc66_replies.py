#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/bc66_replies/ (format: one
control byte, then the modem's answers separated by 0xFE, one released per
write of the driver; see fuzz/harness/bc66_replies.rs). Run from the
repository root: python3 fuzz/seeds/bc66_replies.py"""

OK = b'\r\nOK\r\n'
FILE_LEN = len(b"-----begin certificate-----\nzmlszq==\n")
PAYLOAD_HEX = b"payload-bytes;lower-case=1".hex().upper().encode()

INIT = [b'AT\r\r\nOK\r\n', OK, OK,
        b'\r\nQuectel_Ltd\r\nQuectel_BC66\r\nRevision: BC66NBR01A10\r\n\r\nOK\r\n',
        OK, OK, OK, OK]
ATTACH = [OK, OK, b'\r\n+CGATT: 1\r\n\r\nOK\r\n', b'\r\n+CGPADDR: 1,10.0.0.2\r\n\r\nOK\r\n']
TCP = [b'\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n',
       b'\r\n> ', b'\r\nSEND OK\r\n',
       b'\r\n+QIRD: 2,0,"4142"\r\n\r\nOK\r\n',
       b'\r\n> ', b'\r\nSEND OK\r\n',
       b'\r\nOK\r\n\r\nCLOSE OK\r\n']
CERT = [b'\r\n> ', b'', b'\r\n+QSSLCFG: 0,0,"cacert",%d\r\n\r\nOK\r\n' % FILE_LEN]
SSL = [OK, OK, OK, OK, b'\r\nOK\r\n\r\n+QSSLOPEN: 0,0,0\r\n',
       b'\r\n> ', b'\r\nOK\r\n\r\n+QSSLSEND: 0,0,0\r\n\r\n+QSSLURC: "recv",0,0,2,"6869"\r\n',
       b'\r\nOK\r\n\r\n+QSSLCLOSE: 0,0,0\r\n',
       b'\r\n+CCLK: "26/12/05,01:00:00+00"\r\n\r\nOK\r\n']
HAPPY = INIT + ATTACH + TCP + CERT + SSL


def variant(name, changes):
    answers = list(HAPPY)
    for i, a in changes:
        answers[i] = a
    return name, answers


first_send = len(INIT) + len(ATTACH) + 1
cert = len(INIT) + len(ATTACH) + len(TCP)
ssl_send = cert + len(CERT) + 5
SEEDS = [
    ("happy", HAPPY),
    variant("send_prompt_lost", [(first_send, OK)]),
    variant("send_error", [(first_send, b'\r\nERROR\r\n')]),
    variant("send_fail", [(first_send + 1, b'\r\nSEND FAIL\r\n')]),
    variant("read_bad_hex", [(first_send + 2, b'\r\n+QIRD: 2,0,"4G42"\r\n\r\nOK\r\n')]),
    variant("read_buff_full", [(first_send + 2, b'\r\n+QIRD: 2,2166,"4142"\r\n\r\nOK\r\n\r\n+QIURC: "recv",0,"buff full"\r\n')]),
    variant("cert_prompt_lost", [(cert, OK)]),
    variant("cert_stored_short", [(cert + 2, b'\r\n+QSSLCFG: 0,0,"cacert",0\r\n\r\nOK\r\n')]),
    variant("ssl_open_minus5", [(cert + len(CERT) + 4, b'\r\nOK\r\n\r\n+QSSLOPEN: 0,0,-5\r\n')]),
    variant("ssl_send_prompt_lost", [(ssl_send, OK)]),
    variant("ssl_push_bad_hex", [(ssl_send + 1, b'\r\nOK\r\n\r\n+QSSLSEND: 0,0,0\r\n\r\n+QSSLURC: "recv",0,0,2,"68"\r\n')]),
    variant("reboot_mid_session", [(first_send + 2, b'\r\nRDY\r\n')]),
]

for name, answers in SEEDS:
    for step in (1, 7):
        with open(f'fuzz/corpus/bc66_replies/{name}_{step:02}', 'wb') as f:
            f.write(bytes([step]) + b'\xfe'.join(answers))
print(f'{2 * len(SEEDS)} seeds written to fuzz/corpus/bc66_replies/')
