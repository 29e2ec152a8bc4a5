# The cgroup v2 checks, run inside the lane's VM (only cgroup2 mounted). Each check prints
# "LANE ok NAME" or "LANE fail NAME: why"; tests/v2_lane.rs reads these lines.

say_fail() { echo "$*"; return 1; }
new() {
    lxc-create -n "$1" -t busybox >/dev/null || return 1
    printf '%s\n' "$2" >>"/var/lib/lxc/$1/config"
    lxc-start -n "$1" || return 1
}
# No terminal on stdin, so no pty (and no \r in what comes back).
in_ct() { lxc-attach -n "$1" -- sh -c "$2" </dev/null; }
state() { lxc-info -n "$1" -s -H; }
cpu() { lxc-info -n "$1" -S -H | head -1; }
run() {
    if out=$("$1" 2>&1); then
        echo "LANE ok $1"
    else
        echo "LANE fail $1: $(echo $out)"
        for c in $(lxc-ls); do lxc-stop -n "$c" -k; done
    fi
}

layout() {
    grep -q ' cgroup ' /proc/mounts && say_fail "a v1 hierarchy is mounted"
    for c in memory pids; do
        grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || say_fail "no $c controller"
    done
}

# The seed's 128 MB limit, as its v1 key (ignored here, as LXC does) and as cgroup2's.
memory() {
    new mem "lxc.cgroup.memory.limit_in_bytes = 134217728
lxc.cgroup2.memory.max = 134217728" || say_fail "start with the limit failed" || return 1
    max=$(lxc-cgroup -n mem memory.max)
    [ "$max" = 134217728 ] || say_fail "memory.max = $max" || return 1
    out=$(in_ct mem 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo status=$?')
    case "$out" in *status=137*) ;; *) say_fail "the hog was not killed: $out"; return 1 ;; esac
    grep -q "oom_kill [1-9]" /sys/fs/cgroup/lxc.payload.mem/memory.events ||
        say_fail "no OOM kill counted" || return 1
    [ "$(state mem)" = RUNNING ] || say_fail "state $(state mem)" || return 1
    [ "$(in_ct mem 'echo alive')" = alive ] || say_fail "attach after the OOM kill failed" || return 1
    lxc-stop -n mem -k
}

pids() {
    new pids "lxc.cgroup2.pids.max = 20" || return 1
    in_ct pids 'i=0; while [ $i -lt 100 ]; do sleep 600 </dev/null >/dev/null 2>&1 & i=$((i+1)); done' \
        >/dev/null 2>&1
    cur=$(lxc-cgroup -n pids pids.current)
    [ "$cur" -le 20 ] || say_fail "pids.current = $cur" || return 1
    grep -q "max [1-9]" /sys/fs/cgroup/lxc.payload.pids/pids.events ||
        say_fail "no fork was refused" || return 1
    # cgroup.kill takes the whole tree, sleepers and all.
    lxc-stop -n pids -k || return 1
    [ ! -e /sys/fs/cgroup/lxc.payload.pids ] || say_fail "payload cgroup left"
}

devices() {
    rules=""
    for r in "deny = a" "allow = c *:* m" "allow = b *:* m" "allow = c 1:3 rwm" \
        "allow = c 1:5 rwm" "allow = c 5:0 rwm" "allow = c 5:1 rwm" "allow = c 1:8 rwm" \
        "allow = c 1:9 rwm" "allow = c 5:2 rwm" "allow = c 136:* rwm" "allow = c 254:0 rm" \
        "allow = c 10:229 rwm" "allow = c 10:200 rwm" "allow = c 1:7 rwm" \
        "allow = c 10:228 rwm" "allow = c 10:232 rwm"; do
        rules="$rules
lxc.cgroup2.devices.$r"
    done
    new dev "$rules" || return 1
    out=$(in_ct dev 'echo x >/dev/null && head -c4 /dev/zero | wc -c && head -c4 /dev/urandom | wc -c && exec 3<>/dev/ptmx && echo ptmx-ok')
    [ "$(echo $out)" = "4 4 ptmx-ok" ] || say_fail "allowed devices: $out" || return 1
    out=$(in_ct dev 'mknod /tmp/loop b 7 0 && echo made; head -c1 /tmp/loop 2>&1; true')
    case "$out" in made*"Operation not permitted"*) ;; *) say_fail "block device: $out"; return 1 ;; esac
    lxc-stop -n dev -k
}

# A node handed to a running container: its rule joins the cgroup2 device program (the
# policy's own rules stay), and leaves it again with the node.
devnode() {
    new dn "lxc.cgroup2.devices.deny = a
lxc.cgroup2.devices.allow = c *:* m
lxc.cgroup2.devices.allow = c 1:3 rwm" || return 1
    in_ct dn 'mknod /tmp/full c 1 7' || say_fail "mknod refused" || return 1
    out=$(in_ct dn 'head -c4 /tmp/full 2>&1')
    case "$out" in *"not permitted"*) ;; *) say_fail "off the list yet usable: $out"; return 1 ;; esac
    lxc-device -n dn add /dev/full /dev/added/full || say_fail "lxc-device add failed" || return 1
    out=$(in_ct dn 'head -c4 /dev/added/full | wc -c')
    [ "$out" = 4 ] || say_fail "added yet refused: $out" || return 1
    [ "$(in_ct dn 'echo x >/dev/null && echo null-ok')" = null-ok ] ||
        say_fail "the policy's own rules were lost" || return 1
    lxc-device -n dn del /dev/full /dev/added/full || say_fail "lxc-device del failed" || return 1
    out=$(in_ct dn 'head -c4 /tmp/full 2>&1')
    case "$out" in *"not permitted"*) ;; *) say_fail "removed yet usable: $out"; return 1 ;; esac
    lxc-stop -n dn -k
}

freeze() {
    new fz "" || return 1
    in_ct fz '(while :; do :; done) >/dev/null 2>&1 &'
    a=$(cpu fz); sleep 1; b=$(cpu fz)
    [ $((b - a)) -gt 100000000 ] || say_fail "the loop is not running" || return 1
    lxc-freeze -n fz || return 1
    [ "$(state fz)" = FROZEN ] || say_fail "state $(state fz)" || return 1
    grep -q "frozen 1" /sys/fs/cgroup/lxc.payload.fz/cgroup.events || say_fail "cgroup.events" || return 1
    a=$(cpu fz); sleep 1; b=$(cpu fz)
    [ $((b - a)) -lt 5000000 ] || say_fail "CPU time grew while frozen: $a -> $b" || return 1
    lxc-unfreeze -n fz || return 1
    a=$(cpu fz); sleep 1; b=$(cpu fz)
    [ $((b - a)) -gt 100000000 ] || say_fail "the loop did not resume" || return 1
    lxc-freeze -n fz && lxc-stop -n fz -k || say_fail "a frozen container did not stop"
}

stats() {
    new st "" || return 1
    in_ct st 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/tmp/f bs=1M count=8 2>/dev/null'
    out=$(lxc-info -n st -S)
    for label in "CPU use:" "BlkIO use:" "Memory use:" "KMem use:"; do
        case "$out" in *"$label"*) ;; *) say_fail "no \"$label\" in: $out"; return 1 ;; esac
    done
    set -- $(lxc-info -n st -S -H)
    [ "$1" -gt 0 ] && [ "$3" -gt 100000 ] || say_fail "no real usage: $*" || return 1
    lxc-stop -n st -k
}

cleanup() {
    i=0
    while [ $i -lt 50 ]; do
        left=$(find /sys/fs/cgroup -name 'lxc.payload.*' -o -name 'lxc.monitor.*')
        [ -z "$left" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    say_fail "left behind: $left"
}

# lxc.cgroup.dir.container.inner: processes inner, limits outer; the monitor in its own.
inner() {
    new inr "lxc.cgroup.dir.container.inner = inner
lxc.cgroup2.pids.max = 30" || return 1
    pid=$(lxc-info -n inr -p -H)
    grep -qx "0::/lxc.payload.inr/inner" /proc/$pid/cgroup || say_fail "init in $(cat /proc/$pid/cgroup)" || return 1
    [ "$(cat /sys/fs/cgroup/lxc.payload.inr/pids.max)" = 30 ] || say_fail "outer pids.max" || return 1
    [ "$(cat /sys/fs/cgroup/lxc.payload.inr/inner/pids.max)" = max ] || say_fail "inner pids.max" || return 1
    [ "$(in_ct inr 'cat /proc/self/cgroup')" = "0::/" ] || say_fail "namespace not rooted inside" || return 1
    monitor=$(awk '/^PPid:/ {print $2}' /proc/$pid/status)
    grep -qx "0::/lxc.monitor.inr" /proc/$monitor/cgroup || say_fail "monitor in $(cat /proc/$monitor/cgroup)" || return 1
    lxc-stop -n inr -k
}

# An unprivileged container (lxc.idmap) on pure cgroup v2: root of its user namespace,
# host uid 100000 outside, its own cgroup (owned by its root) seen through cgroup2.
unprivileged() {
    lxc-create -n un -t busybox -f /lane/idmap.conf >/dev/null || say_fail "create" || return 1
    lxc-start -n un || say_fail "start" || return 1
    out=$(in_ct un 'id -u; cat /proc/self/uid_map; cat /proc/self/cgroup; touch /sys/fs/cgroup/x 2>/dev/null || echo ro' | tr -s ' \n' ' ')
    [ "$out" = "0 0 100000 65536 0::/ " ] || [ "$out" = "0 0 100000 65536 0::/ ro " ] ||
        say_fail "inside: $out" || return 1
    pid=$(lxc-info -n un -p -H)
    awk '/^Uid:/ {print $2}' /proc/$pid/status | grep -qx 100000 || say_fail "init's host uid" || return 1
    [ "$(stat -c %u /sys/fs/cgroup/lxc.payload.un)" = 100000 ] || say_fail "cgroup owner" || return 1
    lxc-stop -n un -k
    lxc-destroy -n un >/dev/null || say_fail "destroy" || return 1
}

# AppArmor is on in Debian's kernel: the generated profile, for real.
apparmor() {
    [ -d /sys/kernel/security/apparmor ] || say_fail "AppArmor is not active" || return 1
    # proc and sys writable, so that the profile is what refuses.
    new aa "lxc.apparmor.profile = generated
lxc.mount.auto = proc:rw sys:rw" || return 1
    profile="lxc-aa_</var/lib/lxc>"
    label=$(cat /proc/$(lxc-info -n aa -p -H)/attr/current)
    [ "$label" = "$profile (enforce)" ] || say_fail "init runs as \"$label\"" || return 1
    out=$(in_ct aa '(echo h >/proc/sysrq-trigger) 2>&1; (echo 1 >/proc/sys/kernel/sysrq) 2>&1;
        mkdir -p /tmp/d; mount -t debugfs none /tmp/d 2>&1; echo ct >/proc/sys/kernel/hostname; true')
    [ "$(echo "$out" | grep -c 'Permission denied')" = 3 ] || say_fail "not denied: $out" || return 1
    [ "$(in_ct aa hostname)" = ct ] || say_fail "the namespaced hostname sysctl was refused" || return 1
    # An attached program runs under the profile too, even with a fake /proc inside.
    in_ct aa 'mount -t tmpfs fake /proc && mkdir -p /proc/self/attr && : >/proc/self/attr/exec'
    in_ct aa 'exec sleep 60 </dev/null >/dev/null 2>&1 &'
    pid=""
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = sleep ] && pid=${p#/proc/}
    done
    [ -n "$pid" ] || say_fail "the attached program is not running" || return 1
    label=$(cat /proc/$pid/attr/current)
    [ "$label" = "$profile (enforce)" ] || say_fail "attached program runs as \"$label\"" || return 1
    lxc-stop -n aa -k || return 1
    ! grep -qF "$profile" /sys/kernel/security/apparmor/profiles || say_fail "profile still loaded"
}

# The lvm backend for real: a volume group on a loop device with a thin pool (LXC's
# default `lxc/lxc`), thin containers, their snapshots, and a classic volume's snapshot.
lvm_backend() {
    truncate -s 900M /tmp/pv.img
    dev=$(losetup -f) && losetup "$dev" /tmp/pv.img || say_fail "no loop device" || return 1
    { pvcreate -q "$dev" && vgcreate -q lxc "$dev" && lvcreate -q -L 400M -T lxc/lxc; } >/dev/null 2>&1 ||
        say_fail "volume group and thin pool: $(lvcreate -L 400M -T lxc/lxc 2>&1)" || return 1
    out=$(lxc-create -n th -t busybox -B lvm --fssize 64M 2>&1) || say_fail "create: $out" || return 1
    grep -q "lxc.rootfs.path = lvm:/dev/lxc/th" /var/lib/lxc/th/config || say_fail "rootfs.path" || return 1
    [ "$(lvs --noheadings -o pool_lv lxc/th | tr -d ' ')" = lxc ] || say_fail "not a thin volume" || return 1
    lxc-start -n th || say_fail "start" || return 1
    [ "$(in_ct th 'echo kept >/root/state; grep " / " /proc/mounts | cut -d" " -f3')" = ext4 ] ||
        say_fail "rootfs is not the volume's ext4" || return 1
    lxc-stop -n th -k
    out=$(lxc-copy -n th -N ts -s 2>&1) || say_fail "snapshot clone: $out" || return 1
    lvs --noheadings -o origin lxc/ts | grep -q th || say_fail "ts is no snapshot of th" || return 1
    lxc-start -n ts || say_fail "start ts" || return 1
    [ "$(in_ct ts 'cat /root/state; hostname' | tr '\n' ' ')" = "kept ts " ] || say_fail "ts content" || return 1
    lxc-stop -n ts -k
    out=$(lxc-snapshot -n th 2>&1) || say_fail "lxc-snapshot: $out" || return 1
    lxc-snapshot -n th -L | grep -q '^snap0 ' || say_fail "no snap0 listed" || return 1
    out=$(lxc-snapshot -n th -r snap0 th-snap0 2>&1) || say_fail "restore as new: $out" || return 1
    # A classic (thick) volume and its LVM snapshot.
    out=$(lxc-create -n tk -t busybox -B lvm --thinpool none --fssize 64M 2>&1) || say_fail "thick create: $out" || return 1
    out=$(lxc-copy -n tk -N tks -s -L 32M 2>&1) || say_fail "thick snapshot: $out" || return 1
    lxc-start -n tks && [ "$(in_ct tks hostname)" = tks ] || say_fail "thick snapshot start" || return 1
    lxc-stop -n tks -k
    # Snapshot volumes hang off their origin: it is not destroyed from under them.
    ! lxc-destroy -n tk >/dev/null 2>&1 || say_fail "tk destroyed under its snapshot tks" || return 1
    ! lxc-destroy -n th >/dev/null 2>&1 || say_fail "th destroyed under its snapshot ts" || return 1
    for c in ts th-snap0 tks tk; do lxc-destroy -n "$c" >/dev/null || say_fail "destroy $c" || return 1; done
    lxc-destroy -n th -s >/dev/null || say_fail "destroy th -s" || return 1
    left=$(lvs --noheadings -o lv_name lxc | tr -d ' ' | tr '\n' ' ')
    [ "$left" = "lxc " ] || say_fail "volumes left: $left" || return 1
}

for check in layout memory pids devices devnode freeze stats inner unprivileged apparmor lvm_backend cleanup; do
    run "$check"
done
