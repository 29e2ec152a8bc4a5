//! Hooks: `lxc.hook.*` commands run through `/bin/sh -c "exec ..."` with LXC's arguments and
//! `LXC_*` environment (version 0: name, section and type as arguments; version 1: as env).

use crate::container::Container;
use crate::error::{Error, Result};
use crate::runner::Capture;
use lxc_config::{ContainerConfig, HookType};
use std::process::Command;

/// What every start-phase hook sees.
#[derive(Debug, Clone)]
pub struct HookEnv {
    pub name: String,
    /// Ordered `(variable, value)`; set in this order so `env` shows them as LXC 1.0 did.
    pub vars: Vec<(String, String)>,
}

impl HookEnv {
    pub fn new(name: &str) -> HookEnv {
        HookEnv {
            name: name.to_string(),
            vars: Vec::new(),
        }
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.vars.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((key.to_string(), value)),
        }
    }
}

/// Run every hook of one type, in configuration order; the first failure stops the phase.
pub fn run_hooks(
    config: &ContainerConfig,
    env: &HookEnv,
    hook: HookType,
    extra_args: &[String],
    extra_env: &[(String, String)],
) -> Result<()> {
    let Some(commands) = config.hooks.get(&hook) else {
        return Ok(());
    };
    for command in commands {
        run_one(
            config,
            env,
            ("lxc", hook.name()),
            command,
            extra_args,
            extra_env,
        )?;
    }
    Ok(())
}

/// A NIC's `script.up` / `script.down` (section `net`): version 0 gets `<name> net up|down`
/// and `nic_args` (e.g. `veth <link> <host end>`), version 1 the same in `LXC_NET_*`.
pub fn run_net_script(
    config: &ContainerConfig,
    env: &HookEnv,
    up: bool,
    command: &str,
    nic_args: &[String],
    nic_env: &[(String, String)],
) -> Result<()> {
    let kind = if up { "up" } else { "down" };
    let args: &[String] = if config.hook_version == 0 {
        nic_args
    } else {
        &[]
    };
    run_one(config, env, ("net", kind), command, args, nic_env)
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Run one hook command; `(section, kind)` as LXC names them (`lxc`/`start`, `net`/`up`).
fn run_one(
    config: &ContainerConfig,
    env: &HookEnv,
    (section, kind): (&str, &str),
    command: &str,
    extra_args: &[String],
    extra_env: &[(String, String)],
) -> Result<()> {
    let mut line = format!("exec {command}");
    let mut cmd = Command::new("/bin/sh");
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    if config.hook_version == 0 {
        for a in [env.name.as_str(), section, kind] {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
    } else {
        cmd.env("LXC_HOOK_TYPE", kind)
            .env("LXC_HOOK_SECTION", section);
    }
    for a in extra_args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.arg("-c").arg(&line);
    let out = crate::runner::run(&mut cmd, Capture::Stdout).map_err(|e| Error::Hook {
        name: env.name.clone(),
        hook: command.to_string(),
        message: e.to_string(),
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    for l in stdout.lines().take(100) {
        tracing::debug!(hook = kind, "hook output: {l}");
    }
    if !out.status.success() {
        return Err(Error::Hook {
            name: env.name.clone(),
            hook: command.to_string(),
            message: format!("{kind} hook exited with {}", out.status),
        });
    }
    Ok(())
}

/// `destroy` hooks run in the caller, before storage is removed.
pub fn run_destroy_hooks(c: &Container) -> Result<()> {
    let config = c.config();
    if config
        .hooks
        .get(&HookType::Destroy)
        .is_none_or(|h| h.is_empty())
    {
        return Ok(());
    }
    let mut env = HookEnv::new(c.name());
    env.set("LXC_NAME", c.name());
    env.set(
        "LXC_CONFIG_FILE",
        c.config_file_name().display().to_string(),
    );
    if let Some(rootfs) = &config.rootfs_path {
        env.set("LXC_ROOTFS_PATH", crate::storage::parse_rootfs(rootfs).1);
    }
    run_hooks(config, &env, HookType::Destroy, &[], &[])
}
