//! `lxc.cgroup2.*`: settings written into the container's cgroup before init runs, and a
//! start that fails (naming the key) rather than run without a limit it was given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::{Path, PathBuf};
use support::*;

/// The host directory of the cgroup a running container's init is in.
fn init_cgroup(env: &Env, name: &str) -> PathBuf {
    let pid = env.ok("lxc-info", &["-n", name, "-p", "-H"]);
    let text = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
    let rel = text.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
    lxc::cgroup::unified_mount()
        .unwrap()
        .join(rel.trim_start_matches('/'))
}

/// A controller our cgroup can hand to children, with a file and value to limit it by.
fn limitable_controller() -> (&'static str, &'static str) {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let rel = own.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
    let dir = lxc::cgroup::unified_mount()
        .unwrap()
        .join(rel.trim_start_matches('/'));
    let controllers = std::fs::read_to_string(dir.join("cgroup.controllers")).unwrap();
    let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
    if has("pids") {
        ("pids.max", "77")
    } else if has("hugetlb") && Path::new("/sys/kernel/mm/hugepages/hugepages-2048kB").exists() {
        ("hugetlb.2MB.max", "4194304")
    } else {
        panic!("no pids or hugetlb controller on the unified hierarchy: {controllers}");
    }
}

#[test]
fn settings_reach_the_cgroup_before_init_runs() {
    let env = Env::new("cg2lim");
    let name = env.name("cl");
    env.create_busybox(&name);
    let (file, value) = limitable_controller();
    env.append_config(
        &name,
        &format!(
            "lxc.cgroup2.cgroup.max.descendants = 3\nlxc.cgroup2.cgroup.max.depth = 2\n\
             lxc.cgroup2.{file} = {value}\n"
        ),
    );
    env.ok("lxc-start", &["-n", &name]);
    let dir = init_cgroup(&env, &name);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    assert_eq!(read("cgroup.max.descendants").trim(), "3");
    assert_eq!(read("cgroup.max.depth").trim(), "2");
    assert_eq!(read(file).trim(), value);
    // The same values through lxc-cgroup.
    assert_eq!(
        env.ok("lxc-cgroup", &["-n", &name, "cgroup.max.depth"])
            .trim(),
        "2"
    );
    assert_eq!(env.ok("lxc-cgroup", &["-n", &name, file]).trim(), value);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));
}

#[test]
fn a_setting_the_kernel_refuses_fails_the_start_and_leaves_nothing() {
    let env = Env::new("cg2bad");
    let cases = [
        ("nosuch.file = 1", "lxc.cgroup2.nosuch.file"),
        (
            "cgroup.max.depth = many",
            "lxc.cgroup2.cgroup.max.depth = many",
        ),
        (
            "devices.allow = x 1:3 rwm",
            "lxc.cgroup2.devices.allow = x 1:3 rwm: the type must be a, b or c",
        ),
    ];
    for (i, (line, named)) in cases.iter().enumerate() {
        let name = env.name(&format!("cb{i}"));
        env.create_busybox(&name);
        env.append_config(&name, &format!("lxc.cgroup2.{line}\n"));
        let out = env.run("lxc-start", &["-n", &name, "-F", "--", "true"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{line}: started");
        assert!(err.contains(named), "{line}: error does not name it: {err}");
        assert_eq!(env.state(&name), "STOPPED");
        assert!(no_cgroup_for(&name), "{line}: cgroup left behind");
    }
}

/// `lxc.cgroup2.devices.*` becomes an eBPF program on the payload cgroup: the seed's
/// allowlist works as on v1, and a denylist refuses just its devices.
#[test]
fn device_rules_become_a_device_program() {
    let env = Env::new("cg2dev");
    let name = env.name("dv");
    env.create_busybox(&name);
    env.append_config(&name, &seed_devices("lxc.cgroup2"));
    env.ok("lxc-start", &["-n", &name]);
    assert_seed_devices_enforced(&env, &name);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));

    let name = env.name("dn");
    env.create_busybox(&name);
    env.append_config(
        &name,
        "lxc.cgroup2.devices.allow = a\nlxc.cgroup2.devices.deny = c 1:9 r\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let out = env.sh(
        &name,
        "head -c1 /dev/urandom 2>&1 >/dev/null; head -c4 /dev/zero | wc -c; \
         echo x >/dev/urandom && echo write-ok",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "head: /dev/urandom: Operation not permitted",
            "4",
            "write-ok"
        ],
        "{out}"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));
}

/// On a hybrid host memory belongs to a v1 hierarchy and the error says so; on a pure v2 host
/// the limit is set.
#[test]
fn memory_max_is_set_or_the_v1_binding_named() {
    let env = Env::new("cg2mem");
    let name = env.name("cm");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.cgroup2.memory.max = 64M\n");
    let out = env.run("lxc-start", &["-n", &name]);
    if lxc::cgroup::host_is_hybrid() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            err.contains("lxc.cgroup2.memory.max")
                && err.contains("memory controller is not available")
                && err.contains("v1 hierarchy"),
            "{err}"
        );
    } else {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = init_cgroup(&env, &name);
        let max = std::fs::read_to_string(dir.join("memory.max")).unwrap();
        assert_eq!(max.trim(), (64u64 << 20).to_string());
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    }
    assert!(no_cgroup_for(&name));
}

/// Started from a cgroup of its own, root's container goes to the hierarchy's root (where
/// controllers can be handed out), or under the caller's cgroup with `lxc.cgroup.relative`.
#[test]
fn payload_escapes_to_the_root_unless_relative() {
    // Declared before the Env, so dropped after it has stopped the containers.
    let caller = CallerCgroup::new("caller");
    let caller = &caller.0;
    let env = Env::new("cg2rel");
    for (relative, base) in [
        (false, String::from("/")),
        (
            true,
            format!("/{}/", caller.file_name().unwrap().to_string_lossy()),
        ),
    ] {
        let name = env.name(if relative { "rel" } else { "abs" });
        env.create_busybox(&name);
        if relative {
            env.append_config(&name, "lxc.cgroup.relative = 1\n");
        }
        // The shell moves itself into the caller's cgroup, then becomes lxc-start.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > {}/cgroup.procs && exec \"$@\"",
                caller.display()
            ))
            .arg("sh")
            .arg(bin_dir().join("lxc-start"))
            .args(["-P", &env.lxcpath, "-n", &name])
            .env("LXC_RS_GLOBAL_CONFIG", &env.global)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
        let text = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
        let rel = text.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
        assert_eq!(rel, format!("{base}lxc.payload.{name}"));
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    }
}

/// A cgroup of the test's own under the hierarchy's root, removed with everything below it
/// (and whatever still runs there) on drop.
struct CallerCgroup(PathBuf);

impl CallerCgroup {
    fn new(tag: &str) -> Self {
        let dir = lxc::cgroup::unified_mount()
            .unwrap()
            .join(format!("lxc-rs-test-{tag}-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        CallerCgroup(dir)
    }

    /// Its path as the container config and /proc/PID/cgroup write it.
    fn rel(&self) -> String {
        self.0.file_name().unwrap().to_string_lossy().into_owned()
    }
}

/// Directories below `dir`, deepest first.
fn subtree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(subtree(&entry.path()));
            out.push(entry.path());
        }
    }
    out
}

impl Drop for CallerCgroup {
    fn drop(&mut self) {
        for _ in 0..500 {
            for dir in subtree(&self.0) {
                let _ = std::fs::write(dir.join("cgroup.kill"), "1");
                let _ = std::fs::remove_dir(&dir);
            }
            let _ = std::fs::write(self.0.join("cgroup.kill"), "1");
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        eprintln!("could not remove {}", self.0.display());
    }
}

/// The unified cgroup a process is in.
fn cgroup_of(pid: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap()
        .to_string()
}

/// Start with a pidfile; the cgroups of the monitor and of init.
fn monitor_and_init_cgroups(env: &Env, name: &str) -> (String, String) {
    let pidfile = env.root.join(format!("{name}.pid"));
    env.ok("lxc-start", &["-n", name, "-p", pidfile.to_str().unwrap()]);
    let monitor = std::fs::read_to_string(&pidfile).unwrap();
    let init = env.ok("lxc-info", &["-n", name, "-p", "-H"]);
    (cgroup_of(&monitor), cgroup_of(&init))
}

/// The monitor lives in `lxc.monitor.NAME` beside the payload, as in LXC; `lxc.cgroup.dir`
/// moves both below a directory; `lxc.cgroup.dir.container` / `.monitor` name them exactly.
/// All are gone once the container stops.
#[test]
fn monitor_and_payload_cgroups_follow_the_dir_keys() {
    let base = CallerCgroup::new("dir");
    let env = Env::new("cgdir");
    let t = base.rel();

    let name = env.name("dflt");
    env.create_busybox(&name);
    let (monitor, init) = monitor_and_init_cgroups(&env, &name);
    assert_eq!(monitor, format!("/lxc.monitor.{name}"));
    assert_eq!(init, format!("/lxc.payload.{name}"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));

    let name = env.name("dir");
    env.create_busybox(&name);
    env.append_config(&name, &format!("lxc.cgroup.dir = {t}/first\n"));
    let (monitor, init) = monitor_and_init_cgroups(&env, &name);
    assert_eq!(monitor, format!("/{t}/first/lxc.monitor.{name}"));
    assert_eq!(init, format!("/{t}/first/lxc.payload.{name}"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));
    // The parents the start made go with the container (on v1 all of `{t}/first`).
    let unified = lxc::cgroup::unified_mount().unwrap();
    assert!(!unified.join(&t).join("first").exists(), "parent left");
    for h in lxc::cgroup::Layout::current().hierarchies {
        if h.mount != unified {
            assert!(
                !h.mount.join(&t).exists(),
                "{} left",
                h.mount.join(&t).display()
            );
        }
    }

    let name = env.name("exact");
    env.create_busybox(&name);
    env.append_config(
        &name,
        &format!(
            "lxc.cgroup.dir.container = {t}/ct\nlxc.cgroup.dir.monitor = {t}/mon\n\
             lxc.cgroup.dir.monitor.pivot = {t}/piv\n"
        ),
    );
    let (monitor, init) = monitor_and_init_cgroups(&env, &name);
    assert_eq!(monitor, format!("/{t}/mon"));
    assert_eq!(init, format!("/{t}/ct"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let mount = lxc::cgroup::unified_mount().unwrap();
    assert!(no_cgroup_for(&name));
    assert!(
        poll_gone(&mount.join(&t).join("mon")),
        "monitor cgroup left"
    );
    assert!(!mount.join(&t).join("ct").exists(), "payload cgroup left");
}

/// Cgroups another manager left under our names (LXC leaves its empty monitor cgroups
/// behind): a start passes over them, uses the next free suffix, and leaves them alone.
#[test]
fn cgroups_someone_else_left_under_our_names_are_passed_over() {
    let env = Env::new("cgforeign");
    let name = env.name("fo");
    env.create_busybox(&name);
    let unified = lxc::cgroup::unified_mount().unwrap();
    let foreign = ForeignCgroups(
        (0..3)
            .map(|i| match i {
                0 => format!("lxc.monitor.{name}"),
                n => format!("lxc.monitor.{name}-{n}"),
            })
            .chain([format!("lxc.payload.{name}")])
            .map(|leaf| unified.join(leaf))
            .collect(),
    );
    for dir in &foreign.0 {
        std::fs::create_dir(dir).unwrap();
    }
    let (monitor, init) = monitor_and_init_cgroups(&env, &name);
    assert_eq!(monitor, format!("/lxc.monitor.{name}-3"));
    assert_eq!(init, format!("/lxc.payload.{name}-1"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(poll_gone(&unified.join(format!("lxc.monitor.{name}-3"))));
    assert!(!unified.join(format!("lxc.payload.{name}-1")).exists());
    for dir in &foreign.0 {
        assert!(dir.is_dir(), "{} was removed", dir.display());
    }
}

/// Empty cgroups made by hand, removed whatever the test's outcome.
struct ForeignCgroups(Vec<PathBuf>);

impl Drop for ForeignCgroups {
    fn drop(&mut self) {
        for dir in &self.0 {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn poll_gone(path: &Path) -> bool {
    for _ in 0..200 {
        if !path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn dir_keys_that_do_not_fit_fail_the_start_by_name() {
    let env = Env::new("cgdirbad");
    let cases = [
        ("lxc.cgroup.dir.container = x\n", "must both be set"),
        (
            "lxc.cgroup.dir = /abs\n",
            "lxc.cgroup.dir = /abs: paths may not be absolute",
        ),
        (
            "lxc.cgroup.dir = d\nlxc.cgroup.dir.container = c\nlxc.cgroup.dir.monitor = m\n",
            "conflicts",
        ),
    ];
    for (i, (lines, expected)) in cases.iter().enumerate() {
        let name = env.name(&format!("db{i}"));
        env.create_busybox(&name);
        env.append_config(&name, lines);
        let out = env.run("lxc-start", &["-n", &name]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{lines}: started");
        assert!(err.contains(expected), "{lines}: {err}");
        assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
    }
}

/// The seed's v1 limit keys: ignored with LXC's warning on a pure cgroup2 host, written into
/// the controller's v1 hierarchy elsewhere (tests/cgroup_v1.rs shows them enforced).
#[test]
fn v1_limit_keys_follow_the_host_layout() {
    let env = Env::new("cg1key");
    let name = env.name("c1");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.cgroup.memory.limit_in_bytes = 64M\n");
    if lxc::cgroup::pure_unified() {
        let out = env.run("lxc-start", &["-n", &name, "-F", "--", "true"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        env.ok("lxc-start", &["-n", &name]);
        let limit = env.ok("lxc-cgroup", &["-n", &name, "memory.limit_in_bytes"]);
        env.ok("lxc-stop", &["-n", &name, "-k"]);
        assert_eq!(limit.trim(), "67108864");
    }
    assert!(no_cgroup_for(&name));
}

/// The global `lxc.cgroup.pattern` names the payload cgroup (`%n` = the name) in every
/// hierarchy; a stop removes it.
#[test]
fn the_global_cgroup_pattern_names_the_payload() {
    let env = Env::new("cgpat");
    let name = env.name("pt");
    env.create_busybox(&name);
    let top = format!("lxc-rs-test-pattern-{}", std::process::id());
    let mut global = std::fs::read_to_string(&env.global).unwrap();
    global.push_str(&format!("lxc.cgroup.pattern = {top}/%n\n"));
    std::fs::write(&env.global, global).unwrap();
    env.ok("lxc-start", &["-n", &name]);
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let text = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
    let want = format!("/{top}/{name}");
    let layout = lxc::cgroup::Layout::current();
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let mut left = Vec::new();
    for h in &layout.hierarchies {
        let dir = h.mount.join(&top);
        if dir.join(&name).exists() {
            left.push(dir.join(&name));
        }
        let _ = std::fs::remove_dir(&dir);
    }
    assert!(text.lines().all(|l| l.ends_with(&want)), "{text}");
    assert!(left.is_empty(), "left behind: {left:?}");
}
