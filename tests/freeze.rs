//! Freeze and thaw (the v1 freezer where the host has one, else the unified hierarchy's
//! `cgroup.freeze`): a busy loop's CPU time stays flat while frozen and grows again after,
//! and a frozen container still stops.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::time::Duration;
use support::*;

/// CPU time of the container's cgroup in nanoseconds (`lxc-info -S -H`).
fn cpu(env: &Env, name: &str) -> u64 {
    let out = env.ok("lxc-info", &["-n", name, "-S", "-H"]);
    out.lines().next().unwrap().trim().parse().unwrap()
}

#[test]
fn freeze_stops_a_busy_loop_and_thaw_resumes_it() {
    let env = Env::new("freeze");
    let name = env.name("fz");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    // A busy loop left running in the container.
    env.sh(&name, "(while :; do :; done) >/dev/null 2>&1 &");
    let a = cpu(&env, &name);
    std::thread::sleep(Duration::from_millis(300));
    assert!(cpu(&env, &name) > a + 50_000_000, "the loop is not running");

    env.ok("lxc-freeze", &["-n", &name]);
    assert_eq!(env.state(&name), "FROZEN");
    env.ok("lxc-wait", &["-n", &name, "-s", "FROZEN", "-t", "1"]);
    assert!(env
        .ok("lxc-ls", &["--frozen"])
        .lines()
        .any(|l| l.trim() == name));
    let frozen = cpu(&env, &name);
    std::thread::sleep(Duration::from_millis(400));
    let later = cpu(&env, &name);
    assert!(
        later - frozen < 5_000_000,
        "CPU time grew while frozen: {frozen} -> {later}"
    );

    env.ok("lxc-unfreeze", &["-n", &name]);
    assert_eq!(env.state(&name), "RUNNING");
    let thawed = cpu(&env, &name);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        cpu(&env, &name) > thawed + 50_000_000,
        "the loop did not resume"
    );

    // Freezing twice is fine; a frozen container still stops, hard or clean.
    env.ok("lxc-freeze", &["-n", &name]);
    env.ok("lxc-freeze", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_cgroup_for(&name));
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-freeze", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-t", "30"]);
    assert_eq!(env.state(&name), "STOPPED");
}

#[test]
fn freeze_of_a_stopped_container_fails_clearly() {
    let env = Env::new("freezebad");
    let name = env.name("fb");
    env.create_busybox(&name);
    let out = env.run("lxc-freeze", &["-n", &name]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not running"));
}

#[test]
fn cgroup_items_read_and_write_the_containers_cgroup() {
    let env = Env::new("cgitems");
    let name = env.name("ci");
    env.create_busybox(&name);
    let out = env.run("lxc-cgroup", &["-n", &name, "cgroup.procs"]);
    assert!(!out.status.success(), "a stopped container has no cgroup");
    env.ok("lxc-start", &["-n", &name]);
    let init = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let procs = env.ok("lxc-cgroup", &["-n", &name, "cgroup.procs"]);
    assert!(procs.lines().any(|l| l.trim() == init.trim()), "{procs}");
    env.ok("lxc-cgroup", &["-n", &name, "cgroup.max.descendants", "3"]);
    assert_eq!(
        env.ok("lxc-cgroup", &["-n", &name, "cgroup.max.descendants"])
            .trim(),
        "3"
    );
    // Paths are refused, and a missing item says why.
    let out = env.run("lxc-cgroup", &["-n", &name, "../cgroup.procs"]);
    assert!(!out.status.success());
    let out = env.run("lxc-cgroup", &["-n", &name, "no.such.item"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no cgroup item"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// lxc-top in batch mode: a frame lists every running container with its use and a total;
/// `-s c` puts the busiest first.
#[test]
fn top_lists_running_containers_busiest_first() {
    use std::io::BufRead;
    let env = Env::new("top");
    let (busy, idle) = (env.name("busy"), env.name("idle"));
    for name in [&busy, &idle] {
        env.create_busybox(name);
        env.ok("lxc-start", &["-n", name]);
    }
    env.sh(&busy, "(while :; do :; done) >/dev/null 2>&1 &");
    std::thread::sleep(Duration::from_millis(500));
    let mut top = env
        .cmd("lxc-top")
        .args(["-P", &env.lxcpath, "-b", "-d", "1", "-s", "c"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut frame = Vec::new();
    for line in std::io::BufReader::new(top.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("TOTAL");
        frame.push(line);
        if done {
            break;
        }
    }
    let _ = top.kill();
    let _ = top.wait();
    assert!(
        frame[0].starts_with("Container") && frame[1].starts_with("Name"),
        "{frame:?}"
    );
    let first = frame[2].split_whitespace().next().unwrap();
    assert!(busy.starts_with(first), "busiest first: {frame:?}");
    assert!(frame
        .iter()
        .any(|l| idle.starts_with(l.split_whitespace().next().unwrap())));
    assert!(
        frame.last().unwrap().starts_with("TOTAL 2 of 2"),
        "{frame:?}"
    );
    let cpu: f64 = frame[2].split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(cpu > 0.1, "{frame:?}");
    for name in [&busy, &idle] {
        env.ok("lxc-stop", &["-n", name, "-k"]);
    }
}
