use crate::error::ConfigError;
use crate::model::{ConfigLine, ContainerConfig};
use std::path::PathBuf;

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

/// A fresh temporary directory for one test.
fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lxc-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn unknown_key_names_file_line_key() {
    let e = parse_err("# comment\nlxc.uts.name = a\n\nlxc.bogus.key = 1\n");
    match &e {
        ConfigError::UnknownKey { file, line, key } => {
            assert_eq!(file, "test.conf");
            assert_eq!(*line, 4);
            assert_eq!(key, "lxc.bogus.key");
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        e.to_string(),
        "test.conf:4: unknown configuration key \"lxc.bogus.key\""
    );
    assert!(matches!(
        parse_err("lxc.net.0.bogus = 1"),
        ConfigError::UnknownKey { .. }
    ));
}

#[test]
fn syntax_errors() {
    match parse_err("\nlxc.uts.name\n") {
        ConfigError::Syntax { file, line, text } => {
            assert_eq!(
                (file.as_str(), line, text.as_str()),
                ("test.conf", 2, "lxc.uts.name")
            );
        }
        e => panic!("{e}"),
    }
    // Non-lxc lines without '=' are "martian" and kept.
    let c = parse("foo bar\n  # indented comment\n\t\nlxcfoo\n");
    assert_eq!(c.lines.len(), 4);
    assert!(c.lines.iter().all(|l| matches!(l, ConfigLine::Verbatim(_))));
}

#[test]
fn bad_values() {
    for (text, key) in [
        ("lxc.tty.max = -1", "lxc.tty.max"),
        ("lxc.tty = abc", "lxc.tty"),
        ("lxc.net.0.mtu = helloworld", "lxc.net.0.mtu"),
        ("lxc.net.0.type = bogus", "lxc.net.0.type"),
        ("lxc.net.0.flags = down", "lxc.net.0.flags"),
        ("lxc.net.0.ipv4.address = 1.2.3", "lxc.net.0.ipv4.address"),
        ("lxc.net.0.name = averyveryverylongname", "lxc.net.0.name"),
        ("lxc.net.0.macvlan.mode = x", "lxc.net.0.macvlan.mode"),
        ("lxc.net.0.veth.vlan.id = 5000", "lxc.net.0.veth.vlan.id"),
        ("lxc.autodev = 2", "lxc.autodev"),
        ("lxc.ephemeral = yes", "lxc.ephemeral"),
        ("lxc.idmap = u 0 100000", "lxc.idmap"),
        ("lxc.id_map = x 0 1 1", "lxc.id_map"),
        ("lxc.signal.halt = SIGFOO", "lxc.signal.halt"),
        ("lxc.signal.stop = SIGRTMAX-40", "lxc.signal.stop"),
        ("lxc.log.level = LOUD", "lxc.log.level"),
        ("lxc.log.level = 9", "lxc.log.level"),
        ("lxc.log.syslog = mail", "lxc.log.syslog"),
        ("lxc.hook.version = 2", "lxc.hook.version"),
        ("lxc.hook = /bin/true", "lxc.hook"),
        ("lxc.net = veth", "lxc.net"),
        ("lxc.network = veth", "lxc.network"),
        ("lxc.mount.auto = proc:ro", "lxc.mount.auto"),
        ("lxc.arch = vax", "lxc.arch"),
        ("lxc.console.buffer.size = 12TB", "lxc.console.buffer.size"),
        ("lxc.start.order = x", "lxc.start.order"),
        ("lxc.start.delay = -3", "lxc.start.delay"),
        ("lxc.init.uid = root", "lxc.init.uid"),
        ("lxc.init.groups = 1,x", "lxc.init.groups"),
        ("lxc.prlimit.nofile = lots", "lxc.prlimit.nofile"),
        ("lxc.namespace.clone = bogus", "lxc.namespace.clone"),
        (
            "lxc.namespace.share.bogus = c1",
            "lxc.namespace.share.bogus",
        ),
        ("lxc.time.offset.boot = 10", "lxc.time.offset.boot"),
        ("lxc.seccomp.notify.proxy = /x", "lxc.seccomp.notify.proxy"),
        ("lxc.cgroup = x", "lxc.cgroup"),
        (
            "lxc.uts.name = 12345678901234567890123456789012345678901234567890123456789012345",
            "lxc.uts.name",
        ),
    ] {
        match parse_err(text) {
            ConfigError::InvalidValue {
                file,
                line,
                key: k,
                reason,
                ..
            } => {
                assert_eq!((file.as_str(), line), ("test.conf", 1), "{text}");
                assert_eq!(k, key);
                assert!(!reason.is_empty());
            }
            e => panic!("{text}: {e}"),
        }
    }
    let e = parse_err("lxc.tty.max = -1");
    assert!(e
        .to_string()
        .starts_with("test.conf:1: invalid value \"-1\" for key \"lxc.tty.max\""));
    // keep and clone are exclusive
    assert!(matches!(
        parse_err("lxc.namespace.keep = net\nlxc.namespace.clone = pid"),
        ConfigError::InvalidValue { line: 2, .. }
    ));
}

#[test]
fn parse_error_leaves_config_unchanged() {
    let mut c = parse("lxc.uts.name = a\n");
    let before = c.clone();
    assert!(c
        .parse_text("lxc.tty.max = 3\nlxc.bogus = 1\n", "x")
        .is_err());
    assert_eq!(c, before);
}

#[test]
fn round_trip_is_byte_identical() {
    let text = "# header\n\n  lxc.uts.name=web\t\nlxc.rootfs.path = \"dir:/a b\"\n\
                martian line\nlxc.mount.entry = 'proc proc proc nodev 0 0'\r\n\
                \tlxc.tty.max   =   4\n#lxc.foo\nlxc.cap.drop =\n";
    let c = parse(text);
    assert_eq!(c.to_text(), text);
    assert_eq!(c.uts_name.as_deref(), Some("web"));
    assert_eq!(c.rootfs_path.as_deref(), Some("dir:/a b"));
    assert_eq!(c.mount_entries, ["proc proc proc nodev 0 0"]);
    assert_eq!(c.tty_max, 4);
    // A file without a final newline gains one.
    assert_eq!(parse("lxc.tty.max = 1").to_text(), "lxc.tty.max = 1\n");
    // Editing `lines` directly is honoured by to_text.
    let mut c = parse("lxc.uts.name=a\n");
    c.lines[0] = ConfigLine::Item {
        key: "lxc.uts.name".into(),
        value: "b".into(),
    };
    assert_eq!(c.to_text(), "lxc.uts.name = b\n");
}

#[test]
fn includes_file_and_directory() {
    let d = tmpdir("inc");
    let common = d.join("common.conf");
    std::fs::write(
        &common,
        "# common\nlxc.cap.drop = sys_module\nlxc.tty.max = 2\n",
    )
    .unwrap();
    let confd = d.join("conf.d");
    std::fs::create_dir_all(&confd).unwrap();
    std::fs::write(confd.join("20-b.conf"), "lxc.environment = B=2\n").unwrap();
    std::fs::write(confd.join("10-a.conf"), "lxc.environment = A=1\n").unwrap();
    std::fs::write(confd.join("ignored.txt"), "lxc.bogus = 1\n").unwrap();
    let main = d.join("config");
    let text = format!(
        "lxc.include = {}\nlxc.include = {}\nlxc.uts.name = c1\n",
        common.display(),
        confd.display()
    );
    std::fs::write(&main, &text).unwrap();
    let c = ContainerConfig::load(&main).unwrap();
    assert_eq!(
        c.source.as_deref(),
        Some(main.display().to_string().as_str())
    );
    assert_eq!(c.cap_drop, ["sys_module"]);
    assert_eq!(c.tty_max, 2);
    assert_eq!(c.environment, ["A=1", "B=2"]);
    assert_eq!(c.to_text(), text, "included lines are not copied");
    assert_eq!(c.lines.len(), 3);
    assert_eq!(
        c.set_keys(),
        [
            "lxc.include",
            "lxc.cap.drop",
            "lxc.tty.max",
            "lxc.environment",
            "lxc.uts.name"
        ]
    );

    // Errors in an included file name that file and its line.
    let bad = d.join("bad.conf");
    std::fs::write(&bad, "\n\nlxc.nope = 1\n").unwrap();
    let mut c = ContainerConfig::new();
    match c.parse_text(&format!("lxc.include = {}\n", bad.display()), "main") {
        Err(ConfigError::UnknownKey { file, line, key }) => {
            assert_eq!(file, bad.display().to_string());
            assert_eq!(line, 3);
            assert_eq!(key, "lxc.nope");
        }
        other => panic!("{other:?}"),
    }

    // A missing include is an I/O error naming the path.
    let missing = d.join("missing.conf");
    let e = ContainerConfig::new()
        .parse_text(&format!("lxc.include = {}\n", missing.display()), "main")
        .unwrap_err();
    assert!(matches!(&e, ConfigError::Io { path, .. } if *path == missing.display().to_string()));

    // A missing directory (trailing '/') is ignored, as LXC does.
    let mut c = ContainerConfig::new();
    c.parse_text(&format!("lxc.include = {}/nope.d/\n", d.display()), "main")
        .unwrap();

    // Self-inclusion stops at the depth limit.
    let looped = d.join("loop.conf");
    std::fs::write(&looped, format!("lxc.include = {}\n", looped.display())).unwrap();
    assert!(matches!(
        ContainerConfig::load(&looped),
        Err(ConfigError::IncludeDepth { line: 1, .. })
    ));

    // Through the API, an include is read and its line appended.
    let mut c = ContainerConfig::new();
    c.set_item("lxc.include", &common.display().to_string())
        .unwrap();
    assert_eq!(c.tty_max, 2);
    assert_eq!(c.lines.len(), 1);
    // Clearing a value that came from an include keeps it cleared after a save.
    c.set_item("lxc.cap.drop", "").unwrap();
    assert!(c.cap_drop.is_empty());
    let reread = parse(&c.to_text());
    assert!(reread.cap_drop.is_empty());
    assert_eq!(reread.tty_max, 2);
    assert!(ContainerConfig::load(&d.join("nonexistent")).is_err());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn no_panics_on_garbage() {
    let inputs = [
        "lxc.=",
        "lxc.net.=1",
        "lxc.net.0.=1",
        "lxc.net.99999999999999999999999.type = veth",
        "lxc.net.18446744073709551615.type = veth\nlxc.network.type = veth",
        "lxc.cgroup.=1",
        "lxc.=\"",
        "lxc.uts.name = \"",
        "lxc.uts.name = '\"",
        "=",
        "lxc",
        "lxc.idmap = u 4294967295 0 1",
        "lxc.mount.auto = shmounts::",
        "lxc.signal.halt = SIGRTMIN+-1",
        "lxc.console.size = 18446744073709551615",
        "lxc.console.buffer.size = 9223372036854775809",
        "lxc.hook.start\u{0} = x",
        "lxc.environment = \u{fffd}",
        "lxc.include =",
    ];
    for text in inputs {
        let mut c = ContainerConfig::new();
        let _ = c.parse_text(text, "fuzz");
        let _ = c.to_text();
        for k in c.keys(None) {
            let _ = c.get_item(&k);
        }
    }
}
