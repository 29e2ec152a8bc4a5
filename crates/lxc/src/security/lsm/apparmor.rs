//! AppArmor: `lxc.apparmor.profile` (a profile name, `unconfined`, `unchanged` or
//! `generated`), the generated profile's text with `lxc.apparmor.raw` and
//! `lxc.apparmor.allow_nesting`, and loading it with `apparmor_parser`.

use super::{LsmPlan, Module};
use lxc_config::ContainerConfig;
use std::path::{Path, PathBuf};

pub fn enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|v| v.trim() == "Y")
        && Path::new("/sys/kernel/security/apparmor").exists()
}

/// LXC's name for a container's generated profile.
pub fn generated_name(name: &str, lxcpath: &str) -> String {
    format!("lxc-{name}_<{lxcpath}>")
}

pub fn prepare(name: &str, lxcpath: &str, config: &ContainerConfig) -> Result<LsmPlan, String> {
    let wanted = config
        .apparmor_profile
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("generated");
    let mut plan = LsmPlan {
        module: Some(Module::AppArmor),
        ..LsmPlan::default()
    };
    match wanted {
        "unchanged" => {}
        "unconfined" => {
            let own = super::current_label(lxc_sys::getpid()).unwrap_or_default();
            if own != "unconfined" {
                plan.exec_label = Some("unconfined".into());
            }
        }
        "generated" => {
            check_mount_mediation(config)?;
            let profile = generated_name(name, lxcpath);
            let text = profile_text(&profile, config);
            let dir = Path::new(lxcpath).join(name).join("apparmor");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let file = dir.join(format!("lxc-{name}"));
            std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
            parser(&["-r", "-K", "--quiet"], &file)?;
            tracing::info!(%profile, "generated AppArmor profile loaded");
            plan.exec_label = Some(profile);
            plan.generated = Some(file);
        }
        other => plan.exec_label = Some(other.to_string()),
    }
    Ok(plan)
}

/// Without mount mediation a profile cannot stop mounts; LXC refuses such a start unless
/// told otherwise.
fn check_mount_mediation(config: &ContainerConfig) -> Result<(), String> {
    let mediated = Path::new("/sys/kernel/security/apparmor/features/mount").exists();
    if mediated || config.apparmor_allow_incomplete {
        return Ok(());
    }
    Err(
        "the kernel's AppArmor cannot mediate mounts, so the profile would be incomplete; \
         set lxc.apparmor.allow_incomplete = 1 to start anyway"
            .into(),
    )
}

fn parser(args: &[&str], file: &Path) -> Result<(), String> {
    let out = std::process::Command::new("apparmor_parser")
        .args(args)
        .arg(file)
        .output()
        .map_err(|e| format!("apparmor_parser (Debian's apparmor package): {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "apparmor_parser {} {}: {}",
        args.join(" "),
        file.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

/// Unload a generated profile and remove its file.
pub fn unload(file: &PathBuf) {
    if let Err(e) = parser(&["-R"], file) {
        tracing::warn!("{e}");
    }
    let _ = std::fs::remove_file(file);
}

/// The generated profile: what a small machine does is allowed; what reaches into the host's
/// kernel (its global sysctls, firmware, debug and security filesystems, raw memory) is not.
pub fn profile_text(profile: &str, config: &ContainerConfig) -> String {
    let mut t = String::new();
    t.push_str("# Written by lxc-rs at each start of the container; edits are lost.\n");
    t.push_str(&format!(
        "profile \"{profile}\" flags=(attach_disconnected,mediate_deleted) {{\n"
    ));
    for rule in [
        "network,",
        "capability,",
        "file,",
        "umount,",
        "mount,",
        "pivot_root,",
        "ptrace,",
        "signal,",
        "unix,",
        "",
        "# filesystems that expose the host kernel",
        "deny mount fstype=debugfs,",
        "deny mount fstype=tracefs,",
        "deny mount fstype=securityfs,",
        "deny mount fstype=efivarfs,",
        "deny mount fstype=configfs,",
        "# host-wide kernel knobs and memory",
        "deny /proc/sysrq-trigger rwklx,",
        "deny /proc/kcore rwklx,",
        "deny /proc/kmem rwklx,",
        "deny /proc/mem rwklx,",
        "# (kernel sysctls but the namespaced domainname, hostname, msg*, sem* and shm*)",
        "deny /proc/sys/kernel/[^dhms]** wklx,",
        "deny /proc/sys/kernel/d[^o]** wklx,",
        "deny /proc/sys/kernel/h[^o]** wklx,",
        "deny /proc/sys/kernel/m[^s]** wklx,",
        "deny /proc/sys/kernel/s[^eh]** wklx,",
        "deny /proc/sys/fs/** wklx,",
        "deny /proc/sys/vm/** wklx,",
        "deny /proc/sys/dev/** wklx,",
        "deny /sys/firmware/** rwklx,",
        "deny /sys/kernel/security/** rwklx,",
        "deny /sys/kernel/debug/** rwklx,",
        "deny /dev/mem rwklx,",
        "deny /dev/kmem rwklx,",
        "deny /dev/port rwklx,",
    ] {
        if rule.is_empty() {
            t.push('\n');
        } else {
            t.push_str(&format!("  {rule}\n"));
        }
    }
    if config.apparmor_allow_nesting {
        t.push_str(
            "\n  # lxc.apparmor.allow_nesting: containers inside run under lxc-* profiles\n",
        );
        t.push_str("  change_profile -> lxc-*,\n");
    }
    if !config.apparmor_raw.is_empty() {
        t.push_str("\n  # lxc.apparmor.raw\n");
        for line in &config.apparmor_raw {
            t.push_str(&format!("  {line}\n"));
        }
    }
    t.push_str("}\n");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_profile_is_named_as_lxc_names_it_and_carries_raw_lines() {
        let mut c = ContainerConfig::new();
        c.parse_text(
            "lxc.apparmor.allow_nesting = 1\nlxc.apparmor.raw = deny /opt/** w,\n",
            "test",
        )
        .unwrap();
        let name = generated_name("c1", "/var/lib/lxc");
        assert_eq!(name, "lxc-c1_</var/lib/lxc>");
        let text = profile_text(&name, &c);
        assert!(text.contains("profile \"lxc-c1_</var/lib/lxc>\" flags=(attach_disconnected"));
        assert!(text.contains("  deny /proc/sysrq-trigger rwklx,\n"));
        assert!(text.contains("  change_profile -> lxc-*,\n"));
        assert!(text.trim_end().ends_with("  deny /opt/** w,\n}"));
        let plain = profile_text(&name, &ContainerConfig::new());
        assert!(!plain.contains("change_profile") && !plain.contains("lxc.apparmor.raw"));
    }
}
