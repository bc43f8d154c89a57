//! C2SP tlog-checkpoint (`c2sp.org/tlog-checkpoint`): a log's signed tree head as a note.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zero>
//! <root hash, base64>
//! [extension lines, each non-empty]
//! ```
//!
//! The log signs the text with its Ed25519 key, whose name is the origin; witnesses add their
//! cosignatures ([`crate::cosignature`]) to the same note. A reader opens a checkpoint with the
//! keys it trusts for that origin and ignores signatures by other keys.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::note::{KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey, check_key_name};
use crate::tree::{EMPTY_ROOT, Hash};

/// Why a checkpoint was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("a checkpoint has at least three lines: origin, size and root")]
    TooFewLines,
    #[error("the origin line is empty")]
    EmptyOrigin,
    #[error("the tree size is not a decimal number without leading zeros that fits 64 bits")]
    BadSize,
    #[error("the root hash is not the canonical base64 of 32 bytes")]
    BadRoot,
    #[error("extension lines must not be empty")]
    EmptyExtension,
    #[error("a tree of size 0 has the root SHA-256(\"\")")]
    BadEmptyRoot,
    #[error("the checkpoint is for {found}, not {expected}")]
    WrongOrigin { expected: String, found: String },
    #[error("the log's key is named {key}, not after the origin {origin}")]
    KeyNotOrigin { key: String, origin: String },
    #[error("a log's checkpoint is opened with Ed25519 note keys, not cosignature keys")]
    NotALogKey,
}

/// A log's tree head: its origin, size and root, and optional extension lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Invariant: non-empty, no newline.
    origin: String,
    size: u64,
    /// Invariant: `EMPTY_ROOT` when `size` is 0.
    root: Hash,
    /// Invariant: each non-empty, no newline.
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint for Vigie's own log. The origin must be a valid key name (non-empty, no white
    /// space, no plus sign), since the log's key is named after it.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_key_name(origin)?;
        if size == 0 && root != EMPTY_ROOT {
            return Err(CheckpointError::BadEmptyRoot);
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions: Vec::new() })
    }

    /// Adds an extension line (non-empty, one line, no control character).
    pub fn with_extension(mut self, line: &str) -> Result<Self, CheckpointError> {
        if line.is_empty() {
            return Err(CheckpointError::EmptyExtension);
        }
        if let Some(c) = line.chars().find(|&c| c < ' ') {
            return Err(NoteError::ControlCharacter(c as u32).into());
        }
        self.extensions.push(line.to_owned());
        Ok(self)
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> &Hash {
        &self.root
    }

    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: origin, size and root lines, then the extension lines, each ending with a
    /// newline.
    pub fn body(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Reads a checkpoint's note text. The origin is taken as it is (any non-empty line): readers
    /// must not assume its form.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let Some(body) = text.strip_suffix('\n') else { return Err(NoteError::NoFinalNewline.into()) };
        if let Some(c) = body.chars().find(|&c| c < ' ' && c != '\n') {
            return Err(NoteError::ControlCharacter(c as u32).into());
        }
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(size)?;
        let root: Hash = B64.decode(root).ok().and_then(|b| b.try_into().ok()).ok_or(CheckpointError::BadRoot)?;
        if size == 0 && root != EMPTY_ROOT {
            return Err(CheckpointError::BadEmptyRoot);
        }
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// Signs the checkpoint with the log's key, which must be named after the origin.
    pub fn sign(&self, key: &SignerKey) -> Result<SignedCheckpoint, CheckpointError> {
        if key.name() != self.origin {
            return Err(CheckpointError::KeyNotOrigin { key: key.name().to_owned(), origin: self.origin.clone() });
        }
        let mut note = Note::new(&self.body())?;
        note.sign(key)?;
        Ok(SignedCheckpoint { checkpoint: self.clone(), note })
    }

    /// Reads a signed checkpoint of the log `origin` and checks it with the log's keys: at least
    /// one must have signed it, none may have signed it wrongly, other signatures (cosignatures,
    /// unknown keys) are kept but not checked here.
    pub fn open(signed: &[u8], origin: &str, log_keys: &[VerifierKey]) -> Result<SignedCheckpoint, CheckpointError> {
        if log_keys.iter().any(|k| k.kind() != KeyType::Ed25519) {
            return Err(CheckpointError::NotALogKey);
        }
        let note = Note::parse(signed)?;
        let checkpoint = Checkpoint::parse_body(note.text())?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::WrongOrigin { expected: origin.to_owned(), found: checkpoint.origin });
        }
        note.verify(log_keys)?;
        Ok(SignedCheckpoint { checkpoint, note })
    }
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let digits_only = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = line.len() > 1 && line.starts_with('0');
    if !digits_only || leading_zero {
        return Err(CheckpointError::BadSize);
    }
    line.parse().map_err(|_| CheckpointError::BadSize)
}

/// A checkpoint with its note: the log's signature and any cosignatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    /// Invariant: its text is `checkpoint.body()`.
    note: Note,
}

impl SignedCheckpoint {
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The signed note, as published.
    pub fn encode(&self) -> String {
        self.note.encode()
    }

    /// Adds a signature line, such as a witness's cosignature.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), CheckpointError> {
        Ok(self.note.push_signature(signature)?)
    }
}
