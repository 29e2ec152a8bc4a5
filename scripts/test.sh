#!/bin/bash
# Set up and run every test (as root: the integration tests start real containers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# lxc-execute's init (no std, built by lxc-sys's build script) is outside cargo's lint pass.
rustfmt --edition 2021 --check crates/lxc-sys/init/main.rs
init_lint=$(mktemp -d)
clippy-driver --edition=2021 --crate-type=bin -Cpanic=abort -Crelocation-model=static \
    -Clink-arg=-nostartfiles -Clink-arg=-nostdlib -Clink-arg=-static -D warnings \
    -D unsafe_op_in_unsafe_fn -D clippy::undocumented_unsafe_blocks -D clippy::unwrap_used \
    -o "$init_lint/init" crates/lxc-sys/init/main.rs
rm -rf "$init_lint"
cargo build --workspace
# The release tools as installed: on x86_64 built (and linted) against musl.
musl=$(bash scripts/build-musl.sh --lint)
# The Python package installs with pip (maturin builds the abi3 extension), in a
# throwaway virtual environment.
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet ./crates/lxc-python
"$venv/bin/python" -c 'import lxc; assert lxc.version == "5.0.2"; print("pip install: lxc", lxc.version)'
# The wheel carries the helper: a container's whole life from the installed module alone.
pyw=$(mktemp -d)
printf 'lxc.lxcpath = %s\nlxc.default_config = %s/default.conf\n' "$pyw" "$pyw" >"$pyw/lxc.conf"
echo "lxc.net.0.type = empty" >"$pyw/default.conf"
env -u LXC_RS_HELPER LXC_RS_GLOBAL_CONFIG="$pyw/lxc.conf" "$venv/bin/python" -c '
import lxc, sys
c = lxc.Container("wheel", sys.argv[1])
assert c.create("busybox") and c.start() and c.state == "RUNNING"
assert c.stop() and c.destroy()
print("pip install: the wheel ran a container with its own helper")' "$pyw"
rm -rf "$venv" "$pyw"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# The integration tests again, against the musl-built release tools and helper.
if [ "$musl" != "$PWD/target/release" ]; then
    LXC_RS_BIN_DIR="$musl" cargo test -p lxc-integration 2>&1 | tee -a "$log"
fi
# One closing line with the totals of every test binary.
awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed\n", p, f }' "$log"
