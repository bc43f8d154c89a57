//! C2SP tlog-cosignature v1 (`c2sp.org/tlog-cosignature`), Ed25519: a witness's timestamped
//! statement that, at a time, the checkpoint is the largest consistent one it has seen of the log.
//!
//! - The signed message is two lines, `cosignature/v1` and `time <POSIX seconds>` (decimal, no
//!   leading zero), then the checkpoint's whole note text (extension lines included).
//! - The signature line is an ordinary note signature line whose bytes are the key ID (computed
//!   with type byte `0x04`), the time as 8 bytes big-endian, then the 64-byte Ed25519 signature.
//! - The time must not exceed 2^63 − 1.
//!
//! No timestamp server is reachable from Vigie's machines: a cosignature's time is the *signed
//! time* that dates a checkpoint (the witness's clock, vouched for by the witness's key).

use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::note::{KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey};
pub use crate::note::{MAX_TIMESTAMP, cosignature_message as signed_message};

/// Why a cosignature could not be made or checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("the time {0} is beyond 2^63 - 1")]
    TimeOutOfRange(u64),
    #[error("the key is not a cosignature key")]
    NotACosignerKey,
    #[error("the signature is by {found} ({found_id:08x}), not by the key {expected} ({expected_id:08x})")]
    OtherKey { found: String, found_id: u32, expected: String, expected_id: u32 },
    #[error("a cosignature is 72 bytes (time and signature), not {0}")]
    BadLength(usize),
    #[error("the cosignature does not verify")]
    Invalid,
    #[error("the cosignature by {name} ({key_id:08x}) does not verify")]
    InvalidBy { name: String, key_id: u32 },
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// The time a cosignature line carries, without checking it.
pub fn cosignature_time(signature: &NoteSignature) -> Result<u64, CosignatureError> {
    let bytes = signature.signature();
    if bytes.len() != 72 {
        return Err(CosignatureError::BadLength(bytes.len()));
    }
    let (time, _) = bytes.split_first_chunk::<8>().expect("72 bytes");
    let time = u64::from_be_bytes(*time);
    if time > MAX_TIMESTAMP {
        return Err(CosignatureError::TimeOutOfRange(time));
    }
    Ok(time)
}

/// Cosigns `checkpoint` at `timestamp` (POSIX seconds) with the witness's key: the signature line
/// to add to the checkpoint.
pub fn cosign(checkpoint: &Checkpoint, key: &SignerKey, timestamp: u64) -> Result<NoteSignature, CosignatureError> {
    if timestamp > MAX_TIMESTAMP {
        return Err(CosignatureError::TimeOutOfRange(timestamp));
    }
    let message = signed_message(&checkpoint.body(), timestamp);
    let mut bytes = Vec::with_capacity(72);
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&key.sign_raw(&message));
    Ok(NoteSignature::new(key.name(), key.cosigner_verifier().key_id(), bytes)?)
}

/// Checks that `signature` is `key`'s v1 cosignature of `checkpoint`; returns its time.
pub fn verify_cosignature(
    checkpoint: &Checkpoint,
    signature: &NoteSignature,
    key: &VerifierKey,
) -> Result<u64, CosignatureError> {
    if key.kind() != KeyType::CosignatureV1 {
        return Err(CosignatureError::NotACosignerKey);
    }
    if signature.name() != key.name() || signature.key_id() != key.key_id() {
        return Err(CosignatureError::OtherKey {
            found: signature.name().to_owned(),
            found_id: signature.key_id(),
            expected: key.name().to_owned(),
            expected_id: key.key_id(),
        });
    }
    let time = cosignature_time(signature)?;
    let mut note = Note::new(&checkpoint.body())?;
    note.push_signature(signature.clone())?;
    match note.verify(std::slice::from_ref(key)) {
        Ok(_) => Ok(time),
        Err(_) => Err(CosignatureError::Invalid),
    }
}

/// A witness's cosignature that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedBy {
    pub witness: String,
    pub key_id: u32,
    pub time: u64,
}

// Here rather than in `checkpoint.rs`, which this module builds on.
impl SignedCheckpoint {
    /// The cosignatures by `witnesses` that verify, with their times. One by a known witness that
    /// does not verify is an error; lines by other keys (the log's own, unknown witnesses) are
    /// ignored. Whether enough witnesses signed is the caller's policy.
    pub fn witnessed_by(&self, witnesses: &[VerifierKey]) -> Result<Vec<WitnessedBy>, CosignatureError> {
        let mut out = Vec::new();
        for sig in self.note().signatures() {
            let Some(key) = witnesses.iter().find(|k| k.name() == sig.name() && k.key_id() == sig.key_id()) else {
                continue;
            };
            let time = verify_cosignature(self.checkpoint(), sig, key)
                .map_err(|_| CosignatureError::InvalidBy { name: sig.name().to_owned(), key_id: sig.key_id() })?;
            out.push(WitnessedBy { witness: key.name().to_owned(), key_id: key.key_id(), time });
        }
        Ok(out)
    }
}
