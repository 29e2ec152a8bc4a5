fn main() {
    std::process::exit(lxc_tools::main_with("lxc-cgroup", lxc_tools::entry::cgroup));
}
