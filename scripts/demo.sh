#!/bin/bash
# The main job: build lxc-rs, then create a busybox container with no network, start it,
# run a command in it, list it and stop it. Uses its own lxcpath; touches no host container.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
bin=$(bash scripts/build.sh)
work=$(mktemp -d /tmp/lxc-rs-demo.XXXXXX)
trap '$bin/lxc-stop -P "$work/lxc" -n demo -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -p "$work/lxc"
printf 'lxc.net.0.type = empty\n' > "$work/demo.conf"
# Keep the host's /etc/lxc out of the demo.
export LXC_RS_GLOBAL_CONFIG="$work/lxc.conf"
printf 'lxc.lxcpath = %s\n' "$work/lxc" > "$LXC_RS_GLOBAL_CONFIG"
set -x
$bin/lxc-create -n demo -t busybox -f "$work/demo.conf"
$bin/lxc-start -n demo
$bin/lxc-attach -n demo -- sh -c 'echo "hello from $(hostname), init is $(cat /proc/1/comm)"'
$bin/lxc-ls --fancy
$bin/lxc-stop -n demo
$bin/lxc-ls --fancy
$bin/lxc-destroy -n demo
