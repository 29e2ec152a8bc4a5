//! Logging: `tracing` events written to `lxc.log.file` at `lxc.log.level`, one line each in
//! LXC's shape: `<prog> <name> <timestamp> <LEVEL> <target> - <file>:<line> - <message>`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};

/// LXC's level numbering: TRACE 0 .. FATAL 8.
pub const LEVELS: [&str; 9] = [
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL",
];

pub fn level_name(n: u8) -> &'static str {
    LEVELS.get(n as usize).copied().unwrap_or("ERROR")
}

pub fn parse_level(s: &str) -> Option<u8> {
    let up = s.trim().to_ascii_uppercase();
    let up = up.strip_prefix("LXC_LOG_LEVEL_").unwrap_or(&up);
    LEVELS
        .iter()
        .position(|l| *l == up)
        .map(|i| i as u8)
        .or_else(|| s.parse().ok().filter(|n| *n <= 8))
}

fn lxc_level(level: &Level) -> u8 {
    match *level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 4,
        Level::ERROR => 5,
    }
}

struct FileLogger {
    prog: String,
    name: String,
    min: u8,
    file: Mutex<std::fs::File>,
}

struct Collect(String);

impl Visit for Collect {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let [y, m, d, h, min, s] = utc_parts(now.as_secs() as i64);
    format!(
        "{y:04}{m:02}{d:02}{h:02}{min:02}{s:02}.{:03}",
        now.subsec_millis()
    )
}

/// Now, in seconds since the epoch.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Year, month, day, hour, minute, second (UTC) of `secs` since the epoch.
pub(crate) fn utc_parts(secs: i64) -> [i64; 6] {
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    [y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60]
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl tracing::Subscriber for FileLogger {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        lxc_level(meta.level()) >= self.min
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut c = Collect(String::new());
        event.record(&mut c);
        let line = format!(
            "{} {} {} {:<8} {} - {}:{} - {}\n",
            self.prog,
            self.name,
            timestamp(),
            level_name(lxc_level(meta.level())),
            meta.target().rsplit("::").next().unwrap_or("lxc"),
            meta.file().unwrap_or("?"),
            meta.line().unwrap_or(0),
            c.0.trim()
        );
        if let Ok(mut f) = self.file.lock() {
            let _ = f.write_all(line.as_bytes());
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Send this process's log events to `file` (appended) at `level` and above.
pub fn init_file(prog: &str, name: &str, file: &str, level: u8) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    let logger = FileLogger {
        prog: prog.into(),
        name: name.into(),
        min: level,
        file: Mutex::new(f),
    };
    // A second call in one process keeps the first logger.
    let _ = tracing::subscriber::set_global_default(logger);
    Ok(())
}

/// The monitor's log: `lxc.log.file` / `lxc.log.level`, or the tool's `-o` / `-l`.
pub fn init_for_container(plan: &crate::start::plan::Plan, prog: &str) {
    let file = plan
        .config
        .log_file
        .clone()
        .or_else(|| plan.req.log_file.clone());
    let level = plan
        .req
        .log_level
        .as_deref()
        .and_then(parse_level)
        .or(plan.config.log_level)
        .unwrap_or(5);
    if let Some(file) = file {
        let _ = init_file(prog, &plan.req.name, &file, level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(parse_level("debug"), Some(1));
        assert_eq!(parse_level("8"), Some(8));
        assert_eq!(parse_level("nope"), None);
        assert_eq!(level_name(5), "ERROR");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_786), (2026, 11, 29));
    }
}
