#!/usr/bin/env bash
# Installs what building and testing modemtls needs, when it is missing:
# Debian packages (OpenSSL headers and CLI for the test peers; QEMU and the
# ARM GCC toolchain with newlib for the Cortex-M port tests), Rust targets
# and components. Safe to run again; does nothing when all is there.
# `tools/setup.sh --host-only`: only what the host builds need (the demo).
set -euo pipefail
full=1
[ "${1:-}" = "--host-only" ] && full=0

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if ! pkg-config --exists openssl 2>/dev/null; then need+=(libssl-dev); fi
if ((full)); then
  # Third-party TLS servers of the host engine's interop tests.
  command -v gnutls-serv >/dev/null 2>&1 || need+=(gnutls-bin)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
  command -v qemu-system-arm >/dev/null 2>&1 || need+=(qemu-system-arm)
  command -v arm-none-eabi-gcc >/dev/null 2>&1 || need+=(gcc-arm-none-eabi)
  [ -f /usr/lib/arm-none-eabi/newlib/libc.a ] || need+=(libnewlib-arm-none-eabi)
  command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
  command -v make >/dev/null 2>&1 || need+=(make)
  # The command-line tool's terminal tests (progress bar, plain output).
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
fi

if ((${#need[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

((full)) || exit 0

installed=$(rustup target list --installed)
for t in thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
for c in clippy rustfmt; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done
# The standard library's source: the C ABI thread test rebuilds std with
# ThreadSanitizer (-Zbuild-std). Optional: without it that one step says
# SKIPPED instead of failing the run.
rustup component list --installed | grep -q "^rust-src" ||
  timeout 300 rustup component add rust-src ||
  echo "setup: rust-src unavailable; the ThreadSanitizer step of tools/c-test.sh will be skipped"
