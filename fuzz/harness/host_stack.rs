//! The host path's whole receive stack (the record guard and embedded-tls
//! behind `host::Transport`) fed arbitrary server bytes: the fuzz harness
//! shared by the cargo-fuzz target (`fuzz/fuzz_targets/host_stack.rs`) and
//! the corpus test (`tests/fuzz_corpus.rs`).
//!
//! This is what an on-path attacker without any key can send: a forged
//! ServerHello, alerts, records of any type and length, records that
//! claim to be encrypted. Input: one control byte (the size of the pieces
//! the transport hands out, at least 1), then the server's bytes. Checked:
//! the handshake and the reads after it end in an error or in a session,
//! never a panic; once the guard refuses, nothing more is read.

use embedded_io::{ErrorType, Read, Write};
use embedded_tls::blocking::{Aes128GcmSha256, TlsConfig, TlsConnection, TlsContext};
use embedded_tls::UnsecureProvider;
use modemtls::host::etls::Transport;
use modemtls::host::MIN_READ_BUF;
use modemtls::modem::ModemError;

/// The server's side of the wire: hands out `data` in pieces of `step`
/// bytes; what the client writes is dropped.
struct Wire<'d> {
    data: &'d [u8],
    step: usize,
}

impl ErrorType for Wire<'_> {
    type Error = ModemError;
}

impl Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        let n = buf.len().min(self.step).min(self.data.len());
        if n == 0 {
            return Ok(0);
        }
        let (now, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(now);
        self.data = rest;
        Ok(n)
    }
}

impl Write for Wire<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ModemError> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ModemError> {
        Ok(())
    }
}

/// A fixed-sequence generator: the harness must be deterministic.
struct Counter(u64);

impl rand_core::RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = (self.next_u64() >> 56) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Counter {}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let wire = Wire {
        data,
        step: usize::from(control).max(1),
    };
    let mut read = vec![0u8; MIN_READ_BUF];
    let mut write = vec![0u8; 4096];
    let mut tls: TlsConnection<'_, Transport<Wire<'_>>, Aes128GcmSha256> =
        TlsConnection::new(Transport::new(wire), &mut read, &mut write);
    let config = TlsConfig::new().with_server_name("server.test");
    let mut rng = Counter(u64::from(control));
    let opened = tls.open(TlsContext::new(
        &config,
        UnsecureProvider::new::<Aes128GcmSha256>(&mut rng),
    ));
    if opened.is_ok() {
        let mut buf = [0u8; 512];
        while let Ok(n) = tls.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
    let transport = match tls.close() {
        Ok(t) | Err((t, _)) => t,
    };
    if transport.guard().is_some() {
        // A refused stream is never read again.
        let mut t = transport;
        assert!(t.read(&mut [0u8; 8]).is_err());
    }
}
