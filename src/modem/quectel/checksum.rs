//! Quectel's file checksum (`+QFUPL: <size>,<checksum>`).

use crate::at::{AtError, Command, DataSource, Dialect, Fields, UrcHandler};

/// How a checksummed upload (`AT+QFUPL`, the M66/M95's `AT+QSECWRITE`)
/// ended: what was sent and the modem's `<prefix> <size>,<checksum>`.
pub(crate) struct Upload {
    /// Bytes written (never more than announced).
    pub sent: usize,
    /// The XOR-16 of those bytes.
    pub sum: u16,
    /// The modem's size and checksum of what it stored, if it said them.
    pub reply: Option<(u32, u16)>,
}

impl Upload {
    /// The modem stored exactly the `len` bytes that were sent.
    pub fn is_exact(&self, len: usize) -> bool {
        matches!(self.reply, Some((size, ck)) if size as usize == len && self.sent == len && ck == self.sum)
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::port::asynch::Port;

    /// Run `cmd` (which answers `CONNECT`), write `len` bytes of `source`
    /// (never more: the modem would take the rest as commands) while taking
    /// their XOR-16, and read the modem's `<reply_prefix> <size>,<checksum>`.
    /// An error leaves the file in an unknown state: the caller deletes it.
    pub(crate) async fn upload<P: Port, D: Dialect, H: UrcHandler + ?Sized>(
        at: &mut AtClient<P, D>,
        urcs: &mut H,
        cmd: &mut Command,
        len: usize,
        timeout_ms: u32,
        source: DataSource<'_>,
        reply_prefix: &[u8],
    ) -> Result<Upload, AtError> {
        let mut sum = Xor16::new();
        let mut sent = 0usize;
        let mut reply = None;
        at.exec_with_data(
            cmd,
            len,
            timeout_ms,
            urcs,
            &mut |buf| {
                let room = len.saturating_sub(sent).min(buf.len());
                let buf = buf.get_mut(..room).unwrap_or(&mut []);
                let n = source(buf)?.min(room);
                sum.update(buf.get(..n).unwrap_or(&[]));
                sent += n;
                Ok(n)
            },
            |l| {
                if let Some(mut f) = Fields::after(l, reply_prefix) {
                    let size = f.next_u32();
                    let ck = f.next().and_then(parse_hex_u16);
                    if let (Some(s), Some(c)) = (size, ck) {
                        reply = Some((s, c));
                    }
                }
                Ok(())
            },
        )
        .await?;
        Ok(Upload {
            sent,
            sum: sum.value(),
            reply,
        })
    }
}

/// Running XOR of 16-bit big-endian words, as the modem computes it over an
/// upload. With an odd length the last byte is the high byte of a word
/// whose low byte is 0.
///
/// ```
/// use modemtls::modem::quectel::Xor16;
/// let mut x = Xor16::new();
/// x.update(b"\x12");
/// x.update(b"\x34\x56");
/// assert_eq!(x.value(), 0x1234 ^ 0x5600);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Xor16 {
    acc: u16,
    odd: Option<u8>,
}

impl Xor16 {
    /// A checksum of nothing.
    pub const fn new() -> Self {
        Self { acc: 0, odd: None }
    }

    /// Add bytes (any split gives the same result).
    pub fn update(&mut self, mut data: &[u8]) {
        if let Some(hi) = self.odd.take() {
            match data.split_first() {
                Some((&lo, rest)) => {
                    self.acc ^= u16::from_be_bytes([hi, lo]);
                    data = rest;
                }
                None => {
                    self.odd = Some(hi);
                    return;
                }
            }
        }
        let mut pairs = data.chunks_exact(2);
        for w in pairs.by_ref() {
            if let [a, b] = *w {
                self.acc ^= u16::from_be_bytes([a, b]);
            }
        }
        if let [last] = *pairs.remainder() {
            self.odd = Some(last);
        }
    }

    /// The checksum so far.
    pub fn value(&self) -> u16 {
        match self.odd {
            Some(hi) => self.acc ^ u16::from_be_bytes([hi, 0]),
            None => self.acc,
        }
    }
}

/// A checksum as the modem prints it (`+QFUPL: <size>,5505`,
/// `+QSECWRITE: <size>,618`): 1-4 hex digits, either case.
pub(crate) fn parse_hex_u16(s: &[u8]) -> Option<u16> {
    if s.is_empty() || s.len() > 4 {
        return None;
    }
    let mut v: u16 = 0;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u16::from(d);
    }
    Some(v)
}

/// CRC-32 (IEEE 802.3), used to name uploaded files after their content so
/// an identical upload can be skipped.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BG96 forum upload (seeds/000): 1544 bytes, modem said `5505`.
    #[test]
    fn seed_amazon_pem_gives_5505() {
        let text = include_str!("../../../tests/data/amazonca.pem");
        let pem = text.trim_end_matches('\n');
        assert_eq!(pem.len(), 1544);
        let mut x = Xor16::new();
        x.update(pem.as_bytes());
        assert_eq!(x.value(), 0x5505);
        // Any split gives the same value.
        for cut in [1usize, 2, 3, 777, 1543] {
            let (a, b) = pem.as_bytes().split_at(cut);
            let mut y = Xor16::new();
            y.update(a);
            y.update(b);
            assert_eq!(y.value(), 0x5505);
        }
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
