//! Setuid root: no environment, no argv that is not UTF-8, nothing before `sanitize`.

fn main() {
    lxc::net::usernic::sanitize();
    let args: Option<Vec<String>> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().ok())
        .collect();
    let result = match args {
        Some(args) => lxc::net::usernic::run(&args),
        None => Err(lxc::net::usernic::USAGE.to_string()),
    };
    match result {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("lxc-user-nic: {e}");
            std::process::exit(1);
        }
    }
}
