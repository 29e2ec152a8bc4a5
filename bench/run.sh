#!/bin/bash
# Side-by-side benchmark: lxc-rs against Debian's LXC 5.0.2, same busybox rootfs, same run.
# Prints medians (hyperfine) and the ratio lxc-rs / LXC for each operation. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BENCH=1 bash scripts/setup.sh
apt-get install -y -qq python3 >/dev/null 2>&1 || true
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
build_log=$(mktemp)
ours=$(bash scripts/build.sh 2>"$build_log") || {
    echo "bench: the build failed:" >&2
    tail -20 "$build_log" >&2
    exit 1
}
rm -f "$build_log"
echo "lxc-rs tools: $ours"
theirs=/usr/bin
runs=${RUNS:-20}
work=$(mktemp -d /tmp/lxc-rs-bench.XXXXXX)
mkdir -p "$work/ours" "$work/theirs"
export LXC_RS_GLOBAL_CONFIG="$work/lxc.conf"
printf 'lxc.lxcpath = %s\n' "$work/ours" > "$LXC_RS_GLOBAL_CONFIG"
printf 'lxc.net.0.type = empty\n' > "$work/net.conf"

cleanup() {
    for side in ours theirs; do
        bin=$ours; [ $side = theirs ] && bin=$theirs
        for n in $(ls "$work/$side" 2>/dev/null); do
            $bin/lxc-stop -P "$work/$side" -n "$n" -k >/dev/null 2>&1 || true
        done
    done
    ip link del "$bridge" 2>/dev/null || true
    for fs in btrfs xfs; do
        dev=$(losetup -j "$work/$fs.img" 2>/dev/null | cut -d: -f1)
        umount -l "$work/$fs" 2>/dev/null || true
        [ -n "$dev" ] && losetup -d "$dev" 2>/dev/null || true
    done
    # LXC 5.0.2 leaves some of its empty monitor cgroups behind (lxc.monitor.b-1, ...,
    # mostly in the cold rows); remove the ones that appeared during this run.
    for dir in /sys/fs/cgroup/*/lxc.monitor.* /sys/fs/cgroup/lxc.monitor.*; do
        [ -d "$dir" ] && ! grep -qxF "$dir" "$cgroups_before" && rmdir "$dir" 2>/dev/null || true
    done
    rm -f "$cgroups_before"
    # Both sides' lock directories for the run's lxcpaths (empty by now).
    rm -rf "/run/lxc/lock/$work"
    rm -rf "$work"
}
bridge=lxrsbench$$
cgroups_before=$(mktemp)
ls -d /sys/fs/cgroup/*/lxc.monitor.* /sys/fs/cgroup/lxc.monitor.* >"$cgroups_before" 2>/dev/null || true
trap cleanup EXIT

# Debian's busybox template makes the reference rootfs; ours is a copy of it.
$theirs/lxc-create -P "$work/theirs" -n b -t busybox -f "$work/net.conf" >/dev/null
$ours/lxc-create -P "$work/ours" -n b -t busybox -f "$work/net.conf" >/dev/null
rm -rf "$work/ours/b/rootfs" && cp -a "$work/theirs/b/rootfs" "$work/ours/b/rootfs"
# One configuration for both sides (Debian's template adds bind mounts and cap.drop).
for side in ours theirs; do
    cat > "$work/$side/b/config" <<CONF
lxc.net.0.type = empty
lxc.rootfs.path = dir:$work/$side/b/rootfs
lxc.uts.name = b
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.tty.max = 1
lxc.pty.max = 1024
lxc.autodev = 1
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed
CONF
done

median() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$1"; }
declare -A result
bench_with() { # name, prepare (run before each timing), command; BIN and PATHX filled in
    local label=$1 prep=$2 cmd=$3
    for side in ours theirs; do
        bin=$ours; [ $side = theirs ] && bin=$theirs
        local c=${cmd//BIN/$bin} p=${prep//BIN/$bin}
        c=${c//PATHX/${4:-$work/$side}}; p=${p//PATHX/${4:-$work/$side}}
        [ -n "${4:-}" ] && { c=${c//SIDE/$side}; p=${p//SIDE/$side}; }
        hyperfine -N --warmup 1 --runs "$runs" --prepare "$p" --export-json "$work/$label-$side.json" "$c" >/dev/null 2>&1 \
            || hyperfine --warmup 1 --runs "$runs" --prepare "$p" --export-json "$work/$label-$side.json" "$c" >/dev/null
        result[$label-$side]=$(median "$work/$label-$side.json")
    done
}
destroy_on_xfs() { # names: the benchmark's containers on the xfs, both sides
    for side in ours theirs; do
        bin=$ours; [ $side = theirs ] && bin=$theirs
        for n in "$@"; do $bin/lxc-destroy -P "$work/xfs/$side" -n "$n" >/dev/null 2>&1 || true; done
    done
}
bench() { # name, command-with-BIN-and-P
    local label=$1 cmd=$2
    for side in ours theirs; do
        bin=$ours; [ $side = theirs ] && bin=$theirs
        local c=${cmd//BIN/$bin}
        c=${c//PATHX/$work/$side}
        hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/$label-$side.json" "$c" >/dev/null 2>&1 \
            || hyperfine --warmup 2 --runs "$runs" --export-json "$work/$label-$side.json" "$c" >/dev/null
        result[$label-$side]=$(median "$work/$label-$side.json")
    done
}

bench start_stop "bash -c 'BIN/lxc-start -P PATHX -n b && BIN/lxc-wait -P PATHX -n b -s RUNNING && BIN/lxc-stop -P PATHX -n b -k'"
# The same after 100 ms of quiet, as when a person or a script starts one container: the
# kernel's cgroup lock then makes every process migration wait for an RCU grace period.
cold="sleep 0.1"
bench_with start_stop_cold "$cold" "bash -c 'BIN/lxc-start -P PATHX -n b && BIN/lxc-wait -P PATHX -n b -s RUNNING && BIN/lxc-stop -P PATHX -n b -k'"
# The confined cycle: the seed's device list and memory limit, and our default seccomp
# policy (LXC reads the same file), on one rootfs with the base settings.
devices="deny = a|allow = c *:* m|allow = b *:* m|allow = c 1:3 rwm|allow = c 1:5 rwm|allow = c 5:0 rwm|allow = c 5:1 rwm|allow = c 1:8 rwm|allow = c 1:9 rwm|allow = c 5:2 rwm|allow = c 136:* rwm|allow = c 254:0 rm|allow = c 10:229 rwm|allow = c 10:200 rwm|allow = c 1:7 rwm|allow = c 10:228 rwm|allow = c 10:232 rwm"
for side in ours theirs; do
    mkdir -p "$work/$side/c"
    {
        sed "s|^lxc.uts.name = .*|lxc.uts.name = c|" "$work/$side/b/config"
        echo "lxc.cgroup.memory.limit_in_bytes = 134217728"
        echo "lxc.seccomp.profile = $PWD/config/common.seccomp"
        IFS='|' read -ra rules <<< "$devices"
        for r in "${rules[@]}"; do echo "lxc.cgroup.devices.$r"; done
    } > "$work/$side/c/config"
done
bench confined_cycle "bash -c 'BIN/lxc-start -P PATHX -n c && BIN/lxc-wait -P PATHX -n c -s RUNNING && BIN/lxc-stop -P PATHX -n c -k'"
bench_with confined_cycle_cold "$cold" "bash -c 'BIN/lxc-start -P PATHX -n c && BIN/lxc-wait -P PATHX -n c -s RUNNING && BIN/lxc-stop -P PATHX -n c -k'"
# One veth on a bridge (no DHCP), the same bridge for both sides.
ip link add "$bridge" type bridge && ip link set "$bridge" up
for side in ours theirs; do
    mkdir -p "$work/$side/v"
    {
        printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\n' "$bridge"
        sed -e "s|^lxc.uts.name = .*|lxc.uts.name = v|" -e '/^lxc.net.0.type/d' "$work/$side/b/config"
    } > "$work/$side/v/config"
done
bench veth_cycle "bash -c 'BIN/lxc-start -P PATHX -n v && BIN/lxc-wait -P PATHX -n v -s RUNNING && BIN/lxc-stop -P PATHX -n v -k'"
bench execute "BIN/lxc-execute -P PATHX -n b -- true"
bench_with execute_cold "$cold" "BIN/lxc-execute -P PATHX -n b -- true"
# Clones of the stopped busybox container on an xfs filesystem of our own (this VM's root
# ext4 takes ~0.7 ms per inode it creates, which would drown both sides alike): a full copy
# (LXC copies with rsync) and an overlay snapshot; each run starts from no clone.
for fs in xfs btrfs; do
    truncate -s 4G "$work/$fs.img"
    if [ $fs = xfs ]; then mkfs.xfs -q "$work/$fs.img"; else mkfs.btrfs -q "$work/$fs.img" >/dev/null; fi
    mkdir -p "$work/$fs" && mount "$(losetup --find --show "$work/$fs.img")" "$work/$fs"
done
for side in ours theirs; do
    mkdir -p "$work/xfs/$side/b"
    cp -a "$work/theirs/b/rootfs" "$work/xfs/$side/b/rootfs"
    sed "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$work/xfs/$side/b/rootfs|" "$work/$side/b/config" >"$work/xfs/$side/b/config"
done
bench_with clone_copy "bash -c 'BIN/lxc-destroy -P PATHX -n k >/dev/null 2>&1; true'" "BIN/lxc-copy -P PATHX -n b -N k" "$work/xfs/SIDE"
bench_with clone_overlay "bash -c 'BIN/lxc-destroy -P PATHX -n o >/dev/null 2>&1; true'" "BIN/lxc-copy -P PATHX -n b -N o -s -B overlay" "$work/xfs/SIDE"
destroy_on_xfs k o
# A btrfs snapshot clone of a container holding 1 GiB, on a btrfs filesystem of our own.
for side in ours theirs; do
    bin=$ours; [ $side = theirs ] && bin=$theirs
    mkdir -p "$work/btrfs/$side"
    $bin/lxc-create -P "$work/btrfs/$side" -n g -t busybox -B btrfs -f "$work/net.conf" >/dev/null
    head -c 1G /dev/zero > "$work/btrfs/$side/g/rootfs/data"
done
sync
bench_with btrfs_snapshot "bash -c 'BIN/lxc-destroy -P PATHX -n s >/dev/null 2>&1; true'" "BIN/lxc-copy -P PATHX -n g -N s -s" "$work/btrfs/SIDE"

# The download template (containers on the xfs above) against a local HTTPS server with
# a test CA (our side reads it
# from SSL_CERT_FILE, LXC's wget from WGETRC), one image for both: the reference busybox
# rootfs. HTTPS only on both sides (LXC 5.0 checks no signatures).
dl=$work/dl
build=20261129_12:00
img=$dl/srv/images/busybox/1.36/amd64/default/$build
mkdir -p "$img" "$dl/srv/meta/1.0" "$dl/meta"
(
    cd "$dl"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=bench-ca -days 2 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext 2>/dev/null
)
tar -C "$work/theirs/b/rootfs" --numeric-owner -cJf "$img/rootfs.tar.xz" .
printf 'lxc.arch = x86_64\n' >"$dl/meta/config"
printf '/etc/hostname\n' >"$dl/meta/templates"
echo $(( $(date +%s) + 86400 )) >"$dl/meta/expiry"
echo "A busybox container." >"$dl/meta/create-message"
tar -C "$dl/meta" -cJf "$img/meta.tar.xz" .
echo "busybox;1.36;amd64;default;$build;/images/busybox/1.36/amd64/default/$build/" >"$dl/srv/meta/1.0/index-system"
mkfifo "$dl/port"
python3 tests/python/https_server.py "$dl/srv" "$dl/server.pem" "$dl/server.key" >"$dl/port" &
server_pid=$!
port=$(head -1 "$dl/port")
printf 'ca_certificate = %s\n' "$dl/ca.pem" >"$dl/wgetrc"
export WGETRC="$dl/wgetrc" SSL_CERT_FILE="$dl/ca.pem"
create_dl="env LXC_CACHE_PATH=$dl/cache-SIDE BIN/lxc-create -P PATHX -n d -t download -- -d busybox -r 1.36 -a amd64 --server 127.0.0.1:$port"
for side in ours theirs; do
    bin=$ours; [ $side = theirs ] && bin=$theirs
    c=${create_dl//BIN/$bin}; c=${c//PATHX/$work/xfs/$side}; c=${c//SIDE/$side}
    $c >/dev/null && $bin/lxc-destroy -P "$work/xfs/$side" -n d >/dev/null
done
bench_with download_cached "bash -c 'BIN/lxc-destroy -P PATHX -n d >/dev/null 2>&1; true'" "$create_dl" "$work/xfs/SIDE"
bench_with download_uncached "bash -c 'BIN/lxc-destroy -P PATHX -n d >/dev/null 2>&1; rm -rf $dl/cache-SIDE; true'" "$create_dl" "$work/xfs/SIDE"
destroy_on_xfs d
kill $server_pid
for side in ours theirs; do
    bin=$ours; [ $side = theirs ] && bin=$theirs
    $bin/lxc-start -P "$work/$side" -n b
done
bench attach "BIN/lxc-attach -P PATHX -n b -- true"
bench_with attach_cold "$cold" "BIN/lxc-attach -P PATHX -n b -- true"
bench info "BIN/lxc-info -P PATHX -n b"
monitor_pid() { # the parent of init, found before the rest so nothing wakes it after
    local pid; pid=$($1/lxc-info -P "$2" -n b -p -H)
    awk '/^PPid:/ {print $2}' /proc/$pid/status
}
mon_ours=$(monitor_pid $ours "$work/ours"); mon_theirs=$(monitor_pid $theirs "$work/theirs")
# Both monitors at rest: ours gives back the pages its work touched after 5 s of quiet.
sleep 6
status_kb() { awk -v f="$2" '$1 == f {print $2}' /proc/$1/status; }
rss_ours=$(status_kb $mon_ours VmRSS:); rss_theirs=$(status_kb $mon_theirs VmRSS:)
# The private part: what each further running container really adds (file pages of the
# binary and its libraries are shared page cache).
anon_ours=$(status_kb $mon_ours RssAnon:); anon_theirs=$(status_kb $mon_theirs RssAnon:)
for side in ours theirs; do
    bin=$ours; [ $side = theirs ] && bin=$theirs
    $bin/lxc-stop -P "$work/$side" -n b -k
done

# lxc-ls --fancy over 50 defined containers, 10 of them running.
for side in ours theirs; do
    bin=$ours; [ $side = theirs ] && bin=$theirs
    for i in $(seq 1 50); do
        mkdir -p "$work/$side/l$i"
        sed "s|^lxc.uts.name = .*|lxc.uts.name = l$i|" "$work/$side/b/config" > "$work/$side/l$i/config"
    done
    for i in $(seq 1 10); do $bin/lxc-start -P "$work/$side" -n "l$i"; done
done
bench ls_fancy "BIN/lxc-ls -P PATHX --fancy"

printf '\n%-28s %12s %12s %8s\n' "operation (median)" "lxc-rs" "LXC 5.0.2" "ratio"
for label in start_stop start_stop_cold confined_cycle confined_cycle_cold veth_cycle execute execute_cold clone_copy clone_overlay btrfs_snapshot download_cached download_uncached attach attach_cold info ls_fancy; do
    o=${result[$label-ours]}; t=${result[$label-theirs]}
    python3 -c "import sys; o,t=float(sys.argv[2]),float(sys.argv[3]); print('%-28s %10.2fms %10.2fms %7.2fx' % (sys.argv[1], o*1000, t*1000, o/t))" "$label" "$o" "$t"
done
for row in "monitor RSS:$rss_ours:$rss_theirs" "monitor RssAnon (private):$anon_ours:$anon_theirs"; do
    IFS=: read -r label o t <<< "$row"
    python3 -c "import sys; o,t=int(sys.argv[2]),int(sys.argv[3]); print('%-28s %10d kB %9d kB %7.2fx' % (sys.argv[1], o, t, o/t))" "$label" "$o" "$t"
done
