//! Reading and writing TLS's length-prefixed encodings over byte slices,
//! without a panic on any input: every read is bounds-checked and returns
//! [`Short`] when the bytes run out, every write returns [`Full`] when the
//! buffer does.

/// The input ended before the value did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Short;

/// The output buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// A cursor over received bytes.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        if n > self.bytes.len() {
            return Err(Short);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, Short> {
        self.take(1)?.first().copied().ok_or(Short)
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, Short> {
        let b = self.take(2)?;
        Ok(b.iter().fold(0u16, |a, &x| (a << 8) | u16::from(x)))
    }

    /// A big-endian 24-bit length.
    pub fn u24(&mut self) -> Result<usize, Short> {
        let b = self.take(3)?;
        Ok(b.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x)))
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Short> {
        let b = self.take(4)?;
        Ok(b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x)))
    }

    /// A vector with a one-byte length.
    pub fn vec8(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    /// A vector with a two-byte length.
    pub fn vec16(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// A vector with a three-byte length.
    pub fn vec24(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u24()?;
        self.take(n)
    }
}

/// A cursor writing into a caller's buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// A writer filling `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, len: 0 }
    }

    /// A writer over `buf` whose first `len` bytes count as written.
    pub fn with_len(buf: &'a mut [u8], len: usize) -> Self {
        let len = len.min(buf.len());
        Writer { buf, len }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the buffer.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Forget what was written after the first `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// What was written.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// What was written, writable (to patch or encrypt in place).
    pub fn written_mut(&mut self) -> &mut [u8] {
        self.buf.get_mut(..self.len).unwrap_or(&mut [])
    }

    /// Append `bytes`.
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let end = self.len.checked_add(bytes.len()).ok_or(Full)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(Full)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Append one byte.
    pub fn u8(&mut self, v: u8) -> Result<(), Full> {
        self.put(&[v])
    }

    /// Append a big-endian `u16`.
    pub fn u16(&mut self, v: u16) -> Result<(), Full> {
        self.put(&v.to_be_bytes())
    }

    /// Append a big-endian 24-bit value (the low 24 bits of `v`).
    pub fn u24(&mut self, v: usize) -> Result<(), Full> {
        let b = (v as u32).to_be_bytes();
        self.put(b.get(1..).unwrap_or(&[]))
    }

    /// Reserve `n` length bytes, to be filled by [`Writer::patch_len`].
    pub fn reserve(&mut self, n: usize) -> Result<usize, Full> {
        let at = self.len;
        for _ in 0..n {
            self.u8(0)?;
        }
        Ok(at)
    }

    /// Write, at `at` (from [`Writer::reserve`] of `n` bytes), the number of
    /// bytes written since the reserved bytes.
    pub fn patch_len(&mut self, at: usize, n: usize) -> Result<(), Full> {
        let body = self.len.checked_sub(at + n).ok_or(Full)?;
        if n < 4 && body >> (8 * n) != 0 {
            return Err(Full);
        }
        let be = (body as u32).to_be_bytes();
        let src = be.get(4 - n..).ok_or(Full)?;
        self.buf
            .get_mut(at..at + n)
            .ok_or(Full)?
            .copy_from_slice(src);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let mut r = Reader::new(&[0, 3, 1, 2]);
        assert_eq!(r.vec16(), Err(Short));
        let mut r = Reader::new(&[0, 2, 1, 2, 9]);
        assert_eq!(r.vec16(), Ok(&[1u8, 2][..]));
        assert_eq!(r.u16(), Err(Short));
        assert_eq!(r.u8(), Ok(9));
        assert!(r.is_empty());
        let mut r = Reader::new(&[0, 0, 1, 7]);
        assert_eq!(r.vec24(), Ok(&[7u8][..]));
    }

    #[test]
    fn writes_are_bounded_and_lengths_patched() {
        let mut b = [0u8; 6];
        let mut w = Writer::new(&mut b);
        let at = w.reserve(2).unwrap();
        w.put(&[1, 2, 3]).unwrap();
        w.patch_len(at, 2).unwrap();
        assert_eq!(w.written(), &[0, 3, 1, 2, 3]);
        assert_eq!(w.put(&[1, 2]), Err(Full));
        let mut b = [0u8; 300];
        let mut w = Writer::new(&mut b);
        let at = w.reserve(1).unwrap();
        w.put(&[0; 256]).unwrap();
        assert_eq!(w.patch_len(at, 1), Err(Full));
    }
}
