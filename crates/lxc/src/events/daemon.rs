//! `lxc-rs-helper monitord <lxcpath>`: the daemon of one lxcpath. It reads the monitors'
//! records from the FIFO and copies each to every connected client; it quits when a client
//! writes `quit`, or after 30 s without clients, as LXC's lxc-monitord does.

use super::{fifo_path, socket_name};
use crate::commands::STATE_MSG_LEN;
use crate::error::{io_err, sys_err, Error, Result};
use lxc_sys::fs::{POLLERR, POLLHUP, POLLIN};
use lxc_sys::process::Forked;
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

const IDLE: Duration = Duration::from_secs(30);

pub fn helper_monitord() -> i32 {
    let Some(lxcpath) = std::env::args().nth(2) else {
        eprintln!("lxc-rs-helper monitord: which lxcpath?");
        return 2;
    };
    // Our stdout is the caller's answer pipe.
    let Ok(answer) = lxc_sys::fs::dup_stdout() else {
        return 2;
    };
    let say = |text: &str| {
        let _ = lxc_sys::fs::write_all(answer.as_fd(), text.as_bytes());
    };
    // The caller waits for this process; the daemon goes on in a child, in a session of
    // its own, that nobody waits for.
    match lxc_sys::process::fork() {
        Ok(Forked::Parent { .. }) => return 0,
        Ok(Forked::Child) => {}
        Err(e) => {
            say(&format!("fork: {e}"));
            return 1;
        }
    }
    let _ = lxc_sys::process::setsid();
    let _ = std::env::set_current_dir("/");
    let _ = crate::start::launch::detach_stdio();
    let _ = lxc_sys::process::set_name("lxc-monitord");
    let rundir = lxc_config::Paths::detect().runtime_dir;
    match Daemon::open(&lxcpath, &rundir.display().to_string()) {
        Ok(Some(daemon)) => {
            say("ok");
            drop(answer);
            daemon.serve(&rundir);
            0
        }
        // Another daemon serves this lxcpath already.
        Ok(None) => {
            say("ok");
            0
        }
        Err(e) => {
            say(&e.to_string());
            1
        }
    }
}

struct Daemon {
    listener: OwnedFd,
    fifo: File,
    fifo_path: String,
    clients: Vec<OwnedFd>,
}

impl Daemon {
    /// Bind the socket (which makes this the only daemon of the lxcpath) and open the FIFO,
    /// made if missing. None when another daemon holds the socket.
    fn open(lxcpath: &str, rundir: &str) -> Result<Option<Daemon>> {
        let listener = match lxc_sys::sock::abstract_listen(&socket_name(lxcpath)) {
            Ok(l) => l,
            Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => return Ok(None),
            Err(e) => return Err(sys_err(format!("monitor socket of {lxcpath}"))(e)),
        };
        let fifo_path = fifo_path(rundir, lxcpath);
        let dir = Path::new(&fifo_path).parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let dirfd = lxc_sys::fs::open_dir_path(dir).map_err(io_err(dir))?;
        match lxc_sys::fs::mknodat(dirfd.as_fd(), "monitor-fifo", libc::S_IFIFO | 0o600, 0, 0) {
            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                return Err(io_err(&fifo_path)(e));
            }
            _ => {}
        }
        // Read and write: the FIFO never reads as ended while no monitor has it open.
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(&fifo_path)
            .map_err(io_err(&fifo_path))?;
        if !fifo.metadata().is_ok_and(|m| m.file_type().is_fifo()) {
            return Err(Error::Io {
                path: fifo_path,
                source: std::io::Error::other("not a FIFO"),
            });
        }
        Ok(Some(Daemon {
            listener,
            fifo,
            fifo_path,
            clients: Vec::new(),
        }))
    }

    fn serve(mut self, rundir: &Path) {
        let mut alone_since = Some(Instant::now());
        let mut pending = Vec::new();
        loop {
            let timeout = match alone_since {
                Some(t) => match IDLE.checked_sub(t.elapsed()) {
                    Some(left) => left.as_millis() as i32,
                    // Idle long enough, unless someone is knocking right now.
                    None if !self.knocking() => break,
                    None => 0,
                },
                None => -1,
            };
            let mut polled = vec![(self.listener.as_fd(), POLLIN), (self.fifo.as_fd(), POLLIN)];
            polled.extend(self.clients.iter().map(|c| (c.as_fd(), POLLIN)));
            let revents = match lxc_sys::fs::poll(&polled, timeout) {
                Ok(r) => r,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            drop(polled);
            // Clients first: their indexes shift as they go.
            let mut quit = false;
            for i in (0..self.clients.len()).rev() {
                if revents[i + 2] & (POLLIN | POLLHUP | POLLERR) == 0 {
                    continue;
                }
                let mut buf = [0u8; 64];
                match lxc_sys::fs::read(self.clients[i].as_fd(), &mut buf) {
                    Ok(n) if n > 0 => quit |= buf[..n].starts_with(b"quit"),
                    _ => {
                        self.clients.remove(i);
                    }
                }
            }
            if quit {
                break;
            }
            if revents[0] & POLLIN != 0 {
                self.accept();
            }
            if revents[1] & POLLIN != 0 {
                self.relay(&mut pending);
            }
            alone_since = match (self.clients.is_empty(), alone_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
        }
        self.remove_fifo(rundir);
    }

    /// A connection waits on the listener.
    fn knocking(&self) -> bool {
        lxc_sys::fs::poll(&[(self.listener.as_fd(), POLLIN)], 0).is_ok_and(|r| r[0] != 0)
    }

    /// Root and this daemon's own user may watch; anyone else is turned away, as in LXC.
    fn accept(&mut self) {
        let Ok(conn) = lxc_sys::sock::accept(self.listener.as_fd()) else {
            return;
        };
        let me = lxc_sys::geteuid();
        match lxc_sys::sock::peer_cred(conn.as_fd()) {
            Ok(cred) if cred.uid == 0 || cred.uid == me => {
                // A client that stops reading is dropped, never waited for.
                if lxc_sys::fs::set_nonblocking(conn.as_fd(), true).is_ok() {
                    self.clients.push(conn);
                }
            }
            Ok(cred) => tracing::warn!("monitor denied to uid {}", cred.uid),
            Err(_) => {}
        }
    }

    /// Copy each whole record from the FIFO to every client.
    fn relay(&mut self, pending: &mut Vec<u8>) {
        let mut buf = [0u8; STATE_MSG_LEN * 16];
        while let Ok(n) = lxc_sys::fs::read(self.fifo.as_fd(), &mut buf) {
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            let whole = pending.len() / STATE_MSG_LEN * STATE_MSG_LEN;
            for record in pending[..whole].chunks(STATE_MSG_LEN) {
                self.clients
                    .retain(|c| lxc_sys::fs::write_all(c.as_fd(), record).is_ok());
            }
            pending.drain(..whole);
        }
    }

    /// The FIFO and the directories made for it go with the daemon (LXC leaves them).
    fn remove_fifo(&self, rundir: &Path) {
        let _ = std::fs::remove_file(&self.fifo_path);
        let top = rundir.join("lxc");
        let mut dir = Path::new(&self.fifo_path).parent();
        while let Some(d) = dir {
            if !d.starts_with(&top) || d == top || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}
