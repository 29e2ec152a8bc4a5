//! lxc-console: `-n NAME [-t TTYNUM] [-e ESCAPE]`

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [--tty NUMBER] [--escape PREFIX]

lxc-console connects this terminal to a tty of the running container NAME (the first
free one, or NUMBER). Type the escape key, then q, to leave; the escape key twice sends it.

Options :
  -n, --name=NAME      The container's name
  -t, --tty=NUMBER     Connect to tty NUMBER (0: the console)
  -e, --escape=PREFIX  The escape key: a letter, Ctrl+letter (default: a, that is Ctrl+a)
      --rcfile=FILE    Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut tty: i32 = -1;
    let mut escape: u8 = 1;
    let common = parse("lxc-console", HELP, args, |p, arg| {
        match arg {
            Short('t') | Long("tty") => {
                let v = p.value()?.string()?;
                tty = v
                    .parse()
                    .map_err(|_| fail(format!("invalid tty number \"{v}\"")))?;
            }
            Short('e') | Long("escape") => {
                let v = p.value()?.string()?;
                let c = v
                    .strip_prefix('^')
                    .unwrap_or(&v)
                    .bytes()
                    .next()
                    .ok_or_else(|| fail("empty escape"))?;
                escape = c.to_ascii_lowercase().wrapping_sub(b'a').wrapping_add(1);
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    let c = common.container()?;
    if !c.is_running() {
        return Err(fail(format!("{name}: Container is not running")));
    }
    let letter = (b'a' + escape - 1) as char;
    let number = c.console(tty, escape, |n| {
        eprintln!("\nConnected to tty {n}\nType <Ctrl+{letter} q> to exit the console, <Ctrl+{letter} Ctrl+{letter}> to enter Ctrl+{letter} itself");
    });
    number.map_err(|e| fail(about(name, e)))?;
    Ok(0)
}
