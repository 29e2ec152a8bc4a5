fn main() {
    std::process::exit(lxc_tools::main_with("lxc-freeze", lxc_tools::entry::freeze));
}
