#!/usr/bin/env bash
# targets/build.sh TARGET: builds the appliance binary (`--profile appliance`) and its .deb for
# TARGET, one of the targets/*.conf files, e.g.
#
#   targets/build.sh aarch64-unknown-linux-musl      # with cross: needs Docker or Podman
#   targets/build.sh x86_64-unknown-linux-gnu        # native cargo build
#
# Prints the paths of the binary and the .deb. The binary is stripped by the profile; the .deb is
# target/<triple>/debian/aruba-noc-mcp_<version>-1_<arch>.deb (native: target/debian/).
# cross targets need `cargo install cross --locked` and a container engine; do not run them on
# machines without Docker (cross then tries to reinstall the Rust toolchain before failing).
set -euo pipefail
cd "$(dirname "$0")/.."

known=$(for f in targets/*.conf; do basename "$f" .conf; done | tr '\n' ' ')
if [ $# -ne 1 ] || [ ! -f "targets/$1.conf" ]; then
    echo "usage: $0 TARGET   (one of: $known)" >&2
    exit 2
fi
# shellcheck source=/dev/null
. "targets/$1.conf"

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

echo "== $TRIPLE (Debian $DEB_ARCH) with $BUILDER"
case "$BUILDER" in
    cross)
        if ! command -v docker >/dev/null && ! command -v podman >/dev/null; then
            echo "$TRIPLE is built with cross, which needs Docker or Podman; neither is here." >&2
            exit 1
        fi
        command -v cross >/dev/null || {
            echo "cross is missing: cargo install cross --locked" >&2
            exit 1
        }
        cross build --locked --profile appliance "${target_args[@]}"
        ;;
    cargo)
        cargo build --locked --profile appliance "${target_args[@]}"
        ;;
    *)
        echo "targets/$1.conf: unknown BUILDER $BUILDER" >&2
        exit 2
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
