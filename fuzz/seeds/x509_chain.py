#!/usr/bin/env python3
"""Writes fuzz/corpus/x509_chain/ from the certificates in
fuzz/seeds/x509_chain/ (written by fuzz/seeds/x509_chain.sh). Format: up to
four certificates, each a 2-byte big-endian length then the DER (see
fuzz/harness/x509_chain.rs). Seeds named valid_* verify against the fixed
root, anchor_* verify with their first certificate as the anchor; the rest
are damaged chains and certificates. Run from the repository root:
python3 fuzz/seeds/x509_chain.py"""

import os
import random

SEEDS = 'fuzz/seeds/x509_chain'
OUT = 'fuzz/corpus/x509_chain'


def der(name):
    with open(os.path.join(SEEDS, name + '.der'), 'rb') as f:
        return f.read()


ROOT, INT, LEAF = der('root'), der('int'), der('leaf')
LEAF_RSA, ROOT2, LEAF2 = der('leaf_rsa'), der('root2'), der('leaf2')


def chain(*certs):
    return b''.join(len(c).to_bytes(2, 'big') + c for c in certs)


def flip(cert, at, bit=0x01):
    b = bytearray(cert)
    b[at % len(b)] ^= bit
    return bytes(b)


seeds = {
    'valid_leaf_int': chain(LEAF, INT),
    'valid_leaf_int_root': chain(LEAF, INT, ROOT),
    'valid_rsa_leaf': chain(LEAF_RSA, INT),
    'valid_extra_cert': chain(LEAF, ROOT2, INT),
    'valid_int_twice': chain(LEAF, INT, INT),
    'anchor_root2_leaf2': chain(ROOT2, LEAF2),
    'anchor_root_leaf_int': chain(ROOT, LEAF, INT),
    'anchor_int_leaf': chain(INT, LEAF),
    'reject_missing_int': chain(LEAF),
    'reject_other_root': chain(LEAF2),
    'reject_int_as_leaf': chain(INT),
    'reject_root_as_leaf': chain(ROOT),
    'reject_empty': b'',
    'reject_one_byte': b'\x01',
    'reject_zero_length_cert': chain(b'', INT),
    'reject_length_past_end': (len(LEAF) + 500).to_bytes(2, 'big') + LEAF,
    'valid_fifth_cert_ignored': chain(LEAF, INT, INT, INT, b'junk'),
    'reject_leaf_truncated': chain(LEAF[:len(LEAF) // 2], INT),
    'reject_int_truncated': chain(LEAF, INT[:-1]),
    'reject_leaf_trailing_byte': chain(LEAF + b'\x00', INT),
    'reject_leaf_long_length': chain(b'\x30\x84\xff\xff\xff\xff' + LEAF[4:], INT),
}
rng = random.Random(20261205)
for i in range(12):
    at = rng.randrange(len(LEAF))
    seeds['reject_leaf_flip_%03d' % at] = chain(flip(LEAF, at, 1 << rng.randrange(8)), INT)
for i in range(5):
    at = rng.randrange(len(INT))
    seeds['reject_int_flip_%03d' % at] = chain(LEAF, flip(INT, at, 1 << rng.randrange(8)))

os.makedirs(OUT, exist_ok=True)
for name in os.listdir(OUT):
    os.remove(os.path.join(OUT, name))
for name, data in sorted(seeds.items()):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)
print('%d seeds in %s' % (len(seeds), OUT))
