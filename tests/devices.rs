//! Device nodes handed to a running container: `lxc-device add|del /dev/...` and Python's
//! add_device_node / remove_device_node. Under the seed's device list an added device
//! becomes usable and a removed one is denied again, whatever the container did to its
//! node; a refused add changes nothing; the container's symlinks never lead the node onto
//! the host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

/// loop-control (c 10:237): off the seed's list, and opening it does nothing.
const NODE: &str = "/dev/loop-control";

fn opens(env: &Env, name: &str, path: &str) -> bool {
    let out = env.sh(
        name,
        &format!("true <{path} 2>/dev/null && echo opened || echo refused"),
    );
    out.trim() == "opened"
}

fn devices_list(env: &Env, name: &str) -> String {
    env.ok("lxc-cgroup", &["-n", name, "devices.list"])
}

#[test]
fn a_device_node_added_to_a_running_container_is_usable_and_denied_once_removed() {
    let env = Env::new("devnode");
    let name = env.name("dn");
    env.create_busybox(&name);
    env.append_config(&name, &seed_devices("lxc.cgroup"));
    env.ok("lxc-start", &["-n", &name]);
    env.sh(&name, "mknod /tmp/lc c 10 237");
    assert!(!opens(&env, &name, "/tmp/lc"), "off the list yet usable");

    env.ok("lxc-device", &["-n", &name, "add", NODE]);
    let listed = env.sh(&name, &format!("ls -l {NODE}"));
    assert!(listed.contains("10, 237"), "{listed}");
    assert!(opens(&env, &name, NODE));
    assert!(opens(&env, &name, "/tmp/lc"));
    env.ok("lxc-device", &["-n", &name, "add", NODE, "/dev/extra/lc"]);
    assert!(opens(&env, &name, "/dev/extra/lc"));

    env.ok("lxc-device", &["-n", &name, "del", NODE]);
    let gone = env.sh(&name, &format!("test -e {NODE} || echo gone"));
    assert_eq!(gone.trim(), "gone");
    assert!(
        !opens(&env, &name, "/dev/extra/lc"),
        "still usable after del"
    );

    // Bad input: named, and neither the cgroup nor the container's /dev changes.
    let rules = devices_list(&env, &name);
    let dev_before = env.sh(&name, "ls -R /dev");
    for (args, says) in [
        (
            vec!["add", "/etc/hostname"],
            "/etc/hostname: not a device node",
        ),
        (vec!["add", NODE, "/dev/extra/lc"], "/dev/extra/lc exists"),
        (vec!["add", NODE, "dev/rel"], "not an absolute path"),
        (vec!["add", "/dev/no-such-node"], "/dev/no-such-node"),
        (
            vec!["del", NODE, "/etc/hostname"],
            "is not its device node: left alone",
        ),
    ] {
        let mut all = vec!["-n", name.as_str()];
        all.extend(&args);
        let out = env.run("lxc-device", &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(devices_list(&env, &name), rules);
    assert_eq!(env.sh(&name, "ls -R /dev"), dev_before);
    let hostname = env.sh(&name, "cat /etc/hostname");
    assert_eq!(hostname.trim(), name);

    // Taking a device back cannot be foiled by the container: with the node swapped for a
    // file, the device is denied all the same (the file is left alone, and said so).
    env.ok("lxc-device", &["-n", &name, "add", NODE, "/dev/again/lc"]);
    assert!(opens(&env, &name, "/tmp/lc"));
    env.sh(&name, "rm /dev/again/lc && echo decoy >/dev/again/lc");
    let out = env.run("lxc-device", &["-n", &name, "del", NODE, "/dev/again/lc"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("left alone"));
    assert!(!opens(&env, &name, "/tmp/lc"), "the device stayed allowed");
    // A node already gone is no reason to fail.
    env.ok("lxc-device", &["-n", &name, "del", NODE]);

    // A symlink the container made leads inside its root, never onto the host.
    let host_dir = env.root.join("hostdir");
    std::fs::create_dir(&host_dir).unwrap();
    let link = format!("mkdir -p {0} && ln -s {0} /dev/evil", host_dir.display());
    env.sh(&name, &link);
    env.ok("lxc-device", &["-n", &name, "add", NODE, "/dev/evil/lc"]);
    assert!(
        !host_dir.join("lc").exists(),
        "the node was made on the host"
    );
    let inside = env.sh(&name, &format!("ls -l {}/lc", host_dir.display()));
    assert!(inside.contains("10, 237"), "{inside}");

    // Python's spelling.
    let pkg = python_package(&env);
    let out = std::process::Command::new("python3")
        .arg(repo().join("tests/python/devnodes.py"))
        .args([&name, &env.lxcpath, NODE, "/dev/py/lc"])
        .env("PYTHONPATH", &pkg)
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        "add: True\nagain: False\nremove: True\nagain: True\nnot a node: False",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let out = env.run("lxc-device", &["-n", &name, "add", NODE]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not running"));
}
