#!/usr/bin/env bash
# Every check of the project, from a fresh clone: set-up, formatting, lints,
# the no_std builds for the Cortex-M targets, and all tests against real TLS
# peers through the modem simulator. Bounded in time; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p modemtls --all-targets --features capi,std -- -D warnings
# The library alone with each path by itself (the footprint images' sets).
cargo clippy -p modemtls --lib --no-default-features --features offload -- -D warnings
cargo clippy -p modemtls --lib --no-default-features --features host-tls -- -D warnings
# The host engine's optional suites and groups.
cargo clippy -p modemtls --all-targets --features x25519,tls-chacha20,p384,ed25519 -- -D warnings
# Logging through the `log` crate (and its test).
cargo clippy -p modemtls --all-targets --features log -- -D warnings
# The async front (both copies of every dual module) with each path by
# itself, and with the C ABI and the nal adapter.
cargo clippy -p modemtls --lib --no-default-features --features offload,async -- -D warnings
cargo clippy -p modemtls --lib --no-default-features --features host-tls,async -- -D warnings
cargo clippy -p modemtls --all-targets --features capi,std,async,nal,log -- -D warnings

step "no_std builds (offload only on Cortex-M0+, default on M3/M4F)"
cargo build -q -p modemtls --release --target thumbv6m-none-eabi --no-default-features --features offload
cargo build -q -p modemtls --release --target thumbv7m-none-eabi
cargo build -q -p modemtls --release --target thumbv7em-none-eabihf
cargo build -q -p modemtls --release --target thumbv7em-none-eabihf --no-default-features --features host-tls
cargo build -q -p modemtls --release --target thumbv7em-none-eabihf --no-default-features --features p256-asm,x25519,tls-chacha20
# Logging as defmt frames (both paths).
cargo build -q -p modemtls --release --target thumbv7em-none-eabihf --no-default-features --features offload,host-tls,defmt
# The async front and the nal adapter, every family.
cargo build -q -p modemtls --release --target thumbv6m-none-eabi --no-default-features --features offload,async
cargo build -q -p modemtls --release --target thumbv7em-none-eabihf --features host-tls,nal

step "docs (rustdoc warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p modemtls --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -q -p modemtls --no-deps --features capi,std
RUSTDOCFLAGS="-D warnings" cargo doc -q -p modemtls --no-deps --features host-tls,nal

step "port tests on QEMU Cortex-M3/M4F (Rust and C firmware) and the size checks"
# Size guards (IMAGE:FLASH,RAM in bytes; RAM = static + peak stack). The
# library's share (firmware - baseline harness) of the lean images.
# Issue 6's targets were offload-only (offload + probe diagnosis) under
# 24 KB flash / 6 KB RAM and host-only (host TLS, P-256 + RSA) under 110 KB
# flash / 48 KB RAM; the AT layer's resynchronisation, lost-prompt filler,
# restart recovery, the host record guard and the check of a damaged open
# result with the modem (issues 11, 16), then the modem traits and the
# host-name rule (issue 12), cost about 3.5 KB and 3 KB more, so those
# guards now sit at today's size plus ~2 % (BENCHMARKS.md has the figures);
# offload-core and the whole images likewise. The C image links
# both modem families (BG9x and BC66, picked at mtls_modem_init): the BC66
# driver costs it about 17 KB of flash and 1.6 KB of RAM. Issue 13 replaced
# embedded-tls by the project's TLS 1.3 engine (two suites, HelloRetryRequest,
# reassembly, KeyUpdate, resumption, its own record rules); with the
# engine's state in caller memory, one SHA-2 dispatcher, no `der` crate and
# the project's own chain validation instead of rustls-webpki, host-only is
# at 99.5 KB of flash (an386; 98.5 KB on an385) and 30.9 KB of RAM: its
# guard is issue 13's target itself, 100,000 bytes. The C image links four
# families (BG9x, BC66, M66/M95, Sierra HL; issue 14: +15.7 KB and +15.3 KB
# of flash): 183.1 KB and 47.5 KB. Its guard sits at that plus ~1.5 %
# (RAM: +0.6 %).
MODEMTLS_FOOTPRINT_BUDGET="${MODEMTLS_FOOTPRINT_BUDGET:-offload-only:35800,6600}" \
MODEMTLS_LIBRARY_BUDGET="${MODEMTLS_LIBRARY_BUDGET:-offload-only:28500,6000 host-only:100000,31200 offload-core:25200,3200}" \
MODEMTLS_C_BUDGET="${MODEMTLS_C_BUDGET:-c-capi:185800,47800}" \
  tools/qemu-test.sh

step "C ABI: header current, C99/C++ builds, C tests plain, under ASan+UBSan and valgrind, threads under TSan"
tools/c-test.sh

step "the main job (tools/demo.sh) through every simulated modem family: Auto's paths and why"
for modem in bg96 bg95 bc66 m95 m66 hl8548 hl78xx-4.5 hl78xx-4.6; do
    printf '%-11s ' "$modem"
    cargo run -q --release -p modemtls-demo -- --modem "$modem" | grep '^paths: '
done

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The hostile-peer tests and the fuzz corpora again in an optimised build
# without debug assertions or overflow checks (the release code paths), with
# the C ABI built in so its call-sequence corpus runs too.
# The engine again with X25519 and ChaCha20-Poly1305 built in (the interop
# rows that need them: an X25519-only and a ChaCha20-only server).
# The `log` feature: what is logged, and no credential byte in it.
# The hostile-server tests once more through the async front.
{ cargo test --workspace && cargo test -p modemtls --features capi,std --lib ffi \
    && cargo test -p modemtls --features x25519,tls-chacha20 --test tls_interop \
    && cargo test -p modemtls --features log --test logging \
    && cargo test -p modemtls --features x25519,tls-chacha20 --lib tls:: \
    && cargo test -p modemtls --profile release-test --features capi,std --test host_hostile --test tls_hostile --test fuzz_corpus \
    && MODEMTLS_FRONT=async cargo test -p modemtls --profile release-test --features capi,std --test host_hostile --test tls_hostile; } 2>&1 | tee "$log"
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "\nall tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
