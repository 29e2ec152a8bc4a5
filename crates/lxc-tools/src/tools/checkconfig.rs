//! lxc-checkconfig: what this kernel offers containers, with the fix for what is missing.

use crate::common::Res;

fn report(label: &str, ok: bool, fix: &str, missing: &mut u32) {
    if ok {
        println!("{label}: enabled");
    } else {
        *missing += 1;
        println!("{label}: missing ({fix})");
    }
}

pub fn run(_args: Vec<String>) -> Res<i32> {
    let ns = |n: &str| std::path::Path::new(&format!("/proc/self/ns/{n}")).exists();
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    let has_fs = |f: &str| fs.lines().any(|l| l.split_whitespace().last() == Some(f));
    let mut missing = 0;
    println!("LXC version {}", lxc::LXC_VERSION);
    println!("--- Namespaces ---");
    for (label, n, opt) in [
        ("Namespaces", "mnt", "CONFIG_NAMESPACES"),
        ("Utsname namespace", "uts", "CONFIG_UTS_NS"),
        ("Ipc namespace", "ipc", "CONFIG_IPC_NS"),
        ("Pid namespace", "pid", "CONFIG_PID_NS"),
        ("User namespace", "user", "CONFIG_USER_NS"),
        ("Network namespace", "net", "CONFIG_NET_NS"),
        (
            "Cgroup namespace",
            "cgroup",
            "CONFIG_CGROUPS and a 4.6+ kernel",
        ),
        ("Time namespace", "time", "CONFIG_TIME_NS"),
    ] {
        report(label, ns(n), &format!("enable {opt}"), &mut missing);
    }
    println!("\n--- Control groups ---");
    let unified = lxc::cgroup::unified_mount();
    report(
        "Cgroup v2 mount",
        unified.is_some(),
        "mount -t cgroup2 none /sys/fs/cgroup",
        &mut missing,
    );
    println!(
        "Cgroup layout: {}",
        if lxc::cgroup::host_is_hybrid() {
            "hybrid (v1 controllers + v2)"
        } else {
            "unified (v2)"
        }
    );
    println!("\n--- Misc ---");
    report(
        "Devpts",
        has_fs("devpts"),
        "enable CONFIG_UNIX98_PTYS and CONFIG_DEVPTS_FS",
        &mut missing,
    );
    report(
        "Overlay filesystem",
        has_fs("overlay"),
        "modprobe overlay (CONFIG_OVERLAY_FS)",
        &mut missing,
    );
    report(
        "Veth pair device",
        std::path::Path::new("/sys/module/veth").exists() || has_fs("sysfs"),
        "modprobe veth (CONFIG_VETH)",
        &mut missing,
    );
    report(
        "Seccomp",
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .contains("Seccomp:"),
        "enable CONFIG_SECCOMP_FILTER",
        &mut missing,
    );
    report(
        "Pidfd",
        std::path::Path::new("/proc/self/fdinfo").exists(),
        "a 5.3+ kernel",
        &mut missing,
    );
    println!("\nNote: lxc-rs checks the running kernel, not a config file.");
    if missing > 0 {
        println!("{missing} feature(s) missing: containers that need them will not start.");
    }
    Ok(0)
}
