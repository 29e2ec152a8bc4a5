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
