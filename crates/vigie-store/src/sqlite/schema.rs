//! The SQLite schema, as an append-only list of migrations tracked by `PRAGMA user_version`.
//!
//! Never edit a migration that has shipped: add a new one at the end.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the walking skeleton.
    r#"
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('authority','platform','trusted_flagger','overseer','hub')),
    member_state TEXT,
    main_establishment TEXT,
    legal_representative TEXT,
    contact_point TEXT,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    name_ref TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(id),
    hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE hosts (
    host TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    status TEXT NOT NULL CHECK (status IN ('pending','approved')),
    claimed_at INTEGER NOT NULL,
    claimed_by TEXT NOT NULL,
    approved_at INTEGER,
    approved_by TEXT
) STRICT;
CREATE INDEX hosts_org ON hosts(org);

CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('notice','referral','order')),
    tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
    submitter_org TEXT REFERENCES orgs(id),
    submitter_user TEXT REFERENCES users(id),
    threat_to_life INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    tracking_hash TEXT UNIQUE,
    explanation_ref TEXT,
    notifier_name_ref TEXT,
    notifier_email_ref TEXT,
    good_faith INTEGER,
    details TEXT NOT NULL,
    locations TEXT NOT NULL
) STRICT;

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    platform TEXT REFERENCES orgs(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('content','account')),
    url TEXT,
    host TEXT,
    content_id TEXT,
    account_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('parked','open','delivered','acknowledged','decided')),
    tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
    threat_to_life INTEGER NOT NULL,
    accountable_sources INTEGER NOT NULL,
    anonymous_signals INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    due_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER,
    acknowledged_at INTEGER,
    decided_at INTEGER,
    CHECK ((platform IS NULL) = (state = 'parked'))
) STRICT;
CREATE UNIQUE INDEX cases_platform_key ON cases(COALESCE(platform, ''), key);
CREATE INDEX cases_inbox ON cases(platform, state);
CREATE INDEX cases_parked_host ON cases(host) WHERE platform IS NULL;

CREATE TABLE signal_cases (
    signal TEXT NOT NULL REFERENCES signals(id),
    idx INTEGER NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    PRIMARY KEY (signal, idx)
) STRICT;
CREATE INDEX signal_cases_case ON signal_cases(case_id);

CREATE TABLE case_sources (
    case_id TEXT NOT NULL REFERENCES cases(id),
    source TEXT NOT NULL,
    PRIMARY KEY (case_id, source)
) STRICT, WITHOUT ROWID;

CREATE TABLE orders (
    id TEXT PRIMARY KEY REFERENCES signals(id),
    authority TEXT NOT NULL REFERENCES orgs(id),
    platform TEXT NOT NULL REFERENCES orgs(id),
    reference TEXT NOT NULL,
    form TEXT NOT NULL,
    emergency INTEGER NOT NULL,
    cross_border INTEGER NOT NULL,
    intake_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending_receipt','running','force_majeure','awaiting_clarification','complied')),
    received_at INTEGER,
    deadline INTEGER,
    escalation_level INTEGER NOT NULL,
    overdue_at INTEGER,
    actioned_at INTEGER,
    next_check_at INTEGER,
    cannot_comply TEXT,
    measure TEXT
) STRICT;
CREATE INDEX orders_due ON orders(next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX orders_pair ON orders(authority, platform);

CREATE TABLE advance_notices (
    id TEXT PRIMARY KEY,
    authority TEXT NOT NULL REFERENCES orgs(id),
    platform TEXT NOT NULL REFERENCES orgs(id),
    sent_at INTEGER NOT NULL,
    sent_by TEXT NOT NULL REFERENCES users(id),
    details TEXT NOT NULL
) STRICT;
CREATE INDEX advance_notices_pair ON advance_notices(authority, platform, sent_at);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at INTEGER NOT NULL,
    action TEXT NOT NULL,
    legal_basis TEXT,
    terms_clause TEXT,
    territorial_scope TEXT NOT NULL,
    purpose TEXT,
    purpose_rationale TEXT,
    automated_detection INTEGER NOT NULL,
    automated_decision INTEGER NOT NULL,
    explanation TEXT,
    CHECK (action = 'no_action' OR legal_basis IS NOT NULL OR terms_clause IS NOT NULL)
) STRICT;

CREATE INDEX decisions_case ON decisions(case_id, decided_at);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id)
) STRICT;
CREATE INDEX webhooks_org ON webhooks(org);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    webhook TEXT NOT NULL REFERENCES webhooks(id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    case_id TEXT,
    urgent INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT
) STRICT;
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    clock TEXT NOT NULL,
    actor TEXT,
    org TEXT,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE personal_data (
    id TEXT PRIMARY KEY,
    salt BLOB,
    value TEXT,
    purpose TEXT NOT NULL,
    retain_until INTEGER NOT NULL,
    erased_at INTEGER,
    CHECK ((erased_at IS NULL) = (value IS NOT NULL))
) STRICT;
CREATE INDEX personal_data_expiry ON personal_data(retain_until) WHERE erased_at IS NULL;
"#,
];

/// Brings the database to the newest schema, one migration per transaction.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (idx, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", idx as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The schema version this build expects.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}
