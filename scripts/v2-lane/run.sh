#!/bin/bash
# The pure cgroup v2 lane: boot Debian's packaged kernel under qemu (software emulation)
# with only cgroup2 mounted, run checks.sh there with our tools, and print the VM's output.
# Usage: run.sh BIN_DIR   (the directory holding our lxc-* tools and lxc-rs-helper)
set -euo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work="$here/../../target/v2-lane"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# Debian's kernel, fetched once and unpacked beside the build (one fetch at a time).
exec 9>"$work/.kernel.lock"
flock 9
kernel=$(ls "$work"/kernel/boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [ -z "$kernel" ]; then
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
        awk '{print $1}' | sort -V | tail -1)
    [ -n "$pkg" ] || { echo "v2-lane: no linux-image-6.1.0-*-amd64 package known to apt" >&2; exit 1; }
    (cd "$work" && rm -f ./*.deb && apt-get download -q "$pkg" 2>/dev/null)
    dpkg -x "$work"/"$pkg"_*.deb "$work/kernel"
    rm -f "$work"/*.deb
    kernel=$(ls "$work"/kernel/boot/vmlinuz-* | head -1)
fi
flock -u 9

# Each run builds in a directory of its own, so that runs may overlap.
run=$(mktemp -d "$work/run.XXXXXX")
trap 'rm -rf "$run"' EXIT

# The initramfs: static busybox, stripped copies of our static tools, the checks.
root="$run/root"
mkdir -p "$root"/{bin,sbin,etc/lxc,proc,sys,dev,tmp,run,newroot,lane,var/lib/lxc}
cp /usr/bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
for tool in lxc-create lxc-start lxc-stop lxc-info lxc-attach lxc-freeze lxc-unfreeze \
    lxc-cgroup lxc-destroy lxc-ls lxc-copy lxc-snapshot lxc-device lxc-rs-helper; do
    strip -o "$root/bin/$tool" "$bin/$tool"
done
# apparmor_parser (Debian's apparmor package) loads the generated profiles; it comes with
# the shared libraries it links.
parser=$(command -v apparmor_parser || echo /sbin/apparmor_parser)
[ -x "$parser" ] || { echo "v2-lane: apparmor_parser is needed (apt-get install apparmor)" >&2; exit 1; }
cp "$parser" "$root/sbin/apparmor_parser"
for lib in $(ldd "$parser" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
# The lvm backend runs for real here: LVM's tools and mkfs.ext4 with their libraries, and
# the kernel's device-mapper, thin-pool, snapshot, loop and ext4 modules (in load order).
copy_with_libs() {
    cp "$1" "$root$2"
    for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$lib")"
        [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
    done
}
lvm=$(command -v lvm || echo /sbin/lvm)
mkfs=$(command -v mkfs.ext4 || echo /sbin/mkfs.ext4)
[ -x "$lvm" ] && [ -x "$mkfs" ] || { echo "v2-lane: lvm2 and e2fsprogs are needed" >&2; exit 1; }
copy_with_libs "$lvm" /sbin/lvm
copy_with_libs "$mkfs" /sbin/mkfs.ext4
for cmd in pvcreate vgcreate lvcreate lvremove lvs vgs vgremove; do ln -s lvm "$root/sbin/$cmd"; done
mkdir -p "$root/etc/lvm" "$root/lane/modules"
cat >"$root/etc/lvm/lvm.conf" <<'CONF'
global { thin_check_executable = "" use_lvmpolld = 0 }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
devices { obtain_device_list_from_udev = 0 }
CONF
modules=$(dirname "$kernel")/../lib/modules
for m in loop crc16 mbcache jbd2 ext4 crc32c_generic libcrc32c dm-mod dm-bufio dm-bio-prison \
    dm-persistent-data dm-thin-pool dm-snapshot; do
    ko=$(find "$modules" -name "$m.ko" | head -1)
    [ -n "$ko" ] || { echo "v2-lane: no module $m in $modules" >&2; exit 1; }
    cp "$ko" "$root/lane/modules/"
    echo "$m" >>"$root/lane/modules/order"
done
cp "$here/init" "$root/init"
cp "$here/checks.sh" "$root/lane/checks.sh"
printf 'lxc.net.0.type = empty\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n' >"$root/lane/idmap.conf"
chmod +x "$root/init" "$root/lane/checks.sh"
echo "lxc.net.0.type = empty" >"$root/etc/lxc/default.conf"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initrd.gz"

# Software emulation: this machine's /dev/kvm does not run guests.
timeout 600 qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 1536 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$run/initrd.gz" \
    -append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet loglevel=3"
