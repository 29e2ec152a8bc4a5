//! lxc-rs-init: lxc-execute's minimal init (reap, forward signals, pass on the command's
//! status) where the library has no built-in one (lxc-sys/init, x86_64 only). It runs
//! inside the container from a sealed copy made at every start, so it is a program of its
//! own, a fraction of lxc-rs-helper's size.

fn main() {
    std::process::exit(lxc::start::helper_init());
}
