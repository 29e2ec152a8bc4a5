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
            "lxc.rootfs = {}\nlxc.utsname = {name}\nlxc.network.type = empty\nlxc.network.flags = up\nlxc.tty = 1\nlxc.pts = 1024\nlxc.devttydir = lxc\nlxc.haltsignal = SIGUSR1\nlxc.mount.auto = proc:mixed sys:mixed\nlxc.pivotdir = lxc_putold\n",
            rootfs.display()
        ),
    )
    .unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let host = env.ok("lxc-attach", &["-n", &name, "--", "hostname"]);
    assert_eq!(host.trim(), name);
    // lxc.devttydir: the nodes live in /dev/lxc, linked from their usual names.
    let tty = env.ok("lxc-attach", &["-n", &name, "--", "readlink", "/dev/tty1"]);
    assert_eq!(tty.trim(), "lxc/tty1");
    let console = env.ok(
        "lxc-attach",
        &["-n", &name, "--", "readlink", "/dev/console"],
    );
    assert_eq!(console.trim(), "lxc/console");
    assert_eq!(
        env.ok("lxc-info", &["-n", &name, "-c", "lxc.tty.max"])
            .trim(),
        "lxc.tty.max = 1"
    );
    env.ok("lxc-stop", &["-n", &name, "-t", "20"]);
    assert_eq!(env.state(&name), "STOPPED");
}

#[test]
fn stop_hooks_reach_the_container_namespaces() {
    let env = Env::new("stophook");
    let name = env.name("sh");
    env.create_busybox(&name);
    let dir = env.container_dir(&name);
    let out_file = env.root.join("stop.out");
    let post_file = env.root.join("post.out");
    let hook = dir.join("stop.sh");
    // Version 0: the namespaces come as `<ns>:<path>` arguments after name, section, type.
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$*\" > {out}\nfor a in \"$@\"; do case $a in mnt:*|uts:*) readlink ${{a#*:}} >> {out};; esac; done\necho \"target=$LXC_TARGET\" >> {out}\n",
            out = out_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let post = dir.join("post.sh");
    std::fs::write(
        &post,
        format!(
            "#!/bin/sh\necho \"$3 $LXC_TARGET\" > {}\n",
            post_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&post, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "lxc.hook.stop = {}\nlxc.hook.post-stop = {}\n",
        hook.display(),
        post.display()
    ));
    std::fs::write(&config, text).unwrap();

    env.ok("lxc-start", &["-n", &name]);
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let uts_inside = std::fs::read_link(format!("/proc/{}/ns/uts", pid.trim())).unwrap();
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let got = std::fs::read_to_string(&out_file).unwrap();
    let first = got.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{name} lxc stop mnt:/proc/")),
        "{got}"
    );
    for ns in ["pid:", "uts:", "ipc:", "net:", "cgroup:"] {
        assert!(first.contains(ns), "{ns} missing: {got}");
    }
    // The fd really is the container's namespace, still open after init is gone.
    assert!(got.lines().any(|l| l.starts_with("mnt:[")), "{got}");
    assert!(
        got.lines().any(|l| std::path::Path::new(l) == uts_inside),
        "{got}"
    );
    assert!(got.contains("target=stop"), "{got}");
    assert_eq!(
        std::fs::read_to_string(&post_file).unwrap().trim(),
        "post-stop stop"
    );
}

#[test]
fn version_1_hooks_get_type_and_section_in_the_environment() {
    let env = Env::new("hookv1");
    let name = env.name("v");
    env.create_busybox(&name);
    let dir = env.container_dir(&name);
    let out_file = env.root.join("v1.out");
    let hook = dir.join("hook.sh");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$# $LXC_HOOK_TYPE $LXC_HOOK_SECTION $LXC_HOOK_VERSION\" >> {out}\n[ \"$LXC_HOOK_TYPE\" = stop ] && echo \"mnt=${{LXC_MNT_NS:-none}}\" >> {out}\nexit 0\n",
            out = out_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    let h = hook.display();
    text.push_str(&format!(
        "lxc.hook.version = 1\nlxc.hook.pre-start = {h}\nlxc.hook.stop = {h}\n"
    ));
    std::fs::write(&config, text).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let got = std::fs::read_to_string(&out_file).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    // No arguments in version 1: type and section come as variables.
    assert_eq!(lines[0], "0 pre-start lxc 1", "{got}");
    assert_eq!(lines[1], "0 stop lxc 1", "{got}");
    assert!(lines[2].starts_with("mnt=/proc/"), "{got}");
}

/// The seed's `lxc.network.hwaddr = 00:16:3e:xx:xx:xx` in the default config: the new
/// container's config holds one filled address, the same every time it is read.
#[test]
fn hwaddr_template_is_filled_once_at_create() {
    let env = Env::new("hwaddr");
    std::fs::write(
        &env.default_conf,
        "lxc.net.0.type = empty\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n",
    )
    .unwrap();
    let name = env.name("hw");
    env.create_busybox(&name);
    let config = std::fs::read_to_string(env.container_dir(&name).join("config")).unwrap();
    let line = config
        .lines()
        .find(|l| l.starts_with("lxc.net.0.hwaddr"))
        .unwrap_or_else(|| panic!("{config}"));
    let mac = line.split('=').nth(1).unwrap().trim().to_string();
    assert!(mac.starts_with("00:16:3e:") && !mac.contains('x'), "{line}");
    for _ in 0..2 {
        let read = env.ok("lxc-info", &["-n", &name, "-c", "lxc.net.0.hwaddr"]);
        assert!(read.contains(&mac), "{read} vs {mac}");
    }
    // Another container from the same template gets its own address.
    let other = env.name("hw2");
    env.create_busybox(&other);
    let second = std::fs::read_to_string(env.container_dir(&other).join("config")).unwrap();
    assert!(!second.contains(&mac), "both got {mac}");
}

/// `lxc.monitor.unshare = 1`: what a pre-start hook mounts reaches the container, never the
/// host's mount table.
#[test]
fn monitor_unshare_keeps_pre_start_mounts_off_the_host() {
    let env = Env::new("monunshare");
    let name = env.name("mu");
    env.create_busybox(&name);
    let hook = env.root.join("mount-hook.sh");
    std::fs::write(
        &hook,
        "#!/bin/sh\nset -e\nmkdir -p \"$LXC_ROOTFS_PATH/mnt/hooked\"\n\
         mount -t tmpfs hooked \"$LXC_ROOTFS_PATH/mnt/hooked\"\n\
         touch \"$LXC_ROOTFS_PATH/mnt/hooked/marker\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.append_config(
        &name,
        &format!(
            "lxc.monitor.unshare = 1\nlxc.hook.pre-start = {}\n",
            hook.display()
        ),
    );
    env.ok("lxc-start", &["-n", &name]);
    assert_eq!(env.sh(&name, "ls /mnt/hooked").trim(), "marker");
    let rootfs = env.container_dir(&name).join("rootfs");
    assert!(no_mounts_under(&rootfs.display().to_string()));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_mounts_under(&rootfs.display().to_string()));
    assert!(!rootfs.join("mnt/hooked/marker").exists());
}
