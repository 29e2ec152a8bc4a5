fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-user-nic",
        lxc_tools::entry::user_nic,
    ));
}
