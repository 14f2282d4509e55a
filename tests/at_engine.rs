//! AT engine: table-driven byte-literal cases, each fed whole, one byte at a
//! time and in random splits; plus a bounded randomized run over random and
//! mutated real transcripts (no panic, framed payloads byte-exact), in the
//! dialect of every family (BG9x, BC66, M66/M95, Sierra HL).

use modemtls::at::{Dialect, Engine, Event, FinalResult};
use modemtls::modem::quectel::{Bc66Dialect, M95Dialect, QuectelDialect};
use modemtls::modem::sierra::SierraDialect;
use proptest::prelude::*;

/// An owned event; consecutive payload chunks are merged.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Final(FinalResult),
    Line(Vec<u8>),
    Urc(Vec<u8>),
    Echo(Vec<u8>),
    Prompt,
    Connect,
    Header(Vec<u8>, usize),
    Payload(Vec<u8>),
    End,
    Overflow,
    Damaged,
}
use Ev::*;

fn run_splits(input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    run_engine(Engine::new(QuectelDialect), input, cuts)
}

fn run_engine<D: Dialect>(mut e: Engine<D>, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    let mut pieces = Vec::new();
    let mut last = 0;
    for &c in cuts {
        let c = c.min(input.len());
        if c > last {
            pieces.push(&input[last..c]);
            last = c;
        }
    }
    pieces.push(&input[last..]);
    for piece in pieces {
        let mut rest = piece;
        loop {
            let (n, ev) = e.feed(rest);
            assert!(n <= rest.len());
            rest = &rest[n..];
            match ev {
                None => {
                    assert!(rest.is_empty() || n > 0, "no progress");
                    if rest.is_empty() {
                        break;
                    }
                }
                Some(ev) => {
                    let owned = match ev {
                        Event::Final(f) => Final(f),
                        Event::Line(l) => Line(l.to_vec()),
                        Event::Urc(l) => Urc(l.to_vec()),
                        Event::Echo(l) => Echo(l.to_vec()),
                        Event::Prompt => Prompt,
                        Event::Connect => Connect,
                        Event::PayloadHeader { header, len, .. } => Header(header.to_vec(), len),
                        Event::Payload(p) => {
                            if let Some(Payload(prev)) = out.last_mut() {
                                prev.extend_from_slice(p);
                                continue;
                            }
                            Payload(p.to_vec())
                        }
                        Event::PayloadEnd => End,
                        Event::Overflow => Overflow,
                        Event::Damaged => Damaged,
                    };
                    out.push(owned);
                }
            }
        }
    }
    // A pending PayloadEnd is emitted on the next call, even with no input.
    if let (_, Some(Event::PayloadEnd)) = e.feed(&[]) {
        out.push(End);
    }
    out
}

fn run(input: &[u8]) -> Vec<Ev> {
    run_splits(input, &[])
}

fn bytewise(input: &[u8]) -> Vec<Ev> {
    let cuts: Vec<usize> = (1..input.len()).collect();
    run_splits(input, &cuts)
}

fn l(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn cases() -> Vec<(&'static str, &'static [u8], Vec<Ev>)> {
    vec![
        ("ok", b"\r\nOK\r\n", vec![Final(FinalResult::Ok)]),
        ("error", b"\r\nERROR\r\n", vec![Final(FinalResult::Error)]),
        (
            "cme numeric",
            b"\r\n+CME ERROR: 405\r\n",
            vec![Final(FinalResult::CmeError(Some(405)))],
        ),
        (
            "cme verbose",
            b"\r\n+CME ERROR: SIM not inserted\r\n",
            vec![Final(FinalResult::CmeError(None))],
        ),
        (
            "cme huge",
            b"\r\n+CME ERROR: 99999999\r\n",
            vec![Final(FinalResult::CmeError(None))],
        ),
        (
            "echo then ok",
            b"ATE0\r\r\nOK\r\n",
            vec![Echo(l("ATE0")), Final(FinalResult::Ok)],
        ),
        (
            "ati",
            b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n",
            vec![
                Line(l("Quectel")),
                Line(l("BG96")),
                Line(l("Revision: BG96MAR02A07M1G")),
                Final(FinalResult::Ok),
            ],
        ),
        (
            "boot urcs",
            b"\r\nRDY\r\n\r\nAPP RDY\r\n",
            vec![Urc(l("RDY")), Urc(l("APP RDY"))],
        ),
        (
            "urc between ok and async result",
            b"\r\nOK\r\n\r\n+CEREG: 5\r\n\r\n+QIOPEN: 0,0\r\n",
            vec![
                Final(FinalResult::Ok),
                Urc(l("+CEREG: 5")),
                Urc(l("+QIOPEN: 0,0")),
            ],
        ),
        ("prompt no crlf", b"\r\n> ", vec![Prompt]),
        (
            "urc before prompt",
            b"\r\n+QIURC: \"recv\",1\r\n\r\n> ",
            vec![Urc(l("+QIURC: \"recv\",1")), Prompt],
        ),
        (
            "send ok",
            b"\r\nSEND OK\r\n",
            vec![Final(FinalResult::SendOk)],
        ),
        (
            "send fail",
            b"\r\nSEND FAIL\r\n",
            vec![Final(FinalResult::SendFail)],
        ),
        ("connect", b"\r\nCONNECT\r\n", vec![Connect]),
        (
            "qird payload with OK inside",
            b"\r\n+QIRD: 10\r\n\r\nOK\r\n> +Q\r\n\r\nOK\r\n",
            vec![
                Header(l("+QIRD: 10"), 10),
                Payload(l("\r\nOK\r\n> +Q")),
                End,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "qird payload with urc text inside",
            b"\r\n+QIRD: 16\r\n+QIURC: \"closed\"\r\n\r\nOK\r\n",
            vec![
                Header(l("+QIRD: 16"), 16),
                Payload(l("+QIURC: \"closed\"")),
                End,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "qird zero",
            b"\r\n+QIRD: 0\r\n\r\nOK\r\n",
            vec![Header(l("+QIRD: 0"), 0), End, Final(FinalResult::Ok)],
        ),
        (
            "qird query form is a line",
            b"\r\n+QIRD: 10,5,5\r\n\r\nOK\r\n",
            vec![Line(l("+QIRD: 10,5,5")), Final(FinalResult::Ok)],
        ),
        (
            "sslrecv payload of binary",
            b"\r\n+QSSLRECV: 4\r\n\x00\xff\r\n\r\n\r\nOK\r\n",
            vec![
                Header(l("+QSSLRECV: 4"), 4),
                Payload(vec![0, 0xff, b'\r', b'\n']),
                End,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "payload header ended by LF only",
            b"+QIRD: 2\nab\r\nOK\r\n",
            vec![
                Header(l("+QIRD: 2"), 2),
                Payload(l("ab")),
                End,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "qfupl answer",
            b"\r\nCONNECT\r\n\r\n+QFUPL: 1544,5505\r\n\r\nOK\r\n",
            vec![
                Connect,
                Line(l("+QFUPL: 1544,5505")),
                Final(FinalResult::Ok),
            ],
        ),
        (
            "recv urc with length is a urc in buffer mode",
            b"\r\n+QIURC: \"recv\",0,5\r\n",
            vec![Urc(l("+QIURC: \"recv\",0,5"))],
        ),
    ]
}

#[test]
fn table_whole_bytewise_and_split() {
    for (name, input, want) in cases() {
        assert_eq!(run(input), want, "whole: {name}");
        assert_eq!(bytewise(input), want, "bytewise: {name}");
        for cut in 0..=input.len() {
            assert_eq!(run_splits(input, &[cut]), want, "split at {cut}: {name}");
        }
    }
}

#[test]
fn overlong_line_is_an_event_and_engine_resyncs() {
    let mut input = b"\r\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 1000));
    input.extend_from_slice(b"\r\nOK\r\n");
    let want = vec![Overflow, Final(FinalResult::Ok)];
    assert_eq!(run(&input), want);
    assert_eq!(bytewise(&input), want);
}

#[test]
fn concatenated_transcript() {
    let mut all = Vec::new();
    let mut want = Vec::new();
    for (_, input, ev) in cases() {
        all.extend_from_slice(input);
        want.extend(ev);
    }
    // "payload header ended by LF only" starts without CRLF; when it follows
    // a prompt, its bytes join the prompt's line: keep only self-contained ones.
    assert_eq!(run(&all), run_splits(&all, &[3, 50, 51, 200, 333]));
}

/// `input` through an engine in the Sierra HL dialect (`CONNECT` data
/// phases ended by `--EOF--Pattern--`, `+KTCP_` URCs), armed for a data
/// phase of `arm` bytes, split at `cuts`.
fn run_armed(input: &[u8], arm: Option<usize>, cuts: &[usize]) -> Vec<Ev> {
    let mut e = Engine::new(SierraDialect);
    e.expect_data(arm);
    run_engine(e, input, cuts)
}

/// A payload that looks like everything the framing knows.
const LOOKALIKES: &[u8] =
    b"--EOF--Pattern--\r\nOK\r\nCONNECT\r\n> +KTCP_DATA: 1,5\r\n--EOF--\r\nERROR\r\n\x00\xff";

/// Name, input, armed length, events.
type DataCase = (&'static str, Vec<u8>, Option<usize>, Vec<Ev>);

fn data_phase_cases() -> Vec<DataCase> {
    let framed = |payload: &[u8], after: &[u8]| {
        let mut v = b"\r\nCONNECT\r\n".to_vec();
        v.extend_from_slice(payload);
        v.extend_from_slice(after);
        v
    };
    let n = LOOKALIKES.len();
    vec![
        (
            "look-alikes round-trip",
            framed(LOOKALIKES, b"--EOF--Pattern--\r\nOK\r\n"),
            Some(n),
            vec![
                Header(l("CONNECT"), n),
                Payload(LOOKALIKES.to_vec()),
                End,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "nothing buffered",
            framed(b"", b"--EOF--Pattern--\r\nOK\r\n"),
            Some(0),
            vec![Header(l("CONNECT"), 0), End, Final(FinalResult::Ok)],
        ),
        (
            "urc before, urc after",
            {
                let mut v = b"\r\n+KTCP_DATA: 1,3\r\n".to_vec();
                v.extend(framed(
                    b"abc",
                    b"--EOF--Pattern--\r\nOK\r\n\r\n+KTCP_DATA: 1,9\r\n",
                ));
                v
            },
            Some(3),
            vec![
                Urc(l("+KTCP_DATA: 1,3")),
                Header(l("CONNECT"), 3),
                Payload(l("abc")),
                End,
                Final(FinalResult::Ok),
                Urc(l("+KTCP_DATA: 1,9")),
            ],
        ),
        (
            "not armed: CONNECT is a prompt",
            framed(b"", b"\r\nOK\r\n"),
            None,
            vec![Connect, Final(FinalResult::Ok)],
        ),
        (
            "a second CONNECT is not armed",
            framed(b"ab--EOF--Pattern--\r\nOK\r\n\r\nCONNECT\r\n", b""),
            Some(2),
            vec![
                Header(l("CONNECT"), 2),
                Payload(l("ab")),
                End,
                Final(FinalResult::Ok),
                Connect,
            ],
        ),
        (
            "fewer bytes than asked: the trailer is not where the length says",
            framed(b"ab", b"--EOF--Pattern--\r\nOK\r\n"),
            Some(4),
            vec![
                Header(l("CONNECT"), 4),
                Payload(l("ab--")),
                Damaged,
                Line(l("EOF--Pattern--")),
                Final(FinalResult::Ok),
            ],
        ),
        (
            "a trailer cut short",
            framed(b"abc", b"--EOF--Patt\r\nOK\r\n"),
            Some(3),
            vec![
                Header(l("CONNECT"), 3),
                Payload(l("abc")),
                Damaged,
                Final(FinalResult::Ok),
            ],
        ),
        (
            "an error instead of CONNECT disarms nothing it should not",
            b"\r\n+CME ERROR: 3\r\n".to_vec(),
            Some(5),
            vec![Final(FinalResult::CmeError(Some(3)))],
        ),
    ]
}

#[test]
fn data_phase_table_whole_bytewise_and_split() {
    for (name, input, arm, want) in data_phase_cases() {
        assert_eq!(run_armed(&input, arm, &[]), want, "whole: {name}");
        let every: Vec<usize> = (1..input.len()).collect();
        assert_eq!(run_armed(&input, arm, &every), want, "bytewise: {name}");
        for cut in 0..=input.len() {
            assert_eq!(
                run_armed(&input, arm, &[cut]),
                want,
                "split at {cut}: {name}"
            );
        }
    }
}

#[test]
fn reset_disarms_and_forgets_a_trailer_in_progress() {
    let mut e = Engine::new(SierraDialect);
    e.expect_data(Some(2));
    let (_, ev) = e.feed(b"\r\nCONNECT\r");
    assert!(matches!(ev, Some(Event::PayloadHeader { len: 2, .. })));
    e.reset();
    assert!(!e.in_payload());
    assert_eq!(run_engine(e, b"\r\nCONNECT\r\n", &[]), vec![Connect]);
}

/// Real transcript pieces to mutate.
const TRANSCRIPT: &[u8] = b"AT+QIRD=0,1500\r\r\n+QIRD: 12\r\n\r\nOK\r\n> \x1a\x00\r\n\r\nOK\r\n\r\n+QIURC: \"recv\",0\r\n\r\n+QSSLRECV: 3\r\nabc\r\n\r\nOK\r\n\r\n+CME ERROR: 405\r\n\r\n> ";

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Random bytes in random splits: no panic, progress always made.
    #[test]
    fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600), cuts in proptest::collection::vec(0usize..600, 0..8)) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let _ = run_splits(&data, &cuts);
    }

    /// Mutated real transcripts: no panic, and the same events whatever the split.
    #[test]
    fn mutated_transcript_split_invariant(flips in proptest::collection::vec((0usize..TRANSCRIPT.len(), any::<u8>()), 0..6), cut in 0usize..TRANSCRIPT.len()) {
        let mut t = TRANSCRIPT.to_vec();
        for (i, b) in flips {
            t[i] = b;
        }
        prop_assert_eq!(run(&t), run_splits(&t, &[cut]));
    }

    /// Random bytes through an armed engine with a trailer: no panic,
    /// progress always made.
    #[test]
    fn random_input_armed_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600), arm in 0usize..700, cuts in proptest::collection::vec(0usize..600, 0..8)) {
        let mut data = data;
        // Often a CONNECT somewhere, so the data phase is reached.
        if arm % 2 == 0 {
            let at = arm.min(data.len());
            data.splice(at..at, b"\r\nCONNECT\r\n".iter().copied());
        }
        let mut cuts = cuts;
        cuts.sort_unstable();
        let _ = run_armed(&data, Some(arm), &cuts);
    }

    /// Any data phase payload, however it looks and however it is split,
    /// comes out byte-exact and is ended by its trailer, then OK.
    #[test]
    fn data_phase_payload_is_exact(raw in proptest::collection::vec(any::<u8>(), 0..1500), cuts in proptest::collection::vec(0usize..1600, 0..6)) {
        // Bias the bytes towards the framing: the trailer's characters.
        let payload: Vec<u8> = raw.iter().map(|&b| match b % 16 {
            0 => b'\r', 1 => b'\n', 2 => b'-', 3 => b'E', 4 => b'O', 5 => b'F', 6 => b'K', _ => b,
        }).collect();
        let mut input = b"\r\nCONNECT\r\n".to_vec();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"--EOF--Pattern--\r\nOK\r\n");
        let mut cuts = cuts;
        cuts.sort_unstable();
        let mut want = vec![Header(l("CONNECT"), payload.len())];
        if !payload.is_empty() {
            want.push(Payload(payload.clone()));
        }
        want.push(End);
        want.push(Final(FinalResult::Ok));
        prop_assert_eq!(run_armed(&input, Some(payload.len()), &cuts), want);
    }

    /// Random bytes in random splits, in each family's dialect: no panic,
    /// progress always made, the same events whatever the splits.
    #[test]
    fn every_dialect_takes_random_input(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..600) {
        let cut = cut.min(data.len());
        prop_assert_eq!(run_engine(Engine::new(Bc66Dialect), &data, &[]), run_engine(Engine::new(Bc66Dialect), &data, &[cut]));
        prop_assert_eq!(run_engine(Engine::new(M95Dialect), &data, &[]), run_engine(Engine::new(M95Dialect), &data, &[cut]));
        prop_assert_eq!(run_engine(Engine::new(SierraDialect), &data, &[]), run_engine(Engine::new(SierraDialect), &data, &[cut]));
    }

    /// The M66/M95's reads (`+QIRD: <ip>:<port>,TCP,<n>` / `+QSSLRECV:`
    /// the same, CR LF, exactly n bytes, CR LF, OK): any payload comes out
    /// byte-exact however it looks and is split.
    #[test]
    fn m95_framed_payload_is_exact(raw in proptest::collection::vec(any::<u8>(), 0..1460), cuts in proptest::collection::vec(0usize..1600, 0..6), ssl in any::<bool>()) {
        let payload: Vec<u8> = raw.iter().map(|&b| match b % 16 {
            0 => b'\r', 1 => b'\n', 2 => b'O', 3 => b'K', 4 => b'>', 5 => b' ', 6 => b'+', _ => b,
        }).collect();
        let name = if ssl { "+QSSLRECV" } else { "+QIRD" };
        let header = format!("{name}: 10.0.0.9:443,TCP,{}", payload.len());
        let mut input = format!("\r\n+QIRDI: 0,1,0\r\n\r\n{header}\r\n").into_bytes();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\nOK\r\n");
        let mut cuts = cuts;
        cuts.sort_unstable();
        let ev = run_engine(Engine::new(M95Dialect), &input, &cuts);
        let mut want = vec![Urc(l("+QIRDI: 0,1,0")), Header(header.into_bytes(), payload.len())];
        if !payload.is_empty() {
            want.push(Payload(payload.clone()));
        }
        want.push(End);
        want.push(Final(FinalResult::Ok));
        prop_assert_eq!(ev, want);
    }

    /// Any payload, framed as the modem frames it, comes out byte-exact,
    /// whatever it contains and however it is split; then OK follows.
    #[test]
    fn framed_payload_is_exact(raw in proptest::collection::vec(any::<u8>(), 0..1500), cuts in proptest::collection::vec(0usize..1600, 0..6), ssl in any::<bool>()) {
        // Bias the bytes towards framing characters.
        let payload: Vec<u8> = raw.iter().map(|&b| match b % 16 {
            0 => b'\r', 1 => b'\n', 2 => b'O', 3 => b'K', 4 => b'>', 5 => b' ', 6 => b'+', _ => b,
        }).collect();
        let name = if ssl { "+QSSLRECV" } else { "+QIRD" };
        let mut input = format!("\r\n+QIURC: \"recv\",0\r\n\r\n{name}: {}\r\n", payload.len()).into_bytes();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n\r\nOK\r\n");
        let mut cuts = cuts;
        cuts.sort_unstable();
        let ev = run_splits(&input, &cuts);
        let mut want = vec![Urc(l("+QIURC: \"recv\",0")), Header(format!("{name}: {}", payload.len()).into_bytes(), payload.len())];
        if !payload.is_empty() {
            want.push(Payload(payload.clone()));
        }
        want.push(End);
        want.push(Final(FinalResult::Ok));
        prop_assert_eq!(ev, want);
    }
}
