#!/usr/bin/env bash
# Port tests on QEMU Cortex-M: the Rust firmware (ports/qemu-rust) on
# mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F), its UART wired to the
# modem simulator, real TLS servers on 127.0.0.1. Scenarios: offload,
# verify-fail, auto-host (Auto falling back to host TLS). Then the footprint
# builds (feature `lean`: no formatted log lines) of the three images of
# the figures: offload-only (with the probe diagnosis), offload-core
# (without it), host-only (host TLS, no offload path), host-tls (Auto:
# both paths) and everything (+ P-384, Ed25519), each run through its
# scenario, next to the baseline image (feature `baseline`: the same
# harness with no modemtls call), so the runner also prints the library's
# share (firmware - baseline). Then the same scenarios on the C firmware
# (ports/qemu-c: arm-none-eabi-gcc + newlib-nano, libmodemtls.a through the
# C ABI, include/modemtls.h) on both machines, with its image sizes. Then
# the Embassy firmware (ports/qemu-embassy: the async front on the Embassy
# executor) on an386, with MQTT through mosquitto's TLS 1.3 listener.
#
# Installs what is missing (qemu-system-arm, the thumb targets, the ARM GCC
# toolchain with newlib) first. Every
# QEMU run is killed after 120 s at the latest. Exit status non-zero when any
# scenario fails or an image is over its budget.
#
# Extra arguments go to every runner invocation (e.g. --verbose, --icount 0).
# Budgets (bytes; flash, then static RAM + peak stack), each a
# space-separated list of IMAGE:FLASH,RAM:
#   MODEMTLS_FOOTPRINT_BUDGET  whole lean Rust images (offload-only,
#                              offload-core, host-only)
#   MODEMTLS_LIBRARY_BUDGET    their library share (firmware - baseline);
#                              issue 6 targets: offload-only:24000,6000
#                              host-only:110000,48000
#   MODEMTLS_C_BUDGET          the C image (c-capi)
set -euo pipefail
cd "$(dirname "$0")/.."

# qemu-system-arm, the ARM GCC toolchain + newlib, the thumb targets.
tools/setup.sh

cargo build -q --release --manifest-path ports/qemu-runner/Cargo.toml
runner=ports/qemu-runner/target/release/qemu-runner

echo "==> QEMU scenarios (an385 Cortex-M3, an386 Cortex-M4F)"
"$runner" --machine all --scenario all --timeout 120 "$@"

echo
echo "==> footprint: offload-only, offload-core, host-only, Auto (host-tls), everything and the harness alone (baseline), lean build"
# "IMAGE:F,R IMAGE:F,R" -> --flag IMAGE:F,R --flag IMAGE:F,R
budgets() {
  local flag=$1 b
  for b in $2; do printf '%s\n%s\n' "$flag" "$b"; done
}
mapfile -t budget < <(budgets --budget "${MODEMTLS_FOOTPRINT_BUDGET:-}"; budgets --library-budget "${MODEMTLS_LIBRARY_BUDGET:-}")
"$runner" --machine all --scenario offload,verify-fail,auto-host,footprint,baseline --lean --timeout 120 "${budget[@]}" "$@"

echo
echo "==> C firmware (ports/qemu-c, C ABI): QEMU scenarios (an385 Cortex-M3, an386 Cortex-M4F)"
mapfile -t cbudget < <(budgets --budget "${MODEMTLS_C_BUDGET:-}")
"$runner" --firmware c --machine all --scenario all --timeout 120 "${cbudget[@]}" "$@"

echo
echo "==> Embassy firmware (ports/qemu-embassy, the async front), an386: offload, verify-fail, auto-host, MQTT through mosquitto"
"$runner" --firmware embassy --machine an386 --scenario offload,verify-fail,auto-host,mqtt --timeout 120 "$@"

echo
echo "==> Rust firmware with P-256 in Cortex-M4 assembly (feature p256-asm), an386: auto-host and host"
"$runner" --firmware rust --machine an386 --scenario auto-host,host --fw-features p256-asm --timeout 120 "$@"

echo
echo "==> Rust firmware built for a Quectel BC66 (feature bc66), against the simulated BC66"
"$runner" --firmware rust --machine all --scenario all --modem bc66 --timeout 120 "$@"

echo
echo "==> C firmware against a simulated Quectel BC66 (the library identifies it at mtls_modem_init)"
"$runner" --firmware c --machine all --scenario all --modem bc66 --timeout 120 --no-build "$@"

echo
echo "==> Rust firmware built for a Quectel M66/M95 (feature m95), against the simulated M95, and an M66 on an386"
"$runner" --firmware rust --machine all --scenario all --modem m95 --timeout 120 "$@"
"$runner" --firmware rust --machine an386 --scenario all --modem m66 --timeout 120 --no-build "$@"

echo
echo "==> C firmware against a simulated Quectel M95 (the library identifies it at mtls_modem_init)"
"$runner" --firmware c --machine all --scenario all --modem m95 --timeout 120 --no-build "$@"

echo
echo "==> Rust firmware built for a Sierra Wireless HL (feature sierra-hl), against the simulated HL8548, then HL78xx 4.5 and 4.6 on an386"
"$runner" --firmware rust --machine all --scenario all --modem hl8548 --timeout 120 "$@"
"$runner" --firmware rust --machine an386 --scenario all --modem hl78xx-4.5 --timeout 120 --no-build "$@"
"$runner" --firmware rust --machine an386 --scenario all --modem hl78xx-4.6 --timeout 120 --no-build "$@"

echo
echo "==> C firmware against a simulated Sierra Wireless HL8548 and HL78xx 4.6 (the library identifies them at mtls_modem_init)"
"$runner" --firmware c --machine all --scenario all --modem hl8548 --timeout 120 --no-build "$@"
"$runner" --firmware c --machine an386 --scenario all --modem hl78xx-4.6 --timeout 120 --no-build "$@"
