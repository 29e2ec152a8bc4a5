//! The pure cgroup v2 lane: scripts/v2-lane boots Debian's kernel under qemu with only
//! cgroup2 mounted and runs our tools there (memory.max and pids.max enforced, the eBPF device
//! program, freeze, kill, stats, cleanup). This host is hybrid, so that is where v2 is real.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::process::{Command, Stdio};
use support::*;

const CHECKS: [&str; 12] = [
    "layout",
    "memory",
    "pids",
    "devices",
    "devnode",
    "freeze",
    "stats",
    "inner",
    "unprivileged",
    "apparmor",
    "lvm_backend",
    "cleanup",
];

#[test]
fn cgroup_v2_checks_pass_in_a_pure_v2_vm() {
    require_root();
    for tool in ["qemu-system-x86_64", "cpio", "strip"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(
            found.status.success(),
            "{tool} is needed for the v2 lane (scripts/setup.sh installs it)"
        );
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/v2-lane/run.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(bin_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.find("LANE ").map(|at| l[at..].trim_end()))
        .collect();
    assert!(
        lines.contains(&"LANE done"),
        "the VM did not finish its checks:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for check in CHECKS {
        let ok = format!("LANE ok {check}");
        assert!(
            lines.contains(&ok.as_str()),
            "{check}:\n{}",
            lines.join("\n")
        );
    }
}
