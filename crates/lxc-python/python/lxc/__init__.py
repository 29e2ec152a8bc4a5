"""Linux containers from Python: python3-lxc's API over the lxc-rs library.

The compiled half (`lxc._lxc`) talks to the library; this half adds what python3-lxc
adds in Python: list and dict conversions, `list_containers`, the network helpers, and
`attach`/`attach_wait`, which fork with `os.fork()` so the interpreter stays consistent in
the child.
"""

import os
import time
import traceback

from . import _lxc
from ._lxc import (  # noqa: F401  (re-exported names, as python3-lxc has them)
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    LXC_ATTACH_CLEAR_ENV,
    LXC_ATTACH_DEFAULT,
    LXC_ATTACH_DROP_CAPABILITIES,
    LXC_ATTACH_KEEP_ENV,
    LXC_ATTACH_LSM_EXEC,
    LXC_ATTACH_LSM_NOW,
    LXC_ATTACH_MOVE_TO_CGROUP,
    LXC_ATTACH_REMOUNT_PROC_SYS,
    LXC_ATTACH_SET_PERSONALITY,
    LXC_CLONE_KEEPBDEVTYPE,
    LXC_CLONE_KEEPMACADDR,
    LXC_CLONE_KEEPNAME,
    LXC_CLONE_MAYBE_SNAPSHOT,
    LXC_CLONE_SNAPSHOT,
    LXC_CREATE_QUIET,
)

get_global_config_item = _lxc.get_global_config_item
version = _lxc.get_version()

try:
    default_config_path = _lxc.get_global_config_item("lxc.lxcpath")
except KeyError:
    default_config_path = None

_NO_PAYLOAD = object()


def _as_list(value):
    """Multi-valued items come back one per line, each line ended: make those a list."""
    if value.endswith("\n"):
        return value[:-1].split("\n")
    return value


class ContainerNetwork:
    """One `lxc.net.<index>` entry: its keys (`get_keys("lxc.net.<index>")`) as attributes,
    with `.` spelled `_` (`ipv4_address`, `veth_pair`, ...)."""

    # python3-lxc keeps the attribute names in one dict for the class, filled by each
    # instance; ours too, for code that looks at it.
    props = {}
    _OWN = ("container", "index", "props")

    def __init__(self, container, index):
        self.container = container
        self.index = index
        for key in container.get_keys("lxc.net.%s" % index):
            self.props[key.replace(".", "_")] = key

    def _config_key(self, attr):
        if attr not in self.props:
            nic_type = self.container.get_config_item("lxc.net.%s.type" % self.index)
            raise AttributeError("'%s' network has no attribute '%s'" % (nic_type, attr))
        return "lxc.net.%s.%s" % (self.index, self.props[attr])

    def __getattr__(self, attr):
        if attr in self._OWN or attr.startswith("__"):
            raise AttributeError(attr)
        return self.container.get_config_item(self._config_key(attr))

    def __setattr__(self, attr, value):
        if attr in self._OWN:
            object.__setattr__(self, attr, value)
        else:
            self.container.set_config_item(self._config_key(attr), value)

    def __delattr__(self, attr):
        if attr in self._OWN:
            object.__delattr__(self, attr)
            return
        key = self._config_key(attr)
        # The address lists can be cleared; any other key is set empty.
        if self.props[attr] in ("ipv4", "ipv6"):
            self.container.clear_config_item(key)
        else:
            self.container.set_config_item(key, "")


class ContainerNetworkList:
    """The container's NICs, indexable like a list."""

    def __init__(self, container):
        self._container = container

    def __len__(self):
        try:
            types = self._container.get_config_item("lxc.net")
        except KeyError:
            return 0
        if isinstance(types, str):
            return 1 if types else 0
        return len(types)

    def __getitem__(self, index):
        # As python3-lxc: an index past the end makes a NIC (of a placeholder type) first.
        if index >= len(self):
            self.add("temp_type")
        return ContainerNetwork(self._container, index)

    def add(self, network_type):
        return self._container.set_config_item("lxc.net.%d.type" % len(self), network_type)

    def remove(self, index):
        return self._container.clear_config_item("lxc.net.%d" % index)


class Container(_lxc.Container):
    """A container, by name, in an lxcpath (`config_path`)."""

    def __init__(self, name, config_path=None):
        self.network = ContainerNetworkList(self)

    def create(self, template=None, flags=0, args=(), bdevtype=None, fssize=0):
        if isinstance(args, dict):
            args = [part for key, value in args.items() for part in ("--%s" % key, "%s" % value)]
        # As python3-lxc: the configuration set so far is saved first.
        if not self.defined:
            self.save_config()
        return super().create(template or None, flags, bdevtype or None, fssize, tuple(args))

    def add_device_net(self, name, destname=None):
        """Move the host's network interface `name` into the running container (named
        `destname` there, if given), as python3-lxc does; False if not running or missing."""
        if not self.running:
            return False
        if not os.path.exists("/sys/class/net/%s/" % name):
            return False
        return self.attach_interface(name, destname)

    def destroy(self):
        if not super().destroy():
            return False
        self.clear_config()
        return True

    def clone(self, newname, config_path=None, flags=0, bdevtype=None,
              bdevdata=None, newsize=0, hookargs=()):
        """A copy (or snapshot, with LXC_CLONE_SNAPSHOT) of this container as `newname`:
        the new `Container`, or False."""
        if not isinstance(hookargs, tuple):
            raise ValueError("hookargs must be a tuple")
        if not super().clone(newname, config_path or None, flags, bdevtype or None,
                             bdevdata or None, newsize, list(hookargs)):
            return False
        return Container(newname, config_path)

    def rename(self, new_name):
        """The renamed container as a new `Container` (in the default lxcpath, as
        python3-lxc's), or False."""
        if not super().rename(new_name):
            return False
        return Container(new_name)

    def get_config_item(self, key):
        return _as_list(super().get_config_item(key))

    def get_keys(self, key=None):
        return _as_list(super().get_keys(key))

    def append_config_item(self, key, value):
        return super().set_config_item(key, value)

    def set_config_item(self, key, value):
        """Replace `key`'s value (a string, or a list for a multi-valued key), as
        python3-lxc: read back, and on a mismatch the old value is put back and False
        returned."""
        try:
            old = self.get_config_item(key)
        except KeyError:
            old = None

        def put(items):
            self.clear_config_item(key)
            for item in items:
                super(Container, self).set_config_item(key, item)

        wanted = list(value) if isinstance(value, (list, tuple)) else [value]
        put(wanted)
        try:
            now = self.get_config_item(key)
        except KeyError:
            now = None
        # The log level reads back as a name whatever was given.
        if key == "lxc.log.level":
            now = value
        got = now if isinstance(now, list) else ([now] if now is not None else [])
        if isinstance(value, str) and now == value or set(got) == set(wanted):
            return True
        if old:
            put(old if isinstance(old, list) else [old])
        else:
            self.clear_config_item(key)
        return False

    def wait(self, state, timeout=-1):
        return super().wait(state.upper(), timeout)

    def console(self, ttynum=-1, stdinfd=0, stdoutfd=1, stderrfd=2, escape=1):
        if not self.running:
            return False
        return super().console(ttynum, stdinfd, stdoutfd, stderrfd, escape)

    def console_getfd(self, ttynum=-1):
        if not self.running:
            return False
        return super().console_getfd(ttynum)

    def get_ips(self, interface=None, family=None, scope=None, timeout=0):
        """The container's addresses; waits up to `timeout` seconds for one to appear,
        returning as soon as there is one (python3-lxc's LXC_GETIP_TIMEOUT is honoured)."""
        timeout = int(os.environ.get("LXC_GETIP_TIMEOUT", timeout))
        deadline = time.monotonic() + timeout
        while True:
            ips = super().get_ips(interface, family, scope or 0)
            if ips or time.monotonic() >= deadline:
                return ips
            time.sleep(0.05)

    def attach(self, run, payload=_NO_PAYLOAD, **options):
        """Run `run(payload)` (or `run()`) in a new process inside the container; its int
        result is the exit status (anything else: 255). Returns the pid."""
        for stream in ("stdin", "stdout", "stderr"):
            given = options.get(stream)
            if given is not None and not isinstance(given, int):
                options[stream] = given.fileno()
        try:
            handle = self._attach_prepare(**options)
        except RuntimeError:
            # As python3-lxc: a failed attach is -1 (not running, bad options, ...).
            return -1
        handle.enter_pid_namespace()
        try:
            pid = os.fork()
        except BaseException:
            handle.leave_pid_namespace()
            raise
        if pid == 0:
            code = 255
            try:
                handle.join()
                result = run() if payload is _NO_PAYLOAD else run(payload)
                code = result if isinstance(result, int) else 255
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code & 0xFF)
        handle.leave_pid_namespace()
        return pid

    def attach_wait(self, run, payload=_NO_PAYLOAD, **options):
        """Like `attach`, then wait: the raw wait status, or -1 when it exited with 255."""
        pid = self.attach(run, payload, **options)
        if pid < 0:
            return -1
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 255:
            return -1
        return status


def list_containers(active=True, defined=True, as_object=False, config_path=None):
    """Names (or `Container` objects) of the containers in `config_path`."""
    if config_path and not os.path.exists(config_path):
        return ()
    try:
        names = _lxc.list_containers(active=active, defined=defined, config_path=config_path)
    except ValueError:
        return ()
    if as_object:
        return tuple(Container(name, config_path) for name in names)
    return names


def attach_run_command(cmd):
    """For `attach`: exec `cmd` (a tuple, a list or a string) inside the container."""
    if isinstance(cmd, tuple):
        return _lxc.attach_run_command(cmd)
    if isinstance(cmd, list):
        return _lxc.attach_run_command((cmd[0], cmd))
    return _lxc.attach_run_command((cmd, [cmd]))


def attach_run_shell():
    """For `attach`: exec the user's shell inside the container."""
    return _lxc.attach_run_shell(None)


def arch_to_personality(arch):
    if isinstance(arch, bytes):
        arch = str(arch, "utf-8")
    return _lxc.arch_to_personality(arch)
