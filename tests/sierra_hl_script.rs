//! The Sierra HL8548 / HL78xx driver against byte-exact transcripts of
//! `docs/dialects/sierra-hl.md`: init and attach per firmware, raw TCP
//! (KTCPCFG, KTCPCNX, KTCPSND and KTCPRCV data phases, KTCPCLOSE,
//! KTCPDEL) with binary payloads that look like the framing, delivered in
//! pieces of every size; credentials (KCERTSTORE, 930, 931, PEM to an
//! HL8548); TLS sessions opened and refused; a restart mid-read.

mod common;

use common::script::ScriptPort;
use modemtls::at::AtError;
use modemtls::modem::sierra::{HlModel, SierraHl};
use modemtls::modem::{
    Apn, CredentialKind, FirmwareTls, Modem, ModemError, SocketId, Sockets, Timeouts, TlsParams,
};

type Script<'a> = Vec<(&'a [u8], &'a [u8])>;

const INIT_46: &[(&[u8], &[u8])] = &[
    (b"AT\r", b"AT\r\r\nOK\r\n"),
    (b"ATE0\r", b"ATE0\r\r\nOK\r\n"),
    (b"AT+CMEE=1\r", b"\r\nOK\r\n"),
    (b"ATI\r", b"\r\nHL7800\r\n\r\nOK\r\n"),
    (b"ATI3\r", b"\r\nHL7800.4.6.9.4\r\n\r\nOK\r\n"),
    (b"AT+KSREP=1\r", b"\r\nOK\r\n"),
];

const ATTACH_78: &[(&[u8], &[u8])] = &[
    (b"AT+KCNXCFG=1,\"GPRS\",\"internet\"\r", b"\r\nOK\r\n"),
    (b"AT+CGATT?\r", b"\r\n+CGATT: 0\r\n\r\nOK\r\n"),
    (b"AT+CGATT=1\r", b"\r\nOK\r\n"),
    (b"AT+CGATT?\r", b"\r\n+CGATT: 1\r\n\r\nOK\r\n"),
    (b"AT+KCNXUP=1\r", b"\r\nOK\r\n"),
    (
        b"AT+CGPADDR=1\r",
        b"\r\n+CGPADDR: 1,\"10.0.0.2\"\r\n\r\nOK\r\n",
    ),
];

const INIT_8548: &[(&[u8], &[u8])] = &[
    (b"AT\r", b"\r\nOK\r\n"),
    (b"ATE0\r", b"\r\nOK\r\n"),
    (b"AT+CMEE=1\r", b"\r\nOK\r\n"),
    (b"ATI\r", b"\r\nHL8548\r\n\r\nOK\r\n"),
    (b"ATI3\r", b"\r\nRHL85xx.5.5.14.0\r\n\r\nOK\r\n"),
    (b"AT+KSREP=1\r", b"\r\nOK\r\n"),
];

/// The HL8548 has no AT+KCNXUP: the context comes up at the first
/// connection, so it has no address yet.
const ATTACH_8548: &[(&[u8], &[u8])] = &[
    (b"AT+KCNXCFG=1,\"GPRS\",\"internet\"\r", b"\r\nOK\r\n"),
    (b"AT+CGATT?\r", b"\r\n+CGATT: 1\r\n\r\nOK\r\n"),
    (b"AT+CGPADDR=1\r", b"\r\n+CGPADDR: 1,\"\"\r\n\r\nOK\r\n"),
];

fn timeouts() -> Timeouts {
    Timeouts {
        command_ms: 300,
        attach_ms: 5_000,
        open_ms: 1_000,
        data_ms: 1_000,
    }
}

fn hl78(rest: &[(&[u8], &[u8])], piece: usize) -> SierraHl<ScriptPort> {
    let script: Script = INIT_46
        .iter()
        .chain(ATTACH_78)
        .chain(rest)
        .copied()
        .collect();
    let mut m = SierraHl::new(ScriptPort::new(&script).pieces(piece));
    m.set_timeouts(timeouts());
    let id = m.init().expect("init");
    assert_eq!(id.model.as_str(), "HL7800");
    assert_eq!(id.revision.as_str(), "HL7800.4.6.9.4");
    assert_eq!(m.model(), HlModel::Hl78xx46);
    let caps = *m.capabilities();
    assert!(!caps.sni && caps.has_cipher(0xC02F) && !caps.has_cipher(0x009C));
    assert_eq!(
        m.attach(&Apn::new("internet")).expect("attach").as_str(),
        "10.0.0.2"
    );
    m
}

fn hl8548(rest: &[(&[u8], &[u8])]) -> SierraHl<ScriptPort> {
    let script: Script = INIT_8548
        .iter()
        .chain(ATTACH_8548)
        .chain(rest)
        .copied()
        .collect();
    let mut m = SierraHl::new(ScriptPort::new(&script));
    m.set_timeouts(timeouts());
    m.init().expect("init");
    assert_eq!(m.model(), HlModel::Hl8548);
    assert!(!m.capabilities().ca_formats.pem && m.capabilities().ca_formats.der);
    assert_eq!(
        m.attach(&Apn::new("internet")).expect("attach").as_str(),
        ""
    );
    m
}

fn done(m: SierraHl<ScriptPort>) {
    m.release().finished();
}

#[test]
fn init_and_attach_hl78xx_and_hl8548() {
    done(hl78(&[], 7));
    done(hl8548(&[]));
}

/// Bytes that look like every piece of the framing.
const LOOKALIKES: &[u8] = b"\x00\xff--EOF--Pattern--\r\nOK\r\nCONNECT\r\n> +KTCP_DATA: 1,5\r\n\r\nERROR\r\n+KTCP_NOTIF: 1,4\r\n--EOF--";

fn frame_rcv(data: &[u8]) -> Vec<u8> {
    let mut v = b"\r\nCONNECT\r\n".to_vec();
    v.extend_from_slice(data);
    v.extend_from_slice(b"--EOF--Pattern--\r\nOK\r\n");
    v
}

fn with_eof(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.extend_from_slice(b"--EOF--Pattern--");
    v
}

/// Raw TCP: the whole life of a session, with a payload that looks like
/// the framing both ways, the answers delivered in pieces of every size
/// from 1 byte (every byte apart) to more than the longest answer.
#[test]
fn raw_session_round_trips_look_alikes_in_pieces_of_every_size() {
    let n = LOOKALIKES.len();
    let snd = format!("AT+KTCPSND=1,{n}\r");
    let rcv = format!("AT+KTCPRCV=1,{n}\r");
    let data_urc = format!("\r\nOK\r\n\r\n+KTCP_DATA: 1,{n}\r\n");
    let sent = with_eof(LOOKALIKES);
    let answer = frame_rcv(LOOKALIKES);
    for piece in 1..=answer.len() + 1 {
        let mut m = hl78(
            &[
                (
                    b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                    b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
                ),
                (b"AT+KTCPCNX=1\r", b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n"),
                (snd.as_bytes(), b"\r\nCONNECT\r\n"),
                (&sent, data_urc.as_bytes()),
                (rcv.as_bytes(), &answer),
                (b"AT+KTCPCLOSE=1\r", b"\r\nOK\r\n"),
                (b"AT+KTCPDEL=1\r", b"\r\nOK\r\n"),
            ],
            piece,
        );
        let id = m.tcp_open("server.test", 443).expect("open");
        assert_eq!(id, SocketId(1));
        assert_eq!(
            Sockets::send(&mut m, id, LOOKALIKES),
            Ok(n),
            "piece {piece}"
        );
        let mut buf = vec![0u8; 2048];
        assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(n), "piece {piece}");
        assert_eq!(&buf[..n], LOOKALIKES, "piece {piece}");
        Sockets::close(&mut m, id).expect("close");
        done(m);
    }
}

/// Every byte value, in reads smaller than what is buffered: the driver
/// asks for what fits, the modem says what is left.
#[test]
fn binary_data_read_in_parts_and_the_count_that_follows() {
    let all: Vec<u8> = (0..=255u8).collect();
    let first = frame_rcv(&all[..100]);
    let second = frame_rcv(&all[100..]);
    let mut first_and_count = first.clone();
    first_and_count.extend_from_slice(b"\r\n+KTCP_DATA: 1,156\r\n");
    let mut m = hl78(
        &[
            (
                b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (
                b"AT+KTCPCNX=1\r",
                b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n\r\n+KTCP_DATA: 1,256\r\n",
            ),
            (b"AT+KTCPRCV=1,100\r", &first_and_count),
            (b"AT+KTCPRCV=1,156\r", &second),
        ],
        7,
    );
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut got = Vec::new();
    let mut buf = [0u8; 100];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(100));
    got.extend_from_slice(&buf);
    let mut big = [0u8; 512];
    assert_eq!(m.recv_wait(id, &mut big, 500), Ok(156));
    got.extend_from_slice(&big[..156]);
    assert_eq!(got, all);
    done(m);
}

/// A `+KTCP_DATA` said after one read's `OK` but handled only during the
/// next read (a busy UART, seen on QEMU under load) counts bytes that read
/// takes: the driver does not ask for them again (the modem would answer
/// fewer bytes than announced and break the length framing) but asks
/// `AT+KTCPSTAT` what is left.
#[test]
fn a_late_data_count_is_not_taken_for_what_is_left() {
    let all: Vec<u8> = (0..325u32).map(|i| (i * 7 % 256) as u8).collect();
    let first = frame_rcv(&all[..256]);
    let mut late_count_then_second = b"\r\n+KTCP_DATA: 1,69\r\n".to_vec();
    late_count_then_second.extend_from_slice(&frame_rcv(&all[256..]));
    let mut m = hl78(
        &[
            (
                b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (
                b"AT+KTCPCNX=1\r",
                b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n\r\n+KTCP_DATA: 1,325\r\n",
            ),
            (b"AT+KTCPRCV=1,256\r", &first),
            (b"AT+KTCPRCV=1,69\r", &late_count_then_second),
            (b"AT+KTCPSTAT=1\r", b"\r\n+KTCPSTAT: 3,-1,0,0\r\n\r\nOK\r\n"),
        ],
        usize::MAX,
    );
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(256));
    got.extend_from_slice(&buf);
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(69));
    got.extend_from_slice(&buf[..69]);
    assert_eq!(got, all);
    // Nothing is left: the modem says so, and no read is asked for.
    assert_eq!(m.recv_wait(id, &mut buf, 300), Err(ModemError::Timeout));
    done(m);
}

/// A payload whose pattern is not where the length says (a byte lost on
/// the UART): damage, never data; the session is closed.
#[test]
fn a_read_without_its_pattern_is_damage_and_closes_the_session() {
    let mut m = hl78(
        &[
            (
                b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (
                b"AT+KTCPCNX=1\r",
                b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n\r\n+KTCP_DATA: 1,5\r\n",
            ),
            (
                b"AT+KTCPRCV=1,5\r",
                b"\r\nCONNECT\r\nabcd--EOF--Pattern--\r\nOK\r\n",
            ),
            // The client resynchronises, then the driver closes.
            (b"AT\r", b"\r\nOK\r\n"),
            (b"AT+KTCPCLOSE=1\r", b"\r\nOK\r\n"),
        ],
        7,
    );
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 16];
    assert_eq!(
        m.recv_wait(id, &mut buf, 500),
        Err(ModemError::At(AtError::Garbled))
    );
    assert_eq!(m.recv_wait(id, &mut buf, 500), Err(ModemError::Closed));
    done(m);
}

/// No `+KTCP_DATA` comes (lost on the UART): the driver asks KTCPSTAT.
/// The peer's close before the count of its last bytes: asked once more.
#[test]
fn a_lost_data_urc_is_polled_and_the_close_waits_for_the_last_bytes() {
    let mut m = hl78(
        &[
            (
                b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (b"AT+KTCPCNX=1\r", b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n"),
            (b"AT+KTCPSTAT=1\r", b"\r\n+KTCPSTAT: 3,-1,0,4\r\n\r\nOK\r\n"),
            (
                b"AT+KTCPRCV=1,4\r",
                b"\r\nCONNECT\r\nabcd--EOF--Pattern--\r\nOK\r\n\r\n+KTCP_NOTIF: 1,4\r\n",
            ),
            (b"AT+KTCPSTAT=1\r", b"\r\n+KTCPSTAT: 5,4,0,2\r\n\r\nOK\r\n"),
            (
                b"AT+KTCPRCV=1,2\r",
                b"\r\nCONNECT\r\nef--EOF--Pattern--\r\nOK\r\n",
            ),
            (b"AT+KTCPSTAT=1\r", b"\r\n+KTCPSTAT: 5,4,0,0\r\n\r\nOK\r\n"),
        ],
        7,
    );
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 16];
    assert_eq!(m.recv_wait(id, &mut buf, 5_000), Ok(4));
    assert_eq!(&buf[..4], b"abcd");
    assert_eq!(m.recv_wait(id, &mut buf, 5_000), Ok(2));
    assert_eq!(&buf[..2], b"ef");
    assert_eq!(m.recv_wait(id, &mut buf, 5_000), Ok(0));
    done(m);
}

/// Connection failures by their `+KTCP_NOTIF` code; the session is
/// deleted each time.
#[test]
fn connect_failures_by_notif_code() {
    for (code, want) in [
        (3, ModemError::Dns),
        (5, ModemError::ConnectFailed),
        (12, ModemError::OpenTimeout),
        (0, ModemError::PdpDown),
        (6, ModemError::Socket(6)),
    ] {
        let notif = format!("\r\nOK\r\n\r\n+KTCP_NOTIF: 1,{code}\r\n");
        let mut m = hl78(
            &[
                (
                    b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                    b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
                ),
                (b"AT+KTCPCNX=1\r", notif.as_bytes()),
                (b"AT+KTCPDEL=1\r", b"\r\nOK\r\n"),
            ],
            7,
        );
        assert_eq!(m.tcp_open("server.test", 443), Err(want), "code {code}");
        done(m);
    }
    // No free session.
    let mut m = hl78(
        &[(
            b"AT+KTCPCFG=1,0,\"server.test\",443\r",
            b"\r\n+CME ERROR: 3\r\n",
        )],
        7,
    );
    assert_eq!(
        m.tcp_open("server.test", 443),
        Err(ModemError::NoFreeSocket)
    );
    done(m);
}

/// A full send buffer (ERROR after the data) is sent again; a session
/// that is not connected any more is closed.
#[test]
fn a_full_send_buffer_is_retried_and_a_closed_session_is_closed() {
    let mut m = hl78(
        &[
            (
                b"AT+KTCPCFG=1,0,\"server.test\",443\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (b"AT+KTCPCNX=1\r", b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n"),
            (b"AT+KTCPSND=1,2\r", b"\r\nCONNECT\r\n"),
            (b"hi--EOF--Pattern--", b"\r\nERROR\r\n"),
            (b"AT+KTCPSND=1,2\r", b"\r\nCONNECT\r\n"),
            (b"hi--EOF--Pattern--", b"\r\nOK\r\n"),
            (
                b"AT+KTCPSND=1,2\r",
                b"\r\n+CME ERROR: 3\r\n\r\n+KTCP_NOTIF: 1,4\r\n",
            ),
        ],
        7,
    );
    let id = m.tcp_open("server.test", 443).expect("open");
    assert_eq!(Sockets::send(&mut m, id, b"hi"), Ok(2));
    assert_eq!(Sockets::send(&mut m, id, b"hi"), Err(ModemError::Closed));
    done(m);
}

fn params(ca: Option<&str>) -> TlsParams<'_> {
    TlsParams {
        host: "server.test",
        port: 443,
        verify: ca.is_some(),
        check_validity: false,
        ca,
        client_cert: None,
        client_key: None,
        handshake_timeout_s: 30,
    }
}

/// A DER certificate with the pattern inside it goes up framed by its
/// length; stored since init, it is not sent again.
#[test]
fn kcertstore_ok_930_and_931() {
    let der: Vec<u8> = {
        let mut d = vec![0x30, 0x82, 0x00, 0x20];
        d.extend_from_slice(b"--EOF--Pattern--\r\nOK\r\nCONNECT\r\n");
        d
    };
    let cmd = format!("AT+KCERTSTORE=0,{}\r", der.len());
    let up = with_eof(&der);
    let key_cmd = format!("AT+KPRIVKSTORE=0,{}\r", der.len());
    let crt_cmd = format!("AT+KCERTSTORE=1,{}\r", der.len());
    let mut m = hl78(
        &[
            (cmd.as_bytes(), b"\r\nCONNECT\r\n"),
            (&up, b"\r\nOK\r\n"),
            (crt_cmd.as_bytes(), b"\r\nCONNECT\r\n"),
            (&up, b"\r\n+CME ERROR: 930\r\n"),
            (key_cmd.as_bytes(), b"\r\nCONNECT\r\n"),
            (&up, b"\r\n+CME ERROR: 931\r\n"),
            (key_cmd.as_bytes(), b"\r\nCONNECT\r\n"),
            (&up, b"\r\nOK\r\n"),
        ],
        3,
    );
    // Pulled in uneven pieces (at most 5 bytes a call), anew per upload.
    let uneven = || {
        let mut rest: &[u8] = &der;
        move |buf: &mut [u8]| -> Result<usize, AtError> {
            let n = buf.len().min(5).min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            Ok(n)
        }
    };
    assert_eq!(
        m.store_credential("0a1b2c3d.pem", der.len(), &mut uneven()),
        Ok(true)
    );
    assert_eq!(
        m.store_credential("0a1b2c3d.pem", der.len(), &mut uneven()),
        Ok(false)
    );
    assert_eq!(
        m.store_credential("0a1b2c3d.crt", der.len(), &mut uneven()),
        Err(ModemError::At(AtError::PromptLost))
    );
    assert_eq!(
        m.store_credential("0a1b2c3d.key", der.len(), &mut uneven()),
        Err(ModemError::CredentialRejected)
    );
    // Refused last time: stored anew.
    assert_eq!(
        m.store_credential("0a1b2c3d.key", der.len(), &mut uneven()),
        Ok(true)
    );
    assert_eq!(
        m.store_credential("x.der", 4, &mut modemtls::at::slice_source(b"abcd")),
        Err(ModemError::At(AtError::InvalidArgument))
    );
    assert_eq!(
        m.store_credential(
            "0a1b2c3e.pem",
            4097,
            &mut modemtls::at::slice_source(b"abcd")
        ),
        Err(ModemError::FileTooLarge)
    );
    done(m);
}

/// PEM given to the DER-only HL8548 directly is not stored: filler goes
/// out in its place (so the modem refuses it) and the answer is
/// `CredentialRejected`.
#[test]
fn pem_given_to_an_hl8548_directly_is_refused() {
    const PEM: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let cmd = format!("AT+KCERTSTORE=0,{}\r", PEM.len());
    let filler = vec![0u8; PEM.len()];
    let mut m = hl8548(&[
        (cmd.as_bytes(), b"\r\nCONNECT\r\n"),
        (&filler, b"\r\n+CME ERROR: 931\r\n"),
    ]);
    assert_eq!(
        m.store_credential(
            "0a1b2c3d.pem",
            PEM.len(),
            &mut modemtls::at::slice_source(PEM)
        ),
        Err(ModemError::CredentialRejected)
    );
    done(m);
}

/// TLS sessions: KSSLCRYPTO profile 0 with the firmware's whole table and
/// the verification asked for, KTCPCFG mode 3, then the data commands as
/// raw; failures by code.
#[test]
fn tls_session_open_send_read_close_hl78xx_46() {
    let mut m = hl78(
        &[
            (b"AT+KSSLCRYPTO=0,8,3,25392,12,4,1,0\r", b"\r\nOK\r\n"),
            (
                b"AT+KTCPCFG=1,3,\"server.test\",443,,,,,0\r",
                b"\r\n+KTCPCFG: 2\r\n\r\nOK\r\n",
            ),
            (b"AT+KTCPCNX=2\r", b"\r\nOK\r\n\r\n+KTCP_IND: 2,1\r\n"),
            (b"AT+KTCPSND=2,2\r", b"\r\nCONNECT\r\n"),
            (b"hi--EOF--Pattern--", b"\r\nOK\r\n\r\n+KTCP_DATA: 2,5\r\n"),
            (
                b"AT+KTCPRCV=2,5\r",
                b"\r\nCONNECT\r\nhello--EOF--Pattern--\r\nOK\r\n",
            ),
            (b"AT+KTCPCLOSE=2\r", b"\r\nOK\r\n"),
            (b"AT+KTCPDEL=2\r", b"\r\nOK\r\n"),
        ],
        7,
    );
    let id = m.tls_open(&params(Some("0a1b2c3d.pem"))).expect("open");
    assert_eq!(id, SocketId(2));
    assert_eq!(Sockets::send(&mut m, id, b"hi"), Ok(2));
    let mut buf = [0u8; 8];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    Sockets::close(&mut m, id).expect("close");
    done(m);
}

#[test]
fn tls_open_failures_by_code_hl8548() {
    for (code, want) in [
        (13, ModemError::HandshakeFailed(13)),
        (14, ModemError::HandshakeFailed(14)),
        (3, ModemError::Dns),
        (5, ModemError::ConnectFailed),
        (12, ModemError::OpenTimeout),
    ] {
        let notif = format!("\r\nOK\r\n\r\n+KTCP_NOTIF: 1,{code}\r\n");
        let mut m = hl8548(&[
            // The HL8548's profiles have no root index; no verification: auth 0.
            (b"AT+KSSLCRYPTO=0,1,1,24640,12,4,0\r", b"\r\nOK\r\n"),
            (
                b"AT+KTCPCFG=1,3,\"server.test\",443,,,,,0\r",
                b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
            ),
            (b"AT+KTCPCNX=1\r", notif.as_bytes()),
            (b"AT+KTCPDEL=1\r", b"\r\nOK\r\n"),
        ]);
        assert_eq!(m.tls_open(&params(None)), Err(want), "code {code}");
        done(m);
    }
}

/// The modem restarts during a read: its banner comes in place of the
/// answer. The read is `Rebooted`; the next open initialises the modem
/// and configures the APN again by itself.
#[test]
fn a_restart_mid_read_is_rebooted_and_the_next_open_recovers() {
    let mut script: Script = vec![
        (
            b"AT+KTCPCFG=1,0,\"server.test\",443\r",
            b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
        ),
        (
            b"AT+KTCPCNX=1\r",
            b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n\r\n+KTCP_DATA: 1,5\r\n",
        ),
        (b"AT+KTCPRCV=1,5\r", b"\r\n+KSUP: 0\r\n"),
    ];
    script.extend_from_slice(INIT_46);
    script.extend_from_slice(ATTACH_78);
    script.extend_from_slice(&[
        (
            b"AT+KTCPCFG=1,0,\"server.test\",443\r",
            b"\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
        ),
        (b"AT+KTCPCNX=1\r", b"\r\nOK\r\n\r\n+KTCP_IND: 1,1\r\n"),
    ]);
    let mut m = hl78(&script, 7);
    let id = m.tcp_open("server.test", 443).expect("open");
    let mut buf = [0u8; 8];
    assert_eq!(m.recv_wait(id, &mut buf, 500), Err(ModemError::Rebooted));
    assert_eq!(m.tcp_open("server.test", 443), Ok(SocketId(1)));
    done(m);
}

/// A session id the driver never opened touches nothing.
#[test]
fn an_unknown_session_is_closed_and_sends_nothing() {
    let mut m = hl78(&[], 7);
    let mut buf = [0u8; 8];
    for id in [0u8, 1, 6, 7, 200] {
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

// ---- listing and deleting credentials (AT+KCERTSTORE?, AT+KPRIVKSTORE?,
// AT+KCERTDELETE, AT+KPRIVKDELETE) ----

type Listed = Vec<(String, Option<u32>, CredentialKind)>;

/// What `list_credentials` passed on, and its result.
fn listed(m: &mut impl FirmwareTls) -> (Listed, Result<(), ModemError>) {
    let mut v = Vec::new();
    let r = m.list_credentials(&mut |e| v.push((e.name.to_string(), e.size, e.kind)));
    (v, r)
}

const CERTS: &[u8] = b"AT+KCERTSTORE?\r";
const KEYS: &[u8] = b"AT+KPRIVKSTORE?\r";
const EMPTY: &[u8] = b"\r\nCONNECT\r\n\r\nOK\r\n";

#[test]
fn slots_are_listed_with_size_and_kind() {
    for piece in [1, 5, 64] {
        let mut m = hl78(
            &[
                (
                    CERTS,
                    b"\r\nCONNECT\r\nroot_cert,0,1234\r\nroot_cert,2,800\r\nlocal_cert,0,567\r\n\r\nOK\r\n",
                ),
                (KEYS, b"\r\nCONNECT\r\nprivate_key,0,241\r\n\r\nOK\r\n"),
                (CERTS, EMPTY),
                (KEYS, EMPTY),
                // The older firmware's header line; an empty slot listed
                // with length 0.
                (
                    CERTS,
                    b"\r\n+KCERTSTORE\r\nroot_cert,0,0\r\nlocal_cert,1,9\r\n\r\nOK\r\n",
                ),
                (KEYS, b"\r\n+KPRIVKSTORE:\r\n\r\nOK\r\n"),
            ],
            piece,
        );
        let (v, r) = listed(&mut m);
        r.unwrap();
        assert_eq!(
            v,
            vec![
                ("root_cert,0".into(), Some(1234), CredentialKind::Ca),
                ("root_cert,2".into(), Some(800), CredentialKind::Ca),
                ("local_cert,0".into(), Some(567), CredentialKind::ClientCert),
                ("private_key,0".into(), Some(241), CredentialKind::ClientKey),
            ],
            "piece {piece}"
        );
        assert_eq!(listed(&mut m), (vec![], Ok(())));
        assert_eq!(
            listed(&mut m),
            (
                vec![("local_cert,1".into(), Some(9), CredentialKind::ClientCert)],
                Ok(())
            )
        );
        m.release().finished();
    }
}

#[test]
fn a_slot_is_deleted_after_the_listing_shows_it() {
    let certs: &[u8] =
        b"\r\nCONNECT\r\nroot_cert,0,1234\r\nroot_cert,2,800\r\nlocal_cert,0,567\r\n\r\nOK\r\n";
    let keys: &[u8] = b"\r\nCONNECT\r\nprivate_key,0,241\r\n\r\nOK\r\n";
    let mut m = hl78(
        &[
            (CERTS, certs),
            (b"AT+KCERTDELETE=0,2\r", b"\r\nOK\r\n"),
            // By the name it was stored under: `.crt` is local 0.
            (CERTS, certs),
            (b"AT+KCERTDELETE=1,0\r", b"\r\nOK\r\n"),
            (KEYS, keys),
            (b"AT+KPRIVKDELETE=0\r", b"\r\nOK\r\n"),
            // Not there: nothing deleted.
            (CERTS, certs),
            (KEYS, EMPTY),
            // The firmware refuses.
            (CERTS, certs),
            (b"AT+KCERTDELETE=0,0\r", b"\r\n+CME ERROR: 3\r\n"),
        ],
        3,
    );
    m.delete_credential("root_cert,2").unwrap();
    m.delete_credential("0a1b2c3d.crt").unwrap();
    m.delete_credential("private_key,0").unwrap();
    assert_eq!(
        m.delete_credential("local_cert,1"),
        Err(ModemError::CredentialNotFound)
    );
    assert_eq!(
        m.delete_credential("0a1b2c3d.key"),
        Err(ModemError::CredentialNotFound)
    );
    assert!(m.delete_credential("root_cert,0").is_err());
    // Names of no slot: not found, nothing sent.
    for name in [
        "ca",
        "root_cert",
        "root_cert,",
        "root_cert,10",
        "root_cert,0,1",
        "key,0",
        "",
    ] {
        assert_eq!(
            m.delete_credential(name),
            Err(ModemError::CredentialNotFound),
            "{name:?}"
        );
    }
    m.release().finished();
}

/// A root certificate deleted is stored again by the next store of the
/// same name (no longer taken for stored).
#[test]
fn a_deleted_root_is_stored_again() {
    let der: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x01];
    let mut pattern = der.to_vec();
    pattern.extend_from_slice(b"--EOF--Pattern--");
    let store: [(&[u8], &[u8]); 2] = [
        (b"AT+KCERTSTORE=0,5\r", b"\r\nCONNECT\r\n"),
        (&pattern, b"\r\nOK\r\n"),
    ];
    let mut script: Script = store.to_vec();
    script.push((CERTS, b"\r\nCONNECT\r\nroot_cert,0,5\r\n\r\nOK\r\n"));
    script.push((b"AT+KCERTDELETE=0,0\r", b"\r\nOK\r\n"));
    script.extend(store);
    let mut m = hl78(&script, 64);
    assert!(m
        .store_credential("c.pem", 5, &mut modemtls::at::slice_source(der))
        .unwrap());
    m.delete_credential("c.pem").unwrap();
    assert!(m
        .store_credential("c.pem", 5, &mut modemtls::at::slice_source(der))
        .unwrap());
    m.release().finished();
}

#[test]
fn a_hostile_listing_is_an_error_not_a_name() {
    let long = format!("root_cert{},0,5", "x".repeat(80));
    let bad: Vec<String> = vec![
        "root_cert,0,99999999999".into(),
        "root_cert,0,-1".into(),
        "root_cert,12,5".into(),
        "root_cert,a,5".into(),
        "private_key,0,5".into(),
        "rootcert,0,5".into(),
        "root_cert,0".into(),
        "root_cert,0,5,6".into(),
        "root_\u{1}cert,0,5".into(),
        "+KCERTSTORE: 0".into(),
        long,
    ];
    let mut script: Vec<(Vec<u8>, Vec<u8>)> = bad
        .iter()
        .map(|l| {
            (
                CERTS.to_vec(),
                format!("\r\nCONNECT\r\nroot_cert,0,5\r\n{l}\r\nlocal_cert,0,7\r\n\r\nOK\r\n")
                    .into_bytes(),
            )
        })
        .collect();
    script.push((
        CERTS.to_vec(),
        b"\r\nCONNECT\r\n\x80\xff\x00garbage\r\n\r\nERROR\r\n".to_vec(),
    ));
    script.push((CERTS.to_vec(), EMPTY.to_vec()));
    script.push((
        KEYS.to_vec(),
        b"\r\nCONNECT\r\nroot_cert,0,5\r\n\r\nOK\r\n".to_vec(),
    ));
    let borrowed: Script = script.iter().map(|(a, b)| (&a[..], &b[..])).collect();
    let mut m = hl78(&borrowed, 2);
    let unexpected = Err(ModemError::At(AtError::Unexpected));
    for line in &bad {
        let (v, r) = listed(&mut m);
        assert_eq!(r, unexpected, "{line}");
        // The entry before the damage, none after it; no key listing.
        assert_eq!(
            v,
            vec![("root_cert,0".into(), Some(5), CredentialKind::Ca)],
            "{line}"
        );
    }
    assert_eq!(listed(&mut m), (vec![], unexpected));
    // A certificate word in the key listing.
    assert_eq!(listed(&mut m), (vec![], unexpected));
    m.release().finished();
}
