//! Emulation of the modem firmware's TLS client with OpenSSL, restricted to
//! what the firmware can do: its cipher table, TLS 1.0-1.2 only, SNI only
//! when configured (and known to the firmware), its CA-file formats.

use crate::ciphers::openssl_name;
use crate::config::{FirmwareProfile, TlsVersion};
use crate::files::{canonical, FileStore};
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    HandshakeError, Ssl, SslContext, SslMethod, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509VerifyResult, X509};
use std::collections::HashMap;
use std::net::{IpAddr, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Settings of one SSL context (`AT+QSSLCFG="<key>",<ctx>,<value>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslCtxCfg {
    /// 0 SSL3.0, 1 TLS1.0, 2 TLS1.1, 3 TLS1.2, 4 all.
    pub sslversion: u8,
    /// One IANA code, or 0xFFFF for the whole firmware table.
    pub ciphersuite: u16,
    /// 0 no verification, 1 server, 2 server + client certificate.
    pub seclevel: u8,
    /// CA file name (canonical, without `UFS:`).
    pub cacert: Option<String>,
    /// Client certificate file name.
    pub clientcert: Option<String>,
    /// Client key file name.
    pub clientkey: Option<String>,
    /// 1 = skip the validity-period check.
    pub ignorelocaltime: u8,
    /// Handshake timeout, seconds (10-300).
    pub negotiatetime: u16,
    /// 1 = session resumption (accepted, not emulated).
    pub session: u8,
    /// 1 = send SNI.
    pub sni: u8,
    /// 1 = check the host name against the certificate.
    pub checkhost: u8,
    /// DTLS on/off (accepted, not emulated).
    pub dtls: u8,
    /// DTLS version (accepted, not emulated).
    pub dtlsversion: u8,
}

impl Default for SslCtxCfg {
    /// Power-on defaults. `ignorelocaltime` = 1 is an assumption [?].
    fn default() -> Self {
        SslCtxCfg {
            sslversion: 4,
            ciphersuite: 0xFFFF,
            seclevel: 0,
            cacert: None,
            clientcert: None,
            clientkey: None,
            ignorelocaltime: 1,
            negotiatetime: 300,
            session: 0,
            sni: 0,
            checkhost: 0,
            dtls: 0,
            dtlsversion: 0,
        }
    }
}

/// What a firmware's TLS client can do, family-neutral: the versions, the
/// cipher suites, SNI, the CA formats it parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsProfile {
    /// Oldest version the firmware speaks.
    pub min_version: TlsVersion,
    /// Newest version the firmware speaks.
    pub max_version: TlsVersion,
    /// Cipher suites, IANA codes, in offer order.
    pub cipher_suites: Vec<u16>,
    /// The firmware can send SNI (when configured to).
    pub sni: bool,
    /// The firmware parses PEM certificates.
    pub ca_pem: bool,
    /// The firmware parses DER certificates.
    pub ca_der: bool,
}

impl TlsProfile {
    /// The TLS part of a firmware profile.
    pub fn of(p: &FirmwareProfile) -> Self {
        TlsProfile {
            min_version: p.min_tls,
            max_version: p.max_tls,
            cipher_suites: p.cipher_suites.clone(),
            sni: p.has_sni_key,
            ca_pem: p.ca_pem_ok,
            ca_der: p.ca_der_ok,
        }
    }
}

/// Why a handshake failed, as far as a firmware can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server's certificate did not verify.
    Verify,
    /// No common cipher suite or protocol version (a handshake_failure or
    /// protocol_version alert, or nothing to offer).
    Cipher,
    /// The handshake did not finish in time.
    Timeout,
    /// Anything else (the peer closed, a reset, a decode error, aborted).
    Other,
}

/// A failed handshake: its class and the OpenSSL reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeFailed {
    /// The class.
    pub kind: Failure,
    /// The reason, for the transcript.
    pub msg: String,
}

impl std::fmt::Display for HandshakeFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl HandshakeFailed {
    fn new(kind: Failure, msg: impl Into<String>) -> Self {
        HandshakeFailed {
            kind,
            msg: msg.into(),
        }
    }
}

fn ossl_version(v: TlsVersion) -> SslVersion {
    match v {
        TlsVersion::Ssl3 => SslVersion::SSL3,
        TlsVersion::Tls10 => SslVersion::TLS1,
        TlsVersion::Tls11 => SslVersion::TLS1_1,
        TlsVersion::Tls12 => SslVersion::TLS1_2,
    }
}

/// A prepared client connection plus what it will do, for the transcript.
pub struct Prepared {
    /// The OpenSSL connection object.
    pub ssl: Ssl,
    /// Whether SNI will be sent.
    pub sni_sent: bool,
    /// Whether the server certificate is verified (seclevel >= 1).
    pub verify: bool,
    /// One-line description of the offer (versions, ciphers, verification).
    pub offer: String,
}

fn versions(v: u8) -> Result<(TlsVersion, TlsVersion, &'static str), String> {
    use TlsVersion::*;
    Ok(match v {
        0 => (Ssl3, Ssl3, "SSL3.0"),
        1 => (Tls10, Tls10, "TLS1.0"),
        2 => (Tls11, Tls11, "TLS1.1"),
        3 => (Tls12, Tls12, "TLS1.2"),
        4 => (Tls10, Tls12, "TLS1.0-1.2"),
        _ => return Err(format!("bad sslversion {v}")),
    })
}

fn read_file(files: &FileStore, what: &str, name: &Option<String>) -> Result<Vec<u8>, String> {
    let name = name
        .as_ref()
        .ok_or_else(|| format!("no {what} file configured"))?;
    let canon = canonical(name).ok_or_else(|| format!("{what} file name {name:?} invalid"))?;
    files
        .get(&canon)
        .ok_or_else(|| format!("{what} file {canon:?} not found"))
}

fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Parses a certificate file the way the firmware would (PEM and/or DER).
fn parse_certs(data: &[u8], profile: &TlsProfile, what: &str) -> Result<Vec<X509>, String> {
    if is_pem(data) {
        if !profile.ca_pem {
            return Err(format!("{what}: firmware cannot parse PEM"));
        }
        match X509::stack_from_pem(data) {
            Ok(v) if !v.is_empty() => Ok(v),
            Ok(_) => Err(format!("{what}: no certificate in PEM")),
            Err(e) => Err(format!("{what}: unparsable PEM ({e})")),
        }
    } else {
        if !profile.ca_der {
            return Err(format!(
                "{what}: firmware cannot parse DER (or the file is not PEM)"
            ));
        }
        X509::from_der(data)
            .map(|c| vec![c])
            .map_err(|e| format!("{what}: unparsable DER ({e})"))
    }
}

fn parse_key(data: &[u8]) -> Result<PKey<Private>, String> {
    if is_pem(data) {
        PKey::private_key_from_pem(data).map_err(|e| format!("clientkey: unparsable ({e})"))
    } else {
        PKey::private_key_from_der(data).map_err(|e| format!("clientkey: unparsable ({e})"))
    }
}

/// Builds the client for one `AT+QSSLOPEN`: everything the firmware would
/// load before connecting. An error is a handshake failure (`-1`).
pub fn prepare(
    cfg: &SslCtxCfg,
    profile: &FirmwareProfile,
    files: &FileStore,
    host: &str,
    now_unix: i64,
) -> Result<Prepared, String> {
    prepare_with(cfg, &TlsProfile::of(profile), files, host, now_unix)
}

/// [`prepare`] from the neutral [`TlsProfile`]: the configured versions are
/// cut to what the firmware speaks.
pub fn prepare_with(
    cfg: &SslCtxCfg,
    profile: &TlsProfile,
    files: &FileStore,
    host: &str,
    now_unix: i64,
) -> Result<Prepared, String> {
    let suites: Vec<u16> = if cfg.ciphersuite == 0xFFFF {
        profile.cipher_suites.clone()
    } else {
        vec![cfg.ciphersuite]
    };
    let names: Vec<&str> = suites.iter().filter_map(|&c| openssl_name(c)).collect();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !openssl_can_offer(n))
        .collect();
    let (mut min, mut max, mut vname) = versions(cfg.sslversion)?;
    let (fmin, fmax) = (profile.min_version, profile.max_version);
    if min < fmin || max > fmax {
        let (lo, hi) = (min.max(fmin), max.min(fmax));
        if lo > hi {
            return Err(format!(
                "sslversion {} asks for {vname}, which the firmware does not speak",
                cfg.sslversion
            ));
        }
        (min, max) = (lo, hi);
        vname = "firmware versions";
    }
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_cipher_list(&format!("{}:@SECLEVEL=0", names.join(":")))
        .map_err(|e| {
            format!(
                "OpenSSL can offer none of the configured suites {:04X?} ({e})",
                suites
            )
        })?;
    let _ = b.set_ciphersuites("");
    b.set_min_proto_version(Some(ossl_version(min)))
        .map_err(|e| e.to_string())?;
    b.set_max_proto_version(Some(ossl_version(max)))
        .map_err(|e| e.to_string())?;
    let verify = cfg.seclevel >= 1;
    let mut verify_desc = String::from("verify none (seclevel 0)");
    if verify {
        let data = read_file(files, "cacert", &cfg.cacert)?;
        let certs = parse_certs(&data, profile, "cacert")?;
        let mut store = X509StoreBuilder::new().map_err(|e| e.to_string())?;
        for c in certs {
            store.add_cert(c).map_err(|e| format!("cacert: {e}"))?;
        }
        b.set_cert_store(store.build());
        b.set_verify(SslVerifyMode::PEER);
        if cfg.ignorelocaltime == 1 {
            b.verify_param_mut()
                .set_flags(X509VerifyFlags::NO_CHECK_TIME)
                .map_err(|e| e.to_string())?;
        } else {
            b.verify_param_mut().set_time(now_unix as _);
        }
        verify_desc = format!(
            "verify chain to {:?}{}{}",
            cfg.cacert.as_deref().unwrap_or(""),
            if cfg.checkhost == 1 {
                ", host name"
            } else {
                ""
            },
            if cfg.ignorelocaltime == 1 {
                ", no time check"
            } else {
                ", time checked"
            }
        );
    } else {
        b.set_verify(SslVerifyMode::NONE);
    }
    if cfg.seclevel == 2 && (cfg.clientcert.is_some() || cfg.clientkey.is_some()) {
        let cert = parse_certs(
            &read_file(files, "clientcert", &cfg.clientcert)?,
            profile,
            "clientcert",
        )?;
        let key = parse_key(&read_file(files, "clientkey", &cfg.clientkey)?)?;
        b.set_certificate(&cert[0])
            .map_err(|e| format!("clientcert: {e}"))?;
        for extra in cert.iter().skip(1) {
            b.add_extra_chain_cert(extra.clone())
                .map_err(|e| format!("clientcert chain: {e}"))?;
        }
        b.set_private_key(&key)
            .map_err(|e| format!("clientkey: {e}"))?;
        b.check_private_key()
            .map_err(|e| format!("clientkey does not match clientcert: {e}"))?;
        verify_desc.push_str(", client certificate");
    }
    let ctx = b.build();
    let mut ssl = Ssl::new(&ctx).map_err(|e| e.to_string())?;
    let ip = host.parse::<IpAddr>().ok();
    // SNI carries DNS names only (RFC 6066); the note says the same.
    let sni_sent = profile.sni && cfg.sni == 1 && ip.is_none();
    if sni_sent {
        ssl.set_hostname(host).map_err(|e| format!("sni: {e}"))?;
    }
    if verify && cfg.checkhost == 1 {
        match ip {
            Some(ip) => ssl.param_mut().set_ip(ip),
            None => ssl.param_mut().set_host(host),
        }
        .map_err(|e| format!("checkhost: {e}"))?;
    }
    let offered: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !missing.contains(n))
        .collect();
    let offer = format!(
        "offer {vname}, suites {}{}; {}; {}",
        offered.join(":"),
        if missing.is_empty() {
            String::new()
        } else {
            format!(
                " (firmware suites OpenSSL cannot emulate: {})",
                missing.join(":")
            )
        },
        if sni_sent {
            format!("sni sent ({host})")
        } else {
            "sni not sent".to_string()
        },
        verify_desc
    );
    Ok(Prepared {
        ssl,
        sni_sent,
        verify,
        offer,
    })
}

/// True when this OpenSSL build can offer the named suite (static ECDH and
/// RC4 suites are missing from OpenSSL 3's default provider).
fn openssl_can_offer(name: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    *c.entry(name.to_string()).or_insert_with(|| {
        SslContext::builder(SslMethod::tls_client())
            .map(|mut b| b.set_cipher_list(&format!("{name}:@SECLEVEL=0")).is_ok())
            .unwrap_or(false)
    })
}

/// The TCP stream under the firmware's TLS emulation. During the handshake
/// it models the network round trip: the first read after a write waits
/// `rtt` (the flight travels to the server and the answer comes back), so
/// a TLS 1.2 full handshake costs its two round trips as on a real network.
/// After the handshake `rtt` is zero and the pump's per-delivery latency
/// applies, as for raw TCP sockets.
pub struct RttStream {
    /// The loopback connection to the server.
    pub tcp: TcpStream,
    /// Round trip charged per flight; zero after the handshake.
    pub rtt: Duration,
    wrote: bool,
}

impl RttStream {
    /// Wraps `tcp`, charging `rtt` per handshake flight.
    pub fn new(tcp: TcpStream, rtt: Duration) -> Self {
        RttStream {
            tcp,
            rtt,
            wrote: false,
        }
    }
}

impl std::io::Read for RttStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.wrote && !self.rtt.is_zero() {
            std::thread::sleep(self.rtt);
        }
        self.wrote = false;
        self.tcp.read(buf)
    }
}

impl std::io::Write for RttStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.tcp.write(buf)?;
        if n > 0 {
            self.wrote = true;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

/// Runs the handshake on a connected socket until `deadline`, polling
/// `stop`. Success: the stream and `"TLSv1.2 <cipher>, verify ..."`; failure:
/// the OpenSSL reason.
pub fn handshake(
    ssl: Ssl,
    verify: bool,
    tcp: RttStream,
    deadline: Instant,
    stop: &dyn Fn() -> bool,
) -> Result<(SslStream<RttStream>, String), HandshakeFailed> {
    let other = |e: std::io::Error| HandshakeFailed::new(Failure::Other, e.to_string());
    tcp.tcp
        .set_read_timeout(Some(Duration::from_millis(20)))
        .map_err(other)?;
    tcp.tcp
        .set_write_timeout(Some(Duration::from_millis(500)))
        .map_err(other)?;
    let mut r = ssl.connect(tcp);
    loop {
        match r {
            Ok(mut s) => {
                s.get_mut().rtt = Duration::ZERO;
                let desc = format!(
                    "{} {}, {}",
                    s.ssl().version_str(),
                    s.ssl().current_cipher().map(|c| c.name()).unwrap_or("?"),
                    if verify {
                        format!("verify {}", s.ssl().verify_result().error_string())
                    } else {
                        "certificate not verified (seclevel 0)".to_string()
                    }
                );
                return Ok((s, desc));
            }
            Err(HandshakeError::WouldBlock(mid)) => {
                if stop() {
                    return Err(HandshakeFailed::new(Failure::Other, "aborted"));
                }
                if Instant::now() >= deadline {
                    return Err(HandshakeFailed::new(
                        Failure::Timeout,
                        "negotiation timeout",
                    ));
                }
                r = mid.handshake();
            }
            Err(HandshakeError::Failure(mid)) => {
                let vr = mid.ssl().verify_result();
                let mut msg = mid.error().to_string();
                let kind = if vr != X509VerifyResult::OK {
                    msg.push_str(&format!(
                        "; certificate verify failed: {}",
                        vr.error_string()
                    ));
                    Failure::Verify
                } else {
                    classify(&msg)
                };
                return Err(HandshakeFailed::new(kind, msg));
            }
            Err(HandshakeError::SetupFailure(e)) => {
                return Err(HandshakeFailed::new(Failure::Other, format!("setup: {e}")))
            }
        }
    }
}

/// The class of an OpenSSL handshake error that is not a verification
/// failure: the alerts and reasons of "no common cipher suite or version".
fn classify(msg: &str) -> Failure {
    let m = msg.to_ascii_lowercase();
    const CIPHER: &[&str] = &[
        "handshake failure",
        "protocol version",
        "no shared cipher",
        "no cipher",
        "no protocols available",
        "unsupported protocol",
        "wrong version number",
        "insufficient security",
    ];
    if CIPHER.iter().any(|c| m.contains(c)) {
        Failure::Cipher
    } else {
        Failure::Other
    }
}
