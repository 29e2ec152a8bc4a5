//! OpenPGP detached signatures (`.asc`) on the index and the tarballs, checked in pure Rust
//! against a keyring of trusted public keys (armored or binary; several keys allowed). A
//! subkey counts only with a valid binding to its primary key.

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
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
    pub fn check(&self, what: &str, data: &[u8], signature: &[u8]) -> Result<(), String> {
        let sig = if signature.starts_with(b"-----BEGIN") {
            DetachedSignature::from_armor_single(signature).map(|(s, _)| s)
        } else {
            DetachedSignature::from_bytes(signature)
        }
        .map_err(|e| format!("{what}: unreadable signature: {e}"))?;
        // Only a signature over data counts (not a key certification over those bytes).
        use pgp::packet::SignatureType;
        if !matches!(
            sig.signature.typ(),
            Some(SignatureType::Binary | SignatureType::Text)
        ) {
            return Err(format!("{what}: not a data signature"));
        }
        for key in &self.keys {
            if sig.verify(key, data).is_ok() {
                return Ok(());
            }
            let good_subkey = key
                .public_subkeys
                .iter()
                .filter(|sub| sub.verify_bindings(&key.primary_key).is_ok())
                .any(|sub| sig.verify(sub, data).is_ok());
            if good_subkey {
                return Ok(());
            }
        }
        Err(format!(
            "{what}: BAD signature (not made by a trusted key, or the file was altered)"
        ))
    }
}
