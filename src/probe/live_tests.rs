//! The probe against real TLS servers: `openssl s_server` (OpenSSL 3 CLI)
//! on 127.0.0.1, and a Python `ssl` server for a virtual host that refuses
//! ClientHellos without SNI.

use super::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Cipher suites of a Quectel BG96 (firmware TLS), by IANA code.
const BG96: [u16; 13] = [
    0x0035, 0x002F, 0x000A, 0x003D, 0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028,
    0xC02F,
];

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "modemtls-probe-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed RSA-2048 certificate for CN=example.test.
fn make_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=example.test",
            "-days",
            "2",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdin(Stdio::null())
        .output()
        .expect("the openssl CLI is needed for these tests");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// A running server process, killed on drop (also when a test panics).
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
    // Dropped after the process is killed.
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.port != 0 && !self.log.as_os_str().is_empty() {
            eprintln!(
                "  server log (port {}):\n{}",
                self.port,
                self.log_text().trim_end()
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `program args...` (where `{port}`, `{cert}`, `{key}` are
    /// replaced) and waits until it accepts connections (at most 5 s).
    fn start(program: &str, args: &[&str]) -> Server {
        let dir = TempDir::new();
        let (cert, key) = make_cert(&dir.0);
        let mut last_err = String::new();
        for attempt in 0..3 {
            let port = {
                let l = TcpListener::bind("127.0.0.1:0").expect("bind");
                l.local_addr().expect("addr").port()
            };
            let log = dir.0.join(format!("server-{attempt}.log"));
            let args: Vec<String> = args
                .iter()
                .map(|a| {
                    a.replace("{port}", &port.to_string())
                        .replace("{cert}", &cert.to_string_lossy())
                        .replace("{key}", &key.to_string_lossy())
                })
                .collect();
            let child = Command::new(program)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::from(std::fs::File::create(&log).expect("log")))
                .stderr(Stdio::from(
                    std::fs::File::options()
                        .append(true)
                        .open(&log)
                        .expect("log"),
                ))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
            let mut server = Server {
                child,
                port,
                log,
                _dir: TempDir(PathBuf::new()),
            };
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                if let Ok(Some(status)) = server.child.try_wait() {
                    last_err = format!("{program} exited with {status}: {}", server.log_text());
                    break;
                }
                if let Ok(s) = TcpStream::connect_timeout(
                    &([127, 0, 0, 1], port).into(),
                    Duration::from_millis(200),
                ) {
                    drop(s);
                    server._dir = dir;
                    return server;
                }
                if Instant::now() > deadline {
                    last_err =
                        format!("{program} did not accept within 5 s: {}", server.log_text());
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // `server` is dropped (killed) here; try another port.
        }
        panic!("{last_err}");
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn openssl(args: &[&str]) -> Server {
        let mut all = vec![
            "s_server",
            "-accept",
            "127.0.0.1:{port}",
            "-cert",
            "{cert}",
            "-key",
            "{key}",
            "-www",
        ];
        all.extend_from_slice(args);
        Server::start("openssl", &all)
    }

    /// Sends the probe's ClientHello and parses the answer (5 s at most).
    fn probe(&self, hello: &ProbeHello<'_>) -> Verdict {
        self.probe_bytes(hello).0
    }

    /// [`probe`](Self::probe), also returning the bytes read up to the verdict.
    fn probe_bytes(&self, hello: &ProbeHello<'_>) -> (Verdict, Vec<u8>) {
        let mut out = [0u8; 512];
        let n = write_client_hello(hello, &[0x5A; 32], &mut out).expect("hello");
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.write_all(&out[..n]).expect("send");
        let mut parser = ResponseParser::new();
        let mut buf = [0u8; 256];
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let v = loop {
            match s.read(&mut buf) {
                Ok(0) => break parser.finish_eof(),
                Ok(k) => {
                    seen.extend_from_slice(&buf[..k]);
                    if let Some(v) = parser.feed(&buf[..k]) {
                        break v;
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    break parser.finish_eof()
                }
                Err(e) if e.kind() == ErrorKind::Interrupted && Instant::now() < deadline => {}
                Err(_) => break parser.finish_eof(),
            }
        };
        let _ = s.shutdown(Shutdown::Both);
        (v, seen)
    }
}

fn bg96(name: Option<&str>) -> ProbeHello<'_> {
    ProbeHello {
        server_name: name,
        cipher_suites: &BG96,
        min_version: TlsVersion::Tls10,
        max_version: TlsVersion::Tls12,
    }
}

fn fatal(d: AlertDescription) -> Verdict {
    Verdict::Alert {
        level: 2,
        description: d,
    }
}

/// (a) A TLS 1.3-only server refuses the BG96's TLS 1.0-1.2 hello with a
/// fatal protocol_version alert.
#[test]
fn openssl_tls13_only_is_protocol_version() {
    let server = Server::openssl(&["-tls1_3"]);
    let hello = bg96(None);
    let v = server.probe(&hello);
    eprintln!("openssl s_server -tls1_3, BG96 hello: {v:?}");
    assert_eq!(
        v,
        fatal(AlertDescription::ProtocolVersion),
        "server log: {}",
        server.log_text()
    );
    let retry = server.probe(&bg96(Some("example.test")));
    eprintln!("  with SNI: {retry:?}");
    assert_eq!(diagnose(v, None), Diagnosis::ProtocolVersion);
    assert_eq!(
        diagnose_for(&hello, v, Some(retry)),
        Diagnosis::ProtocolVersion
    );
    // The same server, probed by a hello that offers TLS 1.3 (without a key
    // share), answers with a HelloRetryRequest.
    let suites = [0x1301, 0x1302, 0x1303];
    let tls13 = ProbeHello {
        server_name: Some("example.test"),
        cipher_suites: &suites,
        min_version: TlsVersion::Tls12,
        max_version: TlsVersion::Tls13,
    };
    let v13 = server.probe(&tls13);
    eprintln!("  TLS 1.3 hello without key share: {v13:?}");
    assert_eq!(v13, Verdict::HelloRetryRequest);
    assert_eq!(diagnose_for(&tls13, v13, None), Diagnosis::Inconclusive);
}

/// (b) A TLS 1.2 server with only ECDHE-RSA-CHACHA20-POLY1305 shares no
/// suite with the BG96: fatal handshake_failure, with and without SNI.
#[test]
fn openssl_chacha_only_is_no_common_cipher() {
    let server = Server::openssl(&["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]);
    let hello = bg96(None);
    let v = server.probe(&hello);
    let retry = server.probe(&bg96(Some("example.test")));
    eprintln!("openssl s_server -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305, BG96 hello: {v:?}, with SNI: {retry:?}");
    assert_eq!(
        v,
        fatal(AlertDescription::HandshakeFailure),
        "server log: {}",
        server.log_text()
    );
    assert_eq!(retry, fatal(AlertDescription::HandshakeFailure));
    assert_eq!(diagnose(v, Some(retry)), Diagnosis::NoCommonCipher);
    assert_eq!(
        diagnose_for(&hello, v, Some(retry)),
        Diagnosis::NoCommonCipher
    );
}

/// (c) A TLS 1.2 server with ECDHE-RSA-AES128-GCM-SHA256 accepts the BG96
/// hello with that suite (0xC02F, the BG96's last).
#[test]
fn openssl_aes128_gcm_is_accepted() {
    let server = Server::openssl(&["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    let hello = bg96(None);
    let v = server.probe(&hello);
    eprintln!("openssl s_server -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256, BG96 hello: {v:?}");
    let accepted = Verdict::ServerHello {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    assert_eq!(v, accepted, "server log: {}", server.log_text());
    let expect = Diagnosis::ServerAccepts {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    assert_eq!(diagnose(v, None), expect);
    assert_eq!(diagnose_for(&hello, v, None), expect);
    // A TLS 1.0-only BG96 variant is refused by the same server.
    let old = ProbeHello {
        max_version: TlsVersion::Tls10,
        ..hello
    };
    let v = server.probe(&old);
    eprintln!("  TLS 1.0-only hello: {v:?}");
    assert_eq!(v, fatal(AlertDescription::ProtocolVersion));
}

/// (d) `-servername example.test -servername_fatal` (with `-cert2/-key2`,
/// without which OpenSSL installs no servername callback). OpenSSL 3.0's
/// callback only compares a name that was sent: a ClientHello WITHOUT SNI is
/// accepted (the default context answers), one with the right name is
/// accepted, one with another name gets a fatal unrecognized_name. Without
/// `-servername_fatal` the mismatch is only a warning alert and the
/// handshake goes on. (Without `-cert2`, OpenSSL 3.0 does not start: it
/// looks for `server2.pem`.)
#[test]
fn openssl_servername_fatal() {
    let server = Server::openssl(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "-servername",
        "example.test",
        "-servername_fatal",
        "-cert2",
        "{cert}",
        "-key2",
        "{key}",
    ]);
    let accepted = Verdict::ServerHello {
        version: TlsVersion::Tls12,
        cipher_suite: 0xC02F,
    };
    let none = server.probe(&bg96(None));
    let right = server.probe(&bg96(Some("example.test")));
    let wrong = server.probe(&bg96(Some("other.test")));
    eprintln!("openssl s_server -servername example.test -servername_fatal: no SNI {none:?}, example.test {right:?}, other.test {wrong:?}");
    assert_eq!(
        none,
        accepted,
        "OpenSSL 3.0 does not reject a hello without SNI; log: {}",
        server.log_text()
    );
    assert_eq!(right, accepted);
    assert_eq!(wrong, fatal(AlertDescription::UnrecognizedName));
    assert_eq!(
        diagnose(none, None),
        Diagnosis::ServerAccepts {
            version: TlsVersion::Tls12,
            cipher_suite: 0xC02F
        }
    );
    // A firmware that sends the wrong name: the name is not served, SNI is
    // no fix.
    let h = bg96(Some("other.test"));
    assert_eq!(diagnose_for(&h, wrong, None), Diagnosis::Inconclusive);

    let warn = Server::openssl(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "-servername",
        "example.test",
        "-cert2",
        "{cert}",
        "-key2",
        "{key}",
    ]);
    let (wrong, bytes) = warn.probe_bytes(&bg96(Some("other.test")));
    eprintln!(
        "  without -servername_fatal, other.test: {wrong:?}, first record {:02x?}",
        &bytes[..bytes.len().min(7)]
    );
    // OpenSSL sends a warning unrecognized_name alert, then its ServerHello;
    // the parser skips the warning.
    assert_eq!(
        &bytes[..7],
        &[21, 3, 3, 0, 2, 1, 112],
        "warning alert first"
    );
    assert_eq!(wrong, accepted, "warning unrecognized_name is skipped");
}

/// A real virtual host that refuses a ClientHello without SNI with
/// handshake_failure (as CDN front ends do), made with Python's `ssl`
/// module (OpenSSL underneath): the first probe and the retry with SNI
/// together give SniRequired. Skipped when python3 is not installed.
#[test]
fn python_sni_required_virtual_host() {
    if Command::new("python3")
        .arg("-c")
        .arg("import ssl")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        eprintln!("python3 with ssl not available: skipped");
        return;
    }
    let script = r#"
import socket, ssl, sys
port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
ctx.load_cert_chain(cert, key)
def cb(sslobj, name, c):
    if name is None:
        return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
    return None
ctx.sni_callback = cb
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(8)
while True:
    c, _ = ls.accept()
    try:
        s = ctx.wrap_socket(c, server_side=True)
        s.close()
    except Exception:
        c.close()
"#;
    let server = Server::start("python3", &["-c", script, "{port}", "{cert}", "{key}"]);
    let hello = bg96(None);
    let first = server.probe(&hello);
    let retry = server.probe(&bg96(Some("example.test")));
    eprintln!("python ssl virtual host: no SNI {first:?}, with SNI {retry:?}");
    assert_eq!(
        first,
        fatal(AlertDescription::HandshakeFailure),
        "log: {}",
        server.log_text()
    );
    assert_eq!(
        retry,
        Verdict::ServerHello {
            version: TlsVersion::Tls12,
            cipher_suite: 0xC02F
        }
    );
    assert_eq!(diagnose(first, Some(retry)), Diagnosis::SniRequired);
    assert_eq!(
        diagnose_for(&hello, first, Some(retry)),
        Diagnosis::SniRequired
    );
}
