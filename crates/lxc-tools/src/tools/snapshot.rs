//! lxc-snapshot: `-n NAME [-c COMMENTFILE]` takes a snapshot; `-L [-C]` lists them (with
//! comments); `-r SNAP [-N NEWNAME | NEWNAME]` restores one; `-d SNAP|ALL` destroys.

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

enum Action {
    Create(Option<String>),
    List { comments: bool },
    Restore(String),
    Destroy(String),
}

const HELP: &str = "--name=NAME [-P lxcpath] [-L [-C]] [-c commentfile] [-r snapshot [-N newname]] [-d snapshot|ALL]

lxc-snapshot takes a snapshot of the container NAME (snap0, snap1, ...), or lists,
restores or destroys its snapshots.

Options :
  -n, --name=NAME        The container's name
  -c, --comment=FILE     Keep the text of FILE with the new snapshot
  -L, --list             List the snapshots
  -C, --showcomments     With -L: show their comments too
  -r, --restore=SNAP     Restore the snapshot SNAP, e.g. snap0 (over the container)
  -N, --newname=NEWNAME  With -r: restore as the new container NEWNAME instead
  -d, --destroy=SNAP     Destroy the snapshot SNAP, or ALL of them
      --rcfile=FILE      Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut action = Action::Create(None);
    let mut comments = false;
    let mut newname = None;
    let mut words = Vec::new();
    let common = parse("lxc-snapshot", HELP, args, |p, arg| {
        match arg {
            Short('L') | Long("list") => action = Action::List { comments: false },
            Short('C') | Long("showcomments") => comments = true,
            Short('c') | Long("comment") => action = Action::Create(Some(p.value()?.string()?)),
            Short('r') | Long("restore") => action = Action::Restore(p.value()?.string()?),
            Short('d') | Long("destroy") => action = Action::Destroy(p.value()?.string()?),
            Short('N') | Long("newname") => newname = Some(p.value()?.string()?),
            Value(v) => words.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    if let Action::List { .. } = action {
        action = Action::List { comments };
    }
    let name = common.name()?;
    let mut c = common.container()?;
    if !c.is_defined() {
        return Err(fail(format!("{name}: Container is not defined")));
    }
    let err = |e: lxc::Error| fail(about(name, e));
    match action {
        Action::Create(comment) => {
            c.snapshot(comment.as_deref().map(std::path::Path::new))
                .map_err(err)?;
        }
        Action::List { comments } => {
            let list = c.snapshot_list().map_err(err)?;
            if list.is_empty() {
                println!("No snapshots");
            }
            for s in list {
                println!("{} ({}) {}", s.name, s.lxcpath, s.timestamp);
                if let Some(path) = s.comment_path.filter(|_| comments) {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    print!("{text}");
                    if !text.ends_with('\n') && !text.is_empty() {
                        println!();
                    }
                }
            }
        }
        Action::Restore(snap) => {
            // LXC 1.0 took the new name as a word after the snapshot's.
            let newname = newname.or_else(|| words.first().cloned());
            c.snapshot_restore(&snap, newname.as_deref()).map_err(err)?;
        }
        Action::Destroy(snap) if snap == "ALL" => c.snapshot_destroy_all().map_err(err)?,
        Action::Destroy(snap) => c.snapshot_destroy(&snap).map_err(err)?,
    }
    Ok(0)
}
