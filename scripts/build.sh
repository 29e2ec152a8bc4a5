#!/bin/bash
# Release build. Everything builds with cargo as usual (glibc: target/release/, which also
# holds liblxc.so.1 and the Python module). On x86_64 the tools and the helper are built a
# second time against musl, into target/x86_64-unknown-linux-musl/release/: a static glibc
# program spends 0.3-0.9 ms at every start probing the CPU (each CPUID is a VM exit on a
# virtual machine), a musl one none. Prints the directory holding the tools to use.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --workspace >&2
bash scripts/build-musl.sh
