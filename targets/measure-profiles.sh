#!/usr/bin/env bash
# Builds the binary with variations of the `appliance` profile and prints, for each, the stripped
# size and the idle RSS (targets/idle-rss.sh) of `serve` against an external simulator and of
# `serve --simulate`. Every variant has its own target dir (under target/measure/), so a rerun only
# rebuilds what changed; each variant is a clean fat-LTO build (5 to 15 minutes on 2 busy cores).
#
#   targets/measure-profiles.sh              # every variant
#   targets/measure-profiles.sh z-fat s-fat  # some of them
#
# The figures in targets/README.md come from this script. Measurements only, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(z-fat z-fat-nosim s-fat 3-fat z-thin z-fat-unwind z-fat-static z-fat-nouwt z-fat-nosim-nouwt release)
[ $# -gt 0 ] && all=("$@")

# The external simulator comes from the debug build (every variant is measured against it).
cargo build --locked --quiet
target/debug/aruba-noc-mcp simulator --listen 127.0.0.1:0 >target/measure-simulator.txt 2>&1 &
simulator_pid=$!
trap 'kill "$simulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q ARUBA_TOKEN_URL target/measure-simulator.txt && break; sleep 0.1; done
base_url=$(sed -n 's/^ *ARUBA_BASE_URL=//p' target/measure-simulator.txt)

printf '%-14s %10s %8s %18s %22s\n' variant bytes "build s" "idle RSS serve kB" "idle RSS --simulate kB"
for name in "${all[@]}"; do
    opts=(--profile appliance)
    envs=()
    bin_dir=appliance
    case "$name" in
        z-fat) ;;
        z-fat-nosim) opts+=(--no-default-features) ;;
        s-fat) envs=(CARGO_PROFILE_APPLIANCE_OPT_LEVEL=s) ;;
        3-fat) envs=(CARGO_PROFILE_APPLIANCE_OPT_LEVEL=3) ;;
        z-thin) envs=(CARGO_PROFILE_APPLIANCE_LTO=thin CARGO_PROFILE_APPLIANCE_CODEGEN_UNITS=16) ;;
        z-fat-unwind) envs=(CARGO_PROFILE_APPLIANCE_PANIC=unwind) ;;
        z-fat-static)
            opts+=(--target x86_64-unknown-linux-gnu)
            envs=("RUSTFLAGS=-C target-feature=+crt-static")
            bin_dir=x86_64-unknown-linux-gnu/appliance
            ;;
        # No unwind tables for this crate and its dependencies (std keeps its own): with
        # panic = "abort" they only serve backtraces.
        z-fat-nouwt) envs=("RUSTFLAGS=-C force-unwind-tables=no") ;;
        z-fat-nosim-nouwt)
            opts+=(--no-default-features)
            envs=("RUSTFLAGS=-C force-unwind-tables=no")
            ;;
        release) opts=(--release) bin_dir=release ;;
        *) echo "unknown variant $name" >&2; exit 2 ;;
    esac
    dir="target/measure/$name"
    # The shipped variants build where CI and cargo-deb build them.
    [ "$name" = z-fat ] && dir=target
    [ "$name" = z-fat-static ] && dir=target/static
    start=$(date +%s)
    env "${envs[@]}" CARGO_TARGET_DIR="$dir" cargo build --locked --quiet "${opts[@]}"
    seconds=$(($(date +%s) - start))
    bin="$dir/$bin_dir/aruba-noc-mcp"
    bytes=$(stat -c %s "$bin")
    rss_serve=$(env -i PATH="$PATH" ARUBA_BASE_URL="$base_url" ARUBA_TOKEN_URL="$base_url/as/token.oauth2" \
        ARUBA_CLIENT_ID=sim-client-id ARUBA_CLIENT_SECRET=sim-client-secret \
        targets/idle-rss.sh "$bin" serve | sed 's/ after-tools.*//; s/.*=//')
    rss_sim=-
    if [[ "$name" != *nosim* ]]; then
        rss_sim=$(env -i PATH="$PATH" targets/idle-rss.sh "$bin" serve --simulate |
            sed 's/ after-tools.*//; s/.*=//')
    fi
    printf '%-14s %10s %8s %18s %22s\n' "$name" "$bytes" "$seconds" "$rss_serve" "$rss_sim"
done
