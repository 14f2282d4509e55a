//! The BC66/BC660K driver against byte-exact transcripts of
//! `docs/dialects/bc66.md`: init and attach, raw TCP in hex (a read split
//! by the port, the late `recv` URC, `buff full`), the offloaded connection
//! with its inline certificate upload and pushed data, and damage (a bad
//! hex digit, a wrong stored length).

mod common;

use common::script::ScriptPort;
use modemtls::modem::quectel::{Bc66, Timeouts};
use modemtls::modem::{Apn, FirmwareTls, Modem, ModemError, SocketId, Sockets, TlsParams};

const INIT: &[(&[u8], &[u8])] = &[
    (b"AT\r", b"AT\r\r\nOK\r\n"),
    (b"ATE0\r", b"ATE0\r\r\nOK\r\n"),
    (b"AT+CMEE=1\r", b"\r\nOK\r\n"),
    (
        b"ATI\r",
        b"\r\nQuectel_Ltd\r\nQuectel_BC66\r\nRevision: BC66NBR01A10\r\n\r\nOK\r\n",
    ),
    (b"AT+CTZU=1\r", b"\r\nOK\r\n"),
    (b"AT+QICFG=\"dataformat\",1,1\r", b"\r\nOK\r\n"),
    (b"AT+QICFG=\"showlength\",1\r", b"\r\nOK\r\n"),
    (b"AT+QICFG=\"viewmode\",0\r", b"\r\nOK\r\n"),
];

const ATTACH: &[(&[u8], &[u8])] = &[
    (b"AT+QCGDEFCONT=\"IP\",\"internet\"\r", b"\r\nOK\r\n"),
    (b"AT+CGATT=1\r", b"\r\nOK\r\n"),
    (b"AT+CGATT?\r", b"\r\n+CGATT: 0\r\n\r\nOK\r\n"),
    (b"AT+CGATT?\r", b"\r\n+CGATT: 1\r\n\r\nOK\r\n"),
    (b"AT+CGPADDR=1\r", b"\r\n+CGPADDR: 1,10.0.0.2\r\n\r\nOK\r\n"),
];

fn modem(rest: &[(&[u8], &[u8])]) -> Bc66<ScriptPort> {
    let script: Vec<(&[u8], &[u8])> = INIT.iter().chain(ATTACH).chain(rest).copied().collect();
    let mut m = Bc66::new(ScriptPort::new(&script));
    m.set_timeouts(Timeouts {
        command_ms: 300,
        attach_ms: 5_000,
        open_ms: 1_000,
        data_ms: 1_000,
    });
    let id = m.init().expect("init");
    assert_eq!(id.model.as_str(), "Quectel_BC66");
    assert_eq!(id.revision.as_str(), "BC66NBR01A10");
    assert_eq!(m.capabilities().cipher_suites, &[0x002F, 0x0035, 0x000A]);
    assert!(!m.capabilities().sni);
    assert_eq!(
        m.attach(&Apn::new("internet")).expect("attach").as_str(),
        "10.0.0.2"
    );
    m
}

fn done(m: Bc66<ScriptPort>) {
    m.release().finished();
}

#[test]
fn init_and_attach() {
    done(modem(&[]));
}

#[test]
fn raw_socket_send_and_read_in_hex() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"server.test\",443,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,3\r", b"\r\n> "),
        (b"16030A", b"\r\nSEND OK\r\n"),
        // A read answered with the recv URC first, then the data: "OK\r\n"
        // inside the payload is data, not a result.
        (
            b"AT+QIRD=0,32\r",
            b"\r\n+QIURC: \"recv\",0\r\n\r\n+QIRD: 4,0,\"4F4B0D0A\"\r\n\r\nOK\r\n",
        ),
        (b"AT+QICLOSE=0\r", b"\r\nOK\r\n\r\nCLOSE OK\r\n"),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    assert_eq!(Sockets::send(&mut m, id, &[0x16, 0x03, 0x0A]), Ok(3));
    let mut buf = [0u8; 64];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(4));
    assert_eq!(&buf[..4], b"OK\r\n");
    Sockets::close(&mut m, id).expect("close");
    done(m);
}

#[test]
fn a_silent_buffer_is_polled_not_waited_on() {
    // No recv URC ever comes: the driver asks again every POLL_MS.
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"server.test\",443,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QIRD=0,8\r", b"\r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n"),
        (b"AT+QIRD=0,8\r", b"\r\n+QIRD: 2,0,\"ABCD\"\r\n\r\nOK\r\n"),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 16];
    assert_eq!(m.recv_wait(id, &mut buf, 5_000), Ok(2));
    assert_eq!(&buf[..2], &[0xAB, 0xCD]);
    done(m);
}

#[test]
fn buff_full_is_a_lost_connection_not_missing_bytes() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"server.test\",443,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (
            b"AT+QIRD=0,8\r",
            b"\r\n+QIRD: 2,2166,\"0102\"\r\n\r\nOK\r\n\r\n+QIURC: \"recv\",0,\"buff full\"\r\n",
        ),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 16];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(2));
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::BufferOverflow)
    );
    done(m);
}

#[test]
fn a_damaged_hex_digit_is_damage_not_data() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"server.test\",443,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (
            b"AT+QIRD=0,8\r",
            b"\r\n+QIRD: 2,0,\"AB\x4BD\"\r\n\r\nOK\r\n",
        ),
    ]);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 16];
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::At(modemtls::at::AtError::Garbled))
    );
    done(m);
}

const PEM: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

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

/// The SSL configuration for a verified connection.
const SSL_CFG: &[(&[u8], &[u8])] = &[
    (b"AT+QSSLCFG=0,0,\"seclevel\",1\r", b"\r\nOK\r\n"),
    (b"AT+QSSLCFG=0,0,\"sslversion\",4\r", b"\r\nOK\r\n"),
    (b"AT+QSSLCFG=0,0,\"dataformat\",1,1\r", b"\r\nOK\r\n"),
    (b"AT+QSSLCFG=0,0,\"timeout\",30\r", b"\r\nOK\r\n"),
];

#[test]
fn offloaded_session_with_inline_ca_and_pushed_data() {
    let stored = format!("\r\n+QSSLCFG: 0,0,\"cacert\",{}\r\n\r\nOK\r\n", PEM.len());
    let mut pem_and_ctrl_z = PEM.to_vec();
    pem_and_ctrl_z.push(0x1A);
    let mut script: Vec<(&[u8], &[u8])> = vec![
        (b"AT+QSSLCFG=0,0,\"cacert\"\r", b"\r\n> "),
        (&pem_and_ctrl_z, stored.as_bytes()),
    ];
    script.extend_from_slice(SSL_CFG);
    script.extend_from_slice(&[
        (
            b"AT+QSSLOPEN=0,0,\"server.test\",443,0\r",
            b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0,0\r\n",
        ),
        (b"AT+QSSLSEND=0,0,2\r", b"\r\n> "),
        (
            b"6869",
            b"\r\nOK\r\n\r\n+QSSLSEND: 0,0,0\r\n\r\n+QSSLURC: \"recv\",0,0,5,\"68656C6C6F\"\r\n",
        ),
        (
            b"AT+QSSLCLOSE=0,0\r",
            b"\r\nOK\r\n\r\n+QSSLCLOSE: 0,0,0\r\n",
        ),
    ]);
    let mut m = modem(&script);
    assert_eq!(
        m.store_credential(
            "0a1b2c3d.pem",
            PEM.len(),
            &mut modemtls::at::slice_source(PEM)
        ),
        Ok(true)
    );
    // Stored and confirmed since init: not again.
    assert_eq!(
        m.store_credential(
            "0a1b2c3d.pem",
            PEM.len(),
            &mut modemtls::at::slice_source(PEM)
        ),
        Ok(false)
    );
    let id = m.tls_open(&params(Some("0a1b2c3d.pem"))).expect("open");
    assert_eq!(Sockets::send(&mut m, id, b"hi"), Ok(2));
    let mut buf = [0u8; 3];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(3));
    assert_eq!(&buf, b"hel");
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(2));
    assert_eq!(&buf[..2], b"lo");
    Sockets::close(&mut m, id).expect("close");
    done(m);
}

#[test]
fn a_certificate_stored_short_is_an_error() {
    let mut pem_and_ctrl_z = PEM.to_vec();
    pem_and_ctrl_z.push(0x1A);
    let mut m = modem(&[
        (b"AT+QSSLCFG=0,0,\"cacert\"\r", b"\r\n> "),
        (
            &pem_and_ctrl_z,
            b"\r\n+QSSLCFG: 0,0,\"cacert\",0\r\n\r\nOK\r\n",
        ),
    ]);
    assert!(matches!(
        m.store_credential(
            "0a1b2c3d.pem",
            PEM.len(),
            &mut modemtls::at::slice_source(PEM)
        ),
        Err(ModemError::FileChecksum { stored: 0, .. })
    ));
    done(m);
}

#[test]
fn firmware_handshake_codes() {
    let mut script: Vec<(&[u8], &[u8])> = SSL_CFG.to_vec();
    script.push((
        b"AT+QSSLOPEN=0,0,\"server.test\",443,0\r",
        b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0,-5\r\n",
    ));
    script.push((b"AT+QSSLCLOSE=0,0\r", b"\r\nOK\r\n"));
    let mut m = modem(&script);
    assert_eq!(
        m.tls_open(&params(Some("0a1b2c3d.pem"))),
        Err(ModemError::HandshakeFailed(-5))
    );
    // The connection slot is free again.
    assert!(m
        .release()
        .log
        .iter()
        .any(|l| l.starts_with("AT+QSSLCLOSE")));
}

#[test]
fn the_clock_is_read_as_every_family_reads_it() {
    let mut m = modem(&[
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"80/01/06,00:00:41+00\"\r\n\r\nOK\r\n",
        ),
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
        ),
        // Unset once, then set: asked again before deciding.
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"86/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
        ),
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"26/11/22,11:29:54+00\"\r\n\r\nOK\r\n",
        ),
    ]);
    assert_eq!(m.network_time(), Err(ModemError::ClockNotSet));
    assert_eq!(m.network_time(), Ok(1_795_346_993));
    assert_eq!(m.check_clock(), Ok(()));
    done(m);
}

/// A socket id the driver never opened (a caller's mistake) touches
/// nothing: no command goes out, the answer is `Closed`.
#[test]
fn an_unknown_socket_id_is_closed_and_sends_nothing() {
    let mut m = modem(&[]);
    let mut buf = [0u8; 8];
    for id in [0u8, 4, 7, 9, 200] {
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

/// Pushed TLS data with a byte that is not a hex digit (UART damage) is
/// the session's failure as damage, never bytes handed on.
#[test]
fn damaged_pushed_data_is_garbled_not_delivered() {
    let mut script: Vec<(&[u8], &[u8])> = SSL_CFG.to_vec();
    script.push((
        b"AT+QSSLOPEN=0,0,\"server.test\",443,0\r",
        b"\r\nOK\r\n\r\n+QSSLOPEN: 0,0,0\r\n\r\n+QSSLURC: \"recv\",0,0,2,\"6\x2169\"\r\n",
    ));
    let mut m = modem(&script);
    let id = m.tls_open(&params(Some("0a1b2c3d.pem"))).expect("open");
    let mut buf = [0u8; 8];
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::At(modemtls::at::AtError::Garbled))
    );
    done(m);
}

/// The firmware keeps its certificates inline in the SSL configuration,
/// with no command to read or remove them: listing and deleting say so
/// and send nothing.
#[test]
fn credentials_can_be_neither_listed_nor_deleted() {
    let mut m = modem(&[]);
    let mut n = 0;
    assert_eq!(
        m.list_credentials(&mut |_| n += 1),
        Err(ModemError::CredentialStoreUnsupported)
    );
    assert_eq!(n, 0);
    assert_eq!(
        m.delete_credential("0a1b2c3d.pem"),
        Err(ModemError::CredentialStoreUnsupported)
    );
    assert!(ModemError::CredentialStoreUnsupported
        .cause()
        .contains("BC66"));
    done(m);
}
