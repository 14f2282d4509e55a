//! IANA cipher-suite codes of the modem firmware tables and their OpenSSL names.

/// OpenSSL name of an IANA cipher-suite code the BG9x firmware lists, or
/// `None` for a code the table does not know.
///
/// OpenSSL 3 has no static-ECDH suites (0xC002-0xC005, 0xC00C-0xC00F,
/// 0xC025/0xC026, 0xC029/0xC02A) and RC4 only in the legacy provider; those
/// names are still passed and OpenSSL skips what it cannot offer.
pub fn openssl_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x0004 => "RC4-MD5",
        0x0005 => "RC4-SHA",
        0x000A => "DES-CBC3-SHA",
        0x002F => "AES128-SHA",
        0x0035 => "AES256-SHA",
        0x003D => "AES256-SHA256",
        0xC002 => "ECDH-ECDSA-RC4-SHA",
        0xC003 => "ECDH-ECDSA-DES-CBC3-SHA",
        0xC004 => "ECDH-ECDSA-AES128-SHA",
        0xC005 => "ECDH-ECDSA-AES256-SHA",
        0xC007 => "ECDHE-ECDSA-RC4-SHA",
        0xC008 => "ECDHE-ECDSA-DES-CBC3-SHA",
        0xC009 => "ECDHE-ECDSA-AES128-SHA",
        0xC00A => "ECDHE-ECDSA-AES256-SHA",
        0xC00C => "ECDH-RSA-RC4-SHA",
        0xC00D => "ECDH-RSA-DES-CBC3-SHA",
        0xC00E => "ECDH-RSA-AES128-SHA",
        0xC00F => "ECDH-RSA-AES256-SHA",
        0xC011 => "ECDHE-RSA-RC4-SHA",
        0xC012 => "ECDHE-RSA-DES-CBC3-SHA",
        0xC013 => "ECDHE-RSA-AES128-SHA",
        0xC014 => "ECDHE-RSA-AES256-SHA",
        0xC023 => "ECDHE-ECDSA-AES128-SHA256",
        0xC024 => "ECDHE-ECDSA-AES256-SHA384",
        0xC025 => "ECDH-ECDSA-AES128-SHA256",
        0xC026 => "ECDH-ECDSA-AES256-SHA384",
        0xC027 => "ECDHE-RSA-AES128-SHA256",
        0xC028 => "ECDHE-RSA-AES256-SHA384",
        0xC029 => "ECDH-RSA-AES128-SHA256",
        0xC02A => "ECDH-RSA-AES256-SHA384",
        0xC02F => "ECDHE-RSA-AES128-GCM-SHA256",
        // The Sierra HL8548 / HL78xx tables (docs/dialects/sierra-hl.md).
        0x003C => "AES128-SHA256",
        0x009C => "AES128-GCM-SHA256",
        0x009D => "AES256-GCM-SHA384",
        0xC09C => "AES128-CCM",
        0xC09D => "AES256-CCM",
        0xC0A0 => "AES128-CCM8",
        0xC0A1 => "AES256-CCM8",
        0xC030 => "ECDHE-RSA-AES256-GCM-SHA384",
        0xC02B => "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC02C => "ECDHE-ECDSA-AES256-GCM-SHA384",
        0xC0AC => "ECDHE-ECDSA-AES128-CCM",
        0xC0AD => "ECDHE-ECDSA-AES256-CCM",
        0xC0AE => "ECDHE-ECDSA-AES128-CCM8",
        0xC0AF => "ECDHE-ECDSA-AES256-CCM8",
        _ => return None,
    })
}
