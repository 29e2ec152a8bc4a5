//! Seccomp: a policy file confines init and every attached process; a broken one stops the
//! start before any process exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn with_profile(env: &Env, name: &str, key: &str, policy: &str) -> std::path::PathBuf {
    let file = env.root.join(format!("{name}.seccomp"));
    std::fs::write(&file, policy).unwrap();
    let config = env.container_dir(name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("{key} = {}\n", file.display()));
    std::fs::write(&config, text).unwrap();
    file
}

#[test]
fn denylist_makes_mknod_fail_with_eperm_inside() {
    let env = Env::new("seccomp");
    let name = env.name("sc");
    env.create_busybox(&name);
    // Without a policy mknod works (root in a privileged container)...
    env.ok("lxc-start", &["-n", &name]);
    env.ok(
        "lxc-attach",
        &["-n", &name, "--", "mknod", "/tmp/free", "c", "1", "3"],
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    // ... with `mknod errno 1` it fails with EPERM, for init's world and attached processes.
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod errno 1\nmknodat errno 1\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let status = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/status"]);
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Seccomp:", "2"]),
        "{status}"
    );
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "mknod", "/tmp/denied", "c", "1", "3"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn legacy_key_and_allowlist_with_arguments() {
    let env = Env::new("seccomp2");
    let name = env.name("sl");
    env.create_busybox(&name);
    // LXC 1.0's key, a denylist written with 1.0's word, and an argument filter: only
    // kill(..., SIGUSR2) is refused.
    with_profile(
        &env,
        &name,
        "lxc.seccomp",
        "2\nblacklist\nkill errno 1 [1,12,SCMP_CMP_EQ]\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "sh", "-c", "kill -USR2 $$"],
    );
    assert!(!out.status.success(), "kill -USR2 was allowed");
    env.sh(&name, "kill -0 1");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn broken_policy_is_refused_with_file_and_line() {
    let env = Env::new("seccompbad");
    let name = env.name("sb");
    env.create_busybox(&name);
    let file = with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod errno 1\nptrace trace\n",
    );
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4", file.display())), "{err}");
    assert!(no_monitor(&env.lxcpath, &name) && no_cgroup_for(&name));
}
