//! The same lifecycle through the library, as the seed's API example does it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn api_lifecycle() {
    let env = Env::new("api");
    let name = env.name("apicontainer");
    let mut c = lxc::Container::with_paths(&name, Some(&env.lxcpath), env.paths()).unwrap();
    assert!(!c.is_defined());
    c.set_config_item("lxc.net.0.type", "empty").unwrap();
    c.create(Some("busybox"), None, lxc::CREATE_QUIET, &[])
        .unwrap();
    assert!(c.is_defined());
    assert_eq!(c.get_config_item("lxc.uts.name").unwrap().trim(), name);

    c.start(false, &[]).unwrap();
    assert_eq!(c.state().unwrap(), lxc::State::Running);
    let pid = c.init_pid().unwrap().unwrap();
    assert!(pid > 1);
    assert!(c.wait("RUNNING", 5).unwrap());
    assert_eq!(
        c.get_running_config_item("lxc.uts.name")
            .unwrap()
            .unwrap()
            .trim(),
        name
    );
    let status = c
        .attach_run_wait(
            &lxc::AttachOptions::default(),
            &["sh".into(), "-c".into(), "exit 5".into()],
        )
        .unwrap();
    assert_eq!(status >> 8, 5);
    assert!(c.shutdown(30).unwrap());
    assert_eq!(c.state().unwrap(), lxc::State::Stopped);
    assert!(matches!(c.stop(), Err(lxc::Error::NotRunning(_))));

    c.start(false, &[]).unwrap();
    assert!(matches!(
        c.start(false, &[]),
        Err(lxc::Error::AlreadyRunning(_))
    ));
    c.stop().unwrap();
    assert!(c.wait("STOPPED", 5).unwrap());
    assert!(no_cgroup_for(&name));

    assert!(lxc::list_defined_containers(&env.lxcpath).contains(&name));
    c.destroy().unwrap();
    assert!(!c.is_defined());
    assert!(lxc::list_all_containers(&env.lxcpath).is_empty());
}

#[test]
fn config_items_round_trip_through_save() {
    let env = Env::new("cfg");
    let name = env.name("cfg");
    env.create_busybox(&name);
    let mut c = lxc::Container::with_paths(&name, Some(&env.lxcpath), env.paths()).unwrap();
    let before = std::fs::read_to_string(c.config_file_name()).unwrap();
    c.set_config_item("lxc.environment", "FOO=1").unwrap();
    c.save_config(None).unwrap();
    let after = std::fs::read_to_string(c.config_file_name()).unwrap();
    assert!(
        after.starts_with(&before) && after.ends_with("lxc.environment = FOO=1\n"),
        "{after}"
    );
    assert!(c.set_config_item("lxc.bogus", "1").is_err());
    assert!(c.get_keys(None).iter().any(|k| k == "lxc.uts.name"));
}

/// A start and a destroy are ordered by the container's lock: a start that arrives while a
/// destroy holds it finds the container gone and says so; a destroy after the start's socket
/// is bound sees a running container and refuses.
#[test]
fn start_and_destroy_are_ordered_by_the_lock() {
    let env = Env::new("order");
    let name = env.name("order");
    env.create_busybox(&name);
    let c = lxc::Container::with_paths(&name, Some(&env.lxcpath), env.paths()).unwrap();
    let guard = c.lock().unwrap();
    let mut start = env.cmd("lxc-start");
    start.args(["-P", &env.lxcpath, "-n", &name, "-d"]);
    let waiting = start.stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // What a destroy does under the lock, then the lock goes.
    std::fs::remove_dir_all(env.container_dir(&name)).unwrap();
    drop(guard);
    let out = waiting.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not defined"), "{err}");
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));

    let other = env.name("order");
    env.create_busybox(&other);
    env.ok("lxc-start", &["-n", &other, "-d"]);
    let out = env.run("lxc-destroy", &["-n", &other]);
    assert!(!out.status.success());
    assert!(env.container_dir(&other).join("config").exists());
    env.ok("lxc-stop", &["-n", &other, "-k"]);
    env.ok("lxc-destroy", &["-n", &other]);
}
