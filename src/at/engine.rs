//! The sans-IO AT response parser: bytes in, events out.
//!
//! The engine knows the framing rules every AT modem shares (CR/LF lines,
//! final results, `> ` prompts without CRLF, `CONNECT`) and asks its
//! [`Dialect`] the things that differ per family: which lines are URCs,
//! which lines announce a length-framed binary payload, and what ends a
//! data phase opened by `CONNECT` (Sierra's `--EOF--Pattern--`). A payload
//! is consumed by its length, never by scanning for `OK` or for a trailer,
//! so payload bytes that look like `\r\nOK\r\n`, `> `, `+QIURC:` or the
//! trailer itself come out intact.
//!
//! A `CONNECT` data phase whose length the answer does not say (Sierra
//! `AT+KTCPRCV=<s>,<n>` -> `CONNECT`, exactly `n` bytes, the trailer, `OK`)
//! is framed by the length the command asked for: the caller arms it with
//! [`Engine::expect_data`] before the answer comes.
//!
//! It never panics and never grows: a line longer than [`LINE_CAPACITY`]
//! yields one [`Event::Overflow`] and the rest of that line is dropped.

use heapless::Vec;

/// Longest line (without its CR/LF) the engine keeps.
pub const LINE_CAPACITY: usize = 256;

/// Family-specific framing knowledge.
pub trait Dialect {
    /// `line` is an unsolicited result code (routed to the URC handler at any time).
    fn is_urc(&self, line: &[u8]) -> bool;
    /// `line` is a header followed by exactly `n` raw payload bytes.
    fn payload_len(&self, line: &[u8]) -> Option<usize>;
    /// `partial` (the bytes of an unterminated line) is a data prompt.
    /// The default matches Quectel's and Sierra's `> ` (no CRLF).
    fn is_prompt(&self, partial: &[u8]) -> bool {
        partial == b"> "
    }
    /// `partial` (an unterminated line that has just received a `"`) opens a
    /// payload of exactly `n` bytes inside the line, as the BC66's
    /// `+QSSLURC: "recv",0,0,<len>,"<hex>"` and `+QIRD: <n>,<rest>,"<hex>"`.
    /// The engine then reports the header (the line so far, without the
    /// quote), the payload, and drops the rest of the line (the closing
    /// quote and CR LF). The default: no such lines.
    fn inline_payload_len(&self, _partial: &[u8]) -> Option<usize> {
        None
    }
    /// The bytes that end every data phase opened by `CONNECT`, in both
    /// directions: the modem sends them after the payload of an armed
    /// `CONNECT` ([`Engine::expect_data`]), the client writes them after
    /// the data it sends after `CONNECT`. Sierra's `--EOF--Pattern--`; the
    /// default none. They are matched where the length says they are,
    /// never searched for.
    fn data_trailer(&self) -> &'static [u8] {
        b""
    }
}

/// A final result code: the command is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalResult {
    /// `OK`
    Ok,
    /// `ERROR`
    Error,
    /// `+CME ERROR: <n>` (`None` for the verbose form, `AT+CMEE=2`).
    CmeError(Option<u16>),
    /// `+CMS ERROR: <n>`
    CmsError(Option<u16>),
    /// `SEND OK` (end of a socket send)
    SendOk,
    /// `SEND FAIL` (the modem's send buffer is full; retry later)
    SendFail,
    /// `NO CARRIER`
    NoCarrier,
}

/// One thing the modem said.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A final result.
    Final(FinalResult),
    /// An information line belonging to the running command.
    Line(&'a [u8]),
    /// An unsolicited result code.
    Urc(&'a [u8]),
    /// The echo of a command line (echo on).
    Echo(&'a [u8]),
    /// A data prompt (`> `): the modem waits for the payload.
    Prompt,
    /// `CONNECT`: the modem switched to raw data (uploads, data mode).
    Connect,
    /// A header line announcing `len` payload bytes (`+QIRD: 5`). `len` may be 0.
    PayloadHeader {
        /// The header line itself.
        header: &'a [u8],
        /// How many payload bytes follow.
        len: usize,
        /// The header is a URC (direct-push data), not part of a command's response.
        urc: bool,
    },
    /// A chunk of payload bytes, in order.
    Payload(&'a [u8]),
    /// The announced payload is complete.
    PayloadEnd,
    /// A line was longer than [`LINE_CAPACITY`] and was dropped.
    Overflow,
    /// A data phase's payload was not followed by the dialect's
    /// [`Dialect::data_trailer`]: bytes were lost or added on the UART (or
    /// the modem sent fewer bytes than were asked for), so the payload
    /// just delivered is not what the modem sent. Comes instead of
    /// [`Event::PayloadEnd`]; the byte that did not match is read again
    /// as the start of a line.
    Damaged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Accumulating a line.
    Line,
    /// Dropping bytes up to the end of an overlong line.
    Discard,
    /// A payload header ended with CR: swallow one LF, then `n` payload bytes.
    SkipLf(usize),
    /// `n` payload bytes still to come.
    Payload(usize),
    /// The first `k` bytes of the data trailer were matched.
    Trailer(usize),
    /// Emit `PayloadEnd` next.
    PayloadEnd,
}

/// The parser. `D` is the modem family's [`Dialect`].
pub struct Engine<D> {
    dialect: D,
    line: Vec<u8, LINE_CAPACITY>,
    /// The last event borrowed the line buffer; clear it before going on.
    stale: bool,
    state: State,
    /// The payload in progress sits inside a line: drop the rest of that
    /// line after it.
    inline: bool,
    /// The next `CONNECT` opens a data phase of this many bytes.
    armed: Option<usize>,
    /// The payload in progress is a `CONNECT` data phase: the dialect's
    /// trailer follows it.
    trailer: bool,
}

impl<D: Dialect> Engine<D> {
    /// A parser at the start of a line.
    pub fn new(dialect: D) -> Self {
        Self {
            dialect,
            line: Vec::new(),
            stale: false,
            state: State::Line,
            inline: false,
            armed: None,
            trailer: false,
        }
    }

    /// The dialect in use.
    pub fn dialect(&self) -> &D {
        &self.dialect
    }

    /// Forget any partial line or payload (after a reset of the modem),
    /// and an armed data phase.
    pub fn reset(&mut self) {
        self.line.clear();
        self.stale = false;
        self.state = State::Line;
        self.inline = false;
        self.armed = None;
        self.trailer = false;
    }

    /// The next `CONNECT` opens a data phase of exactly `len` bytes, then
    /// the dialect's [`Dialect::data_trailer`]: reported as a
    /// [`Event::PayloadHeader`] (header `CONNECT`), the payload, and
    /// [`Event::PayloadEnd`] once the trailer matched ([`Event::Damaged`]
    /// when it does not). `None` disarms: `CONNECT` is [`Event::Connect`]
    /// again. A `CONNECT` consumes the arming.
    pub fn expect_data(&mut self, len: Option<usize>) {
        self.armed = len;
    }

    /// Whether a `CONNECT` data phase is armed ([`Engine::expect_data`])
    /// and its `CONNECT` has not come yet.
    pub fn data_armed(&self) -> bool {
        self.armed.is_some()
    }

    /// True when the engine is inside a payload (bytes are raw data).
    pub fn in_payload(&self) -> bool {
        matches!(
            self.state,
            State::SkipLf(_) | State::Payload(_) | State::Trailer(_) | State::PayloadEnd
        )
    }

    /// The state after the last payload byte: the trailer, if this payload
    /// has one, else its end.
    fn after_payload(&mut self) -> State {
        if self.trailer && !self.dialect.data_trailer().is_empty() {
            State::Trailer(0)
        } else {
            self.trailer = false;
            State::PayloadEnd
        }
    }

    /// Consume bytes from `input` until one event is complete.
    ///
    /// Returns how many bytes were consumed and the event, if any. Call again
    /// with the rest of the input; `(input.len(), None)` means all of it was
    /// absorbed into a partial line or payload.
    ///
    /// ```
    /// use modemtls::at::{Engine, Event, FinalResult};
    /// use modemtls::modem::quectel::QuectelDialect;
    /// let mut e = Engine::new(QuectelDialect);
    /// let mut input: &[u8] = b"\r\n+QIRD: 4\r\nOK\r\n\r\n\r\nOK\r\n";
    /// let mut payload = Vec::new();
    /// let mut done = false;
    /// while !input.is_empty() {
    ///     let (n, ev) = e.feed(input);
    ///     match ev {
    ///         Some(Event::Payload(p)) => payload.extend_from_slice(p),
    ///         Some(Event::Final(FinalResult::Ok)) => done = true,
    ///         _ => {}
    ///     }
    ///     input = &input[n..];
    /// }
    /// assert_eq!(payload, b"OK\r\n");
    /// assert!(done);
    /// ```
    pub fn feed<'a>(&'a mut self, input: &'a [u8]) -> (usize, Option<Event<'a>>) {
        if self.stale {
            self.line.clear();
            self.stale = false;
        }
        if self.state == State::PayloadEnd {
            // After a payload inside a line, the rest of that line (its
            // closing quote, CR LF) is dropped.
            self.state = if self.inline {
                State::Discard
            } else {
                State::Line
            };
            self.inline = false;
            return (0, Some(Event::PayloadEnd));
        }
        let mut used = 0usize;
        while let Some(&b) = input.get(used) {
            match self.state {
                State::PayloadEnd => break,
                State::SkipLf(n) => {
                    if b == b'\n' {
                        used += 1;
                    }
                    if n > 0 {
                        self.state = State::Payload(n);
                    } else if let State::Trailer(k) = self.after_payload() {
                        self.state = State::Trailer(k);
                    } else {
                        self.state = State::Line;
                        return (used, Some(Event::PayloadEnd));
                    }
                }
                State::Payload(n) => {
                    let rest = input.get(used..).unwrap_or(&[]);
                    let take = n.min(rest.len());
                    let left = n - take;
                    self.state = if left == 0 {
                        self.after_payload()
                    } else {
                        State::Payload(left)
                    };
                    let chunk = rest.get(..take).unwrap_or(&[]);
                    return (used + take, Some(Event::Payload(chunk)));
                }
                State::Trailer(k) => {
                    let trailer = self.dialect.data_trailer();
                    if trailer.get(k) != Some(&b) {
                        // Not where the length says it is: the payload is
                        // not the modem's. This byte starts a line.
                        self.state = State::Line;
                        self.trailer = false;
                        return (used, Some(Event::Damaged));
                    }
                    used += 1;
                    if k + 1 < trailer.len() {
                        self.state = State::Trailer(k + 1);
                    } else {
                        self.state = State::Line;
                        self.trailer = false;
                        return (used, Some(Event::PayloadEnd));
                    }
                }
                State::Discard => {
                    used += 1;
                    if b == b'\r' || b == b'\n' {
                        self.line.clear();
                        self.state = State::Line;
                    }
                }
                State::Line => {
                    used += 1;
                    if b == b'\r' || b == b'\n' {
                        if self.line.is_empty() {
                            continue;
                        }
                        return (used, Some(self.finish_line(b == b'\r')));
                    }
                    if self.line.push(b).is_err() {
                        self.line.clear();
                        self.state = State::Discard;
                        return (used, Some(Event::Overflow));
                    }
                    if self.dialect.is_prompt(&self.line) {
                        self.line.clear();
                        return (used, Some(Event::Prompt));
                    }
                    if b == b'"' {
                        if let Some(len) = self.dialect.inline_payload_len(&self.line) {
                            return (used, Some(self.inline_header(len)));
                        }
                    }
                }
            }
        }
        (used, None)
    }

    /// A payload of `len` bytes starts inside the line in the buffer.
    #[inline(never)]
    fn inline_header(&mut self, len: usize) -> Event<'_> {
        self.stale = true;
        self.inline = true;
        self.state = if len == 0 {
            State::PayloadEnd
        } else {
            State::Payload(len)
        };
        let line: &[u8] = &self.line;
        let header = line.strip_suffix(b"\"").unwrap_or(line);
        Event::PayloadHeader {
            header,
            len,
            urc: self.dialect.is_urc(header),
        }
    }

    /// Classify the complete line in the buffer. `cr` is true when it ended
    /// with CR (an LF may follow, which a payload header must not count).
    #[inline(never)]
    fn finish_line(&mut self, cr: bool) -> Event<'_> {
        self.stale = true;
        let line: &[u8] = &self.line;
        if let Some(f) = final_result(line) {
            return Event::Final(f);
        }
        if line == b"CONNECT" || line.starts_with(b"CONNECT ") {
            let Some(len) = self.armed.take() else {
                return Event::Connect;
            };
            self.trailer = true;
            self.state = if cr {
                State::SkipLf(len)
            } else if len > 0 {
                State::Payload(len)
            } else if self.dialect.data_trailer().is_empty() {
                State::PayloadEnd
            } else {
                State::Trailer(0)
            };
            return Event::PayloadHeader {
                header: line,
                len,
                urc: false,
            };
        }
        if let Some(len) = self.dialect.payload_len(line) {
            self.state = if cr {
                State::SkipLf(len)
            } else if len == 0 {
                State::PayloadEnd
            } else {
                State::Payload(len)
            };
            let urc = self.dialect.is_urc(line);
            return Event::PayloadHeader {
                header: line,
                len,
                urc,
            };
        }
        if is_echo(line) {
            return Event::Echo(line);
        }
        if self.dialect.is_urc(line) {
            return Event::Urc(line);
        }
        Event::Line(line)
    }
}

fn is_echo(line: &[u8]) -> bool {
    matches!(line, [a, t, ..] if a.eq_ignore_ascii_case(&b'A') && t.eq_ignore_ascii_case(&b'T'))
}

/// Final results that are a fixed text.
const FINALS: [(&[u8], FinalResult); 5] = [
    (b"OK", FinalResult::Ok),
    (b"ERROR", FinalResult::Error),
    (b"SEND OK", FinalResult::SendOk),
    (b"SEND FAIL", FinalResult::SendFail),
    (b"NO CARRIER", FinalResult::NoCarrier),
];

fn final_result(line: &[u8]) -> Option<FinalResult> {
    // A table rather than a `match` on the literals: much less code.
    if let Some(&(_, f)) = FINALS.iter().find(|(text, _)| *text == line) {
        return Some(f);
    }
    if let Some(rest) = line.strip_prefix(b"+CME ERROR:") {
        Some(FinalResult::CmeError(parse_u16(trim(rest))))
    } else {
        let rest = line.strip_prefix(b"+CMS ERROR:")?;
        Some(FinalResult::CmsError(parse_u16(trim(rest))))
    }
}

/// Strip ASCII spaces at both ends.
#[inline(never)]
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' '] = s {
        s = rest;
    }
    s
}

/// Parse a decimal `u16` (no sign, no spaces); `None` on anything else or overflow.
pub fn parse_u16(s: &[u8]) -> Option<u16> {
    parse_u32(s).and_then(|v| u16::try_from(v).ok())
}

/// Parse a decimal `u32` (no sign, no spaces); `None` on anything else or overflow.
#[inline(never)]
pub fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let mut v: u32 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}

/// Parse a decimal `i32` with an optional leading `-`.
pub fn parse_i32(s: &[u8]) -> Option<i32> {
    match s {
        [b'-', rest @ ..] => i32::try_from(parse_u32(rest)?).ok().map(|v| -v),
        _ => i32::try_from(parse_u32(s)?).ok(),
    }
}
