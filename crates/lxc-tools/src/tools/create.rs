//! lxc-create: `-n NAME -t TEMPLATE [-f CONFIG] [-B BACKEND] [--dir ROOTFS] [-- template args]`

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME --template=TEMPLATE [-f CONFIG] [-B BACKEND] [--dir=ROOTFS] [--fstype=TYPE] [--fssize=SIZE] [--lvname=LV --vgname=VG --thinpool=POOL] [--zfsroot=ROOT] [-- template-options]

lxc-create makes the container NAME: its configuration (CONFIG, else lxc.default_config)
and a rootfs built by TEMPLATE.

Options :
  -n, --name=NAME           The new container's name
  -t, --template=TEMPLATE   The template: busybox, download, none, another installed
                            lxc-TEMPLATE, or the path of a template script
  -f, --config=CONFIG       Start from CONFIG instead of lxc.default_config
  -B, --bdev=BACKEND        The rootfs's storage: dir (default), overlay, btrfs, loop, lvm,
                            zfs, or best (btrfs on a btrfs lxcpath, else dir)
      --dir=ROOTFS          With dir: the rootfs in ROOTFS instead of NAME/rootfs

  For loop and lvm (-B loop, -B lvm):
      --fstype=TYPE         The filesystem to make (default ext4)
      --fssize=SIZE[UNIT]   Its size, UNIT one of b, k, m, g, t (default 1G; unit: bytes)

  For lvm (-B lvm):
      --lvname=LV           The logical volume's name (default: the container's)
      --vgname=VG           The volume group (default lxc)
      --thinpool=POOL       A thin pool to use (default lxc)

  For zfs (-B zfs):
      --zfsroot=ROOT        The dataset to create it under (default tank/lxc)

  -- template-options       Passed to the template as they are (-t download -- --help
                            lists the download template's)
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut template = None;
    let mut config_file = None;
    let mut bdev = None;
    let mut dir = None;
    let mut specs = lxc::storage::BdevSpecs::default();
    let mut template_args = Vec::new();
    let common = parse("lxc-create", HELP, args, |p, arg| {
        match arg {
            Short('t') | Long("template") => template = Some(p.value()?.string()?),
            Short('f') | Long("config") => config_file = Some(p.value()?.string()?),
            Short('B') | Long("bdev") => bdev = Some(p.value()?.string()?),
            Long("dir") => dir = Some(p.value()?.string()?),
            Long("fstype") => specs.fstype = Some(p.value()?.string()?),
            Long("fssize") => specs.fssize = crate::common::parse_size(&p.value()?.string()?)?,
            Long("lvname") => specs.lvname = Some(p.value()?.string()?),
            Long("vgname") => specs.vgname = Some(p.value()?.string()?),
            Long("thinpool") => specs.thinpool = Some(p.value()?.string()?),
            Long("zfsroot") => specs.zfsroot = Some(p.value()?.string()?),
            Value(v) => template_args.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?.to_string();
    let Some(template) = template else {
        return Err(fail("A template must be specified.\nUse \"none\" if you really want a container without a rootfs."));
    };
    let mut c = lxc::Container::new(&name, common.lxcpath())?;
    if c.is_defined() {
        return Err(fail(format!("{name}: Container already exists")));
    }
    // Without -f the library starts from lxc.default_config, as LXC does.
    if let Some(f) = &config_file {
        c.load_config(Some(std::path::Path::new(f)))?;
    }
    if let Some(d) = &dir {
        c.set_config_item("lxc.rootfs.path", &format!("dir:{d}"))?;
    }
    let flags = if common.quiet { lxc::CREATE_QUIET } else { 0 };
    let template = (template != "none").then_some(template.as_str());
    c.create_with(template, bdev.as_deref(), &specs, flags, &template_args)
        .map_err(|e| fail(about(&name, e)))?;
    Ok(0)
}
