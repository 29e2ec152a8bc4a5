fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-snapshot",
        lxc_tools::entry::snapshot,
    ));
}
