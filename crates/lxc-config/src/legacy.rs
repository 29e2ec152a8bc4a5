//! `lxc-update-config`: rewrite a 1.x/2.0 configuration with the current key names. Comments
//! and layout are kept; commented-out `lxc.` lines are converted too.

use crate::parse::{split_lines, unquote};
use crate::registry::{self, map_legacy_net_sub, net};

/// Convert legacy key names in `text` to the current ones (section 3.3):
/// `lxc.rootfs = /x` becomes `lxc.rootfs.path = <backend>:/x` (backend from
/// `lxc.rootfs.backend`, default `dir`), un-indexed `lxc.network.*` blocks become
/// `lxc.net.<N>.*` (each `lxc.network.type` starts the next N), and `lxc.pivotdir`, `lxc.kmsg`
/// and `lxc.rootfs.backend` lines are dropped.
pub fn update_legacy_text(text: &str) -> String {
    let lines = split_lines(text);
    let backend = lines
        .iter()
        .filter_map(|l| split_line(l))
        .find(|p| !p.commented && p.key == "lxc.rootfs.backend")
        .map(|p| unquote(p.value).to_string())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "dir".to_string());
    let mut nic: Option<usize> = None;
    let mut out: Vec<String> = Vec::new();
    for raw in lines {
        if let Some(l) = convert_line(raw, &backend, &mut nic) {
            out.push(l);
        }
    }
    let mut s = out.join("\n");
    if text.ends_with('\n') && !out.is_empty() {
        s.push('\n');
    }
    s
}

/// A (possibly commented) `key = value` line cut into pieces that can be put back together.
struct Parts<'a> {
    /// Leading blanks and, for comments, the `#`s and blanks after them.
    prefix: &'a str,
    key: &'a str,
    /// Everything after the key (`" = value"`), kept as written.
    tail: &'a str,
    /// The trimmed value (still quoted).
    value: &'a str,
    commented: bool,
}

fn split_line(raw: &str) -> Option<Parts<'_>> {
    let lead = raw.len() - raw.trim_start().len();
    let after_lead = &raw[lead..];
    let (commented, body_start) = match after_lead.strip_prefix('#') {
        Some(_) => {
            let body = after_lead.trim_start_matches('#').trim_start();
            (true, raw.len() - body.len())
        }
        None => (false, lead),
    };
    let body = &raw[body_start..];
    if !body.starts_with("lxc.") {
        return None;
    }
    let eq = body.find('=')?;
    let key = body[..eq].trim_end();
    Some(Parts {
        prefix: &raw[..body_start],
        key,
        tail: &body[key.len()..],
        value: body[eq + 1..].trim(),
        commented,
    })
}

fn convert_line(raw: &str, backend: &str, nic: &mut Option<usize>) -> Option<String> {
    let Some(p) = split_line(raw) else {
        return Some(raw.to_string());
    };
    if registry::IGNORED_LEGACY.contains(&p.key) {
        return if p.commented {
            Some(raw.to_string())
        } else {
            None
        };
    }
    if p.key == "lxc.rootfs" {
        let v = unquote(p.value);
        let has_backend = v
            .split_once(':')
            .is_some_and(|(b, _)| crate::ROOTFS_TYPES.contains(&b));
        let value = if v.is_empty() || has_backend {
            v.to_string()
        } else {
            format!("{backend}:{v}")
        };
        return Some(format!("{}lxc.rootfs.path = {value}", p.prefix));
    }
    let new_key = match new_key_for(p.key, p.commented, nic) {
        Some(k) => k,
        None => return Some(raw.to_string()),
    };
    Some(format!("{}{new_key}{}", p.prefix, p.tail))
}

/// Current name for a legacy key, or `None` to leave the line alone.
fn new_key_for(key: &str, commented: bool, nic: &mut Option<usize>) -> Option<String> {
    if let Some(spec) = registry::registry()
        .iter()
        .find(|s| !s.prefix && s.legacy.contains(&key))
    {
        return Some(spec.name.to_string());
    }
    if let Some(rest) = key.strip_prefix("lxc.limit.") {
        return Some(format!("lxc.prlimit.{rest}"));
    }
    let rest = key.strip_prefix("lxc.network.")?;
    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("lxc.net.{rest}"));
    }
    if let Some((first, tail)) = rest.split_once('.') {
        if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("lxc.net.{first}.{}", map_legacy_net_sub(tail)));
        }
    }
    let sub = map_legacy_net_sub(rest);
    net::net_sub_spec(sub)?;
    let idx = if sub == "type" {
        let next = nic.map_or(0, |i| i.saturating_add(1));
        // A commented-out NIC does not take an index.
        if !commented {
            *nic = Some(next);
        }
        next
    } else {
        nic.unwrap_or(0)
    };
    Some(format!("lxc.net.{idx}.{sub}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_android_example() {
        let old = "lxc.rootfs = /var/lib/lxc/android/rootfs\nlxc.utsname = armhf\n\n\
                   lxc.network.type = none\n\nlxc.devttydir = lxc\nlxc.tty = 4\nlxc.pts = 1024\n\
                   lxc.arch = armhf\nlxc.cap.drop = mac_admin mac_override\n\
                   lxc.pivotdir = lxc_putold\n\n\
                   lxc.hook.pre-start = /var/lib/lxc/android/pre-start.sh\n\n\
                   lxc.aa_profile = unconfined\n";
        let new = "lxc.rootfs.path = dir:/var/lib/lxc/android/rootfs\nlxc.uts.name = armhf\n\n\
                   lxc.net.0.type = none\n\nlxc.tty.dir = lxc\nlxc.tty.max = 4\n\
                   lxc.pty.max = 1024\nlxc.arch = armhf\nlxc.cap.drop = mac_admin mac_override\n\n\
                   lxc.hook.pre-start = /var/lib/lxc/android/pre-start.sh\n\n\
                   lxc.apparmor.profile = unconfined\n";
        assert_eq!(update_legacy_text(old), new);
    }

    #[test]
    fn converts_networks_and_comments() {
        let old = "# Network configuration\nlxc.network.type = veth\nlxc.network.link = lxcbr0\n\
                   lxc.network.flags = up\nlxc.network.hwaddr = 00:16:3e:xx:xx:xx\n\
                   lxc.network.ipv4 = 10.0.3.2/24\nlxc.network.ipv4.gateway = auto\n\
                   #lxc.network.type = macvlan\n\
                   lxc.network.type = empty\n  # lxc.utsname = x\nlxc.network.1.ipv6 = fd::1/64\n\
                   lxc.id_map = u 0 100000 65536\nlxc.limit.nofile = 1024\nlxc.kmsg = 0\n\
                   lxc.rootfs.backend = btrfs\nlxc.rootfs=/x\nlxc.mount = /f\nlxc.console = none\n\
                   lxc.network =\nlxc.loglevel=1";
        let new = "# Network configuration\nlxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\n\
                   lxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n\
                   lxc.net.0.ipv4.address = 10.0.3.2/24\nlxc.net.0.ipv4.gateway = auto\n\
                   #lxc.net.1.type = macvlan\n\
                   lxc.net.1.type = empty\n  # lxc.uts.name = x\n\
                   lxc.net.1.ipv6.address = fd::1/64\n\
                   lxc.idmap = u 0 100000 65536\nlxc.prlimit.nofile = 1024\n\
                   lxc.rootfs.path = btrfs:/x\nlxc.mount.fstab = /f\nlxc.console.path = none\n\
                   lxc.net =\nlxc.log.level=1";
        assert_eq!(update_legacy_text(old), new);
    }

    #[test]
    fn current_text_unchanged() {
        let cur = "lxc.net.0.type = veth\nlxc.rootfs.path = dir:/x\n# hi\nlxc.tty.max = 4\n";
        assert_eq!(update_legacy_text("lxc.network.1 =\n"), "lxc.net.1 =\n");
        assert_eq!(update_legacy_text(cur), cur);
        assert_eq!(update_legacy_text(""), "");
    }

    #[test]
    fn converted_text_parses() {
        let old = "lxc.network.type = veth\nlxc.network.link = br0\nlxc.utsname = a\n\
                   lxc.pivotdir = x\nlxc.rootfs = /r\n";
        let new = update_legacy_text(old);
        let mut c = crate::ContainerConfig::new();
        c.parse_text(&new, "t").unwrap();
        assert_eq!(c.get_item("lxc.net.0.link").unwrap(), "br0");
        // The file says `dir:/r`; like LXC, the getter gives the path without its type.
        assert_eq!(c.rootfs_path.as_deref(), Some("dir:/r"));
        assert_eq!(c.get_item("lxc.rootfs.path").unwrap(), "/r");
        assert!(c.set_keys().iter().all(|k| crate::is_supported_key(k)));
    }
}
