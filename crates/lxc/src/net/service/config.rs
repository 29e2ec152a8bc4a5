//! The bridge service's settings, read from a file like Debian's `/etc/default/lxc-net`:
//! shell assignments (`LXC_BRIDGE="lxcbr0"`), comments, optional `export`.

use crate::error::{Error, Result};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Where the service keeps its state (dnsmasq's pid and leases, the ruleset, the marker
/// that it is up): one directory per bridge, so services on other bridges never meet.
pub const RUN_ROOT: &str = "/run/lxc-rs/net";

/// The file read when none is given, as LXC's lxc-net reads it.
pub const DEFAULT_FILE: &str = "/etc/default/lxc-net";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// `USE_LXC_BRIDGE`: nothing is done unless it is `true`.
    pub enabled: bool,
    pub bridge: String,
    pub bridge_mac: [u8; 6],
    pub address: Ipv4Addr,
    pub prefix: u8,
    /// `LXC_NETWORK`, masqueraded when leaving it.
    pub network: (Ipv4Addr, u8),
    pub dhcp_range: (Ipv4Addr, Ipv4Addr),
    pub dhcp_max: u32,
    pub dhcp_confile: Option<PathBuf>,
    pub dhcp_ping: bool,
    pub domain: Option<String>,
    /// `LXC_IPV6_ADDR` / `LXC_IPV6_MASK` / `LXC_IPV6_NETWORK`, all or none.
    pub ipv6: Option<Ipv6Settings>,
    pub ipv6_nat: bool,
    pub run_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Settings {
    pub address: Ipv6Addr,
    pub prefix: u8,
    pub network: (Ipv6Addr, u8),
}

impl Default for ServiceConfig {
    /// LXC's own defaults: lxcbr0 on 10.0.3.1/24, leases .2 to .254.
    fn default() -> Self {
        ServiceConfig {
            enabled: false,
            bridge: "lxcbr0".into(),
            bridge_mac: [0, 0x16, 0x3e, 0, 0, 0],
            address: Ipv4Addr::new(10, 0, 3, 1),
            prefix: 24,
            network: (Ipv4Addr::new(10, 0, 3, 0), 24),
            dhcp_range: (Ipv4Addr::new(10, 0, 3, 2), Ipv4Addr::new(10, 0, 3, 254)),
            dhcp_max: 253,
            dhcp_confile: None,
            dhcp_ping: true,
            domain: None,
            ipv6: None,
            ipv6_nat: false,
            run_dir: Path::new(RUN_ROOT).join("lxcbr0"),
        }
    }
}

impl ServiceConfig {
    /// Read `path`; a missing file means LXC's defaults with the service off, as a
    /// missing `/etc/default/lxc-net` does for LXC.
    pub fn load(path: &Path) -> Result<ServiceConfig> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(crate::error::io_err(path)(e)),
        }
    }

    /// Parse the text of `file` (named in errors with the line).
    pub fn parse(text: &str, file: &str) -> Result<ServiceConfig> {
        let mut c = ServiceConfig::default();
        let mut netmask: Option<Ipv4Addr> = None;
        let mut v6 = (None, None, None);
        let mut v6_line = 0;
        for (n, raw) in text.lines().enumerate() {
            let err = |message: String| Error::ServiceConfig {
                file: file.to_string(),
                line: n + 1,
                message,
            };
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line).trim();
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| err(format!("expected KEY=value, found \"{line}\"")))?;
            let value = unquote(value.trim()).map_err(&err)?;
            let bad = |what: &str| err(format!("{key} = \"{value}\": {what}"));
            if key.starts_with("LXC_IPV6_") {
                v6_line = n + 1;
            }
            match key.trim() {
                "USE_LXC_BRIDGE" => c.enabled = value == "true",
                "LXC_BRIDGE" => {
                    if value.is_empty() || value.len() > 15 || value.contains(['/', ' ']) {
                        return Err(bad("not a valid interface name"));
                    }
                    c.bridge = value.to_string();
                }
                "LXC_BRIDGE_MAC" => {
                    c.bridge_mac = super::super::nic::parse_mac(&value).map_err(|e| bad(&e))?
                }
                "LXC_ADDR" => c.address = value.parse().map_err(|_| bad("not an IPv4 address"))?,
                "LXC_NETMASK" => {
                    let mask: Ipv4Addr = value.parse().map_err(|_| bad("not a netmask"))?;
                    let bits = u32::from(mask);
                    if bits.leading_ones() + bits.trailing_zeros() != 32 {
                        return Err(bad("not a netmask"));
                    }
                    netmask = Some(mask);
                }
                "LXC_NETWORK" => {
                    c.network = cidr4(&value).ok_or_else(|| bad("expected A.B.C.D/N"))?
                }
                "LXC_DHCP_RANGE" => {
                    let parsed = value.split_once(',').and_then(|(lo, hi)| {
                        Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
                    });
                    c.dhcp_range = parsed.ok_or_else(|| bad("expected FIRST,LAST"))?;
                }
                "LXC_DHCP_MAX" => c.dhcp_max = value.parse().map_err(|_| bad("not a number"))?,
                "LXC_DHCP_CONFILE" => {
                    c.dhcp_confile =
                        Some(value.into()).filter(|p: &PathBuf| !p.as_os_str().is_empty())
                }
                "LXC_DHCP_PING" => c.dhcp_ping = value != "false",
                "LXC_DOMAIN" => c.domain = Some(value.to_string()).filter(|d| !d.is_empty()),
                "LXC_IPV6_ADDR" => {
                    v6.0 = Some(
                        value
                            .parse::<Ipv6Addr>()
                            .map_err(|_| bad("not an IPv6 address"))?,
                    )
                    .filter(|_| !value.is_empty())
                }
                "LXC_IPV6_MASK" => {
                    v6.1 = Some(
                        value
                            .parse::<u8>()
                            .ok()
                            .filter(|p| *p <= 128)
                            .ok_or_else(|| bad("expected a prefix length"))?,
                    )
                }
                "LXC_IPV6_NETWORK" => {
                    v6.2 = Some(cidr6(&value).ok_or_else(|| bad("expected ADDR/N"))?)
                }
                "LXC_IPV6_NAT" => c.ipv6_nat = value == "true",
                // Kept for the file's sake: lxc-rs always writes its rules with nftables.
                "LXC_USE_NFT" => {}
                other => return Err(err(format!("unknown setting {other}"))),
            }
        }
        if let Some(mask) = netmask {
            c.prefix = u32::from(mask).leading_ones() as u8;
        }
        c.ipv6 = match v6 {
            (Some(address), Some(prefix), Some(network)) => Some(Ipv6Settings {
                address,
                prefix,
                network,
            }),
            (None, None, None) => None,
            _ => {
                return Err(Error::ServiceConfig {
                    file: file.to_string(),
                    line: v6_line,
                    message: "LXC_IPV6_ADDR, LXC_IPV6_MASK and LXC_IPV6_NETWORK go together".into(),
                })
            }
        };
        c.run_dir = Path::new(RUN_ROOT).join(&c.bridge);
        Ok(c)
    }

    /// The nftables table holding this bridge's rules (its name made of the bridge's).
    pub fn table(&self) -> String {
        let tail: String = self
            .bridge
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
            .collect();
        format!("lxcrs_{tail}")
    }
}

fn unquote(value: &str) -> std::result::Result<String, String> {
    for q in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(q) {
            return rest
                .strip_suffix(q)
                .map(str::to_string)
                .ok_or_else(|| format!("unterminated quote in {value}"));
        }
    }
    // An unquoted value ends at a comment.
    Ok(value.split(" #").next().unwrap_or("").trim().to_string())
}

fn cidr4(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (a, p) = text.split_once('/')?;
    Some((a.parse().ok()?, p.parse().ok().filter(|p| *p <= 32)?))
}

fn cidr6(text: &str) -> Option<(Ipv6Addr, u8)> {
    let (a, p) = text.split_once('/')?;
    Some((a.parse().ok()?, p.parse().ok().filter(|p| *p <= 128)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debians_file_and_a_full_one_parse() {
        let c = ServiceConfig::parse(
            "USE_LXC_BRIDGE=\"true\"\n\n# Honor system's dnsmasq configuration\n#LXC_DHCP_CONFILE=/etc/dnsmasq.conf\n",
            "f",
        )
        .unwrap();
        assert!(c.enabled);
        assert_eq!(c.bridge, "lxcbr0");
        assert_eq!(c.run_dir, Path::new("/run/lxc-rs/net/lxcbr0"));
        let c = ServiceConfig::parse(
            "export LXC_BRIDGE=t-br.1\nLXC_ADDR='10.9.0.1'\nLXC_NETMASK=255.255.0.0\n\
             LXC_NETWORK=10.9.0.0/16\nLXC_DHCP_RANGE=10.9.0.10,10.9.0.20 # small\n\
             LXC_DHCP_MAX=\"11\"\nLXC_IPV6_ADDR=fd42::1\nLXC_IPV6_MASK=64\n\
             LXC_IPV6_NETWORK=fd42::/64\nLXC_IPV6_NAT=true\nLXC_USE_NFT=true\n",
            "f",
        )
        .unwrap();
        assert!(!c.enabled);
        assert_eq!(c.prefix, 16);
        assert_eq!(c.dhcp_range.1, Ipv4Addr::new(10, 9, 0, 20));
        assert_eq!(c.dhcp_max, 11);
        assert_eq!(c.ipv6.as_ref().unwrap().prefix, 64);
        assert_eq!(c.table(), "lxcrs_t_br_1");
    }

    #[test]
    fn bad_lines_name_file_line_and_setting() {
        let e = |text: &str| {
            ServiceConfig::parse(text, "/x/lxc-net")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("LXC_BRIDGE=a\nLXC_ADRR=1.2.3.4\n"),
            "/x/lxc-net:2: unknown setting LXC_ADRR"
        );
        assert!(
            e("LXC_NETMASK=255.0.255.0\n").contains("LXC_NETMASK = \"255.0.255.0\": not a netmask")
        );
        assert!(e("LXC_ADDR=\"10.0.3.1\n").contains(":1: unterminated quote"));
        assert!(e("LXC_IPV6_ADDR=fd00::1\n").contains("go together"));
        assert!(e("hello\n").contains("expected KEY=value"));
    }
}
