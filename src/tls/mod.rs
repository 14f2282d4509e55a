//! The project's TLS 1.3 client engine (RFC 8446), sans-IO: bytes from
//! the network in, bytes to send and events out, caller-owned buffers, no
//! heap, no panic on any input, every length bounded.
//!
//! - Cipher suites TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and,
//!   with the `tls-chacha20` feature, TLS_CHACHA20_POLY1305_SHA256;
//!   ECDHE on P-256 behind [`P256Provider`] (RustCrypto by default).
//! - SNI for DNS names only; `signature_algorithms` lists exactly the
//!   schemes this build verifies (P-256, RSA-PSS, RSA PKCS#1 for
//!   certificates; P-384 and Ed25519 only with their features).
//! - HelloRetryRequest (once, cookie), ServerHello checked against the
//!   offer, handshake messages reassembled across records, several per
//!   record, bounded by the receive buffer ([`Error::MessageTooLarge`]).
//! - CertificateRequest answered with a P-256 client certificate (or an
//!   empty one), the server authenticated through [`ServerAuth`] (the
//!   project's [`crate::pki`] verifier), Finished checked in constant time.
//! - After the handshake: NewSessionTicket kept for resumption
//!   ([`Ticket`], PSK with `psk_dhe_ke`), KeyUpdate both ways,
//!   close_notify as the only clean end; everything else unexpected ends
//!   the connection with the right alert.
//! - Secrets zeroized on drop: ECDHE secret, handshake and traffic
//!   secrets, record keys, the ticket's PSK.
//!
//! The blocking front is [`crate::host`]; the engine knows nothing of
//! modems. Driving it:
//!
//! ```no_run
//! use modemtls::tls::{Client, ClientConfig, ClientState, RustCryptoP256, ServerAuth};
//! # fn run(net: &mut std::net::TcpStream, auth: &mut dyn ServerAuth) -> Result<(), Box<dyn std::error::Error>> {
//! use std::io::{Read, Write};
//! let cfg = ClientConfig { server_name: "example.com", alpn: &[], client: None, resumption: false };
//! let (mut rx, mut tx) = ([0u8; 16_645], [0u8; 2048]);
//! let mut rng = rand_core::OsRng;
//! let mut state = ClientState::new(); // secrets, keys, transcript (~1.4 KB)
//! let mut tls = Client::new(&cfg, &mut state, &mut rx, None, None, &mut rng, RustCryptoP256)?;
//! while !tls.is_connected() {
//!     while tls.wants_transmit() {
//!         let n = tls.transmit(&cfg, &mut tx)?;
//!         net.write_all(&tx[..n])?;
//!     }
//!     tls.poll(&cfg, auth)?;
//!     if !tls.wants_transmit() && !tls.is_connected() {
//!         let n = net.read(tls.rx_space())?;
//!         if n == 0 { return Err(tls.eof().into()); }
//!         tls.rx_commit(n);
//!     }
//! }
//! # Ok(()) }
//! ```

mod client;
mod codec;
mod ecdhe;
mod error;
mod hash;
mod hello;
mod messages;
mod rx;
mod suite;
mod ticket;

pub use client::{
    plaintext_room, Client, ClientConfig, ClientState, ServerAuth, State, MAX_COOKIE, MAX_FRAGMENT,
};
#[cfg(all(feature = "p256-asm", target_arch = "arm"))]
pub use ecdhe::AsmP256;
pub use ecdhe::{
    DefaultP256, EphemeralSecret, P256Provider, RustCryptoP256, SharedSecret, P256_POINT_LEN,
};
pub use error::{alert, Error};
pub use hello::{SIGNATURE_SCHEMES, SUPPORTED_GROUPS, X25519};
pub use suite::{CipherSuite, ALL_SUITES, HEADER_LEN};
pub use ticket::{Ticket, TicketError, MAX_TICKET};

impl core::error::Error for Error {}

/// The key schedule's primitives, for known-answer tests (RFC 8448).
#[doc(hidden)]
pub mod kat {
    pub use super::hash::{HashAlg, Secret, Transcript};
    pub use super::suite::RecordKey;
}
