"""python3-lxc's config-item and failure answers: set_config_item replaces (and puts the
old value back when it does not read back), append_config_item adds, a failed attach is
-1, addresses of a stopped container are an empty tuple, NICs as attributes.
Arguments: NAME LXCPATH (a defined, stopped container)."""
import lxc, sys

c = lxc.Container(sys.argv[1], sys.argv[2])
c.set_config_item("lxc.mount.entry", "/a b none bind 0 0")
c.set_config_item("lxc.mount.entry", "/c d none bind 0 0")
print("replaced:", c.get_config_item("lxc.mount.entry"))
both = ["/a b none bind 0 0", "/c d none bind 0 0"]
print("list:", c.set_config_item("lxc.mount.entry", both), c.get_config_item("lxc.mount.entry"))
print("appended:", c.append_config_item("lxc.mount.entry", "/e f none bind 0 0"),
      len(c.get_config_item("lxc.mount.entry")))
c.set_config_item("lxc.tty.max", "2")
print("refused:", c.set_config_item("lxc.tty.max", "x"), c.get_config_item("lxc.tty.max"))
print("attach stopped:", c.attach_wait(lxc.attach_run_command, ["true"]))
print("stopped:", c.get_ips(), c.get_interfaces())
nic = c.network[0]
print("nic:", nic.type, hasattr(nic, "bogus"), nic.index, nic.container is c)
nic.flags = "up"
print("flags:", c.get_config_item("lxc.net.0.flags"))
try:
    c.clone(sys.argv[1] + "-h", hookargs=["a"])
except ValueError:
    print("hookargs: ValueError")
