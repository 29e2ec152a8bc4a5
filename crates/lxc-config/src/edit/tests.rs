use crate::error::ConfigError;
use crate::model::{ContainerConfig, HookType, IdMapKind};

const ANDROID: &str = "lxc.rootfs = /var/lib/lxc/android/rootfs
lxc.utsname = armhf

lxc.network.type = none

lxc.devttydir = lxc
lxc.tty = 4
lxc.pts = 1024
lxc.arch = armhf
lxc.cap.drop = mac_admin mac_override
lxc.pivotdir = lxc_putold

lxc.hook.pre-start = /var/lib/lxc/android/pre-start.sh

lxc.aa_profile = unconfined
";

fn parse(text: &str) -> ContainerConfig {
    let mut c = ContainerConfig::new();
    c.parse_text(text, "test.conf").unwrap();
    c
}

fn parse_err(text: &str) -> ConfigError {
    let mut c = ContainerConfig::new();
    match c.parse_text(text, "test.conf") {
        Err(e) => e,
        Ok(()) => panic!("accepted: {text:?}"),
    }
}

#[test]
fn defaults() {
    let c = ContainerConfig::new();
    assert!(c.autodev && c.rootfs_managed && c.keyring_session);
    assert!(!c.ephemeral && !c.no_new_privs);
    assert_eq!(c.tty_max, 0);
    assert_eq!(c, ContainerConfig::default());
    assert_eq!(c.get_item("lxc.tty.max").unwrap(), "0");
    assert_eq!(c.get_item("lxc.pty.max").unwrap(), "0");
    assert_eq!(c.get_item("lxc.autodev").unwrap(), "1");
    assert_eq!(c.get_item("lxc.rootfs.managed").unwrap(), "1");
    assert_eq!(c.get_item("lxc.keyring.session").unwrap(), "1");
    assert_eq!(c.get_item("lxc.uts.name").unwrap(), "");
    assert_eq!(c.get_item("lxc.net").unwrap(), "");
    assert_eq!(c.get_item("lxc.log.level").unwrap(), "NOTSET");
    assert_eq!(c.get_item("lxc.monitor.signal.pdeath").unwrap(), "9");
    assert_eq!(c.get_item("lxc.signal.halt").unwrap(), "0");
    assert_eq!(c.to_text(), "");
    assert!(c.set_keys().is_empty());
}

#[test]
fn android_seed_config() {
    let c = parse(ANDROID);
    assert_eq!(
        c.rootfs_path.as_deref(),
        Some("/var/lib/lxc/android/rootfs")
    );
    assert_eq!(c.uts_name.as_deref(), Some("armhf"));
    assert_eq!(c.networks.len(), 1);
    assert_eq!(c.networks[&0].net_type.as_deref(), Some("none"));
    assert_eq!(c.tty_dir.as_deref(), Some("lxc"));
    assert_eq!(c.tty_max, 4);
    assert_eq!(c.pty_max, 1024);
    assert_eq!(c.arch.as_deref(), Some("armhf"));
    assert_eq!(c.cap_drop, ["mac_admin", "mac_override"]);
    assert_eq!(
        c.hooks[&HookType::PreStart],
        ["/var/lib/lxc/android/pre-start.sh"]
    );
    assert_eq!(c.apparmor_profile.as_deref(), Some("unconfined"));
    assert_eq!(c.to_text(), ANDROID);
    assert_eq!(
        c.set_keys(),
        [
            "lxc.rootfs.path",
            "lxc.uts.name",
            "lxc.net.0.type",
            "lxc.tty.dir",
            "lxc.tty.max",
            "lxc.pty.max",
            "lxc.arch",
            "lxc.cap.drop",
            "lxc.hook.pre-start",
            "lxc.apparmor.profile",
        ]
    );
    assert_eq!(
        c.get_item("lxc.cap.drop").unwrap(),
        "mac_admin\nmac_override\n"
    );
    assert_eq!(c.get_item("lxc.arch").unwrap(), "i686");
    assert_eq!(c.get_item("lxc.net").unwrap(), "none\n");
}

#[test]
fn seed_user_namespace_block() {
    let c = parse(
        "lxc.network.type = veth\nlxc.network.link = lxcbr0\nlxc.network.flags = up\n\
         lxc.network.hwaddr = 00:16:3e:xx:xx:xx\nlxc.id_map = u 0 100000 65536\n\
         lxc.id_map = g 0 100000 65536\n",
    );
    let n = &c.networks[&0];
    assert_eq!(n.link.as_deref(), Some("lxcbr0"));
    assert!(n.flags_up);
    // The seed's template is filled as it is read (and saved so).
    let mac = n.hwaddr.as_deref().unwrap();
    assert!(mac.starts_with("00:16:3e:") && !mac.contains('x'), "{mac}");
    assert!(c
        .to_text()
        .contains(&format!("lxc.network.hwaddr = {mac}\n")));
    assert_eq!(c.idmaps.len(), 2);
    assert_eq!(c.idmaps[1].kind, IdMapKind::Gid);
    assert_eq!(
        c.get_item("lxc.idmap").unwrap(),
        "u 0 100000 65536\ng 0 100000 65536\n"
    );
    assert_eq!(
        c.get_item("lxc.id_map").unwrap(),
        c.get_item("lxc.idmap").unwrap()
    );
}

#[test]
fn several_legacy_nics() {
    let c = parse(
        "lxc.network.type = veth\nlxc.network.link = br0\nlxc.network.ipv4 = 10.0.0.2/24\n\
         lxc.network.ipv4 = 10.0.0.3/24\nlxc.network.type = macvlan\nlxc.network.link = eth0\n\
         lxc.network.macvlan.mode = bridge\n",
    );
    assert_eq!(c.networks.len(), 2);
    assert_eq!(c.get_item("lxc.net").unwrap(), "veth\nmacvlan\n");
    assert_eq!(c.get_item("lxc.net.0.link").unwrap(), "br0");
    assert_eq!(
        c.get_item("lxc.net.0.ipv4.address").unwrap(),
        "10.0.0.2/24\n10.0.0.3/24\n"
    );
    assert_eq!(c.get_item("lxc.net.1.link").unwrap(), "eth0");
    assert_eq!(c.get_item("lxc.net.1.macvlan.mode").unwrap(), "bridge");
    // Un-indexed keys through the API apply to the last NIC.
    assert_eq!(c.get_item("lxc.network.link").unwrap(), "eth0");
    // A subkey before any type is an error naming the line.
    match parse_err("# c\nlxc.network.link = br0\n") {
        ConfigError::InvalidValue { line, key, .. } => {
            assert_eq!(line, 2);
            assert_eq!(key, "lxc.network.link");
        }
        e => panic!("{e}"),
    }
}

#[test]
fn set_replaces_in_place_and_appends() {
    let mut c = parse(ANDROID);
    c.set_item("lxc.uts.name", "phone").unwrap();
    c.set_item("lxc.tty.max", "6").unwrap();
    c.set_item("lxc.cap.drop", "sys_time").unwrap();
    c.set_item("lxc.hook.pre-start", "/bin/second").unwrap();
    c.set_item("lxc.start.auto", "1").unwrap();
    let expected = ANDROID
        .replace("lxc.utsname = armhf", "lxc.utsname = phone")
        .replace("lxc.tty = 4", "lxc.tty = 6")
        .replace(
            "lxc.cap.drop = mac_admin mac_override\n",
            "lxc.cap.drop = mac_admin mac_override\nlxc.cap.drop = sys_time\n",
        )
        .replace(
            "pre-start.sh\n",
            "pre-start.sh\nlxc.hook.pre-start = /bin/second\n",
        )
        + "lxc.start.auto = 1\n";
    assert_eq!(c.to_text(), expected);
    assert_eq!(c.uts_name.as_deref(), Some("phone"));
    assert_eq!(
        c.get_item("lxc.cap.drop").unwrap(),
        "mac_admin\nmac_override\nsys_time\n"
    );
    // The saved text means the same thing.
    let mut reread = parse(&c.to_text());
    reread.lines.clear();
    reread.raw_lines.clear();
    reread.key_order.clear();
    let mut model = c.clone();
    model.lines.clear();
    model.raw_lines.clear();
    model.key_order.clear();
    assert_eq!(reread, model);

    // A legacy line is replaced by the current name too.
    let mut c = parse("lxc.network.type = veth\nlxc.network.link = br0\n# end\n");
    c.set_item("lxc.net.0.link", "br1").unwrap();
    c.set_item("lxc.net.0.ipv4.address", "10.0.0.2/24").unwrap();
    assert_eq!(
        c.to_text(),
        "lxc.network.type = veth\nlxc.network.link = br1\n# end\nlxc.net.0.ipv4.address = 10.0.0.2/24\n"
    );
    // And a new NIC through the legacy name gets the next index.
    c.set_item("lxc.network.type", "empty").unwrap();
    assert_eq!(c.get_item("lxc.net").unwrap(), "veth\nempty\n");
    assert!(c.to_text().ends_with("lxc.net.1.type = empty\n"));
}

#[test]
fn set_errors_through_api() {
    let mut c = ContainerConfig::new();
    assert!(matches!(
        c.set_item("lxc.bogus", "1"),
        Err(ConfigError::UnknownKeyApi(k)) if k == "lxc.bogus"
    ));
    assert!(matches!(
        c.set_item("lxc.tty.max", "-1"),
        Err(ConfigError::InvalidValueApi { .. })
    ));
    assert!(matches!(
        c.set_item("lxc.uts.name", "a\nb"),
        Err(ConfigError::InvalidValueApi { .. })
    ));
    assert!(matches!(
        c.get_item("lxc.bogus"),
        Err(ConfigError::UnknownKeyApi(_))
    ));
    assert!(matches!(
        c.clear_item("lxc.bogus"),
        Err(ConfigError::UnknownKeyApi(_))
    ));
    assert_eq!(c, ContainerConfig::new());
}

#[test]
fn empty_value_clears() {
    let mut c = parse(
        "lxc.cap.drop = a b\nlxc.mount.entry = x\nlxc.hook.start = /s\nlxc.net.0.type = veth\n\
         lxc.cgroup2.memory.max = 1G\nlxc.sysctl.a = 1\n",
    );
    c.parse_text(
        "lxc.cap.drop =\nlxc.mount.entry =\nlxc.hook.start =\nlxc.net =\nlxc.cgroup2.memory.max =\n\
         lxc.sysctl.a =\n",
        "more",
    )
    .unwrap();
    assert!(c.cap_drop.is_empty());
    assert!(c.mount_entries.is_empty());
    assert!(c.hooks.is_empty());
    assert!(c.networks.is_empty());
    assert!(c.cgroup_v2.is_empty());
    assert!(c.sysctl.is_empty());
    assert!(c.set_keys().is_empty());

    let mut c = parse("lxc.hook.start = /a\nlxc.hook.stop = /b\nlxc.hook.version = 1\n");
    c.set_item("lxc.hook", "").unwrap();
    assert!(c.hooks.is_empty());
    assert_eq!(c.hook_version, 1);
    assert_eq!(c.to_text(), "lxc.hook.version = 1\n");
    c.set_item("lxc.autodev", "0").unwrap();
    c.set_item("lxc.autodev", "").unwrap();
    assert!(c.autodev, "empty resets to the default");
}

#[test]
fn clear_item_removes_lines_and_aliases() {
    let mut c = parse("lxc.utsname = a\n# keep\nlxc.uts.name = b\nlxc.tty.max = 2\n");
    c.clear_item("lxc.uts.name").unwrap();
    assert_eq!(c.uts_name, None);
    assert_eq!(c.to_text(), "# keep\nlxc.tty.max = 2\n");
    assert_eq!(c.set_keys(), ["lxc.tty.max"]);

    let mut c = parse(
        "lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = empty\nlxc.cgroup.dir = d\n\
         lxc.cgroup.memory.max = 1\nlxc.cgroup.cpu.shares = 2\n",
    );
    c.clear_item("lxc.net.0").unwrap();
    assert_eq!(c.get_item("lxc.net").unwrap(), "empty\n");
    c.clear_item("lxc.cgroup").unwrap();
    assert!(c.cgroup_v1.is_empty());
    assert_eq!(c.cgroup_dir.as_deref(), Some("d"));
    assert_eq!(c.to_text(), "lxc.net.1.type = empty\nlxc.cgroup.dir = d\n");
    assert_eq!(c.set_keys(), ["lxc.net.1.type", "lxc.cgroup.dir"]);
    c.clear_item("lxc.net").unwrap();
    assert_eq!(c.to_text(), "lxc.cgroup.dir = d\n");

    let mut c = parse("lxc.pivotdir = x\nlxc.tty = 1\n");
    c.clear_item("lxc.pivotdir").unwrap();
    c.clear_item("lxc.tty").unwrap();
    assert_eq!(c.to_text(), "");
    assert_eq!(c.tty_max, 0);
}

#[test]
fn get_item_formats() {
    let c = parse(
        "lxc.log.level = 1\nlxc.signal.halt = SIGRTMIN+3\nlxc.signal.stop = SIGKILL\n\
         lxc.start.auto = 1\nlxc.environment = A=1\nlxc.environment = B\nlxc.group = g1\n\
         lxc.group = g2\nlxc.mount.auto = proc:rw sys:ro cgroup\n\
         lxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup.devices.allow = c 1:5 rwm\n\
         lxc.cgroup.memory.limit_in_bytes = 134217728\nlxc.cgroup2.memory.max = 1G\n\
         lxc.sysctl.net.ipv4.ip_forward = 1\nlxc.sysctl.kernel.msgmax = 2\n\
         lxc.prlimit.nofile = 1024:2048\nlxc.namespace.clone = net mnt\n\
         lxc.namespace.share.uts = c1\nlxc.console.buffer.size = auto\n\
         lxc.console.size = 1MB\nlxc.init.groups = 10,20\nlxc.init.groups = 30\n\
         lxc.arch = amd64\nlxc.start.order = -2\nlxc.apparmor.raw = deny /x,\n\
         lxc.time.offset.boot = -5s\n\
         lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.mtu = 1400\n\
         lxc.net.0.veth.ipv4.route = 10.1.0.0/16\nlxc.net.0.l2proxy = 1\n",
    );
    let g = |k: &str| c.get_item(k).unwrap();
    assert_eq!(g("lxc.log.level"), "DEBUG");
    assert_eq!(g("lxc.signal.halt"), "37");
    assert_eq!(g("lxc.signal.stop"), "9");
    assert_eq!(g("lxc.start.auto"), "1");
    assert_eq!(g("lxc.start.order"), "-2");
    assert_eq!(g("lxc.environment"), "A=1\nB\n");
    assert_eq!(g("lxc.group"), "g1\ng2\n");
    assert_eq!(g("lxc.mount.auto"), "proc:rw sys:ro cgroup");
    assert_eq!(g("lxc.cgroup.devices.allow"), "c 1:3 rwm\nc 1:5 rwm\n");
    assert_eq!(g("lxc.cgroup.memory.limit_in_bytes"), "134217728\n");
    assert_eq!(
        g("lxc.cgroup"),
        "lxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup.devices.allow = c 1:5 rwm\n\
         lxc.cgroup.memory.limit_in_bytes = 134217728\n"
    );
    assert_eq!(g("lxc.cgroup2"), "lxc.cgroup2.memory.max = 1G\n");
    assert_eq!(g("lxc.sysctl.net.ipv4.ip_forward"), "1");
    assert_eq!(
        g("lxc.sysctl"),
        "lxc.sysctl.net.ipv4.ip_forward = 1\nlxc.sysctl.kernel.msgmax = 2\n"
    );
    assert_eq!(g("lxc.prlimit.nofile"), "1024:2048");
    assert_eq!(g("lxc.limit.nofile"), "1024:2048");
    assert_eq!(g("lxc.namespace.clone"), "mnt\nnet\n");
    assert_eq!(g("lxc.namespace.share.uts"), "c1");
    assert_eq!(g("lxc.console.buffer.size"), "131072");
    assert_eq!(g("lxc.console.size"), "1048576");
    assert_eq!(g("lxc.init.groups"), "10,20,30");
    assert_eq!(g("lxc.arch"), "x86_64");
    assert_eq!(g("lxc.apparmor.raw"), "deny /x,\n");
    assert_eq!(g("lxc.time.offset.boot"), "-5s");
    assert_eq!(g("lxc.net.0.flags"), "up");
    assert_eq!(g("lxc.net.0.mtu"), "1400");
    assert_eq!(g("lxc.net.0.l2proxy"), "1");
    assert_eq!(g("lxc.net.0.veth.ipv4.route"), "10.1.0.0/16\n");
    assert_eq!(g("lxc.net.0.link"), "");
    assert_eq!(g("lxc.net.0.ipv4.address"), "");
    assert_eq!(g("lxc.net.5.type"), "");
    assert!(g("lxc.net.0").starts_with("type\nscript.up\n"));
    assert!(g("lxc.net.0").contains("veth.pair\n"));
    assert_eq!(g("lxc.hook.start"), "");
    assert_eq!(g("lxc.pivotdir"), "");
    assert_eq!(g("lxc.network.link"), "");
}

#[test]
fn every_key_gets_and_sets() {
    let mut c = ContainerConfig::new();
    for k in c.keys(None) {
        c.get_item(&k).unwrap();
    }
    let samples = [
        ("lxc.arch", "x86_64"),
        ("lxc.autodev.tmpfs.size", "1000"),
        ("lxc.cgroup2.pids.max", "10"),
        ("lxc.console.rotate", "1"),
        ("lxc.idmap", "g 0 1 1"),
        ("lxc.hook.version", "1"),
        ("lxc.log.level", "ERROR"),
        ("lxc.log.syslog", "local3"),
        ("lxc.monitor.signal.pdeath", "0"),
        ("lxc.mount.auto", "cgroup2:ro:force"),
        ("lxc.namespace.keep", "user"),
        ("lxc.time.offset.monotonic", "3h"),
        ("lxc.seccomp.notify.proxy", "unix:@x"),
        ("lxc.net.3.ipv6.gateway", "dev"),
        ("lxc.net.3.vlan.id", "7"),
        ("lxc.net.3.veth.vlan.id", "none"),
        ("lxc.net.3.veth.vlan.tagged.id", "42"),
        ("lxc.net.3.veth.n_rxqueues", "4"),
        ("lxc.net.3.ipvlan.isolation", "vepa"),
        ("lxc.proc.oom_score_adj", "10"),
    ];
    for (k, v) in samples {
        c.set_item(k, v).unwrap();
        let got = c.get_item(k).unwrap();
        assert_eq!(got.trim_end_matches('\n'), v, "{k}");
    }
    // Strings and booleans of the registry round-trip through set/get.
    for spec in crate::registry() {
        let k = spec.name;
        if spec.prefix || !spec.doc.contains("0/1") {
            continue;
        }
        let cur = c.get_item(k).unwrap();
        if cur == "0" || cur == "1" {
            let flip = if cur == "0" { "1" } else { "0" };
            if c.set_item(k, flip).is_ok() {
                assert_eq!(c.get_item(k).unwrap().trim_end(), flip, "{k}");
            }
        }
    }
    for (k, _) in samples {
        c.clear_item(k).unwrap();
    }
}

#[test]
fn keys_listing() {
    let c = parse("lxc.net.0.type = veth\nlxc.net.1.type = none\n");
    let all = c.keys(None);
    for k in [
        "lxc.net",
        "lxc.cgroup",
        "lxc.cgroup2",
        "lxc.prlimit",
        "lxc.sysctl",
        "lxc.proc",
    ] {
        assert!(all.iter().any(|x| x == k), "{k}");
    }
    assert!(!all.iter().any(|k| k.ends_with('.')));
    assert_eq!(all.iter().filter(|k| *k == "lxc.net").count(), 1);
    let veth = c.keys(Some("lxc.net.0"));
    assert_eq!(veth[0], "type");
    assert!(veth.iter().any(|k| k == "veth.pair"));
    assert!(veth.iter().any(|k| k == "ipv4.address"));
    let none = c.keys(Some("lxc.net.1"));
    assert!(!none.iter().any(|k| k == "veth.pair" || k == "ipv4.address"));
    assert!(c.keys(Some("lxc.net.7")).is_empty());
    let ap = c.keys(Some("lxc.apparmor"));
    assert_eq!(
        ap,
        [
            "lxc.apparmor.profile",
            "lxc.apparmor.allow_incomplete",
            "lxc.apparmor.allow_nesting",
            "lxc.apparmor.raw"
        ]
    );
}

#[test]
fn set_keys_order_and_dedup() {
    let c = parse(
        "lxc.uts.name = a\nlxc.net.0.type = veth\nlxc.uts.name = b\nlxc.tty = 1\n\
         lxc.cgroup.memory.max = 1\nlxc.pivotdir = x\nlxc.rootfs.path =\n",
    );
    assert_eq!(
        c.set_keys(),
        [
            "lxc.uts.name",
            "lxc.net.0.type",
            "lxc.tty.max",
            "lxc.cgroup.memory.max"
        ]
    );
}

#[test]
fn quoting_on_save() {
    let mut c = ContainerConfig::new();
    c.set_item("lxc.environment", "\"quoted\"").unwrap();
    c.set_item("lxc.mount.entry", "'x'").unwrap();
    c.set_item("lxc.init.cmd", "/sbin/init").unwrap();
    let text = c.to_text();
    let r = parse(&text);
    assert_eq!(r.environment, ["\"quoted\""]);
    assert_eq!(r.mount_entries, ["'x'"]);
    assert_eq!(r.init_cmd.as_deref(), Some("/sbin/init"));
}
