//! `Container`: the public object, mirroring LXC's `struct lxc_container`.

use crate::commands::{self, Cmd};
use crate::error::{io_err, Error, Result};
use crate::lock;
use crate::state::State;
use lxc_config::{ContainerConfig, GlobalConfig, Paths};
use lxc_sys::fs::LockKind;
use std::path::{Path, PathBuf};

/// A container, by name, in an lxcpath. Cheap to make: nothing is started or locked until a
/// method needs it.
#[derive(Debug)]
pub struct Container {
    name: String,
    lxcpath: String,
    paths: Paths,
    /// The file the configuration was (or will be) loaded from: `<lxcpath>/<name>/config`
    /// unless a tool gave `--rcfile`.
    config_file: PathBuf,
    config: ContainerConfig,
    /// Whether a configuration file was read (LXC tools test `c->lxc_conf` for this).
    config_loaded: bool,
    /// Start in the background (LXC's default for the API).
    pub daemonize: bool,
    /// Where a started monitor writes its pid.
    pub pidfile: Option<PathBuf>,
    /// Close inherited fds when starting (implied by daemonize).
    pub close_all_fds: bool,
    /// Wait status of init after a foreground start (LXC's `error_num`).
    pub error_num: i32,
}

/// Reject names that would escape the lxcpath or break the socket and lock names.
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(Error::InvalidName(name.to_string()));
    }
    Ok(())
}

impl Container {
    /// Like `lxc_container_new(name, lxcpath)`. `lxcpath` None: the configured default.
    /// A leftover of a crashed create is removed here, as LXC does.
    pub fn new(name: &str, lxcpath: Option<&str>) -> Result<Container> {
        let paths = Paths::detect();
        Container::with_paths(name, lxcpath, paths)
    }

    /// Like `new`, with explicit default locations (tests point these at a temp dir).
    pub fn with_paths(name: &str, lxcpath: Option<&str>, paths: Paths) -> Result<Container> {
        validate_name(name)?;
        let lxcpath = match lxcpath {
            Some(p) => p.trim_end_matches('/').to_string(),
            None => default_lxcpath(&paths)?,
        };
        let lxcpath = if lxcpath.is_empty() {
            "/".to_string()
        } else {
            lxcpath
        };
        let config_file = Path::new(&lxcpath).join(name).join("config");
        let mut c = Container {
            name: name.to_string(),
            lxcpath,
            paths,
            config_file,
            config: ContainerConfig::default(),
            config_loaded: false,
            daemonize: true,
            pidfile: None,
            close_all_fds: false,
            error_num: 0,
        };
        c.cleanup_partial()?;
        if c.config_file.exists() {
            c.load_config(None)?;
        }
        Ok(c)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lxcpath (`c->config_path`).
    pub fn config_path(&self) -> &str {
        &self.lxcpath
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// `<lxcpath>/<name>`.
    pub fn dir(&self) -> PathBuf {
        Path::new(&self.lxcpath).join(&self.name)
    }

    pub fn config_file_name(&self) -> &Path {
        &self.config_file
    }

    pub fn config(&self) -> &ContainerConfig {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut ContainerConfig {
        &mut self.config
    }

    pub fn config_loaded(&self) -> bool {
        self.config_loaded
    }

    /// Use another configuration file (`--rcfile`): it becomes this container's config file.
    pub fn set_rcfile(&mut self, path: &Path) -> Result<()> {
        self.config_file = path.to_path_buf();
        self.load_config(None)
    }

    pub fn is_defined(&self) -> bool {
        self.dir().join("config").exists()
    }

    pub fn state(&self) -> Result<State> {
        commands::get_state(&self.lxcpath, &self.name)
    }

    pub fn is_running(&self) -> bool {
        !matches!(self.state(), Ok(State::Stopped) | Err(_))
    }

    /// For operations that replace or remove the container: refuse unless its monitor is
    /// known to be gone (a monitor that does not answer is not proof that it stopped).
    /// Call with the container's lock held, so that no start slips in after the check.
    pub(crate) fn ensure_stopped(&self) -> Result<()> {
        match self.state()? {
            State::Stopped => Ok(()),
            _ => Err(Error::AlreadyRunning(self.name.clone())),
        }
    }

    /// Init's pid in the host's pid namespace, if running.
    pub fn init_pid(&self) -> Result<Option<i32>> {
        commands::get_init_pid(&self.lxcpath, &self.name)
    }

    /// `seccomp_notify_fd_active`: the listener of the running container's seccomp `notify`
    /// rules (None when it is not running or has none).
    pub fn seccomp_notify_fd(&self) -> Result<Option<std::os::fd::OwnedFd>> {
        crate::commands::get_seccomp_notify_fd(self.config_path(), self.name())
    }

    pub fn init_pidfd(&self) -> Result<Option<std::os::fd::OwnedFd>> {
        commands::get_init_pidfd(&self.lxcpath, &self.name)
    }

    /// `devpts_fd`: the running container's devpts (open `ptmx` in it for a pty of the
    /// container's own).
    pub fn devpts_fd(&self) -> Result<Option<std::os::fd::OwnedFd>> {
        commands::get_devpts_fd(&self.lxcpath, &self.name)
    }

    /// Replace the in-memory configuration with the contents of `alt` (or the config file).
    pub fn load_config(&mut self, alt: Option<&Path>) -> Result<()> {
        let path = alt.unwrap_or(&self.config_file).to_path_buf();
        self.config = ContainerConfig::load(&path)?;
        self.config_loaded = true;
        Ok(())
    }

    /// Write the configuration (user's lines kept) to `alt` or the config file.
    pub fn save_config(&self, alt: Option<&Path>) -> Result<()> {
        let path = alt.unwrap_or(&self.config_file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let tmp = path.with_extension("lxc-rs-tmp");
        std::fs::write(&tmp, self.config.to_text()).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io_err(path))?;
        Ok(())
    }

    pub fn set_config_item(&mut self, key: &str, value: &str) -> Result<()> {
        self.config.set_item(key, value)?;
        self.config_loaded = true;
        Ok(())
    }

    pub fn get_config_item(&self, key: &str) -> Result<String> {
        Ok(self.config.get_item(key)?)
    }

    pub fn clear_config_item(&mut self, key: &str) -> Result<()> {
        Ok(self.config.clear_item(key)?)
    }

    pub fn get_keys(&self, prefix: Option<&str>) -> Vec<String> {
        self.config.keys(prefix)
    }

    /// A config item as the running container's monitor has it.
    pub fn get_running_config_item(&self, key: &str) -> Result<Option<String>> {
        commands::get_string(&self.lxcpath, &self.name, Cmd::GetConfigItem, key)
    }

    /// Drop the in-memory configuration.
    pub fn clear_config(&mut self) {
        self.config = ContainerConfig::default();
        self.config_loaded = false;
    }

    /// Wait for one of the `|`-separated states, up to `timeout` seconds (< 0: forever).
    pub fn wait(&self, states: &str, timeout: i64) -> Result<bool> {
        let wanted = parse_states(states)?;
        commands::wait_for_states(&self.lxcpath, &self.name, &wanted, timeout)
    }

    /// Serialize operations on this container across processes.
    pub fn lock(&self) -> Result<lock::ContainerLock> {
        lock::lock(
            &self.paths.runtime_dir,
            &self.lxcpath,
            &self.name,
            LockKind::Exclusive,
        )
    }

    /// Destroy a stopped container: its storage and its directory.
    pub fn destroy(&mut self) -> Result<()> {
        let _guard = self.lock()?;
        if !self.is_defined() {
            return Err(Error::NotDefined(self.name.clone()));
        }
        self.ensure_stopped()?;
        let refuse = |message: String| Error::Command {
            name: self.name.clone(),
            message,
        };
        if !self.snapshot_list()?.is_empty() {
            return Err(refuse(
                "has snapshots; destroy them first (lxc-destroy -s)".into(),
            ));
        }
        let dependents = crate::clone::dependents(self);
        if !dependents.is_empty() {
            return Err(refuse(format!(
                "snapshot clones use its rootfs: {}; destroy them first",
                dependents.join(", ")
            )));
        }
        crate::hooks::run_destroy_hooks(self)?;
        crate::storage::destroy_rootfs(self)?;
        crate::clone::forget_origin(self);
        let dir = self.dir();
        crate::storage::remove_tree_for(&dir, &self.config().id_maps())?;
        self.clear_config();
        Ok(())
    }

    /// A `partial` marker whose lock nobody holds is a create that died: remove it all.
    fn cleanup_partial(&self) -> Result<()> {
        let partial = self.dir().join("partial");
        if !partial.exists() {
            return Ok(());
        }
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&partial)
        else {
            return Ok(());
        };
        use std::os::fd::AsFd;
        if lxc_sys::fs::ofd_lock(file.as_fd(), LockKind::Exclusive, false).unwrap_or(false) {
            tracing::warn!(container = %self.name, "removing the leftovers of an interrupted create");
            let dir = self.dir();
            let maps = self.config().id_maps();
            crate::storage::destroy_rootfs_dir(&dir.join("rootfs"), &maps);
            crate::storage::remove_tree_for(&dir, &maps)?;
        }
        Ok(())
    }
}

/// `STATE|STATE` as lxc-wait and `wait()` take them.
pub fn parse_states(states: &str) -> Result<Vec<State>> {
    states
        .split('|')
        .map(|s| {
            State::from_name(s.trim())
                .ok_or_else(|| Error::InvalidArgument(format!("invalid state \"{s}\"")))
        })
        .collect()
}

/// The lxcpath from the global configuration (`lxc.lxcpath`), or the built-in default.
pub fn default_lxcpath(paths: &Paths) -> Result<String> {
    let global = GlobalConfig::load(paths)?;
    Ok(global
        .get("lxc.lxcpath")
        .unwrap_or_else(|| paths.lxcpath.display().to_string())
        .trim_end_matches('/')
        .to_string())
}

/// Names of containers defined in `lxcpath` (a directory with a `config` file), sorted.
pub fn list_defined_containers(lxcpath: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(lxcpath) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("config").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Names of containers with a live monitor in `lxcpath`, found as LXC does: by scanning
/// /proc/net/unix for abstract sockets named `@<lxcpath>/<name>/command`.
pub fn list_active_containers(lxcpath: &str) -> Vec<String> {
    let prefix = format!("@{}/", lxcpath.trim_end_matches('/'));
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    let mut names: Vec<String> = table
        .lines()
        .filter_map(|line| line.split_whitespace().nth(7))
        .filter_map(|path| path.strip_prefix(&prefix)?.strip_suffix("/command"))
        .filter(|n| !n.contains('/'))
        .map(str::to_string)
        .collect();
    // Hashed socket names (very long lxcpaths) are not listed in /proc by name; ask the
    // defined containers directly.
    for name in list_defined_containers(lxcpath) {
        if !names.contains(&name)
            && commands::socket_name(lxcpath, &name).starts_with(b"lxc/")
            && commands::connect(lxcpath, &name).ok().flatten().is_some()
        {
            names.push(name);
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Defined and active containers together.
pub fn list_all_containers(lxcpath: &str) -> Vec<String> {
    let mut all = list_defined_containers(lxcpath);
    all.extend(list_active_containers(lxcpath));
    all.sort();
    all.dedup();
    all
}
