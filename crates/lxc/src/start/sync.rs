//! The start handshake between the monitor and the container's first process: named steps,
//! one message each over a SOCK_SEQPACKET pair. A user-namespace step (id maps written from
//! outside between `Cloned` and `HostReady`) fits between the existing steps.

use serde::{Deserialize, Serialize};
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartStep {
    /// child -> monitor: I exist in my new namespaces.
    Cloned,
    /// monitor -> child: host side done (cgroup, id maps, network); set up the rootfs.
    HostReady,
    /// child -> monitor: rootfs, /dev, mounts and hooks done; about to exec.
    RootfsReady,
    /// monitor -> child: start-host hooks ran; exec init now.
    Exec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum SyncMsg {
    Reached(StartStep),
    /// child -> monitor, after `Exec`: the listener of the seccomp policy's `notify` rules.
    SeccompListener,
    Failed {
        step: StartStep,
        message: String,
    },
}

pub fn send(sock: BorrowedFd<'_>, msg: &SyncMsg) -> io::Result<()> {
    send_fds(sock, msg, &[])
}

/// A message with fds passed along (SCM_RIGHTS).
pub fn send_fds(sock: BorrowedFd<'_>, msg: &SyncMsg, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let bytes = serde_json::to_vec(msg).map_err(io::Error::other)?;
    lxc_sys::sock::send_with_fds(sock, &bytes, fds)?;
    Ok(())
}

/// A message and the fds that came with it; Ok(None) when the peer closed the channel
/// (after a successful exec, for the child's end).
pub fn recv_fds(sock: BorrowedFd<'_>) -> io::Result<Option<(SyncMsg, Vec<OwnedFd>)>> {
    let mut buf = vec![0u8; 64 * 1024];
    let (n, fds) = lxc_sys::sock::recv_with_fds(sock, &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    let msg = serde_json::from_slice(&buf[..n]).map_err(io::Error::other)?;
    Ok(Some((msg, fds)))
}

/// Wait for a specific step; anything else is a failure described by the message.
pub fn expect(sock: BorrowedFd<'_>, step: StartStep) -> Result<(), String> {
    expect_fds(sock, step).map(drop)
}

/// Like `expect`, returning the fds that came with the step.
pub fn expect_fds(sock: BorrowedFd<'_>, step: StartStep) -> Result<Vec<OwnedFd>, String> {
    match recv_fds(sock) {
        Ok(Some((SyncMsg::Reached(s), fds))) if s == step => Ok(fds),
        Ok(Some((msg, _))) => Err(describe(step, msg)),
        Ok(None) => Err(format!("the other side went away before {step:?}")),
        Err(e) => Err(format!("handshake: {e}")),
    }
}

fn describe(step: StartStep, msg: SyncMsg) -> String {
    match msg {
        SyncMsg::Reached(s) => format!("expected step {step:?}, got {s:?}"),
        SyncMsg::SeccompListener => format!("expected step {step:?}, got a seccomp listener"),
        SyncMsg::Failed { step, message } => format!("{message} (during {step:?})"),
    }
}
