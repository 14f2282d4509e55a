//! Sierra Wireless HL8548 / HL78xx driver ("K" commands): init, attach,
//! raw TCP sessions and TLS sessions run by the firmware, in the dialect
//! of `docs/dialects/sierra-hl.md` (at-dialects-2.md §3, at-commands.md §4).
//!
//! What differs from the Quectel families, and how the driver deals with it:
//! - Every data phase (`AT+KTCPSND`, `AT+KTCPRCV`, `AT+KCERTSTORE`,
//!   `AT+KPRIVKSTORE`) is `CONNECT`, exactly the announced bytes, then
//!   `--EOF--Pattern--`. The framing lives in the AT engine
//!   ([`SierraDialect`]'s trailer): a read asks for at most what
//!   `+KTCP_DATA`/`AT+KTCPSTAT` said is buffered, so the answer has
//!   exactly that length and the pattern is checked where the length puts
//!   it, never searched for (the data may contain it).
//! - The modem numbers the sessions (`+KTCPCFG: <s>`, 1-6): [`SocketId`]
//!   is that number. Raw and TLS sessions share the numbers and the data
//!   commands; `AT+KTCPCFG` mode 0 is raw TCP, mode 3 TLS.
//! - The firmware's TLS has no SNI, no host-name check and no validity
//!   check (the capability table says so, and Auto plans around it). The
//!   driver writes `AT+KSSLCRYPTO` profile 0 before each TLS session: the
//!   firmware's whole cipher table, with the verification the session asks
//!   for (a reboot forgets changed profiles).
//! - The HL8548 parses DER credentials only: a PEM one is stored unparsed
//!   and the session fails later (`+KTCP_NOTIF: <s>,13`, seed 002's
//!   `1,13`). The offload layer converts PEM to DER for it (streamed, no
//!   buffer); this driver refuses PEM bytes given to an HL8548 directly.
//! - `+KSUP` says the modem (re)started: sessions, `AT+KCNXCFG` and the
//!   cipher profiles are gone. The operation that notices it fails with
//!   [`ModemError::Rebooted`]; the next one initialises the modem and
//!   configures the APN again by itself.

mod dialect;
mod urc;

pub use dialect::{SierraDialect, EOF_PATTERN};

use super::{cme_error, ktcp_notif_error};
use crate::at::{slice_source, AtError, Command, DataSource, Fields};
use crate::modem::common::{build, copy_str, credential_name, ignore_line, keep_apn, Arg, KeptApn};
use crate::modem::{
    Apn, Capabilities, CredentialEntry, CredentialKind, Identity, ModemError, SocketId, Timeouts,
    TlsParams,
};
use heapless::String;
use urc::{UrcState, SLOTS};

/// Most bytes one `AT+KTCPSND`/`AT+KTCPRCV` carries.
const CHUNK: usize = 1500;

/// How often a read waiting for data asks `AT+KTCPSTAT`, whatever the
/// URCs said (a `+KTCP_DATA` lost on the UART must not stall a session).
const POLL_MS: u32 = 1_000;

/// The PDP configuration the driver uses (`AT+KCNXCFG=1,...`).
const CNX: u32 = 1;

/// Which firmware: the cipher table and the credential formats differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HlModel {
    /// HL8548 (2G/3G): RSA key exchange only, TLS 1.0-1.2, DER only.
    Hl8548,
    /// HL78xx firmware 4.5 or older: RSA and ECDHE key exchange.
    Hl78xx45,
    /// HL78xx firmware 4.6 or later: ECDHE only (GCM, CCM).
    Hl78xx46,
}

impl HlModel {
    /// The model from `ATI`'s model line and `ATI3`'s revision: `HL85...`
    /// is the HL8548; `HL78...` an HL78xx whose revision
    /// `HL78xx.<major>.<minor>...` says 4.6 or later (ECDHE only) or
    /// older. `None` for anything else.
    pub fn detect(model: &str, revision: &str) -> Option<Self> {
        if model.starts_with("HL85") {
            return Some(HlModel::Hl8548);
        }
        if !model.starts_with("HL78") {
            return None;
        }
        let mut parts = revision.split('.').skip(1);
        let mut num = || {
            parts
                .next()
                .and_then(|p| crate::at::parse_u32(p.as_bytes()))
                .unwrap_or(0)
        };
        let (major, minor) = (num(), num());
        Some(if major > 4 || (major == 4 && minor >= 6) {
            HlModel::Hl78xx46
        } else {
            HlModel::Hl78xx45
        })
    }

    /// `AT+KSSLCRYPTO` profile 0 as the firmware has it at power-on (its
    /// whole cipher table), as `<mkey>,<auth_alg>,<enc>,<mac>`.
    fn whole_table(self) -> [u32; 4] {
        match self {
            HlModel::Hl8548 => [1, 1, 24640, 12],
            HlModel::Hl78xx45 => [9, 3, 25456, 12],
            HlModel::Hl78xx46 => [8, 3, 25392, 12],
        }
    }
}

/// The three credential slots, by the extension of the name the offload
/// layer gives a credential: the root certificate, the local (client)
/// certificate, the private key.
const SLOTS_BY_EXT: [&str; 3] = [".pem", ".crt", ".key"];

fn slot_of(name: &str) -> Option<usize> {
    SLOTS_BY_EXT.iter().position(|ext| name.ends_with(ext))
}

/// The slots of the certificate store as `AT+KCERTSTORE?` names them
/// (`<word>,<index>,<len>`), by `AT+KCERTDELETE` type (0 root, 1 local).
const CERT_WORDS: [(&str, CredentialKind); 2] = [
    ("root_cert", CredentialKind::Ca),
    ("local_cert", CredentialKind::ClientCert),
];

/// The key store's slots as `AT+KPRIVKSTORE?` names them.
const KEY_WORDS: [(&str, CredentialKind); 1] = [("private_key", CredentialKind::ClientKey)];

/// A slot name `<word>,<index 0-9>` with `<word>` one of `words`: which
/// word and the index.
fn slot_name(name: &str, words: &[(&str, CredentialKind)]) -> Option<(usize, u8)> {
    let (word, idx) = name.split_once(',')?;
    let w = words.iter().position(|(x, _)| *x == word)?;
    match idx.as_bytes() {
        [d] if d.is_ascii_digit() => Some((w, d - b'0')),
        _ => None,
    }
}

/// A line of a store listing, `<word>,<index 0-9>,<len>` with `<word>` one
/// of `words`: the name (`<word>,<index>`), which word and the length.
/// `None` for a line of any other shape.
fn slot_line<'a>(
    line: &'a [u8],
    words: &[(&str, CredentialKind)],
) -> Option<(&'a str, usize, u32)> {
    let cut = line.iter().rposition(|&b| b == b',')?;
    let name = credential_name(line.get(..cut)?)?;
    let len = crate::at::parse_u32(crate::at::trim(line.get(cut.checked_add(1)?..)?))?;
    let (w, _) = slot_name(name, words)?;
    Some((name, w, len))
}

/// Where credential `name` is: `(key store?, AT+KCERTDELETE type, index)`,
/// from a listed name (`root_cert,<i>`, `local_cert,<i>`,
/// `private_key,<i>`) or a stored one (by its extension: index 0).
fn slot_target(name: &str) -> Option<(bool, u8, u8)> {
    match slot_of(name) {
        Some(0) => Some((false, 0, 0)),
        Some(1) => Some((false, 1, 0)),
        Some(_) => Some((true, 0, 0)),
        None => match slot_name(name, &CERT_WORDS) {
            Some((w, i)) => Some((false, u8::from(w == 1), i)),
            None => slot_name(name, &KEY_WORDS).map(|(_, i)| (true, 0, i)),
        },
    }
}

fn name_hash(name: &str) -> u32 {
    let h = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h.max(1)
}

/// The bit of session `s` (1-6) in a mask; none for another number.
fn bit(s: u8) -> u8 {
    if (1..SLOTS as u8).contains(&s) {
        1 << s
    } else {
        0
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::modem::asynch::{FirmwareTls, Modem, Sockets};
    use crate::port::asynch::Port;

    /// A Sierra Wireless HL8548 or HL78xx on a UART.
    pub struct SierraHl<P: Port> {
        at: AtClient<P, SierraDialect>,
        urc: UrcState,
        ident: Identity,
        caps: Capabilities,
        timeouts: Timeouts,
        model: HlModel,
        apn: Option<KeptApn>,
        /// Sessions this driver configured (bit = session number).
        in_use: u8,
        /// Sessions the driver closed because their stream broke (data lost
        /// or damaged on the UART): every later send or read is `Closed`.
        broken: u8,
        /// FNV-1a of the credential names stored since init, by slot.
        verified: [u32; 3],
        /// Sessions whose buffered count is not known after a read (bit =
        /// session number): asked with `AT+KTCPSTAT` before the next read.
        recount: u8,
    }

    impl<P: Port> SierraHl<P> {
        /// A driver over `port`. Call [`Modem::init`] next.
        pub fn new(port: P) -> Self {
            Self {
                at: AtClient::new(port, SierraDialect),
                urc: UrcState::default(),
                ident: Identity::default(),
                caps: Capabilities::sierra_hl("", ""),
                timeouts: Timeouts::default(),
                model: HlModel::Hl78xx46,
                apn: None,
                in_use: 0,
                broken: 0,
                verified: [0; 3],
                recount: 0,
            }
        }

        /// Give the port back.
        pub fn release(self) -> P {
            self.at.into_port()
        }

        /// The firmware [`Modem::init`] found.
        pub fn model(&self) -> HlModel {
            self.model
        }

        /// Whether an `ATI` model line names an HL8548 or an HL78xx.
        pub fn is_model(model: &str) -> bool {
            HlModel::detect(model, "").is_some()
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

        /// A restart noticed (`+KSUP`): sessions and settings are gone.
        /// Initialise again and configure the APN again when one was given.
        async fn recover(&mut self) -> Result<(), ModemError> {
            self.in_use = 0;
            self.broken = 0;
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
            if self.apn.is_none() {
                return Err(ModemError::PdpDown);
            }
            Ok(())
        }

        /// The error for a failed exchange: a restart whose banner came in
        /// place of the answer is [`ModemError::Rebooted`].
        fn failed(&self, e: AtError) -> ModemError {
            if self.urc.booted {
                ModemError::Rebooted
            } else {
                e.into()
            }
        }

        /// `AT+KCNXCFG=1,"GPRS",...`, attached (`AT+CGATT`), the context up
        /// (`AT+KCNXUP`, HL78xx; the HL8548 brings it up at the first
        /// connection) and its address (`AT+CGPADDR=1`).
        async fn activate(&mut self) -> Result<String<46>, ModemError> {
            let Some((a, u, p)) = self.apn.clone() else {
                return Err(ModemError::PdpDown);
            };
            let args = [
                Arg::Int(CNX),
                Arg::Str("GPRS"),
                Arg::Str(&a),
                Arg::Str(&u),
                Arg::Str(&p),
            ];
            let n = if u.is_empty() && p.is_empty() { 3 } else { 5 };
            self.cmd("AT+KCNXCFG=", args.get(..n).unwrap_or(&[]))
                .await
                .map_err(|e| match e {
                    AtError::Error | AtError::Cme(_) => ModemError::AttachFailed,
                    other => ModemError::At(other),
                })?;
            let t = self.timeouts.command_ms;
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
                let _ = self.cmd("AT+CGATT=", &[Arg::Int(1)]).await;
                let _ = self.at.poll_urcs(1_000, &mut self.urc, |_| false).await;
            }
            if self.model != HlModel::Hl8548 {
                self.cmd("AT+KCNXUP=", &[Arg::Int(CNX)])
                    .await
                    .map_err(|e| match e {
                        AtError::Error | AtError::Cme(_) => ModemError::AttachFailed,
                        other => ModemError::At(other),
                    })?;
            }
            let mut ip: String<46> = String::new();
            self.run("AT+CGPADDR=", &[Arg::Int(CNX)], t, &mut |l| {
                if let Some(mut f) = Fields::after(l, b"+CGPADDR:") {
                    let _cnx = f.next();
                    if let Some(addr) = f.next() {
                        copy_str(&mut ip, addr);
                    }
                }
                Ok(())
            })
            .await?;
            if ip.is_empty() && self.model != HlModel::Hl8548 {
                return Err(ModemError::AttachFailed);
            }
            Ok(ip)
        }

        /// Wait for `done`, handling URCs, up to `timeout_ms`; a reboot ends it.
        async fn wait(
            &mut self,
            timeout_ms: u32,
            done: fn(&UrcState, u8) -> bool,
            s: u8,
        ) -> Result<bool, ModemError> {
            let r = self
                .at
                .poll_urcs(timeout_ms, &mut self.urc, |u| done(u, s) || u.booted)
                .await?;
            if self.urc.booted {
                return Err(ModemError::Rebooted);
            }
            Ok(r)
        }

        /// `AT+KTCPCFG=1,<mode>,"<host>",<port>[,,,,,<cipher_idx>]`: the
        /// session number the modem gives.
        async fn configure(&mut self, tls: bool, host: &str, port: u16) -> Result<u8, ModemError> {
            let mut session = None;
            let t = self.timeouts.command_ms;
            let empty = Arg::Raw("");
            let args = [
                Arg::Int(CNX),
                Arg::Int(if tls { 3 } else { 0 }),
                Arg::Str(host),
                Arg::Int(u32::from(port)),
                empty,
                empty,
                empty,
                empty,
                Arg::Int(0),
            ];
            let n = if tls { args.len() } else { 4 };
            let r = self
                .run("AT+KTCPCFG=", args.get(..n).unwrap_or(&[]), t, &mut |l| {
                    if let Some(mut f) = Fields::after(l, b"+KTCPCFG:") {
                        session = f.next_u32();
                    }
                    Ok(())
                })
                .await;
            match r {
                Ok(()) => {}
                // No free session (or the PDP configuration is missing).
                Err(AtError::Cme(Some(3))) => return Err(ModemError::NoFreeSocket),
                Err(e) => return Err(self.failed(e)),
            }
            let s = session
                .and_then(|s| u8::try_from(s).ok())
                .filter(|&s| bit(s) != 0)
                .ok_or(ModemError::At(AtError::Unexpected))?;
            if self.in_use & bit(s) != 0 {
                // The modem handed out a session the driver holds: its state
                // and the driver's disagree (a restart not seen).
                return Err(ModemError::At(AtError::Unexpected));
            }
            self.in_use |= bit(s);
            self.broken &= !bit(s);
            self.urc.clear(s);
            Ok(s)
        }

        /// `AT+KTCPCNX=<s>`, then `+KTCP_IND: <s>,1` or `+KTCP_NOTIF: <s>,<code>`.
        /// A session that does not connect is deleted.
        async fn connect(&mut self, s: u8, wait_ms: u32) -> Result<SocketId, ModemError> {
            if let Err(e) = self.cmd("AT+KTCPCNX=", &[Arg::Int(u32::from(s))]).await {
                let e = self.failed(e);
                self.delete(s).await;
                return Err(e);
            }
            let done = |u: &UrcState, s: u8| u.connected(s) || u.notif(s).is_some();
            match self.wait(wait_ms, done, s).await {
                Ok(true) if self.urc.connected(s) => Ok(SocketId(s)),
                Ok(true) => {
                    let code = self.urc.notif(s).unwrap_or(6);
                    self.delete(s).await;
                    Err(ktcp_notif_error(code))
                }
                Ok(false) => {
                    let _ = self.cmd("AT+KTCPCLOSE=", &[Arg::Int(u32::from(s))]).await;
                    self.delete(s).await;
                    Err(ModemError::OpenTimeout)
                }
                Err(e) => {
                    self.in_use &= !bit(s);
                    Err(e)
                }
            }
        }

        /// The stream of session `s` broke (bytes lost or damaged on the
        /// UART): close it in the modem; later sends and reads are `Closed`.
        async fn break_session(&mut self, s: u8) {
            let _ = self.cmd("AT+KTCPCLOSE=", &[Arg::Int(u32::from(s))]).await;
            self.broken |= bit(s);
        }

        /// `AT+KTCPDEL=<s>` and forget the session.
        async fn delete(&mut self, s: u8) {
            let _ = self.cmd("AT+KTCPDEL=", &[Arg::Int(u32::from(s))]).await;
            self.in_use &= !bit(s);
            self.urc.clear(s);
        }

        async fn open(
            &mut self,
            tls: bool,
            host: &str,
            port: u16,
            wait_ms: u32,
        ) -> Result<SocketId, ModemError> {
            let s = self.configure(tls, host, port).await?;
            self.connect(s, wait_ms).await
        }

        /// `AT+KTCPSND=<s>,<n>`, `CONNECT`, the bytes and the pattern, `OK`.
        async fn send_session(&mut self, s: u8, data: &[u8]) -> Result<usize, ModemError> {
            let n = data.len().min(CHUNK);
            let chunk = data.get(..n).unwrap_or(&[]);
            let deadline = self
                .at
                .now_ms()
                .saturating_add(u64::from(self.timeouts.data_ms));
            loop {
                // URCs already received first (a close, a restart).
                self.wait(0, |_, _| false, s).await?;
                if let Some(code) = self.urc.notif(s) {
                    return Err(ktcp_notif_error(code));
                }
                let mut c = Command::empty();
                build(
                    &mut c,
                    "AT+KTCPSND=",
                    &[Arg::Int(u32::from(s)), Arg::Int(n as u32)],
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
                    Err(_) if self.urc.booted => return Err(ModemError::Rebooted),
                    Err(e @ (AtError::PromptLost | AtError::Timeout | AtError::Garbled)) => {
                        // The data may be half in the modem: the stream is
                        // broken. Close it so nothing more goes on it.
                        self.break_session(s).await;
                        return Err(ModemError::At(e));
                    }
                    // Not connected (any more).
                    Err(AtError::Cme(Some(3))) => {
                        let _ = self.wait(100, |u, s| u.notif(s).is_some(), s).await;
                        return Err(self
                            .urc
                            .notif(s)
                            .map_or(ModemError::Closed, ktcp_notif_error));
                    }
                    // The send buffer is full: the network does not take data
                    // yet. The bytes were dropped; send them again later.
                    Err(AtError::Error) if self.at.now_ms() < deadline => {
                        let _ = self.at.poll_urcs(100, &mut self.urc, |_| false).await;
                    }
                    Err(AtError::Error) => return Err(ModemError::Timeout),
                    Err(e) => return Err(e.into()),
                }
            }
        }

        /// `AT+KTCPSTAT=<s>`: the status and the bytes buffered (the driver's
        /// count is set from it).
        async fn stat(&mut self, s: u8) -> Result<(u32, u32), ModemError> {
            let mut got = None;
            let t = self.timeouts.command_ms;
            self.run("AT+KTCPSTAT=", &[Arg::Int(u32::from(s))], t, &mut |l| {
                if let Some(mut f) = Fields::after(l, b"+KTCPSTAT:") {
                    let status = f.next_u32();
                    let (_notif, _rem) = (f.next(), f.next());
                    got = status.zip(f.next_u32());
                }
                Ok(())
            })
            .await
            .map_err(|e| self.failed(e))?;
            let (status, rcv) = got.ok_or(ModemError::At(AtError::Unexpected))?;
            self.urc.set_data(s, rcv);
            Ok((status, rcv))
        }

        /// One `AT+KTCPRCV=<s>,<n>` for at most what the modem said it holds.
        async fn read_session(&mut self, s: u8, buf: &mut [u8]) -> Result<usize, ModemError> {
            let avail = self.urc.data(s) as usize;
            let n = avail.min(buf.len()).min(CHUNK);
            if n == 0 {
                return Ok(0);
            }
            let mut c = Command::empty();
            build(
                &mut c,
                "AT+KTCPRCV=",
                &[Arg::Int(u32::from(s)), Arg::Int(n as u32)],
            )?;
            let t = self.timeouts.exchange_ms();
            let seen = self.urc.data_seen(s);
            let r = self
                .at
                .exec_read_data(&mut c, n, t, &mut self.urc, buf)
                .await;
            match r {
                Ok(got) => {
                    if self.urc.data_seen(s) == seen {
                        self.urc
                            .set_data(s, self.urc.data(s).saturating_sub(got as u32));
                    } else {
                        // A `+KTCP_DATA` came during the exchange: said after
                        // this read's `OK`, its count is what is left; said
                        // before its `CONNECT` (the one after the previous
                        // read, late on a busy UART), it counts bytes this read
                        // took. Which one is not known here: asking for that
                        // count again would get fewer bytes than announced and
                        // break the length framing (seen under load on QEMU).
                        // The modem is asked before the next read.
                        self.urc.set_data(s, 0);
                        self.recount |= bit(s);
                    }
                    Ok(got)
                }
                Err(e) => {
                    let e = self.failed(e);
                    if !matches!(e, ModemError::Rebooted) {
                        // Bytes of the stream were lost or damaged: it cannot
                        // go on.
                        self.break_session(s).await;
                    }
                    Err(e)
                }
            }
        }

        async fn recv_session(
            &mut self,
            s: u8,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if buf.is_empty() {
                return Ok(0);
            }
            let deadline = self.at.now_ms().saturating_add(u64::from(timeout_ms));
            let mut asked = false;
            loop {
                self.wait(0, |_, _| false, s).await?;
                if self.recount & bit(s) != 0 {
                    self.recount &= !bit(s);
                    self.stat(s).await?;
                }
                let n = self.read_session(s, buf).await?;
                if n > 0 {
                    return Ok(n);
                }
                if let Some(code) = self.urc.notif(s) {
                    // The peer's close can come before the count of its last
                    // bytes: ask once what is still buffered.
                    if !asked {
                        asked = true;
                        if self.stat(s).await?.1 > 0 {
                            continue;
                        }
                    }
                    return match code {
                        4 => Ok(0),
                        c => Err(ktcp_notif_error(c)),
                    };
                }
                let now = self.at.now_ms();
                if now >= deadline {
                    return Err(ModemError::Timeout);
                }
                let step = u32::try_from(deadline - now)
                    .unwrap_or(u32::MAX)
                    .min(POLL_MS);
                let came = self
                    .wait(step, |u, s| u.data(s) > 0 || u.notif(s).is_some(), s)
                    .await?;
                if !came && self.at.now_ms() < deadline {
                    // Nothing said: a `+KTCP_DATA` may have been lost.
                    self.stat(s).await?;
                }
            }
        }

        /// One credential in a data phase: `head` + `args`, `CONNECT`, the
        /// bytes, the pattern, `OK`. `+CME ERROR: 930` (length) and `931`
        /// (the firmware cannot parse it) are mapped.
        async fn store(
            &mut self,
            head: &str,
            args: &[Arg<'_>],
            len: usize,
            source: DataSource<'_>,
        ) -> Result<(), ModemError> {
            let mut c = Command::empty();
            build(&mut c, head, args)?;
            let t = self.timeouts.exchange_ms();
            let der_only = self.model == HlModel::Hl8548;
            let mut first = true;
            let r = self
                .at
                .exec_with_data(
                    &mut c,
                    len,
                    t,
                    &mut self.urc,
                    &mut |buf| {
                        let n = source(buf)?;
                        // PEM to a DER-only firmware would be stored unparsed and
                        // fail every session: refused (filler goes out, the modem
                        // answers 930).
                        if first && n > 0 {
                            first = false;
                            if der_only && buf.first() == Some(&b'-') {
                                return Err(AtError::InvalidArgument);
                            }
                        }
                        Ok(n)
                    },
                    ignore_line,
                )
                .await;
            match r {
                Ok(()) => Ok(()),
                Err(AtError::InvalidArgument) => Err(ModemError::CredentialRejected),
                Err(AtError::Cme(Some(code))) => Err(cme_error(code)),
                Err(e) => Err(self.failed(e)),
            }
        }
    }

    impl<P: Port> SierraHl<P> {
        /// One store's listing: `head` (`AT+KCERTSTORE?`, `AT+KPRIVKSTORE?`)
        /// answers `CONNECT`, one `<word>,<index>,<len>` line per stored slot,
        /// `OK`. Each slot with bytes goes to `f` (a length of 0, an empty slot
        /// some firmware lists, is skipped); the older firmware's header line
        /// (`header` alone) is skipped. Any other line fails the list with
        /// [`AtError::Unexpected`]; `f` is not called after it.
        async fn list_store(
            &mut self,
            head: &str,
            header: &[u8],
            words: &[(&str, CredentialKind)],
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            let t = self.timeouts.command_ms;
            let mut bad = false;
            let r = self
                .run(head, &[], t, &mut |l| {
                    if bad {
                        return Ok(());
                    }
                    let is_header = l.strip_prefix(header).is_some_and(|rest| {
                        crate::at::trim(rest.strip_prefix(b":").unwrap_or(rest)).is_empty()
                    });
                    if is_header {
                        return Ok(());
                    }
                    let Some((name, w, len)) = slot_line(l, words) else {
                        bad = true;
                        return Err(AtError::Unexpected);
                    };
                    if len > 0 {
                        let kind = words.get(w).map_or(CredentialKind::Unknown, |x| x.1);
                        f(&CredentialEntry {
                            name,
                            size: Some(len),
                            kind,
                        });
                    }
                    Ok(())
                })
                .await;
            if bad {
                return Err(ModemError::At(AtError::Unexpected));
            }
            r.map_err(|e| self.failed(e))
        }

        /// Both stores: certificates (`AT+KCERTSTORE?`), then keys
        /// (`AT+KPRIVKSTORE?`).
        async fn list_slots(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            if self.urc.booted {
                self.recover().await?;
            }
            self.list_store("AT+KCERTSTORE?", b"+KCERTSTORE", &CERT_WORDS, f)
                .await?;
            self.list_store("AT+KPRIVKSTORE?", b"+KPRIVKSTORE", &KEY_WORDS, f)
                .await
        }

        /// Delete the slot `name` names (see [`slot_target`]) after checking
        /// in the store's listing that it holds something (the firmware
        /// answers `OK` for an empty slot too): `AT+KCERTDELETE=<type>,<index>`
        /// or `AT+KPRIVKDELETE=<index>`.
        async fn delete_slot(&mut self, name: &str) -> Result<(), ModemError> {
            let (key, kind, idx) = slot_target(name).ok_or(ModemError::CredentialNotFound)?;
            if self.urc.booted {
                self.recover().await?;
            }
            let (head, header, words): (_, &[u8], &[(&str, CredentialKind)]) = if key {
                ("AT+KPRIVKSTORE?", b"+KPRIVKSTORE", &KEY_WORDS)
            } else {
                ("AT+KCERTSTORE?", b"+KCERTSTORE", &CERT_WORDS)
            };
            // The slot as the listing names it: (its word's place, its index).
            let listed = (if key { 0 } else { usize::from(kind) }, idx);
            let mut found = false;
            self.list_store(head, header, words, &mut |e| {
                found |= slot_name(e.name, words) == Some(listed);
            })
            .await?;
            if !found {
                return Err(ModemError::CredentialNotFound);
            }
            let (i, d) = (Arg::Int(u32::from(kind)), Arg::Int(u32::from(idx)));
            let r = if key {
                self.cmd("AT+KPRIVKDELETE=", &[d]).await
            } else {
                self.cmd("AT+KCERTDELETE=", &[i, d]).await
            };
            r.map_err(|e| match e {
                AtError::Cme(Some(code)) => cme_error(code),
                e => self.failed(e),
            })?;
            // The slot a stored name fills (index 0) is no longer verified.
            let slot = if key { 2 } else { usize::from(kind) };
            if idx == 0 {
                if let Some(v) = self.verified.get_mut(slot) {
                    *v = 0;
                }
            }
            Ok(())
        }
    }

    impl<P: Port> Modem for SierraHl<P> {
        /// Synchronise, echo off, numeric errors, identify (`ATI` model,
        /// `ATI3` revision), load the capability table, boot URC on.
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
            let mut lines = 0u8;
            self.run("ATI", &[], t, &mut |l| {
                if lines == 0 {
                    copy_str(&mut ident.model, l);
                }
                lines = lines.saturating_add(1);
                Ok(())
            })
            .await?;
            if !Self::is_model(&ident.model) {
                return Err(ModemError::UnsupportedModel);
            }
            self.run("ATI3", &[], t, &mut |l| {
                if ident.revision.is_empty() {
                    copy_str(&mut ident.revision, l);
                }
                Ok(())
            })
            .await?;
            let model = HlModel::detect(&ident.model, &ident.revision)
                .ok_or(ModemError::UnsupportedModel)?;
            let _ = ident.manufacturer.push_str("Sierra Wireless");
            let _ = ident.firmware.push_str(&ident.revision);
            self.model = model;
            self.caps = Capabilities::sierra_hl(&ident.model, &ident.revision);
            // `+KSUP` at every start: how a restart is noticed.
            let _ = self
                .run("AT+KSREP=", &[Arg::Int(1)], t, &mut ignore_line)
                .await;
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
        /// `AT+KCNXCFG=1,"GPRS","<apn>"[,"<user>","<pwd>"]`, `AT+CGATT?` until
        /// attached, `AT+KCNXUP=1` (HL78xx), the address from `AT+CGPADDR=1`
        /// (empty on an HL8548, which brings the context up at the first
        /// connection).
        async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
            let kept = keep_apn(apn)?;
            if self.urc.booted {
                self.recover().await?;
            }
            self.apn = Some(kept);
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

    impl<P: Port> Sockets for SierraHl<P> {
        /// `AT+KTCPCFG=1,0,"<host>",<port>` -> `+KTCPCFG: <s>`, `AT+KTCPCNX=<s>`
        /// -> `+KTCP_IND: <s>,1`.
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            let t = self.timeouts.open_ms;
            self.open(false, host, port, t).await
        }
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
            if (self.in_use & !self.broken) & bit(id.0) == 0 {
                // Not a session this driver opened.
                return Err(ModemError::Closed);
            }
            if data.is_empty() {
                return Ok(0);
            }
            self.send_session(id.0, data).await
        }
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            if (self.in_use & !self.broken) & bit(id.0) == 0 {
                return Err(ModemError::Closed);
            }
            self.recv_session(id.0, buf, timeout_ms).await
        }
        /// `AT+KTCPCLOSE=<s>`, then `AT+KTCPDEL=<s>` (raw and TLS sessions).
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
            let s = id.0;
            if self.in_use & bit(s) == 0 {
                return Ok(());
            }
            if self.urc.booted {
                // Gone with the restart.
                self.in_use &= !bit(s);
                return Ok(());
            }
            let r = self.cmd("AT+KTCPCLOSE=", &[Arg::Int(u32::from(s))]).await;
            let d = self.cmd("AT+KTCPDEL=", &[Arg::Int(u32::from(s))]).await;
            self.in_use &= !bit(s);
            self.urc.clear(s);
            match r.and(d) {
                // Already closed or deleted by the modem: nothing to free.
                Ok(()) | Err(AtError::Cme(Some(3)) | AtError::Error) => Ok(()),
                Err(e) => Err(self.failed(e)),
            }
        }
    }

    impl<P: Port> FirmwareTls for SierraHl<P> {
        /// The firmware does not check validity dates (capability table): its
        /// clock need not be set.
        async fn check_clock(&mut self) -> Result<(), ModemError> {
            Ok(())
        }
        /// Into the slot the name's extension selects: `.pem` root certificate
        /// 0 (`AT+KCERTSTORE=0,<len>`), `.crt` local certificate 0
        /// (`AT+KCERTSTORE=1,<len>`), `.key` private key 0
        /// (`AT+KPRIVKSTORE=0,<len>`), unless the same name was stored since
        /// init. An HL8548 takes DER only: bytes starting like PEM are refused
        /// ([`ModemError::CredentialRejected`]) before the modem stores them.
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
            if len == 0 || len > self.caps.max_cert_len {
                return Err(ModemError::FileTooLarge);
            }
            if self.urc.booted {
                self.recover().await?;
            }
            if let Some(v) = self.verified.get_mut(i) {
                *v = 0;
            }
            let n = u32::try_from(len).unwrap_or(u32::MAX);
            match i {
                0 => {
                    self.store("AT+KCERTSTORE=", &[Arg::Int(0), Arg::Int(n)], len, source)
                        .await?
                }
                1 => {
                    self.store("AT+KCERTSTORE=", &[Arg::Int(1), Arg::Int(n)], len, source)
                        .await?
                }
                _ => {
                    self.store("AT+KPRIVKSTORE=", &[Arg::Int(0), Arg::Int(n)], len, source)
                        .await?
                }
            };
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
        /// The slots that hold something: `AT+KCERTSTORE?` (`root_cert,<i>`
        /// CA, `local_cert,<i>` client certificate) then `AT+KPRIVKSTORE?`
        /// (`private_key,<i>`), each `<name>,<len>` line after `CONNECT`.
        async fn list_credentials(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            self.list_slots(f).await
        }
        /// `name` is a listed slot (`root_cert,1`) or a stored name (`.pem`
        /// root 0, `.crt` local 0, `.key` key 0); the slot must hold
        /// something (checked in the store's listing, as the firmware answers
        /// `OK` for an empty one), else [`ModemError::CredentialNotFound`].
        /// Then `AT+KCERTDELETE=<type>,<index>` or `AT+KPRIVKDELETE=<index>`.
        async fn delete_credential(&mut self, name: &str) -> Result<(), ModemError> {
            self.delete_slot(name).await
        }
        /// `AT+KSSLCRYPTO=0,...` (the firmware's whole table; `auth` 0 without
        /// verification, 1 with, 3 with a client certificate), then
        /// `AT+KTCPCFG=1,3,"<host>",<port>,,,,,0` and `AT+KTCPCNX`. No SNI, no
        /// host-name check: the firmware has neither.
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            self.ensure_up().await?;
            let auth = match (p.verify, p.client_cert.is_some() && p.client_key.is_some()) {
                (_, true) => 3,
                (true, false) => 1,
                (false, false) => 0,
            };
            let [mkey, alg, enc, mac] = self.model.whole_table();
            let args = [
                Arg::Int(0),
                Arg::Int(mkey),
                Arg::Int(alg),
                Arg::Int(enc),
                Arg::Int(mac),
                Arg::Int(4),
                Arg::Int(auth),
                Arg::Int(0),
            ];
            // The root index field exists on 4.6 and later only.
            let n = if self.model == HlModel::Hl78xx46 {
                8
            } else {
                7
            };
            self.cmd("AT+KSSLCRYPTO=", args.get(..n).unwrap_or(&[]))
                .await
                .map_err(|e| self.failed(e))?;
            let timeout = u32::from(p.handshake_timeout_s.clamp(10, 300));
            let t = self.timeouts.open_ms.saturating_add(timeout * 1000);
            self.open(true, p.host, p.port, t).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_from_ati_and_revision() {
        assert_eq!(
            HlModel::detect("HL8548", "RHL85xx.5.5.14.0"),
            Some(HlModel::Hl8548)
        );
        assert_eq!(
            HlModel::detect("HL7800", "HL7800.4.5.4.0"),
            Some(HlModel::Hl78xx45)
        );
        assert_eq!(
            HlModel::detect("HL7800", "HL7800.4.6.9.4"),
            Some(HlModel::Hl78xx46)
        );
        assert_eq!(
            HlModel::detect("HL7802", "HL7802.5.1.0.0"),
            Some(HlModel::Hl78xx46)
        );
        assert_eq!(
            HlModel::detect("HL7800", "HL7800.4.10.0"),
            Some(HlModel::Hl78xx46)
        );
        assert_eq!(
            HlModel::detect("HL7800", "garbage"),
            Some(HlModel::Hl78xx45)
        );
        assert_eq!(HlModel::detect("BG96", "HL7800.4.6.9.4"), None);
    }

    #[test]
    fn slots_by_extension() {
        assert_eq!(slot_of("1a2b3c4d.pem"), Some(0));
        assert_eq!(slot_of("1a2b3c4d.crt"), Some(1));
        assert_eq!(slot_of("1a2b3c4d.key"), Some(2));
        assert_eq!(slot_of("x.der"), None);
        assert_eq!(bit(0), 0);
        assert_eq!(bit(7), 0);
        assert_eq!(bit(6), 1 << 6);
    }

    #[test]
    fn slot_names_and_listing_lines() {
        // (key store?, KCERTDELETE type, index)
        assert_eq!(slot_target("a.pem"), Some((false, 0, 0)));
        assert_eq!(slot_target("a.crt"), Some((false, 1, 0)));
        assert_eq!(slot_target("a.key"), Some((true, 0, 0)));
        assert_eq!(slot_target("root_cert,3"), Some((false, 0, 3)));
        assert_eq!(slot_target("local_cert,2"), Some((false, 1, 2)));
        assert_eq!(slot_target("private_key,1"), Some((true, 0, 1)));
        for bad in [
            "",
            "root_cert",
            "root_cert,",
            "root_cert,12",
            "root_cert,x",
            "key,0",
        ] {
            assert_eq!(slot_target(bad), None, "{bad:?}");
        }
        assert_eq!(
            slot_line(b"local_cert,1,567", &CERT_WORDS),
            Some(("local_cert,1", 1, 567))
        );
        assert_eq!(slot_line(b"private_key,0,1", &CERT_WORDS), None);
        assert_eq!(slot_line(b"root_cert,0,", &CERT_WORDS), None);
        assert_eq!(slot_line(b",,", &CERT_WORDS), None);
        assert_eq!(slot_line(b"", &CERT_WORDS), None);
        // A listed name is found by the slot it names.
        assert_eq!(slot_name("local_cert,4", &CERT_WORDS), Some((1, 4)));
        assert_eq!(slot_name("private_key,0", &CERT_WORDS), None);
    }
}
