fn main() {
    std::process::exit(lxc_tools::main_with("lxc-info", lxc_tools::entry::info));
}
