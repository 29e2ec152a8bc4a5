//! Signal names as accepted by `lxc.signal.*` and `lxc.monitor.signal.pdeath` (Linux x86_64
//! numbering; real-time signals span SIGRTMIN = 34 .. SIGRTMAX = 64 as glibc reports them).

pub const SIGRTMIN: i32 = 34;
pub const SIGRTMAX: i32 = 64;

/// Classic signal names without the `SIG` prefix; aliases share a number.
const NAMES: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// Parse `SIGPWR`, `PWR`, `sigpwr`, `30`, `SIGRTMIN+14`, `RTMAX-10`, ... into a signal number.
/// Numbers 0..=64 are accepted (0 means "no signal" for `lxc.monitor.signal.pdeath`).
pub fn parse_signal(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i32 = s.parse().ok()?;
        return (0..=SIGRTMAX).contains(&n).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(rest) = name.strip_prefix("RTMIN") {
        return rt_offset(rest, '+')
            .map(|o| SIGRTMIN + o)
            .filter(|n| *n <= SIGRTMAX);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        return rt_offset(rest, '-')
            .map(|o| SIGRTMAX - o)
            .filter(|n| *n >= SIGRTMIN);
    }
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, num)| *num)
}

/// `""` -> 0, `"+N"`/`"-N"` (with the expected sign) -> N.
fn rt_offset(rest: &str, sign: char) -> Option<i32> {
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix(sign)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i32 = digits.parse().ok()?;
    (n <= SIGRTMAX - SIGRTMIN).then_some(n)
}

/// Canonical name of a signal number (`SIGPWR`, `SIGRTMIN+3`), if it has one.
pub fn signal_name(num: i32) -> Option<String> {
    if let Some((n, _)) = NAMES.iter().find(|(_, v)| *v == num) {
        return Some(format!("SIG{n}"));
    }
    if num == SIGRTMIN {
        return Some("SIGRTMIN".to_string());
    }
    if num > SIGRTMIN && num <= SIGRTMAX {
        return Some(format!("SIGRTMIN+{}", num - SIGRTMIN));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse_signal("SIGPWR"), Some(30));
        assert_eq!(parse_signal("PWR"), Some(30));
        assert_eq!(parse_signal("sigpwr"), Some(30));
        assert_eq!(parse_signal("30"), Some(30));
        assert_eq!(parse_signal("0"), Some(0));
        assert_eq!(parse_signal("SIGKILL"), Some(9));
        assert_eq!(parse_signal("SIGINT"), Some(2));
        assert_eq!(parse_signal("SIGCHLD"), Some(17));
        assert_eq!(parse_signal("65"), None);
        assert_eq!(parse_signal("-1"), None);
        assert_eq!(parse_signal("SIGFOO"), None);
        assert_eq!(parse_signal(""), None);
    }

    #[test]
    fn realtime() {
        assert_eq!(parse_signal("SIGRTMIN"), Some(34));
        assert_eq!(parse_signal("SIGRTMIN+14"), Some(48));
        assert_eq!(parse_signal("SIGRTMAX-10"), Some(54));
        assert_eq!(parse_signal("SIGRTMAX"), Some(64));
        assert_eq!(parse_signal("RTMIN+30"), Some(64));
        assert_eq!(parse_signal("SIGRTMIN+31"), None);
        assert_eq!(parse_signal("SIGRTMAX-31"), None);
        assert_eq!(parse_signal("SIGRTMIN-1"), None);
        assert_eq!(parse_signal("SIGRTMIN+"), None);
        assert_eq!(parse_signal("SIGRTMIN+99999999999999"), None);
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(signal_name(30).as_deref(), Some("SIGPWR"));
        assert_eq!(signal_name(48).as_deref(), Some("SIGRTMIN+14"));
        for n in 1..=64 {
            if let Some(name) = signal_name(n) {
                assert_eq!(parse_signal(&name), Some(n), "{name}");
            }
        }
    }
}
