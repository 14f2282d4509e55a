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

// The fields of the first handshake message, in order. Each is read whole
// (`need` bytes, big-endian into `acc`) and then acted on.
/// Message type (1).
const F_TYPE: u8 = 0;
/// Message length (3).
const F_LENGTH: u8 = 1;
/// `legacy_version` (2).
const F_VERSION: u8 = 2;
/// `random` (32), compared with [`HRR_RANDOM`] on the way.
const F_RANDOM: u8 = 3;
/// Session id length (1).
const F_SESSION_ID_LENGTH: u8 = 4;
/// Session id (skipped).
const F_SESSION_ID: u8 = 5;
/// `cipher_suite` (2).
const F_CIPHER: u8 = 6;
/// `legacy_compression_method` (1).
const F_COMPRESSION: u8 = 7;
/// Extensions length (2).
const F_EXTENSIONS_LENGTH: u8 = 8;
/// Extension type (2). This and the fields below lie inside the extensions.
const F_EXT_TYPE: u8 = 9;
/// Extension length (2).
const F_EXT_LENGTH: u8 = 10;
/// Extension body (skipped).
const F_EXT_BODY: u8 = 11;
/// `supported_versions` body: the selected version (2).
const F_SUPPORTED_VERSION: u8 = 12;

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
    // Record layer: header bytes read (5 = inside a body), the content
    // type, and the body bytes left (the length while the header is read).
    header_got: u8,
    kind: u8,
    record_left: u16,
    // Alert stream: the level byte when it is in.
    alert_level: Option<u8>,
    // The code of a warning alert that was not decisive (level 1).
    warning: Option<u8>,
    // Handshake stream: the field being read and its bytes still to come.
    field: u8,
    need: u16,
    acc: u32,
    hrr: bool,
    msg_left: u32,
    ext_left: u16,
    ext_type: u16,
    // The legacy_version, replaced by supported_versions when it comes.
    version: u16,
    cipher: u16,
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
            header_got: 0,
            kind: 0,
            record_left: 0,
            alert_level: None,
            warning: None,
            field: F_TYPE,
            need: 1,
            acc: 0,
            hrr: true,
            msg_left: 0,
            ext_left: 0,
            ext_type: 0,
            version: 0,
            cipher: 0,
            decided: None,
        }
    }

    /// Takes the next bytes from the server; returns the verdict once one is
    /// decided (and the same verdict on every later call).
    #[inline(never)]
    pub fn feed(&mut self, bytes: &[u8]) -> Option<Verdict> {
        if self.decided.is_none() {
            for &b in bytes {
                if let Some(v) = self.record_byte(b) {
                    self.decided = Some(v);
                    break;
                }
            }
        }
        self.decided
    }

    /// The peer closed the connection (or the caller gave up waiting): the
    /// verdict if one was decided, else a remembered warning alert, else
    /// [`Verdict::Closed`].
    #[inline(never)]
    pub fn finish_eof(&mut self) -> Verdict {
        let v = match (self.decided, self.warning) {
            (Some(v), _) => v,
            (None, Some(code)) => alert(1, code),
            (None, None) => Verdict::Closed,
        };
        self.decided = Some(v);
        v
    }

    fn record_byte(&mut self, b: u8) -> Option<Verdict> {
        let got = self.header_got;
        if got < 5 {
            self.header_got = got + 1;
            // Shifted through, the last two header bytes stay: the length.
            self.record_left = (self.record_left << 8) | u16::from(b);
            let ok = match got {
                0 => {
                    self.kind = b;
                    matches!(b, CHANGE_CIPHER_SPEC | ALERT | HANDSHAKE)
                }
                1 => b == 3,
                2 => b <= 4,
                3 => true,
                _ => self.record_left != 0 && self.record_left <= MAX_RECORD,
            };
            return if ok { None } else { Some(Verdict::NotTls) };
        }
        self.record_left = self.record_left.saturating_sub(1);
        if self.record_left == 0 {
            self.header_got = 0;
        }
        match self.kind {
            ALERT => match self.alert_level.take() {
                None => {
                    self.alert_level = Some(b);
                    None
                }
                // Non-fatal warnings a server may send before going on with
                // its ServerHello (RFC 5246 7.2; RFC 6066 3 for
                // unrecognized_name).
                Some(1) if matches!(b, 90 | 100 | 112) => {
                    self.warning = Some(b);
                    None
                }
                Some(level) => Some(alert(level, b)),
            },
            HANDSHAKE => self.hs_byte(b),
            _ => None, // change_cipher_spec: skipped
        }
    }

    /// The ServerHello's verdict, with `version` as the negotiated version.
    fn server_hello(&self) -> Option<Verdict> {
        Some(match TlsVersion::from_wire(self.version) {
            Some(version) => Verdict::ServerHello {
                version,
                cipher_suite: self.cipher,
            },
            None => Verdict::NotTls,
        })
    }

    /// Goes on with `field`, `need` bytes long.
    fn next(&mut self, field: u8, need: u16) -> Option<Verdict> {
        self.field = field;
        self.need = need;
        self.acc = 0;
        None
    }

    fn next_extension(&mut self) -> Option<Verdict> {
        if self.ext_left == 0 {
            return self.server_hello();
        }
        self.next(F_EXT_TYPE, 2)
    }

    #[inline(never)]
    fn hs_byte(&mut self, b: u8) -> Option<Verdict> {
        let field = self.field;
        // Every byte after the 4-byte message header belongs to the body,
        // every byte after the extensions' length to the extensions.
        if field >= F_VERSION {
            match self.msg_left.checked_sub(1) {
                Some(left) => self.msg_left = left,
                None => return Some(Verdict::NotTls),
            }
        }
        if field >= F_EXT_TYPE {
            match self.ext_left.checked_sub(1) {
                Some(left) => self.ext_left = left,
                None => return Some(Verdict::NotTls),
            }
        }
        if field == F_RANDOM {
            let at = 32usize.wrapping_sub(usize::from(self.need));
            self.hrr &= HRR_RANDOM.get(at) == Some(&b);
        }
        self.acc = (self.acc << 8) | u32::from(b);
        self.need = self.need.saturating_sub(1);
        if self.need > 0 {
            return None;
        }
        let acc = self.acc;
        let short = acc as u16;
        match field {
            F_TYPE if acc == 2 => self.next(F_LENGTH, 3),
            F_LENGTH if acc >= MIN_SERVER_HELLO => {
                self.msg_left = acc;
                self.next(F_VERSION, 2)
            }
            F_VERSION => {
                self.version = short;
                self.next(F_RANDOM, 32)
            }
            F_RANDOM if self.hrr => Some(Verdict::HelloRetryRequest),
            F_RANDOM => self.next(F_SESSION_ID_LENGTH, 1),
            F_SESSION_ID_LENGTH if acc == 0 => self.next(F_CIPHER, 2),
            F_SESSION_ID_LENGTH if acc <= 32 => self.next(F_SESSION_ID, short),
            F_SESSION_ID => self.next(F_CIPHER, 2),
            F_CIPHER => {
                self.cipher = short;
                self.next(F_COMPRESSION, 1)
            }
            // No extensions: the legacy version is the version.
            F_COMPRESSION if self.msg_left == 0 => self.server_hello(),
            F_COMPRESSION => self.next(F_EXTENSIONS_LENGTH, 2),
            F_EXTENSIONS_LENGTH if acc <= self.msg_left => {
                self.ext_left = short;
                self.next_extension()
            }
            F_EXT_TYPE => {
                self.ext_type = short;
                self.next(F_EXT_LENGTH, 2)
            }
            F_EXT_LENGTH if short <= self.ext_left => {
                if self.ext_type == EXT_SUPPORTED_VERSIONS {
                    if short != 2 {
                        return Some(Verdict::NotTls);
                    }
                    self.next(F_SUPPORTED_VERSION, 2)
                } else if short > 0 {
                    self.next(F_EXT_BODY, short)
                } else {
                    self.next_extension()
                }
            }
            F_EXT_BODY => self.next_extension(),
            F_SUPPORTED_VERSION => {
                self.version = short;
                self.server_hello()
            }
            // Not a ServerHello, a too short one, a session id over 32
            // bytes, lengths beyond their container.
            _ => Some(Verdict::NotTls),
        }
    }
}

fn alert(level: u8, code: u8) -> Verdict {
    Verdict::Alert {
        level,
        description: AlertDescription::from_u8(code),
    }
}
