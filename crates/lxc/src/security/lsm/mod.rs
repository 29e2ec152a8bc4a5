//! Linux security modules: the AppArmor profile (`lxc.apparmor.*`) or SELinux context
//! (`lxc.selinux.*`) a container's processes run under. The monitor resolves it (and loads a
//! generated profile) before the start; the container's first process and attached ones
//! write their label through a private procfs of their own, never through the container's
//! /proc. Where the host has neither module, the keys are logged and the start goes on, as
//! in LXC.

mod apparmor;

use lxc_config::ContainerConfig;
use std::os::fd::{AsFd, OwnedFd};

/// The security module that labels processes on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    AppArmor,
    SELinux,
}

/// The active module, if any.
pub fn active() -> Option<Module> {
    if apparmor::enabled() {
        Some(Module::AppArmor)
    } else if std::path::Path::new("/sys/fs/selinux/enforce").exists() {
        Some(Module::SELinux)
    } else {
        None
    }
}

/// What labels a container's processes, decided before the start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LsmPlan {
    pub module: Option<Module>,
    /// Written to `attr/exec` right before init (or an attached command) is executed.
    pub exec_label: Option<String>,
    /// Written to `attr/keycreate` before the session keyring is made (SELinux).
    pub keyring_label: Option<String>,
    /// A generated AppArmor profile this start loaded (unloaded at stop).
    pub generated: Option<std::path::PathBuf>,
}

/// Decide (and for AppArmor's `generated`, write and load) the container's label.
pub fn prepare(name: &str, lxcpath: &str, config: &ContainerConfig) -> Result<LsmPlan, String> {
    match active() {
        Some(Module::AppArmor) => apparmor::prepare(name, lxcpath, config),
        Some(Module::SELinux) => Ok(LsmPlan {
            module: Some(Module::SELinux),
            exec_label: config.selinux_context.clone().filter(|c| !c.is_empty()),
            keyring_label: config
                .selinux_context_keyring
                .clone()
                .or_else(|| config.selinux_context.clone())
                .filter(|c| !c.is_empty()),
            generated: None,
        }),
        None => {
            if config.apparmor_profile.is_some() || config.selinux_context.is_some() {
                tracing::info!(
                    "no AppArmor or SELinux on this host: the container runs unlabelled"
                );
            }
            Ok(LsmPlan::default())
        }
    }
}

/// Undo what `prepare` loaded (a generated profile), once the container is gone.
pub fn release(plan: &LsmPlan) {
    if let Some(file) = &plan.generated {
        apparmor::unload(file);
    }
}

/// A private procfs instance, made by the process that labels itself: the container cannot
/// have put anything in its place (CVE-2015-1334).
pub struct LabelWriter {
    proc_root: OwnedFd,
}

impl LabelWriter {
    pub fn open() -> Result<LabelWriter, String> {
        let proc_root = lxc_sys::newmount::fs_mount("proc", Some("proc"), &[], 0)
            .map_err(|e| format!("a private procfs for the security label: {e}"))?;
        Ok(LabelWriter { proc_root })
    }

    /// Write `value` into this process's `attr/<file>` (AppArmor's own directory first).
    fn write(&self, module: Module, file: &str, value: &str) -> Result<(), String> {
        let pid = lxc_sys::getpid();
        let mut candidates = Vec::new();
        if module == Module::AppArmor {
            candidates.push(format!("{pid}/attr/apparmor/{file}"));
        }
        candidates.push(format!("{pid}/attr/{file}"));
        let mut last = String::new();
        for path in candidates {
            match lxc_sys::mount::open_in_root(self.proc_root.as_fd(), &path, libc::O_WRONLY, 0) {
                Ok(fd) => {
                    return lxc_sys::fs::write_all(fd.as_fd(), value.as_bytes())
                        .map_err(|e| format!("set the security label ({path} = {value}): {e}"));
                }
                Err(e) => last = format!("{path}: {e}"),
            }
        }
        Err(format!("set the security label: {last}"))
    }

    /// Label the next program this process executes.
    pub fn set_exec(&self, plan: &LsmPlan) -> Result<(), String> {
        let (Some(module), Some(label)) = (plan.module, &plan.exec_label) else {
            return Ok(());
        };
        let value = match module {
            Module::AppArmor => format!("exec {label}"),
            Module::SELinux => label.clone(),
        };
        self.write(module, "exec", &value)
    }

    /// Label the keyrings this process creates from now on.
    pub fn set_keycreate(&self, plan: &LsmPlan) -> Result<(), String> {
        match (plan.module, &plan.keyring_label) {
            (Some(Module::SELinux), Some(label)) => self.write(Module::SELinux, "keycreate", label),
            _ => Ok(()),
        }
    }
}

/// The label a running process has (`attr/current`), read on the host.
pub fn current_label(pid: i32) -> Option<String> {
    let read = |p: String| std::fs::read_to_string(p).ok();
    read(format!("/proc/{pid}/attr/apparmor/current"))
        .or_else(|| read(format!("/proc/{pid}/attr/current")))
        .map(|l| l.trim_end_matches(['\n', '\0']).to_string())
}

/// The label an attached program gets: that of the container's init, read on the host. None
/// without a security module, or when init is unconfined.
pub fn attach_label(init_pid: i32) -> Option<LsmPlan> {
    let module = active()?;
    let current = current_label(init_pid)?;
    let label = match module {
        // "name (enforce)" or "name (complain)"
        Module::AppArmor => current
            .rsplit_once(" (")
            .map_or(current.as_str(), |(name, _)| name)
            .to_string(),
        Module::SELinux => current,
    };
    if label.is_empty() || label == "unconfined" {
        return None;
    }
    Some(LsmPlan {
        module: Some(module),
        exec_label: Some(label),
        ..LsmPlan::default()
    })
}
