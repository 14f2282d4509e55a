//! Every fuzz target's corpus (`fuzz/corpus/<target>/`) run through the
//! target's harness as an ordinary test, so CI replays on stable what the
//! fuzzers found and what the seeds cover (`cargo +nightly fuzz run
//! <target>` grows a corpus).

#[cfg(feature = "quectel-bc66")]
#[path = "../fuzz/harness/bc66_replies.rs"]
mod bc66_replies;
#[path = "../fuzz/harness/bg9x_replies.rs"]
mod bg9x_replies;
#[cfg(feature = "capi")]
#[path = "../fuzz/harness/capi_calls.rs"]
mod capi_calls;
#[path = "../fuzz/harness/host_stack.rs"]
mod host_stack;
#[path = "../fuzz/harness/record_guard.rs"]
mod record_guard;
#[path = "../fuzz/harness/stored_and_probe.rs"]
mod stored_and_probe;

use std::path::Path;

/// Run `harness` on every file of `fuzz/corpus/<target>`; the number run.
fn replay(target: &str, harness: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        let run = std::panic::catch_unwind(|| harness(&data));
        assert!(run.is_ok(), "{} fails the harness", path.display());
        n += 1;
    }
    n
}

#[test]
fn record_guard_corpus() {
    let n = replay("record_guard", record_guard::run);
    assert!(n >= 20, "only {n} inputs in the record_guard corpus");
}

/// Stable-toolchain exploration around the corpus: every input mutated
/// many times (bytes flipped, set to record-layer values, inserted,
/// removed, the tail cut, two inputs spliced) by a fixed-seed generator,
/// each mutant through the harness. Not coverage-guided like cargo-fuzz,
/// but it runs in every CI build.
fn mutate_around(target: &str, harness: fn(&[u8]), per_input: usize) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("corpus file"))
        .collect();
    inputs.sort();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    const INTERESTING: [u8; 10] = [0, 1, 2, 3, 16, 17, 20, 21, 22, 23];
    let mut runs = 0;
    for i in 0..inputs.len() {
        for _ in 0..per_input {
            let mut m = inputs[i].clone();
            for _ in 0..1 + next(4) {
                let at = next(m.len() + 1);
                match next(6) {
                    0 if at < m.len() => m[at] ^= 1 << next(8),
                    1 if at < m.len() => m[at] = INTERESTING[next(INTERESTING.len())],
                    2 => m.insert(at, INTERESTING[next(INTERESTING.len())]),
                    3 if at < m.len() => {
                        m.remove(at);
                    }
                    4 => m.truncate(at),
                    _ => {
                        let other = &inputs[next(inputs.len())];
                        let from = next(other.len() + 1);
                        m.truncate(at);
                        m.extend_from_slice(&other[from..]);
                    }
                }
            }
            let run = std::panic::catch_unwind(|| harness(&m));
            assert!(
                run.is_ok(),
                "mutant of input {i} fails the harness: {m:02x?}"
            );
            runs += 1;
        }
    }
    runs
}

#[test]
fn record_guard_mutants() {
    let runs = mutate_around("record_guard", record_guard::run, 300);
    assert!(runs >= 100_000, "{runs} runs");
}

#[test]
fn host_stack_corpus() {
    let n = replay("host_stack", host_stack::run);
    assert!(n >= 20, "only {n} inputs in the host_stack corpus");
}

#[test]
fn host_stack_mutants() {
    let runs = mutate_around("host_stack", host_stack::run, 40);
    assert!(runs >= 1_000, "{runs} runs");
}

#[test]
fn bg9x_replies_corpus() {
    let n = replay("bg9x_replies", bg9x_replies::run);
    assert!(n >= 10, "only {n} inputs in the bg9x_replies corpus");
}

#[test]
fn bg9x_replies_mutants() {
    let runs = mutate_around("bg9x_replies", bg9x_replies::run, 400);
    assert!(runs >= 1_000, "{runs} runs");
}

#[test]
fn stored_and_probe_corpus() {
    let n = replay("stored_and_probe", stored_and_probe::run);
    assert!(n >= 10, "only {n} inputs in the stored_and_probe corpus");
}

#[test]
fn stored_and_probe_mutants() {
    let runs = mutate_around("stored_and_probe", stored_and_probe::run, 500);
    assert!(runs >= 5_000, "{runs} runs");
}

/// The C ABI's call sequences (needs the `capi` feature: `tools/test.sh`
/// runs this file again with `--features capi,std`).
#[cfg(feature = "capi")]
#[test]
fn capi_calls_corpus() {
    let n = replay("capi_calls", capi_calls::run);
    assert!(n >= 8, "only {n} inputs in the capi_calls corpus");
}

#[cfg(feature = "capi")]
#[test]
fn capi_calls_mutants() {
    let runs = mutate_around("capi_calls", capi_calls::run, 300);
    assert!(runs >= 2_000, "{runs} runs");
}

#[cfg(feature = "quectel-bc66")]
#[test]
fn bc66_replies_corpus() {
    let n = replay("bc66_replies", bc66_replies::run);
    assert!(n >= 5, "only {n} inputs in the bc66_replies corpus");
}

#[cfg(feature = "quectel-bc66")]
#[test]
fn bc66_replies_mutants() {
    let runs = mutate_around("bc66_replies", bc66_replies::run, 400);
    assert!(runs >= 2_000, "{runs} runs");
}
