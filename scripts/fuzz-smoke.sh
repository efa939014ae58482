#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target in fuzz/ and runs each for
# SECONDS (default 20), starting from the committed seeds (fuzz/seeds/<target>)
# and the crash reproducers already collected (tests/fixtures/fuzz/<target>).
#
#   scripts/fuzz-smoke.sh [SECONDS]
#
# Exits non-zero when any target crashes (a panic, an abort, a timeout or an
# out-of-memory): the input is copied to tests/fixtures/fuzz/<target>/ so it
# can be committed as a regression test, and the panic message is printed.
#
# Needs a nightly toolchain (rustup installs one if it is missing),
# cargo-fuzz (installed with `cargo install` if missing) and a C and C++
# compiler (libFuzzer is C++; Debian packages installed if missing). Targets run
# FUZZ_JOBS at a time (default: the number of CPUs). FUZZ_SANITIZER picks
# cargo-fuzz's sanitizer (default none: the library is safe Rust, and without
# ASan the build is faster and each run does ~2x more executions; use
# FUZZ_SANITIZER=address for the cargo-fuzz default).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
case $seconds in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
sanitizer=${FUZZ_SANITIZER:-none}
toolchain=${FUZZ_TOOLCHAIN:-nightly}
start=$SECONDS

bash scripts/ensure-packages.sh cc=gcc /usr/include/stdio.h=libc6-dev /etc/ssl/certs/ca-certificates.crt=ca-certificates c++=g++
if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "== installing the $toolchain toolchain"
    rustup toolchain install "$toolchain" --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
install_done=$SECONDS

# Debug assertions on: an overflow is a crash. 16 codegen units instead of
# cargo-fuzz's 1: a faster build on 2 cores, for a few % fewer executions.
echo "== build ($(cargo fuzz --version), sanitizer $sanitizer, debug assertions on)"
(cd fuzz && cargo "+$toolchain" fuzz build --debug-assertions --sanitizer "$sanitizer" --codegen-units 16)
build_done=$SECONDS
mapfile -t targets < <(cd fuzz && cargo "+$toolchain" fuzz list)
if [ ${#targets[@]} -eq 0 ]; then
    echo "cargo fuzz list found no targets in fuzz/" >&2
    exit 1
fi
triple=$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')
bin_dir=fuzz/target/$triple/release
logs=fuzz/target/smoke-logs
rm -rf "$logs"
mkdir -p "$logs"

# One target: new inputs go to fuzz/corpus/<target> (gitignored; empty on a
# fresh checkout), the seeds and the known reproducers are read as extra
# corpora; a crash is written to fuzz/artifacts/<target>/ (emptied first).
run_target() {
    local t=$1
    local artifacts=fuzz/artifacts/$t/ fixtures=tests/fixtures/fuzz/$t
    rm -rf "$artifacts"
    mkdir -p "fuzz/corpus/$t" "$artifacts"
    local corpora=("fuzz/corpus/$t" "fuzz/seeds/$t")
    [ -d "$fixtures" ] && corpora+=("$fixtures")
    local dict=()
    [ -f "fuzz/dicts/$t.dict" ] && dict=("-dict=fuzz/dicts/$t.dict")
    "$bin_dir/$t" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts" -print_final_stats=1 \
        "${corpora[@]}" >"$logs/$t.log" 2>&1
}

echo "== run ${#targets[@]} targets, ${seconds}s each, $jobs at a time"
declare -A pids=()
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_target "$t" &
    pids[$t]=$!
done

timings() {
    echo "setup $((install_done - start))s, build $((build_done - install_done))s," \
        "runs $((SECONDS - build_done))s, total $((SECONDS - start))s"
}

failed=()
for t in "${targets[@]}"; do
    if wait "${pids[$t]}"; then status=ok; else status=CRASH; failed+=("$t"); fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$logs/$t.log" | tail -n 1 || true)
    printf '%-18s %-5s %10s execs %8s exec/s  %s\n' "$t" "$status" "${execs:-?}" "${rate:-?}" "${cov:-}"
done

if [ ${#failed[@]} -gt 0 ]; then
    for t in "${failed[@]}"; do
        echo
        echo "== $t crashed ($logs/$t.log):"
        grep -m 1 -A 3 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$logs/$t.log" || tail -n 20 "$logs/$t.log"
        mkdir -p "tests/fixtures/fuzz/$t"
        for input in fuzz/artifacts/"$t"/{crash,timeout,oom,leak}-*; do
            [ -f "$input" ] || continue
            cp "$input" "tests/fixtures/fuzz/$t/"
            echo "reproducer: tests/fixtures/fuzz/$t/$(basename "$input")"
            echo "  replay: $bin_dir/$t tests/fixtures/fuzz/$t/$(basename "$input")"
        done
    done
    echo
    echo "fuzz smoke FAILED: ${failed[*]} ($(timings))"
    exit 1
fi
echo "fuzz smoke passed ($(timings))"
