#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// All `unsafe` of the crate is in `ffi` (feature `capi`); everywhere else it
// is forbidden, and denied even with `capi`.
#![cfg_attr(not(feature = "capi"), forbid(unsafe_code))]
#![deny(unsafe_code)]

// First: the logging macros are used by the modules below.
#[macro_use]
mod trace;

#[cfg(feature = "async")]
pub mod asynch;
pub mod at;
#[cfg(all(feature = "host-tls", feature = "offload"))]
pub mod auto;
pub mod error;
#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod ffi;
#[cfg(feature = "host-tls")]
pub mod host;
pub mod modem;
#[cfg(feature = "nal")]
pub mod nal;
#[cfg(feature = "offload")]
pub mod offload;
#[cfg(feature = "p256-asm")]
mod p256_asm;
pub mod pem;
#[cfg(feature = "host-tls")]
pub mod pki;
pub mod port;
pub mod probe;
pub mod session;
#[cfg(feature = "host-tls")]
pub mod tls;

pub use error::Error;
