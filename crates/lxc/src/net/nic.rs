//! The NICs of `lxc.net.N.type = veth` (a pair: the container end is created straight in the
//! container's network namespace, the host end joins the bridge in `link`) and `macvlan`
//! (on the parent in `link`, created straight in the namespace). The monitor makes them
//! (host side); the container's first process only sets up its end (address, mtu, up,
//! routes). They go when the namespace does.

use super::netlink::Netlink;
use lxc_config::model::Network;
use lxc_config::ContainerConfig;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `ipv4.gateway` / `ipv6.gateway`: an address (`auto` becomes the bridge's), or `dev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Via(IpAddr),
    Dev,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicKind {
    Veth,
    /// With its mode (private, vepa, bridge, passthru).
    Macvlan(String),
    /// With its mode (l2, l3, l3s) and isolation (bridge, private, vepa).
    Ipvlan(String, String),
    /// A host device (in `link`) moved into the container, and back at stop.
    Phys,
    /// With its 802.1Q id.
    Vlan(u16),
}

/// One NIC, decided before the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicPlan {
    pub index: usize,
    pub kind: NicKind,
    /// The host end (`lxc.net.N.veth.pair`, else `vethXXXXXX`).
    pub host: String,
    /// The container end (`lxc.net.N.name`, else `ethN`).
    pub name: String,
    /// `lxc.net.N.link`: the bridge a veth's host end joins, a macvlan's parent.
    pub bridge: Option<String>,
    pub hwaddr: Option<[u8; 6]>,
    pub mtu: Option<u32>,
    pub up: bool,
    pub ipv4: Vec<(Ipv4Addr, u8)>,
    pub gateway: Option<Gateway>,
    pub ipv6: Vec<(Ipv6Addr, u8)>,
    pub gateway6: Option<Gateway>,
    pub script_up: Option<String>,
    pub script_down: Option<String>,
    /// `veth.mode = router`: the host end joins no bridge; the host routes the container's
    /// addresses to it and answers for the container's gateways.
    pub router: bool,
    /// Routes on the host through the host end: the router-mode addresses and
    /// `veth.ipv4.route` / `veth.ipv6.route`.
    pub host_routes: Vec<(IpAddr, u8)>,
}

impl NicPlan {
    /// Whether `ip` is inside one of the NIC's own networks.
    fn on_link(&self, ip: IpAddr) -> bool {
        let within = |a: u128, b: u128, len: u8, bits: u8| {
            let shift = u32::from(bits - len.min(bits));
            a.checked_shr(shift) == b.checked_shr(shift)
        };
        match ip {
            IpAddr::V4(ip) => self
                .ipv4
                .iter()
                .any(|(a, len)| within(u32::from(ip).into(), u32::from(*a).into(), *len, 32)),
            IpAddr::V6(ip) => self
                .ipv6
                .iter()
                .any(|(a, len)| within(u128::from(ip), u128::from(*a), *len, 128)),
        }
    }

    /// What a network script gets: version 0's arguments and version 1's variables.
    pub fn script_args(&self) -> (Vec<String>, Vec<(String, String)>) {
        let link = self.bridge.clone().unwrap_or_default();
        let kind = match self.kind {
            NicKind::Veth => "veth",
            NicKind::Macvlan(_) => "macvlan",
            NicKind::Ipvlan(..) => "ipvlan",
            NicKind::Phys => "phys",
            NicKind::Vlan(_) => "vlan",
        };
        let mut args = vec![kind.to_string(), link.clone()];
        let mut env = vec![
            ("LXC_NET_TYPE".to_string(), kind.to_string()),
            ("LXC_NET_PARENT".to_string(), link),
        ];
        if self.kind == NicKind::Veth {
            args.push(self.host.clone());
            env.push(("LXC_NET_PEER".to_string(), self.host.clone()));
        }
        (args, env)
    }
}

/// Whether NIC subkey `sub` of a `kind` NIC is built (others wait for their feature).
pub fn supported(kind: &str, sub: &str) -> bool {
    match kind {
        "veth" => {
            SUPPORTED.contains(&sub)
                || matches!(sub, "veth.mode" | "veth.ipv4.route" | "veth.ipv6.route")
        }
        "macvlan" => (SUPPORTED.contains(&sub) && sub != "veth.pair") || sub == "macvlan.mode",
        "phys" => SUPPORTED.contains(&sub) && sub != "veth.pair",
        "vlan" => (SUPPORTED.contains(&sub) && sub != "veth.pair") || sub == "vlan.id",
        "ipvlan" => {
            (SUPPORTED.contains(&sub) && sub != "veth.pair")
                || matches!(sub, "ipvlan.mode" | "ipvlan.isolation")
        }
        _ => false,
    }
}

/// The keys a veth NIC may use today.
const SUPPORTED: &[&str] = &[
    "type",
    "link",
    "name",
    "flags",
    "hwaddr",
    "mtu",
    "ipv4.address",
    "ipv4.gateway",
    "ipv6.address",
    "ipv6.gateway",
    "veth.pair",
    "script.up",
    "script.down",
];

/// The veth and macvlan NICs of `config`, checked against the host (the bridge or parent
/// must exist, a `veth.pair` name must be free) before anything is made.
pub fn plan(config: &ContainerConfig) -> Result<Vec<NicPlan>, String> {
    let mut nics = Vec::new();
    let mut netlink: Option<Netlink> = None;
    for (index, n) in &config.networks {
        if !matches!(
            n.net_type.as_deref(),
            Some("veth" | "macvlan" | "ipvlan" | "phys" | "vlan")
        ) {
            continue;
        }
        let key = |sub: &str| format!("lxc.net.{index}.{sub}");
        let nic = one(*index, n, &key)?;
        let nl = match &mut netlink {
            Some(nl) => nl,
            None => netlink.insert(Netlink::open()?),
        };
        if let Some(bridge) = &nic.bridge {
            if nl.link_index(bridge)?.is_none() {
                let what = match nic.kind {
                    NicKind::Veth => "no such bridge",
                    _ => "no such device",
                };
                return Err(format!("{} = {bridge}: {what}", key("link")));
            }
            if nic.router {
                return Err(format!(
                    "{} = {bridge}: a veth in router mode joins no bridge",
                    key("link")
                ));
            }
        } else if nic.kind != NicKind::Veth {
            return Err(format!("{}: the NIC needs its parent device", key("link")));
        }
        if nic.kind == NicKind::Veth && !name_frees_up(nl, &nic.host)? {
            return Err(format!("{}: {} exists already", key("veth.pair"), nic.host));
        }
        let mut nic = nic;
        for (gw, k) in [(&mut nic.gateway, "ipv4"), (&mut nic.gateway6, "ipv6")] {
            if let Some(Gateway::Via(ip)) = gw {
                if ip.is_unspecified() {
                    *ip = auto_gateway(nl, nic.bridge.as_deref(), ip.is_ipv6())
                        .map_err(|e| format!("{} = auto: {e}", key(&format!("{k}.gateway"))))?;
                }
            }
        }
        if nics.iter().any(|o: &NicPlan| o.name == nic.name) {
            return Err(format!(
                "{} = {}: two NICs of that name",
                key("name"),
                nic.name
            ));
        }
        nics.push(nic);
    }
    Ok(nics)
}

/// Whether link `name` is free, waiting a moment for it: the host end of the container's
/// last run may still be on its way out.
fn name_frees_up(nl: &mut Netlink, name: &str) -> Result<bool, String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while nl.link_index(name)?.is_some() {
        if std::time::Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    Ok(true)
}

/// `auto`: the first address of that family on the link the NIC hangs off, as LXC takes it.
fn auto_gateway(nl: &mut Netlink, link: Option<&str>, v6: bool) -> Result<IpAddr, String> {
    let link = link.ok_or("there is no link to take the address of")?;
    let index = nl
        .link_index(link)?
        .ok_or(format!("no such device {link}"))?;
    nl.addresses(index)?
        .into_iter()
        .find(|ip| ip.is_ipv6() == v6 && !(v6 && ip.to_string().starts_with("fe80")))
        .ok_or(format!("{link} has no address of that family"))
}

fn one(index: usize, n: &Network, key: &dyn Fn(&str) -> String) -> Result<NicPlan, String> {
    let host = match n.other.get("veth.pair").and_then(|v| v.last()) {
        Some(p) if p.len() > 15 => return Err(format!("{} = {p}: too long", key("veth.pair"))),
        Some(p) => p.clone(),
        None => random_name("veth"),
    };
    // A moved device keeps its name unless one is given.
    let default_name = match n.net_type.as_deref() {
        Some("phys") => n.link.clone().unwrap_or_default(),
        _ => format!("eth{index}"),
    };
    let name = n.name.clone().unwrap_or(default_name);
    let hwaddr = n
        .hwaddr
        .as_deref()
        .map(parse_mac)
        .transpose()
        .map_err(|e| format!("{}: {e}", key("hwaddr")))?;
    let mut ipv4 = Vec::new();
    for a in &n.ipv4_addresses {
        ipv4.push(parse_cidr(a).map_err(|e| format!("{} = {a}: {e}", key("ipv4.address")))?);
    }
    let mut ipv6 = Vec::new();
    for a in &n.ipv6_addresses {
        ipv6.push(parse_cidr6(a).map_err(|e| format!("{} = {a}: {e}", key("ipv6.address")))?);
    }
    let gateway6 = gateway_of(n.ipv6_gateway.as_deref(), true, &key)?;
    let gateway = gateway_of(n.ipv4_gateway.as_deref(), false, &key)?;
    let other = |sub: &str, default: &str| {
        n.other
            .get(sub)
            .and_then(|v| v.last())
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let router = other("veth.mode", "bridge") == "router";
    let mut host_routes = Vec::new();
    for (sub, v6) in [("veth.ipv4.route", false), ("veth.ipv6.route", true)] {
        for r in n.other.get(sub).into_iter().flatten() {
            let parsed = if v6 {
                parse_cidr6(r).map(|(a, l)| (IpAddr::from(a), l))
            } else {
                parse_cidr(r).map(|(a, l)| (IpAddr::from(a), l))
            };
            host_routes.push(parsed.map_err(|e| format!("{} = {r}: {e}", key(sub)))?);
        }
    }
    if router {
        let v4 = ipv4.iter().map(|(a, _)| (IpAddr::from(*a), 32));
        let v6 = ipv6.iter().map(|(a, _)| (IpAddr::from(*a), 128));
        host_routes.splice(0..0, v4.chain(v6));
    }
    let kind = match n.net_type.as_deref() {
        Some("macvlan") => NicKind::Macvlan(other("macvlan.mode", "private")),
        Some("ipvlan") => NicKind::Ipvlan(
            other("ipvlan.mode", "l3"),
            other("ipvlan.isolation", "bridge"),
        ),
        Some("phys") => NicKind::Phys,
        Some("vlan") => {
            let id = other("vlan.id", "");
            NicKind::Vlan(
                id.parse()
                    .ok()
                    .filter(|i| (1..4095).contains(i))
                    .ok_or_else(|| format!("{} = {id}: expected 1 to 4094", key("vlan.id")))?,
            )
        }
        _ => NicKind::Veth,
    };
    Ok(NicPlan {
        index,
        kind,
        host,
        name,
        bridge: n.link.clone().filter(|l| !l.is_empty()),
        hwaddr,
        mtu: n.mtu,
        up: n.flags_up,
        ipv4,
        gateway,
        ipv6,
        gateway6,
        script_up: n.script_up.clone().filter(|s| !s.is_empty()),
        script_down: n.script_down.clone().filter(|s| !s.is_empty()),
        router,
        host_routes,
    })
}

/// A gateway value: an address of the family, `dev`, or `auto` (kept as unspecified until
/// the bridge's address replaces it in `plan`).
fn gateway_of(
    value: Option<&str>,
    v6: bool,
    key: &dyn Fn(&str) -> String,
) -> Result<Option<Gateway>, String> {
    let Some(g) = value.filter(|g| !g.is_empty()) else {
        return Ok(None);
    };
    let unspecified = if v6 {
        IpAddr::from(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::from(Ipv4Addr::UNSPECIFIED)
    };
    let parsed = match g {
        "dev" => Gateway::Dev,
        "auto" => Gateway::Via(unspecified),
        _ => match g.parse::<IpAddr>() {
            Ok(ip) if ip.is_ipv6() == v6 => Gateway::Via(ip),
            _ => {
                let k = if v6 { "ipv6.gateway" } else { "ipv4.gateway" };
                return Err(format!("{} = {g}: not an address of that family", key(k)));
            }
        },
    };
    Ok(Some(parsed))
}

/// `fd00::2/64` (64 when no prefix is given).
fn parse_cidr6(text: &str) -> Result<(Ipv6Addr, u8), String> {
    let (addr, prefix) = text.split_once('/').unwrap_or((text, "64"));
    let addr: Ipv6Addr = addr
        .parse()
        .map_err(|_| format!("invalid address {addr}"))?;
    let prefix = prefix
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 128)
        .ok_or_else(|| format!("invalid prefix {prefix}"))?;
    Ok((addr, prefix))
}

/// `10.0.3.2/24 [broadcast]`; without a prefix, the address's class decides, as in LXC.
fn parse_cidr(text: &str) -> Result<(Ipv4Addr, u8), String> {
    let first = text.split_whitespace().next().unwrap_or("");
    let (addr, prefix) = match first.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (first, None),
    };
    let addr: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("invalid address {addr}"))?;
    let prefix = match prefix {
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("invalid prefix {p}"))?,
        None => match addr.octets()[0] {
            0..=127 => 8,
            128..=191 => 16,
            _ => 24,
        },
    };
    Ok((addr, prefix))
}

pub(crate) fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let mut mac = [0u8; 6];
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 {
        return Err(format!("invalid MAC address {text}"));
    }
    for (b, p) in mac.iter_mut().zip(parts) {
        *b = u8::from_str_radix(p, 16).map_err(|_| format!("invalid MAC address {text}"))?;
    }
    Ok(mac)
}

/// `vethXXXXXX`, as LXC names a host end nobody named.
fn random_name(prefix: &str) -> String {
    let bytes = lxc_config::hwaddr::random_bytes(6);
    let chars = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let tail: String = bytes
        .iter()
        .map(|b| chars[usize::from(*b) % chars.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// In the monitor, once init exists: make each pair with its container end in init's
/// network namespace, and put the host end on its bridge, up. The host ends made are
/// added to `host_ends` as they are made, so a failure half way still finds them.
pub fn host_side(nics: &[NicPlan], init_pid: i32, host_ends: &mut Vec<u32>) -> Result<(), String> {
    if nics.is_empty() {
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
        nl.create_veth(&nic.host, &nic.name, netns.as_fd())
            .map_err(prefix)?;
        let host = nl
            .link_index(&nic.host)?
            .ok_or_else(|| prefix(format!("{} vanished", nic.host)))?;
        host_ends.push(host);
        if let Some(mtu) = nic.mtu {
            nl.set_mtu(host, mtu).map_err(prefix)?;
        }
        if let Some(bridge) = &nic.bridge {
            let master = nl
                .link_index(bridge)?
                .ok_or_else(|| prefix(format!("no such bridge {bridge}")))?;
            nl.set_master(host, master).map_err(prefix)?;
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
                    nl.add_proxy_neighbour(ip, host).map_err(prefix)?;
                }
            }
        }
        tracing::debug!(host = %nic.host, peer = %nic.name, "veth pair made");
    }
    Ok(())
}

/// Delete the host ends of a stopped container's veths that the kernel has not yet taken
/// with the namespace (one already gone is no error).
pub fn delete_host_ends(host_ends: &[u32]) {
    if host_ends.is_empty() {
        return;
    }
    let Ok(mut nl) = Netlink::open() else {
        return;
    };
    for index in host_ends {
        if nl.delete_link(*index).is_ok() {
            tracing::debug!(index, "host end deleted");
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
        let v4 = nic.ipv4.iter().map(|(a, l)| (IpAddr::from(*a), *l));
        let v6 = nic.ipv6.iter().map(|(a, l)| (IpAddr::from(*a), *l));
        for (addr, len) in v4.chain(v6) {
            nl.add_address(index, addr, len).map_err(prefix)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_macs_parse_as_lxc_reads_them() {
        assert_eq!(
            parse_cidr("10.0.3.2/24 10.0.3.255").unwrap(),
            ("10.0.3.2".parse().unwrap(), 24)
        );
        assert_eq!(parse_cidr("10.1.2.3").unwrap().1, 8);
        assert_eq!(parse_cidr("172.16.0.1").unwrap().1, 16);
        assert_eq!(parse_cidr("192.168.1.1").unwrap().1, 24);
        assert!(parse_cidr("10.0.0.1/40").is_err());
        assert_eq!(
            parse_mac("00:16:3e:0a:0b:0c").unwrap(),
            [0, 0x16, 0x3e, 10, 11, 12]
        );
        assert!(parse_mac("00:16:3e").is_err());
        let n = random_name("veth");
        assert!(n.starts_with("veth") && n.len() == 10);
    }

    #[test]
    fn router_mode_routes_its_addresses_and_gateways_off_link_get_a_route() {
        let mut net = Network {
            net_type: Some("veth".into()),
            ipv4_addresses: vec!["10.0.0.2/32".into()],
            ipv6_addresses: vec!["fd00::2/128".into()],
            ..Default::default()
        };
        net.other.insert("veth.mode".into(), vec!["router".into()]);
        net.other
            .insert("veth.ipv4.route".into(), vec!["10.1.0.0/16".into()]);
        let key = |s: &str| format!("lxc.net.0.{s}");
        let plan = one(0, &net, &key).unwrap();
        assert!(plan.router);
        let want: Vec<(IpAddr, u8)> = vec![
            ("10.0.0.2".parse().unwrap(), 32),
            ("fd00::2".parse().unwrap(), 128),
            ("10.1.0.0".parse().unwrap(), 16),
        ];
        assert_eq!(plan.host_routes, want);
        assert!(!plan.on_link("169.254.0.1".parse().unwrap()));
        assert!(plan.on_link("10.0.0.2".parse().unwrap()));
        net.other
            .insert("veth.ipv6.route".into(), vec!["fd00::/200".into()]);
        assert_eq!(
            one(0, &net, &key).unwrap_err(),
            "lxc.net.0.veth.ipv6.route = fd00::/200: invalid prefix 200"
        );
    }
}
