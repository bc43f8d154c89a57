//! The evidence vault's records (`docs/evidence.md`): preservation records with their wrapped
//! data keys, the blobs they hold (by SHA-256; the bytes live in the vault's blob storage, never
//! here), authorities' access requests, exports, and the chain of custody. Kept in their own
//! traits ([`EvidenceReads`], [`EvidenceTx`]), which [`crate::Reads`] and [`crate::Tx`] extend.
//!
//! Legal basis: TCO art. 6(1) for content removed under a removal order or a specific measure
//! (GDPR art. 6(1)(c)); a recorded national preservation order or European Preservation Order
//! otherwise. Retention: until the record expires (six months, an instrument's end, an art. 6(2)
//! extension's), unless a legal hold pauses the purge; the purge deletes the record's wrapped keys
//! and every blob no other record holds. Read by the holding platform's evidence custodians, and
//! by a competent authority for a record whose request a custodian granted.

use vigie_model::evidence::{AccessBasis, Basis, Purpose, RecordState};
use vigie_model::*;

use crate::Result;

/// One preservation record.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceRecord {
    pub id: EvidenceId,
    /// The platform that holds the content and the duty to preserve it.
    pub org: OrgId,
    pub case: CaseId,
    pub basis: Basis,
    pub purpose: Purpose,
    /// An instrument's reference and issuer (absent for art. 6(1) records).
    pub reference: Option<String>,
    pub issuing_authority: Option<String>,
    /// The removal that preserved it (art. 6(1) records).
    pub decision: Option<DecisionId>,
    pub preserved_at: Timestamp,
    pub preserved_until: Timestamp,
    pub extension_proceeding: Option<String>,
    pub extension_ends_at: Option<Timestamp>,
    /// Invariant: `vigie_model::evidence::expires_at` of the two ends above.
    pub expires_at: Timestamp,
    pub state: RecordState,
    pub purged_at: Option<Timestamp>,
    /// The key-encryption key that wraps the data key, by id; empty once purged.
    pub kek: String,
    /// The record's data key, wrapped (nonce and AEAD ciphertext); empty once purged.
    pub wrapped_key: Vec<u8>,
    /// Who recorded it (`None`: recorded with the removal).
    pub created_by: Option<UserId>,
}

/// One blob a record holds, with the blob's key wrapped by the record's data key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceItem {
    pub record: EvidenceId,
    /// The SHA-256 of the plaintext, in hex: the blob's address.
    pub sha256: String,
    pub size: i64,
    /// `media` (an attached file) or `related_data` (the case's account, URL, times, hashes).
    pub kind: String,
    pub name: String,
    pub wrapped_key: Vec<u8>,
}

/// A competent authority's request to open a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRequestRecord {
    pub id: EvidenceRequestId,
    pub record: EvidenceId,
    pub authority: OrgId,
    pub requested_by: UserId,
    pub reference: String,
    pub requested_at: Timestamp,
    pub granted_by: Option<UserId>,
    pub granted_at: Option<Timestamp>,
}

/// An export of a case's records, requested by one custodian and approved by another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceExportRecord {
    pub id: EvidenceExportId,
    pub org: OrgId,
    pub case: CaseId,
    pub records: Vec<EvidenceId>,
    /// The recipient's X25519 public key, hex.
    pub recipient: String,
    /// Why, as a sealed personal value's ref (erased with its retention).
    pub reason: PersonalRef,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<Timestamp>,
    pub bundle_sha256: Option<String>,
    pub exported_at: Option<Timestamp>,
}

/// One line of a record's chain of custody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyRecord {
    pub record: EvidenceId,
    pub at: Timestamp,
    /// The event's actor: for a preservation with a removal, the person who decided it; `None`
    /// for the scheduler (a purge).
    pub user: Option<UserId>,
    pub org: Option<OrgId>,
    /// `preserved`, `extended`, `accessed`, `access_requested`, `access_granted`,
    /// `export_requested`, `export_approved`, `exported`, `rewrapped`, `purged`.
    pub action: String,
    pub basis: Option<AccessBasis>,
    /// Why, as a sealed personal value's ref (erased with its retention).
    pub reason: Option<PersonalRef>,
    /// The event that records it.
    pub event_seq: i64,
}

pub trait EvidenceReads {
    fn get_evidence(&self, id: &EvidenceId) -> Result<Option<EvidenceRecord>>;
    /// A platform's records, newest first (`case`: of one case).
    fn evidence_records(&self, org: &OrgId, case: Option<&CaseId>, limit: u32) -> Result<Vec<EvidenceRecord>>;
    /// Preserved records whose expiry is before `now`, oldest first.
    fn expired_evidence(&self, now: Timestamp, limit: u32) -> Result<Vec<EvidenceRecord>>;
    /// Preserved records whose data key is wrapped by another key than `kek`.
    fn evidence_wrapped_by_other(&self, kek: &str, limit: u32) -> Result<Vec<EvidenceRecord>>;
    fn evidence_items(&self, record: &EvidenceId) -> Result<Vec<EvidenceItem>>;
    /// Another preserved record's item of the blob, whose key a new record wraps again.
    fn evidence_item_of_blob(&self, sha256: &str) -> Result<Option<EvidenceItem>>;
    fn get_evidence_request(&self, id: &EvidenceRequestId) -> Result<Option<EvidenceRequestRecord>>;
    fn evidence_requests(&self, record: &EvidenceId) -> Result<Vec<EvidenceRequestRecord>>;
    /// Whether `authority` holds a granted request on `record`.
    fn evidence_granted_to(&self, record: &EvidenceId, authority: &OrgId) -> Result<Option<EvidenceRequestRecord>>;
    fn get_evidence_export(&self, id: &EvidenceExportId) -> Result<Option<EvidenceExportRecord>>;
    fn evidence_exports(&self, org: &OrgId, limit: u32) -> Result<Vec<EvidenceExportRecord>>;
    /// A record's chain of custody, oldest first.
    fn custody_log(&self, record: &EvidenceId) -> Result<Vec<CustodyRecord>>;
}

pub trait EvidenceTx {
    fn insert_evidence(&mut self, r: &EvidenceRecord) -> Result<()>;
    /// Changes the extension, expiry, state and key of a record.
    fn update_evidence(&mut self, r: &EvidenceRecord) -> Result<()>;
    /// Adds an item, and its blob's row if the blob is new; returns whether the blob is new.
    fn insert_evidence_item(&mut self, item: &EvidenceItem, now: Timestamp) -> Result<bool>;
    /// Deletes a record's items, and the rows of the blobs no other record holds; returns those
    /// blobs' addresses, whose bytes the caller deletes after the commit.
    fn delete_evidence_items(&mut self, record: &EvidenceId) -> Result<Vec<String>>;
    fn insert_evidence_request(&mut self, r: &EvidenceRequestRecord) -> Result<()>;
    fn grant_evidence_request(&mut self, id: &EvidenceRequestId, by: &UserId, at: Timestamp) -> Result<()>;
    fn insert_evidence_export(&mut self, r: &EvidenceExportRecord) -> Result<()>;
    fn update_evidence_export(&mut self, r: &EvidenceExportRecord) -> Result<()>;
    fn insert_custody(&mut self, r: &CustodyRecord) -> Result<()>;
}
