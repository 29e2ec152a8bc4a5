#!/bin/bash
# Install the lxc-* tools to $PREFIX/bin (default /usr/local) and the helper beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
cargo build --release --workspace --bins
install -d "$prefix/bin" "$prefix/libexec/lxc-rs"
for f in target/release/lxc-*; do
    case "$f" in *.d) continue ;; esac
    [ "$(basename "$f")" = lxc-rs-helper ] && continue
    install -m 755 "$f" "$prefix/bin/"
done
install -m 755 target/release/lxc-rs-helper "$prefix/libexec/lxc-rs/lxc-rs-helper"
echo "installed to $prefix/bin (helper in $prefix/libexec/lxc-rs)"
