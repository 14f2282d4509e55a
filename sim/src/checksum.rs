//! The Quectel file checksum of `+QFUPL` / `+QFDWL` (at-commands.md §1.5).

/// XOR of 16-bit big-endian words; with an odd length the last byte is the
/// high byte of a final word whose low byte is 0.
pub fn xor16(data: &[u8]) -> u16 {
    let mut acc = 0u16;
    let mut chunks = data.chunks_exact(2);
    for w in &mut chunks {
        acc ^= u16::from_be_bytes([w[0], w[1]]);
    }
    if let [last] = chunks.remainder() {
        acc ^= u16::from(*last) << 8;
    }
    acc
}

/// The checksum as the modem prints it: lowercase hex, no leading zeros.
pub fn xor16_hex(data: &[u8]) -> String {
    format!("{:x}", xor16(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_vectors() {
        assert_eq!(xor16(b""), 0);
        assert_eq!(xor16(b"ab"), 0x6162);
        assert_eq!(xor16(b"abc"), 0x6162 ^ 0x6300);
        assert_eq!(xor16_hex(b"abc"), "262");
        assert_eq!(xor16_hex(&[0x00, 0x0f]), "f");
    }

    /// The Amazon CA of seed 000: `+QFDWL: 1544,5505` on a real BG96.
    #[test]
    fn amazon_pem_from_seed_000() {
        let pem = std::fs::read_to_string("/work/shared/seeds/000_5058e59a2bdb6b74.txt");
        let Ok(text) = pem else {
            eprintln!("seed 000 not present; skipped");
            return;
        };
        let lines: Vec<&str> = text.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.trim() == "-----BEGIN CERTIFICATE-----")
            .expect("begin");
        let end = lines
            .iter()
            .position(|l| l.trim() == "-----END CERTIFICATE-----")
            .expect("end");
        let joined = lines[start..=end]
            .iter()
            .map(|l| l.trim_end())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(joined.len(), 1544);
        assert_eq!(xor16_hex(joined.as_bytes()), "5505");
    }
}
