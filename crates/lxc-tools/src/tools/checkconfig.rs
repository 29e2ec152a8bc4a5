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
    let layout = lxc::cgroup::Layout::current();
    // /proc/cgroups: name, hierarchy, number of cgroups, enabled.
    let known = std::fs::read_to_string("/proc/cgroups").unwrap_or_default();
    let controller = |name: &str| {
        known.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first() == Some(&name) && f.get(3) == Some(&"1")
        })
    };
    report(
        "Cgroups",
        !layout.hierarchies.is_empty(),
        "enable CONFIG_CGROUPS and mount cgroup2 on /sys/fs/cgroup",
        &mut missing,
    );
    println!("Cgroup v1 mount points: ");
    for h in layout.legacy() {
        println!(" - {}", h.mount.display());
    }
    println!("Cgroup v2 mount points: ");
    if let Some(u) = layout.unified() {
        println!(" - {}", u.mount.display());
    }
    if let Some(cpuset) = layout.legacy_with("cpuset") {
        report(
            "Cgroup v1 clone_children flag",
            cpuset.mount.join("cgroup.clone_children").exists(),
            "a kernel with cgroup.clone_children",
            &mut missing,
        );
    }
    for (label, name, option) in [
        (
            "Cgroup device",
            "devices",
            "CONFIG_CGROUP_DEVICE (v1) or CONFIG_CGROUP_BPF (v2)",
        ),
        ("Cgroup sched", "cpu", "CONFIG_CGROUP_SCHED"),
        ("Cgroup cpu account", "cpuacct", "CONFIG_CGROUP_CPUACCT"),
        ("Cgroup memory controller", "memory", "CONFIG_MEMCG"),
        ("Cgroup cpuset", "cpuset", "CONFIG_CPUSETS"),
    ] {
        // On cgroup2 the device controller is an eBPF program and CPU accounting is core.
        let v2_core = layout.unified().is_some() && matches!(name, "devices" | "cpuacct");
        report(
            label,
            controller(name) || v2_core,
            &format!("enable {option}"),
            &mut missing,
        );
    }
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
