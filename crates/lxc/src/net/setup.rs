//! Setting NICs up: the host side in the monitor (veth pairs with the container end born in
//! the container's network namespace, children of a parent device made straight there,
//! devices moved in), the container side in init (addresses, mtu, up, routes), and what is
//! given back or deleted at stop.

use super::netlink::Netlink;
use super::nic::{Gateway, NicKind, NicPlan};
use std::net::IpAddr;

/// What the monitor made on the host that the namespace does not take with it.
#[derive(Debug, Default)]
pub struct HostMade {
    /// The host ends of veths, by index (a name may be taken again).
    veths: Vec<u32>,
    /// `l2proxy` entries: (link index, address).
    proxies: Vec<(u32, IpAddr)>,
}

/// In the monitor, once init exists: make each pair with its container end in init's
/// network namespace, and put the host end on its bridge, up. What is made is recorded in
/// `made` at once, so a failure half way still finds it.
pub fn host_side(
    nics: &[NicPlan],
    (lxcpath, name): (&str, &str),
    init_pid: i32,
    made: &mut HostMade,
) -> Result<(), String> {
    if nics.is_empty() {
        return Ok(());
    }
    // A user may not make devices on the host: the setuid lxc-user-nic makes its veths,
    // within what /etc/lxc/lxc-usernet allows it.
    if lxc_sys::geteuid() != 0 {
        for nic in nics {
            user_nic(nic, (lxcpath, name), init_pid)
                .map_err(|e| format!("lxc.net.{}: {e}", nic.index))?;
        }
        return Ok(());
    }
    let netns = std::fs::File::open(format!("/proc/{init_pid}/ns/net"))
        .map_err(|e| format!("open the container's network namespace: {e}"))?;
    let mut nl = Netlink::open()?;
    for nic in nics {
        use std::os::fd::AsFd;
        let prefix = |e: String| format!("lxc.net.{}: {e}", nic.index);
        if nic.kind == NicKind::Phys {
            let dev = nic.bridge.as_deref().unwrap_or_default();
            let index = nl
                .link_index(dev)?
                .ok_or_else(|| prefix(format!("no such device {dev}")))?;
            nl.move_to_netns(index, netns.as_fd(), None)
                .map_err(prefix)?;
            tracing::debug!(device = dev, "moved into the container");
            continue;
        }
        if nic.kind != NicKind::Veth {
            let parent = nic.bridge.as_deref().unwrap_or_default();
            let parent = nl
                .link_index(parent)?
                .ok_or_else(|| prefix(format!("no such device {parent}")))?;
            match &nic.kind {
                NicKind::Macvlan(mode) => nl.create_macvlan(&nic.name, parent, mode, netns.as_fd()),
                NicKind::Ipvlan(mode, iso) => {
                    nl.create_ipvlan(&nic.name, parent, (mode, iso), netns.as_fd())
                }
                NicKind::Vlan(id) => nl.create_vlan(&nic.name, parent, *id, netns.as_fd()),
                NicKind::Veth | NicKind::Phys => Ok(()),
            }
            .map_err(prefix)?;
            tracing::debug!(name = %nic.name, "NIC made on {:?}", nic.bridge);
            continue;
        }
        nl.create_veth((&nic.host, &nic.name), netns.as_fd(), nic.queues)
            .map_err(prefix)?;
        let host = nl
            .link_index(&nic.host)?
            .ok_or_else(|| prefix(format!("{} vanished", nic.host)))?;
        made.veths.push(host);
        if let Some(mtu) = nic.mtu {
            nl.set_mtu(host, mtu).map_err(prefix)?;
        }
        if let Some(bridge) = &nic.bridge {
            let master = nl
                .link_index(bridge)?
                .ok_or_else(|| prefix(format!("no such bridge {bridge}")))?;
            nl.set_master(host, master).map_err(prefix)?;
            port_vlans(&mut nl, nic, bridge, host).map_err(prefix)?;
        }
        nl.set_up(host).map_err(prefix)?;
        for (dest, len) in &nic.host_routes {
            nl.add_route_dev(*dest, *len, host).map_err(prefix)?;
        }
        if nic.router {
            // The host end answers for the gateways and forwards what comes through it.
            let host_name = &nic.host;
            for conf in [
                format!("ipv4/conf/{host_name}/forwarding"),
                format!("ipv6/conf/{host_name}/forwarding"),
                format!("ipv6/conf/{host_name}/proxy_ndp"),
            ] {
                let path = format!("/proc/sys/net/{conf}");
                std::fs::write(&path, "1").map_err(|e| prefix(format!("{path}: {e}")))?;
            }
            for gw in [nic.gateway, nic.gateway6] {
                if let Some(Gateway::Via(ip)) = gw {
                    nl.proxy_neighbour(ip, host, false).map_err(prefix)?;
                }
            }
        }
        if nic.l2proxy {
            let link = nic.bridge.as_deref().unwrap_or_default();
            let index = nl
                .link_index(link)?
                .ok_or_else(|| prefix(format!("no such device {link}")))?;
            let v4 = nic.ipv4.iter().map(|(a, _)| IpAddr::from(*a));
            for ip in v4.chain(nic.ipv6.iter().map(|(a, _)| IpAddr::from(*a))) {
                nl.proxy_neighbour(ip, index, false).map_err(prefix)?;
                made.proxies.push((index, ip));
            }
        }
        tracing::debug!(host = %nic.host, peer = %nic.name, "veth pair made");
    }
    Ok(())
}

/// The VLANs of a veth's host end on a VLAN-filtering bridge (`plan` checked it filters): `veth.vlan.id` becomes the
/// port's untagged PVID instead of the bridge's default (`none`: no untagged VLAN), and
/// each `veth.vlan.tagged.id` a tagged VLAN.
fn port_vlans(nl: &mut Netlink, nic: &NicPlan, bridge: &str, port: u32) -> Result<(), String> {
    let sys = format!("/sys/class/net/{bridge}/bridge");
    if let Some(untagged) = nic.vlan_untagged {
        let default: u16 = std::fs::read_to_string(format!("{sys}/default_pvid"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        if default != 0 {
            nl.bridge_vlan(port, default, false, true)?;
        }
        if let Some(vid) = untagged {
            nl.bridge_vlan(port, vid, true, false)?;
        }
    }
    for vid in &nic.vlan_tagged {
        nl.bridge_vlan(port, *vid, false, false)?;
    }
    Ok(())
}

/// Undo what `host_side` made that outlives the namespace: the host ends the kernel has not
/// yet taken with it, and the `l2proxy` entries (what is already gone is no error).
/// Where the setuid helper is: `LXC_RS_USER_NIC`, ours beside the helper program when it
/// is installed setuid root, else LXC's.
fn user_nic_path() -> std::path::PathBuf {
    use std::os::unix::fs::MetadataExt;
    if let Some(path) = std::env::var_os("LXC_RS_USER_NIC") {
        return path.into();
    }
    let ours = crate::start::helper_path()
        .ok()
        .and_then(|h| h.parent().map(|d| d.join("lxc-user-nic")))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o4000 != 0));
    ours.unwrap_or_else(|| "/usr/libexec/lxc/lxc-user-nic".into())
}

fn user_nic(nic: &NicPlan, (lxcpath, name): (&str, &str), init_pid: i32) -> Result<(), String> {
    if nic.kind != NicKind::Veth || nic.router {
        return Err("a non-root user's container gets bridged veths only (lxc-user-nic)".into());
    }
    let tool = user_nic_path();
    let out = std::process::Command::new(&tool)
        .args(["create", lxcpath, name, &init_pid.to_string(), "veth"])
        .arg(nic.bridge.as_deref().unwrap_or("none"))
        .arg(&nic.name)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", tool.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{}: {}",
            tool.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // `<container-ifname>:<ifindex>:<host-ifname>:<host-ifindex>`
    let line = String::from_utf8_lossy(&out.stdout);
    let host = line.trim().split(':').nth(2).unwrap_or_default();
    tracing::debug!(host, container = %nic.name, "lxc-user-nic made the veth");
    Ok(())
}

pub fn undo_host_side(made: HostMade) {
    if made.veths.is_empty() && made.proxies.is_empty() {
        return;
    }
    let Ok(mut nl) = Netlink::open() else {
        return;
    };
    for index in made.veths {
        if nl.delete_link(index).is_ok() {
            tracing::debug!(index, "host end deleted");
        }
    }
    for (index, ip) in made.proxies {
        if let Err(e) = nl.proxy_neighbour(ip, index, true) {
            tracing::warn!("{e}");
        }
    }
}

/// In the container's first process (inside its network namespace): set up each container
/// end.
pub fn container_side(nics: &[NicPlan]) -> Result<(), String> {
    if nics.is_empty() {
        return Ok(());
    }
    let mut nl = Netlink::open()?;
    for nic in nics {
        let prefix = |e: String| format!("lxc.net.{}: {e}", nic.index);
        // A moved device arrives under its host name.
        let arrived = match &nic.kind {
            NicKind::Phys => nic.bridge.clone().unwrap_or_default(),
            _ => nic.name.clone(),
        };
        let index = nl
            .link_index(&arrived)?
            .ok_or_else(|| prefix(format!("{arrived} is missing")))?;
        if arrived != nic.name {
            nl.rename(index, &nic.name).map_err(prefix)?;
        }
        if let Some(mac) = nic.hwaddr {
            nl.set_hwaddr(index, mac).map_err(prefix)?;
        }
        if let Some(mtu) = nic.mtu {
            nl.set_mtu(index, mtu).map_err(prefix)?;
        }
        for (i, (addr, len)) in nic.ipv4.iter().enumerate() {
            let broadcast = nic.broadcasts.get(i).copied().flatten();
            nl.add_address_with(index, IpAddr::from(*addr), *len, broadcast)
                .map_err(prefix)?;
        }
        for (addr, len) in &nic.ipv6 {
            nl.add_address(index, IpAddr::from(*addr), *len)
                .map_err(prefix)?;
        }
        if nic.up {
            nl.set_up(index).map_err(prefix)?;
        }
        for (gw, v6) in [(nic.gateway, false), (nic.gateway6, true)] {
            match gw {
                Some(Gateway::Via(ip)) => {
                    // A gateway outside the NIC's networks (a router-mode veth's) is
                    // reached straight over the link, as LXC does it.
                    let link_local = ip.is_ipv6() && ip.to_string().starts_with("fe80");
                    if !link_local && !nic.on_link(ip) {
                        let len = if v6 { 128 } else { 32 };
                        nl.add_route_dev(ip, len, index).map_err(prefix)?;
                    }
                    nl.add_default_route(ip, index).map_err(prefix)?
                }
                Some(Gateway::Dev) => nl.add_default_route_dev(index, v6).map_err(prefix)?,
                None => {}
            }
        }
    }
    Ok(())
}

/// At stop, before the namespace goes: give each moved device back to the host under its
/// own name (a real device would come back by itself; a virtual one would die).
pub fn give_back(
    nics: &[NicPlan],
    container_netns: std::os::fd::BorrowedFd<'_>,
) -> Result<(), String> {
    use std::os::fd::AsFd;
    let phys: Vec<&NicPlan> = nics.iter().filter(|n| n.kind == NicKind::Phys).collect();
    if phys.is_empty() {
        return Ok(());
    }
    let host_ns =
        std::fs::File::open("/proc/self/ns/net").map_err(|e| format!("own netns: {e}"))?;
    // A socket belongs to the namespace it was made in: make it there, then come back.
    lxc_sys::ns::setns(container_netns, libc::CLONE_NEWNET)
        .map_err(|e| format!("enter the container's netns: {e}"))?;
    let nl = Netlink::open();
    lxc_sys::ns::setns(host_ns.as_fd(), libc::CLONE_NEWNET)
        .map_err(|e| format!("return to the host's netns: {e}"))?;
    let mut nl = nl?;
    for nic in phys {
        let host_name = nic.bridge.as_deref().unwrap_or_default();
        if let Some(index) = nl.link_index(&nic.name)? {
            nl.move_to_netns(index, host_ns.as_fd(), Some(host_name))
                .map_err(|e| format!("lxc.net.{}: give {host_name} back: {e}", nic.index))?;
        }
    }
    Ok(())
}
