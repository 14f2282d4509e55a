#!/usr/bin/env bash
# C ABI tests: build libmodemtls.a (host, features capi,std), check the
# header is current, build the C example and tests (-std=c99 -Wall -Wextra
# -Werror), start the modem simulator and three `openssl s_server`s on
# 127.0.0.1, and run the C tests plain, under AddressSanitizer (+UBSan) and
# under valgrind, and the thread test plain and under ThreadSanitizer.
# Loopback only; every step has a time limit.
#
#   tools/c-test.sh            everything
#   MTLS_VERBOSE=1 tools/c-test.sh   with the library's log lines
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${MTLS_CAPI_TARGET_DIR:-$ROOT/target/capi}
LIBDIR=$TARGET_DIR/release
OUT=$TARGET_DIR/c-example

step() { printf '\n==> %s\n' "$*"; }
results=()
fail=0
record() { # name status
    results+=("$(printf '%-44s %s' "$1" "$2")")
    [ "$2" = pass ] || fail=1
}

for tool in cc c++ openssl python3; do
    command -v "$tool" >/dev/null || { echo "c-test: $tool is missing (tools/setup.sh installs it)"; exit 2; }
done

step "header (cbindgen) is current"
if tools/check-header.sh; then record "include/modemtls.h up to date" pass; else record "include/modemtls.h up to date" FAIL; fi

step "libmodemtls.a (host: capi,std) and the simulator"
timeout 900 cargo rustc -q -p modemtls --lib --release --features capi,std --crate-type staticlib --target-dir "$TARGET_DIR"
timeout 900 cargo build -q -p modemtls-sim --target-dir "$TARGET_DIR"
SIM=$TARGET_DIR/debug/modemtls-sim
ls -l "$LIBDIR/libmodemtls.a"

step "C example and tests (-std=c99 -Wall -Wextra -Werror; ASan build; header as C++)"
if timeout 300 make -s -C ports/c-example LIBDIR="$LIBDIR" OUT="$OUT" all; then
    record "C build (example, tests, ASan, C++ header)" pass
else
    record "C build (example, tests, ASan, C++ header)" FAIL
    printf '%s\n' "${results[@]}"; exit 1
fi

# Quick start in docs/c-quickstart.md == the tested part of example.c.
extract() { sed -n '/BEGIN quickstart/,/END quickstart/p' "$1" | sed '1d;$d'; }
for doc in docs/c-quickstart.md README.md; do
    if diff <(extract ports/c-example/example.c) <(sed -n '/^```c$/,/^```$/p' "$doc" | sed -n '/BEGIN quickstart/,/END quickstart/p' | sed '1d;$d') >/dev/null; then
        record "$doc quick start matches example.c" pass
    else
        record "$doc quick start matches example.c" FAIL
    fi
done

if command -v arm-none-eabi-gcc >/dev/null; then
    step "bare-metal archive (thumbv7em-none-eabihf, capi,capi-cs-extern,compact-sha2) links with arm-none-eabi-gcc"
    if timeout 900 cargo rustc -q -p modemtls --lib --release --target thumbv7em-none-eabihf --no-default-features \
            --features capi,capi-cs-extern,compact-sha2 --crate-type staticlib --target-dir "$TARGET_DIR" &&
        arm-none-eabi-gcc -std=c99 -Wall -Wextra -Werror -DMTLS_CS_EXTERN -Os -mcpu=cortex-m4 -mthumb \
            -mfloat-abi=hard -mfpu=fpv4-sp-d16 --specs=nosys.specs -Wl,--gc-sections -Wl,--no-warn-execstack \
            -Iinclude ports/c-example/baremetal_link.c "$TARGET_DIR/thumbv7em-none-eabihf/release/libmodemtls.a" \
            -o "$OUT/baremetal.elf" 2>"$OUT/baremetal.log"; then
        arm-none-eabi-size "$OUT/baremetal.elf"
        record "bare-metal archive links (Cortex-M4F)" pass
    else
        cat "$OUT/baremetal.log"
        record "bare-metal archive links (Cortex-M4F)" FAIL
    fi
else
    record "bare-metal archive links" "SKIPPED (no arm-none-eabi-gcc)"
fi

step "test PKI (openssl) and servers on 127.0.0.1"
TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
(
    cd "$TMP"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=modemtls C test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out ca.pem 2>/dev/null
    for name in server other; do
        openssl ecparam -name prime256v1 -genkey -noout -out $name.key 2>/dev/null
        openssl req -new -key $name.key -subj "/CN=$name.test" -out $name.csr 2>/dev/null
        printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s.test\n' $name > $name.ext
        openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 30 \
            -extfile $name.ext -out $name.pem 2>/dev/null
    done
)
# Every server picks its own free port (port 0) and prints it: no race with
# other processes for a port chosen in advance.
port_of() { # log-file regex -> port
    local i p
    for i in $(seq 300); do
        p=$(sed -n "s/.*$2\([0-9][0-9]*\).*/\1/p" "$1" | head -n 1)
        if [ -n "$p" ]; then echo "$p"; return 0; fi
        sleep 0.1
    done
    echo "c-test: no port in $1:" >&2; tail -n 5 "$1" >&2; return 1
}
"$SIM" --listen 127.0.0.1:0 --profile bg96 --host server.test=127.0.0.1 --host other.test=127.0.0.1 --quiet \
    >"$TMP/sim.log" 2>&1 &
pids+=($!)
serve() { # name cert key extra-args...
    local name=$1 cert=$2 key=$3; shift 3
    openssl s_server -accept 127.0.0.1:0 -cert "$TMP/$cert" -key "$TMP/$key" -www \
        -no-CAfile -no-CApath -no-CAstore "$@" >"$TMP/s_server_$name.log" 2>&1 </dev/null &
    pids+=($!)
}
serve tls12 server.pem server.key -min_protocol TLSv1.2
serve tls13 server.pem server.key -tls1_3
serve wrong other.pem other.key -min_protocol TLSv1.2
P_SIM=$(port_of "$TMP/sim.log" "listening on 127.0.0.1:")
P12=$(port_of "$TMP/s_server_tls12.log" "ACCEPT 127.0.0.1:")
P13=$(port_of "$TMP/s_server_tls13.log" "ACCEPT 127.0.0.1:")
PWRONG=$(port_of "$TMP/s_server_wrong.log" "ACCEPT 127.0.0.1:")
echo "simulator 127.0.0.1:$P_SIM; s_server TLS1.2+ :$P12, TLS1.3-only :$P13, wrong host :$PWRONG"
ARGS=("127.0.0.1:$P_SIM" "$TMP/ca.pem" "$P12" "$P13" "$PWRONG")

run() { # name command...
    local name=$1; shift
    step "$name"
    if timeout 600 "$@"; then record "$name" pass; else record "$name" FAIL; fi
}
run "example (HTTPS GET, Auto)" sh -c "'$OUT/example' '127.0.0.1:$P_SIM' server.test $P12 '$TMP/ca.pem' >'$TMP/example.out'"
head -c 200 "$TMP/example.out"; echo
run "C tests" "$OUT/test_capi" "${ARGS[@]}"
run "C tests under AddressSanitizer+UBSan" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$OUT/test_capi_asan" "${ARGS[@]}"
if command -v valgrind >/dev/null; then
    run "C tests under valgrind (memcheck)" valgrind -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$OUT/test_capi" "${ARGS[@]}"
else
    record "C tests under valgrind" "SKIPPED (no valgrind)"
fi

# The second modem family: a simulated BC66, RSA certificates (its firmware
# has RSA key exchange only), servers that serve one small file.
(
    cd "$TMP"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa_ca.key -sha256 -days 30 \
        -subj "/CN=modemtls C test RSA CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out rsa_ca.pem 2>/dev/null
    for name in server other; do
        openssl req -newkey rsa:2048 -nodes -keyout rsa_$name.key -subj "/CN=$name.test" -out rsa_$name.csr 2>/dev/null
        openssl x509 -req -in rsa_$name.csr -CA rsa_ca.pem -CAkey rsa_ca.key -CAcreateserial -sha256 -days 30 \
            -extfile $name.ext -out rsa_$name.pem 2>/dev/null
    done
    mkdir -p www && printf 'hello from the C test server\n' > www/hello.txt
)
"$SIM" --listen 127.0.0.1:0 --profile bc66 --host server.test=127.0.0.1 --host other.test=127.0.0.1 --quiet \
    >"$TMP/sim_bc66.log" 2>&1 &
pids+=($!)
serve_www() { # name cert key extra-args...
    local name=$1 cert=$2 key=$3; shift 3
    (cd "$TMP/www" && exec openssl s_server -accept 127.0.0.1:0 -cert "$TMP/$cert" -key "$TMP/$key" -WWW \
        -no-CAfile -no-CApath -no-CAstore "$@" >"$TMP/s_server_$name.log" 2>&1 </dev/null) &
    pids+=($!)
}
serve_www friendly rsa_server.pem rsa_server.key -tls1_2 \
    -cipher AES128-SHA:AES128-SHA256:AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
serve_www rsa13 rsa_server.pem rsa_server.key -tls1_3
serve_www rsawrong rsa_other.pem rsa_other.key -tls1_3
P_BC66=$(port_of "$TMP/sim_bc66.log" "listening on 127.0.0.1:")
PF=$(port_of "$TMP/s_server_friendly.log" "ACCEPT 127.0.0.1:")
PR13=$(port_of "$TMP/s_server_rsa13.log" "ACCEPT 127.0.0.1:")
PRW=$(port_of "$TMP/s_server_rsawrong.log" "ACCEPT 127.0.0.1:")
run "C ABI against a simulated BC66 (family, chain-only, host path)" "$OUT/test_family" \
    "127.0.0.1:$P_BC66" "$TMP/rsa_ca.pem" "$PF" "$PR13" "$PRW"
# The same against a simulated M95 (the same firmware limits, the QI dialect).
"$SIM" --listen 127.0.0.1:0 --profile m95 --host server.test=127.0.0.1 --host other.test=127.0.0.1 --quiet \
    >"$TMP/sim_m95.log" 2>&1 &
pids+=($!)
P_M95=$(port_of "$TMP/sim_m95.log" "listening on 127.0.0.1:")
run "C ABI against a simulated M95 (family, chain-only, host path)" "$OUT/test_family" \
    "127.0.0.1:$P_M95" "$TMP/rsa_ca.pem" "$PF" "$PR13" "$PRW" m95
# And against a simulated Sierra HL8548 (DER credentials only: the library
# converts the PEM CA) and an HL78xx with firmware 4.6 (ECDHE only).
for hl in hl8548 hl78xx-4.6; do
    "$SIM" --listen 127.0.0.1:0 --profile "$hl" --host server.test=127.0.0.1 --host other.test=127.0.0.1 --quiet \
        >"$TMP/sim_$hl.log" 2>&1 &
    pids+=($!)
    P_HL=$(port_of "$TMP/sim_$hl.log" "listening on 127.0.0.1:")
    run "C ABI against a simulated $hl (family, chain-only, host path)" "$OUT/test_family" \
        "127.0.0.1:$P_HL" "$TMP/rsa_ca.pem" "$PF" "$PR13" "$PRW" "${hl%-4.6}"
done

run "C ABI from four threads (open/close, ISR, BUSY)" "$OUT/test_threads"
# The same under ThreadSanitizer, with the library and the standard library
# instrumented (-Zbuild-std needs the rust-src component; tools/setup.sh
# adds it). RUSTC_BOOTSTRAP=1: sanitizers are unstable flags of stable rustc.
TSAN_DIR=$ROOT/target/tsan
if rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
    step "libmodemtls (capi,std) and std built with -Zsanitizer=thread"
    if (cd ports/c-tsan && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread" timeout 1200 cargo build -q \
            -Zbuild-std=std,panic_abort --target x86_64-unknown-linux-gnu --release --target-dir "$TSAN_DIR") &&
        timeout 300 make -s -C ports/c-example LIBDIR="$LIBDIR" OUT="$OUT" \
            TSAN_LIB="$TSAN_DIR/x86_64-unknown-linux-gnu/release/libmodemtls_c_tsan.a" "$OUT/test_threads_tsan"; then
        run "C ABI from four threads under ThreadSanitizer" env TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
            "$OUT/test_threads_tsan"
    else
        record "C ABI threads under ThreadSanitizer (build)" FAIL
    fi
else
    record "C ABI threads under ThreadSanitizer" "SKIPPED (no rust-src: rustup component add rust-src)"
fi

printf '\n==> C ABI results\n'
printf '%s\n' "${results[@]}"
if [ $fail -eq 0 ]; then echo "c-test: all passed"; else echo "c-test: FAILED"; fi
exit $fail
