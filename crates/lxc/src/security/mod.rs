//! What confines a container's processes: capabilities, seccomp, and the security modules
//! (AppArmor, SELinux).

pub mod caps;
pub mod lsm;
pub mod notify_proxy;
pub mod seccomp;
