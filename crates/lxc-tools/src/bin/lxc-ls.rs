fn main() {
    std::process::exit(lxc_tools::main_with("lxc-ls", lxc_tools::entry::ls));
}
