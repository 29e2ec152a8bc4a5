//! OpenPGP detached signatures (`.asc`) on the index and the tarballs, checked in pure Rust
//! against a keyring of trusted public keys (armored or binary; several keys allowed). A
//! subkey counts only with a valid binding to its primary key.

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, Tag, Timestamp};
use std::path::Path;

pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

impl Keyring {
    /// Read the trusted keys of `path`.
    pub fn load(path: &Path) -> Result<Keyring, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("keyring {}: {e}", path.display()))?;
        let parsed: Vec<_> = if bytes.starts_with(b"-----BEGIN") {
            SignedPublicKey::from_armor_many(&bytes[..])
                .map(|(keys, _)| keys.collect())
                .map_err(|e| format!("keyring {}: {e}", path.display()))?
        } else {
            SignedPublicKey::from_reader_many(&bytes[..])
                .map(|(keys, _)| keys.collect())
                .map_err(|e| format!("keyring {}: {e}", path.display()))?
        };
        // The keyring is the administrator's choice of primary keys (a key exported from a
        // keyserver may carry third-party certifications, which need not verify here); a
        // subkey counts only with a valid binding to its primary (checked in `check`).
        let keys: Vec<SignedPublicKey> = parsed.into_iter().filter_map(Result::ok).collect();
        if keys.is_empty() {
            return Err(format!("keyring {}: no usable public key", path.display()));
        }
        Ok(Keyring { keys })
    }

    /// Check `signature` (armored or binary) over `data`; `what` names the file in errors.
    pub fn check(&self, what: &str, data: &Signed<'_>, signature: &[u8]) -> Result<(), String> {
        let sig = if signature.starts_with(b"-----BEGIN") {
            DetachedSignature::from_armor_single(signature).map(|(s, _)| s)
        } else {
            DetachedSignature::from_bytes(signature)
        }
        .map_err(|e| format!("{what}: unreadable signature: {e}"))?;
        // Only a signature over data counts (not a key certification over those bytes).
        if !matches!(
            sig.signature.typ(),
            Some(SignatureType::Binary | SignatureType::Text)
        ) {
            return Err(format!("{what}: not a data signature"));
        }
        // The key must have been good when it signed (its creation time, else now).
        let when = sig
            .signature
            .created()
            .map_or_else(|| Timestamp::now().as_secs(), |t| t.as_secs());
        let mut unusable = None;
        for key in &self.keys {
            if data.verified_by(&sig, key) {
                match primary_unusable(key, when) {
                    None => return Ok(()),
                    Some(why) => unusable = Some(why),
                }
            }
            for sub in &key.public_subkeys {
                if !data.verified_by(&sig, sub) {
                    continue;
                }
                let why = primary_unusable(key, when).or_else(|| subkey_unusable(key, sub, when));
                match why {
                    None => return Ok(()),
                    Some(why) => unusable = Some(why),
                }
            }
        }
        if let Some(why) = unusable {
            return Err(format!("{what}: signed by a key that is {why}"));
        }
        Err(format!(
            "{what}: BAD signature (not made by a trusted key, or the file was altered)"
        ))
    }
}

/// What a signature covers: bytes in memory (the index), or a file read as it is checked
/// (a tarball, however large).
pub enum Signed<'a> {
    Bytes(&'a [u8]),
    File(&'a std::path::Path),
}

impl Signed<'_> {
    fn verified_by(&self, sig: &DetachedSignature, key: &impl pgp::types::VerifyingKey) -> bool {
        match self {
            Signed::Bytes(data) => sig.signature.verify(key, *data).is_ok(),
            Signed::File(path) => std::fs::File::open(path).is_ok_and(|f| {
                sig.signature
                    .verify(key, std::io::BufReader::with_capacity(1 << 16, f))
                    .is_ok()
            }),
        }
    }
}

/// Whether a key created at `created` and valid for `valid_for` seconds (0: no limit) had
/// expired at `when`.
fn expired(created: u32, valid_for: Option<u32>, when: u32) -> bool {
    valid_for.is_some_and(|d| d > 0 && u64::from(created) + u64::from(d) < u64::from(when))
}

/// Why the keyring's primary key may not have signed at `when`: revoked, or expired by its
/// newest self-signature.
fn primary_unusable(key: &SignedPublicKey, when: u32) -> Option<&'static str> {
    let primary = &key.primary_key;
    if key
        .details
        .revocation_signatures
        .iter()
        .any(|s| s.verify_key(primary).is_ok())
    {
        return Some("revoked");
    }
    let newest = key
        .details
        .users
        .iter()
        .flat_map(|u| {
            u.signatures
                .iter()
                .filter(|s| s.verify_certification(primary, Tag::UserId, &u.id).is_ok())
        })
        .chain(
            key.details
                .direct_signatures
                .iter()
                .filter(|s| s.verify_key(primary).is_ok()),
        )
        .max_by_key(|s| s.created().map(Timestamp::as_secs));
    let valid_for = newest
        .and_then(Signature::key_expiration_time)
        .map(|d| d.as_secs());
    expired(primary.created_at().as_secs(), valid_for, when).then_some("expired")
}

/// Why a subkey may not have signed at `when`: no valid binding, not marked for signing by
/// its newest binding, revoked, or expired.
fn subkey_unusable(
    key: &SignedPublicKey,
    sub: &SignedPublicSubKey,
    when: u32,
) -> Option<&'static str> {
    let primary = &key.primary_key;
    let valid = |s: &&Signature| s.verify_subkey_binding(primary, &sub.key).is_ok();
    if sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
        .any(|s| valid(&s))
    {
        return Some("revoked");
    }
    if sub.verify_bindings(primary).is_err() {
        return Some("not bound to its primary key");
    }
    let Some(binding) = sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
        .filter(valid)
        .max_by_key(|s| s.created().map(Timestamp::as_secs))
    else {
        return Some("not bound to its primary key");
    };
    if !binding.key_flags().sign() {
        return Some("not for signing");
    }
    let valid_for = binding.key_expiration_time().map(|d| d.as_secs());
    expired(sub.key.created_at().as_secs(), valid_for, when).then_some("expired")
}

#[cfg(test)]
mod tests {
    use super::expired;

    #[test]
    fn expiry_is_relative_to_creation() {
        assert!(!expired(100, None, 1000));
        assert!(!expired(100, Some(0), 1000));
        assert!(!expired(100, Some(900), 1000));
        assert!(expired(100, Some(899), 1000));
    }
}
