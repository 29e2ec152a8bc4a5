fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-autostart",
        lxc_tools::entry::autostart,
    ));
}
