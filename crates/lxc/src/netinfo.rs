//! What a running container's network namespace holds: its interfaces and addresses
//! (`get_interfaces`, `get_ips`), read from inside it (see `net::inside`).

use crate::container::Container;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::os::fd::AsFd;

/// What the helper reports, in `getifaddrs` order.
#[derive(Debug, Serialize, Deserialize)]
struct NetInfo {
    interfaces: Vec<String>,
    /// (interface, address, IPv6 scope id)
    addresses: Vec<(String, String, u32)>,
}

/// The `info` operation, run inside the namespace: what it has, as JSON.
pub(crate) fn info_op(
    _host: &mut crate::net::inside::Host,
    _args: &[String],
) -> std::result::Result<String, String> {
    let info = read_netinfo().map_err(|e| format!("getifaddrs: {e}"))?;
    serde_json::to_string(&info).map_err(|e| e.to_string())
}

/// The interfaces and addresses of this thread's network namespace.
fn read_netinfo() -> std::io::Result<NetInfo> {
    let (interfaces, addrs) = lxc_sys::net::interface_addresses()?;
    Ok(NetInfo {
        interfaces,
        addresses: addrs
            .into_iter()
            .map(|a| (a.interface, a.addr.to_string(), a.scope_id))
            .collect(),
    })
}

/// `info_op` for root, from this thread: it goes into the container's network namespace
/// only for the query and comes straight back, with no process forked or run. (Other users
/// must also join the container's user namespace, which a thread of a multithreaded
/// process cannot; they use `in_netns`.) Ok(None) when not root.
fn netinfo_from_here(lxcpath: &str, name: &str) -> Result<Option<NetInfo>> {
    if lxc_sys::geteuid() != 0 {
        return Ok(None);
    }
    let pidfd = crate::commands::get_init_pidfd(lxcpath, name)?
        .ok_or_else(|| Error::NotRunning(name.to_string()))?;
    let own = std::fs::File::open("/proc/thread-self/ns/net")
        .map_err(crate::error::io_err("/proc/thread-self/ns/net"))?;
    lxc_sys::ns::setns(pidfd.as_fd(), libc::CLONE_NEWNET).map_err(crate::error::sys_err(
        "enter the container's network namespace",
    ))?;
    let found = read_netinfo();
    if let Err(e) = lxc_sys::ns::setns(own.as_fd(), libc::CLONE_NEWNET) {
        // Never go on in the container's namespace.
        eprintln!("lxc: cannot return to the host's network namespace: {e}");
        lxc_sys::process::exit_now(1);
    }
    found.map(Some).map_err(crate::error::sys_err("getifaddrs"))
}

impl Container {
    fn netinfo(&self) -> Result<NetInfo> {
        if let Some(info) = netinfo_from_here(self.config_path(), self.name())? {
            return Ok(info);
        }
        let text = self.in_netns("info", &[])?;
        serde_json::from_str(&text).map_err(|e| Error::Command {
            name: self.name().to_string(),
            message: format!("netinfo: {e}"),
        })
    }

    /// The names of the container's network interfaces, `lo` included.
    pub fn get_interfaces(&self) -> Result<Vec<String>> {
        Ok(self.netinfo()?.interfaces)
    }

    /// The container's addresses, as LXC filters them: only `interface` when given, else
    /// all but `lo`; only `family` (`inet` or `inet6`) when given; IPv6 only with the given
    /// scope id (0: global and loopback).
    pub fn get_ips(
        &self,
        interface: Option<&str>,
        family: Option<&str>,
        scope: u32,
    ) -> Result<Vec<String>> {
        let want_v4 = matches!(family, None | Some("inet"));
        let want_v6 = matches!(family, None | Some("inet6"));
        if !want_v4 && !want_v6 {
            return Err(Error::InvalidArgument(format!(
                "address family \"{}\" (inet or inet6)",
                family.unwrap_or_default()
            )));
        }
        Ok(self
            .netinfo()?
            .addresses
            .into_iter()
            .filter(|(ifname, _, _)| match interface {
                Some(i) => ifname == i,
                None => ifname != "lo",
            })
            .filter(|(_, addr, scope_id)| {
                if addr.contains(':') {
                    want_v6 && *scope_id == scope
                } else {
                    want_v4
                }
            })
            .map(|(_, addr, _)| addr)
            .collect())
    }
}
