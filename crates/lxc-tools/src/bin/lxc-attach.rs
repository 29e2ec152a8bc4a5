fn main() {
    std::process::exit(lxc_tools::main_with("lxc-attach", lxc_tools::entry::attach));
}
