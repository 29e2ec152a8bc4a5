fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-usernsexec",
        lxc_tools::entry::usernsexec,
    ));
}
