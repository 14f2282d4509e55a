//! Logging (features `log` and `defmt`), crate-internal.
//!
//! The macros `log_trace!`, `log_debug!`, `log_info!`, `log_warn!` and
//! `log_error!` take a format string and arguments that are integers,
//! `bool` or `&str` only, so that one call works for both back ends:
//! `log`'s `{}` needs `Display`, `defmt`'s needs `defmt::Format`, and
//! these types have both (`Debug` formatting is never used).
//!
//! - feature `log`: a [`log`](https://docs.rs/log) record (target: the
//!   module path);
//! - feature `defmt`: a [`defmt`](https://docs.rs/defmt) frame;
//! - both: both get the event (one call site, two records);
//! - neither: the macro expands to an empty block. Its arguments are not
//!   evaluated (not even compiled into the image), so a build without the
//!   features is the same code as one without the logging lines.
//!
//! What is logged never includes payload bytes, certificate or key
//! contents, or APN credentials: data phases and payloads are logged as
//! lengths; see `command` for the command lines.

/// One macro per level; `$level` is the name both back ends use.
macro_rules! log_at {
    ($level:ident, $($arg:tt)+) => {{
        #[cfg(feature = "log")]
        ::log::$level!($($arg)+);
        #[cfg(feature = "defmt")]
        ::defmt::$level!($($arg)+);
    }};
}

/// Byte-level detail: every response line, payload lengths.
#[allow(unused_macros)]
macro_rules! log_trace {
    ($($arg:tt)+) => { log_at!(trace, $($arg)+) };
}

/// Commands and results: every AT command, final result and URC.
#[allow(unused_macros)]
macro_rules! log_debug {
    ($($arg:tt)+) => { log_at!(debug, $($arg)+) };
}

/// Session events: the path chosen, credentials stored, TLS connected, closed.
#[allow(unused_macros)]
macro_rules! log_info {
    ($($arg:tt)+) => { log_at!(info, $($arg)+) };
}

/// Failures the library handles or reports: an offloaded handshake that
/// failed, a fallback, a TLS error.
#[allow(unused_macros)]
macro_rules! log_warn {
    ($($arg:tt)+) => { log_at!(warn, $($arg)+) };
}

#[cfg(any(feature = "log", feature = "defmt"))]
pub(crate) use helpers::*;

/// What the log lines print, computed only when a back end is on.
#[cfg(any(feature = "log", feature = "defmt"))]
mod helpers {
    use crate::at::FinalResult;

    /// Commands whose arguments carry credentials (APN user name and
    /// password): only the command name is logged.
    const SECRET_ARGS: &[&[u8]] = &[
        b"AT+QICSGP=",
        b"AT+QCGDEFCONT=",
        b"AT+KCNXCFG=",
        b"AT+CGAUTH=",
    ];

    /// A command line for the log: (command, arguments). The line without
    /// its CR; the arguments of a command in `SECRET_ARGS` are replaced by
    /// `<not logged>`. A command line never holds payload bytes: data
    /// (uploads, sends) goes in a data phase, logged as a length only.
    pub(crate) fn command(line: &[u8]) -> (&str, &str) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let head_end = line
            .iter()
            .position(|&b| b == b'=')
            .map_or(line.len(), |i| i + 1);
        let (head, args) = line.split_at(head_end);
        if SECRET_ARGS.contains(&head) {
            return (text(head), "<not logged>");
        }
        (text(head), text(args))
    }

    /// `bytes` as text when it is printable ASCII, else a placeholder
    /// (a modem line may hold anything).
    pub(crate) fn text(bytes: &[u8]) -> &str {
        if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
            core::str::from_utf8(bytes).unwrap_or("<not text>")
        } else {
            "<not text>"
        }
    }

    /// A final result as (text, code): the code of `+CME ERROR`/`+CMS
    /// ERROR`, -1 when none.
    pub(crate) fn final_result(r: FinalResult) -> (&'static str, i32) {
        let code = |c: Option<u16>| c.map_or(-1, i32::from);
        match r {
            FinalResult::Ok => ("OK", -1),
            FinalResult::Error => ("ERROR", -1),
            FinalResult::CmeError(c) => ("+CME ERROR", code(c)),
            FinalResult::CmsError(c) => ("+CMS ERROR", code(c)),
            FinalResult::SendOk => ("SEND OK", -1),
            FinalResult::SendFail => ("SEND FAIL", -1),
            FinalResult::NoCarrier => ("NO CARRIER", -1),
        }
    }

    /// What a host TLS engine error is, in words (the certificate
    /// verifier's cause for a rejected certificate).
    #[cfg(feature = "host-tls")]
    pub(crate) fn tls_error(e: &crate::tls::Error) -> &'static str {
        use crate::tls::Error;
        match e {
            Error::UnexpectedRecord(_) => "record not allowed here",
            Error::BadRecordLength(_) => "record too short",
            Error::RecordOverflow(_) => "record too long",
            Error::BadRecordMac => "record failed its integrity check",
            Error::UnexpectedMessage(_) => "handshake message not allowed here",
            Error::Decode => "message cannot be decoded",
            Error::IllegalParameter => "server chose a parameter that was not offered",
            Error::UnsupportedExtension => "server sent an extension not asked for",
            Error::MissingExtension => "a required extension is missing",
            Error::ProtocolVersion => "server does not speak TLS 1.3",
            Error::HandshakeFailure => "no common group or ALPN protocol",
            Error::MessageTooLarge { .. } => "handshake message larger than the buffer",
            Error::Certificate(p) => p.cause(),
            Error::BadFinished => "server Finished does not verify",
            Error::PeerAlert(_) => "server sent a fatal alert",
            Error::Truncated => "connection ended without close_notify",
            Error::BufferTooSmall => "buffer too small",
            Error::ClientKey => "client key could not sign",
            Error::State => "call not allowed in this state",
        }
    }

    /// A TLS 1.3 cipher suite's name.
    #[cfg(feature = "host-tls")]
    pub(crate) fn suite(code: u16) -> &'static str {
        match code {
            0x1301 => "TLS_AES_128_GCM_SHA256",
            0x1302 => "TLS_AES_256_GCM_SHA384",
            0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
            _ => "(not a TLS 1.3 suite of this engine)",
        }
    }

    /// A signature scheme's name (RFC 8446 §4.2.3).
    #[cfg(feature = "host-tls")]
    pub(crate) fn scheme(code: u16) -> &'static str {
        match code {
            0x0403 => "ecdsa_secp256r1_sha256",
            0x0503 => "ecdsa_secp384r1_sha384",
            0x0804 => "rsa_pss_rsae_sha256",
            0x0805 => "rsa_pss_rsae_sha384",
            0x0806 => "rsa_pss_rsae_sha512",
            0x0807 => "ed25519",
            _ => "(other)",
        }
    }

    /// A TLS alert description number, -1 for none.
    #[cfg(feature = "host-tls")]
    pub(crate) fn alert(a: Option<u8>) -> i32 {
        a.map_or(-1, i32::from)
    }
}
