#!/usr/bin/env bash
# targets/build.sh [--cross] TARGET: builds the appliance binary (`--profile appliance`) and its
# .deb for TARGET, one of the targets/*.conf files, e.g.
#
#   targets/build.sh x86_64-unknown-linux-gnu        # native cargo build
#   targets/build.sh aarch64-unknown-linux-musl      # cargo, no Docker (rustup target, cross gcc, rust-lld)
#   targets/build.sh x86_64-unknown-linux-musl       # cargo, no Docker (rustup target, gcc, rust-lld)
#   targets/build.sh --cross aarch64-unknown-linux-musl   # cross in its Docker image (Cross.toml)
#
# Without --cross a target is built with plain cargo: the rustup target is added when missing
# (the std library download), the C compiler named by TARGET_CC builds ring's C and assembly
# (Debian package TARGET_CC_PACKAGE; install it first), and LINKER links, rust-lld with the
# musl C runtime that comes with the rustup target, so no musl toolchain is needed. Variables
# already set in the environment (CC_<triple>, CARGO_TARGET_<TRIPLE>_LINKER) win.
# --cross needs `cargo install cross --locked` and Docker or Podman. Never run cross on a machine
# without them: it first tries to reinstall the Rust toolchain, then fails.
#
# Prints the paths of the binary and the .deb. The binary is stripped by the profile; the .deb is
# target/<triple>/debian/aruba-noc-mcp_<version>-1_<arch>.deb (native: target/debian/).
set -euo pipefail
cd "$(dirname "$0")/.."

known=$(for f in targets/*.conf; do basename "$f" .conf; done | tr '\n' ' ')
usage() {
    echo "usage: $0 [--cross] TARGET   (one of: $known)" >&2
    exit 2
}
use_cross=false
if [ "${1:-}" = --cross ]; then
    use_cross=true
    shift
fi
if [ $# -ne 1 ] || [ ! -f "targets/$1.conf" ]; then
    usage
fi
TARGET_CC=""
TARGET_CC_PACKAGE=""
BUILDERS="cargo"
# shellcheck source=/dev/null
. "targets/$1.conf"

builder=cargo
if $use_cross; then
    builder=cross
fi
case " $BUILDERS " in
    *" $builder "*) ;;
    *)
        echo "targets/$1.conf: $TRIPLE is built with: $BUILDERS (not $builder)" >&2
        [ "$builder" = cargo ] && echo "try: $0 --cross $TRIPLE" >&2
        exit 2
        ;;
esac

host=$(rustc -vV | sed -n 's/^host: //p')
target_args=(--target "$TRIPLE")
bin_dir="target/$TRIPLE/appliance"
deb_dir="target/$TRIPLE/debian"
if [ "$TRIPLE" = "$host" ] && [ -z "$RUSTFLAGS_EXTRA" ]; then
    # Native: the plain target/appliance build that tests/run.sh also makes (no second build).
    target_args=()
    bin_dir="target/appliance"
    deb_dir="target/debian"
fi

if [ -n "$RUSTFLAGS_EXTRA" ]; then
    export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$RUSTFLAGS_EXTRA"
fi

echo "== $TRIPLE (Debian $DEB_ARCH) with $builder"
case "$builder" in
    cross)
        if ! command -v docker >/dev/null && ! command -v podman >/dev/null; then
            echo "$TRIPLE: cross needs Docker or Podman; neither is here." >&2
            exit 1
        fi
        command -v cross >/dev/null || {
            echo "cross is missing: cargo install cross --locked" >&2
            exit 1
        }
        cross build --locked --profile appliance "${target_args[@]}"
        ;;
    cargo)
        if [ "$TRIPLE" != "$host" ]; then
            sysroot=$(rustc --print sysroot)
            if [ ! -d "$sysroot/lib/rustlib/$TRIPLE" ]; then
                command -v rustup >/dev/null || {
                    echo "the Rust standard library for $TRIPLE is missing, and rustup is not here" >&2
                    exit 1
                }
                echo "== rustup target add $TRIPLE"
                rustup target add "$TRIPLE" || {
                    echo "rustup could not install the standard library for $TRIPLE" >&2
                    exit 1
                }
            fi
            triple_var=$(tr 'a-z-' 'A-Z_' <<<"$TRIPLE")
            cc_var="CC_${TRIPLE//-/_}"
            linker_var="CARGO_TARGET_${triple_var}_LINKER"
            if [ -n "$TARGET_CC" ] && [ -z "${!cc_var:-}" ]; then
                command -v "$TARGET_CC" >/dev/null || {
                    echo "$TARGET_CC (the C compiler for ring on $TRIPLE) is missing:" \
                        "apt-get install $TARGET_CC_PACKAGE" >&2
                    exit 1
                }
                export "$cc_var=$TARGET_CC"
            fi
            if [ -z "${!linker_var:-}" ]; then
                export "$linker_var=$LINKER"
            fi
            echo "   $cc_var=${!cc_var:-} $linker_var=${!linker_var}"
        fi
        cargo build --locked --profile appliance "${target_args[@]}"
        ;;
esac

if ! command -v cargo-deb >/dev/null; then
    echo "== cargo install cargo-deb --locked"
    cargo install cargo-deb --locked
fi
# --no-build: package what was just built; --no-strip: the profile already stripped it (and the
# host's strip cannot read ARM binaries).
deb=$(cargo deb --locked --profile appliance "${target_args[@]}" --no-build --no-strip \
    --output "$deb_dir" | tail -n1)
echo "binary: $bin_dir/aruba-noc-mcp ($(stat -c %s "$bin_dir/aruba-noc-mcp") bytes)"
echo "deb:    $deb ($(stat -c %s "$deb") bytes)"
