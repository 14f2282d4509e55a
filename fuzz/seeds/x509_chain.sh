#!/bin/sh
# Writes the certificates of fuzz/seeds/x509_chain/ (DER) with the openssl
# command line, at fixed validity dates (2026-01-01 .. 2046-01-01), then the
# corpus (python3 fuzz/seeds/x509_chain.py). The private keys are thrown
# away. Run from the repository root: sh fuzz/seeds/x509_chain.sh
#
#   root.der      "Fuzz Root" (P-256, self-signed): the harness's fixed anchor
#   int.der       "Fuzz Intermediate" (P-256), issued by root
#   leaf.der      device.example.com + 192.0.2.1 (P-256), issued by int
#   leaf_rsa.der  the same names, an RSA-2048 key, issued by int
#   root2.der     "Other Root" (RSA-2048, self-signed): trusted only when the
#                 harness takes the first certificate as the anchor
#   leaf2.der     device.example.com (P-256), issued by root2 (RSA PKCS#1 SHA-256)
set -eu
out=$(pwd)/fuzz/seeds/x509_chain
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = fuzz
[ fuzz ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
O = modemtls fuzz
[ root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ ca_ext ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:device.example.com,IP:192.0.2.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
: > index.txt
echo 1000 > serial
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null; }
csr() { openssl req -new -config ca.cnf -key "$1.key" -subj "/O=modemtls fuzz/CN=$2" -out "$1.csr"; }
sign() { # name issuer extensions
    if [ "$1" = "$2" ]; then
        openssl ca -batch -config ca.cnf -selfsign -keyfile "$1.key" -in "$1.csr" \
            -startdate 20260101000000Z -enddate 20460101000000Z -extensions "$3" \
            -notext -out "$1.pem" 2>/dev/null
    else
        openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" \
            -startdate 20260101000000Z -enddate 20460101000000Z -extensions "$3" \
            -notext -out "$1.pem" 2>/dev/null
    fi
    openssl x509 -in "$1.pem" -outform DER -out "$out/$1.der"
}
ec root; csr root "Fuzz Root"; sign root root root
ec int; csr int "Fuzz Intermediate"; sign int root ca_ext
ec leaf; csr leaf device.example.com; sign leaf int leaf
rsa leaf_rsa; csr leaf_rsa device.example.com; sign leaf_rsa int leaf
rsa root2; csr root2 "Other Root"; sign root2 root2 root
ec leaf2; csr leaf2 device.example.com; sign leaf2 root2 leaf
cd - > /dev/null
python3 fuzz/seeds/x509_chain.py
