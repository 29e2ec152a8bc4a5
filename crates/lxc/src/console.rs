//! Console and tty access for a running container: the monitor hands us the pty master and
//! we shuttle bytes until the escape sequence (`<prefix> q`).

use crate::commands::{self, Cmd};
use crate::container::Container;
use crate::error::{Error, Result};
use lxc_sys::fs::{poll, read, write_all, POLLIN};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

impl Container {
    /// `console_getfd`: a tty's master (`ttynum` -1 = first free, 0 = the console) and the
    /// connection that holds it; the tty stays ours while the connection is open.
    pub fn console_getfd(&self, ttynum: i32) -> Result<(OwnedFd, i32, OwnedFd)> {
        let resp = commands::call(
            self.config_path(),
            self.name(),
            Cmd::GetTtyFd,
            ttynum as i64 as u64,
            &[],
        )?
        .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        if resp.ret < 0 {
            return Err(Error::Command {
                name: self.name().into(),
                message: format!(
                    "no tty available: {}",
                    std::io::Error::from_raw_os_error(-resp.ret)
                ),
            });
        }
        let mut fds = resp.fds;
        let fd = fds.pop().ok_or_else(|| Error::Command {
            name: self.name().into(),
            message: "no tty fd received".into(),
        })?;
        Ok((fd, resp.ret, resp.conn))
    }

    /// Connect our terminal to a tty of the container until `<escape> q`.
    pub fn console(&self, ttynum: i32, escape: u8, connected: impl FnOnce(i32)) -> Result<()> {
        self.console_with(ttynum, 0, 1, escape, connected)
    }

    /// Like `console`, on the caller's own fds (LXC's `console(c, ttynum, in, out, err, esc)`);
    /// they must stay open for the call.
    pub fn console_with(
        &self,
        ttynum: i32,
        input: RawFd,
        output: RawFd,
        escape: u8,
        connected: impl FnOnce(i32),
    ) -> Result<()> {
        let bad = || Error::InvalidArgument("console: invalid fd".into());
        let input: BorrowedFd<'_> = lxc_sys::ffi::borrowed_fd(input).ok_or_else(bad)?;
        let output: BorrowedFd<'_> = lxc_sys::ffi::borrowed_fd(output).ok_or_else(bad)?;
        let (master, number, _hold) = self.console_getfd(ttynum)?;
        connected(number);
        let saved = lxc_sys::fs::isatty(input.as_raw_fd())
            .then(|| lxc_sys::pty::make_raw(input.as_raw_fd()).ok())
            .flatten();
        let mut buf = [0u8; 1024];
        let mut pending_escape = false;
        'outer: while let Ok(rev) = poll(&[(master.as_fd(), POLLIN), (input, POLLIN)], -1) {
            if rev[0] != 0 {
                match read(master.as_fd(), &mut buf) {
                    Ok(n) if n > 0 => {
                        let _ = write_all(output, &buf[..n]);
                    }
                    _ => break,
                }
            }
            if rev[1] != 0 {
                let n = match read(input, &mut buf) {
                    Ok(n) if n > 0 => n,
                    _ => break,
                };
                let mut out = Vec::with_capacity(n);
                for &b in &buf[..n] {
                    if pending_escape {
                        pending_escape = false;
                        if b == b'q' {
                            break 'outer;
                        }
                        out.push(b);
                    } else if b == escape {
                        pending_escape = true;
                    } else {
                        out.push(b);
                    }
                }
                let _ = write_all(master.as_fd(), &out);
            }
        }
        if let Some(t) = saved {
            let _ = lxc_sys::pty::set_termios(input.as_raw_fd(), &t);
        }
        Ok(())
    }
}

/// Single keys from a terminal on stdin, for interactive tools (lxc-top's `q`): raw mode
/// while this lives, the terminal's settings back after.
pub struct KeyReader {
    saved: Option<lxc_sys::pty::Termios>,
}

impl KeyReader {
    /// None unless stdin is a terminal.
    pub fn open() -> Option<KeyReader> {
        if !lxc_sys::fs::isatty(0) {
            return None;
        }
        let saved = lxc_sys::pty::make_raw(0).ok()?;
        Some(KeyReader { saved: Some(saved) })
    }

    /// The next key typed within `timeout`, if any.
    pub fn key_within(&self, timeout: std::time::Duration) -> Option<u8> {
        let stdin = std::io::stdin();
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let ready = lxc_sys::fs::poll(&[(stdin.as_fd(), libc::POLLIN)], ms).ok()?;
        if ready.first().is_some_and(|e| e & libc::POLLIN != 0) {
            let mut byte = [0u8; 1];
            if lxc_sys::fs::read(stdin.as_fd(), &mut byte).ok()? == 1 {
                return Some(byte[0]);
            }
        }
        None
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        if let Some(t) = self.saved.take() {
            let _ = lxc_sys::pty::set_termios(0, &t);
        }
    }
}

/// LXC's `struct lxc_cmd_console_log { bool clear; bool read; uint64_t read_max;
/// bool write_logfile; }` as it travels (24 bytes). `write_logfile` is always sent as 0 and
/// ignored when received: LXC's own client leaves it uninitialised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsoleLogRequest {
    /// Empty the ring buffer (after reading, with `read`).
    pub clear: bool,
    /// Return (and consume) the oldest `read_max` bytes.
    pub read: bool,
    /// Bytes to read (or, with neither `read` nor `clear`, to drop); 0: all (to read).
    pub read_max: u64,
}

pub const CONSOLE_LOG_REQUEST_LEN: usize = 24;

impl ConsoleLogRequest {
    pub fn encode(&self) -> [u8; CONSOLE_LOG_REQUEST_LEN] {
        let mut m = [0u8; CONSOLE_LOG_REQUEST_LEN];
        m[0] = u8::from(self.clear);
        m[1] = u8::from(self.read);
        m[8..16].copy_from_slice(&self.read_max.to_ne_bytes());
        m
    }

    pub fn decode(m: &[u8]) -> Option<ConsoleLogRequest> {
        let max: [u8; 8] = m.get(8..16)?.try_into().ok()?;
        Some(ConsoleLogRequest {
            clear: m[0] != 0,
            read: m[1] != 0,
            read_max: u64::from_ne_bytes(max),
        })
    }
}

impl Container {
    /// `console_log`: read (and consume) or clear the console ring buffer
    /// (`lxc.console.buffer.size`) of the running container; LXC's command, so LXC's
    /// monitors answer it too.
    pub fn console_log(&self, req: &ConsoleLogRequest) -> Result<Vec<u8>> {
        let resp = commands::call(
            self.config_path(),
            self.name(),
            Cmd::ConsoleLog,
            0,
            &req.encode(),
        )?
        .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        if resp.ret < 0 {
            let op = match -resp.ret {
                libc::EFAULT => "console_log: no console ring buffer (lxc.console.buffer.size)",
                libc::ENODATA => "console_log: the console ring buffer is empty",
                _ => "console_log",
            };
            return Err(Error::Sys {
                op: format!("{}: {op}", self.name()),
                source: std::io::Error::from_raw_os_error(-resp.ret),
            });
        }
        Ok(resp.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_in_lxc_layout() {
        let req = ConsoleLogRequest {
            clear: false,
            read: true,
            read_max: 4096,
        };
        let mut m = req.encode();
        assert_eq!((m[0], m[1], m[16]), (0, 1, 0));
        m[16] = 0xa5;
        assert_eq!(ConsoleLogRequest::decode(&m), Some(req));
        assert_eq!(ConsoleLogRequest::decode(&m[..10]), None);
    }
}
