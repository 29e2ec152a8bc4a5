//! Concurrency: operations on one container serialize; many containers start at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn twenty_parallel_starts_all_succeed() {
    let env = Env::new("par");
    let names: Vec<String> = (0..20).map(|_| env.name("par")).collect();
    for n in &names {
        env.create_busybox(n);
    }
    let handles: Vec<_> = names
        .iter()
        .map(|n| {
            let mut cmd = env.cmd("lxc-start");
            cmd.args(["-P", &env.lxcpath, "-n", n]);
            std::thread::spawn(move || cmd.output().unwrap())
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let active = lxc::list_active_containers(&env.lxcpath);
    assert_eq!(active.len(), 20, "{active:?}");
    let handles: Vec<_> = names
        .iter()
        .map(|n| {
            let mut cmd = env.cmd("lxc-stop");
            cmd.args(["-P", &env.lxcpath, "-n", n, "-k"]);
            std::thread::spawn(move || cmd.output().unwrap())
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().status.success());
    }
    assert!(lxc::list_active_containers(&env.lxcpath).is_empty());
}

#[test]
fn same_container_started_concurrently_runs_once() {
    let env = Env::new("race");
    let name = env.name("race");
    env.create_busybox(&name);
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let mut cmd = env.cmd("lxc-start");
            cmd.args(["-P", &env.lxcpath, "-n", &name]);
            std::thread::spawn(move || cmd.output().unwrap())
        })
        .collect();
    let ok = handles
        .into_iter()
        .filter(|_| true)
        .map(|h| h.join().unwrap())
        .filter(|o| o.status.success())
        .count();
    assert_eq!(ok, 1, "exactly one start wins");
    assert_eq!(env.state(&name), "RUNNING");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}
