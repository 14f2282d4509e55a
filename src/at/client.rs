//! The blocking front end: drives the [`Engine`] over a [`Port`].
//!
//! It owns no modem state. URCs go to a [`UrcHandler`] the driver passes in
//! with every call, so they are handled wherever they arrive: between an
//! `OK` and an asynchronous result, before a prompt, inside a response.
//!
//! # Staying in step
//!
//! Every exchange accepts only its own results: `SEND OK`/`SEND FAIL` end
//! only a data exchange (elsewhere they are a late answer to an earlier
//! send and are skipped). When an exchange times out or a line was lost
//! (overflow), a late answer may still come, so the client is *out of
//! step*: before the next command it forgets any partial line, probes with
//! `AT` until `OK` (whatever comes before that `OK` is a late answer and
//! is dropped) and drains the UART until it is quiet
//! ([`AtClient::resync`]); the command is not sent unless that works.
//!
//! While the modem may be waiting for payload bytes no command text is
//! written: when the `> ` prompt or `CONNECT` is not seen in time, or the
//! data source stops short, the client completes the announced length
//! with NUL filler ([`AtError::PromptLost`]) and is out of step. So it does
//! after an error instead of the prompt (the modem may have refused, or
//! the error may be a late one: NULs are ignored in command mode); an `OK`
//! before the prompt is always a late answer and is skipped. When the data
//! went out but no result came, the modem may be waiting for more bytes
//! than were sent (a damaged digit of the length on its way to the modem):
//! up to the largest length a send takes is written as filler. The
//! payload is lost either way; the driver then closes the connection or
//! deletes the file.

use super::{AtError, Command, Dialect, Engine, Event, FinalResult};

/// The data of a command, pulled in pieces: each call writes the next
/// bytes to the front of the buffer it is given and returns how many (at
/// most the buffer's length; 0 when there are no more). The client never
/// asks for more than the length it announced. (Pulled, not pushed: a
/// source never has to wait for the UART, so the same source serves a
/// blocking and an async front.)
pub type DataSource<'a> = &'a mut dyn FnMut(&mut [u8]) -> Result<usize, AtError>;

/// A [`DataSource`] of `data` (`&mut slice_source(bytes)` where a
/// `DataSource` is asked for).
pub fn slice_source(data: &[u8]) -> impl FnMut(&mut [u8]) -> Result<usize, AtError> + '_ {
    let mut s = SliceSource::new(data);
    move |buf| s.pull(buf)
}

/// A [`DataSource`] over bytes in memory: `pull` gives them in order.
pub struct SliceSource<'a> {
    rest: &'a [u8],
}

impl<'a> SliceSource<'a> {
    /// A source of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        SliceSource { rest: data }
    }

    /// The next bytes into `buf`; how many.
    pub fn pull(&mut self, buf: &mut [u8]) -> Result<usize, AtError> {
        let n = buf.len().min(self.rest.len());
        let (now, later) = self.rest.split_at(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(now);
        }
        self.rest = later;
        Ok(n)
    }
}

/// A test for a line that ends a command in place of a final result
/// ([`AtClient::exec_until`]).
type EndLine<'a> = &'a mut dyn FnMut(&[u8]) -> bool;

/// How many UART bytes are read at a time.
const RX_CHUNK: usize = 128;
/// Resynchronisation: the UART counts as quiet after this long without a byte.
const QUIET_MS: u64 = 100;
/// Resynchronisation: the longest a drain waits for the UART to go quiet.
const DRAIN_MAX_MS: u64 = 3_000;
/// Resynchronisation: `AT` probes, and how long each waits for `OK`.
const PROBES: u32 = 3;
const PROBE_MS: u64 = 1_000;
/// NUL bytes written at a time to complete an announced payload.
const FILLER: [u8; 32] = [0; 32];
/// Payload bytes pulled from a [`DataSource`] and written at a time.
const DATA_PIECE: usize = 64;
/// Filler after a data exchange whose result never came: the modem may
/// wait for more bytes than were sent (a damaged digit in the announced
/// length on the way to it). The largest length a send command takes
/// (BG9x `AT+QISEND`: 1460); an upload the modem ends by its own timeout.
const FILL_AFTER_LOST_RESULT: usize = 1460;

/// Receives unsolicited result codes.
pub trait UrcHandler {
    /// A URC line (without CR/LF).
    fn urc(&mut self, line: &[u8]);
    /// A chunk of a length-framed payload announced by the last URC line
    /// (direct-push data). The default drops it: the library uses buffer
    /// mode, where the modem does not push data.
    fn urc_payload(&mut self, _chunk: &[u8]) {}
    /// Replies came while no command was running, seen by
    /// [`AtClient::poll_urcs`](crate::at::AtClient::poll_urcs): a late answer, or a URC damaged past
    /// recognition (perhaps the one being waited for). Ignored by default.
    fn stray(&mut self) {}
}

/// A handler that ignores URCs.
pub struct NoUrcs;

impl UrcHandler for NoUrcs {
    fn urc(&mut self, _line: &[u8]) {}
}

/// What the running command receives (URCs and echoes are filtered out).
#[derive(Debug, PartialEq, Eq)]
pub enum Reply<'a> {
    /// An information line.
    Line(&'a [u8]),
    /// A payload header and its length.
    PayloadHeader(&'a [u8], usize),
    /// Payload bytes.
    Payload(&'a [u8]),
    /// End of the payload.
    PayloadEnd,
    /// A `> ` prompt.
    Prompt,
    /// `CONNECT`.
    Connect,
    /// A final result.
    Final(FinalResult),
    /// A response line was too long and was dropped.
    Overflow,
    /// A data phase's payload did not end with the dialect's trailer
    /// ([`Event::Damaged`]): the payload is not what the modem sent.
    Damaged,
}

/// Whether [`AtClient::pump`](crate::at::AtClient::pump) goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// Return to the caller.
    Stop,
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::port::asynch::Port;

    /// The AT front end (blocking, or async in `asynch`).
    pub struct AtClient<P, D> {
        port: P,
        engine: Engine<D>,
        rx: [u8; RX_CHUNK],
        pos: usize,
        len: usize,
        in_urc_payload: bool,
        /// A late answer may still come (see the module docs).
        out_of_step: bool,
        /// Bytes read from the port so far (wrapping): tells a drain whether
        /// anything arrived.
        rx_count: u32,
        /// Async only: an exchange has written its command and not yet
        /// ended. Still set at the next call, the exchange's future was
        /// dropped midway (a timeout around a call, a `select`): the
        /// answer may still come, so the next command re-aligns first.
        #[cfg(dual_async)]
        open: bool,
        /// Async only: payload bytes the modem may still be waiting for
        /// (announced, not yet written) should the exchange's future be
        /// dropped; the next call writes them as NUL filler first.
        #[cfg(dual_async)]
        owed: usize,
    }

    impl<P: Port, D: Dialect> AtClient<P, D> {
        /// A client over `port` speaking `dialect`.
        pub fn new(port: P, dialect: D) -> Self {
            Self {
                port,
                engine: Engine::new(dialect),
                rx: [0; RX_CHUNK],
                pos: 0,
                len: 0,
                in_urc_payload: false,
                out_of_step: false,
                rx_count: 0,
                #[cfg(dual_async)]
                open: false,
                #[cfg(dual_async)]
                owed: 0,
            }
        }

        /// Mark the stream out of step: the next command resynchronises first.
        pub fn set_out_of_step(&mut self) {
            self.out_of_step = true;
        }

        /// Re-align commands and answers: [`AtClient::sync`] with three tries.
        /// Whatever arrives before the probe's `OK` (a late answer) is
        /// dropped, URCs still go to `urcs`. [`AtError::Timeout`] when the
        /// modem does not answer; the client stays out of step then.
        pub async fn resync<H>(&mut self, urcs: &mut H) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.sync(urcs, PROBES).await
        }

        /// Send `AT` until `OK` (at most `tries` times, one second each),
        /// forgetting any partial line before each, then drain a late
        /// duplicate. In step afterwards; [`AtError::Timeout`] when no `OK`
        /// came.
        pub async fn sync<H>(&mut self, urcs: &mut H, tries: u32) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            // A payload a dropped exchange owes goes out before the probe
            // (`init` syncs without `in_step`).
            #[cfg(dual_async)]
            self.after_drop().await?;
            for _ in 0..tries {
                self.engine.reset();
                self.in_urc_payload = false;
                log_debug!("AT> AT (resynchronising)");
                self.write(b"AT\r").await?;
                let deadline = self.now_ms().saturating_add(PROBE_MS);
                let mut ok = false;
                match self
                    .pump(deadline, urcs, |r| {
                        ok = r == Reply::Final(FinalResult::Ok);
                        Ok(if ok { Flow::Stop } else { Flow::Continue })
                    })
                    .await
                {
                    Ok(()) | Err(AtError::Timeout) => {}
                    Err(e) => return Err(e),
                }
                if ok {
                    // A late `OK` of a timed-out command may follow ours.
                    self.drain(urcs).await?;
                    self.out_of_step = false;
                    return Ok(());
                }
            }
            self.out_of_step = true;
            Err(AtError::Timeout)
        }

        /// Read and drop answers until the UART has been quiet for `QUIET_MS`
        /// (at most `DRAIN_MAX_MS`).
        async fn drain<H>(&mut self, urcs: &mut H) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            let end = self.now_ms().saturating_add(DRAIN_MAX_MS);
            loop {
                let seen = self.rx_count;
                let now = self.now_ms();
                let deadline = now.saturating_add(QUIET_MS).min(end);
                match self.pump(deadline, urcs, |_| Ok(Flow::Continue)).await {
                    Ok(()) | Err(AtError::Timeout) => {}
                    Err(e) => return Err(e),
                }
                if self.rx_count == seen || self.now_ms() >= end {
                    return Ok(());
                }
            }
        }

        /// Resynchronise first when out of step.
        async fn in_step<H>(&mut self, urcs: &mut H) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            #[cfg(dual_async)]
            self.after_drop().await?;
            if self.out_of_step {
                self.resync(urcs).await?;
            }
            Ok(())
        }

        /// Async only: complete what a dropped exchange left (the payload
        /// the modem may wait for, as NUL filler) and mark the stream out of
        /// step. A future is dropped only at an `.await`, so the state it
        /// leaves is one of these.
        #[cfg(dual_async)]
        async fn after_drop(&mut self) -> Result<(), AtError> {
            if self.owed > 0 {
                let n = self.owed;
                self.fill(n).await?;
                self.owed = 0;
            }
            if self.open {
                log_debug!("AT: the last exchange was dropped midway; re-aligning");
                self.open = false;
                self.out_of_step = true;
            }
            Ok(())
        }

        /// The port's clock.
        pub fn now_ms(&mut self) -> u64 {
            self.port.now_ms()
        }

        /// The port's real-time clock, if it has one.
        pub fn unix_time(&mut self) -> Option<u64> {
            self.port.unix_time()
        }

        /// Give the port back.
        pub fn into_port(self) -> P {
            self.port
        }

        /// Write raw bytes (command lines, payloads after a prompt).
        pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AtError> {
            self.port.write_all(bytes).await.map_err(AtError::Port)
        }

        /// Drop buffered input and any partial line (after a modem reset).
        pub fn reset(&mut self) {
            self.pos = 0;
            self.len = 0;
            self.in_urc_payload = false;
            self.out_of_step = false;
            // The payload a dropped exchange owes stays owed: the modem
            // (if it did not restart) still waits for it; the next sync
            // writes it first.
            #[cfg(dual_async)]
            {
                self.open = false;
            }
            self.engine.reset();
        }

        /// Feed modem output to the engine until `f` says [`Flow::Stop`] or the
        /// clock reaches `deadline` ([`AtError::Timeout`]). URCs go to `urcs`.
        pub async fn pump<H, F>(
            &mut self,
            deadline: u64,
            urcs: &mut H,
            mut f: F,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
            F: FnMut(Reply<'_>) -> Result<Flow, AtError>,
        {
            self.pump_dyn(deadline, urcs, &mut f).await
        }

        /// [`AtClient::pump`] with the reply handler as a trait object: one copy
        /// of the loop in the image, whatever the callers' closures.
        #[inline(never)]
        async fn pump_dyn<H>(
            &mut self,
            deadline: u64,
            urcs: &mut H,
            f: &mut dyn FnMut(Reply<'_>) -> Result<Flow, AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            loop {
                while self.pos < self.len {
                    let input = self.rx.get(self.pos..self.len).unwrap_or(&[]);
                    // A data read whose `CONNECT` has not come: its data may
                    // pass as lines (a damaged `CONNECT`), logged as lengths.
                    #[cfg(any(feature = "log", feature = "defmt"))]
                    let armed = self.engine.data_armed();
                    let (used, event) = self.engine.feed(input);
                    self.pos = self.pos.saturating_add(used);
                    let Some(event) = event else {
                        if used == 0 {
                            break;
                        }
                        continue;
                    };
                    // Only with a back end: without one, not even a call
                    // (taking the event's address changes this loop's code).
                    #[cfg(any(feature = "log", feature = "defmt"))]
                    log_event(&event, armed);
                    let reply = match event {
                        Event::Urc(line) => {
                            urcs.urc(line);
                            continue;
                        }
                        Event::Echo(_) => continue,
                        Event::PayloadHeader {
                            header, urc: true, ..
                        } => {
                            self.in_urc_payload = true;
                            urcs.urc(header);
                            continue;
                        }
                        Event::Payload(chunk) if self.in_urc_payload => {
                            urcs.urc_payload(chunk);
                            continue;
                        }
                        Event::PayloadEnd if self.in_urc_payload => {
                            self.in_urc_payload = false;
                            continue;
                        }
                        Event::Line(l) => Reply::Line(l),
                        Event::PayloadHeader { header, len, .. } => {
                            Reply::PayloadHeader(header, len)
                        }
                        Event::Payload(p) => Reply::Payload(p),
                        Event::PayloadEnd => Reply::PayloadEnd,
                        Event::Prompt => Reply::Prompt,
                        Event::Connect => Reply::Connect,
                        Event::Final(r) => Reply::Final(r),
                        Event::Overflow => Reply::Overflow,
                        Event::Damaged => {
                            self.in_urc_payload = false;
                            Reply::Damaged
                        }
                    };
                    if f(reply)? == Flow::Stop {
                        return Ok(());
                    }
                }
                self.pos = 0;
                self.len = 0;
                let now = self.port.now_ms();
                if now >= deadline {
                    return Err(AtError::Timeout);
                }
                let wait = u32::try_from(deadline - now).unwrap_or(u32::MAX);
                let n = self.port.read(&mut self.rx, wait).await?;
                self.len = n.min(RX_CHUNK);
                self.rx_count = self.rx_count.wrapping_add(self.len as u32);
            }
        }

        /// Handle URCs already received or arriving within `timeout_ms`,
        /// until `done()` is true (checked after each URC) or time runs out.
        /// Returns whether `done()` became true.
        pub async fn poll_urcs<H>(
            &mut self,
            timeout_ms: u32,
            urcs: &mut H,
            mut done: impl FnMut(&H) -> bool,
        ) -> Result<bool, AtError>
        where
            H: UrcHandler,
        {
            self.poll_urcs_dyn(timeout_ms, urcs, &mut done).await
        }

        #[inline(never)]
        async fn poll_urcs_dyn<H>(
            &mut self,
            timeout_ms: u32,
            urcs: &mut H,
            done: &mut dyn FnMut(&H) -> bool,
        ) -> Result<bool, AtError>
        where
            H: UrcHandler,
        {
            if done(urcs) {
                return Ok(true);
            }
            // At least one short read, so URCs already sent are seen.
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms.max(1)));
            // URCs are handled inside `pump`; `done` is checked between short
            // pumping steps. A reply outside any command (the late final result
            // of a command that timed out) is dropped.
            loop {
                let step_deadline = deadline.min(self.now_ms().saturating_add(20));
                let mut stray = false;
                let r = self
                    .pump(step_deadline, urcs, |_| {
                        stray = true;
                        Ok(Flow::Continue)
                    })
                    .await;
                if stray {
                    urcs.stray();
                }
                match r {
                    Err(AtError::Timeout) => {}
                    Err(e) => return Err(e),
                    Ok(()) => {}
                }
                if done(urcs) {
                    return Ok(true);
                }
                if self.now_ms() >= deadline {
                    return Ok(false);
                }
            }
        }

        /// Run `cmd` and wait for its final result, passing information lines
        /// to `on_line`. `OK` is success; every error result becomes an
        /// [`AtError`]. An error returned by `on_line` is reported after the
        /// final result has been consumed, so the stream stays in step.
        pub async fn exec<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            mut on_line: impl FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.exec_dyn(cmd, timeout_ms, urcs, &mut on_line).await
        }

        /// [`AtClient::exec`] with the line handler as a trait object.
        pub(crate) async fn exec_dyn<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.run(cmd, timeout_ms, urcs, on_line, None, None)
                .await
                .map(drop)
        }

        /// Run `cmd`, whose answer may end with an information line instead
        /// of a final result (the M66/M95's `AT+QILOCIP` answers a bare
        /// address, `AT+QIDEACT` `DEACT OK`, `AT+QICLOSE` `<id>, CLOSE OK`,
        /// `AT+QIOPEN` `ALREADY CONNECT`). Every line goes to `end`; the first
        /// one it returns `true` for ends the command as `OK` would. Final
        /// results end it as in [`AtClient::exec`]. A timeout leaves the client
        /// out of step (the ending line may still come).
        pub async fn exec_until<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            end: &mut dyn FnMut(&[u8]) -> bool,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.in_step(urcs).await?;
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms));
            let bytes = cmd.bytes()?;
            #[cfg(any(feature = "log", feature = "defmt"))]
            log_command(bytes, None);
            #[cfg(dual_async)]
            {
                self.open = true;
            }
            self.write(bytes).await?;
            let mut ignore = |_: &[u8]| Ok(());
            let r = self
                .finish(deadline, urcs, &mut ignore, None, false, Some(end))
                .await
                .map(drop);
            #[cfg(dual_async)]
            {
                self.open = false;
            }
            r
        }

        /// Write `cmd` and [`AtClient::finish`] it: one copy for `exec` and
        /// `exec_read`.
        #[inline(never)]
        async fn run<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
            buf: Option<&mut [u8]>,
            data: Option<usize>,
        ) -> Result<usize, AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.in_step(urcs).await?;
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms));
            let bytes = cmd.bytes()?;
            #[cfg(any(feature = "log", feature = "defmt"))]
            log_command(bytes, None);
            // Armed after any resynchronisation (which forgets it) and before
            // the answer can come; whatever happens, disarmed after.
            self.engine.expect_data(data);
            #[cfg(dual_async)]
            {
                self.open = true;
            }
            let r = self.port.write_all(bytes).await.map_err(AtError::Port);
            let r = match r {
                Ok(()) => self.finish(deadline, urcs, on_line, buf, false, None).await,
                Err(e) => Err(e),
            };
            self.engine.expect_data(None);
            #[cfg(dual_async)]
            {
                self.open = false;
            }
            r
        }

        /// Wait for the final result of a command already written. Without
        /// `buf`, information lines and payload headers go to `on_line`
        /// (payload bytes are dropped); with it, only payload headers do, the
        /// payload is copied into `buf` and its length returned. `SEND OK` and
        /// `SEND FAIL` end it only for a data exchange (`send`). A timeout or a
        /// lost line leaves the client out of step.
        async fn finish<H>(
            &mut self,
            deadline: u64,
            urcs: &mut H,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
            mut buf: Option<&mut [u8]>,
            send: bool,
            mut end: Option<EndLine<'_>>,
        ) -> Result<usize, AtError>
        where
            H: UrcHandler + ?Sized,
        {
            let mut got = 0usize;
            let mut first_err: Option<AtError> = None;
            let mut result = FinalResult::Error;
            let heard = self.rx_count;
            let pumped = self
                .pump(deadline, urcs, |r| {
                    let e = match r {
                        // A line that ends the command in place of a final result.
                        Reply::Line(l) if end.as_deref_mut().is_some_and(|end| end(l)) => {
                            result = FinalResult::Ok;
                            return Ok(Flow::Stop);
                        }
                        Reply::Line(l) if buf.is_none() => on_line(l).err(),
                        Reply::PayloadHeader(h, len) => {
                            if buf.as_ref().is_some_and(|b| len > b.len()) {
                                first_err.get_or_insert(AtError::Unexpected);
                            }
                            on_line(h).err()
                        }
                        Reply::Payload(p) => match buf.as_deref_mut() {
                            None => None,
                            Some(buf) => {
                                // `checked_add`: the compiler then knows `dst` is as
                                // long as `p` (no length-mismatch panic path).
                                let end = got.checked_add(p.len());
                                match end.and_then(|end| buf.get_mut(got..end).map(|d| (d, end))) {
                                    Some((dst, end)) => {
                                        dst.copy_from_slice(p);
                                        got = end;
                                        None
                                    }
                                    None => Some(AtError::Unexpected),
                                }
                            }
                        },
                        Reply::Overflow => Some(AtError::Overflow),
                        Reply::Damaged => Some(AtError::Garbled),
                        // A late answer to an earlier send: not this command's.
                        Reply::Final(FinalResult::SendOk | FinalResult::SendFail) if !send => None,
                        Reply::Final(f) => {
                            result = f;
                            return Ok(Flow::Stop);
                        }
                        _ => None,
                    };
                    if let Some(e) = e {
                        first_err.get_or_insert(e);
                    }
                    Ok(Flow::Continue)
                })
                .await;
            if pumped.is_err() || matches!(first_err, Some(AtError::Overflow | AtError::Garbled)) {
                self.out_of_step = true;
            }
            // The modem said something but no final result came: its answer
            // was damaged, not missing.
            if pumped == Err(AtError::Timeout) && self.rx_count != heard {
                return Err(AtError::Garbled);
            }
            pumped?;
            match AtError::from_final(result) {
                Some(e) => Err(e),
                None => first_err.map_or(Ok(got), Err),
            }
        }

        /// Run `cmd`, which answers with one length-framed payload (`+QIRD: n`
        /// then `n` bytes then `OK`). The payload is copied into `buf`;
        /// `on_header` sees the header line. Returns the payload length.
        /// A payload longer than `buf` is an error ([`AtError::Unexpected`]):
        /// callers ask for at most `buf.len()` bytes.
        pub async fn exec_read<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            buf: &mut [u8],
            mut on_header: impl FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<usize, AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.exec_read_dyn(cmd, timeout_ms, urcs, buf, &mut on_header)
                .await
        }

        async fn exec_read_dyn<H>(
            &mut self,
            cmd: &mut Command,
            timeout_ms: u32,
            urcs: &mut H,
            buf: &mut [u8],
            on_header: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<usize, AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.run(cmd, timeout_ms, urcs, on_header, Some(buf), None)
                .await
        }

        /// Run `cmd`, which answers `CONNECT`, exactly `len` data bytes, the
        /// dialect's [`Dialect::data_trailer`](super::Dialect::data_trailer)
        /// and a final result (Sierra `AT+KTCPRCV=<s>,<len>`). The data is
        /// copied into `buf` (at least `len` bytes); returns its length. A
        /// payload not followed by the trailer is [`AtError::Garbled`] (the
        /// client out of step): the data is not what the modem sent.
        pub async fn exec_read_data<H>(
            &mut self,
            cmd: &mut Command,
            len: usize,
            timeout_ms: u32,
            urcs: &mut H,
            buf: &mut [u8],
        ) -> Result<usize, AtError>
        where
            H: UrcHandler + ?Sized,
        {
            if len > buf.len() {
                return Err(AtError::InvalidArgument);
            }
            let mut connect = false;
            let got = self
                .run(
                    cmd,
                    timeout_ms,
                    urcs,
                    &mut |h| {
                        connect = h == b"CONNECT";
                        Ok(())
                    },
                    Some(buf),
                    Some(len),
                )
                .await?;
            if !connect || got != len {
                // The frame was not seen (a damaged `CONNECT`): its data went
                // through the engine as lines, and a look-alike `OK` in it may
                // have ended the command early. Re-align before the next one.
                self.out_of_step = true;
                return Err(AtError::Unexpected);
            }
            Ok(got)
        }

        /// Run `cmd`, wait for its `> ` prompt or `CONNECT`, then write the
        /// `announced` data bytes pulled from `send` (never more; after
        /// `CONNECT` the client adds the dialect's
        /// [`Dialect::data_trailer`](super::Dialect::data_trailer)), then wait
        /// for the final result (`OK` or `SEND OK`), passing lines to
        /// `on_line`. When the prompt does not come in time, or `send` gives
        /// fewer bytes, the rest of the announced length is written as NUL
        /// filler so that no later command text can become payload
        /// ([`AtError::PromptLost`], the client out of step).
        pub async fn exec_with_data<H>(
            &mut self,
            cmd: &mut Command,
            announced: usize,
            timeout_ms: u32,
            urcs: &mut H,
            send: DataSource<'_>,
            mut on_line: impl FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.exec_with_data_dyn(cmd, announced, timeout_ms, urcs, send, &mut on_line)
                .await
        }

        #[inline(never)]
        async fn exec_with_data_dyn<H>(
            &mut self,
            cmd: &mut Command,
            announced: usize,
            timeout_ms: u32,
            urcs: &mut H,
            send: DataSource<'_>,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            let r = self
                .data_exchange(cmd, announced, timeout_ms, urcs, send, on_line)
                .await;
            // Ended, whichever way: nothing is owed or pending.
            #[cfg(dual_async)]
            {
                self.open = false;
                self.owed = 0;
            }
            r
        }

        /// The body of [`AtClient::exec_with_data`].
        #[inline(always)]
        async fn data_exchange<H>(
            &mut self,
            cmd: &mut Command,
            announced: usize,
            timeout_ms: u32,
            urcs: &mut H,
            send: DataSource<'_>,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError>
        where
            H: UrcHandler + ?Sized,
        {
            self.in_step(urcs).await?;
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms));
            let bytes = cmd.bytes()?;
            #[cfg(any(feature = "log", feature = "defmt"))]
            log_command(bytes, Some(announced));
            // From here the modem may be waiting for the payload.
            #[cfg(dual_async)]
            {
                self.open = true;
                self.owed = announced;
            }
            self.write(bytes).await?;
            let mut early: Option<FinalResult> = None;
            let mut first_err: Option<AtError> = None;
            let mut connect = false;
            let prompt = self
                .pump(deadline, urcs, |r| match r {
                    Reply::Prompt => Ok(Flow::Stop),
                    Reply::Connect => {
                        connect = true;
                        Ok(Flow::Stop)
                    }
                    // A late answer to an earlier command: not this one's (a data
                    // command is refused with an error, never with OK).
                    Reply::Final(FinalResult::SendOk | FinalResult::SendFail | FinalResult::Ok) => {
                        Ok(Flow::Continue)
                    }
                    Reply::Final(f) => {
                        early = Some(f);
                        Ok(Flow::Stop)
                    }
                    Reply::Line(l) => {
                        if let Err(e) = on_line(l) {
                            first_err.get_or_insert(e);
                        }
                        Ok(Flow::Continue)
                    }
                    _ => Ok(Flow::Continue),
                })
                .await;
            match prompt {
                Ok(()) => {}
                // The prompt may have come damaged: the modem may be waiting
                // for the payload. Give it the announced length, as filler.
                Err(AtError::Timeout) => {
                    self.fill(announced).await?;
                    return Err(AtError::PromptLost);
                }
                Err(e) => return Err(e),
            }
            if let Some(f) = early {
                // The modem refused before asking for data, or the error was a
                // late one and the modem waits: filler either way (NULs are
                // ignored in command mode), then re-align.
                self.fill(announced).await?;
                return Err(AtError::from_final(f).unwrap_or(AtError::Unexpected));
            }
            let mut written = 0usize;
            let mut piece = [0u8; DATA_PIECE];
            let sent = loop {
                let room = announced.saturating_sub(written).min(DATA_PIECE);
                let buf = piece.get_mut(..room).unwrap_or(&mut []);
                if buf.is_empty() {
                    break Ok(());
                }
                let n = match send(buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => n.min(room),
                    Err(e) => break Err(e),
                };
                written += n;
                if let Err(e) = self.write(piece.get(..n).unwrap_or(&[])).await {
                    break Err(e);
                }
                #[cfg(dual_async)]
                {
                    self.owed = announced.saturating_sub(written);
                }
            };
            if let Err(e) = sent.and(if written < announced {
                Err(AtError::PromptLost)
            } else {
                Ok(())
            }) {
                if !matches!(e, AtError::Port(_)) {
                    self.fill(announced.saturating_sub(written)).await?;
                }
                self.out_of_step = true;
                return Err(e);
            }
            let trailer = self.engine.dialect().data_trailer();
            if connect && !trailer.is_empty() {
                // The data phase's end (Sierra `--EOF--Pattern--`), only after
                // the whole announced length went out. Dialects without one
                // (the M95's `AT+QSECWRITE` also answers `CONNECT`) write
                // nothing: not even an empty write reaches the port.
                self.write(trailer).await?;
            }
            match self.finish(deadline, urcs, on_line, None, true, None).await {
                Err(e @ (AtError::Timeout | AtError::Garbled)) => {
                    // No result: the modem may still be waiting for payload.
                    self.fill(FILL_AFTER_LOST_RESULT.max(announced)).await?;
                    return Err(e);
                }
                r => r?,
            };
            first_err.map_or(Ok(()), Err)
        }

        /// Write `n` NUL bytes (completing a payload the modem may be waiting
        /// for) and mark the client out of step.
        async fn fill(&mut self, mut n: usize) -> Result<(), AtError> {
            log_debug!("AT> {} bytes of NUL filler (out of step)", n);
            self.out_of_step = true;
            while n > 0 {
                let k = n.min(FILLER.len());
                self.write(FILLER.get(..k).unwrap_or(&[])).await?;
                n -= k;
            }
            Ok(())
        }
    }
}

/// Log a command line as it is written (features `log`/`defmt`; the
/// function and its calls do not exist otherwise): the command and its
/// arguments (APN credentials left out, `crate::trace::command`), and
/// for a command with a data phase the number of data bytes announced.
/// The data itself (certificates, keys, payloads) is never logged.
#[cfg(any(feature = "log", feature = "defmt"))]
fn log_command(line: &[u8], data: Option<usize>) {
    let (cmd, args) = crate::trace::command(line);
    match data {
        None => log_debug!("AT> {}{}", cmd, args),
        Some(n) => log_debug!("AT> {}{} (+{} data bytes, not logged)", cmd, args, n),
    }
}

/// Log what came from the modem (features `log`/`defmt`; the function
/// and its call do not exist otherwise): lines, URCs and final results
/// as text, payloads as their length only. Echoes are not logged (an
/// echo repeats a command line already logged). `armed`: a data read
/// waits for its `CONNECT`; a line then may be data (the `CONNECT` was
/// damaged), so lines are logged as their length.
#[cfg(any(feature = "log", feature = "defmt"))]
fn log_event(event: &Event<'_>, armed: bool) {
    use crate::trace::{final_result, text};
    match *event {
        Event::Final(r) => {
            let (name, code) = final_result(r);
            if code >= 0 {
                log_debug!("AT< {}: {}", name, code);
            } else {
                log_debug!("AT< {}", name);
            }
        }
        Event::Line(l) if armed => log_debug!("AT< a line of {} bytes (a data read)", l.len()),
        Event::Line(l) => log_debug!("AT< {}", text(l)),
        Event::Urc(l) => log_debug!("AT< URC {}", text(l)),
        Event::Echo(_) => {}
        Event::Prompt => log_trace!("AT< prompt"),
        Event::Connect => log_trace!("AT< CONNECT"),
        Event::PayloadHeader { header, len, urc } => log_debug!(
            "AT< {}{} ({} payload bytes, not logged)",
            if urc { "URC " } else { "" },
            text(header),
            len
        ),
        Event::Payload(p) => log_trace!("AT< {} payload bytes", p.len()),
        Event::PayloadEnd => {}
        Event::Overflow => log_warn!("AT< line too long, dropped"),
        Event::Damaged => log_warn!("AT< payload without its trailer (damaged)"),
    }
}
