//! Publishing an image for one's own server: a rootfs (a container's, or any directory)
//! becomes `images/<dist>/<release>/<arch>/<variant>/<build>/{rootfs,meta}.tar.xz` with the
//! metadata the download template reads, a line in `meta/1.0/index-system` (and
//! `index-user`), and detached OpenPGP signatures made with GnuPG, so that any static
//! HTTP(S) server can serve the tree.

use crate::error::{io_err, Error, Result};
use crate::storage::block::run;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to publish and where.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    pub rootfs: PathBuf,
    pub dist: String,
    pub release: String,
    pub arch: String,
    pub variant: String,
    /// The server's document root.
    pub out: PathBuf,
    /// `YYYYMMDD_HH:MM` (default: now, UTC).
    pub build_id: Option<String>,
    /// Days until the cached copy expires (default 30).
    pub expiry_days: Option<u64>,
    /// The image's `config` (default: its `lxc.arch`).
    pub config: Option<String>,
    pub create_message: Option<String>,
    /// Sign with this GnuPG key (id or user id), from `gnupg_home` if given.
    pub sign_key: Option<String>,
    pub gnupg_home: Option<PathBuf>,
}

fn fail(message: String) -> Error {
    Error::Template {
        name: String::new(),
        template: "publish".into(),
        message,
    }
}

/// Now as the index writes build ids.
fn build_id_now() -> String {
    let [y, m, d, h, min, _] = crate::log::utc_parts(crate::log::now_secs());
    format!("{y:04}{m:02}{d:02}_{h:02}:{min:02}")
}

/// The kernel's name for an image architecture (`lxc.arch`).
fn lxc_arch(arch: &str) -> &str {
    match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "i386" => "i686",
        "armhf" => "armv7l",
        other => other,
    }
}

/// Publish; returns the image's directory. Nothing is left of a failed publication and
/// the index changes only once everything else is in place.
pub fn publish(p: &Publish) -> Result<PathBuf> {
    for (what, value) in [
        ("dist", &p.dist),
        ("release", &p.release),
        ("arch", &p.arch),
    ] {
        if value.is_empty() || value.contains(['/', ';']) || value == ".." {
            return Err(Error::InvalidArgument(format!("{what} \"{value}\"")));
        }
    }
    if !p.rootfs.join("bin").exists() && !p.rootfs.join("usr").exists() {
        return Err(Error::InvalidArgument(format!(
            "{}: not a rootfs",
            p.rootfs.display()
        )));
    }
    let variant = if p.variant.is_empty() {
        "default"
    } else {
        &p.variant
    };
    let build = p.build_id.clone().unwrap_or_else(build_id_now);
    let rel = format!(
        "/images/{}/{}/{}/{variant}/{build}/",
        p.dist, p.release, p.arch
    );
    let dir = p.out.join(rel.trim_matches('/'));
    if dir.exists() {
        return Err(fail(format!(
            "{} exists: that build is published",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let made = publish_in(p, &dir, &rel, variant);
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    made.map(|()| dir)
}

fn publish_in(p: &Publish, dir: &Path, rel: &str, variant: &str) -> Result<()> {
    let mut tar = Command::new("tar");
    tar.arg("-C")
        .arg(&p.rootfs)
        .args(["--numeric-owner", "--xattrs", "--xattrs-include=*", "-cJf"])
        .arg(dir.join("rootfs.tar.xz"))
        .arg(".");
    run(&mut tar, "tar (rootfs)")?;
    let meta = dir.join(".meta");
    std::fs::create_dir(&meta).map_err(io_err(&meta))?;
    let expiry = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + p.expiry_days.unwrap_or(30) * 86400;
    let config = p
        .config
        .clone()
        .unwrap_or_else(|| format!("lxc.arch = {}\n", lxc_arch(&p.arch)));
    let message = p.create_message.clone().unwrap_or_else(|| {
        format!(
            "You just created a {} {} {} ({variant}) container.\n",
            p.dist, p.release, p.arch
        )
    });
    for (file, text) in [
        ("config", config),
        ("templates", "/etc/hostname\n/etc/hosts\n".to_string()),
        ("expiry", format!("{expiry}\n")),
        ("create-message", message),
    ] {
        std::fs::write(meta.join(file), text).map_err(io_err(meta.join(file)))?;
    }
    let mut tar = Command::new("tar");
    tar.arg("-C")
        .arg(&meta)
        .arg("-cJf")
        .arg(dir.join("meta.tar.xz"))
        .arg(".");
    run(&mut tar, "tar (metadata)")?;
    std::fs::remove_dir_all(&meta).map_err(io_err(&meta))?;
    for file in ["rootfs.tar.xz", "meta.tar.xz"] {
        sign(p, &dir.join(file))?;
    }
    // The index last: a line of this image replaces an older build of the same image.
    let index_dir = p.out.join("meta/1.0");
    std::fs::create_dir_all(&index_dir).map_err(io_err(&index_dir))?;
    let index = index_dir.join("index-system");
    let key = format!("{};{};{};{variant};", p.dist, p.release, p.arch);
    let mut text: String = std::fs::read_to_string(&index)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with(&key) && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let build = rel
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    text.push_str(&format!("{key}{build};{rel}\n"));
    for name in ["index-system", "index-user"] {
        let path = index_dir.join(name);
        let temp = index_dir.join(format!(".{name}.new"));
        std::fs::write(&temp, &text).map_err(io_err(&temp))?;
        sign(p, &temp)?;
        std::fs::rename(
            index_dir.join(format!(".{name}.new.asc")),
            index_dir.join(format!("{name}.asc")),
        )
        .or_else(|e| if p.sign_key.is_none() { Ok(()) } else { Err(e) })
        .map_err(io_err(&path))?;
        std::fs::rename(&temp, &path).map_err(io_err(&path))?;
    }
    Ok(())
}

/// `<file>.asc`, a detached armored signature by the publishing key (none without one).
fn sign(p: &Publish, file: &Path) -> Result<()> {
    let Some(key) = &p.sign_key else {
        return Ok(());
    };
    let mut gpg = Command::new("gpg");
    if let Some(home) = &p.gnupg_home {
        gpg.arg("--homedir").arg(home);
    }
    let mut asc = file.as_os_str().to_owned();
    asc.push(".asc");
    gpg.args([
        "--batch",
        "--yes",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ])
    .args(["--armor", "--detach-sign", "--local-user", key, "-o"])
    .arg(&asc)
    .arg(file);
    run(&mut gpg, &format!("gpg (signing {})", file.display()))
}
