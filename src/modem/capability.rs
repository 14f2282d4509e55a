//! What a modem's firmware TLS can do, per model and firmware revision.
//!
//! The Auto policy reads these tables to decide, before any handshake,
//! whether the offloaded path can meet a session's needs.

use crate::probe::TlsVersion;

/// Modem family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Family {
    /// Quectel BG95 / BG96 / BG77 (LTE-M/NB-IoT, Qualcomm stack).
    QuectelBg9x,
    /// Quectel BC66 / BC660K (NB-IoT, MediaTek stack).
    QuectelBc66,
    /// Quectel M66 / M95 (GSM/GPRS, the "QI" stack).
    QuectelM95,
    /// Sierra Wireless HL8548 / HL78xx ("K" commands).
    SierraHl,
}

/// Certificate encodings the firmware parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaFormats {
    /// PEM (base64 with `-----BEGIN CERTIFICATE-----`).
    pub pem: bool,
    /// DER (binary).
    pub der: bool,
}

/// The capability table of one model/firmware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The family (selects the driver).
    pub family: Family,
    /// Lowest TLS version the firmware speaks.
    pub min_tls: TlsVersion,
    /// Highest TLS version the firmware speaks.
    pub max_tls: TlsVersion,
    /// Cipher suites (IANA codes) the firmware offers.
    pub cipher_suites: &'static [u16],
    /// The firmware can send SNI (`AT+QSSLCFG="sni"` exists).
    pub sni: bool,
    /// The firmware can check the certificate's host name.
    pub hostname_check: bool,
    /// The firmware checks the certificates' validity dates (against its
    /// clock).
    pub validity_check: bool,
    /// CA file encodings it parses.
    pub ca_formats: CaFormats,
    /// Largest certificate/key file it accepts, bytes.
    pub max_cert_len: usize,
    /// It can present a client certificate (mutual TLS).
    pub client_cert: bool,
    /// Number of sockets (`connectID` 0..n).
    pub sockets: u8,
    /// Number of SSL contexts.
    pub ssl_contexts: u8,
    /// Largest payload of one send command.
    pub send_chunk: usize,
    /// Largest payload of one read command.
    pub read_chunk: usize,
}

/// BG95/BG77 SSL application note V1.0, `AT+QSSLCFG="ciphersuite"` table
/// (seeds/003; at-commands.md §1.4). BG96 is assumed to share it [?].
pub const BG9X_CIPHER_SUITES: &[u16] = &[
    0x0035, 0x002F, 0x0005, 0x0004, 0x000A, 0x003D, // RSA key exchange
    0xC002, 0xC003, 0xC004, 0xC005, // ECDH_ECDSA
    0xC007, 0xC008, 0xC009, 0xC00A, // ECDHE_ECDSA (SHA-1)
    0xC011, 0xC012, 0xC013, 0xC014, // ECDHE_RSA (SHA-1)
    0xC00C, 0xC00D, 0xC00E, 0xC00F, // ECDH_RSA
    0xC023, 0xC024, 0xC025, 0xC026, // ECDHE/ECDH_ECDSA SHA-2
    0xC027, 0xC028, 0xC029, 0xC02A, // ECDHE/ECDH_RSA SHA-2
    0xC02F, // ECDHE_RSA_AES128_GCM_SHA256: the only AEAD suite, no ChaCha20
];

/// The BC66/BC660K firmware's cipher suites (BC660K SSL application note,
/// table 2), by IANA code: RSA key exchange, CBC, no AEAD.
pub const BC66_CIPHER_SUITES: &[u16] = &[0x002F, 0x0035, 0x000A];

/// The M66/M95 firmware's cipher suites (Quectel GSM HTTPS application
/// note V3.0, table 2 = seeds/001), by IANA code: RSA key exchange with
/// AES-CBC, 3DES or RC4; no ECDHE, no GCM.
pub const M95_CIPHER_SUITES: &[u16] = &[0x0035, 0x002F, 0x0005, 0x0004, 0x000A, 0x003D];

/// The HL8548 firmware's cipher suites (`docs/dialects/sierra-hl.md`, a
/// choice after seed 002's "TLS_RSA_CHOOSE_BY_SERVER"): RSA key exchange
/// only.
pub const HL8548_CIPHER_SUITES: &[u16] = &[0x003C, 0x009C, 0x009D];

/// HL78xx firmware 4.5 and older (at-dialects-2.md §3): RSA and ECDHE key
/// exchange; CBC, GCM, CCM.
pub const HL78XX_45_CIPHER_SUITES: &[u16] = &[
    0x003C, 0x009C, 0x009D, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1, 0xC027, 0xC023, 0xC02F, 0xC030, 0xC02B,
    0xC02C, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
];

/// HL78xx firmware 4.6 and later (Sierra's own test, at-dialects-2.md §3):
/// ECDHE with GCM or CCM only; RSA key exchange and CBC are gone.
pub const HL78XX_46_CIPHER_SUITES: &[u16] = &[
    0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
];

impl Capabilities {
    /// Nothing at all (no TLS suites, no sockets): what a driver in
    /// transition between families reports.
    pub const NONE: Self = Self {
        family: Family::QuectelBg9x,
        min_tls: TlsVersion::Tls12,
        max_tls: TlsVersion::Tls12,
        cipher_suites: &[],
        sni: false,
        hostname_check: false,
        validity_check: false,
        ca_formats: CaFormats {
            pem: false,
            der: false,
        },
        max_cert_len: 0,
        client_cert: false,
        sockets: 0,
        ssl_contexts: 0,
        send_chunk: 0,
        read_chunk: 0,
    };

    /// Quectel BG96/BG95/BG77 with the given firmware revision (`ATI` line
    /// `Revision: ...`). BG96 firmware up to `BG96MAR02A04` has no `"sni"`
    /// key [? inferred from seeds/000: SNI appeared in later firmware]; the
    /// driver also confirms SNI at init by reading the key.
    pub fn quectel_bg9x(model: &str, revision: &str) -> Self {
        let old_bg96 = model == "BG96" && bg96_release(revision).is_some_and(|r| r <= 4);
        Self {
            family: Family::QuectelBg9x,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
            cipher_suites: BG9X_CIPHER_SUITES,
            sni: !old_bg96,
            hostname_check: true,
            validity_check: true,
            // The Quectel SSL notes document PEM files only; a DER
            // credential is uploaded converted to PEM.
            ca_formats: CaFormats {
                pem: true,
                der: false,
            },
            max_cert_len: 10 * 1024,
            client_cert: true,
            sockets: 12,
            ssl_contexts: 6,
            send_chunk: 1460,
            read_chunk: 1500,
        }
    }

    /// Quectel BC66 / BC660K (at-dialects-2.md §1): TLS 1.0-1.2 with RSA
    /// key exchange and CBC only (BC660K SSL application note, table 2), no
    /// SNI, no cipher suite or host-name-check keys, PEM credentials given
    /// inline, one offloaded connection, five raw sockets with a 2,168-byte
    /// receive buffer each.
    pub fn quectel_bc66(_model: &str, _revision: &str) -> Self {
        Self {
            family: Family::QuectelBc66,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
            cipher_suites: BC66_CIPHER_SUITES,
            sni: false,
            hostname_check: false,
            validity_check: false,
            ca_formats: CaFormats {
                pem: true,
                der: false,
            },
            max_cert_len: 4 * 1024,
            client_cert: true,
            sockets: 5,
            ssl_contexts: 1,
            send_chunk: 512,
            read_chunk: 512,
        }
    }

    /// Quectel M66 / M95 (at-dialects-2.md §2, `docs/dialects/m95.md`):
    /// TLS 1.0-1.2 with RSA key exchange only ([`M95_CIPHER_SUITES`]), no
    /// SNI and no host-name check (no such keys), validity dates checked
    /// against the modem's clock, PEM credentials in `RAM:` files (up to
    /// 32 KB, written with `AT+QSECWRITE`), client certificates (seclevel
    /// 2), six raw connections and six SSL sockets.
    pub fn quectel_m95(_model: &str, _revision: &str) -> Self {
        Self {
            family: Family::QuectelM95,
            min_tls: TlsVersion::Tls10,
            max_tls: TlsVersion::Tls12,
            cipher_suites: M95_CIPHER_SUITES,
            sni: false,
            hostname_check: false,
            validity_check: true,
            ca_formats: CaFormats {
                pem: true,
                der: false,
            },
            max_cert_len: 32 * 1024,
            client_cert: true,
            sockets: 6,
            ssl_contexts: 6,
            send_chunk: 1460,
            read_chunk: 1460,
        }
    }

    /// Sierra Wireless HL8548 / HL78xx (`docs/dialects/sierra-hl.md`), by
    /// the `ATI` model and the `ATI3` revision: the HL8548 has TLS 1.0-1.2
    /// with RSA key exchange only and parses DER credentials only; an
    /// HL78xx has TLS 1.2, with RSA and ECDHE key exchange up to firmware
    /// 4.5 and ECDHE only from 4.6, and parses PEM and DER. None is known
    /// to send SNI (at-dialects-2.md §7 item 2): the table says no SNI. The
    /// firmware checks the chain only (no host name, no validity dates).
    /// Six sessions (raw and TLS together), 1,500 bytes per data command,
    /// credentials up to 4,096 bytes.
    #[cfg(feature = "sierra-hl")]
    pub fn sierra_hl(model: &str, revision: &str) -> Self {
        use crate::modem::sierra::HlModel;
        let (min_tls, suites, pem) = match HlModel::detect(model, revision) {
            Some(HlModel::Hl8548) => (TlsVersion::Tls10, HL8548_CIPHER_SUITES, false),
            Some(HlModel::Hl78xx45) => (TlsVersion::Tls12, HL78XX_45_CIPHER_SUITES, true),
            // 4.6 and later; also what an unknown revision gets (the
            // smaller table: offload is tried less, never wrongly).
            _ => (TlsVersion::Tls12, HL78XX_46_CIPHER_SUITES, true),
        };
        Self {
            family: Family::SierraHl,
            min_tls,
            max_tls: TlsVersion::Tls12,
            cipher_suites: suites,
            sni: false,
            hostname_check: false,
            validity_check: false,
            ca_formats: CaFormats { pem, der: true },
            max_cert_len: 4096,
            client_cert: true,
            sockets: 6,
            ssl_contexts: 6,
            send_chunk: 1500,
            read_chunk: 1500,
        }
    }

    /// Whether the firmware's own verification covers what the library
    /// promises (chain, host name, validity dates): without it an offloaded
    /// session needs `SessionConfig::accept_chain_only`.
    pub fn verifies_fully(&self) -> bool {
        self.hostname_check && self.validity_check
    }

    /// Whether the firmware offers `suite`.
    pub fn has_cipher(&self, suite: u16) -> bool {
        self.cipher_suites.contains(&suite)
    }
}

/// `BG96MAR02A07M1G` -> `Some(7)` (the `A<nn>` release after `MAR02`).
fn bg96_release(revision: &str) -> Option<u8> {
    let rest = revision.as_bytes().strip_prefix(b"BG96MAR02A")?;
    let digits = rest.get(..2)?;
    // As `str::parse::<u8>` (which also takes a leading `+`), without
    // linking the generic integer parser.
    let digits = digits.strip_prefix(b"+").unwrap_or(digits);
    crate::at::parse_u32(digits).map(|v| v as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sierra-hl")]
    #[test]
    fn sierra_tables_per_firmware() {
        let hl8548 = Capabilities::sierra_hl("HL8548", "RHL85xx.5.5.14.0");
        assert_eq!(hl8548.min_tls, TlsVersion::Tls10);
        assert!(hl8548.has_cipher(0x009C) && !hl8548.has_cipher(0xC02F));
        assert_eq!(
            hl8548.ca_formats,
            CaFormats {
                pem: false,
                der: true
            }
        );
        let v45 = Capabilities::sierra_hl("HL7800", "HL7800.4.5.4.0");
        assert!(v45.has_cipher(0x009C) && v45.has_cipher(0xC02F) && v45.has_cipher(0xC027));
        let v46 = Capabilities::sierra_hl("HL7800", "HL7800.4.6.9.4");
        assert!(!v46.has_cipher(0x009C) && v46.has_cipher(0xC02F) && !v46.has_cipher(0xC027));
        for c in [hl8548, v45, v46] {
            assert_eq!(c.family, Family::SierraHl);
            assert!(!c.sni && !c.verifies_fully());
            assert!(c.ca_formats.der);
        }
    }

    #[test]
    fn old_bg96_has_no_sni() {
        assert!(!Capabilities::quectel_bg9x("BG96", "BG96MAR02A04M1G").sni);
        assert!(Capabilities::quectel_bg9x("BG96", "BG96MAR02A07M1G").sni);
        assert!(Capabilities::quectel_bg9x("BG95-M3", "BG95M3LAR02A03").sni);
        assert!(Capabilities::quectel_bg9x("BG96", "garbage").sni);
    }

    #[test]
    fn m95_has_no_ecdhe_no_gcm_no_sni_and_needs_a_chain_only_acceptance() {
        let c = Capabilities::quectel_m95("Quectel_M95", "M95FAR02A08");
        assert_eq!(c.family, Family::QuectelM95);
        assert!(c.has_cipher(0x002F) && c.has_cipher(0x003D));
        assert!(c
            .cipher_suites
            .iter()
            .all(|s| !(0xC000..=0xCCFF).contains(s)));
        assert!(!c.has_cipher(0x009C) && !c.has_cipher(0x1301));
        assert!(!c.sni && !c.verifies_fully());
        assert_eq!(c.max_tls, TlsVersion::Tls12);
    }

    #[test]
    fn no_chacha() {
        let c = Capabilities::quectel_bg9x("BG96", "BG96MAR02A07M1G");
        assert!(c.has_cipher(0xC02F));
        assert!(!c.has_cipher(0xCCA8));
        assert!(!c.has_cipher(0x1301));
    }
}
