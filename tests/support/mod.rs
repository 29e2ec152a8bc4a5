//! Shared test scaffolding: a temporary lxcpath per test, our tools by path, cleanup on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub mod images;
pub mod storage;
pub mod user;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Fail loudly unless root: these tests start real containers.
pub fn require_root() {
    assert_eq!(unsafe_free_euid(), 0, "integration tests must run as root");
}

fn unsafe_free_euid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// The tools and the helper under test: `LXC_RS_BIN_DIR` (scripts/test.sh points it at the
/// musl-built release tools for a second pass), else `build_dir()`.
pub fn bin_dir() -> PathBuf {
    match std::env::var_os("LXC_RS_BIN_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("lxc-start").exists(),
                "LXC_RS_BIN_DIR has no lxc-start"
            );
            dir
        }
        None => build_dir(),
    }
}

/// target/<profile>/ (where cargo put our binaries and libraries), from the test
/// executable's location.
pub fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    let dir = if dir.ends_with("deps") {
        dir.parent().unwrap()
    } else {
        dir
    };
    assert!(
        dir.join("lxc-start").exists(),
        "build the tools first: cargo build --workspace --bins"
    );
    dir.to_path_buf()
}

pub struct Env {
    pub root: PathBuf,
    pub lxcpath: String,
    pub global: PathBuf,
    pub default_conf: PathBuf,
}

impl Env {
    pub fn new(tag: &str) -> Env {
        require_root();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let root = PathBuf::from(format!("/tmp/lxc-rs-test-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("lxc")).unwrap();
        let lxcpath = root.join("lxc").display().to_string();
        let global = root.join("lxc.conf");
        let default_conf = root.join("default.conf");
        std::fs::write(&default_conf, "lxc.net.0.type = empty\n").unwrap();
        std::fs::write(
            &global,
            format!(
                "lxc.lxcpath = {lxcpath}\nlxc.default_config = {}\n",
                default_conf.display()
            ),
        )
        .unwrap();
        Env {
            root,
            lxcpath,
            global,
            default_conf,
        }
    }

    /// A unique container name for this test.
    /// Unique across test processes too (cgroups are named after containers, whatever their
    /// lxcpath), so parallel runs of the suite never meet.
    pub fn name(&self, base: &str) -> String {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        format!("{base}{}-{n}", std::process::id())
    }

    pub fn cmd(&self, tool: &str) -> Command {
        let mut c = Command::new(bin_dir().join(tool));
        c.env("LXC_RS_GLOBAL_CONFIG", &self.global)
            .stdin(Stdio::null());
        c
    }

    /// Run a tool with `-P <lxcpath>` and the given args.
    pub fn run(&self, tool: &str, args: &[&str]) -> Output {
        let mut c = self.cmd(tool);
        c.arg("-P").arg(&self.lxcpath).args(args);
        c.output().unwrap()
    }

    pub fn ok(&self, tool: &str, args: &[&str]) -> String {
        let out = self.run(tool, args);
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn create_busybox(&self, name: &str) {
        self.ok("lxc-create", &["-n", name, "-t", "busybox"]);
    }

    pub fn state(&self, name: &str) -> String {
        self.ok("lxc-info", &["-n", name, "-s", "-H"])
            .trim()
            .to_string()
    }

    pub fn container_dir(&self, name: &str) -> PathBuf {
        Path::new(&self.lxcpath).join(name)
    }

    /// Run a shell command line inside a running container (`lxc-attach -- sh -c`); its
    /// output.
    pub fn sh(&self, name: &str, script: &str) -> String {
        self.ok("lxc-attach", &["-n", name, "--", "sh", "-c", script])
    }

    /// Add lines to a container's config file.
    pub fn append_config(&self, name: &str, lines: &str) {
        let config = self.container_dir(name).join("config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(lines);
        std::fs::write(&config, text).unwrap();
    }

    /// Paths for library use that never touch the host's /etc/lxc or /var/lib/lxc.
    pub fn paths(&self) -> lxc::Paths {
        let mut p = lxc::Paths::for_root();
        p.lxcpath = PathBuf::from(&self.lxcpath);
        p.global_config = self.global.clone();
        p.default_config = self.default_conf.clone();
        p
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Kill whatever a failed test left running, then remove the tree.
        for name in lxc::list_active_containers(&self.lxcpath) {
            let _ = Command::new(bin_dir().join("lxc-stop"))
                .args(["-P", &self.lxcpath, "-n", &name, "-k"])
                .env("LXC_RS_GLOBAL_CONFIG", &self.global)
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.root);
        // Lock files live under the runtime dir, named after the lxcpath, as in LXC.
        let root = self.root.display().to_string();
        let locks = lxc::lock::lock_path(&lxc::Paths::for_root().runtime_dir, &root, "x");
        if let Some(dir) = locks.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// No mount of the host refers to this path any more.
pub fn no_mounts_under(path: &str) -> bool {
    !std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(path)
}

/// No cgroup named for this container remains in any hierarchy: its payload's at once, its monitor's once
/// the monitor has exited (which it does just after answering the stop).
pub fn no_cgroup_for(name: &str) -> bool {
    if !cgroup_gone(&format!("lxc.payload.{name}")) {
        return false;
    }
    let monitor = format!("lxc.monitor.{name}");
    for _ in 0..200 {
        if cgroup_gone(&monitor) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// No cgroup named `leaf` in any hierarchy (unified and v1).
fn cgroup_gone(leaf: &str) -> bool {
    let mut stack: Vec<PathBuf> = lxc::cgroup::Layout::current()
        .hierarchies
        .into_iter()
        .map(|h| h.mount)
        .collect();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                if e.file_name().to_string_lossy() == leaf {
                    return false;
                }
                stack.push(e.path());
            }
        }
    }
    true
}

/// No process of this container (its monitor or anything in its cgroup) is alive.
pub fn no_monitor(lxcpath: &str, name: &str) -> bool {
    !lxc::list_active_containers(lxcpath).contains(&name.to_string())
}

/// The repository's root (for test data such as tests/c and tests/python).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Our Python package as pip would lay it out, with the freshly built extension; the
/// directory to put on PYTHONPATH.
pub fn python_package(env: &Env) -> PathBuf {
    let so = build_dir().join("lib_lxc.so");
    assert!(
        so.exists(),
        "build the Python module first: cargo build --workspace"
    );
    let root = env.root.join("py");
    let pkg = root.join("lxc");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::copy(
        repo().join("crates/lxc-python/python/lxc/__init__.py"),
        pkg.join("__init__.py"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&so, pkg.join("_lxc.abi3.so")).unwrap();
    root
}

/// Run a script of tests/python as `INTERPRETER SCRIPT NAME LXCPATH` with extra environment;
/// asserts it succeeds and returns what it printed (stdout then stderr).
pub fn python(
    env: &Env,
    interpreter: &str,
    script: &str,
    name: &str,
    extra_env: &[(&str, &Path)],
) -> String {
    let mut cmd = Command::new(interpreter);
    cmd.arg(repo().join(script))
        .args([name, env.lxcpath.as_str()]);
    cmd.env("LXC_RS_GLOBAL_CONFIG", &env.global);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{interpreter} {script}:\n{text}");
    text
}

/// Start `name` and give it one end of a veth pair made on the host and moved into its
/// network namespace (the pair goes when the namespace does), with 10.213.7.5/24 and
/// fd42:7::5/64. Returns the interface's name.
pub fn start_with_addresses(env: &Env, name: &str) -> String {
    env.ok("lxc-start", &["-n", name]);
    let pid = env.ok("lxc-info", &["-n", name, "-p", "-H"]);
    // Unique on the host while it exists there (at most 15 bytes).
    let iface = format!("lrs{}", &env.name("")[..].replace('-', "x"));
    let iface: String = iface.chars().take(14).collect();
    let sh = |script: &str| {
        let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    sh(&format!(
        "ip link add {iface} type veth peer name h{iface} && ip link set {iface} netns {} \
         || {{ ip link del h{iface}; exit 1; }}",
        pid.trim()
    ));
    env.sh(
        name,
        &format!(
            "ip addr add 10.213.7.5/24 dev {iface} && ip addr add fd42:7::5/64 dev {iface} \
             && ip link set {iface} up"
        ),
    );
    iface
}

/// What tests/python/ips.py prints for a container set up by `start_with_addresses`.
pub fn assert_ips_script_output(out: &str, iface: &str) {
    assert!(
        out.contains(&format!("interfaces: ['lo', '{iface}']")),
        "{out}"
    );
    assert!(out.contains("ips: ['10.213.7.5', 'fd42:7::5']"), "{out}");
    assert!(
        out.contains("inet: ['10.213.7.5']\ninet6: ['fd42:7::5']"),
        "{out}"
    );
    assert!(out.contains("lo: ['127.0.0.1', '::1']"), "{out}");
    assert!(out.contains("timeout: ['10.213.7.5']"), "{out}");
}

/// The seed's default device list (its security post), for `lxc.cgroup` or `lxc.cgroup2`.
pub fn seed_devices(prefix: &str) -> String {
    let rules = [
        ("deny", "a"),
        ("allow", "c *:* m"),
        ("allow", "b *:* m"),
        ("allow", "c 1:3 rwm"),
        ("allow", "c 1:5 rwm"),
        ("allow", "c 5:0 rwm"),
        ("allow", "c 5:1 rwm"),
        ("allow", "c 1:8 rwm"),
        ("allow", "c 1:9 rwm"),
        ("allow", "c 5:2 rwm"),
        ("allow", "c 136:* rwm"),
        ("allow", "c 254:0 rm"),
        ("allow", "c 10:229 rwm"),
        ("allow", "c 10:200 rwm"),
        ("allow", "c 1:7 rwm"),
        ("allow", "c 10:228 rwm"),
        ("allow", "c 10:232 rwm"),
    ];
    rules
        .iter()
        .map(|(verb, rule)| format!("{prefix}.devices.{verb} = {rule}\n"))
        .collect()
}

/// Under the seed's device list: /dev/null, /dev/zero, /dev/urandom and ptys work; a block
/// device (and /dev/mem) the container makes itself cannot be opened.
pub fn assert_seed_devices_enforced(env: &Env, name: &str) {
    let allowed = env.sh(
        name,
        "echo x >/dev/null && head -c4 /dev/zero | wc -c && head -c4 /dev/urandom | wc -c \
         && exec 3<>/dev/ptmx && echo ptmx-ok",
    );
    assert_eq!(
        allowed.split_whitespace().collect::<Vec<_>>(),
        ["4", "4", "ptmx-ok"]
    );
    // Making nodes is allowed (`b *:* m`, `c *:* m`); using ones off the list is not.
    let denied = env.sh(
        name,
        "mknod /tmp/loop b 7 0 && echo made; head -c1 /tmp/loop 2>&1; \
         mknod /tmp/mem c 1 1 && head -c1 /tmp/mem 2>&1; true",
    );
    assert!(denied.starts_with("made"), "{denied}");
    assert_eq!(
        denied.matches("Operation not permitted").count(),
        2,
        "{denied}"
    );
}

/// A file's text once `ready` holds for it (what a container's init writes), or whatever it
/// holds after 2 s.
pub fn read_when(path: &Path, ready: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    for _ in 0..200 {
        text = std::fs::read_to_string(path).unwrap_or_default();
        if ready(&text) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    text
}
