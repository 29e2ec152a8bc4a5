//! A non-root user for tests, without changing the host: `lxcrs` (uid 4242, subordinate
//! ids 300000-365535) exists only in a private mount namespace per command (an overlay on
//! /etc adds it, its /etc/subuid lines and an lxc-usernet allowance; /run/lxc is a
//! directory of the test's), runs in a cgroup2 cgroup handed to it (what systemd delegates
//! to a user session), and gets a setuid copy of our lxc-user-nic.
#![allow(dead_code)]

use super::{bin_dir, Env};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const UID: u32 = 4242;

pub struct User {
    /// Home, runtime dir, lxcpath and cache, owned by the user.
    pub root: PathBuf,
    pub lxcpath: PathBuf,
    pub delegated: Delegated,
    pub bridge: Bridge,
    pub ns_dir: PathBuf,
    global: PathBuf,
    /// Extra environment for the user's commands.
    pub env: Vec<(String, String)>,
    /// Known only to the name services, not to /etc/passwd and /etc/group (as an LDAP
    /// user is): its entries are in libnss-extrausers' files.
    pub nss_only: bool,
}

impl User {
    /// The user, its directories under `env`'s root, and a bridge with `address` that
    /// lxc-usernet lets it put one veth on.
    pub fn new(env: &Env, address: &str) -> User {
        use std::os::unix::fs::PermissionsExt;
        let root = env.root.join("user");
        for d in ["home", "run", "lxc", "cache"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let chown = Command::new("chown")
            .args(["-R", &format!("{UID}:{UID}")])
            .arg(&root)
            .status()
            .unwrap();
        assert!(chown.success());
        std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
        User {
            lxcpath: root.join("lxc"),
            root,
            delegated: Delegated::new(UID),
            bridge: Bridge::new(address),
            ns_dir: env.root.join("ns"),
            global: env.global.clone(),
            env: Vec::new(),
            nss_only: false,
        }
    }

    /// Run `program args` (a shell word list) as the user.
    pub fn run(&self, program: &Path, args: &str) -> Output {
        self.run_with(program, args, true)
    }

    /// One of our tools as the user with nothing pointed elsewhere: its own
    /// `~/.config/lxc`, `~/.local/share/lxc` and `~/.cache/lxc`, as the seed's user has.
    pub fn plain_tool(&self, tool: &str, args: &str) -> Output {
        self.run_with(&bin_dir().join(tool), args, false)
    }

    /// The shell lines that make the user known in its private mount namespace.
    fn accounts(&self) -> String {
        let passwd = format!(
            "lxcrs:x:{UID}:{UID}::{}:/bin/sh",
            self.root.join("home").display()
        );
        let group = format!("lxcrs:x:{UID}:");
        if !self.nss_only {
            return format!(
                "grep -q '^lxcrs:' /etc/passwd || echo '{passwd}' >> /etc/passwd; \
                 grep -q '^lxcrs:' /etc/group || echo '{group}' >> /etc/group;"
            );
        }
        format!(
            "mkdir -p {t}/extrausers; echo '{passwd}' > {t}/extrausers/passwd; \
             echo '{group}' > {t}/extrausers/group; \
             mount --bind {t}/extrausers /var/lib/extrausers; \
             sed -i -e 's/^passwd:.*/passwd: files extrausers/' \
               -e 's/^group:.*/group: files extrausers/' /etc/nsswitch.conf;",
            t = self.ns_dir.display()
        )
    }

    /// The user's home.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn run_with(&self, program: &Path, args: &str, test_paths: bool) -> Output {
        let script = format!(
            "set -e; mkdir -p {t}/etc-up {t}/etc-work {t}/run-lxc /run/lxc; \
             mount --make-rprivate /; \
             mount -t overlay overlay -o lowerdir=/etc,upperdir={t}/etc-up,workdir={t}/etc-work /etc; \
             {accounts} \
             echo 'lxcrs:300000:65536' > /etc/subuid; echo 'lxcrs:300000:65536' > /etc/subgid; \
             mkdir -p /etc/lxc; echo 'lxcrs veth {bridge} 1' > /etc/lxc/lxc-usernet; \
             mount --bind {t}/run-lxc /run/lxc; \
             install -o root -m 4755 {usernic} {t}/lxc-user-nic; \
             echo $$ > {cgroup}/cgroup.procs; \
             exec setpriv --reuid={UID} --regid={UID} --clear-groups \
               env HOME={home} XDG_RUNTIME_DIR={run} LXC_RS_USER_NIC={t}/lxc-user-nic \
               {program} {args}",
            t = self.ns_dir.display(),
            home = self.root.join("home").display(),
            run = self.root.join("run").display(),
            cgroup = self.delegated.0.display(),
            bridge = self.bridge.name,
            usernic = bin_dir().join("lxc-user-nic").display(),
            program = program.display(),
            accounts = self.accounts(),
        );
        let mut cmd = Command::new("unshare");
        cmd.args(["-m", "sh", "-c", &script]).stdin(Stdio::null());
        if test_paths {
            cmd.env("LXC_RS_GLOBAL_CONFIG", &self.global)
                .env("LXC_CACHE_PATH", self.root.join("cache"));
        } else {
            cmd.env_remove("LXC_RS_GLOBAL_CONFIG")
                .env_remove("LXC_CACHE_PATH");
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// One of our tools as the user, with `-P` its lxcpath.
    pub fn tool(&self, tool: &str, args: &str) -> Output {
        self.run(
            &bin_dir().join(tool),
            &format!("-P {} {args}", self.lxcpath.display()),
        )
    }

    /// The setuid lxc-user-nic as the user.
    pub fn user_nic(&self, args: &str) -> Output {
        self.run(&self.ns_dir.join("lxc-user-nic"), args)
    }
}

impl Drop for User {
    /// Stop whatever a failed test left running of the user's (root may), before its
    /// cgroup and bridge go.
    fn drop(&mut self) {
        let own = self.home().join(".local/share/lxc");
        for lxcpath in [&self.lxcpath, &own] {
            for name in lxc::list_active_containers(&lxcpath.display().to_string()) {
                let _ = Command::new(bin_dir().join("lxc-stop"))
                    .arg("-P")
                    .arg(lxcpath)
                    .args(["-n", &name, "-k"])
                    .output();
            }
        }
    }
}

/// A bridge with an address, removed on drop.
pub struct Bridge {
    pub name: String,
}

impl Bridge {
    pub fn new(address: &str) -> Bridge {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("lxcrsbr{}x{n}", std::process::id() % 100_000);
        let made = Command::new("sh")
            .arg("-ec")
            .arg(format!(
                "ip link add name {name} type bridge && ip addr add {address} dev {name} && \
                 ip link set {name} up"
            ))
            .status()
            .unwrap();
        assert!(made.success(), "bridge {name}");
        Bridge { name }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.name])
            .status();
    }
}

/// A cgroup on the unified hierarchy handed to `uid` (what systemd delegates to a user
/// session), removed on drop.
pub struct Delegated(pub PathBuf);

impl Delegated {
    pub fn new(uid: u32) -> Delegated {
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
        let unified = mounts
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|f| f.get(2) == Some(&"cgroup2"))
            .map(|f| PathBuf::from(f[1]))
            .expect("a cgroup2 mount");
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = unified.join(format!("lxcrs-user-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        for f in [
            "",
            "cgroup.procs",
            "cgroup.threads",
            "cgroup.subtree_control",
        ] {
            std::os::unix::fs::chown(dir.join(f), Some(uid), Some(uid)).unwrap();
        }
        Delegated(dir)
    }

    /// Its sub-cgroups but the pivot monitors leave behind.
    pub fn children(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|c| c != "lxc.pivot")
            .collect()
    }
}

impl Drop for Delegated {
    /// Retried for a while: a monitor finishing its work after its stop was answered (in
    /// the pivot cgroup) keeps its cgroup busy until it has exited.
    fn drop(&mut self) {
        for _ in 0..300 {
            let children = std::fs::read_dir(&self.0)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.is_dir())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for child in children {
                let _ = std::fs::remove_dir(child);
            }
            if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        eprintln!("could not remove {}", self.0.display());
    }
}
