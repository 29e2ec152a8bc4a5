fn main() {
    std::process::exit(lxc_tools::main_with("lxc-device", lxc_tools::entry::device));
}
