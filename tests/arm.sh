#!/usr/bin/env bash
# The ARM appliance artifact, built and tested: the aarch64-unknown-linux-musl binary of the
# `appliance` profile and its arm64 .deb, built without Docker (targets/build.sh: rustup target,
# Debian's aarch64 GCC for ring, rust-lld) and run on this x86_64 machine under qemu-user.
#
# 1. installs what it needs: the rustup target, gcc-aarch64-linux-gnu, qemu-user-static, file,
#    lintian (apt-get, needs root), cargo-deb (cargo install);
# 2. builds the binary and the .deb with targets/build.sh;
# 3. file(1) must say `statically linked`;
# 4. under qemu-aarch64-static: --version, check --simulate, and one MCP session over pipes
#    (tests/appliance_binary.rs with ARUBA_TEST_BIN and ARUBA_TEST_RUNNER: initialize,
#    tools/list, two tool calls against the simulator);
# 5. the arm64 .deb: lintian without errors (warnings justified in packaging/debian/README, as
#    in tests/deb.sh), and the same files, modes, conffiles and maintainer scripts as the amd64
#    package; only Architecture, Installed-Size and Depends may differ.
#
# Under CI=true anything missing (a tool, root for apt-get, the rustup target) is a failure;
# elsewhere the script is skipped with the reason. Called by tests/run.sh; runs alone too:
# tests/arm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TRIPLE=aarch64-unknown-linux-musl
BIN=target/$TRIPLE/appliance/aruba-noc-mcp
QEMU=qemu-aarch64-static

unavailable() {
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1" >&2
        exit 1
    fi
    echo "SKIP tests/arm.sh: $1 (CI=true makes this a failure)" >&2
    exit 0
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() {
    echo "== $* (at ${SECONDS}s)"
}

step "tools"
apt_missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || apt_missing+=(gcc-aarch64-linux-gnu)
command -v "$QEMU" >/dev/null || apt_missing+=(qemu-user-static)
command -v file >/dev/null || apt_missing+=(file)
command -v lintian >/dev/null || apt_missing+=(lintian)
command -v dpkg-deb >/dev/null || apt_missing+=(dpkg)
if [ ${#apt_missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || unavailable "missing ${apt_missing[*]}, and apt-get needs root"
    echo "== apt-get install ${apt_missing[*]}"
    { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
            "${apt_missing[@]}"; } ||
        unavailable "apt-get could not install ${apt_missing[*]}"
fi
for tool in aarch64-linux-gnu-gcc "$QEMU" file lintian dpkg-deb; do
    command -v "$tool" >/dev/null || unavailable "$tool is missing after apt-get install"
done
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$TRIPLE" ]; then
    command -v rustup >/dev/null ||
        unavailable "the Rust standard library for $TRIPLE is missing and rustup is not here"
    echo "== rustup target add $TRIPLE"
    rustup target add "$TRIPLE" ||
        unavailable "rustup could not install the Rust standard library for $TRIPLE on this machine"
fi
if ! command -v cargo-deb >/dev/null; then
    echo "== cargo install cargo-deb --locked"
    cargo install cargo-deb --locked || unavailable "cargo-deb is missing and could not be installed"
fi

step "build: targets/build.sh $TRIPLE"
out=$(targets/build.sh "$TRIPLE")
echo "$out"
deb=$(sed -n 's/^deb: *\([^ ]*\) .*/\1/p' <<<"$out")
[ -f "$deb" ] || fail "no .deb reported by targets/build.sh"
[ -x "$BIN" ] || fail "no binary at $BIN"

step "file $BIN"
kind=$(file -b "$BIN")
echo "$(stat -c %s "$BIN") bytes; $kind"
case "$kind" in
    *"ARM aarch64"*) ;;
    *) fail "$BIN is not an aarch64 executable" ;;
esac
case "$kind" in
    *"statically linked"*) ;;
    *) fail "$BIN is not statically linked" ;;
esac

step "$QEMU $BIN --version"
version=$(env -i "$QEMU" "$BIN" --version)
echo "$version"
[ "$version" = "aruba-noc-mcp $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)" ] ||
    fail "--version under qemu answered: $version"

step "$QEMU $BIN check --simulate"
env -i ARUBA_LOG=warn "$QEMU" "$BIN" check --simulate

step "MCP session under $QEMU (tests/appliance_binary.rs)"
ARUBA_TEST_BIN="$PWD/$BIN" ARUBA_TEST_RUNNER="$(command -v "$QEMU")" ARUBA_TEST_EXPECT_ARCH=aarch64 \
    cargo test --locked --quiet --test appliance_binary

# ---------------------------------------------------------------------------------------------
step "$QEMU $BIN daemon + connect: one MCP session through the socket, then SIGTERM"
run_dir=$(mktemp -d)
env -i ARUBA_LOG=warn ARUBA_METRICS_ADDR=off ARUBA_MCP_SOCKET="$run_dir/mcp.sock" \
    "$QEMU" "$BIN" daemon --simulate 2>"$run_dir/daemon.err" &
daemon_pid=$!
for _ in $(seq 1 300); do
    [ -S "$run_dir/mcp.sock" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$run_dir/daemon.err" >&2; fail "the daemon exited"; }
    sleep 0.1
done
[ -S "$run_dir/mcp.sock" ] || { kill "$daemon_pid"; fail "the daemon did not create its socket in 30 s"; }
answers=$( {
    printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"arm","version":"1"}}}'
    printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    printf '%s\n' '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_sites_health","arguments":{}}}'
    sleep 10
} | timeout 60 env -i "$QEMU" "$BIN" connect --socket "$run_dir/mcp.sock" || true)
echo "$answers" | grep -q '"id":1,"result":{"protocolVersion"' || { kill "$daemon_pid"; fail "no initialize answer through connect: $answers"; }
echo "$answers" | grep -q '"id":2,"result":{"content"' || { kill "$daemon_pid"; fail "no tools/call answer through connect: $answers"; }
echo "$answers" | grep -q '"isError":true' && { kill "$daemon_pid"; fail "the tool call failed: $answers"; }
kill -TERM "$daemon_pid"
code=0
wait "$daemon_pid" || code=$?
[ "$code" = 0 ] || { cat "$run_dir/daemon.err" >&2; fail "the daemon exited $code on SIGTERM"; }
[ ! -e "$run_dir/mcp.sock" ] || fail "the daemon left its socket behind"
rm -rf "$run_dir"

step "arm64 .deb: $deb"
[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || fail "$deb is not Architecture: arm64"
[ "$(dpkg-deb -f "$deb" Package)" = aruba-noc-mcp ] || fail "package name"

step "lintian $deb"
# No errors; every warning must be justified in packaging/debian/README (a line "- `tag`").
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true)
echo "${lint:-(no tags)}"
if grep -q '^E: ' <<<"$lint"; then
    fail "lintian reports errors for the arm64 package"
fi
while read -r tag; do
    [ -n "$tag" ] || continue
    grep -q -- "- \`$tag\`" packaging/debian/README ||
        fail "lintian warning $tag (arm64) is not justified in packaging/debian/README"
done < <(sed -n 's/^W: [^:]*: \([a-z0-9.+-]*\).*/\1/p' <<<"$lint" | sort -u)

step "the arm64 package has the amd64 package's files (targets/build.sh x86_64-unknown-linux-gnu)"
amd64_out=$(targets/build.sh x86_64-unknown-linux-gnu)
amd64_deb=$(sed -n 's/^deb: *\([^ ]*\) .*/\1/p' <<<"$amd64_out")
[ -f "$amd64_deb" ] || fail "no amd64 .deb reported by targets/build.sh"
echo "amd64: $amd64_deb"
# Mode, owner and path of every entry (sizes and dates differ with the binary).
entries() { dpkg-deb -c "$1" | awk '{ $3 = ""; $4 = ""; $5 = ""; print }' | sort; }
diff <(entries "$amd64_deb") <(entries "$deb") ||
    fail "the arm64 package's files differ from the amd64 package's (< amd64, > arm64)"
# The control fields, apart from those that follow the architecture and the binary.
fields() { dpkg-deb -f "$1" | grep -vE '^(Architecture|Installed-Size|Depends):'; }
diff <(fields "$amd64_deb") <(fields "$deb") ||
    fail "the arm64 package's control fields differ from the amd64 package's"
# conffiles and maintainer scripts: byte for byte.
a=$(mktemp -d)
b=$(mktemp -d)
trap 'rm -rf "$a" "$b"' EXIT
dpkg-deb -e "$amd64_deb" "$a"
dpkg-deb -e "$deb" "$b"
rm -f "$a/control" "$b/control" "$a/md5sums" "$b/md5sums"
diff -r "$a" "$b" || fail "conffiles or maintainer scripts differ between amd64 and arm64"
# Every file but the binary has the same content.
content() { dpkg-deb --fsys-tarfile "$1" | tar -xO --exclude=./usr/bin/aruba-noc-mcp | md5sum; }
[ "$(content "$amd64_deb")" = "$(content "$deb")" ] ||
    fail "a file other than the binary differs between amd64 and arm64"

echo "tests/arm.sh: OK in ${SECONDS}s ($BIN: $(stat -c %s "$BIN") bytes; $deb: $(stat -c %s "$deb") bytes)"
