//! Quectel BG95/BG96/BG77 driver: init, PDP, files, raw TCP and SSL sockets.
//!
//! Command syntax and error codes: at-commands.md §1 (BG96 TCP/IP and
//! file manuals, BG95/BG77 SSL application note = seeds/003).

use super::dialect::QuectelDialect;
use super::urc::{UrcState, SOCKETS};
use crate::at::{slice_source, AtError, Command, DataSource, Fields};
use crate::modem::common::{
    ati_line, build, copy_str, ignore_line, keep_apn, single_name, Arg, KeptApn,
};
use crate::modem::{
    Apn, Capabilities, CredentialEntry, Identity, ModemError, SocketId, Timeouts, TlsParams,
};
use heapless::String;

/// Which socket command set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketKind {
    /// Raw TCP (`AT+QIOPEN`, `AT+QISEND`, `AT+QIRD`, `AT+QICLOSE`).
    Tcp,
    /// Offloaded TLS (`AT+QSSLOPEN`, `AT+QSSLSEND`, `AT+QSSLRECV`, `AT+QSSLCLOSE`).
    Ssl,
}

impl SocketKind {
    fn send_cmd(self) -> &'static str {
        match self {
            SocketKind::Tcp => "AT+QISEND=",
            SocketKind::Ssl => "AT+QSSLSEND=",
        }
    }
    fn read_cmd(self) -> &'static str {
        match self {
            SocketKind::Tcp => "AT+QIRD=",
            SocketKind::Ssl => "AT+QSSLRECV=",
        }
    }
    fn read_header(self) -> &'static [u8] {
        match self {
            SocketKind::Tcp => b"+QIRD:",
            SocketKind::Ssl => b"+QSSLRECV:",
        }
    }
    fn close_cmd(self) -> &'static str {
        match self {
            SocketKind::Tcp => "AT+QICLOSE=",
            SocketKind::Ssl => "AT+QSSLCLOSE=",
        }
    }
}

/// `AT+QSSLCFG="sslversion"` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslVersion {
    /// TLS 1.2 only (3).
    Tls12,
    /// Everything the firmware has (4).
    All,
}

/// The settings of one SSL context (`AT+QSSLCFG`).
#[derive(Clone, Copy, Debug)]
pub struct SslSettings<'a> {
    /// `"sslversion"`.
    pub version: SslVersion,
    /// `"ciphersuite"`: an IANA code, or `0xFFFF` for all the firmware has.
    pub cipher_suite: u16,
    /// `"seclevel"`: 0 no verification, 1 server, 2 server + client certificate.
    pub seclevel: u8,
    /// `"cacert"` file name.
    pub ca_file: Option<&'a str>,
    /// `"clientcert"` file name.
    pub client_cert_file: Option<&'a str>,
    /// `"clientkey"` file name.
    pub client_key_file: Option<&'a str>,
    /// `"sni"` (only written when the firmware has the key).
    pub sni: bool,
    /// `"checkhost"`.
    pub check_host: bool,
    /// `"ignorelocaltime"`: skip the validity-date check.
    pub ignore_local_time: bool,
    /// `"negotiatetime"`, seconds (10-300).
    pub negotiate_time_s: u16,
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::modem::asynch::{FirmwareTls, Modem, Sockets};
    use crate::modem::quectel::checksum::asynch::upload;
    use crate::port::asynch::Port;

    /// A Quectel BG95/BG96/BG77 on a UART.
    pub struct Bg9x<P: Port> {
        at: AtClient<P, QuectelDialect>,
        urc: UrcState,
        ident: Identity,
        caps: Capabilities,
        timeouts: Timeouts,
        cid: u8,
        pdp_up: bool,
        apn: Option<KeptApn>,
        sockets_in_use: u16,
        contexts_in_use: u8,
        /// The SSL context of each socket opened through
        /// [`FirmwareTls::tls_open`] (`None`: a raw TCP socket), so callers of
        /// the [`Sockets`] calls never name a command set.
        ssl_ctx: [Option<u8>; SOCKETS],
        /// Names (FNV-1a hashes) of the files uploaded and checksum-verified
        /// since the last init: only these are reused without an upload.
        verified: [u32; VERIFIED],
    }

    /// Files remembered as verified since init (CA, client certificate, key).
    const VERIFIED: usize = 4;

    /// FNV-1a of a file name, never 0 (0 marks a free slot).
    fn name_hash(name: &str) -> u32 {
        let h = name.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        h.max(1)
    }

    impl<P: Port> Bg9x<P> {
        /// A driver over `port`. Call [`Bg9x::init`] next.
        pub fn new(port: P) -> Self {
            Self {
                at: AtClient::new(port, QuectelDialect),
                urc: UrcState {
                    cid: 1,
                    ..Default::default()
                },
                ident: Identity::default(),
                caps: Capabilities::quectel_bg9x("", ""),
                timeouts: Timeouts::default(),
                cid: 1,
                pdp_up: false,
                apn: None,
                sockets_in_use: 0,
                contexts_in_use: 0,
                ssl_ctx: [None; SOCKETS],
                verified: [0; VERIFIED],
            }
        }

        /// Change the deadlines.
        pub fn set_timeouts(&mut self, t: Timeouts) {
            self.timeouts = t;
        }

        /// The deadlines in force.
        pub fn timeouts(&self) -> Timeouts {
            self.timeouts
        }

        /// The capability table picked at init.
        pub fn capabilities(&self) -> &Capabilities {
            &self.caps
        }

        /// What the modem said it is.
        pub fn identity(&self) -> &Identity {
            &self.ident
        }

        /// The port's clock.
        pub fn now_ms(&mut self) -> u64 {
            self.at.now_ms()
        }

        /// The port's real-time clock (Unix seconds), if the board has one.
        pub fn port_unix_time(&mut self) -> Option<u64> {
            self.at.unix_time()
        }

        /// Give the port back.
        pub fn release(self) -> P {
            self.at.into_port()
        }

        /// Whether the model line of `ATI` names a BG95, BG96 or BG77.
        pub fn is_model(model: &str) -> bool {
            model.starts_with("BG9") || model.starts_with("BG77")
        }

        /// Run `head` + `args`, passing information lines to `on_line`: one
        /// copy of the command building and running for every command.
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

        /// Run `head` + `args` with the command deadline, ignoring lines.
        async fn cmd(&mut self, head: &str, args: &[Arg<'_>]) -> Result<(), AtError> {
            let t = self.timeouts.command_ms;
            self.run(head, args, t, &mut ignore_line).await
        }

        async fn simple(&mut self, text: &str, timeout_ms: u32) -> Result<(), AtError> {
            self.run(text, &[], timeout_ms, &mut ignore_line).await
        }

        /// Synchronise with the modem, switch echo off, enable numeric errors,
        /// identify it (`ATI`, `AT+QGMR`) and pick its capability table. SNI
        /// support is confirmed by reading the `"sni"` key.
        pub async fn init(&mut self) -> Result<&Identity, ModemError> {
            self.at.reset();
            match self.at.sync(&mut self.urc, 10).await {
                Ok(()) => {}
                Err(AtError::Port(p)) => return Err(ModemError::At(AtError::Port(p))),
                Err(_) => return Err(ModemError::NotResponding),
            }
            // A (re)started modem: nothing uploaded before counts as checked.
            self.verified = [0; VERIFIED];
            let t = self.timeouts.command_ms;
            self.simple("ATE0", t).await?;
            self.simple("AT+CMEE=1", t).await?;

            let mut ident = Identity::default();
            let mut n = 0;
            self.run("ATI", &[], t, &mut |l| {
                ati_line(&mut ident, &mut n, l);
                Ok(())
            })
            .await?;
            if ident.manufacturer.as_str() != "Quectel" || !Self::is_model(&ident.model) {
                // Kept: `AnyModem` picks the family from it.
                self.ident = ident;
                return Err(ModemError::UnsupportedModel);
            }
            self.run("AT+QGMR", &[], t, &mut |l| {
                copy_str(&mut ident.firmware, l);
                Ok(())
            })
            .await?;
            self.caps = Capabilities::quectel_bg9x(&ident.model, &ident.revision);
            // The capability table is a prior; the firmware has the last word.
            self.caps.sni = self
                .cmd("AT+QSSLCFG=", &[Arg::Str("sni"), Arg::Int(0)])
                .await
                .is_ok();
            // Network time updates the clock used for certificate validity.
            let _ = self.simple("AT+CTZU=1", t).await;
            self.urc.booted = false;
            self.ident = ident;
            Ok(&self.ident)
        }

        /// Configure and activate PDP context 1 (`AT+QICSGP`, `AT+QIACT`),
        /// returning the local address from `AT+QIACT?`.
        pub async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
            self.apn = Some(keep_apn(apn)?);
            self.activate().await
        }

        async fn activate(&mut self) -> Result<String<46>, ModemError> {
            let Some((a, u, p)) = &self.apn else {
                return Err(ModemError::PdpDown);
            };
            let auth = if u.is_empty() { 0 } else { 3 };
            let cid = Arg::Int(u32::from(self.cid));
            let mut c = Command::empty();
            build(
                &mut c,
                "AT+QICSGP=",
                &[
                    cid,
                    Arg::Int(1),
                    Arg::Str(a),
                    Arg::Str(u),
                    Arg::Str(p),
                    Arg::Int(auth),
                ],
            )?;
            let t = self.timeouts.command_ms;
            self.at
                .exec_dyn(&mut c, t, &mut self.urc, &mut ignore_line)
                .await?;
            if self.local_address().await?.is_none() {
                let t = self.timeouts.attach_ms;
                self.run("AT+QIACT=", &[cid], t, &mut ignore_line)
                    .await
                    .map_err(|e| match e {
                        AtError::Error | AtError::Cme(_) => ModemError::AttachFailed,
                        other => ModemError::At(other),
                    })?;
            }
            let ip = self
                .local_address()
                .await?
                .ok_or(ModemError::AttachFailed)?;
            self.pdp_up = true;
            self.urc.pdp_lost = false;
            Ok(ip)
        }

        /// The local address of the active context, from `AT+QIACT?`.
        pub async fn local_address(&mut self) -> Result<Option<String<46>>, ModemError> {
            let mut ip: Option<String<46>> = None;
            let cid = u32::from(self.cid);
            let t = self.timeouts.command_ms;
            self.run("AT+QIACT?", &[], t, &mut |l| {
                if let Some(mut f) = Fields::after(l, b"+QIACT:") {
                    let c = f.next_u32();
                    let state = f.next_u32();
                    let _type = f.next();
                    if let (Some(c), Some(1), Some(addr)) = (c, state, f.next()) {
                        if c == cid {
                            let mut s = String::new();
                            copy_str(&mut s, addr);
                            ip = Some(s);
                        }
                    }
                }
                Ok(())
            })
            .await?;
            Ok(ip)
        }

        /// Re-activate the context after `"pdpdeact"` (the modem closed its
        /// sockets); a no-op while it is up.
        async fn ensure_pdp(&mut self) -> Result<(), ModemError> {
            // Take in URCs already sent (a "pdpdeact" or a restart while we
            // were idle).
            self.at.poll_urcs(0, &mut self.urc, never).await?;
            if self.urc.booted {
                self.recover().await?;
            }
            if self.urc.pdp_lost {
                self.pdp_up = false;
                self.sockets_in_use = 0;
                let t = self.timeouts.attach_ms;
                let cid = Arg::Int(u32::from(self.cid));
                let _ = self.run("AT+QIDEACT=", &[cid], t, &mut ignore_line).await;
                self.activate().await?;
            }
            if !self.pdp_up {
                return Err(ModemError::PdpDown);
            }
            Ok(())
        }

        /// The modem restarted (`RDY`): its sockets, contexts and settings are
        /// gone. Initialise it again and, when [`Bg9x::attach`] was called,
        /// activate the same APN again.
        async fn recover(&mut self) -> Result<(), ModemError> {
            self.pdp_up = false;
            self.sockets_in_use = 0;
            self.contexts_in_use = 0;
            self.ssl_ctx = [None; SOCKETS];
            self.urc = UrcState {
                cid: self.cid,
                ..Default::default()
            };
            self.init().await?;
            if self.apn.is_some() {
                self.activate().await?;
            }
            Ok(())
        }

        /// Whether the modem restarted since the last init (`RDY` seen): the
        /// socket in use is gone and the next connect initialises it again.
        pub fn rebooted(&self) -> bool {
            self.urc.booted
        }

        /// The modem's clock (`AT+CCLK?`) as Unix seconds (UTC). Fails with
        /// [`ModemError::ClockNotSet`] while it shows a date before 2024 (the
        /// modem has not had network time yet).
        pub async fn network_time(&mut self) -> Result<u64, ModemError> {
            let t = self.timeouts.command_ms;
            crate::modem::quectel::time::asynch::network_time(&mut self.at, &mut self.urc, t).await
        }

        /// Whether the modem's clock (`AT+CCLK?`) has been set: what the
        /// offloaded path needs (the firmware checks validity dates against it),
        /// without the date arithmetic of [`Bg9x::network_time`]. Fails with
        /// [`ModemError::ClockNotSet`] while it shows a year before 2024.
        pub async fn check_clock(&mut self) -> Result<(), ModemError> {
            let t = self.timeouts.command_ms;
            crate::modem::quectel::time::asynch::check_clock(&mut self.at, &mut self.urc, t).await
        }

        // ---- files (AT+QFUPL / QFLST / QFDEL) ----

        /// Size of file `name` in the modem's UFS, or `None` when absent.
        pub async fn file_size(&mut self, name: &str) -> Result<Option<u32>, ModemError> {
            let mut size = None;
            let t = self.timeouts.command_ms;
            let r = self
                .run("AT+QFLST=", &[Arg::Str(name)], t, &mut |l| {
                    if let Some(mut f) = Fields::after(l, b"+QFLST:") {
                        if f.next() == Some(name.as_bytes()) {
                            size = f.next_u32();
                        }
                    }
                    Ok(())
                })
                .await;
            match r {
                Ok(()) => Ok(size),
                // 405: file not found.
                Err(AtError::Cme(Some(405))) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }

        /// Delete file `name`; a missing file is not an error.
        pub async fn delete_file(&mut self, name: &str) -> Result<(), ModemError> {
            match self.cmd("AT+QFDEL=", &[Arg::Str(name)]).await {
                Ok(()) | Err(AtError::Cme(Some(405))) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }

        /// Every file in the modem's UFS (`AT+QFLST` → `+QFLST: "<name>",<size>`
        /// lines), each passed to `f` with its size and the kind its extension
        /// gives. A line of another shape (a name too long, not printable, a
        /// size that is not a number) fails the list with
        /// [`AtError::Unexpected`]; `f` is not called after it.
        pub async fn list_files(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            let t = self.timeouts.command_ms;
            let mut bad = false;
            let r = self
                .run("AT+QFLST", &[], t, &mut |l| {
                    super::super::qflst_line(l, &mut bad, |n| Some(n), f)
                })
                .await;
            super::super::qflst_result(r, bad)
        }

        /// Delete file `name` (`AT+QFDEL="<name>"`) and stop trusting it;
        /// [`ModemError::CredentialNotFound`] when there is no such file
        /// (`+CME ERROR: 405`). A wildcard (`*`, `?`) is refused
        /// ([`AtError::InvalidArgument`]): `AT+QFDEL="*"` deletes every file.
        pub async fn delete_credential_file(&mut self, name: &str) -> Result<(), ModemError> {
            if !single_name(name) {
                return Err(ModemError::At(AtError::InvalidArgument));
            }
            self.forget_file(name);
            match self.cmd("AT+QFDEL=", &[Arg::Str(name)]).await {
                Ok(()) => Ok(()),
                Err(AtError::Cme(Some(405))) => Err(ModemError::CredentialNotFound),
                Err(e) => Err(e.into()),
            }
        }

        /// Upload `len` bytes produced by `source` as file `name`, and check
        /// the modem's XOR-16 checksum against the bytes sent. A mismatch
        /// deletes the file and fails.
        pub async fn upload(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<(), ModemError> {
            if len == 0 || len > self.caps.max_cert_len {
                return Err(ModemError::FileTooLarge);
            }
            self.forget_file(name);
            let timeout_s = 10u32;
            let t = self.timeouts.command_ms.saturating_add(timeout_s * 1000);
            // `len` is at most `max_cert_len`.
            let mut c = Command::empty();
            build(
                &mut c,
                "AT+QFUPL=",
                &[Arg::Str(name), Arg::Int(len as u32), Arg::Int(timeout_s)],
            )?;
            let up = match upload(
                &mut self.at,
                &mut self.urc,
                &mut c,
                len,
                t,
                source,
                b"+QFUPL:",
            )
            .await
            {
                Ok(up) => up,
                Err(e) => {
                    // Whatever the modem stored (filler after a lost CONNECT, a
                    // partial file) must not be taken for the credential later.
                    let _ = self.delete_file(name).await;
                    return Err(e.into());
                }
            };
            if up.is_exact(len) {
                // Into a free slot, else over the one the hash picks (a
                // forgotten entry only costs an upload).
                let h = name_hash(name);
                let i = self.verified.iter().position(|v| *v == 0 || *v == h);
                if let Some(v) = self.verified.get_mut(i.unwrap_or(h as usize % VERIFIED)) {
                    *v = h;
                }
                return Ok(());
            }
            let _ = self.delete_file(name).await;
            match up.reply {
                Some((_, stored)) => Err(ModemError::FileChecksum {
                    sent: up.sum,
                    stored,
                }),
                None => Err(ModemError::At(AtError::Unexpected)),
            }
        }

        /// Make sure file `name` holds the `len` bytes of `source`: skipped when
        /// this driver uploaded it, with the modem's checksum matching, since
        /// the last init and a file of that name and size is still there
        /// (callers name files after a CRC-32 of their content, so the name
        /// stands for the content); else deleted and uploaded again. A file
        /// found from an earlier boot is never trusted unchecked: a damaged
        /// upload may have left it. Returns whether an upload happened.
        pub async fn store_file(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError> {
            let h = name_hash(name);
            if self.verified.contains(&h) && self.file_size(name).await? == u32::try_from(len).ok()
            {
                return Ok(false);
            }
            // `upload` forgets the file first.
            self.delete_file(name).await?;
            self.upload(name, len, source).await?;
            Ok(true)
        }

        /// Stop trusting file `name` (e.g. the firmware rejected it): the next
        /// [`Bg9x::store_file`] uploads it again.
        pub fn forget_file(&mut self, name: &str) {
            let h = name_hash(name);
            for v in self.verified.iter_mut().filter(|v| **v == h) {
                *v = 0;
            }
        }

        // ---- sockets ----

        fn alloc_socket(&mut self) -> Result<u8, ModemError> {
            let n = usize::from(self.caps.sockets).min(SOCKETS);
            for id in 0..n {
                let b = 1u16 << id;
                if self.sockets_in_use & b == 0 {
                    self.sockets_in_use |= b;
                    let id = id as u8;
                    self.urc.clear_socket(id);
                    return Ok(id);
                }
            }
            Err(ModemError::NoFreeSocket)
        }

        fn free_socket(&mut self, id: u8) {
            if usize::from(id) < SOCKETS {
                self.sockets_in_use &= !(1u16 << id);
            }
        }

        /// Open a raw TCP socket to `host:port` in buffer mode.
        pub async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            self.open(SocketKind::Tcp, 0, host, port, 0).await
        }

        /// Configure SSL context `ctx` (`AT+QSSLCFG`).
        pub async fn ssl_configure(
            &mut self,
            ctx: u8,
            s: &SslSettings<'_>,
        ) -> Result<(), ModemError> {
            let version = match s.version {
                SslVersion::Tls12 => 3,
                SslVersion::All => 4,
            };
            let mut hex: String<8> = String::new();
            let _ = hex.push_str("0x");
            let _ = crate::at::push_hex(&mut hex, u32::from(s.cipher_suite), 4, true);
            let flag = |on: bool| Some(Arg::Int(u32::from(on)));
            let settings = [
                ("sslversion", Some(Arg::Int(version))),
                ("ciphersuite", Some(Arg::Raw(&hex))),
                ("seclevel", Some(Arg::Int(u32::from(s.seclevel)))),
                ("cacert", s.ca_file.map(Arg::Str)),
                ("clientcert", s.client_cert_file.map(Arg::Str)),
                ("clientkey", s.client_key_file.map(Arg::Str)),
                ("sni", if self.caps.sni { flag(s.sni) } else { None }),
                ("checkhost", flag(s.check_host)),
                ("ignorelocaltime", flag(s.ignore_local_time)),
                (
                    "negotiatetime",
                    Some(Arg::Int(u32::from(s.negotiate_time_s.clamp(10, 300)))),
                ),
            ];
            for (key, value) in settings {
                if let Some(v) = value {
                    self.cmd("AT+QSSLCFG=", &[Arg::Str(key), Arg::Int(u32::from(ctx)), v])
                        .await?;
                }
            }
            Ok(())
        }

        /// Reserve an SSL context (0-5).
        pub fn alloc_context(&mut self) -> Result<u8, ModemError> {
            for ctx in 0..self.caps.ssl_contexts.min(8) {
                if self.contexts_in_use & (1 << ctx) == 0 {
                    self.contexts_in_use |= 1 << ctx;
                    return Ok(ctx);
                }
            }
            Err(ModemError::NoFreeSocket)
        }

        /// Give an SSL context back.
        pub fn free_context(&mut self, ctx: u8) {
            if ctx < 8 {
                self.contexts_in_use &= !(1 << ctx);
            }
        }

        /// Open an offloaded TLS connection with SSL context `ctx`.
        /// `negotiate_time_s` extends the wait for the handshake.
        pub async fn ssl_open(
            &mut self,
            ctx: u8,
            host: &str,
            port: u16,
            negotiate_time_s: u16,
        ) -> Result<SocketId, ModemError> {
            self.open(SocketKind::Ssl, ctx, host, port, negotiate_time_s)
                .await
        }

        /// [`Bg9x::tcp_open`] and [`Bg9x::ssl_open`] (`ctx` and
        /// `negotiate_time_s` for SSL only): one copy of the opening for both.
        #[inline(never)]
        async fn open(
            &mut self,
            kind: SocketKind,
            ctx: u8,
            host: &str,
            port: u16,
            negotiate_time_s: u16,
        ) -> Result<SocketId, ModemError> {
            let mut retried = false;
            loop {
                match self
                    .open_once(kind, ctx, host, port, negotiate_time_s)
                    .await
                {
                    // The "pdpdeact" URC arrived during the open: reactivate,
                    // retry once.
                    Err(ModemError::PdpDown) if self.urc.pdp_lost && !retried => retried = true,
                    // 563: the modem still had that socket open (its close was
                    // lost on the UART). The failed open closed it: retry once.
                    Err(ModemError::Socket(563)) if !retried => retried = true,
                    r => return r,
                }
            }
        }

        /// Run the open command for a new socket (`AT+QIOPEN` in buffer mode,
        /// or `AT+QSSLOPEN` with context `ctx`) and wait for its result URC.
        async fn open_once(
            &mut self,
            kind: SocketKind,
            ctx: u8,
            host: &str,
            port: u16,
            negotiate_time_s: u16,
        ) -> Result<SocketId, ModemError> {
            self.ensure_pdp().await?;
            let id = self.alloc_socket()?;
            let ssl = kind == SocketKind::Ssl;
            let sid = Arg::Int(u32::from(id));
            // TCP: cid,id,"TCP",host,port,0,0; SSL: cid,ctx,id,host,port,0.
            let (head, second, third, n) = if ssl {
                ("AT+QSSLOPEN=", Arg::Int(u32::from(ctx)), sid, 6)
            } else {
                ("AT+QIOPEN=", sid, Arg::Str("TCP"), 7)
            };
            let args = [
                Arg::Int(u32::from(self.cid)),
                second,
                third,
                Arg::Str(host),
                Arg::Int(u32::from(port)),
                Arg::Int(0),
                Arg::Int(0),
            ];
            if let Err(e) = self.cmd(head, args.get(..n).unwrap_or(&args)).await {
                self.free_socket(id);
                return Err(e.into());
            }
            let extra = if ssl {
                u32::from(negotiate_time_s).saturating_mul(1000)
            } else {
                0
            };
            let t = self.timeouts.open_ms.saturating_add(extra);
            let code = match self.await_open(kind, id, t).await {
                Ok(Some(code)) => code,
                Ok(None) => {
                    let _ = self.close(kind, SocketId(id)).await;
                    return Err(ModemError::OpenTimeout);
                }
                Err(e @ ModemError::At(AtError::Garbled)) => {
                    let _ = self.close(kind, SocketId(id)).await;
                    return Err(e);
                }
                Err(e) => {
                    self.free_socket(id);
                    return Err(e);
                }
            };
            if code == 0 {
                // A "recv" URC may have come before we listened: read once.
                self.urc.set_readable(id, true);
                return Ok(SocketId(id));
            }
            // A failed open still holds the socket until it is closed.
            let _ = self.close(kind, SocketId(id)).await;
            Err(match code {
                565 | 564 => ModemError::Dns,
                566 => ModemError::ConnectFailed,
                561 | 562 | 570 | 573 => ModemError::PdpDown,
                569 => ModemError::OpenTimeout,
                550..=574 => ModemError::Socket(code),
                _ if ssl => ModemError::HandshakeFailed(code),
                _ => ModemError::Socket(code),
            })
        }

        /// Wait up to `timeout_ms` for socket `id`'s open result. When a reply
        /// that could have been that result arrives damaged (a stray line, an
        /// open result that is unreadable or names another socket: the driver
        /// opens one at a time), the modem is asked for the socket's state
        /// instead of waiting out the whole open time: connected is success,
        /// still opening waits on, anything else is [`AtError::Garbled`] (the
        /// caller closes the socket).
        #[inline(never)]
        async fn await_open(
            &mut self,
            kind: SocketKind,
            id: u8,
            timeout_ms: u32,
        ) -> Result<Option<i32>, ModemError> {
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms));
            loop {
                let noise = self.urc.noise;
                let left = deadline.saturating_sub(self.now_ms());
                self.at
                    .poll_urcs(
                        u32::try_from(left).unwrap_or(u32::MAX),
                        &mut self.urc,
                        |u| u.open_result(id).is_some() || u.noise != noise,
                    )
                    .await?;
                if let Some(code) = self.urc.open_result(id) {
                    return Ok(Some(code));
                }
                if self.urc.noise == noise {
                    return Ok(None);
                }
                match self.socket_state(kind, id).await? {
                    Some(2) => return Ok(Some(0)),
                    Some(1) => {}
                    _ => return Err(ModemError::At(AtError::Garbled)),
                }
            }
        }

        /// The state of socket `id` from the modem's socket list
        /// (`AT+QISTATE?` / `AT+QSSLSTATE`): 1 opening, 2 connected, 4 closing;
        /// `None` when the list has no such socket.
        async fn socket_state(
            &mut self,
            kind: SocketKind,
            id: u8,
        ) -> Result<Option<u32>, ModemError> {
            let mut state = None;
            let t = self.timeouts.command_ms;
            let (head, prefix): (&str, &[u8]) = match kind {
                SocketKind::Tcp => ("AT+QISTATE?", b"+QISTATE:"),
                SocketKind::Ssl => ("AT+QSSLSTATE", b"+QSSLSTATE:"),
            };
            self.run(head, &[], t, &mut |l| {
                if let Some(mut f) = Fields::after(l, prefix) {
                    if f.next_u32() == Some(u32::from(id)) {
                        // id, type, ip, rport, lport, state
                        state = f.nth(4).and_then(crate::at::parse_u32);
                    }
                }
                Ok(())
            })
            .await?;
            Ok(state)
        }

        /// Send up to one chunk of `data`; returns how many bytes the modem took.
        /// `SEND FAIL` (modem buffer full) is retried until the data deadline,
        /// then returned as `ModemError::At(AtError::SendFail)` (the buffer
        /// stayed full: the peer does not read, or the network is too slow);
        /// the socket stays open, the chunk was not taken.
        pub async fn send(
            &mut self,
            kind: SocketKind,
            id: SocketId,
            data: &[u8],
        ) -> Result<usize, ModemError> {
            if data.is_empty() {
                return Ok(0);
            }
            let n = data.len().min(self.caps.send_chunk);
            let chunk = data.get(..n).unwrap_or(&[]);
            let deadline = self
                .now_ms()
                .saturating_add(u64::from(self.timeouts.data_ms));
            loop {
                if self.urc.booted {
                    return Err(ModemError::Rebooted);
                }
                if self.urc.is_closed(id.0) {
                    return Err(ModemError::Closed);
                }
                let t = self.timeouts.exchange_ms();
                // `n` is at most `send_chunk`.
                let mut c = Command::empty();
                build(
                    &mut c,
                    kind.send_cmd(),
                    &[Arg::Int(u32::from(id.0)), Arg::Int(n as u32)],
                )?;
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
                        // The modem restarted during the send: the socket is
                        // gone with everything else.
                        self.urc.mark_closed(id.0);
                        return Err(ModemError::Rebooted);
                    }
                    Err(e @ (AtError::PromptLost | AtError::Timeout | AtError::Garbled)) => {
                        // Filler went out in place of (or after) the data, or
                        // the modem is out of reach: the connection is corrupt.
                        // Close it in the modem; the socket stays allocated
                        // (and reads as closed) until its owner closes it, so
                        // its id cannot be reused under it.
                        let _ = self.shut(kind, id).await;
                        self.urc.mark_closed(id.0);
                        return Err(ModemError::At(e));
                    }
                    Err(AtError::SendFail) if self.now_ms() < deadline => {
                        // Buffer full: let the modem drain, handling URCs.
                        let _ = self.at.poll_urcs(100, &mut self.urc, never).await;
                    }
                    Err(AtError::SendFail) => return Err(ModemError::At(AtError::SendFail)),
                    Err(AtError::Error) if self.urc.is_closed(id.0) => {
                        return Err(ModemError::Closed)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }

        /// Read what the modem holds for socket `id` (at most one read chunk);
        /// `Ok(0)` when nothing is buffered now.
        pub async fn recv(
            &mut self,
            kind: SocketKind,
            id: SocketId,
            buf: &mut [u8],
        ) -> Result<usize, ModemError> {
            let want = buf.len().min(self.caps.read_chunk);
            if want == 0 {
                return Ok(0);
            }
            let dst = buf.get_mut(..want).unwrap_or(&mut []);
            // Clear first: a "recv" URC arriving during the read sets it again.
            self.urc.set_readable(id.0, false);
            let header = kind.read_header();
            let t = self.timeouts.exchange_ms();
            // `want` is at most `read_chunk`.
            let mut c = Command::empty();
            build(
                &mut c,
                kind.read_cmd(),
                &[Arg::Int(u32::from(id.0)), Arg::Int(want as u32)],
            )?;
            let n = self
                .at
                .exec_read(&mut c, t, &mut self.urc, dst, |h| {
                    if h.starts_with(header) {
                        Ok(())
                    } else {
                        Err(AtError::Unexpected)
                    }
                })
                .await;
            match n {
                Ok(n) => {
                    if n > 0 {
                        self.urc.set_readable(id.0, true);
                    }
                    Ok(n)
                }
                Err(e) => {
                    self.urc.set_readable(id.0, true);
                    // A restart during the read: its banner came instead of the
                    // answer, and that is the cause to report.
                    if self.urc.booted {
                        return Err(ModemError::Rebooted);
                    }
                    if self.urc.is_closed(id.0) && e == AtError::Error {
                        return Ok(0);
                    }
                    Err(e.into())
                }
            }
        }

        /// Block until data arrives (returns its length), the peer closed and
        /// everything was read (`Ok(0)`), or `timeout_ms` passes
        /// ([`ModemError::Timeout`]).
        pub async fn recv_wait(
            &mut self,
            kind: SocketKind,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if buf.is_empty() {
                return Ok(0);
            }
            let deadline = self.now_ms().saturating_add(u64::from(timeout_ms));
            loop {
                if self.urc.booted {
                    return Err(ModemError::Rebooted);
                }
                if self.urc.is_readable(id.0) {
                    let n = self.recv(kind, id, buf).await?;
                    if n > 0 {
                        return Ok(n);
                    }
                }
                if self.urc.is_closed(id.0) && !self.urc.is_readable(id.0) {
                    return Ok(0);
                }
                if self.urc.pdp_lost {
                    return Err(ModemError::PdpDown);
                }
                let now = self.now_ms();
                if now >= deadline {
                    return Err(ModemError::Timeout);
                }
                let wait = u32::try_from(deadline - now).unwrap_or(u32::MAX);
                let sid = id.0;
                self.at
                    .poll_urcs(wait, &mut self.urc, |u| {
                        u.is_readable(sid) || u.is_closed(sid) || u.pdp_lost || u.booted
                    })
                    .await?;
            }
        }

        /// Whether the peer has closed socket `id`.
        pub fn is_closed(&self, id: SocketId) -> bool {
            self.urc.is_closed(id.0)
        }

        /// `AT+QICLOSE`/`AT+QSSLCLOSE` for socket `id`, leaving it allocated.
        async fn shut(&mut self, kind: SocketKind, id: SocketId) -> Result<(), AtError> {
            let t = self.timeouts.command_ms.saturating_add(10_000);
            self.run(
                kind.close_cmd(),
                &[Arg::Int(u32::from(id.0)), Arg::Int(10)],
                t,
                &mut ignore_line,
            )
            .await
        }

        /// Close socket `id` and free it (also after a `"closed"` URC, which
        /// leaves the socket allocated until closed).
        pub async fn close(&mut self, kind: SocketKind, id: SocketId) -> Result<(), ModemError> {
            let mut r = self.shut(kind, id).await;
            if matches!(r, Err(AtError::Error | AtError::Cme(_) | AtError::Garbled)) {
                // Refused: the modem's command line may have held leftover
                // bytes (payload it did not take). Re-align and try once more,
                // so the socket is not left open in the modem.
                self.at.set_out_of_step();
                r = self.shut(kind, id).await;
            }
            self.free_socket(id.0);
            self.urc.clear_socket(id.0);
            r.map_err(Into::into)
        }
    }

    /// A `done` test for [`AtClient::poll_urcs`] that only lets time pass.
    fn never(_: &UrcState) -> bool {
        false
    }

    impl<P: Port> Modem for Bg9x<P> {
        async fn init(&mut self) -> Result<&Identity, ModemError> {
            Bg9x::init(self).await
        }
        fn identity(&self) -> &Identity {
            Bg9x::identity(self)
        }
        fn capabilities(&self) -> &Capabilities {
            Bg9x::capabilities(self)
        }
        fn timeouts(&self) -> Timeouts {
            Bg9x::timeouts(self)
        }
        fn set_timeouts(&mut self, t: Timeouts) {
            Bg9x::set_timeouts(self, t)
        }
        async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
            Bg9x::attach(self, apn).await
        }
        fn now_ms(&mut self) -> u64 {
            Bg9x::now_ms(self)
        }
        fn port_unix_time(&mut self) -> Option<u64> {
            Bg9x::port_unix_time(self)
        }
        async fn network_time(&mut self) -> Result<u64, ModemError> {
            Bg9x::network_time(self).await
        }
    }

    impl<P: Port> Bg9x<P> {
        /// The command set of socket `id`.
        fn kind_of(&self, id: SocketId) -> SocketKind {
            match self.ssl_ctx.get(usize::from(id.0)) {
                Some(Some(_)) => SocketKind::Ssl,
                _ => SocketKind::Tcp,
            }
        }
    }

    impl<P: Port> Sockets for Bg9x<P> {
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            let id = Bg9x::tcp_open(self, host, port).await?;
            if let Some(c) = self.ssl_ctx.get_mut(usize::from(id.0)) {
                *c = None;
            }
            Ok(id)
        }
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
            Bg9x::send(self, self.kind_of(id), id, data).await
        }
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            Bg9x::recv_wait(self, self.kind_of(id), id, buf, timeout_ms).await
        }
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
            let kind = self.kind_of(id);
            if let Some(ctx) = self
                .ssl_ctx
                .get_mut(usize::from(id.0))
                .and_then(Option::take)
            {
                self.free_context(ctx);
            }
            Bg9x::close(self, kind, id).await
        }
    }

    impl<P: Port> FirmwareTls for Bg9x<P> {
        async fn check_clock(&mut self) -> Result<(), ModemError> {
            Bg9x::check_clock(self).await
        }
        async fn store_credential(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError> {
            self.store_file(name, len, source).await
        }
        fn forget_credential(&mut self, name: &str) {
            self.forget_file(name)
        }
        /// The UFS files (`AT+QFLST`): see [`Bg9x::list_files`].
        async fn list_credentials(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            self.list_files(f).await
        }
        /// `AT+QFDEL="<name>"`: see [`Bg9x::delete_credential_file`].
        async fn delete_credential(&mut self, name: &str) -> Result<(), ModemError> {
            self.delete_credential_file(name).await
        }
        /// One SSL context per connection: TLS 1.2 (the firmware's best), every
        /// cipher suite it has, SNI where the firmware has the key.
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            let ctx = self.alloc_context()?;
            let settings = SslSettings {
                version: SslVersion::Tls12,
                cipher_suite: 0xFFFF,
                seclevel: match (p.verify, p.client_cert.is_some()) {
                    (false, false) => 0,
                    (true, false) => 1,
                    (_, true) => 2,
                },
                ca_file: p.ca,
                client_cert_file: p.client_cert,
                client_key_file: p.client_key,
                sni: true,
                check_host: p.verify,
                ignore_local_time: !(p.verify && p.check_validity),
                negotiate_time_s: p.handshake_timeout_s.clamp(10, 300),
            };
            let opened = match self.ssl_configure(ctx, &settings).await {
                Ok(()) => {
                    self.ssl_open(ctx, p.host, p.port, settings.negotiate_time_s)
                        .await
                }
                Err(e) => Err(e),
            };
            match opened {
                Ok(id) => {
                    if let Some(c) = self.ssl_ctx.get_mut(usize::from(id.0)) {
                        *c = Some(ctx);
                    }
                    Ok(id)
                }
                Err(e) => {
                    self.free_context(ctx);
                    Err(e)
                }
            }
        }
    }
}
