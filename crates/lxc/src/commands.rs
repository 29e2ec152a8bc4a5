//! The monitor's command socket, wire-compatible with LXC 5.0: an abstract stream socket
//! `@<lxcpath>/<name>/command`, a 16-byte request header `{int cmd; int datalen; void *data}`
//! then `datalen` bytes, answered by a 16-byte `{int ret; int datalen; void *data}` (fds by
//! SCM_RIGHTS) then `datalen` bytes. A command number never changes meaning; new ones are
//! only appended.

use crate::error::{sys_err, Error, Result};
use crate::state::{State, MAX_STATE};
use lxc_sys::sock;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Command numbers as on the wire (LXC's `lxc_cmd_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Cmd {
    GetTtyFd = 0,
    TerminalWinch = 1,
    Stop = 2,
    GetState = 3,
    GetInitPid = 4,
    GetCloneFlags = 5,
    GetCgroup = 6,
    GetConfigItem = 7,
    GetName = 8,
    GetLxcpath = 9,
    AddStateClient = 10,
    ConsoleLog = 11,
    ServeStateClients = 12,
    Freeze = 15,
    Unfreeze = 16,
    GetInitPidfd = 18,
    GetLimitCgroup = 19,
    GetDevptsFd = 21,
    GetSeccompNotifyFd = 22,
    /// lxc-rs extension, far above LXC's numbers: a sealed memfd copy of our helper.
    GetHelperFd = 0x4c52_0001,
    /// lxc-rs extension: everything an attach asks (init's pidfd, cgroups, confinement
    /// keys) in one round trip; `AttachInfo` as JSON.
    GetAttachInfo = 0x4c52_0002,
    /// lxc-rs extension: `allow RULE` / `deny RULE` for the cgroup2 device program (what
    /// LXC's add_bpf_device_cgroup does, with the rule as text).
    DeviceRule = 0x4c52_0003,
}

impl Cmd {
    pub fn from_number(n: i32) -> Option<Cmd> {
        use Cmd::*;
        [
            GetTtyFd,
            TerminalWinch,
            Stop,
            GetState,
            GetInitPid,
            GetCloneFlags,
            GetCgroup,
            GetConfigItem,
            GetName,
            GetLxcpath,
            AddStateClient,
            ConsoleLog,
            ServeStateClients,
            Freeze,
            Unfreeze,
            GetInitPidfd,
            GetLimitCgroup,
            GetDevptsFd,
            GetSeccompNotifyFd,
            GetHelperFd,
            GetAttachInfo,
            DeviceRule,
        ]
        .into_iter()
        .find(|c| *c as i32 == n)
    }
}

/// Largest payload accepted in a request (LXC's 2 * PATH_MAX).
pub const MAX_PAYLOAD: usize = 8192;
/// Every client call is bounded by this deadline.
pub const CALL_DEADLINE_MS: u64 = 10_000;
/// Size of LXC's `struct lxc_msg { int type; char name[256]; int value; }`.
pub const STATE_MSG_LEN: usize = 264;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

pub(crate) fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME)
    })
}

/// The abstract socket name (without its leading NUL) for a container.
pub fn socket_name(lxcpath: &str, name: &str) -> Vec<u8> {
    let lxcpath = lxcpath.trim_end_matches('/');
    let plain = format!("{lxcpath}/{name}/command");
    // sun_path is 108 bytes: one leading NUL and room for a terminating one.
    if plain.len() <= 106 {
        return plain.into_bytes();
    }
    let hash = fnv1a64(format!("{lxcpath}/{name}").as_bytes());
    format!("lxc/{hash:016x}/command").into_bytes()
}

pub fn encode_header(a: i32, datalen: i32, slot: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0..4].copy_from_slice(&a.to_ne_bytes());
    h[4..8].copy_from_slice(&datalen.to_ne_bytes());
    h[8..16].copy_from_slice(&slot.to_ne_bytes());
    h
}

pub fn decode_header(h: &[u8; 16]) -> (i32, i32, u64) {
    let mut a = [0u8; 4];
    let mut b = [0u8; 4];
    let mut c = [0u8; 8];
    a.copy_from_slice(&h[0..4]);
    b.copy_from_slice(&h[4..8]);
    c.copy_from_slice(&h[8..16]);
    (
        i32::from_ne_bytes(a),
        i32::from_ne_bytes(b),
        u64::from_ne_bytes(c),
    )
}

/// Read exactly `buf.len()` bytes, collecting fds that come along. Ok(false) on clean EOF
/// before the first byte.
pub fn read_exact_fds(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    fds: &mut Vec<OwnedFd>,
) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        let (n, mut passed) = sock::recv_with_fds(fd, &mut buf[got..])?;
        fds.append(&mut passed);
        if n == 0 {
            if got == 0 {
                return Ok(false);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "short message",
            ));
        }
        got += n;
    }
    Ok(true)
}

/// A response from a monitor.
pub struct Response {
    pub ret: i32,
    pub slot: u64,
    pub data: Vec<u8>,
    pub fds: Vec<OwnedFd>,
    /// The connection, kept for commands whose effect lasts while it is open (tty, state).
    pub conn: OwnedFd,
}

impl Response {
    /// The payload as a string without its trailing NUL.
    pub fn text(&self) -> String {
        let end = self
            .data
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.data.len());
        String::from_utf8_lossy(&self.data[..end]).into_owned()
    }
}

/// Connect to a container's monitor. Ok(None) when nothing serves it (the container is
/// stopped, as LXC's clients conclude from ECONNREFUSED/ENOENT).
pub fn connect(lxcpath: &str, name: &str) -> Result<Option<OwnedFd>> {
    match sock::abstract_connect(&socket_name(lxcpath, name)) {
        Ok(fd) => {
            sock::set_timeouts(fd.as_fd(), CALL_DEADLINE_MS).map_err(sys_err("setsockopt"))?;
            Ok(Some(fd))
        }
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::ECONNREFUSED) | Some(libc::ENOENT)
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::Sys {
            op: format!("connect to {name}'s monitor"),
            source: e,
        }),
    }
}

/// Send one command and read its response. Ok(None) when the container is not running.
pub fn call(
    lxcpath: &str,
    name: &str,
    cmd: Cmd,
    slot: u64,
    payload: &[u8],
) -> Result<Option<Response>> {
    let Some(conn) = connect(lxcpath, name)? else {
        return Ok(None);
    };
    let mut header = [0u8; 16];
    let mut fds = Vec::new();
    let sent = send_request(conn.as_fd(), cmd, slot, payload);
    let got = match sent.and_then(|()| read_exact_fds(conn.as_fd(), &mut header, &mut fds)) {
        Ok(got) => got,
        // The monitor exited under us: the container is stopped now.
        Err(e) if matches!(e.raw_os_error(), Some(libc::ECONNRESET) | Some(libc::EPIPE)) => false,
        Err(e) => return Err(call_err(name, cmd)(e)),
    };
    if !got {
        // The monitor closed without answering: it is going away.
        return Ok(None);
    }
    let (ret, datalen, slot) = decode_header(&header);
    let mut data = vec![0u8; datalen.max(0) as usize];
    if !data.is_empty() {
        read_exact_fds(conn.as_fd(), &mut data, &mut fds).map_err(call_err(name, cmd))?;
    }
    Ok(Some(Response {
        ret,
        slot,
        data,
        fds,
        conn,
    }))
}

fn call_err(name: &str, cmd: Cmd) -> impl FnOnce(io::Error) -> Error {
    let name = name.to_string();
    move |e| Error::Command {
        name,
        message: format!("command {cmd:?} failed: {e}"),
    }
}

pub fn send_request(conn: BorrowedFd<'_>, cmd: Cmd, slot: u64, payload: &[u8]) -> io::Result<()> {
    let header = encode_header(cmd as i32, payload.len() as i32, slot);
    sock::send_with_creds(conn, &header)?;
    if !payload.is_empty() {
        lxc_sys::fs::write_all(conn, payload)?;
    }
    Ok(())
}

/// The state of a container as its monitor reports it; STOPPED when no monitor answers.
pub fn get_state(lxcpath: &str, name: &str) -> Result<State> {
    match call(lxcpath, name, Cmd::GetState, 0, &[])? {
        None => Ok(State::Stopped),
        Some(r) if r.ret < 0 => Err(Error::Command {
            name: name.into(),
            message: format!("get_state: {}", io::Error::from_raw_os_error(-r.ret)),
        }),
        Some(r) => Ok(State::from_number(r.slot as i64).unwrap_or(State::Stopped)),
    }
}

pub fn get_init_pid(lxcpath: &str, name: &str) -> Result<Option<i32>> {
    Ok(call(lxcpath, name, Cmd::GetInitPid, 0, &[])?
        .filter(|r| r.ret >= 0)
        .map(|r| r.slot as i64 as i32)
        .filter(|p| *p > 0))
}

pub fn get_init_pidfd(lxcpath: &str, name: &str) -> Result<Option<OwnedFd>> {
    Ok(call(lxcpath, name, Cmd::GetInitPidfd, 0, &[])?
        .filter(|r| r.ret >= 0)
        .and_then(|mut r| r.fds.pop()))
}

/// The running container's devpts mount (LXC's `get_devpts_fd`).
pub fn get_devpts_fd(lxcpath: &str, name: &str) -> Result<Option<OwnedFd>> {
    Ok(call(lxcpath, name, Cmd::GetDevptsFd, 0, &[])?
        .filter(|r| r.ret >= 0)
        .and_then(|mut r| r.fds.pop()))
}

/// The listener of the running container's seccomp `notify` rules.
pub fn get_seccomp_notify_fd(lxcpath: &str, name: &str) -> Result<Option<OwnedFd>> {
    Ok(call(lxcpath, name, Cmd::GetSeccompNotifyFd, 0, &[])?
        .filter(|r| r.ret >= 0)
        .and_then(|mut r| r.fds.pop()))
}

/// The monitor's sealed copy of our helper program (what attach executes).
pub fn get_helper_fd(lxcpath: &str, name: &str) -> Result<Option<OwnedFd>> {
    Ok(call(lxcpath, name, Cmd::GetHelperFd, 0, &[])?
        .filter(|r| r.ret >= 0)
        .and_then(|mut r| r.fds.pop()))
}

/// What an lxc-rs monitor tells an attach at once (`GetAttachInfo`); the pidfd of init
/// comes with it.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AttachInfo {
    /// The container's cgroups as `get_cgroup` with `ALL_HIERARCHIES` names them.
    pub cgroups: String,
    /// `lxc.seccomp.profile`, `lxc.cap.drop` and `lxc.cap.keep` ("" when unset).
    pub seccomp_profile: String,
    pub cap_drop: String,
    pub cap_keep: String,
    /// `lxc.arch` ("" when unset, and from monitors that predate it).
    #[serde(default)]
    pub arch: String,
    /// `lxc.sched.core` ("" from monitors that predate it).
    #[serde(default)]
    pub sched_core: String,
    /// `lxc.no_new_privs` ("" from monitors that predate it).
    #[serde(default)]
    pub no_new_privs: String,
}

/// Init's pidfd and the rest of `AttachInfo`; Ok(None) when the container is not running
/// or its monitor does not know the command (LXC's): ask one question at a time then.
pub fn get_attach_info(lxcpath: &str, name: &str) -> Result<Option<(OwnedFd, AttachInfo)>> {
    let Some(mut r) = call(lxcpath, name, Cmd::GetAttachInfo, 0, &[])? else {
        return Ok(None);
    };
    let Some(pidfd) = r.fds.pop().filter(|_| r.ret >= 0) else {
        return Ok(None);
    };
    let info = serde_json::from_slice(&r.data).map_err(|e| Error::Command {
        name: name.into(),
        message: format!("bad attach information from the monitor: {e}"),
    })?;
    Ok(Some((pidfd, info)))
}

/// A string-valued command (config item, cgroup path, name, lxcpath).
pub fn get_string(lxcpath: &str, name: &str, cmd: Cmd, arg: &str) -> Result<Option<String>> {
    let mut payload = arg.as_bytes().to_vec();
    if !payload.is_empty() {
        payload.push(0);
    }
    Ok(call(lxcpath, name, cmd, 0, &payload)?
        .filter(|r| r.ret >= 0)
        .map(|r| r.text()))
}

/// Ask the monitor to stop the container hard. Returns once the container is gone
/// (the monitor closes our connection then), or false if it was not running.
pub fn stop(lxcpath: &str, name: &str) -> Result<bool> {
    let Some(conn) = connect(lxcpath, name)? else {
        return Ok(false);
    };
    // No deadline on the read: the reply is the connection closing when the container is gone.
    sock::set_timeouts(conn.as_fd(), 0).map_err(sys_err("setsockopt"))?;
    send_request(conn.as_fd(), Cmd::Stop, 0, &[]).map_err(call_err(name, Cmd::Stop))?;
    let mut header = [0u8; 16];
    let mut fds = Vec::new();
    match read_exact_fds(conn.as_fd(), &mut header, &mut fds) {
        Ok(false) => Ok(true),
        Ok(true) => {
            let (ret, _, _) = decode_header(&header);
            if ret < 0 {
                return Err(Error::Command {
                    name: name.into(),
                    message: format!("stop: {}", io::Error::from_raw_os_error(-ret)),
                });
            }
            // Drain until the monitor closes the connection.
            let mut buf = [0u8; 64];
            while matches!(lxc_sys::fs::read(conn.as_fd(), &mut buf), Ok(n) if n > 0) {}
            Ok(true)
        }
        Err(e) if e.raw_os_error() == Some(libc::ECONNRESET) => Ok(true),
        Err(e) => Err(call_err(name, Cmd::Stop)(e)),
    }
}

/// Encode LXC's `int states[MAX_STATE]` wanted-state array.
pub fn encode_states(states: &[State]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_STATE * 4);
    for s in State::ALL {
        let wanted: i32 = i32::from(states.contains(&s));
        out.extend_from_slice(&wanted.to_ne_bytes());
    }
    out
}

pub fn decode_states(data: &[u8]) -> Vec<State> {
    State::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            data.get(i * 4..i * 4 + 4)
                .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) != 0)
                .unwrap_or(false)
        })
        .map(|(_, s)| s)
        .collect()
}

/// Encode a state-change message (`struct lxc_msg`, type 0 = state).
pub fn encode_state_msg(name: &str, state: State) -> [u8; STATE_MSG_LEN] {
    crate::events::Event::State {
        name: name.to_string(),
        state,
    }
    .encode()
}

pub fn decode_state_msg(m: &[u8; STATE_MSG_LEN]) -> Option<State> {
    match crate::events::Event::decode(m) {
        Some(crate::events::Event::State { state, .. }) => Some(state),
        _ => None,
    }
}

/// Wait until the container is in one of `states`, up to `timeout_secs` (< 0: forever).
/// Uses the monitor's state-client registration; a container with no monitor is STOPPED.
pub fn wait_for_states(
    lxcpath: &str,
    name: &str,
    states: &[State],
    timeout_secs: i64,
) -> Result<bool> {
    let deadline = (timeout_secs >= 0)
        .then(|| std::time::Instant::now() + std::time::Duration::from_secs(timeout_secs as u64));
    loop {
        let resp = call(
            lxcpath,
            name,
            Cmd::AddStateClient,
            0,
            &encode_states(states),
        )?;
        let Some(resp) = resp else {
            if states.contains(&State::Stopped) {
                return Ok(true);
            }
            // Not running yet: poll until a monitor appears or time runs out.
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(false);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        };
        if resp.ret < 0 {
            return Err(Error::Command {
                name: name.into(),
                message: format!(
                    "add_state_client: {}",
                    io::Error::from_raw_os_error(-resp.ret)
                ),
            });
        }
        if (resp.slot as usize) < MAX_STATE {
            return Ok(true);
        }
        let left = match deadline {
            None => -1,
            Some(d) => d
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as i32,
        };
        let revents = lxc_sys::fs::poll(&[(resp.conn.as_fd(), lxc_sys::fs::POLLIN)], left)
            .map_err(sys_err("poll"))?;
        if revents[0] == 0 {
            return Ok(false);
        }
        let mut msg = [0u8; STATE_MSG_LEN];
        let mut fds = Vec::new();
        match read_exact_fds(resp.conn.as_fd(), &mut msg, &mut fds) {
            Ok(true) => {
                if decode_state_msg(&msg).is_some_and(|s| states.contains(&s)) {
                    return Ok(true);
                }
            }
            // Monitor went away: the container is stopped now.
            _ => {
                if states.contains(&State::Stopped) {
                    return Ok(true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_plain() {
        assert_eq!(
            socket_name("/var/lib/lxc/", "c1"),
            b"/var/lib/lxc/c1/command".to_vec()
        );
    }

    #[test]
    fn long_names_are_hashed() {
        let long = "/x".repeat(60);
        let n = String::from_utf8(socket_name(&long, "c1")).unwrap();
        assert!(n.starts_with("lxc/") && n.ends_with("/command") && n.len() == 4 + 16 + 8);
    }

    #[test]
    fn fnv_known_value() {
        // FNV-1a 64 of the empty string is the offset basis; of "a" a published constant.
        assert_eq!(fnv1a64(b""), FNV_OFFSET);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn states_roundtrip() {
        let enc = encode_states(&[State::Running, State::Stopped]);
        assert_eq!(decode_states(&enc), vec![State::Stopped, State::Running]);
        let m = encode_state_msg("c1", State::Frozen);
        assert_eq!(decode_state_msg(&m), Some(State::Frozen));
    }
}
