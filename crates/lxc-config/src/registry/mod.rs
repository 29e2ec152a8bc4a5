//! The key registry: one row per configuration key with its current name, legacy spellings,
//! match kind, doc line and typed set/get/clear functions. Everything that needs to know about
//! keys (parser, get_keys, lxc-config, lxc-update-config, the C ABI) reads this table.

mod helpers;
#[macro_use]
mod macros;
pub mod net;
mod table;

use crate::model::ContainerConfig;

/// Sets a (non-empty) value. `key` is the canonical full key (matters for prefix entries).
pub type SetFn = fn(&mut ContainerConfig, &str, &str) -> Result<(), String>;
/// Formats the value as `get_config_item` does.
pub type GetFn = fn(&ContainerConfig, &str) -> String;
/// Resets the setting to its default (what an empty value does).
pub type ClearFn = fn(&mut ContainerConfig, &str);

/// One registry row.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// Current name. Prefix entries are written as LXC does: `lxc.cgroup` matches
    /// `lxc.cgroup.<anything>`, a name ending in `.` (`lxc.net.`) matches longer keys only.
    pub name: &'static str,
    /// Legacy (1.x/2.0) spellings: exact names for strict entries, prefixes for prefix entries.
    pub legacy: &'static [&'static str],
    /// Prefix entry (`lxc.cgroup.*`, `lxc.net.*`, ...) rather than an exact name.
    pub prefix: bool,
    /// Several lines accumulate; an empty value clears them all.
    pub multi: bool,
    pub doc: &'static str,
    pub set: SetFn,
    pub get: GetFn,
    pub clear: ClearFn,
}

impl KeySpec {
    /// Does the current-spelling `key` belong to this entry?
    fn matches(&self, key: &str) -> bool {
        if !self.prefix {
            return key == self.name;
        }
        if self.name.ends_with('.') {
            match key.strip_prefix(self.name) {
                Some(rest) if !rest.is_empty() => {
                    // NIC keys must have a numeric index and a known subkey.
                    self.name != "lxc.net." || net::parse_net_key(key).is_some()
                }
                _ => false,
            }
        } else {
            key == self.name
                || key
                    .strip_prefix(self.name)
                    .and_then(|r| r.strip_prefix('.'))
                    .is_some_and(|r| !r.is_empty())
        }
    }

    /// Name as listed by get_keys (prefix entries bare, without a trailing dot).
    pub fn display_name(&self) -> &'static str {
        self.name.strip_suffix('.').unwrap_or(self.name)
    }
}

/// All keys in LXC's match order.
pub fn registry() -> &'static [KeySpec] {
    table::REGISTRY
}

/// Legacy keys that are accepted and ignored (they have no current equivalent).
pub const IGNORED_LEGACY: &[&str] = &["lxc.pivotdir", "lxc.kmsg", "lxc.rootfs.backend"];

/// First registry entry matching a current-spelling key, like LXC's table walk.
pub(crate) fn lookup(key: &str) -> Option<&'static KeySpec> {
    registry().iter().find(|s| s.matches(key))
}

/// Outcome of resolving a key as written.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    Key {
        spec: &'static KeySpec,
        /// Current spelling of the full key (`lxc.net.0.ipv4.address`, ...).
        canonical: String,
    },
    /// `lxc.pivotdir`, `lxc.kmsg`, `lxc.rootfs.backend`: accepted, no effect.
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResolveError {
    Unknown,
    /// Un-indexed `lxc.network.<sub>` before any `lxc.network.type`.
    NoNic,
}

/// Legacy NIC subkey spelling to the current one.
pub(crate) fn map_legacy_net_sub(sub: &str) -> &str {
    match sub {
        "ipv4" => "ipv4.address",
        "ipv6" => "ipv6.address",
        other => other,
    }
}

/// Resolve a key as written (current or legacy) to its registry entry and current spelling.
/// `last_nic` is the highest NIC index so far: un-indexed `lxc.network.type` starts NIC
/// `last_nic + 1` and other un-indexed `lxc.network.*` keys apply to `last_nic`.
pub(crate) fn resolve(key: &str, last_nic: Option<usize>) -> Result<Resolved, ResolveError> {
    if let Some(spec) = lookup(key) {
        return Ok(Resolved::Key {
            spec,
            canonical: key.to_string(),
        });
    }
    if IGNORED_LEGACY.contains(&key) {
        return Ok(Resolved::Ignored);
    }
    if let Some(spec) = registry()
        .iter()
        .find(|s| !s.prefix && s.legacy.contains(&key))
    {
        return Ok(Resolved::Key {
            spec,
            canonical: spec.name.to_string(),
        });
    }
    let current = legacy_prefix_to_current(key, last_nic)?;
    match lookup(&current) {
        Some(spec) => Ok(Resolved::Key {
            spec,
            canonical: current,
        }),
        None => Err(ResolveError::Unknown),
    }
}

/// Legacy prefix families: `lxc.limit.*`, `lxc.network[.N].*`.
fn legacy_prefix_to_current(key: &str, last_nic: Option<usize>) -> Result<String, ResolveError> {
    if let Some(rest) = key.strip_prefix("lxc.limit.") {
        return Ok(format!("lxc.prlimit.{rest}"));
    }
    if key == "lxc.network" {
        return Ok("lxc.net".to_string());
    }
    let Some(rest) = key.strip_prefix("lxc.network.") else {
        return Err(ResolveError::Unknown);
    };
    let (first, tail) = match rest.split_once('.') {
        Some((f, t)) => (f, Some(t)),
        None => (rest, None),
    };
    if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
        // 2.1 indexed form.
        return Ok(match tail {
            Some(t) => format!("lxc.net.{first}.{}", map_legacy_net_sub(t)),
            None => format!("lxc.net.{first}"),
        });
    }
    let sub = map_legacy_net_sub(rest);
    if net::net_sub_spec(sub).is_none() {
        return Err(ResolveError::Unknown);
    }
    let idx = if sub == "type" {
        last_nic.map_or(0, |i| i.saturating_add(1))
    } else {
        last_nic.ok_or(ResolveError::NoNic)?
    };
    Ok(format!("lxc.net.{idx}.{sub}"))
}

/// `lxc_config_item_is_supported`: is this a current-spelling key of the registry? Prefix
/// families count (`lxc.cgroup.memory.limit_in_bytes`, `lxc.net.0.type`, `lxc.sysctl.x`).
pub fn is_supported_key(key: &str) -> bool {
    lookup(key).is_some()
}

/// Current spelling of a (possibly legacy) key; `None` for unknown keys and for the ignored
/// legacy keys. Un-indexed `lxc.network.*` keys are resolved as if for NIC 0.
pub fn canonical_key(key: &str) -> Option<String> {
    let r = match resolve(key, None) {
        Err(ResolveError::NoNic) => resolve(key, Some(0)),
        other => other,
    };
    match r {
        Ok(Resolved::Key { canonical, .. }) => Some(canonical),
        _ => None,
    }
}

/// Whether lines of this canonical key accumulate (append) rather than replace.
pub(crate) fn is_multi(spec: &KeySpec, canonical: &str) -> bool {
    if spec.name == "lxc.net." {
        return net::is_multi_key(canonical);
    }
    spec.multi
}

/// Does clearing canonical key `cleared` also clear canonical key `other`?
pub(crate) fn clear_covers(cleared: &str, other: &str) -> bool {
    if cleared == other {
        return true;
    }
    if cleared == "lxc.net" {
        return other.starts_with("lxc.net.");
    }
    if cleared == "lxc.hook" {
        return other.starts_with("lxc.hook.") && other != "lxc.hook.version";
    }
    if let Some((_, None)) = net::parse_net_key(cleared) {
        return other.starts_with(&format!("{cleared}."));
    }
    // Bare prefix family (`lxc.cgroup`, `lxc.sysctl`, ...): everything that resolves to it.
    match (lookup(cleared), lookup(other)) {
        (Some(a), Some(b)) => a.prefix && a.name == cleared && std::ptr::eq(a, b),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
