//! The receive buffer and the record layer's rules (RFC 8446 §5).
//!
//! One caller buffer holds, in order: handshake plaintext waiting to form
//! whole messages (reassembled across records), decrypted application
//! data not read yet, and received bytes not processed yet. Records are
//! decrypted in place; handshake plaintext is moved down to the pending
//! messages, so a message split over many records costs no second buffer.
//!
//! The outer rules, checked on the 5-byte header before anything else:
//!
//! | type | allowed | length |
//! |---|---|---|
//! | handshake (22), alert (21) | before ServerHello (unencrypted) | 1..=2^14, alert exactly 2 |
//! | change_cipher_spec (20) | after the ClientHello, before the server's Finished (dropped, RFC 8446 §5) | exactly 1, the byte 01 |
//! | application_data (23) | once the server's handshake key is known | 17..=2^14+256 |
//!
//! Inside an encrypted record: a content type must be present (an all-zero
//! inner plaintext is refused), at most 2^14 bytes, and no other record may
//! come between the pieces of a split handshake message.

use super::error::Error;
use super::suite::{RecordKey, HEADER_LEN, TAG_LEN};

/// Largest plaintext record (2^14).
pub const MAX_PLAINTEXT: usize = 16_384;
/// Largest encrypted record body (2^14 + 256).
pub const MAX_CIPHERTEXT: usize = 16_384 + 256;
/// Smallest encrypted record body: a content type byte and the tag.
pub const MIN_CIPHERTEXT: usize = 1 + TAG_LEN;

/// What one record held.
#[derive(Debug, PartialEq, Eq)]
pub enum Content {
    /// Handshake bytes, appended to the pending messages.
    Handshake,
    /// Application data, readable now.
    AppData,
    /// An alert (its description).
    Alert(u8),
    /// A change_cipher_spec, ignored (RFC 8446 §5).
    Ignored,
}

/// The receive buffer. Invariant: `hs <= app.0 <= app.1 <= raw.0 <= raw.1 <= buf.len()`.
pub struct Rx<'b> {
    buf: &'b mut [u8],
    hs: usize,
    app: (usize, usize),
    raw: (usize, usize),
}

impl<'b> Rx<'b> {
    /// An empty receive buffer over `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Rx {
            buf,
            hs: 0,
            app: (0, 0),
            raw: (0, 0),
        }
    }

    /// The buffer's size.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Move the unprocessed bytes down to the pending handshake bytes
    /// (only while no application data waits).
    fn compact(&mut self) {
        if self.app.0 < self.app.1 {
            return;
        }
        let (s, e) = self.raw;
        if s > self.hs {
            self.buf.copy_within(s..e, self.hs);
        }
        let n = e - s;
        self.raw = (self.hs, self.hs + n);
        self.app = (self.hs, self.hs);
    }

    /// Free space for received bytes.
    pub fn space(&mut self) -> &mut [u8] {
        self.compact();
        self.buf.get_mut(self.raw.1..).unwrap_or(&mut [])
    }

    /// `n` bytes were received into [`Rx::space`].
    pub fn commit(&mut self, n: usize) {
        self.raw.1 = self.raw.1.saturating_add(n).min(self.buf.len());
    }

    /// Application data not read yet.
    pub fn app_len(&self) -> usize {
        self.app.1 - self.app.0
    }

    /// Copy application data out.
    pub fn read_app(&mut self, out: &mut [u8]) -> usize {
        let n = self.app_len().min(out.len());
        if let (Some(d), Some(s)) = (out.get_mut(..n), self.buf.get(self.app.0..self.app.0 + n)) {
            d.copy_from_slice(s);
        }
        self.app.0 += n;
        n
    }

    /// Drop unread application data (after a failure).
    pub fn discard_app(&mut self) {
        self.app.0 = self.app.1;
    }

    /// Pending handshake bytes.
    pub fn handshake_pending(&self) -> usize {
        self.hs
    }

    /// Type and body length of the first pending handshake message, once
    /// its header is complete.
    pub fn handshake_header(&self) -> Option<(u8, usize)> {
        let h = self.buf.get(..self.hs.min(4)).filter(|h| h.len() == 4)?;
        let len = h
            .iter()
            .skip(1)
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        Some((*h.first()?, len))
    }

    /// The first pending handshake message (`total` bytes with its
    /// header), once complete.
    pub fn handshake_message(&self, total: usize) -> Option<&[u8]> {
        if total > self.hs {
            return None;
        }
        self.buf.get(..total)
    }

    /// Drop the first `total` pending handshake bytes.
    pub fn consume_handshake(&mut self, total: usize) {
        let total = total.min(self.hs);
        self.buf.copy_within(total..self.hs, 0);
        self.hs -= total;
    }

    /// The next complete record, checked and (if encrypted) decrypted;
    /// `None` while it has not fully arrived. `plain`: unencrypted
    /// handshake and alert records are allowed (before ServerHello);
    /// `ccs`: change_cipher_spec is; `key`: the read key, once there is one.
    pub fn next_record(
        &mut self,
        plain: bool,
        ccs: bool,
        key: Option<&mut RecordKey>,
    ) -> Result<Option<Content>, Error> {
        let Some(header) = self
            .buf
            .get(self.raw.0..self.raw.1)
            .and_then(|b| b.get(..HEADER_LEN))
        else {
            return Ok(None);
        };
        let mut hdr = [0u8; HEADER_LEN];
        hdr.copy_from_slice(header);
        let ty = hdr[0];
        let len = usize::from(u16::from_be_bytes([hdr[3], hdr[4]]));
        let (allowed, lengths) = match ty {
            20 => (ccs, 1..=1),
            21 => (plain, 2..=2),
            22 => (plain, 1..=MAX_PLAINTEXT),
            23 => (key.is_some(), MIN_CIPHERTEXT..=MAX_CIPHERTEXT),
            _ => (false, 0..=0),
        };
        if !allowed {
            return Err(Error::UnexpectedRecord(ty));
        }
        if len > *lengths.end() {
            return Err(Error::RecordOverflow(ty));
        }
        if len < *lengths.start() {
            return Err(Error::BadRecordLength(ty));
        }
        let need = HEADER_LEN + len;
        if self.raw.0 + need > self.buf.len() {
            self.compact();
            if self.hs + need > self.buf.len() {
                let message = self.handshake_header().map_or(0, |(_, l)| l + 4);
                return Err(Error::MessageTooLarge {
                    len: message.max(self.hs + need) as u32,
                });
            }
        }
        let start = self.raw.0;
        if self.raw.1 - start < need {
            return Ok(None);
        }
        let body = start + HEADER_LEN;
        self.raw.0 = start + need;
        if ty != 23 {
            let content = self.buf.get(body..body + len).unwrap_or(&[]);
            return match (ty, content) {
                (20, [1]) if self.hs == 0 => Ok(Some(Content::Ignored)),
                (20, _) => Err(Error::UnexpectedRecord(20)),
                (21, [_, desc]) if self.hs == 0 => Ok(Some(Content::Alert(*desc))),
                (21, _) => Err(Error::UnexpectedMessage(0)),
                _ => {
                    self.buf.copy_within(body..body + len, self.hs);
                    self.hs += len;
                    Ok(Some(Content::Handshake))
                }
            };
        }
        let key = key.ok_or(Error::UnexpectedRecord(23))?;
        let sealed = self
            .buf
            .get_mut(body..body + len)
            .ok_or(Error::BadRecordMac)?;
        let n = key.open(&hdr, sealed).map_err(|_| Error::BadRecordMac)?;
        // The content type is the last non-zero byte; zeros after it are padding.
        // The whole inner plaintext, padding included, is at most
        // 2^14 + 1 bytes (RFC 8446 §5.4).
        if n > MAX_PLAINTEXT + 1 {
            return Err(Error::RecordOverflow(23));
        }
        let inner = sealed.get(..n).unwrap_or(&[]);
        let Some(k) = inner.iter().rposition(|&b| b != 0) else {
            return Err(Error::UnexpectedMessage(0));
        };
        let inner_type = inner.get(k).copied().unwrap_or(0);
        if k > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow(23));
        }
        match inner_type {
            22 if k > 0 => {
                self.buf.copy_within(body..body + k, self.hs);
                self.hs += k;
                Ok(Some(Content::Handshake))
            }
            22 => Err(Error::UnexpectedMessage(0)),
            _ if self.hs > 0 => Err(Error::UnexpectedMessage(0)),
            21 => match inner.get(..k) {
                Some([_, desc]) => Ok(Some(Content::Alert(*desc))),
                _ => Err(Error::Decode),
            },
            23 => {
                self.app = (body, body + k);
                Ok(Some(Content::AppData))
            }
            t => Err(Error::UnexpectedRecord(t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rx_with<'b>(buf: &'b mut [u8], bytes: &[u8]) -> Rx<'b> {
        let mut rx = Rx::new(buf);
        let s = rx.space();
        s[..bytes.len()].copy_from_slice(bytes);
        rx.commit(bytes.len());
        rx
    }

    #[test]
    fn outer_rules() {
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[23, 3, 3, 0, 17]);
        assert_eq!(
            rx.next_record(true, false, None),
            Err(Error::UnexpectedRecord(23))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[22, 3, 3, 0, 0]);
        assert_eq!(
            rx.next_record(true, false, None),
            Err(Error::BadRecordLength(22))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[21, 3, 3, 0, 3, 2, 0, 0]);
        assert_eq!(
            rx.next_record(true, false, None),
            Err(Error::RecordOverflow(21))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[21, 3, 3, 0, 1, 2]);
        assert_eq!(
            rx.next_record(true, false, None),
            Err(Error::BadRecordLength(21))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[20, 3, 3, 0, 1, 1]);
        assert_eq!(
            rx.next_record(true, false, None),
            Err(Error::UnexpectedRecord(20))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[20, 3, 3, 0, 1, 2]);
        assert_eq!(
            rx.next_record(true, true, None),
            Err(Error::UnexpectedRecord(20))
        );
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[99, 3, 3, 0, 1, 2]);
        assert_eq!(
            rx.next_record(true, true, None),
            Err(Error::UnexpectedRecord(99))
        );
    }

    #[test]
    fn split_handshake_is_reassembled_and_records_wait_for_their_bytes() {
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[22, 3, 3, 0, 3, 2, 0, 0]);
        assert_eq!(
            rx.next_record(true, false, None),
            Ok(Some(Content::Handshake))
        );
        assert_eq!(rx.handshake_header(), None);
        let s = rx.space();
        s[..5].copy_from_slice(&[22, 3, 3, 0, 2]);
        rx.commit(5);
        assert_eq!(rx.next_record(true, false, None), Ok(None));
        let s = rx.space();
        s[..2].copy_from_slice(&[1, 9]);
        rx.commit(2);
        assert_eq!(
            rx.next_record(true, false, None),
            Ok(Some(Content::Handshake))
        );
        assert_eq!(rx.handshake_header(), Some((2, 1)));
        assert_eq!(rx.handshake_message(5), Some(&[2u8, 0, 0, 1, 9][..]));
        rx.consume_handshake(5);
        assert_eq!(rx.handshake_pending(), 0);
    }

    #[test]
    fn a_record_larger_than_the_buffer_is_refused() {
        let mut b = [0u8; 64];
        let mut rx = rx_with(&mut b, &[22, 3, 3, 0, 100]);
        assert!(matches!(
            rx.next_record(true, false, None),
            Err(Error::MessageTooLarge { .. })
        ));
    }
}
