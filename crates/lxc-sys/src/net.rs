//! Minimal interface control through ioctls (netlink arrives with the networking issue).

use crate::{check, Result};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Set IFF_UP on an interface of the current network namespace.
pub fn set_link_up(name: &str) -> Result<()> {
    // SAFETY: plain integer arguments; returns a fresh fd.
    let fd =
        check(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: fresh descriptor we own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data; zero is a valid initial value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= req.ifr_name.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name too long",
        ));
    }
    for (i, b) in name.bytes().enumerate() {
        req.ifr_name[i] = b as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS/SIOCSIFFLAGS read and write the ifreq we own; the union field
    // ifru_flags is the one these ioctls use.
    unsafe {
        check(libc::ioctl(
            sock.as_raw_fd(),
            libc::SIOCGIFFLAGS as libc::Ioctl,
            &mut req,
        ))?;
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        check(libc::ioctl(
            sock.as_raw_fd(),
            libc::SIOCSIFFLAGS as libc::Ioctl,
            &req,
        ))?;
    }
    Ok(())
}

/// One address of an interface, as `getifaddrs` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddr {
    pub interface: String,
    pub addr: std::net::IpAddr,
    /// `sin6_scope_id` for IPv6 (0 for global addresses), 0 for IPv4.
    pub scope_id: u32,
}

/// Interface names (each once, in the kernel's order) and their IPv4/IPv6 addresses in the
/// current network namespace.
pub fn interface_addresses() -> Result<(Vec<String>, Vec<IfAddr>)> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below with freeifaddrs.
    check(unsafe { libc::getifaddrs(&mut head) })?;
    let mut names = Vec::new();
    let mut addrs = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed; its name is
        // a NUL-terminated string and ifa_addr, when set, points at a sockaddr whose family
        // tells its real type.
        unsafe {
            let entry = &*cur;
            let name = std::ffi::CStr::from_ptr(entry.ifa_name)
                .to_string_lossy()
                .into_owned();
            if !names.contains(&name) {
                names.push(name.clone());
            }
            if !entry.ifa_addr.is_null() {
                match i32::from((*entry.ifa_addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(entry.ifa_addr as *const libc::sockaddr_in);
                        addrs.push(IfAddr {
                            interface: name,
                            addr: std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))
                                .into(),
                            scope_id: 0,
                        });
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(entry.ifa_addr as *const libc::sockaddr_in6);
                        addrs.push(IfAddr {
                            interface: name,
                            addr: std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr).into(),
                            scope_id: sin6.sin6_scope_id,
                        });
                    }
                    _ => {}
                }
            }
            cur = entry.ifa_next;
        }
    }
    // SAFETY: `head` came from getifaddrs and is freed once; no reference into it survives.
    unsafe { libc::freeifaddrs(head) };
    Ok((names, addrs))
}
