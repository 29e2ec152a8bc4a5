//! Device nodes handed to a running container or taken back (`add_device_node`,
//! `remove_device_node`, `lxc-device add /dev/...`). The node is made in the container's
//! filesystem, every path resolved inside its root; the device is allowed (or denied) in
//! its cgroup: v1's `devices.allow`/`devices.deny`, or a rule of the cgroup2 device program
//! the monitor keeps.

use crate::commands::{self, Cmd};
use crate::container::Container;
use crate::error::{sys_err, Error, Result};
use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// A host device node: its type and permission bits, and its device number.
#[derive(Debug, Clone, Copy)]
struct Node {
    mode: u32,
    rdev: u64,
}

impl Node {
    fn of(src: &str) -> Result<Node> {
        let meta = std::fs::metadata(src).map_err(crate::error::io_err(src))?;
        let kind = meta.file_type();
        if !kind.is_char_device() && !kind.is_block_device() {
            return Err(Error::InvalidArgument(format!("{src}: not a device node")));
        }
        Ok(Node {
            mode: meta.mode(),
            rdev: meta.rdev(),
        })
    }

    /// The rule for it in v1's syntax: `c 1:3 rwm`.
    fn rule(&self) -> String {
        let kind = if self.mode & libc::S_IFMT == libc::S_IFBLK {
            'b'
        } else {
            'c'
        };
        let (major, minor) = (libc::major(self.rdev), libc::minor(self.rdev));
        format!("{kind} {major}:{minor} rwm")
    }
}

/// `dest` (default: `src`) as an absolute path split into its directory and its name.
fn split_dest<'a>(src: &'a str, dest: Option<&'a str>) -> Result<(&'a str, &'a str)> {
    let dest = dest.unwrap_or(src);
    let bad = || Error::InvalidArgument(format!("\"{dest}\": not an absolute path to a file"));
    if !dest.starts_with('/') {
        return Err(bad());
    }
    let (dir, name) = dest
        .trim_end_matches('/')
        .rsplit_once('/')
        .ok_or_else(bad)?;
    if name.is_empty() || name == "." || name == ".." {
        return Err(bad());
    }
    Ok((if dir.is_empty() { "/" } else { dir }, name))
}

impl Container {
    /// Make the host's device node `src` at `dest` (default: the same path) in the running
    /// container and let it use the device.
    pub fn add_device_node(&self, src: &str, dest: Option<&str>) -> Result<()> {
        let node = Node::of(src)?;
        let (dir, name) = split_dest(src, dest)?;
        let root = self.running_root()?;
        // Checked before anything changes: a refused add changes nothing.
        if let Ok(dirfd) = lxc_sys::mount::open_in_root(root.as_fd(), dir, libc::O_PATH, 0) {
            if lxc_sys::tree::stat_at(dirfd.as_fd(), OsStr::new(name)).is_ok() {
                return Err(self.device_err(format!("{dir}/{name} exists in the container")));
            }
        }
        let dirfd = lxc_sys::mount::mkdir_all_in_root(root.as_fd(), dir, 0o755)
            .map_err(|e| self.device_err(format!("mkdir {dir} in the container: {e}")))?;
        lxc_sys::tree::mknod_at(dirfd.as_fd(), OsStr::new(name), node.mode, node.rdev)
            .map_err(|e| self.device_err(format!("mknod {dir}/{name}: {e}")))?;
        // The node first, the permission last: a failed add grants nothing.
        if let Err(e) = self.device_rule(true, &node.rule()) {
            let _ = lxc_sys::tree::remove_at(dirfd.as_fd(), OsStr::new(name), false);
            return Err(e);
        }
        tracing::info!(container = %self.name(), "device node {src} added as {dir}/{name}");
        Ok(())
    }

    /// Deny the running container the device `src` is and remove its node at `dest`
    /// (default: `src`). The deny comes first and always: whatever the container did to
    /// the node, the device is taken back. A missing node is fine; anything at `dest` that
    /// is not that device's node is left alone, and said so.
    pub fn remove_device_node(&self, src: &str, dest: Option<&str>) -> Result<()> {
        let node = Node::of(src)?;
        let (dir, name) = split_dest(src, dest)?;
        let root = self.running_root()?;
        self.device_rule(false, &node.rule())?;
        tracing::info!(container = %self.name(), "device {src} denied");
        let Ok(dirfd) = lxc_sys::mount::open_in_root(root.as_fd(), dir, libc::O_PATH, 0) else {
            return Ok(());
        };
        let found = match lxc_sys::tree::stat_at(dirfd.as_fd(), OsStr::new(name)) {
            Ok(found) => found,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
            Err(e) => return Err(self.device_err(format!("{dir}/{name}: {e}"))),
        };
        let same_device = found.kind() == node.mode & libc::S_IFMT && found.rdev == node.rdev;
        if !same_device {
            return Err(self.device_err(format!(
                "{src} is denied, but {dir}/{name} is not its device node: left alone"
            )));
        }
        match lxc_sys::tree::remove_at(dirfd.as_fd(), OsStr::new(name), false) {
            Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
                Err(self.device_err(format!("remove {dir}/{name}: {e}")))
            }
            _ => Ok(()),
        }
    }

    fn device_err(&self, message: String) -> Error {
        Error::Command {
            name: self.name().to_string(),
            message,
        }
    }

    /// The running container's root directory, as its init sees it (its mounts included).
    fn running_root(&self) -> Result<OwnedFd> {
        let not_running = || Error::NotRunning(self.name().to_string());
        let pidfd =
            commands::get_init_pidfd(self.config_path(), self.name())?.ok_or_else(not_running)?;
        let pid = crate::attach::gather::pid_of(pidfd.as_fd(), false).map_err(|_| not_running())?;
        let root = lxc_sys::fs::open_dir_path(std::path::Path::new(&format!("/proc/{pid}/root")))
            .map_err(sys_err(format!("open the root of {}", self.name())))?;
        // Still the same init once the root is open: its pid was not reused meanwhile.
        lxc_sys::process::pidfd_send_signal(pidfd.as_fd(), 0).map_err(|_| not_running())?;
        Ok(root)
    }

    /// Allow or deny a device: in the v1 devices hierarchy when there is one, else through
    /// the monitor's cgroup2 device program.
    fn device_rule(&self, allow: bool, rule: &str) -> Result<()> {
        let dir = crate::cgroup::running_dir_for(self.config_path(), self.name(), "devices")?
            .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        if dir.has("devices") {
            let file = dir.dir.join(if allow {
                "devices.allow"
            } else {
                "devices.deny"
            });
            return std::fs::write(&file, rule).map_err(crate::error::io_err(&file));
        }
        let verb = if allow { "allow" } else { "deny" };
        let resp = commands::call(
            self.config_path(),
            self.name(),
            Cmd::DeviceRule,
            0,
            format!("{verb} {rule}\0").as_bytes(),
        )?
        .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        match resp.ret {
            0 => Ok(()),
            ret if ret == -libc::ENOSYS => Err(self.device_err(
                "its monitor cannot change the cgroup2 device program (not an lxc-rs monitor)"
                    .into(),
            )),
            _ => Err(self.device_err(resp.text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_absolute_file_paths() {
        assert_eq!(split_dest("/dev/loop0", None).ok(), Some(("/dev", "loop0")));
        assert_eq!(
            split_dest("/dev/x", Some("/dev/sub/y")).ok(),
            Some(("/dev/sub", "y"))
        );
        assert_eq!(split_dest("/dev/x", Some("/y")).ok(), Some(("/", "y")));
        for bad in ["dev/x", "/", "/dev/..", "/dev/."] {
            assert!(split_dest("/dev/x", Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn rules_in_v1_syntax() {
        let null = Node::of("/dev/null").unwrap_or(Node { mode: 0, rdev: 0 });
        assert_eq!(null.rule(), "c 1:3 rwm");
        assert!(Node::of("/etc/hostname").is_err());
    }
}
