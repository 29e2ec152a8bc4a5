//! The monitor's entry: validate, claim the command socket, go to the background if asked,
//! run the container (again on reboot) and report how the start went.

use super::monitor::Monitor;
use super::plan::{Plan, StartRequest};
use super::HELPER_FAILED;
use lxc_sys::process::{Forked, WaitStatus};
use std::os::fd::{AsFd, OwnedFd};

/// Where the outcome of a start goes.
pub enum Status {
    /// One line, "ok" or "error: <why>", for a caller waiting on a daemonized start. The
    /// second fd is that caller's end when the caller is this very process (a tool's
    /// start): the monitor closes its copy, the caller reads it once `monitor_main` returns.
    Pipe(OwnedFd, Option<OwnedFd>),
    /// Foreground: errors on stderr, the exit code tells the rest.
    Terminal,
}

impl Status {
    fn report(&mut self, name: &str, result: Result<(), String>) {
        match self {
            Status::Terminal => {
                if let Err(m) = &result {
                    eprintln!("lxc-start: {name}: {m}");
                }
            }
            Status::Pipe(fd, _) => {
                let line = match result {
                    Ok(()) => "ok\n".to_string(),
                    Err(m) => format!("error: {m}\n"),
                };
                let _ = lxc_sys::fs::write_all(fd.as_fd(), line.as_bytes());
            }
        }
    }

    fn code(&self) -> i32 {
        match self {
            Status::Pipe(..) => 1,
            Status::Terminal => HELPER_FAILED,
        }
    }
}

/// What a terminal sends its foreground process group.
const TERMINAL_SIGNALS: &[i32] = &[libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP, libc::SIGHUP];

/// The helper's start: read the request into a plan, then as `monitor_main`.
pub fn helper_main(req: StartRequest, status: &mut Status, fork_to_background: bool) -> i32 {
    match Plan::new(req.clone()) {
        Ok(plan) => monitor_main(plan, status, fork_to_background),
        Err(e) => {
            status.report(&req.name, Err(e.to_string()));
            status.code()
        }
    }
}

/// Run a container to its end. `fork_to_background`: the monitor is a child cloned into
/// its cgroup, which exits at the end; only this process returns, with 0 once the monitor
/// exists (the helper then exits, a tool reads the status pipe).
pub fn monitor_main(plan: Plan, status: &mut Status, fork_to_background: bool) -> i32 {
    let req = plan.req.clone();
    let name = req.name.clone();
    let daemon = matches!(status, Status::Pipe(..));
    crate::log::init_for_container(&plan, "lxc-start");
    tracing::debug!(
        rootfs = %plan.rootfs,
        mount = %plan.rootfs_mount,
        "configuration {} read; init will be {:?}",
        plan.req.config_file,
        plan.init_argv
    );
    lxc_sys::process::ignore_sigpipe();
    let socket = crate::commands::socket_name(&req.lxcpath, &req.name);
    // Under the container's lock until the socket is bound: a destroy, rename or restore
    // (which check the state under that lock) either finishes first or sees us running.
    let lock = crate::lock::lock(
        std::path::Path::new(&req.runtime_dir),
        &req.lxcpath,
        &name,
        lxc_sys::fs::LockKind::Exclusive,
    );
    let lock = match lock {
        Ok(lock) => lock,
        Err(e) => {
            status.report(&name, Err(e.to_string()));
            return status.code();
        }
    };
    if req.config_file_existed && !std::path::Path::new(&req.config_file).exists() {
        // Destroyed or renamed while this start was on its way.
        status.report(&name, Err(format!("container \"{name}\" is not defined")));
        return status.code();
    }
    let listener = lxc_sys::sock::abstract_listen(&socket);
    drop(lock);
    let listener = match listener {
        Ok(l) => l,
        Err(e) => {
            let message = if e.raw_os_error() == Some(libc::EADDRINUSE) {
                format!("container \"{name}\" is already running")
            } else {
                format!("command socket: {e}")
            };
            status.report(&name, Err(message));
            return status.code();
        }
    };
    tracing::debug!("command socket bound");
    let monitor_cg = match crate::cgroup::MonitorCgroup::make(&plan.cgroups, &req.lxcpath) {
        Ok(cg) => cg,
        Err(e) => {
            status.report(&name, Err(e));
            return status.code();
        }
    };
    // The monitor is born in its cgroup: moving a process there waits for an RCU grace
    // period of the kernel's cgroup lock (milliseconds), a clone into it does not. In the
    // foreground this process stays what the caller started and relays to the monitor.
    let into = monitor_cg.open();
    if fork_to_background || into.is_some() {
        // A background monitor is born in its caller's process group, which a terminal's
        // ^C or hang-up reaches, until its setsid: what came meanwhile is dropped.
        let saved = fork_to_background
            .then(|| lxc_sys::process::block_signals(TERMINAL_SIGNALS).ok())
            .flatten();
        let forked = lxc_sys::process::clone3_fork(0, into.as_ref().map(|f| f.as_fd()));
        if fork_to_background && matches!(forked, Ok(Forked::Child)) {
            let _ = lxc_sys::process::setsid();
            lxc_sys::process::discard_pending(TERMINAL_SIGNALS);
        }
        if let Some(saved) = &saved {
            lxc_sys::process::restore_mask(saved);
        }
        match forked {
            Ok(Forked::Parent { .. }) if fork_to_background => return 0,
            Ok(Forked::Parent { pid, pidfd }) => {
                // The command socket is the monitor's: its name must go when the monitor
                // lets it go, not when this process ends.
                drop(listener);
                let code = relay(pid, pidfd);
                // From outside the monitor's cgroup it can go without a move (a grace period).
                monitor_cg.discard();
                return code;
            }
            Ok(Forked::Child) => {
                if let Status::Pipe(_, caller_end) = status {
                    drop(caller_end.take());
                }
                tracing::debug!("monitor cloned into its cgroup");
            }
            Err(e) => {
                monitor_cg.discard();
                status.report(&name, Err(format!("fork: {e}")));
                return status.code();
            }
        }
    }
    if daemon {
        let _ = std::env::set_current_dir("/");
    }
    // In the foreground the first process removes the cgroup once the monitor is gone.
    let mut monitor_cgroup = fork_to_background.then_some(monitor_cg);
    let _ = lxc_sys::process::set_name(&format!("[lxc monitor] {name}"));
    if let Some(pidfile) = &req.pidfile {
        let _ = std::fs::write(pidfile, format!("{}\n", lxc_sys::getpid()));
    }
    let mut listener = Some(listener);
    let mut code = 0;
    let mut first = true;
    while let Some(l) = listener.take() {
        let mut m = Monitor::new(plan.clone(), l, monitor_cgroup.take());
        let mut ready = |r: Result<(), String>| {
            if first {
                status.report(&name, r);
                if daemon {
                    let _ = detach_stdio();
                }
            }
        };
        let outcome = m.start(&mut ready);
        first = false;
        code = outcome.status.shell_code();
        let reboot = matches!(outcome.status, WaitStatus::Signaled(libc::SIGHUP));
        if reboot {
            tracing::info!(container = %name, "rebooting");
            (listener, monitor_cgroup) = m.into_parts();
        }
    }
    if let Some(pidfile) = &req.pidfile {
        let _ = std::fs::remove_file(pidfile);
    }
    if let Some(cg) = monitor_cgroup {
        cg.leave();
    }
    if fork_to_background {
        lxc_sys::process::exit_now(code)
    }
    code
}

/// What a foreground start's first process does while its monitor child runs: pass on the
/// signals sent to it (those a terminal sends reach the monitor directly) and exit as the
/// monitor does.
fn relay(pid: i32, pidfd: Option<OwnedFd>) -> i32 {
    let passed = super::init::FORWARDED;
    let _ = lxc_sys::process::sigmask(passed, true);
    let sigfd = lxc_sys::process::signalfd(passed).ok();
    if let Some(pidfd) = &pidfd {
        loop {
            let mut fds = vec![(pidfd.as_fd(), libc::POLLIN)];
            if let Some(s) = &sigfd {
                fds.push((s.as_fd(), libc::POLLIN));
            }
            let Ok(revents) = lxc_sys::fs::poll(&fds, -1) else {
                continue;
            };
            if revents.first().is_some_and(|r| *r != 0) {
                break;
            }
            if let Some(s) = &sigfd {
                while let Ok(Some((sig, sender))) = lxc_sys::process::read_signal(s.as_fd()) {
                    if sender != 0 {
                        let _ = lxc_sys::process::pidfd_send_signal(pidfd.as_fd(), sig);
                    }
                }
            }
        }
    }
    match lxc_sys::process::waitpid(pid, false) {
        Ok(status) => status.shell_code(),
        Err(_) => HELPER_FAILED,
    }
}

/// A daemon lets go of the terminal it was started from: stdin, stdout and stderr become
/// /dev/null.
pub(crate) fn detach_stdio() -> std::io::Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    for fd in 0..3 {
        lxc_sys::fs::dup2(null.as_fd(), fd)?;
    }
    Ok(())
}
