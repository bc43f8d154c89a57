//! C2SP signed notes (`c2sp.org/signed-note`): a text, a blank line, and signature lines; and the
//! text forms of the keys that make and check them.
//!
//! ```text
//! vigie.example/log
//! 5
//! CTC5bsxeuDM0F0MOw0VqllgjcNdTncKTUDrKPMeA1qE=
//!
//! — vigie.example/log mL7k3ugKU8FuUh+ojvmgS1O0vqig003m9KdO/oIyjRg1hSONSOBHE4hpX5q9dyGgJSNgXc2B7GY7P0AGTW8npWq7jgk=
//! ```
//!
//! (`docs/log.md`'s example: the example log key, checked by `tests/docs.rs`.)
//!
//! - The text ends with a newline; the signatures start after the note's *last* blank line.
//! - A signature line is an em dash (U+2014), a space, the key's name, a space, and the base64 of
//!   the 4-byte key ID (big-endian) followed by the signature.
//! - A key ID is `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[..4]`, the type byte being `0x01` for
//!   Ed25519 note signatures and `0x04` for Ed25519 cosignatures (`c2sp.org/tlog-cosignature`).
//! - A verifier key (*vkey*) is `<name>+<8 hex digits of the key ID>+<base64(type ‖ public key)>`;
//!   a signer key is `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ‖ 32-byte seed)>`, as Go's
//!   `golang.org/x/mod/sumdb/note` writes them.
//!
//! Parsing is strict and bounded ([`MAX_NOTE_BYTES`], [`MAX_SIGNATURES`], [`MAX_NAME_BYTES`]):
//! valid UTF-8, no control character but the newline, canonical base64, and a clear error for
//! each fault. A note is checked against a set of known keys: a signature whose name and key ID
//! match no known key is ignored, a known key's signature that fails rejects the whole note, and
//! a note with no verified signature is rejected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The largest note accepted, in bytes (16 post-quantum signatures fit several times over).
pub const MAX_NOTE_BYTES: usize = 128 * 1024;
/// The most signature lines accepted in one note (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// The longest key name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// The signature type byte of Ed25519 note signatures.
pub const TYPE_ED25519: u8 = 0x01;
/// The signature type byte of timestamped Ed25519 cosignatures (`c2sp.org/tlog-cosignature`).
pub const TYPE_COSIGNATURE_V1: u8 = 0x04;

const EM_DASH_SPACE: &str = "\u{2014} ";
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Why a note or a key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("the note is not valid UTF-8")]
    NotUtf8,
    #[error("the note holds a control character (U+{0:04X})")]
    ControlCharacter(u32),
    #[error("the note text must end with a newline")]
    NoFinalNewline,
    #[error("the note has no blank line before its signatures")]
    NoSignatureBlock,
    #[error("the note has no signature")]
    NoSignature,
    #[error("the note has more than {max} signatures")]
    TooManySignatures { max: usize },
    #[error("signature line {line} is malformed: {why}")]
    BadSignatureLine { line: usize, why: &'static str },
    #[error("key name is invalid: {why}")]
    BadKeyName { why: &'static str },
    #[error("key is malformed: {why}")]
    BadKey { why: &'static str },
    #[error("the key ID {found:08x} in the key does not match its name and public key ({expected:08x})")]
    KeyIdMismatch { found: u32, expected: u32 },
    #[error("unknown signature type 0x{0:02x}")]
    UnknownType(u8),
    #[error("the signature by {name} ({key_id:08x}) does not verify")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("no signature by a known key")]
    NoKnownSignature,
}

/// The 4-byte key ID of a key: the first four bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`,
/// read big-endian.
pub fn key_id(name: &str, sig_type: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, sig_type]);
    h.update(public_key);
    let digest = h.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Checks a key name: non-empty, at most [`MAX_NAME_BYTES`], no white space (Unicode's), no plus
/// sign, no control character.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(NoteError::BadKeyName { why: "empty" });
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NoteError::BadKeyName { why: "too long" });
    }
    if name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKeyName { why: "holds white space" });
    }
    if name.contains('+') {
        return Err(NoteError::BadKeyName { why: "holds a plus sign" });
    }
    if name.chars().any(char::is_control) {
        return Err(NoteError::BadKeyName { why: "holds a control character" });
    }
    Ok(())
}

/// What a key signs: plain note signatures, or timestamped cosignatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Ed25519 over the note text (type `0x01`): a log's checkpoint signature.
    Ed25519,
    /// Ed25519 over `cosignature/v1`, the time and the note text (type `0x04`): a witness's
    /// cosignature.
    CosignatureV1,
}

impl KeyType {
    pub fn type_byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => TYPE_ED25519,
            KeyType::CosignatureV1 => TYPE_COSIGNATURE_V1,
        }
    }

    fn from_byte(b: u8) -> Result<Self, NoteError> {
        match b {
            TYPE_ED25519 => Ok(KeyType::Ed25519),
            TYPE_COSIGNATURE_V1 => Ok(KeyType::CosignatureV1),
            other => Err(NoteError::UnknownType(other)),
        }
    }
}

/// One signature of a note: the key's name and ID, and the signature bytes after the ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    pub fn new(name: &str, key_id: u32, signature: Vec<u8>) -> Result<Self, NoteError> {
        check_key_name(name)?;
        if signature.is_empty() {
            return Err(NoteError::BadSignatureLine { line: 0, why: "no signature bytes" });
        }
        Ok(NoteSignature { name: name.to_owned(), key_id, signature })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes, after the key ID.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature line, newline included: `— <name> <base64(key ID ‖ signature)>\n`.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{EM_DASH_SPACE}{} {}\n", self.name, B64.encode(bytes))
    }

    /// Reads one signature line (without its newline); `line` numbers it for errors.
    fn parse_line(text: &str, line: usize) -> Result<Self, NoteError> {
        let bad = |why| NoteError::BadSignatureLine { line, why };
        let rest = text.strip_prefix(EM_DASH_SPACE).ok_or(bad("does not start with an em dash and a space"))?;
        let (name, encoded) = rest.split_once(' ').ok_or(bad("no space between the name and the signature"))?;
        check_key_name(name).map_err(|_| bad("invalid key name"))?;
        if encoded.contains(' ') {
            return Err(bad("more than two fields"));
        }
        let bytes = B64.decode(encoded).map_err(|_| bad("signature is not canonical base64"))?;
        if bytes.len() < 5 {
            return Err(bad("signature shorter than a key ID and one byte"));
        }
        let key_id = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok(NoteSignature { name: name.to_owned(), key_id, signature: bytes[4..].to_vec() })
    }
}

/// A note: its text and its signature lines, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Invariant: passes `check_text`.
    text: String,
    signatures: Vec<NoteSignature>,
}

fn check_chars(s: &str) -> Result<(), NoteError> {
    match s.chars().find(|&c| c < ' ' && c != '\n') {
        Some(c) => Err(NoteError::ControlCharacter(c as u32)),
        None => Ok(()),
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge { len: text.len(), max: MAX_NOTE_BYTES });
    }
    check_chars(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::NoFinalNewline);
    }
    Ok(())
}

impl Note {
    /// An unsigned note with this text (which must end with a newline).
    pub fn new(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        Ok(Note { text: text.to_owned(), signatures: Vec::new() })
    }

    /// Reads a signed note.
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { len: bytes.len(), max: MAX_NOTE_BYTES });
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        check_chars(s)?;
        if !s.ends_with('\n') {
            return Err(NoteError::NoFinalNewline);
        }
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let (text, block) = (&s[..=split], &s[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::NoSignature);
        }
        let mut signatures = Vec::new();
        // `block` ends with a newline and holds no blank line (the split was at the last one).
        for (i, line) in block.split_terminator('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
            }
            signatures.push(NoteSignature::parse_line(line, i + 1)?);
        }
        Ok(Note { text: text.to_owned(), signatures })
    }

    /// The text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line (a signature made elsewhere, or a cosignature).
    pub fn push_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        if self.signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `key` and adds the signature.
    pub fn sign(&mut self, key: &SignerKey) -> Result<(), NoteError> {
        let signature = key.sign_text(&self.text);
        self.push_signature(signature)
    }

    /// The signed note as text: the text, a blank line, the signature lines.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out
    }

    /// Checks the signatures against `known` keys: the ones by unknown keys are ignored, one by a
    /// known key that fails rejects the note, and at least one must verify.
    pub fn verify(&self, known: &[VerifierKey]) -> Result<Vec<Verified>, NoteError> {
        let mut verified = Vec::new();
        for sig in &self.signatures {
            let Some(key) = known.iter().find(|k| k.name == sig.name && k.key_id == sig.key_id) else {
                continue;
            };
            match key.check(&self.text, &sig.signature) {
                Some(timestamp) => verified.push(Verified { key: key.clone(), timestamp }),
                None => return Err(NoteError::InvalidSignature { name: sig.name.clone(), key_id: sig.key_id }),
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(verified)
    }
}

/// A signature that verified: by which key, and for a cosignature, its time (POSIX seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub key: VerifierKey,
    pub timestamp: Option<u64>,
}

/// A public key that checks note signatures, with its name, ID and type.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    kind: KeyType,
    key: VerifyingKey,
}

impl std::fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

impl VerifierKey {
    /// The key of `kind` named `name` with this Ed25519 public key.
    pub fn new(name: &str, kind: KeyType, public_key: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key =
            VerifyingKey::from_bytes(public_key).map_err(|_| NoteError::BadKey { why: "not an Ed25519 point" })?;
        if key.is_weak() {
            return Err(NoteError::BadKey { why: "a weak (small-order) Ed25519 key" });
        }
        Ok(VerifierKey { name: name.to_owned(), key_id: key_id(name, kind.type_byte(), public_key), kind, key })
    }

    /// Reads a vkey: `<name>+<hex key ID>+<base64(type ‖ public key)>`; the key ID must match.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, found_id, kind, material) = split_key(vkey)?;
        let public_key: [u8; 32] =
            material.as_slice().try_into().map_err(|_| NoteError::BadKey { why: "an Ed25519 key is 32 bytes" })?;
        let key = VerifierKey::new(name, kind, &public_key)?;
        if key.key_id != found_id {
            return Err(NoteError::KeyIdMismatch { found: found_id, expected: key.key_id });
        }
        Ok(key)
    }

    /// The vkey text.
    pub fn encode(&self) -> String {
        let mut material = vec![self.kind.type_byte()];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(material))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn kind(&self) -> KeyType {
        self.kind
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks `signature` (the bytes after the key ID) over `text`. `Some(None)` for a valid note
    /// signature, `Some(Some(time))` for a valid cosignature, `None` when it does not verify.
    fn check(&self, text: &str, signature: &[u8]) -> Option<Option<u64>> {
        match self.kind {
            KeyType::Ed25519 => {
                let sig = Signature::from_slice(signature).ok()?;
                self.key.verify_strict(text.as_bytes(), &sig).ok()?;
                Some(None)
            }
            KeyType::CosignatureV1 => {
                let (timestamp, sig) = split_timestamped(signature)?;
                let message = cosignature_message(text, timestamp);
                self.key.verify_strict(&message, &Signature::from_bytes(&sig)).ok()?;
                Some(Some(timestamp))
            }
        }
    }
}

/// A private key that signs notes, checkpoints and cosignatures: an Ed25519 seed with a name.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key: SigningKey,
}

/// Never prints the seed.
impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKey({}+{:08x})", self.name, self.verifier().key_id)
    }
}

impl SignerKey {
    /// The key named `name` from a 32-byte Ed25519 seed (RFC 8032's private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(SignerKey { name: name.to_owned(), key: SigningKey::from_bytes(seed) })
    }

    /// Reads a signer key: `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`; the key ID
    /// (of the Ed25519 public key) must match.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey.strip_prefix(PRIVATE_KEY_PREFIX).ok_or(NoteError::BadKey { why: "no PRIVATE+KEY+ prefix" })?;
        let (name, found_id, kind, material) = split_key(rest)?;
        if kind != KeyType::Ed25519 {
            return Err(NoteError::UnknownType(kind.type_byte()));
        }
        let seed: [u8; 32] =
            material.as_slice().try_into().map_err(|_| NoteError::BadKey { why: "an Ed25519 seed is 32 bytes" })?;
        let key = SignerKey::from_seed(name, &seed)?;
        let expected = key.verifier().key_id;
        if found_id != expected {
            return Err(NoteError::KeyIdMismatch { found: found_id, expected });
        }
        Ok(key)
    }

    /// The signer key text. It holds the secret seed: write it only where secrets go.
    pub fn encode_secret(&self) -> String {
        let mut material = vec![TYPE_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{PRIVATE_KEY_PREFIX}{}+{:08x}+{}", self.name, self.verifier().key_id, B64.encode(material))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key that checks this key's note signatures (type `0x01`).
    pub fn verifier(&self) -> VerifierKey {
        self.verifier_of(KeyType::Ed25519)
    }

    /// The key that checks this key's cosignatures (type `0x04`, another key ID).
    pub fn cosigner_verifier(&self) -> VerifierKey {
        self.verifier_of(KeyType::CosignatureV1)
    }

    fn verifier_of(&self, kind: KeyType) -> VerifierKey {
        let public = self.key.verifying_key();
        let key_id = key_id(&self.name, kind.type_byte(), public.as_bytes());
        VerifierKey { name: self.name.clone(), key_id, kind, key: public }
    }

    /// The Ed25519 note signature of `text`.
    pub fn sign_text(&self, text: &str) -> NoteSignature {
        let signature = self.key.sign(text.as_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.verifier().key_id,
            signature: signature.to_bytes().to_vec(),
        }
    }

    /// The raw Ed25519 signature of `message`.
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// The latest time a cosignature may carry: 2^63 − 1.
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The message a v1 cosignature signs: `cosignature/v1\ntime <t>\n` then the note's text (for a
/// checkpoint, its whole body, extension lines included).
pub fn cosignature_message(text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// Splits a cosignature's bytes (after the key ID) into its time (8 bytes, big-endian, at most
/// [`MAX_TIMESTAMP`]) and its Ed25519 signature (64 bytes).
fn split_timestamped(bytes: &[u8]) -> Option<(u64, [u8; 64])> {
    let (time, sig) = bytes.split_first_chunk::<8>()?;
    let sig: [u8; 64] = sig.try_into().ok()?;
    let timestamp = u64::from_be_bytes(*time);
    (timestamp <= MAX_TIMESTAMP).then_some((timestamp, sig))
}

/// Splits `<name>+<hex ID>+<base64(type ‖ material)>` (the base64 may itself hold plus signs).
fn split_key(text: &str) -> Result<(&str, u32, KeyType, Vec<u8>), NoteError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(encoded)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadKey { why: "not three parts separated by plus signs" });
    };
    check_key_name(name)?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::BadKey { why: "the key ID is not 8 hexadecimal digits" });
    }
    let found_id =
        u32::from_str_radix(id, 16).map_err(|_| NoteError::BadKey { why: "the key ID is not hexadecimal" })?;
    let bytes = B64.decode(encoded).map_err(|_| NoteError::BadKey { why: "the key is not canonical base64" })?;
    let (&type_byte, material) = bytes.split_first().ok_or(NoteError::BadKey { why: "no key material" })?;
    let kind = KeyType::from_byte(type_byte)?;
    Ok((name, found_id, kind, material.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_refuse_spaces_plus_and_emptiness() {
        assert!(check_key_name("vigie.example/log").is_ok());
        for bad in ["", "a b", "a+b", "a\u{00A0}b", "a\u{2003}b", "a\tb", &"x".repeat(MAX_NAME_BYTES + 1)] {
            assert!(check_key_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_signer_key_round_trips_and_never_prints_its_seed() {
        let key = SignerKey::from_seed("vigie.example/log", &[7; 32]).unwrap();
        let secret = key.encode_secret();
        assert!(secret.starts_with("PRIVATE+KEY+vigie.example/log+"));
        let back = SignerKey::parse(&secret).unwrap();
        assert_eq!(back.verifier(), key.verifier());
        let seed_b64 = B64.encode([7u8; 32]);
        assert!(!format!("{key:?}").contains(&seed_b64[..20]));
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn the_two_key_types_of_one_key_have_different_ids() {
        let key = SignerKey::from_seed("w", &[1; 32]).unwrap();
        assert_ne!(key.verifier().key_id(), key.cosigner_verifier().key_id());
        assert_eq!(key.verifier().public_key(), key.cosigner_verifier().public_key());
    }
}
