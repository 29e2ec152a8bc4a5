fn main() {
    std::process::exit(lxc_tools::main_with("lxc-copy", lxc_tools::entry::copy));
}
