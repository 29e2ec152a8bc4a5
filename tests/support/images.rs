//! An image server of a test's own for the download template: a test CA and an HTTPS
//! server on 127.0.0.1 (Python's), an image built from our busybox rootfs with its index
//! and metadata (system and user mode), signed by a GnuPG key made for the test.
#![allow(dead_code)]

use super::{repo, Env};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const BUILD: &str = "20261129_12:00";

pub fn sh(script: &str) {
    let out = Command::new("sh").args(["-ec", script]).output().unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
}

/// A CA and a certificate for 127.0.0.1 signed by it.
pub fn make_certs(dir: &Path) {
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
pub fn make_image(env: &Env, srv: &Path, rootfs_tar: Option<&str>) {
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
pub fn sign(env: &Env, srv: &Path) {
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
pub fn new_key(env: &Env) -> String {
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
pub struct Env2(pub PathBuf);

/// The HTTPS server, stopped on drop.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn start(srv: &Path, certs: &Path) -> Server {
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

pub struct Site {
    _agent: Env2,
    pub env: Env,
    pub certs: PathBuf,
    pub cache: PathBuf,
    pub server: Option<Server>,
}

impl Site {
    /// `rootfs_tar` makes the rootfs tarball (OUT); `after_sign` then changes the signed
    /// server tree (SRV, IMG: the image's directory).
    pub fn new(tag: &str, rootfs_tar: Option<&str>, after_sign: Option<&str>) -> Site {
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

    pub fn create(&self, name: &str, extra: &[&str]) -> std::process::Output {
        let port = self.server.as_ref().map_or(1, |s| s.port);
        let ca = self.certs.join("ca.pem");
        let keyring = self.env.root.join("keyring.asc").display().to_string();
        let args = [&["--keyring", keyring.as_str()], extra].concat();
        self.run(name, &format!("127.0.0.1:{port}"), Some(&ca), &args)
    }

    /// `lxc-create -t download` against `server`, trusting `ca` (else the system's roots).
    pub fn run(
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

pub const MINI: [&str; 6] = ["-d", "mini", "-r", "1", "-a", "amd64"];
pub const IMAGE: [&str; 6] = ["-d", "busybox", "-r", "1.36", "-a", "amd64"];

pub fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
