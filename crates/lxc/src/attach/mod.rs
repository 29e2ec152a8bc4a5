//! Running a program inside a running container. The library spawns our helper, which joins
//! the container's namespaces (through init's pidfd) and cgroup, forks into its pid
//! namespace and executes the program, with a pty from the container's devpts when the
//! caller sits at a terminal.

use crate::commands;
use crate::container::Container;
use crate::error::{sys_err, Error, Result};
use lxc_sys::process::{self as p, Forked, WaitStatus};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::process::Command;

pub(crate) mod gather;
pub(crate) use gather::in_other_user_namespace;
use gather::{attach_namespaces, gather, pid_of, share_core_scheduling, Gathered};

pub const ATTACH_ENV: &str = "LXC_RS_ATTACH";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum EnvPolicy {
    #[default]
    Keep,
    Clear,
}

/// LXC's lxc_attach_options_t, as far as this step implements it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachOptions {
    pub env_policy: EnvPolicy,
    /// `VAR=VALUE` added to the environment.
    pub extra_env: Vec<String>,
    /// Variables kept with `--clear-env`.
    pub keep_vars: Vec<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Where the program starts; None: the caller's directory (or / without one there).
    pub cwd: Option<String>,
    /// CLONE_NEW* namespaces to join; 0 = all of the container's.
    pub namespaces: i32,
    pub move_to_cgroup: bool,
    /// Give the program only the container's capabilities (LXC_ATTACH_DROP_CAPABILITIES).
    pub drop_capabilities: bool,
    /// None: a pty when our stdin is a terminal.
    pub pty: Option<bool>,
    /// Run under the container's AppArmor profile or SELinux context (LXC_ATTACH_LSM_EXEC).
    #[serde(default = "yes")]
    pub apply_lsm: bool,
    /// personality(2) of the program; None: the one the container's `lxc.arch` asks for.
    #[serde(default)]
    pub personality: Option<u64>,
    /// Set a personality at all (LXC_ATTACH_SET_PERSONALITY).
    #[serde(default = "yes")]
    pub set_personality: bool,
    /// With a pty: a host file that gets a copy of everything the program writes to it
    /// (`lxc-attach -L`), appended.
    #[serde(default)]
    pub pty_log: Option<String>,
    /// The caller's descriptors that become the program's stdin, stdout and stderr.
    #[serde(skip, default = "standard_fds")]
    pub stdio: [RawFd; 3],
    /// Without the mount namespace: fresh /proc and /sys, in a mount namespace of the
    /// program's own, showing the joined pid and network namespaces
    /// (LXC_ATTACH_REMOUNT_PROC_SYS, `lxc-attach -R`).
    #[serde(default)]
    pub remount_proc_sys: bool,
    /// This security label instead of the container's (LXC_ATTACH_LSM_LABEL, `-c`).
    #[serde(default)]
    pub lsm_label: Option<String>,
    /// no_new_privs for the program even if the container does not ask for it
    /// (LXC_ATTACH_NO_NEW_PRIVS).
    #[serde(default)]
    pub no_new_privs: bool,
    /// Supplementary groups (LXC_ATTACH_SETGROUPS); None: none when a gid is given.
    #[serde(default)]
    pub groups: Option<Vec<u32>>,
}

fn yes() -> bool {
    true
}

fn standard_fds() -> [RawFd; 3] {
    [0, 1, 2]
}

/// Put the caller's descriptors `stdio` at 0, 1 and 2 (where they are not already).
fn redirect_stdio(stdio: &[RawFd; 3]) -> std::result::Result<(), String> {
    for (target, &fd) in (0..).zip(stdio) {
        if fd != target {
            lxc_sys::fs::dup_raw(fd)
                .and_then(|copy| lxc_sys::fs::dup2(copy.as_fd(), target))
                .map_err(|e| format!("descriptor {fd} as {target}: {e}"))?;
        }
    }
    Ok(())
}

impl Default for AttachOptions {
    fn default() -> Self {
        AttachOptions {
            env_policy: EnvPolicy::Keep,
            extra_env: Vec::new(),
            keep_vars: Vec::new(),
            uid: None,
            gid: None,
            cwd: None,
            namespaces: 0,
            move_to_cgroup: true,
            drop_capabilities: true,
            pty: None,
            apply_lsm: true,
            personality: None,
            set_personality: true,
            pty_log: None,
            stdio: standard_fds(),
            remount_proc_sys: false,
            lsm_label: None,
            no_new_privs: false,
            groups: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct AttachRequest {
    name: String,
    lxcpath: String,
    options: AttachOptions,
    argv: Vec<String>,
}

impl Container {
    /// Run `argv` (or the user's shell when empty) in the container and wait for it.
    /// Returns the raw wait status, as LXC's attach_run_wait does.
    pub fn attach_run_wait(&self, options: &AttachOptions, argv: &[String]) -> Result<i32> {
        let mut options = options.clone();
        options.cwd = options.cwd.or_else(caller_cwd);
        let req = AttachRequest {
            name: self.name().to_string(),
            lxcpath: self.config_path().to_string(),
            options,
            argv: argv.to_vec(),
        };
        let json =
            serde_json::to_string(&req).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        // What joins the container is always the monitor's sealed copy of our helper, never
        // a host binary a container could reach through /proc/<pid>/exe (CVE-2019-5736).
        let fail = |message: String| Error::Command {
            name: self.name().into(),
            message,
        };
        let helper = match commands::get_helper_fd(self.config_path(), self.name())? {
            Some(fd) => fd,
            // A monitor that is not ours (LXC's) has none to give: make our own copy.
            None if self.is_running() => {
                let path = crate::start::helper_path()?;
                lxc_sys::process::sealed_copy(&path)
                    .map_err(|e| fail(format!("sealed copy of {}: {e}", path.display())))?
            }
            None => return Err(Error::NotRunning(self.name().to_string())),
        };
        if crate::process_mode::in_process() {
            // A one-shot tool becomes the helper; its exit status is the program's.
            let mut env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
            env.push(format!("{ATTACH_ENV}={json}"));
            let argv = ["lxc-rs-helper".to_string(), "attach".to_string()];
            redirect_stdio(&req.options.stdio).map_err(fail)?;
            let err = lxc_sys::process::fexecve(helper.as_fd(), &argv, &env);
            return Err(fail(format!("exec the sealed helper: {err}")));
        }
        // The path names the fd itself, resolved before close-on-exec takes it away.
        let mut command = Command::new(format!("/proc/self/fd/{}", helper.as_raw_fd()));
        command.arg("attach").env(ATTACH_ENV, json);
        let stdio = req.options.stdio;
        let given = |i: usize| {
            lxc_sys::fs::dup_raw(stdio[i])
                .map(std::process::Stdio::from)
                .map_err(|e| fail(format!("descriptor {}: {e}", stdio[i])))
        };
        if stdio[0] != 0 {
            command.stdin(given(0)?);
        }
        if stdio[1] != 1 {
            command.stdout(given(1)?);
        }
        if stdio[2] != 2 {
            command.stderr(given(2)?);
        }
        let status = command
            .status()
            .map_err(|e| fail(format!("run the sealed helper: {e}")))?;
        use std::os::unix::process::ExitStatusExt;
        Ok(status.into_raw())
    }
}

const ALL_NS: i32 = libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWCGROUP;

/// The helper's `attach`. Returns the exit code; dies of the program's signal if it did.
pub fn helper_attach() -> i32 {
    let Some(json) = std::env::var_os(ATTACH_ENV) else {
        return 2;
    };
    std::env::remove_var(ATTACH_ENV);
    let req: AttachRequest = match serde_json::from_str(&json.to_string_lossy()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lxc-attach: bad request: {e}");
            return 2;
        }
    };
    match attach(&req) {
        Ok(WaitStatus::Exited(code)) => code,
        Ok(WaitStatus::Signaled(sig)) => {
            // Die the same way so our caller's wait status matches the program's.
            lxc_sys::process::reset_signals();
            let _ = p::kill(lxc_sys::getpid(), sig);
            128 + sig
        }
        Ok(WaitStatus::StillAlive) => 0,
        Err(e) => {
            eprintln!("lxc-attach: {}: {e}", req.name);
            1
        }
    }
}

fn attach(req: &AttachRequest) -> std::result::Result<WaitStatus, String> {
    // Nobody in the container may ptrace us or open our fds while we hold host resources.
    lxc_sys::process::set_dumpable(false).map_err(|e| format!("prctl: {e}"))?;
    let Gathered {
        pidfd,
        cgroups,
        seccomp,
        label,
        caps,
        personality,
        sched_core,
        no_new_privs,
    } = gather(&req.lxcpath, &req.name, &req.options)?
        .ok_or_else(|| "container is not running".to_string())?;
    let opts = &req.options;
    // Environment is computed on the host side, before we enter the container.
    let env = build_env(opts);
    let requested = if opts.namespaces == 0 {
        ALL_NS
    } else {
        opts.namespaces
    };
    let ns = attach_namespaces(pidfd.as_fd(), requested)?;
    // A host path: opened before anything of the container is entered.
    let pty_log = match &opts.pty_log {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("pty log {path}: {e}"))?,
        ),
        None => None,
    };
    // Before the fork: the attached process inherits the cookie.
    if sched_core {
        share_core_scheduling(pid_of(pidfd.as_fd(), false)?)?;
    }
    // The cgroup namespace is entered by the attached process, once in the cgroups.
    lxc_sys::ns::setns(pidfd.as_fd(), ns & !libc::CLONE_NEWCGROUP)
        .map_err(|e| format!("setns: {e}"))?;
    // In an unprivileged container our host root is nobody: be the container's root.
    let mut opts = opts.clone();
    if ns & libc::CLONE_NEWUSER != 0 {
        opts.uid.get_or_insert(0);
        opts.gid.get_or_insert(0);
    }
    let opts = &opts;
    let want_pty = opts.pty.unwrap_or_else(|| lxc_sys::fs::isatty(0));
    if want_pty && ns & libc::CLONE_NEWUSER != 0 {
        // The pty is made with our file ids: the attached user's in there, not the host
        // root's (nobody inside), so that tty checks (su, login) work.
        lxc_sys::process::set_fs_ids(opts.uid.unwrap_or(0), opts.gid.unwrap_or(0));
    }
    let pty = if want_pty {
        Some(
            lxc_sys::pty::open_pty()
                .map_err(|e| format!("allocate a pty in the container: {e}"))?,
        )
    } else {
        None
    };
    let argv = if req.argv.is_empty() {
        vec![user_shell(opts.uid.unwrap_or(0))]
    } else {
        req.argv.clone()
    };
    let (forked, cloned_in) = fork_into(cgroups.as_ref())?;
    match forked {
        Forked::Child => {
            let entered = cgroups
                .as_ref()
                .map_or(Ok(()), |c| c.join(cloned_in))
                .and_then(|()| {
                    if ns & libc::CLONE_NEWCGROUP == 0 {
                        return Ok(());
                    }
                    lxc_sys::ns::setns(pidfd.as_fd(), libc::CLONE_NEWCGROUP)
                        .map_err(|e| format!("setns: {e}"))
                })
                .and_then(|()| remount_proc_sys(opts, ns));
            if let Err(err) = entered {
                eprintln!("lxc-attach: {}: {err}", req.name);
                p::exit_now(126)
            }
            let confine = Confinement {
                caps: &caps,
                seccomp: seccomp.as_ref(),
                label: label.as_ref(),
                personality,
                no_new_privs: no_new_privs || opts.no_new_privs,
                groups: opts.groups.as_deref(),
            };
            let err = exec_child(opts, &argv, &env, &confine, pty.as_ref().map(|p| &p.peer));
            eprintln!("lxc-attach: {}: {err}", req.name);
            p::exit_now(if err.contains("No such file") {
                127
            } else {
                126
            })
        }
        Forked::Parent { pid, .. } => {
            let master = pty.map(|p| {
                drop(p.peer);
                p.master
            });
            Ok(match master {
                Some(m) => proxy_until_exit(pid, m, pty_log),
                None => p::waitpid(pid, false).unwrap_or(WaitStatus::Exited(1)),
            })
        }
    }
}

/// Fork the attached process, straight into the container's unified cgroup where the
/// kernel lets us (not from inside an unprivileged container's user namespace); true when
/// it was.
fn fork_into(
    cgroups: Option<&crate::cgroup::CgroupEntry>,
) -> std::result::Result<(Forked, bool), String> {
    if let Some(target) = cgroups.and_then(|c| c.clone_target()) {
        match p::clone3_fork(0, Some(target)) {
            Ok(forked) => return Ok((forked, true)),
            Err(e) => tracing::debug!("no clone into the container's cgroup: {e}"),
        }
    }
    let forked = p::fork().map_err(|e| format!("fork: {e}"))?;
    Ok((forked, false))
}

/// Where an attach starts when no directory is given: the caller's own, as in LXC (the
/// container's / when it has no such directory).
fn caller_cwd() -> Option<String> {
    std::env::current_dir()
        .ok()
        .and_then(|d| d.to_str().map(str::to_string))
}

fn build_env(opts: &AttachOptions) -> Vec<String> {
    let mut env: Vec<String> = match opts.env_policy {
        EnvPolicy::Keep => std::env::vars().map(|(k, v)| format!("{k}={v}")).collect(),
        EnvPolicy::Clear => {
            let mut e = vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ];
            for k in &opts.keep_vars {
                if let Ok(v) = std::env::var(k) {
                    e.push(format!("{k}={v}"));
                }
            }
            e
        }
    };
    env.retain(|e| !e.starts_with("container="));
    env.push("container=lxc".to_string());
    for extra in &opts.extra_env {
        let key = extra.split('=').next().unwrap_or("");
        env.retain(|e| e.split('=').next() != Some(key));
        env.push(extra.clone());
    }
    env
}

/// The login shell of `uid` in /etc/passwd (the container's, once attached), else /bin/sh.
pub fn user_shell(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 7 && f[2].parse::<u32>().ok() == Some(uid) && !f[6].is_empty())
                    .then(|| f[6].to_string())
            })
        })
        .unwrap_or_else(|| "/bin/sh".into())
}

/// `remount_proc_sys` outside the container's mount namespace (LXC_ATTACH_REMOUNT_PROC_SYS).
fn remount_proc_sys(opts: &AttachOptions, ns: i32) -> std::result::Result<(), String> {
    if !opts.remount_proc_sys || ns & libc::CLONE_NEWNS != 0 {
        return Ok(());
    }
    crate::unshare::remount_proc_sys()
}

fn exec_child(
    opts: &AttachOptions,
    argv: &[String],
    env: &[String],
    confine: &Confinement<'_>,
    pty: Option<&OwnedFd>,
) -> String {
    let _ = p::setsid();
    if let Some(peer) = pty {
        for fd in 0..3 {
            if let Err(e) = lxc_sys::fs::dup2(peer.as_fd(), fd) {
                return format!("dup2: {e}");
            }
        }
        let _ = lxc_sys::pty::set_controlling_tty(peer.as_fd());
    }
    if let Err(e) = become_attached(confine, opts.gid, opts.uid, opts.cwd.as_deref()) {
        return e;
    }
    lxc_sys::fs::close_from(3);
    p::reset_signals();
    let err = p::execvpe(&argv[0], argv, env);
    format!("{}: {err}", argv[0])
}

/// Shuttle bytes between our terminal and the pty until the program exits; what the program
/// writes goes to `log` too.
fn proxy_until_exit(pid: i32, master: OwnedFd, log: Option<std::fs::File>) -> WaitStatus {
    use lxc_sys::fs::{poll, read, write_all, POLLIN};
    let saved = lxc_sys::fs::isatty(0)
        .then(|| lxc_sys::pty::make_raw(0).ok())
        .flatten();
    if let Some((rows, cols)) = lxc_sys::pty::get_winsize(0) {
        let _ = lxc_sys::pty::set_winsize(master.as_fd(), rows, cols);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut stdin_open = true;
    let mut buf = [0u8; 4096];
    let status = loop {
        if let Ok(s) = p::waitpid(pid, true) {
            if s != WaitStatus::StillAlive {
                // Drain what the program wrote last.
                while let Ok(n) = read_nonblock(&master, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    let _ = write_all(stdout.as_fd(), &buf[..n]);
                    if let Some(log) = &log {
                        let _ = write_all(log.as_fd(), &buf[..n]);
                    }
                }
                break s;
            }
        }
        let mut fds = vec![(master.as_fd(), POLLIN)];
        if stdin_open {
            fds.push((stdin.as_fd(), POLLIN));
        }
        let Ok(rev) = poll(&fds, 100) else { continue };
        if rev[0] != 0 {
            match read(master.as_fd(), &mut buf) {
                Ok(n) if n > 0 => {
                    let _ = write_all(stdout.as_fd(), &buf[..n]);
                    if let Some(log) = &log {
                        let _ = write_all(log.as_fd(), &buf[..n]);
                    }
                }
                _ => {
                    break p::waitpid(pid, false).unwrap_or(WaitStatus::Exited(1));
                }
            }
        }
        if stdin_open && rev.get(1).is_some_and(|r| *r != 0) {
            match read(stdin.as_fd(), &mut buf) {
                Ok(n) if n > 0 => {
                    let _ = write_all(master.as_fd(), &buf[..n]);
                }
                _ => stdin_open = false,
            }
        }
    };
    if let Some(t) = saved {
        let _ = lxc_sys::pty::set_termios(0, &t);
    }
    status
}

fn read_nonblock(fd: &OwnedFd, buf: &mut [u8]) -> std::io::Result<usize> {
    let _ = lxc_sys::fs::set_nonblocking(fd.as_fd(), true);
    lxc_sys::fs::read(fd.as_fd(), buf)
}

/// An attach prepared on the caller's side, in steps, for callers that fork themselves
/// (Python's `os.fork`, which keeps the interpreter consistent): `enter_pid_namespace`,
/// fork, `leave_pid_namespace` in the parent, `join` in the child.
pub struct AttachContext {
    pidfd: OwnedFd,
    /// The container's cgroups, joined by the attached process.
    cgroups: Option<crate::cgroup::CgroupEntry>,
    own_pidns: OwnedFd,
    namespaces: i32,
    env: Option<Vec<String>>,
    extra: Vec<String>,
    cwd: Option<String>,
    uid: Option<u32>,
    gid: Option<u32>,
    caps: Vec<u32>,
    seccomp: Option<crate::seccomp::SeccompFilter>,
    label: Option<crate::lsm::LsmPlan>,
    personality: Option<u64>,
    stdio: [RawFd; 3],
    /// With `lxc.sched.core`: init's pid as the child's pid namespace numbers it.
    sched_core_from: Option<i32>,
    no_new_privs: bool,
    groups: Option<Vec<u32>>,
    remount_proc_sys: bool,
}

/// What confines every process of the container: its bounding set and seccomp policy.
struct Confinement<'a> {
    caps: &'a [u32],
    seccomp: Option<&'a crate::seccomp::SeccompFilter>,
    /// The label of the container's init, for the attached program.
    label: Option<&'a crate::lsm::LsmPlan>,
    personality: Option<u64>,
    /// The container's `lxc.no_new_privs`, or the caller's asking.
    no_new_privs: bool,
    groups: Option<&'a [u32]>,
}

impl Container {
    /// Everything an attach needs, gathered before any fork (the child must not allocate
    /// or talk to the monitor).
    pub fn attach_prepare(&self, options: &AttachOptions) -> Result<AttachContext> {
        let fail = |message: String| Error::Command {
            name: self.name().to_string(),
            message,
        };
        let gathered = gather(self.config_path(), self.name(), options)
            .map_err(fail)?
            .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        let namespaces = attach_namespaces(
            gathered.pidfd.as_fd(),
            if options.namespaces == 0 {
                ALL_NS
            } else {
                options.namespaces
            },
        )
        .map_err(Error::InvalidArgument)?;
        let joins_user = namespaces & libc::CLONE_NEWUSER != 0;
        // Numbered as the pid namespace the child will be in sees it.
        let sched_core_from = if gathered.sched_core {
            let inner = namespaces & libc::CLONE_NEWPID != 0;
            Some(pid_of(gathered.pidfd.as_fd(), inner).map_err(fail)?)
        } else {
            None
        };
        Ok(AttachContext {
            pidfd: gathered.pidfd,
            cgroups: gathered.cgroups,
            own_pidns: lxc_sys::ns::pid_for_children().map_err(sys_err("open pid_for_children"))?,
            namespaces,
            env: (options.env_policy == EnvPolicy::Clear).then(|| build_env(options)),
            extra: options.extra_env.clone(),
            cwd: options.cwd.clone().or_else(caller_cwd),
            uid: options.uid.or(joins_user.then_some(0)),
            gid: options.gid.or(joins_user.then_some(0)),
            seccomp: gathered.seccomp,
            label: gathered.label,
            caps: gathered.caps,
            personality: gathered.personality,
            stdio: options.stdio,
            sched_core_from,
            no_new_privs: gathered.no_new_privs || options.no_new_privs,
            groups: options.groups.clone(),
            remount_proc_sys: options.remount_proc_sys,
        })
    }

    /// Run `function` in a new process inside the container (LXC's `attach` with an exec
    /// function). Returns its pid, a child of the caller; `function`'s return value is its
    /// exit status. This is the one call that forks the calling process itself: the
    /// caller's code has to run in the container.
    pub fn attach_function(
        &self,
        options: &AttachOptions,
        function: impl FnOnce() -> i32,
    ) -> Result<i32> {
        let ctx = self.attach_prepare(options)?;
        ctx.enter_pid_namespace()?;
        let forked = p::fork();
        if !matches!(forked, Ok(Forked::Child)) {
            // Never in the child: it must not return into the caller's code from here.
            ctx.leave_pid_namespace()?;
        }
        match forked.map_err(sys_err("fork"))? {
            Forked::Parent { pid, .. } => Ok(pid),
            Forked::Child => {
                if ctx.join().is_err() {
                    p::exit_now(255);
                }
                p::exit_now(function())
            }
        }
    }
}

impl AttachContext {
    /// This thread's next children are born in the container's pid namespace.
    pub fn enter_pid_namespace(&self) -> Result<()> {
        if self.namespaces & libc::CLONE_NEWPID != 0 {
            lxc_sys::ns::setns(self.pidfd.as_fd(), libc::CLONE_NEWPID)
                .map_err(sys_err("setns pid"))?;
        }
        Ok(())
    }

    /// Back to the caller's own pid namespace for later children (parent side only).
    pub fn leave_pid_namespace(&self) -> Result<()> {
        if self.namespaces & libc::CLONE_NEWPID != 0 {
            lxc_sys::ns::setns(self.own_pidns.as_fd(), libc::CLONE_NEWPID)
                .map_err(sys_err("setns back"))?;
        }
        Ok(())
    }

    /// In the forked child: join the other namespaces and the cgroup, set the environment,
    /// ids and working directory. On error the caller must exit the child at once.
    pub fn join(&self) -> std::result::Result<(), String> {
        redirect_stdio(&self.stdio)?;
        if let Some(pid) = self.sched_core_from {
            share_core_scheduling(pid)?;
        }
        let rest = self.namespaces & !libc::CLONE_NEWPID;
        lxc_sys::ns::setns(self.pidfd.as_fd(), rest).map_err(|e| format!("setns: {e}"))?;
        if let Some(cgroups) = &self.cgroups {
            cgroups.join(false)?;
        }
        if let Some(env) = &self.env {
            p::clear_env();
            for (k, v) in env.iter().filter_map(|kv| kv.split_once('=')) {
                let _ = p::set_env(k, v);
            }
        } else {
            let _ = p::set_env("container", "lxc");
            for (k, v) in self.extra.iter().filter_map(|kv| kv.split_once('=')) {
                let _ = p::set_env(k, v);
            }
        }
        if self.remount_proc_sys && self.namespaces & libc::CLONE_NEWNS == 0 {
            crate::unshare::remount_proc_sys()?;
        }
        let confine = Confinement {
            caps: &self.caps,
            seccomp: self.seccomp.as_ref(),
            label: self.label.as_ref(),
            personality: self.personality,
            no_new_privs: self.no_new_privs,
            groups: self.groups.as_deref(),
        };
        become_attached(&confine, self.gid, self.uid, self.cwd.as_deref())?;
        Ok(())
    }
}

/// Replace this process with `program` (searched in PATH) and `argv`, keeping the
/// environment: LXC's `lxc_attach_run_command`. Returns only on failure.
pub fn exec_command(program: &str, argv: &[String]) -> std::io::Error {
    let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    p::execvpe(program, argv, &env)
}

/// Replace this process with the current user's shell, else /bin/sh: LXC's
/// `lxc_attach_run_shell`. Returns only on failure.
pub fn exec_shell() -> std::io::Error {
    let shell = user_shell(lxc_sys::geteuid());
    let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = p::execve(&shell, std::slice::from_ref(&shell), &env);
    let sh = "/bin/sh".to_string();
    p::execve(&sh, std::slice::from_ref(&sh), &env)
}

/// The last steps of every attached process, in a forked child inside the container: the
/// container's capabilities, the requested ids, non-dumpable after the last credential
/// change (which resets it), and the working directory (`/` when none or missing).
fn become_attached(
    confine: &Confinement<'_>,
    gid: Option<u32>,
    uid: Option<u32>,
    cwd: Option<&str>,
) -> std::result::Result<(), String> {
    if let Some(persona) = confine.personality {
        p::set_personality(persona).map_err(|e| format!("personality {persona:#x}: {e}"))?;
    }
    crate::caps::drop_bounding(confine.caps)?;
    // As LXC: the groups asked for, else none of the caller's supplementary groups.
    let groups = confine.groups.unwrap_or(&[]);
    p::setgroups(groups).map_err(|e| format!("setgroups: {e}"))?;
    if let Some(gid) = gid {
        p::setresgid(gid).map_err(|e| format!("setgid {gid}: {e}"))?;
    }
    if let Some(uid) = uid {
        p::setresuid(uid).map_err(|e| format!("setuid {uid}: {e}"))?;
    }
    p::set_dumpable(false).map_err(|e| format!("prctl: {e}"))?;
    if p::chdir(cwd.unwrap_or("/")).is_err() {
        let _ = p::chdir("/");
    }
    if let Some(label) = confine.label {
        crate::lsm::LabelWriter::open()?.set_exec(label)?;
    }
    if confine.no_new_privs {
        p::set_no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;
    }
    // Last: from here on the container's policy applies, as it does to init.
    if let Some(filter) = confine.seccomp {
        crate::seccomp::install(filter, true, false)?;
    }
    Ok(())
}
