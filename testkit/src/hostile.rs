//! A scripted hostile TLS 1.3 server: it does the real key exchange
//! (P-256, TLS_AES_128_GCM_SHA256), authenticates with a real certificate
//! chain and CertificateVerify, and at any point of the connection can
//! send anything: forged plaintext records, records sealed under the real
//! handshake or application keys (including an empty inner plaintext),
//! a flight sent unencrypted, a ServerHello split across records.
//!
//! A ClientHello without TLS 1.3 or without a P-256 key share (a modem
//! firmware's TLS 1.2 hello, the probe's) is answered with a fatal
//! `protocol_version` alert, so Auto's offloaded attempt fails the way it
//! does against any TLS 1.3-only server and falls back to the host path.
//!
//! Listens on 127.0.0.1 only, one thread per connection, every read
//! bounded by a timeout, stops when dropped.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes128Gcm;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;
use sha2::{Digest, Sha256};

use crate::pki::{KeyKind, ServerCreds};

const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;
const ALERT: u8 = 21;

/// A TLS record: `content_type`, legacy version 0x0303, length, `body`.
pub fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A handshake message: type, 24-bit length, body.
pub fn handshake_msg(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut m = vec![msg_type, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    m.extend_from_slice(body);
    m
}

/// One thing the server does.
#[derive(Clone, Debug)]
pub enum Act {
    /// Bytes written as they are: a forged record, half a record, garbage.
    Raw(Vec<u8>),
    /// A record sealed under the server's current keys, holding `content`
    /// then the inner content type.
    Sealed {
        /// The inner content type (23 application data, 21 alert, ...).
        content_type: u8,
        /// The inner content.
        content: Vec<u8>,
    },
    /// A record sealed under the server's current keys whose inner
    /// plaintext is exactly these bytes (no content type is appended, so an
    /// empty one is a record of the bare 16-byte tag).
    SealedInner(Vec<u8>),
    /// Wait, so that what came before reaches the client on its own.
    Pause(Duration),
    /// Close the sending side of the TCP connection (no close_notify).
    Hangup,
}

impl Act {
    /// Application data sealed under the current keys.
    pub fn data(bytes: &[u8]) -> Act {
        Act::Sealed {
            content_type: APPLICATION_DATA,
            content: bytes.to_vec(),
        }
    }

    /// A sealed close_notify alert.
    pub fn close_notify() -> Act {
        Act::Sealed {
            content_type: ALERT,
            content: vec![1, 0],
        }
    }

    /// An unencrypted record.
    pub fn plain(content_type: u8, body: &[u8]) -> Act {
        Act::Raw(record(content_type, body))
    }
}

/// How the server's flight (EncryptedExtensions, Certificate,
/// CertificateVerify, Finished) is sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Flight {
    /// Sealed under the handshake keys, one message per record.
    #[default]
    Sealed,
    /// Unencrypted, one handshake record per message (RFC 8446 forbids it).
    Plaintext,
}

/// How the server authenticates in its flight.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// Certificate (its chain) and CertificateVerify by its key.
    #[default]
    Chain,
    /// Neither Certificate nor CertificateVerify (the embedded-tls 0.19
    /// authentication bypass).
    Nothing,
    /// Certificate but no CertificateVerify.
    CertificateOnly,
    /// Certificate, then a CertificateVerify signed by this other P-256 key.
    SignedBy(PKey<Private>),
}

/// What the server does on one TLS 1.3 connection.
#[derive(Clone, Debug, Default)]
pub struct Script {
    /// How the server authenticates.
    pub auth: Auth,
    /// Before the ServerHello (unencrypted: no keys exist yet).
    pub before_server_hello: Vec<Act>,
    /// Send the ServerHello in records of at most this many bytes.
    pub server_hello_fragment: Option<usize>,
    /// Right after the ServerHello, with the handshake keys.
    pub after_server_hello: Vec<Act>,
    /// How the rest of the server's flight is sent.
    pub flight: Flight,
    /// After the client's Finished, with the application keys.
    pub after_handshake: Vec<Act>,
}

impl Script {
    /// A well-behaved server: `payload`, then close_notify.
    pub fn serve(payload: &[u8]) -> Script {
        Script {
            after_handshake: vec![Act::data(payload), Act::close_notify()],
            ..Script::default()
        }
    }
}

/// What happened on one connection.
#[derive(Clone, Debug, Default)]
pub struct ConnLog {
    /// The client offered TLS 1.3 with a P-256 key share.
    pub tls13: bool,
    /// The client's Finished (its first encrypted record) arrived.
    pub client_finished: bool,
    /// Every act of the script was sent.
    pub acts_sent: bool,
    /// The client closed the TCP connection within the linger time.
    pub client_closed: bool,
    /// Why the server stopped early, if it did.
    pub error: Option<String>,
}

/// The server (see the [module docs](self)).
pub struct HostileServer {
    port: u16,
    stop: Arc<AtomicBool>,
    script: Arc<Mutex<Script>>,
    log: Arc<Mutex<Vec<ConnLog>>>,
    accept: Option<JoinHandle<()>>,
}

/// The server's credentials, ready for the handshake.
struct Identity {
    chain: Vec<Vec<u8>>,
    key: PKey<Private>,
}

/// How long the server waits for the client at any step, and lingers for
/// the client's close after its script.
const WAIT: Duration = Duration::from_secs(20);

impl HostileServer {
    /// Start the server with `creds` (a P-256 leaf) and `script` for every
    /// TLS 1.3 connection until [`HostileServer::set_script`].
    pub fn spawn(creds: &ServerCreds, script: Script) -> io::Result<Self> {
        assert_eq!(
            creds.leaf.kind,
            KeyKind::P256,
            "the hostile server signs with P-256"
        );
        let chain = X509::stack_from_pem(&creds.chain_pem)?
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()?;
        Self::spawn_with(chain, creds.leaf.pkey(), script)
    }

    /// [`HostileServer::spawn`] with a certificate chain (DER, leaf first)
    /// and the leaf's P-256 key.
    pub fn spawn_with(chain: Vec<Vec<u8>>, key: PKey<Private>, script: Script) -> io::Result<Self> {
        let identity = Arc::new(Identity { chain, key });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(Mutex::new(script));
        let log = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (stop, script, log) = (stop.clone(), script.clone(), log.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((tcp, _)) => {
                            let script = script.lock().map(|s| s.clone()).unwrap_or_default();
                            let (identity, log) = (identity.clone(), log.clone());
                            std::thread::spawn(move || {
                                let entry = serve(tcp, &identity, &script);
                                if let Ok(mut l) = log.lock() {
                                    l.push(entry);
                                }
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Ok(Self {
            port,
            stop,
            script,
            log,
            accept: Some(accept),
        })
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The script for the connections accepted from now on.
    pub fn set_script(&self, script: Script) {
        if let Ok(mut s) = self.script.lock() {
            *s = script;
        }
    }

    /// The connections that ended so far, in the order they ended.
    pub fn connections(&self) -> Vec<ConnLog> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Wait (at most `WAIT`) until a connection after the first `seen`
    /// that offered TLS 1.3 has ended, then return the log up to it.
    pub fn wait_tls13(&self, seen: usize) -> Vec<ConnLog> {
        let end = Instant::now() + WAIT;
        loop {
            let mut log = self.connections();
            let found = log.iter().skip(seen).position(|c| c.tls13);
            if let Some(i) = found {
                log.truncate(seen + i + 1);
                return log;
            }
            if Instant::now() > end {
                return Vec::new();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn expand_label(secret: &[u8], label: &str, ctx: &[u8], len: usize) -> Vec<u8> {
    let hk = Hkdf::<Sha256>::from_prk(secret).expect("32-byte PRK");
    let full = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(ctx.len() as u8);
    info.extend_from_slice(ctx);
    let mut out = vec![0u8; len];
    hk.expand(&info, &mut out).expect("HKDF length");
    out
}

/// One direction's record protection.
struct Keys {
    aead: Aes128Gcm,
    iv: Vec<u8>,
    seq: u64,
}

impl Keys {
    fn new(traffic_secret: &[u8]) -> Self {
        Keys {
            aead: Aes128Gcm::new_from_slice(&expand_label(traffic_secret, "key", b"", 16))
                .expect("16-byte key"),
            iv: expand_label(traffic_secret, "iv", b"", 12),
            seq: 0,
        }
    }

    /// A sealed record of `inner` (content and content type already joined).
    fn seal(&mut self, inner: &[u8]) -> Vec<u8> {
        let len = inner.len() + 16;
        let hdr = [APPLICATION_DATA, 3, 3, (len >> 8) as u8, len as u8];
        let mut nonce = self.iv.clone();
        for (n, b) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= b;
        }
        self.seq += 1;
        let ct = self
            .aead
            .encrypt(
                nonce.as_slice().into(),
                Payload {
                    msg: inner,
                    aad: &hdr,
                },
            )
            .expect("AES-GCM seals");
        let mut r = hdr.to_vec();
        r.extend_from_slice(&ct);
        r
    }
}

fn read_record(s: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut hdr = [0u8; 5];
    s.read_exact(&mut hdr)?;
    let mut body = vec![0u8; u16::from_be_bytes([hdr[3], hdr[4]]) as usize];
    s.read_exact(&mut body)?;
    Ok((hdr[0], body))
}

/// From a ClientHello message: its session id and P-256 key share, when it
/// offers TLS 1.3.
fn tls13_hello(ch: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let u16_at = |p: usize| Some(u16::from_be_bytes([*ch.get(p)?, *ch.get(p + 1)?]) as usize);
    let mut p = 4 + 2 + 32;
    let sid_len = *ch.get(p)? as usize;
    let sid = ch.get(p + 1..p + 1 + sid_len)?.to_vec();
    p += 1 + sid_len;
    p += 2 + u16_at(p)?;
    p += 1 + *ch.get(p)? as usize;
    let end = p + 2 + u16_at(p)?;
    p += 2;
    let (mut tls13, mut share) = (false, None);
    while p + 4 <= end {
        let (ty, len) = (u16_at(p)?, u16_at(p + 2)?);
        let data = ch.get(p + 4..p + 4 + len)?;
        match ty {
            0x002b => tls13 = data.get(1..)?.chunks(2).any(|v| v == [3, 4]),
            0x0033 => {
                let mut q = 2;
                while q + 4 <= data.len() {
                    let group = u16::from_be_bytes([data[q], data[q + 1]]);
                    let klen = u16::from_be_bytes([data[q + 2], data[q + 3]]) as usize;
                    if group == 0x0017 {
                        share = Some(data.get(q + 4..q + 4 + klen)?.to_vec());
                    }
                    q += 4 + klen;
                }
            }
            _ => {}
        }
        p += 4 + len;
    }
    Some((sid, share.filter(|_| tls13)?))
}

fn serve(mut tcp: TcpStream, id: &Identity, script: &Script) -> ConnLog {
    let mut log = ConnLog::default();
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(WAIT));
    if let Err(e) = run(&mut tcp, id, script, &mut log) {
        log.error = Some(e.to_string());
    }
    // Linger for the client's close (a reset when it left data unread),
    // or the timeout.
    let mut buf = [0u8; 512];
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        match tcp.read(&mut buf) {
            Ok(0) => {
                log.client_closed = true;
                break;
            }
            Ok(_) => {}
            Err(e) => {
                log.client_closed = matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                );
                break;
            }
        }
    }
    log
}

fn run(s: &mut TcpStream, id: &Identity, script: &Script, log: &mut ConnLog) -> io::Result<()> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let (ty, ch) = read_record(s)?;
    if ty != HANDSHAKE || ch.first() != Some(&1) {
        return Err(invalid("expected a ClientHello"));
    }
    let Some((sid, client_share)) = tls13_hello(&ch) else {
        // Fatal protocol_version, as a TLS 1.3-only server answers.
        s.write_all(&record(ALERT, &[2, 70]))?;
        return Ok(());
    };
    log.tls13 = true;
    let mut transcript = Sha256::new();
    transcript.update(&ch);
    for act in &script.before_server_hello {
        match act {
            Act::Raw(bytes) => s.write_all(bytes)?,
            Act::Pause(d) => std::thread::sleep(*d),
            _ => return Err(invalid("only raw bytes and pauses before the ServerHello")),
        }
    }

    let secret = p256::ecdh::EphemeralSecret::random(&mut rand_core::OsRng);
    let server_share = p256::EncodedPoint::from(secret.public_key());
    let peer = p256::PublicKey::from_sec1_bytes(&client_share)
        .map_err(|_| invalid("bad client key share"))?;
    let shared = secret.diffie_hellman(&peer);

    let mut sh = vec![3, 3];
    let mut random = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut random);
    sh.extend_from_slice(&random);
    sh.push(sid.len() as u8);
    sh.extend_from_slice(&sid);
    sh.extend_from_slice(&[0x13, 0x01, 0x00]);
    let kx = server_share.as_bytes();
    let mut ext = vec![0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33];
    ext.extend_from_slice(&((4 + kx.len()) as u16).to_be_bytes());
    ext.extend_from_slice(&[0x00, 0x17]);
    ext.extend_from_slice(&(kx.len() as u16).to_be_bytes());
    ext.extend_from_slice(kx);
    sh.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    sh.extend_from_slice(&ext);
    let sh = handshake_msg(2, &sh);
    transcript.update(&sh);
    let fragment = script.server_hello_fragment.unwrap_or(sh.len()).max(1);
    let mut out = Vec::new();
    for piece in sh.chunks(fragment) {
        out.extend(record(HANDSHAKE, piece));
    }
    s.write_all(&out)?;

    // Key schedule (RFC 8446 §7.1).
    let zeros = [0u8; 32];
    let (early, _) = Hkdf::<Sha256>::extract(Some(&zeros), &zeros);
    let derived = expand_label(&early, "derived", &Sha256::digest(b""), 32);
    let (hs, _) = Hkdf::<Sha256>::extract(Some(&derived), shared.raw_secret_bytes());
    let th = transcript.clone().finalize();
    let s_hs = expand_label(&hs, "s hs traffic", &th, 32);
    let mut keys = Keys::new(&s_hs);

    play(s, &mut keys, &script.after_server_hello)?;

    let mut list = Vec::new();
    for c in &id.chain {
        list.extend_from_slice(&handshake_msg(0, c)[1..]);
        list.extend_from_slice(&[0, 0]);
    }
    let mut body = vec![0];
    body.extend_from_slice(&handshake_msg(0, &list)[1..]);
    let mut flight = vec![handshake_msg(8, &[0, 0])];
    if !matches!(script.auth, Auth::Nothing) {
        flight.push(handshake_msg(11, &body));
    }
    for m in &flight {
        transcript.update(m);
    }
    let signer = match &script.auth {
        Auth::Chain => Some(&id.key),
        Auth::SignedBy(other) => Some(other),
        Auth::Nothing | Auth::CertificateOnly => None,
    };
    if let Some(key) = signer {
        let mut signed = vec![0x20u8; 64];
        signed.extend_from_slice(b"TLS 1.3, server CertificateVerify\x00");
        signed.extend_from_slice(&transcript.clone().finalize());
        let sig = Signer::new(MessageDigest::sha256(), key)?.sign_oneshot_to_vec(&signed)?;
        let mut cv = vec![0x04, 0x03];
        cv.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        cv.extend_from_slice(&sig);
        let cv = handshake_msg(15, &cv);
        transcript.update(&cv);
        flight.push(cv);
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&expand_label(&s_hs, "finished", b"", 32))
        .expect("HMAC key");
    mac.update(&transcript.clone().finalize());
    let finished = handshake_msg(20, &mac.finalize().into_bytes());
    transcript.update(&finished);
    flight.push(finished);
    let mut out = Vec::new();
    for m in &flight {
        match script.flight {
            Flight::Sealed => out.extend(keys.seal(&[m.as_slice(), &[HANDSHAKE]].concat())),
            Flight::Plaintext => out.extend(record(HANDSHAKE, m)),
        }
    }
    s.write_all(&out)?;

    // The client's flight: an optional change_cipher_spec, then its sealed
    // Finished. Anything else (its alert, its close) ends the connection.
    loop {
        match read_record(s)? {
            (APPLICATION_DATA, _) => break,
            (20, _) => continue,
            (t, b) => return Err(invalid(&format!("client sent record {t}: {b:02x?}"))),
        }
    }
    log.client_finished = true;

    let derived = expand_label(&hs, "derived", &Sha256::digest(b""), 32);
    let (master, _) = Hkdf::<Sha256>::extract(Some(&derived), &zeros);
    let th = transcript.finalize();
    let mut keys = Keys::new(&expand_label(&master, "s ap traffic", &th, 32));
    play(s, &mut keys, &script.after_handshake)?;
    log.acts_sent = true;
    Ok(())
}

fn play(s: &mut TcpStream, keys: &mut Keys, acts: &[Act]) -> io::Result<()> {
    for act in acts {
        match act {
            Act::Raw(bytes) => s.write_all(bytes)?,
            Act::Sealed {
                content_type,
                content,
            } => s.write_all(&keys.seal(&[content.as_slice(), &[*content_type]].concat()))?,
            Act::SealedInner(inner) => s.write_all(&keys.seal(inner))?,
            Act::Pause(d) => std::thread::sleep(*d),
            Act::Hangup => s.shutdown(std::net::Shutdown::Write)?,
        }
        s.flush()?;
    }
    Ok(())
}
