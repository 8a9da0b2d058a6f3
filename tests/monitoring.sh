#!/usr/bin/env bash
# The monitoring assets (packaging/monitoring/) checked with the real tools:
#   promtool check rules / test rules  — every alert fires in its tests and stays quiet in its near misses
#   promtool check config              — the example prometheus.yml, with its rule files
#   amtool check-config / config routes test — the Alertmanager example and where each severity goes
# Installs Debian's prometheus and prometheus-alertmanager when the tools are missing (as root);
# under CI=true a tool that is still missing is a failure, elsewhere these checks are skipped.
# Called by tests/run.sh before the cargo tests, which also need these packages:
# tests/prometheus_e2e.rs runs `prometheus`, tests/alertmanager_e2e.rs `prometheus-alertmanager`.
set -euo pipefail
cd "$(dirname "$0")/.."
MON=packaging/monitoring

missing=()
for tool in promtool:prometheus prometheus:prometheus amtool:prometheus-alertmanager \
    prometheus-alertmanager:prometheus-alertmanager; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing $packages"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        apt-get install -y --no-install-recommends $packages >/dev/null ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends $packages >/dev/null; }
    fi
fi
for tool in promtool prometheus amtool prometheus-alertmanager; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then
            echo "FAIL: $tool is missing and could not be installed (apt-get install prometheus prometheus-alertmanager)" >&2
            exit 1
        fi
        echo "SKIP: $tool is missing (apt-get install prometheus prometheus-alertmanager); monitoring checks not run" >&2
        exit 0
    fi
done
echo "== $(promtool --version 2>&1 | head -1); $(amtool --version 2>&1 | head -1)"

echo "== promtool check rules"
promtool check rules "$MON/prometheus/alerts.yml" "$MON/prometheus/recording.yml"

echo "== promtool test rules"
(cd "$MON/prometheus" && promtool test rules alerts.test.yml slo.test.yml recording.test.yml)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The tests must be able to fail: a copy of the rules with HighAPIFailureRate's threshold moved
# from 10 % to 30 % has to fail its unit test (it expects the alert at 20 %).
cp "$MON/prometheus/alerts.yml" "$MON/prometheus/alerts.test.yml" "$tmp/"
sed -i 's/) > 0\.10$/) > 0.30/' "$tmp/alerts.yml"
if ! grep -q ') > 0.30$' "$tmp/alerts.yml"; then
    echo "FAIL: could not make the broken copy of alerts.yml" >&2
    exit 1
fi
if (cd "$tmp" && promtool test rules alerts.test.yml >/dev/null 2>&1); then
    echo "FAIL: promtool test rules passed against a broken HighAPIFailureRate" >&2
    exit 1
fi
echo "   a broken threshold fails the unit tests, as it should"
rm -f "$tmp"/*

echo "== promtool check config (example prometheus.yml, its rule files, secrets and CA stubbed)"
mkdir -p "$tmp/etc/prometheus/secrets" "$tmp/etc/prometheus/tls"
cp "$MON/prometheus/alerts.yml" "$MON/prometheus/recording.yml" "$tmp/"
sed "s#/etc/prometheus/#$tmp/etc/prometheus/#g" "$MON/prometheus/prometheus.yml" >"$tmp/prometheus.yml"
for f in $(grep -o "$tmp/etc/prometheus/[^ \"]*" "$tmp/prometheus.yml"); do
    echo stub >"$f"
done
promtool check config "$tmp/prometheus.yml"

echo "== amtool check-config"
amtool check-config "$MON/alertmanager/alertmanager.yml"

echo "== amtool config routes test"
route() { # expected-receivers labels...
    local want=$1
    shift
    amtool config routes test --config.file="$MON/alertmanager/alertmanager.yml" \
        --verify.receivers="$want" "$@" 2>/dev/null >/dev/null ||
        { echo "FAIL: {$*} should go to $want, goes to: $(amtool config routes test --config.file="$MON/alertmanager/alertmanager.yml" "$@" 2>/dev/null)" >&2; exit 1; }
    echo "   {$*} -> $want"
}
route pager,team severity=critical alertname=CircuitBreakerOpen job=aruba-noc-mcp instance=noc-a:9464
route pager,team severity=critical alertname=ToolCallsErrorBudgetBurn job=aruba-noc-mcp long_window=1h
route team severity=warning alertname=HighRetryRate job=aruba-noc-mcp instance=noc-a:9464
route pager,team severity=critical alertname=ScrapeTargetDown job=aruba-noc-mcp instance=noc-a:9464
route team severity=warning alertname=ServiceRestarting job=aruba-noc-mcp instance=noc-a:9464
route team severity=info alertname=DeviceActionExecuted job=aruba-noc-mcp instance=noc-a:9464 tool=bounce_poe
route team alertname=SomethingUnlabelled

echo "== monitoring assets OK"
