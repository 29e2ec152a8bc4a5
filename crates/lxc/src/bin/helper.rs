//! lxc-rs-helper: the process the library spawns so that it never forks its caller. It
//! becomes a container's monitor (`start`) or runs a program inside one (`attach`).

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let code = match mode.as_str() {
        "start" => lxc::start::helper_start(),
        "attach" => lxc::attach::helper_attach(),
        "init" => lxc::start::helper_init(),
        "netns" => lxc::net::inside::helper_netns(),
        "usernsexec" => lxc::userns::helper_usernsexec(),
        "rootfs" => lxc::templates::download::rootfs::helper_rootfs(),
        "files" => lxc::storage::as_root::helper_files(),
        "monitord" => lxc::events::helper_monitord(),
        _ => {
            eprintln!("lxc-rs-helper is started by the lxc-rs library, not by hand");
            2
        }
    };
    std::process::exit(code);
}
