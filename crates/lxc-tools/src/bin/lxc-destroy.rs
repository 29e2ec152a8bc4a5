fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-destroy",
        lxc_tools::entry::destroy,
    ));
}
