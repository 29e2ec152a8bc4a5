//! The typed view of a container configuration. Every key in the registry maps to a field here.

use std::collections::BTreeMap;

/// One line of the user's configuration as written, kept so that saving changes only what it must.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigLine {
    /// Comment, blank or non-`lxc.` ("martian") line, kept verbatim.
    Verbatim(String),
    /// A `key = value` line; `key` as written (may be a legacy spelling).
    Item { key: String, value: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookType {
    PreStart,
    PreMount,
    Mount,
    Autodev,
    StartHost,
    Start,
    Stop,
    PostStop,
    Clone,
    Destroy,
}

impl HookType {
    pub const ALL: [HookType; 10] = [
        HookType::PreStart,
        HookType::PreMount,
        HookType::Mount,
        HookType::Autodev,
        HookType::StartHost,
        HookType::Start,
        HookType::Stop,
        HookType::PostStop,
        HookType::Clone,
        HookType::Destroy,
    ];
    /// Name as used in the key (`lxc.hook.<name>`) and passed to hooks.
    pub fn name(self) -> &'static str {
        match self {
            HookType::PreStart => "pre-start",
            HookType::PreMount => "pre-mount",
            HookType::Mount => "mount",
            HookType::Autodev => "autodev",
            HookType::StartHost => "start-host",
            HookType::Start => "start",
            HookType::Stop => "stop",
            HookType::PostStop => "post-stop",
            HookType::Clone => "clone",
            HookType::Destroy => "destroy",
        }
    }
    pub fn from_name(name: &str) -> Option<HookType> {
        HookType::ALL.into_iter().find(|h| h.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdMapKind {
    Uid,
    Gid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMap {
    pub kind: IdMapKind,
    pub ns_id: u32,
    pub host_id: u32,
    pub range: u32,
}

/// One NIC, `lxc.net.<index>.*`. Only `type`, `flags`, `name`, `link`, `hwaddr`, `mtu` are
/// typed beyond strings; the rest are kept as given for the network code to validate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    pub net_type: Option<String>,
    pub flags_up: bool,
    pub link: Option<String>,
    pub name: Option<String>,
    pub hwaddr: Option<String>,
    pub mtu: Option<u32>,
    pub l2proxy: bool,
    pub ipv4_addresses: Vec<String>,
    pub ipv4_gateway: Option<String>,
    pub ipv6_addresses: Vec<String>,
    pub ipv6_gateway: Option<String>,
    pub script_up: Option<String>,
    pub script_down: Option<String>,
    /// Every other subkey (`veth.pair`, `macvlan.mode`, `vlan.id`, ...) by subkey name.
    pub other: BTreeMap<String, Vec<String>>,
}

/// `lxc.mount.auto` tokens, as parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcMount {
    Rw,
    Mixed,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysMount {
    Ro,
    Rw,
    Mixed,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMountMode {
    Mixed,
    Ro,
    Rw,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupMount {
    /// `cgroup[:mode][:force]` (namespaced) and `cgroup-full...` (full = true)
    Legacy {
        mode: CgroupMountMode,
        full: bool,
        force: bool,
    },
    /// `cgroup2[:ro][:force]`
    Unified { ro: bool, force: bool },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountAuto {
    pub proc: Option<ProcMount>,
    pub sys: Option<SysMount>,
    pub cgroup: Option<CgroupMount>,
    /// `shmounts:<hostpath>[:<containerpath>]`
    pub shmounts: Option<(String, Option<String>)>,
    /// `cgroup`/`cgroup-full` was given without a mode: LXC then uses `rw` when the container
    /// has CAP_SYS_ADMIN and `mixed` otherwise (`cgroup` holds `Mixed` in that case).
    pub cgroup_nospec: bool,
}

/// `Default` is implemented by hand with LXC's defaults (autodev, rootfs.managed and
/// keyring.session are on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerConfig {
    /// The user's lines (from the main file only; included files are not copied).
    pub lines: Vec<ConfigLine>,
    /// Path of the file this config was loaded from, if any.
    pub source: Option<String>,
    /// Raw text of `lines[i]` as read (`None` for lines made through the API). Used by
    /// `to_text` only while it still parses to `lines[i]`, so editing `lines` directly is safe.
    pub raw_lines: Vec<Option<String>>,
    /// Current-spelling keys given a value (file order, includes too, duplicates allowed);
    /// cleared keys are removed. Source of `set_keys()`.
    pub key_order: Vec<String>,

    pub arch: Option<String>,
    pub uts_name: Option<String>,

    pub rootfs_path: Option<String>,
    pub rootfs_mount: Option<String>,
    pub rootfs_options: Option<String>,
    pub rootfs_managed: bool,

    pub tty_max: u32,
    pub tty_dir: Option<String>,
    pub pty_max: u32,
    pub autodev: bool,
    pub autodev_tmpfs_size: Option<u64>,

    pub console_path: Option<String>,
    pub console_logfile: Option<String>,
    pub console_buffer_size: Option<u64>,
    pub console_size: Option<u64>,
    pub console_rotate: bool,

    pub mount_auto: MountAuto,
    pub mount_entries: Vec<String>,
    pub mount_fstab: Option<String>,

    pub init_cmd: Option<String>,
    pub init_uid: Option<u32>,
    pub init_gid: Option<u32>,
    pub init_groups: Vec<u32>,
    pub init_cwd: Option<String>,
    pub execute_cmd: Option<String>,
    pub environment: Vec<String>,

    /// Signal numbers.
    pub signal_halt: Option<i32>,
    pub signal_reboot: Option<i32>,
    pub signal_stop: Option<i32>,
    pub monitor_signal_pdeath: Option<i32>,
    pub monitor_unshare: bool,

    pub log_file: Option<String>,
    /// 0 (TRACE) .. 8 (FATAL); LXC's numbering.
    pub log_level: Option<u8>,
    pub log_syslog: Option<String>,

    pub hooks: BTreeMap<HookType, Vec<String>>,
    pub hook_version: u8,

    /// Indexed NICs: `lxc.net.<index>`.
    pub networks: BTreeMap<usize, Network>,

    pub idmaps: Vec<IdMap>,
    pub cap_drop: Vec<String>,
    pub cap_keep: Vec<String>,
    /// `(lxc.cgroup.<rest>, value)` in order.
    pub cgroup_v1: Vec<(String, String)>,
    /// `(lxc.cgroup2.<rest>, value)` in order.
    pub cgroup_v2: Vec<(String, String)>,
    pub cgroup_dir: Option<String>,
    pub cgroup_dir_container: Option<String>,
    pub cgroup_dir_container_inner: Option<String>,
    pub cgroup_dir_monitor: Option<String>,
    pub cgroup_dir_monitor_pivot: Option<String>,
    pub cgroup_relative: bool,

    pub sysctl: Vec<(String, String)>,
    pub proc: Vec<(String, String)>,
    pub prlimit: Vec<(String, String)>,
    pub namespace_clone: Vec<String>,
    pub namespace_keep: Vec<String>,
    pub namespace_share: Vec<(String, String)>,
    pub time_offset_boot: Option<String>,
    pub time_offset_monotonic: Option<String>,

    pub apparmor_profile: Option<String>,
    pub apparmor_allow_incomplete: bool,
    pub apparmor_allow_nesting: bool,
    pub apparmor_raw: Vec<String>,
    pub selinux_context: Option<String>,
    pub selinux_context_keyring: Option<String>,
    pub seccomp_profile: Option<String>,
    pub seccomp_allow_nesting: bool,
    pub seccomp_notify_proxy: Option<String>,
    pub seccomp_notify_cookie: Option<String>,
    pub no_new_privs: bool,
    pub keyring_session: bool,
    pub sched_core: bool,

    pub start_auto: bool,
    pub start_delay: u32,
    pub start_order: i32,
    pub groups: Vec<String>,
    pub ephemeral: bool,
}

impl Default for ContainerConfig {
    fn default() -> Self {
        ContainerConfig {
            lines: Vec::new(),
            source: None,
            raw_lines: Vec::new(),
            key_order: Vec::new(),
            arch: None,
            uts_name: None,
            rootfs_path: None,
            rootfs_mount: None,
            rootfs_options: None,
            rootfs_managed: true,
            tty_max: 0,
            tty_dir: None,
            pty_max: 0,
            autodev: true,
            autodev_tmpfs_size: None,
            console_path: None,
            console_logfile: None,
            console_buffer_size: None,
            console_size: None,
            console_rotate: false,
            mount_auto: MountAuto::default(),
            mount_entries: Vec::new(),
            mount_fstab: None,
            init_cmd: None,
            init_uid: None,
            init_gid: None,
            init_groups: Vec::new(),
            init_cwd: None,
            execute_cmd: None,
            environment: Vec::new(),
            signal_halt: None,
            signal_reboot: None,
            signal_stop: None,
            monitor_signal_pdeath: None,
            monitor_unshare: false,
            log_file: None,
            log_level: None,
            log_syslog: None,
            hooks: BTreeMap::new(),
            hook_version: 0,
            networks: BTreeMap::new(),
            idmaps: Vec::new(),
            cap_drop: Vec::new(),
            cap_keep: Vec::new(),
            cgroup_v1: Vec::new(),
            cgroup_v2: Vec::new(),
            cgroup_dir: None,
            cgroup_dir_container: None,
            cgroup_dir_container_inner: None,
            cgroup_dir_monitor: None,
            cgroup_dir_monitor_pivot: None,
            cgroup_relative: false,
            sysctl: Vec::new(),
            proc: Vec::new(),
            prlimit: Vec::new(),
            namespace_clone: Vec::new(),
            namespace_keep: Vec::new(),
            namespace_share: Vec::new(),
            time_offset_boot: None,
            time_offset_monotonic: None,
            apparmor_profile: None,
            apparmor_allow_incomplete: false,
            apparmor_allow_nesting: false,
            apparmor_raw: Vec::new(),
            selinux_context: None,
            selinux_context_keyring: None,
            seccomp_profile: None,
            seccomp_allow_nesting: false,
            seccomp_notify_proxy: None,
            seccomp_notify_cookie: None,
            no_new_privs: false,
            keyring_session: true,
            sched_core: false,
            start_auto: false,
            start_delay: 0,
            start_order: 0,
            groups: Vec::new(),
            ephemeral: false,
        }
    }
}

impl ContainerConfig {
    /// The `lxc.idmap` lines as maps (empty: a privileged container).
    pub fn id_maps(&self) -> crate::idmap::IdMaps {
        crate::idmap::IdMaps::new(&self.idmaps)
    }

    /// An empty configuration with LXC's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Highest NIC index in use, the target of un-indexed legacy `lxc.network.*` keys.
    pub fn last_network_index(&self) -> Option<usize> {
        self.networks.keys().next_back().copied()
    }
}
