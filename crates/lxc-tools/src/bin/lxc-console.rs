fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-console",
        lxc_tools::entry::console,
    ));
}
