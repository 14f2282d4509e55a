//! Test helpers: a raw-byte "host" on the simulator's UART.
#![allow(dead_code)]

use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{NameType, SslAcceptor, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509NameBuilder, X509};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::time::{SystemTime, UNIX_EPOCH};

/// Host name the test servers answer to.
pub const HOST: &str = "server.test";

/// Escaped form for assertion messages.
pub fn show(b: &[u8]) -> String {
    b.iter()
        .map(|&c| match c {
            b'\r' => "\\r".to_string(),
            b'\n' => "\\n".to_string(),
            0x20..=0x7e => (c as char).to_string(),
            _ => format!("\\x{c:02x}"),
        })
        .collect()
}

/// The MCU side of the UART.
pub struct Host {
    pub s: TcpStream,
    pub buf: Vec<u8>,
}

impl Host {
    pub fn connect(sim: &SimHandle) -> Host {
        let s = TcpStream::connect(sim.addr()).expect("connect UART");
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        Host { s, buf: Vec::new() }
    }

    /// Connects, checks the boot banner and turns echo off.
    pub fn boot(sim: &SimHandle) -> Host {
        let mut h = Host::connect(sim);
        h.expect(b"\r\nRDY\r\n\r\nAPP RDY\r\n");
        h.send(b"ATE0\r");
        h.expect(b"ATE0\r\r\nOK\r\n");
        h
    }

    pub fn send(&mut self, b: &[u8]) {
        self.s.write_all(b).expect("UART write");
    }

    fn fill(&mut self, deadline: Instant) -> bool {
        let mut tmp = [0u8; 4096];
        while Instant::now() < deadline {
            match self.s.read(&mut tmp) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return true;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("UART read: {e}"),
            }
        }
        false
    }

    /// Reads exactly `want.len()` bytes (10 s limit) and compares them.
    pub fn expect(&mut self, want: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.buf.len() < want.len() {
            if !self.fill(deadline) && Instant::now() >= deadline {
                break;
            }
        }
        let n = want.len().min(self.buf.len());
        let got: Vec<u8> = self.buf.drain(..n).collect();
        assert_eq!(show(&got), show(want));
    }

    /// Reads exactly `n` bytes (10 s limit).
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.buf.len() < n {
            if !self.fill(deadline) && Instant::now() >= deadline {
                panic!("timeout waiting for {n} bytes; have {}", self.buf.len());
            }
        }
        self.buf.drain(..n).collect()
    }

    /// Reads up to and including `pat` (10 s limit).
    pub fn until(&mut self, pat: &[u8]) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(p) = self.buf.windows(pat.len()).position(|w| w == pat) {
                return self.buf.drain(..p + pat.len()).collect();
            }
            if !self.fill(deadline) && Instant::now() >= deadline {
                panic!(
                    "timeout waiting for {:?}; have {:?}",
                    show(pat),
                    show(&self.buf)
                );
            }
        }
    }

    /// Nothing more arrives within `ms`.
    pub fn quiet(&mut self, ms: u64) {
        let deadline = Instant::now() + Duration::from_millis(ms);
        while self.fill(deadline) {}
        assert!(
            self.buf.is_empty(),
            "unexpected output {:?}",
            show(&self.buf)
        );
    }

    /// Sends `AT...\r` and expects the exact answer (echo off).
    pub fn cmd(&mut self, c: &str, want: &str) {
        self.send(format!("{c}\r").as_bytes());
        self.expect(want.as_bytes());
    }

    /// PDP context 1 up.
    pub fn attach(&mut self) {
        self.cmd("AT+QICSGP=1,1,\"internet\",\"\",\"\",0", "\r\nOK\r\n");
        self.cmd("AT+QIACT=1", "\r\nOK\r\n");
    }
}

pub fn config(profile: FirmwareProfile) -> SimConfig {
    SimConfig::new(profile).host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
}

pub fn sim() -> SimHandle {
    Simulator::spawn(config(FirmwareProfile::bg96())).expect("simulator")
}

/// A self-signed CA:TRUE certificate for `server.test` (RSA-2048 or
/// P-256), valid from an hour ago for `valid_days`.
pub fn self_signed(rsa: bool, valid_days: u32) -> (X509, PKey<Private>) {
    let key = if rsa {
        PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
    } else {
        let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
    };
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", HOST).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    b.set_not_before(&Asn1Time::from_unix(now - 3600).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(valid_days).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns(HOST)
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (b.build(), key)
}

/// Accepts one connection, echoes `n` bytes, then closes.
pub fn echo_once(n: usize) -> (u16, JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = vec![0u8; n];
        s.read_exact(&mut got).unwrap();
        s.write_all(&got).unwrap();
    });
    (port, t)
}

/// A TLS server of [`tls12_echo_server`].
pub struct TlsServer {
    pub port: u16,
    /// Its self-signed certificate (the CA to trust).
    pub cert: X509,
    /// SNI the server saw (outer None: no ClientHello yet).
    pub sni: Arc<Mutex<Option<Option<String>>>>,
    /// Negotiated version and cipher (`"TLSv1.2 AES128-SHA"`), or the
    /// handshake error.
    pub result: JoinHandle<Result<String, String>>,
}

impl TlsServer {
    /// The certificate as PEM.
    pub fn ca_pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }
}

/// What the server does after echoing one read.
#[derive(Clone, Copy)]
pub enum AfterEcho {
    /// close_notify at once.
    Shutdown,
    /// Stay open until the client closes (no close racing the reads).
    WaitForClient,
}

/// Accepts one TLS 1.0-1.2 connection on 127.0.0.1 with `cipher_list`
/// (OpenSSL security level 0, for the firmware's old suites), a
/// self-signed RSA-2048 (`rsa`) or P-256 certificate, requiring a client
/// certificate from `client_ca` when given; echoes one read, then `after`.
pub fn tls12_echo_server(
    rsa: bool,
    cipher_list: &str,
    client_ca: Option<X509>,
    after: AfterEcho,
) -> TlsServer {
    let (cert, key) = self_signed(rsa, 30);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_private_key(&key).unwrap();
    b.set_certificate(&cert).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1)).unwrap();
    b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    b.set_cipher_list(&format!("{cipher_list}:@SECLEVEL=0"))
        .unwrap();
    if let Some(ca) = client_ca {
        let mut st = X509StoreBuilder::new().unwrap();
        st.add_cert(ca).unwrap();
        b.set_verify_cert_store(st.build()).unwrap();
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    }
    let sni = Arc::new(Mutex::new(None));
    let seen = sni.clone();
    b.set_servername_callback(move |ssl, _alert| {
        *seen.lock().unwrap() = Some(ssl.servername(NameType::HOST_NAME).map(str::to_string));
        Ok(())
    });
    let acceptor = b.build();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let result = std::thread::spawn(move || {
        l.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let s = loop {
            match l.accept() {
                Ok((s, _)) => break s,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("no client: {e}")),
            }
        };
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut t = acceptor.accept(s).map_err(|e| format!("handshake: {e}"))?;
        let desc = format!(
            "{} {}",
            t.ssl().version_str(),
            t.ssl()
                .current_cipher()
                .map(|c| c.name().to_string())
                .unwrap_or_default()
        );
        let mut buf = [0u8; 4096];
        let n = t.read(&mut buf).map_err(|e| e.to_string())?;
        t.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        match after {
            AfterEcho::Shutdown => {
                let _ = t.shutdown();
            }
            AfterEcho::WaitForClient => while matches!(t.read(&mut buf), Ok(n) if n > 0) {},
        }
        Ok(desc)
    });
    TlsServer {
        port,
        cert,
        sni,
        result,
    }
}
