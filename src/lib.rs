#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod at;
#[cfg(all(feature = "host-tls", feature = "offload"))]
pub mod auto;
pub mod error;
#[cfg(feature = "host-tls")]
pub mod host;
pub mod modem;
#[cfg(feature = "offload")]
pub mod offload;
pub mod pem;
#[cfg(feature = "host-tls")]
pub mod pki;
pub mod port;
pub mod probe;
pub mod session;

pub use error::Error;
