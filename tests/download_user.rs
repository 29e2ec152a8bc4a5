//! The download template for unprivileged containers: user mode (`index-user`,
//! `config-user`, `excludes-user`, owners through the container's user namespace) for root's
//! unprivileged containers, and the seed's whole unprivileged flow as a non-root user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::Path;
use std::process::Command;
use support::images::*;
use support::*;

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

/// The seed's unprivileged post as written, for a user with nothing pointed elsewhere: its
/// `~/.config/lxc/default.conf` (1.0's keys: a veth on the bridge, `lxc.id_map`), the
/// default server and keyring in `~/.config/lxc`, then `lxc-create -t download -n p1 -- -d
/// ... -r ... -a amd64` with the seed's messages, `lxc-start -n p1 -d`, `lxc-ls --fancy`.
#[test]
fn the_seeds_unprivileged_post_as_a_user() {
    let site = Site::new("seedpost", None, None);
    let env = &site.env;
    let mut user = support::user::User::new(env, "10.231.9.1/24");
    user.env.push((
        "SSL_CERT_FILE".into(),
        site.certs.join("ca.pem").display().to_string(),
    ));
    let config_dir = user.home().join(".config/lxc");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("default.conf"),
        format!(
            "lxc.network.type = veth\nlxc.network.link = {}\nlxc.network.flags = up\n\
             lxc.network.hwaddr = 00:16:3e:xx:xx:xx\nlxc.id_map = u 0 300000 65536\n\
             lxc.id_map = g 0 300000 65536\n",
            user.bridge.name
        ),
    )
    .unwrap();
    let port = site.server.as_ref().unwrap().port;
    std::fs::write(
        config_dir.join("lxc.conf"),
        format!("lxc.download.server = 127.0.0.1:{port}\n"),
    )
    .unwrap();
    std::fs::copy(
        env.root.join("keyring.asc"),
        config_dir.join("download-keyring.asc"),
    )
    .unwrap();
    let chown = Command::new("chown")
        .args(["-R", "4242:4242"])
        .arg(user.home())
        .status()
        .unwrap();
    assert!(chown.success());

    let p1 = env.name("p1");
    let out = user.plain_tool(
        "lxc-create",
        &format!("-t download -n {p1} -- -d busybox -r 1.36 -a amd64"),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Setting up the GPG keyring\nDownloading the image index\nDownloading the rootfs\n\
         Downloading the metadata\nThe image cache is now ready\nUnpacking the rootfs\n\n---\n\
         You just created a busybox container.\n"
    );
    let own = user.home().join(".local/share/lxc").join(&p1);
    assert!(own.join("rootfs/bin/busybox").is_file());
    assert!(user
        .home()
        .join(".cache/lxc/download/busybox/1.36/amd64/default/build_id")
        .is_file());
    let out = user.plain_tool("lxc-start", &format!("-n {p1} -d"));
    assert!(out.status.success(), "{}", text(&out));
    let out = user.plain_tool("lxc-ls", "--fancy");
    let fancy = text(&out);
    assert!(
        fancy
            .lines()
            .any(|l| l.starts_with(&p1) && l.contains("RUNNING")),
        "{fancy}"
    );
    let out = user.plain_tool(
        "lxc-attach",
        &format!("-n {p1} -- sh -c 'id -u; ip -o link'"),
    );
    let inside = text(&out);
    assert!(
        inside.starts_with("0\n") && inside.contains("eth0"),
        "{inside}"
    );
    let out = user.plain_tool("lxc-stop", &format!("-n {p1} -k"));
    assert!(out.status.success(), "{}", text(&out));
    let out = user.plain_tool("lxc-destroy", &format!("-n {p1}"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!own.exists());
}
