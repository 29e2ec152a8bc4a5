//! Device rules for cgroup2 (`lxc.cgroup2.devices.allow/deny`), which has no devices files:
//! the rules, in v1's syntax and with v1's meaning, become an eBPF device program attached
//! to the payload cgroup, as LXC does.

use lxc_sys::bpf::Insn;

const ACC_MKNOD: u8 = 1;
const ACC_READ: u8 = 2;
const ACC_WRITE: u8 = 4;
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    All,
    Block,
    Char,
}

/// One rule: `a`, or `<a|b|c> <major|*>:<minor|*> [rwm]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    kind: Kind,
    major: Option<u32>,
    minor: Option<u32>,
    access: u8,
}

impl Rule {
    fn parse(value: &str) -> Result<Rule, String> {
        let mut parts = value.split_whitespace();
        let kind = match parts.next() {
            Some("a") => Kind::All,
            Some("b") => Kind::Block,
            Some("c") => Kind::Char,
            _ => return Err("the type must be a, b or c".into()),
        };
        let numbers = parts.next();
        let (major, minor) = match numbers {
            None if kind == Kind::All => (None, None),
            None => return Err("missing <major>:<minor>".into()),
            Some(n) => {
                let (major, minor) = n.split_once(':').ok_or("expected <major>:<minor>")?;
                (number(major)?, number(minor)?)
            }
        };
        let access = match parts.next() {
            None => ACC_MKNOD | ACC_READ | ACC_WRITE,
            Some(a) => {
                let mut bits = 0;
                for c in a.chars() {
                    bits |= match c {
                        'm' => ACC_MKNOD,
                        'r' => ACC_READ,
                        'w' => ACC_WRITE,
                        _ => return Err(format!("unknown access \"{c}\" (use r, w, m)")),
                    };
                }
                bits
            }
        };
        if parts.next().is_some() {
            return Err("trailing words".into());
        }
        Ok(Rule {
            kind,
            major,
            minor,
            access,
        })
    }

    /// The bare `a`: every device, every access.
    fn is_everything(&self) -> bool {
        self.kind == Kind::All && self.major.is_none() && self.minor.is_none()
    }

    fn same_devices(&self, other: &Rule) -> bool {
        self.kind == other.kind && self.major == other.major && self.minor == other.minor
    }
}

fn number(text: &str) -> Result<Option<u32>, String> {
    if text == "*" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("\"{text}\" is not a device number or *"))
}

/// A default (allow or deny everything) and its exceptions, built as the v1 devices
/// controller builds them: `a` resets, a rule against the default adds an exception, a rule
/// along it takes access away from matching exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    default_allow: bool,
    exceptions: Vec<Rule>,
}

impl DevicePolicy {
    /// The policy of `lxc.cgroup2.devices.*` settings (file, value), None when there are
    /// none. A bad rule is named by its key.
    pub fn from_settings(settings: &[(String, String)]) -> Result<Option<DevicePolicy>, String> {
        let mut policy = DevicePolicy {
            default_allow: true,
            exceptions: Vec::new(),
        };
        let mut any = false;
        for (file, value) in settings {
            let allow = match file.as_str() {
                "devices.allow" => true,
                "devices.deny" => false,
                _ => continue,
            };
            let rule =
                Rule::parse(value).map_err(|e| format!("lxc.cgroup2.{file} = {value}: {e}"))?;
            policy.apply(allow, rule);
            any = true;
        }
        Ok(any.then_some(policy))
    }

    /// What a cgroup without a device program lets through: every device.
    pub fn allow_all() -> DevicePolicy {
        DevicePolicy {
            default_allow: true,
            exceptions: Vec::new(),
        }
    }

    /// Add one rule in v1's syntax (`c 1:3 rwm`), allowing or denying, as a write to
    /// `devices.allow` or `devices.deny` would.
    pub fn add_rule(&mut self, allow: bool, value: &str) -> Result<(), String> {
        let rule = Rule::parse(value).map_err(|e| format!("device rule \"{value}\": {e}"))?;
        self.apply(allow, rule);
        Ok(())
    }

    fn apply(&mut self, allow: bool, rule: Rule) {
        if rule.is_everything() {
            self.default_allow = allow;
            self.exceptions.clear();
        } else if allow == self.default_allow {
            for ex in self.exceptions.iter_mut().filter(|e| e.same_devices(&rule)) {
                ex.access &= !rule.access;
            }
            self.exceptions.retain(|e| e.access != 0);
        } else if let Some(ex) = self.exceptions.iter_mut().find(|e| e.same_devices(&rule)) {
            ex.access |= rule.access;
        } else {
            self.exceptions.push(rule);
        }
    }

    /// The eBPF program: each exception is a block that returns its verdict when the device
    /// and access match and else jumps to the next block; the last returns the default.
    pub fn program(&self) -> Vec<Insn> {
        // r2 = access_type, r3 = type (low 16 bits), r4 = access (high), r5 = major, r6 = minor.
        let mut prog = vec![
            ldx_w(2, 1, 0),
            mov_reg(3, 2),
            alu_imm(AND, 3, 0xffff),
            mov_reg(4, 2),
            alu_imm(RSH, 4, 16),
            ldx_w(5, 1, 4),
            ldx_w(6, 1, 8),
        ];
        let verdict = i32::from(!self.default_allow);
        for ex in &self.exceptions {
            // (instruction, whether it jumps to the next block when its test holds)
            let mut block: Vec<(Insn, bool)> = Vec::new();
            match ex.kind {
                Kind::Block => block.push((jmp_imm(JNE, 3, DEV_BLOCK), true)),
                Kind::Char => block.push((jmp_imm(JNE, 3, DEV_CHAR), true)),
                Kind::All => {}
            }
            block.push((mov_reg(7, 4), false));
            if self.default_allow {
                // A deny exception applies when any asked access is one it denies.
                block.push((alu_imm(AND, 7, i32::from(ex.access)), false));
                block.push((jmp_imm(JEQ, 7, 0), true));
            } else {
                // An allow exception applies when it covers every asked access.
                block.push((alu_imm(AND, 7, i32::from(!ex.access & 7)), false));
                block.push((jmp_imm(JNE, 7, 0), true));
            }
            if let Some(major) = ex.major {
                block.push((jmp_imm(JNE, 5, major as i32), true));
            }
            if let Some(minor) = ex.minor {
                block.push((jmp_imm(JNE, 6, minor as i32), true));
            }
            block.push((mov_imm(0, verdict), false));
            block.push((exit(), false));
            let len = block.len();
            for (i, (mut insn, to_next)) in block.into_iter().enumerate() {
                if to_next {
                    insn.off = (len - i - 1) as i16;
                }
                prog.push(insn);
            }
        }
        prog.push(mov_imm(0, i32::from(self.default_allow)));
        prog.push(exit());
        prog
    }
}

const AND: u8 = 0x50;
const RSH: u8 = 0x70;
const JEQ: u8 = 0x10;
const JNE: u8 = 0x50;

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        regs: (src << 4) | dst,
        off,
        imm,
    }
}

/// dst = *(u32 *)(src + off)
fn ldx_w(dst: u8, src: u8, off: i16) -> Insn {
    insn(0x61, dst, src, off, 0)
}

fn mov_reg(dst: u8, src: u8) -> Insn {
    insn(0xbf, dst, src, 0, 0)
}

fn mov_imm(dst: u8, imm: i32) -> Insn {
    insn(0xb7, dst, 0, 0, imm)
}

/// 64-bit ALU operation with an immediate.
fn alu_imm(op: u8, dst: u8, imm: i32) -> Insn {
    insn(0x07 | op, dst, 0, 0, imm)
}

/// Conditional jump against an immediate; the offset is patched in later.
fn jmp_imm(op: u8, dst: u8, imm: i32) -> Insn {
    insn(0x05 | op, dst, 0, 0, imm)
}

fn exit() -> Insn {
    insn(0x95, 0, 0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run a program of the instructions above on a device access, as the kernel would.
    fn run(prog: &[Insn], kind: i32, access: u8, major: u32, minor: u32) -> bool {
        let ctx = [((access as u32) << 16) | kind as u32, major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = prog[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            let imm = i.imm as i64 as u64;
            pc += 1;
            match i.code {
                0x61 => r[dst] = u64::from(ctx[i.off as usize / 4]),
                0xbf => r[dst] = r[src],
                0xb7 => r[dst] = imm,
                0x57 => r[dst] &= imm,
                0x77 => r[dst] >>= imm,
                0x15 if r[dst] == imm => pc += i.off as usize,
                0x55 if r[dst] != imm => pc += i.off as usize,
                0x15 | 0x55 => {}
                0x95 => return r[0] == 1,
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
    }

    fn policy(rules: &[(&str, &str)]) -> DevicePolicy {
        let settings: Vec<(String, String)> = rules
            .iter()
            .map(|(f, v)| (format!("devices.{f}"), v.to_string()))
            .collect();
        DevicePolicy::from_settings(&settings).unwrap().unwrap()
    }

    const M: u8 = ACC_MKNOD;
    const R: u8 = ACC_READ;
    const W: u8 = ACC_WRITE;

    #[test]
    fn the_seeds_allowlist_admits_its_devices_only() {
        let p = policy(&[
            ("deny", "a"),
            ("allow", "c *:* m"),
            ("allow", "b *:* m"),
            ("allow", "c 1:3 rwm"),
            ("allow", "c 136:* rwm"),
            ("allow", "c 254:0 rm"),
        ]);
        let prog = p.program();
        assert!(run(&prog, DEV_CHAR, R | W, 1, 3));
        assert!(run(&prog, DEV_CHAR, R, 136, 7));
        assert!(run(&prog, DEV_BLOCK, M, 7, 0));
        assert!(!run(&prog, DEV_BLOCK, R, 7, 0));
        assert!(!run(&prog, DEV_CHAR, R, 1, 1));
        assert!(run(&prog, DEV_CHAR, R, 254, 0));
        assert!(!run(&prog, DEV_CHAR, W, 254, 0));
    }

    #[test]
    fn a_denylist_refuses_its_devices_only() {
        let p = policy(&[("allow", "a"), ("deny", "b 7:* rw"), ("deny", "c 1:1 r")]);
        let prog = p.program();
        assert!(!run(&prog, DEV_BLOCK, R, 7, 3));
        assert!(run(&prog, DEV_BLOCK, M, 7, 3));
        assert!(!run(&prog, DEV_CHAR, R | W, 1, 1));
        assert!(run(&prog, DEV_CHAR, W, 1, 1));
        assert!(run(&prog, DEV_CHAR, R, 1, 3));
    }

    #[test]
    fn rules_along_the_default_take_access_away() {
        let p = policy(&[("deny", "a"), ("allow", "c 1:3 rwm"), ("deny", "c 1:3 w")]);
        let prog = p.program();
        assert!(run(&prog, DEV_CHAR, R, 1, 3));
        assert!(!run(&prog, DEV_CHAR, W, 1, 3));
        let reset = policy(&[("deny", "c 1:3 rwm"), ("allow", "a")]);
        assert!(reset.exceptions.is_empty() && reset.default_allow);
    }

    #[test]
    fn bad_rules_are_named_by_key() {
        let bad = |v: &str| {
            DevicePolicy::from_settings(&[("devices.allow".into(), v.into())]).unwrap_err()
        };
        assert!(bad("x 1:3 rwm").starts_with("lxc.cgroup2.devices.allow = x 1:3 rwm:"));
        assert!(bad("c 1-3 rwm").contains("<major>:<minor>"));
        assert!(bad("c 1:3 rwx").contains("unknown access"));
        assert!(bad("c one:3").contains("not a device number"));
        assert_eq!(DevicePolicy::from_settings(&[]).unwrap(), None);
    }
}
