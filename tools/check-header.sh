#!/usr/bin/env bash
# include/modemtls.h is generated from src/ffi by cbindgen (cbindgen.toml)
# and checked in. This regenerates it and fails when the checked-in header
# differs; `--update` writes it instead. cbindgen is installed (pinned, from
# crates.io) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.2
if ! command -v cbindgen >/dev/null || ! cbindgen --version | grep -q " $CBINDGEN_VERSION\$"; then
    echo "installing cbindgen $CBINDGEN_VERSION (cargo install, a few minutes once)"
    cargo install -q cbindgen --locked --version "$CBINDGEN_VERSION"
fi
gen=$(mktemp)
trap 'rm -f "$gen"' EXIT
# From src/ffi only (the rest of the crate is not C API).
cbindgen -q --config cbindgen.toml --output "$gen" src/ffi/mod.rs
if [ "${1:-}" = "--update" ]; then
    cp "$gen" include/modemtls.h
    echo "include/modemtls.h updated"
    exit 0
fi
if ! diff -u include/modemtls.h "$gen"; then
    echo "include/modemtls.h is stale: run tools/check-header.sh --update and commit it" >&2
    exit 1
fi
echo "include/modemtls.h is current"
