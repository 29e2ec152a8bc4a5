//! NICs added to and taken from a running container (`attach_interface`,
//! `detach_interface`, `lxc-device add|del`): a host device moves into the container's
//! network namespace and back, under a new name if one is given.

use super::inside::Host;
use crate::container::Container;
use crate::error::{Error, Result};
use std::os::fd::AsFd;

impl Container {
    /// Move the host's network device `dev` into the running container, named `dst` there
    /// (else keeping its name).
    pub fn attach_interface(&self, dev: &str, dst: Option<&str>) -> Result<()> {
        check_name(dev)?;
        let dst = dst.filter(|d| !d.is_empty());
        dst.map(check_name).transpose()?;
        self.in_netns("attach", &[dev, dst.unwrap_or("")]).map(drop)
    }

    /// Give the container's network device `dev` back to the host, down, named `dst` there
    /// (else keeping its name).
    pub fn detach_interface(&self, dev: &str, dst: Option<&str>) -> Result<()> {
        check_name(dev)?;
        let dst = dst.filter(|d| !d.is_empty());
        dst.map(check_name).transpose()?;
        self.in_netns("detach", &[dev, dst.unwrap_or("")]).map(drop)
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', ':']) || name == "." {
        return Err(Error::InvalidArgument(format!(
            "\"{name}\" is not a network interface name"
        )));
    }
    Ok(())
}

/// Inside the container's namespace, with the host's netlink socket: move `dev` from the
/// host into this namespace.
pub(crate) fn attach_op(host: &mut Host, args: &[String]) -> std::result::Result<String, String> {
    let [dev, dst] = args else {
        return Err("attach: expected DEV DST".into());
    };
    let index = host
        .netlink
        .link_index(dev)?
        .ok_or_else(|| format!("no network device {dev} on the host"))?;
    let container_ns = std::fs::File::open("/proc/self/ns/net")
        .map_err(|e| format!("the container's netns: {e}"))?;
    let name = Some(dst.as_str()).filter(|d| !d.is_empty());
    host.netlink
        .move_to_netns(index, container_ns.as_fd(), name)
        .map_err(|e| format!("attach {dev}: {e}"))?;
    Ok(String::new())
}

/// Inside the container's namespace: bring `dev` down and move it to the host.
pub(crate) fn detach_op(host: &mut Host, args: &[String]) -> std::result::Result<String, String> {
    let [dev, dst] = args else {
        return Err("detach: expected DEV DST".into());
    };
    let mut nl = super::netlink::Netlink::open()?;
    let index = nl
        .link_index(dev)?
        .ok_or_else(|| format!("no network device {dev} in the container"))?;
    nl.set_down(index)?;
    let name = Some(dst.as_str()).filter(|d| !d.is_empty());
    nl.move_to_netns(index, host.netns.as_fd(), name)
        .map_err(|e| format!("detach {dev}: {e}"))?;
    Ok(String::new())
}
