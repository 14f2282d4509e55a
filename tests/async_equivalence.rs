//! The two copies of every dual module behave the same: the blocking
//! drivers and their async twins, fed the same hostile modem answers (the
//! four reply-fuzz corpora and mutants of them), write the same bytes to
//! the UART, byte for byte, and return the same results (the harness:
//! `fuzz/harness/dual_replies.rs`, also the cargo-fuzz target
//! `dual_replies`).

#[path = "../fuzz/harness/dual_replies.rs"]
mod dual_replies;

use dual_replies::same;
use std::path::Path;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.expect("entry").path()).expect("corpus file"))
        .collect();
    v.sort();
    v
}

/// Every input of a corpus, and `mutants` byte-level mutants of each.
fn check(family: &str, target: &str, mutants: usize) {
    let inputs = corpus(target);
    assert!(
        inputs.len() >= 10,
        "only {} inputs in {target}",
        inputs.len()
    );
    let (mut pends, mut calls, mut runs) = (0, 0, 0);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for input in &inputs {
        let (p, c) = same(family, input);
        (pends, calls, runs) = (pends + p, calls + c, runs + 1);
        for _ in 0..mutants {
            let mut m = input.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if m.len() > 1 {
                    let at = 1 + (seed as usize) % (m.len() - 1);
                    m[at] = (seed >> 32) as u8;
                }
            }
            let (p, c) = same(family, &m);
            (pends, calls, runs) = (pends + p, calls + c, runs + 1);
        }
    }
    // The async run really suspended (the equivalence is not that of two
    // copies of blocking code).
    assert!(pends > inputs.len() as u64, "{pends} suspensions only");
    // The answers lead past init: most runs make most of the calls.
    eprintln!("{target}: {runs} runs, {calls} calls, {pends} suspensions");
    assert!(
        calls > runs * 6,
        "{calls} calls in {runs} runs: the sessions stop early"
    );
}

#[test]
fn bg9x_answers_give_the_same_uart_bytes_both_ways() {
    check("bg9x", "bg9x_replies", 20);
}

#[test]
fn bc66_answers_give_the_same_uart_bytes_both_ways() {
    check("bc66", "bc66_replies", 20);
}

#[test]
fn m95_answers_give_the_same_uart_bytes_both_ways() {
    check("m95", "m95_replies", 20);
}

#[test]
fn sierra_answers_give_the_same_uart_bytes_both_ways() {
    check("sierra", "sierra_hl_replies", 20);
}

/// The cargo-fuzz target's own corpus (family byte + a reply input),
/// seeded from the four reply corpora and kept with what fuzzing found.
#[test]
fn dual_replies_corpus() {
    let inputs = corpus("dual_replies");
    assert!(
        inputs.len() >= 40,
        "only {} inputs in dual_replies",
        inputs.len()
    );
    for input in &inputs {
        dual_replies::run(input);
    }
}
