//! Networking over netlink (no `ip` commands): links, addresses and routes, in whichever
//! network namespace the calling process is in.

pub mod hotplug;
pub mod inside;
pub mod netlink;
pub mod nic;
pub mod service;
pub mod setup;
pub mod usernic;
