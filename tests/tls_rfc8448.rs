//! Known-answer tests of the TLS 1.3 engine's key schedule, Finished values
//! and record protection against RFC 8448 ("Example Handshake Traces for
//! TLS 1.3", January 2019).
//!
//! - §3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256, x25519): from the
//!   trace's handshake messages and its ECDHE shared secret, every secret of
//!   the key schedule, the transcript hashes, both Finished verify_data, the
//!   traffic keys and IVs, and all seven protected records of the trace
//!   (each opened and compared with the RFC's plaintext, and sealed again
//!   and compared byte for byte with the RFC's wire bytes).
//! - §4 (Resumed 0-RTT Handshake), the parts that do not need early data:
//!   the PSK from §3's resumption master secret and the ticket nonce of §3's
//!   NewSessionTicket, the early secret from that PSK, the binder key, and
//!   the PSK binder over the truncated ClientHello, compared with the binder
//!   the RFC's ClientHello carries.
//!
//! Only the RFC's hex data is used; each constant names the section and the
//! trace entry it comes from. Every expected value is one the RFC prints:
//! nothing here is produced by this code and pasted back.
// Until `host-tls` is declared in Cargo.toml this file compiles to nothing.
#![allow(unexpected_cfgs)]
#![cfg(feature = "host-tls")]

use modemtls::tls::kat::{HashAlg, RecordKey, Secret, Transcript};
use modemtls::tls::CipherSuite;

const SUITE: CipherSuite = CipherSuite::Aes128GcmSha256;
const SHA256: HashAlg = HashAlg::Sha256;

// ---------------------------------------------------------------------------
// RFC 8448 §3, Simple 1-RTT Handshake: inputs
// ---------------------------------------------------------------------------

/// §3, {client} construct a ClientHello handshake message: ClientHello (196 octets).
const CLIENT_HELLO: &str = "
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63
    ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
    02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b
    00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00
    12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23
    00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2
    3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a
    af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03
    02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06
    02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";

/// §3, {server} construct a ServerHello handshake message: ServerHello (90 octets).
const SERVER_HELLO: &str = "
    02 00 00 56 03 03 a6 af 06 a4 12 18 60
    dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
    d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88
    76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1
    dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";

/// §3, {server} extract secret "handshake": IKM (32 octets), the x25519
/// shared secret of the two ephemeral keys.
const ECDHE_SHARED: &str = "
    8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d
    35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d";

/// §3, {server} construct an EncryptedExtensions handshake message:
/// EncryptedExtensions (40 octets).
const ENCRYPTED_EXTENSIONS: &str = "
    08 00 00 24 00 22 00 0a 00 14 00
    12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c
    00 02 40 01 00 00 00 00";

/// §3, {server} construct a Certificate handshake message: Certificate (445 octets).
const CERTIFICATE: &str = "
    0b 00 01 b9 00 00 01 b5 00 01 b0 30 82
    01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09 2a 86 48
    86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03
    72 73 61 30 1e 17 0d 31 36 30 37 33 30 30 31 32 33 35 39 5a 17
    0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31 0c 30 0a 06
    03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7
    0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 bb 49 8f
    82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26
    d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c
    1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52
    4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74
    80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93
    ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03
    01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04 02 30 00 30 0b 06
    03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d 01
    01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a
    72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 36 54 17 f2 ea
    e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01
    51 56 72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be
    c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b
    1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8
    96 12 29 ac 91 87 b4 2b 4d e1 00 00";

/// §3, {server} construct a CertificateVerify handshake message:
/// CertificateVerify (136 octets).
const CERTIFICATE_VERIFY: &str = "
    0f 00 00 84 08 04 00 80 5a 74 7c
    5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a
    b3 ff 52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07
    86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b
    be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44
    5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a
    3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3";

/// §3, {server} construct a Finished handshake message: Finished (36 octets).
const SERVER_FINISHED: &str = "
    14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb
    dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07
    18";

/// §3, {client} construct a Finished handshake message: Finished (36 octets).
const CLIENT_FINISHED: &str = "
    14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a
    c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce
    61";

/// §3, {server} construct a NewSessionTicket handshake message:
/// NewSessionTicket (205 octets).
const NEW_SESSION_TICKET: &str = "
    04 00 00 c9 00 00 00 1e fa d6 aa
    c5 02 00 00 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00
    00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c
    49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9 82 11
    72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28
    27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25
    a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c
    5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6
    17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50
    5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00
    04 00 00 04 00";

/// §3, {client}/{server} send application_data record: payload (50 octets),
/// 00 01 02 .. 31 in both directions.
fn application_payload() -> Vec<u8> {
    (0u8..50).collect()
}

/// §3, {client}/{server} send alert record: payload (2 octets), close_notify.
const CLOSE_NOTIFY: &str = "01 00";

// ---------------------------------------------------------------------------
// RFC 8448 §3: expected key schedule values
// ---------------------------------------------------------------------------

/// §3, {server} extract secret "early": secret (32 octets).
const EARLY_SECRET: &str = "
    33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c
    e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a";
/// §3, {server} derive secret for handshake "tls13 derived": expanded (32 octets).
const DERIVED_FOR_HANDSHAKE: &str = "
    6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba
    b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba";
/// §3, {server} derive secret for handshake "tls13 derived": hash (32 octets),
/// the hash of the empty string.
const EMPTY_HASH: &str = "
    e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24
    27 ae 41 e4 64 9b 93 4c a4 95 99 1b 78 52 b8 55";
/// §3, {server} extract secret "handshake": secret (32 octets).
const HANDSHAKE_SECRET: &str = "
    1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b
    01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac";
/// §3, {server} derive secret "tls13 c hs traffic": hash (32 octets), the
/// transcript hash of ClientHello..ServerHello.
const HASH_CH_SH: &str = "
    86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed
    d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8";
/// §3, {server} derive secret "tls13 c hs traffic": expanded (32 octets).
const CLIENT_HS_TRAFFIC: &str = "
    b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e
    2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21";
/// §3, {server} derive secret "tls13 s hs traffic": expanded (32 octets).
const SERVER_HS_TRAFFIC: &str = "
    b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d
    37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
/// §3, {server} derive secret for master "tls13 derived": expanded (32 octets).
const DERIVED_FOR_MASTER: &str = "
    43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25
    90 b5 31 90 a6 5b 3e e2 e4 f1 2d d7 a0 bb 7c e2 54 b4";
/// §3, {server} extract secret "master": secret (32 octets).
const MASTER_SECRET: &str = "
    18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a
    47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19";
/// §3, {server} derive write traffic keys for handshake data: key expanded (16 octets).
const SERVER_HS_KEY: &str = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
/// §3, {server} derive write traffic keys for handshake data: iv expanded (12 octets).
const SERVER_HS_IV: &str = "5d 31 3e b2 67 12 76 ee 13 00 0b 30";
/// §3, {server} calculate finished "tls13 finished": expanded (32 octets).
const SERVER_FINISHED_KEY: &str = "
    00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85
    c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8";
/// §3, {server} calculate finished "tls13 finished": finished (32 octets).
const SERVER_VERIFY_DATA: &str = "
    9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4
    de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18";
/// §3, {server} derive secret "tls13 c ap traffic": hash (32 octets), the
/// transcript hash of ClientHello..server Finished.
const HASH_CH_SF: &str = "
    96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a
    00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13";
/// §3, {server} derive secret "tls13 c ap traffic": expanded (32 octets).
const CLIENT_AP_TRAFFIC: &str = "
    9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce
    65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5";
/// §3, {server} derive secret "tls13 s ap traffic": expanded (32 octets).
const SERVER_AP_TRAFFIC: &str = "
    a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9
    50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
/// §3, {server} derive secret "tls13 exp master": expanded (32 octets).
const EXPORTER_MASTER: &str = "
    fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67
    92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50";
/// §3, {server} derive write traffic keys for application data: key expanded (16 octets).
const SERVER_AP_KEY: &str = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
/// §3, {server} derive write traffic keys for application data: iv expanded (12 octets).
const SERVER_AP_IV: &str = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
/// §3, {server} derive read traffic keys for handshake data: key expanded (16 octets).
const CLIENT_HS_KEY: &str = "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01";
/// §3, {server} derive read traffic keys for handshake data: iv expanded (12 octets).
const CLIENT_HS_IV: &str = "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f";
/// §3, {client} calculate finished "tls13 finished": expanded (32 octets).
const CLIENT_FINISHED_KEY: &str = "
    b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d
    6b f8 3f 84 82 1d 1f 87 fd c7 d3 c7 5b 5a 7b 42 d9 c4";
/// §3, {client} calculate finished "tls13 finished": finished (32 octets).
const CLIENT_VERIFY_DATA: &str = "
    a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1
    1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61";
/// §3, {client} derive write traffic keys for application data: key expanded (16 octets).
const CLIENT_AP_KEY: &str = "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
/// §3, {client} derive write traffic keys for application data: iv expanded (12 octets).
const CLIENT_AP_IV: &str = "5b 78 92 3d ee 08 57 90 33 e5 23 d9";
/// §3, {client} derive secret "tls13 res master": hash (32 octets), the
/// transcript hash of ClientHello..client Finished.
const HASH_CH_CF: &str = "
    20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26
    84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d";
/// §3, {client} derive secret "tls13 res master": expanded (32 octets).
const RESUMPTION_MASTER: &str = "
    7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41
    b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c";

// ---------------------------------------------------------------------------
// RFC 8448 §3: protected records (complete records, header included)
// ---------------------------------------------------------------------------

/// §3, {server} send handshake record: complete record (679 octets), the
/// EncryptedExtensions, Certificate, CertificateVerify and Finished.
const SERVER_FLIGHT_RECORD: &str = "
    17 03 03 02 a2 d1 ff 33 4a 56 f5 bf
    f6 59 4a 07 cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e df
    78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 45
    cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd 05 d2 a3
    89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b
    d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9
    b1 18 3e f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf
    51 42 73 25 25 0c 7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d
    2e d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55
    cc 74 41 10 c4 53 ba a4 fc d6 10 92 8d 80 98 10 e4 b7 ed 1a 8f
    d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6
    86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac
    66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea
    52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e
    a5 e2 2f 44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6
    54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb
    31 7b 66 d9 02 f4 f2 92 a3 6a c1 b6 39 c6 37 ce 34 31 17 b6 59
    62 22 45 31 7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 7e
    92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e 1b 7a 6c 71 78 af
    36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84 c8 b0 37
    8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c
    f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88
    2b d8 9f c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80
    f8 5d f8 81 ed be 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69
    18 a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb 99 2f 2b 99
    2f 67 f8 af e6 7f 76 91 3f a3 88 cb 56 30 c8 ca 01 e0 c6 5d 11
    c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51
    56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38 eb ba 42
    f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f
    60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd
    d5 02 78 40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af
    93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da
    bf 02 53 fe 51 75 be 89 8e 75 0e dc 53 37 0d 2b";

/// §3, {client} send handshake record: complete record (58 octets), the
/// client Finished.
const CLIENT_FINISHED_RECORD: &str = "
    17 03 03 00 35 75 ec 4d c2 38 cc e6
    0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44
    d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7
    26 c4 05 46";

/// §3, {server} send handshake record: complete record (227 octets), the
/// NewSessionTicket (the first record under the server application key).
const NEW_SESSION_TICKET_RECORD: &str = "
    17 03 03 00 de 3a 6b 8f 90 41 4a 97
    d6 95 9c 34 87 68 0d e5 13 4a 2b 24 0e 6c ff ac 11 6e 95 d4 1d
    6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a 01 59 40 25 2f 55
    71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1 70 ad 3c
    73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0
    9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13
    06 46 15 13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84
    00 25 db 2f 0a 77 f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86
    51 9d 86 cb ee ac 87 aa c3 47 d1 43 f9 60 5d 64 f6 50 db 4d 02
    3e 70 e9 52 ca 49 fe 51 37 12 1c 74 bc 26 97 68 7e 24 87 46 d6
    df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b 3b 6c 67 79 b3 7b
    f1 59 85 68 4f";

/// §3, {client} send application_data record: complete record (72 octets).
const CLIENT_APP_RECORD: &str = "
    17 03 03 00 43 a2 3f 70 54 b6 2c 94
    d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b
    98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62
    92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4";

/// §3, {server} send application_data record: complete record (72 octets).
const SERVER_APP_RECORD: &str = "
    17 03 03 00 43 2e 93 7e 11 ef 4a c7
    40 e5 38 ad 36 00 5f c4 a4 69 32 fc 32 25 d0 5f 82 aa 1b 36 e3
    0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b f2 e5
    f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d";

/// §3, {client} send alert record: complete record (24 octets).
const CLIENT_ALERT_RECORD: &str = "
    17 03 03 00 13 c9 87 27 60 65 56 66
    b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3";

/// §3, {server} send alert record: complete record (24 octets).
const SERVER_ALERT_RECORD: &str = "
    17 03 03 00 13 b5 8f d6 71 66 eb f5
    99 d2 47 20 cf be 7e fa 7a 88 64 a9";

// ---------------------------------------------------------------------------
// RFC 8448 §4, Resumed 0-RTT Handshake (the parts without early data)
// ---------------------------------------------------------------------------

/// §4, {server} generate resumption secret "tls13 resumption": expanded
/// (32 octets), the PSK.
const RESUMPTION_PSK: &str = "
    4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c
    a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3";
/// §4, {client} extract secret "early": secret (32 octets).
const RESUMED_EARLY_SECRET: &str = "
    9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20
    bb 41 91 50 00 f6 78 aa 83 9c bb 79 7c b7 d8 33 2c";
/// §4, {client} calculate PSK binder: binder hash (32 octets), the hash of
/// the truncated ClientHello.
const BINDER_HASH: &str = "
    63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d
    00 9a 04 f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14";
/// §4, {client} calculate PSK binder: PRK (32 octets), the binder key.
const BINDER_KEY: &str = "
    69 fe 13 1a 3b ba d5 d6 3c 64 ee bc c3 0e 39 5b
    9d 81 07 72 6a 13 d0 74 e3 89 db c8 a4 e4 72 56";
/// §4, {client} calculate PSK binder: expanded (32 octets), the binder's
/// finished key.
const BINDER_FINISHED_KEY: &str = "
    55 88 67 3e 72 cb 59 c8 7d 22 0c af fe 94
    f2 de a9 a3 b1 60 9f 7d 50 e9 0a 48 22 7d b9 ed 7e aa";
/// §4, {client} calculate PSK binder: finished (32 octets), the binder.
const BINDER: &str = "
    3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e
    f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d";
/// §4, {client} send handshake record: payload (512 octets), the complete
/// ClientHello with the binder filled in.
const RESUMED_CLIENT_HELLO: &str = "
    01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff
    93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78 76
    48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00
    09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12
    00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00
    26 00 24 00 1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34
    6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f 0b 00 2a 00
    00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02
    03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02
    02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00
    00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70
    ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9
    82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6
    1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0
    37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5
    90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5
    ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d
    e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa
    cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d
    ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The bytes of an RFC hex dump (whitespace ignored).
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).unwrap();
            u8::from_str_radix(pair, 16).unwrap_or_else(|_| panic!("not hex: {pair:?}"))
        })
        .collect()
}

/// Assert that `got` is the RFC's `rfc` value, naming the value on failure.
#[track_caller]
fn check(what: &str, got: &[u8], rfc: &str) {
    let want = hex(rfc);
    assert_eq!(
        to_hex(got),
        to_hex(&want),
        "{what}: differs from RFC 8448 ({} bytes, RFC has {})",
        got.len(),
        want.len()
    );
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn secret(rfc: &str) -> Secret {
    Secret::from_slice(&hex(rfc))
}

const APPLICATION_DATA: u8 = 23;
const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;

/// A TLS 1.3 protected record of `content` of type `content_type`, no
/// padding, sealed with `key` (RFC 8446 §5.2).
fn seal_record(key: &mut RecordKey, content_type: u8, content: &[u8]) -> Vec<u8> {
    let mut inner = content.to_vec();
    inner.push(content_type);
    let len = u16::try_from(inner.len() + 16).unwrap().to_be_bytes();
    let header = [APPLICATION_DATA, 3, 3, len[0], len[1]];
    let tag = key.seal(&header, &mut inner).expect("seal");
    let mut record = header.to_vec();
    record.extend_from_slice(&inner);
    record.extend_from_slice(&tag);
    record
}

/// Open a complete protected record with `key`: its inner content type and
/// content, padding removed (RFC 8446 §5.2, §5.4).
fn open_record(key: &mut RecordKey, record: &[u8]) -> (u8, Vec<u8>) {
    let header: [u8; 5] = record[..5].try_into().unwrap();
    assert_eq!(header[0], APPLICATION_DATA, "outer content type");
    assert_eq!(
        usize::from(u16::from_be_bytes([header[3], header[4]])),
        record.len() - 5
    );
    let mut body = record[5..].to_vec();
    let n = key
        .open(&header, &mut body)
        .expect("the RFC's record opens (tag verified)");
    body.truncate(n);
    while body.last() == Some(&0) {
        body.pop();
    }
    let content_type = body.pop().expect("inner content type");
    (content_type, body)
}

/// The §3 handshake messages, in transcript order.
struct Messages {
    ch: Vec<u8>,
    sh: Vec<u8>,
    ee: Vec<u8>,
    cert: Vec<u8>,
    cv: Vec<u8>,
    sf: Vec<u8>,
    cf: Vec<u8>,
}

fn messages() -> Messages {
    Messages {
        ch: hex(CLIENT_HELLO),
        sh: hex(SERVER_HELLO),
        ee: hex(ENCRYPTED_EXTENSIONS),
        cert: hex(CERTIFICATE),
        cv: hex(CERTIFICATE_VERIFY),
        sf: hex(SERVER_FINISHED),
        cf: hex(CLIENT_FINISHED),
    }
}

/// Finished verify_data (RFC 8446 §4.4.4): HMAC over the transcript hash
/// with the finished key of `base_key`.
fn verify_data(base_key: &Secret, transcript_hash: &Secret) -> (Secret, Secret) {
    let finished_key = SHA256.expand_secret(base_key, b"finished", &[]);
    let mac = SHA256.hmac(finished_key.as_bytes(), &[transcript_hash.as_bytes()]);
    (finished_key, mac)
}

// ---------------------------------------------------------------------------
// §3: the key schedule
// ---------------------------------------------------------------------------

/// Every secret of §3's key schedule, from the handshake messages and the
/// ECDHE shared secret, through the engine's primitives and its running
/// transcript hash.
#[test]
fn rfc8448_s3_key_schedule() {
    let m = messages();
    assert_eq!(m.ch.len(), 196);
    assert_eq!(m.sh.len(), 90);
    assert_eq!(m.ee.len(), 40);
    assert_eq!(m.cert.len(), 445);
    assert_eq!(m.cv.len(), 136);
    assert_eq!(m.sf.len(), 36);
    assert_eq!(m.cf.len(), 36);
    // The suite ServerHello names: TLS_AES_128_GCM_SHA256 (0x1301).
    let suite = CipherSuite::from_code(u16::from_be_bytes([m.sh[39], m.sh[40]])).unwrap();
    assert_eq!(suite, SUITE);
    assert_eq!(suite.hash(), SHA256);
    let h = suite.hash();

    // Early secret: HKDF-Extract(0, 0) without a PSK.
    let zeros = [0u8; 32];
    let early = h.extract(&zeros, &zeros);
    check("early secret", early.as_bytes(), EARLY_SECRET);
    check(
        "hash of the empty string",
        h.empty_hash().as_bytes(),
        EMPTY_HASH,
    );
    let derived = h.derive(&early, b"derived", &h.empty_hash());
    check(
        "derived (for handshake)",
        derived.as_bytes(),
        DERIVED_FOR_HANDSHAKE,
    );

    // Handshake secret from the x25519 shared secret.
    let hs = h.extract(derived.as_bytes(), &hex(ECDHE_SHARED));
    check("handshake secret", hs.as_bytes(), HANDSHAKE_SECRET);

    // The running transcript as the engine keeps it: both hashes until
    // ServerHello names the suite, then only the suite's.
    let mut transcript = Transcript::default();
    transcript.update(&m.ch);
    transcript.update(&m.sh);
    transcript.select(h);
    let hash_ch_sh = transcript.current(h);
    check(
        "transcript hash ClientHello..ServerHello",
        hash_ch_sh.as_bytes(),
        HASH_CH_SH,
    );

    let c_hs = h.derive(&hs, b"c hs traffic", &hash_ch_sh);
    check(
        "client handshake traffic secret",
        c_hs.as_bytes(),
        CLIENT_HS_TRAFFIC,
    );
    let s_hs = h.derive(&hs, b"s hs traffic", &hash_ch_sh);
    check(
        "server handshake traffic secret",
        s_hs.as_bytes(),
        SERVER_HS_TRAFFIC,
    );

    let derived = h.derive(&hs, b"derived", &h.empty_hash());
    check(
        "derived (for master)",
        derived.as_bytes(),
        DERIVED_FOR_MASTER,
    );
    let master = h.extract(derived.as_bytes(), &zeros);
    check("master secret", master.as_bytes(), MASTER_SECRET);

    // Server Finished over ClientHello..CertificateVerify.
    transcript.update(&m.ee);
    transcript.update(&m.cert);
    transcript.update(&m.cv);
    let (key, mac) = verify_data(&s_hs, &transcript.current(h));
    check("server finished key", key.as_bytes(), SERVER_FINISHED_KEY);
    check(
        "server Finished verify_data",
        mac.as_bytes(),
        SERVER_VERIFY_DATA,
    );
    assert_eq!(&m.sf[..4], &[20, 0, 0, 32], "Finished header");
    assert!(
        mac.ct_eq(&m.sf[4..]),
        "verify_data is what the RFC's server Finished carries"
    );
    assert!(!mac.ct_eq(&hex(CLIENT_VERIFY_DATA)));

    // Application traffic and exporter secrets over ClientHello..server Finished.
    transcript.update(&m.sf);
    let hash_ch_sf = transcript.current(h);
    check(
        "transcript hash ClientHello..server Finished",
        hash_ch_sf.as_bytes(),
        HASH_CH_SF,
    );
    let c_ap = h.derive(&master, b"c ap traffic", &hash_ch_sf);
    check(
        "client application traffic secret",
        c_ap.as_bytes(),
        CLIENT_AP_TRAFFIC,
    );
    let s_ap = h.derive(&master, b"s ap traffic", &hash_ch_sf);
    check(
        "server application traffic secret",
        s_ap.as_bytes(),
        SERVER_AP_TRAFFIC,
    );
    let exp = h.derive(&master, b"exp master", &hash_ch_sf);
    check("exporter master secret", exp.as_bytes(), EXPORTER_MASTER);

    // Client Finished over ClientHello..server Finished.
    let (key, mac) = verify_data(&c_hs, &hash_ch_sf);
    check("client finished key", key.as_bytes(), CLIENT_FINISHED_KEY);
    check(
        "client Finished verify_data",
        mac.as_bytes(),
        CLIENT_VERIFY_DATA,
    );
    assert!(
        mac.ct_eq(&m.cf[4..]),
        "verify_data is what the RFC's client Finished carries"
    );

    // Resumption master secret over ClientHello..client Finished.
    transcript.update(&m.cf);
    let hash_ch_cf = transcript.current(h);
    check(
        "transcript hash ClientHello..client Finished",
        hash_ch_cf.as_bytes(),
        HASH_CH_CF,
    );
    let res = h.derive(&master, b"res master", &hash_ch_cf);
    check(
        "resumption master secret",
        res.as_bytes(),
        RESUMPTION_MASTER,
    );

    // The one-shot hash agrees with the running one.
    let all: [&[u8]; 7] = [&m.ch, &m.sh, &m.ee, &m.cert, &m.cv, &m.sf, &m.cf];
    check(
        "one-shot transcript hash",
        h.hash(&all).as_bytes(),
        HASH_CH_CF,
    );
}

/// The traffic keys and IVs §3 prints, from the four traffic secrets
/// (HKDF-Expand-Label "key"/"iv", RFC 8446 §7.3).
#[test]
fn rfc8448_s3_traffic_keys_and_ivs() {
    for (what, traffic, key, iv) in [
        (
            "server handshake",
            SERVER_HS_TRAFFIC,
            SERVER_HS_KEY,
            SERVER_HS_IV,
        ),
        (
            "client handshake",
            CLIENT_HS_TRAFFIC,
            CLIENT_HS_KEY,
            CLIENT_HS_IV,
        ),
        (
            "server application",
            SERVER_AP_TRAFFIC,
            SERVER_AP_KEY,
            SERVER_AP_IV,
        ),
        (
            "client application",
            CLIENT_AP_TRAFFIC,
            CLIENT_AP_KEY,
            CLIENT_AP_IV,
        ),
    ] {
        let traffic = secret(traffic);
        let mut k = vec![0u8; SUITE.key_len()];
        SHA256.expand_label(&traffic, b"key", &[], &mut k);
        check(&format!("{what} write key"), &k, key);
        let mut i = [0u8; 12];
        SHA256.expand_label(&traffic, b"iv", &[], &mut i);
        check(&format!("{what} write iv"), &i, iv);
    }
}

// ---------------------------------------------------------------------------
// §3: record protection (RecordKey built from the RFC's traffic secrets)
// ---------------------------------------------------------------------------

/// The server's encrypted flight opens under the server handshake key
/// (sequence 0) to EncryptedExtensions, Certificate, CertificateVerify and
/// Finished; sealing them again gives the RFC's record byte for byte.
#[test]
fn rfc8448_s3_server_flight_record() {
    let m = messages();
    let record = hex(SERVER_FLIGHT_RECORD);
    assert_eq!(record.len(), 679);
    let plaintext = [m.ee, m.cert, m.cv, m.sf].concat();
    assert_eq!(plaintext.len(), 657);

    let mut key = RecordKey::new(SUITE, &secret(SERVER_HS_TRAFFIC));
    let (content_type, content) = open_record(&mut key, &record);
    assert_eq!(content_type, HANDSHAKE);
    check("server flight plaintext", &content, &to_hex(&plaintext));
    assert_eq!(key.sequence(), 1);

    let mut key = RecordKey::new(SUITE, &secret(SERVER_HS_TRAFFIC));
    let sealed = seal_record(&mut key, HANDSHAKE, &plaintext);
    check("server flight record", &sealed, SERVER_FLIGHT_RECORD);

    // The client's handshake key does not open it, nor does the right key
    // with one ciphertext bit flipped.
    let mut wrong = RecordKey::new(SUITE, &secret(CLIENT_HS_TRAFFIC));
    let header: [u8; 5] = record[..5].try_into().unwrap();
    assert!(wrong.open(&header, &mut record[5..].to_vec()).is_err());
    let mut tampered = record[5..].to_vec();
    tampered[100] ^= 1;
    let mut key = RecordKey::new(SUITE, &secret(SERVER_HS_TRAFFIC));
    assert!(key.open(&header, &mut tampered).is_err());
}

/// The client Finished sealed under the client handshake key (sequence 0)
/// is the RFC's record byte for byte, and opens back.
#[test]
fn rfc8448_s3_client_finished_record() {
    let finished = hex(CLIENT_FINISHED);
    let mut key = RecordKey::new(SUITE, &secret(CLIENT_HS_TRAFFIC));
    let sealed = seal_record(&mut key, HANDSHAKE, &finished);
    check("client Finished record", &sealed, CLIENT_FINISHED_RECORD);

    let mut key = RecordKey::new(SUITE, &secret(CLIENT_HS_TRAFFIC));
    let (content_type, content) = open_record(&mut key, &hex(CLIENT_FINISHED_RECORD));
    assert_eq!(content_type, HANDSHAKE);
    check("client Finished plaintext", &content, CLIENT_FINISHED);
}

/// The server's records under its application key, in the trace's order:
/// NewSessionTicket (sequence 0), application data (1), close_notify (2);
/// each opens to the RFC's plaintext and seals back to the RFC's bytes.
#[test]
fn rfc8448_s3_server_application_records() {
    let payload = application_payload();
    let records: [(&str, u8, Vec<u8>, &str); 3] = [
        (
            "NewSessionTicket",
            HANDSHAKE,
            hex(NEW_SESSION_TICKET),
            NEW_SESSION_TICKET_RECORD,
        ),
        (
            "server application data",
            APPLICATION_DATA,
            payload,
            SERVER_APP_RECORD,
        ),
        (
            "server close_notify",
            ALERT,
            hex(CLOSE_NOTIFY),
            SERVER_ALERT_RECORD,
        ),
    ];

    let mut opener = RecordKey::new(SUITE, &secret(SERVER_AP_TRAFFIC));
    let mut sealer = RecordKey::new(SUITE, &secret(SERVER_AP_TRAFFIC));
    for (seq, (what, content_type, plaintext, record)) in records.iter().enumerate() {
        assert_eq!(opener.sequence(), seq as u64);
        let (t, content) = open_record(&mut opener, &hex(record));
        assert_eq!(t, *content_type, "{what}: inner content type");
        check(&format!("{what} plaintext"), &content, &to_hex(plaintext));
        let sealed = seal_record(&mut sealer, *content_type, plaintext);
        check(&format!("{what} record"), &sealed, record);
    }

    // Sequence numbers matter: the application data record (sequence 1)
    // does not open as the first record under a fresh key.
    let mut fresh = RecordKey::new(SUITE, &secret(SERVER_AP_TRAFFIC));
    let record = hex(SERVER_APP_RECORD);
    let header: [u8; 5] = record[..5].try_into().unwrap();
    assert!(fresh.open(&header, &mut record[5..].to_vec()).is_err());
}

/// The client's records under its application key: application data
/// (sequence 0) and close_notify (1), sealed byte-exact and opened back.
#[test]
fn rfc8448_s3_client_application_records() {
    let mut sealer = RecordKey::new(SUITE, &secret(CLIENT_AP_TRAFFIC));
    let sealed = seal_record(&mut sealer, APPLICATION_DATA, &application_payload());
    check("client application data record", &sealed, CLIENT_APP_RECORD);
    let sealed = seal_record(&mut sealer, ALERT, &hex(CLOSE_NOTIFY));
    check("client close_notify record", &sealed, CLIENT_ALERT_RECORD);
    assert_eq!(sealer.sequence(), 2);

    let mut opener = RecordKey::new(SUITE, &secret(CLIENT_AP_TRAFFIC));
    let (t, content) = open_record(&mut opener, &hex(CLIENT_APP_RECORD));
    assert_eq!(t, APPLICATION_DATA);
    assert_eq!(content, application_payload());
    let (t, content) = open_record(&mut opener, &hex(CLIENT_ALERT_RECORD));
    assert_eq!(t, ALERT);
    check("client close_notify plaintext", &content, CLOSE_NOTIFY);
}

// ---------------------------------------------------------------------------
// §4: resumption PSK and binder
// ---------------------------------------------------------------------------

/// §4's PSK from §3's resumption master secret and the ticket nonce of §3's
/// NewSessionTicket (read from the decrypted record), the early secret from
/// it, the binder key, and the binder over the truncated ClientHello, which
/// is the binder the RFC's ClientHello carries.
#[test]
fn rfc8448_s4_resumption_psk_and_binder() {
    let h = SHA256;

    // The ticket nonce, from §3's NewSessionTicket as the record delivers it:
    // type, length(3), lifetime(4), age_add(4), nonce<0..255>, ticket, extensions.
    let mut key = RecordKey::new(SUITE, &secret(SERVER_AP_TRAFFIC));
    let (_, nst) = open_record(&mut key, &hex(NEW_SESSION_TICKET_RECORD));
    assert_eq!(nst[0], 4, "NewSessionTicket");
    let nonce_len = usize::from(nst[12]);
    let nonce = &nst[13..13 + nonce_len];
    assert_eq!(nonce, &[0, 0]);
    let ticket_len = usize::from(u16::from_be_bytes([
        nst[13 + nonce_len],
        nst[14 + nonce_len],
    ]));
    let ticket = &nst[15 + nonce_len..15 + nonce_len + ticket_len];

    let psk = h.expand_secret(&secret(RESUMPTION_MASTER), b"resumption", nonce);
    check("resumption PSK", psk.as_bytes(), RESUMPTION_PSK);

    let early = h.extract(&[0u8; 32], psk.as_bytes());
    check(
        "early secret from the PSK",
        early.as_bytes(),
        RESUMED_EARLY_SECRET,
    );

    let binder_key = h.derive(&early, b"res binder", &h.empty_hash());
    check("binder key", binder_key.as_bytes(), BINDER_KEY);

    // The ClientHello up to the binders list (RFC 8446 §4.2.11.2): the
    // complete one less binders<33..65535> = length(2) + [length(1) + 32].
    let ch = hex(RESUMED_CLIENT_HELLO);
    assert_eq!(ch.len(), 512);
    let truncated = &ch[..ch.len() - 35];
    assert_eq!(&ch[ch.len() - 35..ch.len() - 32], &[0x00, 0x21, 0x20]);
    // The offered identity is §3's ticket.
    let identity = &ch[ch.len() - 35 - 4 - ticket_len..ch.len() - 35 - 4];
    assert_eq!(identity, ticket, "the ClientHello offers §3's ticket");

    let binder_hash = h.hash(&[truncated]);
    check(
        "binder hash (truncated ClientHello)",
        binder_hash.as_bytes(),
        BINDER_HASH,
    );
    let mut transcript = Transcript::default();
    transcript.update(truncated);
    check(
        "binder hash via Transcript",
        transcript.current(h).as_bytes(),
        BINDER_HASH,
    );

    let (finished_key, binder) = verify_data(&binder_key, &binder_hash);
    check(
        "binder finished key",
        finished_key.as_bytes(),
        BINDER_FINISHED_KEY,
    );
    check("PSK binder", binder.as_bytes(), BINDER);
    assert!(
        binder.ct_eq(&ch[ch.len() - 32..]),
        "the binder in the RFC's ClientHello"
    );
}
