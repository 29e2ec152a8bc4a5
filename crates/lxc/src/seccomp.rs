//! Seccomp: an LXC policy file (`lxc.seccomp.profile`, versions 1 and 2) compiled with
//! libseccomp and loaded by the container's first process just before its start hooks.

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use lxc_config::seccomp::{ArgOp, SeccompAction, SeccompPolicy};

/// Read and check a policy file (errors name the file and line).
pub fn read_policy(path: &str) -> crate::Result<SeccompPolicy> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io_err(path))?;
    Ok(lxc_config::seccomp::parse_seccomp_policy(&text, path)?)
}

fn action(a: SeccompAction) -> ScmpAction {
    match a {
        SeccompAction::Kill => ScmpAction::KillThread,
        SeccompAction::Errno(n) => ScmpAction::Errno(n),
        SeccompAction::Allow => ScmpAction::Allow,
        SeccompAction::Trap => ScmpAction::Trap,
        SeccompAction::Notify => ScmpAction::Notify,
    }
}

/// Sections that apply on this host: rules outside any section, `[all]`, and the native and
/// compat architectures (LXC adds such rules to every one of them).
fn section_applies(section: Option<&str>) -> bool {
    let host: &[&str] = if cfg!(target_arch = "x86_64") {
        &["x86_64", "x86", "x32"]
    } else if cfg!(target_arch = "aarch64") {
        &["arm64", "arm"]
    } else {
        &[]
    };
    section.is_none_or(|s| s == "all" || host.contains(&s))
}

fn already_confined() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Seccomp:").map(|v| v.trim() != "0"))
        })
        .unwrap_or(false)
}

/// Compile and load `policy` into this process (the container's first process).
pub fn load(policy: &SeccompPolicy, allow_nesting: bool) -> Result<(), String> {
    if already_confined() && !allow_nesting {
        tracing::info!("already under seccomp; not stacking the container's policy (lxc.seccomp.allow_nesting = 0)");
        return Ok(());
    }
    let fail = |what: &str, e: libseccomp::error::SeccompError| format!("seccomp: {what}: {e}");
    let default = action(policy.default_action);
    let mut ctx = ScmpFilterContext::new(default).map_err(|e| fail("new filter", e))?;
    // LXC does not let the filter imply no_new_privs.
    ctx.set_ctl_nnp(false)
        .map_err(|e| fail("no_new_privs attribute", e))?;
    if cfg!(target_arch = "x86_64") {
        for arch in [ScmpArch::X86, ScmpArch::X32] {
            ctx.add_arch(arch).map_err(|e| fail("add compat arch", e))?;
        }
    }
    for rule in policy
        .rules
        .iter()
        .filter(|r| section_applies(r.section.as_deref()))
    {
        let act = action(rule.action);
        if act == default {
            continue;
        }
        let (name, args) = if rule.syscall == "reject_force_umount" {
            // umount2(..., flags & MNT_FORCE) is refused with EACCES.
            let force = libc::MNT_FORCE as u64;
            (
                "umount2",
                vec![ScmpArgCompare::new(
                    1,
                    ScmpCompareOp::MaskedEqual(force),
                    force,
                )],
            )
        } else {
            let args = rule
                .args
                .iter()
                .map(|a| {
                    let op = match a.op {
                        ArgOp::Ne => ScmpCompareOp::NotEqual,
                        ArgOp::Lt => ScmpCompareOp::Less,
                        ArgOp::Le => ScmpCompareOp::LessOrEqual,
                        ArgOp::Eq => ScmpCompareOp::Equal,
                        ArgOp::Ge => ScmpCompareOp::GreaterEqual,
                        ArgOp::Gt => ScmpCompareOp::Greater,
                        ArgOp::MaskedEq(mask) => ScmpCompareOp::MaskedEqual(mask),
                    };
                    ScmpArgCompare::new(a.index, op, a.value)
                })
                .collect();
            (rule.syscall.as_str(), args)
        };
        let act = if rule.syscall == "reject_force_umount" {
            ScmpAction::Errno(libc::EACCES)
        } else {
            act
        };
        let syscall = match name.parse::<i32>() {
            Ok(n) => ScmpSyscall::from(n),
            Err(_) => match ScmpSyscall::from_name(name) {
                Ok(s) => s,
                Err(_) => {
                    tracing::info!(
                        "seccomp: no syscall \"{name}\" on this host (line {}), skipped",
                        rule.line
                    );
                    continue;
                }
            },
        };
        let added = if args.is_empty() {
            ctx.add_rule(act, syscall)
        } else {
            ctx.add_rule_conditional(act, syscall, &args)
        };
        added.map_err(|e| fail(&format!("rule for {name} (line {})", rule.line), e))?;
    }
    ctx.load().map_err(|e| fail("load", e))
}
