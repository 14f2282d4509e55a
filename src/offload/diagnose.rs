//! Finding out why the modem's handshake failed.
//!
//! The firmware only says "handshake failed". The library opens a raw TCP
//! socket through the same modem to the same server, sends a ClientHello
//! that offers exactly what the firmware offers (its cipher list, its TLS
//! versions, SNI as the firmware would send it) and reads the server's
//! answer. If the server refuses it, that refusal is the cause; if the
//! server accepts it, the failure came later (certificates).

use crate::error::TlsFailure;
use crate::modem::{Capabilities, ModemError};
use crate::probe::{
    diagnose, write_client_hello, Diagnosis, ProbeHello, ResponseParser, TlsVersion, Verdict,
};

/// Time allowed for the server's first answer to a probe (at most; the
/// driver's data timeout when that is shorter).
const PROBE_TIMEOUT_MS: u32 = 15_000;

/// The failure a diagnosis stands for.
pub(crate) fn failure_of(d: Diagnosis) -> TlsFailure {
    match d {
        Diagnosis::NoCommonCipher => TlsFailure::NoCommonCipher,
        Diagnosis::ProtocolVersion => TlsFailure::ProtocolVersion,
        Diagnosis::SniRequired => TlsFailure::SniRequired,
        Diagnosis::ServerAccepts { .. } => TlsFailure::CertificateRejected,
        Diagnosis::Inconclusive => TlsFailure::HandshakeFailed,
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::modem::asynch::Sockets;

    /// Probe `host:port` as the firmware would, once with the firmware's SNI
    /// behaviour and, if that is refused without SNI, once more with SNI.
    pub(crate) async fn diagnose_offload<M: Sockets>(
        modem: &mut M,
        host: &str,
        port: u16,
        caps: &Capabilities,
        min: TlsVersion,
    ) -> Result<Diagnosis, ModemError> {
        // The first probe with the firmware's SNI setting; when that is refused
        // without SNI, once more with SNI.
        let mut sni = caps.sni.then_some(host);
        let mut first = None;
        loop {
            let v = probe(modem, host, port, sni, caps, min).await?;
            match first {
                None if sni.is_none() && !matches!(v, Verdict::ServerHello { .. }) => {
                    first = Some(v);
                    sni = Some(host);
                }
                None => return Ok(diagnose(v, None)),
                Some(f) => return Ok(diagnose(f, Some(v))),
            }
        }
    }

    /// One probe: the ClientHello over a fresh TCP connection, the server's
    /// first answer read until it decides, the connection closed.
    #[inline(never)]
    async fn probe<M: Sockets>(
        modem: &mut M,
        host: &str,
        port: u16,
        sni: Option<&str>,
        caps: &Capabilities,
        min: TlsVersion,
    ) -> Result<Verdict, ModemError> {
        let hello = ProbeHello {
            server_name: sni,
            cipher_suites: caps.cipher_suites,
            min_version: min,
            max_version: caps.max_tls,
        };
        // The random of a probe never keys anything (the handshake is abandoned
        // after the server's first flight), so it need not be secret.
        let seed = modem.now_ms().to_be_bytes();
        let random: [u8; 32] = core::array::from_fn(|i| seed[i % 8] ^ (i as u8).wrapping_mul(0x9d));
        // The ClientHello, then (once sent) the server's bytes.
        let mut buf = [0u8; 512];
        let n =
            write_client_hello(&hello, &random, &mut buf).map_err(|_| ModemError::Socket(-1))?;
        let id = modem.tcp_open(host, port).await?;
        let r = exchange(modem, id, &mut buf, n).await;
        let _ = modem.close(id).await;
        r
    }

    /// Sends the first `n` bytes of `buf`, then reads the answer into `buf`.
    async fn exchange<M: Sockets>(
        modem: &mut M,
        id: crate::modem::SocketId,
        buf: &mut [u8],
        n: usize,
    ) -> Result<Verdict, ModemError> {
        let mut sent = 0;
        while let Some(rest) = buf.get(sent..n).filter(|r| !r.is_empty()) {
            sent += modem.send(id, rest).await?;
        }
        let mut parser = ResponseParser::new();
        let mut received = 0usize;
        let wait = PROBE_TIMEOUT_MS.min(modem.timeouts().data_ms);
        loop {
            match modem.recv_wait(id, buf, wait).await {
                Ok(0) => break,
                Ok(n) => {
                    received += n;
                    if parser.feed(buf.get(..n).unwrap_or(&[])).is_some() {
                        break;
                    }
                }
                // Silence after some bytes ends the answer. A server that never
                // answers a ClientHello: the firmware's failure was a timeout,
                // not a TLS capability problem (returned as such).
                Err(ModemError::Timeout) if received > 0 => break,
                Err(e) => return Err(e),
            }
        }
        // The verdict if one was decided, else what the end of the answer shows.
        Ok(parser.finish_eof())
    }
}
