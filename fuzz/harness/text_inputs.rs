//! Two small readers of text a user hands over: a `+KHTTPS_ERROR` line
//! pasted from a modem log (`modem::sierra::classify_khttps_error`) and a
//! PEM credential decoded in a stream (`pem::pem_decoded_len`,
//! `decode_pem_body`, what the offload layer runs to give an HL8548 DER).
//! Shared by the cargo-fuzz target (`fuzz/fuzz_targets/text_inputs.rs`)
//! and the corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: a selector byte (even: the log line, odd: the PEM text), then
//! the bytes. Checked: no panic; a classified line has a cause text; a PEM
//! body decodes to as many bytes as counted, and those bytes written as
//! PEM again decode to the same bytes.

use modemtls::modem::sierra::classify_khttps_error;
use modemtls::pem::{decode_pem_body, pem_decoded_len, write_pem};

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    if sel % 2 == 0 {
        if let Some((_, _, cause)) = classify_khttps_error(data) {
            assert!(!cause.cause().is_empty(), "a classified line has a cause");
        }
        return;
    }
    let Some((len, body)) = pem_decoded_len(data) else {
        return;
    };
    let mut der = Vec::new();
    let decoded = decode_pem_body::<()>(body, &mut |c| {
        der.extend_from_slice(c);
        Ok(())
    });
    assert_eq!(
        decoded,
        Ok(Some(len)),
        "decoded length differs from the count"
    );
    assert_eq!(der.len(), len);
    let mut pem = Vec::new();
    write_pem::<()>(&der, "CERTIFICATE", &mut |c| {
        pem.extend_from_slice(c);
        Ok(())
    })
    .expect("writing to a Vec");
    let (again, body) = pem_decoded_len(&pem).expect("written PEM reads back");
    assert_eq!(again, len);
    let mut back = Vec::new();
    let _ = decode_pem_body::<()>(body, &mut |c| {
        back.extend_from_slice(c);
        Ok(())
    });
    assert_eq!(back, der, "PEM written and read again differs");
}
