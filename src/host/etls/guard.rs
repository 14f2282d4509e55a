//! The record guard: RFC 8446's outer record rules, enforced on the bytes
//! from the server before a TLS engine parses any of them.
//!
//! A TLS engine trusts the record layer to hand it only what the protocol
//! allows. `embedded-tls` 0.19 does not check: it hands a *plaintext*
//! handshake record after the handshake to a handler that panics, reads a
//! plaintext close_notify after encryption started as a clean end
//! (truncation), accepts a whole server flight sent in plaintext, and
//! panics on an encrypted record with no inner plaintext. The guard sees
//! every byte before the engine does and stops all of these with a
//! [`GuardError`]; no key is needed for any of its checks.
//!
//! The rules (RFC 8446 §5, §5.1, §5.2, §D.4):
//!
//! | phase | allowed records |
//! |---|---|
//! | before ServerHello | `handshake` (22, 1..=2^14 bytes) carrying the ServerHello alone, `alert` (21, 2 bytes) |
//! | ServerHello to the end of the server's flight | `application_data` (23, 17..=2^14+256 bytes), `change_cipher_spec` (20, exactly the byte `01`) |
//! | after the handshake | `application_data` only |
//!
//! Anything else is fatal for the session. The guard does not decrypt:
//! what an encrypted record holds is the engine's to check.
//!
//! The end of the server's flight is when the client writes after
//! ServerHello ([`RecordGuard::on_client_write`]): a TLS 1.3 client writes
//! nothing between its ClientHello and the server's Finished.
//!
//! One limit of the `embedded-tls` engine is enforced here too, so it fails
//! with its own cause instead of a misleading one: a ServerHello split
//! across records (legal, but that engine cannot reassemble it).
//!
//! Sans-IO: [`RecordGuard::check`] takes the bytes in the order they are
//! handed to the engine, split anywhere.
//!
//! ```
//! use modemtls::host::etls::guard::{GuardError, RecordGuard};
//!
//! let mut g = RecordGuard::new();
//! // A ServerHello record (body cut short for the example: 4-byte header
//! // announcing 2 bytes, then the 2 bytes).
//! assert_eq!(g.check(&[22, 3, 3, 0, 6, 2, 0, 0, 2, 3, 3]), Ok(()));
//! // The same kind of record again, now in plaintext after ServerHello.
//! assert_eq!(
//!     g.check(&[22, 3, 3, 0, 6]),
//!     Err(GuardError::UnexpectedRecord { content_type: 22 })
//! );
//! // Once failed, always failed.
//! assert!(g.check(&[23]).is_err());
//! ```

use core::fmt;

/// Largest plaintext record body (2^14).
pub const MAX_PLAINTEXT: u16 = 16_384;
/// Largest encrypted record body (2^14 + 256).
pub const MAX_CIPHERTEXT: u16 = 16_384 + 256;
/// Smallest encrypted record body: the inner content type byte and the
/// 16-byte AEAD tag of every TLS 1.3 cipher suite.
pub const MIN_CIPHERTEXT: u16 = 17;

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;
const SERVER_HELLO: u8 = 2;

/// Why the guard ended the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardError {
    /// A record of a type the protocol forbids at this point: anything but
    /// handshake or alert before ServerHello; anything but encrypted
    /// records (and, during the handshake, change_cipher_spec) after it,
    /// so an unencrypted handshake message or alert injected into the
    /// stream; an unknown content type.
    UnexpectedRecord {
        /// The record's content type byte.
        content_type: u8,
    },
    /// A record whose length its type cannot have: an encrypted record
    /// shorter than [`MIN_CIPHERTEXT`] or longer than [`MAX_CIPHERTEXT`], an
    /// empty or over-long plaintext record, an alert that is not 2 bytes, a
    /// change_cipher_spec that is not the single byte `01`.
    BadLength {
        /// The record's content type byte.
        content_type: u8,
        /// The length its header announced.
        len: u16,
    },
    /// The first handshake message from the server is not a ServerHello.
    NotServerHello {
        /// The handshake message type found instead.
        msg_type: u8,
    },
    /// More handshake bytes follow the ServerHello in the same unencrypted
    /// record (the rest of the flight must be encrypted, RFC 8446 §5.1).
    DataAfterServerHello,
    /// The ServerHello spans more than one record. Legal, but the
    /// `embedded-tls` engine cannot reassemble it.
    SplitServerHello,
}

impl GuardError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        crate::error::causes!(self, {
            GuardError::UnexpectedRecord { .. } => "a TLS record of a type not allowed at this point arrived (e.g. an unencrypted record after encryption started): injected on the path, or a broken server",
            GuardError::BadLength { .. } => "a TLS record has a length its type cannot have: damaged or injected on the path, or a broken server",
            GuardError::NotServerHello { .. } => "the server's first handshake message is not a ServerHello",
            GuardError::DataAfterServerHello => "the server sent handshake data unencrypted after its ServerHello",
            GuardError::SplitServerHello => "the server split its ServerHello across TLS records, which the embedded-tls engine cannot read",
        })
    }
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cause())?;
        match self {
            GuardError::UnexpectedRecord { content_type } => {
                write!(f, " (content type {content_type})")
            }
            GuardError::BadLength { content_type, len } => {
                write!(f, " (content type {content_type}, length {len})")
            }
            GuardError::NotServerHello { msg_type } => write!(f, " (handshake type {msg_type})"),
            _ => Ok(()),
        }
    }
}

/// Where the session is, as far as the record layer can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the ServerHello.
    Hello,
    /// After the ServerHello, during the server's encrypted flight.
    Handshake,
    /// After the server's flight.
    Established,
}

/// Where in the current record the next byte falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// `n` bytes of the 5-byte record header seen.
    Header { n: u8, content_type: u8, len: u16 },
    /// `left` of the `len` body bytes of a record of `content_type` still
    /// to come.
    Body {
        content_type: u8,
        len: u16,
        left: u16,
    },
}

/// The guard over one connection's server-to-client bytes (see the
/// [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordGuard {
    phase: Phase,
    at: At,
    /// The ServerHello's length, from its handshake header.
    hello_len: u32,
    failed: Option<GuardError>,
}

impl Default for RecordGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordGuard {
    /// A guard for a connection whose ClientHello is about to be sent.
    pub const fn new() -> Self {
        Self {
            phase: Phase::Hello,
            at: At::Header {
                n: 0,
                content_type: 0,
                len: 0,
            },
            hello_len: 0,
            failed: None,
        }
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<GuardError> {
        self.failed
    }

    /// Whether the server's handshake flight has ended (the client wrote
    /// after ServerHello).
    pub fn established(&self) -> bool {
        self.phase == Phase::Established
    }

    /// The client is about to write to the server. After ServerHello, this
    /// means the server's handshake flight is over.
    pub fn on_client_write(&mut self) {
        if self.phase == Phase::Handshake {
            self.phase = Phase::Established;
        }
    }

    /// Check the next `bytes` from the server, in stream order. An error is
    /// final: every later call returns it again.
    pub fn check(&mut self, bytes: &[u8]) -> Result<(), GuardError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut rest = bytes;
        while let Some((&b, tail)) = rest.split_first() {
            let step = match self.at {
                At::Header {
                    n,
                    content_type,
                    len,
                } => {
                    rest = tail;
                    self.header_byte(n, content_type, len, b)
                }
                At::Body {
                    content_type,
                    len,
                    left,
                } => {
                    let take = rest.len().min(usize::from(left));
                    let (body, tail) = rest.split_at(take);
                    rest = tail;
                    self.body(content_type, len, left, body)
                }
            };
            if let Err(e) = step {
                self.failed = Some(e);
                return Err(e);
            }
        }
        Ok(())
    }

    fn header_byte(&mut self, n: u8, content_type: u8, len: u16, b: u8) -> Result<(), GuardError> {
        let (content_type, len) = match n {
            0 => (b, 0),
            // The legacy version (bytes 1-2) is ignored (RFC 8446 §5.1).
            1 | 2 => (content_type, 0),
            _ => (content_type, (len << 8) | u16::from(b)),
        };
        if n < 4 {
            self.at = At::Header {
                n: n + 1,
                content_type,
                len,
            };
            return Ok(());
        }
        self.admit(content_type, len)?;
        self.at = At::Body {
            content_type,
            len,
            left: len,
        };
        Ok(())
    }

    /// The record header rules of the current phase.
    fn admit(&self, content_type: u8, len: u16) -> Result<(), GuardError> {
        let (min, max) = match (self.phase, content_type) {
            (Phase::Hello, HANDSHAKE) => (1, MAX_PLAINTEXT),
            (Phase::Hello, ALERT) => (2, 2),
            (Phase::Handshake, CHANGE_CIPHER_SPEC) => (1, 1),
            (Phase::Handshake | Phase::Established, APPLICATION_DATA) => {
                (MIN_CIPHERTEXT, MAX_CIPHERTEXT)
            }
            _ => return Err(GuardError::UnexpectedRecord { content_type }),
        };
        if len < min || len > max {
            return Err(GuardError::BadLength { content_type, len });
        }
        Ok(())
    }

    fn body(
        &mut self,
        content_type: u8,
        len: u16,
        left: u16,
        body: &[u8],
    ) -> Result<(), GuardError> {
        if content_type == CHANGE_CIPHER_SPEC && body.iter().any(|&b| b != 1) {
            return Err(GuardError::BadLength {
                content_type,
                len: 1,
            });
        }
        // `body` is at most `left` bytes long (see `check`).
        let seen = len - left;
        let after = left.saturating_sub(u16::try_from(body.len()).unwrap_or(u16::MAX));
        if content_type == HANDSHAKE {
            // Only before ServerHello (`admit`): the record must hold the
            // ServerHello alone. Its 4-byte header is at body offsets 0-3.
            for (at, &b) in (seen..)
                .zip(body)
                .take(4usize.saturating_sub(usize::from(seen)))
            {
                if at == 0 && b != SERVER_HELLO {
                    return Err(GuardError::NotServerHello { msg_type: b });
                }
                self.hello_len = (self.hello_len << 8) | u32::from(b);
                if at == 3 {
                    let whole = (self.hello_len & 0x00ff_ffff) + 4;
                    if whole > u32::from(len) {
                        return Err(GuardError::SplitServerHello);
                    }
                    if whole < u32::from(len) {
                        return Err(GuardError::DataAfterServerHello);
                    }
                }
            }
            if after == 0 && len < 4 {
                // The record ends inside the handshake header.
                return Err(GuardError::SplitServerHello);
            }
        }
        if after > 0 {
            self.at = At::Body {
                content_type,
                len,
                left: after,
            };
            return Ok(());
        }
        self.at = At::Header {
            n: 0,
            content_type: 0,
            len: 0,
        };
        if content_type == HANDSHAKE {
            self.phase = Phase::Handshake;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn record(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ty, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    /// A ServerHello handshake message with a body of `n` bytes.
    fn server_hello(n: usize) -> Vec<u8> {
        let mut m = vec![SERVER_HELLO, 0, (n >> 8) as u8, n as u8];
        m.extend(std::iter::repeat_n(0x5a, n));
        m
    }

    fn after_hello() -> RecordGuard {
        let mut g = RecordGuard::new();
        g.check(&record(HANDSHAKE, &server_hello(86))).unwrap();
        g
    }

    fn established() -> RecordGuard {
        let mut g = after_hello();
        g.on_client_write();
        assert!(g.established());
        g
    }

    /// Every way to cut `stream` into two pieces gives `want`.
    fn every_split(g: RecordGuard, stream: &[u8], want: Result<(), GuardError>) {
        for cut in 0..=stream.len() {
            let mut g = g;
            let (a, b) = stream.split_at(cut);
            let got = g.check(a).and_then(|()| g.check(b));
            assert_eq!(got, want, "cut at {cut}");
        }
        // And byte by byte.
        let mut g = g;
        let got = stream.iter().try_for_each(|b| g.check(&[*b]));
        assert_eq!(got, want, "byte by byte");
    }

    #[test]
    fn a_normal_handshake_passes_split_anywhere() {
        let mut stream = record(HANDSHAKE, &server_hello(86));
        stream.extend(record(CHANGE_CIPHER_SPEC, &[1]));
        stream.extend(record(APPLICATION_DATA, &[0xaa; 40]));
        stream.extend(record(APPLICATION_DATA, &[0xbb; MAX_CIPHERTEXT as usize]));
        every_split(RecordGuard::new(), &stream, Ok(()));
    }

    #[test]
    fn before_server_hello_only_handshake_and_a_two_byte_alert() {
        for ty in 0..=255u8 {
            let mut g = RecordGuard::new();
            let got = g.check(&record(ty, &[2, 40]));
            match ty {
                // A 2-byte handshake record cannot hold a whole ServerHello.
                HANDSHAKE => assert_eq!(got, Err(GuardError::SplitServerHello)),
                ALERT => assert_eq!(got, Ok(())),
                _ => assert_eq!(
                    got,
                    Err(GuardError::UnexpectedRecord { content_type: ty }),
                    "type {ty}"
                ),
            }
        }
        let mut g = RecordGuard::new();
        assert_eq!(
            g.check(&record(ALERT, &[2, 40, 0])),
            Err(GuardError::BadLength {
                content_type: ALERT,
                len: 3
            })
        );
    }

    #[test]
    fn during_the_flight_only_encrypted_records_and_one_byte_ccs() {
        for ty in 0..=255u8 {
            let mut g = after_hello();
            let body: &[u8] = if ty == CHANGE_CIPHER_SPEC {
                &[1]
            } else {
                &[0; 17]
            };
            let got = g.check(&record(ty, body));
            match ty {
                CHANGE_CIPHER_SPEC | APPLICATION_DATA => assert_eq!(got, Ok(()), "type {ty}"),
                _ => assert_eq!(
                    got,
                    Err(GuardError::UnexpectedRecord { content_type: ty }),
                    "type {ty}"
                ),
            }
        }
        let mut g = after_hello();
        assert_eq!(
            g.check(&record(CHANGE_CIPHER_SPEC, &[2])),
            Err(GuardError::BadLength {
                content_type: 20,
                len: 1
            })
        );
        let mut g = after_hello();
        assert_eq!(
            g.check(&record(CHANGE_CIPHER_SPEC, &[1, 1])),
            Err(GuardError::BadLength {
                content_type: 20,
                len: 2
            })
        );
    }

    #[test]
    fn after_the_handshake_only_encrypted_records() {
        for ty in 0..=255u8 {
            let mut g = established();
            let body: &[u8] = if ty == CHANGE_CIPHER_SPEC {
                &[1]
            } else {
                &[0; 17]
            };
            let got = g.check(&record(ty, body));
            if ty == APPLICATION_DATA {
                assert_eq!(got, Ok(()));
            } else {
                assert_eq!(
                    got,
                    Err(GuardError::UnexpectedRecord { content_type: ty }),
                    "type {ty}"
                );
            }
        }
    }

    #[test]
    fn the_field_attacks_are_stopped() {
        // A plaintext EncryptedExtensions after the handshake (keyless crash).
        every_split(
            established(),
            &[0x16, 3, 3, 0, 6, 8, 0, 0, 2, 0, 0],
            Err(GuardError::UnexpectedRecord { content_type: 22 }),
        );
        // An encrypted record with no inner plaintext: the tag alone.
        for g in [after_hello(), established()] {
            let mut stream = vec![0x17, 3, 3, 0, 16];
            stream.extend([0xee; 16]);
            every_split(
                g,
                &stream,
                Err(GuardError::BadLength {
                    content_type: 23,
                    len: 16,
                }),
            );
        }
        // A plaintext close_notify between two encrypted records (truncation).
        let mut stream = record(APPLICATION_DATA, &[0x11; 30]);
        stream.extend([0x15, 3, 3, 0, 2, 1, 0]);
        every_split(
            established(),
            &stream,
            Err(GuardError::UnexpectedRecord { content_type: 21 }),
        );
        // The server flight in plaintext, in its own records or with the
        // ServerHello.
        let mut stream = record(HANDSHAKE, &server_hello(86));
        stream.extend(record(HANDSHAKE, &[8, 0, 0, 2, 0, 0]));
        every_split(
            RecordGuard::new(),
            &stream,
            Err(GuardError::UnexpectedRecord { content_type: 22 }),
        );
        let mut flight = server_hello(86);
        flight.extend([8, 0, 0, 2, 0, 0]);
        every_split(
            RecordGuard::new(),
            &record(HANDSHAKE, &flight),
            Err(GuardError::DataAfterServerHello),
        );
    }

    #[test]
    fn lengths_at_their_limits() {
        let mut g = established();
        assert_eq!(g.check(&[23, 3, 3, 0x41, 0x00]), Ok(()));
        let mut g = established();
        assert_eq!(
            g.check(&[23, 3, 3, 0x41, 0x01]),
            Err(GuardError::BadLength {
                content_type: 23,
                len: MAX_CIPHERTEXT + 1
            })
        );
        let mut g = established();
        assert_eq!(g.check(&[23, 3, 3, 0, 17]), Ok(()));
        let mut g = RecordGuard::new();
        assert_eq!(
            g.check(&[22, 3, 3, 0x40, 0x01]),
            Err(GuardError::BadLength {
                content_type: 22,
                len: MAX_PLAINTEXT + 1
            })
        );
        let mut g = RecordGuard::new();
        assert_eq!(
            g.check(&[22, 3, 3, 0, 0]),
            Err(GuardError::BadLength {
                content_type: 22,
                len: 0
            })
        );
    }

    #[test]
    fn server_hello_must_be_alone_and_whole_in_its_record() {
        let sh = server_hello(86);
        // Split across two records.
        let (a, b) = sh.split_at(40);
        let mut stream = record(HANDSHAKE, a);
        stream.extend(record(HANDSHAKE, b));
        every_split(
            RecordGuard::new(),
            &stream,
            Err(GuardError::SplitServerHello),
        );
        // Its 4-byte header split.
        every_split(
            RecordGuard::new(),
            &record(HANDSHAKE, &sh[..2]),
            Err(GuardError::SplitServerHello),
        );
        // Another message first.
        every_split(
            RecordGuard::new(),
            &record(HANDSHAKE, &[8, 0, 0, 2, 0, 0]),
            Err(GuardError::NotServerHello { msg_type: 8 }),
        );
        // A ServerHello announcing more than 2^24 - 1 bytes cannot be; the
        // largest fits no record and ends as split.
        every_split(
            RecordGuard::new(),
            &record(HANDSHAKE, &[2, 0xff, 0xff, 0xff, 0]),
            Err(GuardError::SplitServerHello),
        );
    }

    #[test]
    fn errors_are_final_and_writes_before_server_hello_change_nothing() {
        let mut g = RecordGuard::new();
        g.on_client_write();
        assert!(!g.established());
        assert!(
            g.check(&[99]).is_ok(),
            "a header byte alone decides nothing"
        );
        assert!(g.check(&[3, 3, 0, 1]).is_err());
        assert_eq!(
            g.error(),
            Some(GuardError::UnexpectedRecord { content_type: 99 })
        );
        assert_eq!(
            g.check(&record(HANDSHAKE, &server_hello(4))),
            g.error().map_or(Ok(()), Err)
        );
    }

    #[test]
    fn every_error_has_its_own_sentence() {
        let all = [
            GuardError::UnexpectedRecord { content_type: 0 },
            GuardError::BadLength {
                content_type: 0,
                len: 0,
            },
            GuardError::NotServerHello { msg_type: 0 },
            GuardError::DataAfterServerHello,
            GuardError::SplitServerHello,
        ];
        let mut causes: Vec<&str> = all.iter().map(|e| e.cause()).collect();
        assert!(causes.iter().all(|c| c.len() > 20));
        causes.sort_unstable();
        causes.dedup();
        assert_eq!(causes.len(), all.len());
    }
}
