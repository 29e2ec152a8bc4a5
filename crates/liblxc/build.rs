// The SONAME callers link against, and the C-variadic entry points (createl, startl,
// attach_run_waitl), which stable Rust cannot define: a few lines of C gather their
// arguments into an array and call the Rust side.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liblxc.so.1");
    println!("cargo:rerun-if-changed=src/variadic.c");
    cc::Build::new()
        .file("src/variadic.c")
        .warnings(true)
        .compile("lxcrs_variadic");
}
