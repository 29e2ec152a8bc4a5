fn main() {
    std::process::exit(lxc_tools::main_with("lxc-top", lxc_tools::entry::top));
}
