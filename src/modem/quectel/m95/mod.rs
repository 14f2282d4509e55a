//! Quectel M66 / M95 (GSM/GPRS, the "QI" stack) driver: init, GPRS
//! attach, raw TCP and offloaded TLS, in the dialect of
//! `docs/dialects/m95.md` (at-dialects-2.md §2, at-commands.md §3, the
//! Quectel GSM HTTPS application note = seeds/001).
//!
//! What differs from the BG9x, and how the driver deals with it:
//! - Several answers end without `OK`: `AT+QILOCIP` (a bare address),
//!   `AT+QIDEACT` (`DEACT OK`), `AT+QICLOSE` (`<id>, CLOSE OK`), and
//!   `AT+QIOPEN` may answer `ALREADY CONNECT` instead of `OK`: these run
//!   with [`AtClient::exec_until`], the line that ends each named.
//! - Raw connections are indexes 0-5 (`AT+QIMUX=1`); data arrival is
//!   `+QIRDI: 0,1,<id>` (`AT+QINDI=1`), offloaded data arrival
//!   `+QSSLURC: "recv",<ctx>,<ssid>`: neither carries a length, and each
//!   comes once per empty -> non-empty change, so the driver reads until a
//!   read answers a bare `OK`.
//! - Reads are framed `+QIRD: <ip>:<port>,TCP,<n>` / `+QSSLRECV: ...` and
//!   `n` raw bytes ([`M95Dialect`]); sends take a CR LF `> ` prompt.
//! - Certificates go to `RAM:` files with `AT+QSECWRITE` (delete first);
//!   the modem's XOR-16 of what it stored is checked against the bytes
//!   sent, then again with `AT+QSECREAD` (whose first field says whether
//!   the whole file arrived). `RAM:` files are lost at every restart, so
//!   nothing stored before an init is trusted.
//! - The firmware's TLS has RSA key exchange only, no SNI and no host-name
//!   check ([`Capabilities::quectel_m95`]).

mod dialect;
mod urc;

pub use dialect::M95Dialect;

use super::checksum::parse_hex_u16;
use crate::at::{slice_source, AtError, Command, DataSource, Fields};
use crate::modem::common::{
    ati_line, build, copy_str, ignore_line, keep_apn, single_name, Arg, KeptApn,
};
use crate::modem::{
    Apn, Capabilities, CredentialEntry, Identity, ModemError, SocketId, Timeouts, TlsParams,
};
use dialect::socket_event;
use heapless::String;
use urc::{bit, Kind, Opened, UrcState, SOCKETS};

/// The [`SocketId`] of SSL socket `ssid` is `SSL_BASE + ssid` (raw
/// connections are 0-5).
const SSL_BASE: u8 = 8;

/// Most bytes one `AT+QISEND`/`AT+QSSLSEND` carries.
const SEND_CHUNK: usize = 1460;

/// Most bytes one `AT+QIRD`/`AT+QSSLRECV` asks for.
const READ_CHUNK: usize = 1500;

/// `AT+QSECWRITE`'s input timeout, seconds (what the modem waits for the
/// rest of the file before storing what came).
const SECWRITE_TIMEOUT_S: u32 = 100;

/// Credentials remembered as stored and checked since init (CA, client
/// certificate, key, and one more).
const VERIFIED: usize = 4;

/// FNV-1a of a credential name, never 0 (0 marks a free slot).
fn name_hash(name: &str) -> u32 {
    let h = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h.max(1)
}

/// A `RAM:` file name for credential `name`.
fn ram_file(name: &str) -> Result<String<32>, ModemError> {
    let mut f = String::new();
    f.push_str("RAM:")
        .and_then(|()| f.push_str(name))
        .map_err(|_| ModemError::At(AtError::CommandTooLong))?;
    Ok(f)
}

/// A line that is an IPv4 address (`AT+QILOCIP`'s answer).
fn is_address(line: &[u8]) -> bool {
    !line.is_empty() && line.len() <= 15 && line.iter().all(|&b| b.is_ascii_digit() || b == b'.')
}

impl Kind {
    fn send_cmd(self) -> &'static str {
        match self {
            Kind::Tcp => "AT+QISEND=",
            Kind::Ssl => "AT+QSSLSEND=",
        }
    }
    fn read_header(self) -> &'static [u8] {
        match self {
            Kind::Tcp => b"+QIRD:",
            Kind::Ssl => b"+QSSLRECV:",
        }
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::modem::asynch::{FirmwareTls, Modem, Sockets};
    use crate::modem::quectel::checksum::asynch::upload;
    use crate::port::asynch::Port;

    /// A Quectel M66 or M95 on a UART.
    pub struct M95<P: Port> {
        at: AtClient<P, M95Dialect>,
        urc: UrcState,
        ident: Identity,
        caps: Capabilities,
        timeouts: Timeouts,
        pdp_up: bool,
        apn: Option<KeptApn>,
        /// Connections in use, by [`Kind`]: raw indexes, SSL sockets.
        in_use: [u8; 2],
        /// Credentials written and checked since init: the name's hash and the
        /// checksum the modem confirmed.
        verified: [(u32, u16); VERIFIED],
    }

    impl<P: Port> M95<P> {
        /// A driver over `port`. Call [`Modem::init`] next.
        pub fn new(port: P) -> Self {
            Self {
                at: AtClient::new(port, M95Dialect),
                urc: UrcState::default(),
                ident: Identity::default(),
                caps: Capabilities::quectel_m95("", ""),
                timeouts: Timeouts::default(),
                pdp_up: false,
                apn: None,
                in_use: [0; 2],
                verified: [(0, 0); VERIFIED],
            }
        }

        /// Give the port back.
        pub fn release(self) -> P {
            self.at.into_port()
        }

        /// Whether the model line of `ATI` names an M95 or an M66
        /// (`Quectel_M95`, `Quectel_M66`).
        pub fn is_model(model: &str) -> bool {
            let m = model.strip_prefix("Quectel_").unwrap_or(model);
            m.starts_with("M95") || m.starts_with("M66")
        }

        /// Whether the modem restarted since the last init: the connections
        /// in use are gone and the next open initialises it again.
        pub fn rebooted(&self) -> bool {
            self.urc.booted
        }

        async fn run(
            &mut self,
            head: &str,
            args: &[Arg<'_>],
            timeout_ms: u32,
            on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
        ) -> Result<(), AtError> {
            crate::modem::common::asynch::run(
                &mut self.at,
                &mut self.urc,
                head,
                args,
                timeout_ms,
                on_line,
            )
            .await
        }

        async fn cmd(&mut self, head: &str, args: &[Arg<'_>]) -> Result<(), AtError> {
            let t = self.timeouts.command_ms;
            self.run(head, args, t, &mut ignore_line).await
        }

        /// A command whose answer ends with the line `end` picks (or a final
        /// result).
        async fn until(
            &mut self,
            head: &str,
            args: &[Arg<'_>],
            timeout_ms: u32,
            end: &mut dyn FnMut(&[u8]) -> bool,
        ) -> Result<(), AtError> {
            let mut c = Command::empty();
            build(&mut c, head, args)?;
            self.at
                .exec_until(&mut c, timeout_ms, &mut self.urc, end)
                .await
        }

        /// `AT+QIDEACT` -> `DEACT OK`: every connection closed, the stack back
        /// in IP INITIAL.
        async fn deactivate(&mut self) -> Result<(), AtError> {
            let t = self.timeouts.attach_ms;
            self.until("AT+QIDEACT", &[], t, &mut |l| l == b"DEACT OK")
                .await
        }

        /// After a plain `ERROR` to a socket command: whether the context is
        /// gone. The modem may answer `ERROR` before its `+PDP DEACT` arrives,
        /// so it is asked: `AT+QILOCIP` answers the address while the context
        /// is active and `ERROR` once it is not (the URC, if it comes
        /// meanwhile, is handled too).
        async fn context_lost(&mut self) -> bool {
            let t = self.timeouts.command_ms;
            let asked = self
                .until("AT+QILOCIP", &[], t, &mut |l| is_address(l))
                .await;
            if self.urc.pdp_lost || asked == Err(AtError::Error) {
                self.urc.pdp_lost = true;
                self.pdp_up = false;
                return true;
            }
            false
        }

        /// Every connection in use is gone (restart, context lost): it reads
        /// as closed and stays allocated until its owner closes it, so its id
        /// is not given to another connection under it.
        fn lose_connections(&mut self) {
            for kind in [Kind::Tcp, Kind::Ssl] {
                let used = self.in_use.get(kind as usize).copied().unwrap_or(0);
                for id in 0..SOCKETS as u8 {
                    if used & bit(id) != 0 {
                        self.urc.mark_closed(kind, id);
                    }
                }
            }
        }

        /// The modem restarted: initialise it again and, after
        /// [`Modem::attach`], activate the same APN again.
        async fn recover(&mut self) -> Result<(), ModemError> {
            self.pdp_up = false;
            self.urc.forget_all();
            Modem::init(self).await?;
            if self.apn.is_some() {
                self.activate().await?;
            }
            Ok(())
        }

        /// URCs already sent taken in; a restart among them recovered.
        async fn notice_restart(&mut self) -> Result<(), ModemError> {
            self.at.poll_urcs(0, &mut self.urc, |_| false).await?;
            if self.urc.booted {
                self.recover().await?;
            }
            Ok(())
        }

        /// Before an open: URCs already sent taken in, a restart recovered, a
        /// lost context activated again.
        async fn ensure_up(&mut self) -> Result<(), ModemError> {
            self.notice_restart().await?;
            if self.urc.pdp_lost {
                self.pdp_up = false;
                self.lose_connections();
                let _ = self.deactivate().await;
            }
            if !self.pdp_up {
                self.activate().await?;
            }
            Ok(())
        }

        /// `AT+QICSGP`, `AT+QIREGAPP`, `AT+QIACT`, the address from
        /// `AT+QILOCIP`.
        async fn activate(&mut self) -> Result<String<46>, ModemError> {
            let Some((a, u, p)) = self.apn.clone() else {
                return Err(ModemError::PdpDown);
            };
            let args = [Arg::Int(1), Arg::Str(&a), Arg::Str(&u), Arg::Str(&p)];
            let n = if u.is_empty() && p.is_empty() { 2 } else { 4 };
            self.cmd("AT+QICSGP=", args.get(..n).unwrap_or(&[])).await?;
            let failed = |e| match e {
                AtError::Error | AtError::Cme(_) => ModemError::AttachFailed,
                other => ModemError::At(other),
            };
            // Refused outside IP INITIAL (a context left from before): back
            // there, once.
            if let Err(AtError::Error | AtError::Cme(_)) = self.cmd("AT+QIREGAPP", &[]).await {
                self.deactivate().await?;
                self.cmd("AT+QIREGAPP", &[]).await.map_err(failed)?;
            }
            let t = self.timeouts.attach_ms;
            self.run("AT+QIACT", &[], t, &mut ignore_line)
                .await
                .map_err(failed)?;
            let mut ip: String<46> = String::new();
            let t = self.timeouts.command_ms;
            self.until("AT+QILOCIP", &[], t, &mut |l| {
                let addr = is_address(l);
                if addr {
                    copy_str(&mut ip, l);
                }
                addr
            })
            .await
            .map_err(failed)?;
            if ip.is_empty() {
                return Err(ModemError::AttachFailed);
            }
            self.pdp_up = true;
            self.urc.pdp_lost = false;
            Ok(ip)
        }

        /// Wait up to `timeout_ms` for `done`, handling URCs; a restart or the
        /// context's loss ends it.
        async fn wait(
            &mut self,
            timeout_ms: u32,
            done: fn(&UrcState, u8) -> bool,
            id: u8,
        ) -> Result<bool, ModemError> {
            self.at
                .poll_urcs(timeout_ms, &mut self.urc, |u| {
                    done(u, id) || u.booted || u.pdp_lost
                })
                .await?;
            if self.urc.booted {
                return Err(ModemError::Rebooted);
            }
            if done(&self.urc, id) {
                return Ok(true);
            }
            if self.urc.pdp_lost {
                return Err(ModemError::PdpDown);
            }
            Ok(false)
        }

        fn alloc(&mut self, kind: Kind) -> Result<u8, ModemError> {
            let used = self.in_use.get(kind as usize).copied().unwrap_or(0xFF);
            let id = (0..SOCKETS as u8)
                .find(|&i| used & bit(i) == 0)
                .ok_or(ModemError::NoFreeSocket)?;
            if let Some(m) = self.in_use.get_mut(kind as usize) {
                *m |= bit(id);
            }
            self.urc.clear(kind, id);
            Ok(id)
        }

        fn free(&mut self, kind: Kind, id: u8) {
            if let Some(m) = self.in_use.get_mut(kind as usize) {
                *m &= !bit(id);
            }
        }

        fn is_in_use(&self, kind: Kind, id: u8) -> bool {
            self.in_use
                .get(kind as usize)
                .is_some_and(|m| m & bit(id) != 0)
        }

        /// Which connection a [`SocketId`] names, if this driver opened it.
        fn resolve(&self, id: SocketId) -> Option<(Kind, u8)> {
            let (kind, i) = match id.0.checked_sub(SSL_BASE) {
                Some(ssid) => (Kind::Ssl, ssid),
                None => (Kind::Tcp, id.0),
            };
            self.is_in_use(kind, i).then_some((kind, i))
        }

        async fn tcp_open_once(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            let id = self.alloc(Kind::Tcp)?;
            let mut tries = 0;
            loop {
                tries += 1;
                let mut already = false;
                let args = [
                    Arg::Int(u32::from(id)),
                    Arg::Str("TCP"),
                    Arg::Str(host),
                    Arg::Int(u32::from(port)),
                ];
                let t = self.timeouts.command_ms;
                let r = self
                    .until("AT+QIOPEN=", &args, t, &mut |l| {
                        already = l == b"ALREADY CONNECT";
                        already
                    })
                    .await;
                if let Err(e) = r {
                    self.free(Kind::Tcp, id);
                    return Err(e.into());
                }
                if !already {
                    break;
                }
                // The modem still has this index open (our close was lost on
                // the UART): close it there, then open again, once.
                let _ = self.shut(Kind::Tcp, id).await;
                if tries > 1 {
                    self.free(Kind::Tcp, id);
                    return Err(ModemError::NoFreeSocket);
                }
            }
            let t = self.timeouts.open_ms;
            match self.wait(t, |u, id| u.tcp_result(id).is_some(), id).await {
                Ok(true) => {}
                Ok(false) => {
                    let _ = self.shut(Kind::Tcp, id).await;
                    self.free(Kind::Tcp, id);
                    return Err(ModemError::OpenTimeout);
                }
                Err(e) => {
                    self.free(Kind::Tcp, id);
                    return Err(e);
                }
            }
            if self.urc.tcp_result(id) == Some(Opened::Ok) {
                // A `+QIRDI` may have been damaged or come before we listened:
                // read once.
                self.urc.set_readable(Kind::Tcp, id, true);
                return Ok(SocketId(id));
            }
            // CONNECT FAIL: refused, unreachable or not resolved; the index
            // is free again in the modem.
            self.free(Kind::Tcp, id);
            Err(ModemError::ConnectFailed)
        }

        /// `AT+QICLOSE=<id>` (-> `<id>, CLOSE OK`) or `AT+QSSLCLOSE=<ssid>`,
        /// leaving the connection allocated.
        async fn shut(&mut self, kind: Kind, id: u8) -> Result<(), AtError> {
            let t = self.timeouts.command_ms;
            let r = match kind {
                Kind::Tcp => {
                    self.until("AT+QICLOSE=", &[Arg::Int(u32::from(id))], t, &mut |l| {
                        socket_event(l) == Some((id, &b"CLOSE OK"[..]))
                    })
                    .await
                }
                Kind::Ssl => self.cmd("AT+QSSLCLOSE=", &[Arg::Int(u32::from(id))]).await,
            };
            match r {
                // Not open in the modem (the peer or a restart closed it).
                Err(AtError::Error) => Ok(()),
                r => r,
            }
        }

        /// Close connection `id` and free it.
        async fn close_conn(&mut self, kind: Kind, id: u8) -> Result<(), ModemError> {
            let r = self.shut(kind, id).await;
            self.free(kind, id);
            self.urc.clear(kind, id);
            r.map_err(Into::into)
        }

        /// Send up to one chunk of `data` (`AT+QISEND`/`AT+QSSLSEND`, CR LF
        /// `> `, the bytes, `SEND OK`). `SEND FAIL` (buffer full) is tried
        /// again until the data deadline.
        async fn send_on(&mut self, kind: Kind, id: u8, data: &[u8]) -> Result<usize, ModemError> {
            let n = data.len().min(SEND_CHUNK);
            let chunk = data.get(..n).unwrap_or(&[]);
            let deadline = self
                .at
                .now_ms()
                .saturating_add(u64::from(self.timeouts.data_ms));
            loop {
                if self.urc.booted {
                    return Err(ModemError::Rebooted);
                }
                if self.urc.is_closed(kind, id) {
                    return Err(ModemError::Closed);
                }
                let mut c = Command::empty();
                // `n` is at most SEND_CHUNK.
                build(
                    &mut c,
                    kind.send_cmd(),
                    &[Arg::Int(u32::from(id)), Arg::Int(n as u32)],
                )?;
                let t = self.timeouts.exchange_ms();
                let r = self
                    .at
                    .exec_with_data(
                        &mut c,
                        n,
                        t,
                        &mut self.urc,
                        &mut slice_source(chunk),
                        ignore_line,
                    )
                    .await;
                match r {
                    Ok(()) => return Ok(n),
                    Err(_) if self.urc.booted => {
                        self.urc.mark_closed(kind, id);
                        return Err(ModemError::Rebooted);
                    }
                    Err(e @ (AtError::PromptLost | AtError::Timeout | AtError::Garbled)) => {
                        // Filler went out in place of (or after) the data: the
                        // connection is corrupt. Closed in the modem, allocated
                        // until its owner closes it.
                        let _ = self.shut(kind, id).await;
                        self.urc.mark_closed(kind, id);
                        return Err(ModemError::At(e));
                    }
                    Err(AtError::SendFail) if self.at.now_ms() < deadline => {
                        let _ = self.at.poll_urcs(100, &mut self.urc, |_| false).await;
                    }
                    Err(AtError::Error) if self.urc.is_closed(kind, id) => {
                        return Err(ModemError::Closed)
                    }
                    Err(AtError::Error) if self.context_lost().await => {
                        self.lose_connections();
                        return Err(ModemError::PdpDown);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }

        /// One read (`AT+QIRD=0,1,<id>,<len>` / `AT+QSSLRECV=<ctx>,<ssid>,<len>`):
        /// what the modem holds, up to what `buf` takes; `Ok(0)` for a bare
        /// `OK` (nothing buffered).
        async fn read_on(
            &mut self,
            kind: Kind,
            id: u8,
            buf: &mut [u8],
        ) -> Result<usize, ModemError> {
            let want = buf.len().min(READ_CHUNK);
            let dst = buf.get_mut(..want).unwrap_or(&mut []);
            // Cleared first: a data URC during the read sets it again.
            self.urc.set_readable(kind, id, false);
            let i = Arg::Int(u32::from(id));
            // `want` is at most READ_CHUNK.
            let len = Arg::Int(want as u32);
            let mut c = Command::empty();
            match kind {
                Kind::Tcp => build(&mut c, "AT+QIRD=", &[Arg::Int(0), Arg::Int(1), i, len]),
                // The SSL context of ssid `id` is `id` (see `tls_open`).
                Kind::Ssl => build(&mut c, "AT+QSSLRECV=", &[i, i, len]),
            }?;
            let header = kind.read_header();
            let t = self.timeouts.exchange_ms();
            let r = self
                .at
                .exec_read(&mut c, t, &mut self.urc, dst, |h| {
                    if h.starts_with(header) {
                        Ok(())
                    } else {
                        Err(AtError::Unexpected)
                    }
                })
                .await;
            match r {
                Ok(n) => {
                    if n > 0 {
                        // Read until the answer is a bare OK.
                        self.urc.set_readable(kind, id, true);
                    }
                    Ok(n)
                }
                Err(e) => {
                    self.urc.set_readable(kind, id, true);
                    // A restart during the read: its banner came in place of
                    // the answer, and that is the cause to report.
                    if self.urc.booted {
                        return Err(ModemError::Rebooted);
                    }
                    if e == AtError::Error && self.urc.is_closed(kind, id) {
                        self.urc.set_readable(kind, id, false);
                        return Ok(0);
                    }
                    if e == AtError::Error && self.context_lost().await {
                        self.urc.set_readable(kind, id, false);
                        self.lose_connections();
                        return Err(ModemError::PdpDown);
                    }
                    Err(e.into())
                }
            }
        }

        /// Wait for data, read it; `Ok(0)` once the peer closed and everything
        /// was read.
        async fn recv_on(
            &mut self,
            kind: Kind,
            id: u8,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if buf.is_empty() {
                return Ok(0);
            }
            let deadline = self.at.now_ms().saturating_add(u64::from(timeout_ms));
            loop {
                if self.urc.booted {
                    return Err(ModemError::Rebooted);
                }
                if self.urc.is_readable(kind, id) {
                    let n = self.read_on(kind, id, buf).await?;
                    if n > 0 {
                        return Ok(n);
                    }
                }
                if self.urc.is_closed(kind, id) && !self.urc.is_readable(kind, id) {
                    return Ok(0);
                }
                if self.urc.pdp_lost {
                    return Err(ModemError::PdpDown);
                }
                let now = self.at.now_ms();
                if now >= deadline {
                    return Err(ModemError::Timeout);
                }
                let wait = u32::try_from(deadline - now).unwrap_or(u32::MAX);
                self.at
                    .poll_urcs(wait, &mut self.urc, |u| {
                        u.is_readable(kind, id) || u.is_closed(kind, id) || u.pdp_lost || u.booted
                    })
                    .await?;
            }
        }

        // ---- certificates (AT+QSECWRITE / QSECREAD / QSECDEL) ----

        /// `AT+QSECDEL`; a file that is not there is not an error (nor a bare
        /// `ERROR`: a write over a file still there is refused anyway).
        async fn delete_file(&mut self, file: &str) -> Result<(), ModemError> {
            match self.cmd("AT+QSECDEL=", &[Arg::Str(file)]).await {
                Ok(()) | Err(AtError::Cme(Some(405)) | AtError::Error) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }

        /// `AT+QSECREAD`: whether the whole file arrived, and its checksum;
        /// `None` when there is no such file.
        async fn read_file(&mut self, file: &str) -> Result<Option<(bool, u16)>, ModemError> {
            let mut got = None;
            let t = self.timeouts.command_ms;
            let r = self
                .run("AT+QSECREAD=", &[Arg::Str(file)], t, &mut |l| {
                    if let Some(mut f) = Fields::after(l, b"+QSECREAD:") {
                        let good = f.next_u32() == Some(1);
                        if let Some(ck) = f.next().and_then(parse_hex_u16) {
                            got = Some((good, ck));
                        }
                    }
                    Ok(())
                })
                .await;
            match r {
                Ok(()) if got.is_none() => Err(ModemError::At(AtError::Unexpected)),
                Ok(()) => Ok(got),
                // Not found (a bare ERROR when numeric errors are off again:
                // a restart not seen yet). Either way: not there as written.
                Err(AtError::Cme(Some(405)) | AtError::Error) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }

        /// Write `len` bytes of `source` to `file` (`AT+QSECWRITE`, `CONNECT`,
        /// the bytes) and check the modem's checksum of what it stored, twice:
        /// in the write's answer and with `AT+QSECREAD`. The checksum, or the
        /// file deleted and an error.
        async fn write_file(
            &mut self,
            file: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<u16, ModemError> {
            let mut c = Command::empty();
            // `len` is at most `max_cert_len`.
            build(
                &mut c,
                "AT+QSECWRITE=",
                &[
                    Arg::Str(file),
                    Arg::Int(len as u32),
                    Arg::Int(SECWRITE_TIMEOUT_S),
                ],
            )?;
            let t = self.timeouts.exchange_ms();
            let up = match upload(
                &mut self.at,
                &mut self.urc,
                &mut c,
                len,
                t,
                source,
                b"+QSECWRITE:",
            )
            .await
            {
                Ok(up) => up,
                Err(e) => {
                    // Whatever the modem stored (filler, a part) must not be
                    // taken for the credential.
                    let _ = self.delete_file(file).await;
                    return Err(e.into());
                }
            };
            let want = up.sum;
            let stored = match up.reply {
                Some(_) if up.is_exact(len) => match self.read_file(file).await {
                    Ok(Some((true, ck))) if ck == want => return Ok(want),
                    Ok(Some((_, ck))) => ck,
                    Ok(None) => 0,
                    Err(e) => {
                        let _ = self.delete_file(file).await;
                        return Err(e);
                    }
                },
                Some((_, ck)) => ck,
                None => {
                    let _ = self.delete_file(file).await;
                    return Err(ModemError::At(AtError::Unexpected));
                }
            };
            let _ = self.delete_file(file).await;
            Err(ModemError::FileChecksum { sent: want, stored })
        }

        /// The `RAM:` files (`AT+QFLST="RAM:*"` → `+QFLST: "RAM:<name>",<size>`
        /// lines; none: `+CME ERROR: 405`), each passed to `f` under the name
        /// [`FirmwareTls::store_credential`] takes (without `RAM:`). A line of
        /// another shape, or a name outside `RAM:`, fails the list with
        /// [`AtError::Unexpected`]; `f` is not called after it.
        async fn list_ram_files(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            self.notice_restart().await?;
            let t = self.timeouts.command_ms;
            let mut bad = false;
            let r = self
                .run("AT+QFLST=", &[Arg::Str("RAM:*")], t, &mut |l| {
                    super::super::qflst_line(l, &mut bad, |n| n.strip_prefix("RAM:"), f)
                })
                .await;
            super::super::qflst_result(r, bad)
        }

        /// `AT+QSECDEL="RAM:<name>"` (`name` with or without its `RAM:`), and
        /// stop trusting it; [`ModemError::CredentialNotFound`] on `+CME ERROR:
        /// 405`. A wildcard is refused ([`AtError::InvalidArgument`]).
        async fn delete_ram_file(&mut self, name: &str) -> Result<(), ModemError> {
            let name = name.strip_prefix("RAM:").unwrap_or(name);
            if !single_name(name) {
                return Err(ModemError::At(AtError::InvalidArgument));
            }
            let file = ram_file(name)?;
            self.notice_restart().await?;
            self.forget_credential(name);
            match self.cmd("AT+QSECDEL=", &[Arg::Str(&file)]).await {
                Ok(()) => Ok(()),
                Err(AtError::Cme(Some(405))) => Err(ModemError::CredentialNotFound),
                Err(e) => Err(e.into()),
            }
        }

        fn forget_all_credentials(&mut self) {
            self.verified = [(0, 0); VERIFIED];
        }

        // ---- offloaded TLS ----

        /// Configure SSL context `ctx` for `p` (key first, context second) and
        /// open SSL socket `ssid` on it; the firmware's result code.
        async fn ssl_open_once(&mut self, ssid: u8, p: &TlsParams<'_>) -> Result<i32, ModemError> {
            let ctx = ssid;
            let c = Arg::Int(u32::from(ctx));
            let seclevel = match (p.verify, p.client_cert.is_some()) {
                (false, false) => 0,
                (true, false) => 1,
                (_, true) => 2,
            };
            // TLS 1.2 only (3): the firmware's best; 1.0 and 1.1 are not
            // offered. Every cipher suite it has ("0XFFFF", quoted).
            self.cmd("AT+QSSLCFG=", &[Arg::Str("sslversion"), c, Arg::Int(3)])
                .await?;
            self.cmd(
                "AT+QSSLCFG=",
                &[Arg::Str("ciphersuite"), c, Arg::Str("0XFFFF")],
            )
            .await?;
            self.cmd(
                "AT+QSSLCFG=",
                &[Arg::Str("seclevel"), c, Arg::Int(seclevel)],
            )
            .await?;
            for (key, name) in [
                ("cacert", p.ca.filter(|_| p.verify)),
                ("clientcert", p.client_cert),
                ("clientkey", p.client_key),
            ] {
                if let Some(name) = name {
                    let f = ram_file(name)?;
                    self.cmd("AT+QSSLCFG=", &[Arg::Str(key), c, Arg::Str(&f)])
                        .await?;
                }
            }
            // Global: dates checked against the modem's clock unless asked not to.
            let ignore = u32::from(!(p.verify && p.check_validity));
            self.cmd(
                "AT+QSSLCFG=",
                &[Arg::Str("ignorertctime"), Arg::Int(ignore)],
            )
            .await?;
            let timeout = u32::from(p.handshake_timeout_s.clamp(10, 300));
            self.urc.clear(Kind::Ssl, ssid);
            self.cmd(
                "AT+QSSLOPEN=",
                &[
                    Arg::Int(u32::from(ssid)),
                    c,
                    Arg::Str(p.host),
                    Arg::Int(u32::from(p.port)),
                    Arg::Int(0),
                    Arg::Int(timeout),
                ],
            )
            .await?;
            let t = self.timeouts.open_ms.saturating_add(timeout * 1000);
            match self
                .wait(t, |u, ssid| u.ssl_result(ssid).is_some(), ssid)
                .await?
            {
                true => Ok(self.urc.ssl_result(ssid).unwrap_or(-1)),
                false => Err(ModemError::OpenTimeout),
            }
        }

        async fn tls_open_once(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            let ssid = self.alloc(Kind::Ssl)?;
            let mut code = self.ssl_open_once(ssid, p).await;
            if code == Ok(-6) {
                // The modem still had this ssid open (our close was lost on
                // the UART): close it there, open again, once.
                let _ = self.shut(Kind::Ssl, ssid).await;
                code = self.ssl_open_once(ssid, p).await;
            }
            let code = match code {
                Ok(0) => {
                    self.urc.set_readable(Kind::Ssl, ssid, true);
                    return Ok(SocketId(SSL_BASE + ssid));
                }
                Ok(code) => code,
                Err(e @ (ModemError::Rebooted | ModemError::PdpDown)) => {
                    self.free(Kind::Ssl, ssid);
                    return Err(e);
                }
                Err(e) => {
                    let _ = self.close_conn(Kind::Ssl, ssid).await;
                    return Err(e);
                }
            };
            let _ = self.close_conn(Kind::Ssl, ssid).await;
            Err(match code {
                -2 => ModemError::ConnectFailed,
                -7 => ModemError::OpenTimeout,
                -9 => {
                    // A certificate file is missing or unreadable (a `RAM:`
                    // file lost by a restart not seen): store them again.
                    self.forget_all_credentials();
                    ModemError::HandshakeFailed(code)
                }
                _ => ModemError::HandshakeFailed(code),
            })
        }
    }

    impl<P: Port> Modem for M95<P> {
        /// Synchronise, echo off, numeric errors, identify (`ATI`), load the
        /// capability table, bring the QI stack to IP INITIAL (`AT+QIDEACT`:
        /// connections left from before are closed) and set it up: foreground
        /// context 0, normal mode, several connections, addresses or names,
        /// `+QIRDI` on data; network time on.
        async fn init(&mut self) -> Result<&Identity, ModemError> {
            self.at.reset();
            match self.at.sync(&mut self.urc, 10).await {
                Ok(()) => {}
                Err(AtError::Port(p)) => return Err(ModemError::At(AtError::Port(p))),
                Err(_) => return Err(ModemError::NotResponding),
            }
            // `RAM:` files do not outlive a restart: nothing stored before
            // this init counts as there.
            self.forget_all_credentials();
            let t = self.timeouts.command_ms;
            self.run("ATE0", &[], t, &mut ignore_line).await?;
            self.run("AT+CMEE=1", &[], t, &mut ignore_line).await?;
            let mut ident = Identity::default();
            let mut n = 0;
            self.run("ATI", &[], t, &mut |l| {
                ati_line(&mut ident, &mut n, l);
                Ok(())
            })
            .await?;
            let known = ident.manufacturer.starts_with("Quectel") && Self::is_model(&ident.model);
            ident.firmware = String::new();
            let _ = ident.firmware.push_str(&ident.revision);
            self.ident = ident;
            if !known {
                return Err(ModemError::UnsupportedModel);
            }
            self.caps = Capabilities::quectel_m95(&self.ident.model, &self.ident.revision);
            self.pdp_up = false;
            self.deactivate().await?;
            // Whatever was open is closed now.
            self.lose_connections();
            for (head, v) in [
                ("AT+QIFGCNT=", 0),
                ("AT+QIMODE=", 0),
                ("AT+QIMUX=", 1),
                ("AT+QIDNSIP=", 1),
                ("AT+QINDI=", 1),
            ] {
                self.cmd(head, &[Arg::Int(v)]).await?;
            }
            let _ = self.cmd("AT+QNITZ=", &[Arg::Int(1)]).await;
            self.urc.pdp_lost = false;
            self.urc.after_init();
            Ok(&self.ident)
        }
        fn identity(&self) -> &Identity {
            &self.ident
        }
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }
        fn timeouts(&self) -> Timeouts {
            self.timeouts
        }
        fn set_timeouts(&mut self, t: Timeouts) {
            self.timeouts = t;
        }
        /// `AT+QICSGP=1,"<apn>"[,"<user>","<password>"]`, `AT+QIREGAPP`,
        /// `AT+QIACT`; the address `AT+QILOCIP` answers.
        async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
            self.apn = Some(keep_apn(apn)?);
            self.activate().await
        }
        fn now_ms(&mut self) -> u64 {
            self.at.now_ms()
        }
        fn port_unix_time(&mut self) -> Option<u64> {
            self.at.unix_time()
        }
        async fn network_time(&mut self) -> Result<u64, ModemError> {
            let t = self.timeouts.command_ms;
            crate::modem::quectel::time::asynch::network_time(&mut self.at, &mut self.urc, t).await
        }
    }

    impl<P: Port> Sockets for M95<P> {
        /// `AT+QIOPEN=<id>,"TCP","<host>",<port>` -> `OK`, `<id>, CONNECT OK`.
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            // A `+PDP DEACT` during the open: the context is activated
            // again (in the open) and the open tried once more.
            match self.tcp_open_once(host, port).await {
                Err(ModemError::PdpDown) if self.urc.pdp_lost => {
                    self.tcp_open_once(host, port).await
                }
                r => r,
            }
        }
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
            if data.is_empty() {
                return Ok(0);
            }
            match self.resolve(id) {
                Some((kind, i)) => self.send_on(kind, i, data).await,
                // Not a connection this driver opened.
                None => Err(ModemError::Closed),
            }
        }
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            match self.resolve(id) {
                Some((kind, i)) => self.recv_on(kind, i, buf, timeout_ms).await,
                None => Err(ModemError::Closed),
            }
        }
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
            match self.resolve(id) {
                Some((kind, i)) => self.close_conn(kind, i).await,
                None => Ok(()),
            }
        }
    }

    impl<P: Port> FirmwareTls for M95<P> {
        async fn check_clock(&mut self) -> Result<(), ModemError> {
            let t = self.timeouts.command_ms;
            crate::modem::quectel::time::asynch::check_clock(&mut self.at, &mut self.urc, t).await
        }
        /// To `RAM:<name>`: skipped when written and checked since init and
        /// `AT+QSECREAD` still gives the same checksum; else deleted, written
        /// and checked again.
        async fn store_credential(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError> {
            if len == 0 || len > self.caps.max_cert_len {
                return Err(ModemError::FileTooLarge);
            }
            let file = ram_file(name)?;
            // A restart lost every `RAM:` file (and the settings): init again
            // first, which forgets them.
            self.notice_restart().await?;
            let h = name_hash(name);
            if let Some(&(_, ck)) = self.verified.iter().find(|(v, _)| *v == h) {
                if self.read_file(&file).await? == Some((true, ck)) {
                    return Ok(false);
                }
            }
            self.forget_credential(name);
            self.delete_file(&file).await?;
            let ck = self.write_file(&file, len, source).await?;
            // Into a free slot, else over the one the hash picks (a forgotten
            // entry only costs a write).
            let i = self.verified.iter().position(|(v, _)| *v == 0);
            if let Some(v) = self.verified.get_mut(i.unwrap_or(h as usize % VERIFIED)) {
                *v = (h, ck);
            }
            Ok(true)
        }
        fn forget_credential(&mut self, name: &str) {
            let h = name_hash(name);
            for v in self.verified.iter_mut().filter(|v| v.0 == h) {
                *v = (0, 0);
            }
        }
        /// The `RAM:` files (`AT+QFLST="RAM:*"`), named without `RAM:`. The
        /// four `NVRAM:` slots are not listed (the driver does not use them).
        async fn list_credentials(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            self.list_ram_files(f).await
        }
        /// `AT+QSECDEL="RAM:<name>"`.
        async fn delete_credential(&mut self, name: &str) -> Result<(), ModemError> {
            self.delete_ram_file(name).await
        }
        /// SSL socket `ssid` on context `ssid`: TLS 1.2, every cipher suite of
        /// the firmware, seclevel from the parameters (no SNI, no host-name
        /// check: the firmware has neither).
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            match self.tls_open_once(p).await {
                Err(ModemError::PdpDown) if self.urc.pdp_lost => self.tls_open_once(p).await,
                r => r,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Any = super::blocking::M95<&'static mut dyn crate::port::Port>;

    #[test]
    fn models_and_names() {
        assert!(Any::is_model("Quectel_M95"));
        assert!(Any::is_model("Quectel_M66"));
        assert!(Any::is_model("M95"));
        assert!(!Any::is_model("BG95-M3"));
        assert!(!Any::is_model("Quectel_BC66"));
        assert_eq!(
            ram_file("0a1b2c3d.pem").unwrap_or_default(),
            "RAM:0a1b2c3d.pem"
        );
        assert!(is_address(b"10.1.83.188"));
        assert!(!is_address(b"OK") && !is_address(b"") && !is_address(b"DEACT OK"));
    }
}
