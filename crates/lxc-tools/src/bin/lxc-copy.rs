fn main() {
    std::process::exit(lxc_tools::main_as("lxc-copy"));
}
