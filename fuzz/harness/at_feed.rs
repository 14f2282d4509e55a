//! The AT engine fed arbitrary modem output in the dialect of every family
//! the library drives: the harness shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/at_feed.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! Input: a control byte, then the bytes. Bits 0-1 of the control byte
//! choose the dialect (BG9x, BC66, M66/M95, Sierra HL), bit 2 arms the
//! engine for a `CONNECT` data phase of the length in the first two bytes
//! (what the Sierra driver does before `AT+KTCPRCV`), bits 3-7 the size of
//! the pieces the bytes arrive in. Checked: no panic, progress on every
//! call, a consumed count never beyond the input, and the same events
//! whatever the pieces.

use modemtls::at::{Dialect, Engine, Event};
use modemtls::modem::quectel::{Bc66Dialect, M95Dialect, QuectelDialect};
use modemtls::modem::sierra::SierraDialect;

/// An event, owned (to compare runs).
#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Line(Vec<u8>),
    Urc(Vec<u8>),
    Other(String),
    Payload(Vec<u8>),
}

fn own(ev: Event<'_>) -> Ev {
    match ev {
        Event::Line(l) => Ev::Line(l.to_vec()),
        Event::Urc(l) => Ev::Urc(l.to_vec()),
        Event::Payload(p) => Ev::Payload(p.to_vec()),
        other => Ev::Other(format!("{other:?}")),
    }
}

fn feed_all<D: Dialect>(dialect: D, arm: Option<usize>, data: &[u8], step: usize) -> Vec<Ev> {
    let mut e = Engine::new(dialect);
    e.expect_data(arm);
    let mut events = Vec::new();
    for piece in data.chunks(step.max(1)) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, ev) = e.feed(rest);
            assert!(n <= rest.len(), "consumed more than given");
            assert!(n > 0 || ev.is_some(), "no progress");
            if let Some(ev) = ev {
                events.push(own(ev));
            }
            rest = rest.get(n..).unwrap_or(&[]);
        }
    }
    // Payload events are cut where the pieces are: compare them joined.
    let mut joined: Vec<Ev> = Vec::new();
    for ev in events {
        match (joined.last_mut(), ev) {
            (Some(Ev::Payload(a)), Ev::Payload(b)) => a.extend_from_slice(&b),
            (_, ev) => joined.push(ev),
        }
    }
    joined
}

fn run_with<D: Dialect + Copy>(dialect: D, arm: Option<usize>, data: &[u8], step: usize) {
    let pieces = feed_all(dialect, arm, data, step);
    let whole = feed_all(dialect, arm, data, data.len().max(1));
    assert_eq!(pieces, whole, "the pieces changed the events");
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(control >> 3) + 1;
    let arm = (control & 4 != 0).then(|| {
        let len = data
            .get(..2)
            .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        len % 2048
    });
    match control & 3 {
        0 => run_with(QuectelDialect, arm, data, step),
        1 => run_with(Bc66Dialect, arm, data, step),
        2 => run_with(M95Dialect, arm, data, step),
        _ => run_with(SierraDialect, arm, data, step),
    }
}

/// Payload bytes the engine hands out for one input (whole, unsplit): what
/// the corpus test checks the seeds reach the dialects' data framing with.
pub fn payload_bytes(data: &[u8]) -> usize {
    let Some((&control, data)) = data.split_first() else {
        return 0;
    };
    let arm = (control & 4 != 0).then(|| {
        let len = data
            .get(..2)
            .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        len % 2048
    });
    let events = match control & 3 {
        0 => feed_all(QuectelDialect, arm, data, data.len()),
        1 => feed_all(Bc66Dialect, arm, data, data.len()),
        2 => feed_all(M95Dialect, arm, data, data.len()),
        _ => feed_all(SierraDialect, arm, data, data.len()),
    };
    events
        .iter()
        .map(|e| match e {
            Ev::Payload(p) => p.len(),
            _ => 0,
        })
        .sum()
}
