//! lxc-image-publish: `[-n NAME [-P LXCPATH] | --rootfs DIR] -d DIST -r RELEASE -a ARCH
//! [--variant V] --out DIR [--build-id ID] [--expiry DAYS] [--config FILE] [--message FILE]
//! [--sign-key KEY [--gnupg-home DIR]]`: an image for one's own server (lxc-rs's own tool).

use crate::common::{about, fail, parse, usage_line, Handled, Res};
use lexopt::prelude::*;
use lxc::templates::publish::Publish;
use std::path::PathBuf;

const HELP: &str = "[-n NAME | --rootfs DIR] -d DIST -r RELEASE -a ARCH [--variant V] --out DIR [--build-id ID] [--expiry DAYS] [--config FILE] [--message FILE] [--sign-key KEY [--gnupg-home DIR]]

lxc-image-publish (lxc-rs's own) adds an image of the stopped container NAME, or of the
rootfs DIR, to an image server's tree in DIR, in the layout the download template reads.

Options :
  -n, --name=NAME        The container to publish
      --rootfs=DIR       Or a rootfs directory
  -d, --dist=DIST        The distribution's name in the index
  -r, --release=RELEASE  Its release
  -a, --arch=ARCH        Its architecture
      --variant=V        Its variant (default: default)
      --out=DIR          The server's tree to add it to
      --build-id=ID      The build's name (default: the date and time)
      --expiry=DAYS      Days until the download template's cache renews it (default 30)
      --config=FILE      The image's container configuration
      --message=FILE     The message lxc-create prints after a download
      --sign-key=KEY     Sign the index and the files with this GnuPG key
      --gnupg-home=DIR   The GnuPG home holding that key
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut p = Publish::default();
    let mut rootfs = None;
    let mut out = None;
    let mut files: Vec<(&str, String)> = Vec::new();
    let common = parse("lxc-image-publish", HELP, args, |parser, arg| {
        let mut value = || -> Res<String> { Ok(parser.value()?.string()?) };
        match arg {
            Short('d') | Long("dist") => p.dist = value()?,
            Short('r') | Long("release") => p.release = value()?,
            Short('a') | Long("arch") => p.arch = value()?,
            Long("variant") => p.variant = value()?,
            Long("rootfs") => rootfs = Some(PathBuf::from(value()?)),
            Long("out") => out = Some(PathBuf::from(value()?)),
            Long("build-id") => p.build_id = Some(value()?),
            Long("expiry") => {
                let v = value()?;
                p.expiry_days = Some(v.parse().map_err(|_| fail(format!("--expiry {v}: days")))?);
            }
            Long("config") => files.push(("config", value()?)),
            Long("message") => files.push(("message", value()?)),
            Long("sign-key") => p.sign_key = Some(value()?),
            Long("gnupg-home") => p.gnupg_home = Some(PathBuf::from(value()?)),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    for (what, file) in files {
        let text = std::fs::read_to_string(&file).map_err(|e| fail(format!("{file}: {e}")))?;
        match what {
            "config" => p.config = Some(text),
            _ => p.create_message = Some(text),
        }
    }
    p.out = out.ok_or_else(|| {
        fail(format!(
            "--out is needed\nUsage: lxc-image-publish {}",
            usage_line(HELP)
        ))
    })?;
    p.rootfs = match (rootfs, &common.name) {
        (Some(dir), _) => dir,
        (None, Some(name)) => {
            let c = common.container()?;
            lxc::storage::rootfs_dir(&c)
                .map_err(|e| fail(about(name, e)))?
                .ok_or_else(|| fail(format!("{name}: its rootfs is not a directory")))?
        }
        (None, None) => {
            return Err(fail(format!(
                "-n NAME or --rootfs DIR\nUsage: lxc-image-publish {}",
                usage_line(HELP)
            )))
        }
    };
    p.source_name = common.name.clone();
    let dir = lxc::templates::publish::publish(&p).map_err(|e| fail(e.to_string()))?;
    println!("{}", dir.display());
    Ok(0)
}
