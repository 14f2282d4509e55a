//! Finding out why the modem's handshake failed.
//!
//! The firmware only says "handshake failed". The library opens a raw TCP
//! socket through the same modem to the same server, sends a ClientHello
//! that offers exactly what the firmware offers (its cipher list, its TLS
//! versions, SNI as the firmware would send it) and reads the server's
//! answer. If the server refuses it, that refusal is the cause; if the
//! server accepts it, the failure came later (certificates).

use crate::error::TlsFailure;
use crate::modem::quectel::{Bg9x, SocketKind};
use crate::modem::{Capabilities, ModemError};
use crate::port::Port;
use crate::probe::{
    diagnose, write_client_hello, Diagnosis, ProbeHello, ResponseParser, TlsVersion, Verdict,
};

/// Time allowed for the server's first answer to a probe (at most; the
/// driver's data timeout when that is shorter).
const PROBE_TIMEOUT_MS: u32 = 15_000;

/// Probe `host:port` as the firmware would, once with the firmware's SNI
/// behaviour and, if that is refused without SNI, once more with SNI.
pub(crate) fn diagnose_offload<P: Port>(
    modem: &mut Bg9x<P>,
    host: &str,
    port: u16,
    caps: &Capabilities,
    min: TlsVersion,
) -> Result<Diagnosis, ModemError> {
    let firmware_sni = caps.sni.then_some(host);
    let first = probe(modem, host, port, firmware_sni, caps, min)?;
    let retry = match first {
        Verdict::ServerHello { .. } => None,
        _ if firmware_sni.is_none() => Some(probe(modem, host, port, Some(host), caps, min)?),
        _ => None,
    };
    Ok(diagnose(first, retry))
}

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

fn probe<P: Port>(
    modem: &mut Bg9x<P>,
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
    let mut random = [0u8; 32];
    let seed = modem.now_ms().to_be_bytes();
    for (i, r) in random.iter_mut().enumerate() {
        *r = seed[i % 8] ^ (i as u8).wrapping_mul(0x9d);
    }
    let mut out = [0u8; 512];
    let n = write_client_hello(&hello, &random, &mut out).map_err(|_| ModemError::Socket(-1))?;
    let id = modem.tcp_open(host, port)?;
    let r = exchange(modem, id, out.get(..n).unwrap_or(&[]));
    let _ = modem.close(SocketKind::Tcp, id);
    r
}

fn exchange<P: Port>(
    modem: &mut Bg9x<P>,
    id: crate::modem::SocketId,
    hello: &[u8],
) -> Result<Verdict, ModemError> {
    let mut sent = 0;
    while let Some(rest) = hello.get(sent..).filter(|r| !r.is_empty()) {
        sent += modem.send(SocketKind::Tcp, id, rest)?;
    }
    let mut parser = ResponseParser::new();
    let mut buf = [0u8; 256];
    let mut received = 0usize;
    let wait = PROBE_TIMEOUT_MS.min(modem.timeouts().data_ms);
    loop {
        match modem.recv_wait(SocketKind::Tcp, id, &mut buf, wait) {
            Ok(0) => return Ok(parser.finish_eof()),
            Ok(n) => {
                received += n;
                if let Some(v) = parser.feed(buf.get(..n).unwrap_or(&[])) {
                    return Ok(v);
                }
            }
            // A server that never answers a ClientHello: the firmware's
            // failure was a timeout, not a TLS capability problem.
            Err(ModemError::Timeout) if received == 0 => return Err(ModemError::Timeout),
            Err(ModemError::Timeout) => return Ok(parser.finish_eof()),
            Err(e) => return Err(e),
        }
    }
}
