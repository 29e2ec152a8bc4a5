//! `lxc.seccomp.notify.proxy`: the monitor hands each syscall a `notify` rule stopped to a
//! supervisor (LXD and Incus serve one) and answers it with the supervisor's verdict. The
//! wire format is LXC's (`struct seccomp_notify_proxy_msg`), one seqpacket message each way:
//!
//! ```text
//! u64 reserved (0) | i32 monitor pid | i32 init pid | u16 x3 kernel notification sizes |
//! 2 bytes padding | u64 cookie length | seccomp_notif | seccomp_notif_resp | cookie
//! ```
//!
//! with two descriptors: the stopped process's `/proc/<pid>` directory and its
//! `/proc/<pid>/mem`. The reply is the header, the notification and the answer.

use lxc_sys::seccomp::{self, NotifSizes};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Bytes of the header before the notification.
const HEADER: usize = 32;
/// How long the supervisor may take with one message, as in LXC.
const PROXY_TIMEOUT_MS: u64 = 30_000;

/// A connection to the supervisor of one running container.
#[derive(Debug)]
pub struct NotifyProxy {
    address: String,
    cookie: Vec<u8>,
    sizes: NotifSizes,
    init_pid: i32,
    sock: Option<OwnedFd>,
}

impl NotifyProxy {
    /// Connect to `address` (`unix:/path` or `unix:@abstract`).
    pub fn connect(address: &str, cookie: Option<&str>, init_pid: i32) -> Result<Self, String> {
        let what = |e: std::io::Error| format!("lxc.seccomp.notify.proxy = {address}: {e}");
        let mut proxy = NotifyProxy {
            address: address.to_string(),
            cookie: cookie.unwrap_or_default().as_bytes().to_vec(),
            sizes: seccomp::notif_sizes().map_err(what)?,
            init_pid,
            sock: None,
        };
        proxy.sock = Some(proxy.open().map_err(what)?);
        Ok(proxy)
    }

    fn open(&self) -> std::io::Result<OwnedFd> {
        let target = self.address.strip_prefix("unix:").unwrap_or(&self.address);
        let sock = match target.strip_prefix('@') {
            Some(name) => lxc_sys::sock::seqpacket_connect(name.as_bytes(), true)?,
            None => lxc_sys::sock::seqpacket_connect(target.as_bytes(), false)?,
        };
        lxc_sys::sock::set_timeouts(sock.as_fd(), PROXY_TIMEOUT_MS)?;
        Ok(sock)
    }

    /// Take the next notification from `listener` and answer it with the supervisor's
    /// verdict; ENOSYS when there is none (as LXC answers). Errors are the listener's.
    pub fn handle(&mut self, listener: BorrowedFd<'_>) -> std::io::Result<()> {
        let notif = seccomp::notification_bytes(listener, usize::from(self.sizes.notif))?;
        let id = u64::from_ne_bytes(field(&notif, 0));
        let pid = u32::from_ne_bytes(field(&notif, 8));
        let answered = match self.ask(listener, &notif, id, pid) {
            Ok(answer) => seccomp::answer_bytes(listener, &answer),
            Err(e) => {
                tracing::warn!(pid, "seccomp proxy {}: {e}; answering ENOSYS", self.address);
                seccomp::answer_errno(listener, id, libc::ENOSYS)
            }
        };
        if let Err(e) = answered {
            tracing::warn!(pid, "answering seccomp notification {id}: {e}");
        }
        Ok(())
    }

    /// One question to the supervisor (reconnecting once if it went away): its answer,
    /// with the notification's own id whatever the supervisor wrote there.
    fn ask(
        &mut self,
        listener: BorrowedFd<'_>,
        notif: &[u8],
        id: u64,
        pid: u32,
    ) -> Result<Vec<u8>, String> {
        let proc_dir = lxc_sys::fs::open_dir(std::path::Path::new(&format!("/proc/{pid}")))
            .map_err(|e| format!("open /proc/{pid}: {e}"))?;
        let mem = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(format!("/proc/{pid}/mem"))
            .map(OwnedFd::from)
            .map_err(|e| format!("open /proc/{pid}/mem: {e}"))?;
        // The pid may have been reused between the notification and the opens.
        if !seccomp::notification_valid(listener, id) {
            return Err(format!("notification {id} went away"));
        }
        let message = self.message(notif, id);
        let fds = [proc_dir.as_fd(), mem.as_fd()];
        let sent = self
            .send(&message, &fds)
            .or_else(|_| {
                self.sock = Some(self.open()?);
                self.send(&message, &fds)
            })
            .map_err(|e| format!("send: {e}"))?;
        if sent != message.len() {
            return Err("short send".into());
        }
        let reply_len = HEADER + usize::from(self.sizes.notif) + usize::from(self.sizes.resp);
        let mut reply = vec![0u8; reply_len + 1];
        let sock = self.sock.as_ref().ok_or("not connected")?;
        let (got, _) = lxc_sys::sock::recv_with_fds(sock.as_fd(), &mut reply)
            .map_err(|e| format!("receive: {e}"))?;
        if got != reply_len {
            return Err(format!("reply of {got} bytes, expected {reply_len}"));
        }
        let mut answer = reply.split_off(HEADER + usize::from(self.sizes.notif));
        answer.truncate(usize::from(self.sizes.resp));
        if let Some(own) = answer.get_mut(0..8) {
            own.copy_from_slice(&id.to_ne_bytes());
        }
        Ok(answer)
    }

    fn send(&self, message: &[u8], fds: &[BorrowedFd<'_>]) -> std::io::Result<usize> {
        let sock = self
            .sock
            .as_ref()
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::ENOTCONN))?;
        lxc_sys::sock::send_with_fds(sock.as_fd(), message, fds)
    }

    /// Header, notification, an answer holding the notification's id, cookie.
    fn message(&self, notif: &[u8], id: u64) -> Vec<u8> {
        let mut m = Vec::with_capacity(HEADER + notif.len() + 64 + self.cookie.len());
        m.extend_from_slice(&0u64.to_ne_bytes());
        m.extend_from_slice(&lxc_sys::getpid().to_ne_bytes());
        m.extend_from_slice(&self.init_pid.to_ne_bytes());
        for size in [self.sizes.notif, self.sizes.resp, self.sizes.data] {
            m.extend_from_slice(&size.to_ne_bytes());
        }
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&(self.cookie.len() as u64).to_ne_bytes());
        m.extend_from_slice(notif);
        let mut resp = vec![0u8; usize::from(self.sizes.resp)];
        if let Some(own) = resp.get_mut(0..8) {
            own.copy_from_slice(&id.to_ne_bytes());
        }
        m.extend_from_slice(&resp);
        m.extend_from_slice(&self.cookie);
        m
    }
}

/// `N` bytes of `bytes` at `at` (zeros past its end).
fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes
        .get(at..at + N)
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; N])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_lxcs_layout() {
        let proxy = NotifyProxy {
            address: "unix:@x".into(),
            cookie: b"c00kie".to_vec(),
            sizes: NotifSizes {
                notif: 80,
                resp: 24,
                data: 64,
            },
            init_pid: 42,
            sock: None,
        };
        let notif = vec![7u8; 80];
        let m = proxy.message(&notif, 0x0102);
        assert_eq!(m.len(), 32 + 80 + 24 + 6);
        assert_eq!(&m[0..8], &[0; 8]);
        assert_eq!(i32::from_ne_bytes(m[12..16].try_into().unwrap()), 42);
        assert_eq!(u16::from_ne_bytes(m[16..18].try_into().unwrap()), 80);
        assert_eq!(u16::from_ne_bytes(m[18..20].try_into().unwrap()), 24);
        assert_eq!(u16::from_ne_bytes(m[20..22].try_into().unwrap()), 64);
        assert_eq!(u64::from_ne_bytes(m[24..32].try_into().unwrap()), 6);
        assert_eq!(&m[32..112], &notif[..]);
        assert_eq!(u64::from_ne_bytes(m[112..120].try_into().unwrap()), 0x0102);
        assert_eq!(&m[136..], b"c00kie");
    }
}
