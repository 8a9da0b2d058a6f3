#!/usr/bin/env bash
# The benchmark behind docs/performance.md, in one command:
#
#   benches/run.sh [PROFILE] [extra arguments for benches/mcp.rs, e.g. --workers 8]
#
# Builds PROFILE (default `release`; `appliance` is what the .deb ships) with and without the
# default features and for x86_64-unknown-linux-musl (static), runs the micro benchmarks
# (benches/micro.rs, benches/resilience.rs), then the end-to-end harness (benches/mcp.rs) against
# the PROFILE binary, with the musl build beside it. Prints the tables and writes
# target/bench/report.json (plus micro.json and resilience.json beside it). A figure that misses
# its target is flagged in the table; nothing here fails because of a timing.
#
# The machine should be quiet: the load average is printed first and recorded in the report.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-release}"
shift || true
mkdir -p target/bench

echo "== $(date -u +%FT%TZ), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== cargo build --profile $profile --no-default-features (for its size)"
cargo build --locked --profile "$profile" --no-default-features --bin aruba-noc-mcp
cp "target/$profile/aruba-noc-mcp" "target/bench/aruba-noc-mcp-$profile-no-default-features"

echo "== cargo build --profile $profile"
cargo build --locked --profile "$profile" --bin aruba-noc-mcp
cp "target/$profile/aruba-noc-mcp" "target/bench/aruba-noc-mcp-$profile"

# The ARM appliances run static musl binaries; the x86_64 musl build of the same profile runs
# here natively, so it stands in for their libc and allocator: measured beside the glibc build.
# Built as targets/build.sh does without Docker (rustup target, gcc for ring, rust-lld).
musl=x86_64-unknown-linux-musl
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$musl" ]; then
    echo "== rustup target add $musl"
    rustup target add "$musl"
fi
echo "== cargo build --profile $profile --target $musl"
CC_x86_64_unknown_linux_musl="${CC_x86_64_unknown_linux_musl:-gcc}" \
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER:-rust-lld}" \
    cargo build --locked --profile "$profile" --target "$musl" --bin aruba-noc-mcp
cp "target/$musl/$profile/aruba-noc-mcp" "target/bench/aruba-noc-mcp-$profile-musl"

echo "== cargo bench --bench micro"
cargo bench --locked --bench micro
echo "== cargo bench --bench resilience"
cargo bench --locked --bench resilience

echo "== cargo bench --bench mcp ($profile binary)"
cargo bench --locked --bench mcp -- \
    --bin "target/bench/aruba-noc-mcp-$profile" \
    --lean-bin "target/bench/aruba-noc-mcp-$profile-no-default-features" \
    --musl-bin "target/bench/aruba-noc-mcp-$profile-musl" \
    --profile "$profile" "$@"

echo "== cargo bench --bench daemon ($profile binary)"
cargo bench --locked --bench daemon -- --bin "target/bench/aruba-noc-mcp-$profile"
