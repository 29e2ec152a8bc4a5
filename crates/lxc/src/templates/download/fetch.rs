//! Downloads from the image server over HTTPS (rustls), as the download template makes
//! them: LXC's user agent, a 30 s timeout, three tries. The trusted roots are the system's
//! (`/etc/ssl/certs/ca-certificates.crt`), or the PEM file in `SSL_CERT_FILE`. An HTTPS
//! server may not redirect to plain HTTP.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// LXC 5.0.2's download template announces itself so (compat level 7).
pub const USER_AGENT: &str = "lxc/5.0.2 compat:7";
const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

pub struct Fetcher {
    agent: ureq::Agent,
    base: String,
    /// Show a progress bar for each download (a terminal, not quiet).
    pub progress: bool,
}

fn fail(message: String) -> Error {
    Error::Template {
        name: String::new(),
        template: "download".into(),
        message,
    }
}

impl Fetcher {
    /// A client for `server` (`host[:port]`, or a URL with its scheme).
    pub fn new(server: &str) -> Result<Fetcher> {
        let base = if server.contains("://") {
            server.trim_end_matches('/').to_string()
        } else {
            format!("https://{}", server.trim_end_matches('/'))
        };
        let roots_file = std::env::var("SSL_CERT_FILE").unwrap_or_else(|_| SYSTEM_ROOTS.into());
        let pem = std::fs::read(&roots_file)
            .map_err(|e| fail(format!("trusted certificates {roots_file}: {e}")))?;
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(fail(format!("no certificates in {roots_file}")));
        }
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .user_agent(USER_AGENT)
            // 30 s to connect and to answer, as wget -T 30; a big download may take longer.
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(30)))
            .https_only(base.starts_with("https://"))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Fetcher {
            agent,
            base,
            progress: false,
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `path` (from the server root) into memory, at most 64 MiB (an index or a
    /// signature): Ok(None) when the server says 404.
    pub fn get(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let mut body = Capped(Vec::new(), 64 << 20);
        match self.get_to(path, &mut body)? {
            true => Ok(Some(body.0)),
            false => Ok(None),
        }
    }

    /// GET `path` into `out`; false when the server says 404.
    pub fn get_to(&self, path: &str, out: &mut dyn std::io::Write) -> Result<bool> {
        let url = format!("{}{path}", self.base);
        let mut last = String::new();
        for _ in 0..3 {
            match self.agent.get(&url).call() {
                Ok(response) if response.status() == 404 => return Ok(false),
                Ok(response) if response.status().is_success() => {
                    let length = response
                        .headers()
                        .get("content-length")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    let bar = self.progress.then(|| bar(length, path));
                    let reader = response.into_body().into_reader();
                    let mut reader: Box<dyn Read> = match &bar {
                        Some(bar) => Box::new(bar.wrap_read(reader)),
                        None => Box::new(reader),
                    };
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = reader
                            .read(&mut buf)
                            .map_err(|e| fail(format!("{url}: download cut short: {e}")))?;
                        if n == 0 {
                            if let Some(bar) = bar {
                                bar.finish_and_clear();
                            }
                            return Ok(true);
                        }
                        out.write_all(&buf[..n])
                            .map_err(|e| fail(format!("{url}: {e}")))?;
                    }
                }
                Ok(response) => last = format!("{url}: HTTP {}", response.status()),
                Err(e) => last = format!("{url}: {e}"),
            }
        }
        Err(fail(last))
    }

    /// GET `path` into the file `dest`; false when the server says 404.
    pub fn get_file(&self, path: &str, dest: &Path) -> Result<bool> {
        let mut file = std::fs::File::create(dest).map_err(crate::error::io_err(dest))?;
        self.get_to(path, &mut file)
    }
}

/// A bar for `length` bytes (a spinner when the server did not say), labelled by file.
pub(super) fn bar(length: Option<u64>, path: &str) -> indicatif::ProgressBar {
    let bar = match length {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name);
    bar
}

/// A buffer that refuses to grow past its limit.
struct Capped(Vec<u8>, usize);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > self.1 {
            return Err(std::io::Error::other(
                "larger than an index or a signature can be",
            ));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
