fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-execute",
        lxc_tools::entry::execute,
    ));
}
