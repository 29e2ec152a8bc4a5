fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-checkconfig",
        lxc_tools::entry::checkconfig,
    ));
}
