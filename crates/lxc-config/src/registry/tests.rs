use super::*;
use crate::model::ContainerConfig;

/// A model with the user's lines stripped, to compare what two texts mean.
fn meaning(text: &str) -> ContainerConfig {
    let mut c = ContainerConfig::new();
    c.parse_text(text, "t").unwrap();
    c.lines.clear();
    c.raw_lines.clear();
    c
}

#[test]
fn names_are_unique_and_supported() {
    let reg = registry();
    assert!(reg.len() >= 85, "{} keys", reg.len());
    for (i, s) in reg.iter().enumerate() {
        assert!(s.name.starts_with("lxc."), "{}", s.name);
        assert!(!s.doc.is_empty(), "{}", s.name);
        assert!(
            reg[..i].iter().all(|o| o.name != s.name),
            "duplicate {}",
            s.name
        );
        if !s.name.ends_with('.') {
            assert!(is_supported_key(s.name), "{}", s.name);
        }
    }
}

#[test]
fn every_key_of_lxc_5_is_present() {
    let names: Vec<&str> = registry().iter().map(|s| s.name).collect();
    for k in [
        "lxc.arch",
        "lxc.apparmor.profile",
        "lxc.apparmor.allow_incomplete",
        "lxc.apparmor.allow_nesting",
        "lxc.apparmor.raw",
        "lxc.autodev.tmpfs.size",
        "lxc.autodev",
        "lxc.cap.drop",
        "lxc.cap.keep",
        "lxc.cgroup2",
        "lxc.cgroup.dir.monitor.pivot",
        "lxc.cgroup.dir.monitor",
        "lxc.cgroup.dir.container.inner",
        "lxc.cgroup.dir.container",
        "lxc.cgroup.dir",
        "lxc.cgroup.relative",
        "lxc.cgroup",
        "lxc.console.buffer.size",
        "lxc.console.logfile",
        "lxc.console.path",
        "lxc.console.rotate",
        "lxc.console.size",
        "lxc.sched.core",
        "lxc.environment",
        "lxc.ephemeral",
        "lxc.execute.cmd",
        "lxc.group",
        "lxc.hook.autodev",
        "lxc.hook.clone",
        "lxc.hook.destroy",
        "lxc.hook.mount",
        "lxc.hook.post-stop",
        "lxc.hook.pre-mount",
        "lxc.hook.pre-start",
        "lxc.hook.start",
        "lxc.hook.start-host",
        "lxc.hook.stop",
        "lxc.hook.version",
        "lxc.hook",
        "lxc.idmap",
        "lxc.include",
        "lxc.init.cmd",
        "lxc.init.gid",
        "lxc.init.groups",
        "lxc.init.uid",
        "lxc.init.cwd",
        "lxc.keyring.session",
        "lxc.log.file",
        "lxc.log.level",
        "lxc.log.syslog",
        "lxc.monitor.unshare",
        "lxc.monitor.signal.pdeath",
        "lxc.mount.auto",
        "lxc.mount.entry",
        "lxc.mount.fstab",
        "lxc.namespace.clone",
        "lxc.namespace.keep",
        "lxc.namespace.share.",
        "lxc.time.offset.boot",
        "lxc.time.offset.monotonic",
        "lxc.net.",
        "lxc.net",
        "lxc.no_new_privs",
        "lxc.prlimit",
        "lxc.pty.max",
        "lxc.rootfs.managed",
        "lxc.rootfs.mount",
        "lxc.rootfs.options",
        "lxc.rootfs.path",
        "lxc.seccomp.allow_nesting",
        "lxc.seccomp.notify.cookie",
        "lxc.seccomp.notify.proxy",
        "lxc.seccomp.profile",
        "lxc.selinux.context.keyring",
        "lxc.selinux.context",
        "lxc.signal.halt",
        "lxc.signal.reboot",
        "lxc.signal.stop",
        "lxc.start.auto",
        "lxc.start.delay",
        "lxc.start.order",
        "lxc.tty.dir",
        "lxc.tty.max",
        "lxc.uts.name",
        "lxc.sysctl",
        "lxc.proc",
    ] {
        assert!(names.contains(&k), "missing {k}");
    }
    // Every hook type has its key.
    for h in crate::model::HookType::ALL {
        assert!(is_supported_key(&format!("lxc.hook.{}", h.name())));
    }
}

#[test]
fn supported_keys() {
    for k in [
        "lxc.cgroup.memory.limit_in_bytes",
        "lxc.cgroup2.memory.max",
        "lxc.net.0.type",
        "lxc.net.12.ipv4.address",
        "lxc.net.0.veth.vlan.tagged.id",
        "lxc.net.0",
        "lxc.sysctl.net.ipv4.ip_forward",
        "lxc.prlimit.nofile",
        "lxc.proc.oom_score_adj",
        "lxc.namespace.share.net",
        "lxc.cgroup",
        "lxc.net",
    ] {
        assert!(is_supported_key(k), "{k}");
    }
    for k in [
        "lxc.foo",
        "lxc.net.0.foo",
        "lxc.net.x.type",
        "lxc.net.",
        "lxc.net.-1.type",
        "lxc.utsname",
        "lxc.network.type",
        "lxc.cgroupx",
        "lxc.cgroup.",
        "lxc.sysctl.",
        "lxc.namespace.share.",
        "lxc.hook.foo",
        "lxc.pivotdir",
        "",
        "lxc",
    ] {
        assert!(!is_supported_key(k), "{k}");
    }
}

#[test]
fn strict_entries_win_over_prefixes() {
    let r = resolve("lxc.cgroup.dir", None).unwrap();
    assert!(matches!(r, Resolved::Key { spec, .. } if spec.name == "lxc.cgroup.dir"));
    let r = resolve("lxc.cgroup.memory.max", None).unwrap();
    assert!(matches!(r, Resolved::Key { spec, .. } if spec.name == "lxc.cgroup"));
    let r = resolve("lxc.cgroup2.memory.max", None).unwrap();
    assert!(matches!(r, Resolved::Key { spec, .. } if spec.name == "lxc.cgroup2"));
}

#[test]
fn canonical_names() {
    for (old, new) in [
        ("lxc.utsname", "lxc.uts.name"),
        ("lxc.rootfs", "lxc.rootfs.path"),
        ("lxc.id_map", "lxc.idmap"),
        ("lxc.pts", "lxc.pty.max"),
        ("lxc.tty", "lxc.tty.max"),
        ("lxc.devttydir", "lxc.tty.dir"),
        ("lxc.aa_profile", "lxc.apparmor.profile"),
        ("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
        ("lxc.se_context", "lxc.selinux.context"),
        ("lxc.mount", "lxc.mount.fstab"),
        ("lxc.seccomp", "lxc.seccomp.profile"),
        ("lxc.console", "lxc.console.path"),
        ("lxc.haltsignal", "lxc.signal.halt"),
        ("lxc.rebootsignal", "lxc.signal.reboot"),
        ("lxc.stopsignal", "lxc.signal.stop"),
        ("lxc.syslog", "lxc.log.syslog"),
        ("lxc.loglevel", "lxc.log.level"),
        ("lxc.logfile", "lxc.log.file"),
        ("lxc.init_cmd", "lxc.init.cmd"),
        ("lxc.init_uid", "lxc.init.uid"),
        ("lxc.init_gid", "lxc.init.gid"),
        ("lxc.limit.nofile", "lxc.prlimit.nofile"),
        ("lxc.network", "lxc.net"),
        ("lxc.network.2.link", "lxc.net.2.link"),
        ("lxc.network.2.ipv4", "lxc.net.2.ipv4.address"),
        ("lxc.network.type", "lxc.net.0.type"),
        ("lxc.network.link", "lxc.net.0.link"),
        ("lxc.network.ipv6", "lxc.net.0.ipv6.address"),
        ("lxc.network.ipv4.gateway", "lxc.net.0.ipv4.gateway"),
        ("lxc.uts.name", "lxc.uts.name"),
        ("lxc.cgroup.cpuset.cpus", "lxc.cgroup.cpuset.cpus"),
    ] {
        assert_eq!(canonical_key(old).as_deref(), Some(new), "{old}");
    }
    assert_eq!(canonical_key("lxc.pivotdir"), None);
    assert_eq!(canonical_key("lxc.kmsg"), None);
    assert_eq!(canonical_key("lxc.bogus"), None);
    assert_eq!(canonical_key("lxc.network.bogus"), None);
}

#[test]
fn legacy_aliases_parse_like_current_names() {
    let pairs: &[(&str, &str, &str)] = &[
        ("lxc.utsname", "lxc.uts.name", "host1"),
        ("lxc.rootfs", "lxc.rootfs.path", "/var/lib/lxc/c/rootfs"),
        ("lxc.id_map", "lxc.idmap", "u 0 100000 65536"),
        ("lxc.pts", "lxc.pty.max", "1024"),
        ("lxc.tty", "lxc.tty.max", "4"),
        ("lxc.devttydir", "lxc.tty.dir", "lxc"),
        ("lxc.aa_profile", "lxc.apparmor.profile", "unconfined"),
        (
            "lxc.aa_allow_incomplete",
            "lxc.apparmor.allow_incomplete",
            "1",
        ),
        (
            "lxc.se_context",
            "lxc.selinux.context",
            "system_u:system_r:lxc_t:s0",
        ),
        ("lxc.mount", "lxc.mount.fstab", "/var/lib/lxc/c/fstab"),
        (
            "lxc.seccomp",
            "lxc.seccomp.profile",
            "/usr/share/lxc/config/common.seccomp",
        ),
        ("lxc.console", "lxc.console.path", "none"),
        ("lxc.haltsignal", "lxc.signal.halt", "SIGRTMIN+3"),
        ("lxc.rebootsignal", "lxc.signal.reboot", "SIGTERM"),
        ("lxc.stopsignal", "lxc.signal.stop", "9"),
        ("lxc.syslog", "lxc.log.syslog", "daemon"),
        ("lxc.loglevel", "lxc.log.level", "DEBUG"),
        ("lxc.logfile", "lxc.log.file", "/tmp/c.log"),
        ("lxc.init_cmd", "lxc.init.cmd", "/sbin/init splash"),
        ("lxc.init_uid", "lxc.init.uid", "1000"),
        ("lxc.init_gid", "lxc.init.gid", "1000"),
        ("lxc.limit.nofile", "lxc.prlimit.nofile", "1024:4096"),
        ("lxc.network.0.type", "lxc.net.0.type", "veth"),
        ("lxc.network.3.link", "lxc.net.3.link", "lxcbr0"),
        (
            "lxc.network.0.ipv4",
            "lxc.net.0.ipv4.address",
            "10.0.3.2/24",
        ),
        ("lxc.network.0.ipv6", "lxc.net.0.ipv6.address", "fd00::2/64"),
        ("lxc.network.type", "lxc.net.0.type", "veth"),
    ];
    for (old, new, v) in pairs {
        let a = meaning(&format!("{old} = {v}\n"));
        let b = meaning(&format!("{new} = {v}\n"));
        assert_eq!(a, b, "{old} vs {new}");
        assert_ne!(a, meaning(""), "{old} had no effect");
    }
    // Un-indexed network subkeys apply to the most recent lxc.network.type.
    let legacy_block =
        |sub: &str, v: &str| format!("lxc.network.type = veth\nlxc.network.{sub} = {v}\n");
    let current_block =
        |sub: &str, v: &str| format!("lxc.net.0.type = veth\nlxc.net.0.{sub} = {v}\n");
    for (old_sub, new_sub, v) in [
        ("ipv4", "ipv4.address", "10.0.3.2/24 10.0.3.255"),
        ("ipv6", "ipv6.address", "fd00::2/64"),
        ("ipv4.gateway", "ipv4.gateway", "10.0.3.1"),
        ("ipv6.gateway", "ipv6.gateway", "auto"),
        ("link", "link", "lxcbr0"),
        ("flags", "flags", "up"),
        ("name", "name", "eth0"),
        ("hwaddr", "hwaddr", "00:16:3e:12:34:56"),
        ("mtu", "mtu", "1500"),
        ("veth.pair", "veth.pair", "vethX"),
        ("vlan.id", "vlan.id", "10"),
        ("macvlan.mode", "macvlan.mode", "bridge"),
        ("script.up", "script.up", "/bin/true"),
        ("script.down", "script.down", "/bin/true"),
    ] {
        assert_eq!(
            meaning(&legacy_block(old_sub, v)),
            meaning(&current_block(new_sub, v)),
            "{old_sub}"
        );
    }
    // Ignored keys have no effect.
    for k in [
        "lxc.pivotdir = lxc_putold",
        "lxc.kmsg = 0",
        "lxc.rootfs.backend = dir",
    ] {
        assert_eq!(meaning(k), meaning(""), "{k}");
    }
    assert_eq!(meaning("lxc.network ="), meaning("lxc.net ="));
}

#[test]
fn clear_covers_rules() {
    assert!(clear_covers("lxc.net", "lxc.net.0.type"));
    assert!(clear_covers("lxc.net.0", "lxc.net.0.link"));
    assert!(!clear_covers("lxc.net.0", "lxc.net.01.link"));
    assert!(clear_covers("lxc.hook", "lxc.hook.start"));
    assert!(!clear_covers("lxc.hook", "lxc.hook.version"));
    assert!(clear_covers("lxc.cgroup", "lxc.cgroup.memory.max"));
    assert!(!clear_covers("lxc.cgroup", "lxc.cgroup.dir"));
    assert!(!clear_covers("lxc.cgroup", "lxc.cgroup2.memory.max"));
    assert!(clear_covers("lxc.sysctl", "lxc.sysctl.a"));
    assert!(!clear_covers("lxc.sysctl.a", "lxc.sysctl.b"));
}
