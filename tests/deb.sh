#!/usr/bin/env bash
# The Debian package, end to end: build it with cargo-deb from the appliance profile, lint it,
# check its systemd unit (systemd-analyze verify and security), install it with dpkg (the
# service account, the credentials directory, the unit enabled), run the installed binary
# (version, check, an MCP session against `serve --simulate`, credentials read as the service
# user and refused to members of the socket group, the daemon as the unit would run it), remove
# it (the unit masked; configuration and credentials stay), purge it (nothing stays but the
# system account).
#
# Needs root (dpkg), lintian, cargo-deb and systemd's tools (systemd-analyze, systemd-sysusers,
# deb-systemd-helper; the package depends on them); installs what is missing. Under CI=true a
# missing tool or missing root is a failure; elsewhere the test is skipped with the reason.
#
# Without systemd as PID 1 (a CI container) the unit is never started by systemd: whether it
# reaches READY, answers `systemctl reload`, is restarted by its watchdog and runs inside its
# sandbox is not observed. The script then runs the installed daemon the way the unit would
# (same user, group, runtime directory) and says so. On a host where systemd is PID 1 the
# postinst really starts the service, and the script checks it is active, reloads it and sees
# dpkg -r stop it.
# Called by tests/run.sh; runs alone too: tests/deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=aruba-noc-mcp
BIN=/usr/bin/aruba-noc-mcp
ACCOUNT=aruba-noc-mcp
UNIT=aruba-noc-mcp.service
UNIT_FILE=/usr/lib/systemd/system/$UNIT
SECRETS=/etc/aruba-noc-mcp/secrets
RUNTIME=/run/aruba-noc-mcp
# systemd-analyze security's overall exposure, times ten, that the unit must stay under (it is
# 1.1 on systemd 252; packaging/debian/README lists what remains exposed and why).
EXPOSURE_MAX=15
# Everything the package owns or creates; none of it may be left after a purge.
PATHS=(/etc/aruba-noc-mcp /usr/share/aruba-noc-mcp /usr/share/doc/aruba-noc-mcp "$BIN"
    /usr/share/man/man1/aruba-noc-mcp.1.gz "$UNIT_FILE" /usr/lib/sysusers.d/aruba-noc-mcp.conf
    "/etc/systemd/system/$UNIT" "/etc/systemd/system/multi-user.target.wants/$UNIT"
    "/var/lib/systemd/deb-systemd-helper-enabled/$UNIT.dsh-also"
    "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/$UNIT"
    "/var/lib/systemd/deb-systemd-helper-masked/$UNIT")

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
apt_missing=()
command -v lintian >/dev/null || apt_missing+=(lintian)
# systemd-analyze, systemd-sysusers and init-system-helpers' deb-systemd-helper. Installing the
# package in a container does not make systemd PID 1.
{ command -v systemd-analyze && command -v systemd-sysusers && command -v deb-systemd-helper; } \
    >/dev/null || apt_missing+=(systemd)
if [ ${#apt_missing[@]} -gt 0 ]; then
    echo "== apt-get install ${apt_missing[*]}"
    { apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"; } ||
        unavailable "${apt_missing[*]} missing and apt-get could not install it"
fi
if ! command -v cargo-deb >/dev/null; then
    echo "== cargo install cargo-deb --locked"
    cargo install cargo-deb --locked || unavailable "cargo-deb is missing and could not be installed"
fi
systemd_pid1=false
[ -d /run/systemd/system ] && systemd_pid1=true

# A package left behind by an interrupted run would make the checks below meaningless.
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    echo "== purging a previously installed $PKG"
    dpkg --purge "$PKG" >/dev/null
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    dpkg --purge "$PKG" >/dev/null 2>&1 || true
    rm -rf "$tmp" "$RUNTIME"
}
trap cleanup EXIT

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
    ./usr/share/doc/aruba-noc-mcp/examples/claude_desktop_config.json \
    ./usr/share/doc/aruba-noc-mcp/examples/claude_desktop_config.connect.json \
    ".$UNIT_FILE" ./usr/lib/sysusers.d/aruba-noc-mcp.conf; do
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
dpkg-deb -f "$deb" Depends | grep -q 'systemd | systemd-sysusers' ||
    fail "Depends lacks systemd-sysusers, which the postinst runs"
# The unit and the account are the files of the source tree, byte for byte.
dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$UNIT_FILE" | cmp - packaging/debian/$UNIT ||
    fail "the packaged unit differs from packaging/debian/$UNIT"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/sysusers.d/aruba-noc-mcp.conf |
    cmp - packaging/debian/aruba-noc-mcp.sysusers || fail "the packaged sysusers.d file differs"
# cargo-deb put its systemd fragments where the debhelper token was, once each, after our own
# part of the postinst (so the account and the directory exist before the service starts).
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
    [ -x "$tmp/control/$script" ] || fail "no $script in the package"
    sh -n "$tmp/control/$script" || fail "$script is not valid sh"
    ! grep -q '#DEBHELPER#' "$tmp/control/$script" || fail "$script still has the debhelper token"
done
count() { grep -cF -- "$1" "$tmp/control/$2" || true; }
[ "$(count "deb-systemd-helper enable $UNIT" postinst)" = 1 ] || fail "postinst: enable not once"
[ "$(count "deb-systemd-invoke \$_dh_action $UNIT" postinst)" = 1 ] || fail "postinst: start not once"
[ "$(count "deb-systemd-invoke stop $UNIT" prerm)" = 1 ] || fail "prerm: stop not once"
[ "$(count "deb-systemd-helper mask $UNIT" postrm)" = 1 ] || fail "postrm: mask not once"
own=$(grep -nF 'install -d -m 0710' "$tmp/control/postinst" | cut -d: -f1)
enable=$(grep -nF "deb-systemd-helper enable $UNIT" "$tmp/control/postinst" | cut -d: -f1)
if [ -z "$own" ] || [ "$own" -gt "$enable" ]; then
    fail "postinst enables the unit before it sets up the credentials directory"
fi

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
[ -x "$BIN" ] || fail "$BIN is not installed"
[ -f /usr/share/man/man1/aruba-noc-mcp.1.gz ] || fail "the man page is not installed"

echo "== the service account"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$ACCOUNT") ||
    fail "no user $ACCOUNT after dpkg -i"
echo "$ACCOUNT: uid $uid gid $gid home $home shell $shell"
[ "$(getent group "$ACCOUNT" | cut -d: -f3)" = "$gid" ] || fail "$ACCOUNT's group is not its own"
[ "$uid" -lt 1000 ] || fail "$ACCOUNT is no system user (uid $uid)"
case "$shell" in */nologin | */false) ;; *) fail "$ACCOUNT may log in (shell $shell)" ;; esac

echo "== the credentials directory"
[ "$(stat -c '%U:%G %a' "$SECRETS")" = "root:$ACCOUNT 710" ] ||
    fail "$SECRETS is $(stat -c '%U:%G %a' "$SECRETS"), not root:$ACCOUNT 710"

echo "== the unit: installed and enabled (deb-systemd-helper needs no running systemd)"
[ -f "$UNIT_FILE" ] || fail "$UNIT_FILE is not installed"
[ "$(readlink -f "/etc/systemd/system/multi-user.target.wants/$UNIT")" = "$(readlink -f "$UNIT_FILE")" ] ||
    fail "$UNIT is not enabled (no multi-user.target.wants link)"
# systemctl --root reads the unit files offline, as it would at boot.
state=$(systemctl --root=/ is-enabled "$UNIT" || true)
[ "$state" = enabled ] || fail "systemctl says $UNIT is $state, not enabled"

echo "== systemd-analyze verify $UNIT_FILE"
# The installed unit with its binary in place. --man=no: man(1) may be missing in a container;
# the page it names, man:aruba-noc-mcp(1), is installed (checked above).
verify=$(systemd-analyze verify --man=no "$UNIT_FILE" 2>&1) ||
    fail "systemd-analyze verify: $verify"
echo "${verify:-(no complaints)}"

echo "== systemd-analyze security --offline=true (exposure must stay under $EXPOSURE_MAX/10)"
security=$(systemd-analyze security --offline=true --threshold="$EXPOSURE_MAX" "$UNIT_FILE" 2>&1) ||
    fail "the unit's exposure is above $EXPOSURE_MAX/10 or could not be analysed:
$security"
grep -E '✗|Overall' <<<"$security"

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

# As the unit runs it (User=, Group=), and as a member of the group who may use the socket but
# must not read the credentials (nobody with the group as a supplementary group).
group_gid=$(getent group "$ACCOUNT" | cut -d: -f3)
as_service() { setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups "$@"; }
as_member() { setpriv --reuid=nobody --regid=nogroup --groups="$group_gid" "$@"; }
as_stranger() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

echo "== credentials written as documented are read by the service user only"
"$BIN" simulator --listen 127.0.0.1:0 >"$tmp/simulator.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do
    grep -q '^  ARUBA_CLIENT_SECRET=' "$tmp/simulator.out" && break
    sleep 0.1
done
sim() { sed -n "s/^  $1=//p" "$tmp/simulator.out"; }
[ -n "$(sim ARUBA_CLIENT_SECRET)" ] || fail "the simulator did not start"
# The README's commands, with the value on stdin instead of a paste.
sim ARUBA_CLIENT_ID | install -m 0400 -o "$ACCOUNT" -g "$ACCOUNT" /dev/stdin "$SECRETS/aruba_client_id"
sim ARUBA_CLIENT_SECRET | install -m 0400 -o "$ACCOUNT" -g "$ACCOUNT" /dev/stdin "$SECRETS/aruba_client_secret"
central=(ARUBA_BASE_URL="$(sim ARUBA_BASE_URL)" ARUBA_TOKEN_URL="$(sim ARUBA_TOKEN_URL)")
as_service env -i PATH=/usr/bin:/bin "${central[@]}" "$BIN" check >"$tmp/check.out" 2>&1 ||
    fail "check as $ACCOUNT could not use the credentials: $(cat "$tmp/check.out")"
echo "as $ACCOUNT: check passed"
if as_member env -i PATH=/usr/bin:/bin "${central[@]}" "$BIN" check >"$tmp/check.out" 2>&1; then
    fail "a member of group $ACCOUNT could use the credentials"
fi
grep -q 'aruba_client_secret could not be read' "$tmp/check.out" ||
    fail "check as a group member should say the secret file is unreadable: $(cat "$tmp/check.out")"
echo "as a member of group $ACCOUNT: refused ($(grep -c 'could not be read' "$tmp/check.out") unreadable secret files)"

if $systemd_pid1; then
    echo "== the service under systemd (PID 1 here): started by the postinst, reloaded"
    systemctl is-active --quiet "$UNIT" || fail "$UNIT is not active after dpkg -i"
    systemctl reload "$UNIT"
    sleep 1
    systemctl is-active --quiet "$UNIT" || fail "$UNIT is not active after a reload"
    [ "$(systemctl show -p NRestarts --value "$UNIT")" = 0 ] || fail "$UNIT restarted"
    [ "$(stat -c '%a %G' "$RUNTIME/mcp.sock")" = "660 $ACCOUNT" ] || fail "socket mode or group"
else
    echo "== the daemon as the unit runs it (no systemd as PID 1 here: not started by systemd)"
    # What systemd would do: RuntimeDirectory= (owned by the user, mode 0750) and
    # $RUNTIME_DIRECTORY; no watchdog, no notify socket, no sandbox.
    install -d -m 0750 -o "$ACCOUNT" -g "$ACCOUNT" "$RUNTIME"
    # Not through as_service: a function in the background is a subshell, and $! its pid.
    setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups env -i PATH=/usr/bin:/bin \
        RUNTIME_DIRECTORY="$RUNTIME" ARUBA_METRICS_ADDR=off ARUBA_LOG=warn "${central[@]}" \
        "$BIN" daemon 2>"$tmp/daemon.err" &
    daemon=$!
    pids+=("$daemon")
    for _ in $(seq 100); do
        [ -S "$RUNTIME/mcp.sock" ] && break
        kill -0 "$daemon" 2>/dev/null || fail "the daemon exited: $(cat "$tmp/daemon.err")"
        sleep 0.1
    done
    [ -S "$RUNTIME/mcp.sock" ] || fail "no socket $RUNTIME/mcp.sock after 10 s"
    [ "$(stat -c '%a %U:%G' "$RUNTIME/mcp.sock")" = "660 $ACCOUNT:$ACCOUNT" ] ||
        fail "socket is $(stat -c '%a %U:%G' "$RUNTIME/mcp.sock"), not 660 $ACCOUNT:$ACCOUNT"
    init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"deb.sh","version":"1"}}}'
    # A member of the group: `connect` relays the answer (stdin stays open 3 s for it).
    (printf '%s\n' "$init"; sleep 3) | as_member timeout 10 "$BIN" connect \
        >"$tmp/member.out" 2>"$tmp/member.err" || true
    grep -q '"serverInfo"' "$tmp/member.out" ||
        fail "connect as a group member got no answer: $(cat "$tmp/member.out" "$tmp/member.err")"
    echo "as a member of group $ACCOUNT: connect answered initialize"
    # Anybody else cannot even reach the socket (the runtime directory is 0750).
    if printf '%s\n' "$init" | as_stranger timeout 10 "$BIN" connect >"$tmp/stranger.out" 2>&1; then
        fail "connect worked for a user outside group $ACCOUNT"
    fi
    echo "as a user outside the group: connect refused ($(head -n1 "$tmp/stranger.out"))"
    kill -TERM "$daemon"
    status=0
    wait "$daemon" || status=$?
    [ "$status" = 0 ] || fail "the daemon exited $status on SIGTERM: $(cat "$tmp/daemon.err")"
    [ ! -e "$RUNTIME/mcp.sock" ] || fail "the daemon left its socket behind"
    rm -rf "$RUNTIME"
    echo "SIGTERM: exit 0, socket removed"
    echo "   not checked here (needs systemd as PID 1): READY/RELOADING/WATCHDOG handling, the"
    echo "   sandbox at run time, Restart=, start at boot, prerm's stop"
fi

echo "== dpkg -r: the service is stopped and masked; configuration and credentials stay"
dpkg -r "$PKG"
[ ! -e "$BIN" ] || fail "$BIN left after dpkg -r"
[ ! -e "$UNIT_FILE" ] || fail "$UNIT_FILE left after dpkg -r"
[ "$(readlink "/etc/systemd/system/$UNIT")" = /dev/null ] ||
    fail "$UNIT is not masked after dpkg -r"
state=$(systemctl --root=/ is-enabled "$UNIT" || true)
[ "$state" = masked ] || fail "systemctl says $UNIT is $state after dpkg -r, not masked"
if $systemd_pid1; then
    ! systemctl is-active --quiet "$UNIT" || fail "$UNIT still runs after dpkg -r"
fi
[ -f /etc/aruba-noc-mcp/config.toml ] || fail "the conffile went with dpkg -r"
[ -f "$SECRETS/aruba_client_id" ] || fail "the credentials went with dpkg -r"

echo "== dpkg --purge: nothing stays but the system account"
dpkg --purge "$PKG"
for path in "${PATHS[@]}"; do
    if [ -e "$path" ] || [ -L "$path" ]; then fail "$path left after dpkg --purge"; fi
done
dpkg-query -W "$PKG" >/dev/null 2>&1 && fail "$PKG still known to dpkg after purge"
getent passwd "$ACCOUNT" >/dev/null || fail "purge removed the system account (it should stay)"
trap - EXIT
cleanup
echo "tests/deb.sh: OK ($(stat -c %s "$deb") bytes .deb)"
