//! lxc-rs: Linux system containers. `Container` mirrors LXC's `struct lxc_container`;
//! the `lxc-*` tools, the Python module and the C library are thin faces over it.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

/// Static musl builds of the tools and the helper (scripts/build-musl.sh): see Cargo.toml.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

pub mod attach;
pub mod cgroup;
pub mod clone;
pub mod commands;
pub mod console;
pub mod container;
pub mod control;
pub mod create;
pub mod devnode;
pub mod error;
pub mod events;
pub mod hooks;
pub mod lock;
pub mod log;
pub mod net;
pub mod netinfo;
pub mod process_mode;
pub mod rename;
pub mod runner;
pub mod security;
pub mod snapshot;
pub mod start;
pub mod state;
pub mod stop;
pub mod storage;
pub mod templates;
pub mod unshare;
pub mod userns;

pub use attach::{AttachOptions, EnvPolicy};
pub use container::{
    default_lxcpath, list_active_containers, list_all_containers, list_defined_containers,
    Container,
};
pub use control::{LinkStats, Stats};
pub use create::CREATE_QUIET;
pub use error::{Error, Result};
pub use lxc_config::{self as config, ContainerConfig, GlobalConfig, Paths};
pub use security::{caps, lsm, seccomp};
pub use start::StartExtras;
pub use state::State;

/// The LXC version we are a drop-in for.
pub const LXC_VERSION: &str = "5.0.2";
