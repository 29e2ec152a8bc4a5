"""Debian's python3-lxc (its C extension built against LXC 5.0.2) driving a container
through our liblxc.so.1. Arguments: NAME LXCPATH."""
import lxc, sys, os
path = sys.argv[2]
c = lxc.Container(sys.argv[1], path)
assert not c.defined
c.set_config_item("lxc.net.0.type", "empty")
assert c.create("busybox", lxc.LXC_CREATE_QUIET), "create"
assert c.defined
print("uts:", c.get_config_item("lxc.uts.name"))
assert c.set_config_item("lxc.cgroup2.cgroup.max.depth", "2")
assert c.start(), "start"
print("max.depth:", c.get_cgroup_item("cgroup.max.depth"))
print("state:", c.state, "pid:", c.init_pid, "running:", c.running)
assert c.state == "RUNNING"
print("keys ok:", "lxc.uts.name" in c.get_keys())
# The console on the caller's fds: Ctrl-a q waiting in the input ends it at once.
keys_r, keys_w = os.pipe()
out_r, out_w = os.pipe()
os.write(keys_w, b"\x01q")
print("console:", c.console(ttynum=1, stdinfd=keys_r, stdoutfd=out_w, stderrfd=out_w))
print("listed:", [x.name for x in lxc.list_containers(as_object=True, config_path=path)])
assert c.shutdown(30) or c.stop()
print("state:", c.state)
assert c.destroy()
print("defined after destroy:", c.defined)
print("version:", lxc.version)
