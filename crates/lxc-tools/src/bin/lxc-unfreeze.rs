fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-unfreeze",
        lxc_tools::entry::unfreeze,
    ));
}
