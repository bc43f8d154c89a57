//! An export bundle: a case's preserved bytes, its manifest and chain of custody, encrypted to
//! the recipient's X25519 public key, and checked offline by [`open_and_verify`].
//!
//! The file is JSON: `format` (`vigie-evidence-bundle/1`), `recipient` and `ephemeral` (X25519
//! public keys, hex), and `sealed` (base64): ChaCha20-Poly1305 with a random nonce first, under
//! the key SHA-256("vigie-evidence-bundle/1" ‖ shared secret ‖ ephemeral ‖ recipient), the
//! additional data being the format, recipient and ephemeral key. Inside, JSON again:
//! `manifest` (a string, so its bytes are exactly what is hashed), `manifest_sha256`, and `blobs`
//! (each item's bytes, base64, by SHA-256). The manifest lists the records, their items, the
//! custody log, the events that record them with their chain hashes, and `proofs` (the
//! inclusion proofs of those events; empty until the verifiable log is wired in).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use curve25519_dalek::montgomery::MontgomeryPoint;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::{SecretKey, open, seal_with_nonce};

pub const FORMAT: &str = "vigie-evidence-bundle/1";

/// The outer file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub format: String,
    pub recipient: String,
    pub ephemeral: String,
    pub sealed: String,
}

/// What the envelope seals.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contents {
    pub manifest: String,
    pub manifest_sha256: String,
    pub blobs: std::collections::BTreeMap<String, String>,
}

/// The manifest: what the bundle holds and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub export: String,
    pub case: String,
    pub platform: String,
    pub created_at: String,
    pub requested_by: String,
    pub approved_by: String,
    pub recipient: String,
    pub records: Vec<ManifestRecord>,
    pub custody: Vec<ManifestCustody>,
    /// The events that record the records and their custody, with their chain hashes.
    pub events: Vec<ManifestEvent>,
    /// The inclusion proofs of `events` in the verifiable log, in the tree of `checkpoint`
    /// (`seq`, `leaf_index`, `tree_size`, `leaf_hash`, `hashes`, base64).
    pub proofs: Vec<serde_json::Value>,
    /// The log's signed checkpoint the proofs lead to (a C2SP note; check its signature with the
    /// log's key, `docs/log.md`).
    #[serde(default)]
    pub checkpoint: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRecord {
    pub id: String,
    pub basis: String,
    pub legal_basis: String,
    pub purpose: String,
    pub reference: Option<String>,
    pub preserved_at: String,
    pub expires_at: String,
    pub items: Vec<ManifestItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestItem {
    pub sha256: String,
    pub size: i64,
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCustody {
    pub record: String,
    pub at: String,
    pub user: Option<String>,
    pub org: Option<String>,
    pub action: String,
    pub basis: Option<String>,
    pub event_seq: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEvent {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a bundle does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a bundle: {0}")]
    Malformed(String),
    #[error("the bundle is for another recipient's key")]
    WrongRecipient,
    #[error("the bundle does not decrypt: wrong key, or altered")]
    Decrypt,
    #[error("the manifest's SHA-256 does not match: altered")]
    ManifestHash,
    #[error("blob {0} is missing")]
    MissingBlob(String),
    #[error("blob {0} does not hash to its address: altered")]
    BlobHash(String),
    #[error("blob {0} is not in the manifest")]
    UnlistedBlob(String),
    #[error("the inclusion proof of event {0} does not lead to the checkpoint's root")]
    Proof(i64),
}

/// An X25519 key pair for a recipient.
pub fn keypair() -> (SecretKey, [u8; 32]) {
    let secret = SecretKey::random();
    let public = MontgomeryPoint::mul_base_clamped(secret.0).to_bytes();
    (secret, public)
}

/// The public key of a secret (hex).
pub fn public_of(secret: &SecretKey) -> [u8; 32] {
    MontgomeryPoint::mul_base_clamped(secret.0).to_bytes()
}

/// A hex X25519 public key, if it is one (not the all-zero point).
pub fn parse_public(hex_key: &str) -> Option<[u8; 32]> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    (bytes != [0; 32]).then_some(bytes)
}

/// A recipient's key's short fingerprint, for events: the first 16 hex digits of its SHA-256.
pub fn fingerprint(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

fn bundle_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> SecretKey {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    h.update(shared);
    h.update(ephemeral);
    h.update(recipient);
    SecretKey(h.finalize().into())
}

fn aad(recipient: &[u8; 32], ephemeral: &[u8; 32]) -> Vec<u8> {
    let mut a = FORMAT.as_bytes().to_vec();
    a.extend_from_slice(recipient);
    a.extend_from_slice(ephemeral);
    a
}

/// Seals a manifest and its blobs to `recipient`; returns the bundle's bytes.
pub fn seal_bundle(manifest: &Manifest, blobs: &[(String, Vec<u8>)], recipient: &[u8; 32]) -> Vec<u8> {
    let manifest = serde_json::to_string(manifest).expect("a manifest serialises");
    let contents = Contents {
        manifest_sha256: hex::encode(Sha256::digest(manifest.as_bytes())),
        manifest,
        blobs: blobs.iter().map(|(sha, bytes)| (sha.clone(), B64.encode(bytes))).collect(),
    };
    let plain = serde_json::to_vec(&contents).expect("contents serialise");
    let (eph_secret, ephemeral) = keypair();
    let shared = MontgomeryPoint(*recipient).mul_clamped(eph_secret.0).to_bytes();
    let key = bundle_key(&shared, &ephemeral, recipient);
    let nonce: [u8; 12] = crate::random16()[..12].try_into().expect("12 of 16 bytes");
    let sealed = seal_with_nonce(&key, nonce, &aad(recipient, &ephemeral), &plain);
    let env = Envelope {
        format: FORMAT.to_owned(),
        recipient: hex::encode(recipient),
        ephemeral: hex::encode(ephemeral),
        sealed: B64.encode(sealed),
    };
    serde_json::to_vec_pretty(&env).expect("an envelope serialises")
}

/// Decrypts a bundle with the recipient's secret key, without checking what is inside.
pub fn decrypt(bundle: &[u8], secret: &SecretKey) -> Result<Contents, BundleError> {
    let env: Envelope = serde_json::from_slice(bundle).map_err(|e| BundleError::Malformed(e.to_string()))?;
    if env.format != FORMAT {
        return Err(BundleError::Malformed(format!("format {:?}", env.format)));
    }
    let recipient = parse_public(&env.recipient).ok_or_else(|| BundleError::Malformed("recipient".into()))?;
    let ephemeral = parse_public(&env.ephemeral).ok_or_else(|| BundleError::Malformed("ephemeral".into()))?;
    if public_of(secret) != recipient {
        return Err(BundleError::WrongRecipient);
    }
    let shared = MontgomeryPoint(ephemeral).mul_clamped(secret.0).to_bytes();
    if shared == [0; 32] {
        return Err(BundleError::Decrypt);
    }
    let key = bundle_key(&shared, &ephemeral, &recipient);
    let sealed = B64.decode(env.sealed.as_bytes()).map_err(|_| BundleError::Malformed("sealed".into()))?;
    let plain = open(&key, &aad(&recipient, &ephemeral), &sealed).map_err(|_| BundleError::Decrypt)?;
    serde_json::from_slice(&plain).map_err(|e| BundleError::Malformed(e.to_string()))
}

/// Re-seals contents as they are (tests use it to build a bundle whose inside was altered).
pub fn reseal(contents: &Contents, recipient: &[u8; 32]) -> Vec<u8> {
    let plain = serde_json::to_vec(contents).expect("contents serialise");
    let (eph_secret, ephemeral) = keypair();
    let shared = MontgomeryPoint(*recipient).mul_clamped(eph_secret.0).to_bytes();
    let key = bundle_key(&shared, &ephemeral, recipient);
    let nonce: [u8; 12] = crate::random16()[..12].try_into().expect("12 of 16 bytes");
    let sealed = seal_with_nonce(&key, nonce, &aad(recipient, &ephemeral), &plain);
    let env = Envelope {
        format: FORMAT.to_owned(),
        recipient: hex::encode(recipient),
        ephemeral: hex::encode(ephemeral),
        sealed: B64.encode(sealed),
    };
    serde_json::to_vec_pretty(&env).expect("an envelope serialises")
}

/// A verified bundle: its manifest and its blobs' bytes.
#[derive(Debug)]
pub struct Verified {
    pub manifest: Manifest,
    pub blobs: std::collections::BTreeMap<String, Vec<u8>>,
}

/// Decrypts a bundle and checks it: the manifest's hash, every listed item present and hashing
/// to its address, nothing unlisted.
pub fn open_and_verify(bundle: &[u8], secret: &SecretKey) -> Result<Verified, BundleError> {
    let contents = decrypt(bundle, secret)?;
    if hex::encode(Sha256::digest(contents.manifest.as_bytes())) != contents.manifest_sha256 {
        return Err(BundleError::ManifestHash);
    }
    let manifest: Manifest =
        serde_json::from_str(&contents.manifest).map_err(|e| BundleError::Malformed(e.to_string()))?;
    let listed: std::collections::BTreeSet<&str> =
        manifest.records.iter().flat_map(|r| r.items.iter().map(|i| i.sha256.as_str())).collect();
    let mut blobs = std::collections::BTreeMap::new();
    for sha in &listed {
        let b64 = contents.blobs.get(*sha).ok_or_else(|| BundleError::MissingBlob(sha.to_string()))?;
        let bytes = B64.decode(b64.as_bytes()).map_err(|_| BundleError::BlobHash(sha.to_string()))?;
        if hex::encode(Sha256::digest(&bytes)) != *sha {
            return Err(BundleError::BlobHash(sha.to_string()));
        }
        blobs.insert(sha.to_string(), bytes);
    }
    if let Some(extra) = contents.blobs.keys().find(|k| !listed.contains(k.as_str())) {
        return Err(BundleError::UnlistedBlob(extra.clone()));
    }
    check_proofs(&manifest)?;
    Ok(Verified { manifest, blobs })
}

/// Every inclusion proof leads to the root of the manifest's checkpoint, and every event the
/// checkpoint covers has one.
fn check_proofs(m: &Manifest) -> Result<(), BundleError> {
    let Some(note) = &m.checkpoint else {
        return if m.proofs.is_empty() {
            Ok(())
        } else {
            Err(BundleError::Malformed("proofs without a checkpoint".into()))
        };
    };
    let note = vigie_log::Note::parse(note.as_bytes()).map_err(|e| BundleError::Malformed(e.to_string()))?;
    let c = vigie_log::Checkpoint::parse_body(note.text()).map_err(|e| BundleError::Malformed(e.to_string()))?;
    let hash =
        |v: &serde_json::Value| -> Option<vigie_log::tree::Hash> { B64.decode(v.as_str()?).ok()?.try_into().ok() };
    for e in m.events.iter().filter(|e| u64::try_from(e.seq).is_ok_and(|s| s <= c.size())) {
        let proof = m.proofs.iter().find(|p| p["seq"].as_i64() == Some(e.seq)).ok_or(BundleError::Proof(e.seq))?;
        let leaf = hash(&proof["leaf_hash"]).ok_or(BundleError::Proof(e.seq))?;
        let path: Option<Vec<_>> =
            proof["hashes"].as_array().ok_or(BundleError::Proof(e.seq))?.iter().map(hash).collect();
        let path = path.ok_or(BundleError::Proof(e.seq))?;
        let index = u64::try_from(e.seq - 1).map_err(|_| BundleError::Proof(e.seq))?;
        vigie_log::tree::verify_inclusion(&leaf, index, c.size(), &path, c.root())
            .map_err(|_| BundleError::Proof(e.seq))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(items: Vec<ManifestItem>) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            export: "exp_1".into(),
            case: "cas_1".into(),
            platform: "org_1".into(),
            created_at: "2026-12-07T00:00:00Z".into(),
            requested_by: "usr_1".into(),
            approved_by: "usr_2".into(),
            recipient: "r".into(),
            records: vec![ManifestRecord {
                id: "evd_1".into(),
                basis: "removal_order".into(),
                legal_basis: "TCO art. 6(1)".into(),
                purpose: "review_and_investigation".into(),
                reference: None,
                preserved_at: "2026-12-07T00:00:00Z".into(),
                expires_at: "2027-06-09T00:00:00Z".into(),
                items,
            }],
            custody: vec![],
            events: vec![],
            proofs: vec![],
            checkpoint: None,
        }
    }

    #[test]
    fn a_bundle_opens_for_its_recipient_only_and_any_change_is_found() {
        let bytes = b"synthetic noise".to_vec();
        let sha = hex::encode(Sha256::digest(&bytes));
        let m = manifest(vec![ManifestItem { sha256: sha.clone(), size: 15, kind: "media".into(), name: "a".into() }]);
        let (secret, public) = keypair();
        let bundle = seal_bundle(&m, &[(sha.clone(), bytes.clone())], &public);
        let v = open_and_verify(&bundle, &secret).unwrap();
        assert_eq!((v.manifest, v.blobs[&sha].clone()), (m.clone(), bytes.clone()));

        let (other, _) = keypair();
        assert_eq!(open_and_verify(&bundle, &other).unwrap_err(), BundleError::WrongRecipient);

        let mut env: Envelope = serde_json::from_slice(&bundle).unwrap();
        let mut raw = B64.decode(&env.sealed).unwrap();
        raw[40] ^= 1;
        env.sealed = B64.encode(raw);
        let flipped = serde_json::to_vec(&env).unwrap();
        assert_eq!(open_and_verify(&flipped, &secret).unwrap_err(), BundleError::Decrypt);

        let mut c = decrypt(&bundle, &secret).unwrap();
        c.blobs.insert(sha.clone(), B64.encode(b"other bytes"));
        assert_eq!(open_and_verify(&reseal(&c, &public), &secret).unwrap_err(), BundleError::BlobHash(sha.clone()));

        let mut c = decrypt(&bundle, &secret).unwrap();
        c.manifest = c.manifest.replace("removal_order", "specific_measure");
        assert_eq!(open_and_verify(&reseal(&c, &public), &secret).unwrap_err(), BundleError::ManifestHash);

        let mut c = decrypt(&bundle, &secret).unwrap();
        c.blobs.clear();
        assert_eq!(open_and_verify(&reseal(&c, &public), &secret).unwrap_err(), BundleError::MissingBlob(sha));
    }
}
