fn main() {
    std::process::exit(lxc_tools::main_with("lxc-create", lxc_tools::entry::create));
}
