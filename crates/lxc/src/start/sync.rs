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

/// The largest message: the receiver reads into a buffer of this size on its stack (a
/// 64 kB heap buffer cost each side about 16 page faults a message).
const MAX_MSG: usize = 4096;

pub fn send(sock: BorrowedFd<'_>, msg: &SyncMsg) -> io::Result<()> {
    send_fds(sock, msg, &[])
}

/// A message with fds passed along (SCM_RIGHTS). A failure's text is shortened to fit.
pub fn send_fds(sock: BorrowedFd<'_>, msg: &SyncMsg, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let mut bytes = serde_json::to_vec(msg).map_err(io::Error::other)?;
    if let SyncMsg::Failed { step, message } = msg {
        let mut keep = message.len();
        while bytes.len() > MAX_MSG && keep > 0 {
            keep /= 2;
            while !message.is_char_boundary(keep) {
                keep -= 1;
            }
            let shorter = SyncMsg::Failed {
                step: *step,
                message: format!("{}...", &message[..keep]),
            };
            bytes = serde_json::to_vec(&shorter).map_err(io::Error::other)?;
        }
    }
    if bytes.len() > MAX_MSG {
        return Err(io::Error::other(format!(
            "handshake message of {} bytes",
            bytes.len()
        )));
    }
    lxc_sys::sock::send_with_fds(sock, &bytes, fds)?;
    Ok(())
}

/// A message and the fds that came with it; Ok(None) when the peer closed the channel
/// (after a successful exec, for the child's end).
pub fn recv_fds(sock: BorrowedFd<'_>) -> io::Result<Option<(SyncMsg, Vec<OwnedFd>)>> {
    let mut buf = [0u8; MAX_MSG];
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_long_failure_is_shortened_to_fit() {
        let (a, b) = lxc_sys::sock::seqpacket_pair().unwrap();
        let message = "é\u{1}".repeat(5000);
        let failed = SyncMsg::Failed {
            step: StartStep::HostReady,
            message: message.clone(),
        };
        send(a.as_fd(), &failed).unwrap();
        match recv_fds(b.as_fd()).unwrap() {
            Some((SyncMsg::Failed { step, message: got }, _)) => {
                assert_eq!(step, StartStep::HostReady);
                assert!(got.ends_with("...") && got.len() < MAX_MSG);
                assert!(message.starts_with(got.trim_end_matches("...")));
            }
            other => panic!("unexpected {other:?}"),
        }
        send(a.as_fd(), &SyncMsg::Reached(StartStep::Exec)).unwrap();
        assert!(expect(b.as_fd(), StartStep::Exec).is_ok());
    }
}
