"""An unprivileged container through python3-lxc's API, as root: lxc.idmap set before
create, busybox template, start, attach_wait, stop, destroy. Arguments: NAME LXCPATH."""
import os
import sys

import lxc

c = lxc.Container(sys.argv[1], sys.argv[2])
c.set_config_item("lxc.net.0.type", "empty")
c.set_config_item("lxc.idmap", "u 0 100000 65536")
c.append_config_item("lxc.idmap", "g 0 100000 65536")
assert c.create("busybox"), "create"
rootfs = c.get_config_item("lxc.rootfs.path")
print("rootfs owner:", os.stat(rootfs).st_uid)
assert c.start(), "start"
assert c.wait("RUNNING", 5)
status = c.attach_wait(lxc.attach_run_command, ["sh", "-c", "test $(id -u) = 0 && touch /root/py"])
print("attach status:", status)
print("made by:", os.stat(os.path.join(rootfs, "root/py")).st_uid)
assert c.stop()
assert c.destroy()
print("unprivileged ok")
