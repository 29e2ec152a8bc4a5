//! Bad input gets a clear error and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn unknown_key_is_an_error_naming_file_line_and_key() {
    let env = Env::new("badkey");
    let name = env.name("bad");
    let conf = env.root.join("bad.conf");
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\n# comment\nlxc.no.such.key = 1\n",
    )
    .unwrap();
    let out = env.run(
        "lxc-create",
        &["-n", &name, "-t", "busybox", "-f", conf.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(conf.to_str().unwrap())
            && err.contains(":3")
            && err.contains("lxc.no.such.key"),
        "{err}"
    );
    assert!(!env.container_dir(&name).exists());
}

#[test]
fn bad_values_are_refused() {
    let env = Env::new("badval");
    for line in [
        "lxc.net.0.mtu = helloworld",
        "lxc.tty.max = -1",
        "lxc.net.0.hwaddr = 00:16:3e:zz:00:00",
        "lxc.net.0.ipv4.address = 10.0.0.300/24",
        "lxc.net.0.type = bogus",
    ] {
        let name = env.name("bv");
        let conf = env.root.join(format!("{name}.conf"));
        std::fs::write(&conf, format!("lxc.net.0.type = empty\n{line}\n")).unwrap();
        let out = env.run(
            "lxc-create",
            &["-n", &name, "-t", "busybox", "-f", conf.to_str().unwrap()],
        );
        assert!(!out.status.success(), "{line} accepted");
        let key = line.split(' ').next().unwrap();
        assert!(stderr(&out).contains(key), "{}", stderr(&out));
        assert!(!env.container_dir(&name).exists());
    }
    // A bad value in an existing container's config: start refuses, no monitor is left.
    let name = env.name("bv");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("lxc.net.0.mtu = helloworld\n");
    std::fs::write(&config, &text).unwrap();
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("helloworld"), "{}", stderr(&out));
    assert!(no_monitor(&env.lxcpath, &name));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[test]
fn missing_rootfs_undefined_and_double_start() {
    let env = Env::new("misc");
    let name = env.name("m");
    // Start of an undefined container.
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(!env.container_dir(&name).exists());

    env.create_busybox(&name);
    // Create over an existing one: refused, the existing one untouched.
    let config = std::fs::read_to_string(env.container_dir(&name).join("config")).unwrap();
    let out = env.run("lxc-create", &["-n", &name, "-t", "busybox"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(env.container_dir(&name).join("config")).unwrap(),
        config
    );

    // Start twice.
    env.ok("lxc-start", &["-n", &name]);
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already running"), "{}", stderr(&out));
    assert_eq!(env.state(&name), "RUNNING");
    env.ok("lxc-stop", &["-n", &name, "-k"]);

    // Missing rootfs.
    std::fs::rename(
        env.container_dir(&name).join("rootfs"),
        env.root.join("moved"),
    )
    .unwrap();
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rootfs"), "{}", stderr(&out));
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));
}

#[test]
fn failing_template_leaves_nothing_behind() {
    let env = Env::new("tmpl");
    let name = env.name("t");
    let script = env.root.join("lxc-halfway");
    std::fs::write(&script, "#!/bin/sh\nfor a; do case $a in --rootfs=*) r=${a#--rootfs=};; esac; done\nmkdir -p $r/etc\necho half > $r/etc/half\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env.run("lxc-create", &["-n", &name, "-t", script.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("exited with"), "{}", stderr(&out));
    assert!(!env.container_dir(&name).exists());
}

#[test]
fn interrupted_create_is_cleaned_up_on_next_load() {
    let env = Env::new("partial");
    let name = env.name("p");
    let dir = env.container_dir(&name);
    std::fs::create_dir_all(dir.join("rootfs/etc")).unwrap();
    std::fs::write(dir.join("config"), "lxc.uts.name = x\n").unwrap();
    std::fs::write(dir.join("partial"), "").unwrap();
    let c = lxc::Container::with_paths(&name, Some(&env.lxcpath), env.paths()).unwrap();
    assert!(!c.is_defined());
    assert!(!dir.exists());
}

#[test]
fn known_key_without_its_feature_is_kept_and_refused_at_start() {
    let env = Env::new("unsupported");
    let name = env.name("u");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("lxc.console.path = /dev/tty9\n");
    std::fs::write(&config, &text).unwrap();
    // The key loads (lxc-info reads it) ...
    let item = env.ok("lxc-info", &["-n", &name, "-c", "lxc.console.path"]);
    assert!(item.contains("/dev/tty9"), "{item}");
    // ... but start refuses it by name instead of running without it.
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not supported yet: lxc.console.path"),
        "{}",
        stderr(&out)
    );
    assert!(no_monitor(&env.lxcpath, &name));
    // Saving through the library keeps the line.
    let mut c = lxc::Container::with_paths(&name, Some(&env.lxcpath), env.paths()).unwrap();
    c.set_config_item("lxc.environment", "A=1").unwrap();
    c.save_config(None).unwrap();
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("lxc.console.path = /dev/tty9"));
}
