//! `lxc.namespace.clone`, `lxc.namespace.keep`, `lxc.namespace.share.*` and lxc-start's
//! `--share-*`: which namespaces a container makes, keeps from the host, or joins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn init_pid(env: &Env, name: &str) -> String {
    env.ok("lxc-info", &["-n", name, "-p", "-H"])
        .trim()
        .to_string()
}

/// The namespace `ns` of process `pid`, as the kernel names it (`net:[4026531840]`).
fn ns_of(pid: &str, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn shared_namespaces_are_the_other_containers() {
    let env = Env::new("nsshare");
    let first = env.name("na");
    let second = env.name("nb");
    let third = env.name("nc");
    for name in [&first, &second, &third] {
        env.create_busybox(name);
    }
    env.ok("lxc-start", &["-n", &first]);
    let first_pid = init_pid(&env, &first);

    // By name through lxc-start's flags, and the ipc one from the configuration.
    env.append_config(&second, &format!("lxc.namespace.share.ipc = {first}\n"));
    env.ok(
        "lxc-start",
        &["-n", &second, "--share-net", &first, "--share-uts", &first],
    );
    let second_pid = init_pid(&env, &second);
    for ns in ["net", "uts", "ipc"] {
        assert_eq!(ns_of(&second_pid, ns), ns_of(&first_pid, ns), "{ns}");
    }
    for ns in ["mnt", "pid", "cgroup"] {
        assert_ne!(ns_of(&second_pid, ns), ns_of(&first_pid, ns), "{ns}");
    }
    // The shared UTS namespace keeps the first one's name.
    assert_eq!(env.sh(&second, "hostname").trim(), first);

    // By pid, and the pid namespace: its init is not pid 1 in there (busybox's init
    // refuses to run so, hence a plain program).
    env.append_config(
        &third,
        &format!(
            "lxc.namespace.share.pid = {first_pid}\nlxc.namespace.share.net = {first_pid}\n\
             lxc.init.cmd = /bin/sleep 1000\n"
        ),
    );
    env.ok("lxc-start", &["-n", &third]);
    let third_pid = init_pid(&env, &third);
    assert_eq!(ns_of(&third_pid, "pid"), ns_of(&first_pid, "pid"));
    assert_eq!(ns_of(&third_pid, "net"), ns_of(&first_pid, "net"));
    let status = std::fs::read_to_string(format!("/proc/{third_pid}/status")).unwrap();
    let nspid = status.lines().find(|l| l.starts_with("NSpid:")).unwrap();
    let inner: Vec<&str> = nspid.split_whitespace().skip(1).collect();
    assert_eq!(inner.len(), 2, "{nspid}");
    assert_ne!(inner[1], "1", "{nspid}");
    // The first container sees the third's init among its processes.
    let listed = env.sh(&first, "ls /proc");
    assert!(listed.lines().any(|l| l == inner[1]), "{listed}");

    for name in [&third, &second, &first] {
        env.ok("lxc-stop", &["-n", name, "-k"]);
        assert_eq!(env.state(name), "STOPPED");
        assert!(no_cgroup_for(name) && no_monitor(&env.lxcpath, name));
    }
}

#[test]
fn kept_and_cloned_lists_choose_the_new_namespaces() {
    let env = Env::new("nskeep");
    let kept = env.name("nk");
    let cloned = env.name("nl");
    env.create_busybox(&kept);
    env.create_busybox(&cloned);
    let me = std::process::id().to_string();

    env.append_config(&kept, "lxc.namespace.keep = net ipc\n");
    env.ok("lxc-start", &["-n", &kept]);
    let pid = init_pid(&env, &kept);
    assert_eq!(ns_of(&pid, "net"), ns_of(&me, "net"));
    assert_eq!(ns_of(&pid, "ipc"), ns_of(&me, "ipc"));
    assert_ne!(ns_of(&pid, "uts"), ns_of(&me, "uts"));
    assert_eq!(env.sh(&kept, "hostname").trim(), kept);
    env.ok("lxc-stop", &["-n", &kept, "-k"]);
    assert!(no_cgroup_for(&kept) && no_monitor(&env.lxcpath, &kept));

    // Only these three: the host's UTS namespace is never renamed.
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    env.append_config(&cloned, "lxc.namespace.clone = mnt pid ipc\n");
    env.ok("lxc-start", &["-n", &cloned]);
    let pid = init_pid(&env, &cloned);
    for ns in ["net", "uts", "cgroup"] {
        assert_eq!(ns_of(&pid, ns), ns_of(&me, ns), "{ns}");
    }
    for ns in ["mnt", "pid", "ipc"] {
        assert_ne!(ns_of(&pid, ns), ns_of(&me, ns), "{ns}");
    }
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        host_name
    );
    env.ok("lxc-stop", &["-n", &cloned, "-k"]);
    assert!(no_cgroup_for(&cloned) && no_monitor(&env.lxcpath, &cloned));
}

#[test]
fn namespace_settings_that_cannot_work_are_refused_and_leave_nothing() {
    let env = Env::new("nsbad");
    let name = env.name("nx");
    env.create_busybox(&name);
    let config = env.container_dir(&name).join("config");
    let base = std::fs::read_to_string(&config).unwrap();
    let cases = [
        ("lxc.namespace.keep = mnt\n", "mount namespace of its own"),
        (
            "lxc.namespace.clone = pid net\n",
            "mount namespace of its own",
        ),
        ("lxc.namespace.share.net = nosuchcontainer\n", "not running"),
        (
            "lxc.namespace.share.mnt = nosuchcontainer\n",
            "not supported yet",
        ),
    ];
    for (line, says) in cases {
        std::fs::write(&config, format!("{base}{line}")).unwrap();
        let out = env.run("lxc-start", &["-n", &name]);
        assert!(!out.status.success(), "{line}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{line}: {err}");
        assert_eq!(env.state(&name), "STOPPED");
        assert!(
            no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name),
            "{line}"
        );
    }
    std::fs::write(&config, format!("{base}lxc.namespace.keep = ipc\n")).unwrap();
    let out = env.run("lxc-start", &["-n", &name, "-s", "lxc.namespace.clone=mnt"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("lxc.namespace.keep"),
        "{err}"
    );
}

/// `lxc.time.offset.*`: init and what is attached see the container's clocks, the host its
/// own; the offsets are those of init's time namespace.
#[test]
fn time_offsets_move_the_containers_clocks() {
    let env = Env::new("nstime");
    let name = env.name("nt");
    env.create_busybox(&name);
    env.append_config(
        &name,
        "lxc.time.offset.boot = 2h\nlxc.time.offset.monotonic = -1500ms\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let pid = init_pid(&env, &name);
    let offsets = std::fs::read_to_string(format!("/proc/{pid}/timens_offsets")).unwrap();
    let offsets = offsets.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        offsets.contains("monotonic") && offsets.contains("-2 500000000"),
        "{offsets}"
    );
    assert!(
        offsets.contains("boottime") && offsets.contains("7200 0"),
        "{offsets}"
    );
    let uptime = |text: &str| -> f64 { text.split_whitespace().next().unwrap().parse().unwrap() };
    let host = uptime(&std::fs::read_to_string("/proc/uptime").unwrap());
    let inside = uptime(&env.sh(&name, "cat /proc/uptime"));
    assert!(
        (inside - host - 7200.0).abs() < 60.0,
        "host {host}, container {inside}"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
    // lxc-execute's init is in it too.
    let executed = env.ok("lxc-execute", &["-n", &name, "--", "cat", "/proc/uptime"]);
    let host = uptime(&std::fs::read_to_string("/proc/uptime").unwrap());
    assert!(
        (uptime(&executed) - host - 7200.0).abs() < 60.0,
        "host {host}, {executed}"
    );
}

/// lxc-unshare: a command in namespaces of its own (hostname, pid 1 with a fresh /proc,
/// a moved interface, root of a user namespace); the host keeps its own.
#[test]
fn unshare_runs_a_command_in_new_namespaces() {
    // Root, loudly (and a place of its own, as every test has).
    let _env = Env::new("unshare");
    let unshare = |args: &[&str]| {
        std::process::Command::new(bin_dir().join("lxc-unshare"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let out = unshare(&[
        "-s",
        "UTSNAME|PID|MOUNT",
        "-H",
        "unshared",
        "-M",
        "--",
        "sh",
        "-c",
        "hostname; echo pid $$; ls /proc | grep -c '^[0-9]'",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(said[0], "unshared");
    assert_eq!(said[1], "pid 1");
    assert!(said[2].parse::<u32>().unwrap() < 5, "{said:?}");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        host_name
    );

    // A veth end moved in: gone from the host, and with the namespace both ends go.
    let end = format!("lxrsu{}", std::process::id() % 100_000);
    let peer = format!("{end}p");
    let made = std::process::Command::new("ip")
        .args(["link", "add", &end, "type", "veth", "peer", "name", &peer])
        .status()
        .unwrap();
    assert!(made.success());
    let out = unshare(&[
        "-s", "NETWORK", "-i", &end, "--", "ip", "-o", "link", "show",
    ]);
    let _ = std::process::Command::new("ip")
        .args(["link", "del", &peer])
        .stderr(std::process::Stdio::null())
        .status();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let links = text(&out.stdout);
    assert!(
        links.contains(&format!("{end}@")) && links.lines().count() == 2,
        "{links}"
    );

    let out = unshare(&["-s", "USER", "-u", "1000", "--", "id", "-u"]);
    assert_eq!(text(&out.stdout).trim(), "1000");
    let out = unshare(&["-s", "USER", "--", "id", "-u"]);
    assert_eq!(text(&out.stdout).trim(), "65534");
    assert_eq!(
        unshare(&["-s", "UTSNAME", "--", "false"]).status.code(),
        Some(1)
    );
    for (args, says) in [
        (&["--", "true"][..], "no namespace"),
        (
            &["-s", "UTSNAME", "-i", "eth0", "--", "true"][..],
            "-i needs a new NETWORK",
        ),
        (&["-s", "BOGUS", "--", "true"][..], "invalid namespace"),
    ] {
        let out = unshare(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// A container with a user namespace of its own (lxc.idmap) shares another's network
/// namespace: it is born in it (it could not join it from inside its own user namespace).
#[test]
fn a_mapped_container_shares_another_containers_network() {
    let env = Env::new("nsshareu");
    let first = env.name("ua");
    let second = env.name("ub");
    env.create_busybox(&first);
    let conf = env.root.join("mapped.conf");
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\nlxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n",
    )
    .unwrap();
    env.ok(
        "lxc-create",
        &["-n", &second, "-t", "busybox", "-f", conf.to_str().unwrap()],
    );
    env.append_config(&second, &format!("lxc.namespace.share.net = {first}\n"));
    env.ok("lxc-start", &["-n", &first]);
    env.ok("lxc-start", &["-n", &second]);
    let (a, b) = (init_pid(&env, &first), init_pid(&env, &second));
    assert_eq!(ns_of(&b, "net"), ns_of(&a, "net"));
    assert_ne!(ns_of(&b, "user"), ns_of(&a, "user"));
    assert_eq!(env.sh(&second, "id -u").trim(), "0");
    for name in [&second, &first] {
        env.ok("lxc-stop", &["-n", name, "-k"]);
        assert!(no_cgroup_for(name) && no_monitor(&env.lxcpath, name));
    }
}
