//! Incremental reader of the server's first flight.

use super::{AlertDescription, TlsVersion, Verdict};

/// SHA-256("HelloRetryRequest"): the `random` of a HelloRetryRequest
/// (RFC 8446 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;

/// Largest record body a peer may send before encryption starts, with the
/// slack RFC 5246 6.2.3 allows for compressed/encrypted records.
const MAX_RECORD: u16 = (1 << 14) + 2048;

/// ServerHello body without session id and extensions:
/// version 2 + random 32 + session id length 1 + cipher 2 + compression 1.
const MIN_SERVER_HELLO: u32 = 38;

const EXT_SUPPORTED_VERSIONS: u16 = 0x002B;

/// Where the record layer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Record {
    /// Reading the 5-byte header; `got` bytes so far.
    Header { got: u8 },
    /// Inside a record body of content type `kind`; `left` bytes to go.
    Body { kind: u8, left: u16 },
}

/// Where the handshake-message stream (the bodies of handshake records,
/// concatenated) is inside the first message, which must be a ServerHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hs {
    Type,
    Length { got: u8 },
    Version { got: u8 },
    Random { got: u8 },
    SessionIdLength,
    SessionId { left: u8 },
    Cipher { got: u8 },
    Compression,
    ExtensionsLength { got: u8 },
    ExtType { got: u8 },
    ExtLength { got: u8 },
    ExtSkip { left: u16 },
    SupportedVersion { got: u8 },
}

/// Incremental parser of the server's answer to a probe ClientHello.
///
/// Feed the bytes as they arrive with [`feed`](Self::feed); records and the
/// ServerHello may be split anywhere (even across records). The parser keeps
/// a few dozen bytes of state, allocates nothing and never panics; it reads
/// only what a verdict needs: an alert, or a ServerHello up to its cipher
/// suite and its `supported_versions` extension.
///
/// What it decides:
///
/// - a fatal alert (or any alert not listed below) -> [`Verdict::Alert`];
/// - a warning-level `unrecognized_name`, `user_canceled` or
///   `no_renegotiation` alert is remembered but not decisive (OpenSSL sends
///   a warning `unrecognized_name` for an unknown SNI name and continues);
/// - a ServerHello -> [`Verdict::ServerHello`], once its extensions are read
///   or its `supported_versions` extension is found; a HelloRetryRequest
///   -> [`Verdict::HelloRetryRequest`] as soon as its random is read;
/// - anything that is not TLS framing (wrong content type, record version
///   not 3.x, zero-length or oversized records, application data or
///   heartbeat before the ServerHello, a first handshake message that is not
///   a ServerHello, inconsistent lengths, an unknown version) ->
///   [`Verdict::NotTls`], decided at the first offending byte.
///
/// Change-cipher-spec records before the ServerHello are skipped.
/// Once decided, the verdict does not change: further `feed` calls return
/// it again.
#[derive(Clone, Debug)]
pub struct ResponseParser {
    record: Record,
    header: [u8; 5],
    // Alert stream.
    alert: [u8; 2],
    alert_got: u8,
    warning: Option<(u8, u8)>,
    // Handshake stream.
    hs: Hs,
    acc: u32,
    msg_left: u32,
    ext_left: u16,
    ext_type: u16,
    legacy_version: u16,
    cipher: u16,
    hrr: bool,
    decided: Option<Verdict>,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseParser {
    /// A parser at the start of the server's answer.
    pub const fn new() -> Self {
        ResponseParser {
            record: Record::Header { got: 0 },
            header: [0; 5],
            alert: [0; 2],
            alert_got: 0,
            warning: None,
            hs: Hs::Type,
            acc: 0,
            msg_left: 0,
            ext_left: 0,
            ext_type: 0,
            legacy_version: 0,
            cipher: 0,
            hrr: true,
            decided: None,
        }
    }

    /// Takes the next bytes from the server; returns the verdict once one is
    /// decided (and the same verdict on every later call).
    pub fn feed(&mut self, bytes: &[u8]) -> Option<Verdict> {
        if self.decided.is_some() {
            return self.decided;
        }
        for &b in bytes {
            if let Some(v) = self.record_byte(b) {
                self.decided = Some(v);
                return Some(v);
            }
        }
        None
    }

    /// The peer closed the connection (or the caller gave up waiting): the
    /// verdict if one was decided, else a remembered warning alert, else
    /// [`Verdict::Closed`].
    pub fn finish_eof(&mut self) -> Verdict {
        let v = match (self.decided, self.warning) {
            (Some(v), _) => v,
            (None, Some((level, code))) => Verdict::Alert {
                level,
                description: AlertDescription::from_u8(code),
            },
            (None, None) => Verdict::Closed,
        };
        self.decided = Some(v);
        v
    }

    fn record_byte(&mut self, b: u8) -> Option<Verdict> {
        match self.record {
            Record::Header { got } => {
                let ok = match got {
                    0 => matches!(b, CHANGE_CIPHER_SPEC | ALERT | HANDSHAKE),
                    1 => b == 3,
                    2 => b <= 4,
                    _ => true,
                };
                if !ok {
                    return Some(Verdict::NotTls);
                }
                if let Some(slot) = self.header.get_mut(usize::from(got)) {
                    *slot = b;
                }
                let got = got.saturating_add(1);
                if got < 5 {
                    self.record = Record::Header { got };
                    return None;
                }
                let [kind, _, _, hi, lo] = self.header;
                let len = u16::from_be_bytes([hi, lo]);
                if len == 0 || len > MAX_RECORD {
                    return Some(Verdict::NotTls);
                }
                self.record = Record::Body { kind, left: len };
                None
            }
            Record::Body { kind, left } => {
                let left = left.saturating_sub(1);
                self.record = if left == 0 {
                    Record::Header { got: 0 }
                } else {
                    Record::Body { kind, left }
                };
                match kind {
                    ALERT => self.alert_byte(b),
                    HANDSHAKE => self.hs_byte(b),
                    _ => None, // change_cipher_spec: skipped
                }
            }
        }
    }

    fn alert_byte(&mut self, b: u8) -> Option<Verdict> {
        if let Some(slot) = self.alert.get_mut(usize::from(self.alert_got)) {
            *slot = b;
        }
        self.alert_got = self.alert_got.saturating_add(1);
        if self.alert_got < 2 {
            return None;
        }
        self.alert_got = 0;
        let [level, code] = self.alert;
        // Non-fatal warnings a server may send before going on with its
        // ServerHello (RFC 5246 7.2; RFC 6066 3 for unrecognized_name).
        if level == 1 && matches!(code, 90 | 100 | 112) {
            self.warning = Some((level, code));
            return None;
        }
        Some(Verdict::Alert {
            level,
            description: AlertDescription::from_u8(code),
        })
    }

    /// Accumulates a big-endian field byte; true when `n` bytes are in.
    fn take(&mut self, got: u8, b: u8, n: u8) -> (bool, u8) {
        self.acc = if got == 0 {
            u32::from(b)
        } else {
            (self.acc << 8) | u32::from(b)
        };
        let got = got.saturating_add(1);
        (got >= n, got)
    }

    fn server_hello(&self, version: u16) -> Verdict {
        match TlsVersion::from_wire(version) {
            Some(version) => Verdict::ServerHello {
                version,
                cipher_suite: self.cipher,
            },
            None => Verdict::NotTls,
        }
    }

    fn hs_byte(&mut self, b: u8) -> Option<Verdict> {
        // Every byte after the 4-byte message header belongs to the body.
        if !matches!(self.hs, Hs::Type | Hs::Length { .. }) {
            match self.msg_left.checked_sub(1) {
                Some(left) => self.msg_left = left,
                None => return Some(Verdict::NotTls),
            }
        }
        // Every byte after the extensions' length belongs to the extensions.
        if matches!(
            self.hs,
            Hs::ExtType { .. }
                | Hs::ExtLength { .. }
                | Hs::ExtSkip { .. }
                | Hs::SupportedVersion { .. }
        ) {
            match self.ext_left.checked_sub(1) {
                Some(left) => self.ext_left = left,
                None => return Some(Verdict::NotTls),
            }
        }
        match self.hs {
            Hs::Type => {
                if b != 2 {
                    return Some(Verdict::NotTls); // not a server_hello
                }
                self.hs = Hs::Length { got: 0 };
            }
            Hs::Length { got } => {
                let (done, got) = self.take(got, b, 3);
                if !done {
                    self.hs = Hs::Length { got };
                    return None;
                }
                if self.acc < MIN_SERVER_HELLO {
                    return Some(Verdict::NotTls);
                }
                self.msg_left = self.acc;
                self.hs = Hs::Version { got: 0 };
            }
            Hs::Version { got } => {
                let (done, got) = self.take(got, b, 2);
                self.hs = if done {
                    Hs::Random { got: 0 }
                } else {
                    Hs::Version { got }
                };
                if done {
                    self.legacy_version = self.acc as u16;
                }
            }
            Hs::Random { got } => {
                let expected = HRR_RANDOM.get(usize::from(got)).copied();
                self.hrr &= expected == Some(b);
                let got = got.saturating_add(1);
                if got < 32 {
                    self.hs = Hs::Random { got };
                    return None;
                }
                if self.hrr {
                    return Some(Verdict::HelloRetryRequest);
                }
                self.hs = Hs::SessionIdLength;
            }
            Hs::SessionIdLength => {
                self.hs = match b {
                    0 => Hs::Cipher { got: 0 },
                    1..=32 => Hs::SessionId { left: b },
                    _ => return Some(Verdict::NotTls),
                };
            }
            Hs::SessionId { left } => {
                let left = left.saturating_sub(1);
                self.hs = if left == 0 {
                    Hs::Cipher { got: 0 }
                } else {
                    Hs::SessionId { left }
                };
            }
            Hs::Cipher { got } => {
                let (done, got) = self.take(got, b, 2);
                self.hs = if done {
                    Hs::Compression
                } else {
                    Hs::Cipher { got }
                };
                if done {
                    self.cipher = self.acc as u16;
                }
            }
            Hs::Compression => {
                if self.msg_left == 0 {
                    // No extensions: the legacy version is the version.
                    return Some(self.server_hello(self.legacy_version));
                }
                self.hs = Hs::ExtensionsLength { got: 0 };
            }
            Hs::ExtensionsLength { got } => {
                let (done, got) = self.take(got, b, 2);
                if !done {
                    self.hs = Hs::ExtensionsLength { got };
                    return None;
                }
                if self.acc > self.msg_left {
                    return Some(Verdict::NotTls);
                }
                self.ext_left = self.acc as u16;
                if self.ext_left == 0 {
                    return Some(self.server_hello(self.legacy_version));
                }
                self.hs = Hs::ExtType { got: 0 };
            }
            Hs::ExtType { got } => {
                let (done, got) = self.take(got, b, 2);
                self.hs = if done {
                    Hs::ExtLength { got: 0 }
                } else {
                    Hs::ExtType { got }
                };
                if done {
                    self.ext_type = self.acc as u16;
                }
            }
            Hs::ExtLength { got } => {
                let (done, got) = self.take(got, b, 2);
                if !done {
                    self.hs = Hs::ExtLength { got };
                    return None;
                }
                let len = self.acc as u16;
                if len > self.ext_left {
                    return Some(Verdict::NotTls);
                }
                if self.ext_type == EXT_SUPPORTED_VERSIONS {
                    if len != 2 {
                        return Some(Verdict::NotTls);
                    }
                    self.hs = Hs::SupportedVersion { got: 0 };
                } else if len > 0 {
                    self.hs = Hs::ExtSkip { left: len };
                } else {
                    return self.next_extension();
                }
            }
            Hs::ExtSkip { left } => {
                let left = left.saturating_sub(1);
                if left > 0 {
                    self.hs = Hs::ExtSkip { left };
                    return None;
                }
                return self.next_extension();
            }
            Hs::SupportedVersion { got } => {
                let (done, got) = self.take(got, b, 2);
                if !done {
                    self.hs = Hs::SupportedVersion { got };
                    return None;
                }
                return Some(self.server_hello(self.acc as u16));
            }
        }
        None
    }

    fn next_extension(&mut self) -> Option<Verdict> {
        if self.ext_left == 0 {
            return Some(self.server_hello(self.legacy_version));
        }
        self.hs = Hs::ExtType { got: 0 };
        None
    }
}
