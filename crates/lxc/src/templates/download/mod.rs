//! The `download` template, native: pick an image from the server's index, keep it in the
//! cache (`<cache>/download/<dist>/<release>/<arch>/<variant>`, with `build_id` and the
//! metadata, refreshed when expired), unpack it safely into the rootfs and assemble the
//! configuration from the image's `config`, as LXC 5.0's template does. HTTPS is the trust
//! (as in LXC 5.0); OpenPGP signatures on the index and tarballs come next.

mod fetch;
pub mod rootfs;
pub mod unpack;
mod verify;

use crate::container::Container;
use crate::error::{Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_config::image_index::{self, Image, Wanted};
use std::path::{Path, PathBuf};

/// The metadata files an image may carry, each also as `<name>-user` (user mode) and with
/// a compat-level suffix (`config.7`); anything else in meta.tar.xz is ignored.
const METADATA: [&str; 6] = [
    "config",
    "excludes",
    "expiry",
    "templates",
    "create-message",
    "fstab",
];

/// The download compat level we speak (LXC 5.0's).
const COMPAT: &str = "7";

fn is_metadata(file: &str) -> bool {
    let base = match file.rsplit_once('.') {
        Some((base, level)) if !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()) => {
            base
        }
        _ => file,
    };
    let base = base.strip_suffix("-user").unwrap_or(base);
    METADATA.contains(&base)
}

/// LXC's `relevant_file`: `<f>`, or `<f>-user` in user mode if the image has one, then the
/// compat-suffixed variant of that if present.
fn relevant(cache: &Path, file: &str, user: bool) -> PathBuf {
    let mut path = cache.join(file);
    let user_file = cache.join(format!("{file}-user"));
    if user && user_file.exists() {
        path = user_file;
    }
    let compat = PathBuf::from(format!("{}.{COMPAT}", path.display()));
    if compat.exists() {
        path = compat;
    }
    path
}

/// The template's options (5.0's, and 1.0's GPG ones accepted for old scripts).
#[derive(Debug, Default)]
struct Options {
    wanted: Wanted,
    server: String,
    flush_cache: bool,
    force_cache: bool,
    list: bool,
    /// Progress bars (a terminal, and not quiet).
    progress: bool,
    /// LXC 1.0's `--keyid` / `--keyserver` were given.
    legacy_gpg: bool,
    /// `--keyring FILE`: the trusted OpenPGP keys.
    keyring: Option<PathBuf>,
    no_validate: bool,
    /// User mode (an unprivileged container: `lxc.idmap` set): `index-user` and the
    /// `-user` metadata.
    user: bool,
}

const USAGE: &str = "download template: -d DIST -r RELEASE -a ARCH [--variant V] [--server HOST] \
    [--flush-cache] [--force-cache] [--keyring FILE] [--no-validate] [-l|--list]";

fn fail(c: &Container, message: impl Into<String>) -> Error {
    Error::Template {
        name: c.name().to_string(),
        template: "download".into(),
        message: message.into(),
    }
}

/// The words of an error from our own pieces (unpacking, fetching) without the template
/// prefix they carry, for `fail` to add the container's.
pub(crate) fn message_of(e: Error) -> String {
    match e {
        Error::Template { message, .. } => message,
        other => other.to_string(),
    }
}

fn parse(c: &Container, args: &[String]) -> Result<Options> {
    // The global `lxc.download.server`, else LXC's own server.
    let server = lxc_config::GlobalConfig::load(c.paths())
        .ok()
        .and_then(|g| g.get("lxc.download.server"))
        .unwrap_or_else(|| "images.linuxcontainers.org".into());
    let mut o = Options {
        server,
        wanted: Wanted {
            variant: "default".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| fail(c, format!("{flag} needs a value\n{USAGE}")))
        };
        match flag {
            "-d" | "--dist" => o.wanted.dist = Some(value()?),
            "-r" | "--release" => o.wanted.release = Some(value()?),
            "-a" | "--arch" => o.wanted.arch = Some(value()?),
            "--variant" => o.wanted.variant = value()?,
            "--server" => o.server = value()?,
            "--flush-cache" => o.flush_cache = true,
            "--force-cache" => o.force_cache = true,
            "-l" | "--list" => o.list = true,
            // LXC 1.0's GPG options: accepted so old scripts run; HTTPS is what is trusted.
            "--keyid" | "--keyserver" => {
                value()?;
                o.legacy_gpg = true;
            }
            "--keyring" => o.keyring = Some(PathBuf::from(value()?)),
            "--no-validate" => o.no_validate = true,
            "--standard-resolver" => {}
            "-h" | "--help" => return Err(fail(c, USAGE)),
            other => return Err(fail(c, format!("unknown option {other}\n{USAGE}"))),
        }
    }
    Ok(o)
}

/// Fill `rootfs` with the image the arguments name and write the container's config.
pub fn create(c: &mut Container, rootfs: &Path, args: &[String], quiet: bool) -> Result<()> {
    let mut o = parse(c, args)?;
    let maps = c.config().id_maps();
    o.user = !maps.is_empty();
    let quiet = quiet || std::env::var_os("LXC_CREATE_QUIET").is_some();
    o.progress = !quiet && lxc_sys::fs::isatty(1);
    let say = |text: &str| {
        if !quiet {
            println!("{text}");
        }
    };
    let interactive = [&o.wanted.dist, &o.wanted.release, &o.wanted.arch]
        .iter()
        .any(|v| v.is_none());
    if o.list || interactive {
        say("Downloading the image index");
        let index = download_index(c, &fetch::Fetcher::new(&o.server)?, o.user)?;
        print!(
            "\n{}",
            image_index::table(index.iter().filter(|i| o.wanted.matches(i)))
        );
        if o.list {
            return Err(fail(c, "only listed the images (--list)"));
        }
        ask_missing(c, &mut o.wanted)?;
    }
    let (Some(dist), Some(release), Some(arch)) =
        (&o.wanted.dist, &o.wanted.release, &o.wanted.arch)
    else {
        return Err(fail(c, format!("-d, -r and -a are needed\n{USAGE}")));
    };
    let cache_root = std::env::var_os("LXC_CACHE_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| c.paths().cache_dir.clone());
    let cache = cache_root
        .join("download")
        .join(dist)
        .join(release)
        .join(arch)
        .join(&o.wanted.variant);
    let mut use_cache = cache.join("rootfs.tar.xz").is_file();
    if use_cache && o.flush_cache {
        std::fs::remove_dir_all(&cache).map_err(crate::error::io_err(&cache))?;
        use_cache = false;
    }
    // A copy cached without signature checks is not taken when they are asked for now.
    if use_cache
        && !o.no_validate
        && !cache.join("validated").exists()
        && keyring_path(c, &o).is_some()
    {
        use_cache = false;
    }
    if use_cache && !o.force_cache && expired(&cache) {
        say("The cached copy has expired, re-downloading...");
        use_cache = false;
    }
    if o.force_cache && !use_cache {
        return Err(fail(
            c,
            format!("--force-cache: no cached image in {}", cache.display()),
        ));
    }
    if use_cache {
        say("Using image from local cache");
    } else {
        refresh(c, &o, &cache, &say)?;
    }
    say("Unpacking the rootfs");
    let excludes = read_lines(&relevant(&cache, "excludes", o.user));
    let plain = cache.join("rootfs.tar");
    let templates = read_lines(&relevant(&cache, "templates", o.user));
    let job = rootfs::RootfsJob {
        archive: if plain.is_file() {
            plain
        } else {
            cache.join("rootfs.tar.xz")
        },
        target: rootfs.to_path_buf(),
        excludes,
        idmap: idmap_lines(&maps),
        templates,
        fill: placeholders(c, rootfs),
        progress: o.progress,
        dev_pts: true,
        trial: false,
    };
    rootfs::run(&job, quiet).map_err(|e| fail(c, message_of(e)))?;
    assemble(c, &cache, rootfs, o.user)?;
    if let Ok(message) = std::fs::read_to_string(relevant(&cache, "create-message", o.user)) {
        if !quiet {
            print!("\n---\n{message}");
        }
    }
    Ok(())
}

/// LXC's interactive mode: after the table, ask for each of -d, -r, -a not given.
fn ask_missing(c: &Container, wanted: &mut Wanted) -> Result<()> {
    use std::io::Write;
    println!();
    let stdin = std::io::stdin();
    for (label, slot) in [
        ("Distribution", &mut wanted.dist),
        ("Release", &mut wanted.release),
        ("Architecture", &mut wanted.arch),
    ] {
        if slot.is_some() {
            continue;
        }
        print!("{label}: ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = stdin.read_line(&mut line);
        let answer = line.trim();
        if answer.is_empty() {
            return Err(fail(
                c,
                format!("no {} given\n{USAGE}", label.to_lowercase()),
            ));
        }
        *slot = Some(answer.to_string());
    }
    println!();
    Ok(())
}

/// What the image's placeholders become for this container.
fn placeholders(c: &Container, rootfs: &Path) -> Vec<(String, String)> {
    [
        ("LXC_NAME", c.name().to_string()),
        ("LXC_PATH", c.dir().display().to_string()),
        ("LXC_ROOTFS", rootfs.display().to_string()),
        ("LXC_TEMPLATE_CONFIG", "/usr/share/lxc/config".to_string()),
        ("LXC_HOOK_DIR", "/usr/share/lxc/hooks".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The non-empty lines of a metadata file (none when it is missing).
fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn idmap_lines(maps: &IdMaps) -> Vec<String> {
    maps.maps.iter().map(|m| m.to_string()).collect()
}

fn expired(cache: &Path) -> bool {
    let Some(expiry) = std::fs::read_to_string(cache.join("expiry"))
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
    else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    expiry < now
}

/// The index of the mode (`index-system` or `index-user`): the compat-suffixed file first,
/// as the template asks.
fn download_index(c: &Container, fetcher: &fetch::Fetcher, user: bool) -> Result<Vec<Image>> {
    let (_, body) = download_index_raw(c, fetcher, user)?;
    Ok(image_index::parse(&String::from_utf8_lossy(&body)))
}

fn download_index_raw(
    c: &Container,
    fetcher: &fetch::Fetcher,
    user: bool,
) -> Result<(String, Vec<u8>)> {
    let index = if user { "index-user" } else { "index-system" };
    for path in [
        format!("/meta/1.0/{index}.{COMPAT}"),
        format!("/meta/1.0/{index}"),
    ] {
        if let Some(body) = fetcher.get(&path)? {
            return Ok((path, body));
        }
    }
    Err(fail(
        c,
        format!("{}: the server has no image index", fetcher.base()),
    ))
}

/// The trusted keys: `--keyring`, `LXC_DOWNLOAD_KEYRING`, or `download-keyring.gpg` /
/// `.asc` in the configuration directory. With none, HTTPS alone is the trust, as in
/// LXC 5.0; `--no-validate` skips the signatures with a warning.
fn keyring(c: &Container, o: &Options) -> Result<Option<verify::Keyring>> {
    if o.no_validate {
        eprintln!("WARNING: Running without gpg validation!");
        return Ok(None);
    }
    let path = keyring_path(c, o);
    if path.is_none() && o.legacy_gpg {
        eprintln!(
            "WARNING: --keyid/--keyserver are not used: signatures are checked against a \
             local keyring (--keyring FILE); without one, HTTPS alone is trusted"
        );
    }
    path.map(|p| verify::Keyring::load(&p).map_err(|e| fail(c, e)))
        .transpose()
}

fn keyring_path(c: &Container, o: &Options) -> Option<PathBuf> {
    let dir = &c.paths().config_dir;
    o.keyring
        .clone()
        .or_else(|| std::env::var_os("LXC_DOWNLOAD_KEYRING").map(PathBuf::from))
        .or_else(|| {
            ["download-keyring.gpg", "download-keyring.asc"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file())
        })
}

/// Bring the cache up to date with the server: download beside it, then swap it in, so a
/// failed download leaves the old cache (or none) and nothing half-made.
fn refresh(c: &Container, o: &Options, cache: &Path, say: &dyn Fn(&str)) -> Result<()> {
    let mut fetcher = fetch::Fetcher::new(&o.server)?;
    fetcher.progress = o.progress;
    let keyring = keyring(c, o)?;
    if keyring.is_some() {
        say("Setting up the GPG keyring");
    }
    let checked = |what: &str, data: verify::Signed<'_>| -> Result<()> {
        let Some(keyring) = &keyring else {
            return Ok(());
        };
        let sig = fetcher
            .get(&format!("{what}.asc"))?
            .ok_or_else(|| fail(c, format!("{what}: missing signature ({what}.asc)")))?;
        keyring.check(what, &data, &sig).map_err(|e| fail(c, e))
    };
    say("Downloading the image index");
    let (index_path, index) = download_index_raw(c, &fetcher, o.user)?;
    checked(&index_path, verify::Signed::Bytes(&index))?;
    let index = image_index::parse(&String::from_utf8_lossy(&index));
    let Some(image) = index.iter().find(|i| o.wanted.matches(i)) else {
        let available = image_index::table(index.iter().filter(|i| i.variant == o.wanted.variant));
        return Err(fail(
            c,
            format!(
                "no such image: {}/{}/{}/{}; the server has:\n{available}",
                o.wanted.dist.as_deref().unwrap_or_default(),
                o.wanted.release.as_deref().unwrap_or_default(),
                o.wanted.arch.as_deref().unwrap_or_default(),
                o.wanted.variant
            ),
        ));
    };
    let path_ok = image.path.starts_with('/')
        && !image.path.starts_with("//")
        && !image.path.contains(['@', '?', '#', '\\'])
        && !image.path.split('/').any(|c| c == "..");
    if !path_ok {
        return Err(fail(
            c,
            format!("the index names a bad image path: {}", image.path),
        ));
    }
    let cached_build = std::fs::read_to_string(cache.join("build_id")).unwrap_or_default();
    if cached_build.trim() == image.build_id && cache.join("rootfs.tar.xz").is_file() {
        say("The cache is already up to date");
        return Ok(());
    }
    let parent = cache.parent().unwrap_or(cache);
    std::fs::create_dir_all(parent).map_err(crate::error::io_err(parent))?;
    let temp = parent.join(format!(
        ".{}.partial-{}",
        o.wanted.variant,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir(&temp).map_err(crate::error::io_err(&temp))?;
    let fetched = (|| -> Result<()> {
        let base = image.path.trim_end_matches('/');
        for (file, message) in [
            ("rootfs.tar.xz", "Downloading the rootfs"),
            ("meta.tar.xz", "Downloading the metadata"),
        ] {
            say(message);
            let remote = format!("{base}/{file}");
            let local = temp.join(file);
            if !fetcher.get_file(&remote, &local)? {
                return Err(fail(c, format!("{remote}: not on the server")));
            }
            checked(&remote, verify::Signed::File(&local))?;
        }
        let meta = temp.join("meta.tar.xz");
        // The metadata unpacks apart; only its known regular files come into the cache.
        let unpacked = temp.join(".meta");
        std::fs::create_dir(&unpacked).map_err(crate::error::io_err(&unpacked))?;
        let own = unpack::Placement {
            own_files: true,
            ..Default::default()
        };
        unpack::unpack(&meta, &unpacked, own).map_err(|e| fail(c, message_of(e)))?;
        for entry in std::fs::read_dir(&unpacked).map_err(crate::error::io_err(&unpacked))? {
            let entry = entry.map_err(crate::error::io_err(&unpacked))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            if regular && is_metadata(&name) {
                let from = entry.path();
                std::fs::copy(&from, temp.join(&name)).map_err(crate::error::io_err(&from))?;
            }
        }
        std::fs::remove_dir_all(&unpacked).map_err(crate::error::io_err(&unpacked))?;
        std::fs::remove_file(&meta).map_err(crate::error::io_err(&meta))?;
        // Decompressed once here (the cache keeps the tar beside LXC's .tar.xz: a cached
        // create then only unpacks), and a rootfs that does not unpack is refused before
        // it is cached.
        let plain = temp.join("rootfs.tar");
        unpack::decompress(&temp.join("rootfs.tar.xz"), &plain)
            .map_err(|e| fail(c, message_of(e)))?;
        let probe = temp.join(".probe");
        std::fs::create_dir(&probe).map_err(crate::error::io_err(&probe))?;
        // As the container's unpack will go: in user mode without the `excludes-user`
        // entries (device nodes), inside the user namespace.
        let excludes = if o.user {
            read_lines(&relevant(&temp, "excludes", true))
        } else {
            Vec::new()
        };
        let trial = rootfs::RootfsJob {
            archive: plain,
            target: probe,
            excludes,
            idmap: idmap_lines(&c.config().id_maps()),
            trial: true,
            ..Default::default()
        };
        rootfs::run(&trial, true).map_err(|e| fail(c, message_of(e)))?;
        if keyring.is_some() {
            let mark = temp.join("validated");
            std::fs::write(&mark, "").map_err(crate::error::io_err(&mark))?;
        }
        let build = temp.join("build_id");
        std::fs::write(&build, format!("{}\n", image.build_id))
            .map_err(crate::error::io_err(&build))
    })();
    if let Err(e) = fetched {
        let _ = std::fs::remove_dir_all(&temp);
        // The directories made for it go too, as far as they are empty.
        let mut dir = Some(parent);
        while let Some(d) = dir.filter(|d| d.file_name().is_some_and(|n| n != "download")) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        return Err(e);
    }
    // The old cache steps aside before the new one takes its name.
    let old = parent.join(format!(".{}.old-{}", o.wanted.variant, std::process::id()));
    if cache.exists() {
        std::fs::rename(cache, &old).map_err(crate::error::io_err(cache))?;
    }
    std::fs::rename(&temp, cache).map_err(crate::error::io_err(cache))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(crate::error::io_err(&old))?;
    }
    say("The image cache is now ready");
    Ok(())
}

/// The container's config: the image's `config`, then the container's own lines (network
/// lines last), placeholders filled; then the files listed in `templates` inside the rootfs.
fn assemble(c: &mut Container, cache: &Path, rootfs: &Path, user: bool) -> Result<()> {
    let config_file = relevant(cache, "config", user);
    let image_config = std::fs::read_to_string(&config_file).map_err(|_| {
        fail(
            c,
            format!(
                "the image has no {} in its metadata",
                config_file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
            ),
        )
    })?;
    let fstab = std::fs::read_to_string(relevant(cache, "fstab", user)).ok();
    let file = c.dir().join("config");
    let current = std::fs::read_to_string(&file).map_err(crate::error::io_err(&file))?;
    let (network, own): (Vec<&str>, Vec<&str>) = current
        .lines()
        .filter(|l| l.trim_start().starts_with("lxc."))
        .partition(|l| {
            l.trim_start().starts_with("lxc.net.0") || l.trim_start().starts_with("lxc.network")
        });
    let mut text = format!("# Distribution configuration\n{image_config}");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n# Container specific configuration\n");
    for line in own.iter().filter(|l| !l.starts_with("lxc.uts.name")) {
        text.push_str(line);
        text.push('\n');
    }
    if fstab.is_some() {
        text.push_str("lxc.mount.fstab = LXC_PATH/fstab\n");
    }
    text.push_str(&format!("lxc.uts.name = {}\n", c.name()));
    text.push_str("\n# Network configuration\n");
    for line in network {
        text.push_str(line);
        text.push('\n');
    }
    let fill_with = placeholders(c, rootfs);
    let fill = |t: &str| {
        fill_with
            .iter()
            .fold(t.to_string(), |text, (key, value)| text.replace(key, value))
    };
    if let Some(fstab) = fstab {
        let target = c.dir().join("fstab");
        std::fs::write(&target, fill(&fstab)).map_err(crate::error::io_err(&target))?;
    }
    std::fs::write(&file, fill(&text)).map_err(crate::error::io_err(&file))?;
    c.load_config(Some(&file))?;
    Ok(())
}
