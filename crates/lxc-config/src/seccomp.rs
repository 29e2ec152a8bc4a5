//! LXC's seccomp policy files (`lxc.seccomp.profile`), versions 1 and 2, parsed into a typed
//! policy. Which architecture sections apply, and turning names into numbers, is the
//! loader's business: this module only reads text.

use crate::error::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeccompAction {
    Kill,
    Errno(i32),
    Allow,
    Trap,
    Notify,
    /// Allowed and logged (newer LXC's `log`; 5.0.2 has no such word).
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgOp {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    /// `(arg & mask) == value`.
    MaskedEq(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgCmp {
    pub index: u32,
    pub value: u64,
    pub op: ArgOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeccompRule {
    /// Syscall name (version 2) or number (version 1, as text).
    pub syscall: String,
    pub action: SeccompAction,
    pub args: Vec<ArgCmp>,
    /// The `[arch]` section the rule stands in (lower case), None before any header.
    pub section: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeccompPolicy {
    pub version: u32,
    /// What syscalls without a rule get.
    pub default_action: SeccompAction,
    pub rules: Vec<SeccompRule>,
}

/// Architecture section names LXC accepts (lower-cased).
pub const SECTIONS: &[&str] = &[
    "x86",
    "x32",
    "x86_64",
    "all",
    "arm",
    "arm64",
    "ppc64le",
    "ppc64",
    "ppc",
    "mips64",
    "mips64n32",
    "mips",
    "mipsel64",
    "mipsel64n32",
    "mipsel",
    "s390x",
    "s390",
];

fn err(origin: &str, line: usize, reason: impl Into<String>) -> ConfigError {
    ConfigError::Seccomp {
        file: origin.to_string(),
        line,
        reason: reason.into(),
    }
}

/// An action word (prefix-matched, as LXC does) and, for `errno`, its number.
fn parse_action(text: &str) -> Option<(SeccompAction, &str)> {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("errno") {
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len());
        let n = rest[..end].parse().ok()?;
        return Some((SeccompAction::Errno(n), &rest[end..]));
    }
    for (word, action) in [
        ("kill", SeccompAction::Kill),
        ("allow", SeccompAction::Allow),
        ("trap", SeccompAction::Trap),
        ("notify", SeccompAction::Notify),
        ("log", SeccompAction::Log),
    ] {
        if let Some(rest) = t.strip_prefix(word) {
            return Some((action, rest));
        }
    }
    None
}

fn parse_number(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

fn parse_op(s: &str) -> Option<ArgOp> {
    Some(match s.trim() {
        "SCMP_CMP_NE" | "!=" => ArgOp::Ne,
        "SCMP_CMP_LT" | "<" => ArgOp::Lt,
        "SCMP_CMP_LE" | "<=" => ArgOp::Le,
        "SCMP_CMP_EQ" | "==" => ArgOp::Eq,
        "SCMP_CMP_GE" | ">=" => ArgOp::Ge,
        "SCMP_CMP_GT" | ">" => ArgOp::Gt,
        "SCMP_CMP_MASKED_EQ" | "&=" => ArgOp::MaskedEq(0),
        _ => return None,
    })
}

/// `[index,value,op]` or `[index,value,op,mask]` groups, at most six.
fn parse_args(text: &str, origin: &str, line: usize) -> Result<Vec<ArgCmp>, ConfigError> {
    let mut out = Vec::new();
    for group in text.split(']').map(str::trim).filter(|g| !g.is_empty()) {
        let inner = group
            .strip_prefix('[')
            .ok_or_else(|| err(origin, line, format!("bad argument filter \"{group}\"")))?;
        let parts: Vec<&str> = inner.split(',').collect();
        let bad = || err(origin, line, format!("bad argument filter \"[{inner}]\""));
        if parts.len() < 3 || parts.len() > 4 {
            return Err(bad());
        }
        let index = parse_number(parts[0]).filter(|i| *i <= 5).ok_or_else(bad)? as u32;
        let value = parse_number(parts[1]).ok_or_else(bad)?;
        let mut op = parse_op(parts[2]).ok_or_else(bad)?;
        if let ArgOp::MaskedEq(_) = op {
            op = ArgOp::MaskedEq(parse_number(parts.get(3).ok_or_else(bad)?).ok_or_else(bad)?);
        }
        out.push(ArgCmp { index, value, op });
    }
    if out.len() > 6 {
        return Err(err(origin, line, "at most six argument filters"));
    }
    Ok(out)
}

/// Parse a policy file's text; `origin` names it in errors.
pub fn parse_seccomp_policy(text: &str, origin: &str) -> Result<SeccompPolicy, ConfigError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, first) = lines.next().ok_or_else(|| err(origin, 1, "empty file"))?;
    let version: u32 = match first.trim() {
        "1" => 1,
        "2" => 2,
        other => {
            return Err(err(
                origin,
                1,
                format!("unsupported version \"{other}\" (1 or 2)"),
            ))
        }
    };
    let (_, directive) = lines
        .next()
        .ok_or_else(|| err(origin, 2, "missing the policy line"))?;
    if directive.contains("debug") {
        return Err(err(origin, 2, "debug policies are not implemented"));
    }
    if version == 1 {
        // Version 1: an allowlist of syscall numbers; everything else is killed. LXC 1.0's
        // word `whitelist` (the seed's example) is accepted beside 5.0's `allowlist`.
        if !directive.contains("allowlist") && !directive.contains("whitelist") {
            return Err(err(
                origin,
                2,
                "version 1 policies must be an \"allowlist\"",
            ));
        }
        let mut rules = Vec::new();
        for (n, l) in lines {
            let num = l.split_whitespace().next().unwrap_or("");
            if num.parse::<i64>().is_err() {
                return Err(err(
                    origin,
                    n,
                    format!("version 1 expects a syscall number, got \"{l}\""),
                ));
            }
            rules.push(SeccompRule {
                syscall: num.to_string(),
                action: SeccompAction::Allow,
                args: vec![],
                section: None,
                line: n,
            });
        }
        return Ok(SeccompPolicy {
            version,
            default_action: SeccompAction::Kill,
            rules,
        });
    }
    let d = directive.trim_start();
    let (denylist, rest) = if let Some(r) = d
        .strip_prefix("denylist")
        .or_else(|| d.strip_prefix("blacklist"))
    {
        (true, r)
    } else if let Some(r) = d
        .strip_prefix("allowlist")
        .or_else(|| d.strip_prefix("whitelist"))
    {
        (false, r)
    } else {
        return Err(err(
            origin,
            2,
            format!("bad seccomp policy style \"{directive}\""),
        ));
    };
    let default_action = if rest.trim().is_empty() {
        if denylist {
            SeccompAction::Allow
        } else {
            SeccompAction::Kill
        }
    } else {
        parse_action(rest).map(|(a, _)| a).ok_or_else(|| {
            err(
                origin,
                2,
                format!("unrecognized action \"{}\"", rest.trim()),
            )
        })?
    };
    let rule_default = if denylist {
        SeccompAction::Kill
    } else {
        SeccompAction::Allow
    };
    let mut section = None;
    let mut rules = Vec::new();
    for (n, l) in lines {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let t = l.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let lower = name.to_ascii_lowercase();
            if !SECTIONS.contains(&lower.as_str()) {
                return Err(err(
                    origin,
                    n,
                    format!("unsupported architecture \"{name}\""),
                ));
            }
            section = Some(lower);
            continue;
        }
        let (name, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let rest = rest.trim_start();
        let (action, rest) = if rest.is_empty() || rest.starts_with('#') || rest.starts_with('[') {
            (rule_default, rest)
        } else {
            parse_action(rest)
                .ok_or_else(|| err(origin, n, format!("unrecognized action \"{rest}\"")))?
        };
        let rest = rest.split('#').next().unwrap_or("");
        let args = parse_args(rest, origin, n)?;
        rules.push(SeccompRule {
            syscall: name.to_string(),
            action,
            args,
            section: section.clone(),
            line: n,
        });
    }
    Ok(SeccompPolicy {
        version,
        default_action,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lxc_common_denylist() {
        let p = parse_seccomp_policy(
            "2\ndenylist\nreject_force_umount  # comment\n[all]\nkexec_load errno 1\nopen_by_handle_at errno 1\n",
            "common.seccomp",
        )
        .unwrap();
        assert_eq!(p.default_action, SeccompAction::Allow);
        assert_eq!(p.rules[0].syscall, "reject_force_umount");
        assert_eq!(p.rules[0].action, SeccompAction::Kill);
        assert_eq!(p.rules[1].action, SeccompAction::Errno(1));
        assert_eq!(p.rules[1].section.as_deref(), Some("all"));
    }

    #[test]
    fn allowlist_with_default_action_sections_and_args() {
        let p = parse_seccomp_policy(
            "2\nallowlist trap\n[x86_64]\nread\nioctl errno 1 [1,0x5401,SCMP_CMP_EQ]\n[X86]\numount2 errno 13 [1,2,&=,2]\n",
            "t",
        )
        .unwrap();
        assert_eq!(p.default_action, SeccompAction::Trap);
        assert_eq!(p.rules[0].action, SeccompAction::Allow);
        assert_eq!(
            p.rules[1].args,
            vec![ArgCmp {
                index: 1,
                value: 0x5401,
                op: ArgOp::Eq
            }]
        );
        assert_eq!(p.rules[2].section.as_deref(), Some("x86"));
        assert_eq!(p.rules[2].args[0].op, ArgOp::MaskedEq(2));
    }

    #[test]
    fn legacy_words_and_version_1() {
        assert!(parse_seccomp_policy("2\nblacklist\nmknod errno 0\n", "t").is_ok());
        let v1 = parse_seccomp_policy("1\nallowlist\n0\n1\n2\n", "t").unwrap();
        assert_eq!(v1.rules.len(), 3);
        assert_eq!(v1.default_action, SeccompAction::Kill);
    }

    #[test]
    fn log_and_notify_actions() {
        let p = parse_seccomp_policy("2\ndenylist\nmount log\nbpf notify\n", "t").unwrap();
        assert_eq!(p.rules[0].action, SeccompAction::Log);
        assert_eq!(p.rules[1].action, SeccompAction::Notify);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_seccomp_policy("2\ndenylist\nmknod errno 1\nbogus trace\n", "f.seccomp")
            .unwrap_err();
        assert!(e.to_string().starts_with("f.seccomp:4:"), "{e}");
        let e = parse_seccomp_policy("2\ndenylist\n[sparc]\n", "f").unwrap_err();
        assert!(
            e.to_string().contains("f:3") && e.to_string().contains("sparc"),
            "{e}"
        );
        assert!(parse_seccomp_policy("3\ndenylist\n", "f")
            .unwrap_err()
            .to_string()
            .contains("f:1"));
        assert!(parse_seccomp_policy("1\ndenylist\n0\n", "f").is_err());
        // The seed's example, in LXC 1.0's words.
        let seed = parse_seccomp_policy("1\nwhitelist\n103\n", "f").unwrap();
        assert_eq!(seed.rules[0].syscall, "103");
        assert!(parse_seccomp_policy("2\ndenylist\nioctl errno 1 [9,1,==]\n", "f").is_err());
    }
}
