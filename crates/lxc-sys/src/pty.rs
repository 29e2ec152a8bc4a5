//! Pseudo-terminals and terminal modes.

use crate::{check, Result};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// A pty pair: the master (ptx) and the peer (pts), plus the pts path as the ptmx's
/// devpts names it.
pub struct Pty {
    pub master: OwnedFd,
    pub peer: OwnedFd,
    pub number: u32,
}

/// Open a new pty from a ptmx device given as an fd (host /dev/ptmx or a container's).
pub fn open_pty_from(ptmx: BorrowedFd<'_>) -> Result<Pty> {
    let path = crate::cstr(&format!("/proc/self/fd/{}", ptmx.as_raw_fd()))?;
    // SAFETY: valid C string; returns a fresh fd.
    let master = check(unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor we own.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    finish_pty(master)
}

/// Open a new pty from the host's /dev/ptmx.
pub fn open_pty() -> Result<Pty> {
    // SAFETY: constant path; returns a fresh fd.
    let master = check(unsafe {
        libc::open(
            c"/dev/ptmx".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor we own.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    finish_pty(master)
}

fn finish_pty(master: OwnedFd) -> Result<Pty> {
    let mut unlock: libc::c_int = 0;
    let mut number: libc::c_uint = 0;
    // SAFETY: ioctls on the master with valid out/in pointers.
    unsafe {
        check(libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCSPTLCK,
            &mut unlock,
        ))?;
        check(libc::ioctl(master.as_raw_fd(), libc::TIOCGPTN, &mut number))?;
    }
    // TIOCGPTPEER opens the peer through the master, never through a path the container
    // could have replaced.
    // SAFETY: ioctl returns a fresh fd.
    let peer = check(unsafe {
        libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCGPTPEER,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor we own.
    let peer = unsafe { OwnedFd::from_raw_fd(peer) };
    Ok(Pty {
        master,
        peer,
        number,
    })
}

/// Make `fd` the controlling terminal of this (session leader) process.
pub fn set_controlling_tty(fd: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: TIOCSCTTY takes an integer argument.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) })?;
    Ok(())
}

pub type Termios = libc::termios;

pub fn get_termios(fd: RawFd) -> Result<Termios> {
    // SAFETY: termios is plain data; tcgetattr fills it.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        check(libc::tcgetattr(fd, &mut t))?;
        Ok(t)
    }
}

pub fn set_termios(fd: RawFd, t: &Termios) -> Result<()> {
    // SAFETY: valid pointer to an initialised termios.
    check(unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, t) })?;
    Ok(())
}

/// Put a terminal in raw mode; returns the previous settings to restore later.
pub fn make_raw(fd: RawFd) -> Result<Termios> {
    let old = get_termios(fd)?;
    let mut raw = old;
    // SAFETY: cfmakeraw edits the struct in place.
    unsafe { libc::cfmakeraw(&mut raw) };
    set_termios(fd, &raw)?;
    Ok(old)
}

/// Window size (rows, cols) of a terminal.
pub fn get_winsize(fd: RawFd) -> Option<(u16, u16)> {
    // SAFETY: winsize is plain data filled by the ioctl.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0 {
            Some((ws.ws_row, ws.ws_col))
        } else {
            None
        }
    }
}

pub fn set_winsize(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: valid pointer to an initialised winsize.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) })?;
    Ok(())
}
