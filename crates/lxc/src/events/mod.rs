//! State changes of every container under an lxcpath, as LXC's `lxc-monitor` sees them.
//!
//! Each monitor writes a `struct lxc_msg` record into the lxcpath's FIFO
//! (`<rundir>/lxc/<lxcpath>/monitor-fifo`) at every change, without blocking and only when
//! someone reads it. One daemon per lxcpath (ours: `lxc-rs-helper monitord`; LXC's
//! lxc-monitord speaks the same) reads the FIFO and copies each record to the clients of
//! an abstract socket named after the lxcpath. The records and names are LXC's, so LXC's
//! lxc-monitor sees our containers and ours sees LXC's.

mod daemon;

pub use daemon::helper_monitord;

use crate::commands::STATE_MSG_LEN;
use crate::error::{io_err, sys_err, Error, Result};
use crate::state::State;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

/// One record: `struct lxc_msg { int type; char name[256]; int value; }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// type 0: the container entered `state`.
    State { name: String, state: State },
    /// type 1: a priority change (LXC defines it; nothing sends it).
    Priority { name: String, value: i32 },
    /// type 2: the container's init ended with this wait status.
    Exit { name: String, status: i32 },
}

impl Event {
    pub fn name(&self) -> &str {
        match self {
            Event::State { name, .. } | Event::Priority { name, .. } | Event::Exit { name, .. } => {
                name
            }
        }
    }

    pub fn encode(&self) -> [u8; STATE_MSG_LEN] {
        let (kind, value) = match self {
            Event::State { state, .. } => (0i32, *state as i32),
            Event::Priority { value, .. } => (1, *value),
            Event::Exit { status, .. } => (2, *status),
        };
        let mut m = [0u8; STATE_MSG_LEN];
        m[0..4].copy_from_slice(&kind.to_ne_bytes());
        let name = self.name().as_bytes();
        // name[256] keeps a terminating NUL.
        let len = name.len().min(255);
        m[4..4 + len].copy_from_slice(&name[..len]);
        m[260..264].copy_from_slice(&value.to_ne_bytes());
        m
    }

    /// None for an unknown type or state number.
    pub fn decode(m: &[u8; STATE_MSG_LEN]) -> Option<Event> {
        let int = |at: usize| i32::from_ne_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
        let raw = &m[4..260];
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        let name = String::from_utf8_lossy(&raw[..end]).into_owned();
        let value = int(260);
        match int(0) {
            0 => State::from_number(i64::from(value)).map(|state| Event::State { name, state }),
            1 => Some(Event::Priority { name, value }),
            2 => Some(Event::Exit {
                name,
                status: value,
            }),
            _ => None,
        }
    }
}

/// LXC's spelling of an lxcpath in these names: as given, less trailing slashes.
fn trimmed(lxcpath: &str) -> &str {
    match lxcpath.trim_end_matches('/') {
        "" => "/",
        p => p,
    }
}

/// `<rundir>/lxc/<lxcpath>/monitor-fifo` (an absolute lxcpath doubles the slash, as in LXC).
pub fn fifo_path(runtime_dir: &str, lxcpath: &str) -> String {
    format!("{runtime_dir}/lxc/{}/monitor-fifo", trimmed(lxcpath))
}

/// The daemon's abstract socket name (without its leading NUL):
/// `lxc/<FNV-1a-64 of "lxc/<lxcpath>/monitor-sock">/<lxcpath>`, cut to 105 bytes.
pub fn socket_name(lxcpath: &str) -> Vec<u8> {
    let lxcpath = trimmed(lxcpath);
    let hash = crate::commands::fnv1a64(format!("lxc/{lxcpath}/monitor-sock").as_bytes());
    let mut name = format!("lxc/{hash:016x}/{lxcpath}").into_bytes();
    name.truncate(105);
    name
}

/// Tell whoever watches `fifo` about `event`. Never blocks and never fails the caller: with
/// no daemon reading, the open fails (ENOENT, ENXIO) and the record is dropped, as in LXC.
pub(crate) fn publish(fifo: &str, event: &Event) {
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(fifo);
    let Ok(file) = opened else { return };
    // Only a FIFO: a regular file put there must not collect records.
    if !file.metadata().is_ok_and(|m| m.file_type().is_fifo()) {
        return;
    }
    // One record is below PIPE_BUF: it is written whole or not at all.
    if let Err(e) = lxc_sys::fs::write_all(file.as_fd(), &event.encode()) {
        tracing::debug!("{fifo}: {e}");
    }
}

/// Connections to the daemons of one or more lxcpaths.
#[derive(Debug)]
pub struct Subscription {
    conns: Vec<OwnedFd>,
}

impl Subscription {
    /// Connect to each lxcpath's daemon, starting ours where none serves yet.
    pub fn open(lxcpaths: &[String]) -> Result<Subscription> {
        let mut conns = Vec::new();
        for lxcpath in lxcpaths {
            let name = socket_name(lxcpath);
            let conn = match lxc_sys::sock::abstract_connect(&name) {
                Ok(c) => c,
                Err(_) => {
                    spawn_daemon(lxcpath)?;
                    lxc_sys::sock::abstract_connect(&name)
                        .map_err(sys_err(format!("connect to the monitor of {lxcpath}")))?
                }
            };
            trusted(&conn, lxcpath)?;
            conns.push(conn);
        }
        Ok(Subscription { conns })
    }

    /// The next record from any daemon; None once every daemon has gone.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        while !self.conns.is_empty() {
            let polled: Vec<_> = self
                .conns
                .iter()
                .map(|c| (c.as_fd(), lxc_sys::fs::POLLIN))
                .collect();
            let revents = lxc_sys::fs::poll(&polled, -1).map_err(sys_err("poll"))?;
            let Some(ready) = revents.iter().position(|r| *r != 0) else {
                continue;
            };
            let mut msg = [0u8; STATE_MSG_LEN];
            let mut fds = Vec::new();
            match crate::commands::read_exact_fds(self.conns[ready].as_fd(), &mut msg, &mut fds) {
                Ok(true) => {
                    if let Some(event) = Event::decode(&msg) {
                        return Ok(Some(event));
                    }
                }
                // The daemon went (quit, or idle with nothing for us).
                _ => {
                    self.conns.remove(ready);
                }
            }
        }
        Ok(None)
    }
}

/// Ask the daemon of `lxcpath` to quit (`lxc-monitor -Q`). False when none was running.
pub fn quit_daemon(lxcpath: &str) -> Result<bool> {
    let Ok(conn) = lxc_sys::sock::abstract_connect(&socket_name(lxcpath)) else {
        return Ok(false);
    };
    trusted(&conn, lxcpath)?;
    lxc_sys::fs::write_all(conn.as_fd(), b"quit")
        .map_err(sys_err(format!("ask the monitor of {lxcpath} to quit")))?;
    Ok(true)
}

/// The daemon behind `conn` is root's or ours: an abstract name is anyone's to take, and
/// another user's daemon could feed us made-up changes.
fn trusted(conn: &OwnedFd, lxcpath: &str) -> Result<()> {
    let cred = lxc_sys::sock::peer_cred(conn.as_fd())
        .map_err(sys_err(format!("the monitor daemon of {lxcpath}")))?;
    if cred.uid == 0 || cred.uid == lxc_sys::geteuid() {
        return Ok(());
    }
    Err(Error::Command {
        name: lxcpath.to_string(),
        message: format!(
            "the monitor daemon serving it (pid {}) belongs to uid {}, not trusted",
            cred.pid, cred.uid
        ),
    })
}

/// Start the daemon for `lxcpath` and wait until it serves (or says why it cannot).
fn spawn_daemon(lxcpath: &str) -> Result<()> {
    let helper = crate::start::helper_path()?;
    let mut child = std::process::Command::new(&helper)
        .arg("monitord")
        .arg(lxcpath)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(io_err(&helper))?;
    // The helper forks the daemon off and ends at once; the daemon answers on the pipe.
    let mut answer = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut answer);
    }
    let _ = child.wait();
    match answer.as_str() {
        "ok" => Ok(()),
        "" => Err(Error::Command {
            name: lxcpath.to_string(),
            message: "the monitor daemon ended without a word".into(),
        }),
        why => Err(Error::Command {
            name: lxcpath.to_string(),
            message: format!("cannot start the monitor daemon: {why}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        for e in [
            Event::State {
                name: "c1".into(),
                state: State::Frozen,
            },
            Event::Exit {
                name: "web".into(),
                status: 9,
            },
            Event::Priority {
                name: "x".into(),
                value: -3,
            },
        ] {
            assert_eq!(Event::decode(&e.encode()), Some(e));
        }
        let mut bad = Event::Exit {
            name: "a".into(),
            status: 0,
        }
        .encode();
        bad[0] = 7;
        assert_eq!(Event::decode(&bad), None);
    }

    #[test]
    fn long_names_keep_their_nul() {
        let long = "n".repeat(300);
        let m = Event::State {
            name: long,
            state: State::Running,
        }
        .encode();
        assert_eq!(m[259], 0);
        assert_eq!(Event::decode(&m).map(|e| e.name().len()), Some(255));
    }

    #[test]
    fn names_as_lxc_spells_them() {
        assert_eq!(
            fifo_path("/run", "/var/lib/lxc/"),
            "/run/lxc//var/lib/lxc/monitor-fifo"
        );
        let name = String::from_utf8(socket_name("/var/lib/lxc")).unwrap_or_default();
        let hash = crate::commands::fnv1a64(b"lxc//var/lib/lxc/monitor-sock");
        assert_eq!(name, format!("lxc/{hash:016x}//var/lib/lxc"));
        assert_eq!(socket_name(&format!("/{}", "d".repeat(200))).len(), 105);
    }
}
