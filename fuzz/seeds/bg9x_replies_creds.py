#!/usr/bin/env python3
"""Writes the credential seeds of fuzz/corpus/bg9x_replies/ (creds_*): the
answers of the committed `happy_01` seed up to the clock (`+CCLK:`), then
answers for the harness's last calls, `AT+QFLST` (the list) and
`AT+QFDEL="ca.pem"` (the delete). Format: one control byte, then the
modem's answers separated by 0xFE, one released per write of the driver;
see fuzz/harness/bg9x_replies.rs. Run from the repository root:
python3 fuzz/seeds/bg9x_replies_creds.py"""

OK = b'\r\nOK\r\n'
DIR = 'fuzz/corpus/bg9x_replies'

with open(f'{DIR}/happy_01', 'rb') as f:
    answers = f.read()[1:].split(b'\xfe')
clock = next(i for i, a in enumerate(answers) if a.startswith(b'\r\n+CCLK:'))
session = answers[:clock + 1]


def qflst(*lines):
    return b'\r\n' + b''.join(l + b'\r\n' for l in lines) + OK


SEEDS = [
    ('creds_listed', [qflst(b'+QFLST: "ca.pem",38', b'+QFLST: "c.key",241', b'+QFLST: "x y.txt",0'), OK]),
    ('creds_empty', [OK, b'\r\n+CME ERROR: 405\r\n']),
    ('creds_long_name', [qflst(b'+QFLST: "' + b'x' * 100 + b'.pem",5'), OK]),
    ('creds_garbage', [qflst(b'+QFLST: "a.pem",5', b'\x80\xff"",,', b'+QFLST: "b.pem",99999999999'),
                       b'\r\n+CME ERROR: 426\r\n']),
]

for name, creds in SEEDS:
    for step in (1, 7, 80):
        with open(f'{DIR}/{name}_{step:02}', 'wb') as f:
            f.write(bytes([step]) + b'\xfe'.join(session + creds))
print(f'{3 * len(SEEDS)} seeds written to {DIR}/')
