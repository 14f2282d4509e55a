#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/sierra_hl_replies/ (format: one
control byte, then the modem's answers separated by 0xFE, one released per
write of the driver; see fuzz/harness/sierra_hl_replies.rs). Run from the
repository root: python3 fuzz/seeds/sierra_hl_replies.py"""

import os

OK = b'\r\nOK\r\n'
EOF_PATTERN = b'--EOF--Pattern--'
PAYLOAD_LEN = len(b"payload-bytes;lower-case=1")
FILE_LEN = len(b"\x30\x82\x00\x20der-bytes-of-a-certificate")


def rcv(data):
    return b'\r\nCONNECT\r\n' + data + EOF_PATTERN + OK


def init(model, revision):
    return [b'AT\r\r\nOK\r\n', OK, OK,
            b'\r\n' + model + b'\r\n' + OK,
            b'\r\n' + revision + b'\r\n' + OK,
            OK]


# A send: the command (CONNECT), the data, the pattern (the result).
def send(result=OK):
    return [b'\r\nCONNECT\r\n', b'', result]


def session(hl78):
    attach = [OK, b'\r\n+CGATT: 1\r\n' + OK] + ([OK] if hl78 else []) + \
        [b'\r\n+CGPADDR: 1,"10.0.0.2"\r\n' + OK]
    tcp = [b'\r\n+KTCPCFG: 1\r\n' + OK,
           OK + b'\r\n+KTCP_IND: 1,1\r\n'] + \
        send(OK + b'\r\n+KTCP_DATA: 1,2\r\n') + \
        [rcv(b'\r\n')] + send() + [OK, OK]
    cert = [b'\r\nCONNECT\r\n', b'', OK]
    tls = [OK, b'\r\n+KTCPCFG: 2\r\n' + OK,
           OK + b'\r\n+KTCP_IND: 2,1\r\n'] + \
        send(OK + b'\r\n+KTCP_DATA: 2,16\r\n') + \
        [rcv(EOF_PATTERN), OK, OK,
         b'\r\n+CCLK: "26/12/05,01:00:00+00"\r\n' + OK]
    return attach, tcp, cert, tls


def happy(hl78):
    ident = init(b'HL7800', b'HL7800.4.6.9.4') if hl78 else init(b'HL8548', b'RHL85xx.5.5.14.0')
    attach, tcp, cert, tls = session(hl78)
    return ident, attach, tcp, cert, tls


SEEDS = []
for hl78 in (True, False):
    ident, attach, tcp, cert, tls = happy(hl78)
    name = 'hl78' if hl78 else 'hl8548'
    answers = ident + attach + tcp + cert + tls
    tcp0 = len(ident) + len(attach)
    cert0 = tcp0 + len(tcp)
    tls0 = cert0 + len(cert)

    def variant(what, changes, answers=answers):
        a = list(answers)
        for i, x in changes:
            a[i] = x
        SEEDS.append((f'{name}_{what}', a))

    variant('happy', [])
    variant('connect_notif_5', [(tcp0 + 1, OK + b'\r\n+KTCP_NOTIF: 1,5\r\n')])
    variant('no_free_session', [(tcp0, b'\r\n+CME ERROR: 3\r\n')])
    variant('send_connect_lost', [(tcp0 + 2, OK)])
    variant('send_refused', [(tcp0 + 2, b'\r\n+CME ERROR: 3\r\n\r\n+KTCP_NOTIF: 1,4\r\n')])
    variant('send_buffer_full', [(tcp0 + 4, b'\r\nERROR\r\n')])
    variant('read_short', [(tcp0 + 5, rcv(b'\r'))])
    variant('read_look_alike', [(tcp0 + 5, rcv(EOF_PATTERN[:2]))])
    variant('read_no_pattern', [(tcp0 + 5, b'\r\nCONNECT\r\n\r\n' + OK)])
    variant('reboot_mid_read', [(tcp0 + 5, b'\r\n+KSUP: 0\r\n')])
    variant('cert_930', [(cert0 + 2, b'\r\n+CME ERROR: 930\r\n')])
    variant('cert_931', [(cert0 + 2, b'\r\n+CME ERROR: 931\r\n')])
    variant('cert_connect_lost', [(cert0, OK)])
    variant('tls_notif_13', [(tls0 + 2, OK + b'\r\n+KTCP_NOTIF: 2,13\r\n')])
    variant('tls_notif_14', [(tls0 + 2, OK + b'\r\n+KTCP_NOTIF: 2,14\r\n')])
    variant('tls_peer_closed', [(tls0 + 5, OK + b'\r\n+KTCP_NOTIF: 2,4\r\n')])

    # The credential calls at the end: the two listings, then the
    # deletion of root_cert,0 (its store's listing, then the delete).
    def store(*lines):
        return b'\r\nCONNECT\r\n' + b''.join(l + b'\r\n' for l in lines) + OK

    full = answers
    for what, creds in [
        ('creds_listed', [store(b'root_cert,0,5', b'local_cert,0,7'), store(b'private_key,0,9'),
                          store(b'root_cert,0,5'), OK]),
        ('creds_empty', [store(), store(), store()]),
        ('creds_long_name', [store(b'root_cert' + b'x' * 100 + b',0,5'), store(), store(), OK]),
        ('creds_garbage', [store(b'\x80\xff,,,', b'root_cert,9,99999999999'),
                           b'\r\nCONNECT\r\nroot_cert,0,5\r\n\r\nERROR\r\n',
                           store(b'root_cert,0,5'), b'\r\n+CME ERROR: 3\r\n']),
    ]:
        SEEDS.append((f'{name}_{what}', full + creds))

os.makedirs('fuzz/corpus/sierra_hl_replies', exist_ok=True)
for name, answers in SEEDS:
    for step in (1, 7):
        with open(f'fuzz/corpus/sierra_hl_replies/{name}_{step:02}', 'wb') as f:
            f.write(bytes([step]) + b'\xfe'.join(answers))
print(f'{2 * len(SEEDS)} seeds written to fuzz/corpus/sierra_hl_replies/')
