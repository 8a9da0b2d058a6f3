#!/usr/bin/env bash
# The Debian package, end to end: build it with cargo-deb from the appliance profile, lint it,
# install it with dpkg, run the installed binary (version, check, an MCP session against
# `serve --simulate`), remove it (configuration and credentials stay), purge it (nothing stays).
#
# Needs root (dpkg), lintian and cargo-deb; installs the last two when missing. Under CI=true a
# missing tool or missing root is a failure; elsewhere the test is skipped with the reason.
# Called by tests/run.sh; runs alone too: tests/deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=aruba-noc-mcp
BIN=/usr/bin/aruba-noc-mcp
# Everything the package owns or creates; none of it may be left after a purge.
PATHS=(/etc/aruba-noc-mcp /usr/share/aruba-noc-mcp /usr/share/doc/aruba-noc-mcp "$BIN"
    /usr/share/man/man1/aruba-noc-mcp.1.gz)

unavailable() {
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1" >&2
        exit 1
    fi
    echo "SKIP tests/deb.sh: $1 (CI=true makes this a failure)" >&2
    exit 0
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || unavailable "dpkg -i needs root"
if ! command -v lintian >/dev/null; then
    echo "== apt-get install lintian"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lintian; } ||
        unavailable "lintian is missing and apt-get could not install it"
fi
if ! command -v cargo-deb >/dev/null; then
    echo "== cargo install cargo-deb --locked"
    cargo install cargo-deb --locked || unavailable "cargo-deb is missing and could not be installed"
fi

# A package left behind by an interrupted run would make the checks below meaningless.
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    echo "== purging a previously installed $PKG"
    dpkg --purge "$PKG" >/dev/null
fi
trap 'dpkg --purge "$PKG" >/dev/null 2>&1 || true' EXIT

echo "== build: targets/build.sh x86_64-unknown-linux-gnu"
out=$(targets/build.sh x86_64-unknown-linux-gnu)
echo "$out"
deb=$(sed -n 's/^deb: *\([^ ]*\) .*/\1/p' <<<"$out")
[ -f "$deb" ] || fail "no .deb reported by targets/build.sh"

echo "== contents"
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/aruba-noc-mcp ./etc/aruba-noc-mcp/config.toml \
    ./usr/share/man/man1/aruba-noc-mcp.1.gz ./usr/share/doc/aruba-noc-mcp/copyright \
    ./usr/share/doc/aruba-noc-mcp/README.md ./usr/share/doc/aruba-noc-mcp/changelog.Debian.gz \
    ./usr/share/doc/aruba-noc-mcp/examples/claude_desktop_config.json; do
    grep -q " $path\$" <<<"$contents" || fail "$deb lacks $path"
done
# Every monitoring asset of the source tree, at the same relative path.
while IFS= read -r -d '' f; do
    rel=${f#packaging/monitoring/}
    grep -q " ./usr/share/aruba-noc-mcp/monitoring/$rel\$" <<<"$contents" ||
        fail "$deb lacks monitoring asset $rel"
done < <(find packaging/monitoring -type f -print0)
[ "$(dpkg-deb -f "$deb" Package)" = "$PKG" ] || fail "package name"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/aruba-noc-mcp/config.toml ||
    fail "/etc/aruba-noc-mcp/config.toml is not a conffile"

echo "== lintian"
# No errors; every warning must be justified in packaging/debian/README (a line "- `tag`").
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true)
echo "${lint:-(no tags)}"
if grep -q '^E: ' <<<"$lint"; then
    fail "lintian reports errors"
fi
while read -r tag; do
    [ -n "$tag" ] || continue
    grep -q -- "- \`$tag\`" packaging/debian/README ||
        fail "lintian warning $tag is not justified in packaging/debian/README"
done < <(sed -n 's/^W: [^:]*: \([a-z0-9.+-]*\).*/\1/p' <<<"$lint" | sort -u)

echo "== dpkg -i"
dpkg -i "$deb"
[ "$(stat -c %a /etc/aruba-noc-mcp/secrets)" = 700 ] || fail "secrets directory is not mode 0700"
[ -x "$BIN" ] || fail "$BIN is not installed"

echo "== $BIN --version"
version=$("$BIN" --version)
echo "$version"
[ "$version" = "aruba-noc-mcp $(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')" ] ||
    fail "installed version $version does not match the package"

echo "== $BIN check --simulate (reads the installed /etc/aruba-noc-mcp/config.toml)"
env -i PATH=/usr/bin:/bin "$BIN" check --simulate

echo "== MCP session against $BIN serve --simulate (tests/packaging.rs with ARUBA_NOC_MCP_BIN)"
ARUBA_NOC_MCP_BIN="$BIN" cargo test --locked --quiet --test packaging

echo "== idle RSS of the installed binary (measured, not asserted)"
env -i PATH=/usr/bin:/bin targets/idle-rss.sh "$BIN" serve --simulate

echo "== dpkg -r: the configuration and credentials stay"
echo your_client_id >/etc/aruba-noc-mcp/secrets/aruba_client_id
dpkg -r "$PKG"
[ ! -e "$BIN" ] || fail "$BIN left after dpkg -r"
[ -f /etc/aruba-noc-mcp/config.toml ] || fail "the conffile went with dpkg -r"
[ -f /etc/aruba-noc-mcp/secrets/aruba_client_id ] || fail "the credentials went with dpkg -r"

echo "== dpkg --purge: nothing stays"
dpkg --purge "$PKG"
for path in "${PATHS[@]}"; do
    [ ! -e "$path" ] || fail "$path left after dpkg --purge"
done
dpkg-query -W "$PKG" >/dev/null 2>&1 && fail "$PKG still known to dpkg after purge"
trap - EXIT
echo "tests/deb.sh: OK ($(stat -c %s "$deb") bytes .deb)"
