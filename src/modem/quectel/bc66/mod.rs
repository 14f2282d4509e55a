//! Quectel BC66 / BC660K (NB-IoT) driver: init, attach, raw TCP and the one
//! offloaded TLS connection, in the dialect of `docs/dialects/bc66.md`
//! (at-dialects-2.md §1, at-commands.md §2).
//!
//! What differs from the BG9x, and how the driver deals with it:
//! - Data goes both ways as hex (`"dataformat",1,1`): every payload is
//!   text inside a line, so a flipped byte on the UART shows up as a
//!   malformed digit (the session fails as damaged) instead of reaching the
//!   application; it costs twice the UART bytes.
//! - Raw sockets have a 2,168-byte receive buffer and no flow control: when
//!   it fills the modem says `"buff full"` and drops what follows. The
//!   driver reads as soon as data is there and polls (the `recv` URC comes
//!   only on empty -> non-empty, and late); a socket that overflowed fails
//!   with [`ModemError::BufferOverflow`], never with bytes missing.
//! - One offloaded connection (context 0, connect ID 0), its data pushed
//!   in `+QSSLURC: "recv"` lines; certificates are given inline (PEM after
//!   a `> ` prompt, ended by Ctrl-Z) and the modem answers with the length
//!   it stored, which the driver checks.

mod dialect;
mod urc;

pub use dialect::Bc66Dialect;

use crate::at::{AtError, Command, DataSource, Fields};
use crate::modem::common::{ati_line, build, copy_str, ignore_line, keep_apn, Arg, KeptApn};
use crate::modem::{
    Apn, Capabilities, CredentialEntry, Identity, ModemError, SocketId, Timeouts, TlsParams,
};
use heapless::String;
use urc::{hex_value, UrcState, SOCKETS};

/// The mask bit of raw socket `id` (none for an id the modem does not
/// have: a caller's bogus id touches nothing).
fn bit(id: u8) -> u8 {
    if usize::from(id) < SOCKETS {
        1 << id
    } else {
        0
    }
}

/// The id the [`Sockets`] calls know the offloaded connection by (raw
/// sockets are 0-4).
const SSL_SOCKET: SocketId = SocketId(8);

/// Most bytes one send or read carries (the BC660K's QSSLSEND limit is
/// 1,024; 512 keeps a read's hex line short).
const CHUNK: usize = 512;

/// How often a read waiting for data asks the modem, whatever the URCs
/// said (the `recv` URC comes late, or not at all while data is buffered).
const POLL_MS: u32 = 200;

/// Which model: the raw sockets' context differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Model {
    /// BC66 (MT2625): context 1.
    Bc66,
    /// BC660K-GL / BC950K-GL: context 0.
    Bc660k,
}

/// The certificate slots of the SSL context, by the extension of the name
/// the offload layer gives a credential.
const SLOTS: [(&str, &str); 3] = [
    (".pem", "cacert"),
    (".crt", "clientcert"),
    (".key", "clientkey"),
];

fn slot_of(name: &str) -> Option<usize> {
    SLOTS.iter().position(|(ext, _)| name.ends_with(ext))
}

fn name_hash(name: &str) -> u32 {
    let h = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h.max(1)
}

/// Upper-case hex of `data`, pulled: two digits per byte, as many as
/// `buf` takes from `*pos` (digits given so far) on.
fn pull_hex(data: &[u8], pos: &mut usize, buf: &mut [u8]) -> usize {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut n = 0;
    for slot in buf.iter_mut() {
        let Some(&b) = data.get(*pos / 2) else {
            break;
        };
        let v = if *pos % 2 == 0 { b >> 4 } else { b & 15 };
        *slot = DIGITS.get(usize::from(v)).copied().unwrap_or(b'0');
        *pos += 1;
        n += 1;
    }
    n
}

/// Decode the hex digits at the start of `buf` in place; the byte count.
fn unhex_in_place(buf: &mut [u8], digits: usize) -> Result<usize, AtError> {
    if digits % 2 != 0 {
        return Err(AtError::Garbled);
    }
    for i in 0..digits / 2 {
        let hi = buf.get(2 * i).copied().and_then(hex_value);
        let lo = buf.get(2 * i + 1).copied().and_then(hex_value);
        match (hi, lo, buf.get_mut(i)) {
            (Some(h), Some(l), Some(dst)) => *dst = h << 4 | l,
            _ => return Err(AtError::Garbled),
        }
    }
    Ok(digits / 2)
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::modem::asynch::{FirmwareTls, Modem, Sockets};
    use crate::port::asynch::Port;

    /// A Quectel BC66 or BC660K on a UART.
    pub struct Bc66<P: Port> {
        at: AtClient<P, Bc66Dialect>,
        urc: UrcState,
        ident: Identity,
        caps: Capabilities,
        timeouts: Timeouts,
        model: Model,
        pdp_up: bool,
        apn: Option<KeptApn>,
        sockets_in_use: u8,
        ssl_in_use: bool,
        /// FNV-1a of the credential names stored and length-checked since init,
        /// by slot (CA, client certificate, client key).
        verified: [u32; 3],
    }

    impl<P: Port> Bc66<P> {
        /// A driver over `port`. Call [`Modem::init`] next.
        pub fn new(port: P) -> Self {
            Self {
                at: AtClient::new(port, Bc66Dialect),
                urc: UrcState::default(),
                ident: Identity::default(),
                caps: Capabilities::quectel_bc66("", ""),
                timeouts: Timeouts::default(),
                model: Model::Bc66,
                pdp_up: false,
                apn: None,
                sockets_in_use: 0,
                ssl_in_use: false,
                verified: [0; 3],
            }
        }

        /// Give the port back.
        pub fn release(self) -> P {
            self.at.into_port()
        }

        /// Whether the model line of `ATI` names a BC66 or a BC660K/BC950K.
        pub fn is_model(model: &str) -> bool {
            model.contains("BC66") || model.contains("BC660K") || model.contains("BC950K")
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

        /// The raw sockets' PDP context.
        fn context(&self) -> u32 {
            match self.model {
                Model::Bc66 => 1,
                Model::Bc660k => 0,
            }
        }

        /// A reboot noticed (`RDY`): everything but the certificates is gone.
        /// Initialise again and re-attach when an APN was given.
        async fn recover(&mut self) -> Result<(), ModemError> {
            self.pdp_up = false;
            self.sockets_in_use = 0;
            self.ssl_in_use = false;
            self.urc = UrcState::default();
            Modem::init(self).await?;
            if self.apn.is_some() {
                self.activate().await?;
            }
            Ok(())
        }

        async fn ensure_up(&mut self) -> Result<(), ModemError> {
            if self.urc.booted {
                self.recover().await?;
            }
            if self.urc.pdp_lost || !self.pdp_up {
                self.activate().await?;
            }
            Ok(())
        }

        async fn activate(&mut self) -> Result<String<46>, ModemError> {
            let Some((a, u, p)) = self.apn.clone() else {
                return Err(ModemError::PdpDown);
            };
            let args = [Arg::Str("IP"), Arg::Str(&a), Arg::Str(&u), Arg::Str(&p)];
            let n = if u.is_empty() && p.is_empty() { 2 } else { 4 };
            self.cmd("AT+QCGDEFCONT=", args.get(..n).unwrap_or(&[]))
                .await?;
            let t = self.timeouts.command_ms;
            self.run("AT+CGATT=", &[Arg::Int(1)], t, &mut ignore_line)
                .await
                .map_err(|e| match e {
                    AtError::Error | AtError::Cme(_) => ModemError::AttachFailed,
                    other => ModemError::At(other),
                })?;
            let deadline = self
                .at
                .now_ms()
                .saturating_add(u64::from(self.timeouts.attach_ms));
            loop {
                let mut attached = false;
                self.run("AT+CGATT?", &[], t, &mut |l| {
                    if let Some(mut f) = Fields::after(l, b"+CGATT:") {
                        attached = f.next_u32() == Some(1);
                    }
                    Ok(())
                })
                .await?;
                if attached {
                    break;
                }
                if self.at.now_ms() >= deadline {
                    return Err(ModemError::AttachFailed);
                }
                let _ = self.at.poll_urcs(1_000, &mut self.urc, |_| false).await;
            }
            let mut ip: Option<String<46>> = None;
            self.run("AT+CGPADDR=", &[Arg::Int(1)], t, &mut |l| {
                if let Some(mut f) = Fields::after(l, b"+CGPADDR:") {
                    let _cid = f.next();
                    if let Some(addr) = f.next().filter(|a| !a.is_empty()) {
                        let mut s = String::new();
                        copy_str(&mut s, addr);
                        ip = Some(s);
                    }
                }
                Ok(())
            })
            .await?;
            let ip = ip.ok_or(ModemError::AttachFailed)?;
            self.pdp_up = true;
            self.urc.pdp_lost = false;
            Ok(ip)
        }

        /// Wait for `done`, handling URCs, up to `timeout_ms`; a reboot ends it.
        async fn wait(
            &mut self,
            timeout_ms: u32,
            done: fn(&UrcState, u8) -> bool,
            id: u8,
        ) -> Result<bool, ModemError> {
            let r = self
                .at
                .poll_urcs(timeout_ms, &mut self.urc, |u| done(u, id) || u.booted)
                .await?;
            if self.urc.booted {
                return Err(ModemError::Rebooted);
            }
            Ok(r)
        }

        async fn tcp_open_inner(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            let id = (0..SOCKETS as u8)
                .find(|&i| self.sockets_in_use & bit(i) == 0)
                .ok_or(ModemError::NoFreeSocket)?;
            self.sockets_in_use |= bit(id);
            self.urc.clear_socket(id);
            let args = [
                Arg::Int(self.context()),
                Arg::Int(u32::from(id)),
                Arg::Str("TCP"),
                Arg::Str(host),
                Arg::Int(u32::from(port)),
                Arg::Int(0),
                Arg::Int(0),
            ];
            if let Err(e) = self.cmd("AT+QIOPEN=", &args).await {
                self.sockets_in_use &= !bit(id);
                return Err(e.into());
            }
            let t = self.timeouts.open_ms;
            let opened = self
                .wait(
                    t,
                    |u, id| {
                        u.open_result
                            .get(usize::from(id))
                            .is_some_and(Option::is_some)
                    },
                    id,
                )
                .await;
            let code = match opened {
                Ok(true) => self
                    .urc
                    .open_result
                    .get(usize::from(id))
                    .copied()
                    .flatten()
                    .unwrap_or(-1),
                Ok(false) => {
                    let _ = self.close_raw(id).await;
                    return Err(ModemError::OpenTimeout);
                }
                Err(e) => {
                    self.sockets_in_use &= !bit(id);
                    return Err(e);
                }
            };
            if code == 0 {
                // Data may have come before the URC could say so.
                self.urc.readable |= bit(id);
                return Ok(SocketId(id));
            }
            let _ = self.close_raw(id).await;
            Err(match code {
                565 | 564 => ModemError::Dns,
                566 => ModemError::ConnectFailed,
                561 | 562 | 570 | 573 => ModemError::PdpDown,
                569 => ModemError::OpenTimeout,
                _ => ModemError::Socket(code),
            })
        }

        async fn close_raw(&mut self, id: u8) -> Result<(), ModemError> {
            let r = self.cmd("AT+QICLOSE=", &[Arg::Int(u32::from(id))]).await;
            self.sockets_in_use &= !bit(id);
            self.urc.clear_socket(id);
            match r {
                Ok(()) => Ok(()),
                // Already closed by the network: nothing to free.
                Err(AtError::Error) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }

        /// One exchange with a data prompt: `head` + `args`, then `data` as hex
        /// digits. A lost prompt or result leaves the connection corrupt.
        async fn send_hex(
            &mut self,
            head: &str,
            args: &[Arg<'_>],
            data: &[u8],
        ) -> Result<(), AtError> {
            let mut c = Command::empty();
            build(&mut c, head, args)?;
            let t = self.timeouts.exchange_ms();
            let mut digits = 0usize;
            self.at
                .exec_with_data(
                    &mut c,
                    data.len() * 2,
                    t,
                    &mut self.urc,
                    &mut |buf| Ok(pull_hex(data, &mut digits, buf)),
                    ignore_line,
                )
                .await
        }

        async fn send_raw(&mut self, id: u8, data: &[u8]) -> Result<usize, ModemError> {
            let n = data.len().min(CHUNK);
            let chunk = data.get(..n).unwrap_or(&[]);
            let deadline = self
                .at
                .now_ms()
                .saturating_add(u64::from(self.timeouts.data_ms));
            loop {
                if self.urc.booted {
                    return Err(ModemError::Rebooted);
                }
                if self.urc.is(self.urc.closed, id) {
                    return Err(ModemError::Closed);
                }
                let args = [Arg::Int(u32::from(id)), Arg::Int(n as u32)];
                match self.send_hex("AT+QISEND=", &args, chunk).await {
                    Ok(()) => return Ok(n),
                    Err(e @ (AtError::PromptLost | AtError::Timeout | AtError::Garbled)) => {
                        let _ = self.cmd("AT+QICLOSE=", &[Arg::Int(u32::from(id))]).await;
                        self.urc.closed |= bit(id);
                        return Err(ModemError::At(e));
                    }
                    Err(AtError::SendFail) if self.at.now_ms() < deadline => {
                        let _ = self.at.poll_urcs(100, &mut self.urc, |_| false).await;
                    }
                    Err(AtError::Error) if self.urc.is(self.urc.closed, id) => {
                        return Err(ModemError::Closed)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }

        /// One `AT+QIRD`: what the modem holds for socket `id`, up to what
        /// `buf` takes.
        async fn read_raw(&mut self, id: u8, buf: &mut [u8]) -> Result<usize, ModemError> {
            // The answer is hex: `buf` holds 2n digits, decoded in place.
            let mut small = [0u8; 2];
            let (dst, want) = if buf.len() >= 2 {
                let want = (buf.len() / 2).min(CHUNK);
                (&mut buf[..], want)
            } else {
                (&mut small[..], 1)
            };
            self.urc.readable &= !bit(id);
            let mut c = Command::empty();
            build(
                &mut c,
                "AT+QIRD=",
                &[Arg::Int(u32::from(id)), Arg::Int(want as u32)],
            )?;
            let t = self.timeouts.exchange_ms();
            let digits = self
                .at
                .exec_read(&mut c, t, &mut self.urc, dst, |h| {
                    if h.starts_with(b"+QIRD:") {
                        Ok(())
                    } else {
                        Err(AtError::Unexpected)
                    }
                })
                .await
                .map_err(ModemError::At)?;
            let n = unhex_in_place(dst, digits)?;
            if n > 0 {
                self.urc.readable |= bit(id);
            }
            if buf.len() < 2 {
                if let (Some(d), Some(&s)) = (buf.get_mut(0), small.first()) {
                    *d = s;
                }
            }
            Ok(n)
        }

        async fn recv_raw(
            &mut self,
            id: u8,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if buf.is_empty() {
                return Ok(0);
            }
            let deadline = self.at.now_ms().saturating_add(u64::from(timeout_ms));
            loop {
                // URCs already received first: a "buff full" behind the last
                // read's answer must not be read past.
                self.wait(0, |_, _| false, id).await?;
                // Whatever was buffered before the overflow is incomplete.
                if self.urc.is(self.urc.overflowed, id) {
                    return Err(ModemError::BufferOverflow);
                }
                let n = self.read_raw(id, buf).await?;
                if n > 0 {
                    return Ok(n);
                }
                if self.urc.is(self.urc.closed, id) {
                    return Ok(0);
                }
                let now = self.at.now_ms();
                if now >= deadline {
                    return Err(ModemError::Timeout);
                }
                let step = u32::try_from(deadline - now)
                    .unwrap_or(u32::MAX)
                    .min(POLL_MS);
                self.wait(
                    step,
                    |u, id| u.is(u.readable | u.closed | u.overflowed, id),
                    id,
                )
                .await?;
            }
        }

        async fn send_ssl(&mut self, data: &[u8]) -> Result<usize, ModemError> {
            if self.urc.booted {
                return Err(ModemError::Rebooted);
            }
            if self.urc.ssl_closed {
                return Err(ModemError::Closed);
            }
            let n = data.len().min(CHUNK);
            let chunk = data.get(..n).unwrap_or(&[]);
            self.urc.ssl_sent = None;
            let args = [Arg::Int(0), Arg::Int(0), Arg::Int(n as u32)];
            match self.send_hex("AT+QSSLSEND=", &args, chunk).await {
                Ok(()) => {}
                Err(e @ (AtError::PromptLost | AtError::Timeout | AtError::Garbled)) => {
                    let _ = self.cmd("AT+QSSLCLOSE=", &[Arg::Int(0), Arg::Int(0)]).await;
                    self.urc.ssl_closed = true;
                    return Err(ModemError::At(e));
                }
                Err(e) => return Err(e.into()),
            }
            let t = self.timeouts.exchange_ms();
            if !self.wait(t, |u, _| u.ssl_sent.is_some(), 0).await? {
                return Err(ModemError::Timeout);
            }
            match self.urc.ssl_sent {
                Some(0) => Ok(n),
                _ if self.urc.ssl_closed => Err(ModemError::Closed),
                _ => Err(ModemError::At(AtError::SendFail)),
            }
        }

        async fn recv_ssl(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, ModemError> {
            if buf.is_empty() {
                return Ok(0);
            }
            if self.urc.ssl_rx.is_empty()
                && !self.urc.ssl_closed
                && !self.urc.ssl_lost
                && !self.urc.ssl_damaged
            {
                self.wait(
                    timeout_ms,
                    |u, _| !u.ssl_rx.is_empty() || u.ssl_closed || u.ssl_lost || u.ssl_damaged,
                    0,
                )
                .await?;
            }
            // Data pushed around a loss or damage is incomplete: that is the
            // answer (the offloaded path has no TLS check on the UART).
            if self.urc.ssl_damaged {
                return Err(ModemError::At(AtError::Garbled));
            }
            if self.urc.ssl_lost {
                return Err(ModemError::BufferOverflow);
            }
            let mut n = 0;
            for dst in buf.iter_mut() {
                match self.urc.ssl_rx.pop_front() {
                    Some(b) => {
                        *dst = b;
                        n += 1;
                    }
                    None => break,
                }
            }
            if n == 0 && !self.urc.ssl_closed {
                return Err(ModemError::Timeout);
            }
            Ok(n)
        }

        /// Store one certificate or key inline (`AT+QSSLCFG=0,0,"<slot>"`,
        /// `> `, the PEM, Ctrl-Z) and check the length the modem stored.
        async fn store_inline(
            &mut self,
            slot: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<(), ModemError> {
            let mut c = Command::empty();
            build(
                &mut c,
                "AT+QSSLCFG=",
                &[Arg::Int(0), Arg::Int(0), Arg::Str(slot)],
            )?;
            let mut stored = None;
            let mut ended = false;
            let t = self.timeouts.exchange_ms();
            let r = self
                .at
                .exec_with_data(
                    &mut c,
                    len + 1,
                    t,
                    &mut self.urc,
                    // The certificate, then Ctrl-Z.
                    &mut |buf| match source(buf)? {
                        0 if !ended => {
                            ended = true;
                            let Some(slot) = buf.first_mut() else {
                                return Ok(0);
                            };
                            *slot = 0x1A;
                            Ok(1)
                        }
                        n => Ok(n),
                    },
                    |l| {
                        if let Some(mut f) = Fields::after(l, b"+QSSLCFG:") {
                            let (_ctx, _cid, _slot) = (f.next(), f.next(), f.next());
                            stored = f.next_u32();
                        }
                        Ok(())
                    },
                )
                .await;
            if let Err(e) = r {
                if matches!(e, AtError::PromptLost | AtError::Timeout | AtError::Garbled) {
                    // The modem may still be taking the certificate: ESC
                    // cancels the upload, then the client resynchronises.
                    let _ = self.at.write(&[0x1B]).await;
                    self.at.set_out_of_step();
                }
                return Err(e.into());
            }
            let sent = u32::try_from(len).unwrap_or(u32::MAX);
            match stored {
                Some(n) if n == sent => Ok(()),
                // 0 = nothing stored; another length = bytes lost on the UART.
                other => Err(ModemError::FileChecksum {
                    sent: (sent & 0xFFFF) as u16,
                    stored: (other.unwrap_or(0) & 0xFFFF) as u16,
                }),
            }
        }
    }

    impl<P: Port> Modem for Bc66<P> {
        /// Synchronise, switch echo off, numeric errors, identify (`ATI`), load
        /// the capability table, network time on, raw sockets in hex.
        async fn init(&mut self) -> Result<&Identity, ModemError> {
            self.at.reset();
            match self.at.sync(&mut self.urc, 10).await {
                Ok(()) => {}
                Err(AtError::Port(p)) => return Err(ModemError::At(AtError::Port(p))),
                Err(_) => return Err(ModemError::NotResponding),
            }
            self.verified = [0; 3];
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
            if !ident.manufacturer.starts_with("Quectel") || !Self::is_model(&ident.model) {
                // Kept: `AnyModem` picks the family from it.
                self.ident = ident;
                return Err(ModemError::UnsupportedModel);
            }
            self.model = if ident.model.contains("BC66") {
                Model::Bc66
            } else {
                Model::Bc660k
            };
            ident.firmware = String::new();
            let _ = ident.firmware.push_str(&ident.revision);
            self.caps = Capabilities::quectel_bc66(&ident.model, &ident.revision);
            let _ = self
                .run("AT+CTZU=", &[Arg::Int(1)], t, &mut ignore_line)
                .await;
            // Raw sockets: hex both ways, reads report the remaining length,
            // header and data on one line.
            self.cmd(
                "AT+QICFG=",
                &[Arg::Str("dataformat"), Arg::Int(1), Arg::Int(1)],
            )
            .await?;
            self.cmd("AT+QICFG=", &[Arg::Str("showlength"), Arg::Int(1)])
                .await?;
            self.cmd("AT+QICFG=", &[Arg::Str("viewmode"), Arg::Int(0)])
                .await?;
            self.urc.booted = false;
            self.ident = ident;
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
        /// `AT+QCGDEFCONT`, `AT+CGATT=1` until attached, the address from
        /// `AT+CGPADDR=1`.
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

    impl<P: Port> Sockets for Bc66<P> {
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            self.tcp_open_inner(host, port).await
        }
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
            if data.is_empty() {
                return Ok(0);
            }
            if id == SSL_SOCKET {
                self.send_ssl(data).await
            } else if self.sockets_in_use & bit(id.0) != 0 {
                self.send_raw(id.0, data).await
            } else {
                // Not a socket this driver opened.
                Err(ModemError::Closed)
            }
        }
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if id == SSL_SOCKET {
                self.recv_ssl(buf, timeout_ms).await
            } else if self.sockets_in_use & bit(id.0) != 0 {
                self.recv_raw(id.0, buf, timeout_ms).await
            } else {
                Err(ModemError::Closed)
            }
        }
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
            if id == SSL_SOCKET {
                self.ssl_in_use = false;
                let r = self.cmd("AT+QSSLCLOSE=", &[Arg::Int(0), Arg::Int(0)]).await;
                self.urc.clear_ssl();
                return match r {
                    Ok(()) | Err(AtError::Error) => Ok(()),
                    Err(e) => Err(e.into()),
                };
            }
            if self.sockets_in_use & bit(id.0) == 0 {
                return Ok(());
            }
            self.close_raw(id.0).await
        }
    }

    impl<P: Port> FirmwareTls for Bc66<P> {
        async fn check_clock(&mut self) -> Result<(), ModemError> {
            let t = self.timeouts.command_ms;
            crate::modem::quectel::time::asynch::check_clock(&mut self.at, &mut self.urc, t).await
        }
        /// Inline into the slot the name's extension selects (`.pem` CA,
        /// `.crt` client certificate, `.key` client key), unless the same name
        /// was stored and its length confirmed since init.
        async fn store_credential(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError> {
            let i = slot_of(name).ok_or(ModemError::At(AtError::InvalidArgument))?;
            let h = name_hash(name);
            if self.verified.get(i) == Some(&h) {
                return Ok(false);
            }
            if len > self.caps.max_cert_len {
                return Err(ModemError::FileTooLarge);
            }
            if let Some(v) = self.verified.get_mut(i) {
                *v = 0;
            }
            let slot = SLOTS.get(i).map_or("cacert", |s| s.1);
            self.store_inline(slot, len, source).await?;
            if let Some(v) = self.verified.get_mut(i) {
                *v = h;
            }
            Ok(true)
        }
        fn forget_credential(&mut self, name: &str) {
            let h = name_hash(name);
            for v in self.verified.iter_mut().filter(|v| **v == h) {
                *v = 0;
            }
        }
        /// Not possible: the firmware keeps the three credentials inline in
        /// its SSL configuration, with no file system and no command that
        /// reads them back (`docs/dialects/bc66.md`, at-dialects-2.md §1.1).
        /// Always [`ModemError::CredentialStoreUnsupported`]; nothing is sent.
        async fn list_credentials(
            &mut self,
            _f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            Err(ModemError::CredentialStoreUnsupported)
        }
        /// Not possible, as for [`FirmwareTls::list_credentials`]: no command
        /// removes a stored certificate (storing another one replaces it).
        /// Always [`ModemError::CredentialStoreUnsupported`]; nothing is sent.
        async fn delete_credential(&mut self, _name: &str) -> Result<(), ModemError> {
            Err(ModemError::CredentialStoreUnsupported)
        }
        /// Context 0 / connect ID 0, all the firmware's versions up to TLS 1.2,
        /// hex data, no SNI (the firmware has none).
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            if self.ssl_in_use {
                return Err(ModemError::NoFreeSocket);
            }
            let seclevel = match (p.verify, p.client_cert.is_some()) {
                (false, false) => 0,
                (true, false) => 1,
                (_, true) => 2,
            };
            let timeout = u32::from(p.handshake_timeout_s.clamp(10, 300));
            let settings: [(&str, Arg<'_>, Option<Arg<'_>>); 4] = [
                ("seclevel", Arg::Int(seclevel), None),
                ("sslversion", Arg::Int(4), None),
                ("dataformat", Arg::Int(1), Some(Arg::Int(1))),
                ("timeout", Arg::Int(timeout), None),
            ];
            for (key, v, w) in settings {
                let args = [
                    Arg::Int(0),
                    Arg::Int(0),
                    Arg::Str(key),
                    v,
                    w.unwrap_or(Arg::Int(0)),
                ];
                let n = if w.is_some() { 5 } else { 4 };
                self.cmd("AT+QSSLCFG=", args.get(..n).unwrap_or(&[]))
                    .await?;
            }
            self.urc.clear_ssl();
            self.cmd(
                "AT+QSSLOPEN=",
                &[
                    Arg::Int(0),
                    Arg::Int(0),
                    Arg::Str(p.host),
                    Arg::Int(u32::from(p.port)),
                    Arg::Int(0),
                ],
            )
            .await?;
            self.ssl_in_use = true;
            let t = self.timeouts.open_ms.saturating_add(timeout * 1000);
            let code = match self.wait(t, |u, _| u.ssl_open.is_some(), 0).await {
                Ok(true) => self.urc.ssl_open.unwrap_or(-1),
                Ok(false) => {
                    let _ = Sockets::close(self, SSL_SOCKET).await;
                    return Err(ModemError::OpenTimeout);
                }
                Err(e) => {
                    self.ssl_in_use = false;
                    return Err(e);
                }
            };
            if code == 0 {
                return Ok(SSL_SOCKET);
            }
            let _ = Sockets::close(self, SSL_SOCKET).await;
            Err(match code {
                -2 => ModemError::ConnectFailed,
                -7 => ModemError::OpenTimeout,
                _ => ModemError::HandshakeFailed(code),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hex_both_ways() {
        // Pulled in pieces of every size, the digits are the same.
        for piece in 1..10 {
            let (mut out, mut pos, mut buf) = (Vec::new(), 0, vec![0u8; piece]);
            loop {
                let n = pull_hex(&[0x00, 0x7F, 0xA5, 0xFF], &mut pos, &mut buf);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"007FA5FF");
        }
        let mut buf = *b"007fA5FF";
        assert_eq!(unhex_in_place(&mut buf, 8), Ok(4));
        assert_eq!(&buf[..4], &[0x00, 0x7F, 0xA5, 0xFF]);
        assert_eq!(
            unhex_in_place(&mut b"0G".to_vec(), 2),
            Err(AtError::Garbled)
        );
        assert_eq!(
            unhex_in_place(&mut b"012".to_vec(), 3),
            Err(AtError::Garbled)
        );
        assert_eq!(unhex_in_place(&mut [0u8; 2], 4), Err(AtError::Garbled));
    }

    #[test]
    fn slots_by_extension() {
        assert_eq!(slot_of("1a2b3c4d.pem"), Some(0));
        assert_eq!(slot_of("1a2b3c4d.crt"), Some(1));
        assert_eq!(slot_of("1a2b3c4d.key"), Some(2));
        assert_eq!(slot_of("x.der"), None);
    }
}
