//! The container's first process, from clone to exec. It runs only in the helper (a
//! single-threaded process of ours), carries out the prepared plan and reports each step.

use super::plan::Plan;
use super::sync::{self, StartStep, SyncMsg};
use super::{dev, entries, mounts};
use crate::hooks;
use crate::lsm::{LabelWriter, LsmPlan};
use lxc_config::HookType;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// The host-side terminals handed to the child.
pub struct ChildTerminals {
    pub console: Option<(OwnedFd, u32)>,
    pub ttys: Vec<u32>,
    /// Give init the helper's own stdio instead of the console (foreground, no terminal).
    pub inherit_stdio: bool,
    /// An unprivileged container's mounted rootfs (overlay, loop...), made by the monitor
    /// (a user namespace may not mount it) as a detached tree for init to attach.
    pub premounted: Option<OwnedFd>,
}

/// Never returns: execs init, or reports the failure and exits. `cgroups`: the container's,
/// which init (cloned into the unified one) joins first thing.
pub fn run(
    plan: &Plan,
    lsm: &LsmPlan,
    sock: OwnedFd,
    terms: ChildTerminals,
    cgroups: &crate::cgroup::CgroupEntry,
) -> ! {
    let step = std::cell::Cell::new(StartStep::Cloned);
    let result = cgroups
        .join(true)
        .and_then(|()| setup(plan, lsm, sock.as_fd(), &terms, &step));
    let message = match result {
        Ok(never) => match never {},
        Err(m) => m,
    };
    let _ = sync::send(
        sock.as_fd(),
        &SyncMsg::Failed {
            step: step.get(),
            message,
        },
    );
    lxc_sys::process::exit_now(1)
}

enum Never {}

fn setup(
    plan: &Plan,
    lsm: &LsmPlan,
    sock: BorrowedFd<'_>,
    terms: &ChildTerminals,
    step: &std::cell::Cell<StartStep>,
) -> Result<Never, String> {
    // Dies with the monitor unless the config says otherwise.
    if plan.pdeath_signal != 0 {
        lxc_sys::process::set_pdeathsig(plan.pdeath_signal)
            .map_err(|e| format!("pdeathsig: {e}"))?;
    }
    sync::send(sock, &SyncMsg::Reached(StartStep::Cloned)).map_err(|e| e.to_string())?;
    sync::expect(sock, StartStep::HostReady)?;
    step.set(StartStep::HostReady);
    // An unprivileged container: the monitor has written our id maps; become its root.
    if plan.mapped_root.is_some() {
        crate::userns::drop_groups()?;
        lxc_sys::process::setresgid(0).map_err(|e| format!("setresgid(0): {e}"))?;
        lxc_sys::process::setresuid(0).map_err(|e| format!("setresuid(0): {e}"))?;
        // The id change cleared the parent-death signal.
        if plan.pdeath_signal != 0 {
            lxc_sys::process::set_pdeathsig(plan.pdeath_signal)
                .map_err(|e| format!("pdeathsig: {e}"))?;
        }
    }
    if plan.clone_flags & libc::CLONE_NEWTIME != 0 {
        super::namespaces::enter_new_time_namespace(&plan.config)?;
    }
    // Our cgroups as the host names them (before the cgroup namespace hides that): an
    // unprivileged container's v1 hierarchies are bound from there.
    let host_cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    // We are in our v1 cgroups (joined first thing): root the cgroup namespace there.
    if plan.cgroups.layout.has_legacy() && plan.clone_flags & libc::CLONE_NEWCGROUP != 0 {
        lxc_sys::ns::unshare(libc::CLONE_NEWCGROUP)
            .map_err(|e| format!("unshare the cgroup namespace: {e}"))?;
    }

    tracing::debug!("host side ready, setting up the container");
    // Only in a UTS namespace of its own: never the host's or another container's name.
    if let Some(h) = plan
        .hostname
        .as_ref()
        .filter(|_| plan.clone_flags & libc::CLONE_NEWUTS != 0)
    {
        lxc_sys::ns::sethostname(h).map_err(|e| format!("sethostname {h}: {e}"))?;
    }
    if !plan.share_net && plan.loopback_up {
        lxc_sys::net::set_link_up("lo").map_err(|e| format!("bring up lo: {e}"))?;
    }
    crate::net::setup::container_side(&plan.nics)?;
    let config = &plan.config;
    let env = &plan.hook_env;
    hooks::run_hooks(config, env, HookType::PreMount, &[], &[]).map_err(|e| e.to_string())?;
    let root = mounts::bind_rootfs(plan, terms.premounted.as_ref())?;
    let root = root.as_fd();
    mounts::mount_auto(plan, root, &host_cgroups)?;
    if config.autodev {
        dev::autodev(plan, root)?;
    } else {
        dev::devpts_only(plan, root)?;
    }
    entries::mount_entries(plan, root)?;
    // With lxc.tty.dir the nodes live in /dev/<dir>/ and /dev/console, /dev/ttyN link there.
    let tty_dir = config.tty_dir.as_deref().filter(|d| !d.is_empty());
    let mut devices = Vec::new();
    if let Some((_, number)) = &terms.console {
        devices.push((*number, "console".to_string()));
    }
    for (i, number) in terms.ttys.iter().enumerate() {
        devices.push((*number, format!("tty{}", i + 1)));
    }
    for (number, node) in devices {
        match tty_dir {
            Some(dir) => {
                dev::bind_pty(root, number, &format!("/dev/{dir}/{node}"))?;
                dev::link_dev(root, &format!("{dir}/{node}"), &format!("/dev/{node}"))?;
            }
            None => dev::bind_pty(root, number, &format!("/dev/{node}"))?,
        }
    }
    hooks::run_hooks(config, env, HookType::Mount, &[], &[]).map_err(|e| e.to_string())?;
    if config.autodev {
        hooks::run_hooks(config, env, HookType::Autodev, &[], &[]).map_err(|e| e.to_string())?;
    }
    mounts::pivot(root)?;
    // After pivot_root the container's /proc is the only one we can see.
    for (key, value) in &config.sysctl {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        std::fs::write(&path, value).map_err(|e| format!("lxc.sysctl.{key} = {value}: {e}"))?;
    }

    sync::send(sock, &SyncMsg::Reached(StartStep::RootfsReady)).map_err(|e| e.to_string())?;
    step.set(StartStep::RootfsReady);
    // lxc-execute: the monitor hands over the sealed helper, our minimal init, with this step.
    let helper = sync::expect_fds(sock, StartStep::Exec)?.pop();
    step.set(StartStep::Exec);

    lxc_sys::process::setsid().map_err(|e| format!("setsid: {e}"))?;
    if !terms.inherit_stdio {
        match &terms.console {
            Some((console, _)) => {
                for fd in 0..3 {
                    lxc_sys::fs::dup2(console.as_fd(), fd)
                        .map_err(|e| format!("dup2 console: {e}"))?;
                }
                let _ = lxc_sys::pty::set_controlling_tty(console.as_fd());
            }
            // No console (`lxc.console.path = none`): a background container's init must not
            // hold its starter's stdio.
            None if plan.req.daemonize => {
                super::launch::detach_stdio().map_err(|e| format!("stdio to /dev/null: {e}"))?
            }
            None => {}
        }
    }
    set_limits(plan)?;
    // lxc.arch: a 32-bit container on a 64-bit host sees a 32-bit machine (uname -m).
    if let Some(persona) = config
        .arch
        .as_deref()
        .and_then(lxc_config::values::arch_personality)
    {
        lxc_sys::process::set_personality(persona)
            .map_err(|e| format!("lxc.arch: set the personality: {e}"))?;
    }
    // A session keyring of its own (lxc.keyring.session, on by default as in LXC); where the
    // kernel has no keyrings there is nothing to share either.
    // The label is written through a procfs of our own, never the container's /proc.
    let labels = match lsm.module {
        Some(_) => Some(LabelWriter::open()?),
        None => None,
    };
    if let Some(w) = &labels {
        w.set_keycreate(lsm)?;
    }
    if config.keyring_session {
        if let Err(e) = lxc_sys::process::join_new_session_keyring() {
            if e.raw_os_error() != Some(libc::ENOSYS) {
                return Err(format!("new session keyring: {e}"));
            }
        }
    }
    // Nothing in the container can get the dropped capabilities back.
    crate::caps::drop_bounding(&plan.cap_drop)?;
    // As LXC: init's label (taken at exec) is set before no_new_privs, seccomp and the start
    // hooks.
    if let Some(w) = labels {
        w.set_exec(lsm)?;
    }
    // As LXC: the policy is in force before the start hooks and init run.
    if let Some(filter) = &plan.seccomp {
        let listener = crate::seccomp::install(filter, config.seccomp_allow_nesting, true)?;
        if let Some(l) = listener {
            sync::send_fds(sock, &SyncMsg::SeccompListener, &[l.as_fd()])
                .map_err(|e| format!("hand the seccomp listener to the monitor: {e}"))?;
        }
    }
    hooks::run_hooks(config, env, HookType::Start, &[], &[]).map_err(|e| e.to_string())?;
    // lxc.init.groups applies with or without lxc.init.gid (an empty list keeps init's).
    if !config.init_groups.is_empty() || config.init_gid.is_some() {
        lxc_sys::process::setgroups(&config.init_groups).map_err(|e| format!("setgroups: {e}"))?;
    }
    if let Some(gid) = config.init_gid {
        lxc_sys::process::setresgid(gid).map_err(|e| format!("setgid {gid}: {e}"))?;
    }
    match config.init_uid {
        Some(0) | None => {}
        Some(uid) => crate::caps::setuid_keeping_caps(uid)?,
    }
    let cwd = config.init_cwd.as_deref().unwrap_or("/");
    lxc_sys::process::chdir(cwd).map_err(|e| format!("chdir {cwd}: {e}"))?;
    if config.no_new_privs {
        lxc_sys::process::set_no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;
    }
    // Only the handshake socket survives (close-on-exec), so its closing tells the monitor
    // that exec worked; for lxc-execute also the sealed helper, our minimal init.
    let init = match (helper, plan.req.use_init) {
        (Some(h), true) => Some(h),
        (None, true) => return Err("no sealed helper for the minimal init".into()),
        _ => None,
    };
    let mut keep = vec![sock.as_raw_fd()];
    keep.extend(init.as_ref().map(|h| h.as_raw_fd()));
    lxc_sys::fs::close_all_except(&keep);
    lxc_sys::process::reset_signals();
    if let Some(init) = init {
        // lxc-rs-init ignores the mode word the helper's `init` mode needs.
        let mut argv = vec![
            "lxc-rs-init".to_string(),
            "init".to_string(),
            "--".to_string(),
        ];
        argv.extend(plan.init_argv.iter().cloned());
        let err = lxc_sys::process::fexecve(init.as_fd(), &argv, &plan.init_env);
        return Err(format!("exec the minimal init: {err}"));
    }
    let prog = &plan.init_argv[0];
    let err = lxc_sys::process::execvpe(prog, &plan.init_argv, &plan.init_env);
    Err(format!("exec {prog}: {err}"))
}

fn set_limits(plan: &Plan) -> Result<(), String> {
    for (resource, value) in &plan.config.prlimit {
        let (soft, hard) = value.split_once(':').unwrap_or((value, value));
        let parse = |v: &str| -> Result<u64, String> {
            if v == "unlimited" {
                Ok(u64::MAX)
            } else {
                v.parse()
                    .map_err(|_| format!("lxc.prlimit.{resource}: invalid value {v}"))
            }
        };
        lxc_sys::process::setrlimit(resource, parse(soft)?, parse(hard)?).map_err(|e| {
            let hint = if e.raw_os_error() == Some(libc::EPERM) {
                " (raising a hard limit needs CAP_SYS_RESOURCE, which this host's root may lack)"
            } else {
                ""
            };
            format!("lxc.prlimit.{resource} = {value}: {e}{hint}")
        })?;
    }
    Ok(())
}
