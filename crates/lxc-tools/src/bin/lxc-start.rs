fn main() {
    std::process::exit(lxc_tools::main_with("lxc-start", lxc_tools::entry::start));
}
