//! Options every LXC tool takes (`-n -P -o -l -q --rcfile -h --version`) and shared helpers.

use lexopt::prelude::*;

/// A tool's failure: the message (printed as `<tool>: <message>`) and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

pub type Res<T> = Result<T, Failure>;

pub fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 1,
    }
}

/// `NAME: error`, as LXC prints it, without naming the container twice when the library's
/// message already starts with its name.
pub fn about(name: &str, error: impl std::fmt::Display) -> String {
    let text = error.to_string();
    if text.starts_with(&format!("{name}: ")) {
        text
    } else {
        format!("{name}: {text}")
    }
}

impl From<lexopt::Error> for Failure {
    fn from(e: lexopt::Error) -> Self {
        fail(e.to_string())
    }
}

impl From<lxc::config::ConfigError> for Failure {
    fn from(e: lxc::config::ConfigError) -> Self {
        fail(e.to_string())
    }
}

impl From<lxc::Error> for Failure {
    fn from(e: lxc::Error) -> Self {
        fail(e.to_string())
    }
}

#[derive(Debug, Default)]
pub struct Common {
    pub name: Option<String>,
    pub lxcpaths: Vec<String>,
    pub logfile: Option<String>,
    pub logpriority: Option<String>,
    pub quiet: bool,
    pub rcfile: Option<String>,
}

/// What a tool's own option handler says about an argument.
pub enum Handled {
    Yes,
    No,
}

/// The options every tool takes, listed after its own in `--help`.
const COMMON_HELP: &str = "Common options :
  -o, --logfile=FILE               Write the log to FILE instead of stderr
  -l, --logpriority=LEVEL          Log at LEVEL and above (TRACE, DEBUG, INFO, NOTICE,
                                   WARN, ERROR, CRIT, ALERT, FATAL)
  -q, --quiet                      Print no log messages on stderr
  -P, --lxcpath=PATH               Look for containers in PATH (default: lxc.lxcpath)
  -?, -h, --help                   Show this help
      --usage                      Show the short usage line
      --version                    Show the version

A value a long option needs is needed after its short form too.";

/// A tool's whole help, as `--help` and a bad option print it (on stderr, as LXC's tools):
/// `help` starts with the usage line, then says what the tool does and lists its options.
pub fn help_text(tool: &str, help: &str) -> String {
    format!(
        "Usage: {tool} {}\n\n{COMMON_HELP}\n\nSee the {tool} man page for further information.\n",
        help.trim_end()
    )
}

/// The first line of a tool's help: its usage.
pub fn usage_line(help: &str) -> &str {
    help.lines().next().unwrap_or_default()
}

/// Parse the common options, handing everything else to `own`. Prints help, usage or the
/// version and exits for `-h` / `--usage` / `--version`.
pub fn parse(
    tool: &str,
    help: &str,
    args: Vec<String>,
    mut own: impl FnMut(&mut lexopt::Parser, &lexopt::Arg<'_>) -> Res<Handled>,
) -> Res<Common> {
    let mut c = Common::default();
    let mut p = lexopt::Parser::from_args(args);
    while let Some(arg) = p.next()? {
        // Own the long name so the parser can be lent to the tool's handler.
        let long_name;
        let arg = match arg {
            Long(l) => {
                long_name = l.to_string();
                Long(long_name.as_str())
            }
            Short(c) => Short(c),
            Value(v) => Value(v),
        };
        match arg {
            Short('n') | Long("name") => c.name = Some(p.value()?.string()?),
            Short('P') | Long("lxcpath") => c.lxcpaths.push(p.value()?.string()?),
            Short('o') | Long("logfile") => c.logfile = Some(p.value()?.string()?),
            Short('l') | Long("logpriority") => c.logpriority = Some(p.value()?.string()?),
            Short('q') | Long("quiet") => c.quiet = true,
            Long("rcfile") => c.rcfile = Some(p.value()?.string()?),
            Short('h') | Short('?') | Long("help") => {
                eprint!("{}", help_text(tool, help));
                std::process::exit(0);
            }
            Long("usage") => {
                eprintln!("Usage: {tool} {}", usage_line(help));
                std::process::exit(0);
            }
            Long("version") => {
                println!("{}", lxc::LXC_VERSION);
                std::process::exit(0);
            }
            ref other => match own(&mut p, other)? {
                Handled::Yes => {}
                Handled::No => {
                    return Err(fail(format!(
                        "{}\n{}",
                        other.clone().unexpected(),
                        help_text(tool, help).trim_end()
                    )))
                }
            },
        }
    }
    if let Some(level) = &c.logpriority {
        if lxc::log::parse_level(level).is_none() {
            return Err(fail(format!("invalid log priority \"{level}\"")));
        }
    }
    if let Some(file) = &c.logfile {
        let level = c
            .logpriority
            .as_deref()
            .and_then(lxc::log::parse_level)
            .unwrap_or(5);
        let name = c.name.clone().unwrap_or_default();
        if let Err(e) = lxc::log::init_file(tool, &name, file, level) {
            return Err(fail(format!("failed to open log file {file}: {e}")));
        }
    }
    Ok(c)
}

impl Common {
    pub fn name(&self) -> Res<&str> {
        self.name
            .as_deref()
            .ok_or_else(|| fail("missing container name, use --name option"))
    }

    pub fn lxcpath(&self) -> Option<&str> {
        self.lxcpaths.first().map(String::as_str)
    }

    /// The named container, with `--rcfile` applied.
    pub fn container(&self) -> Res<lxc::Container> {
        let mut c = lxc::Container::new(self.name()?, self.lxcpath())?;
        if let Some(rc) = &self.rcfile {
            c.set_rcfile(std::path::Path::new(rc))?;
        }
        Ok(c)
    }

    pub fn extras(&self) -> lxc::StartExtras {
        lxc::StartExtras {
            log_file: self.logfile.clone(),
            log_level: self.logpriority.clone(),
        }
    }
}

/// The lxcpath to list: `-P` or the configured default.
pub fn lxcpath_or_default(c: &Common) -> Res<String> {
    match c.lxcpath() {
        Some(p) => Ok(p.trim_end_matches('/').to_string()),
        None => Ok(lxc::default_lxcpath(&lxc::Paths::detect())?),
    }
}

/// A byte count as LXC's tools print it (`1.50 MiB`), or the bare number for `raw`.
pub fn human_size(bytes: u64, raw: bool) -> String {
    if raw {
        return bytes.to_string();
    }
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.2} {}", units[i])
    }
}

/// `-L 2G`, `512M`, `1024` (bytes): LXC's size units.
pub fn parse_size(text: &str) -> Res<u64> {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits
        .parse()
        .map_err(|_| fail(format!("invalid size \"{text}\"")))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches('B') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(fail(format!("invalid size \"{text}\""))),
    };
    Ok(n << shift)
}
