//! The seed's `lxc.cgroup.*` limits on the host's v1 hierarchies (this machine is hybrid):
//! memory, pids and devices enforced, the container's view of its cgroups, usage for
//! `lxc-info -S`, LXC's own tools freezing through the v1 freezer, and nothing left behind.
//! On a host without v1 hierarchies the keys are ignored, as LXC does, and that is checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::process::Command;
use support::*;

/// A started busybox container with `config` added; on a pure cgroup2 host, checks that LXC's
/// behaviour (keys ignored, the start succeeds) holds and returns None.
fn start_with(env: &Env, tag: &str, config: &str) -> Option<String> {
    let name = env.name(tag);
    env.create_busybox(&name);
    env.append_config(&name, config);
    env.ok("lxc-start", &["-n", &name]);
    if lxc::cgroup::Layout::current().has_legacy() {
        return Some(name);
    }
    eprintln!("no v1 hierarchies here: the v1 keys must be ignored");
    assert_eq!(env.state(&name), "RUNNING");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    None
}

fn stop_and_check_clean(env: &Env, name: &str) {
    env.ok("lxc-stop", &["-n", name, "-k"]);
    assert_eq!(env.state(name), "STOPPED");
    assert!(no_cgroup_for(name), "cgroups of {name} left behind");
}

#[test]
fn the_seeds_memory_limit_oom_kills_the_hog_and_the_container_stays_manageable() {
    let env = Env::new("v1mem");
    let seed = "lxc.cgroup.memory.limit_in_bytes = 134217728\n";
    let Some(name) = start_with(&env, "m", seed) else {
        return;
    };
    let limit = env.ok("lxc-cgroup", &["-n", &name, "memory.limit_in_bytes"]);
    assert_eq!(limit.trim(), "134217728");
    // dd fills a 200 MB buffer: more than the container may have.
    let out = env.sh(
        &name,
        "dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo status=$?",
    );
    assert!(out.contains("status=137"), "the hog was not killed: {out}");
    let failcnt: u64 = env
        .ok("lxc-cgroup", &["-n", &name, "memory.failcnt"])
        .trim()
        .parse()
        .unwrap();
    assert!(failcnt > 0);
    assert_eq!(env.state(&name), "RUNNING");
    assert_eq!(env.sh(&name, "echo alive").trim(), "alive");
    // A small allocation still works.
    assert!(env
        .sh(
            &name,
            "dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo status=$?"
        )
        .contains("status=0"));
    stop_and_check_clean(&env, &name);
}

#[test]
fn pids_max_stops_a_fork_bomb() {
    let env = Env::new("v1pids");
    let Some(name) = start_with(&env, "p", "lxc.cgroup.pids.max = 20\n") else {
        return;
    };
    // 100 sleepers (harmless should the limit fail); forks past the 20th are refused.
    let _ = env.run(
        "lxc-attach",
        &[
            "-n",
            &name,
            "--",
            "sh",
            "-c",
            "i=0; while [ $i -lt 100 ]; do sleep 60 </dev/null >/dev/null 2>&1 & i=$((i+1)); done 2>/dev/null",
        ],
    );
    let current: u64 = env
        .ok("lxc-cgroup", &["-n", &name, "pids.current"])
        .trim()
        .parse()
        .unwrap();
    assert!(current <= 20, "pids.current = {current}");
    let events = env.ok("lxc-cgroup", &["-n", &name, "pids.events"]);
    let refused: u64 = events
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(refused > 0, "no fork was refused: {events}");
    stop_and_check_clean(&env, &name);
}

#[test]
fn the_seeds_device_list_allows_the_usual_nodes_and_denies_a_made_block_device() {
    let env = Env::new("v1dev");
    let Some(name) = start_with(&env, "d", &seed_devices("lxc.cgroup")) else {
        return;
    };
    assert_seed_devices_enforced(&env, &name);
    stop_and_check_clean(&env, &name);
}

#[test]
fn the_container_sees_its_own_cgroups_and_info_shows_real_usage() {
    let env = Env::new("v1view");
    let config = "lxc.cgroup.memory.limit_in_bytes = 134217728\n\
                  lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed\n";
    let Some(name) = start_with(&env, "v", config) else {
        return;
    };
    // Every hierarchy is rooted at the container's own cgroup.
    let own = env.sh(&name, "cat /proc/self/cgroup");
    assert!(
        own.lines().all(|l| l.ends_with(":/")),
        "cgroup namespace not rooted at the container: {own}"
    );
    let inside = env.sh(
        &name,
        "ls /sys/fs/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
    );
    for dir in ["memory", "pids", "freezer", "unified"] {
        assert!(inside.lines().any(|l| l == dir), "{inside}");
    }
    assert!(inside.contains("134217728"), "{inside}");

    env.sh(&name, "(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done)");
    let stats = env.ok("lxc-info", &["-n", &name, "-S", "-H"]);
    let numbers: Vec<u64> = stats.lines().map(|l| l.trim().parse().unwrap()).collect();
    // CPU use, BlkIO use, Memory use, KMem use, in LXC's order.
    assert_eq!(numbers.len(), 4, "{stats}");
    assert!(numbers[0] > 10_000_000, "CPU use: {stats}");
    assert!(numbers[2] > 100_000, "Memory use: {stats}");
    let labels = env.ok("lxc-info", &["-n", &name, "-S"]);
    assert!(
        labels.contains("CPU use:") && labels.contains("KMem use:"),
        "{labels}"
    );
    stop_and_check_clean(&env, &name);
}

/// Debian's tools freeze through the v1 freezer themselves (they ask our monitor where it is).
#[test]
fn lxcs_own_tools_freeze_and_read_limits_through_the_v1_hierarchies() {
    let env = Env::new("v1deb");
    let Some(name) = start_with(&env, "f", "lxc.cgroup.pids.max = 33\n") else {
        return;
    };
    let debian = |tool: &str, args: &[&str]| {
        let out = Command::new(format!("/usr/bin/{tool}"))
            .arg("-P")
            .arg(&env.lxcpath)
            .args(args)
            .output()
            .expect("Debian's lxc package is needed (scripts/setup.sh installs it)");
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        debian("lxc-cgroup", &["-n", &name, "pids.max"]).trim(),
        "33"
    );
    // Their lxc-info reads the same counters ours does, through our monitor.
    let stats = debian("lxc-info", &["-n", &name, "-S"]);
    for label in ["CPU use:", "BlkIO use:", "Memory use:", "KMem use:"] {
        assert!(stats.contains(label), "{stats}");
    }
    debian("lxc-freeze", &["-n", &name]);
    assert_eq!(env.state(&name), "FROZEN");
    assert!(debian("lxc-info", &["-n", &name, "-s"]).contains("FROZEN"));
    debian("lxc-unfreeze", &["-n", &name]);
    assert_eq!(env.state(&name), "RUNNING");
    // Ours freeze the same way, so Debian's see it.
    env.ok("lxc-freeze", &["-n", &name]);
    assert!(debian("lxc-info", &["-n", &name, "-s"]).contains("FROZEN"));
    debian("lxc-unfreeze", &["-n", &name]);
    assert_eq!(env.state(&name), "RUNNING");
    assert_eq!(env.sh(&name, "echo thawed").trim(), "thawed");
    stop_and_check_clean(&env, &name);
}

/// `lxc.cgroup.dir.container.inner`: the processes (init, attached ones) live in a
/// sub-cgroup where their cgroup namespace is rooted; the limits stay on the outer cgroup,
/// out of the container's reach.
#[test]
fn inner_cgroup_holds_the_processes_and_the_outer_one_the_limits() {
    let env = Env::new("inner");
    let name = env.name("in");
    env.create_busybox(&name);
    env.append_config(
        &name,
        "lxc.cgroup.dir.container.inner = inner\nlxc.cgroup.pids.max = 40\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let host_view = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
    let payload = format!("/lxc.payload.{name}/inner");
    assert!(
        host_view.lines().all(|l| l.ends_with(&payload)),
        "{host_view}"
    );
    assert!(env
        .sh(&name, "cat /proc/self/cgroup")
        .lines()
        .all(|l| l.ends_with(":/")));
    let attached = env.sh(&name, "sleep 30 </dev/null >/dev/null 2>&1 & echo $!");
    let sleeper = env.sh(&name, &format!("cat /proc/{}/cgroup", attached.trim()));
    assert!(sleeper.lines().all(|l| l.ends_with(":/")), "{sleeper}");
    if lxc::cgroup::Layout::current().legacy_with("pids").is_some() {
        // The limit is on the outer cgroup; the inner one, which the container sees, has none.
        assert_eq!(
            env.ok("lxc-cgroup", &["-n", &name, "pids.max"]).trim(),
            "40"
        );
        let outer = lxc::cgroup::Layout::current()
            .legacy_with("pids")
            .unwrap()
            .mount
            .join(format!("lxc.payload.{name}"));
        assert_eq!(
            std::fs::read_to_string(outer.join("inner/pids.max"))
                .unwrap()
                .trim(),
            "max"
        );
    }
    stop_and_check_clean(&env, &name);
}

/// The global `lxc.cgroup.use` limits the v1 hierarchies a container gets.
#[test]
fn cgroup_use_picks_the_v1_hierarchies() {
    let env = Env::new("cguse");
    let layout = lxc::cgroup::Layout::current();
    if layout.legacy_with("memory").is_none() || layout.legacy_with("cpu").is_none() {
        eprintln!("no v1 memory and cpu hierarchies here: nothing to choose from");
        return;
    }
    let name = env.name("cu");
    env.create_busybox(&name);
    let mut global = std::fs::read_to_string(&env.global).unwrap();
    global.push_str("lxc.cgroup.use = memory,pids\n");
    std::fs::write(&env.global, global).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let leaf = format!("lxc.payload.{name}");
    let in_memory = layout
        .legacy_with("memory")
        .unwrap()
        .mount
        .join(&leaf)
        .exists();
    let in_cpu = layout
        .legacy_with("cpu")
        .unwrap()
        .mount
        .join(&leaf)
        .exists();
    let own = env.sh(&name, "cat /proc/self/cgroup");
    stop_and_check_clean(&env, &name);
    assert!(in_memory, "no memory cgroup");
    assert!(
        !in_cpu,
        "a cpu cgroup although lxc.cgroup.use leaves it out"
    );
    assert!(own.lines().any(|l| l.contains(":memory:/")), "{own}");
}
