#!/usr/bin/env bash
# Port tests on QEMU Cortex-M: the Rust firmware (ports/qemu-rust) on
# mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F), its UART wired to the
# modem simulator, real TLS servers on 127.0.0.1. Scenarios: offload,
# verify-fail, auto-host (Auto falling back to host TLS). Then the footprint
# build (feature `lean`: no formatted log lines) of the offload-only image,
# for the flash/RAM figures, next to the baseline image (feature `baseline`:
# the same harness with no modemtls call), so the runner also prints the
# library's share (firmware - baseline). Then the same scenarios on the C firmware
# (ports/qemu-c: arm-none-eabi-gcc + newlib-nano, libmodemtls.a through the
# C ABI, include/modemtls.h) on both machines, with its image sizes.
#
# Installs what is missing (qemu-system-arm, the thumb targets, the ARM GCC
# toolchain with newlib) first. Every
# QEMU run is killed after 120 s at the latest. Exit status non-zero when any
# scenario fails.
#
# Extra arguments go to both runner invocations (e.g. --verbose, --icount 0).
# MODEMTLS_FOOTPRINT_BUDGET=FLASH,RAM (bytes) makes the footprint run fail
# when the offload-only image (whole firmware) is larger (issue 6 target:
# 24576,6144). MODEMTLS_LIBRARY_BUDGET=FLASH,RAM does the same for the
# library's share of it (firmware - baseline).
set -euo pipefail
cd "$(dirname "$0")/.."

# qemu-system-arm, the ARM GCC toolchain + newlib, the thumb targets.
tools/setup.sh

cargo build -q --release --manifest-path ports/qemu-runner/Cargo.toml
runner=ports/qemu-runner/target/release/qemu-runner

echo "==> QEMU scenarios (an385 Cortex-M3, an386 Cortex-M4F)"
"$runner" --machine all --scenario all --timeout 120 "$@"

echo
echo "==> footprint: offload-only firmware and the harness alone (baseline), lean build"
budget=()
if [ -n "${MODEMTLS_FOOTPRINT_BUDGET:-}" ]; then
  budget=(--budget "$MODEMTLS_FOOTPRINT_BUDGET")
fi
if [ -n "${MODEMTLS_LIBRARY_BUDGET:-}" ]; then
  budget+=(--library-budget "$MODEMTLS_LIBRARY_BUDGET")
fi
"$runner" --machine all --scenario offload,verify-fail,baseline --lean --timeout 120 "${budget[@]}" "$@"

echo
echo "==> C firmware (ports/qemu-c, C ABI): QEMU scenarios (an385 Cortex-M3, an386 Cortex-M4F)"
"$runner" --firmware c --machine all --scenario all --timeout 120 "$@"
