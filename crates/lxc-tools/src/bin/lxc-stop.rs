fn main() {
    std::process::exit(lxc_tools::main_with("lxc-stop", lxc_tools::entry::stop));
}
