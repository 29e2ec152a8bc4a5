"""Clones, snapshots and rename through the module, as python3-lxc scripts use them.
Arguments: NAME LXCPATH (NAME is a defined, stopped container)."""
import os, sys, tempfile

import lxc

name, lxcpath = sys.argv[1], sys.argv[2]
c = lxc.Container(name, lxcpath)
copy = c.clone(name + "-c")
print("clone:", type(copy).__name__, copy.defined, copy.get_config_item("lxc.uts.name"))
snap = c.clone(name + "-s", flags=lxc.LXC_CLONE_SNAPSHOT, bdevtype="overlayfs")
print("snapshot clone:", snap.get_config_item("lxc.rootfs.path").endswith("-s/delta0"))
with tempfile.NamedTemporaryFile("w", delete=False) as f:
    f.write("a comment\n")
print("snapshot:", c.snapshot(f.name), c.snapshot())
for s in c.snapshot_list():
    print("listed:", s[0], s[1] is not None and open(s[1]).read().strip(), len(s[2]), s[3] == os.path.join(lxcpath, name, "snaps"))
print("restore as new:", c.snapshot_restore("snap0", name + "-r"), lxc.Container(name + "-r", lxcpath).defined)
# An in-place restore is refused while an overlay clone reads the rootfs.
print("refused with a dependent:", c.snapshot_restore("snap1"))
print("dependent destroyed:", snap.destroy())
print("restore in place:", c.snapshot_restore("snap1"))
print("destroy snap1:", c.snapshot_destroy("snap1"), [s[0] for s in c.snapshot_list()])
renamed = copy.rename(name + "-n")
print("rename:", renamed.name, renamed.defined, copy.defined)
print("bad clone:", c.clone(name + "-c2", bdevtype="zfs"))
l = lxc.Container(name + "-l", lxcpath)
l.set_config_item("lxc.net.0.type", "empty")
print("loop create:", l.create("busybox", bdevtype="loop", fssize=64 << 20),
      os.path.getsize(os.path.join(lxcpath, name + "-l", "rootdev")))
