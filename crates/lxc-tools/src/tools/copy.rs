//! lxc-copy (`-n NAME -N NEWNAME [-p NEWPATH] [-s] [-B BACKEND] [-K] [-M] [-a] [-L SIZE]
//! [-R] [-- hook args]`) and LXC 1.0's lxc-clone (`[-o] ORIG [-n] NEW [-s] [-B BACKEND]
//! [-K] [-M] [-p LXCPATH] [-P NEWPATH] [-L SIZE]`).

use crate::common::{about, fail, parse, usage_line, Handled, Res};
use lexopt::prelude::*;
use lxc::clone::{
    CloneSpec, CLONE_ALLOW_RUNNING, CLONE_KEEPMACADDR, CLONE_KEEPNAME, CLONE_SNAPSHOT,
};

/// What both tools gather before cloning.
#[derive(Default)]
struct Request {
    new_name: Option<String>,
    spec: CloneSpec,
    rename: bool,
    ephemeral: bool,
    keep_data: bool,
    foreground: bool,
    mounts: Vec<String>,
}

const COPY_HELP: &str = "--name=NAME [-P lxcpath] -N newname [-p newpath] [-B backingstorage] [-s] [-K] [-M] [-L size [unit]] [-a] [-R] -- hook options

lxc-copy copies the container NAME as NEWNAME (a full copy, or with -s a snapshot clone),
renames it, or with -e starts a temporary copy of it.

Options :
  -n, --name=NAME             The container to copy
  -N, --newname=NEWNAME       The new container's name
  -p, --newpath=NEWPATH       The new container's lxcpath (default: the original's)
  -R, --rename                Rename the container instead of copying it
  -s, --snapshot              A snapshot clone (overlay, btrfs, zfs, lvm) instead of a copy
  -a, --allowrunning          Snapshot a running container too
  -B, --backingstorage=TYPE   The new container's storage: dir, overlay, btrfs, loop,
                              lvm or zfs
  -L, --fssize=SIZE           The size of a new block device (loop, lvm), e.g. 2G
  -K, --keepname              Keep the hostname (default: the new name)
  -M, --keepmac               Keep the MAC addresses (default: new ones)
  -e, --ephemeral             Start a copy (an overlay of the original by default) that
                              is destroyed when it stops
  -D, --keepdata              With -e: keep the copy after it stops
  -d, --daemon                With -e: run in the background (the default)
  -F, --foreground            With -e: attach this terminal to its console
  -m, --mount=MOUNT           With -e: bind=SRC[:DEST] or overlay=SRC[:DEST] into the copy
  -t, --tmpfs                 With -e: the upper layer on a tmpfs (not supported yet)
      --rcfile=FILE           Load the configuration from FILE
  --  hook options            Passed on to the clone hooks
";

const CLONE_HELP: &str =
    "[-s] [-B backingstore] [-L size] [-K] [-M] [-p lxcpath] [-P newlxcpath] -o orig -n new

lxc-clone copies the container orig as new (LXC 1.0's tool; lxc-copy is its successor).
Here -o, -n, -p and -P mean what is listed below, not what the common options say.

Options :
  -o, --orig=ORIG             The container to copy
  -n, --new=NEW               The new container's name
  -p, --lxcpath=PATH          The original's lxcpath
  -P, --newpath=PATH          The new container's lxcpath
  -s, --snapshot              A snapshot clone instead of a copy
  -B, --backingstore=TYPE     The new container's storage
  -L, --fssize=SIZE           The size of a new block device, e.g. 2G
  -K, --keepname              Keep the hostname
  -M, --keepmac               Keep the MAC addresses
";

fn common_flag(req: &mut Request, p: &mut lexopt::Parser, arg: &lexopt::Arg<'_>) -> Res<bool> {
    match arg {
        Short('s') | Long("snapshot") => req.spec.flags |= CLONE_SNAPSHOT,
        Short('K') | Long("keepname") => req.spec.flags |= CLONE_KEEPNAME,
        Short('M') | Long("keepmac") => req.spec.flags |= CLONE_KEEPMACADDR,
        Short('B') | Long("backingstorage") | Long("backingstore") => {
            req.spec.bdevtype = Some(p.value()?.string()?)
        }
        Short('L') | Long("fssize") | Long("size") => {
            req.spec.newsize = crate::common::parse_size(&p.value()?.string()?)?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

pub fn run_copy(args: Vec<String>) -> Res<i32> {
    let mut req = Request::default();
    let common = parse("lxc-copy", COPY_HELP, args, |p, arg| {
        if common_flag(&mut req, p, arg)? {
            return Ok(Handled::Yes);
        }
        match arg {
            Short('N') | Long("newname") => req.new_name = Some(p.value()?.string()?),
            Short('p') | Long("newpath") => req.spec.lxcpath = Some(p.value()?.string()?),
            Short('a') | Long("allowrunning") => req.spec.flags |= CLONE_ALLOW_RUNNING,
            Short('R') | Long("rename") => req.rename = true,
            Short('e') | Long("ephemeral") => req.ephemeral = true,
            Short('D') | Long("keepdata") => req.keep_data = true,
            Short('d') | Long("daemon") => req.foreground = false,
            Short('F') | Long("foreground") => req.foreground = true,
            Short('m') | Long("mount") => req.mounts.push(p.value()?.string()?),
            Short('t') | Long("tmpfs") => {
                return Err(fail("not supported yet: a tmpfs upper layer (-t)"))
            }
            Value(v) => req.spec.hookargs.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    if req.ephemeral {
        let c = common.container()?;
        return ephemeral(&c, name, &mut req);
    }
    let new_name = req.new_name.clone().ok_or_else(|| {
        fail(format!(
            "no new name given\nUsage: lxc-copy {}",
            usage_line(COPY_HELP)
        ))
    })?;
    if req.rename {
        let mut c = common.container()?;
        c.rename(&new_name)
            .map_err(|e| fail(about(name, format!("failed to rename to {new_name}: {e}"))))?;
        return Ok(0);
    }
    let c = common.container()?;
    clone(&c, name, &new_name, &req.spec)
}

pub fn run_clone(args: Vec<String>) -> Res<i32> {
    let mut req = Request::default();
    let mut orig = None;
    let mut new_path = None;
    let mut words = Vec::new();
    // LXC 1.0's -p is the source's lxcpath and -P the new one, the reverse of lxc-copy;
    // `-o` names the original and `-n` the new container (elsewhere: log file, name).
    let mut args = args;
    for a in &mut args {
        match a.as_str() {
            "-P" => *a = "--newpath-clone".into(),
            "-p" => *a = "--lxcpath".into(),
            "-n" => *a = "--new".into(),
            "-o" => *a = "--orig".into(),
            _ => {}
        }
    }
    let common = parse("lxc-clone", CLONE_HELP, args, |p, arg| {
        if common_flag(&mut req, p, arg)? {
            return Ok(Handled::Yes);
        }
        match arg {
            Long("orig") => orig = Some(p.value()?.string()?),
            Long("new") => req.new_name = Some(p.value()?.string()?),
            Long("newpath-clone") | Long("newpath") => new_path = Some(p.value()?.string()?),
            Value(v) => words.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    // `lxc-clone ORIG NEW` works too; words after both are hook arguments.
    let mut words = words.into_iter();
    let orig = orig.or_else(|| words.next()).ok_or_else(|| {
        fail(format!(
            "no original container given\nUsage: lxc-clone {}",
            usage_line(CLONE_HELP)
        ))
    })?;
    let new_name = req
        .new_name
        .clone()
        .or_else(|| words.next())
        .ok_or_else(|| {
            fail(format!(
                "no new container name given\nUsage: lxc-clone {}",
                usage_line(CLONE_HELP)
            ))
        })?;
    req.spec.hookargs = words.collect();
    req.spec.lxcpath = new_path;
    let c = lxc::Container::new(&orig, common.lxcpath()).map_err(|e| fail(about(&orig, e)))?;
    clone(&c, &orig, &new_name, &req.spec)
}

fn clone(c: &lxc::Container, name: &str, new_name: &str, spec: &CloneSpec) -> Res<i32> {
    if !c.is_defined() {
        return Err(fail(format!("{name}: Container is not defined")));
    }
    c.clone(new_name, spec)
        .map_err(|e| fail(about(name, format!("failed to clone to {new_name}: {e}"))))?;
    Ok(0)
}

/// `-e`: an ephemeral clone, started at once.
fn ephemeral(c: &lxc::Container, name: &str, req: &mut Request) -> Res<i32> {
    if !c.is_defined() {
        return Err(fail(format!("{name}: Container is not defined")));
    }
    let eph = lxc::clone::Ephemeral {
        name: req.new_name.clone(),
        keep_data: req.keep_data,
        mounts: req.mounts.clone(),
    };
    let mut new = c
        .clone_ephemeral(&eph, &req.spec)
        .map_err(|e| fail(about(name, e)))?;
    println!("Created {} as clone of {name}", new.name());
    new.daemonize = !req.foreground;
    let new_name = new.name().to_string();
    new.start(false, &[])
        .map_err(|e| fail(about(&new_name, e)))?;
    Ok(0)
}
