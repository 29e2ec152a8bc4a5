//! What a running container's network namespace holds: its interfaces and addresses
//! (`get_interfaces`, `get_ips`), read from inside it (see `net::inside`).

use crate::container::Container;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

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
    let (interfaces, addrs) =
        lxc_sys::net::interface_addresses().map_err(|e| format!("getifaddrs: {e}"))?;
    let info = NetInfo {
        interfaces,
        addresses: addrs
            .into_iter()
            .map(|a| (a.interface, a.addr.to_string(), a.scope_id))
            .collect(),
    };
    serde_json::to_string(&info).map_err(|e| e.to_string())
}

impl Container {
    fn netinfo(&self) -> Result<NetInfo> {
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
