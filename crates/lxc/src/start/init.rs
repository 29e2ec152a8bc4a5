//! The minimal init of application containers (`lxc-execute`), run as the helper's `init`
//! mode from its sealed copy: PID 1 runs the command as its child, forwards signals to it,
//! reaps every orphan and exits with the command's status.

use lxc_sys::process::{self as p, Forked, WaitStatus};
use std::os::fd::AsFd;

/// The signals passed on to the process we stand for.
pub(super) const FORWARDED: &[i32] = &[
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

/// `lxc-rs-helper init -- COMMAND...`; the environment is the container's init environment.
pub fn helper_init() -> i32 {
    let argv: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
    if argv.is_empty() {
        eprintln!("lxc-rs-helper init: no command");
        return 1;
    }
    let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    let mut all = FORWARDED.to_vec();
    all.push(libc::SIGCHLD);
    let (Ok(()), Ok(sigfd)) = (p::sigmask(&all, true), p::signalfd(&all)) else {
        return 1;
    };
    let child = match p::fork() {
        Ok(Forked::Child) => {
            p::reset_signals();
            let err = p::execvpe(&argv[0], &argv, &env);
            eprintln!("lxc-execute: {}: {err}", argv[0]);
            p::exit_now(if err.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            })
        }
        Ok(Forked::Parent { pid, .. }) => pid,
        Err(e) => {
            eprintln!("lxc-execute: fork: {e}");
            return 1;
        }
    };
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
                    WaitStatus::Exited(code) => return code,
                    WaitStatus::Signaled(sig) => return 128 + sig,
                    WaitStatus::StillAlive => {}
                }
            }
        }
    }
}
