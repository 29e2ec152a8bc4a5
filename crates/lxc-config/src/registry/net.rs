//! Per-NIC keys, `lxc.net.<index>.<subkey>`.

use crate::model::{ContainerConfig, Network};
use crate::values;

/// One `lxc.net.<i>.*` subkey.
#[derive(Debug, Clone, Copy)]
pub struct NetKeySpec {
    pub name: &'static str,
    /// Several lines accumulate (empty value clears).
    pub multi: bool,
    pub doc: &'static str,
}

const fn nk(name: &'static str, multi: bool, doc: &'static str) -> NetKeySpec {
    NetKeySpec { name, multi, doc }
}

/// Every NIC subkey of LXC 5.0.
pub const NET_SUBKEYS: &[NetKeySpec] = &[
    nk(
        "type",
        false,
        "none, empty, veth, vlan, macvlan, ipvlan or phys",
    ),
    nk("flags", false, "\"up\" to bring the interface up"),
    nk("link", false, "host bridge or parent device"),
    nk(
        "l2proxy",
        false,
        "0/1: add proxy ARP/NDP entries on the link",
    ),
    nk("mtu", false, "interface MTU"),
    nk("name", false, "interface name inside the container"),
    nk(
        "hwaddr",
        false,
        "MAC address; each x is replaced by a random hex digit",
    ),
    nk("ipv4.address", true, "a.b.c.d/m [broadcast] (multi)"),
    nk("ipv4.gateway", false, "IPv4 gateway, auto or dev"),
    nk("ipv6.address", true, "addr/m (multi)"),
    nk("ipv6.gateway", false, "IPv6 gateway, auto or dev"),
    nk(
        "script.up",
        false,
        "host-side script run after the device is set up",
    ),
    nk(
        "script.down",
        false,
        "host-side script run before the device is destroyed",
    ),
    nk("macvlan.mode", false, "private, vepa, bridge or passthru"),
    nk("ipvlan.mode", false, "l3, l3s or l2"),
    nk("ipvlan.isolation", false, "bridge, private or vepa"),
    nk("vlan.id", false, "VLAN id for the vlan type"),
    nk("veth.mode", false, "bridge or router"),
    nk("veth.pair", false, "host-side veth name"),
    nk(
        "veth.ipv4.route",
        true,
        "host route to the container, a.b.c.d/m (multi)",
    ),
    nk(
        "veth.ipv6.route",
        true,
        "host route to the container, addr/m (multi)",
    ),
    nk(
        "veth.vlan.id",
        false,
        "untagged VLAN on the bridge port, or none",
    ),
    nk(
        "veth.vlan.tagged.id",
        true,
        "tagged VLAN membership (multi)",
    ),
    nk(
        "veth.n_rxqueues",
        false,
        "receive queue count of the veth pair",
    ),
    nk(
        "veth.n_txqueues",
        false,
        "transmit queue count of the veth pair",
    ),
];

pub const NET_TYPES: &[&str] = &["none", "empty", "veth", "vlan", "macvlan", "ipvlan", "phys"];

pub fn net_sub_spec(sub: &str) -> Option<&'static NetKeySpec> {
    NET_SUBKEYS.iter().find(|s| s.name == sub)
}

/// Split `lxc.net.<i>[.<subkey>]`; the subkey, when present, must be a known one.
pub fn parse_net_key(key: &str) -> Option<(usize, Option<&'static str>)> {
    let rest = key.strip_prefix("lxc.net.")?;
    let (idx, sub) = match rest.split_once('.') {
        Some((i, s)) => (i, Some(s)),
        None => (rest, None),
    };
    if idx.is_empty() || !idx.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let idx: usize = idx.parse().ok()?;
    match sub {
        None => Some((idx, None)),
        Some(s) => net_sub_spec(s).map(|spec| (idx, Some(spec.name))),
    }
}

/// Whether the canonical key `lxc.net.<i>.<sub>` is multi-valued.
pub fn is_multi_key(key: &str) -> bool {
    matches!(parse_net_key(key), Some((_, Some(sub))) if net_sub_spec(sub).is_some_and(|s| s.multi))
}

fn one_of(v: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(format!("expected one of: {}", allowed.join(", ")))
    }
}

fn vlan_id(v: &str) -> Result<(), String> {
    match v.parse::<u16>() {
        Ok(n) if (1..=4094).contains(&n) => Ok(()),
        _ => Err("expected a VLAN id between 1 and 4094".to_string()),
    }
}

/// Validate a value for a subkey of the "other" family.
fn check_other(sub: &str, v: &str) -> Result<(), String> {
    match sub {
        "macvlan.mode" => one_of(v, &["private", "vepa", "bridge", "passthru"]),
        "ipvlan.mode" => one_of(v, &["l3", "l3s", "l2"]),
        "ipvlan.isolation" => one_of(v, &["bridge", "private", "vepa"]),
        "veth.mode" => one_of(v, &["bridge", "router"]),
        "vlan.id" => v
            .parse::<u16>()
            .map(|_| ())
            .map_err(|_| "expected a number between 0 and 65535".to_string()),
        "veth.pair" => values::check_ifname(v),
        "veth.ipv4.route" => {
            if !v.contains('/') {
                return Err("expected <address>/<prefix>".to_string());
            }
            values::check_ipv4_address(v).and_then(|_| {
                if v.split_whitespace().count() == 1 {
                    Ok(())
                } else {
                    Err("expected <address>/<prefix>".to_string())
                }
            })
        }
        "veth.ipv6.route" => {
            if !v.contains('/') {
                return Err("expected <address>/<prefix>".to_string());
            }
            values::check_ipv6_address(v)
        }
        "veth.vlan.id" => {
            if v == "none" {
                Ok(())
            } else {
                vlan_id(v)
            }
        }
        "veth.vlan.tagged.id" => vlan_id(v),
        "veth.n_rxqueues" | "veth.n_txqueues" => values::parse_u32(v).map(|_| ()),
        _ => Ok(()),
    }
}

/// Setter for the `lxc.net.` prefix entry (value is non-empty).
pub(crate) fn set(c: &mut ContainerConfig, key: &str, v: &str) -> Result<(), String> {
    let Some((idx, sub)) = parse_net_key(key) else {
        return Err("malformed network key".to_string());
    };
    let Some(sub) = sub else {
        return Err("a NIC index takes no value; use lxc.net.<i>.<subkey>".to_string());
    };
    // Validate before creating the NIC so a bad value leaves the model unchanged.
    match sub {
        "type" => one_of(v, NET_TYPES)?,
        "flags" => {
            if v != "up" {
                return Err("the only flag is \"up\"".to_string());
            }
        }
        "link" | "name" => values::check_ifname(v)?,
        "l2proxy" => {
            values::parse_bool(v)?;
        }
        "mtu" => {
            values::parse_u32(v)?;
        }
        "ipv4.address" => values::check_ipv4_address(v)?,
        "ipv6.address" => values::check_ipv6_address(v)?,
        "ipv4.gateway" => values::check_ipv4_gateway(v)?,
        "hwaddr" if !v.is_empty() => values::check_hwaddr(v)?,
        "ipv6.gateway" => values::check_ipv6_gateway(v)?,
        other => check_other(other, v)?,
    }
    let n = c.networks.entry(idx).or_default();
    let s = Some(v.to_string());
    match sub {
        "type" => n.net_type = s,
        "flags" => n.flags_up = true,
        "link" => n.link = s,
        "name" => n.name = s,
        "hwaddr" => n.hwaddr = s,
        "l2proxy" => n.l2proxy = values::parse_bool(v)?,
        "mtu" => n.mtu = Some(values::parse_u32(v)?),
        "ipv4.address" => n.ipv4_addresses.push(v.to_string()),
        "ipv6.address" => n.ipv6_addresses.push(v.to_string()),
        "ipv4.gateway" => n.ipv4_gateway = s,
        "ipv6.gateway" => n.ipv6_gateway = s,
        "script.up" => n.script_up = s,
        "script.down" => n.script_down = s,
        other => {
            let multi = net_sub_spec(other).is_some_and(|s| s.multi);
            let list = n.other.entry(other.to_string()).or_default();
            if !multi {
                list.clear();
            }
            list.push(v.to_string());
        }
    }
    Ok(())
}

fn lines(items: &[String]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}

/// Getter for the `lxc.net.` prefix entry.
pub(crate) fn get(c: &ContainerConfig, key: &str) -> String {
    let Some((idx, sub)) = parse_net_key(key) else {
        return String::new();
    };
    let Some(n) = c.networks.get(&idx) else {
        return String::new();
    };
    let Some(sub) = sub else {
        // `lxc.net.<i>` alone: list the subkeys that apply, like get_keys.
        return nic_keys(n).iter().map(|k| format!("{k}\n")).collect();
    };
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    match sub {
        "type" => opt(&n.net_type),
        "flags" => {
            if n.flags_up {
                "up".to_string()
            } else {
                String::new()
            }
        }
        "link" => opt(&n.link),
        "name" => opt(&n.name),
        "hwaddr" => opt(&n.hwaddr),
        "l2proxy" => u8::from(n.l2proxy).to_string(),
        "mtu" => n.mtu.map(|m| m.to_string()).unwrap_or_default(),
        "ipv4.address" => lines(&n.ipv4_addresses),
        "ipv6.address" => lines(&n.ipv6_addresses),
        "ipv4.gateway" => opt(&n.ipv4_gateway),
        "ipv6.gateway" => opt(&n.ipv6_gateway),
        "script.up" => opt(&n.script_up),
        "script.down" => opt(&n.script_down),
        other => {
            let vals = n.other.get(other).map(Vec::as_slice).unwrap_or(&[]);
            if net_sub_spec(other).is_some_and(|s| s.multi) {
                lines(vals)
            } else {
                vals.last().cloned().unwrap_or_default()
            }
        }
    }
}

/// Clearer for the `lxc.net.` prefix entry: `lxc.net.<i>` removes the NIC.
pub(crate) fn clear(c: &mut ContainerConfig, key: &str) {
    let Some((idx, sub)) = parse_net_key(key) else {
        return;
    };
    let Some(sub) = sub else {
        c.networks.remove(&idx);
        return;
    };
    let Some(n) = c.networks.get_mut(&idx) else {
        return;
    };
    match sub {
        "type" => n.net_type = None,
        "flags" => n.flags_up = false,
        "link" => n.link = None,
        "name" => n.name = None,
        "hwaddr" => n.hwaddr = None,
        "l2proxy" => n.l2proxy = false,
        "mtu" => n.mtu = None,
        "ipv4.address" => n.ipv4_addresses.clear(),
        "ipv6.address" => n.ipv6_addresses.clear(),
        "ipv4.gateway" => n.ipv4_gateway = None,
        "ipv6.gateway" => n.ipv6_gateway = None,
        "script.up" => n.script_up = None,
        "script.down" => n.script_down = None,
        other => {
            n.other.remove(other);
        }
    }
}

/// The subkeys that apply to a NIC of this type (LXC's `lxc_list_net` order).
pub fn nic_keys(n: &Network) -> Vec<&'static str> {
    let mut keys = vec![
        "type",
        "script.up",
        "script.down",
        "flags",
        "link",
        "name",
        "hwaddr",
        "mtu",
    ];
    let t = n.net_type.as_deref().unwrap_or("");
    match t {
        "veth" => keys.extend([
            "veth.mode",
            "veth.pair",
            "veth.ipv4.route",
            "veth.ipv6.route",
            "veth.vlan.id",
            "veth.vlan.tagged.id",
            "veth.n_rxqueues",
            "veth.n_txqueues",
        ]),
        "macvlan" => keys.push("macvlan.mode"),
        "ipvlan" => keys.extend(["ipvlan.mode", "ipvlan.isolation"]),
        "vlan" => keys.push("vlan.id"),
        _ => {}
    }
    if matches!(t, "veth" | "macvlan" | "ipvlan" | "vlan" | "phys") {
        keys.extend([
            "l2proxy",
            "ipv4.address",
            "ipv4.gateway",
            "ipv6.address",
            "ipv6.gateway",
        ]);
    }
    keys
}
