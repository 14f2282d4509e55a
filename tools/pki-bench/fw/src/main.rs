//! Cortex-M4 measurement of `modemtls::pki`.
//!
//! - `.text` size: build with and without `--features verifier` and compare
//!   (`llvm-size`).
//! - Peak stack of one verification (chain of three + host name +
//!   CertificateVerify): the free RAM below the stack pointer is painted
//!   with a pattern, the verification runs, and the lowest overwritten word
//!   gives the high-water mark. Run on QEMU `mps2-an386` (`cargo run`).
//!
//! Test data (`data/`) comes from `../host` (`pki-bench-host gen fw/data`).
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

const PATTERN: u32 = 0xC0DE_5AFE;

extern "C" {
    static mut __sheap: u32;
    static mut _stack_start: u32;
}

/// An embedded-tls client handshake over a socket fed from `black_box`
/// data: linked for its size, never run.
#[cfg(any(feature = "tls-noverify", feature = "tls-pki"))]
mod tls {
    use super::black_box;
    use embedded_tls::blocking::{Aes128GcmSha256, TlsConfig, TlsConnection, TlsContext};

    pub struct Sock;
    impl embedded_io::ErrorType for Sock {
        type Error = embedded_io::ErrorKind;
    }
    impl embedded_io::Read for Sock {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
            let n = black_box(buf.len());
            for b in buf.iter_mut() {
                *b = black_box(0x16);
            }
            Ok(n)
        }
    }
    impl embedded_io::Write for Sock {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            Ok(black_box(buf).len())
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }
    pub struct Rng(u64);
    impl rand_core::RngCore for Rng {
        fn next_u32(&mut self) -> u32 {
            self.0 = black_box(self.0.wrapping_mul(6364136223846793005).wrapping_add(1));
            (self.0 >> 32) as u32
        }
        fn next_u64(&mut self) -> u64 {
            (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.next_u32() as u8;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for Rng {}

    static mut RBUF: [u8; 16640] = [0; 16640];
    static mut WBUF: [u8; 4096] = [0; 4096];

    #[inline(never)]
    pub fn handshake() -> u32 {
        // SAFETY: called once, from main, before anything else uses the buffers.
        let (rb, wb) = unsafe {
            (
                &mut *core::ptr::addr_of_mut!(RBUF),
                &mut *core::ptr::addr_of_mut!(WBUF),
            )
        };
        let mut tls: TlsConnection<'_, Sock, Aes128GcmSha256> = TlsConnection::new(Sock, rb, wb);
        let config = TlsConfig::new()
            .with_server_name("device.example.com")
            .enable_rsa_signatures();
        #[cfg(feature = "tls-pki")]
        let r = {
            use modemtls::pki::{PkiProvider, PkiVerifier, TrustAnchors, Validity};
            let mut anchors: TrustAnchors<'_, 2> = TrustAnchors::new();
            if anchors.add_der(black_box(&[0x30, 0x00])).is_err() {
                return 9;
            }
            let mut v = PkiVerifier::new(anchors.as_slice(), Validity::At(black_box(0)));
            let r = tls.open(TlsContext::new(&config, PkiProvider::new(Rng(1), &mut v)));
            match (r, v.check()) {
                (Ok(()), Ok(())) => Ok(()),
                _ => Err(()),
            }
        };
        #[cfg(not(feature = "tls-pki"))]
        let r = tls
            .open(TlsContext::new(
                &config,
                embedded_tls::UnsecureProvider::new::<Aes128GcmSha256>(Rng(1)),
            ))
            .map_err(|_| ());
        if r.is_ok() {
            0
        } else {
            1
        }
    }
}

#[cfg(all(feature = "verifier", not(feature = "tls-pki")))]
mod run {
    use super::black_box;
    use embedded_tls::SignatureScheme;
    use modemtls::pki::{PkiVerifier, TrustAnchors, Validity};

    #[cfg(not(feature = "rsa-chain"))]
    mod data {
        pub static ROOT: &[u8] = include_bytes!("../data/p256_root.der");
        pub static INTER: &[u8] = include_bytes!("../data/p256_inter.der");
        pub static LEAF: &[u8] = include_bytes!("../data/p256_leaf.der");
        pub static TRANSCRIPT: &[u8] = include_bytes!("../data/p256_transcript.bin");
        pub static SIG: &[u8] = include_bytes!("../data/p256_cv_sig.bin");
        pub const SCHEME: embedded_tls::SignatureScheme =
            embedded_tls::SignatureScheme::EcdsaSecp256r1Sha256;
    }
    #[cfg(feature = "rsa-chain")]
    mod data {
        pub static ROOT: &[u8] = include_bytes!("../data/rsa2048_root.der");
        pub static INTER: &[u8] = include_bytes!("../data/rsa2048_inter.der");
        pub static LEAF: &[u8] = include_bytes!("../data/rsa2048_leaf.der");
        pub static TRANSCRIPT: &[u8] = include_bytes!("../data/rsa2048_transcript.bin");
        pub static SIG: &[u8] = include_bytes!("../data/rsa2048_cv_sig.bin");
        pub const SCHEME: embedded_tls::SignatureScheme =
            embedded_tls::SignatureScheme::RsaPssRsaeSha256;
    }
    static NOW: &str = include_str!("../data/now.txt");

    /// 0 = verified; otherwise the step that failed.
    #[inline(never)]
    pub fn verify() -> u32 {
        let now: u64 = match black_box(NOW).trim().parse() {
            Ok(n) => n,
            Err(_) => return 1,
        };
        let mut anchors: TrustAnchors<'_, 2> = TrustAnchors::new();
        if anchors.add_der(black_box(data::ROOT)).is_err() {
            return 2;
        }
        let v = match PkiVerifier::new(anchors.as_slice(), Validity::At(now))
            .with_server_name(black_box("device.example.com"))
        {
            Ok(v) => v,
            Err(_) => return 3,
        };
        let chain = [black_box(data::LEAF), black_box(data::INTER)];
        let spki = match v.verify_chain(&chain) {
            Ok(s) => s,
            Err(_) => return 4,
        };
        let scheme: SignatureScheme = black_box(data::SCHEME);
        match PkiVerifier::verify_certificate_verify(
            spki,
            black_box(data::TRANSCRIPT),
            scheme,
            black_box(data::SIG),
        ) {
            Ok(()) => 0,
            Err(_) => 5,
        }
    }
}

#[cfg(any(not(feature = "verifier"), feature = "tls-pki"))]
mod run {
    #[inline(never)]
    pub fn verify() -> u32 {
        super::black_box(0)
    }
}

#[entry]
fn main() -> ! {
    let marker = 0u32;
    let sp = core::ptr::addr_of!(marker) as usize;
    let bottom = core::ptr::addr_of_mut!(__sheap) as usize;
    let top = core::ptr::addr_of_mut!(_stack_start) as usize;
    // Paint from the end of .bss up to 1 KiB below the current frame.
    let paint_end = sp - 1024;
    let mut p = bottom;
    while p < paint_end {
        // SAFETY: [__sheap, sp - 1 KiB) is unused RAM between .bss and the stack.
        unsafe { core::ptr::write_volatile(p as *mut u32, PATTERN) };
        p += 4;
    }

    #[cfg(any(feature = "tls-noverify", feature = "tls-pki"))]
    if black_box(false) {
        tls::handshake();
    }
    let result = run::verify();

    let mut low = bottom;
    while low < paint_end {
        // SAFETY: same region as painted above.
        if unsafe { core::ptr::read_volatile(low as *const u32) } != PATTERN {
            break;
        }
        low += 4;
    }
    let used_total = top - low;
    let used_before = top - sp;
    hprintln!(
        "result={} peak_stack_total={} bytes (of which {} bytes used before the call)",
        result,
        used_total,
        used_before
    );
    debug::exit(if result == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {}
}
