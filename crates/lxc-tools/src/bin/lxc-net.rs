fn main() {
    std::process::exit(lxc_tools::main_with("lxc-net", lxc_tools::entry::net));
}
