//! The C ABI's data types: modes, paths, configuration, session
//! information, pool statistics (all `#[repr(C)]`).

use super::*;

/// Where TLS runs (`mtls_config.mode`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_mode {
    /// Let the library choose per session: offload when the modem's firmware
    /// can meet the session's needs, else (or after a capability failure of
    /// the firmware's handshake) host. Never to weaker verification.
    MTLS_MODE_AUTO = 0,
    /// TLS inside the modem (its SSL AT commands).
    MTLS_MODE_OFFLOAD = 1,
    /// TLS on the MCU over the modem's raw TCP socket.
    MTLS_MODE_HOST = 2,
}

/// The path a session took (`mtls_session_info.path`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_path {
    /// TLS in the modem firmware.
    MTLS_PATH_OFFLOAD = 1,
    /// TLS on the MCU.
    MTLS_PATH_HOST = 2,
}

/// The modem family `mtls_modem_init()` identified from `ATI`
/// (`mtls_modem_family()`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_family {
    /// Quectel BG95 / BG96 / BG77.
    MTLS_FAMILY_QUECTEL_BG9X = 1,
    /// Quectel BC66 / BC660K.
    MTLS_FAMILY_QUECTEL_BC66 = 2,
    /// Quectel M66 / M95 (GSM/GPRS).
    MTLS_FAMILY_QUECTEL_M95 = 3,
    /// Sierra Wireless HL8548 / HL78xx.
    MTLS_FAMILY_SIERRA_HL = 4,
}

/// Deadlines of the modem driver, milliseconds; 0 keeps the current value.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mtls_timeouts {
    /// Ordinary AT commands (default 5000).
    pub command_ms: u32,
    /// Network attach, `AT+QIACT` (default 150000).
    pub attach_ms: u32,
    /// Opening a connection (default 150000).
    pub open_ms: u32,
    /// One blocking read or write (default 60000): `mtls_read()` waits at most this long.
    pub data_ms: u32,
}

/// Default credentials of a modem (`mtls_modem_set_credentials()`). Each is
/// PEM text or DER bytes (detected), or NULL with length 0 for none.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy)]
pub struct mtls_credentials {
    /// Trust anchors: a CA certificate or a PEM bundle.
    pub ca: *const u8,
    /// Bytes at `ca`.
    pub ca_len: usize,
    /// Client certificate (PEM may hold the chain), for mutual TLS.
    pub client_cert: *const u8,
    /// Bytes at `client_cert`.
    pub client_cert_len: usize,
    /// The client certificate's private key (P-256; PKCS#8 or SEC1).
    pub client_key: *const u8,
    /// Bytes at `client_key`.
    pub client_key_len: usize,
}

/// How to open one session. All-zero (`mtls_config cfg = {0};`) is the
/// safe default apart from `host`/`port`: Auto mode, verification on,
/// validity dates checked, failure diagnosis on, 60 s handshake limit.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy)]
pub struct mtls_config {
    /// Server host name or IP literal (not NUL-terminated; `host_len` bytes).
    /// Also the SNI and the name the certificate must carry.
    pub host: *const c_char,
    /// Bytes at `host`: 1 to `MTLS_MAX_HOST_LEN`.
    pub host_len: usize,
    /// Server TCP port (not 0).
    pub port: u16,
    /// One of `mtls_mode` (`MTLS_MODE_AUTO` = 0).
    pub mode: u32,
    /// Trust anchors for this session (PEM or DER); NULL with length 0: the
    /// modem's default (`mtls_modem_set_credentials()`).
    pub ca: *const u8,
    /// Bytes at `ca`.
    pub ca_len: usize,
    /// Client certificate for this session; NULL with length 0: the modem's default.
    pub client_cert: *const u8,
    /// Bytes at `client_cert`.
    pub client_cert_len: usize,
    /// Client key for this session; NULL with length 0: the modem's default.
    pub client_key: *const u8,
    /// Bytes at `client_key`.
    pub client_key_len: usize,
    /// Auto hint: the server only speaks TLS 1.3 (non-zero = yes).
    pub hint_tls13_only: u8,
    /// Auto hint: the server needs SNI (non-zero = yes).
    pub hint_requires_sni: u8,
    /// Auto hint: the data must be protected up to the MCU (non-zero =
    /// yes): the host path. On the offloaded path the UART between modem
    /// and MCU is outside TLS.
    pub hint_end_to_end: u8,
    /// DANGER: non-zero skips server certificate verification entirely.
    /// Never set by the library, never a fallback; reported in
    /// `mtls_session_info.verified`.
    pub insecure_no_verify: u8,
    /// Non-zero: verify chain and host name but not the validity dates (a
    /// device without a trustworthy clock).
    pub accept_unchecked_validity: u8,
    /// Non-zero: accept an offloaded session whose firmware verifies the
    /// chain but cannot check the host name (the BC66). Safe only with a
    /// private CA that signs nothing but your servers. Zero: Auto takes the
    /// host path ("needs-hostname-check"), offload-only is refused with
    /// `MTLS_ERR_MODE_UNAVAILABLE`. Reported in
    /// `mtls_session_info.hostname_checked`.
    pub accept_chain_only: u8,
    /// Non-zero: do not run the capability probe after a failed offloaded
    /// handshake (the error then names the cause less precisely).
    pub no_diagnosis: u8,
    /// Handshake time limit, seconds; 0 = 60.
    pub handshake_timeout_s: u16,
    /// Non-zero: no session resumption on the host path. Zero (default):
    /// the modem slot keeps the server's session ticket and the next
    /// session to the same host, port and CA resumes without certificates
    /// (`mtls_session_info.resumed`); `mtls_ticket_save()` /
    /// `mtls_ticket_restore()` keep it across reboots.
    pub no_resumption: u8,
}

/// What a session runs on (`mtls_session_get_info()`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub struct mtls_session_info {
    /// The TLS path.
    pub path: mtls_path,
    /// Negotiated TLS version on the wire (0x0303 TLS 1.2, 0x0304 TLS 1.3); 0 if unknown.
    pub tls_version: u16,
    /// Negotiated cipher suite (IANA code); 0 if unknown.
    pub cipher_suite: u16,
    /// The server certificate was verified (false only with `insecure_no_verify`).
    pub verified: bool,
    /// The server's host name was checked against its certificate (false
    /// without verification, and offloaded on a firmware that cannot, with
    /// `accept_chain_only`).
    pub hostname_checked: bool,
    /// Why this path: a stable number (0 requested, 1 modem-capable,
    /// 2 needs-tls13, 3 needs-sni, 4 needs-client-cert,
    /// 5 credential-too-large, 6 cached-host, 7-10 fallback after no common
    /// cipher / protocol version / SNI required / unexplained handshake
    /// failure, 11 fallback after a credential format problem, 12
    /// needs-end-to-end, 13 needs-hostname-check, 14 needs-alpn).
    pub reason: u8,
    /// Why this path, as a short static string (e.g. "fallback-protocol-version").
    pub reason_code: *const c_char,
    /// After an Auto fallback: the status the offloaded handshake failed
    /// with; `MTLS_OK` when there was no fallback.
    pub fallback_from: mtls_status,
    /// After a fallback: the modem's own handshake result code, when
    /// `has_fallback_modem_code`.
    pub fallback_modem_code: i32,
    /// `fallback_modem_code` is set.
    pub has_fallback_modem_code: bool,
    /// After a fallback: the TLS alert the server sent (description code), or -1.
    pub fallback_alert: i16,
    /// Host path: the session was resumed with the slot's session ticket
    /// (no certificate crossed the UART, no signature was verified).
    pub resumed: bool,
}

/// Use of the static pool (`mtls_pool_get_stats()`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct mtls_pool_stats {
    /// Modems open.
    pub modems_in_use: u32,
    /// `MTLS_MAX_MODEMS`.
    pub modems_max: u32,
    /// Sessions open.
    pub sessions_in_use: u32,
    /// `MTLS_MAX_SESSIONS`.
    pub sessions_max: u32,
    /// Bytes `mtls_uart_rx_isr()` dropped because a receive ring was full.
    pub rx_dropped: u32,
}
