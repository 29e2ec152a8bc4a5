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
    /// The container the rootfs is from: its name in `/etc/hosts` becomes `LXC_NAME`.
    pub source_name: Option<String>,
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
        let _ = crate::storage::remove_tree(&dir);
    }
    made.map(|()| dir)
}

fn publish_in(p: &Publish, dir: &Path, rel: &str, variant: &str) -> Result<()> {
    rootfs_tarball(p, dir)?;
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
    crate::storage::remove_tree(&meta)?;
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

/// `rootfs.tar.xz`: the tree as it is (numeric owners, xattrs), except that the host
/// name in `/etc/hostname` and `/etc/hosts` becomes the `LXC_NAME` placeholder the
/// download template fills in for each new container.
fn rootfs_tarball(p: &Publish, dir: &Path) -> Result<()> {
    let staged = dir.join(".staged");
    let placeholders = stage_placeholders(p, &staged)?;
    let tar_file = dir.join("rootfs.tar");
    let mut tar = Command::new("tar");
    tar.arg("-C").arg(&p.rootfs).args([
        "--numeric-owner",
        "--xattrs",
        "--xattrs-include=*",
        "--anchored",
    ]);
    for file in &placeholders {
        tar.arg(format!("--exclude=./{file}"));
    }
    tar.arg("-cf").arg(&tar_file).arg(".");
    run(&mut tar, "tar (rootfs)")?;
    if !placeholders.is_empty() {
        let mut tar = Command::new("tar");
        tar.arg("-C")
            .arg(&staged)
            .args(["--numeric-owner", "-rf"])
            .arg(&tar_file)
            .args(placeholders.iter().map(|f| format!("./{f}")));
        run(&mut tar, "tar (placeholders)")?;
    }
    crate::storage::remove_tree(&staged)?;
    let mut xz = Command::new("xz");
    xz.args(["-T0", "-q"]).arg(&tar_file);
    run(&mut xz, "xz (rootfs)")
}

/// Copies of `etc/hostname` and `etc/hosts` (regular files only, read inside the rootfs)
/// with the name replaced by `LXC_NAME`, under `staged` with their owners and modes; the
/// files staged.
fn stage_placeholders(p: &Publish, staged: &Path) -> Result<Vec<&'static str>> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let root = lxc_sys::fs::open_dir_path(&p.rootfs).map_err(io_err(&p.rootfs))?;
    let hostname = std::fs::read_to_string(p.rootfs.join("etc/hostname")).unwrap_or_default();
    let old_names: Vec<String> = [hostname.trim().to_string()]
        .into_iter()
        .chain(p.source_name.clone())
        .filter(|n| !n.is_empty())
        .collect();
    let mut done = Vec::new();
    for file in ["etc/hostname", "etc/hosts"] {
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK;
        let Ok(fd) = lxc_sys::mount::open_in_root(root.as_fd(), file, flags, 0) else {
            continue;
        };
        let f = std::fs::File::from(fd);
        let meta = f.metadata().map_err(io_err(p.rootfs.join(file)))?;
        if !meta.is_file() {
            continue;
        }
        let text = std::io::read_to_string(f).map_err(io_err(p.rootfs.join(file)))?;
        let new = if file == "etc/hostname" {
            "LXC_NAME\n".to_string()
        } else {
            replace_names(&text, &old_names)
        };
        if new == text {
            continue;
        }
        let target = staged.join(file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&target, new).map_err(io_err(&target))?;
        std::fs::set_permissions(
            &target,
            std::fs::Permissions::from_mode(meta.mode() & 0o7777),
        )
        .map_err(io_err(&target))?;
        std::os::unix::fs::lchown(&target, Some(meta.uid()), Some(meta.gid()))
            .map_err(io_err(&target))?;
        done.push(file);
    }
    Ok(done)
}

/// `names` as whole words (host names in /etc/hosts) replaced by `LXC_NAME`.
fn replace_names(text: &str, names: &[String]) -> String {
    text.lines()
        .map(|line| {
            let (fields, comment) = match line.find('#') {
                Some(at) => line.split_at(at),
                None => (line, ""),
            };
            let mut words: Vec<String> = Vec::new();
            let mut rest = fields;
            while !rest.is_empty() {
                let start = rest.len() - rest.trim_start().len();
                let word_len = rest[start..]
                    .find(char::is_whitespace)
                    .unwrap_or(rest.len() - start);
                words.push(rest[..start].to_string());
                let word = &rest[start..start + word_len];
                words.push(if names.iter().any(|n| n == word) {
                    "LXC_NAME".to_string()
                } else {
                    word.to_string()
                });
                rest = &rest[start + word_len..];
            }
            format!("{}{comment}\n", words.concat())
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::replace_names;

    #[test]
    fn host_names_become_the_placeholder() {
        let hosts = "127.0.0.1   localhost\n127.0.1.1\tp1 p1.lan # p1\n::1 p10\n";
        assert_eq!(
            replace_names(hosts, &["p1".into()]),
            "127.0.0.1   localhost\n127.0.1.1\tLXC_NAME p1.lan # p1\n::1 p10\n"
        );
    }
}
