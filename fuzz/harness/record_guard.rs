//! The record guard's fuzz harness, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/record_guard.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte, then the server's bytes after a real
//! ServerHello. The control byte's low 7 bits (at least 1) are the size of
//! the pieces the bytes are cut into; its top bit says whether the client
//! has written (the handshake is over). Checked: no panic; the verdict
//! does not depend on how the bytes are cut; once refused, always refused;
//! nothing after ServerHello is accepted but encrypted records of 17 to
//! 16,640 bytes and, during the handshake, a change_cipher_spec `01`.

use modemtls::host::etls::guard::{GuardError, RecordGuard, MAX_CIPHERTEXT, MIN_CIPHERTEXT};

/// A ServerHello record as a TLS 1.3 server sends it (P-256 key share).
pub const SERVER_HELLO: &[u8] = &[
    0x16, 0x03, 0x03, 0x00, 0x9b, 0x02, 0x00, 0x00, 0x97, 0x03, 0x03, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x20, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x01, 0x00, 0x00,
    0x4f, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x45, 0x00, 0x17, 0x00, 0x41, 0x04,
    0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
];

/// The verdict of a straightforward reading of the whole stream: records
/// whose header is complete, checked one by one.
fn reference(data: &[u8], established: bool) -> Option<GuardError> {
    let mut rest = data;
    while let [ty, _, _, hi, lo, tail @ ..] = rest {
        let (ty, len) = (*ty, u16::from_be_bytes([*hi, *lo]));
        let ok = match ty {
            23 => (MIN_CIPHERTEXT..=MAX_CIPHERTEXT).contains(&len),
            20 if !established => len == 1,
            _ => return Some(GuardError::UnexpectedRecord { content_type: ty }),
        };
        if !ok {
            return Some(GuardError::BadLength {
                content_type: ty,
                len,
            });
        }
        let body = tail.get(..usize::from(len)).unwrap_or(tail);
        if ty == 20 && body.iter().any(|b| *b != 1) {
            return Some(GuardError::BadLength {
                content_type: ty,
                len: 1,
            });
        }
        if body.len() < usize::from(len) {
            return None;
        }
        rest = &tail[usize::from(len)..];
    }
    None
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(control & 0x7f).max(1);
    let established = control & 0x80 != 0;
    let fresh = || {
        let mut g = RecordGuard::new();
        assert_eq!(g.check(SERVER_HELLO), Ok(()), "a real ServerHello passes");
        if established {
            g.on_client_write();
        }
        g
    };
    let mut g = fresh();
    let mut verdict = None;
    for piece in data.chunks(step) {
        match (g.check(piece), verdict) {
            (Ok(()), None) => {}
            (Err(e), None) => verdict = Some(e),
            (Err(e), Some(v)) => assert_eq!(e, v, "a refusal is final"),
            (Ok(()), Some(_)) => panic!("accepted after a refusal"),
        }
    }
    let mut whole = fresh();
    assert_eq!(
        whole.check(data).err(),
        verdict,
        "the cut changed the verdict"
    );
    assert_eq!(
        reference(data, established),
        verdict,
        "differs from the reference reading"
    );
}
