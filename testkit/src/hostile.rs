//! A scripted hostile TLS 1.3 server: it does the real key exchange
//! (P-256, TLS_AES_128_GCM_SHA256), authenticates with a real certificate
//! chain and CertificateVerify, and at any point of the connection can
//! send anything:
//!
//! - forged plaintext records, records sealed under the real handshake or
//!   application keys (including an empty inner plaintext, padding, more
//!   than 2^14 bytes), a flight sent unencrypted;
//! - a ServerHello that chose what was not offered ([`HelloEdit`]: suite,
//!   group, session id echo, versions, extensions, trailing bytes, more
//!   handshake bytes in its record), HelloRetryRequests ([`Retry`]);
//! - its flight ([`Edit`]) with any message replaced, left out, repeated
//!   or inserted (any type, any body, before or after the Finished, the
//!   CertificateVerify and the Finished computed over what was really
//!   sent), acts between the messages, and cut into records as
//!   [`Framing`] says (fragments of any size across message boundaries,
//!   one message split at chosen offsets, several messages per record);
//! - after the handshake: KeyUpdate with the server's next keys,
//!   NewSessionTicket, an echo of the client's data that follows the
//!   client's KeyUpdate ([`Act`]).
//!
//! Every record the client sends is kept in the [`ConnLog`], decrypted
//! when the server holds the key (the client's handshake key, its
//! application keys across KeyUpdates): the alert a failing client sends
//! can be checked. The client's Finished is verified.
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

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// Largest plaintext of one record (2^14, RFC 8446 §5.1).
pub const MAX_FRAGMENT: usize = 16_384;

/// Handshake message types (RFC 8446 §4).
pub mod msg {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (and hello_retry_request).
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// encrypted_extensions.
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
    /// certificate_request.
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// certificate_verify.
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// finished.
    pub const FINISHED: u8 = 20;
    /// key_update.
    pub const KEY_UPDATE: u8 = 24;
    /// message_hash (the transcript's stand-in for the first ClientHello).
    pub const MESSAGE_HASH: u8 = 254;
}

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

/// A NewSessionTicket body (RFC 8446 §4.6.1): lifetime one hour, a
/// 1-byte nonce, `ticket`, `extensions` (raw, with their types).
pub fn new_session_ticket(ticket: &[u8], extensions: &[u8]) -> Vec<u8> {
    let mut b = 3600u32.to_be_bytes().to_vec();
    b.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    b.extend_from_slice(&[1, 0]);
    b.extend_from_slice(&(ticket.len() as u16).to_be_bytes());
    b.extend_from_slice(ticket);
    b.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    b.extend_from_slice(extensions);
    b
}

/// A Certificate message (RFC 8446 §4.4.2) with an empty request context
/// and `chain` (DER, leaf first), no entry extensions.
pub fn certificate_message(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for c in chain {
        list.extend_from_slice(&handshake_msg(0, c)[1..]);
        list.extend_from_slice(&[0, 0]);
    }
    let mut body = vec![0];
    body.extend_from_slice(&handshake_msg(0, &list)[1..]);
    handshake_msg(msg::CERTIFICATE, &body)
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
    /// empty one is a record of the bare 16-byte tag; zeros after the
    /// content type are padding).
    SealedInner(Vec<u8>),
    /// Handshake bytes (any messages, or part of one) in one record:
    /// sealed under the current keys, or a plaintext handshake record
    /// before the ServerHello. Not in the transcript.
    Handshake(Vec<u8>),
    /// A KeyUpdate (`request`: update_requested) sealed under the current
    /// application keys; the server then writes under its next keys.
    KeyUpdate {
        /// Ask the client to update its keys too.
        request: bool,
    },
    /// Switch to the server's next application keys without sending a
    /// KeyUpdate (after one sent by hand, e.g. split across records).
    NextKeys,
    /// Read the client's records up to its next application data and send
    /// that data back under the current keys. A client KeyUpdate is
    /// followed (the client's next records are opened with its next key)
    /// and, when it asks for one, answered with the server's own KeyUpdate
    /// and next keys. The data is kept in [`ConnLog::echoed`].
    Echo,
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

    /// A sealed alert.
    pub fn alert(level: u8, description: u8) -> Act {
        Act::Sealed {
            content_type: ALERT,
            content: vec![level, description],
        }
    }

    /// An unencrypted record.
    pub fn plain(content_type: u8, body: &[u8]) -> Act {
        Act::Raw(record(content_type, body))
    }

    /// A sealed handshake message of `msg_type` with `body`.
    pub fn message(msg_type: u8, body: &[u8]) -> Act {
        Act::Handshake(handshake_msg(msg_type, body))
    }

    /// A sealed, well-formed NewSessionTicket.
    pub fn ticket() -> Act {
        Act::message(
            msg::NEW_SESSION_TICKET,
            &new_session_ticket(b"an opaque ticket", &[]),
        )
    }
}

/// How the server's flight (EncryptedExtensions, Certificate,
/// CertificateVerify, Finished) is protected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Flight {
    /// Sealed under the handshake keys.
    #[default]
    Sealed,
    /// Unencrypted handshake records (RFC 8446 forbids it).
    Plaintext,
}

/// How the flight's handshake bytes are cut into records.
#[derive(Clone, Debug, Default)]
pub enum Framing {
    /// One record per message (a message over 2^14 bytes in 2^14-byte
    /// pieces).
    #[default]
    PerMessage,
    /// The flight's bytes cut into records of at most this many bytes,
    /// across message boundaries (an act in the flight ends a record). At
    /// least 1; 2^14 puts the whole flight in one record.
    Fragments(usize),
    /// The first message of type `msg` (ServerHello, or a message of the
    /// flight) cut at these offsets into records, `between` played between
    /// its pieces; the other messages as [`Framing::PerMessage`] (the
    /// ServerHello as [`Script::server_hello_fragment`] says).
    Split {
        /// The message type.
        msg: u8,
        /// Offsets into the message (header included), ascending.
        at: Vec<usize>,
        /// Acts between two pieces.
        between: Vec<Act>,
    },
}

/// A change to the server's flight. `u8` names one of its own messages
/// (8 EncryptedExtensions, 11 Certificate, 15 CertificateVerify, 20
/// Finished); edits of one message apply in the order given. Inserted and
/// replacing bytes enter the transcript, so the CertificateVerify and the
/// Finished that follow are computed over what was sent.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Leave the message out.
    Drop(u8),
    /// These bytes (a message of any type and body, or anything) instead.
    Replace(u8, Vec<u8>),
    /// These bytes just before the message.
    Before(u8, Vec<u8>),
    /// These bytes just after the message.
    After(u8, Vec<u8>),
    /// The message a second time, just after it.
    Again(u8),
    /// An act just before the message (it ends the record being filled).
    ActBefore(u8, Act),
    /// An act just after the message.
    ActAfter(u8, Act),
}

/// A ServerHello that differs from the right one. Every `None`/`false`/
/// empty field keeps the right value.
#[derive(Clone, Debug, Default)]
pub struct HelloEdit {
    /// legacy_version instead of 0x0303.
    pub legacy_version: Option<u16>,
    /// legacy_session_id_echo instead of the client's session id.
    pub session_id: Option<Vec<u8>>,
    /// The cipher suite instead of TLS_AES_128_GCM_SHA256.
    pub suite: Option<u16>,
    /// legacy_compression_method instead of 0.
    pub compression: Option<u8>,
    /// No supported_versions extension.
    pub no_supported_versions: bool,
    /// supported_versions' value instead of 0x0304.
    pub version: Option<u16>,
    /// No key_share extension.
    pub no_key_share: bool,
    /// The key share's group instead of secp256r1 (the share is still the
    /// server's P-256 point).
    pub group: Option<u16>,
    /// The key share's bytes instead of the server's P-256 point.
    pub share: Option<Vec<u8>>,
    /// Extensions after the right ones: (type, data).
    pub extensions: Vec<(u16, Vec<u8>)>,
    /// Bytes after the extensions, inside the message.
    pub trailing: Vec<u8>,
    /// Bytes after the ServerHello in its (last) plaintext record.
    pub same_record: Vec<u8>,
}

/// A HelloRetryRequest (RFC 8446 §4.1.4), sent instead of the ServerHello;
/// the server then reads the client's next ClientHello.
#[derive(Clone, Debug)]
pub struct Retry {
    /// The cipher suite (TLS_AES_128_GCM_SHA256 by default).
    pub suite: u16,
    /// The group asked for in key_share (none by default).
    pub group: Option<u16>,
    /// The cookie (none by default).
    pub cookie: Option<Vec<u8>>,
    /// More extensions: (type, data).
    pub extensions: Vec<(u16, Vec<u8>)>,
    /// Acts after the HelloRetryRequest (plaintext only).
    pub after: Vec<Act>,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            suite: 0x1301,
            group: None,
            cookie: None,
            extensions: Vec::new(),
            after: Vec::new(),
        }
    }
}

impl Retry {
    /// A HelloRetryRequest with `cookie` only.
    pub fn cookie(cookie: &[u8]) -> Retry {
        Retry {
            cookie: Some(cookie.to_vec()),
            ..Retry::default()
        }
    }
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
    /// HelloRetryRequests before the ServerHello, one per ClientHello.
    pub retries: Vec<Retry>,
    /// How the ServerHello differs from the right one.
    pub hello: HelloEdit,
    /// Send the ServerHello in records of at most this many bytes.
    pub server_hello_fragment: Option<usize>,
    /// Right after the ServerHello, with the handshake keys.
    pub after_server_hello: Vec<Act>,
    /// How the rest of the server's flight is protected.
    pub flight: Flight,
    /// Changes to the flight's messages.
    pub edits: Vec<Edit>,
    /// How the flight (and, for a split, the ServerHello) is cut into records.
    pub framing: Framing,
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

/// A record the client sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRecord {
    /// The outer content type.
    pub outer: u8,
    /// The content type: `outer` for a plaintext record, the inner one for
    /// a record the server could decrypt, `None` when it could not.
    pub content_type: Option<u8>,
    /// The plaintext (without content type and padding), or the sealed
    /// body when it could not be decrypted.
    pub content: Vec<u8>,
}

/// What happened on one connection.
#[derive(Clone, Debug, Default)]
pub struct ConnLog {
    /// The client offered TLS 1.3 with a P-256 key share.
    pub tls13: bool,
    /// ClientHellos received (2 after a HelloRetryRequest).
    pub hellos: usize,
    /// The cookie extension's value in the last ClientHello.
    pub cookie: Option<Vec<u8>>,
    /// The client's Finished arrived and verified.
    pub client_finished: bool,
    /// Every act of the script was sent.
    pub acts_sent: bool,
    /// KeyUpdates the client sent.
    pub client_key_updates: usize,
    /// Application data the server read and sent back ([`Act::Echo`]).
    pub echoed: Vec<u8>,
    /// Every record the client sent, in order.
    pub from_client: Vec<ClientRecord>,
    /// The client closed the TCP connection within the linger time.
    pub client_closed: bool,
    /// Why the server stopped early, if it did.
    pub error: Option<String>,
}

impl ConnLog {
    /// The first alert the client sent (level, description), decrypted.
    pub fn client_alert(&self) -> Option<(u8, u8)> {
        self.from_client
            .iter()
            .find(|r| r.content_type == Some(ALERT))
            .map(|r| match r.content[..] {
                [level, desc] => (level, desc),
                _ => (0xff, 0xff),
            })
    }

    /// The last record the client sent.
    pub fn last_from_client(&self) -> Option<&ClientRecord> {
        self.from_client.last()
    }
}

/// The server (see the [module docs](self)).
pub struct HostileServer {
    port: u16,
    stop: Arc<AtomicBool>,
    script: Arc<Mutex<Script>>,
    log: Arc<Mutex<Vec<ConnLog>>>,
    identity: Arc<Identity>,
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
            let identity = identity.clone();
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
            identity,
            accept: Some(accept),
        })
    }

    /// The Certificate message the server sends.
    pub fn certificate(&self) -> Vec<u8> {
        certificate_message(&self.identity.chain)
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

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// One direction's record protection.
struct Keys {
    secret: Vec<u8>,
    aead: Aes128Gcm,
    iv: Vec<u8>,
    seq: u64,
}

impl Keys {
    fn new(traffic_secret: &[u8]) -> Self {
        Keys {
            secret: traffic_secret.to_vec(),
            aead: Aes128Gcm::new_from_slice(&expand_label(traffic_secret, "key", b"", 16))
                .expect("16-byte key"),
            iv: expand_label(traffic_secret, "iv", b"", 12),
            seq: 0,
        }
    }

    /// The keys after a KeyUpdate (RFC 8446 §7.2).
    fn next(&self) -> Keys {
        Keys::new(&expand_label(&self.secret, "traffic upd", b"", 32))
    }

    fn nonce(&self) -> Vec<u8> {
        let mut nonce = self.iv.clone();
        for (n, b) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= b;
        }
        nonce
    }

    /// A sealed record of `inner` (content and content type already joined).
    fn seal(&mut self, inner: &[u8]) -> Vec<u8> {
        let len = inner.len() + 16;
        let hdr = [APPLICATION_DATA, 3, 3, (len >> 8) as u8, len as u8];
        let nonce = self.nonce();
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

    /// The inner plaintext of a record, if it opens under these keys.
    fn open(&mut self, hdr: &[u8; 5], body: &[u8]) -> Option<Vec<u8>> {
        let nonce = self.nonce();
        let inner = self
            .aead
            .decrypt(
                nonce.as_slice().into(),
                Payload {
                    msg: body,
                    aad: hdr,
                },
            )
            .ok()?;
        self.seq += 1;
        Some(inner)
    }
}

/// What the server needs from a ClientHello message.
struct Hello {
    session_id: Vec<u8>,
    tls13: bool,
    share: Option<Vec<u8>>,
    cookie: Option<Vec<u8>>,
}

fn parse_hello(ch: &[u8]) -> Option<Hello> {
    let u16_at = |p: usize| Some(u16::from_be_bytes([*ch.get(p)?, *ch.get(p + 1)?]) as usize);
    let mut p = 4 + 2 + 32;
    let sid_len = *ch.get(p)? as usize;
    let session_id = ch.get(p + 1..p + 1 + sid_len)?.to_vec();
    p += 1 + sid_len;
    p += 2 + u16_at(p)?;
    p += 1 + *ch.get(p)? as usize;
    let end = p + 2 + u16_at(p)?;
    p += 2;
    let mut hello = Hello {
        session_id,
        tls13: false,
        share: None,
        cookie: None,
    };
    while p + 4 <= end {
        let (ty, len) = (u16_at(p)?, u16_at(p + 2)?);
        let data = ch.get(p + 4..p + 4 + len)?;
        match ty {
            0x002b => hello.tls13 = data.get(1..)?.chunks(2).any(|v| v == [3, 4]),
            0x002c => hello.cookie = Some(data.get(2..)?.to_vec()),
            0x0033 => {
                let mut q = 2;
                while q + 4 <= data.len() {
                    let group = u16::from_be_bytes([data[q], data[q + 1]]);
                    let klen = u16::from_be_bytes([data[q + 2], data[q + 3]]) as usize;
                    if group == 0x0017 {
                        hello.share = Some(data.get(q + 4..q + 4 + klen)?.to_vec());
                    }
                    q += 4 + klen;
                }
            }
            _ => {}
        }
        p += 4 + len;
    }
    Some(hello)
}

/// A ServerHello or HelloRetryRequest body.
fn hello_body(
    random: &[u8],
    session_id: &[u8],
    suite: u16,
    compression: u8,
    exts: &[u8],
) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(random);
    b.push(session_id.len() as u8);
    b.extend_from_slice(session_id);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(compression);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend_from_slice(exts);
    b
}

fn extension(out: &mut Vec<u8>, ty: u16, data: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

fn server_hello(e: &HelloEdit, session_id: &[u8], point: &[u8]) -> Vec<u8> {
    let mut random = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut random);
    let mut exts = Vec::new();
    if !e.no_supported_versions {
        extension(
            &mut exts,
            0x002b,
            &e.version.unwrap_or(0x0304).to_be_bytes(),
        );
    }
    if !e.no_key_share {
        let share = e.share.as_deref().unwrap_or(point);
        let mut ks = e.group.unwrap_or(0x0017).to_be_bytes().to_vec();
        ks.extend_from_slice(&(share.len() as u16).to_be_bytes());
        ks.extend_from_slice(share);
        extension(&mut exts, 0x0033, &ks);
    }
    for (ty, data) in &e.extensions {
        extension(&mut exts, *ty, data);
    }
    let mut body = e.legacy_version.unwrap_or(0x0303).to_be_bytes().to_vec();
    body.extend(hello_body(
        &random,
        e.session_id.as_deref().unwrap_or(session_id),
        e.suite.unwrap_or(0x1301),
        e.compression.unwrap_or(0),
        &exts,
    ));
    body.extend_from_slice(&e.trailing);
    handshake_msg(msg::SERVER_HELLO, &body)
}

fn retry_request(r: &Retry, session_id: &[u8]) -> Vec<u8> {
    let mut exts = Vec::new();
    extension(&mut exts, 0x002b, &[3, 4]);
    if let Some(g) = r.group {
        extension(&mut exts, 0x0033, &g.to_be_bytes());
    }
    if let Some(c) = &r.cookie {
        let mut data = (c.len() as u16).to_be_bytes().to_vec();
        data.extend_from_slice(c);
        extension(&mut exts, 0x002c, &data);
    }
    for (ty, data) in &r.extensions {
        extension(&mut exts, *ty, data);
    }
    // ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest").
    let random = Sha256::digest(b"HelloRetryRequest");
    let mut body = vec![3, 3];
    body.extend(hello_body(&random, session_id, r.suite, 0, &exts));
    handshake_msg(msg::SERVER_HELLO, &body)
}

/// One connection's state.
struct Conn<'a> {
    s: TcpStream,
    log: &'a mut ConnLog,
    /// Bytes to write at the next flush.
    out: Vec<u8>,
    /// The server's current write keys.
    write: Option<Keys>,
    /// The client's handshake and application keys, when known.
    client_hs: Option<Keys>,
    client_ap: Option<Keys>,
    eof: bool,
}

fn invalid(m: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, m.into())
}

impl Conn<'_> {
    fn send(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            let out = std::mem::take(&mut self.out);
            self.s.write_all(&out)?;
        }
        Ok(())
    }

    /// Seal `content` of `content_type` under the current keys.
    fn seal(&mut self, content_type: u8, content: &[u8]) -> io::Result<()> {
        let keys = self
            .write
            .as_mut()
            .ok_or_else(|| invalid("a sealed act before the ServerHello"))?;
        let r = keys.seal(&[content, &[content_type]].concat());
        self.send(&r);
        Ok(())
    }

    fn seal_inner(&mut self, inner: &[u8]) -> io::Result<()> {
        let keys = self
            .write
            .as_mut()
            .ok_or_else(|| invalid("a sealed act before the ServerHello"))?;
        let r = keys.seal(inner);
        self.send(&r);
        Ok(())
    }

    /// Fill `buf`; `false` when the connection ended first.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        let mut got = 0;
        while got < buf.len() {
            match self.s.read(&mut buf[got..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The client's next record (decrypted when a client key opens it),
    /// logged; `None` when the connection ended.
    fn read_client(&mut self) -> io::Result<Option<ClientRecord>> {
        self.flush()?;
        if self.eof {
            return Ok(None);
        }
        let mut hdr = [0u8; 5];
        if !self.fill(&mut hdr)? {
            return Ok(None);
        }
        let mut body = vec![0u8; u16::from_be_bytes([hdr[3], hdr[4]]) as usize];
        if !self.fill(&mut body)? {
            return Ok(None);
        }
        let rec = if hdr[0] == APPLICATION_DATA {
            self.open(&hdr, body)
        } else {
            ClientRecord {
                outer: hdr[0],
                content_type: Some(hdr[0]),
                content: body,
            }
        };
        self.log.from_client.push(rec.clone());
        Ok(Some(rec))
    }

    fn open(&mut self, hdr: &[u8; 5], body: Vec<u8>) -> ClientRecord {
        let mut inner = None;
        let mut application = false;
        if let Some(k) = self.client_ap.as_mut() {
            inner = k.open(hdr, &body);
            application = inner.is_some();
        }
        if inner.is_none() {
            if let Some(k) = self.client_hs.as_mut() {
                inner = k.open(hdr, &body);
            }
        }
        let Some(mut inner) = inner else {
            return ClientRecord {
                outer: APPLICATION_DATA,
                content_type: None,
                content: body,
            };
        };
        while inner.last() == Some(&0) {
            inner.pop();
        }
        let content_type = inner.pop();
        if application && content_type == Some(HANDSHAKE) && inner.first() == Some(&msg::KEY_UPDATE)
        {
            self.log.client_key_updates += 1;
            self.client_ap = self.client_ap.as_ref().map(Keys::next);
        }
        ClientRecord {
            outer: APPLICATION_DATA,
            content_type,
            content: inner,
        }
    }

    fn play(&mut self, acts: &[Act]) -> io::Result<()> {
        for act in acts {
            self.act(act)?;
        }
        Ok(())
    }

    fn act(&mut self, act: &Act) -> io::Result<()> {
        match act {
            Act::Raw(bytes) => self.send(bytes),
            Act::Sealed {
                content_type,
                content,
            } => self.seal(*content_type, content)?,
            Act::SealedInner(inner) => self.seal_inner(inner)?,
            Act::Handshake(bytes) if self.write.is_none() => self.send(&record(HANDSHAKE, bytes)),
            Act::Handshake(bytes) => self.seal(HANDSHAKE, bytes)?,
            Act::KeyUpdate { request } => self.key_update(*request)?,
            Act::NextKeys => self.write = self.write.as_ref().map(Keys::next),
            Act::Echo => self.echo()?,
            Act::Pause(d) => {
                self.flush()?;
                std::thread::sleep(*d);
            }
            Act::Hangup => {
                self.flush()?;
                self.s.shutdown(std::net::Shutdown::Write)?;
            }
        }
        Ok(())
    }

    fn key_update(&mut self, request: bool) -> io::Result<()> {
        self.seal(
            HANDSHAKE,
            &handshake_msg(msg::KEY_UPDATE, &[u8::from(request)]),
        )?;
        self.write = self.write.as_ref().map(Keys::next);
        Ok(())
    }

    fn echo(&mut self) -> io::Result<()> {
        loop {
            let Some(r) = self.read_client()? else {
                return Err(invalid("the client left before sending data"));
            };
            match (r.content_type, &r.content[..]) {
                (Some(APPLICATION_DATA), data) => {
                    let data = data.to_vec();
                    self.seal(APPLICATION_DATA, &data)?;
                    self.log.echoed.extend_from_slice(&data);
                    return Ok(());
                }
                (Some(HANDSHAKE), [msg::KEY_UPDATE, 0, 0, 1, 1]) => self.key_update(false)?,
                (Some(HANDSHAKE), [msg::KEY_UPDATE, 0, 0, 1, 0]) => {}
                (t, c) => {
                    return Err(invalid(format!(
                        "client sent {t:?} {c:02x?} instead of data"
                    )))
                }
            }
        }
    }

    /// Handshake bytes in one record, as the flight is protected.
    fn handshake_record(&mut self, bytes: &[u8], flight: &Flight) -> io::Result<()> {
        match flight {
            Flight::Sealed => self.seal(HANDSHAKE, bytes),
            Flight::Plaintext => {
                self.send(&record(HANDSHAKE, bytes));
                Ok(())
            }
        }
    }
}

fn serve(tcp: TcpStream, id: &Identity, script: &Script) -> ConnLog {
    let mut log = ConnLog::default();
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(WAIT));
    let mut c = Conn {
        s: tcp,
        log: &mut log,
        out: Vec::new(),
        write: None,
        client_hs: None,
        client_ap: None,
        eof: false,
    };
    let ran = run(&mut c, id, script).and_then(|()| c.flush());
    // Linger for the client's close (a reset when it left data unread),
    // or the timeout, keeping what it sends (its alert).
    let closed = loop {
        match c.read_client() {
            Ok(Some(_)) => {}
            Ok(None) => break true,
            Err(e) => {
                break matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                )
            }
        }
    };
    drop(c);
    log.client_closed = closed;
    if let Err(e) = ran {
        log.error = Some(e.to_string());
    }
    log
}

/// The server's part of the flight, before edits.
struct Own<'a> {
    id: &'a Identity,
    auth: &'a Auth,
    s_hs: &'a [u8],
}

impl Own<'_> {
    /// The server's message of type `t` given the transcript so far, if
    /// it sends one.
    fn message(&self, t: u8, transcript: &Sha256) -> io::Result<Option<Vec<u8>>> {
        Ok(match t {
            msg::ENCRYPTED_EXTENSIONS => Some(handshake_msg(t, &[0, 0])),
            msg::CERTIFICATE if matches!(self.auth, Auth::Nothing) => None,
            msg::CERTIFICATE => Some(certificate_message(&self.id.chain)),
            msg::CERTIFICATE_VERIFY => {
                let key = match self.auth {
                    Auth::Chain => &self.id.key,
                    Auth::SignedBy(other) => other,
                    Auth::Nothing | Auth::CertificateOnly => return Ok(None),
                };
                let mut signed = vec![0x20u8; 64];
                signed.extend_from_slice(b"TLS 1.3, server CertificateVerify\x00");
                signed.extend_from_slice(&transcript.clone().finalize());
                let sig =
                    Signer::new(MessageDigest::sha256(), key)?.sign_oneshot_to_vec(&signed)?;
                let mut cv = vec![0x04, 0x03];
                cv.extend_from_slice(&(sig.len() as u16).to_be_bytes());
                cv.extend_from_slice(&sig);
                Some(handshake_msg(t, &cv))
            }
            _ => {
                let key = expand_label(self.s_hs, "finished", b"", 32);
                Some(handshake_msg(
                    t,
                    &hmac_sha256(&key, &transcript.clone().finalize()),
                ))
            }
        })
    }
}

/// A piece of the flight: handshake bytes, an act between records, or the
/// switch to the server's application keys after its Finished.
enum Piece {
    Bytes(Vec<u8>),
    Act(Act),
    Switch,
}

/// The flight after the script's edits; the transcript follows it up to
/// the server's Finished (what comes after it is not in the transcript,
/// and goes under the application keys from the first record that starts
/// after the Finished).
fn flight(own: &Own<'_>, edits: &[Edit], transcript: &mut Sha256) -> io::Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    let add = |pieces: &mut Vec<Piece>, t: Option<&mut Sha256>, b: &[u8]| {
        if let Some(t) = t {
            t.update(b);
        }
        pieces.push(Piece::Bytes(b.to_vec()));
    };
    for slot in [
        msg::ENCRYPTED_EXTENSIONS,
        msg::CERTIFICATE,
        msg::CERTIFICATE_VERIFY,
        msg::FINISHED,
    ] {
        for e in edits {
            match e {
                Edit::Before(t, b) if *t == slot => add(&mut pieces, Some(transcript), b),
                Edit::ActBefore(t, a) if *t == slot => pieces.push(Piece::Act(a.clone())),
                _ => {}
            }
        }
        let dropped = edits
            .iter()
            .any(|e| matches!(e, Edit::Drop(t) if *t == slot));
        let replaced = edits.iter().find_map(|e| match e {
            Edit::Replace(t, b) if *t == slot => Some(b.clone()),
            _ => None,
        });
        let main = match (dropped, replaced) {
            (true, _) => None,
            (false, Some(b)) => Some(b),
            (false, None) => own.message(slot, transcript)?,
        };
        if let Some(m) = &main {
            add(&mut pieces, Some(transcript), m);
        }
        let finished = slot == msg::FINISHED;
        if finished {
            pieces.push(Piece::Switch);
        }
        for e in edits {
            let t = (!finished).then_some(&mut *transcript);
            match (e, &main) {
                (Edit::After(s, b), _) if *s == slot => add(&mut pieces, t, b),
                (Edit::ActAfter(s, a), _) if *s == slot => pieces.push(Piece::Act(a.clone())),
                (Edit::Again(s), Some(m)) if *s == slot => add(&mut pieces, t, m),
                _ => {}
            }
        }
    }
    Ok(pieces)
}

/// `m` cut at `at` (offsets past its end are ignored).
fn cut<'m>(m: &'m [u8], at: &[usize]) -> Vec<&'m [u8]> {
    let mut out = Vec::new();
    let mut from = 0;
    for &a in at.iter().filter(|&&a| a > 0 && a < m.len()) {
        if a > from {
            out.push(&m[from..a]);
            from = a;
        }
    }
    out.push(&m[from..]);
    out
}

/// The flight's records. `app`: the server's application traffic keys,
/// installed at [`Piece::Switch`] (once the record being filled is out).
fn send_flight(c: &mut Conn<'_>, pieces: &[Piece], script: &Script, app: Keys) -> io::Result<()> {
    let protection = &script.flight;
    let framing = &script.framing;
    let mut pending: Vec<u8> = Vec::new();
    let mut split_done = false;
    let mut app = Some(app);
    let mut switch_due = false;
    let fragment = match framing {
        Framing::Fragments(n) => (*n).clamp(1, MAX_FRAGMENT),
        _ => MAX_FRAGMENT,
    };
    // Write the records of `bytes`; the last one only when `all`.
    let records = |c: &mut Conn<'_>,
                   bytes: &mut Vec<u8>,
                   all: bool,
                   switch_due: &mut bool,
                   app: &mut Option<Keys>| {
        let n = if all {
            bytes.len()
        } else {
            bytes.len() / fragment * fragment
        };
        for chunk in bytes[..n].chunks(fragment) {
            c.handshake_record(chunk, protection)?;
            if std::mem::take(switch_due) {
                c.write = app.take();
            }
        }
        bytes.drain(..n);
        io::Result::Ok(())
    };
    for p in pieces {
        match (p, framing) {
            (Piece::Switch, _) if pending.is_empty() => c.write = app.take(),
            (Piece::Switch, _) => switch_due = true,
            (Piece::Act(a), _) => {
                records(c, &mut pending, true, &mut switch_due, &mut app)?;
                c.act(a)?;
            }
            (Piece::Bytes(b), Framing::Fragments(_)) => {
                pending.extend_from_slice(b);
                records(c, &mut pending, false, &mut switch_due, &mut app)?;
            }
            (Piece::Bytes(b), Framing::Split { msg, at, between })
                if !split_done && b.first() == Some(msg) =>
            {
                split_done = true;
                for (i, part) in cut(b, at).iter().enumerate() {
                    if i > 0 {
                        c.play(between)?;
                    }
                    c.handshake_record(part, protection)?;
                }
            }
            (Piece::Bytes(b), _) => {
                for chunk in b.chunks(MAX_FRAGMENT) {
                    c.handshake_record(chunk, protection)?;
                }
            }
        }
    }
    records(c, &mut pending, true, &mut switch_due, &mut app)?;
    if let Some(keys) = app {
        c.write = Some(keys);
    }
    Ok(())
}

/// The ServerHello in plaintext records, as the script cuts it.
fn send_server_hello(c: &mut Conn<'_>, sh: &[u8], script: &Script) -> io::Result<()> {
    let parts: Vec<&[u8]> = match &script.framing {
        Framing::Split { msg, at, .. } if *msg == msg::SERVER_HELLO => cut(sh, at),
        _ => sh
            .chunks(script.server_hello_fragment.unwrap_or(sh.len()).max(1))
            .collect(),
    };
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if let Framing::Split { between, .. } = &script.framing {
                c.play(between)?;
            }
        }
        if i == last {
            c.send(&record(
                HANDSHAKE,
                &[part, &script.hello.same_record[..]].concat(),
            ));
        } else {
            c.send(&record(HANDSHAKE, part));
        }
    }
    Ok(())
}

fn run(c: &mut Conn<'_>, id: &Identity, script: &Script) -> io::Result<()> {
    let ch = match c.read_client()? {
        Some(r) if r.outer == HANDSHAKE && r.content.first() == Some(&msg::CLIENT_HELLO) => {
            r.content
        }
        _ => return Err(invalid("expected a ClientHello")),
    };
    let mut hello = match parse_hello(&ch) {
        Some(h) if h.tls13 && h.share.is_some() => h,
        _ => {
            // Fatal protocol_version, as a TLS 1.3-only server answers.
            c.send(&record(ALERT, &[2, 70]));
            return Ok(());
        }
    };
    c.log.tls13 = true;
    c.log.hellos = 1;
    let mut transcript = Sha256::new();
    transcript.update(&ch);
    c.play(&script.before_server_hello)?;

    for retry in &script.retries {
        // The transcript restarts with a hash of the first ClientHello
        // (RFC 8446 §4.4.1).
        let first = transcript.finalize_reset();
        transcript.update(handshake_msg(msg::MESSAGE_HASH, &first));
        let hrr = retry_request(retry, &hello.session_id);
        transcript.update(&hrr);
        c.send(&record(HANDSHAKE, &hrr));
        c.play(&retry.after)?;
        let ch = loop {
            match c.read_client()? {
                None => return Err(invalid("the client left after a HelloRetryRequest")),
                Some(r) if r.outer == CHANGE_CIPHER_SPEC => {}
                Some(r)
                    if r.outer == HANDSHAKE && r.content.first() == Some(&msg::CLIENT_HELLO) =>
                {
                    break r.content
                }
                Some(r) => {
                    return Err(invalid(format!(
                        "client sent {r:02x?} after a HelloRetryRequest"
                    )))
                }
            }
        };
        c.log.hellos += 1;
        hello = parse_hello(&ch).ok_or_else(|| invalid("undecodable second ClientHello"))?;
        c.log.cookie = hello.cookie.clone();
        transcript.update(&ch);
    }

    let client_share = hello
        .share
        .ok_or_else(|| invalid("no P-256 key share in the second ClientHello"))?;
    let secret = p256::ecdh::EphemeralSecret::random(&mut rand_core::OsRng);
    let server_share = p256::EncodedPoint::from(secret.public_key());
    let peer = p256::PublicKey::from_sec1_bytes(&client_share)
        .map_err(|_| invalid("bad client key share"))?;
    let shared = secret.diffie_hellman(&peer);

    let sh = server_hello(&script.hello, &hello.session_id, server_share.as_bytes());
    transcript.update(&sh);
    send_server_hello(c, &sh, script)?;

    // Key schedule (RFC 8446 §7.1).
    let zeros = [0u8; 32];
    let (early, _) = Hkdf::<Sha256>::extract(Some(&zeros), &zeros);
    let derived = expand_label(&early, "derived", &Sha256::digest(b""), 32);
    let (hs, _) = Hkdf::<Sha256>::extract(Some(&derived), shared.raw_secret_bytes());
    let th = transcript.clone().finalize();
    let s_hs = expand_label(&hs, "s hs traffic", &th, 32);
    let c_hs = expand_label(&hs, "c hs traffic", &th, 32);
    c.write = Some(Keys::new(&s_hs));
    c.client_hs = Some(Keys::new(&c_hs));

    c.play(&script.after_server_hello)?;

    let own = Own {
        id,
        auth: &script.auth,
        s_hs: &s_hs,
    };
    let pieces = flight(&own, &script.edits, &mut transcript)?;
    let server_finished = transcript.clone().finalize();
    let derived = expand_label(&hs, "derived", &Sha256::digest(b""), 32);
    let (master, _) = Hkdf::<Sha256>::extract(Some(&derived), &zeros);
    let s_ap = expand_label(&master, "s ap traffic", &server_finished, 32);
    let c_ap = expand_label(&master, "c ap traffic", &server_finished, 32);
    send_flight(c, &pieces, script, Keys::new(&s_ap))?;

    // The client's flight: an optional change_cipher_spec, then its sealed
    // [Certificate, CertificateVerify,] Finished. Anything else (its
    // alert, its close) ends the connection.
    let client_finished = expand_label(&c_hs, "finished", b"", 32);
    let mut client_transcript = transcript.clone();
    'flight: loop {
        match c.read_client()? {
            None => return Err(invalid("the client left before its Finished")),
            Some(r) if r.outer == CHANGE_CIPHER_SPEC => {}
            Some(r) if r.content_type == Some(HANDSHAKE) => {
                let mut rest = &r.content[..];
                while rest.len() >= 4 {
                    let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
                    let m = rest
                        .get(..4 + len)
                        .ok_or_else(|| invalid("a client message split across records"))?;
                    if m[0] == msg::FINISHED {
                        let want = hmac_sha256(&client_finished, &client_transcript.finalize());
                        if m[4..] != want[..] {
                            return Err(invalid("the client Finished does not verify"));
                        }
                        break 'flight;
                    }
                    client_transcript.update(m);
                    rest = &rest[4 + len..];
                }
            }
            Some(r) => {
                return Err(invalid(format!(
                    "client sent {r:02x?} instead of its Finished"
                )))
            }
        }
    }
    c.log.client_finished = true;
    c.client_ap = Some(Keys::new(&c_ap));
    c.play(&script.after_handshake)?;
    c.flush()?;
    c.log.acts_sent = true;
    Ok(())
}
