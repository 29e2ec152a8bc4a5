//! The monitor: owns one running container. It clones init, runs the handshake, serves the
//! command socket, keeps the console, reaps init, runs the stop hooks and cleans up.

use super::child::{self, ChildTerminals};
use super::plan::Plan;
use super::sync::{self, StartStep, SyncMsg};
use crate::cgroup::PayloadCgroup;
use crate::commands;
use crate::events::Event;
use crate::hooks::run_hooks;
use crate::state::State;
use lxc_config::HookType;
use lxc_sys::fs::{poll, POLLIN};
use lxc_sys::process::{self as p, Forked, WaitStatus};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

mod console_out;
mod controls;
mod from_outside;
mod serve;

use from_outside::{core_scheduling_domain, open_devpts, preserve_namespaces, unshare_mounts};

/// A client connection waiting for something (a state, or the container to stop).
struct Waiter {
    conn: OwnedFd,
    states: Vec<State>,
}

/// Quiet after which a background monitor gives back the pages its work touched.
const TRIM_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(5);

/// How long freezing or thawing may take.
const FREEZE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an unused sealed helper copy is kept.
const HELPER_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Monitor {
    plan: Plan,
    /// The command socket; closed as the container stops for good, so that a new start can
    /// bind it as soon as the stop is answered.
    listener: Option<OwnedFd>,
    /// The monitor's own cgroup, left on a final stop (also before answering it).
    monitor_cgroup: Option<crate::cgroup::MonitorCgroup>,
    state: State,
    waiters: Vec<Waiter>,
    /// Connections holding a tty (index = tty number - 1).
    tty_holders: Vec<Option<OwnedFd>>,
    tty_masters: Vec<OwnedFd>,
    console: Option<OwnedFd>,
    /// The console's log file and ring buffer.
    console_out: console_out::ConsoleSink,
    init_pid: i32,
    init_pidfd: Option<OwnedFd>,
    /// Sealed in-memory copy of our helper for attach, which runs it inside the container:
    /// no host binary is reachable from there.
    helper: Option<OwnedFd>,
    /// When attach last took the sealed helper: the copy is kept while attaches keep
    /// coming and dropped after `HELPER_IDLE`, so an idle container holds no extra memory.
    helper_used: Option<std::time::Instant>,
    /// The container's namespaces, kept open for the stop hooks.
    ns_fds: Vec<(&'static str, OwnedFd)>,
    cgroup: Option<PayloadCgroup>,
    /// The listener of the seccomp policy's `notify` rules.
    seccomp_listener: Option<OwnedFd>,
    /// `lxc.seccomp.notify.proxy`, which answers them; without one each stopped syscall is
    /// answered ENOSYS, as LXC does.
    seccomp_proxy: Option<crate::security::notify_proxy::NotifyProxy>,
    /// What the NICs' set-up made on the host that outlives the namespace.
    host_made: crate::net::setup::HostMade,
    /// The security label of this run (a generated AppArmor profile is unloaded at stop).
    lsm: crate::lsm::LsmPlan,
    foreground: bool,
    /// Where lxc-monitor's daemon reads state changes (`<rundir>/lxc/<lxcpath>/monitor-fifo`).
    events_fifo: String,
    /// The cgroup2 device policy in force (`lxc.cgroup2.devices.*`, then device nodes added
    /// or removed) and its attached program, which the next change replaces.
    devices: Option<crate::cgroup::DevicePolicy>,
    device_prog: Option<OwnedFd>,
    /// The container's devpts, opened before any of its code ran (`get_devpts_fd`).
    devpts: Option<OwnedFd>,
}

/// How the start ended, for the helper's exit code.
pub struct Outcome {
    pub status: WaitStatus,
}

impl Monitor {
    pub fn new(
        plan: Plan,
        listener: OwnedFd,
        monitor_cgroup: Option<crate::cgroup::MonitorCgroup>,
    ) -> Monitor {
        let foreground = !plan.req.daemonize;
        let events_fifo = crate::events::fifo_path(&plan.req.runtime_dir, &plan.req.lxcpath);
        let devices = plan.devices.clone();
        Monitor {
            plan,
            listener: Some(listener),
            monitor_cgroup,
            state: State::Stopped,
            waiters: Vec::new(),
            tty_holders: Vec::new(),
            tty_masters: Vec::new(),
            console: None,
            console_out: Default::default(),
            init_pid: 0,
            init_pidfd: None,
            ns_fds: Vec::new(),
            helper: None,
            helper_used: None,
            cgroup: None,
            lsm: crate::lsm::LsmPlan::default(),
            seccomp_listener: None,
            seccomp_proxy: None,
            host_made: Default::default(),
            devices,
            device_prog: None,
            devpts: None,
            foreground,
            events_fifo,
        }
    }

    fn name(&self) -> &str {
        &self.plan.req.name
    }

    fn set_state(&mut self, state: State) {
        tracing::info!(container = %self.plan.req.name, "state changed to {state}");
        self.state = state;
        let msg = commands::encode_state_msg(&self.plan.req.name, state);
        let waiters = std::mem::take(&mut self.waiters);
        for w in waiters {
            if w.states.contains(&state) {
                let _ = lxc_sys::fs::write_all(w.conn.as_fd(), &msg);
            } else {
                self.waiters.push(w);
            }
        }
        let name = self.plan.req.name.clone();
        crate::events::publish(&self.events_fifo, &Event::State { name, state });
    }

    /// Start the container. `ready` is told once it runs (or why it could not).
    pub fn start(&mut self, ready: &mut dyn FnMut(Result<(), String>)) -> Outcome {
        self.set_state(State::Starting);
        for (k, v) in &self.plan.hook_env.vars {
            std::env::set_var(k, v);
        }
        match self.spawn() {
            Ok(()) => {
                self.set_state(State::Running);
                ready(Ok(()));
            }
            Err(message) => {
                tracing::error!(container = %self.plan.req.name, "{message}");
                self.set_state(State::Aborting);
                self.teardown(None);
                ready(Err(message));
                return Outcome {
                    status: WaitStatus::Exited(super::HELPER_FAILED),
                };
            }
        }
        let status = self.mainloop();
        self.teardown(Some(status));
        Outcome { status }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let config = &self.plan.config;
        if config.monitor_unshare {
            unshare_mounts()?;
        }
        run_hooks(config, &self.plan.hook_env, HookType::PreStart, &[], &[])
            .map_err(|e| e.to_string())?;
        let inherit_stdio = self.foreground && !lxc_sys::fs::isatty(0);
        // `lxc.console.path = none`: no console at all (init keeps the monitor's stdio).
        let console = match config.console_path.as_deref() {
            Some("none") => None,
            _ => Some(lxc_sys::pty::open_pty().map_err(|e| format!("allocate console: {e}"))?),
        };
        if let (Some(console), Some((rows, cols))) = (&console, lxc_sys::pty::get_winsize(0)) {
            let _ = lxc_sys::pty::set_winsize(console.master.as_fd(), rows, cols);
        }
        let mut tty_peers = Vec::new();
        for _ in 0..config.tty_max {
            let pty = lxc_sys::pty::open_pty().map_err(|e| format!("allocate tty: {e}"))?;
            self.tty_masters.push(pty.master);
            self.tty_holders.push(None);
            // The peer stays open until the child has bound it (a pty vanishes with its
            // last fd).
            tty_peers.push((pty.number, pty.peer));
        }
        // An unprivileged container's root owns its console and ttys.
        if self.plan.mapped_root.is_some() {
            let ptys: Vec<std::path::PathBuf> = console
                .iter()
                .map(|c| c.number)
                .chain(tty_peers.iter().map(|(n, _)| *n))
                .map(|n| std::path::PathBuf::from(format!("/dev/pts/{n}")))
                .collect();
            crate::storage::shift::chown_all_to_mapped_root(&ptys, &self.plan.id_maps)
                .map_err(|e| format!("give the ptys to the container's root: {e}"))?;
        }
        self.console_out = console_out::ConsoleSink::new(config)?;
        self.lsm = crate::lsm::prepare(&self.plan.req.name, &self.plan.req.lxcpath, config)?;
        let cg = self.plan.cgroups.make_payload(&self.plan.req.lxcpath)?;
        tracing::debug!(cgroups = ?cg.dirs.iter().map(|d| &d.dir).collect::<Vec<_>>(), "payload cgroups created");
        let legacy = self.plan.cgroups.layout.has_legacy();
        let limits = cg.apply_limits(&config.cgroup_v2).and_then(|()| {
            if legacy {
                cg.apply_legacy_limits(&config.cgroup_v1, false)
            } else {
                Ok(())
            }
        });
        if let Err(e) = limits {
            cg.destroy();
            return Err(e);
        }
        // Root gives the cgroups to the container's root; a user keeps them (it moves
        // attached processes in from its own cgroup).
        if let Some(root) = self.plan.mapped_root.filter(|_| lxc_sys::geteuid() == 0) {
            if let Err(e) = cg.give_to(root) {
                cg.destroy();
                return Err(e);
            }
        }
        // Init is cloned into its unified cgroup and joins the v1 ones itself.
        let entry = match crate::cgroup::CgroupEntry::open(cg.procs()) {
            Ok(entry) => entry,
            Err(e) => {
                cg.destroy();
                return Err(e);
            }
        };
        self.cgroup = Some(cg);
        // Init makes its time namespace itself (its offsets must be set before it is used).
        let clone_now = self.plan.clone_flags & !libc::CLONE_NEWTIME;
        // With v1 hierarchies init joins them after the clone, and only then enters a cgroup
        // namespace, so that its view is rooted at its own cgroups everywhere.
        let clone_now = if legacy {
            clone_now & !libc::CLONE_NEWCGROUP
        } else {
            clone_now
        };
        // A user namespace may not mount a filesystem image, nor an overlay with the
        // attributes root's has: root's monitor makes the detached tree, init attaches it.
        // A user's init mounts its overlay itself, in its user namespace.
        let premounted = match (&self.plan.mounted, self.plan.mapped_root) {
            (Some(rootfs), Some(_)) if lxc_sys::geteuid() == 0 => Some(
                crate::storage::mount_detached(rootfs, &self.plan.rootfs_options.fs_options())
                    .map_err(|e| format!("mount the rootfs: {e}"))?,
            ),
            _ => None,
        };
        // lxc.namespace.share.*: init is born in them.
        let mut shared = Vec::new();
        for ns in &self.plan.shared_namespaces {
            let target = super::namespaces::open_target(ns, &self.plan.req.lxcpath)?;
            shared.push((target, ns.flag));
        }
        let (parent_sock, child_sock) =
            lxc_sys::sock::seqpacket_pair().map_err(|e| format!("socketpair: {e}"))?;
        let borrowed = super::namespaces::Borrowed::enter(&shared)?;
        let forked = p::clone3_fork(clone_now, entry.clone_target());
        match forked {
            Ok(Forked::Child) => borrowed.keep(),
            _ => drop(borrowed),
        }
        let forked = forked.map_err(|e| format!("clone3: {e}"))?;
        match forked {
            Forked::Child => {
                drop(parent_sock);
                let ttys = tty_peers.iter().map(|(n, _)| *n).collect();
                let terms = ChildTerminals {
                    console: console.map(|c| (c.peer, c.number)),
                    ttys,
                    inherit_stdio,
                    premounted,
                };
                child::run(&self.plan, &self.lsm, child_sock, terms, &entry)
            }
            Forked::Parent { pid, pidfd } => {
                drop(child_sock);
                drop(entry);
                drop(shared);
                drop(tty_peers);
                tracing::debug!(
                    pid,
                    flags = format!("{:#x}", self.plan.clone_flags),
                    "init cloned"
                );
                self.init_pid = pid;
                self.init_pidfd = pidfd;
                self.console = console.map(|c| c.master);
                std::env::set_var("LXC_PID", pid.to_string());
                self.handshake(parent_sock.as_fd())
            }
        }
    }

    fn handshake(&mut self, sock: BorrowedFd<'_>) -> Result<(), String> {
        sync::expect(sock, StartStep::Cloned)?;
        if self.plan.config.sched_core {
            core_scheduling_domain(self.init_pid)?;
        }
        if self.plan.mapped_root.is_some() {
            crate::userns::write_maps_of(self.init_pid, &self.plan.id_maps)?;
        }
        self.write_proc_items()?;
        crate::net::setup::host_side(
            &self.plan.nics,
            (&self.plan.req.lxcpath, &self.plan.req.name),
            self.init_pid,
            &mut self.host_made,
        )?;
        for nic in &self.plan.nics {
            if let Some(script) = &nic.script_up {
                let (args, env) = nic.script_args();
                crate::hooks::run_net_script(
                    &self.plan.config,
                    &self.plan.hook_env,
                    true,
                    script,
                    &args,
                    &env,
                )
                .map_err(|e| e.to_string())?;
            }
        }
        sync::send(sock, &SyncMsg::Reached(StartStep::HostReady)).map_err(|e| e.to_string())?;
        // lxc-execute's init runs from a sealed copy too; copying it here overlaps with the
        // child's mount work on the other core.
        let init = match self.plan.req.use_init {
            true => Some(super::sealed_init().map_err(|e| format!("the minimal init: {e}"))?),
            false => None,
        };
        sync::expect(sock, StartStep::RootfsReady)?;
        // Every namespace is in place now (the cgroup one may have come after the clone).
        self.ns_fds = preserve_namespaces(self.init_pid, self.plan.clone_flags);
        self.devpts = open_devpts(self.init_pid);
        if let Some(cg) = self
            .cgroup
            .as_ref()
            .filter(|_| self.plan.cgroups.layout.has_legacy())
        {
            cg.apply_legacy_limits(&self.plan.config.cgroup_v1, true)?;
        }
        if let (Some(cg), Some(policy)) = (&self.cgroup, &self.devices) {
            self.device_prog = Some(cg.attach_device_policy(policy, None)?);
        }
        tracing::debug!("rootfs, /dev and mounts set up; letting init run");
        run_hooks(
            &self.plan.config,
            &self.plan.hook_env,
            HookType::StartHost,
            &[],
            &[],
        )
        .map_err(|e| e.to_string())?;
        let init: Vec<BorrowedFd<'_>> = init.iter().map(|h| h.as_fd()).collect();
        sync::send_fds(sock, &SyncMsg::Reached(StartStep::Exec), &init)
            .map_err(|e| e.to_string())?;
        loop {
            match sync::recv_fds(sock) {
                Ok(None) => return Ok(()),
                Ok(Some((SyncMsg::SeccompListener, mut fds))) => {
                    self.seccomp_listener = fds.pop();
                    tracing::debug!("seccomp listener received");
                    if let Some(address) = &self.plan.config.seccomp_notify_proxy {
                        let proxy = crate::security::notify_proxy::NotifyProxy::connect(
                            address,
                            self.plan.config.seccomp_notify_cookie.as_deref(),
                            self.init_pid,
                        )?;
                        self.seccomp_proxy = Some(proxy);
                    }
                }
                Ok(Some((SyncMsg::Failed { step, message }, _))) => {
                    return Err(format!("{message} (during {step:?})"))
                }
                Ok(Some((other, _))) => {
                    return Err(format!("unexpected handshake message {other:?}"))
                }
                Err(e) => return Err(format!("handshake: {e}")),
            }
        }
    }

    fn mainloop(&mut self) -> WaitStatus {
        let forwarded = [
            libc::SIGTERM,
            libc::SIGINT,
            libc::SIGHUP,
            libc::SIGQUIT,
            libc::SIGCHLD,
        ];
        let _ = p::sigmask(&forwarded, true);
        let sigfd = p::signalfd(&forwarded).ok();
        let mut stdin_open = self.foreground && lxc_sys::fs::isatty(0);
        let trim_deadline =
            |foreground: bool| (!foreground).then(|| std::time::Instant::now() + TRIM_AFTER_IDLE);
        let mut trim_at = trim_deadline(self.foreground);
        let mut trim_now = false;
        let saved_tty = if stdin_open {
            lxc_sys::pty::make_raw(0).ok()
        } else {
            None
        };
        let status = loop {
            if let Some(status) = self.reap_init() {
                break status;
            }
            let mut fds: Vec<(BorrowedFd<'_>, i16)> = Vec::new();
            let listening = match &self.listener {
                Some(l) => {
                    fds.push((l.as_fd(), POLLIN));
                    true
                }
                None => false,
            };
            if let Some(s) = &sigfd {
                fds.push((s.as_fd(), POLLIN));
            }
            if let Some(pfd) = &self.init_pidfd {
                fds.push((pfd.as_fd(), POLLIN));
            }
            let console_idx = fds.len();
            if let Some(c) = &self.console {
                fds.push((c.as_fd(), POLLIN));
            }
            let stdin_idx = fds.len();
            // SAFETY-free: fd 0 is borrowed for the poll only.
            let stdin = std::io::stdin();
            if stdin_open {
                fds.push((stdin.as_fd(), POLLIN));
            }
            let seccomp_idx = fds.len();
            if let Some(l) = &self.seccomp_listener {
                fds.push((l.as_fd(), POLLIN));
            }
            let proxy_idx = fds.len();
            let proxy_due = self.seccomp_proxy.as_ref().and_then(|p| p.due());
            if let Some(s) = self.seccomp_proxy.as_ref().and_then(|p| p.awaiting()) {
                fds.push((s, POLLIN));
            }
            let holders_idx = fds.len();
            for h in self.tty_holders.iter().flatten() {
                fds.push((h.as_fd(), POLLIN));
            }
            // After TRIM_AFTER_IDLE of quiet a background monitor gives back the pages its
            // work touched (the next command faults some back, ~0.4 ms once), then sleeps
            // until something happens (init's pidfd wakes it when the container ends) or
            // the sealed helper is due to go; no wake-up in between faults pages back.
            let next_wakeup = [
                trim_at,
                self.helper_used.map(|t| t + HELPER_IDLE),
                proxy_due,
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = next_wakeup.map_or(-1, |t| {
                // Rounded up: a poll that wakes just before the deadline would spin.
                let left = t.saturating_duration_since(std::time::Instant::now());
                i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
            });
            if trim_now {
                // Right before blocking: any code run after the drop would fault back in.
                lxc_sys::process::release_startup_pages();
                trim_now = false;
            }
            let Ok(revents) = poll(&fds, timeout) else {
                continue;
            };
            drop(fds);
            let held_helper = self.helper.is_some();
            self.expire_helper();
            let idle = revents.iter().all(|r| *r == 0);
            if !idle {
                trim_at = trim_deadline(self.foreground);
            } else if trim_at.is_some_and(|t| std::time::Instant::now() >= t) {
                trim_now = true;
                trim_at = None;
            } else if held_helper && self.helper.is_none() && trim_at.is_none() {
                // Already trimmed: this wake-up faulted some code back.
                trim_now = !self.foreground;
            }
            if listening && revents[0] != 0 {
                self.accept_client();
            }
            if let Some(s) = &sigfd {
                while let Ok(Some((sig, _))) = p::read_signal(s.as_fd()) {
                    if sig != libc::SIGCHLD && self.foreground {
                        if let Some(pfd) = &self.init_pidfd {
                            let _ = p::pidfd_send_signal(pfd.as_fd(), sig);
                        }
                    }
                }
            }
            if self.seccomp_listener.is_some() && revents.get(seccomp_idx).is_some_and(|r| *r != 0)
            {
                self.answer_seccomp();
            }
            if proxy_due.is_some() {
                let readable = proxy_idx < holders_idx && revents[proxy_idx] != 0;
                self.proxy_answers(readable);
            }
            if self.console.is_some() && revents.get(console_idx).is_some_and(|r| *r != 0) {
                self.pump_console();
            }
            if stdin_open && revents.get(stdin_idx).is_some_and(|r| *r != 0) {
                stdin_open = self.pump_stdin();
            }
            // A tty holder that hung up frees its tty.
            let mut k = holders_idx;
            for slot in self.tty_holders.iter_mut() {
                if slot.is_some() {
                    if revents.get(k).is_some_and(|r| *r != 0) {
                        *slot = None;
                    }
                    k += 1;
                }
            }
        };
        if let Some(t) = saved_tty {
            let _ = lxc_sys::pty::set_termios(0, &t);
        }
        status
    }

    fn reap_init(&mut self) -> Option<WaitStatus> {
        match p::waitpid(self.init_pid, true) {
            Ok(WaitStatus::StillAlive) => None,
            Ok(status) => Some(status),
            Err(_) => Some(WaitStatus::Exited(0)),
        }
    }

    fn pump_console(&mut self) {
        let Some(console) = &self.console else { return };
        let mut buf = [0u8; 4096];
        match lxc_sys::fs::read(console.as_fd(), &mut buf) {
            Ok(0) | Err(_) => {
                // No writer left (EIO): stop polling it until someone reopens the console.
                self.console = None;
            }
            Ok(n) => {
                self.console_out.write(&buf[..n]);
                if self.foreground {
                    let _ = std::io::stdout().write_all(&buf[..n]);
                    let _ = std::io::stdout().flush();
                }
            }
        }
    }

    fn pump_stdin(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        let stdin = std::io::stdin();
        match lxc_sys::fs::read(stdin.as_fd(), &mut buf) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                if let Some(c) = &self.console {
                    let _ = lxc_sys::fs::write_all(c.as_fd(), &buf[..n]);
                }
                true
            }
        }
    }

    fn teardown(&mut self, status: Option<WaitStatus>) {
        self.set_state(State::Stopping);
        if let Some(status) = status {
            let name = self.plan.req.name.clone();
            let status = status.raw();
            crate::events::publish(&self.events_fifo, &Event::Exit { name, status });
        }
        if status.is_some() {
            let target = if matches!(status, Some(WaitStatus::Signaled(libc::SIGHUP))) {
                "reboot"
            } else {
                "stop"
            };
            std::env::set_var("LXC_TARGET", target);
            // Stop hooks reach the container's namespaces through our fds: as arguments
            // `<ns>:/proc/<monitor>/fd/<n>` (version 0) or `LXC_<NS>_NS` (version 1).
            let me = lxc_sys::getpid();
            let paths: Vec<(&str, String)> = self
                .ns_fds
                .iter()
                .map(|(ns, fd)| (*ns, format!("/proc/{me}/fd/{}", fd.as_raw_fd())))
                .collect();
            let (args, env): (Vec<String>, Vec<(String, String)>) =
                if self.plan.config.hook_version == 0 {
                    (
                        paths.iter().map(|(ns, p)| format!("{ns}:{p}")).collect(),
                        Vec::new(),
                    )
                } else {
                    let env = paths
                        .iter()
                        .map(|(ns, p)| (format!("LXC_{}_NS", ns.to_ascii_uppercase()), p.clone()))
                        .collect();
                    (Vec::new(), env)
                };
            if let Err(e) = run_hooks(
                &self.plan.config,
                &self.plan.hook_env,
                HookType::Stop,
                &args,
                &env,
            ) {
                tracing::error!("{e}");
            }
        }
        if let Some((_, net)) = self.ns_fds.iter().find(|(ns, _)| *ns == "net") {
            if let Err(e) = crate::net::setup::give_back(&self.plan.nics, net.as_fd()) {
                tracing::error!("{e}");
            }
        }
        // Down scripts see the host ends still there: the namespace is held until below.
        for nic in &self.plan.nics {
            if let Some(script) = &nic.script_down {
                let (args, env) = nic.script_args();
                let ran = crate::hooks::run_net_script(
                    &self.plan.config,
                    &self.plan.hook_env,
                    false,
                    script,
                    &args,
                    &env,
                );
                if let Err(e) = ran {
                    tracing::error!("{e}");
                }
            }
        }
        self.ns_fds.clear();
        self.seccomp_listener = None;
        self.seccomp_proxy = None;
        // A reaped init leaves its pid namespace empty (the kernel killed and reaped every
        // other task in it first); otherwise (a failed start, or the host's pid namespace
        // kept) nothing of the container may stay running or frozen.
        let emptied = status.is_some() && self.plan.clone_flags & libc::CLONE_NEWPID != 0;
        if self.init_pid > 0 && !emptied {
            if let Some(pfd) = &self.init_pidfd {
                let _ = p::pidfd_send_signal(pfd.as_fd(), libc::SIGKILL);
            }
            // Init's end waits for every task of its pid namespace: none may stay frozen.
            if let Some(cg) = &self.cgroup {
                cg.kill_all();
                cg.thaw_all();
            }
            let _ = p::waitpid(self.init_pid, false);
        }
        if let Some(cg) = self.cgroup.take() {
            cg.destroy();
        }
        crate::lsm::release(&std::mem::take(&mut self.lsm));
        self.console = None;
        self.tty_masters.clear();
        self.tty_holders.clear();
        self.set_state(State::Stopped);
        if let Err(e) = run_hooks(
            &self.plan.config,
            &self.plan.hook_env,
            HookType::PostStop,
            &[],
            &[],
        ) {
            tracing::error!("{e}");
        }
        if !matches!(status, Some(WaitStatus::Signaled(libc::SIGHUP))) {
            // For good: free the name and the cgroups before the stop is answered, so that
            // an immediate restart finds them free. (From here the monitor goes on in a
            // child of itself, outside its own cgroup.)
            self.listener = None;
            if let Some(cg) = self.monitor_cgroup.take() {
                cg.leave();
            }
        }
        if self.plan.config.ephemeral && !matches!(status, Some(WaitStatus::Signaled(libc::SIGHUP)))
        {
            // lxc.ephemeral: the container is gone when its stop is answered.
            if let Err(e) =
                crate::clone::destroy_ephemeral(&self.plan.req.lxcpath, &self.plan.req.name)
            {
                tracing::error!("removing the ephemeral container: {e}");
            }
        }
        // Dropping the waiters closes their connections: that is the stop command's answer.
        self.waiters.clear();
        // The host ends go with the namespace, but only when the kernel gets to it (tens of
        // ms later, or never while something else holds the namespace). Deleted here, after
        // the answer: a restart with the same veth.pair waits for the name in its plan.
        crate::net::setup::undo_host_side(std::mem::take(&mut self.host_made));
    }
}

impl Monitor {
    /// The sealed helper for attach, copied when first needed.
    fn sealed_helper(&mut self) -> Result<&OwnedFd, crate::Error> {
        if self.helper.is_none() {
            self.helper = Some(super::helper_path().and_then(|p| p_sealed(&p))?);
        }
        self.helper_used = Some(std::time::Instant::now());
        self.helper
            .as_ref()
            .ok_or_else(|| crate::Error::HelperMissing("sealed copy".into()))
    }

    /// Drop an attach copy nobody asked for lately.
    fn expire_helper(&mut self) {
        if self.helper_used.is_some_and(|t| t.elapsed() >= HELPER_IDLE) {
            self.helper = None;
            self.helper_used = None;
        }
    }

    /// `lxc.proc.<file> = value`, written to /proc/<init>/<file> before init runs.
    fn write_proc_items(&self) -> Result<(), String> {
        for (file, value) in &self.plan.config.proc {
            let path = format!("/proc/{}/{}", self.init_pid, file);
            std::fs::write(&path, value).map_err(|e| {
                let hint = if e.raw_os_error() == Some(libc::EACCES)
                    || e.raw_os_error() == Some(libc::EPERM)
                {
                    " (this may need CAP_SYS_RESOURCE, which this host's root may lack)"
                } else {
                    ""
                };
                format!("lxc.proc.{file} = {value}: {e}{hint}")
            })?;
        }
        Ok(())
    }

    /// The command socket and the monitor cgroup, kept across a reboot.
    pub fn into_parts(self) -> (Option<OwnedFd>, Option<crate::cgroup::MonitorCgroup>) {
        (self.listener, self.monitor_cgroup)
    }
}

fn p_sealed(path: &std::path::Path) -> Result<OwnedFd, crate::Error> {
    p::sealed_copy(path).map_err(crate::error::io_err(path))
}
