#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 20), one at a time.
#
# Only the stable toolchain is installed; cargo-fuzz passes nightly-only flags (-Z sanitizer,
# sancov passes), which stable rustc accepts with RUSTC_BOOTSTRAP=1. No sanitizer is used
# (`-s none`: the crate forbids unsafe code; ASan would only slow the run down), but debug
# assertions are on (`-a`), so integer overflow on fuzzed input fails too.
#
# New inputs go to fuzz/corpus/<target>/ (not committed); the committed seeds are read from
# fuzz/seeds/<target>/. A crash stops the script and leaves the input in
# fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ with a descriptive name once
# fixed, so tests/fuzz_corpus.rs replays it in every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
# libfuzzer-sys compiles libFuzzer (C++).
if ! command -v c++ >/dev/null 2>&1; then
    echo "== installing a C++ compiler for libFuzzer"
    apt-get install -y g++
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
flags=(-O -a -s none)
echo "== cargo fuzz build ${flags[*]}"
cargo fuzz build "${flags[@]}"
for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target"
    echo "== fuzzing $target for ${seconds}s"
    log="corpus/$target.log"
    status=0
    cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|Done )' "$log" || true
    if [[ $status -ne 0 ]]; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed (exit $status): see fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
