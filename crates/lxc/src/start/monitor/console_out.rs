//! Where the console's output is kept: the log file (`lxc.console.logfile`, capped by
//! `lxc.console.size`, moved to `<file>.1` when full with `lxc.console.rotate`) and the
//! in-memory ring buffer (`lxc.console.buffer.size`) that the `console_log` command reads.

use crate::console::ConsoleLogRequest;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

#[derive(Default)]
pub(super) struct ConsoleSink {
    log: Option<LogFile>,
    ring: Option<Ring>,
}

struct LogFile {
    path: String,
    file: File,
    /// Bytes the file may hold; 0: no cap.
    cap: u64,
    rotate: bool,
}

struct Ring {
    bytes: VecDeque<u8>,
    cap: usize,
}

fn open_log(path: &str) -> std::io::Result<File> {
    // What the console shows may be secret: for the owner only.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

impl ConsoleSink {
    pub fn new(config: &lxc_config::ContainerConfig) -> Result<ConsoleSink, String> {
        let log = match &config.console_logfile {
            Some(path) => Some(LogFile {
                file: open_log(path).map_err(|e| format!("open console log {path}: {e}"))?,
                path: path.clone(),
                cap: config.console_size.unwrap_or(0),
                rotate: config.console_rotate,
            }),
            None => None,
        };
        let ring = config
            .console_buffer_size
            .filter(|size| *size > 0)
            .map(|size| Ring {
                bytes: VecDeque::new(),
                cap: size as usize,
            });
        Ok(ConsoleSink { log, ring })
    }

    pub fn write(&mut self, bytes: &[u8]) {
        if let Some(ring) = &mut self.ring {
            ring.push(bytes);
        }
        if let Some(log) = &mut self.log {
            if let Err(e) = log.write(bytes) {
                tracing::warn!("console log {}: {e}", log.path);
            }
        }
    }

    /// Serve `console_log` as LXC does: the bytes read, or a negative errno (EFAULT: no
    /// ring buffer; ENODATA: a read of an empty one).
    pub fn console_log(&mut self, req: ConsoleLogRequest) -> Result<Vec<u8>, i32> {
        let ring = self.ring.as_mut().ok_or(-libc::EFAULT)?;
        if req.read && ring.bytes.is_empty() {
            return Err(-libc::ENODATA);
        }
        let want = match req.read_max {
            0 if req.read => ring.bytes.len(),
            n => (n as usize).min(ring.bytes.len()),
        };
        let data: Vec<u8> = match req.read {
            true => ring.bytes.iter().take(want).copied().collect(),
            false => Vec::new(),
        };
        if req.clear {
            ring.bytes.clear();
        } else {
            ring.bytes.drain(..want);
        }
        Ok(data)
    }
}

impl Ring {
    /// Keep the newest `cap` bytes.
    fn push(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(self.cap)..];
        let overflow = (self.bytes.len() + bytes.len()).saturating_sub(self.cap);
        self.bytes.drain(..overflow);
        self.bytes.extend(bytes);
    }
}

impl LogFile {
    /// Append within the cap: what does not fit is dropped, or with rotation goes to a fresh
    /// file once the full one is `<file>.1` (the newest `cap` bytes of it).
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let meta = self.file.metadata()?;
        if self.cap == 0 || !meta.is_file() {
            return self.file.write_all(bytes);
        }
        let room = self.cap.saturating_sub(meta.len()) as usize;
        if bytes.len() <= room {
            return self.file.write_all(bytes);
        }
        self.file.write_all(&bytes[..room])?;
        // Full: the old text goes (to `<file>.1`, or away) and the newest is kept.
        if self.rotate {
            self.rotate()?;
        } else {
            self.file.set_len(0)?;
        }
        let rest = &bytes[room..];
        self.file
            .write_all(&rest[rest.len().saturating_sub(self.cap as usize)..])
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let old = format!("{}.1", self.path);
        std::fs::rename(&self.path, &old)?;
        match open_log(&self.path) {
            Ok(file) => {
                self.file = file;
                Ok(())
            }
            Err(e) => {
                // Keep writing where we were rather than into `.1`.
                let _ = std::fs::rename(&old, &self.path);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_bytes() {
        let mut ring = Ring {
            bytes: VecDeque::new(),
            cap: 8,
        };
        ring.push(b"hello ");
        ring.push(b"world");
        assert_eq!(ring.bytes.iter().copied().collect::<Vec<_>>(), b"lo world");
        ring.push(b"0123456789");
        assert_eq!(ring.bytes.iter().copied().collect::<Vec<_>>(), b"23456789");
    }

    #[test]
    fn reads_consume_and_clear_empties() {
        let mut sink = ConsoleSink {
            log: None,
            ring: Some(Ring {
                bytes: b"abcdef".iter().copied().collect(),
                cap: 16,
            }),
        };
        let read = |max| ConsoleLogRequest {
            read: true,
            read_max: max,
            ..Default::default()
        };
        assert_eq!(sink.console_log(read(2)), Ok(b"ab".to_vec()));
        let drop_two = ConsoleLogRequest {
            read_max: 2,
            ..Default::default()
        };
        assert_eq!(sink.console_log(drop_two), Ok(Vec::new()));
        // Neither read nor clear nor a count: nothing happens.
        assert_eq!(
            sink.console_log(ConsoleLogRequest::default()),
            Ok(Vec::new())
        );
        let clear = ConsoleLogRequest {
            clear: true,
            ..read(1)
        };
        assert_eq!(sink.console_log(clear), Ok(b"e".to_vec()));
        assert_eq!(sink.console_log(read(0)), Err(-libc::ENODATA));
        assert_eq!(
            ConsoleSink::default().console_log(read(0)),
            Err(-libc::EFAULT)
        );
    }
}
