//! The seed's hook example and its LXC 1.0 configuration keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::os::unix::fs::PermissionsExt;
use support::*;

#[test]
fn seed_pre_start_hook_example() {
    let env = Env::new("hook");
    let name = env.name("p");
    env.create_busybox(&name);
    let dir = env.container_dir(&name);
    let out_file = env.root.join("test");
    let hook = dir.join("pre-start.sh");
    // The seed's script, writing to this test's file instead of /tmp/test.
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"arguments: $*\" > {out}\necho \"environment:\" >> {out}\nenv | grep LXC >> {out}\n",
            out = out_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("lxc.hook.pre-start = {}\n", hook.display()));
    std::fs::write(&config, text).unwrap();

    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let got = std::fs::read_to_string(&out_file).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[0], format!("arguments: {name} lxc pre-start"));
    assert_eq!(lines[1], "environment:");
    let rootfs = dir.join("rootfs").display().to_string();
    let mount = if std::path::Path::new("/usr/lib/x86_64-linux-gnu/lxc/rootfs").is_dir() {
        "/usr/lib/x86_64-linux-gnu/lxc/rootfs".to_string()
    } else {
        rootfs.clone()
    };
    for expected in [
        format!("LXC_ROOTFS_MOUNT={mount}"),
        format!("LXC_CONFIG_FILE={}", config.display()),
        format!("LXC_ROOTFS_PATH={rootfs}"),
        format!("LXC_NAME={name}"),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "missing {expected} in:\n{got}"
        );
    }
    // Only LXC's documented variables are there besides.
    // (The harness's own LXC_RS_* settings pass through, as a caller's environment does.)
    for l in lines[2..].iter().filter(|l| !l.starts_with("LXC_RS_")) {
        let var = l.split('=').next().unwrap();
        assert!(
            [
                "LXC_ROOTFS_MOUNT",
                "LXC_CONFIG_FILE",
                "LXC_ROOTFS_PATH",
                "LXC_NAME",
                "LXC_CGNS_AWARE",
                "LXC_LOG_LEVEL",
                "LXC_HOOK_VERSION"
            ]
            .contains(&var),
            "unexpected {l}"
        );
    }
}

#[test]
fn legacy_keys_start_the_same_as_current_ones() {
    let env = Env::new("legacy");
    let name = env.name("old");
    env.create_busybox(&name);
    let dir = env.container_dir(&name);
    let rootfs = dir.join("rootfs");
    // An LXC 1.0 style config, as in the seed.
    std::fs::write(
        dir.join("config"),
        format!(
            "lxc.rootfs = {}\nlxc.utsname = {name}\nlxc.network.type = empty\nlxc.network.flags = up\nlxc.tty = 1\nlxc.pts = 1024\nlxc.haltsignal = SIGUSR1\nlxc.mount.auto = proc:mixed sys:mixed\nlxc.pivotdir = lxc_putold\n",
            rootfs.display()
        ),
    )
    .unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let host = env.ok("lxc-attach", &["-n", &name, "--", "hostname"]);
    assert_eq!(host.trim(), name);
    let ttys = env.ok("lxc-attach", &["-n", &name, "--", "ls", "/dev/tty1"]);
    assert_eq!(ttys.trim(), "/dev/tty1");
    assert_eq!(
        env.ok("lxc-info", &["-n", &name, "-c", "lxc.tty.max"])
            .trim(),
        "lxc.tty.max = 1"
    );
    env.ok("lxc-stop", &["-n", &name, "-t", "20"]);
    assert_eq!(env.state(&name), "STOPPED");
}
