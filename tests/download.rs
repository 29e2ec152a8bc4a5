//! The download template against an image server of the test's own (HTTPS with a test CA,
//! on 127.0.0.1): the seed's messages, a container that starts, the cache (reuse, expiry,
//! --force-cache with the server down, --flush-cache), --list, and bad images refused with
//! nothing left behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::process::Stdio;
use support::images::*;
use support::*;

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
