//! The vault's keys and its blob storage.
//!
//! Three layers of keys: each **blob** (one file's bytes, or a case's related data) is encrypted
//! once, with a key of its own, and stored under the SHA-256 of its plaintext; each **record**
//! has a data key, which wraps the keys of the blobs it holds; the record's data key is wrapped
//! by a **key-encryption key** (KEK) from the operator's configuration. Rotation adds a KEK;
//! new records are wrapped with the newest, and a rewrap wraps every record's data key again
//! with it, so the older KEK can then be removed. A blob shared by two records is stored once;
//! purging a record shreds its keys, and a blob no record holds is deleted.
//!
//! Every encryption is ChaCha20-Poly1305 (RFC 8439) with a random 96-bit nonce written before
//! the ciphertext, and additional data naming what is encrypted, so a wrapped key cannot be
//! moved to another record or blob.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce};

/// Where the key-encryption keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A file of lines `ID:HEX` (64 hex digits), oldest first; created with one random key when
    /// absent. Read again by a rewrap, so a key added to it needs no restart.
    File(PathBuf),
    /// The same lines in one value (an environment variable), separated by commas or newlines.
    Inline(String),
}

/// The vault's settings.
#[derive(Clone, Debug)]
pub struct EvidenceConfig {
    /// Where blobs are stored (the data directory's `evidence`).
    pub dir: PathBuf,
    pub keys: KeySource,
}

/// Why the keys could not be read or a sealed value opened.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not read or create the evidence key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("evidence keys: line {line} is not ID:HEX with 64 hex digits")]
    Malformed { line: usize },
    #[error("evidence keys: the id {0} is listed twice")]
    Duplicate(String),
    #[error("evidence keys: none configured")]
    Empty,
    #[error("no key-encryption key {0} is configured: add it back to open the records it wraps")]
    Unknown(String),
    #[error("a sealed value failed to open: wrong key or altered bytes")]
    Open,
}

/// One 256-bit key. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<secret>)")
    }
}

impl SecretKey {
    pub fn random() -> Self {
        SecretKey(crate::random32())
    }
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

/// The configured key-encryption keys, by id; the last is the newest.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<(String, SecretKey)>,
}

impl KeyRing {
    /// Reads the keys; a missing key file is created with one random key `k1` (owner-only).
    pub fn load(source: &KeySource) -> Result<Self, KeyError> {
        match source {
            KeySource::Inline(text) => Self::parse(text),
            KeySource::File(path) => Self::parse(&read_or_create(path)?),
        }
    }

    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<(String, SecretKey)> = Vec::new();
        for (i, line) in text.split([',', '\n']).enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let malformed = KeyError::Malformed { line: i + 1 };
            let (id, hex_key) = line.split_once(':').ok_or(KeyError::Malformed { line: i + 1 })?;
            let id = id.trim();
            let ok_id = !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let bytes = hex::decode(hex_key.trim()).map_err(|_| KeyError::Malformed { line: i + 1 })?;
            let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed { line: i + 1 })?;
            if !ok_id {
                return Err(malformed);
            }
            if keys.iter().any(|(k, _)| k == id) {
                return Err(KeyError::Duplicate(id.to_owned()));
            }
            keys.push((id.to_owned(), SecretKey(key)));
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(KeyRing { keys })
    }

    /// The newest key, which wraps new records and rewraps old ones.
    pub fn newest(&self) -> (&str, &SecretKey) {
        let (id, key) = self.keys.last().expect("a key ring is never empty");
        (id, key)
    }

    pub fn get(&self, id: &str) -> Result<&SecretKey, KeyError> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key).ok_or_else(|| KeyError::Unknown(id.to_owned()))
    }
}

fn read_or_create(path: &Path) -> Result<String, KeyError> {
    let io = |source| KeyError::Io { path: path.display().to_string(), source };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = format!("k1:{}\n", hex::encode(crate::random32()));
            crate::secrets::create_secret_file(path, text.as_bytes()).map_err(io)?;
            Ok(text)
        }
        Err(e) => Err(io(e)),
    }
}

/// Encrypts `plain` under `key`, bound to `aad`: nonce (12 bytes) then ciphertext and tag.
pub fn seal(key: &SecretKey, aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let nonce: [u8; 12] = crate::random16()[..12].try_into().expect("12 of 16 bytes");
    seal_with_nonce(key, nonce, aad, plain)
}

pub(crate) fn seal_with_nonce(key: &SecretKey, nonce: [u8; 12], aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(&Key::from(key.0));
    let ct = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .expect("ChaCha20-Poly1305 encrypts any message this size");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    out
}

/// Opens what [`seal`] made with the same key and additional data.
pub fn open(key: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
    if sealed.len() < 12 + 16 {
        return Err(KeyError::Open);
    }
    let (nonce, ct) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| KeyError::Open)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key.0));
    cipher.decrypt(&Nonce::from(nonce), Payload { msg: ct, aad }).map_err(|_| KeyError::Open)
}

/// Opens a sealed 32-byte key.
pub(crate) fn open_key(key: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<SecretKey, KeyError> {
    let plain = open(key, aad, sealed)?;
    Ok(SecretKey(plain.try_into().map_err(|_| KeyError::Open)?))
}

/// Where the vault's encrypted blobs live, by the SHA-256 (hex) of their plaintext. Step 14 adds
/// shared storage behind the same trait.
pub trait BlobStorage: Send + Sync {
    /// Stores the encrypted bytes of a blob, replacing any left by a write that never committed.
    fn put(&self, sha256: &str, sealed: &[u8]) -> std::io::Result<()>;
    fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>>;
    fn delete(&self, sha256: &str) -> std::io::Result<()>;
    fn exists(&self, sha256: &str) -> bool;
    /// The addresses of every stored blob, for the sweep that frees those no record holds.
    fn list(&self) -> std::io::Result<Vec<String>>;
    /// Removes what writes cut short left behind (temporary files); returns how many. Called only
    /// where no write can be running (the store's writer thread).
    fn clear_unfinished(&self) -> std::io::Result<usize>;
}

/// Blobs as files in a directory of the data directory: `ab/abcdef…`, written to a temporary
/// name, synced, then renamed.
#[derive(Clone, Debug)]
pub struct DirStorage {
    dir: PathBuf,
}

impl DirStorage {
    pub fn new(dir: PathBuf) -> Self {
        DirStorage { dir }
    }
    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| self.dir.join(&sha256[..2]).join(sha256))
    }
}

fn bad_address() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a SHA-256 address")
}

impl BlobStorage for DirStorage {
    fn put(&self, sha256: &str, sealed: &[u8]) -> std::io::Result<()> {
        let path = self.path(sha256).ok_or_else(bad_address)?;
        let parent = path.parent().expect("a blob's path has a directory");
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(".{sha256}.{}", hex::encode(crate::random16())));
        crate::secrets::create_secret_file(&tmp, sealed)?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(parent)?.sync_all()
    }
    fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let path = self.path(sha256).ok_or_else(bad_address)?;
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn delete(&self, sha256: &str) -> std::io::Result<()> {
        let path = self.path(sha256).ok_or_else(bad_address)?;
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
    fn exists(&self, sha256: &str) -> bool {
        self.path(sha256).is_some_and(|p| p.exists())
    }
    fn list(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        for (name, _) in self.files()? {
            if self.path(&name).is_some() {
                out.push(name);
            }
        }
        Ok(out)
    }
    fn clear_unfinished(&self) -> std::io::Result<usize> {
        let mut n = 0;
        for (name, path) in self.files()? {
            if name.starts_with('.') {
                std::fs::remove_file(path)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

impl DirStorage {
    /// Every file in the two-level layout, with its name; none when the vault was never written.
    fn files(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for sub in top {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(sub.path())? {
                let f = f?;
                if f.file_type()?.is_file() {
                    out.push((f.file_name().to_string_lossy().into_owned(), f.path()));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_additional_data() {
        let k = SecretKey::random();
        let sealed = seal(&k, b"blob:ab", b"synthetic bytes");
        assert_eq!(open(&k, b"blob:ab", &sealed).unwrap(), b"synthetic bytes");
        assert!(open(&k, b"blob:cd", &sealed).is_err());
        assert!(open(&SecretKey::random(), b"blob:ab", &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert!(open(&k, b"blob:ab", &flipped).is_err());
    }

    #[test]
    fn key_rings_parse_strictly_and_the_last_key_is_the_newest() {
        let a = hex::encode([1u8; 32]);
        let b = hex::encode([2u8; 32]);
        let ring = KeyRing::parse(&format!("# keys\nold:{a}\nnew:{b}\n")).unwrap();
        assert_eq!(ring.newest().0, "new");
        assert_eq!(ring.get("old").unwrap().0, [1u8; 32]);
        assert!(matches!(ring.get("gone"), Err(KeyError::Unknown(_))));
        assert!(KeyRing::parse(&format!("a:{a},b:{b}")).is_ok());
        assert!(matches!(KeyRing::parse("a:00"), Err(KeyError::Malformed { line: 1 })));
        assert!(matches!(KeyRing::parse(&format!("a:{a}\na:{b}")), Err(KeyError::Duplicate(_))));
        assert!(matches!(KeyRing::parse(""), Err(KeyError::Empty)));
        assert!(matches!(KeyRing::parse(&format!("a b:{a}")), Err(KeyError::Malformed { line: 1 })));
    }
}
