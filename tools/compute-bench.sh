#!/usr/bin/env bash
# Compute benchmark (issue 6): instructions the Cortex-M4 executes for one
# host TLS 1.3 handshake (P-256 ECDHE; a server with an ECDSA P-256 chain of
# three, and one with an RSA-2048 chain of three), split into key exchange,
# chain verification, CertificateVerify and the rest. Prints markdown tables.
#
# How: ports/qemu-rust's `compute` scenario on QEMU mps2-an386 under
# `-icount shift=0` (1 ns of virtual time per executed instruction), read
# from the CMSDK timer; the time inside the UART port (polling, which
# depends on the host) is counted apart and subtracted. Method and caveats:
# tools/compute-bench.md.
#
# Installs what is missing first (tools/setup.sh: qemu-system-arm, the
# thumbv7em target, ...). Loopback only (the modem simulator and openssl
# s_server on 127.0.0.1). Every QEMU run is killed after 120 s at the latest;
# the whole benchmark takes about 1-2 minutes after the builds.
#
# COMPUTE_REPEAT=N (default 5): runs per chain. Extra arguments go to the
# runner (e.g. --verbose for the firmware logs).
set -euo pipefail
cd "$(dirname "$0")/.."

# qemu-system-arm and the thumb targets (with the rest of the set-up).
tools/setup.sh

cargo build -q --release --manifest-path ports/qemu-runner/Cargo.toml
exec ports/qemu-runner/target/release/qemu-runner --machine an386 --scenario compute \
  --repeat "${COMPUTE_REPEAT:-5}" --timeout 120 "$@"
