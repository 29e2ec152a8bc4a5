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
use std::collections::VecDeque;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

/// Bytes of the header before the notification.
const HEADER: usize = 32;
/// How long the supervisor may take with one message, as in LXC. The monitor keeps
/// serving its commands meanwhile: the answer is awaited in its main loop.
const PROXY_TIMEOUT: Duration = Duration::from_secs(30);

/// A notification handed to the supervisor and not answered yet.
#[derive(Debug)]
struct Pending {
    id: u64,
    pid: u32,
    due: Instant,
}

/// A connection to the supervisor of one running container.
#[derive(Debug)]
pub struct NotifyProxy {
    address: String,
    cookie: Vec<u8>,
    sizes: NotifSizes,
    init_pid: i32,
    sock: Option<OwnedFd>,
    pending: VecDeque<Pending>,
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
            pending: VecDeque::new(),
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
        // Neither a send to a supervisor that stopped reading nor a receive may hold up
        // the monitor's main loop.
        lxc_sys::fs::set_nonblocking(sock.as_fd(), true)?;
        Ok(sock)
    }

    /// The socket to watch for answers while some are awaited.
    pub fn awaiting(&self) -> Option<BorrowedFd<'_>> {
        self.sock
            .as_ref()
            .filter(|_| !self.pending.is_empty())
            .map(|s| s.as_fd())
    }

    /// When the oldest awaited answer is due.
    pub fn due(&self) -> Option<Instant> {
        self.pending.front().map(|p| p.due)
    }

    /// Take the next notification from `listener` and hand it to the supervisor; it is
    /// answered ENOSYS at once if that fails (as LXC answers). Errors are the listener's.
    pub fn forward(&mut self, listener: BorrowedFd<'_>) -> std::io::Result<()> {
        let notif = seccomp::notification_bytes(listener, usize::from(self.sizes.notif))?;
        let id = u64::from_ne_bytes(field(&notif, 0));
        let pid = u32::from_ne_bytes(field(&notif, 8));
        match self.ask(listener, &notif, id, pid) {
            Ok(()) => self.pending.push_back(Pending {
                id,
                pid,
                due: Instant::now() + PROXY_TIMEOUT,
            }),
            Err(e) => self.give_up(listener, id, pid, &e),
        }
        Ok(())
    }

    /// The supervisor's socket is readable: pass its answer on (a closed or broken
    /// connection gives up on everything awaited; the next notification reconnects).
    pub fn on_answer(&mut self, listener: BorrowedFd<'_>) {
        let reply_len = HEADER + usize::from(self.sizes.notif) + usize::from(self.sizes.resp);
        let mut reply = vec![0u8; reply_len + 1];
        let received = match &self.sock {
            Some(sock) => lxc_sys::sock::recv_with_fds(sock.as_fd(), &mut reply),
            None => return,
        };
        let got = match received {
            // Woken for a connection since replaced: nothing to read on this one yet.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Ok((0, _)) => Err("the supervisor closed the connection".to_string()),
            Ok((n, _)) if n != reply_len => {
                Err(format!("reply of {n} bytes, expected {reply_len}"))
            }
            Ok((n, _)) => Ok(n),
            Err(e) => Err(format!("receive: {e}")),
        };
        if let Err(e) = got {
            self.drop_connection(listener, &e);
            return;
        }
        // The supervisor sends the notification back with its answer: that id says which
        // one it answers (a late answer to one already given up on matches none).
        let echoed = u64::from_ne_bytes(field(&reply, HEADER));
        let Some(at) = self.pending.iter().position(|p| p.id == echoed) else {
            tracing::warn!(
                id = echoed,
                "seccomp proxy answered no awaited notification"
            );
            return;
        };
        let Some(p) = self.pending.remove(at) else {
            return;
        };
        let mut answer = reply.split_off(HEADER + usize::from(self.sizes.notif));
        answer.truncate(usize::from(self.sizes.resp));
        // The notification's own id, whatever the supervisor wrote there.
        if let Some(own) = answer.get_mut(0..8) {
            own.copy_from_slice(&p.id.to_ne_bytes());
        }
        if let Err(e) = seccomp::answer_bytes(listener, &answer) {
            tracing::warn!(pid = p.pid, "answering seccomp notification {}: {e}", p.id);
        }
    }

    /// Answer ENOSYS to what the supervisor did not answer in time.
    pub fn expire(&mut self, listener: BorrowedFd<'_>, now: Instant) {
        while let Some(p) = self.pending.front() {
            if p.due > now {
                break;
            }
            let (id, pid) = (p.id, p.pid);
            self.pending.pop_front();
            self.give_up(listener, id, pid, "no answer in time");
        }
    }

    /// Close the connection, giving up on what was awaited over it.
    fn drop_connection(&mut self, listener: BorrowedFd<'_>, why: &str) {
        self.sock = None;
        for p in std::mem::take(&mut self.pending) {
            self.give_up(listener, p.id, p.pid, why);
        }
    }

    fn give_up(&self, listener: BorrowedFd<'_>, id: u64, pid: u32, why: &str) {
        tracing::warn!(
            pid,
            "seccomp proxy {}: {why}; answering ENOSYS",
            self.address
        );
        if let Err(e) = seccomp::answer_errno(listener, id, libc::ENOSYS) {
            tracing::warn!(pid, "answering seccomp notification {id}: {e}");
        }
    }

    /// Hand one notification to the supervisor (reconnecting once if it went away).
    fn ask(
        &mut self,
        listener: BorrowedFd<'_>,
        notif: &[u8],
        id: u64,
        pid: u32,
    ) -> Result<(), String> {
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
        let sent = match self.send(&message, &fds) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return Err("the supervisor is not reading".into())
            }
            // Gone: a new connection, once; what the old one awaited gets no answer now.
            Err(e) => {
                self.drop_connection(listener, &format!("send: {e}"));
                self.sock = Some(self.open().map_err(|e| format!("reconnect: {e}"))?);
                self.send(&message, &fds)
            }
            sent => sent,
        }
        .map_err(|e| format!("send: {e}"))?;
        if sent != message.len() {
            return Err("short send".into());
        }
        Ok(())
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
            pending: VecDeque::new(),
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

    /// Answers are matched by the notification they echo; a late one, for a notification
    /// already given up on, is dropped; a closed connection gives up on the rest.
    #[test]
    fn answers_are_matched_and_overdue_ones_given_up() {
        let (ours, supervisor) = lxc_sys::sock::seqpacket_pair().unwrap();
        let sizes = NotifSizes {
            notif: 80,
            resp: 24,
            data: 64,
        };
        let now = Instant::now();
        let pending = |id, due| Pending { id, pid: 1, due };
        let mut proxy = NotifyProxy {
            address: "unix:@x".into(),
            cookie: Vec::new(),
            sizes,
            init_pid: 42,
            sock: Some(ours),
            pending: VecDeque::from([pending(7, now), pending(5, now + PROXY_TIMEOUT)]),
        };
        // Not a seccomp listener: the answers themselves fail and are only logged.
        let listener = std::fs::File::open("/dev/null").unwrap();
        let reply = |id: u64| {
            let mut r = vec![0u8; HEADER + 80 + 24];
            r[HEADER..HEADER + 8].copy_from_slice(&id.to_ne_bytes());
            r
        };
        proxy.expire(listener.as_fd(), now);
        assert_eq!(proxy.pending.iter().map(|p| p.id).collect::<Vec<_>>(), [5]);
        // Woken with nothing to read (the socket is non-blocking, as `open` makes it).
        if let Some(sock) = &proxy.sock {
            lxc_sys::fs::set_nonblocking(sock.as_fd(), true).unwrap();
        }
        proxy.on_answer(listener.as_fd());
        assert_eq!(proxy.pending.len(), 1, "nothing read, nothing given up");
        lxc_sys::sock::send_with_fds(supervisor.as_fd(), &reply(7), &[]).unwrap();
        proxy.on_answer(listener.as_fd());
        assert_eq!(proxy.pending.len(), 1, "a late answer matches nothing");
        lxc_sys::sock::send_with_fds(supervisor.as_fd(), &reply(5), &[]).unwrap();
        proxy.on_answer(listener.as_fd());
        assert!(proxy.pending.is_empty() && proxy.awaiting().is_none());
        proxy.pending.push_back(pending(9, now + PROXY_TIMEOUT));
        assert!(proxy.awaiting().is_some());
        drop(supervisor);
        proxy.on_answer(listener.as_fd());
        assert!(proxy.pending.is_empty() && proxy.sock.is_none());
    }
}
