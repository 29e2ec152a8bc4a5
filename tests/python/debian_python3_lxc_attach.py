"""The seed's attach_wait example on Debian's python3-lxc over our liblxc.so.1: a Python
function run inside the container, a command's status, a command's output sent to a file
with a personality of its own, and attach_wait from a second thread while the first is busy. Arguments: NAME LXCPATH."""
import lxc
import sys
import tempfile
import threading
import time

c = lxc.Container(sys.argv[1], sys.argv[2])
c.set_config_item("lxc.net.0.type", "empty")
assert c.create("busybox", lxc.LXC_CREATE_QUIET), "create"
assert c.start(), "start"


def print_hostname():
    with open("/etc/hostname", "r") as fd:
        print("Hostname: %s" % fd.read().strip(), flush=True)
    return 7


print_hostname()
status = c.attach_wait(print_hostname)
print("function status", status >> 8, flush=True)
status = c.attach_wait(lxc.attach_run_command, ["sh", "-c", "exit 3"])
print("command status", status >> 8, flush=True)

# A file for stdout and a personality of its own (python3-lxc's keywords).
with tempfile.TemporaryFile() as out:
    status = c.attach_wait(lxc.attach_run_command, ["uname", "-m"], stdout=out,
                           personality=lxc.arch_to_personality("i686"))
    out.seek(0)
    print("redirected", status >> 8, out.read().decode().strip(), flush=True)

results = []
busy = threading.Thread(target=lambda: time.sleep(1))
busy.start()
worker = threading.Thread(target=lambda: results.append(c.attach_wait(lxc.attach_run_command, ["true"])))
worker.start()
worker.join()
busy.join()
print("thread result", results, flush=True)
assert c.stop()
assert c.destroy()
