fn main() {
    std::process::exit(lxc_tools::main_with("lxc-config", lxc_tools::entry::config));
}
