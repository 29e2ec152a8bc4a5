//! The minimal init of application containers (`lxc-execute`): PID 1 runs the command as
//! its child, forwards signals to it, reaps every orphan and exits with the command's status.

use super::plan::Plan;
use super::sync::{self, StartStep, SyncMsg};
use lxc_sys::process::{self as p, Forked, WaitStatus};
use std::os::fd::BorrowedFd;

const FORWARDED: &[i32] = &[
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGPWR,
    libc::SIGALRM,
    libc::SIGCONT,
    libc::SIGWINCH,
];

pub fn run(plan: &Plan, sock: BorrowedFd<'_>) -> ! {
    let mut all = FORWARDED.to_vec();
    all.push(libc::SIGCHLD);
    let blocked = p::sigmask(&all, true);
    let sigfd = p::signalfd(&all);
    let child = match p::fork() {
        Ok(Forked::Child) => {
            p::reset_signals();
            let prog = &plan.init_argv[0];
            let err = p::execvpe(prog, &plan.init_argv, &plan.init_env);
            let msg = SyncMsg::Failed {
                step: StartStep::Exec,
                message: format!("exec {prog}: {err}"),
            };
            let _ = sync::send(sock, &msg);
            p::exit_now(127)
        }
        Ok(Forked::Parent { pid, .. }) => pid,
        Err(e) => {
            let msg = SyncMsg::Failed {
                step: StartStep::Exec,
                message: format!("fork: {e}"),
            };
            let _ = sync::send(sock, &msg);
            p::exit_now(1)
        }
    };
    // Our copy of the handshake socket must go so the monitor sees the command's exec.
    drop(lxc_sys::fs::adopt_fd(std::os::fd::AsRawFd::as_raw_fd(
        &sock,
    )));
    let (Ok(()), Ok(sigfd)) = (blocked, sigfd) else {
        p::exit_now(1)
    };
    use std::os::fd::AsFd;
    loop {
        let _ = lxc_sys::fs::poll(&[(sigfd.as_fd(), lxc_sys::fs::POLLIN)], -1);
        while let Ok(Some((sig, _))) = p::read_signal(sigfd.as_fd()) {
            if sig != libc::SIGCHLD {
                let _ = p::kill(child, sig);
            }
        }
        while let Ok(Some((pid, status))) = p::reap_any() {
            if pid == child {
                // Take the rest of the container down with us, as LXC's init does.
                let _ = p::kill(-1, libc::SIGKILL);
                match status {
                    WaitStatus::Exited(code) => p::exit_now(code),
                    WaitStatus::Signaled(sig) => p::exit_now(128 + sig),
                    WaitStatus::StillAlive => {}
                }
            }
        }
    }
}
