//! `s^e mod n` for RSA verification, on fixed-size stack arrays.
//!
//! Montgomery multiplication (CIOS, 32-bit words) over a runtime length of
//! up to 128 words (4096 bits): one copy of the code serves every key size,
//! and the working set is four 512-byte arrays (2 KiB of stack; the
//! Montgomery product is built in its output), instead of the ~9-18 KiB frames `crypto-bigint` 0.6's
//! `MontyForm` needed per width on Cortex-M4 (measured, see BENCHMARKS.md).
//! Everything here is public data (signature, public key), so plain
//! variable-time code is fine.

/// Most words in a modulus (4096 bits).
pub(crate) const MAX_WORDS: usize = 128;

type Words = [u32; MAX_WORDS];

/// A modulus and its Montgomery constants.
struct Modulus {
    n: Words,
    len: usize,
    /// -n^-1 mod 2^32.
    n0inv: u32,
}

/// Big-endian bytes into little-endian words (len words). `None` if it does not fit.
fn from_be(bytes: &[u8], len: usize, out: &mut Words) -> Option<()> {
    if bytes.len() > len.checked_mul(4)? || len > MAX_WORDS {
        return None;
    }
    *out = [0; MAX_WORDS];
    for (i, b) in bytes.iter().rev().enumerate() {
        let w = out.get_mut(i / 4)?;
        *w |= u32::from(*b) << (8 * (i % 4));
    }
    Some(())
}

/// a >= b over `len` words.
fn ge(a: &Words, b: &Words, len: usize) -> bool {
    for i in (0..len).rev() {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x > y;
        }
    }
    true
}

/// a -= b over `len` words; returns the borrow.
fn sub_assign(a: &mut Words, b: &Words, len: usize) -> bool {
    let mut borrow = 0u64;
    for (x, y) in a.iter_mut().zip(b.iter()).take(len) {
        let d = u64::from(*x)
            .wrapping_sub(u64::from(*y))
            .wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
    borrow != 0
}

impl Modulus {
    fn new(n_be: &[u8]) -> Option<Self> {
        let len = n_be.len().div_ceil(4);
        if len == 0 || len > MAX_WORDS {
            return None;
        }
        let mut n = [0u32; MAX_WORDS];
        from_be(n_be, len, &mut n)?;
        let n0 = *n.first()?;
        if n0 & 1 == 0 || *n.get(len - 1)? == 0 {
            return None;
        }
        // Newton iteration: inv = n0^-1 mod 2^32 (5 steps double 1 -> 32 bits).
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(inv)));
        }
        Some(Modulus {
            n,
            len,
            n0inv: inv.wrapping_neg(),
        })
    }

    fn words(&self) -> &[u32] {
        self.n.get(..self.len).unwrap_or(&[])
    }

    /// out = a * b * R^-1 mod n, for a, b < n (CIOS). The sum is built in
    /// `out` itself (no fourth array on the stack).
    fn mont_mul(&self, a: &Words, b: &Words, out: &mut Words) {
        let len = self.len;
        let n = self.words();
        let a = a.get(..len).unwrap_or(&[]);
        let b = b.get(..len).unwrap_or(&[]);
        // t = t_lo[0..len] + t_hi * 2^(32 len) + t_hi2 * 2^(32 (len+1))
        let t_lo = out;
        *t_lo = [0u32; MAX_WORDS];
        let mut t_hi = 0u32;
        for &bi in b {
            let bi = u64::from(bi);
            // t += a * b[i]
            let mut c = 0u64;
            for (tj, &aj) in t_lo.iter_mut().zip(a) {
                let s = u64::from(*tj) + u64::from(aj) * bi + c;
                *tj = s as u32;
                c = s >> 32;
            }
            let s = u64::from(t_hi) + c;
            t_hi = s as u32;
            let t_hi2 = (s >> 32) as u32;
            // t = (t + m * n) / 2^32, with m chosen so the low word cancels.
            let t0 = t_lo.first().copied().unwrap_or(0);
            let m = u64::from(t0.wrapping_mul(self.n0inv));
            let mut c = 0u64;
            for (tj, &nj) in t_lo.iter_mut().zip(n) {
                let s = u64::from(*tj) + m * u64::from(nj) + c;
                *tj = s as u32;
                c = s >> 32;
            }
            // The low word is now zero: shift down by one word.
            let s = u64::from(t_hi) + c;
            if let Some(w) = t_lo.get_mut(..len) {
                w.rotate_left(1);
                if let Some(last) = w.last_mut() {
                    *last = s as u32;
                }
            }
            t_hi = t_hi2 + (s >> 32) as u32;
        }
        // t < 2n: subtract n once if needed.
        if t_hi != 0 || ge(t_lo, &self.n, len) {
            sub_assign(t_lo, &self.n, len);
        }
    }

    /// x = 2x mod n, for x < n.
    fn double(&self, x: &mut Words) {
        let mut carry = 0u32;
        for w in x.iter_mut().take(self.len) {
            let nc = *w >> 31;
            *w = (*w << 1) | carry;
            carry = nc;
        }
        if carry != 0 || ge(x, &self.n, self.len) {
            sub_assign(x, &self.n, self.len);
        }
    }

    /// x = R^2 mod n, R = 2^(32 len); `y` is scratch.
    fn r_squared(&self, x: &mut Words, y: &mut Words) {
        let len = self.len;
        // 2^(bits-1) < n (n is odd, so it is not a power of two).
        let top = self.words().last().copied().unwrap_or(1);
        let bits = 32 * len - top.leading_zeros() as usize;
        *x = [0u32; MAX_WORDS];
        if let Some(w) = x.get_mut((bits - 1) / 32) {
            *w = 1 << ((bits - 1) % 32);
        }
        // R mod n.
        for _ in 0..(32 * len - (bits - 1)) {
            self.double(x);
        }
        // 2^odd * R, then k Montgomery squarings: 2^(odd * 2^k) * R = R^2
        // where odd * 2^k = 32 len.
        let tz = len.trailing_zeros();
        for _ in 0..(len >> tz) {
            self.double(x);
        }
        for _ in 0..(5 + tz) {
            self.mont_mul(x, x, y);
            *x = *y;
        }
    }
}

/// `out[..len(n)] = s^e mod n`, big-endian, for an odd `n` (big-endian, no
/// leading zero byte) of at most 4096 bits, `s < n` (same length as `n`)
/// and `e >= 3`. `None` if the inputs are out of range.
pub(crate) fn rsa_public(n_be: &[u8], e: u64, s_be: &[u8], out: &mut [u8]) -> Option<()> {
    let k = n_be.len();
    if s_be.len() != k || e < 3 || out.len() < k {
        return None;
    }
    // Four arrays in all (n, acc, tmp, base): 2 KiB of stack for RSA-4096.
    let m = Modulus::new(n_be)?;
    let mut acc = [0u32; MAX_WORDS];
    from_be(s_be, m.len, &mut acc)?;
    if ge(&acc, &m.n, m.len) {
        return None;
    }
    let mut tmp = [0u32; MAX_WORDS];
    let mut base = [0u32; MAX_WORDS];
    m.r_squared(&mut tmp, &mut base);
    m.mont_mul(&acc, &tmp, &mut base); // s * R
    acc = base;
    let top = 63 - e.leading_zeros();
    for i in (0..top).rev() {
        m.mont_mul(&acc, &acc, &mut tmp);
        if (e >> i) & 1 == 1 {
            m.mont_mul(&tmp, &base, &mut acc);
        } else {
            acc = tmp;
        }
    }
    // Out of Montgomery form: acc * 1 * R^-1 (base is free now).
    tmp = [0u32; MAX_WORDS];
    if let Some(w) = tmp.first_mut() {
        *w = 1;
    }
    m.mont_mul(&acc, &tmp, &mut base);
    // Big-endian, k bytes.
    for (i, o) in out.iter_mut().take(k).rev().enumerate() {
        *o = (base.get(i / 4).copied().unwrap_or(0) >> (8 * (i % 4))) as u8;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_modulus_matches_u128() {
        // n = 2^61 - 1 (odd), 8 bytes -> 2 words.
        let n: u128 = (1 << 61) - 1;
        let nb = (n as u64).to_be_bytes();
        for (s, e) in [
            (2u128, 3u64),
            (123_456_789, 65_537),
            (n - 1, 65_537),
            (0, 3),
            (1, 17),
            (n - 2, (1 << 33) - 1),
        ] {
            let sb = (s as u64).to_be_bytes();
            let mut out = [0u8; 8];
            rsa_public(&nb, e, &sb, &mut out).unwrap();
            let mut expect: u128 = 1;
            let mut base = s % n;
            let mut ee = e;
            while ee > 0 {
                if ee & 1 == 1 {
                    expect = expect * base % n;
                }
                base = base * base % n;
                ee >>= 1;
            }
            assert_eq!(u64::from_be_bytes(out) as u128, expect, "s={s} e={e}");
        }
        // 3-word modulus (odd length exercises the R^2 computation).
        let n3: u128 = (1u128 << 90) - 3; // odd
        let nb3 = &n3.to_be_bytes()[4..];
        let s3: u128 = 0x0234_5678_9abc_def0_1122_3344;
        let mut out = [0u8; 12];
        rsa_public(nb3, 65_537, &s3.to_be_bytes()[4..], &mut out).unwrap();
        // reference with u128 via square-and-multiply using mulmod by doubling
        let mulmod = |a: u128, b: u128| {
            let (mut r, mut a, mut b) = (0u128, a % n3, b);
            while b > 0 {
                if b & 1 == 1 {
                    r = (r + a) % n3;
                }
                a = (a << 1) % n3;
                b >>= 1;
            }
            r
        };
        let mut expect = 1u128;
        let mut base = s3 % n3;
        let mut ee = 65_537u64;
        while ee > 0 {
            if ee & 1 == 1 {
                expect = mulmod(expect, base);
            }
            base = mulmod(base, base);
            ee >>= 1;
        }
        let mut got = [0u8; 16];
        got[4..].copy_from_slice(&out);
        assert_eq!(u128::from_be_bytes(got), expect);
        // s >= n rejected
        assert!(rsa_public(&nb, 3, &[0xff; 8], &mut [0u8; 8]).is_none());
        // even modulus rejected
        assert!(rsa_public(&[0x10, 0x00], 3, &[0x01, 0x00], &mut [0u8; 2]).is_none());
        // length mismatch rejected
        assert!(rsa_public(&nb, 3, &[0x01], &mut [0u8; 8]).is_none());
    }
}
