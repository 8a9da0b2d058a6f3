#!/usr/bin/env bash
# packaging/debian/check-under-systemd.sh DEB [--stand-in]
#
# What tests/deb.sh cannot check in a container without systemd as PID 1: the packaged unit run
# by a real systemd. Installs DEB on this host (dpkg -i), boots a throwaway systemd container
# (systemd-nspawn, private network) over this host's /usr and a copy of its /etc, and checks:
#   - `systemctl start` returns once the daemon sent READY=1 (Type=notify), as user and group
#     aruba-noc-mcp, with the socket /run/aruba-noc-mcp/mcp.sock mode 0660 in a 0750 directory;
#   - a member of the group can connect to the socket, another user cannot (and, with the real
#     daemon, `aruba-noc-mcp connect` answers initialize);
#   - the daemon's watchdog pings keep it alive for 40 s; `systemctl reload` keeps the same
#     process; a process that stops pinging (SIGSTOP) is killed and restarted by the watchdog;
#   - `systemctl stop` ends it with status 0 and systemd removes the runtime directory;
#   - `systemd-analyze security` on the running system gives the same exposure as offline.
# Then powers the container off and purges the package.
#
# --stand-in runs, through a drop-in, a small Python program that speaks the daemon's systemd
# protocol (READY, WATCHDOG, RELOADING, STOPPING, the socket) instead of `aruba-noc-mcp daemon`:
# it checks the unit and this script before the daemon exists.
#
# Needs root, systemd-container (systemd-nspawn) and a kernel that lets nspawn boot a container
# (it does not work inside most CI containers). Takes about two minutes. Not run by tests/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 DEB [--stand-in]" >&2
    exit 2
fi
deb=$1
stand_in=false
[ "${2:-}" = --stand-in ] && stand_in=true
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
command -v systemd-nspawn >/dev/null || { echo "needs systemd-nspawn (apt-get install systemd-container)" >&2; exit 2; }

UNIT=aruba-noc-mcp.service
root=$(mktemp -d /tmp/aruba-unit-check.XXXXXX)
chmod 0755 "$root" # the container's /
nspawn=
fail() {
    echo "FAIL: $*" >&2
    if [ -n "${C:-}" ]; then nsenter -t "$C" -a journalctl -u "$UNIT" --no-pager -n 30 >&2 || true; fi
    exit 1
}
cleanup() {
    if [ -n "${C:-}" ]; then nsenter -t "$C" -a systemctl poweroff >/dev/null 2>&1 || true; fi
    if [ -n "$nspawn" ]; then
        sleep 3
        kill "$nspawn" 2>/dev/null || true
        wait "$nspawn" 2>/dev/null || true
    fi
    if mountpoint -q "$root/usr"; then umount "$root/usr"; fi
    rm -rf "$root"
    dpkg --purge aruba-noc-mcp >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== dpkg -i $deb (on this host; the container sees its /usr and a copy of its /etc)"
dpkg -i "$deb" >/dev/null
mkdir -p "$root"/{usr,dev,proc,sys,run,tmp,root,var/lib,var/log,var/tmp,mnt}
cp -a /etc "$root/etc"
systemd-id128 new >"$root/etc/machine-id"
for l in bin lib lib64 sbin; do [ -L "/$l" ] && ln -s "$(readlink "/$l")" "$root/$l"; done
mount --bind /usr "$root/usr"
mount -o remount,bind,ro "$root/usr"

if $stand_in; then
    cat >"$root/etc/stand-in-daemon.py" <<'EOF'
import os, signal, socket, sys, time
def notify(msg):
    addr = os.environ["NOTIFY_SOCKET"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), "\0" + addr[1:] if addr.startswith("@") else addr)
    s.close()
state = {"stop": False, "hup": 0}
signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
signal.signal(signal.SIGHUP, lambda *_: state.update(hup=state["hup"] + 1))
path = os.path.join(os.environ["RUNTIME_DIRECTORY"], "mcp.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
os.chmod(path, 0o660)
srv.listen()
notify("READY=1")
interval = int(os.environ["WATCHDOG_USEC"]) / 2e6
seen = 0
while not state["stop"]:
    if state["hup"] != seen:
        seen = state["hup"]
        notify("RELOADING=1\nMONOTONIC_USEC=%d" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000))
        notify("READY=1")
    notify("WATCHDOG=1")
    time.sleep(min(interval, 1.0))
notify("STOPPING=1")
os.unlink(path)
sys.exit(0)
EOF
    mkdir -p "$root/etc/systemd/system/$UNIT.d"
    printf '[Service]\nExecStart=\nExecStart=/usr/bin/python3 /etc/stand-in-daemon.py\n' \
        >"$root/etc/systemd/system/$UNIT.d/stand-in.conf"
fi

echo "== booting systemd in a container (private network)"
systemd-nspawn -D "$root" --private-network --register=no --keep-unit --machine=aruba-unit-check \
    --console=passive --boot systemd.unit=basic.target >"$root/tmp/nspawn.log" 2>&1 &
nspawn=$!
C=
booted=
for _ in $(seq 150); do
    C=$(pgrep -P "$nspawn" -x systemd || true)
    if [ -n "$C" ]; then
        booted=$(nsenter -t "$C" -a systemctl is-system-running 2>/dev/null || true)
        case "$booted" in running | degraded) break ;; esac
    fi
    sleep 0.2
done
case "$booted" in
    running | degraded) ;;
    *) fail "the container did not boot ($booted): $(cat "$root/tmp/nspawn.log")" ;;
esac
in_c() { nsenter -t "$C" -a "$@"; }
show() { in_c systemctl show -p "$1" --value "$UNIT"; }
echo "container's systemd: $(in_c systemctl --version | head -n1)"

echo "== systemctl start (returns after READY=1)"
in_c systemctl start "$UNIT" || fail "start"
[ "$(show ActiveState)/$(show SubState)" = active/running ] || fail "not active/running"
pid=$(show MainPID)
[ "$(in_c stat -c '%U:%G' "/proc/$pid")" = aruba-noc-mcp:aruba-noc-mcp ] || fail "runs as $(in_c stat -c '%U:%G' "/proc/$pid")"
[ "$(in_c stat -c '%a %U:%G' /run/aruba-noc-mcp)" = "750 aruba-noc-mcp:aruba-noc-mcp" ] || fail "runtime directory"
[ "$(in_c stat -c '%a %U:%G' /run/aruba-noc-mcp/mcp.sock)" = "660 aruba-noc-mcp:aruba-noc-mcp" ] || fail "socket"
echo "active, pid $pid as aruba-noc-mcp; socket 0660 in a 0750 directory"

echo "== who may connect"
gid=$(getent group aruba-noc-mcp | cut -d: -f3)
probe='import socket; socket.socket(socket.AF_UNIX).connect("/run/aruba-noc-mcp/mcp.sock")'
in_c setpriv --reuid=nobody --regid=nogroup --groups="$gid" python3 -c "$probe" ||
    fail "a member of group aruba-noc-mcp cannot connect"
if in_c setpriv --reuid=nobody --regid=nogroup --clear-groups python3 -c "$probe" 2>/dev/null; then
    fail "a user outside the group can connect"
fi
echo "a group member connects; another user does not"
if ! $stand_in; then
    init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"unit-check","version":"1"}}}'
    answer=$( (printf '%s\n' "$init"; sleep 3) | in_c setpriv --reuid=nobody --regid=nogroup \
        --groups="$gid" timeout 10 /usr/bin/aruba-noc-mcp connect 2>/dev/null || true)
    grep -q '"serverInfo"' <<<"$answer" || fail "connect got no initialize answer: $answer"
    echo "aruba-noc-mcp connect answered initialize"
fi

echo "== watchdog pings for 40 s, then a reload"
sleep 40
if [ "$(show NRestarts)" != 0 ] || [ "$(show MainPID)" != "$pid" ]; then
    fail "restarted within 40 s (no watchdog pings?)"
fi
in_c systemctl reload "$UNIT" || fail "reload"
sleep 2
if [ "$(show ActiveState)" != active ] || [ "$(show MainPID)" != "$pid" ]; then
    fail "reload changed the process"
fi
echo "same process after 40 s and a reload"

echo "== a hung process (SIGSTOP) is killed by the watchdog and restarted"
in_c kill -STOP "$pid"
for _ in $(seq 50); do [ "$(show NRestarts)" = 1 ] && break; sleep 1; done
[ "$(show NRestarts)" = 1 ] || fail "the watchdog did not restart it"
for _ in $(seq 50); do [ "$(show SubState)" = running ] && break; sleep 0.2; done
[ "$(show SubState)" = running ] || fail "not running again after the watchdog restart"
echo "restarted once, running again as pid $(show MainPID)"

echo "== systemctl stop"
in_c systemctl stop "$UNIT"
if [ "$(show Result)" != success ] || [ "$(show ExecMainStatus)" != 0 ]; then
    fail "stop: result $(show Result), status $(show ExecMainStatus)"
fi
if in_c test -e /run/aruba-noc-mcp; then fail "/run/aruba-noc-mcp left after stop"; fi
echo "exit 0, runtime directory removed"

echo "== systemd-analyze security (running system)"
in_c rm -rf "/etc/systemd/system/$UNIT.d"
in_c systemctl daemon-reload
in_c systemd-analyze security --no-pager "$UNIT" | tail -n1
echo "check-under-systemd: OK"
