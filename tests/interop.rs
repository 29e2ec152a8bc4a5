//! Drop-in check: Debian's LXC 5.0.2 tools and ours understand each other's monitors
//! (command socket wire format, state clients, pidfds).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::process::Command;
use support::*;

fn lxc(tool: &str, lxcpath: &str, args: &[&str]) -> std::process::Output {
    let path = format!("/usr/bin/{tool}");
    assert!(
        std::path::Path::new(&path).exists(),
        "Debian's lxc package is needed (scripts/setup.sh installs it)"
    );
    Command::new(path)
        .arg("-P")
        .arg(lxcpath)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn debian_tools_drive_our_container() {
    let env = Env::new("interop");
    let name = env.name("i");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let info = lxc("lxc-info", &env.lxcpath, &["-n", &name]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("RUNNING") && text.contains("PID:"), "{text}");
    assert!(lxc(
        "lxc-wait",
        &env.lxcpath,
        &["-n", &name, "-s", "RUNNING", "-t", "2"]
    )
    .status
    .success());
    let host = lxc("lxc-attach", &env.lxcpath, &["-n", &name, "--", "hostname"]);
    assert_eq!(String::from_utf8_lossy(&host.stdout).trim(), name);
    assert!(lxc("lxc-stop", &env.lxcpath, &["-n", &name, "-k"])
        .status
        .success());
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_cgroup_for(&name));
}

#[test]
fn our_tools_drive_a_debian_lxc_container() {
    let env = Env::new("interop2");
    let name = env.name("d");
    let conf = env.root.join("net.conf");
    std::fs::write(&conf, "lxc.net.0.type = empty\n").unwrap();
    let out = lxc(
        "lxc-create",
        &env.lxcpath,
        &["-n", &name, "-t", "busybox", "-f", conf.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(lxc("lxc-start", &env.lxcpath, &["-n", &name])
        .status
        .success());
    env.ok("lxc-wait", &["-n", &name, "-s", "RUNNING", "-t", "5"]);
    assert_eq!(env.state(&name), "RUNNING");
    let host = env.ok("lxc-attach", &["-n", &name, "--", "hostname"]);
    // LXC 5.0's monitor answers lxc.cap.keep with its drop list: the attached program
    // still lacks just what init lacks.
    let bounds = env.ok(
        "lxc-attach",
        &[
            "-n",
            &name,
            "--",
            "grep",
            "CapBnd",
            "/proc/1/status",
            "/proc/self/status",
        ],
    );
    let masks: Vec<&str> = bounds
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(masks.len(), 2, "{bounds}");
    assert_eq!(masks[0], masks[1], "{bounds}");
    assert_ne!(masks[0], "000001ffffffffff", "{bounds}");
    assert_eq!(host.trim(), name);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let s = lxc("lxc-info", &env.lxcpath, &["-n", &name, "-s", "-H"]);
    assert_eq!(String::from_utf8_lossy(&s.stdout).trim(), "STOPPED");
}
