//! A saved session ticket read back (`Ticket::restore`, behind the C
//! ABI's `mtls_ticket_restore()`): bytes from the caller's flash, so
//! hostile. Shared by the cargo-fuzz target (`fuzz/fuzz_targets/saved_ticket.rs`)
//! and the corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: a mode byte, then the saved bytes. With an odd mode byte the
//! harness appends the right checksum, so the fields behind it are reached
//! (random bytes almost never carry a valid one). Checked: no panic, and a
//! ticket that restores saves to exactly the bytes it came from.

use modemtls::tls::kat::HashAlg;
use modemtls::tls::Ticket;

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let _ = restores(data);
}

/// [`run`], telling whether the input restored to a ticket.
pub fn restores(data: &[u8]) -> bool {
    let Some((&mode, body)) = data.split_first() else {
        return false;
    };
    let mut sealed;
    let bytes: &[u8] = if mode & 1 == 1 {
        sealed = body.to_vec();
        let sum = HashAlg::Sha256.hash(&[body]);
        sealed.extend_from_slice(&sum.as_bytes()[..4]);
        &sealed
    } else {
        body
    };
    if let Ok(t) = Ticket::restore(bytes) {
        assert!(t.is_valid(), "a restored ticket is valid");
        let mut buf = [0u8; Ticket::SERIALIZED_MAX];
        let n = t.save(&mut buf).expect("a restored ticket saves");
        assert_eq!(&buf[..n], bytes, "save(restore(x)) differs from x");
        return true;
    }
    false
}
