#!/usr/bin/env bash
# The whole test suite, from a fresh machine: the README's "run the tests" command.
# Installs what the tests need (Debian's prometheus and prometheus-alertmanager for the monitoring
# checks, see tests/monitoring.sh; file, lintian and cargo-deb for the package, see tests/deb.sh;
# the aarch64 cross compiler, qemu-user and the rustup target for the ARM build, see tests/arm.sh),
# then builds and runs every unit and integration test. Integration tests spawn the real binary and
# talk MCP to it over pipes, against the built-in Central simulator on 127.0.0.1. Then the
# appliance builds and the Debian package (tests/deb.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== toolchain: $(cargo --version), $(rustc --version)"

# Alert rules, their unit tests, the Prometheus and Alertmanager examples, with the real tools.
# First, because it installs `prometheus`, which tests/prometheus_e2e.rs runs.
echo "== monitoring assets (promtool, amtool)"
tests/monitoring.sh

# The appliance build can leave the simulator out: make sure that still compiles.
echo "== cargo check --no-default-features (build without the simulator)"
cargo check --locked --no-default-features --lib --bins

# The appliance build aborts on panic: no unwrap/expect/indexing on untrusted data in src/.
echo "== panic audit (tests/panic_check.sh)"
tests/panic_check.sh

echo "== cargo test (unit + integration)"
cargo test --locked --all-targets
cargo test --locked --doc

# Real MCP clients against `daemon --simulate` (before target/debug is dropped below): the official
# conformance suite's server scenarios over HTTP, and the MCP Inspector CLI over HTTP and stdio.
echo "== real MCP clients: conformance suite and Inspector CLI (tests/mcp_clients.sh)"
tests/mcp_clients.sh
if [ "${CI:-}" = true ]; then rm -rf target/mcp-clients; fi

# Every public item is documented (`missing_docs`); its docs must also build without a warning
# (broken links, stray HTML).
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps
# CI runs on a disk of unknown size: drop build trees nothing later uses.
if [ "${CI:-}" = true ]; then rm -rf target/debug; fi

# Model-check the lock-free circuit breaker and token bucket: loom explores every interleaving of
# their concurrency tests. Its own target dir, because the cfg changes every crate's build.
echo "== loom model checks (breaker half-open probe, bucket concurrent acquire)"
RUSTFLAGS="--cfg aruba_loom" CARGO_TARGET_DIR=target/loom \
    cargo test --locked --release --lib loom_tests
if [ "${CI:-}" = true ]; then rm -rf target/loom; fi

# Cross.toml's images build ring without pre-build steps; aws-lc would need cmake/bindgen there.
echo "== TLS is ring only (no aws-lc in Cargo.lock)"
if grep -q '^name = "aws-lc' Cargo.lock; then
    echo "FAIL: aws-lc is in Cargo.lock; the cross builds (Cross.toml) assume ring only" >&2
    exit 1
fi

# The appliance build: the size-tuned profile for x86_64 (the amd64 .deb of tests/deb.sh), then
# the artifact ARM appliances run: the static aarch64 musl binary, built without Docker, run
# under qemu-user (version, check, an MCP session) and its arm64 .deb linted and compared with
# the amd64 one (tests/arm.sh; it installs its cross compiler, qemu and the rustup target).
echo "== cargo build --profile appliance (x86_64)"
cargo build --locked --profile appliance
echo "appliance binary: $(stat -c %s target/appliance/aruba-noc-mcp) bytes"

echo "== aarch64 musl appliance binary and arm64 .deb (tests/arm.sh)"
tests/arm.sh

echo "== Debian package (tests/deb.sh)"
tests/deb.sh

# Fuzz every parser briefly (cargo-fuzz on stable via RUSTC_BOOTSTRAP; installs it if missing).
# The committed corpus is also replayed by tests/fuzz_corpus.rs in `cargo test` above.
echo "== fuzz targets, ${FUZZ_SECONDS:-20} s each (tests/fuzz.sh)"
tests/fuzz.sh
