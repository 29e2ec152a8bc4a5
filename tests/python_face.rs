//! Our own Python module (`lxc`, PyO3): the same lifecycle and attach_wait scripts that
//! Debian's python3-lxc runs, and its answers to calls it cannot serve yet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn run_script(env: &Env, interpreter: &str, script: &str, name: &str) -> String {
    let pkg = python_package(env);
    python(env, interpreter, script, name, &[("PYTHONPATH", &pkg)])
}

#[test]
fn lifecycle_through_import_lxc() {
    let env = Env::new("pyface");
    let name = env.name("pf");
    let out = run_script(&env, "python3", "tests/python/debian_python3_lxc.py", &name);
    assert!(
        out.contains("state: RUNNING") && out.contains("defined after destroy: False"),
        "{out}"
    );
    assert!(out.contains(&format!("listed: ['{name}']")), "{out}");
    assert!(out.contains("console: True"), "{out}");
    assert!(out.contains("max.depth: 2"), "{out}");
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
}

#[test]
fn attach_wait_runs_python_inside_also_from_a_second_thread() {
    let env = Env::new("pyattach2");
    let name = env.name("pa");
    let out = run_script(
        &env,
        "python3",
        "tests/python/debian_python3_lxc_attach.py",
        &name,
    );
    assert!(out.contains(&format!("Hostname: {name}")), "{out}");
    assert_eq!(out.matches("function status").count(), 1, "{out}");
    assert!(
        out.contains("function status 7") && out.contains("command status 3"),
        "{out}"
    );
    assert!(out.contains("thread result [0]"), "{out}");
    // stdout= reached the command; personality= made uname say i686.
    assert!(out.contains("redirected 0 i686"), "{out}");
}

#[test]
fn calls_without_their_feature_raise_naming_it() {
    let env = Env::new("pyerr");
    let name = env.name("pe");
    let out = run_script(&env, "python3", "tests/python/rs_lxc_errors.py", &name);
    assert!(out.contains("errors ok"), "{out}");
}

#[test]
fn the_same_module_loads_in_debians_python() {
    // One abi3 build serves every Python 3.9+.
    let env = Env::new("pydeb");
    let name = env.name("pd");
    let out = run_script(
        &env,
        "/usr/bin/python3",
        "tests/python/rs_lxc_errors.py",
        &name,
    );
    assert!(out.contains("errors ok"), "{out}");
}

#[test]
fn get_ips_and_get_interfaces_read_the_namespace() {
    let env = Env::new("pyips");
    let name = env.name("pi");
    env.create_busybox(&name);
    let iface = start_with_addresses(&env, &name);
    let out = run_script(&env, "python3", "tests/python/ips.py", &name);
    assert_ips_script_output(&out, &iface);
}

/// python3-lxc's answers for config items and failures (see the script).
#[test]
fn config_items_and_failures_answer_as_python3_lxc() {
    let env = Env::new("pyitems");
    let name = env.name("pi");
    env.create_busybox(&name);
    let out = run_script(&env, "python3", "tests/python/config_items.py", &name);
    let want = [
        "replaced: ['/c d none bind 0 0']",
        "list: True ['/a b none bind 0 0', '/c d none bind 0 0']",
        "appended: True 3",
        "refused: False 2",
        "attach stopped: -1",
        "stopped: () ()",
        "nic: empty False 0 True",
        "flags: up",
        "hookargs: ValueError",
    ];
    for line in want {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn clones_snapshots_and_rename() {
    let env = Env::new("pyclone");
    let name = env.name("pc");
    env.create_busybox(&name);
    let out = run_script(&env, "python3", "tests/python/clone_snapshot.py", &name);
    let want = [
        format!("clone: Container True {name}-c"),
        "snapshot clone: True".to_string(),
        "snapshot: snap0 snap1".to_string(),
        "listed: snap0 a comment 19 True".to_string(),
        "listed: snap1 False 19 True".to_string(),
        "restore as new: True True".to_string(),
        "refused with a dependent: False".to_string(),
        "dependent destroyed: True".to_string(),
        "restore in place: True".to_string(),
        "destroy snap1: True ['snap0']".to_string(),
        format!("rename: {name}-n True False"),
        "bad clone: False".to_string(),
        "loop create: True 67108864".to_string(),
    ];
    for line in want {
        assert!(out.contains(&line), "{line}\n{out}");
    }
}

/// An unprivileged container (`lxc.idmap`) through the Python face: created, started,
/// attached to as its root, stopped, destroyed.
#[test]
fn an_unprivileged_container_through_python() {
    let env = Env::new("pyunpriv");
    let name = env.name("pu");
    let out = run_script(&env, "python3", "tests/python/unprivileged.py", &name);
    assert!(out.contains("rootfs owner: 100000"), "{out}");
    assert!(out.contains("attach status: 0"), "{out}");
    assert!(out.contains("made by: 100000"), "{out}");
    assert!(out.contains("unprivileged ok"), "{out}");
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
}
