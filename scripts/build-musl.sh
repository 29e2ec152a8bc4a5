#!/bin/bash
# The tools and the helper built against musl (see scripts/build.sh), release profile.
# Prints the directory holding them; when this machine cannot build them (not x86_64, no
# rustup musl target, no musl-gcc), says why on stderr and prints target/release instead.
# With --lint it first runs clippy (-D warnings) on lxc-sys and lxc for the musl target.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
triple=x86_64-unknown-linux-musl
fallback() {
    echo "build-musl: $1; the tools stay glibc-built (target/release)" >&2
    cargo build --release -p lxc-tools -p lxc --bins >&2
    echo "$PWD/target/release"
    exit 0
}
[ "$(uname -m)" = x86_64 ] || fallback "not an x86_64 machine"
command -v musl-gcc >/dev/null || fallback "musl-gcc is missing (Debian: musl-tools)"
rustc --print sysroot >/dev/null
[ -d "$(rustc --print sysroot)/lib/rustlib/$triple" ] ||
    fallback "no Rust standard library for $triple (rustup target add $triple)"
# libseccomp has no musl build in Debian. Its static library (built against glibc) calls
# nothing musl lacks but __fprintf_chk, which lxc-sys provides for musl builds. A directory
# of its own keeps the rest of the glibc libraries out of the link.
libseccomp=$(gcc -print-file-name=libseccomp.a)
[ -f "$libseccomp" ] || fallback "libseccomp.a is missing (Debian: libseccomp-dev)"
deps=target/musl-deps
mkdir -p "$deps"
cmp -s "$libseccomp" "$deps/libseccomp.a" || cp "$libseccomp" "$deps/libseccomp.a"
export LIBSECCOMP_LINK_TYPE=static LIBSECCOMP_LIB_PATH="$PWD/$deps"
if [ "${1:-}" = --lint ]; then
    cargo clippy --target "$triple" -p lxc-sys -p lxc --all-targets -- -D warnings >&2
fi
cargo build --release --target "$triple" -p lxc-tools -p lxc --bins >&2
echo "$PWD/target/$triple/release"
