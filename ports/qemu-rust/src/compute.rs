//! Scenario `compute` (feature `compute`): instructions the Cortex-M
//! executes for one host TLS 1.3 handshake, and its parts.
//!
//! `calib.*` first checks the counter against a loop of known length.
//!
//! Run under QEMU with `-icount shift=0` (the runner's `compute-*`
//! scenarios force it): every figure is virtual nanoseconds from
//! [`crate::vclock`], which at shift=0 is the number of guest instructions
//! executed (resolution 40). Each figure is printed as
//! `COMPUTE <key> <instructions>`; the runner collects them over repeated
//! runs and prints the table (`tools/compute-bench.sh`).
//!
//! What is measured, in this order:
//!
//! 1. `ecdhe.*` (x[`ECDHE_REPEAT`]): the P-256 key exchange exactly as
//!    the engine does it, through its provider (`DefaultP256`: RustCrypto,
//!    or assembly with the firmware feature `p256-asm`):
//!    `generate` for the ClientHello key share, `agree` on the ServerHello,
//!    with the same test RNG.
//! 2. `ref.{p256,rsa}.{chain,cv}` (x[`REF_REPEAT`]): `verify_chain` and
//!    `verify_certificate_verify` on the recorded data of
//!    `tools/pki-bench/fw/data` (fixed inputs: comparable between runs and
//!    with the pki-bench firmware).
//! 3. `lib.*`: one host session opened with the library's own
//!    `modemtls::host::connect` (CA decode, network time, `AT+QIOPEN`, TLS
//!    1.3 handshake, verification): `lib.total` minus the time inside the
//!    UART port (`lib.port`, which depends on when the host delivers bytes).
//!    Then `res.*`: a session with a ticket slot (GET, read to the end, so
//!    the server's NewSessionTicket is kept) and a second one resumed with
//!    that ticket: `res.total`, `res.bytes_in`/`res.bytes_out` of the
//!    resumed one (no certificate crosses the UART, no signature is
//!    verified).
//! 4. `hs.*`: the same handshake again, built from the same public pieces
//!    as `host::connect` (`tls::Client` + `host::drive_handshake`) but with
//!    the verifier wrapped so the engine's two calls into it are timed
//!    where they happen: `hs.chain` (`ServerAuth::certificate`:
//!    `PkiVerifier::verify_chain` on the server's chain + keeping the leaf
//!    key) and `hs.cv` (`ServerAuth::certificate_verify`:
//!    `verify_certificate_verify`). `hs.total` excludes the port time and
//!    the wrapper's own copying of the chain; `hs.setup` is its part before
//!    the TLS handshake (CA decode, network time, `AT+QIOPEN`), port time
//!    excluded too.
//! 5. `rerun.{chain,cv}` (x[`REF_REPEAT`]): `verify_chain` and
//!    `verify_certificate_verify` alone on the chain and signature captured
//!    in 4.
//!
//! Entropy: the same TEST-ONLY generator seeded by the runner as `auto-host`
//! (see [`crate::host`]).

use crate::log::{dec64, text, Steps};
use crate::scenarios::{modem, modem_up, Failure};
use crate::semi::Params;
use crate::testrng::TestRng;
use crate::uart::{port_time, CmsdkUart};
use crate::vclock;
use core::hint::black_box;
use embedded_io::{Read, Write};
use modemtls::host::{self, HostBuffers, MAX_ANCHORS, MIN_READ_BUF, MIN_WRITE_BUF};
use modemtls::modem::quectel::{Bg9x, TcpSocket};
use modemtls::pki::{PkiError, PkiVerifier, TrustAnchors, Validity};
use modemtls::session::{Credential, Mode, SessionConfig};
use modemtls::tls::{
    Client, ClientConfig, ClientState, DefaultP256, P256Provider, ServerAuth, Ticket,
};

/// Key exchanges measured per run.
pub const ECDHE_REPEAT: usize = 5;
/// Repetitions of each verification micro-benchmark per run.
pub const REF_REPEAT: usize = 3;

/// Room for the captured server chain (DER).
const CAPTURE_MAX: usize = 8 * 1024;
/// Certificates kept from the captured chain.
const CAPTURE_CERTS: usize = 4;

mod recorded {
    pub static NOW: &str = include_str!("../../../tools/pki-bench/fw/data/now.txt");
    pub const NAME: &str = "device.example.com";
    pub mod p256 {
        pub static ROOT: &[u8] = include_bytes!("../../../tools/pki-bench/fw/data/p256_root.der");
        pub static INTER: &[u8] = include_bytes!("../../../tools/pki-bench/fw/data/p256_inter.der");
        pub static LEAF: &[u8] = include_bytes!("../../../tools/pki-bench/fw/data/p256_leaf.der");
        pub static TRANSCRIPT: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/p256_transcript.bin");
        pub static SIG: &[u8] = include_bytes!("../../../tools/pki-bench/fw/data/p256_cv_sig.bin");
    }
    pub mod rsa {
        pub static ROOT: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/rsa2048_root.der");
        pub static INTER: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/rsa2048_inter.der");
        pub static LEAF: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/rsa2048_leaf.der");
        pub static TRANSCRIPT: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/rsa2048_transcript.bin");
        pub static SIG: &[u8] =
            include_bytes!("../../../tools/pki-bench/fw/data/rsa2048_cv_sig.bin");
    }
}

/// Print one figure: `COMPUTE <key> <instructions>`.
fn out(key: &str, vns: u64) {
    text("COMPUTE ");
    text(key);
    text(" ");
    dec64(vns);
    text("\n");
}

/// Scenario `compute`.
#[inline(never)]
pub fn compute(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let Some(seed) = p.seed() else {
        text("no RNG seed in params.txt: refusing to run host TLS (no constant-seed fallback)\n");
        return Err(Failure::Unexpected("no RNG seed"));
    };
    text("      RNG: SHA-256 counter mode seeded by the runner (TEST-ONLY entropy, see src/testrng.rs)\n");
    let mut rng = TestRng::from_seed(seed);
    vclock::start();
    calibrate();

    // 1. Key exchange.
    for _ in 0..ECDHE_REPEAT {
        ecdhe(&mut rng)?;
    }
    steps.step("ECDHE micro-benchmarks");

    // 2. Recorded chains.
    for _ in 0..REF_REPEAT {
        recorded_chain(
            "ref.p256",
            recorded::p256::ROOT,
            &[recorded::p256::LEAF, recorded::p256::INTER],
            recorded::p256::TRANSCRIPT,
            0x0403,
            recorded::p256::SIG,
        )?;
        recorded_chain(
            "ref.rsa",
            recorded::rsa::ROOT,
            &[recorded::rsa::LEAF, recorded::rsa::INTER],
            recorded::rsa::TRANSCRIPT,
            0x0804,
            recorded::rsa::SIG,
        )?;
    }
    steps.step("verifier micro-benchmarks (recorded chains)");

    let (Some(read), Some(write), Some(scratch), Some(capture), Some(state)) = (
        cortex_m::singleton!(: [u8; MIN_READ_BUF] = [0; MIN_READ_BUF]),
        cortex_m::singleton!(: [u8; MIN_WRITE_BUF] = [0; MIN_WRITE_BUF]),
        cortex_m::singleton!(: [u8; crate::host_setup::SCRATCH_BUF] = [0; crate::host_setup::SCRATCH_BUF]),
        cortex_m::singleton!(: [u8; CAPTURE_MAX] = [0; CAPTURE_MAX]),
        cortex_m::singleton!(: ClientState = ClientState::new()),
    ) else {
        return Err(Failure::Unexpected("buffers already taken"));
    };

    let mut modem = modem();
    modem_up(&mut modem, steps)?;

    // 3. The library's own host::connect.
    {
        let cfg = SessionConfig::new(p.host, p.port)
            .trust(Credential::Pem(ca))
            .mode(Mode::Host);
        let bufs = HostBuffers {
            read: &mut read[..],
            write: &mut write[..],
            scratch: &mut scratch[..],
            state: &mut *state,
            ticket: None,
        };
        let t0 = vclock::ticks();
        let p0 = port_time::totals();
        let s = host::connect(&mut modem, &cfg, &mut rng, bufs)
            .map_err(|e| Failure::Lib("host connect", e))?;
        let total = vclock::vns_since(t0);
        let p1 = port_time::totals();
        let port = p1.vns - p0.vns;
        s.close().map_err(|e| Failure::Lib("close", e))?;
        out("lib.total", total - port);
        out("lib.port", port);
        out("lib.bytes_out", p1.bytes_out - p0.bytes_out);
        out("lib.bytes_in", p1.bytes_in - p0.bytes_in);
        out("lib.port_calls", p1.calls - p0.calls);
    }
    steps.step("host::connect handshake");

    // 3b. Resumption: a session that keeps the server's ticket, then one
    // resumed with it.
    {
        let ticket = cortex_m::singleton!(: Ticket = Ticket::new())
            .ok_or(Failure::Unexpected("ticket already taken"))?;
        let cfg = SessionConfig::new(p.host, p.port)
            .trust(Credential::Pem(ca))
            .mode(Mode::Host);
        for round in 0..2 {
            let bufs = HostBuffers {
                read: &mut read[..],
                write: &mut write[..],
                scratch: &mut scratch[..],
                state: &mut *state,
                ticket: Some(&mut *ticket),
            };
            let t0 = vclock::ticks();
            let p0 = port_time::totals();
            let mut s = host::connect(&mut modem, &cfg, &mut rng, bufs)
                .map_err(|e| Failure::Lib("host connect (ticket)", e))?;
            let total = vclock::vns_since(t0);
            let p1 = port_time::totals();
            let resumed = s.info().resumed;
            // The request and the whole answer: NewSessionTicket comes
            // before the page.
            s.write_all(b"GET / HTTP/1.0\r\n\r\n")
                .and_then(|()| s.flush())
                .map_err(|e| Failure::Lib("request", e))?;
            let mut buf = [0u8; 256];
            while s.read(&mut buf).map_err(|e| Failure::Lib("read", e))? > 0 {}
            s.close().map_err(|e| Failure::Lib("close", e))?;
            if round == 1 {
                if !resumed {
                    return Err(Failure::Unexpected("second session not resumed"));
                }
                out("res.total", total - (p1.vns - p0.vns));
                out("res.bytes_out", p1.bytes_out - p0.bytes_out);
                out("res.bytes_in", p1.bytes_in - p0.bytes_in);
            } else if !ticket.is_valid() {
                return Err(Failure::Unexpected("no session ticket kept"));
            }
        }
    }
    steps.step("resumed handshake");

    // 4. + 5. The instrumented handshake and the re-runs.
    timed_handshake(
        &mut modem,
        p,
        ca,
        &mut rng,
        &mut read[..],
        &mut write[..],
        &mut scratch[..],
        &mut capture[..],
        state,
    )?;
    steps.step("instrumented handshake + re-runs");
    Ok(())
}

/// Check the counter against a loop of known length: `calib.empty` (two
/// reads of the counter back to back: 0 or 40) and `calib.2m` (1,000,000
/// iterations of `subs` + `bne` = 2,000,000 instructions, plus the few
/// around them).
#[inline(never)]
fn calibrate() {
    let t = vclock::ticks();
    out("calib.empty", vclock::vns_since(black_box(t)));
    let n: u32 = black_box(1_000_000);
    let t = vclock::ticks();
    // SAFETY: a register-only countdown loop.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {0}, {0}, #1",
            "bne 2b",
            inout(reg) n => _,
            options(nomem, nostack),
        );
    }
    out("calib.2m", vclock::vns_since(t));
}

/// One P-256 ECDHE as the engine does it (its default provider).
#[inline(never)]
fn ecdhe(rng: &mut TestRng) -> Result<(), Failure> {
    let mut p = DefaultP256::default();
    // The server's key share (not measured).
    let (_, server_share) = p
        .generate(&mut *rng)
        .ok_or(Failure::Unexpected("server key pair"))?;

    let t0 = vclock::ticks();
    // The ClientHello's key share.
    let (secret, share) = p
        .generate(&mut *rng)
        .ok_or(Failure::Unexpected("key pair"))?;
    black_box(&share);
    let keygen = vclock::vns_since(t0);

    let t1 = vclock::ticks();
    // On the ServerHello.
    let shared = p
        .agree(&secret, black_box(&server_share[..]))
        .ok_or(Failure::Unexpected("server key share rejected"))?;
    black_box(&shared.0);
    let dh = vclock::vns_since(t1);

    out("ecdhe.keygen", keygen);
    out("ecdhe.shared", dh);
    out("ecdhe", keygen + dh);
    Ok(())
}

/// `verify_chain` and `verify_certificate_verify` on fixed data.
#[inline(never)]
fn recorded_chain(
    key: &str,
    root: &[u8],
    chain: &[&[u8]],
    transcript: &[u8],
    scheme: u16,
    sig: &[u8],
) -> Result<(), Failure> {
    let now: u64 = recorded::NOW
        .trim()
        .parse()
        .map_err(|_| Failure::Unexpected("now.txt"))?;
    let mut anchors: TrustAnchors<'_, 2> = TrustAnchors::new();
    anchors
        .add_der(root)
        .map_err(|_| Failure::Unexpected("recorded root"))?;
    let v = PkiVerifier::new(anchors.as_slice(), Validity::At(now))
        .with_server_name(recorded::NAME)
        .map_err(|_| Failure::Unexpected("recorded name"))?;
    let (chain_vns, cv_vns) = verify_pair(&v, chain, black_box(transcript), scheme, sig)
        .ok_or(Failure::Unexpected("recorded chain did not verify"))?;
    let mut k: heapless::String<32> = heapless::String::new();
    let _ = k.push_str(key);
    let _ = k.push_str(".chain");
    out(&k, chain_vns);
    k.clear();
    let _ = k.push_str(key);
    let _ = k.push_str(".cv");
    out(&k, cv_vns);
    Ok(())
}

/// Time `verify_chain` then `verify_certificate_verify`.
#[inline(never)]
fn verify_pair(
    v: &PkiVerifier<'_>,
    chain: &[&[u8]],
    transcript: &[u8],
    scheme: u16,
    sig: &[u8],
) -> Option<(u64, u64)> {
    let t0 = vclock::ticks();
    let spki = v.verify_chain(black_box(chain)).ok()?;
    let chain_vns = vclock::vns_since(t0);
    let t1 = vclock::ticks();
    PkiVerifier::verify_certificate_verify(spki, transcript, scheme, black_box(sig)).ok()?;
    let cv_vns = vclock::vns_since(t1);
    Some((chain_vns, cv_vns))
}

/// What the timed verifier saw and how long it took.
struct Capture<'c> {
    buf: &'c mut [u8],
    used: usize,
    certs: heapless::Vec<(usize, usize), CAPTURE_CERTS>,
    transcript: heapless::Vec<u8, 48>,
    scheme: Option<u16>,
    sig: (usize, usize),
    chain_vns: u64,
    cv_vns: u64,
    /// The wrapper's own copying (subtracted from the total).
    harness_vns: u64,
}

impl Capture<'_> {
    fn keep(&mut self, data: &[u8]) -> Option<(usize, usize)> {
        let start = self.used;
        let end = start.checked_add(data.len())?;
        self.buf.get_mut(start..end)?.copy_from_slice(data);
        self.used = end;
        Some((start, end))
    }

    fn get(&self, r: (usize, usize)) -> &[u8] {
        self.buf.get(r.0..r.1).unwrap_or(&[])
    }
}

/// `PkiVerifier` with the engine's two calls timed (and their inputs
/// copied, outside the timed part, for the re-runs).
struct Timed<'v, 'a, 'c> {
    inner: &'v mut PkiVerifier<'a>,
    cap: &'v mut Capture<'c>,
}

impl ServerAuth for Timed<'_, '_, '_> {
    fn certificate(&mut self, chain: &[&[u8]]) -> Result<(), PkiError> {
        let h0 = vclock::ticks();
        for der in chain {
            if let Some(r) = self.cap.keep(der) {
                let _ = self.cap.certs.push(r);
            }
        }
        self.cap.harness_vns += vclock::vns_since(h0);

        let t0 = vclock::ticks();
        let r = self.inner.certificate(chain);
        self.cap.chain_vns += vclock::vns_since(t0);
        r
    }

    fn certificate_verify(
        &mut self,
        scheme: u16,
        transcript_hash: &[u8],
        signature: &[u8],
    ) -> Result<(), PkiError> {
        let h0 = vclock::ticks();
        self.cap.scheme = Some(scheme);
        self.cap.transcript.clear();
        let _ = self.cap.transcript.extend_from_slice(transcript_hash);
        if let Some(r) = self.cap.keep(signature) {
            self.cap.sig = r;
        }
        self.cap.harness_vns += vclock::vns_since(h0);

        let t0 = vclock::ticks();
        let r = self
            .inner
            .certificate_verify(scheme, transcript_hash, signature);
        self.cap.cv_vns += vclock::vns_since(t0);
        r
    }
}

/// Steps 4 and 5 (see the module docs): the same work as
/// `modemtls::host::connect` (CA from PEM, time from the port or the
/// network clock, TCP socket, the engine, the verifier's final check),
/// with [`Timed`] as the engine's `ServerAuth`.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn timed_handshake(
    modem: &mut Bg9x<CmsdkUart>,
    p: &Params<'_>,
    ca: &[u8],
    rng: &mut TestRng,
    read: &mut [u8],
    write: &mut [u8],
    scratch: &mut [u8],
    capture: &mut [u8],
    state: &mut ClientState,
) -> Result<(), Failure> {
    let mut cap = Capture {
        buf: capture,
        used: 0,
        certs: heapless::Vec::new(),
        transcript: heapless::Vec::new(),
        scheme: None,
        sig: (0, 0),
        chain_vns: 0,
        cv_vns: 0,
        harness_vns: 0,
    };

    let t0 = vclock::ticks();
    let p0 = port_time::totals();
    let anchors: TrustAnchors<'_, MAX_ANCHORS> = TrustAnchors::from_bundle(ca, scratch)
        .map_err(|_| Failure::Unexpected("CA bundle refused"))?;
    let validity = match modem.port_unix_time() {
        Some(t) => Validity::At(t),
        None => Validity::At(
            modem
                .network_time()
                .map_err(|e| Failure::Lib("network time", e.into()))?,
        ),
    };
    let mut verifier = PkiVerifier::new(anchors.as_slice(), validity)
        .with_server_name(p.host)
        .map_err(|_| Failure::Unexpected("server name"))?;
    let mut sock = TcpSocket::connect(modem, p.host, p.port)
        .map_err(|e| Failure::Lib("tcp open", e.into()))?;
    let setup = vclock::vns_since(t0);
    let p_setup = port_time::totals();
    let config = ClientConfig {
        server_name: p.host,
        alpn: &[],
        client: None,
        resumption: false,
    };
    let opened = match Client::new(
        &config,
        state,
        read,
        None,
        None,
        &mut *rng,
        DefaultP256::default(),
    ) {
        Ok(mut tls) => {
            let mut timed = Timed {
                inner: &mut verifier,
                cap: &mut cap,
            };
            host::drive_handshake(&mut tls, &config, &mut sock, write, &mut timed)
        }
        Err(_) => Err(modemtls::Error::Closed),
    };
    let checked = verifier.check();
    let total = vclock::vns_since(t0);
    let p1 = port_time::totals();
    let _ = sock.close();
    if opened.is_err() {
        return Err(Failure::Unexpected("instrumented handshake failed"));
    }
    if checked.is_err() {
        return Err(Failure::Unexpected("instrumented handshake not verified"));
    }
    let port = p1.vns - p0.vns;
    out("hs.total", total - port - cap.harness_vns);
    out("hs.port", port);
    out("hs.harness", cap.harness_vns);
    out("hs.setup", setup - (p_setup.vns - p0.vns));
    out("hs.chain", cap.chain_vns);
    out("hs.cv", cap.cv_vns);
    out("hs.bytes_out", p1.bytes_out - p0.bytes_out);
    out("hs.bytes_in", p1.bytes_in - p0.bytes_in);
    out("hs.port_calls", p1.calls - p0.calls);
    out(
        "hs.chain_bytes",
        cap.certs.iter().map(|r| (r.1 - r.0) as u64).sum(),
    );

    // 5. Re-runs on the captured chain and signature.
    let chain: heapless::Vec<&[u8], CAPTURE_CERTS> =
        cap.certs.iter().map(|r| cap.get(*r)).collect();
    let scheme = cap
        .scheme
        .ok_or(Failure::Unexpected("no CertificateVerify seen"))?;
    let v = PkiVerifier::new(anchors.as_slice(), validity)
        .with_server_name(p.host)
        .map_err(|_| Failure::Unexpected("server name"))?;
    for _ in 0..REF_REPEAT {
        let (c, s) = verify_pair(&v, &chain, &cap.transcript, scheme, cap.get(cap.sig))
            .ok_or(Failure::Unexpected("captured chain did not verify again"))?;
        out("rerun.chain", c);
        out("rerun.cv", s);
    }
    Ok(())
}
