#!/usr/bin/env bash
# The benchmark behind README "Performance", in one command:
#
#   benches/run.sh [PROFILE] [extra arguments for benches/mcp.rs, e.g. --workers 8]
#
# Builds PROFILE (default `release`; `appliance` is what the .deb ships) with and without the
# default features and statically linked, runs the micro benchmarks (benches/micro.rs,
# benches/resilience.rs), then the end-to-end harness (benches/mcp.rs) against the PROFILE binary. Prints the table and writes
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

# The static musl binaries of the ARM appliances cannot be built here; a static glibc build of the
# same profile is the closest (no shared libc mapped). Its size and idle RSS are reported.
host=$(rustc -vV | sed -n 's/^host: //p')
echo "== RUSTFLAGS='-C target-feature=+crt-static' cargo build --profile $profile --target $host"
RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --locked --profile "$profile" --target "$host" --bin aruba-noc-mcp
cp "target/$host/$profile/aruba-noc-mcp" "target/bench/aruba-noc-mcp-$profile-static"

echo "== cargo bench --bench micro"
cargo bench --locked --bench micro
echo "== cargo bench --bench resilience"
cargo bench --locked --bench resilience

echo "== cargo bench --bench mcp ($profile binary)"
cargo bench --locked --bench mcp -- \
    --bin "target/bench/aruba-noc-mcp-$profile" \
    --lean-bin "target/bench/aruba-noc-mcp-$profile-no-default-features" \
    --static-bin "target/bench/aruba-noc-mcp-$profile-static" \
    --profile "$profile" "$@"
