//! Keys whose effect is easy to take for granted: `lxc.console.path = none`,
//! `lxc.init.groups` on its own, a `relative` mount entry; and combinations LXC refuses
//! (`lxc.cap.drop` with `lxc.cap.keep`) or that are not built yet (shmounts, `idmap=` in a
//! mount entry), each refused at start with nothing left running.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn console_none_groups_and_relative_entries_take_effect() {
    let env = Env::new("effects");
    let name = env.name("fx");
    env.create_busybox(&name);
    let rootfs = env.container_dir(&name).join("rootfs");
    std::fs::create_dir_all(rootfs.join("srv/data")).unwrap();
    std::fs::write(rootfs.join("srv/data/file"), "inside\n").unwrap();
    // An absolute link in the rootfs: a relative source through it stays in the rootfs.
    std::os::unix::fs::symlink("/etc", rootfs.join("srv/link")).unwrap();
    env.append_config(
        &name,
        "lxc.console.path = none\nlxc.init.groups = 5,7\n\
         lxc.mount.entry = srv/data mnt/rel none bind,relative,create=dir 0 0\n\
         lxc.mount.entry = srv/link mnt/etc none bind,relative,create=dir,ro 0 0\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let out = env.sh(
        &name,
        "test -e /dev/console || echo no-console; grep ^Groups: /proc/1/status; \
         cat /mnt/rel/file /mnt/etc/hostname",
    );
    let console = env.run("lxc-console", &["-n", &name, "-t", "0"]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(lines[0], "no-console");
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["Groups:", "5", "7"]
    );
    assert_eq!(&lines[2..], ["inside", name.as_str()], "{out}");
    assert!(!console.status.success());
}

/// Without autodev the rootfs keeps its own /dev, and the container still gets a devpts
/// of its own, /dev/ptmx leading to it (a link made where the rootfs has none, the pts one
/// bound over a node it has).
#[test]
fn a_container_without_autodev_gets_its_own_devpts() {
    let env = Env::new("effects3");
    for with_node in [false, true] {
        let name = env.name("ad");
        env.create_busybox(&name);
        let dev = env.container_dir(&name).join("rootfs/dev");
        std::fs::create_dir_all(&dev).unwrap();
        let _ = std::fs::remove_file(dev.join("ptmx"));
        if with_node {
            let made = std::process::Command::new("mknod")
                .arg(dev.join("ptmx"))
                .args(["c", "5", "2"])
                .status()
                .unwrap();
            assert!(made.success());
        }
        env.append_config(&name, "lxc.autodev = 0\n");
        env.ok("lxc-start", &["-n", &name]);
        let out = env.sh(
            &name,
            "grep -c ' /dev/pts devpts ' /proc/mounts; \
             test -L /dev/ptmx && readlink /dev/ptmx; \
             test -c /dev/ptmx && stat -c %d /dev/ptmx /dev/pts/ptmx",
        );
        env.ok("lxc-stop", &["-n", &name, "-k"]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "1", "{out}");
        if with_node {
            // The bound ptmx is the container's devpts one (same filesystem).
            assert_eq!(lines.len(), 3, "{out}");
            assert_eq!(lines[1], lines[2], "{out}");
        } else {
            assert_eq!(lines[1], "pts/ptmx", "{out}");
        }
    }
}

#[test]
fn refused_combinations_name_the_keys_and_leave_nothing_running() {
    let env = Env::new("effects2");
    for (lines, says) in [
        (
            "lxc.cap.drop = mknod\nlxc.cap.keep = chown\n",
            "lxc.cap.drop and lxc.cap.keep are both set",
        ),
        (
            "lxc.mount.auto = shmounts:/tmp/shared\n",
            "not supported yet: lxc.mount.auto (shmounts)",
        ),
        (
            "lxc.mount.entry = /tmp mnt none bind,idmap=container 0 0\n",
            "not supported yet: idmap=",
        ),
    ] {
        let name = env.name("rf");
        env.create_busybox(&name);
        env.append_config(&name, lines);
        let out = env.run("lxc-start", &["-n", &name]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{lines}");
        assert!(err.contains(says), "{lines}: {err}");
        assert_eq!(env.state(&name), "STOPPED");
        assert!(no_monitor(&env.lxcpath, &name));
        assert!(no_cgroup_for(&name));
    }
    // lxc-start -c sets lxc.console.path for the start: a device is not built yet.
    let name = env.name("rc");
    env.create_busybox(&name);
    let out = env.run("lxc-start", &["-n", &name, "-c", "/dev/tty5"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not supported yet: lxc.console.path"), "{err}");
    env.ok("lxc-start", &["-n", &name, "-c", "none"]);
    let console = env.sh(&name, "test -e /dev/console || echo none");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(console.trim(), "none");
}
