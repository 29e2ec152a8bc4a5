fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-update-config",
        lxc_tools::entry::update_config,
    ));
}
