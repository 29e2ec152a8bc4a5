//! The download template against an image server of the test's own (HTTPS with a test CA,
//! on 127.0.0.1): the seed's messages, a container that starts, the cache (reuse, expiry,
//! --force-cache with the server down, --flush-cache), --list, and bad images refused with
//! nothing left behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use support::*;

const BUILD: &str = "20261129_12:00";

fn sh(script: &str) {
    let out = Command::new("sh").args(["-ec", script]).output().unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
}

/// A CA and a certificate for 127.0.0.1 signed by it.
fn make_certs(dir: &Path) {
    sh(&format!(
        "cd {} && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
         -subj /CN=lxc-rs-test-ca -days 2 2>/dev/null && \
         openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
         -subj /CN=127.0.0.1 2>/dev/null && \
         printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext && \
         openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
         -out server.pem -days 2 -extfile ext 2>/dev/null",
        dir.display()
    ));
}

/// The server tree: an index and one busybox image built from our own template's rootfs.
fn make_image(env: &Env, srv: &Path, rootfs_tar: Option<&str>) {
    let base = env.name("img");
    env.create_busybox(&base);
    let rootfs = env.container_dir(&base).join("rootfs");
    std::fs::write(rootfs.join("etc/hostname"), "LXC_NAME\n").unwrap();
    let image = srv.join(format!("images/busybox/1.36/amd64/default/{BUILD}"));
    std::fs::create_dir_all(&image).unwrap();
    std::fs::create_dir_all(srv.join("meta/1.0")).unwrap();
    std::fs::write(
        srv.join("meta/1.0/index-system"),
        format!(
            "busybox;1.36;amd64;default;{BUILD};/images/busybox/1.36/amd64/default/{BUILD}/\n\
             busybox;1.37;amd64;default;{BUILD};/images/busybox/1.37/amd64/default/{BUILD}/\n"
        ),
    )
    .unwrap();
    // Unprivileged callers see only what works in a user namespace.
    std::fs::write(
        srv.join("meta/1.0/index-user"),
        format!("busybox;1.36;amd64;default;{BUILD};/images/busybox/1.36/amd64/default/{BUILD}/\n"),
    )
    .unwrap();
    let meta = env.root.join("meta");
    std::fs::create_dir_all(&meta).unwrap();
    let expiry = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    std::fs::write(meta.join("expiry"), format!("{expiry}\n")).unwrap();
    std::fs::write(
        meta.join("config"),
        "lxc.arch = x86_64\nlxc.signal.halt = SIGUSR1\nlxc.signal.reboot = SIGTERM\n\
         lxc.init.cmd = /sbin/init\nlxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n",
    )
    .unwrap();
    std::fs::write(
        meta.join("config-user"),
        "lxc.arch = x86_64\nlxc.signal.halt = SIGUSR1\nlxc.init.cmd = /sbin/init\n\
         lxc.environment = IMAGE_MODE=user\n",
    )
    .unwrap();
    std::fs::write(meta.join("excludes-user"), "./dev/ttyS9\n./var/spool\n").unwrap();
    std::fs::write(meta.join("templates"), "/etc/hostname\n").unwrap();
    std::fs::write(
        meta.join("create-message"),
        "You just created a busybox container.\n",
    )
    .unwrap();
    sh(&format!(
        "tar -C {} -cJf {}/meta.tar.xz .",
        meta.display(),
        image.display()
    ));
    match rootfs_tar {
        Some(script) => sh(&script
            .replace("OUT", &format!("{}/rootfs.tar.xz", image.display()))
            .replace("ROOTFS", &rootfs.display().to_string())),
        None => sh(&format!(
            "tar -C {} --numeric-owner -cJf {}/rootfs.tar.xz .",
            rootfs.display(),
            image.display()
        )),
    }
}

/// Sign the index and the tarballs with a new OpenPGP key (GnuPG, in a home of the test's
/// own), and export its public key as the test's keyring.
fn sign(env: &Env, srv: &Path) {
    let gpg = new_key(env);
    let img = srv.join(format!("images/busybox/1.36/amd64/default/{BUILD}"));
    sh(&format!(
        "for f in {srv}/meta/1.0/index-system {srv}/meta/1.0/index-user {img}/rootfs.tar.xz \
           {img}/meta.tar.xz; do \
           {gpg} --yes --armor --detach-sign -o $f.asc $f; done",
        srv = srv.display(),
        img = img.display(),
    ));
}

/// A new signing key in a GnuPG home of the test's own (`<root>/gnupg`), its public half
/// exported as the test's keyring (`<root>/keyring.asc`); the gpg command line for it.
fn new_key(env: &Env) -> String {
    let home = env.root.join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let gpg = format!(
        "GNUPGHOME={} gpg --batch --quiet --pinentry-mode loopback --passphrase ''",
        home.display()
    );
    sh(&format!(
        "{gpg} --quick-gen-key 'lxc-rs test images <images@invalid>' ed25519 sign 1d && \
         {gpg} --armor --export > {keyring}",
        keyring = env.root.join("keyring.asc").display(),
    ));
    gpg
}

impl Drop for Env2 {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--kill")
            .arg("gpg-agent")
            .env("GNUPGHOME", self.0.join("gnupg"))
            .status();
    }
}

/// Stops the GnuPG agent of a test's home when the test ends.
struct Env2(PathBuf);

/// The HTTPS server, stopped on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(srv: &Path, certs: &Path) -> Server {
        let mut child = Command::new("python3")
            .arg(repo().join("tests/python/https_server.py"))
            .arg(srv)
            .arg(certs.join("server.pem"))
            .arg(certs.join("server.key"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        Server {
            port: line.trim().parse().unwrap(),
            child,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Site {
    _agent: Env2,
    env: Env,
    certs: PathBuf,
    cache: PathBuf,
    server: Option<Server>,
}

impl Site {
    /// `rootfs_tar` makes the rootfs tarball (OUT); `after_sign` then changes the signed
    /// server tree (SRV, IMG: the image's directory).
    fn new(tag: &str, rootfs_tar: Option<&str>, after_sign: Option<&str>) -> Site {
        let env = Env::new(tag);
        let certs = env.root.join("certs");
        let srv = env.root.join("srv");
        std::fs::create_dir_all(&certs).unwrap();
        make_certs(&certs);
        make_image(&env, &srv, rootfs_tar);
        sign(&env, &srv);
        if let Some(script) = after_sign {
            let img = srv.join(format!("images/busybox/1.36/amd64/default/{BUILD}"));
            sh(&script
                .replace("SRV", &srv.display().to_string())
                .replace("IMG", &img.display().to_string()));
        }
        let server = Some(Server::start(&srv, &certs));
        let cache = env.root.join("cache");
        Site {
            _agent: Env2(env.root.clone()),
            env,
            certs,
            cache,
            server,
        }
    }

    fn create(&self, name: &str, extra: &[&str]) -> std::process::Output {
        let port = self.server.as_ref().map_or(1, |s| s.port);
        let ca = self.certs.join("ca.pem");
        let keyring = self.env.root.join("keyring.asc").display().to_string();
        let args = [&["--keyring", keyring.as_str()], extra].concat();
        self.run(name, &format!("127.0.0.1:{port}"), Some(&ca), &args)
    }

    /// `lxc-create -t download` against `server`, trusting `ca` (else the system's roots).
    fn run(
        &self,
        name: &str,
        server: &str,
        ca: Option<&Path>,
        extra: &[&str],
    ) -> std::process::Output {
        let mut cmd = self.env.cmd("lxc-create");
        cmd.args([
            "-P",
            &self.env.lxcpath,
            "-n",
            name,
            "-t",
            "download",
            "--",
            "--server",
            server,
        ])
        .args(extra)
        .env("LXC_CACHE_PATH", &self.cache);
        if let Some(ca) = ca {
            cmd.env("SSL_CERT_FILE", ca);
        }
        cmd.output().unwrap()
    }
}

const MINI: [&str; 6] = ["-d", "mini", "-r", "1", "-a", "amd64"];
const IMAGE: [&str; 6] = ["-d", "busybox", "-r", "1.36", "-a", "amd64"];

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_download_template_creates_caches_and_lists() {
    let mut site = Site::new("download", None, None);
    let env = &site.env;
    let p1 = env.name("p1");
    let out = site.create(&p1, &IMAGE);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Setting up the GPG keyring\nDownloading the image index\nDownloading the rootfs\n\
         Downloading the metadata\n\
         The image cache is now ready\nUnpacking the rootfs\n\n---\nYou just created a busybox container.\n"
    );
    let config = std::fs::read_to_string(env.container_dir(&p1).join("config")).unwrap();
    assert!(
        config.starts_with("# Distribution configuration\nlxc.arch = x86_64\n"),
        "{config}"
    );
    assert!(
        config.contains(&format!("lxc.uts.name = {p1}\n")),
        "{config}"
    );
    env.ok("lxc-start", &["-n", &p1]);
    assert_eq!(
        env.sh(&p1, "cat /etc/hostname; hostname"),
        format!("{p1}\n{p1}\n")
    );
    env.ok("lxc-stop", &["-n", &p1, "-k"]);
    let cached = site.cache.join("download/busybox/1.36/amd64/default");
    assert_eq!(
        std::fs::read_to_string(cached.join("build_id")).unwrap(),
        format!("{BUILD}\n")
    );

    // Cached: no download at all.
    let p2 = env.name("p2");
    let out = site.create(&p2, &IMAGE);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("Using image from local cache\nUnpacking the rootfs\n"),
        "{}",
        text(&out)
    );
    // Expired: the index again, and the same build needs no download.
    std::fs::write(cached.join("expiry"), "1\n").unwrap();
    let p3 = env.name("p3");
    let out = site.create(&p3, &IMAGE);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(
            "The cached copy has expired, re-downloading...\nSetting up the GPG keyring\n\
             Downloading the image index\nThe cache is already up to date\n"
        ),
        "{}",
        text(&out)
    );
    // --list: the table, and no container.
    let p4 = env.name("p4");
    let out = site.create(&p4, &["--list", "-r", "1.37"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains(&format!("busybox\t1.37\tamd64\tdefault\t{BUILD}\n"))
            && !listed.contains("1.36"),
        "{listed}"
    );
    assert!(!env.container_dir(&p4).exists());

    // Interactive: the table, then a prompt for each of -d/-r/-a not given.
    let interactive = |name: &str, answers: &str| {
        use std::io::Write;
        let port = site.server.as_ref().unwrap().port;
        let mut child = env
            .cmd("lxc-create")
            .args([
                "-P",
                &env.lxcpath,
                "-n",
                name,
                "-t",
                "download",
                "--",
                "-a",
                "amd64",
            ])
            .args(["--server", &format!("127.0.0.1:{port}"), "--keyring"])
            .arg(env.root.join("keyring.asc"))
            .env("SSL_CERT_FILE", site.certs.join("ca.pem"))
            .env("LXC_CACHE_PATH", &site.cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let p8 = env.name("p8");
    let out = interactive(&p8, "busybox\n1.36\n");
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("DIST\tRELEASE") && said.contains("\nDistribution: Release: \n"),
        "{said}"
    );
    assert!(!said.contains("Architecture:"), "{said}");
    assert!(env.container_dir(&p8).join("rootfs/bin/busybox").exists());
    let p9 = env.name("p9");
    let out = interactive(&p9, "");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no distribution given"),
        "{}",
        text(&out)
    );
    assert!(!env.container_dir(&p9).exists());

    // The default server from the global lxc.conf (`lxc.download.server`).
    let port = site.server.as_ref().unwrap().port;
    let mut global = std::fs::read_to_string(&env.global).unwrap();
    global.push_str(&format!("lxc.download.server = 127.0.0.1:{port}\n"));
    std::fs::write(&env.global, global).unwrap();
    let p7 = env.name("p7");
    let keyring = env.root.join("keyring.asc");
    let out = env
        .cmd("lxc-create")
        .args([
            "-P",
            &env.lxcpath,
            "-n",
            &p7,
            "-t",
            "download",
            "--",
            "--flush-cache",
            "--keyring",
        ])
        .arg(&keyring)
        .args(IMAGE)
        .env("SSL_CERT_FILE", site.certs.join("ca.pem"))
        .env("LXC_CACHE_PATH", &site.cache)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Downloading the rootfs"),
        "{}",
        text(&out)
    );

    // The server goes away: --force-cache still creates; --flush-cache then fails and the
    // cache is gone.
    site.server = None;
    let p5 = env.name("p5");
    let out = site.create(&p5, &[&IMAGE[..], &["--force-cache"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    let p6 = env.name("p6");
    let out = site.create(&p6, &[&IMAGE[..], &["--flush-cache"]].concat());
    assert!(!out.status.success());
    assert!(text(&out).contains("127.0.0.1"), "{}", text(&out));
    assert!(!cached.exists() && !env.container_dir(&p6).exists());
}

#[test]
fn bad_images_and_requests_leave_nothing() {
    let site = Site::new("downloadbad", None, None);
    let env = &site.env;
    let name = env.name("b");
    let gone = |name: &str| {
        assert!(!env.container_dir(name).exists(), "container {name} left");
        assert!(
            !site.cache.join("download/busybox/1.36").exists(),
            "cache left"
        );
    };
    let out = site.create(&name, &["-d", "busybox", "-r", "9.99", "-a", "amd64"]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("no such image: busybox/9.99/amd64/default") && t.contains("busybox\t1.36\t"),
        "{t}"
    );
    gone(&name);
    // A certificate we do not trust.
    let port = site.server.as_ref().unwrap().port;
    let out = site.run(&name, &format!("127.0.0.1:{port}"), None, &IMAGE);
    assert!(!out.status.success());
    assert!(
        text(&out).to_lowercase().contains("certificate"),
        "{}",
        text(&out)
    );
    gone(&name);
    // Nothing listening.
    let out = site.run(
        &name,
        "127.0.0.1:1",
        Some(&site.certs.join("ca.pem")),
        &IMAGE,
    );
    assert!(!out.status.success());
    gone(&name);

    // Tarballs that reach out of the rootfs, and a truncated one.
    for (tag, script, want) in [
        ("dotdot", "mkdir -p /tmp/$$.d/a && echo x > /tmp/$$.d/a/f && tar -C /tmp/$$.d/a -cJf OUT --transform 's,^./f,../../f,' ./f; rm -rf /tmp/$$.d", "\"..\""),
        ("link", "d=$(mktemp -d) && ln -s /etc $d/evil && mkdir -p $d/x && echo pwned > $d/x/passwd && tar -C $d -cf $d/t.tar ./evil && tar -C $d --transform 's,^./x,./evil,' -rf $d/t.tar ./x/passwd && xz -c $d/t.tar > OUT; rm -rf $d", "not a directory"),
        ("truncated", "d=$(mktemp -d) && head -c 300000 /dev/urandom > $d/big && tar -C $d -cJf $d/t.tar.xz ./big && head -c 20000 $d/t.tar.xz > OUT; rm -rf $d", "rootfs.tar.xz"),
    ] {
        let site = Site::new(&format!("download{tag}"), Some(script), None);
        let name = site.env.name("t");
        let out = site.create(&name, &IMAGE);
        assert!(!out.status.success(), "{tag}: {}", text(&out));
        assert!(text(&out).contains(want), "{tag}: {}", text(&out));
        assert!(!site.env.container_dir(&name).exists(), "{tag}: container left");
        assert!(!site.cache.join("download/busybox/1.36/amd64/default").exists(), "{tag}: cached");
        assert!(!std::fs::read_to_string("/etc/passwd").unwrap().contains("pwned"));
    }

    // Signatures: an altered tarball or index, a missing signature.
    for (tag, change, want) in [
        (
            "altered",
            "printf x >> IMG/rootfs.tar.xz",
            "rootfs.tar.xz: BAD signature",
        ),
        (
            "index",
            "echo 'x;y;amd64;default;1;/x/' >> SRV/meta/1.0/index-system",
            "index-system: BAD signature",
        ),
        (
            "unsigned",
            "rm IMG/meta.tar.xz.asc",
            "meta.tar.xz: missing signature",
        ),
        // The signing key was revoked after it signed: the keyring says so now.
        (
            "revoked",
            "H=SRV/../gnupg; for f in $H/openpgp-revocs.d/*.rev; do \
               sed 's/^:-----/-----/' $f | GNUPGHOME=$H gpg --batch --quiet --import; done; \
             GNUPGHOME=$H gpg --batch --armor --export > SRV/../keyring.asc",
            "index-system: signed by a key that is revoked",
        ),
    ] {
        let site = Site::new(&format!("download{tag}"), None, Some(change));
        let name = site.env.name("s");
        let out = site.create(&name, &IMAGE);
        assert!(!out.status.success(), "{tag}: {}", text(&out));
        assert!(text(&out).contains(want), "{tag}: {}", text(&out));
        assert!(
            !site.env.container_dir(&name).exists(),
            "{tag}: container left"
        );
        assert!(
            !site.cache.join("download/busybox/1.36").exists(),
            "{tag}: cached"
        );
        // --no-validate takes the server's word, with a warning.
        if tag == "unsigned" {
            let out = site.create(&name, &[&IMAGE[..], &["--no-validate"]].concat());
            assert!(out.status.success(), "{}", text(&out));
            assert!(text(&out).contains("WARNING: Running without gpg validation!"));
        }
    }
}

/// lxc-image-publish: a container's rootfs becomes a signed image in a server tree that a
/// static HTTPS server serves and the download template creates from; a build is
/// published once.
#[test]
fn a_published_image_is_served_and_created() {
    let env = Env::new("publish");
    let _agent = Env2(env.root.clone());
    let certs = env.root.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    make_certs(&certs);
    new_key(&env);
    let src = env.name("src");
    env.create_busybox(&src);
    let srv = env.root.join("srv");
    let home = env.root.join("gnupg");
    let publish = |extra: &[&str]| {
        let mut cmd = env.cmd("lxc-image-publish");
        cmd.args(["-P", &env.lxcpath, "-n", &src])
            .args(MINI)
            .arg("--out")
            .arg(&srv)
            .args([
                "--build-id",
                BUILD,
                "--sign-key",
                "images@invalid",
                "--gnupg-home",
            ])
            .arg(&home)
            .args(extra);
        cmd.output().unwrap()
    };
    let out = publish(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let img = srv.join(format!("images/mini/1/amd64/default/{BUILD}"));
    for f in [
        "rootfs.tar.xz",
        "rootfs.tar.xz.asc",
        "meta.tar.xz",
        "meta.tar.xz.asc",
    ] {
        assert!(img.join(f).is_file(), "{f}");
    }
    let index = std::fs::read_to_string(srv.join("meta/1.0/index-system")).unwrap();
    assert_eq!(
        index,
        format!("mini;1;amd64;default;{BUILD};/images/mini/1/amd64/default/{BUILD}/\n")
    );
    assert!(
        srv.join("meta/1.0/index-system.asc").is_file()
            && srv.join("meta/1.0/index-user").is_file()
    );
    let out = publish(&[]);
    assert!(
        !out.status.success() && text(&out).contains("that build is published"),
        "{}",
        text(&out)
    );

    let server = Server::start(&srv, &certs);
    let name = env.name("m");
    let out = env
        .cmd("lxc-create")
        .args(["-P", &env.lxcpath, "-n", &name, "-t", "download", "--"])
        .args(MINI)
        .arg("--server")
        .arg(format!("127.0.0.1:{}", server.port))
        .arg("--keyring")
        .arg(env.root.join("keyring.asc"))
        .env("SSL_CERT_FILE", certs.join("ca.pem"))
        .env("LXC_CACHE_PATH", env.root.join("cache"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("You just created a mini 1 amd64 (default) container."),
        "{}",
        text(&out)
    );
    // The image carried LXC_NAME, filled in for this container; the source is untouched.
    let etc_hostname = |c: &str| {
        std::fs::read_to_string(env.container_dir(c).join("rootfs/etc/hostname")).unwrap()
    };
    assert_eq!(etc_hostname(&name).trim(), name);
    assert_eq!(etc_hostname(&src).trim(), src);
    env.ok("lxc-start", &["-n", &name]);
    assert_eq!(env.sh(&name, "hostname"), format!("{name}\n"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// An unprivileged container (`lxc.idmap` in its config) made by root: the user index, the
/// image's `config-user` and `excludes-user`, owners shifted to the mapped host ids (set-id
/// bits kept), the rootfs and directory owned by the container's root; an owner the maps
/// leave out is refused and leaves nothing.
#[test]
fn user_mode_images_for_unprivileged_containers() {
    use std::os::unix::fs::MetadataExt;
    let script = "d=$(mktemp -d) && cp -a ROOTFS/. $d/ && mknod $d/dev/ttyS9 c 4 73 && \
        mkdir -p $d/home/user $d/var/spool/mail && echo hi > $d/home/user/file && \
        chown -R 1000:1001 $d/home/user && echo s > $d/bin/setid && chmod 4755 $d/bin/setid && \
        cp $d/bin/busybox $d/bin/pinger && setcap cap_net_raw+ep $d/bin/pinger && \
        tar -C $d --numeric-owner --xattrs --xattrs-include='*' -cJf OUT . ; rm -rf $d";
    let site = Site::new("usermode", Some(script), None);
    let conf = site.env.root.join("unprivileged.conf");
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 200000 65536\n",
    )
    .unwrap();
    let create = |name: &str, extra: &[&str]| {
        let port = site.server.as_ref().unwrap().port;
        let keyring = site.env.root.join("keyring.asc");
        let mut cmd = site.env.cmd("lxc-create");
        cmd.args(["-P", &site.env.lxcpath, "-n", name, "-t", "download", "-f"])
            .arg(&conf)
            .args(["--", "--server", &format!("127.0.0.1:{port}"), "--keyring"])
            .arg(&keyring)
            .args(extra)
            .env("LXC_CACHE_PATH", &site.cache)
            .env("SSL_CERT_FILE", site.certs.join("ca.pem"));
        cmd.output().unwrap()
    };
    // The user index lists only what works unprivileged.
    let name = site.env.name("u");
    let out = create(&name, &["--list"]);
    let listed = text(&out);
    assert!(listed.contains("busybox\t1.36"), "{listed}");
    assert!(!listed.contains("1.37"), "{listed}");

    let out = create(&name, &IMAGE);
    assert!(out.status.success(), "{}", text(&out));
    let dir = site.env.container_dir(&name);
    let rootfs = dir.join("rootfs");
    let owner = |p: &Path| {
        let m = std::fs::symlink_metadata(p).unwrap();
        (m.uid(), m.gid())
    };
    // Root's container directory stays root's; the rootfs is the container root's.
    assert_eq!(owner(&dir), (0, 0));
    assert_eq!(owner(&rootfs), (100000, 200000));
    assert_eq!(owner(&rootfs.join("bin/busybox")), (100000, 200000));
    assert_eq!(owner(&rootfs.join("home/user/file")), (101000, 201001));
    assert_eq!(owner(&rootfs.join("dev/pts")), (100000, 200000));
    let setid = std::fs::metadata(rootfs.join("bin/setid")).unwrap();
    assert_eq!(setid.mode() & 0o7777, 0o4755);
    // A file capability counts inside the container only (version 3, its root's id).
    let caps = Command::new("getfattr")
        .args(["-n", "security.capability", "-e", "hex"])
        .arg(rootfs.join("bin/pinger"))
        .output()
        .unwrap();
    let caps = String::from_utf8_lossy(&caps.stdout);
    // Revision 3 with the effective flag, cap_net_raw, root id 100000 (0x0186a0).
    assert!(
        caps.contains("=0x0100000300200000000000000000000000000000a0860100"),
        "{caps}"
    );
    // excludes-user: the device node and a whole directory stay out.
    assert!(!rootfs.join("dev/ttyS9").exists());
    assert!(!rootfs.join("var/spool").exists());
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert!(config.contains("IMAGE_MODE=user"), "{config}");
    assert!(config.contains("lxc.idmap = u 0 100000 65536"), "{config}");
    let hostname = std::fs::read_to_string(rootfs.join("etc/hostname")).unwrap();
    assert_eq!(hostname.trim(), name);
    // It starts, unprivileged: root in there, the image's files its own.
    site.env.ok("lxc-start", &["-n", &name]);
    let inside = site.env.sh(&name, "id -u; stat -c %u /bin/busybox");
    assert_eq!(inside, "0\n0\n");
    site.env.ok("lxc-stop", &["-n", &name, "-k"]);
    site.env.ok("lxc-destroy", &["-n", &name]);

    // Maps that leave out uid 1000 cannot hold the image: refused, nothing left.
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\nlxc.idmap = u 0 100000 1000\nlxc.idmap = g 0 200000 65536\n",
    )
    .unwrap();
    let name = site.env.name("u");
    let out = create(&name, &IMAGE);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("home/user") && text(&out).contains("not mapped"),
        "{}",
        text(&out)
    );
    assert!(!site.env.container_dir(&name).exists());
}

/// The seed's unprivileged flow: a non-root user with subordinate ids creates a container
/// from the download template (user index and metadata, files owned by the user's mapped
/// ids, unpacked as root of the container's user namespace through newuidmap/newgidmap),
/// lists it and destroys it. The user and its /etc/subuid lines exist only in a private
/// mount namespace (an overlay on /etc), so the host is not changed.
#[test]
fn a_non_root_user_creates_and_destroys_an_unprivileged_container() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::new("nonroot", None, None);
    let env = &site.env;
    let conf = env.root.join("user.conf");
    std::fs::write(
        &conf,
        "lxc.net.0.type = empty\nlxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n\
         lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n",
    )
    .unwrap();
    let port = site.server.as_ref().unwrap().port;
    let mut user = support::user::User::new(env, "10.231.7.1/24");
    user.env.push((
        "SSL_CERT_FILE".into(),
        site.certs.join("ca.pem").display().to_string(),
    ));
    let as_user = |tool: &str, args: &str| user.tool(tool, args);
    let lxcpath = user.lxcpath.clone();
    let bridge = &user.bridge;
    let delegated = &user.delegated;
    let name = env.name("nr");
    let out = as_user(
        "lxc-create",
        &format!(
            "-n {name} -f {conf} -t download -- --server 127.0.0.1:{port} --keyring {keyring} \
             -d busybox -r 1.36 -a amd64",
            conf = conf.display(),
            keyring = env.root.join("keyring.asc").display(),
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("You just created a busybox container."),
        "{}",
        text(&out)
    );
    let dir = lxcpath.join(&name);
    let meta = |p: &Path| std::fs::symlink_metadata(p).unwrap();
    assert_eq!((meta(&dir).uid(), meta(&dir).gid()), (300000, 4242));
    assert_eq!(meta(&dir).mode() & 0o777, 0o770);
    let rootfs = dir.join("rootfs");
    assert_eq!((meta(&rootfs).uid(), meta(&rootfs).gid()), (300000, 300000));
    let busybox = meta(&rootfs.join("bin/busybox"));
    assert_eq!((busybox.uid(), busybox.gid()), (300000, 300000));
    assert_eq!(meta(&dir.join("config")).uid(), 4242);
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert!(config.contains("IMAGE_MODE=user"), "{config}");
    let hostname = std::fs::read_to_string(rootfs.join("etc/hostname")).unwrap();
    assert_eq!(hostname.trim(), name);
    // The user's own cache.
    assert!(user
        .root
        .join("cache/download/busybox/1.36/amd64/default/rootfs.tar.xz")
        .is_file());

    // The user copies it (as the container's root, inside its user namespace), starts the
    // copy under its own name, snapshots the original and lists the snapshot.
    let copy = format!("{name}-copy");
    let out = as_user("lxc-copy", &format!("-n {name} -N {copy}"));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        meta(&lxcpath.join(&copy).join("rootfs/bin/busybox")).uid(),
        300000
    );
    let out = as_user("lxc-start", &format!("-n {copy}"));
    assert!(out.status.success(), "{}", text(&out));
    let out = as_user("lxc-attach", &format!("-n {copy} -- cat /etc/hostname"));
    assert_eq!(text(&out).trim(), copy);
    as_user("lxc-stop", &format!("-n {copy} -k"));
    let out = as_user("lxc-destroy", &format!("-n {copy}"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!lxcpath.join(&copy).exists());
    let out = as_user("lxc-snapshot", &format!("-n {name}"));
    assert!(out.status.success(), "{}", text(&out));
    let out = as_user("lxc-snapshot", &format!("-n {name} -L"));
    assert!(text(&out).starts_with("snap0 "), "{}", text(&out));
    let out = as_user("lxc-ls", "");
    assert!(text(&out).contains(&name), "{}", text(&out));
    // The seed's next steps, as the user: start it, see it running, get into it, stop it.
    let out = as_user("lxc-start", &format!("-n {name}"));
    assert!(out.status.success(), "{}", text(&out));
    let out = as_user("lxc-ls", "--fancy");
    let fancy = text(&out);
    assert!(
        fancy
            .lines()
            .any(|l| l.starts_with(&name) && l.contains("RUNNING")),
        "{fancy}"
    );
    let out = as_user(
        "lxc-attach",
        &format!("-n {name} -- sh -c 'id -u; cat /proc/self/uid_map; touch /root/x'"),
    );
    let inside: Vec<String> = text(&out).split_whitespace().map(String::from).collect();
    assert_eq!(inside, ["0", "0", "300000", "65536"], "{}", text(&out));
    assert_eq!(meta(&rootfs.join("root/x")).uid(), 300000);
    let out = as_user("lxc-stop", &format!("-n {name} -k"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(no_monitor(&lxcpath.display().to_string(), &name));
    // Its cgroups went.
    assert!(
        delegated.children().is_empty(),
        "{:?}",
        delegated.children()
    );

    // A veth on the bridge, made by our setuid lxc-user-nic within the user's allowance.
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    let veth = format!(
        "lxc.net.0.type = veth\nlxc.net.0.link = {}\nlxc.net.0.flags = up\n\
         lxc.net.0.ipv4.address = 10.231.7.2/24",
        bridge.name
    );
    std::fs::write(
        dir.join("config"),
        config.replace("lxc.net.0.type = empty", &veth),
    )
    .unwrap();
    let out = as_user("lxc-start", &format!("-n {name}"));
    assert!(out.status.success(), "{}", text(&out));
    let out = as_user(
        "lxc-attach",
        &format!("-n {name} -- ping -c 1 -W 5 10.231.7.1"),
    );
    assert!(out.status.success(), "{}", text(&out));
    // Unlike LXC 1.0's, the user's tools see into it: its address in lxc-ls and lxc-info.
    let out = as_user("lxc-ls", "--fancy");
    assert!(text(&out).contains("10.231.7.2"), "{}", text(&out));
    let out = as_user("lxc-info", &format!("-n {name} -i"));
    assert!(text(&out).contains("10.231.7.2"), "{}", text(&out));
    let ports = Command::new("ip")
        .args(["-o", "link", "show", "master", &bridge.name])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&ports.stdout).contains("veth4242_"),
        "{}",
        String::from_utf8_lossy(&ports.stdout)
    );
    as_user("lxc-stop", &format!("-n {name} -k"));
    // Two NICs with an allowance of one: the second is refused, and the start with it.
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    let second = format!(
        "{config}lxc.net.1.type = veth\nlxc.net.1.link = {}\n",
        bridge.name
    );
    std::fs::write(dir.join("config"), second).unwrap();
    let out = as_user("lxc-start", &format!("-n {name}"));
    assert!(!out.status.success());
    assert!(text(&out).contains("Quota reached"), "{}", text(&out));
    assert!(no_monitor(&lxcpath.display().to_string(), &name));
    let out = as_user("lxc-destroy", &format!("-n {name} -s"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!dir.exists());

    // Without maps the user is told what is missing.
    let bare = env.root.join("bare.conf");
    std::fs::write(&bare, "lxc.net.0.type = empty\n").unwrap();
    let out = as_user(
        "lxc-create",
        &format!(
            "-n {name} -f {} -t download -- --server 127.0.0.1:{port} -d busybox -r 1.36 -a amd64",
            bare.display()
        ),
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("needs lxc.idmap"), "{}", text(&out));
    assert!(!dir.exists());
}
