//! Capabilities: `lxc.cap.drop` / `lxc.cap.keep` shape the bounding set of init and of every
//! attached process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

/// The bounding set (`CapBnd`) a status file shows, as a number.
fn bounding(status: &str) -> u64 {
    set(status, "CapBnd:")
}

/// A capability set (`CapBnd`, `CapInh`, `CapAmb`) a status file shows, as a number.
fn set(status: &str, which: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(which))
        .expect("capability line");
    u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
}

const SYS_ADMIN: u64 = 1 << 21;
const MKNOD: u64 = 1 << 27;
const CHOWN: u64 = 1 << 0;

#[test]
fn dropped_capabilities_are_gone_for_init_and_attach() {
    let env = Env::new("capdrop");
    let name = env.name("cd");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // As the seed writes it (lower case, without CAP_).
    text.push_str("lxc.cap.drop = sys_admin mknod\n");
    std::fs::write(&config, text).unwrap();
    env.ok("lxc-start", &["-n", &name]);

    let status = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/status"]);
    let init = bounding(&status);
    assert_eq!(init & (SYS_ADMIN | MKNOD), 0, "init keeps them: {init:x}");
    assert_eq!(set(&status, "CapInh:") & (SYS_ADMIN | MKNOD), 0);
    assert_eq!(set(&status, "CapAmb:"), 0);
    assert_ne!(init & CHOWN, 0);
    let attached = bounding(&env.ok(
        "lxc-attach",
        &["-n", &name, "--", "cat", "/proc/self/status"],
    ));
    assert_eq!(
        attached & (SYS_ADMIN | MKNOD),
        0,
        "attach keeps them: {attached:x}"
    );
    // Without CAP_SYS_ADMIN nothing can be mounted inside.
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "mount", "-t", "tmpfs", "none", "/mnt"],
    );
    assert!(!out.status.success(), "mount worked without CAP_SYS_ADMIN");
    // -eCAP (an optional argument, so glued on, as with getopt) keeps the capabilities.
    let elevated = bounding(&env.ok(
        "lxc-attach",
        &[
            "-n",
            &name,
            "--elevated-privileges=CAP",
            "--",
            "cat",
            "/proc/self/status",
        ],
    ));
    assert_ne!(elevated & SYS_ADMIN, 0);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn keep_leaves_only_the_listed_capabilities() {
    let env = Env::new("capkeep");
    let name = env.name("ck");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("lxc.cap.keep = chown kill setuid setgid sys_chroot\n");
    std::fs::write(&config, text).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let init = bounding(&env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/status"]));
    let expected = CHOWN | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 18);
    assert_eq!(init, expected, "{init:x}");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn unknown_capability_is_refused_before_start() {
    let env = Env::new("capbad");
    let name = env.name("cb");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("lxc.cap.drop = sys_bogus\n");
    std::fs::write(&config, text).unwrap();
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sys_bogus"));
    assert!(no_monitor(&env.lxcpath, &name));
}

/// An init running as a non-root uid (`lxc.init.uid`) keeps the container's capabilities in
/// its ambient set, as LXC's does; dropped ones stay out.
#[test]
fn a_non_root_init_keeps_the_containers_capabilities_in_its_ambient_set() {
    let env = Env::new("ambient");
    let name = env.name("am");
    env.create_busybox(&name);
    env.append_config(
        &name,
        "lxc.init.uid = 1000\nlxc.init.gid = 1000\nlxc.cap.drop = net_admin\n",
    );
    env.ok(
        "lxc-start",
        &[
            "-n",
            &name,
            "--",
            "/bin/sh",
            "-c",
            "grep -E '^(Uid|CapEff|CapAmb)' /proc/self/status >/caps; exec sleep 600",
        ],
    );
    let text = read_when(&env.container_dir(&name).join("rootfs/caps"), |t| {
        t.lines().count() == 3
    });
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let field = |key: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{text}"));
        u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
    };
    assert!(
        text.lines()
            .any(|l| l.starts_with("Uid:") && l.contains("1000")),
        "{text}"
    );
    let ambient = field("CapAmb:");
    assert_ne!(ambient & (1 << 21), 0, "sys_admin kept: {text}");
    assert_eq!(ambient & (1 << 12), 0, "net_admin stays dropped: {text}");
    assert_eq!(field("CapEff:"), ambient, "{text}");
}
