//! The C ABI of `modemtls` as a static library, nothing added: the
//! `#[no_mangle]` functions of the dependency are the archive's symbols.
#![no_std]

pub use modemtls::ffi;
