#!/bin/bash
# Install lxc-rs under $PREFIX (default /usr/local): the lxc-* tools in bin/, the helper in
# libexec/lxc-rs/, liblxc.so.1 (with the helper beside it, as the library looks for it
# there) in lib/, the C headers and lxc.pc for pkg-config, and the default seccomp policy
# with its common.conf in share/lxc-rs/config/.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
bin=$(bash scripts/build.sh)
install -d "$prefix/bin" "$prefix/libexec/lxc-rs" "$prefix/lib/pkgconfig" "$prefix/include/lxc"
for f in "$bin"/lxc-*; do
    case "$f" in *.d) continue ;; esac
    case "$(basename "$f")" in lxc-rs-helper | lxc-rs-init) continue ;; esac
    install -m 755 "$f" "$prefix/bin/"
done
install -m 755 "$bin/lxc-rs-helper" "$prefix/libexec/lxc-rs/lxc-rs-helper"
install -m 755 "$bin/lxc-rs-init" "$prefix/libexec/lxc-rs/lxc-rs-init"
install -m 755 target/release/liblxc_rs.so "$prefix/lib/liblxc.so.1"
ln -sf liblxc.so.1 "$prefix/lib/liblxc.so"
ln -sf ../libexec/lxc-rs/lxc-rs-helper "$prefix/lib/lxc-rs-helper"
ln -sf ../libexec/lxc-rs/lxc-rs-init "$prefix/lib/lxc-rs-init"
install -m 644 crates/liblxc/include/lxc/*.h "$prefix/include/lxc/"
sed "s|@PREFIX@|$prefix|" crates/liblxc/lxc.pc.in > "$prefix/lib/pkgconfig/lxc.pc"
# The default seccomp policy, and common.conf naming it.
install -d "$prefix/share/lxc-rs/config"
install -m 644 config/common.seccomp "$prefix/share/lxc-rs/config/"
sed "s|@CONFIG@|$prefix/share/lxc-rs/config|" config/common.conf >"$prefix/share/lxc-rs/config/common.conf"
command -v ldconfig >/dev/null && ldconfig || true
echo "installed to $prefix (tools in bin/, liblxc.so.1 in lib/, headers in include/lxc/)"
