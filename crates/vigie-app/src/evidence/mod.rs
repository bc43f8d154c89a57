//! The evidence vault (`docs/evidence.md`): content removed under a removal order or a specific
//! measure is preserved with its related data when the removal is recorded (TCO art. 6(1));
//! other preservation rests on a recorded instrument; custodians open records with a reason,
//! grant authorities' requests and export bundles with four eyes; the scheduler purges expired
//! records unless a legal hold or a pending review pauses it. Each of these is an event, and a
//! line of the record's chain of custody.
//!
//! Blob files are written inside the write transaction's closure, which the store runs on its one
//! writer thread: so no other change to the vault runs between the rows and the files. A write
//! that then fails to commit leaves an unreferenced blob file (ciphertext under a key nobody kept);
//! [`App::sweep_evidence_blobs`] deletes such files when the scheduler starts. Blobs are deleted
//! only after the transaction that freed them committed, and then only if still unreferenced
//! ([`App::free_evidence_blobs`]): a purge that fails to commit never loses a preserved file.

pub mod bundle;
pub mod keys;

use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use vigie_model::event::{Word, kinds as k};
use vigie_model::evidence::{self as rules, AccessBasis, Basis, Purpose, RecordState};
use vigie_model::org::{OrgKind, Role};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::cases::parse_case_id;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, seal_text};
use keys::{BlobStorage, DirStorage, EvidenceConfig, KeyError, KeyRing, KeySource, SecretKey, open_key, seal};

/// The vault's keys and storage, held by the [`App`].
pub struct Vault {
    ring: RwLock<KeyRing>,
    source: KeySource,
    storage: Arc<dyn BlobStorage>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

impl Vault {
    /// Loads the key-encryption keys and opens the blob directory.
    pub fn open(config: &EvidenceConfig) -> Result<Self, KeyError> {
        let ring = KeyRing::load(&config.keys)?;
        Ok(Vault {
            ring: RwLock::new(ring),
            source: config.keys.clone(),
            storage: Arc::new(DirStorage::new(config.dir.clone())),
        })
    }

    fn ring(&self) -> KeyRing {
        self.ring.read().expect("the key ring's lock is never poisoned").clone()
    }

    /// Whether a blob's bytes are stored (tests check that a freed blob is gone).
    pub fn has_blob(&self, sha256: &str) -> bool {
        self.storage.exists(sha256)
    }
}

fn record_aad(id: &EvidenceId) -> Vec<u8> {
    format!("vigie-evidence/record/{id}").into_bytes()
}
fn item_aad(record: &EvidenceId, sha256: &str) -> Vec<u8> {
    format!("vigie-evidence/item/{record}/{sha256}").into_bytes()
}
fn blob_aad(sha256: &str) -> Vec<u8> {
    format!("vigie-evidence/blob/{sha256}").into_bytes()
}

fn internal(e: KeyError) -> AppError {
    tracing::error!(error = %e, "evidence vault key");
    AppError::Internal("the evidence vault could not open a key")
}

fn io_internal(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "evidence vault storage");
    AppError::Internal("the evidence vault's storage failed")
}

/// The data key of a preserved record.
fn data_key(ring: &KeyRing, r: &EvidenceRecord) -> AppResult<SecretKey> {
    let kek = ring.get(&r.kek).map_err(internal)?;
    open_key(kek, &record_aad(&r.id), &r.wrapped_key).map_err(internal)
}

fn is_custodian(p: &Principal) -> bool {
    p.org_kind == OrgKind::Platform && p.roles.contains(&Role::EvidenceCustodian)
}

fn require_custodian(p: &Principal) -> AppResult<()> {
    if is_custodian(p) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only a platform's evidence custodians handle its vault"))
    }
}

/// A record the custodian's organisation holds.
fn own_record(r: &dyn Reads, p: &Principal, id: &str) -> AppResult<EvidenceRecord> {
    let id = EvidenceId::parse(id).ok_or(AppError::NotFound("evidence record"))?;
    r.get_evidence(&id)?.filter(|e| e.org == p.org).ok_or(AppError::NotFound("evidence record"))
}

/// Whether a review of the case's removal proceeds, or a legal hold holds it: an active hold,
/// an open complaint, a pending scrutiny or court challenge of one of its orders. It pauses the
/// purge and alone allows an art. 6(2) extension.
pub(crate) fn review_pending(r: &dyn Reads, case: &CaseId) -> Result<bool, StoreError> {
    if r.active_hold(case)?.is_some() {
        return Ok(true);
    }
    if r.complaints_of_case(case)?.iter().any(|c| c.state == vigie_model::redress::ComplaintState::Open) {
        return Ok(true);
    }
    for o in r.case_orders(case)? {
        if r.scrutinies_of_order(&o.id)?.iter().any(|s| s.state == vigie_model::redress::ScrutinyState::Pending) {
            return Ok(true);
        }
        if r.challenges_of_order(&o.id)?.iter().any(|c| c.state == vigie_model::redress::ChallengeState::Pending) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What a new record preserves and on what.
struct Preserve {
    basis: Basis,
    reference: Option<String>,
    issuing_authority: Option<String>,
    decision: Option<DecisionId>,
    ends_at: Option<Timestamp>,
    by: Option<UserId>,
}

/// The case's related data (TCO art. 6(1)): account, URL, times, hashes, as JSON.
fn related_data(tx: &dyn Reads, case: &CaseRecord) -> Result<Vec<u8>, StoreError> {
    let t = |x: Timestamp| x.to_rfc3339();
    let signals: Vec<_> = tx
        .case_signals(&case.id)?
        .iter()
        .map(|s| serde_json::json!({ "id": s.id.as_str(), "kind": s.kind.as_str(), "received_at": t(s.received_at) }))
        .collect();
    let media: Vec<_> = tx
        .case_media(&case.id)?
        .iter()
        .map(|m| {
            serde_json::json!({ "id": m.id.as_str(), "sha256": m.sha256, "size": m.size, "format": m.format,
                "pdq": m.pdq, "attached_at": t(m.created_at), "original_kept": m.original_kept })
        })
        .collect();
    let decision = tx.case_decision(&case.id)?.map(|d| {
        serde_json::json!({ "id": d.id.as_str(), "action": d.action.as_str(), "legal_basis": d.legal_basis,
            "terms_clause": d.terms_clause, "decided_at": t(d.decided_at) })
    });
    let v = serde_json::json!({
        "case": case.id.as_str(),
        "kind": case.kind.as_str(),
        "url": case.url,
        "host": case.host,
        "content_id": case.content_id,
        "account_id": case.account_id,
        "received_at": t(case.created_at),
        "decided_at": case.decided_at.map(t),
        "signals": signals,
        "decision": decision,
        "media": media,
    });
    Ok(serde_json::to_vec_pretty(&v).expect("JSON values serialise"))
}

/// Writes a record: its data key wrapped by the newest KEK, its blobs stored once each, the event
/// and the first line of its custody.
fn preserve(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    vault: &Vault,
    case: &CaseRecord,
    p: Preserve,
) -> AppResult<EvidenceRecord> {
    let org = case.platform.clone().ok_or(AppError::NotFound("case"))?;
    let ring = vault.ring();
    let (kek_id, kek) = ring.newest();
    let id = EvidenceId::from_random(id_bytes(ev.now));
    let dk = SecretKey::random();
    let until = rules::preserved_until(p.basis, ev.now, p.ends_at);
    let rec = EvidenceRecord {
        id: id.clone(),
        org,
        case: case.id.clone(),
        basis: p.basis,
        purpose: Purpose::of(p.basis),
        reference: p.reference.clone(),
        issuing_authority: p.issuing_authority,
        decision: p.decision.clone(),
        preserved_at: ev.now,
        preserved_until: until,
        extension_proceeding: None,
        extension_ends_at: None,
        expires_at: rules::expires_at(until, None),
        state: RecordState::Preserved,
        purged_at: None,
        kek: kek_id.to_owned(),
        wrapped_key: seal(kek, &record_aad(&id), &dk.0),
        created_by: p.by,
    };
    tx.insert_evidence(&rec)?;
    let mut blobs = vec![("related_data".to_owned(), "related-data.json".to_owned(), related_data(tx, case)?)];
    for m in tx.case_media(&case.id)? {
        if let Some(bytes) = tx.media_original(&m.id)? {
            blobs.push(("media".to_owned(), format!("{}.{}", m.id, m.format), bytes));
        }
    }
    let n_items = blobs.len() as u64;
    for (kind, name, bytes) in blobs {
        let sha = hex::encode(Sha256::digest(&bytes));
        let blob_key = match tx.evidence_item_of_blob(&sha)? {
            Some(other) => {
                let holder = tx.get_evidence(&other.record)?.ok_or(AppError::Internal("an item without its record"))?;
                let holder_key = data_key(&ring, &holder)?;
                open_key(&holder_key, &item_aad(&holder.id, &sha), &other.wrapped_key).map_err(internal)?
            }
            None => {
                let key = SecretKey::random();
                vault.storage.put(&sha, &seal(&key, &blob_aad(&sha), &bytes)).map_err(io_internal)?;
                key
            }
        };
        let item = EvidenceItem {
            record: id.clone(),
            sha256: sha.clone(),
            size: bytes.len() as i64,
            kind,
            name,
            wrapped_key: seal(&dk, &item_aad(&id, &sha), &blob_key.0),
        };
        tx.insert_evidence_item(&item, ev.now)?;
    }
    let reference = seal_text(tx, ev.now, "evidence_reference", p.reference.as_deref(), rec.expires_at)?;
    let seq = ev.emit(
        tx,
        case.id.as_str(),
        k::EvidencePreserved {
            record: id.clone(),
            basis: Word::new(p.basis.as_str()),
            purpose: Word::new(rec.purpose.as_str()),
            expires_at: rec.expires_at,
            items: n_items,
            decision: p.decision,
            reference,
        },
    )?;
    custody(tx, ev, &rec.id, "preserved", None, None, seq)?;
    Ok(rec)
}

fn custody(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    record: &EvidenceId,
    action: &str,
    basis: Option<AccessBasis>,
    reason: Option<PersonalRef>,
    event_seq: i64,
) -> Result<(), StoreError> {
    tx.insert_custody(&CustodyRecord {
        record: record.clone(),
        at: ev.now,
        user: ev.actor.user.clone(),
        org: ev.actor.org.clone(),
        action: action.to_owned(),
        basis,
        reason,
        event_seq,
    })
}

/// TCO art. 6(1), called in the transaction that records a decision: a removal (or an EU-wide
/// disabling) under a removal order in force, or of content a stay-down bank matched (a specific
/// measure), preserves the case's content and related data for six months.
pub(crate) fn on_removal(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    vault: &Vault,
    case: &CaseRecord,
    decision: &DecisionRecord,
    orders: &[OrderRecord],
) -> AppResult<Option<EvidenceRecord>> {
    if !vigie_model::decision::answers_order(decision.action, &decision.territorial_scope)
        && decision.action != vigie_model::decision::Action::Disable
    {
        return Ok(None);
    }
    let basis = if crate::dueprocess::order_in_force(orders) {
        Basis::RemovalOrder
    } else if tx.case_signals(&case.id)?.iter().any(|s| s.kind == SignalKind::BankMatch) {
        Basis::SpecificMeasure
    } else {
        return Ok(None);
    };
    let p = Preserve {
        basis,
        reference: None,
        issuing_authority: None,
        decision: Some(decision.id.clone()),
        ends_at: None,
        by: None,
    };
    preserve(tx, ev, vault, case, p).map(Some)
}

/// A custodian's instrument (a national or European preservation order) for a case.
#[derive(Clone, Debug, Default)]
pub struct InstrumentInput {
    pub case: Option<String>,
    pub basis: Option<String>,
    pub reference: Option<String>,
    pub issuing_authority: Option<String>,
    pub ends_at: Option<String>,
}

/// An art. 6(2) extension.
#[derive(Clone, Debug, Default)]
pub struct ExtensionInput {
    pub proceeding: Option<String>,
    pub ends_at: Option<String>,
}

/// A record with its items and its authorities' requests.
#[derive(Clone, Debug)]
pub struct RecordView {
    pub record: EvidenceRecord,
    pub items: Vec<EvidenceItem>,
    pub requests: Vec<EvidenceRequestRecord>,
}

/// An opened record: each item's bytes.
#[derive(Clone, Debug)]
pub struct Opened {
    pub record: EvidenceRecord,
    pub items: Vec<(EvidenceItem, Vec<u8>)>,
}

/// One line of custody, its reason read back while it is kept.
#[derive(Clone, Debug)]
pub struct CustodyLine {
    pub line: CustodyRecord,
    pub reason: Option<String>,
}

/// A request to export a case's records.
#[derive(Clone, Debug, Default)]
pub struct ExportInput {
    pub case: Option<String>,
    pub recipient: Option<String>,
    pub reason: Option<String>,
}

fn reason_of(raw: Option<&str>, c: &mut Checker) -> Option<String> {
    c.text(raw, "reason", 2000);
    raw.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty())
}

impl App {
    /// A platform's records, newest first (`case`: of one case).
    pub async fn evidence_records(&self, p: &Principal, case: Option<&str>) -> AppResult<Vec<EvidenceRecord>> {
        require_custodian(p)?;
        let case = case.map(parse_case_id).transpose()?;
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.evidence_records(&org, case.as_ref(), 500)).await?)
    }

    /// One record: the holding platform's custodians, or an authority whose request was granted.
    pub async fn evidence_record(&self, p: &Principal, id: &str) -> AppResult<RecordView> {
        let principal = p.clone();
        let id = id.to_owned();
        self.read_app(move |r| {
            let record = readable_record(r, &principal, &id)?.0;
            let items = r.evidence_items(&record.id)?;
            let mut requests = r.evidence_requests(&record.id)?;
            if !is_custodian(&principal) {
                requests.retain(|q| q.authority == principal.org);
            }
            Ok(RecordView { record, items, requests })
        })
        .await
    }

    /// A custodian records an instrument: the case's content and related data are preserved
    /// until the instrument ends.
    pub async fn record_instrument(&self, p: &Principal, input: InstrumentInput) -> AppResult<EvidenceRecord> {
        require_custodian(p)?;
        let now = self.now();
        let mut c = Checker::new();
        c.text(input.case.as_deref(), "case", 40);
        let ends_at = crate::dueprocess::parse_time(input.ends_at.as_deref(), "ends_at", &mut c);
        let raw = rules::RawInstrument {
            basis: input.basis.as_deref(),
            reference: input.reference.as_deref(),
            issuing_authority: input.issuing_authority.as_deref(),
            ends_at: ends_at.or(input.ends_at.as_ref().map(|_| now)),
        };
        let instrument = rules::check_instrument(&raw, now, &mut c);
        c.finish()?;
        let instrument = instrument.ok_or(AppError::Internal("a checked instrument"))?;
        let case_id = parse_case_id(input.case.as_deref().unwrap_or_default())?;
        let (clock, principal, vault) = (self.clock().clone(), p.clone(), self.vault());
        self.store()
            .write(move |tx| {
                let case = crate::cases::own_case(tx, &principal, &case_id)?;
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let p = Preserve {
                    basis: instrument.basis,
                    reference: Some(instrument.reference),
                    issuing_authority: Some(instrument.issuing_authority),
                    decision: None,
                    ends_at: Some(instrument.ends_at),
                    by: Some(principal.user.clone()),
                };
                preserve(tx, &ev, &vault, &case, p)
            })
            .await
    }

    /// TCO art. 6(2): a custodian extends an art. 6(1) record while a review proceeds.
    pub async fn extend_evidence(&self, p: &Principal, id: &str, input: ExtensionInput) -> AppResult<EvidenceRecord> {
        require_custodian(p)?;
        let mut c = Checker::new();
        c.text(input.proceeding.as_deref(), "proceeding", 300);
        c.check(input.ends_at.is_some(), "ends_at", "required", "when the extension ends");
        let ends_at = crate::dueprocess::parse_time(input.ends_at.as_deref(), "ends_at", &mut c);
        c.finish()?;
        let ends_at = ends_at.ok_or(AppError::Internal("a checked end"))?;
        let proceeding = input.proceeding.unwrap_or_default();
        let (clock, principal, id) = (self.clock().clone(), p.clone(), id.to_owned());
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let mut rec = own_record(tx, &principal, &id)?;
                if rec.state == RecordState::Purged {
                    return Err(AppError::conflict(Conflict::RecordPurged, "the record was purged"));
                }
                let now = clock.now();
                let pending = review_pending(tx, &rec.case)?;
                rules::check_extension(rec.basis, rec.expires_at, pending, ends_at, now)
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                let proceeding = proceeding.trim().to_owned();
                rec.extension_proceeding = Some(proceeding.clone());
                rec.extension_ends_at = Some(ends_at);
                rec.expires_at = rules::expires_at(
                    rec.preserved_until,
                    Some(&rules::Extension { proceeding: proceeding.clone(), ends_at }),
                );
                tx.update_evidence(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let (_, sealed) =
                    keep_personal(tx, now, "evidence_proceeding", &proceeding, now.plus(retention).max(ends_at))?;
                let seq = ev.emit(
                    tx,
                    rec.case.as_str(),
                    k::EvidenceExtended { record: rec.id.clone(), proceeding: sealed, ends_at },
                )?;
                custody(tx, &ev, &rec.id, "extended", None, None, seq)?;
                Ok(rec)
            })
            .await
    }

    /// Opens a record's bytes, with a reason: a custodian of its platform (`custody`), or an
    /// authority on its granted request (`authority_request`). Every opening is an event and a
    /// line of custody.
    pub async fn access_evidence(&self, p: &Principal, id: &str, reason: Option<&str>) -> AppResult<Opened> {
        let mut c = Checker::new();
        let reason = reason_of(reason, &mut c);
        c.finish()?;
        let reason = reason.unwrap_or_default();
        let (clock, principal, id, vault) = (self.clock().clone(), p.clone(), id.to_owned(), self.vault());
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let (rec, basis, request) = readable_record(tx, &principal, &id)?;
                if rec.state == RecordState::Purged {
                    return Err(AppError::conflict(Conflict::RecordPurged, "the record was purged"));
                }
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let items = open_items(tx, &vault, &rec)?;
                let (reason_ref, sealed) =
                    keep_personal(tx, now, "evidence_access_reason", &reason, now.plus(retention))?;
                let seq = ev.emit(
                    tx,
                    rec.case.as_str(),
                    k::EvidenceAccessed {
                        record: rec.id.clone(),
                        basis: Word::new(basis.as_str()),
                        reason: sealed,
                        request,
                        export: None,
                    },
                )?;
                custody(tx, &ev, &rec.id, "accessed", Some(basis), Some(reason_ref), seq)?;
                Ok(Opened { record: rec, items })
            })
            .await
    }

    /// A competent authority asks to open a record of a case it reported, by its request's
    /// reference. A custodian grants it; every access is then logged.
    pub async fn request_evidence_access(
        &self,
        p: &Principal,
        id: &str,
        reference: Option<&str>,
    ) -> AppResult<EvidenceRequestRecord> {
        crate::auth::require(p, &[OrgKind::Authority], Role::Reporter, "only a competent authority asks for evidence")?;
        let mut c = Checker::new();
        c.text(reference, "reference", 300);
        c.finish()?;
        let reference = reference.unwrap_or_default().trim().to_owned();
        let (clock, principal, id) = (self.clock().clone(), p.clone(), id.to_owned());
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let not_found = AppError::NotFound("evidence record");
                let rid = EvidenceId::parse(&id).ok_or(AppError::NotFound("evidence record"))?;
                let rec = tx.get_evidence(&rid)?.ok_or(AppError::NotFound("evidence record"))?;
                let reported =
                    tx.case_signals(&rec.case)?.iter().any(|s| s.submitter_org.as_ref() == Some(&principal.org));
                if !reported {
                    return Err(not_found);
                }
                let now = clock.now();
                let q = EvidenceRequestRecord {
                    id: EvidenceRequestId::from_random(id_bytes(now)),
                    record: rec.id.clone(),
                    authority: principal.org.clone(),
                    requested_by: principal.user.clone(),
                    reference: reference.clone(),
                    requested_at: now,
                    granted_by: None,
                    granted_at: None,
                };
                tx.insert_evidence_request(&q)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let (_, sealed) =
                    keep_personal(tx, now, "evidence_request_reference", &reference, now.plus(retention))?;
                let seq = ev.emit(
                    tx,
                    rec.case.as_str(),
                    k::EvidenceAccessRequested { record: rec.id.clone(), request: q.id.clone(), reference: sealed },
                )?;
                custody(tx, &ev, &rec.id, "access_requested", None, None, seq)?;
                Ok(q)
            })
            .await
    }

    /// A custodian grants an authority's request.
    pub async fn grant_evidence_request(&self, p: &Principal, request: &str) -> AppResult<EvidenceRequestRecord> {
        require_custodian(p)?;
        let (clock, principal, request) = (self.clock().clone(), p.clone(), request.to_owned());
        self.store()
            .write(move |tx| {
                let id = EvidenceRequestId::parse(&request).ok_or(AppError::NotFound("evidence request"))?;
                let mut q = tx.get_evidence_request(&id)?.ok_or(AppError::NotFound("evidence request"))?;
                let rec = own_record(tx, &principal, q.record.as_str())
                    .map_err(|_| AppError::NotFound("evidence request"))?;
                if q.granted_at.is_some() {
                    return Err(AppError::conflict(Conflict::AlreadyGranted, "the request was granted already"));
                }
                let now = clock.now();
                tx.grant_evidence_request(&q.id, &principal.user, now)?;
                q.granted_by = Some(principal.user.clone());
                q.granted_at = Some(now);
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let seq = ev.emit(
                    tx,
                    rec.case.as_str(),
                    k::EvidenceAccessGranted {
                        record: rec.id.clone(),
                        request: q.id.clone(),
                        authority: q.authority.clone(),
                    },
                )?;
                custody(tx, &ev, &rec.id, "access_granted", None, None, seq)?;
                Ok(q)
            })
            .await
    }

    /// A record's chain of custody, oldest first (its custodians).
    pub async fn custody_log(&self, p: &Principal, id: &str) -> AppResult<Vec<CustodyLine>> {
        require_custodian(p)?;
        let (principal, id) = (p.clone(), id.to_owned());
        self.read_app(move |r| {
            let rec = own_record(r, &principal, &id)?;
            let mut out = Vec::new();
            for line in r.custody_log(&rec.id)? {
                let reason = match &line.reason {
                    Some(x) => r.personal_value(x)?,
                    None => None,
                };
                out.push(CustodyLine { line, reason });
            }
            Ok(out)
        })
        .await
    }

    /// A custodian asks to export a case's preserved records to a recipient's X25519 key.
    pub async fn request_export(&self, p: &Principal, input: ExportInput) -> AppResult<EvidenceExportRecord> {
        require_custodian(p)?;
        let mut c = Checker::new();
        c.text(input.case.as_deref(), "case", 40);
        c.text(input.recipient.as_deref(), "recipient", 64);
        if input.recipient.as_deref().is_some_and(|r| bundle::parse_public(r).is_none()) {
            c.push("recipient", "invalid_key", "must be an X25519 public key: 64 hex digits");
        }
        let reason = reason_of(input.reason.as_deref(), &mut c);
        c.finish()?;
        let case_id = parse_case_id(input.case.as_deref().unwrap_or_default())?;
        let recipient = input.recipient.unwrap_or_default().trim().to_ascii_lowercase();
        let (clock, principal) = (self.clock().clone(), p.clone());
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let case = crate::cases::own_case(tx, &principal, &case_id)?;
                let records: Vec<_> = tx
                    .evidence_records(&principal.org, Some(&case.id), 500)?
                    .into_iter()
                    .filter(|r| r.state == RecordState::Preserved)
                    .collect();
                if records.is_empty() {
                    return Err(AppError::NotFound("preserved evidence of the case"));
                }
                let now = clock.now();
                let (reason_ref, sealed) =
                    keep_personal(tx, now, "evidence_export_reason", &reason.unwrap_or_default(), now.plus(retention))?;
                let x = EvidenceExportRecord {
                    id: EvidenceExportId::from_random(id_bytes(now)),
                    org: principal.org.clone(),
                    case: case.id.clone(),
                    records: records.iter().map(|r| r.id.clone()).collect(),
                    recipient: recipient.clone(),
                    reason: reason_ref.clone(),
                    requested_by: principal.user.clone(),
                    requested_at: now,
                    approved_by: None,
                    approved_at: None,
                    bundle_sha256: None,
                    exported_at: None,
                };
                tx.insert_evidence_export(&x)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let key = bundle::parse_public(&recipient).ok_or(AppError::Internal("a checked key"))?;
                let seq = ev.emit(
                    tx,
                    case.id.as_str(),
                    k::EvidenceExportRequested {
                        export: x.id.clone(),
                        records: x.records.clone(),
                        recipient: Word::new(bundle::fingerprint(&key)),
                        reason: sealed,
                    },
                )?;
                for r in &records {
                    custody(
                        tx,
                        &ev,
                        &r.id,
                        "export_requested",
                        Some(AccessBasis::Export),
                        Some(reason_ref.clone()),
                        seq,
                    )?;
                }
                Ok(x)
            })
            .await
    }

    /// Another custodian approves an export (four eyes).
    pub async fn approve_export(&self, p: &Principal, id: &str) -> AppResult<EvidenceExportRecord> {
        require_custodian(p)?;
        let (clock, principal, id) = (self.clock().clone(), p.clone(), id.to_owned());
        self.store()
            .write(move |tx| {
                let mut x = own_export(tx, &principal, &id)?;
                if x.approved_at.is_some() {
                    return Err(AppError::conflict(Conflict::AlreadyApproved, "the export was approved already"));
                }
                rules::check_approval(&x.requested_by, &principal.user)
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                let now = clock.now();
                x.approved_by = Some(principal.user.clone());
                x.approved_at = Some(now);
                tx.update_evidence_export(&x)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let seq = ev.emit(
                    tx,
                    x.case.as_str(),
                    k::EvidenceExportApproved { export: x.id.clone(), requested_by: x.requested_by.clone() },
                )?;
                for r in &x.records {
                    custody(tx, &ev, r, "export_approved", Some(AccessBasis::Export), None, seq)?;
                }
                Ok(x)
            })
            .await
    }

    /// A platform's exports, newest first.
    pub async fn evidence_exports(&self, p: &Principal) -> AppResult<Vec<EvidenceExportRecord>> {
        require_custodian(p)?;
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.evidence_exports(&org, 200)).await?)
    }

    /// Writes an approved export's bundle, encrypted to its recipient; an access of each record.
    pub async fn export_bundle(&self, p: &Principal, id: &str) -> AppResult<Vec<u8>> {
        require_custodian(p)?;
        let (clock, principal, id, vault) = (self.clock().clone(), p.clone(), id.to_owned(), self.vault());
        // The log signs its tree now, so that every event the bundle names has a proof.
        let checkpoint = self.sign_checkpoint().await.ok();
        self.store()
            .write(move |tx| {
                let mut x = own_export(tx, &principal, &id)?;
                let Some(approver) = x.approved_by.clone() else {
                    return Err(AppError::conflict(
                        Conflict::ExportNotApproved,
                        "another custodian must approve it first",
                    ));
                };
                let recipient = bundle::parse_public(&x.recipient).ok_or(AppError::Internal("a stored key"))?;
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let mut records = Vec::new();
                let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
                let mut opened = Vec::new();
                for rid in &x.records {
                    let rec = tx.get_evidence(rid)?.ok_or(AppError::Internal("an export's record"))?;
                    if rec.state == RecordState::Purged {
                        return Err(AppError::conflict(Conflict::RecordPurged, "a record of the export was purged"));
                    }
                    let items = open_items(tx, &vault, &rec)?;
                    records.push(bundle::ManifestRecord {
                        id: rec.id.to_string(),
                        basis: rec.basis.as_str().to_owned(),
                        legal_basis: rec.basis.legal_basis().to_owned(),
                        purpose: rec.purpose.as_str().to_owned(),
                        reference: rec.reference.clone(),
                        preserved_at: rec.preserved_at.to_rfc3339(),
                        expires_at: rec.expires_at.to_rfc3339(),
                        items: items
                            .iter()
                            .map(|(i, _)| bundle::ManifestItem {
                                sha256: i.sha256.clone(),
                                size: i.size,
                                kind: i.kind.clone(),
                                name: i.name.clone(),
                            })
                            .collect(),
                    });
                    for (i, bytes) in items {
                        if !blobs.iter().any(|(s, _)| *s == i.sha256) {
                            blobs.push((i.sha256, bytes));
                        }
                    }
                    opened.push(rec);
                }
                let mut custody_lines = Vec::new();
                let mut seqs = std::collections::BTreeSet::new();
                for rec in &opened {
                    for l in tx.custody_log(&rec.id)? {
                        seqs.insert(l.event_seq);
                        custody_lines.push(bundle::ManifestCustody {
                            record: l.record.to_string(),
                            at: l.at.to_rfc3339(),
                            user: l.user.map(|u| u.to_string()),
                            org: l.org.map(|o| o.to_string()),
                            action: l.action,
                            basis: l.basis.map(|b| b.as_str().to_owned()),
                            event_seq: l.event_seq,
                        });
                    }
                }
                let mut events = Vec::new();
                for s in seqs {
                    if let Some(e) = tx.events_after(s - 1, 1)?.into_iter().next().filter(|e| e.seq == s) {
                        events.push(bundle::ManifestEvent {
                            seq: e.seq,
                            id: e.id,
                            kind: e.kind,
                            prev_hash: e.prev_hash,
                            hash: e.hash,
                        });
                    }
                }
                let manifest = bundle::Manifest {
                    format: bundle::FORMAT.to_owned(),
                    export: x.id.to_string(),
                    case: x.case.to_string(),
                    platform: x.org.to_string(),
                    created_at: now.to_rfc3339(),
                    requested_by: x.requested_by.to_string(),
                    approved_by: approver.to_string(),
                    recipient: x.recipient.clone(),
                    records,
                    custody: custody_lines,
                    proofs: match &checkpoint {
                        Some(c) => events
                            .iter()
                            .filter(|e| u64::try_from(e.seq).is_ok_and(|s| s <= c.size))
                            .map(|e| crate::tlog::inclusion(tx, e.seq, Some(c.size)).map(|p| serde_json::json!(p)))
                            .collect::<AppResult<Vec<_>>>()?,
                        None => Vec::new(),
                    },
                    events,
                    checkpoint: checkpoint.as_ref().map(|c| c.note.clone()),
                };
                let bytes = bundle::seal_bundle(&manifest, &blobs, &recipient);
                let sha = hex::encode(Sha256::digest(&bytes));
                x.bundle_sha256 = Some(sha.clone());
                x.exported_at = Some(now);
                tx.update_evidence_export(&x)?;
                // Writing the bundle is an access of each record; its line follows the bundle,
                // which names every line before it.
                let seq = ev.emit(
                    tx,
                    x.case.as_str(),
                    k::EvidenceExported { export: x.id.clone(), bundle_sha256: Word::new(sha) },
                )?;
                for rec in &opened {
                    custody(tx, &ev, &rec.id, "exported", Some(AccessBasis::Export), Some(x.reason.clone()), seq)?;
                }
                Ok(bytes)
            })
            .await
    }

    /// The operator's rewrap: reads the keys again (a key added to the key file needs no
    /// restart) and wraps every preserved record's data key with the newest. Administrators.
    pub async fn rewrap_evidence(&self, p: &Principal) -> AppResult<(u64, String)> {
        crate::auth::require_admin(p)?;
        let vault = self.vault();
        let ring = KeyRing::load(&vault.source).map_err(|e| {
            tracing::error!(error = %e, "evidence keys");
            AppError::Internal("the evidence keys could not be read: see the server's log")
        })?;
        *vault.ring.write().expect("the key ring's lock is never poisoned") = ring.clone();
        let (clock, principal) = (self.clock().clone(), p.clone());
        self.store()
            .write(move |tx| {
                let (newest, kek) = ring.newest();
                let mut n = 0u64;
                loop {
                    let batch = tx.evidence_wrapped_by_other(newest, 200)?;
                    if batch.is_empty() {
                        break;
                    }
                    for mut rec in batch {
                        let dk = data_key(&ring, &rec)?;
                        rec.kek = newest.to_owned();
                        rec.wrapped_key = seal(kek, &record_aad(&rec.id), &dk.0);
                        tx.update_evidence(&rec)?;
                        n += 1;
                    }
                }
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, "evidence", k::EvidenceRewrapped { records: n, kek: Word::new(newest) })?;
                Ok((n, newest.to_owned()))
            })
            .await
    }
}

fn own_export(r: &dyn Reads, p: &Principal, id: &str) -> AppResult<EvidenceExportRecord> {
    let id = EvidenceExportId::parse(id).ok_or(AppError::NotFound("export"))?;
    r.get_evidence_export(&id)?.filter(|x| x.org == p.org).ok_or(AppError::NotFound("export"))
}

/// A record `p` may read, and on what basis: a custodian of its platform, or an authority with a
/// granted request. Anyone else: not found.
fn readable_record(
    r: &dyn Reads,
    p: &Principal,
    id: &str,
) -> AppResult<(EvidenceRecord, AccessBasis, Option<EvidenceRequestId>)> {
    let not_found = || AppError::NotFound("evidence record");
    let rid = EvidenceId::parse(id).ok_or_else(not_found)?;
    let rec = r.get_evidence(&rid)?.ok_or_else(not_found)?;
    if rec.org == p.org {
        require_custodian(p)?;
        return Ok((rec, AccessBasis::Custody, None));
    }
    if p.org_kind == OrgKind::Authority
        && let Some(q) = r.evidence_granted_to(&rec.id, &p.org)?
    {
        return Ok((rec, AccessBasis::AuthorityRequest, Some(q.id)));
    }
    Err(not_found())
}

/// Each item's plaintext: the record's data key opens the blob's key, which opens the blob; the
/// bytes must hash to their address.
fn open_items(r: &dyn Reads, vault: &Vault, rec: &EvidenceRecord) -> AppResult<Vec<(EvidenceItem, Vec<u8>)>> {
    let ring = vault.ring();
    let dk = data_key(&ring, rec)?;
    let mut out = Vec::new();
    for item in r.evidence_items(&rec.id)? {
        let blob_key = open_key(&dk, &item_aad(&rec.id, &item.sha256), &item.wrapped_key).map_err(internal)?;
        let sealed =
            vault.storage.get(&item.sha256).map_err(io_internal)?.ok_or(AppError::Internal("a blob is missing"))?;
        let plain = keys::open(&blob_key, &blob_aad(&item.sha256), &sealed).map_err(internal)?;
        if hex::encode(Sha256::digest(&plain)) != item.sha256 {
            return Err(AppError::Internal("a blob does not hash to its address"));
        }
        out.push((item, plain));
    }
    Ok(out)
}

/// The scheduler's pass: every expired record whose purge nothing pauses is purged: its keys
/// shredded and its items removed. The blobs no other record holds go into `freed`, for
/// [`App::free_evidence_blobs`] once the transaction committed. Returns how many.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>, freed_blobs: &mut Vec<String>) -> AppResult<usize> {
    let mut n = 0;
    for mut rec in tx.expired_evidence(ev.now, 100)? {
        let paused = review_pending(tx, &rec.case)?;
        if !rules::purge_due(rec.expires_at, ev.now, paused) {
            continue;
        }
        let freed = tx.delete_evidence_items(&rec.id)?;
        rec.state = RecordState::Purged;
        rec.purged_at = Some(ev.now);
        rec.kek = String::new();
        rec.wrapped_key = Vec::new();
        tx.update_evidence(&rec)?;
        let seq =
            ev.emit(tx, rec.case.as_str(), k::EvidencePurged { record: rec.id.clone(), freed: freed.len() as u64 })?;
        custody(tx, ev, &rec.id, "purged", None, None, seq)?;
        freed_blobs.extend(freed);
        n += 1;
    }
    Ok(n)
}

/// Deletes the blobs among `candidates` that no record holds; returns how many files went. Only
/// on the store's writer thread (inside a write), so that no preservation is writing one of them.
fn delete_unreferenced(tx: &mut dyn Tx, vault: &Vault, candidates: Vec<String>) -> AppResult<usize> {
    let mut n = 0;
    for sha in candidates {
        if tx.evidence_item_of_blob(&sha)?.is_none() && vault.storage.exists(&sha) {
            vault.storage.delete(&sha).map_err(io_internal)?;
            n += 1;
        }
    }
    Ok(n)
}

impl App {
    /// Deletes the blobs among `candidates` that no record holds (any more): called after the
    /// transaction that freed them committed. Returns how many files went.
    pub async fn free_evidence_blobs(&self, candidates: Vec<String>) -> AppResult<usize> {
        if candidates.is_empty() {
            return Ok(0);
        }
        let vault = self.vault();
        self.store().write(move |tx| delete_unreferenced(tx, &vault, candidates)).await
    }

    /// Deletes every blob file no record holds (left by a write that failed to commit, or by a
    /// crash between a purge and its deletion) and the temporary files of interrupted writes,
    /// all on the writer thread. Returns how many files went.
    pub async fn sweep_evidence_blobs(&self) -> AppResult<usize> {
        let vault = self.vault();
        self.store()
            .write(move |tx| {
                let swept = vault.storage.clear_unfinished().map_err(io_internal)?;
                let stored = vault.storage.list().map_err(io_internal)?;
                Ok::<_, AppError>(swept + delete_unreferenced(tx, &vault, stored)?)
            })
            .await
    }
}
