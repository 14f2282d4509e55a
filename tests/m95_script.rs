//! The M66/M95 driver against byte-exact transcripts of
//! `docs/dialects/m95.md`: init (the QI stack set up from IP INITIAL),
//! GPRS attach (`AT+QILOCIP` answers without `OK`), raw TCP with
//! `AT+QIMUX=1`/`AT+QINDI=1` (`CONNECT OK`/`FAIL`, `ALREADY CONNECT`, the
//! CR LF `> ` prompt, `+QIRDI`, the framed `+QIRD` and the bare `OK` of an
//! empty read, `<id>, CLOSE OK`), certificates written with
//! `AT+QSECWRITE` and their checksum checked, offloaded TLS
//! (`+QSSLOPEN` codes, the `AT+QSSLRECV` loop), and a restart. Binary
//! payloads hold what a text parser would stop at, and reads are also
//! handed to the driver split at every byte.

mod common;

use common::script::ScriptPort;
use modemtls::at::AtError;
use modemtls::modem::quectel::{Timeouts, M95};
use modemtls::modem::{
    Apn, CredentialKind, Family, FirmwareTls, Modem, ModemError, SocketId, Sockets, TlsParams,
};

const OK: &[u8] = b"\r\nOK\r\n";

/// Payload bytes that look like the dialect's own lines.
const NASTY: &[u8] =
    b"\r\nOK\r\n> SEND OK\r\n\r\n+QIRDI: 0,1,0\r\n--EOF--Pattern--\r\n0, CLOSED\r\n\
    +QSSLURC: \"recv\",0,0\r\n+QIRD: 1.2.3.4:5,TCP,9\r\nDEACT OK\r\nERROR\r\n\x00\xff\x1a\x1b";

const INIT: &[(&[u8], &[u8])] = &[
    // Power-on: the boot URCs (fixed baud rate), then the echo of `AT`.
    (
        b"AT\r",
        b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\nAT\r\r\nOK\r\n",
    ),
    (b"ATE0\r", b"ATE0\r\r\nOK\r\n"),
    (b"AT+CMEE=1\r", OK),
    (
        b"ATI\r",
        b"\r\nQuectel_Ltd\r\nQuectel_M95\r\nRevision: M95FAR02A08\r\n\r\nOK\r\n",
    ),
    (b"AT+QIDEACT\r", b"\r\nDEACT OK\r\n"),
    (b"AT+QIFGCNT=0\r", OK),
    (b"AT+QIMODE=0\r", OK),
    (b"AT+QIMUX=1\r", OK),
    (b"AT+QIDNSIP=1\r", OK),
    (b"AT+QINDI=1\r", OK),
    (b"AT+QNITZ=1\r", OK),
];

const ATTACH: &[(&[u8], &[u8])] = &[
    (b"AT+QICSGP=1,\"internet\"\r", OK),
    (b"AT+QIREGAPP\r", OK),
    (b"AT+QIACT\r", OK),
    (b"AT+QILOCIP\r", b"\r\n10.1.83.188\r\n"),
];

fn timeouts() -> Timeouts {
    Timeouts {
        command_ms: 300,
        attach_ms: 1_000,
        open_ms: 1_000,
        data_ms: 1_000,
    }
}

fn modem_with(rest: &[(&[u8], &[u8])], piece: usize) -> M95<ScriptPort> {
    let script: Vec<(&[u8], &[u8])> = INIT.iter().chain(ATTACH).chain(rest).copied().collect();
    let mut m = M95::new(ScriptPort::with_piece(&script, piece));
    m.set_timeouts(timeouts());
    let id = m.init().expect("init");
    assert_eq!(id.model.as_str(), "Quectel_M95");
    assert_eq!(id.revision.as_str(), "M95FAR02A08");
    let caps = m.capabilities();
    assert_eq!(caps.family, Family::QuectelM95);
    assert_eq!(
        caps.cipher_suites,
        &[0x0035, 0x002F, 0x0005, 0x0004, 0x000A, 0x003D]
    );
    assert!(!caps.sni && !caps.hostname_check);
    // The boot URCs came during init: not a restart.
    assert!(!m.rebooted());
    assert_eq!(
        m.attach(&Apn::new("internet")).expect("attach").as_str(),
        "10.1.83.188"
    );
    m
}

fn modem(rest: &[(&[u8], &[u8])]) -> M95<ScriptPort> {
    modem_with(rest, 7)
}

fn done(m: M95<ScriptPort>) {
    m.release().finished();
}

/// The Quectel XOR-16 (16-bit big-endian words, an odd last byte high),
/// written out here again, as the modem prints it.
fn xor16(d: &[u8]) -> String {
    let mut acc = 0u16;
    for (i, b) in d.iter().enumerate() {
        acc ^= if i % 2 == 0 {
            u16::from(*b) << 8
        } else {
            u16::from(*b)
        };
    }
    format!("{acc:x}")
}

#[test]
fn init_and_attach() {
    done(modem(&[]));
}

#[test]
fn an_m66_is_the_same_family() {
    let mut script: Vec<(&[u8], &[u8])> = INIT.to_vec();
    script[3].1 = b"\r\nQuectel_Ltd\r\nQuectel_M66\r\nRevision: M66FAR02A12\r\n\r\nOK\r\n";
    let mut m = M95::new(ScriptPort::new(&script));
    m.set_timeouts(timeouts());
    assert_eq!(m.init().expect("init").model.as_str(), "Quectel_M66");
    assert_eq!(m.capabilities().family, Family::QuectelM95);
    done(m);
}

#[test]
fn another_model_is_refused_and_its_identity_kept() {
    let mut script: Vec<(&[u8], &[u8])> = INIT[..4].to_vec();
    script[3].1 = b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n";
    let mut m = M95::new(ScriptPort::new(&script));
    m.set_timeouts(timeouts());
    assert_eq!(m.init().err(), Some(ModemError::UnsupportedModel));
    assert_eq!(m.identity().model.as_str(), "BG96");
    done(m);
}

/// A context left active from before: `AT+QIREGAPP` is refused until the
/// stack is back in IP INITIAL.
#[test]
fn attach_from_a_context_left_active() {
    let mut script: Vec<(&[u8], &[u8])> = INIT.to_vec();
    script.extend_from_slice(&[
        (b"AT+QICSGP=1,\"apn\",\"user\",\"pw\"\r", OK),
        (b"AT+QIREGAPP\r", b"\r\nERROR\r\n"),
        (b"AT+QIDEACT\r", b"\r\nDEACT OK\r\n"),
        (b"AT+QIREGAPP\r", OK),
        (b"AT+QIACT\r", OK),
        (b"AT+QILOCIP\r", b"\r\n10.1.2.3\r\n"),
    ]);
    let mut m = M95::new(ScriptPort::new(&script));
    m.set_timeouts(timeouts());
    m.init().expect("init");
    let apn = Apn {
        name: "apn",
        user: "user",
        password: "pw",
    };
    assert_eq!(m.attach(&apn).expect("attach").as_str(), "10.1.2.3");
    done(m);
}

#[test]
fn a_refused_activation_is_attach_failed() {
    let mut script: Vec<(&[u8], &[u8])> = INIT.to_vec();
    script.extend_from_slice(&[
        (b"AT+QICSGP=1,\"internet\"\r", OK),
        (b"AT+QIREGAPP\r", OK),
        (b"AT+QIACT\r", b"\r\nERROR\r\n"),
    ]);
    let mut m = M95::new(ScriptPort::new(&script));
    m.set_timeouts(timeouts());
    m.init().expect("init");
    assert_eq!(
        m.attach(&Apn::new("internet")).err(),
        Some(ModemError::AttachFailed)
    );
    done(m);
}

fn read_frame(payload: &[u8]) -> Vec<u8> {
    let mut a = format!("\r\n+QIRD: 10.0.0.9:443,TCP,{}\r\n", payload.len()).into_bytes();
    a.extend_from_slice(payload);
    a.extend_from_slice(OK);
    a
}

/// Open, send binary, read: the first read finds nothing (a bare `OK`),
/// `+QIRDI` announces the data, the frame holds the dialect's own lines,
/// the read after it is empty again and the peer's close ends the stream;
/// `<id>, CLOSE OK` ends the close. Every piece size from 1 byte up.
#[test]
fn raw_tcp_open_send_read_close_at_every_split() {
    let frame = read_frame(NASTY);
    let mut send = b"AT+QISEND=0,".to_vec();
    send.extend_from_slice(format!("{}\r", NASTY.len()).as_bytes());
    let rest: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"server.test\",443\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        // The prompt is CR LF `> `; the payload goes out byte for byte.
        (&send, b"\r\n> "),
        (NASTY, b"\r\nSEND OK\r\n"),
        // Read once after the open: nothing yet, then the URC.
        (b"AT+QIRD=0,1,0,1500\r", b"\r\nOK\r\n\r\n+QIRDI: 0,1,0\r\n"),
        (b"AT+QIRD=0,1,0,1500\r", &frame),
        // Read until the bare OK; then the peer closes.
        (b"AT+QIRD=0,1,0,1500\r", b"\r\nOK\r\n\r\n0, CLOSED\r\n"),
        (b"AT+QIRD=0,1,0,1500\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0\r", b"\r\n0, CLOSE OK\r\n"),
    ];
    for piece in 1..=frame.len() + 1 {
        let mut m = modem_with(&rest, piece);
        let id = m.tcp_open("server.test", 443).expect("open");
        assert_eq!(id, SocketId(0));
        assert_eq!(Sockets::send(&mut m, id, NASTY), Ok(NASTY.len()));
        let mut buf = [0u8; 2000];
        let n = m.recv_wait(id, &mut buf, 500).expect("data");
        assert_eq!(&buf[..n], NASTY, "piece {piece}");
        assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(0), "end of stream");
        Sockets::close(&mut m, id).expect("close");
        done(m);
    }
}

/// A read smaller than the frame the modem holds asks for that much.
#[test]
fn reads_ask_for_what_the_buffer_takes() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=0,\"TCP\",\"server.test\",443\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n\r\n+QIRDI: 0,1,0\r\n",
        ),
        (
            b"AT+QIRD=0,1,0,4\r",
            b"\r\n+QIRD: 10.0.0.9:443,TCP,4\r\n\r\nOK\r\nOK\r\n",
        ),
        (
            b"AT+QIRD=0,1,0,4\r",
            b"\r\n+QIRD: 10.0.0.9:443,TCP,2\r\nab\r\nOK\r\n",
        ),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 4];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(4));
    assert_eq!(&buf, b"\r\nOK");
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(2));
    assert_eq!(&buf[..2], b"ab");
    done(m);
}

/// A frame announcing more than was asked (damage on the UART) is an
/// error, never bytes past the buffer.
#[test]
fn a_frame_longer_than_asked_is_refused() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=0,\"TCP\",\"server.test\",443\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (
            b"AT+QIRD=0,1,0,2\r",
            b"\r\n+QIRD: 10.0.0.9:443,TCP,4\r\nabcd\r\nOK\r\n",
        ),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 2];
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::At(AtError::Unexpected))
    );
    done(m);
}

#[test]
fn open_results() {
    // Refused, unreachable or not resolved: the index is free again.
    let mut m = modem(&[(
        b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
        b"\r\nOK\r\n\r\n0, CONNECT FAIL\r\n",
    )]);
    assert_eq!(m.tcp_open("h", 1), Err(ModemError::ConnectFailed));
    done(m);
    // Refused outright (QIMUX off, context down, syntax).
    let mut m = modem(&[(b"AT+QIOPEN=0,\"TCP\",\"h\",1\r", b"\r\nERROR\r\n")]);
    assert_eq!(m.tcp_open("h", 1), Err(ModemError::At(AtError::Error)));
    done(m);
    // No result: closed in the modem, the open times out.
    let mut m = modem(&[
        (b"AT+QIOPEN=0,\"TCP\",\"h\",1\r", OK),
        (b"AT+QICLOSE=0\r", b"\r\n0, CLOSE OK\r\n"),
    ]);
    assert_eq!(m.tcp_open("h", 1), Err(ModemError::OpenTimeout));
    done(m);
}

/// The modem still holds the index (a close lost on the UART): it is
/// closed there and opened again.
#[test]
fn already_connect_closes_and_opens_again() {
    let mut m = modem(&[
        (b"AT+QIOPEN=0,\"TCP\",\"h\",1\r", b"\r\nALREADY CONNECT\r\n"),
        (b"AT+QICLOSE=0\r", b"\r\n0, CLOSE OK\r\n"),
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
    ]);
    assert_eq!(m.tcp_open("h", 1), Ok(SocketId(0)));
    done(m);
}

#[test]
fn send_fail_is_retried_and_a_lost_prompt_closes_the_connection() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (b"AT+QISEND=0,2\r", b"\r\n> "),
        (b"ab", b"\r\nSEND FAIL\r\n"),
        (b"AT+QISEND=0,2\r", b"\r\n> "),
        (b"ab", b"\r\nSEND OK\r\n"),
        // No prompt: filler completes the announced length, the stream is
        // re-aligned, the connection closed.
        (b"AT+QISEND=0,2\r", b""),
        (b"\0\0", b""),
        (b"AT\r", OK),
        (b"AT+QICLOSE=0\r", b"\r\n0, CLOSE OK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).expect("open");
    assert_eq!(Sockets::send(&mut m, id, b"ab"), Ok(2));
    assert_eq!(
        Sockets::send(&mut m, id, b"ab"),
        Err(ModemError::At(AtError::PromptLost))
    );
    assert_eq!(Sockets::send(&mut m, id, b"ab"), Err(ModemError::Closed));
    done(m);
}

#[test]
fn sends_are_chunked_to_1460() {
    let data = vec![b'x'; 2000];
    let mut m = modem(&[
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (b"AT+QISEND=0,1460\r", b"\r\n> "),
        (&data[..1460], b"\r\nSEND OK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).expect("open");
    assert_eq!(Sockets::send(&mut m, id, &data), Ok(1460));
    done(m);
}

/// A socket id the driver never opened touches nothing.
#[test]
fn an_unknown_socket_id_is_closed_and_sends_nothing() {
    let mut m = modem(&[]);
    let mut buf = [0u8; 8];
    for id in [0u8, 5, 6, 8, 13, 14, 200] {
        assert_eq!(
            Sockets::send(&mut m, SocketId(id), b"x"),
            Err(ModemError::Closed)
        );
        assert_eq!(
            m.recv_wait(SocketId(id), &mut buf, 10),
            Err(ModemError::Closed)
        );
        assert_eq!(Sockets::close(&mut m, SocketId(id)), Ok(()));
    }
    done(m);
}

const PEM: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\r\nOK\r\n> \r\nCONNECT\r\n+QSECWRITE: 1,0\r\n-----END CERTIFICATE-----\n";
const CA: &str = "0a1b2c3d.pem";

/// Delete first, write after `CONNECT`, the checksum in the answer and
/// in `AT+QSECREAD` both the one of the bytes sent.
fn secwrite_ok(script: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    let ck = xor16(PEM);
    script.extend([
        (
            b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
            b"\r\n+CME ERROR: 405\r\n".to_vec(),
        ),
        (
            format!("AT+QSECWRITE=\"RAM:0a1b2c3d.pem\",{},100\r", PEM.len()).into_bytes(),
            b"\r\nCONNECT\r\n".to_vec(),
        ),
        (
            PEM.to_vec(),
            format!("\r\n+QSECWRITE: {},{ck}\r\n\r\nOK\r\n", PEM.len()).into_bytes(),
        ),
        (
            b"AT+QSECREAD=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
            format!("\r\n+QSECREAD: 1,{ck}\r\n\r\nOK\r\n").into_bytes(),
        ),
    ]);
}

fn borrowed(s: &[(Vec<u8>, Vec<u8>)]) -> Vec<(&[u8], &[u8])> {
    s.iter().map(|(a, b)| (&a[..], &b[..])).collect()
}

#[test]
fn a_certificate_is_written_checked_and_not_written_twice() {
    let mut s = Vec::new();
    secwrite_ok(&mut s);
    // Stored and checked since init: only its checksum is asked again.
    s.push((
        b"AT+QSECREAD=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
        format!("\r\n+QSECREAD: 1,{}\r\n\r\nOK\r\n", xor16(PEM)).into_bytes(),
    ));
    // Lost since (a restart the driver did not see): written again.
    s.push((
        b"AT+QSECREAD=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
        b"\r\n+CME ERROR: 405\r\n".to_vec(),
    ));
    secwrite_ok(&mut s);
    let mut m = modem(&borrowed(&s));
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Ok(true)
    );
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Ok(false)
    );
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Ok(true)
    );
    done(m);
}

/// A checksum that is not the one of the bytes sent (UART damage) is
/// refused and the file deleted; so is a file `AT+QSECREAD` calls short.
#[test]
fn a_wrong_checksum_is_refused_and_the_file_deleted() {
    let ck = xor16(PEM);
    let sent = u16::from_str_radix(&ck, 16).expect("hex");
    let wrong = format!("{:x}", sent ^ 0x0100);
    let s: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r".to_vec(), OK.to_vec()),
        (
            format!("AT+QSECWRITE=\"RAM:0a1b2c3d.pem\",{},100\r", PEM.len()).into_bytes(),
            b"\r\nCONNECT\r\n".to_vec(),
        ),
        (
            PEM.to_vec(),
            format!("\r\n+QSECWRITE: {},{wrong}\r\n\r\nOK\r\n", PEM.len()).into_bytes(),
        ),
        (b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r".to_vec(), OK.to_vec()),
        // Again: the write's checksum is right, but the file is short.
        (
            b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
            b"\r\n+CME ERROR: 405\r\n".to_vec(),
        ),
        (
            format!("AT+QSECWRITE=\"RAM:0a1b2c3d.pem\",{},100\r", PEM.len()).into_bytes(),
            b"\r\nCONNECT\r\n".to_vec(),
        ),
        (
            PEM.to_vec(),
            format!("\r\n+QSECWRITE: {},{ck}\r\n\r\nOK\r\n", PEM.len()).into_bytes(),
        ),
        (
            b"AT+QSECREAD=\"RAM:0a1b2c3d.pem\"\r".to_vec(),
            b"\r\n+QSECREAD: 0,2a\r\n\r\nOK\r\n".to_vec(),
        ),
        (b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r".to_vec(), OK.to_vec()),
    ];
    let mut m = modem(&borrowed(&s));
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Err(ModemError::FileChecksum {
            sent,
            stored: sent ^ 0x0100
        })
    );
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Err(ModemError::FileChecksum { sent, stored: 0x2a })
    );
    done(m);
}

fn params(ca: Option<&str>) -> TlsParams<'_> {
    TlsParams {
        host: "server.test",
        port: 443,
        verify: ca.is_some(),
        check_validity: true,
        ca,
        client_cert: None,
        client_key: None,
        handshake_timeout_s: 30,
    }
}

/// The configuration of SSL context 0 for a verified connection: key
/// first, context second, the cipher quoted, `ignorertctime` global.
const SSL_CFG: &[(&[u8], &[u8])] = &[
    (b"AT+QSSLCFG=\"sslversion\",0,3\r", OK),
    (b"AT+QSSLCFG=\"ciphersuite\",0,\"0XFFFF\"\r", OK),
    (b"AT+QSSLCFG=\"seclevel\",0,1\r", OK),
    (b"AT+QSSLCFG=\"cacert\",0,\"RAM:0a1b2c3d.pem\"\r", OK),
    (b"AT+QSSLCFG=\"ignorertctime\",0\r", OK),
];

const SSL_OPEN: &[u8] = b"AT+QSSLOPEN=0,0,\"server.test\",443,0,30\r";

fn ssl_frame(payload: &[u8]) -> Vec<u8> {
    let mut a = format!("\r\n+QSSLRECV: 10.0.0.9:443,TCP,{}\r\n", payload.len()).into_bytes();
    a.extend_from_slice(payload);
    a.extend_from_slice(OK);
    a
}

/// Open, send, then read until the answer is a bare `OK` (the data URC
/// carries no length), the peer's close, the close.
#[test]
fn offloaded_session_reads_until_a_bare_ok() {
    let frame = ssl_frame(NASTY);
    let mut send = b"AT+QSSLSEND=0,".to_vec();
    send.extend_from_slice(format!("{}\r", NASTY.len()).as_bytes());
    let mut s: Vec<(&[u8], &[u8])> = SSL_CFG.to_vec();
    s.extend_from_slice(&[
        (SSL_OPEN, b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0\r\n"),
        (&send, b"\r\n> "),
        (NASTY, b"\r\nSEND OK\r\n\r\n+QSSLURC: \"recv\",0,0\r\n"),
        (
            b"AT+QSSLRECV=0,0,3\r",
            b"\r\n+QSSLRECV: 10.0.0.9:443,TCP,3\r\nhel\r\nOK\r\n",
        ),
        (
            b"AT+QSSLRECV=0,0,3\r",
            b"\r\n+QSSLRECV: 10.0.0.9:443,TCP,2\r\nlo\r\nOK\r\n",
        ),
        (
            b"AT+QSSLRECV=0,0,1500\r",
            b"\r\nOK\r\n\r\n+QSSLURC: \"recv\",0,0\r\n",
        ),
        (b"AT+QSSLRECV=0,0,1500\r", &frame),
        (
            b"AT+QSSLRECV=0,0,1500\r",
            b"\r\nOK\r\n\r\n+QSSLURC: \"closed\",0,0\r\n",
        ),
        (b"AT+QSSLRECV=0,0,1500\r", OK),
        (b"AT+QSSLCLOSE=0\r", OK),
    ]);
    let mut m = modem(&s);
    let id = m.tls_open(&params(Some(CA))).expect("open");
    assert_eq!(Sockets::send(&mut m, id, NASTY), Ok(NASTY.len()));
    let mut buf = [0u8; 3];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(3));
    assert_eq!(&buf, b"hel");
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(2));
    assert_eq!(&buf[..2], b"lo");
    let mut big = [0u8; 2000];
    let n = m.recv_wait(id, &mut big, 500).expect("data");
    assert_eq!(&big[..n], NASTY);
    assert_eq!(m.recv_wait(id, &mut big, 500), Ok(0));
    Sockets::close(&mut m, id).expect("close");
    done(m);
}

/// Without verification: seclevel 0, no CA, dates not checked.
#[test]
fn an_unverified_connection_says_so_to_the_firmware() {
    let mut m = modem(&[
        (b"AT+QSSLCFG=\"sslversion\",0,3\r", OK),
        (b"AT+QSSLCFG=\"ciphersuite\",0,\"0XFFFF\"\r", OK),
        (b"AT+QSSLCFG=\"seclevel\",0,0\r", OK),
        (b"AT+QSSLCFG=\"ignorertctime\",1\r", OK),
        (SSL_OPEN, b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0\r\n"),
    ]);
    assert_eq!(m.tls_open(&params(None)), Ok(SocketId(8)));
    done(m);
}

#[test]
fn firmware_open_codes() {
    for (code, want) in [
        ("-5", ModemError::HandshakeFailed(-5)),
        ("-3", ModemError::HandshakeFailed(-3)),
        ("-1", ModemError::HandshakeFailed(-1)),
        ("-2", ModemError::ConnectFailed),
        ("-7", ModemError::OpenTimeout),
    ] {
        let answer = format!("\r\nOK\r\n\r\n+QSSLOPEN: 0,{code}\r\n");
        let mut s: Vec<(&[u8], &[u8])> = SSL_CFG.to_vec();
        s.push((SSL_OPEN, answer.as_bytes()));
        // The ssid is freed in the modem.
        s.push((b"AT+QSSLCLOSE=0\r", OK));
        let mut m = modem(&s);
        assert_eq!(m.tls_open(&params(Some(CA))), Err(want), "code {code}");
        done(m);
    }
}

/// -6: the ssid was still open in the modem: closed, opened again.
#[test]
fn an_ssid_still_open_is_closed_and_opened_again() {
    let mut s: Vec<(&[u8], &[u8])> = SSL_CFG.to_vec();
    s.push((SSL_OPEN, b"\r\nOK\r\n\r\n+QSSLOPEN: 0,-6\r\n"));
    s.push((b"AT+QSSLCLOSE=0\r", OK));
    s.extend_from_slice(SSL_CFG);
    s.push((SSL_OPEN, b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0\r\n"));
    let mut m = modem(&s);
    assert_eq!(m.tls_open(&params(Some(CA))), Ok(SocketId(8)));
    done(m);
}

/// -9: a certificate file is missing (a `RAM:` file lost by a restart):
/// the next store writes it again instead of trusting it.
#[test]
fn a_missing_certificate_file_is_written_again() {
    let mut s: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    secwrite_ok(&mut s);
    s.extend(SSL_CFG.iter().map(|(a, b)| (a.to_vec(), b.to_vec())));
    s.push((
        SSL_OPEN.to_vec(),
        b"\r\nOK\r\n\r\n+QSSLOPEN: 0,-9\r\n".to_vec(),
    ));
    s.push((b"AT+QSSLCLOSE=0\r".to_vec(), OK.to_vec()));
    secwrite_ok(&mut s);
    let mut m = modem(&borrowed(&s));
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Ok(true)
    );
    assert_eq!(
        m.tls_open(&params(Some(CA))),
        Err(ModemError::HandshakeFailed(-9))
    );
    assert_eq!(
        m.store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM)),
        Ok(true)
    );
    done(m);
}

/// A restart during a read: its banner comes in place of the answer. The
/// read fails with `Rebooted`; the next open initialises the modem and
/// activates the APN again by itself.
#[test]
fn a_restart_mid_read_is_rebooted_and_the_next_open_recovers() {
    let mut s: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (
            b"AT+QIRD=0,1,0,1500\r",
            b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n",
        ),
    ];
    // Re-init: the probe's echo (echo is on again after a restart).
    s.push((b"AT\r", b"AT\r\r\nOK\r\n"));
    s.extend_from_slice(&INIT[1..]);
    s.extend_from_slice(ATTACH);
    s.push((
        b"AT+QIOPEN=1,\"TCP\",\"h\",1\r",
        b"\r\nOK\r\n\r\n1, CONNECT OK\r\n",
    ));
    let mut m = modem(&s);
    let id = m.tcp_open("h", 1).expect("open");
    let mut buf = [0u8; 1500];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Err(ModemError::Rebooted));
    // The old connection is gone, but its id stays taken until closed.
    let again = m.tcp_open("h", 1).expect("open after the restart");
    assert_eq!(again, SocketId(1));
    assert_eq!(Sockets::send(&mut m, id, b"x"), Err(ModemError::Closed));
    done(m);
}

/// `+PDP DEACT`: every connection is gone; the next open deactivates,
/// activates again and opens.
#[test]
fn a_lost_context_is_activated_again_on_the_next_open() {
    let mut s: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (b"AT+QIRD=0,1,0,8\r", b"\r\nOK\r\n\r\n+PDP DEACT\r\n"),
        (b"AT+QIDEACT\r", b"\r\nDEACT OK\r\n"),
    ];
    s.extend_from_slice(ATTACH);
    s.push((
        b"AT+QIOPEN=1,\"TCP\",\"h\",1\r",
        b"\r\nOK\r\n\r\n1, CONNECT OK\r\n",
    ));
    let mut m = modem(&s);
    let id = m.tcp_open("h", 1).expect("open");
    let mut buf = [0u8; 8];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Err(ModemError::PdpDown));
    assert_eq!(m.tcp_open("h", 1), Ok(SocketId(1)));
    done(m);
}

/// An `ERROR` to a read that comes before the modem's `+PDP DEACT` (seen
/// under load): the driver asks whether the context is still there
/// (`AT+QILOCIP` answers `ERROR` once it is not) and reports `PdpDown`;
/// while it is there, the `ERROR` stands as it is.
#[test]
fn an_error_before_the_context_loss_urc_is_pdp_down() {
    let lost: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (b"AT+QIRD=0,1,0,8\r", b"\r\nERROR\r\n"),
        (b"AT+QILOCIP\r", b"\r\nERROR\r\n"),
    ];
    let mut m = modem(&lost);
    let id = m.tcp_open("h", 1).expect("open");
    let mut buf = [0u8; 8];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Err(ModemError::PdpDown));
    done(m);

    let still_there: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
        ),
        (b"AT+QIRD=0,1,0,8\r", b"\r\nERROR\r\n"),
        (b"AT+QILOCIP\r", b"\r\n10.1.83.188\r\n"),
    ];
    let mut m = modem(&still_there);
    let id = m.tcp_open("h", 1).expect("open");
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::At(modemtls::at::AtError::Error))
    );
    done(m);
}

#[test]
fn the_clock_is_read_as_every_family_reads_it() {
    // Not set: asked twice before deciding.
    let unset: &[u8] = b"\r\n+CCLK: \"04/01/01,00:00:41+00\"\r\n\r\nOK\r\n";
    let mut m = modem(&[
        (b"AT+CCLK?\r", unset),
        (b"AT+CCLK?\r", unset),
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
        ),
    ]);
    assert_eq!(m.check_clock(), Err(ModemError::ClockNotSet));
    assert_eq!(m.check_clock(), Ok(()));
    done(m);
}

/// The context lost while an open waits for its result: activated again
/// and the open tried once more.
#[test]
fn a_context_lost_during_an_open_is_activated_again_and_the_open_retried() {
    let mut s: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
            b"\r\nOK\r\n\r\n+PDP DEACT\r\n",
        ),
        (b"AT+QIDEACT\r", b"\r\nDEACT OK\r\n"),
    ];
    s.extend_from_slice(ATTACH);
    s.push((
        b"AT+QIOPEN=0,\"TCP\",\"h\",1\r",
        b"\r\nOK\r\n\r\n0, CONNECT OK\r\n",
    ));
    let mut m = modem(&s);
    assert_eq!(m.tcp_open("h", 1), Ok(SocketId(0)));
    done(m);
}

// ---- listing and deleting credentials (AT+QFLST="RAM:*", AT+QSECDEL) ----

type Listed = Vec<(String, Option<u32>, CredentialKind)>;

/// What `list_credentials` passed on, and its result.
fn listed(m: &mut impl FirmwareTls) -> (Listed, Result<(), ModemError>) {
    let mut v = Vec::new();
    let r = m.list_credentials(&mut |e| v.push((e.name.to_string(), e.size, e.kind)));
    (v, r)
}

const QFLST: &[u8] = b"AT+QFLST=\"RAM:*\"\r";

#[test]
fn ram_files_are_listed_without_their_prefix() {
    let mut m = modem(&[
        (
            QFLST,
            b"\r\n+QFLST: \"RAM:0a1b2c3d.pem\",1679\r\n+QFLST: \"RAM:0a1b2c3d.crt\",1216\r\n+QFLST: \"RAM:0a1b2c3d.key\",241\r\n\r\nOK\r\n",
        ),
        // No file: the firmware's "not found".
        (QFLST, b"\r\n+CME ERROR: 405\r\n"),
    ]);
    let (v, r) = listed(&mut m);
    r.unwrap();
    assert_eq!(
        v,
        vec![
            ("0a1b2c3d.pem".into(), Some(1679), CredentialKind::Ca),
            (
                "0a1b2c3d.crt".into(),
                Some(1216),
                CredentialKind::ClientCert
            ),
            ("0a1b2c3d.key".into(), Some(241), CredentialKind::ClientKey),
        ]
    );
    assert_eq!(listed(&mut m), (vec![], Ok(())));
    done(m);
}

#[test]
fn a_ram_file_is_deleted_or_not_found() {
    let mut m = modem(&[
        (b"AT+QSECDEL=\"RAM:0a1b2c3d.pem\"\r", OK),
        // The listed name with its prefix is the same file.
        (b"AT+QSECDEL=\"RAM:0a1b2c3d.key\"\r", OK),
        (b"AT+QSECDEL=\"RAM:gone.pem\"\r", b"\r\n+CME ERROR: 405\r\n"),
        (b"AT+QSECDEL=\"RAM:x.pem\"\r", b"\r\nERROR\r\n"),
    ]);
    m.delete_credential("0a1b2c3d.pem").unwrap();
    m.delete_credential("RAM:0a1b2c3d.key").unwrap();
    assert_eq!(
        m.delete_credential("gone.pem"),
        Err(ModemError::CredentialNotFound)
    );
    assert_eq!(
        m.delete_credential("x.pem"),
        Err(ModemError::At(AtError::Error))
    );
    for name in ["*", "RAM:*", "a?.pem", "", "RAM:"] {
        assert_eq!(
            m.delete_credential(name),
            Err(ModemError::At(AtError::InvalidArgument)),
            "{name:?}"
        );
    }
    done(m);
}

/// A credential deleted is written again by the next store (it is no
/// longer taken for checked).
#[test]
fn a_deleted_credential_is_written_again() {
    let mut script = Vec::new();
    secwrite_ok(&mut script);
    script.push((
        format!("AT+QSECDEL=\"RAM:{CA}\"\r").into_bytes(),
        OK.to_vec(),
    ));
    secwrite_ok(&mut script);
    let mut m = modem(&borrowed(&script));
    assert!(m
        .store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM))
        .unwrap());
    m.delete_credential(CA).unwrap();
    assert!(m
        .store_credential(CA, PEM.len(), &mut modemtls::at::slice_source(PEM))
        .unwrap());
    done(m);
}

#[test]
fn a_hostile_listing_is_an_error_not_a_name() {
    let long = format!("+QFLST: \"RAM:{}.pem\",1", "x".repeat(73));
    let bad: Vec<String> = vec![
        "+QFLST: \"UFS:a.pem\",5".into(),
        "+QFLST: \"RAM:\",5".into(),
        "+QFLST: \"RAM:a.pem\",-5".into(),
        "+QFLST: \"RAM:a\u{1b}.pem\",5".into(),
        "+QFLST: \"RAM:a.pem\",5,6".into(),
        "+QSECREAD: 1,5505".into(),
        long,
    ];
    let mut answers: Vec<Vec<u8>> = bad
        .iter()
        .map(|l| format!("\r\n+QFLST: \"RAM:a.pem\",5\r\n{l}\r\n\r\nOK\r\n").into_bytes())
        .collect();
    answers.push(b"\r\n\x00\x01\x02\xff\r\n\r\n+CME ERROR: 405\r\n".to_vec());
    let script: Vec<(&[u8], &[u8])> = answers.iter().map(|a| (QFLST, a.as_slice())).collect();
    let mut m = modem_with(&script, 1);
    for (i, line) in bad.iter().enumerate() {
        let (v, r) = listed(&mut m);
        assert_eq!(r, Err(ModemError::At(AtError::Unexpected)), "{line}");
        assert_eq!(
            v,
            vec![("a.pem".into(), Some(5), CredentialKind::Ca)],
            "{i}"
        );
    }
    let (v, r) = listed(&mut m);
    assert_eq!((v, r), (vec![], Err(ModemError::At(AtError::Unexpected))));
    done(m);
}
