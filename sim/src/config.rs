//! Simulator configuration: which modem firmware to emulate and how the
//! simulated world around it behaves (DNS table, UART speed, latency, noise).

use std::net::IpAddr;

/// The cipher suites of the Quectel BG95/BG77 SSL application note (V1.0,
/// table 2), assumed to be the BG96 list too (at-commands.md §1.4), by IANA
/// code, in the firmware's table order.
pub const BG9X_CIPHER_SUITES: &[u16] = &[
    0x0035, 0x002F, 0x0005, 0x0004, 0x000A, 0x003D, 0xC002, 0xC003, 0xC004, 0xC005, 0xC007, 0xC008,
    0xC009, 0xC00A, 0xC011, 0xC012, 0xC013, 0xC014, 0xC00C, 0xC00D, 0xC00E, 0xC00F, 0xC023, 0xC024,
    0xC025, 0xC026, 0xC027, 0xC028, 0xC029, 0xC02A, 0xC02F,
];

/// The cipher suites of the Quectel BC660K-GL SSL application note (V1.1,
/// table 2), assumed for the BC66 too (at-dialects-2.md §1.1): RSA key
/// exchange, CBC only.
pub const BC66_CIPHER_SUITES: &[u16] = &[0x002F, 0x0035, 0x000A];

/// The cipher suites of the Quectel GSM HTTPS application note (V3.0,
/// table 2) for the M66/M95 (`docs/dialects/m95.md`): RSA key exchange
/// only, CBC or RC4, no ECDHE, no GCM.
pub const M95_CIPHER_SUITES: &[u16] = &[0x0035, 0x002F, 0x0005, 0x0004, 0x000A, 0x003D];

/// One-way latency of [`SimConfig::gprs_link`], ms (RTT 600 ms).
pub const GPRS_LATENCY_MS: u32 = 300;
/// UART speed of [`SimConfig::gprs_link`]: 5,000 bytes/s = 40 kbit/s.
pub const GPRS_BAUD: u32 = 50_000;

/// The cipher suites of the Sierra Wireless HL8548 firmware TLS stack
/// (`docs/dialects/sierra-hl.md`, a choice: RSA key exchange only, after
/// the forum thread's "TLS_RSA_CHOOSE_BY_SERVER").
pub const HL8548_CIPHER_SUITES: &[u16] = &[0x003C, 0x009C, 0x009D];

/// The cipher suites of HL78xx firmware 4.5 and older: RSA and ECDHE key
/// exchange, CBC, GCM and CCM (`docs/dialects/sierra-hl.md`).
pub const HL78XX_45_CIPHER_SUITES: &[u16] = &[
    0x003C, 0x009C, 0x009D, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1, 0xC027, 0xC023, 0xC02F, 0xC030, 0xC02B,
    0xC02C, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
];

/// The cipher suites of HL78xx firmware 4.6 and later: ECDHE key exchange
/// with GCM or CCM only (at-dialects-2.md §3).
pub const HL78XX_46_CIPHER_SUITES: &[u16] = &[
    0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
];

/// Which AT dialect a firmware speaks (one simulator module per family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Sierra Wireless HL8548 / HL78xx "K" commands ([`crate::sierra_hl`]).
    SierraHl,
    /// Quectel BG96/BG95/BG77 ([`crate::quectel_bg9x`]).
    QuectelBg9x,
    /// Quectel BC66/BC660K ([`crate::quectel_bc66`]).
    QuectelBc66,
    /// Quectel M66/M95, GSM "QI" stack ([`crate::quectel_m95`]).
    QuectelM95,
}

/// A TLS protocol version (for the firmware's range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
}

/// What one modem firmware is and can do: identification strings and the
/// capabilities of its built-in TLS stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareProfile {
    /// The AT dialect.
    pub family: Family,
    /// Manufacturer line of `ATI` (`Quectel`).
    pub manufacturer: String,
    /// Model line of `ATI` (`BG96`, `BG95-M3`).
    pub model: String,
    /// `Revision:` of `ATI`, also the answer to `AT+GMR`.
    pub revision: String,
    /// Answer to `AT+QGMR` (revision plus sub-version).
    pub qgmr: String,
    /// The firmware knows `AT+QSSLCFG="sni"` (older BG96 firmware answers `ERROR`
    /// and never sends SNI).
    pub has_sni_key: bool,
    /// Cipher suites of the firmware TLS stack, IANA codes, in offer order.
    pub cipher_suites: Vec<u16>,
    /// The firmware parses a DER CA file.
    pub ca_der_ok: bool,
    /// The firmware parses a PEM CA file.
    pub ca_pem_ok: bool,
    /// Oldest TLS version of the firmware TLS stack.
    pub min_tls: TlsVersion,
    /// Newest TLS version of the firmware TLS stack.
    pub max_tls: TlsVersion,
}

impl FirmwareProfile {
    /// Sierra Wireless HL8548 (2G/3G), revision `RHL85xx.5.5.14.0`: the
    /// K-command dialect of `docs/dialects/sierra-hl.md`, TLS 1.0-1.2 with
    /// [`HL8548_CIPHER_SUITES`], no SNI, DER certificates only.
    pub fn hl8548() -> Self {
        FirmwareProfile {
            family: Family::SierraHl,
            manufacturer: "Sierra Wireless".into(),
            model: "HL8548".into(),
            revision: "RHL85xx.5.5.14.0".into(),
            qgmr: "RHL85xx.5.5.14.0".into(),
            has_sni_key: false,
            cipher_suites: HL8548_CIPHER_SUITES.to_vec(),
            ca_der_ok: true,
            ca_pem_ok: false,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
        }
    }

    /// Sierra Wireless HL7800, firmware `HL7800.4.5.4.0`: TLS 1.2 with
    /// [`HL78XX_45_CIPHER_SUITES`] (RSA and ECDHE key exchange), no SNI,
    /// PEM or DER certificates.
    pub fn hl78xx_4_5() -> Self {
        FirmwareProfile {
            model: "HL7800".into(),
            revision: "HL7800.4.5.4.0".into(),
            qgmr: "HL7800.4.5.4.0".into(),
            cipher_suites: HL78XX_45_CIPHER_SUITES.to_vec(),
            ca_pem_ok: true,
            min_tls: TlsVersion::Tls12,
            ..Self::hl8548()
        }
    }

    /// Sierra Wireless HL7800, firmware `HL7800.4.6.9.4`: TLS 1.2 with
    /// [`HL78XX_46_CIPHER_SUITES`] (ECDHE only), no SNI, PEM or DER
    /// certificates, KSSLCRYPTO profiles with a root-certificate index.
    pub fn hl78xx_4_6() -> Self {
        FirmwareProfile {
            revision: "HL7800.4.6.9.4".into(),
            qgmr: "HL7800.4.6.9.4".into(),
            cipher_suites: HL78XX_46_CIPHER_SUITES.to_vec(),
            ..Self::hl78xx_4_5()
        }
    }

    /// Quectel BG96, firmware `BG96MAR02A07M1G` (QGMR `BG96MAR02A07M1G_01.016.01.016`),
    /// with the `"sni"` key and the BG95/BG77 cipher table.
    pub fn bg96() -> Self {
        FirmwareProfile {
            family: Family::QuectelBg9x,
            manufacturer: "Quectel".into(),
            model: "BG96".into(),
            revision: "BG96MAR02A07M1G".into(),
            qgmr: "BG96MAR02A07M1G_01.016.01.016".into(),
            has_sni_key: true,
            cipher_suites: BG9X_CIPHER_SUITES.to_vec(),
            ca_der_ok: false,
            ca_pem_ok: true,
            min_tls: TlsVersion::Ssl3,
            max_tls: TlsVersion::Tls12,
        }
    }

    /// Older BG96 firmware `BG96MAR02A04M1G`: `AT+QSSLCFG="sni",...` answers
    /// `ERROR`, the ClientHello never carries SNI.
    pub fn bg96_no_sni() -> Self {
        FirmwareProfile {
            revision: "BG96MAR02A04M1G".into(),
            // Sub-version string is an assumption (format of the S0 example).
            qgmr: "BG96MAR02A04M1G_01.012.01.012".into(),
            has_sni_key: false,
            ..Self::bg96()
        }
    }

    /// Quectel BG95-M3, firmware `BG95M3LAR02A03`.
    pub fn bg95() -> Self {
        FirmwareProfile {
            model: "BG95-M3".into(),
            revision: "BG95M3LAR02A03".into(),
            // Sub-version string is an assumption (format of the S0 example).
            qgmr: "BG95M3LAR02A03_01.200.01.200".into(),
            ..Self::bg96()
        }
    }

    /// Quectel BC66 (NB-IoT, MT2625), firmware `BC66NBR01A10`: the BC66
    /// dialect of `docs/dialects/bc66.md`, TLS 1.0-1.2 with
    /// [`BC66_CIPHER_SUITES`], no SNI, PEM certificates only. There is no
    /// `AT+QGMR`; `qgmr` repeats the revision.
    pub fn bc66() -> Self {
        FirmwareProfile {
            family: Family::QuectelBc66,
            manufacturer: "Quectel_Ltd".into(),
            model: "Quectel_BC66".into(),
            revision: "BC66NBR01A10".into(),
            qgmr: "BC66NBR01A10".into(),
            has_sni_key: false,
            cipher_suites: BC66_CIPHER_SUITES.to_vec(),
            ca_der_ok: false,
            ca_pem_ok: true,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
        }
    }

    /// Quectel BC660K-GL, firmware `BC660KGLAAR01A05`: the BC66 dialect
    /// and TLS stack, ATI manufacturer `Quectel`, model `BC660K-GL`.
    pub fn bc660k() -> Self {
        FirmwareProfile {
            manufacturer: "Quectel".into(),
            model: "BC660K-GL".into(),
            revision: "BC660KGLAAR01A05".into(),
            qgmr: "BC660KGLAAR01A05".into(),
            ..Self::bc66()
        }
    }

    /// Quectel M95 (GSM/GPRS), firmware `M95FAR02A08`: the QI dialect of
    /// `docs/dialects/m95.md`, TLS 1.0-1.2 with [`M95_CIPHER_SUITES`], no
    /// SNI, PEM certificates in `RAM:`/`NVRAM:` files. There is no
    /// `AT+QGMR`; `qgmr` repeats the revision.
    pub fn m95() -> Self {
        FirmwareProfile {
            family: Family::QuectelM95,
            manufacturer: "Quectel_Ltd".into(),
            model: "Quectel_M95".into(),
            revision: "M95FAR02A08".into(),
            qgmr: "M95FAR02A08".into(),
            has_sni_key: false,
            cipher_suites: M95_CIPHER_SUITES.to_vec(),
            ca_der_ok: false,
            ca_pem_ok: true,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
        }
    }

    /// Quectel M66 (GSM/GPRS), firmware `M66FAR02A12`: the M95 dialect and
    /// TLS stack, ATI model `Quectel_M66`.
    pub fn m66() -> Self {
        FirmwareProfile {
            model: "Quectel_M66".into(),
            revision: "M66FAR02A12".into(),
            qgmr: "M66FAR02A12".into(),
            ..Self::m95()
        }
    }

    /// The neutral description of the firmware's TLS client.
    pub fn tls(&self) -> crate::tls::TlsProfile {
        crate::tls::TlsProfile::of(self)
    }

    /// Profile by command-line name: `bg96`, `bg96-nosni` (or `bg96_no_sni`),
    /// `bg95`, `bc66`, `bc660k`, `m66`, `m95`, `hl8548`, `hl78xx-4.5`,
    /// `hl78xx-4.6`.
    pub fn by_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "hl8548" => Some(Self::hl8548()),
            "hl78xx-4.5" | "hl7800-4.5" => Some(Self::hl78xx_4_5()),
            "hl78xx-4.6" | "hl7800-4.6" | "hl78xx" | "hl7800" => Some(Self::hl78xx_4_6()),
            "bg96" => Some(Self::bg96()),
            "bg96-nosni" | "bg96_no_sni" | "bg96-no-sni" => Some(Self::bg96_no_sni()),
            "bg95" | "bg95-m3" => Some(Self::bg95()),
            "bc66" => Some(Self::bc66()),
            "bc660k" | "bc660k-gl" => Some(Self::bc660k()),
            "m66" => Some(Self::m66()),
            "m95" => Some(Self::m95()),
            _ => None,
        }
    }
}

/// Configuration of one simulated modem.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The firmware to emulate.
    pub profile: FirmwareProfile,
    /// The simulated DNS: host name to address. IP literals always resolve
    /// to themselves and `localhost` to 127.0.0.1; any other name fails
    /// with error 565.
    pub hosts: Vec<(String, IpAddr)>,
    /// UART speed (8N1, so baud/10 bytes per second in each direction);
    /// `None` = unthrottled.
    pub baud: Option<u32>,
    /// Delay added to each network connect and to each network delivery
    /// (both directions), in milliseconds.
    pub latency_ms: u32,
    /// Send `RDY` and `APP RDY` right after each UART connection (power-on).
    pub boot_banner: bool,
    /// The host closing the UART does not power the modem off: the next
    /// connection talks to the same running modem (no power-on, no
    /// banner; `RAM:` files, sockets and settings as they were), as a
    /// modem on a serial port stays up when the program using the port
    /// exits. Off by default: each connection is a power-on.
    pub keep_power: bool,
    /// Inject unrelated URCs (`+CEREG: 5`, `+QIURC: "pdpdeact",9`) between
    /// responses and before asynchronous results.
    pub urc_noise: bool,
    /// Network time in Unix seconds at simulator start (it then advances
    /// with the real clock); `None` = the system clock.
    pub network_time: Option<i64>,
    /// Receive buffer of each BG9x socket, bytes (default
    /// [`crate::tcp::RECV_CAP`]). When it is full the socket stops reading
    /// from the network, so TCP flow control holds the server back (BG96
    /// behaviour: nothing is lost). The BC66/BC660K raw sockets ignore it:
    /// they have [`crate::quectel_bc66::RAW_RECV_BUFFER`] bytes and drop
    /// what does not fit.
    pub recv_buffer: usize,
    /// Send buffer of each socket, bytes (default
    /// [`crate::tcp::SEND_CAP`]): data the modem accepted and has not
    /// written to the network yet. A send that does not fit answers
    /// `SEND FAIL`.
    pub send_buffer: usize,
    /// BC66 dialect: how long `AT+CGATT?` still answers 0 after
    /// `AT+CGATT=1`, in milliseconds.
    pub attach_ms: u32,
    /// BC66 dialect: how late the `+QIURC: "recv",<id>` URC comes after the
    /// data, in milliseconds (the bench notes saw it after the buffer was
    /// already full).
    pub recv_urc_delay_ms: u32,
}

impl SimConfig {
    /// Defaults: no host names, unthrottled, no latency, boot banner on, no
    /// URC noise, system clock, 64 KiB socket buffers (the BC66 dialect
    /// has its own 2,168-byte raw receive buffer), a BC66 attaches in
    /// 300 ms and says `recv` at once.
    pub fn new(profile: FirmwareProfile) -> Self {
        SimConfig {
            profile,
            hosts: Vec::new(),
            baud: None,
            latency_ms: 0,
            boot_banner: true,
            keep_power: false,
            urc_noise: false,
            network_time: None,
            recv_buffer: crate::tcp::RECV_CAP,
            send_buffer: crate::tcp::SEND_CAP,
            attach_ms: 300,
            recv_urc_delay_ms: 0,
        }
    }

    /// Sets how long a BC66 takes to attach after `AT+CGATT=1`.
    pub fn attach_ms(mut self, ms: u32) -> Self {
        self.attach_ms = ms;
        self
    }

    /// Sets how late a BC66 says `+QIURC: "recv",<id>`.
    pub fn recv_urc_delay_ms(mut self, ms: u32) -> Self {
        self.recv_urc_delay_ms = ms;
        self
    }

    /// Sets each socket's receive buffer size (at least 1 byte).
    pub fn recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = bytes.max(1);
        self
    }

    /// Sets each socket's send buffer size (at least 1 byte).
    pub fn send_buffer(mut self, bytes: usize) -> Self {
        self.send_buffer = bytes.max(1);
        self
    }

    /// A GPRS-like link for benchmarks (`docs/dialects/m95.md`): 300 ms
    /// each way (RTT 600 ms) and 40 kbit/s, approximated by throttling the
    /// UART to 50,000 baud (8N1: 5,000 bytes/s in each direction), since
    /// every payload byte crosses the UART.
    pub fn gprs_link(self) -> Self {
        self.latency_ms(GPRS_LATENCY_MS).baud(GPRS_BAUD)
    }

    /// Adds a DNS entry `name` -> `ip`.
    pub fn host(mut self, name: &str, ip: IpAddr) -> Self {
        self.hosts.push((name.to_string(), ip));
        self
    }

    /// Sets the UART baud rate (throttling).
    pub fn baud(mut self, baud: u32) -> Self {
        self.baud = Some(baud);
        self
    }

    /// Sets the network latency in milliseconds.
    pub fn latency_ms(mut self, ms: u32) -> Self {
        self.latency_ms = ms;
        self
    }

    /// Keeps the modem powered when the host closes the UART (see
    /// [`SimConfig::keep_power`]).
    pub fn keep_power(mut self, on: bool) -> Self {
        self.keep_power = on;
        self
    }

    /// Turns the `RDY`/`APP RDY` boot banner on or off.
    pub fn boot_banner(mut self, on: bool) -> Self {
        self.boot_banner = on;
        self
    }

    /// Turns unrelated-URC injection on or off.
    pub fn urc_noise(mut self, on: bool) -> Self {
        self.urc_noise = on;
        self
    }

    /// Sets the network time (Unix seconds at simulator start).
    pub fn network_time(mut self, unix_secs: i64) -> Self {
        self.network_time = Some(unix_secs);
        self
    }

    /// Resolves a host name the way the simulated network's DNS does.
    pub fn resolve(&self, name: &str) -> Option<IpAddr> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Some(ip);
        }
        if let Some((_, ip)) = self
            .hosts
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Some(*ip);
        }
        if name.eq_ignore_ascii_case("localhost") {
            return Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        }
        None
    }
}
