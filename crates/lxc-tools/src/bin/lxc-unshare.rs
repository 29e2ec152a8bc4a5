fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-unshare",
        lxc_tools::entry::unshare,
    ));
}
