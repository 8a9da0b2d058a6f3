#!/usr/bin/env bash
# Idle memory of an MCP server: starts `COMMAND...` (e.g. `aruba-noc-mcp serve --simulate`),
# sends `initialize` over its stdin as an MCP client would, waits for the answer, lets it settle
# and prints its resident set size in kB; then `tools/list` and the RSS again. Linux only (/proc).
#
#   targets/idle-rss.sh target/appliance/aruba-noc-mcp serve --simulate
#   → after-initialize-kB=4312 after-tools-list-kB=4780 threads=6
#
# Used for the measurements in targets/README.md; not a test (timings and sizes are measured,
# never asserted).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

coproc SERVER { exec "$@" 2>/dev/null; }
pid=$SERVER_PID
trap 'kill "$pid" 2>/dev/null || true' EXIT

send() { printf '%s\n' "$1" >&"${SERVER[1]}"; }
# Reads lines until the response with id $1 arrives (notifications may come first), 10 s at most.
await() {
    local line
    while IFS= read -r -t 10 line <&"${SERVER[0]}"; do
        case "$line" in *"\"id\":$1"*) return 0 ;; esac
    done
    echo "no answer to request $1" >&2
    exit 1
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

send '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"idle-rss","version":"1"}}}'
await 1
send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
sleep 1
after_init=$(rss)
send '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
await 2
sleep 0.5
after_list=$(rss)
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
echo "after-initialize-kB=$after_init after-tools-list-kB=$after_list threads=$threads"
