//! The threat model as tests: a container must never make the host follow its symlinks, nor
//! reach a host binary of ours through /proc (CVE-2019-5736 and the mount-target CVEs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn host_mounts_mention(path: &std::path::Path) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(path.to_str().unwrap())
}

#[test]
fn execute_init_is_a_sealed_copy_not_a_host_binary() {
    let env = Env::new("sealed");
    let name = env.name("s");
    env.create_busybox(&name);
    let helper = bin_dir().join("lxc-rs-init");
    let before = std::fs::read(&helper).unwrap();
    let out = env.run(
        "lxc-execute",
        &["-n", &name, "--", "sh", "-c", "readlink /proc/1/exe; (echo x > /proc/1/exe) 2>/dev/null && echo WROTE || echo refused"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("memfd:lxc-rs-init"), "{stdout}");
    assert!(
        stdout.contains("refused") && !stdout.contains("WROTE"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(&helper).unwrap(),
        before,
        "the host's init changed"
    );
}

#[test]
fn proc_symlink_in_rootfs_cannot_redirect_a_mount_to_the_host() {
    let env = Env::new("symproc");
    let name = env.name("p");
    env.create_busybox(&name);
    let victim = env.root.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    let rootfs = env.container_dir(&name).join("rootfs");
    std::fs::remove_dir(rootfs.join("proc")).unwrap();
    std::os::unix::fs::symlink(&victim, rootfs.join("proc")).unwrap();
    // The same path exists inside the rootfs: resolved there, the mount lands inside and
    // the container starts; the host's directory is never mounted on.
    let inside = rootfs.join(victim.strip_prefix("/").unwrap());
    std::fs::create_dir_all(&inside).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    assert!(
        !host_mounts_mention(&victim),
        "a mount landed on the host's {victim:?}"
    );
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
    let comm = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/comm"]);
    assert_eq!(comm.trim(), "init");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn mount_entry_cannot_climb_out_of_the_rootfs() {
    let env = Env::new("climb");
    let name = env.name("c");
    env.create_busybox(&name);
    let escape = env.root.join("escape");
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Enough `..` to reach / from the rootfs, then the host path.
    let ups = "../".repeat(20);
    text.push_str(&format!(
        "lxc.mount.entry = tmpfs {ups}{} tmpfs create=dir 0 0\n",
        escape.display().to_string().trim_start_matches('/')
    ));
    std::fs::write(&config, text).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    assert!(!escape.exists(), "the entry created {escape:?} on the host");
    assert!(!host_mounts_mention(&escape));
    // It landed inside the container instead.
    let inside = env.sh(
        &name,
        &format!("grep -c ' {} ' /proc/mounts", escape.display()),
    );
    assert_eq!(inside.trim(), "1");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn dev_console_symlink_cannot_bind_over_a_host_file() {
    let env = Env::new("console");
    let name = env.name("k");
    env.create_busybox(&name);
    let victim = env.root.join("victim-file");
    std::fs::write(&victim, "host data\n").unwrap();
    let rootfs = env.container_dir(&name).join("rootfs");
    std::fs::create_dir_all(rootfs.join("dev/pts")).unwrap();
    std::os::unix::fs::symlink(&victim, rootfs.join("dev/console")).unwrap();
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Without autodev the container's own /dev is used, symlinks and all.
    text.push_str("lxc.autodev = 0\n");
    std::fs::write(&config, text).unwrap();
    // The same path exists inside the rootfs: that is where the console goes.
    let inside = rootfs.join(victim.strip_prefix("/").unwrap());
    std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
    std::fs::write(&inside, "container data\n").unwrap();
    env.ok("lxc-start", &["-n", &name]);
    assert!(
        !host_mounts_mention(&victim),
        "the console was bound over the host's file"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "host data\n");
    let mounts = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/mounts"]);
    assert!(
        mounts.contains(victim.to_str().unwrap()),
        "console bound inside the container: {mounts}"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn only_the_standard_fds_reach_the_container() {
    let env = Env::new("fds");
    let name = env.name("f");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    // Init: exactly 0, 1 and 2 (its console). An attached shell: its own stdio only.
    let init = env.ok("lxc-attach", &["-n", &name, "--", "ls", "/proc/1/fd"]);
    assert_eq!(
        init.split_whitespace().collect::<Vec<_>>(),
        ["0", "1", "2"],
        "{init}"
    );
    // (A second command keeps busybox sh from exec'ing ls, whose own fd would show.)
    let shell = env.sh(&name, "ls /proc/$$/fd; true");
    assert_eq!(
        shell.split_whitespace().collect::<Vec<_>>(),
        ["0", "1", "2"],
        "{shell}"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn sysctl_and_proc_items_apply_inside_only() {
    let env = Env::new("sysctl");
    let name = env.name("s");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("lxc.sysctl.net.ipv4.ip_forward = 1\nlxc.proc.oom_score_adj = 100\n");
    std::fs::write(&config, &text).unwrap();
    let host_forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let inside = env.ok(
        "lxc-attach",
        &["-n", &name, "--", "cat", "/proc/sys/net/ipv4/ip_forward"],
    );
    assert_eq!(inside.trim(), "1");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap(),
        host_forward
    );
    let adj = env.ok(
        "lxc-attach",
        &["-n", &name, "--", "cat", "/proc/1/oom_score_adj"],
    );
    assert_eq!(adj.trim(), "100");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    // Lowering oom_score_adj needs CAP_SYS_RESOURCE, which root here may lack: if it fails,
    // the error says so and nothing is left running.
    std::fs::write(
        &config,
        text.replace("oom_score_adj = 100", "oom_score_adj = -100"),
    )
    .unwrap();
    let out = env.run("lxc-start", &["-n", &name]);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("lxc.proc.oom_score_adj") && err.contains("CAP_SYS_RESOURCE"),
            "{err}"
        );
        assert!(no_monitor(&env.lxcpath, &name));
    } else {
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    }
}

#[test]
fn sys_mixed_is_read_only_but_for_the_containers_own_network_devices() {
    let env = Env::new("sysmixed");
    let name = env.name("sm");
    env.create_busybox(&name);
    let host_qlen = std::fs::read_to_string("/sys/class/net/lo/tx_queue_len").unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let out = env.sh(&name, "echo 77 > /sys/devices/virtual/net/lo/tx_queue_len; cat /sys/devices/virtual/net/lo/tx_queue_len");
    assert_eq!(out.trim(), "77");
    assert_eq!(
        std::fs::read_to_string("/sys/class/net/lo/tx_queue_len").unwrap(),
        host_qlen
    );
    let denied = env.run(
        "lxc-attach",
        &[
            "-n",
            &name,
            "--",
            "sh",
            "-c",
            "echo 1 > /sys/kernel/mm/ksm/run",
        ],
    );
    assert!(
        !denied.status.success(),
        "the rest of /sys must be read-only"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// Without AppArmor or SELinux (this host) their keys are logged and the start goes on, as
/// in LXC; with one of them, init carries the label (tests/v2_lane.rs checks AppArmor).
#[test]
fn lsm_keys_without_a_security_module_are_logged_and_the_start_goes_on() {
    let env = Env::new("lsm");
    let name = env.name("ls");
    env.create_busybox(&name);
    env.append_config(
        &name,
        "lxc.apparmor.profile = generated\nlxc.apparmor.allow_nesting = 1\n\
         lxc.apparmor.raw = deny /opt/** w,\nlxc.selinux.context = system_u:system_r:lxc_t:s0\n",
    );
    let log = env.root.join("lsm.log");
    let log_arg = log.display().to_string();
    env.ok("lxc-start", &["-n", &name, "-l", "info", "-o", &log_arg]);
    assert_eq!(env.state(&name), "RUNNING");
    let pid: i32 = env
        .ok("lxc-info", &["-n", &name, "-p", "-H"])
        .trim()
        .parse()
        .unwrap();
    match lxc::lsm::active() {
        None => {
            let text = std::fs::read_to_string(&log).unwrap();
            assert!(
                text.contains("no AppArmor or SELinux on this host"),
                "{text}"
            );
        }
        Some(_) => {
            let label = lxc::lsm::current_label(pid).unwrap_or_default();
            assert!(label.starts_with(&format!("lxc-{name}_<")), "{label}");
        }
    }
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// A mount entry whose target is an absolute symlink to a host directory mounts inside the
/// rootfs (the link is resolved as if the rootfs were /), never over the host's directory.
#[test]
fn mount_target_symlink_to_a_host_path_stays_inside() {
    let env = Env::new("mntlink");
    let name = env.name("ml");
    env.create_busybox(&name);
    let host_dir = env.root.join("host-dir");
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::write(host_dir.join("keep"), "host\n").unwrap();
    let rootfs = env.container_dir(&name).join("rootfs");
    std::os::unix::fs::symlink(&host_dir, rootfs.join("mnt/evil")).unwrap();
    // The same path exists inside the rootfs: that is where the link leads.
    std::fs::create_dir_all(rootfs.join(host_dir.strip_prefix("/").unwrap())).unwrap();
    env.append_config(
        &name,
        "lxc.mount.entry = tmpfs mnt/evil tmpfs create=dir 0 0\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    assert!(
        !host_mounts_mention(&host_dir),
        "a tmpfs covers the host's directory"
    );
    assert_eq!(
        std::fs::read_to_string(host_dir.join("keep")).unwrap(),
        "host\n"
    );
    let inside = env.sh(
        &name,
        &format!("grep -c ' {} tmpfs ' /proc/mounts", host_dir.display()),
    );
    assert_eq!(inside.trim(), "1", "the tmpfs is not inside the container");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// Without autodev the rootfs's own /dev is used: a /dev/null that links to a host file is
/// followed inside the container only, and the host file is never written.
#[test]
fn dev_null_symlink_never_reaches_a_host_file() {
    let env = Env::new("devnull");
    let name = env.name("dn");
    env.create_busybox(&name);
    let victim = env.root.join("victim");
    std::fs::write(&victim, "host data\n").unwrap();
    let rootfs = env.container_dir(&name).join("rootfs");
    std::fs::create_dir_all(rootfs.join("dev")).unwrap();
    let _ = std::fs::remove_file(rootfs.join("dev/null"));
    std::os::unix::fs::symlink(&victim, rootfs.join("dev/null")).unwrap();
    env.append_config(&name, "lxc.autodev = 0\n");
    let out = env.run("lxc-start", &["-n", &name]);
    if out.status.success() {
        env.sh(&name, "echo written-through >/dev/null; true");
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "host data\n");
    assert!(!host_mounts_mention(&victim));
}

/// An attached program starts in the container's / (or the asked directory inside), never in
/// the caller's host directory, and holds no fd to it (the /proc/self/fd/N cwd escape).
#[test]
fn attached_programs_hold_no_host_directory() {
    let env = Env::new("cwd");
    let name = env.name("cw");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let caller_dir = env.root.join("caller-cwd-marker");
    std::fs::create_dir_all(&caller_dir).unwrap();
    let out = env
        .cmd("lxc-attach")
        .current_dir(&caller_dir)
        .args(["-P", &env.lxcpath, "-n", &name, "--", "sh", "-c"])
        .arg("readlink /proc/self/cwd; for f in /proc/$$/fd/*; do readlink $f; done; ls /proc/self/cwd/")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().next(), Some("/"), "{text}");
    assert!(!text.contains("caller-cwd-marker"), "{text}");
    assert!(
        text.lines().any(|l| l == "bin"),
        "not the container's root: {text}"
    );
    let init_cwd = env.sh(&name, "readlink /proc/1/cwd");
    assert_eq!(init_cwd.trim(), "/");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// `lxc.prlimit.*` sets init's limits; one above what this root may raise (it lacks
/// CAP_SYS_RESOURCE) fails the start with the key and the reason, leaving nothing behind.
#[test]
fn prlimits_apply_and_a_refused_one_says_why() {
    let env = Env::new("prlimit");
    let name = env.name("pl");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.prlimit.nofile = 1234:4321\n");
    env.ok("lxc-start", &["-n", &name]);
    let limits = env.sh(&name, "cat /proc/1/limits");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(
        limits
            .lines()
            .any(|l| l.starts_with("Max open files") && l.contains("1234") && l.contains("4321")),
        "{limits}"
    );
    let hard: u64 = std::fs::read_to_string("/proc/self/limits")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 20);
    let can_raise = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 24) != 0);
    if can_raise {
        return;
    }
    env.append_config(&name, &format!("lxc.prlimit.nofile = {}\n", hard + 1000));
    let out = env.run("lxc-start", &["-n", &name]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("lxc.prlimit.nofile") && err.contains("CAP_SYS_RESOURCE"),
        "{err}"
    );
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_cgroup_for(&name));
}

/// `lxc.sched.core = 1`: where the kernel has core scheduling the container runs with a
/// cookie of its own (attach shares it); where it has none (this machine's kernel), the
/// start fails naming the key, and nothing is left behind.
#[test]
fn sched_core_runs_or_is_refused_cleanly() {
    let env = Env::new("schedcore");
    let name = env.name("sc");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.sched.core = 1\n");
    let out = env.run("lxc-start", &["-n", &name]);
    if out.status.success() {
        assert_eq!(env.sh(&name, "echo attached").trim(), "attached");
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("lxc.sched.core"), "{err}");
        assert_eq!(env.state(&name), "STOPPED");
    }
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
}
