fn main() {
    std::process::exit(lxc_tools::main_with("lxc-wait", lxc_tools::entry::wait));
}
