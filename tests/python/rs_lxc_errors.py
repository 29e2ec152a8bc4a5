"""Our lxc module's answers to calls it cannot serve: errors that name the missing
feature, and python3-lxc's KeyError for bad keys. Arguments: NAME LXCPATH."""
import sys

import lxc

c = lxc.Container(sys.argv[1], sys.argv[2])
assert not c.defined
try:
    c.get_config_item("lxc.bogus")
    raise SystemExit("bad key accepted")
except KeyError:
    pass
assert not c.set_config_item("lxc.bogus", "1")
assert not c.start(), "start of an undefined container"
assert c.state == "STOPPED" and c.init_pid == -1
assert not c.freeze(), "freeze of a stopped container"
assert c.snapshot() is False, "snapshot of an undefined container"
assert c.clone(sys.argv[1] + "-c") is False, "clone of an undefined container"
# python3-lxc answers an empty tuple for a container that is not running.
assert c.get_ips() == () and c.get_interfaces() == ()
assert lxc.list_containers(config_path="/nonexistent/path") == ()
assert lxc.arch_to_personality("x86_64") == 0
print("errors ok")
