//! Puts `memory.x` where `cortex-m-rt`'s `link.x` finds it and passes the
//! linker script from here (not from `.cargo/config.toml`), so the firmware
//! links the same whatever directory cargo is started from.
fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR set by cargo"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
