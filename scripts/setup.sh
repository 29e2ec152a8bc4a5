#!/bin/bash
# Install what lxc-rs needs to build, run and test on Debian 12 (as root).
set -euo pipefail
need=(busybox-static lxc lxc-dev python3-lxc libc6-dev gcc libseccomp-dev pkg-config iproute2 dnsmasq-base nftables attr libcap2-bin musl-tools btrfs-progs xfsprogs lvm2 openssl xz-utils gnupg wget lxc-templates debootstrap distro-info uidmap util-linux libnss-extrausers)
# The cgroup v2 lane (scripts/v2-lane) builds an initramfs and boots it under qemu.
need+=(cpio binutils qemu-system-x86 apparmor)
[ "${WITH_BENCH:-0}" = 1 ] && need+=(lxc hyperfine)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # qemu-system-x86 wants the qemu-utils of its own release: a newer (backported) one is
    # brought to that version.
    qemu=$(apt-cache policy qemu-system-x86 | awk '/Candidate:/ {print $2}')
    apt-get install -y -qq --allow-downgrades "${missing[@]}" "qemu-utils=$qemu" >/dev/null
fi
if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
    echo "setup: Rust (cargo 1.82 or newer) is needed: install it with rustup (https://rustup.rs)" >&2
    exit 1
fi
# The musl standard library, for the tools' musl build (scripts/build-musl.sh).
if [ "$(uname -m)" = x86_64 ] && command -v rustup >/dev/null; then
    rustup target list --installed | grep -qx x86_64-unknown-linux-musl ||
        rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1 ||
        echo "setup: rustup could not add x86_64-unknown-linux-musl; the tools will be glibc-built" >&2
fi
