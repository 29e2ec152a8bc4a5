fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-monitor",
        lxc_tools::entry::monitor,
    ));
}
