//! LXC configuration: the key registry (current and legacy names), the parser and saver of
//! container configs, the global configuration and default paths. Pure: no syscalls beyond
//! reading files and directories.

// Tests may unwrap; library code may not (workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod edit;
pub mod error;
pub mod global;
pub mod hwaddr;
pub mod idmap;
pub mod image_index;
mod legacy;
pub mod model;
pub mod parse;
pub mod paths;
pub mod registry;
pub mod seccomp;
pub mod signal;
pub mod usernet;
pub mod values;

pub use error::ConfigError;
pub use global::{GlobalConfig, ALL_GLOBAL_KEYS, GLOBAL_KEYS};
pub use legacy::update_legacy_text;
pub use model::{
    CgroupMount, CgroupMountMode, ConfigLine, ContainerConfig, HookType, IdMap, IdMapKind,
    MountAuto, Network, ProcMount, SysMount,
};
pub use parse::MAX_INCLUDE_DEPTH;
pub use paths::Paths;
pub use registry::net::{NetKeySpec, NET_SUBKEYS, NET_TYPES};
pub use registry::{canonical_key, is_supported_key, registry, KeySpec};
pub use signal::{parse_signal, signal_name};

/// Storage types an `lxc.rootfs.path` value may name before a colon.
pub const ROOTFS_TYPES: &[&str] = &[
    "dir",
    "btrfs",
    "zfs",
    "lvm",
    "loop",
    "nbd",
    "overlay",
    "overlayfs",
    "aufs",
    "rbd",
];

/// Split `[<type>:]<path>` into the storage type (default `dir`) and the rest.
pub fn split_rootfs_path(value: &str) -> (&str, &str) {
    for kind in ROOTFS_TYPES {
        if let Some(rest) = value.strip_prefix(kind).and_then(|r| r.strip_prefix(':')) {
            return (kind, rest);
        }
    }
    ("dir", value)
}
