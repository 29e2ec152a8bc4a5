//! `hwaddr` templates: each `x` of a value such as the seed's `00:16:3e:xx:xx:xx` becomes a
//! random hex digit when the line is read or set, so that the configuration saved after it
//! holds one fixed address, as LXC does. The second digit stays even: a unicast address.

/// The completed address when `key` is a NIC's hwaddr and `value` a template; else None.
pub fn complete(key: &str, value: &str) -> Option<String> {
    let is_hwaddr = key.ends_with(".hwaddr")
        && (key.starts_with("lxc.net.") || key.starts_with("lxc.network."));
    if !is_hwaddr || !value.contains(['x', 'X']) {
        return None;
    }
    let noise = random_bytes(value.len());
    Some(fill(value, &noise))
}

fn fill(template: &str, noise: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    template
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if b != b'x' && b != b'X' {
                return b as char;
            }
            let r = noise.get(i).copied().unwrap_or(0);
            // The first octet's low bit (in its second digit) marks multicast: keep it clear.
            let digit = if i == 1 { r & 0x0e } else { r & 0x0f };
            HEX[usize::from(digit)] as char
        })
        .collect()
}

/// `n` random characters of `alphabet` (generated names: `vethXXXXXX`, ephemeral clones).
pub fn random_chars(n: usize, alphabet: &[u8]) -> String {
    random_bytes(n)
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len().max(1)]))
        .collect()
}

/// Random bytes from the kernel's pool (a clock-derived mix where that cannot be read).
pub fn random_bytes(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if read.is_err() {
        let mut seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
        for b in buf.iter_mut() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (seed >> 33) as u8;
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_with_hex_and_stay_unicast() {
        let filled = complete("lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx").unwrap();
        assert_eq!(filled.len(), 17);
        assert!(filled.starts_with("00:16:3e:"));
        assert!(filled.chars().all(|c| c == ':' || c.is_ascii_hexdigit()));
        let first = fill("xx:00", &[0xff, 0xff, 0, 0, 0]);
        assert_eq!(first, "fe:00");
        assert_eq!(
            complete("lxc.network.hwaddr", "00:16:3E:XX:00:00").map(|s| s.len()),
            Some(17)
        );
        assert_eq!(complete("lxc.net.0.hwaddr", "00:16:3e:12:34:56"), None);
        assert_eq!(complete("lxc.uts.name", "xx"), None);
    }
}
