fn main() {
    std::process::exit(lxc_tools::main_with("lxc-clone", lxc_tools::entry::clone));
}
