//! Helper functions behind the registry rows: value formatting and the setters/getters of the
//! keys that need more than a field assignment.

use crate::model::{ContainerConfig, HookType, IdMap};
use crate::values;

pub(super) fn lines(items: &[String]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}

pub(super) fn flag(b: bool) -> String {
    u8::from(b).to_string()
}

/// Subkey of a prefix family: `sub_of("lxc.sysctl.a.b", "lxc.sysctl")` = `Some("a.b")`.
pub(super) fn sub_of<'a>(key: &'a str, family: &str) -> Option<&'a str> {
    key.strip_prefix(family)
        .map(|r| r.strip_prefix('.').unwrap_or(r))
        .filter(|r| !r.is_empty())
}

/// Setter for "key=value"-per-subkey families: a subkey set twice keeps its last value.
pub(super) fn pair_set(list: &mut Vec<(String, String)>, sub: &str, v: &str) {
    match list.iter_mut().find(|(k, _)| k == sub) {
        Some(entry) => entry.1 = v.to_string(),
        None => list.push((sub.to_string(), v.to_string())),
    }
}

/// Bare family: `<family>.<sub> = <value>\n` per entry; one subkey: its value(s).
pub(super) fn pair_get(list: &[(String, String)], family: &str, key: &str, multi: bool) -> String {
    let family = family.trim_end_matches('.');
    match sub_of(key, family) {
        None => list
            .iter()
            .map(|(k, v)| format!("{family}.{k} = {v}\n"))
            .collect(),
        Some(sub) => {
            let mut vals = list.iter().filter(|(k, _)| k == sub).map(|(_, v)| v);
            if multi {
                vals.map(|v| format!("{v}\n")).collect()
            } else {
                vals.next_back().cloned().unwrap_or_default()
            }
        }
    }
}

pub(super) fn pair_clear(list: &mut Vec<(String, String)>, family: &str, key: &str) {
    match sub_of(key, family.trim_end_matches('.')) {
        None => list.clear(),
        Some(sub) => list.retain(|(k, _)| k != sub),
    }
}

pub(super) fn need_sub(key: &str, family: &str) -> Result<(), String> {
    if sub_of(key, family).is_none() {
        Err(format!(
            "\"{family}\" only accepts an empty value (clears all); use {family}.<name>"
        ))
    } else {
        Ok(())
    }
}

/// Hooks of one type; keeps the map free of empty lists.
pub(super) fn hook_push(c: &mut ContainerConfig, h: HookType, v: &str) {
    c.hooks.entry(h).or_default().push(v.to_string());
}

pub(super) fn hook_get(c: &ContainerConfig, h: HookType) -> String {
    c.hooks.get(&h).map(|l| lines(l)).unwrap_or_default()
}

pub(super) fn set_namespaces(list: &mut Vec<String>, v: &str) -> Result<(), String> {
    let mut names = list.clone();
    for tok in v.split_whitespace() {
        values::check_namespace(tok)?;
        if !names.iter().any(|n| n == tok) {
            names.push(tok.to_string());
        }
    }
    *list = names;
    Ok(())
}

/// Namespaces in LXC's order, one per line.
pub(super) fn get_namespaces(list: &[String]) -> String {
    values::NAMESPACES
        .iter()
        .filter(|n| list.iter().any(|l| l == *n))
        .map(|n| format!("{n}\n"))
        .collect()
}

pub(super) fn set_init_groups(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    let mut gids = Vec::new();
    for tok in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        gids.push(values::parse_u32(tok).map_err(|_| format!("\"{tok}\" is not a group id"))?);
    }
    c.init_groups.extend(gids);
    Ok(())
}

pub(super) fn set_signal(v: &str) -> Result<i32, String> {
    crate::signal::parse_signal(v).ok_or_else(|| {
        "expected a signal name (SIGPWR, SIGRTMIN+3, ...) or number 0-64".to_string()
    })
}

pub(super) fn no_check(_: &str, _: &str) -> Result<(), String> {
    Ok(())
}

pub(super) fn set_arch(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    values::arch_is_64(v)?;
    c.arch = Some(v.to_string());
    Ok(())
}

/// LXC stores only the personality and prints it back as i686 or x86_64.
pub(super) fn get_arch(c: &ContainerConfig, _: &str) -> String {
    match c.arch.as_deref().map(values::arch_is_64) {
        Some(Ok(true)) => "x86_64".to_string(),
        Some(Ok(false)) => "i686".to_string(),
        _ => String::new(),
    }
}

pub(super) fn set_hook_version(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    c.hook_version = match v {
        "0" => 0,
        "1" => 1,
        _ => return Err("expected 0 or 1".to_string()),
    };
    Ok(())
}

pub(super) fn set_idmap(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    c.idmaps.push(IdMap::parse(v)?);
    Ok(())
}

pub(super) fn get_idmap(c: &ContainerConfig, _: &str) -> String {
    c.idmaps.iter().map(|m| format!("{m}\n")).collect()
}

pub(super) fn get_init_groups(c: &ContainerConfig, _: &str) -> String {
    let v: Vec<String> = c.init_groups.iter().map(u32::to_string).collect();
    v.join(",")
}

pub(super) fn set_log_level(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    c.log_level = Some(values::parse_log_level(v)?);
    Ok(())
}

/// LXC prints the level name; an unset level is LXC's NOTSET.
pub(super) fn get_log_level(c: &ContainerConfig, _: &str) -> String {
    match c.log_level {
        Some(l) => values::log_level_name(l).to_string(),
        None => "NOTSET".to_string(),
    }
}

pub(super) fn set_ns_clone(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    if !c.namespace_keep.is_empty() {
        return Err("cannot be combined with lxc.namespace.keep".to_string());
    }
    set_namespaces(&mut c.namespace_clone, v)
}

pub(super) fn set_ns_keep(c: &mut ContainerConfig, _: &str, v: &str) -> Result<(), String> {
    if !c.namespace_clone.is_empty() {
        return Err("cannot be combined with lxc.namespace.clone".to_string());
    }
    set_namespaces(&mut c.namespace_keep, v)
}

/// `lxc.net`: one type per NIC.
pub(super) fn get_net_types(c: &ContainerConfig, _: &str) -> String {
    c.networks
        .values()
        .map(|n| format!("{}\n", n.net_type.as_deref().unwrap_or("")))
        .collect()
}

pub(super) fn check_uts_name(v: &str) -> Result<(), String> {
    if v.len() > 64 {
        Err("hostnames are at most 64 bytes".to_string())
    } else {
        Ok(())
    }
}

/// For keys whose only accepted value is empty (`lxc.hook`, `lxc.net`).
pub(super) fn only_empty(what: &'static str) -> String {
    format!("only an empty value is allowed ({what})")
}

pub(super) fn ignore_get(_: &ContainerConfig, _: &str) -> String {
    String::new()
}
