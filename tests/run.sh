#!/usr/bin/env bash
# The whole test suite, from a fresh machine: the README's "run the tests" command.
# Installs what the tests need (Debian's prometheus and prometheus-alertmanager for the monitoring
# checks, see tests/monitoring.sh), then builds and runs every unit and integration test.
# Integration tests spawn the real binary and talk MCP to it over pipes, against the built-in
# Central simulator on 127.0.0.1.
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

echo "== cargo test (unit + integration)"
cargo test --locked --all-targets
cargo test --locked --doc

# Model-check the lock-free circuit breaker and token bucket: loom explores every interleaving of
# their concurrency tests. Its own target dir, because the cfg changes every crate's build.
echo "== loom model checks (breaker half-open probe, bucket concurrent acquire)"
RUSTFLAGS="--cfg aruba_loom" CARGO_TARGET_DIR=target/loom \
    cargo test --locked --release --lib loom_tests
