//! Unprivileged containers made by root (`lxc.idmap`): `lxc-usernsexec`, template scripts
//! run as root of a user namespace with `--mapped-uid/--mapped-gid` (as LXC runs them), and
//! our busybox template's tree given to the mapped ids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use support::*;

const MAPS: &str =
    "lxc.net.0.type = empty\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n";

fn owner(p: &Path) -> (u32, u32) {
    let m = std::fs::symlink_metadata(p).unwrap();
    (m.uid(), m.gid())
}

#[test]
fn usernsexec_runs_a_command_as_root_of_a_mapped_namespace() {
    let env = Env::new("unsx");
    // Host root is not mapped in there: the namespace's root writes where anyone may.
    let shared = env.root.join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(
        &shared,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let file = shared.join("made");
    let mut cmd = env.cmd("lxc-usernsexec");
    cmd.args(["-m", "b:0:100000:65536", "--", "sh", "-c"])
        .arg(format!(
            "id -u; cat /proc/self/uid_map; touch {}; exit 7",
            file.display()
        ));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields, ["0", "0", "100000", "65536"], "{text}");
    assert_eq!(owner(&file), (100000, 100000));
    // Bad maps are named.
    let out = env
        .cmd("lxc-usernsexec")
        .args(["-m", "x:0:1:1", "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("x:0:1:1"));
}

#[test]
fn a_template_script_runs_in_the_containers_user_namespace() {
    let env = Env::new("unscript");
    let script = env.root.join("lxc-probe");
    std::fs::write(
        &script,
        "#!/bin/sh\nset -e\nrootfs=\nfor a in \"$@\"; do case $a in --rootfs=*) rootfs=${a#--rootfs=};; esac; done\n\
         mkdir -p $rootfs/etc $rootfs/home/u\necho \"$@\" > $rootfs/etc/args\n\
         cat /proc/self/uid_map > $rootfs/etc/uid_map\nid -u > $rootfs/etc/id\n\
         chown 1000:1000 $rootfs/home/u\necho 'lxc.environment = FROM_SCRIPT=1' >> $LXC_CONFIG_FILE\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let name = env.name("scr");
    create_unprivileged(
        &env,
        &name,
        &["-t", script.to_str().unwrap(), "--", "--x=1"],
    );
    let dir = env.container_dir(&name);
    let rootfs = dir.join("rootfs");
    let args = std::fs::read_to_string(rootfs.join("etc/args")).unwrap();
    // LXC's order: --path --name --rootfs, the user's, then where the creator appears.
    assert!(
        args.trim()
            .ends_with("--x=1 --mapped-uid 65536 --mapped-gid 65536"),
        "{args}"
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("etc/id"))
            .unwrap()
            .trim(),
        "0"
    );
    let map = std::fs::read_to_string(rootfs.join("etc/uid_map")).unwrap();
    let lines: Vec<Vec<&str>> = map
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [["0", "100000", "65536"], ["65536", "0", "1"]],
        "{map}"
    );
    assert_eq!(owner(&rootfs), (100000, 100000));
    assert_eq!(owner(&rootfs.join("etc/args")), (100000, 100000));
    assert_eq!(owner(&rootfs.join("home/u")), (101000, 101000));
    // The creator stayed the config's owner, and the script could append to it.
    assert_eq!(owner(&dir.join("config")), (0, 0));
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert!(config.contains("FROM_SCRIPT=1"), "{config}");
    env.ok("lxc-destroy", &["-n", &name]);
    assert!(!dir.exists());
}

#[test]
fn the_busybox_template_gives_its_tree_to_the_mapped_ids() {
    let env = Env::new("unbusy");
    let name = env.name("bb");
    create_unprivileged(&env, &name, &["-t", "busybox"]);
    let rootfs = env.container_dir(&name).join("rootfs");
    for p in ["", "bin", "bin/busybox", "etc/inittab", "bin/sh"] {
        assert_eq!(owner(&rootfs.join(p)), (100000, 100000), "{p}");
    }
    env.ok("lxc-destroy", &["-n", &name]);
}

/// An unprivileged container started by root: init and attached processes are root of the
/// container's user namespace and host uid 100000 outside; what they make belongs to the
/// mapped ids; device nodes cannot be made; the host's /dev/null serves; it stops, and
/// nothing is left.
#[test]
fn root_starts_an_unprivileged_container() {
    let env = Env::new("unstart");
    let name = env.name("un");
    create_unprivileged(&env, &name, &["-t", "busybox"]);
    env.ok("lxc-start", &["-n", &name]);
    let inside = env.sh(
        &name,
        "id -u; id -g; cat /proc/self/uid_map; echo x > /dev/null && echo null-ok; \
         touch /root/made; mknod /tmp/disk b 8 0 2>/dev/null || echo mknod-denied; \
         hostname",
    );
    let words: Vec<&str> = inside.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "0",
            "0",
            "0",
            "100000",
            "65536",
            "null-ok",
            "mknod-denied",
            name.as_str()
        ],
        "{inside}"
    );
    let rootfs = env.container_dir(&name).join("rootfs");
    assert_eq!(owner(&rootfs.join("root/made")), (100000, 100000));
    // Outside, init is host uid 100000.
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert_eq!(
        uid_line.split_whitespace().nth(1),
        Some("100000"),
        "{uid_line}"
    );
    // An interactive attach's pty belongs to the container's root in there (not nobody).
    let attach = format!(
        "{} -P {} -n {name} -- sh -c 'stat -c %u $(tty)'",
        bin_dir().join("lxc-attach").display(),
        env.lxcpath
    );
    let out = env_command(&env, "script")
        .args(["-qc", &attach, "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0", "{out:?}");
    env.ok("lxc-stop", &["-n", &name]);
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_cgroup_for(&name));
    env.ok("lxc-destroy", &["-n", &name]);
}

/// A program run with the test's global configuration.
fn env_command(env: &Env, program: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .stdin(std::process::Stdio::null());
    cmd
}

/// lxc-user-nic runs setuid root but does only what its caller could: no device in a
/// network namespace the caller may not open (the host's init) or may not name devices in
/// (the caller's own host one), one message for every unusable path given to `delete`,
/// nothing recorded for what was refused.
#[test]
fn lxc_user_nic_does_nothing_its_caller_may_not() {
    let env = Env::new("usernic");
    let user = support::user::User::new(&env, "10.231.8.1/24");
    let br = user.bridge.name.clone();
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // What a refused call could have left: a port on this test's own bridge.
    let ports = || {
        let out = std::process::Command::new("ip")
            .args(["-o", "link", "show", "master", &br])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let out = user.user_nic("create only three");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("usage"), "{}", stderr(&out));

    let out = user.user_nic(&format!("create /x c 1 veth {br} eth0"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot use the network namespace of process 1"),
        "{}",
        stderr(&out)
    );
    // The user's own shell is in the host's namespace: the user may open it but does not
    // rule it, so no device is made.
    let out = user.run(
        Path::new("/bin/sh"),
        &format!("-c '\"$LXC_RS_USER_NIC\" create /x c $$ veth {br} eth0'"),
    );
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(ports(), 0);
    let out = user.user_nic(&format!("create /x c 1 macvlan {br} eth0"));
    assert!(!out.status.success());

    let secret = user.user_nic(&format!("delete /x c /root/.profile veth {br} v"));
    let plain = user.user_nic(&format!("delete /x c /etc/hostname veth {br} v"));
    let missing = user.user_nic(&format!("delete /x c /nonexistent veth {br} v"));
    for out in [&secret, &plain, &missing] {
        assert!(!out.status.success());
        assert_eq!(
            stderr(out).trim(),
            "lxc-user-nic: failed to open the network namespace"
        );
    }
    let db = std::fs::read_to_string(user.ns_dir.join("run-lxc/nics")).unwrap_or_default();
    assert!(db.trim().is_empty(), "{db}");
}

/// What an unprivileged container makes of its own cgroups (sub-cgroups, even a frozen
/// process in one) goes with it at stop.
#[test]
fn cgroups_the_container_makes_go_with_it() {
    let env = Env::new("unsub");
    let name = env.name("sub");
    create_unprivileged(&env, &name, &["-t", "busybox"]);
    env.ok("lxc-start", &["-n", &name]);
    let out = env.sh(
        &name,
        "for h in freezer pids unified; do mkdir -p /sys/fs/cgroup/$h/own/deeper || exit 1; done; \
         sleep 1000 </dev/null >/dev/null 2>&1 & pid=$!; \
         while [ \"$(cat /proc/$pid/comm)\" != sleep ]; do :; done; \
         echo $pid > /sys/fs/cgroup/freezer/own/deeper/cgroup.procs; \
         echo FROZEN > /sys/fs/cgroup/freezer/own/deeper/freezer.state; echo made",
    );
    assert_eq!(out.trim(), "made");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));
    env.ok("lxc-destroy", &["-n", &name]);
}

/// Root mounts what a user namespace may not (an overlay, a filesystem image) for its
/// unprivileged containers: an ephemeral overlay clone (its `/` and the rewritten
/// `/etc/hostname` the container root's, as the kernel's copy-up would make them) and a
/// loop-backed container start and are theirs to write.
#[test]
fn unprivileged_containers_on_overlay_and_loop() {
    let env = Env::new("unmnt");
    let base = env.name("base");
    create_unprivileged(&env, &base, &["-t", "busybox"]);
    let eph = env.name("eph");
    env.ok("lxc-copy", &["-n", &base, "-N", &eph, "-e"]);
    let inside = env.sh(
        &eph,
        "id -u; echo more >> /etc/hostname && mkdir /new && echo wrote; grep -c ' / overlay ' /proc/mounts",
    );
    assert_eq!(inside, "0\nwrote\n1\n", "{inside}");
    let upper = env.container_dir(&eph).join("delta0");
    assert_eq!(owner(&upper), (100000, 100000));
    assert_eq!(owner(&upper.join("etc/hostname")), (100000, 100000));
    env.ok("lxc-stop", &["-n", &eph, "-k"]);
    assert!(
        !env.container_dir(&eph).exists(),
        "an ephemeral clone goes at stop"
    );

    let image = env.name("img");
    create_unprivileged(
        &env,
        &image,
        &["-t", "busybox", "-B", "loop", "--fssize", "64M"],
    );
    env.ok("lxc-start", &["-n", &image]);
    let inside = env.sh(
        &image,
        "id -u; stat -c %u /bin/busybox; touch /root/x && echo wrote",
    );
    assert_eq!(inside, "0\n0\nwrote\n", "{inside}");
    env.ok("lxc-stop", &["-n", &image, "-k"]);
    env.ok("lxc-destroy", &["-n", &image]);
    env.ok("lxc-destroy", &["-n", &base]);
}

/// `lxc-create -n NAME -f <maps config> ARGS` in `env`.
fn create_unprivileged(env: &Env, name: &str, args: &[&str]) {
    let conf = env.root.join("c.conf");
    std::fs::write(&conf, MAPS).unwrap();
    let mut all = vec!["-n", name, "-f", conf.to_str().unwrap()];
    all.extend_from_slice(args);
    env.ok("lxc-create", &all);
}

/// `/run/lxc/nics` is locked as LXC's own lxc-user-nic locks it (a record lock on the file
/// itself), so the two never write it at once: ours waits while another holds that lock,
/// then records the NIC it made in the same file.
#[test]
fn lxc_user_nic_waits_for_lxcs_lock_on_the_database() {
    let env = Env::new("usernicdb");
    let user = support::user::User::new(&env, "10.231.9.1/24");
    let br = user.bridge.name.clone();
    let db = user.ns_dir.join("run-lxc/nics");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, "").unwrap();
    // What LXC's lxc-user-nic does: fcntl(F_SETLKW) on the database, held for a while.
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl, sys, time\n\
             f = open(sys.argv[1], 'r+')\n\
             fcntl.lockf(f, fcntl.LOCK_EX)\n\
             print('locked', flush=True)\n\
             time.sleep(1.5)",
        ])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let started = std::time::Instant::now();
    let out = nic_for_own_netns(&user, &br, "");
    let waited = started.elapsed();
    holder.wait().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        waited >= std::time::Duration::from_millis(1000),
        "did not wait for the lock: {waited:?}"
    );
    let text = std::fs::read_to_string(&db).unwrap();
    assert!(text.contains(&format!(" veth {br} ")), "{text}");
}

/// A non-root user's busybox container: made as the user, then given to the container's
/// root inside its user namespace; the user starts it, gets into it, snapshots it with an
/// overlay, runs the snapshot and destroys both.
#[test]
fn a_user_makes_a_busybox_container_and_an_overlay_snapshot() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new("userbb");
    let user = support::user::User::new(&env, "10.231.10.1/24");
    let conf = env.root.join("user.conf");
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\nlxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n",
    )
    .unwrap();
    let name = env.name("ub");
    let said = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let out = user.tool(
        "lxc-create",
        &format!("-n {name} -f {} -t busybox", conf.display()),
    );
    assert!(out.status.success(), "{}", said(&out));
    let rootfs = user.lxcpath.join(&name).join("rootfs");
    for file in ["", "bin/busybox", "etc/passwd", "sbin/init"] {
        let meta = std::fs::symlink_metadata(rootfs.join(file)).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (300000, 300000), "{file}");
    }
    let out = user.tool("lxc-start", &format!("-n {name}"));
    assert!(out.status.success(), "{}", said(&out));
    let out = user.tool(
        "lxc-attach",
        &format!("-n {name} -- sh -c 'id -u; cat /etc/hostname'"),
    );
    let stop = user.tool("lxc-stop", &format!("-n {name} -k"));
    assert_eq!(said(&out).trim(), format!("0\n{name}"));
    assert!(stop.status.success(), "{}", said(&stop));

    // An overlay snapshot of it, mounted by the snapshot's init in its user namespace:
    // what it writes lands in its own upper layer, never in the original.
    let snap = format!("{name}-ov");
    let out = user.tool("lxc-copy", &format!("-n {name} -N {snap} -s -B overlay"));
    assert!(out.status.success(), "{}", said(&out));
    let upper = user.lxcpath.join(&snap).join("delta0");
    let meta = std::fs::symlink_metadata(&upper).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (300000, 300000));
    let out = user.tool("lxc-start", &format!("-n {snap}"));
    assert!(out.status.success(), "{}", said(&out));
    let out = user.tool(
        "lxc-attach",
        &format!("-n {snap} -- sh -c 'echo mine > /root/note; cat /etc/hostname'"),
    );
    let stop = user.tool("lxc-stop", &format!("-n {snap} -k"));
    assert_eq!(said(&out).trim(), snap);
    assert!(stop.status.success(), "{}", said(&stop));
    assert_eq!(
        std::fs::read_to_string(upper.join("root/note")).unwrap(),
        "mine\n"
    );
    assert!(!rootfs.join("root/note").exists());
    let out = user.tool("lxc-destroy", &format!("-n {snap}"));
    assert!(out.status.success(), "{}", said(&out));
    assert!(!user.lxcpath.join(&snap).exists());

    let out = user.tool("lxc-destroy", &format!("-n {name}"));
    assert!(out.status.success(), "{}", said(&out));
    assert!(!user.lxcpath.join(&name).exists());
}

/// A user the name services know but /etc/passwd and /etc/group do not (as with LDAP or
/// SSSD): lxc-user-nic finds its name and its lxc-usernet allowance all the same.
#[test]
fn lxc_user_nic_knows_a_user_from_the_name_services() {
    assert!(
        Path::new("/usr/lib/libnss_extrausers.so.2").exists()
            || Path::new("/usr/lib/x86_64-linux-gnu/libnss_extrausers.so.2").exists(),
        "libnss-extrausers is needed (scripts/setup.sh installs it)"
    );
    let env = Env::new("usernicnss");
    let mut user = support::user::User::new(&env, "10.231.11.1/24");
    user.nss_only = true;
    let br = user.bridge.name.clone();
    let out = nic_for_own_netns(&user, &br, "grep -c lxcrs /etc/passwd; id -un; ");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(said.starts_with("0\nlxcrs\n"), "{said}");
    // LXC's answer line: the NIC's name inside, its index, the host end.
    assert!(said.contains("\neth0:"), "{said}");
}

/// As the user, after the shell commands `first`: lxc-user-nic gives a veth on `bridge` to a
/// network namespace of the user's own (the setuid program runs from the host's user
/// namespace, as the monitor runs it).
fn nic_for_own_netns(
    user: &support::user::User,
    bridge: &str,
    first: &str,
) -> std::process::Output {
    user.run(
        Path::new("/bin/sh"),
        &format!(
            "-c '{first}unshare -Urn sleep 10 & ns=$!; sleep 0.3; \
             \"$LXC_RS_USER_NIC\" create /x c $ns veth {bridge} eth0; rc=$?; kill $ns; exit $rc'"
        ),
    )
}
