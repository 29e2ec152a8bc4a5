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
    /// The broadcast address given after each IPv4 address, if any.
    pub broadcasts: Vec<Option<Ipv4Addr>>,
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
    /// `veth.vlan.id`: the host end's untagged VLAN on its bridge (`Some(None)`: `none`).
    pub vlan_untagged: Option<Option<u16>>,
    /// `veth.vlan.tagged.id`, each a tagged VLAN of the host end.
    pub vlan_tagged: Vec<u16>,
    /// `l2proxy`: `link` answers ARP/NDP for the container's addresses.
    pub l2proxy: bool,
    /// `veth.n_rxqueues`, `veth.n_txqueues`.
    pub queues: (Option<u32>, Option<u32>),
}

impl NicPlan {
    /// Whether the host end gets VLANs of its own on its bridge.
    pub(crate) fn has_vlans(&self) -> bool {
        self.vlan_untagged.is_some() || !self.vlan_tagged.is_empty()
    }

    /// Whether `ip` is inside one of the NIC's own networks.
    pub(crate) fn on_link(&self, ip: IpAddr) -> bool {
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
        "veth" => SUPPORTED.contains(&sub) || sub.starts_with("veth.") || sub == "l2proxy",
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
            if nic.router && !nic.l2proxy {
                return Err(format!(
                    "{} = {bridge}: a veth in router mode joins no bridge (l2proxy = 1 \
                     proxies its addresses there)",
                    key("link")
                ));
            }
            if nic.l2proxy {
                l2proxy_ready(&nic, bridge).map_err(|e| format!("{}: {e}", key("l2proxy")))?;
            }
            let filtering = format!("/sys/class/net/{bridge}/bridge/vlan_filtering");
            let filtering = std::fs::read_to_string(filtering).unwrap_or_default();
            if nic.has_vlans() && filtering.trim() != "1" {
                return Err(format!(
                    "{}: bridge {bridge} does not filter VLANs (vlan_filtering is off)",
                    key("veth.vlan.id")
                ));
            }
        } else if nic.kind != NicKind::Veth {
            return Err(format!("{}: the NIC needs its parent device", key("link")));
        } else if nic.l2proxy {
            return Err(format!("{}: needs {}", key("l2proxy"), key("link")));
        } else if nic.has_vlans() {
            return Err(format!(
                "{}: needs a bridge in {}",
                key("veth.vlan.id"),
                key("link")
            ));
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

/// LXC's conditions for `l2proxy`: the link forwards the families the container has
/// addresses of (and answers NDP proxies for IPv6).
fn l2proxy_ready(nic: &NicPlan, link: &str) -> Result<(), String> {
    let mut needed = Vec::new();
    if !nic.ipv4.is_empty() {
        needed.push(format!("net/ipv4/conf/{link}/forwarding"));
    }
    if !nic.ipv6.is_empty() {
        needed.push(format!("net/ipv6/conf/{link}/forwarding"));
        needed.push(format!("net/ipv6/conf/{link}/proxy_ndp"));
    }
    for sysctl in needed {
        let value = std::fs::read_to_string(format!("/proc/sys/{sysctl}")).unwrap_or_default();
        if value.trim() != "1" {
            return Err(format!("needs sysctl {} = 1", sysctl.replace('/', ".")));
        }
    }
    Ok(())
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
    let mut broadcasts = Vec::new();
    for a in &n.ipv4_addresses {
        let bad = |e: String| format!("{} = {a}: {e}", key("ipv4.address"));
        ipv4.push(parse_cidr(a).map_err(bad)?);
        let broadcast = a.split_whitespace().nth(1);
        broadcasts.push(
            broadcast
                .map(|b| b.parse().map_err(|_| bad(format!("invalid broadcast {b}"))))
                .transpose()?,
        );
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
    let vlan_untagged = match n.other.get("veth.vlan.id").and_then(|v| v.last()) {
        None => None,
        Some(v) if v == "none" => Some(None),
        Some(v) => Some(Some(v.parse().map_err(|_| {
            format!("{} = {v}: expected 1 to 4094 or none", key("veth.vlan.id"))
        })?)),
    };
    let mut vlan_tagged = Vec::new();
    for v in n.other.get("veth.vlan.tagged.id").into_iter().flatten() {
        let vid = v
            .parse()
            .map_err(|_| format!("{} = {v}: expected 1 to 4094", key("veth.vlan.tagged.id")))?;
        vlan_tagged.push(vid);
    }
    let queue = |sub: &str| -> Result<Option<u32>, String> {
        n.other
            .get(sub)
            .and_then(|v| v.last())
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("{} = {v}: not a number", key(sub)))
            })
            .transpose()
    };
    let queues = (queue("veth.n_rxqueues")?, queue("veth.n_txqueues")?);
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
        broadcasts,
        gateway,
        ipv6,
        gateway6,
        script_up: n.script_up.clone().filter(|s| !s.is_empty()),
        script_down: n.script_down.clone().filter(|s| !s.is_empty()),
        router,
        host_routes,
        vlan_untagged,
        vlan_tagged,
        l2proxy: n.l2proxy,
        queues,
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
    let chars = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    format!("{prefix}{}", lxc_config::hwaddr::random_chars(6, chars))
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
        net.other.insert("veth.vlan.id".into(), vec!["none".into()]);
        net.other
            .insert("veth.vlan.tagged.id".into(), vec!["20".into(), "30".into()]);
        net.other.insert("veth.n_rxqueues".into(), vec!["4".into()]);
        let plan = one(0, &net, &key).unwrap();
        assert_eq!(plan.vlan_untagged, Some(None));
        assert_eq!(plan.vlan_tagged, [20, 30]);
        assert_eq!(plan.queues, (Some(4), None));
        assert!(plan.has_vlans());
        net.other
            .insert("veth.ipv6.route".into(), vec!["fd00::/200".into()]);
        assert_eq!(
            one(0, &net, &key).unwrap_err(),
            "lxc.net.0.veth.ipv6.route = fd00::/200: invalid prefix 200"
        );
    }
}
