//! The pepper: a secret key for the keyed hashes Vigie stores in place of personal values it must
//! recognise again (a notifier's e-mail address, for misuse counts) and for the secrets it derives
//! instead of storing them (the links of uploader notices). Without the pepper, a stored keyed
//! hash cannot be reversed by guessing the value, unlike a plain SHA-256 (GDPR arts. 25, 32).
//!
//! It is 32 random bytes, kept in a file of its own: by default `pepper` in the data directory,
//! created on the first start with owner-only permissions; or a file the operator names
//! (`VIGIE_PEPPER_FILE`), so that it can be kept apart from the database and its backups. It is
//! never logged, never in an event and never in the database. Losing it makes the pseudonyms of
//! notifiers start afresh and the links of notices issued before unreadable by their platform.

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The secret key of keyed hashes. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Pepper([u8; 32]);

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pepper(<secret>)")
    }
}

/// Why the pepper could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum PepperError {
    #[error("could not read or create the pepper file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the pepper file {0} does not hold 32 bytes: it is not a pepper Vigie made")]
    Malformed(String),
}

impl Pepper {
    /// A new random pepper (for a fresh data directory, or tests).
    pub fn random() -> Self {
        Pepper(crate::random32())
    }

    /// Reads the pepper at `path`, or creates it there (owner-only) if there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, PepperError> {
        let io = |source| PepperError::Io { path: path.display().to_string(), source };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.try_into().map_err(|_| PepperError::Malformed(path.display().to_string()))?;
                Ok(Pepper(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pepper = Pepper::random();
                create_secret_file(path, &pepper.0).map_err(io)?;
                Ok(pepper)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// HMAC-SHA256 of `value` under the pepper, for one purpose (`domain` keeps the hashes of
    /// different purposes apart), as lower-case hex.
    pub fn keyed(&self, domain: &str, value: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes 32-byte keys");
        mac.update(&(domain.len() as u64).to_be_bytes());
        mac.update(domain.as_bytes());
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Writes a new secret file: its directory made if missing, created only if absent, readable by
/// its owner alone, on disk before this returns.
pub(crate) fn create_secret_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pepper_is_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pepper");
        let made = Pepper::load_or_create(&path).unwrap();
        let again = Pepper::load_or_create(&path).unwrap();
        assert_eq!(made.keyed("d", b"x"), again.keyed("d", b"x"));
        assert_ne!(made.keyed("d", b"x"), made.keyed("e", b"x"), "purposes are kept apart");
        assert_ne!(made.keyed("d", b"x"), Pepper::random().keyed("d", b"x"));
        assert_eq!(format!("{made:?}"), "Pepper(<secret>)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(Pepper::load_or_create(&path), Err(PepperError::Malformed(_))));
    }
}
