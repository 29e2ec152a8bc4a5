//! Unix sockets: abstract-namespace command sockets, socketpairs, fd passing, peer creds.

use crate::{check, Result};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

fn new_socket(kind: i32) -> Result<OwnedFd> {
    // SAFETY: plain integer arguments; returns a fresh fd.
    let fd = check(unsafe { libc::socket(libc::AF_UNIX, kind | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Build an abstract address: NUL then `name`, length without a trailing NUL (as LXC does,
/// since abstract names are compared byte for byte including their length).
fn abstract_addr(name: &[u8]) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain data; all-zero is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if name.len() + 1 > addr.sun_path.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "socket name too long",
        ));
    }
    for (i, b) in name.iter().enumerate() {
        addr.sun_path[i + 1] = *b as libc::c_char;
    }
    let base = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    Ok((addr, (base + 1 + name.len()) as libc::socklen_t))
}

/// Bind and listen on an abstract stream socket. EADDRINUSE means someone serves it already.
pub fn abstract_listen(name: &[u8]) -> Result<OwnedFd> {
    let fd = new_socket(libc::SOCK_STREAM)?;
    let (addr, len) = abstract_addr(name)?;
    // SAFETY: addr is a valid sockaddr_un of length len.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &addr as *const _ as *const libc::sockaddr,
            len,
        )
    })?;
    // SAFETY: valid fd.
    check(unsafe { libc::listen(fd.as_raw_fd(), 128) })?;
    Ok(fd)
}

/// A filesystem address: the path and its NUL.
fn path_addr(path: &[u8]) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain data; all-zero is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if path.len() + 1 > addr.sun_path.len() || path.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "socket path too long or holding a NUL",
        ));
    }
    for (i, b) in path.iter().enumerate() {
        addr.sun_path[i] = *b as libc::c_char;
    }
    let base = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    Ok((addr, (base + path.len() + 1) as libc::socklen_t))
}

/// Connect a seqpacket socket to `name`: a path, or with `abstract_name` a name in the
/// abstract namespace.
pub fn seqpacket_connect(name: &[u8], abstract_name: bool) -> Result<OwnedFd> {
    let fd = new_socket(libc::SOCK_SEQPACKET)?;
    let (addr, len) = if abstract_name {
        abstract_addr(name)?
    } else {
        path_addr(name)?
    };
    connect_to(fd, &addr, len)
}

/// Connect to an abstract stream socket.
pub fn abstract_connect(name: &[u8]) -> Result<OwnedFd> {
    let fd = new_socket(libc::SOCK_STREAM)?;
    let (addr, len) = abstract_addr(name)?;
    connect_to(fd, &addr, len)
}

fn connect_to(fd: OwnedFd, addr: &libc::sockaddr_un, len: libc::socklen_t) -> Result<OwnedFd> {
    loop {
        // SAFETY: addr is a valid sockaddr_un of length len.
        let ret = unsafe {
            libc::connect(
                fd.as_raw_fd(),
                addr as *const _ as *const libc::sockaddr,
                len,
            )
        };
        if ret == 0 {
            return Ok(fd);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

pub fn accept(listener: BorrowedFd<'_>) -> Result<OwnedFd> {
    // SAFETY: NULL address pointers are allowed; returns a fresh fd.
    let fd = check(unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A connected pair of SOCK_SEQPACKET sockets (message boundaries kept), close-on-exec.
pub fn seqpacket_pair() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for two descriptors.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    // SAFETY: two fresh descriptors we own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Credentials of the process at the other end of a connected socket.
#[derive(Debug, Clone, Copy)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

pub fn peer_cred(fd: BorrowedFd<'_>) -> Result<PeerCred> {
    // SAFETY: ucred is plain data; getsockopt writes at most len bytes.
    unsafe {
        let mut cred: libc::ucred = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        check(libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut _ as *mut libc::c_void,
            &mut len,
        ))?;
        Ok(PeerCred {
            pid: cred.pid,
            uid: cred.uid,
            gid: cred.gid,
        })
    }
}

/// Send bytes plus optional fds (SCM_RIGHTS) in one message.
pub fn send_with_fds(sock: BorrowedFd<'_>, data: &[u8], fds: &[BorrowedFd<'_>]) -> Result<usize> {
    let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
    if raw.is_empty() {
        return send_with_control(sock, data, None);
    }
    let bytes: Vec<u8> = raw.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
    send_with_control(sock, data, Some((libc::SCM_RIGHTS, &bytes)))
}

/// Send bytes with at most one SOL_SOCKET control message of the given type and payload.
fn send_with_control(
    sock: BorrowedFd<'_>,
    data: &[u8],
    control: Option<(i32, &[u8])>,
) -> Result<usize> {
    let payload_len = control.map_or(0, |(_, p)| p.len());
    let space = if control.is_some() {
        // SAFETY: CMSG_SPACE is a pure computation.
        unsafe { libc::CMSG_SPACE(payload_len as u32) as usize }
    } else {
        0
    };
    let mut cbuf = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data; all pointers below point into live buffers sized as
    // stated, and the control buffer has CMSG_SPACE room for the one message written.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if let Some((kind, payload)) = control {
            msg.msg_control = cbuf.as_mut_ptr().cast();
            msg.msg_controllen = space as _;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = kind;
            (*cmsg).cmsg_len = libc::CMSG_LEN(payload_len as u32) as _;
            std::ptr::copy_nonoverlapping(payload.as_ptr(), libc::CMSG_DATA(cmsg), payload_len);
        }
        sendmsg(sock, &msg)
    }
}

/// Receive one message and any fds passed with it. Ok((0, [])) at end of stream.
pub fn recv_with_fds(sock: BorrowedFd<'_>, buf: &mut [u8]) -> Result<(usize, Vec<OwnedFd>)> {
    const MAX_FDS: usize = 8;
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE((MAX_FDS * std::mem::size_of::<RawFd>()) as u32) };
    let mut cbuf = vec![0u8; space as usize];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; control and data buffers are live and sized as stated;
    // fds found in SCM_RIGHTS are fresh descriptors we take ownership of.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let n = loop {
            let n = libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC);
            if n >= 0 {
                break n as usize;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        };
        let mut fds = Vec::new();
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg) as *const RawFd;
                let header = libc::CMSG_LEN(0) as usize;
                let count = ((*cmsg).cmsg_len as usize - header) / std::mem::size_of::<RawFd>();
                for i in 0..count {
                    fds.push(OwnedFd::from_raw_fd(std::ptr::read_unaligned(data.add(i))));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
        Ok((n, fds))
    }
}

/// Set a receive/send timeout so that no call on this socket blocks forever.
pub fn set_timeouts(sock: BorrowedFd<'_>, millis: u64) -> Result<()> {
    let tv = libc::timeval {
        tv_sec: (millis / 1000) as _,
        tv_usec: ((millis % 1000) * 1000) as _,
    };
    for opt in [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO] {
        // SAFETY: tv is a valid timeval of the given size.
        check(unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                &tv as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        })?;
    }
    Ok(())
}

/// shutdown(SHUT_WR) so the peer sees end of stream while we can still read.
pub fn shutdown_write(sock: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: integer arguments.
    check(unsafe { libc::shutdown(sock.as_raw_fd(), libc::SHUT_WR) })?;
    Ok(())
}

/// Send bytes with our own credentials attached (SCM_CREDENTIALS), as LXC's command clients
/// do: a server that enables SO_PASSCRED only after accept would otherwise get none.
pub fn send_with_creds(sock: BorrowedFd<'_>, data: &[u8]) -> Result<usize> {
    // SAFETY: getpid/getuid/getgid cannot fail.
    let (pid, uid, gid) = unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) };
    // struct ucred: pid, uid, gid, each 4 bytes in native order.
    const _: () = assert!(std::mem::size_of::<libc::ucred>() == 12);
    let mut bytes = Vec::with_capacity(std::mem::size_of::<libc::ucred>());
    bytes.extend_from_slice(&pid.to_ne_bytes());
    bytes.extend_from_slice(&uid.to_ne_bytes());
    bytes.extend_from_slice(&gid.to_ne_bytes());
    send_with_control(sock, data, Some((libc::SCM_CREDENTIALS, &bytes)))
}

/// sendmsg, retried on EINTR, never raising SIGPIPE.
fn sendmsg(sock: BorrowedFd<'_>, msg: &libc::msghdr) -> Result<usize> {
    loop {
        // SAFETY: msg and everything it points to are alive and sized as stated by the caller.
        let n = unsafe { libc::sendmsg(sock.as_raw_fd(), msg, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
