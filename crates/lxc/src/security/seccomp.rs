//! Seccomp: an LXC policy file (`lxc.seccomp.profile`, versions 1 and 2) compiled with
//! libseccomp by the monitor, the BPF kept in a cache keyed by its content's hash so that a
//! start does not recompile, and installed by the container's first process just before its
//! start hooks.

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use lxc_config::seccomp::{ArgOp, SeccompAction, SeccompPolicy};
use sha2::{Digest, Sha256};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

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
        SeccompAction::Log => ScmpAction::Log,
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

/// A policy compiled to the kernel's BPF.
#[derive(Debug, Clone)]
pub struct SeccompFilter {
    /// `struct sock_filter` instructions, as libseccomp exports them.
    pub program: Vec<u8>,
    pub from_cache: bool,
    /// The policy has `notify` rules: the first process gets a listener for the monitor.
    pub wants_supervision: bool,
}

/// Install `filter` in this process. With `listener` (the container's first process) a
/// policy with `notify` rules hands back the listener its monitor answers.
pub fn install(
    filter: &SeccompFilter,
    allow_nesting: bool,
    listener: bool,
) -> Result<Option<std::os::fd::OwnedFd>, String> {
    if already_confined() && !allow_nesting {
        tracing::info!("already under seccomp; not stacking the container's policy (lxc.seccomp.allow_nesting = 0)");
        return Ok(None);
    }
    lxc_sys::seccomp::install_filter(&filter.program, listener && filter.wants_supervision)
        .map_err(|e| format!("seccomp: install the filter: {e}"))
}

/// Where compiled filters are kept: a root-only directory under /run (they depend on this
/// kernel and libseccomp, so they need not outlive a boot), or the caller's runtime directory.
fn cache_dir() -> Option<PathBuf> {
    if lxc_sys::geteuid() == 0 {
        return Some(PathBuf::from("/run/lxc-rs/seccomp"));
    }
    std::env::var_os("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("lxc-rs/seccomp"))
}

/// The hash naming a policy's compiled form: the policy as parsed, the architecture and
/// libseccomp's version.
fn cache_key(policy: &SeccompPolicy) -> String {
    let mut hash = Sha256::new();
    hash.update(format!(
        "lxc-rs seccomp 1\n{}\n{:?}\n{policy:?}",
        std::env::consts::ARCH,
        libseccomp::ScmpVersion::current().map(|v| (v.major, v.minor, v.micro)),
    ));
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The compiled filter of `policy`, from the cache when it has been compiled before.
pub fn compile_cached(policy: &SeccompPolicy) -> Result<SeccompFilter, String> {
    let wants_supervision = policy.default_action == SeccompAction::Notify
        || policy
            .rules
            .iter()
            .any(|r| r.action == SeccompAction::Notify);
    let dir = cache_dir();
    let key = cache_key(policy);
    if let Some(dir) = &dir {
        if let Ok(program) = std::fs::read(dir.join(format!("{key}.bpf"))) {
            if !program.is_empty() && program.len().is_multiple_of(8) {
                tracing::debug!(%key, "seccomp filter from the cache");
                return Ok(SeccompFilter {
                    program,
                    from_cache: true,
                    wants_supervision,
                });
            }
        }
    }
    let ctx = build(policy)?;
    let program = export(&ctx, dir.as_deref(), &key)?;
    tracing::debug!(%key, instructions = program.len() / 8, "seccomp filter compiled");
    Ok(SeccompFilter {
        program,
        from_cache: false,
        wants_supervision,
    })
}

/// Write the filter out (into the cache when there is one) and read it back.
fn export(ctx: &ScmpFilterContext, dir: Option<&Path>, key: &str) -> Result<Vec<u8>, String> {
    let cached = dir.filter(|d| {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(d)
            .is_ok()
    });
    let scratch = cached.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let tmp = scratch.join(format!(".{key}.{}", lxc_sys::getpid()));
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        ctx.export_bpf(&file)
            .map_err(|e| format!("seccomp: export the filter: {e}"))?;
        let program = std::fs::read(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        if let Some(d) = cached {
            // Readers see the whole file or none.
            std::fs::rename(&tmp, d.join(format!("{key}.bpf")))
                .map_err(|e| format!("{}: {e}", d.display()))?;
        }
        Ok(program)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The libseccomp filter of `policy`.
fn build(policy: &SeccompPolicy) -> Result<ScmpFilterContext, String> {
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
    Ok(ctx)
}
