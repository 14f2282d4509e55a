//! Real openssl clients for the testkit's own tests: the `openssl` CLI
//! (s_client, verify) bounded by a timeout, and an openssl-crate connector.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use openssl::x509::X509;

pub struct Run {
    pub ok: bool,
    pub out: String,
}

/// Runs `openssl ARGS` with `input` on stdin (then closed); killed after
/// `timeout`.
pub fn openssl(args: &[&str], input: &[u8], timeout: Duration) -> Run {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let mut out = String::from_utf8_lossy(&out_t.join().unwrap()).into_owned();
    out.push_str(&String::from_utf8_lossy(&err_t.join().unwrap()));
    if status.is_none() {
        out.push_str("\n[killed after timeout]");
    }
    Run {
        ok: status.map(|s| s.success()).unwrap_or(false),
        out,
    }
}

/// Files in a temp dir, for CLI arguments.
pub struct Files(pub tempfile::TempDir);

impl Files {
    pub fn new() -> Files {
        Files(tempfile::tempdir().unwrap())
    }
    pub fn put(&self, name: &str, data: &[u8]) -> String {
        let p = self.0.path().join(name);
        std::fs::write(&p, data).unwrap();
        p.to_string_lossy().into_owned()
    }
}

/// `openssl s_client -connect 127.0.0.1:PORT -CAfile ca -verify_return_error
/// -ign_eof -quiet EXTRA`, sending `input`, 10 s at most.
pub fn s_client(port: u16, ca_pem: &[u8], extra: &[&str], input: &[u8]) -> Run {
    let f = Files::new();
    let ca = f.put("ca.pem", ca_pem);
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-CAfile",
        &ca,
        "-verify_return_error",
        "-ign_eof",
    ];
    args.extend_from_slice(extra);
    openssl(&args, input, Duration::from_secs(10))
}

pub const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

#[derive(Default)]
pub struct Client<'a> {
    pub ca_pem: &'a [u8],
    /// SNI and hostname to verify; None: no SNI, hostname "localhost.test".
    pub sni: Option<&'a str>,
    pub hostname: Option<&'a str>,
    pub min: Option<SslVersion>,
    pub max: Option<SslVersion>,
    pub cipher_list: Option<&'a str>,
    pub ciphersuites: Option<&'a str>,
    pub cert_chain_pem: Option<&'a [u8]>,
    pub key_pem: Option<&'a [u8]>,
}

impl Client<'_> {
    /// Verifying TLS client (openssl crate). Err: the handshake error text.
    pub fn connect(&self, port: u16) -> Result<SslStream<TcpStream>, String> {
        let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
        for c in X509::stack_from_pem(self.ca_pem).unwrap() {
            b.cert_store_mut().add_cert(c).unwrap();
        }
        b.set_verify(SslVerifyMode::PEER);
        b.set_min_proto_version(self.min).unwrap();
        b.set_max_proto_version(self.max).unwrap();
        if let Some(c) = self.cipher_list {
            b.set_cipher_list(c).unwrap();
        }
        if let Some(c) = self.ciphersuites {
            b.set_ciphersuites(c).unwrap();
        }
        if let (Some(chain), Some(key)) = (self.cert_chain_pem, self.key_pem) {
            let certs = X509::stack_from_pem(chain).unwrap();
            let mut it = certs.into_iter();
            b.set_certificate(&it.next().unwrap()).unwrap();
            for c in it {
                b.add_extra_chain_cert(c).unwrap();
            }
            b.set_private_key(&PKey::private_key_from_pem(key).unwrap())
                .unwrap();
        }
        let connector = b.build();
        let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut cfg = connector.configure().unwrap();
        // SNI set apart from the name verified, so they can differ.
        cfg.set_use_server_name_indication(false);
        if let Some(sni) = self.sni {
            cfg.set_hostname(sni).unwrap();
        }
        let host = self.hostname.or(self.sni).unwrap_or("localhost.test");
        cfg.connect(host, tcp).map_err(|e| e.to_string())
    }
}

/// Reads until close; Ok(data) only after close_notify, Err((data, error))
/// otherwise.
pub fn read_all(s: &mut SslStream<TcpStream>) -> Result<Vec<u8>, (Vec<u8>, String)> {
    let mut v = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.ssl_read(&mut buf) {
            Ok(0) => return Err((v, "EOF".into())),
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(e) if e.code() == openssl::ssl::ErrorCode::ZERO_RETURN => return Ok(v),
            Err(e) => return Err((v, e.to_string())),
        }
    }
}
