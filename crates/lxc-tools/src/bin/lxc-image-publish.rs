fn main() {
    std::process::exit(lxc_tools::main_with(
        "lxc-image-publish",
        lxc_tools::entry::image_publish,
    ));
}
