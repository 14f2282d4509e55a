//! Byte-level tests: ClientHello layout, parser table, diagnosis table,
//! random input.

use super::*;

const BG96: [u16; 13] = [
    0x0035, 0x002F, 0x000A, 0x003D, 0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028,
    0xC02F,
];

fn hello<'a>(
    name: Option<&'a str>,
    suites: &'a [u16],
    min: TlsVersion,
    max: TlsVersion,
) -> ProbeHello<'a> {
    ProbeHello {
        server_name: name,
        cipher_suites: suites,
        min_version: min,
        max_version: max,
    }
}

fn write(h: &ProbeHello<'_>) -> Vec<u8> {
    let mut out = [0u8; 1024];
    let n = write_client_hello(h, &[0xAB; 32], &mut out).expect("hello");
    out[..n].to_vec()
}

fn be16(b: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([b[0], b[1]]))
}

/// A decoded ClientHello, by a reader independent of the writer.
struct Decoded {
    client_version: u16,
    suites: Vec<u16>,
    exts: Vec<(u16, Vec<u8>)>,
}

fn decode(rec: &[u8]) -> Decoded {
    assert_eq!(rec[0], 22);
    assert_eq!(&rec[1..3], &[3, 1]);
    assert_eq!(be16(&rec[3..]), rec.len() - 5, "record length");
    let hs = &rec[5..];
    assert_eq!(hs[0], 1);
    let hs_len = (usize::from(hs[1]) << 16) | be16(&hs[2..]);
    assert_eq!(hs_len, hs.len() - 4, "handshake length");
    let b = &hs[4..];
    let client_version = be16(b) as u16;
    assert_eq!(&b[2..34], &[0xAB; 32]);
    assert_eq!(b[34], 0, "empty session id");
    let sl = be16(&b[35..]);
    let suites = b[37..37 + sl]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let mut p = 37 + sl;
    assert_eq!(&b[p..p + 2], &[1, 0], "null compression only");
    p += 2;
    let el = be16(&b[p..]);
    p += 2;
    assert_eq!(p + el, b.len(), "extensions length");
    let mut exts = Vec::new();
    while p < b.len() {
        let t = be16(&b[p..]) as u16;
        let l = be16(&b[p + 2..]);
        exts.push((t, b[p + 4..p + 4 + l].to_vec()));
        p += 4 + l;
    }
    assert_eq!(p, b.len());
    Decoded {
        client_version,
        suites,
        exts,
    }
}

fn ext(d: &Decoded, t: u16) -> Option<&[u8]> {
    d.exts
        .iter()
        .find(|(ty, _)| *ty == t)
        .map(|(_, b)| b.as_slice())
}

#[test]
fn tls_version_wire_round_trip() {
    for v in [
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ] {
        assert_eq!(TlsVersion::from_wire(v.to_wire()), Some(v));
    }
    assert_eq!(TlsVersion::Tls12.to_wire(), 0x0303);
    assert_eq!(TlsVersion::from_wire(0x0300), None);
    assert_eq!(TlsVersion::from_wire(0x7F1C), None);
    assert!(TlsVersion::Tls10 < TlsVersion::Tls13);
}

#[test]
fn alert_description_codes() {
    for code in 0..=255u8 {
        assert_eq!(AlertDescription::from_u8(code).to_u8(), code);
    }
    assert_eq!(
        AlertDescription::from_u8(40),
        AlertDescription::HandshakeFailure
    );
    assert_eq!(
        AlertDescription::from_u8(70),
        AlertDescription::ProtocolVersion
    );
    assert_eq!(
        AlertDescription::from_u8(71),
        AlertDescription::InsufficientSecurity
    );
    assert_eq!(
        AlertDescription::from_u8(112),
        AlertDescription::UnrecognizedName
    );
    assert_eq!(AlertDescription::from_u8(10), AlertDescription::Other(10));
    assert!(!AlertDescription::ProtocolVersion.text().is_empty());
    assert_eq!(format!("{}", AlertDescription::Other(10)), "alert 10");
}

#[test]
fn hrr_random_is_sha256_of_hello_retry_request() {
    // Independent check with the openssl CLI when it is there.
    let Ok(out) = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-hex"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(b"HelloRetryRequest")?;
            c.wait_with_output()
        })
    else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"),
        "{text}"
    );
    let mut parser = ResponseParser::new();
    let rec = server_hello_record(0x0303, &hrr_random(), 0x1301, &[(0x002B, vec![0x03, 0x04])]);
    assert_eq!(parser.feed(&rec), Some(Verdict::HelloRetryRequest));
}

#[test]
fn client_hello_bg96_layout() {
    let rec = write(&hello(None, &BG96, TlsVersion::Tls10, TlsVersion::Tls12));
    let d = decode(&rec);
    assert_eq!(d.client_version, 0x0303);
    let mut expect = BG96.to_vec();
    expect.push(0x00FF);
    assert_eq!(d.suites, expect);
    let types: Vec<u16> = d.exts.iter().map(|e| e.0).collect();
    assert_eq!(
        types,
        vec![0x000A, 0x000B, 0x000D],
        "no SNI, no supported_versions"
    );
    assert_eq!(ext(&d, 0x000A).unwrap(), &[0, 6, 0, 0x1D, 0, 0x17, 0, 0x18]);
    assert_eq!(ext(&d, 0x000B).unwrap(), &[1, 0]);
    assert_eq!(
        ext(&d, 0x000D).unwrap(),
        &[0, 20, 4, 3, 5, 3, 8, 4, 8, 5, 8, 6, 4, 1, 5, 1, 6, 1, 2, 1, 2, 3]
    );
}

#[test]
fn client_hello_exact_bytes() {
    let rec = write(&hello(
        Some("a.io"),
        &[0xC02F],
        TlsVersion::Tls12,
        TlsVersion::Tls12,
    ));
    let mut expect = vec![
        0x16, 0x03, 0x01, 0x00, 0x6A, 0x01, 0x00, 0x00, 0x66, 0x03, 0x03,
    ];
    expect.extend([0xAB; 32]);
    expect.extend([
        0x00, 0x00, 0x04, 0xC0, 0x2F, 0x00, 0xFF, 0x01, 0x00, 0x00, 0x39,
    ]);
    expect.extend([
        0x00, 0x00, 0x00, 0x09, 0x00, 0x07, 0x00, 0x00, 0x04, b'a', b'.', b'i', b'o',
    ]);
    expect.extend([
        0x00, 0x0A, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1D, 0x00, 0x17, 0x00, 0x18,
    ]);
    expect.extend([0x00, 0x0B, 0x00, 0x02, 0x01, 0x00]);
    expect.extend([0x00, 0x0D, 0x00, 0x16, 0x00, 0x14]);
    expect.extend([4, 3, 5, 3, 8, 4, 8, 5, 8, 6, 4, 1, 5, 1, 6, 1, 2, 1, 2, 3]);
    assert_eq!(rec, expect);
}

#[test]
fn client_hello_versions() {
    let d = decode(&write(&hello(
        None,
        &BG96,
        TlsVersion::Tls10,
        TlsVersion::Tls11,
    )));
    assert_eq!(d.client_version, 0x0302);
    assert!(ext(&d, 0x002B).is_none());
    let d = decode(&write(&hello(
        None,
        &[0x1301, 0xC02F],
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    )));
    assert_eq!(d.client_version, 0x0303, "legacy_version stays 1.2");
    assert_eq!(ext(&d, 0x002B).unwrap(), &[4, 3, 4, 3, 3]);
    assert_eq!(ext(&d, 0x0033).unwrap(), &[0, 0], "empty key_share");
    let d = decode(&write(&hello(
        None,
        &[0x1301],
        TlsVersion::Tls13,
        TlsVersion::Tls13,
    )));
    assert_eq!(ext(&d, 0x002B).unwrap(), &[2, 3, 4]);
}

#[test]
fn client_hello_sni_rules() {
    let sni = |name: &str| {
        let d = decode(&write(&hello(
            Some(name),
            &BG96,
            TlsVersion::Tls12,
            TlsVersion::Tls12,
        )));
        ext(&d, 0x0000).map(|b| {
            assert_eq!(be16(b), b.len() - 2);
            assert_eq!(b[2], 0);
            assert_eq!(be16(&b[3..]), b.len() - 5);
            String::from_utf8(b[5..].to_vec()).unwrap()
        })
    };
    assert_eq!(sni("example.com").as_deref(), Some("example.com"));
    assert_eq!(
        sni("example.com.").as_deref(),
        Some("example.com"),
        "trailing dot removed"
    );
    assert_eq!(sni("my_host.local").as_deref(), Some("my_host.local"));
    assert_eq!(sni("localhost").as_deref(), Some("localhost"));
    assert_eq!(sni("192.0.2.1"), None, "IPv4 omitted");
    assert_eq!(sni("10.1"), None, "short IPv4 form omitted");
    assert_eq!(sni("::1"), None, "IPv6 omitted");
    assert_eq!(sni("[2001:db8::1]"), None, "IPv6 omitted");
    assert_eq!(sni("1.example"), Some("1.example".into()));
    let long = format!(
        "{}.{}.{}.{}",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    assert_eq!(long.len(), 253);
    assert_eq!(sni(&long).as_deref(), Some(long.as_str()));
}

#[test]
fn client_hello_errors() {
    let mut out = [0u8; 1024];
    let r = [0u8; 32];
    let err = |h: ProbeHello<'_>, out: &mut [u8]| write_client_hello(&h, &r, out).unwrap_err();
    assert_eq!(
        err(
            hello(None, &[], TlsVersion::Tls12, TlsVersion::Tls12),
            &mut out
        ),
        ProbeError::NoCipherSuites
    );
    assert_eq!(
        err(
            hello(None, &BG96, TlsVersion::Tls13, TlsVersion::Tls12),
            &mut out
        ),
        ProbeError::VersionRange
    );
    let long = format!(
        "{}.{}.{}.{}",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(62)
    );
    assert_eq!(
        err(
            hello(Some(&long), &BG96, TlsVersion::Tls12, TlsVersion::Tls12),
            &mut out
        ),
        ProbeError::NameTooLong
    );
    for bad in [
        "",
        ".",
        "a..b",
        "exa mple.com",
        "bad/name",
        "é.com",
        &"x".repeat(64),
    ] {
        assert_eq!(
            err(
                hello(Some(bad), &BG96, TlsVersion::Tls12, TlsVersion::Tls12),
                &mut out
            ),
            ProbeError::InvalidName,
            "{bad:?}"
        );
    }
    // Every short buffer fails cleanly, the exact size succeeds.
    let h = hello(
        Some("example.test"),
        &BG96,
        TlsVersion::Tls10,
        TlsVersion::Tls13,
    );
    let n = write_client_hello(&h, &r, &mut out).unwrap();
    for len in 0..n {
        let mut small = vec![0u8; len];
        assert_eq!(
            write_client_hello(&h, &r, &mut small),
            Err(ProbeError::BufferTooSmall),
            "len {len}"
        );
    }
    let mut exact = vec![0u8; n];
    assert_eq!(write_client_hello(&h, &r, &mut exact), Ok(n));
    assert_eq!(&exact[..], &out[..n]);
    // Too many suites for one record.
    let many = vec![0xC02Fu16; 9000];
    let mut big = vec![0u8; 40_000];
    assert_eq!(
        write_client_hello(
            &hello(None, &many, TlsVersion::Tls12, TlsVersion::Tls12),
            &r,
            &mut big
        ),
        Err(ProbeError::HelloTooLarge)
    );
    let many = vec![0xC02Fu16; 40_000];
    let mut big = vec![0u8; 100_000];
    assert_eq!(
        write_client_hello(
            &hello(None, &many, TlsVersion::Tls12, TlsVersion::Tls12),
            &r,
            &mut big
        ),
        Err(ProbeError::HelloTooLarge)
    );
}

#[test]
fn scsv_not_duplicated() {
    let d = decode(&write(&hello(
        None,
        &[0x00FF, 0x002F],
        TlsVersion::Tls12,
        TlsVersion::Tls12,
    )));
    assert_eq!(d.suites, vec![0x00FF, 0x002F]);
}

// ---- parser ----

fn hrr_random() -> [u8; 32] {
    [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8,
        0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
        0x33, 0x9C,
    ]
}

fn server_hello_msg(
    version: u16,
    random: &[u8; 32],
    suite: u16,
    exts: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(version.to_be_bytes());
    body.extend(random);
    body.push(32);
    body.extend([0x55; 32]);
    body.extend(suite.to_be_bytes());
    body.push(0);
    if !exts.is_empty() {
        let mut e = Vec::new();
        for (t, b) in exts {
            e.extend(t.to_be_bytes());
            e.extend((b.len() as u16).to_be_bytes());
            e.extend(b);
        }
        body.extend((e.len() as u16).to_be_bytes());
        body.extend(e);
    }
    let mut msg = vec![2, 0, (body.len() >> 8) as u8, body.len() as u8];
    msg.extend(body);
    msg
}

fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![kind, 3, 3, (body.len() >> 8) as u8, body.len() as u8];
    r.extend(body);
    r
}

fn server_hello_record(
    version: u16,
    random: &[u8; 32],
    suite: u16,
    exts: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    record(22, &server_hello_msg(version, random, suite, exts))
}

fn certificate_tail() -> Vec<u8> {
    // What follows a ServerHello in the same record: a Certificate header.
    vec![11, 0, 0x10, 0x00, 0, 0x0F, 0xFD]
}

/// Feeds whole, byte by byte and at every split point; all must agree.
fn parse_all_ways(bytes: &[u8], eof: bool) -> Verdict {
    let run = |chunks: &[&[u8]]| {
        let mut p = ResponseParser::new();
        let mut v = None;
        for c in chunks {
            if let Some(x) = p.feed(c) {
                v = Some(x);
                break;
            }
        }
        match v {
            Some(v) => v,
            None if eof => p.finish_eof(),
            None => panic!("no verdict for {bytes:02x?}"),
        }
    };
    let whole = run(&[bytes]);
    let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(run(&bytewise), whole, "bytewise");
    for i in 0..=bytes.len() {
        let (a, b) = bytes.split_at(i);
        assert_eq!(run(&[a, b]), whole, "split at {i}");
    }
    whole
}

#[test]
fn parser_table() {
    let r = [0x42; 32];
    let sh = |v, s| Verdict::ServerHello {
        version: v,
        cipher_suite: s,
    };
    let alert = |l, d| Verdict::Alert {
        level: l,
        description: AlertDescription::from_u8(d),
    };
    let mut sh_tail = server_hello_msg(
        0x0303,
        &r,
        0xC02F,
        &[(0xFF01, vec![0]), (0x000B, vec![1, 0])],
    );
    sh_tail.extend(certificate_tail());
    // ServerHello in two records (split inside the random).
    let msg = server_hello_msg(0x0303, &r, 0xC02F, &[(0x0017, vec![])]);
    let mut two_records = record(22, &msg[..20]);
    two_records.extend(record(22, &msg[20..]));
    let mut warn_then_sh = record(21, &[1, 112]);
    warn_then_sh.extend(server_hello_record(0x0303, &r, 0xC02F, &[]));
    let mut ccs_then_alert = record(20, &[1]);
    ccs_then_alert.extend(record(21, &[2, 40]));
    let cases: Vec<(&str, Vec<u8>, bool, Verdict)> = vec![
        (
            "fatal handshake_failure",
            record(21, &[2, 40]),
            false,
            alert(2, 40),
        ),
        (
            "fatal protocol_version, record 3.1",
            vec![21, 3, 1, 0, 2, 2, 70],
            false,
            alert(2, 70),
        ),
        (
            "record 3.0 alert",
            vec![21, 3, 0, 0, 2, 2, 71],
            false,
            alert(2, 71),
        ),
        (
            "fatal unrecognized_name",
            record(21, &[2, 112]),
            false,
            alert(2, 112),
        ),
        (
            "warning unrecognized_name then close",
            record(21, &[1, 112]),
            true,
            alert(1, 112),
        ),
        (
            "warning unrecognized_name then ServerHello",
            warn_then_sh,
            false,
            sh(TlsVersion::Tls12, 0xC02F),
        ),
        (
            "warning close_notify",
            record(21, &[1, 0]),
            false,
            alert(1, 0),
        ),
        (
            "alert split over two records",
            [record(21, &[2]), record(21, &[40])].concat(),
            false,
            alert(2, 40),
        ),
        ("ccs skipped", ccs_then_alert, false, alert(2, 40)),
        (
            "ServerHello TLS 1.2, no extensions",
            server_hello_record(0x0303, &r, 0xC02F, &[]),
            false,
            sh(TlsVersion::Tls12, 0xC02F),
        ),
        (
            "ServerHello TLS 1.0",
            server_hello_record(0x0301, &r, 0x002F, &[]),
            false,
            sh(TlsVersion::Tls10, 0x002F),
        ),
        (
            "ServerHello + Certificate in one record",
            record(22, &sh_tail),
            false,
            sh(TlsVersion::Tls12, 0xC02F),
        ),
        (
            "ServerHello over two records",
            two_records,
            false,
            sh(TlsVersion::Tls12, 0xC02F),
        ),
        (
            "ServerHello supported_versions 1.3",
            server_hello_record(
                0x0303,
                &r,
                0x1301,
                &[
                    (
                        0x0033,
                        vec![0, 0x1D, 0, 32].into_iter().chain([7; 32]).collect(),
                    ),
                    (0x002B, vec![3, 4]),
                ],
            ),
            false,
            sh(TlsVersion::Tls13, 0x1301),
        ),
        (
            "ServerHello empty extensions block",
            {
                let mut m = server_hello_msg(0x0303, &r, 0xC02F, &[]);
                m.extend([0, 0]);
                m[3] += 2;
                record(22, &m)
            },
            false,
            sh(TlsVersion::Tls12, 0xC02F),
        ),
        (
            "HelloRetryRequest",
            server_hello_record(0x0303, &hrr_random(), 0x1301, &[(0x002B, vec![3, 4])]),
            false,
            Verdict::HelloRetryRequest,
        ),
        (
            "ServerHello SSL 3.0",
            server_hello_record(0x0300, &r, 0x002F, &[]),
            false,
            Verdict::NotTls,
        ),
        (
            "supported_versions unknown",
            server_hello_record(0x0303, &r, 0x1301, &[(0x002B, vec![0x7F, 0x1C])]),
            false,
            Verdict::NotTls,
        ),
        (
            "supported_versions bad length",
            server_hello_record(0x0303, &r, 0x1301, &[(0x002B, vec![3, 4, 0])]),
            false,
            Verdict::NotTls,
        ),
        (
            "HTTP answer",
            b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
            false,
            Verdict::NotTls,
        ),
        (
            "SSH banner",
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            false,
            Verdict::NotTls,
        ),
        (
            "SSLv2 record",
            vec![0x80, 0x2E, 0x04, 0x00, 0x02],
            false,
            Verdict::NotTls,
        ),
        (
            "record major 2",
            vec![22, 2, 0, 0, 4],
            false,
            Verdict::NotTls,
        ),
        (
            "record minor 5",
            vec![22, 3, 5, 0, 4],
            false,
            Verdict::NotTls,
        ),
        (
            "application data first",
            record(23, &[1, 2, 3]),
            false,
            Verdict::NotTls,
        ),
        (
            "zero-length record",
            vec![22, 3, 3, 0, 0],
            false,
            Verdict::NotTls,
        ),
        (
            "oversized record",
            vec![22, 3, 3, 0x48, 0x01],
            false,
            Verdict::NotTls,
        ),
        (
            "first message Certificate",
            record(22, &certificate_tail()),
            false,
            Verdict::NotTls,
        ),
        (
            "ServerHello too short",
            record(22, &[2, 0, 0, 10, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0]),
            false,
            Verdict::NotTls,
        ),
        (
            "session id 33",
            {
                let mut m = server_hello_msg(0x0303, &r, 0xC02F, &[]);
                m[4 + 2 + 32] = 33;
                record(22, &m)
            },
            false,
            Verdict::NotTls,
        ),
        (
            "extensions longer than message",
            {
                let mut m = server_hello_msg(0x0303, &r, 0xC02F, &[(0xFF01, vec![0])]);
                let at = 4 + 2 + 32 + 1 + 32 + 3;
                m[at + 1] = 0x40;
                record(22, &m)
            },
            false,
            Verdict::NotTls,
        ),
        (
            "extension longer than block",
            {
                let mut m = server_hello_msg(0x0303, &r, 0xC02F, &[(0xFF01, vec![0])]);
                let at = 4 + 2 + 32 + 1 + 32 + 3 + 2 + 2;
                m[at + 1] = 9;
                record(22, &m)
            },
            false,
            Verdict::NotTls,
        ),
        (
            "truncated ServerHello then close",
            server_hello_record(0x0303, &r, 0xC02F, &[])[..40].to_vec(),
            true,
            Verdict::Closed,
        ),
        ("nothing then close", vec![], true, Verdict::Closed),
        (
            "partial header then close",
            vec![22, 3],
            true,
            Verdict::Closed,
        ),
    ];
    for (name, bytes, eof, expect) in cases {
        assert_eq!(parse_all_ways(&bytes, eof), expect, "{name}");
    }
}

#[test]
fn parser_verdict_sticks() {
    let mut p = ResponseParser::new();
    let v = p.feed(&record(21, &[2, 40])).unwrap();
    assert_eq!(p.feed(b"HTTP"), Some(v));
    assert_eq!(p.finish_eof(), v);
    let mut p = ResponseParser::default();
    assert_eq!(p.feed(&[]), None);
    assert_eq!(p.finish_eof(), Verdict::Closed);
    assert_eq!(p.feed(&record(21, &[2, 40])), Some(Verdict::Closed));
}

#[test]
fn parser_state_is_small() {
    assert!(
        core::mem::size_of::<ResponseParser>() <= 64,
        "{}",
        core::mem::size_of::<ResponseParser>()
    );
}

use modemtls_testkit::Rng;

#[test]
fn parser_random_input_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let r = [0x42; 32];
    let seeds = [
        server_hello_record(
            0x0303,
            &r,
            0xC02F,
            &[(0xFF01, vec![0]), (0x002B, vec![3, 3])],
        ),
        server_hello_record(0x0303, &hrr_random(), 0x1301, &[(0x002B, vec![3, 4])]),
        record(21, &[2, 40]),
        record(21, &[1, 112]),
    ];
    let mut decided = 0;
    for i in 0..10_000 {
        // Half pure noise, half a valid answer with mutations, so the deep
        // states are reached too.
        let mut bytes: Vec<u8> = if i % 2 == 0 {
            let len = rng.below(300);
            (0..len).map(|_| rng.next_u64() as u8).collect()
        } else {
            let mut b = seeds[rng.below(seeds.len())].clone();
            for _ in 0..rng.below(4) {
                let at = rng.below(b.len());
                b[at] = rng.next_u64() as u8;
            }
            b.truncate(rng.below(b.len() + 1).max(rng.below(b.len() + 1)));
            b
        };
        if i % 7 == 0 && !bytes.is_empty() {
            bytes[0] = [20, 21, 22][rng.below(3)];
        }
        let mut p = ResponseParser::new();
        let mut rest: &[u8] = &bytes;
        let mut v = None;
        while !rest.is_empty() {
            let (a, b) = rest.split_at(rng.below(rest.len()) + 1);
            rest = b;
            if let Some(x) = p.feed(a) {
                v = Some(x);
                break;
            }
        }
        let end = p.finish_eof();
        if let Some(v) = v {
            decided += 1;
            assert_eq!(end, v);
        }
        // The same bytes in one piece give the same verdict.
        let mut q = ResponseParser::new();
        let w = q.feed(&bytes);
        assert_eq!(w.unwrap_or_else(|| q.finish_eof()), end);
    }
    assert!(decided > 1000, "{decided}");
}

#[test]
fn hello_random_configs_never_panic() {
    let mut rng = Rng(12345);
    let versions = [
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ];
    for _ in 0..2000 {
        let suites: Vec<u16> = (0..rng.below(40)).map(|_| rng.next_u64() as u16).collect();
        let name: String = (0..rng.below(300))
            .map(|_| b"ab.-1:_[x"[rng.below(9)] as char)
            .collect();
        let h = ProbeHello {
            server_name: if rng.below(2) == 0 { None } else { Some(&name) },
            cipher_suites: &suites,
            min_version: versions[rng.below(4)],
            max_version: versions[rng.below(4)],
        };
        let mut out = vec![0u8; rng.below(400)];
        if let Ok(n) = write_client_hello(&h, &[0xAB; 32], &mut out) {
            let d = decode(&out[..n]);
            assert!(d.suites.starts_with(&suites));
        }
    }
}

// ---- diagnosis ----

#[test]
fn diagnose_table() {
    use Diagnosis as D;
    let a = |d| Verdict::Alert {
        level: 2,
        description: AlertDescription::from_u8(d),
    };
    let sh = Verdict::ServerHello {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    let acc = D::ServerAccepts {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    let cases: Vec<(&str, Verdict, Option<Verdict>, Diagnosis)> = vec![
        ("accepts", sh, None, acc),
        ("accepts, retry ignored", sh, Some(a(40)), acc),
        (
            "hf without SNI, ServerHello with SNI",
            a(40),
            Some(sh),
            D::SniRequired,
        ),
        (
            "insufficient_security without SNI, ServerHello with SNI",
            a(71),
            Some(sh),
            D::SniRequired,
        ),
        (
            "closed without SNI, ServerHello with SNI",
            Verdict::Closed,
            Some(sh),
            D::SniRequired,
        ),
        ("unrecognized_name", a(112), None, D::SniRequired),
        (
            "unrecognized_name, then ServerHello",
            a(112),
            Some(sh),
            D::SniRequired,
        ),
        (
            "unrecognized_name even with SNI",
            a(112),
            Some(a(112)),
            D::Inconclusive,
        ),
        (
            "unrecognized_name, with SNI no cipher",
            a(112),
            Some(a(40)),
            D::NoCommonCipher,
        ),
        ("protocol_version", a(70), None, D::ProtocolVersion),
        (
            "protocol_version both",
            a(70),
            Some(a(70)),
            D::ProtocolVersion,
        ),
        ("hf", a(40), None, D::NoCommonCipher),
        ("insufficient_security", a(71), None, D::NoCommonCipher),
        ("hf both ways", a(40), Some(a(40)), D::NoCommonCipher),
        (
            "hf, retry closed",
            a(40),
            Some(Verdict::Closed),
            D::NoCommonCipher,
        ),
        (
            "hf, retry internal_error",
            a(40),
            Some(a(80)),
            D::NoCommonCipher,
        ),
        ("hrr", Verdict::HelloRetryRequest, None, D::ProtocolVersion),
        ("closed", Verdict::Closed, None, D::Inconclusive),
        ("not tls", Verdict::NotTls, None, D::Inconclusive),
        (
            "not tls both",
            Verdict::NotTls,
            Some(Verdict::NotTls),
            D::Inconclusive,
        ),
        ("internal_error", a(80), None, D::Inconclusive),
        ("decode_error", a(50), None, D::Inconclusive),
        (
            "SCSV chosen",
            Verdict::ServerHello {
                version: TlsVersion::Tls12,
                cipher_suite: 0x00FF,
            },
            None,
            D::Inconclusive,
        ),
        (
            "GREASE chosen",
            Verdict::ServerHello {
                version: TlsVersion::Tls12,
                cipher_suite: 0x3A3A,
            },
            None,
            D::Inconclusive,
        ),
        (
            "null suite chosen",
            Verdict::ServerHello {
                version: TlsVersion::Tls12,
                cipher_suite: 0,
            },
            None,
            D::Inconclusive,
        ),
    ];
    for (name, first, retry, expect) in cases {
        assert_eq!(diagnose(first, retry), expect, "{name}");
    }
}

#[test]
fn diagnose_for_checks_the_offer() {
    use Diagnosis as D;
    let no_sni = hello(None, &BG96, TlsVersion::Tls11, TlsVersion::Tls12);
    let sni = hello(
        Some("example.test"),
        &BG96,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
    );
    let ip = hello(
        Some("192.0.2.1"),
        &BG96,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
    );
    let tls13 = hello(
        None,
        &[0x1301, 0xC02F],
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    );
    let sh = |v, s| Verdict::ServerHello {
        version: v,
        cipher_suite: s,
    };
    let un = Verdict::Alert {
        level: 2,
        description: AlertDescription::UnrecognizedName,
    };
    assert_eq!(
        diagnose_for(&no_sni, sh(TlsVersion::Tls12, 0xC02F), None),
        D::ServerAccepts {
            version: TlsVersion::Tls12,
            cipher_suite: 0xC02F
        }
    );
    assert_eq!(
        diagnose_for(&no_sni, sh(TlsVersion::Tls12, 0xC02B), None),
        D::Inconclusive,
        "suite not offered"
    );
    assert_eq!(
        diagnose_for(&no_sni, sh(TlsVersion::Tls10, 0xC02F), None),
        D::Inconclusive,
        "below min"
    );
    assert_eq!(
        diagnose_for(&no_sni, sh(TlsVersion::Tls13, 0xC02F), None),
        D::Inconclusive,
        "above max"
    );
    assert_eq!(
        diagnose_for(
            &no_sni,
            Verdict::Closed,
            Some(sh(TlsVersion::Tls12, 0x1301))
        ),
        D::Inconclusive,
        "retry suite not offered"
    );
    assert_eq!(diagnose_for(&no_sni, un, None), D::SniRequired);
    assert_eq!(
        diagnose_for(&sni, un, None),
        D::Inconclusive,
        "name sent and not known"
    );
    assert_eq!(
        diagnose_for(&ip, un, None),
        D::SniRequired,
        "IP literal sends no SNI"
    );
    assert_eq!(
        diagnose_for(&no_sni, Verdict::HelloRetryRequest, None),
        D::ProtocolVersion
    );
    assert_eq!(
        diagnose_for(&tls13, Verdict::HelloRetryRequest, None),
        D::Inconclusive
    );
    assert_eq!(
        diagnose_for(&tls13, sh(TlsVersion::Tls13, 0x1301), None),
        D::ServerAccepts {
            version: TlsVersion::Tls13,
            cipher_suite: 0x1301
        }
    );
}

#[test]
fn display_texts() {
    let d = Diagnosis::ServerAccepts {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    assert!(format!("{d}").contains("TLS 1.2, cipher suite 0xC02F"));
    assert!(!format!("{}", Diagnosis::SniRequired).is_empty());
    assert!(!format!("{}", ProbeError::BufferTooSmall).is_empty());
}
