//! Cgroups: the `lxc-cgroups` crate does the work; this module adds what needs the command
//! socket (a running container's cgroups, as its monitor names them).

mod client;

pub use client::{
    dirs_in_listing, running_dir_for, running_dirs, running_limit_dirs, ALL_HIERARCHIES,
};
pub use lxc_cgroups::*;
