//! The SQLite schema, as an append-only list of migrations tracked by `PRAGMA user_version`.
//!
//! Never edit a migration that has shipped: add a new one at the end.

use rusqlite::{Connection, OptionalExtension};

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
    // 2: hash banks, and hash-bank matches as a kind of signal.
    r#"
CREATE TABLE signals_v2 (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('notice','referral','order','bank_match')),
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
INSERT INTO signals_v2 SELECT * FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v2 RENAME TO signals;

CREATE TABLE banks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('block','allow')),
    threshold INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 63),
    stay_down INTEGER NOT NULL,
    enabled_ratio REAL NOT NULL CHECK (enabled_ratio BETWEEN 0 AND 1),
    labels TEXT NOT NULL,
    description TEXT,
    flood_limit INTEGER NOT NULL CHECK (flood_limit >= 0),
    entry_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE UNIQUE INDEX banks_owner_name ON banks(owner, name) WHERE deleted_at IS NULL;

CREATE TABLE bank_shares (
    bank TEXT NOT NULL REFERENCES banks(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    mode TEXT NOT NULL CHECK (mode IN ('match','curate')),
    granted_at INTEGER NOT NULL,
    granted_by TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (bank, org)
) STRICT, WITHOUT ROWID;
CREATE INDEX bank_shares_org ON bank_shares(org);

CREATE TABLE bank_entries (
    id INTEGER PRIMARY KEY,
    bank TEXT NOT NULL REFERENCES banks(id),
    signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq','md5','sha256')),
    value TEXT NOT NULL,
    quality INTEGER CHECK (quality BETWEEN 0 AND 100),
    source TEXT NOT NULL,
    provenance TEXT,
    content_id TEXT,
    content_uri TEXT,
    note TEXT,
    added_at INTEGER NOT NULL,
    added_by TEXT REFERENCES users(id),
    disabled_until INTEGER,
    quarantined_at INTEGER,
    removed_at INTEGER,
    case_id TEXT REFERENCES cases(id),
    changed_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX bank_entries_bank ON bank_entries(bank, id);
CREATE UNIQUE INDEX bank_entries_value ON bank_entries(bank, signal_type, value) WHERE removed_at IS NULL;
CREATE INDEX bank_entries_changed ON bank_entries(changed_seq);
-- `banks.entry_count` is kept by the store's statements, not by triggers: a trigger makes every
-- insert open a statement journal, whose cost grows with the transaction (imports went quadratic).

CREATE TABLE bank_feedback (
    entry INTEGER NOT NULL REFERENCES bank_entries(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    user TEXT NOT NULL REFERENCES users(id),
    verdict TEXT NOT NULL CHECK (verdict IN ('agree','disagree','false_positive')),
    note TEXT,
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX bank_feedback_entry ON bank_feedback(entry, at);
"#,
    // 3: due process: terms clauses, exempt decisions and reversals, uploader notices, embargoes,
    // complaints, cross-border scrutiny, watch-lists and holds, threat-to-life alerts and
    // law-enforcement referrals, misuse.
    r#"
CREATE TABLE terms_clauses (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    body TEXT,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    retired_at INTEGER
) STRICT;
CREATE UNIQUE INDEX terms_clauses_code ON terms_clauses(platform, code);

CREATE TABLE decisions_v3 (
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
    terms_clause_id TEXT REFERENCES terms_clauses(id),
    taxonomy_version INTEGER,
    manifestly_unfounded INTEGER NOT NULL DEFAULT 0,
    reversed_at INTEGER,
    reversed_by TEXT,
    CHECK (action IN ('no_action','exempt') OR legal_basis IS NOT NULL OR terms_clause IS NOT NULL),
    CHECK (action <> 'exempt' OR (purpose IS NOT NULL AND purpose <> 'none'))
) STRICT;
INSERT INTO decisions_v3 (id, case_id, org, decided_by, decided_at, action, legal_basis, terms_clause,
    territorial_scope, purpose, purpose_rationale, automated_detection, automated_decision, explanation)
    SELECT id, case_id, org, decided_by, decided_at, action, legal_basis, terms_clause, territorial_scope,
    purpose, purpose_rationale, automated_detection, automated_decision, explanation FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_v3 RENAME TO decisions;
CREATE INDEX decisions_case ON decisions(case_id, decided_at);

ALTER TABLE orders ADD COLUMN embargo_decided_at INTEGER;
ALTER TABLE orders ADD COLUMN embargo_until INTEGER;
ALTER TABLE orders ADD COLUMN embargo_extended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN embargo_lifted_at INTEGER;
ALTER TABLE orders ADD COLUMN ended_at INTEGER;
ALTER TABLE orders ADD COLUMN ended_by TEXT;
UPDATE orders SET embargo_decided_at = intake_at, embargo_until = intake_at + 3628800000000
    WHERE json_extract(form, '$.non_disclosure') = 1;
CREATE INDEX orders_embargo_due ON orders(embargo_until) WHERE embargo_until IS NOT NULL AND embargo_lifted_at IS NULL;

CREATE TABLE uploader_notices (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    decision TEXT NOT NULL UNIQUE REFERENCES decisions(id),
    platform TEXT NOT NULL REFERENCES orgs(id),
    route TEXT NOT NULL CHECK (route IN ('platform_decision','removal_order')),
    token TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    issued_at INTEGER
) STRICT;
CREATE INDEX uploader_notices_case ON uploader_notices(case_id);

CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    decision TEXT NOT NULL REFERENCES decisions(id),
    platform TEXT NOT NULL REFERENCES orgs(id),
    complainant TEXT NOT NULL CHECK (complainant IN ('uploader','notifier')),
    signal TEXT REFERENCES signals(id),
    text_ref TEXT,
    received_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open','upheld','reversed')),
    overdue_at INTEGER,
    reviewed_by TEXT REFERENCES users(id),
    reviewed_at INTEGER,
    reasons TEXT,
    new_decision TEXT REFERENCES decisions(id)
) STRICT;
CREATE INDEX complaints_platform ON complaints(platform, state, due_at);
CREATE INDEX complaints_case ON complaints(case_id);
CREATE INDEX complaints_due ON complaints(due_at) WHERE state = 'open' AND overdue_at IS NULL;

CREATE TABLE scrutinies (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    trigger TEXT NOT NULL CHECK (trigger IN ('platform','uploader','ex_officio')),
    requested_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    authority TEXT NOT NULL REFERENCES orgs(id),
    reasons_ref TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending','no_infringement','infringement')),
    overdue_at INTEGER,
    decided_at INTEGER,
    decided_by TEXT REFERENCES users(id),
    decision_reasons TEXT
) STRICT;
CREATE INDEX scrutinies_order ON scrutinies(order_id);
CREATE INDEX scrutinies_authority ON scrutinies(authority, state);
CREATE INDEX scrutinies_due ON scrutinies(due_at) WHERE state = 'pending' AND overdue_at IS NULL;

CREATE TABLE watchlists (
    id TEXT PRIMARY KEY,
    authority TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    legal_basis_ref TEXT NOT NULL,
    ends_at INTEGER NOT NULL,
    hold_hours INTEGER,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    closed_at INTEGER
) STRICT;
CREATE INDEX watchlists_authority ON watchlists(authority);

CREATE TABLE watch_entries (
    key_hash TEXT NOT NULL,
    watchlist TEXT NOT NULL REFERENCES watchlists(id),
    kind TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (key_hash, watchlist)
) STRICT, WITHOUT ROWID;

CREATE TABLE holds (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    watchlist TEXT NOT NULL REFERENCES watchlists(id),
    authority TEXT NOT NULL REFERENCES orgs(id),
    placed_at INTEGER NOT NULL,
    until INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT CHECK (end_reason IN ('expired','released','order','threat_to_life')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
) STRICT;
CREATE UNIQUE INDEX holds_active ON holds(case_id) WHERE ended_at IS NULL;
CREATE INDEX holds_due ON holds(until) WHERE ended_at IS NULL;
CREATE INDEX holds_authority ON holds(authority, placed_at);

CREATE TABLE threat_alerts (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    raised_at INTEGER NOT NULL,
    level INTEGER NOT NULL,
    next_at INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT REFERENCES users(id),
    note TEXT,
    CHECK ((next_at IS NULL) = (acknowledged_at IS NOT NULL))
) STRICT;
CREATE INDEX threat_alerts_due ON threat_alerts(next_at) WHERE next_at IS NOT NULL;
INSERT INTO threat_alerts (case_id, raised_at, level, next_at)
    SELECT id, created_at, 0, created_at + 900000000 FROM cases WHERE threat_to_life = 1 AND state <> 'decided';

CREATE TABLE le_referrals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    basis TEXT NOT NULL CHECK (basis IN ('dsa_18','tco_14_5')),
    member_states TEXT NOT NULL,
    europol INTEGER NOT NULL,
    authority TEXT REFERENCES orgs(id),
    sent_at INTEGER NOT NULL,
    sent_by TEXT NOT NULL REFERENCES users(id),
    note TEXT
) STRICT;
CREATE INDEX le_referrals_case ON le_referrals(case_id);

-- No index on notifier_key: the keys are random, and an index on them would cost every notice a
-- random page write; counting one notifier's notices (an administrator's misuse review) scans.
CREATE TABLE signal_notifiers (
    signal TEXT PRIMARY KEY REFERENCES signals(id),
    notifier_key TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX decisions_unfounded ON decisions(case_id) WHERE manifestly_unfounded = 1 AND reversed_at IS NULL;

CREATE TABLE misuse_actions (
    id TEXT PRIMARY KEY,
    notifier_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('warning','suspension','lift')),
    at INTEGER NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    until INTEGER,
    reason TEXT NOT NULL,
    counts TEXT NOT NULL
) STRICT;
CREATE INDEX misuse_actions_key ON misuse_actions(notifier_key, at);

CREATE TABLE flagger_status (
    org TEXT PRIMARY KEY REFERENCES orgs(id),
    status TEXT NOT NULL CHECK (status IN ('active','suspended','revoked')),
    since INTEGER NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id)
) STRICT;
"#,
    // 4: submissions of statements of reasons to the DSA Transparency Database, and each
    // platform's connection to it.
    r#"
CREATE TABLE sor_outbox (
    decision TEXT PRIMARY KEY REFERENCES decisions(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','submitted','rejected','skipped')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    tdb_uuid TEXT,
    submitted_at INTEGER
) STRICT;
CREATE INDEX sor_outbox_due ON sor_outbox(org, next_attempt_at) WHERE state = 'pending';

CREATE TABLE tdb_settings (
    org TEXT PRIMARY KEY REFERENCES orgs(id),
    base_url TEXT NOT NULL,
    token TEXT NOT NULL,
    include_orders INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
) STRICT;
"#,
    // 5: the web console: passwords, sessions, claims on cases, media attached to cases and who
    // revealed them.
    r#"
CREATE TABLE credentials (
    user TEXT PRIMARY KEY REFERENCES users(id),
    login TEXT NOT NULL UNIQUE,
    phc TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE claims (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    user TEXT NOT NULL REFERENCES users(id),
    claimed_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE case_media (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    by_user TEXT NOT NULL REFERENCES users(id),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    format TEXT NOT NULL,
    pdq TEXT,
    quality INTEGER,
    preview BLOB,
    note TEXT NOT NULL,
    matches TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    original BLOB NOT NULL
) STRICT;
CREATE INDEX case_media_case ON case_media(case_id);

-- A case's history on its page. Subjects are mostly time-ordered ids, so the index grows at its
-- right edge.
CREATE INDEX events_subject ON events(subject, seq);
-- An authority's referrals on its pages; notices (the bulk of intake) never touch it.
CREATE INDEX signals_referrals ON signals(submitter_org, received_at) WHERE kind = 'referral';

-- A reviewer's choices: may a key press reveal media, or only a click.
CREATE TABLE user_prefs (
    user TEXT PRIMARY KEY REFERENCES users(id),
    reveal_by_key INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE media_reveals (
    media TEXT NOT NULL REFERENCES case_media(id),
    user TEXT NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (media, user, at)
) STRICT, WITHOUT ROWID;
"#,
    // 6: tokens that expire, people removed by an administrator, webhooks deleted by their
    // organisation, the first administrator's one-time console password; the lists behind them.
    r#"
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;
ALTER TABLE webhooks ADD COLUMN deleted_at INTEGER;
ALTER TABLE credentials ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_user ON tokens(user, created_at);
CREATE INDEX claims_user ON claims(user);
-- A platform's decided cases, newest first, for the console's search.
CREATE INDEX decisions_org ON decisions(org, decided_at);
"#,
    // 7: the TCO Regulation as written. Authorities' designated competences (art. 12(1)) and
    // Europol; platforms whose designated channel (art. 15) is Vigie. Orders: the platform's
    // acknowledgement and its escalation, a clarification on its way (art. 3(8)), the copy to the
    // host state's authority (art. 4(1)). Uploader notices: when the content provider was
    // informed (art. 4(4)). Scrutinies: the requesting notice, the issuer told first (art. 4(5)),
    // the platform's purpose concerns. Watch-lists: a national legal instrument. Referrals to law
    // enforcement: the contact point of art. 14(5). Holds may end because a DSA notice arrived.
    //
    // No competence is presumed: an existing authority issues orders again once an administrator
    // has recorded its designation (`PATCH /api/v1/orgs/{id}`). Existing orders count as
    // acknowledged when received; those never received escalate at the next scheduler pass.
    r#"
ALTER TABLE orgs ADD COLUMN competences TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN europol INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN designated_channel INTEGER NOT NULL DEFAULT 0;

ALTER TABLE orders ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE orders ADD COLUMN unacknowledged_at INTEGER;
ALTER TABLE orders ADD COLUMN clarification_sent_at INTEGER;
ALTER TABLE orders ADD COLUMN copy_to TEXT REFERENCES orgs(id);
ALTER TABLE orders ADD COLUMN copy_at INTEGER;
UPDATE orders SET acknowledged_at = received_at;
UPDATE orders SET next_check_at = intake_at + 900000000
    WHERE received_at IS NULL AND state = 'pending_receipt' AND ended_at IS NULL;

ALTER TABLE uploader_notices ADD COLUMN informed_at INTEGER;

ALTER TABLE scrutinies ADD COLUMN notice TEXT REFERENCES uploader_notices(id);
ALTER TABLE scrutinies ADD COLUMN intention_at INTEGER;
ALTER TABLE scrutinies ADD COLUMN intention_reasons TEXT;
ALTER TABLE scrutinies ADD COLUMN purpose_concerns TEXT;

ALTER TABLE watchlists ADD COLUMN instrument_reference TEXT;
ALTER TABLE watchlists ADD COLUMN instrument_issuer TEXT;
ALTER TABLE watchlists ADD COLUMN instrument_ends_at INTEGER;

ALTER TABLE le_referrals ADD COLUMN contact_point INTEGER NOT NULL DEFAULT 0;

CREATE TABLE holds_v7 (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    watchlist TEXT NOT NULL REFERENCES watchlists(id),
    authority TEXT NOT NULL REFERENCES orgs(id),
    placed_at INTEGER NOT NULL,
    until INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT CHECK (end_reason IN ('expired','released','order','threat_to_life','notice')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
) STRICT;
INSERT INTO holds_v7 SELECT id, case_id, watchlist, authority, placed_at, until, ended_at, end_reason FROM holds;
DROP TABLE holds;
ALTER TABLE holds_v7 RENAME TO holds;
CREATE UNIQUE INDEX holds_active ON holds(case_id) WHERE ended_at IS NULL;
CREATE INDEX holds_due ON holds(until) WHERE ended_at IS NULL;
CREATE INDEX holds_authority ON holds(authority, placed_at);
"#,
    // 8: the law as written, DSA and GDPR half (step 8): a restriction's type, a measure's end and
    // the upload date on decisions (DSA art. 17(3)(a)); when complainants were informed (DSA art.
    // 20(2)).
    r#"
ALTER TABLE decisions ADD COLUMN restriction TEXT
    CHECK (restriction IN ('demoted','age_restricted','interaction_restricted','other'));
ALTER TABLE decisions ADD COLUMN restriction_other TEXT;
ALTER TABLE decisions ADD COLUMN until INTEGER;
ALTER TABLE decisions ADD COLUMN content_date TEXT;
-- DSA art. 20(2): complaint windows run from when the complainant was informed: the uploader at
-- uploader_notices.informed_at (migration 7: the time the platform recorded or the first opening
-- of the link, whichever came first; TCO art. 4(4) runs from it too), a notifier when told of the
-- decision (or able to see it).
CREATE TABLE notifier_informed (
    signal TEXT NOT NULL REFERENCES signals(id),
    decision TEXT NOT NULL REFERENCES decisions(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (signal, decision)
) STRICT, WITHOUT ROWID;
-- DSA art. 22(2), (6), (7): trusted-flagger status is the Digital Services Coordinator's to award,
-- suspend and revoke; Vigie records its decisions and follows them. The statuses the hub's
-- administrator set before (table flagger_status) were no coordinator's decision: they are kept
-- as history and no longer read, and a flagger without a recorded award has no priority.
CREATE TABLE flagger_awards (
    org TEXT PRIMARY KEY REFERENCES orgs(id),
    coordinator TEXT NOT NULL,
    member_state TEXT NOT NULL,
    reference TEXT NOT NULL,
    areas TEXT NOT NULL,
    awarded_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active','suspended','revoked')),
    status_since INTEGER NOT NULL,
    status_reference TEXT,
    status_decided_on TEXT,
    reason TEXT,
    recorded_by TEXT NOT NULL REFERENCES users(id)
) STRICT;
-- DSA art. 23(2): each platform suspends the processing of a notifier's notices on its own service.
-- Hub-wide actions recorded before (platform NULL) were not the platform's decision and no longer
-- apply.
ALTER TABLE misuse_actions ADD COLUMN platform TEXT REFERENCES orgs(id);
CREATE INDEX misuse_actions_platform ON misuse_actions(notifier_key, platform, at);
-- TCO art. 9: court challenges of removal orders, with their outcome (art. 7(3)(e), 8(1)(c)).
CREATE TABLE order_challenges (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    brought_by TEXT NOT NULL CHECK (brought_by IN ('platform')),
    org TEXT NOT NULL REFERENCES orgs(id),
    court TEXT NOT NULL,
    reference TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('pending','upheld','annulled','withdrawn')),
    decided_on TEXT,
    outcome_reference TEXT,
    outcome_recorded_at INTEGER
) STRICT;
CREATE INDEX order_challenges_order ON order_challenges(order_id);
-- GDPR arts. 5(1)(c), (e) and 17: the records tied to a case are erased, store by store, when
-- their retention after the case closed ends. Cases decided before start being looked at now;
-- their case.opened events keep the unsalted key hash they were written with (the chain is
-- never rewritten), and only new ones seal it.
CREATE TABLE case_retention (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    key_ref TEXT,
    check_at INTEGER,
    identifiers_erased_at INTEGER,
    texts_erased_at INTEGER,
    notices_erased_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX case_retention_due ON case_retention(check_at) WHERE check_at IS NOT NULL;
INSERT INTO case_retention (case_id, check_at)
    SELECT id, CASE WHEN state = 'decided' THEN COALESCE(decided_at, updated_at) END FROM cases;
-- GDPR art. 32: the uploader's link is stored as its hash only; it is derived from the pepper
-- when its platform reads it again. Links issued before keep working by their hash, but can no
-- longer be read back.
ALTER TABLE uploader_notices DROP COLUMN token;
-- Restrictions decided before the type was asked: their type is unknown, and their statements say so.
UPDATE decisions SET restriction = 'other',
    restriction_other = 'Visibility restricted; the type of restriction was not recorded with the decision.'
    WHERE action = 'restrict';
"#,
    // 9: deliveries in queues (step 9). `seq` numbers messages in the order they were queued (an
    // alias of the rowid, which VACUUM keeps), so that one webhook's messages about one case go
    // out in that order; `dead_at` sets a message that used up its attempts aside (a dead letter)
    // until someone puts it back in its queue.
    r#"
CREATE TABLE deliveries_v9 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
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
    last_error TEXT,
    dead_at INTEGER
) STRICT;
INSERT INTO deliveries_v9 (seq, id, org, webhook, event_type, payload, case_id, urgent, created_at,
    next_attempt_at, attempts, delivered_at, last_error)
    SELECT rowid, id, org, webhook, event_type, payload, case_id, urgent, created_at, next_attempt_at,
        attempts, delivered_at, last_error FROM deliveries ORDER BY rowid;
DROP TABLE deliveries;
ALTER TABLE deliveries_v9 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX deliveries_queue ON deliveries(webhook, case_id, seq) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX deliveries_dead ON deliveries(org, dead_at) WHERE dead_at IS NOT NULL AND delivered_at IS NULL;
"#,
    // 10: a bank match is its own tier (5, `bank_match`), no longer stored as a referral (2), so the
    // inbox, the console and the reports say the same word. Signals and cases are rebuilt to take
    // it (SQLite's way to change a CHECK), and what a bank match alone made tier 2 is relabelled: a
    // bank-match signal, unless it took its tier from an earlier case that was a referral; then a
    // case of tier 2 none of whose signals is a tier-2 one any more.
    r#"
CREATE TABLE signals_v10 (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('notice','referral','order','bank_match')),
    tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 5),
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
INSERT INTO signals_v10 SELECT * FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v10 RENAME TO signals;
CREATE INDEX signals_referrals ON signals(submitter_org, received_at) WHERE kind = 'referral';

CREATE TABLE cases_v10 (
    id TEXT PRIMARY KEY,
    platform TEXT REFERENCES orgs(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('content','account')),
    url TEXT,
    host TEXT,
    content_id TEXT,
    account_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('parked','open','delivered','acknowledged','decided')),
    tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 5),
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
INSERT INTO cases_v10 SELECT * FROM cases;
DROP TABLE cases;
ALTER TABLE cases_v10 RENAME TO cases;
CREATE UNIQUE INDEX cases_platform_key ON cases(COALESCE(platform, ''), key);
CREATE INDEX cases_inbox ON cases(platform, state);
CREATE INDEX cases_parked_host ON cases(host) WHERE platform IS NULL;

UPDATE signals SET tier = 5
    WHERE kind = 'bank_match' AND tier = 2
      AND NOT EXISTS (SELECT 1 FROM json_each(signals.details, '$.linked_cases') l
                      JOIN cases c ON c.id = l.value WHERE c.tier = 2);
UPDATE cases SET tier = 5
    WHERE tier = 2
      AND NOT EXISTS (SELECT 1 FROM signal_cases sc JOIN signals s ON s.id = sc.signal
                      WHERE sc.case_id = cases.id AND s.tier = 2);
"#,
    // 11: wellbeing in the viewer (step 10, docs/wellbeing.md): a person's viewer settings (NULL
    // follows the organisation), the organisation's defaults and whether its leads read the
    // counts (off by default), and one reveal count per person per day, never what was revealed.
    r#"
CREATE TABLE viewer_settings (
    user TEXT PRIMARY KEY REFERENCES users(id),
    blur INTEGER CHECK (blur BETWEEN 1 AND 3),
    greyscale INTEGER,
    peek INTEGER,
    reblur_secs INTEGER CHECK (reblur_secs >= 0),
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE org_viewer_settings (
    org TEXT PRIMARY KEY REFERENCES orgs(id),
    blur INTEGER CHECK (blur BETWEEN 1 AND 3),
    greyscale INTEGER,
    peek INTEGER,
    reblur_secs INTEGER CHECK (reblur_secs >= 0),
    break_after INTEGER CHECK (break_after > 0),
    leads_see_counts INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE reveal_counts (
    user TEXT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs(id),
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (user, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX reveal_counts_org ON reveal_counts(org, day);
CREATE INDEX reveal_counts_day ON reveal_counts(day);
"#,
    // 12: working a shift (step 10): internal notes on cases, erased with the case's other
    // texts, and the cases each reviewer skipped.
    r#"
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    author TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL CHECK (reason IN ('note','skip','release','hand_over','escalation')),
    body TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX case_notes_case ON case_notes(case_id, created_at);
CREATE TABLE case_skips (
    case_id TEXT NOT NULL REFERENCES cases(id),
    user TEXT NOT NULL REFERENCES users(id),
    skipped_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, user)
) STRICT;
CREATE INDEX case_skips_user ON case_skips(user, skipped_at);
"#,
    // 13: an authority's order profile: what fills in its new order forms (the representative,
    // the contact and the redress). A setting, replaced whole; it goes with its organisation.
    r#"
CREATE TABLE authority_profiles (
    org TEXT PRIMARY KEY REFERENCES orgs(id),
    authority_type TEXT,
    representative_name TEXT,
    representative_post TEXT,
    contact_email TEXT,
    redress_body TEXT,
    redress_deadline INTEGER CHECK (redress_deadline IS NULL OR redress_deadline > 0),
    redress_unit TEXT NOT NULL DEFAULT 'days' CHECK (redress_unit IN ('days', 'hours')),
    redress_from TEXT,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
) STRICT;
"#,
    // 14: finding cases (step 10): the search box and a case's copies look cases up by account,
    // content id, hash and order reference, each from an index.
    r#"
CREATE INDEX cases_account ON cases(platform, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX cases_content ON cases(platform, content_id) WHERE content_id IS NOT NULL;
CREATE INDEX cases_url ON cases(platform, url) WHERE url IS NOT NULL;
CREATE INDEX case_media_sha256 ON case_media(sha256);
CREATE INDEX case_media_pdq ON case_media(pdq) WHERE pdq IS NOT NULL;
CREATE INDEX bank_entries_case ON bank_entries(value) WHERE case_id IS NOT NULL;
CREATE INDEX orders_reference ON orders(platform, reference);
CREATE INDEX decisions_decider ON decisions(org, decided_by, decided_at);

-- A moderator's saved views of the queue: a name and the queue's filters, read by their owner
-- only; deleted by the owner, or with the person when an administrator removes them.
CREATE TABLE saved_views (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user, name)
) STRICT;

-- A platform's teams, their people (a lead sees the team's per-person figures), and the
-- administrator's routing rules that send cases to a team's queue (the first rule that holds).
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org, name)
) STRICT;
CREATE TABLE team_members (
    team TEXT NOT NULL REFERENCES teams(id),
    user TEXT NOT NULL REFERENCES users(id),
    lead INTEGER NOT NULL,
    PRIMARY KEY (team, user)
) STRICT, WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members(user);
CREATE TABLE routing_rules (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    position INTEGER NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('source', 'host', 'bank_label')),
    value TEXT NOT NULL,
    team TEXT NOT NULL REFERENCES teams(id),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX routing_rules_org ON routing_rules(org, position);
"#,
    // 15: banked videos, URLs and texts (step 11): vPDQ entries, whose value is the list of
    // frames, URL entries (canonical, and python-threatexchange's MD5), texts and their TLSH, and
    // each bank's vPDQ shares (python-threatexchange's 80 % and 0 % unless its owner chose others).
    r#"
ALTER TABLE banks ADD COLUMN vpdq_query_percent REAL NOT NULL DEFAULT 80.0
    CHECK (vpdq_query_percent > 0 AND vpdq_query_percent <= 100);
ALTER TABLE banks ADD COLUMN vpdq_compared_percent REAL NOT NULL DEFAULT 0.0
    CHECK (vpdq_compared_percent BETWEEN 0 AND 100);

CREATE TABLE bank_entries_v15 (
    id INTEGER PRIMARY KEY,
    bank TEXT NOT NULL REFERENCES banks(id),
    signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq','md5','sha256','vpdq','url','url_md5','raw_text','text_tlsh')),
    value TEXT NOT NULL,
    quality INTEGER CHECK (quality BETWEEN 0 AND 100),
    source TEXT NOT NULL,
    provenance TEXT,
    content_id TEXT,
    content_uri TEXT,
    note TEXT,
    added_at INTEGER NOT NULL,
    added_by TEXT REFERENCES users(id),
    disabled_until INTEGER,
    quarantined_at INTEGER,
    removed_at INTEGER,
    case_id TEXT REFERENCES cases(id),
    changed_seq INTEGER NOT NULL
) STRICT;
INSERT INTO bank_entries_v15 SELECT * FROM bank_entries;
DROP TABLE bank_entries;
ALTER TABLE bank_entries_v15 RENAME TO bank_entries;
CREATE INDEX bank_entries_bank ON bank_entries(bank, id);
CREATE UNIQUE INDEX bank_entries_value ON bank_entries(bank, signal_type, value) WHERE removed_at IS NULL;
CREATE INDEX bank_entries_changed ON bank_entries(changed_seq);
CREATE INDEX bank_entries_case ON bank_entries(value) WHERE case_id IS NOT NULL;
CREATE INDEX bank_entries_outside_snapshot ON bank_entries(id)
    WHERE signal_type IN ('vpdq', 'url', 'url_md5', 'raw_text', 'text_tlsh');
"#,
    // 16: jobs (step 11): a platform's video upload, on disk until decoded and checked; the
    // answer kept for a while for the status route (see vigie-store's jobs.rs for its legal basis).
    r#"
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    user TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('upload_check')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    input TEXT NOT NULL,
    file TEXT,
    result TEXT,
    error_code TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    CHECK ((state IN ('done', 'failed')) = (finished_at IS NOT NULL))
) STRICT;
CREATE INDEX jobs_unfinished ON jobs(created_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
"#,
    // 17: what a case's content is (step 10): the languages and art. 2(7) types its reports gave,
    // written with the fold; routing rules may test them. Orders already received give their
    // Annex I types to their cases.
    r#"
CREATE TABLE case_labels (
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL CHECK (kind IN ('language', 'harm_type')),
    value TEXT NOT NULL CHECK (
        (kind = 'language' AND length(value) = 2 AND value GLOB '[a-z][a-z]')
        OR (kind = 'harm_type' AND value IN ('a', 'b', 'c', 'd', 'e'))),
    PRIMARY KEY (case_id, kind, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_labels_value ON case_labels(kind, value);
INSERT OR IGNORE INTO case_labels (case_id, kind, value)
    SELECT DISTINCT sc.case_id, 'harm_type', r.value
    FROM orders o JOIN signal_cases sc ON sc.signal = o.id, json_each(o.form, '$.reasons') r
    WHERE r.value IN ('a', 'b', 'c', 'd', 'e');

CREATE TABLE routing_rules_new (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    position INTEGER NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('source', 'host', 'bank_label', 'language', 'harm_type')),
    value TEXT NOT NULL,
    team TEXT NOT NULL REFERENCES teams(id),
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO routing_rules_new SELECT id, org, position, field, value, team, created_at FROM routing_rules;
DROP TABLE routing_rules;
ALTER TABLE routing_rules_new RENAME TO routing_rules;
CREATE INDEX routing_rules_org ON routing_rules(org, position);
"#,
    // 18: a case escalated to a senior reviewer stands until it is decided or passed on, beyond
    // the claim's lease (`ShiftTx::put_escalation`); ids and a time only.
    r#"
CREATE TABLE case_escalations (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    org TEXT NOT NULL REFERENCES orgs(id),
    to_user TEXT NOT NULL REFERENCES users(id),
    by_user TEXT NOT NULL REFERENCES users(id),
    escalated_at INTEGER NOT NULL,
    note TEXT REFERENCES case_notes(id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_escalations_org ON case_escalations(org, escalated_at);
CREATE INDEX case_escalations_to ON case_escalations(to_user);
"#,
    // 19: the verifiable log (step 12). Every event is a leaf of an RFC 9162 Merkle tree; the
    // hashes of its complete subtrees (level 0: the leaves) are kept here and never change. Each
    // event's random seed, from which its fields' salts derive, is kept apart from the events, as a
    // sealed value's salt is. The checkpoints the log signed, with the cosignatures gathered since.
    r#"
CREATE TABLE log_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END;
CREATE TABLE event_seeds (
    seq INTEGER PRIMARY KEY,
    seed BLOB NOT NULL CHECK (length(seed) = 32)
) STRICT;
CREATE TABLE log_checkpoints (
    origin TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    signed_at INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (origin, size)
) STRICT, WITHOUT ROWID;
CREATE INDEX log_checkpoints_at ON log_checkpoints(signed_at);
"#,
    // 20: videos on cases (step 11): what the console's storyboard shows of a video (its facts
    // and matched segments, JSON; the storyboard itself is the media's preview), and the time
    // each reviewer spent with a revealed video, bounded per reveal and counted per day.
    r#"
ALTER TABLE case_media ADD COLUMN video TEXT;
ALTER TABLE media_reveals ADD COLUMN viewed INTEGER NOT NULL DEFAULT 0 CHECK (viewed >= 0);
CREATE TABLE viewing_time (
    user TEXT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs(id),
    micros INTEGER NOT NULL CHECK (micros > 0),
    PRIMARY KEY (user, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX viewing_time_day ON viewing_time(day);
"#,
    // 21: the evidence vault (step 12, TCO art. 6): preservation records with their wrapped data
    // keys, the blobs they hold (addresses and sizes; the bytes are in the vault's blob storage),
    // authorities' access requests, four-eyes exports, the chain of custody (see vigie-store's
    // evidence.rs for the legal basis and retention).
    r#"
CREATE TABLE evidence_records (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    basis TEXT NOT NULL CHECK (basis IN ('removal_order', 'specific_measure', 'national_preservation_order',
        'european_preservation_order')),
    purpose TEXT NOT NULL CHECK (purpose IN ('review_and_investigation', 'criminal_proceedings')),
    reference TEXT,
    issuing_authority TEXT,
    decision TEXT REFERENCES decisions(id),
    preserved_at INTEGER NOT NULL,
    preserved_until INTEGER NOT NULL,
    extension_proceeding TEXT,
    extension_ends_at INTEGER,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('preserved', 'purged')),
    purged_at INTEGER,
    kek TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    created_by TEXT REFERENCES users(id),
    CHECK (basis IN ('removal_order', 'specific_measure') OR (reference IS NOT NULL AND issuing_authority IS NOT NULL)),
    CHECK ((extension_proceeding IS NULL) = (extension_ends_at IS NULL)),
    CHECK ((state = 'purged') = (purged_at IS NOT NULL))
) STRICT;
CREATE INDEX evidence_records_org ON evidence_records(org, preserved_at);
CREATE INDEX evidence_records_case ON evidence_records(case_id);
CREATE INDEX evidence_records_due ON evidence_records(expires_at) WHERE state = 'preserved';
CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
) STRICT;
CREATE TABLE evidence_items (
    record TEXT NOT NULL REFERENCES evidence_records(id),
    sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
    kind TEXT NOT NULL CHECK (kind IN ('media', 'related_data')),
    name TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    PRIMARY KEY (record, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX evidence_items_blob ON evidence_items(sha256);
CREATE TABLE evidence_requests (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL REFERENCES evidence_records(id),
    authority TEXT NOT NULL REFERENCES orgs(id),
    requested_by TEXT NOT NULL REFERENCES users(id),
    reference TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    granted_by TEXT REFERENCES users(id),
    granted_at INTEGER
) STRICT;
CREATE INDEX evidence_requests_record ON evidence_requests(record);
CREATE TABLE evidence_exports (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    records TEXT NOT NULL,
    recipient TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    approved_by TEXT REFERENCES users(id),
    approved_at INTEGER,
    bundle_sha256 TEXT,
    exported_at INTEGER,
    CHECK (approved_by IS NULL OR approved_by <> requested_by)
) STRICT;
CREATE INDEX evidence_exports_org ON evidence_exports(org, requested_at);
CREATE TABLE evidence_custody (
    record TEXT NOT NULL REFERENCES evidence_records(id),
    at INTEGER NOT NULL,
    user TEXT REFERENCES users(id),
    org TEXT REFERENCES orgs(id),
    action TEXT NOT NULL,
    basis TEXT CHECK (basis IN ('custody', 'authority_request', 'export')),
    reason TEXT,
    event_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX evidence_custody_record ON evidence_custody(record, event_seq);
"#,
    // 22: what a case's reports say about it, looked up by value: the media hashes and account ids
    // its reports gave and the banked values its upload matches hit, written when a report is
    // linked to the case (`SIGNAL_KEYS`). Before this, a case's copies and the account network
    // read every report's JSON for each lookup. Derived from `signals`: same legal basis and
    // readers; deleted with the case's identifiers at the end of their retention.
    r#"
CREATE TABLE case_signal_keys (
    value TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (value, case_id, kind)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_signal_keys_case ON case_signal_keys(case_id);
INSERT OR IGNORE INTO case_signal_keys (value, case_id, kind)
SELECT k.value, sc.case_id, k.kind FROM signal_cases sc JOIN cases c ON c.id = sc.case_id,
    (SELECT lower(json_extract(l.value, '$.media_sha256')) AS value, 'sha256' AS kind, s.id AS signal, l.key AS idx
         FROM signals s, json_each(s.locations) l WHERE json_type(l.value, '$.media_sha256') = 'text'
     UNION ALL SELECT lower(json_extract(l.value, '$.media_md5')), 'md5', s.id, l.key
         FROM signals s, json_each(s.locations) l WHERE json_type(l.value, '$.media_md5') = 'text'
     UNION ALL SELECT trim(json_extract(l.value, '$.account_id')), 'account', s.id, l.key
         FROM signals s, json_each(s.locations) l WHERE json_type(l.value, '$.account_id') = 'text'
     UNION ALL SELECT e.value, e.signal_type, s.id, NULL FROM signals s, json_each(s.details, '$.matches') m
         JOIN bank_entries e ON e.id = json_extract(m.value, '$.entry') WHERE s.kind = 'bank_match'
     UNION ALL SELECT trim(json_extract(s.details, '$.uploader')), 'account', s.id, NULL FROM signals s
         WHERE s.kind = 'bank_match' AND json_type(s.details, '$.uploader') = 'text') k
WHERE k.signal = sc.signal AND (k.idx IS NULL OR k.idx = sc.idx) AND k.value <> ''
    AND substr(c.key, 1, 7) <> 'erased:';
"#,
    // 23: TMK+PDQF in banks (step 11): `tmk` entries, whose value is the SHA-256 of their `.tmk`
    // file; the files themselves, content-addressed, with their level-1 vector (the pure average,
    // 1 KB) apart so that the matcher loads those alone; each bank's level-1 and level-2
    // thresholds (`tmk-two-level-score`'s 0.7 and 0.7 unless its owner chose others). See
    // vigie-store's banks.rs for the files' basis and retention.
    r#"
ALTER TABLE banks ADD COLUMN tmk_level1 REAL NOT NULL DEFAULT 0.7 CHECK (tmk_level1 > 0 AND tmk_level1 <= 1);
ALTER TABLE banks ADD COLUMN tmk_level2 REAL NOT NULL DEFAULT 0.7 CHECK (tmk_level2 > 0 AND tmk_level2 <= 1);

CREATE TABLE bank_entries_v22 (
    id INTEGER PRIMARY KEY,
    bank TEXT NOT NULL REFERENCES banks(id),
    signal_type TEXT NOT NULL
        CHECK (signal_type IN ('pdq','md5','sha256','vpdq','url','url_md5','raw_text','text_tlsh','tmk')),
    value TEXT NOT NULL,
    quality INTEGER CHECK (quality BETWEEN 0 AND 100),
    source TEXT NOT NULL,
    provenance TEXT,
    content_id TEXT,
    content_uri TEXT,
    note TEXT,
    added_at INTEGER NOT NULL,
    added_by TEXT REFERENCES users(id),
    disabled_until INTEGER,
    quarantined_at INTEGER,
    removed_at INTEGER,
    case_id TEXT REFERENCES cases(id),
    changed_seq INTEGER NOT NULL
) STRICT;
INSERT INTO bank_entries_v22 SELECT * FROM bank_entries;
DROP TABLE bank_entries;
ALTER TABLE bank_entries_v22 RENAME TO bank_entries;
CREATE INDEX bank_entries_bank ON bank_entries(bank, id);
CREATE UNIQUE INDEX bank_entries_value ON bank_entries(bank, signal_type, value) WHERE removed_at IS NULL;
CREATE INDEX bank_entries_changed ON bank_entries(changed_seq);
CREATE INDEX bank_entries_case ON bank_entries(value) WHERE case_id IS NOT NULL;
CREATE INDEX bank_entries_outside_snapshot ON bank_entries(id)
    WHERE signal_type IN ('vpdq', 'url', 'url_md5', 'raw_text', 'text_tlsh');
CREATE INDEX bank_entries_tmk ON bank_entries(value) WHERE signal_type = 'tmk';

CREATE TABLE tmk_files (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    bytes BLOB NOT NULL,
    level1 BLOB NOT NULL,
    frames INTEGER NOT NULL CHECK (frames >= 0),
    stored_at INTEGER NOT NULL
) STRICT;
"#,
    // 24: jobs of HMA's video endpoints (step 11): a video sent to `POST /h/hash` or
    // `POST /m/lookup` is hashed (and looked up) as a job too, so the table takes their kinds.
    // And the texts of reports checked at intake: a match with a banked text, on the case (see
    // vigie-store's find.rs for its legal basis).
    r#"
CREATE TABLE jobs_v24 (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(id),
    user TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('upload_check', 'hma_hash', 'hma_lookup')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    input TEXT NOT NULL,
    file TEXT,
    result TEXT,
    error_code TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    CHECK ((state IN ('done', 'failed')) = (finished_at IS NOT NULL))
) STRICT;
INSERT INTO jobs_v24 SELECT * FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v24 RENAME TO jobs;
CREATE INDEX jobs_unfinished ON jobs(created_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE case_text_hits (
    case_id TEXT NOT NULL REFERENCES cases(id),
    signal TEXT NOT NULL REFERENCES signals(id),
    location INTEGER NOT NULL CHECK (location >= 0),
    bank TEXT NOT NULL,
    entry INTEGER NOT NULL,
    signal_type TEXT NOT NULL CHECK (signal_type IN ('raw_text', 'text_tlsh')),
    similarity REAL,
    distance INTEGER NOT NULL CHECK (distance >= 0),
    text_ref TEXT NOT NULL,
    passages TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, signal, location, entry, signal_type)
) STRICT, WITHOUT ROWID;
"#,
    // 25: the account network across platforms (an authority's view) looks cases up by account id
    // and by URL whatever their platform: an index each, beside the per-platform ones.
    r#"
CREATE INDEX cases_account_any ON cases(account_id) WHERE account_id IS NOT NULL;
CREATE INDEX cases_url_any ON cases(url) WHERE url IS NOT NULL;
"#,
    // 26: the log's state in one row: the key from which the seeds of events appended from now on
    // derive (HMAC-SHA256 of the sequence number; the events appended before keep their seed rows
    // in `event_seeds`), and the tree's size and right edge (one hash per set bit of the size,
    // concatenated; NULL until the writer first moves it), which the writer moves when the
    // events' leaves join the tree (right after the events' commit; see `leaves.rs`). The key is drawn
    // from SQLite's generator (ChaCha20, seeded from the system). Same legal basis, retention and
    // readers as `event_seeds`: it never leaves the store.
    r#"
CREATE TABLE log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seed_key BLOB NOT NULL CHECK (length(seed_key) = 32),
    tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
    frontier BLOB CHECK (frontier IS NULL OR length(frontier) % 32 = 0)
) STRICT;
INSERT INTO log_state (id, seed_key, tree_size)
    VALUES (1, randomblob(32), (SELECT COALESCE(MAX(seq), 0) FROM event_seeds));
CREATE TRIGGER log_state_no_delete BEFORE DELETE ON log_state BEGIN SELECT RAISE(ABORT, 'the log state stays'); END;
CREATE TRIGGER log_state_key_stays BEFORE UPDATE OF seed_key ON log_state BEGIN SELECT RAISE(ABORT, 'the seed key never changes'); END;
"#,
    // 27: a stay-down video larger than the case media limit is kept on its case without its
    // original (its storyboard, hashes and timeline only): `original` is then empty. Less data
    // than before, on the same basis, retention and readers as the rest of `case_media`.
    r#"
ALTER TABLE case_media ADD COLUMN original_kept INTEGER NOT NULL DEFAULT 1 CHECK (original_kept IN (0, 1));
"#,
];

/// Brings the database to the newest schema, one migration per transaction.
///
/// Foreign keys are off while migrations run, so that a migration can rebuild a table that others
/// reference (SQLite's way to change a constraint); every reference is checked before commit.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = (|| {
        for (idx, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            let broken: Option<String> = tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
            if let Some(table) = broken {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                    Some(format!("migration {} left a broken reference in {table}", idx + 1)),
                ));
            }
            tx.pragma_update(None, "user_version", idx as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", "ON")?;
    result
}

/// The schema version this build expects.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_2_keeps_every_signal_and_its_references() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_1', 'P', 'platform', 0);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, tracking_hash, details, locations)
               VALUES ('sig_1', 'notice', 1, 0, 5, 'th', '{}', '[]');
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at)
               VALUES ('cas_1', 'org_1', 'k', 'content', 'open', 1, 0, 0, 1, 10, 5, 5);
             INSERT INTO signal_cases (signal, idx, case_id) VALUES ('sig_1', 0, 'cas_1');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, latest_version());
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are back on");
        let (kind, tracking): (String, String) = conn
            .query_row("SELECT kind, tracking_hash FROM signals WHERE id = 'sig_1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((kind.as_str(), tracking.as_str()), ("notice", "th"));
        // The rebuilt table still refuses what it refused, and takes the new kind.
        let dup = conn.execute(
            "INSERT INTO signals (id, kind, tier, threat_to_life, received_at, tracking_hash, details, locations)
             VALUES ('sig_2', 'notice', 1, 0, 5, 'th', '{}', '[]')",
            [],
        );
        assert!(dup.is_err(), "tracking hashes stay unique");
        conn.execute(
            "INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations)
             VALUES ('sig_3', 'bank_match', 2, 0, 5, '{}', '[]')",
            [],
        )
        .unwrap();
        // References into the rebuilt table are still enforced.
        let orphan = conn.execute("INSERT INTO signal_cases (signal, idx, case_id) VALUES ('sig_x', 0, 'cas_1')", []);
        assert!(orphan.is_err());
        conn.execute("DELETE FROM signal_cases", []).unwrap();
        assert!(conn.execute("DELETE FROM signals WHERE id = 'sig_1'", []).is_ok());
    }

    #[test]
    fn migration_7_keeps_holds_and_presumes_no_competence() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, member_state, created_at) VALUES ('org_a', 'A', 'authority', 'FR', 0), ('org_p', 'P', 'platform', NULL, 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_a', 'pii_1', 'reporter', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at)
               VALUES ('cas_1', 'org_p', 'k', 'content', 'open', 2, 0, 1, 0, 10, 5, 5);
             INSERT INTO watchlists (id, authority, name, legal_basis_ref, ends_at, created_at, created_by)
               VALUES ('wl_1', 'org_a', 'W', 'file', 99, 1, 'usr_1');
             INSERT INTO holds (id, case_id, watchlist, authority, placed_at, until, ended_at, end_reason)
               VALUES ('hld_1', 'cas_1', 'wl_1', 'org_a', 5, 50, 7, 'released'), ('hld_2', 'cas_1', 'wl_1', 'org_a', 8, 60, NULL, NULL);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations)
               VALUES ('sig_o', 'order', 4, 0, 5, '{}', '[]');
             INSERT INTO orders (id, authority, platform, reference, form, emergency, cross_border, intake_at, state, escalation_level)
               VALUES ('sig_o', 'org_a', 'org_p', 'R1', '{}', 0, 0, 1000, 'pending_receipt', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let holds: i64 = conn.query_row("SELECT count(*) FROM holds", [], |r| r.get(0)).unwrap();
        assert_eq!(holds, 2);
        let twice = conn.execute(
            "INSERT INTO holds (id, case_id, watchlist, authority, placed_at, until) VALUES ('hld_3', 'cas_1', 'wl_1', 'org_a', 9, 70)",
            [],
        );
        assert!(twice.is_err(), "still one active hold per case");
        conn.execute("UPDATE holds SET ended_at = 9, end_reason = 'notice' WHERE id = 'hld_2'", []).unwrap();
        let competences: String =
            conn.query_row("SELECT competences FROM orgs WHERE id = 'org_a'", [], |r| r.get(0)).unwrap();
        assert_eq!(competences, "", "no designation is presumed");
        let next: i64 =
            conn.query_row("SELECT next_check_at FROM orders WHERE id = 'sig_o'", [], |r| r.get(0)).unwrap();
        assert_eq!(next, 1000 + 15 * 60 * 1_000_000, "an order never received escalates");
    }

    /// Both halves of step 8 added `uploader_notices.informed_at` (TCO art. 4(4), DSA art. 20(2)):
    /// migrations 7 and 8 give it once, with one meaning, and migration 8 still drops the link in
    /// clear, keeps its hash, and types the old restrictions.
    #[test]
    fn migrations_7_and_8_give_uploader_notices_one_informed_at_and_only_the_links_hash() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_p', 'pii_1', 'moderator', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at)
               VALUES ('cas_1', 'org_p', 'k', 'content', 'decided', 1, 0, 0, 1, 10, 5, 5);
             INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, terms_clause, territorial_scope,
               automated_detection, automated_decision, explanation)
               VALUES ('dec_1', 'cas_1', 'org_p', 'usr_1', 6, 'restrict', '4.2', '[\"EU\"]', 0, 0, 'violent imagery');
             INSERT INTO uploader_notices (id, case_id, decision, platform, route, token, token_hash, body, created_at, issued_at)
               VALUES ('upn_1', 'cas_1', 'dec_1', 'org_p', 'platform_decision', 'secret', 'hash', '{}', 6, 6);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('uploader_notices')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(columns.iter().filter(|c| *c == "informed_at").count(), 1, "{columns:?}");
        assert!(!columns.iter().any(|c| c == "token"), "the link in clear is gone: {columns:?}");
        let (hash, informed): (String, Option<i64>) = conn
            .query_row("SELECT token_hash, informed_at FROM uploader_notices WHERE id = 'upn_1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((hash.as_str(), informed), ("hash", None), "not informed yet: no window has started");
        let restriction: String =
            conn.query_row("SELECT restriction FROM decisions WHERE id = 'dec_1'", [], |r| r.get(0)).unwrap();
        assert_eq!(restriction, "other");
        assert!(latest_version() >= 8);
    }

    /// Migration 10: bank matches get their own tier. A bank match that stood alone becomes
    /// `bank_match` (5), with its case; one that took a referral's tier from an earlier case, a
    /// referral, and a case a referral also reported, stay 2; everything else keeps its rows.
    #[test]
    fn migration_10_relabels_what_a_bank_match_alone_made_a_referral() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..9] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at) VALUES
               ('cas_alone', 'org_p', 'k1', 'content', 'open', 2, 0, 1, 0, 200, 5, 5),
               ('cas_both', 'org_p', 'k2', 'content', 'open', 2, 0, 2, 0, 210, 5, 5),
               ('cas_ref', 'org_p', 'k3', 'content', 'decided', 2, 0, 1, 0, 200, 5, 5),
               ('cas_again', 'org_p', 'k4', 'content', 'open', 2, 0, 1, 0, 200, 5, 5),
               ('cas_public', 'org_p', 'k5', 'content', 'open', 1, 0, 0, 1, 101, 5, 5);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations) VALUES
               ('sig_bm1', 'bank_match', 2, 0, 5, '{\"linked_cases\":[]}', '[]'),
               ('sig_bm2', 'bank_match', 2, 0, 5, '{\"linked_cases\":[]}', '[]'),
               ('sig_ref2', 'referral', 2, 0, 5, '{}', '[]'),
               ('sig_ref3', 'referral', 2, 0, 5, '{}', '[]'),
               ('sig_bm4', 'bank_match', 2, 0, 5, '{\"linked_cases\":[\"cas_ref\"]}', '[]'),
               ('sig_pub', 'notice', 1, 0, 5, '{}', '[]');
             INSERT INTO signal_cases (signal, idx, case_id) VALUES
               ('sig_bm1', 0, 'cas_alone'), ('sig_bm2', 0, 'cas_both'), ('sig_ref2', 0, 'cas_both'),
               ('sig_ref3', 0, 'cas_ref'), ('sig_bm4', 0, 'cas_again'), ('sig_pub', 0, 'cas_public');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let tiers = |table: &str| -> Vec<(String, i64)> {
            conn.prepare(&format!("SELECT id, tier FROM {table} ORDER BY id"))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let t = |pairs: &[(&str, i64)]| pairs.iter().map(|(id, t)| ((*id).to_owned(), *t)).collect::<Vec<_>>();
        assert_eq!(
            tiers("signals"),
            t(&[("sig_bm1", 5), ("sig_bm2", 5), ("sig_bm4", 2), ("sig_pub", 1), ("sig_ref2", 2), ("sig_ref3", 2)])
        );
        assert_eq!(
            tiers("cases"),
            t(&[("cas_again", 2), ("cas_alone", 5), ("cas_both", 2), ("cas_public", 1), ("cas_ref", 2)])
        );
        // The rebuilt tables still refuse what they refused, and references into them hold.
        let six = conn.execute("UPDATE cases SET tier = 6 WHERE id = 'cas_alone'", []);
        assert!(six.is_err());
        let orphan =
            conn.execute("INSERT INTO signal_cases (signal, idx, case_id) VALUES ('sig_x', 0, 'cas_alone')", []);
        assert!(orphan.is_err());
        let dup = conn.execute(
            "INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at) VALUES ('cas_dup', 'org_p', 'k1', 'content', 'open', 1, 0, 0, 1, 1, 5, 5)",
            [],
        );
        assert!(dup.is_err(), "one case per platform and key");
        assert!(latest_version() >= 10);
    }

    /// Migration 22 fills `case_signal_keys` from the reports already linked: a location's media
    /// hashes (lower-cased) and account id (trimmed), an upload match's banked values and
    /// uploader, each for the case its location reached; nothing for an erased case.
    #[test]
    fn migration_22_indexes_what_reports_already_said_by_value() {
        let mut conn = Connection::open_in_memory().unwrap();
        for m in &MIGRATIONS[..21] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 21).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_p', 'pii_1', 'integrator', 0);
             INSERT INTO banks (id, owner, name, kind, threshold, stay_down, enabled_ratio, labels, flood_limit,
               created_at, created_by, updated_at) VALUES ('bnk_1', 'org_p', 'b', 'block', 31, 1, 1.0, '{}', 1000, 0, 'usr_1', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at) VALUES
               ('cas_1', 'org_p', 'k1', 'content', 'open', 1, 0, 0, 1, 100, 5, 5),
               ('cas_2', 'org_p', 'k2', 'content', 'open', 1, 0, 0, 1, 100, 5, 5),
               ('cas_3', 'org_p', 'k3', 'content', 'open', 5, 0, 0, 0, 100, 5, 5),
               ('cas_x', 'org_p', 'erased:cas_x', 'content', 'open', 1, 0, 0, 1, 100, 5, 5);
             INSERT INTO bank_entries (id, bank, signal_type, value, source, added_at, changed_seq) VALUES
               (7, 'bnk_1', 'pdq', 'f00d', 'api', 5, 1);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations) VALUES
               ('sig_n', 'notice', 1, 0, 5, '{}',
                '[{\"url\":\"https://a.example/1\",\"media_sha256\":\"ABCD\",\"account_id\":\" acct-1 \"},
                  {\"url\":\"https://a.example/2\",\"media_md5\":\"EF01\",\"account_id\":\"\"}]'),
               ('sig_b', 'bank_match', 5, 0, 5, '{\"matches\":[{\"entry\":7,\"hash\":\"pdq\"}],\"uploader\":\"acct-9\"}', '[]'),
               ('sig_e', 'notice', 1, 0, 5, '{}', '[{\"url\":\"https://a.example/3\",\"account_id\":\"gone\"}]');
             INSERT INTO signal_cases (signal, idx, case_id) VALUES
               ('sig_n', 0, 'cas_1'), ('sig_n', 1, 'cas_2'), ('sig_b', 0, 'cas_3'), ('sig_e', 0, 'cas_x');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let keys: Vec<(String, String, String)> = conn
            .prepare("SELECT case_id, kind, value FROM case_signal_keys ORDER BY case_id, kind, value")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let k = |c: &str, kind: &str, v: &str| (c.to_owned(), kind.to_owned(), v.to_owned());
        assert_eq!(
            keys,
            [
                k("cas_1", "account", "acct-1"),
                k("cas_1", "sha256", "abcd"),
                k("cas_2", "md5", "ef01"),
                k("cas_3", "account", "acct-9"),
                k("cas_3", "pdq", "f00d"),
            ]
        );
    }

    /// Migration 13 (authority profiles): one profile per organisation, a positive deadline in
    /// days or hours.
    #[test]
    fn migration_13_keeps_one_profile_per_authority_with_a_positive_deadline() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_a', 'A', 'authority', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_a', 'pii_1', 'reporter', 0);",
        )
        .unwrap();
        let put = |deadline: i64, unit: &str| {
            conn.execute(
                "INSERT OR REPLACE INTO authority_profiles (org, redress_deadline, redress_unit, updated_at, updated_by)
                 VALUES ('org_a', ?1, ?2, 1, 'usr_1')",
                rusqlite::params![deadline, unit],
            )
        };
        assert!(put(48, "hours").is_ok());
        assert!(put(0, "days").is_err(), "a deadline is positive");
        assert!(put(30, "weeks").is_err(), "days or hours");
        assert!(put(30, "days").is_ok());
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM authority_profiles", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "a change replaces the profile");
    }

    #[test]
    fn migration_3_keeps_decisions_and_embargoes_orders_that_asked_for_non_disclosure() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(MIGRATIONS[1]).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0), ('org_a', 'A', 'authority', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_p', 'pii_1', 'moderator', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at)
               VALUES ('cas_1', 'org_p', 'k', 'content', 'decided', 4, 1, 1, 0, 10, 5, 5),
                      ('cas_2', 'org_p', 'k2', 'content', 'open', 1, 1, 0, 1, 10, 5, 5);
             INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, terms_clause, territorial_scope,
               automated_detection, automated_decision) VALUES ('dec_1', 'cas_1', 'org_p', 'usr_1', 7, 'restrict', 'old free text', 'FR', 0, 0);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations)
               VALUES ('sig_o', 'order', 4, 0, 5, '{}', '[]'), ('sig_q', 'order', 4, 0, 5, '{}', '[]');
             INSERT INTO orders (id, authority, platform, reference, form, emergency, cross_border, intake_at, state, escalation_level)
               VALUES ('sig_o', 'org_a', 'org_p', 'R1', '{\"non_disclosure\":true}', 0, 0, 1000, 'running', 0),
                      ('sig_q', 'org_a', 'org_p', 'R2', '{\"non_disclosure\":false}', 0, 0, 1000, 'running', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (action, clause, unfounded): (String, String, i64) = conn
            .query_row("SELECT action, terms_clause, manifestly_unfounded FROM decisions WHERE id = 'dec_1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((action.as_str(), clause.as_str(), unfounded), ("restrict", "old free text", 0));
        let until: Option<i64> =
            conn.query_row("SELECT embargo_until FROM orders WHERE id = 'sig_o'", [], |r| r.get(0)).unwrap();
        assert_eq!(until, Some(1000 + 42 * 86_400 * 1_000_000), "six weeks from the order's intake");
        let none: Option<i64> =
            conn.query_row("SELECT embargo_until FROM orders WHERE id = 'sig_q'", [], |r| r.get(0)).unwrap();
        assert_eq!(none, None);
        // The open threat to life got its alert, due a quarter of an hour after the case opened;
        // the decided one needs none.
        let alerts: Vec<(String, i64)> = conn
            .prepare("SELECT case_id, next_at FROM threat_alerts")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(alerts, [("cas_2".to_owned(), 5 + 15 * 60 * 1_000_000)]);
        // The rebuilt table takes exempt without a ground, and refuses a restriction without one.
        conn.execute(
            "INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, territorial_scope, purpose,
               automated_detection, automated_decision) VALUES ('dec_2', 'cas_1', 'org_p', 'usr_1', 8, 'exempt', '', 'research', 0, 0)",
            [],
        )
        .unwrap();
        let bare = conn.execute(
            "INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, territorial_scope,
               automated_detection, automated_decision) VALUES ('dec_3', 'cas_1', 'org_p', 'usr_1', 9, 'remove', 'FR', 0, 0)",
            [],
        );
        assert!(bare.is_err(), "the database repeats the rule: no restriction without a ground");
    }

    /// Migration 8 (the law as written, DSA and GDPR half): existing data migrates. Restrictions
    /// whose type was never asked say so; uploader links lose their clear secret and keep their
    /// hash; decided cases start being looked at for retention; hub-wide misuse actions and
    /// administrator-set flagger statuses stay as history.
    #[test]
    fn migration_8_keeps_what_was_recorded_and_drops_the_clear_link_secret() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..7] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0), ('org_t', 'T', 'trusted_flagger', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_p', 'pii_1', 'moderator', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at, decided_at)
               VALUES ('cas_1', 'org_p', 'k', 'content', 'decided', 1, 0, 0, 1, 10, 5, 5, 7),
                      ('cas_2', 'org_p', 'k2', 'content', 'open', 1, 0, 0, 1, 10, 5, 5, NULL);
             INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, terms_clause, territorial_scope,
               automated_detection, automated_decision) VALUES ('dec_1', 'cas_1', 'org_p', 'usr_1', 7, 'restrict', '4.2', 'FR', 0, 0);
             INSERT INTO uploader_notices (id, case_id, decision, platform, route, token, token_hash, body, created_at, issued_at)
               VALUES ('unt_1', 'cas_1', 'dec_1', 'org_p', 'platform_decision', 'the-clear-secret', 'its-hash', '{}', 7, 7);
             INSERT INTO misuse_actions (id, notifier_key, kind, at, by_user, reason, counts)
               VALUES ('mis_1', 'email:abc', 'warning', 8, 'usr_1', 'r', '{}');
             INSERT INTO flagger_status (org, status, since, reason, by_user) VALUES ('org_t', 'active', 8, 'r', 'usr_1');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (kind, text): (String, String) = conn
            .query_row("SELECT restriction, restriction_other FROM decisions WHERE id = 'dec_1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(kind, "other");
        assert!(text.contains("not recorded"), "{text}");
        let hash: String =
            conn.query_row("SELECT token_hash FROM uploader_notices WHERE id = 'unt_1'", [], |r| r.get(0)).unwrap();
        assert_eq!(hash, "its-hash");
        assert!(conn.prepare("SELECT token FROM uploader_notices").is_err(), "the clear secret is gone");
        let due: Vec<(String, Option<i64>)> = conn
            .prepare("SELECT case_id, check_at FROM case_retention ORDER BY case_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(due, [("cas_1".to_owned(), Some(7)), ("cas_2".to_owned(), None)]);
        let platform: Option<String> =
            conn.query_row("SELECT platform FROM misuse_actions WHERE id = 'mis_1'", [], |r| r.get(0)).unwrap();
        assert_eq!(platform, None, "a hub-wide action, kept as history");
        let awards: i64 = conn.query_row("SELECT COUNT(*) FROM flagger_awards", [], |r| r.get(0)).unwrap();
        assert_eq!(awards, 0, "an administrator's status was no coordinator's award");
    }

    /// Migration 17 (what a case's content is): the cases of orders already received get the
    /// orders' Annex I types; routing rules are kept and may now test a language or a type.
    #[test]
    fn migration_17_gives_ordered_cases_their_types_and_keeps_the_rules() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..14] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 14).unwrap();
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0), ('org_a', 'A', 'authority', 0);
             INSERT INTO signals (id, kind, tier, threat_to_life, received_at, details, locations)
               VALUES ('sig_o', 'order', 4, 0, 5, '{}', '[]'), ('sig_n', 'notice', 1, 0, 5, '{}', '[]');
             INSERT INTO orders (id, authority, platform, reference, form, emergency, cross_border, intake_at, state, escalation_level)
               VALUES ('sig_o', 'org_a', 'org_p', 'R1', '{\"reasons\":[\"a\",\"d\"]}', 0, 0, 1000, 'running', 0);
             INSERT INTO cases (id, platform, key, kind, state, tier, threat_to_life, accountable_sources,
               anonymous_signals, priority, created_at, updated_at)
               VALUES ('cas_1', 'org_p', 'k', 'content', 'open', 4, 0, 1, 0, 10, 5, 5),
                      ('cas_2', 'org_p', 'k2', 'content', 'open', 4, 0, 1, 0, 10, 5, 5),
                      ('cas_3', 'org_p', 'k3', 'content', 'open', 1, 0, 0, 1, 10, 5, 5);
             INSERT INTO signal_cases (signal, idx, case_id) VALUES ('sig_o', 0, 'cas_1'), ('sig_o', 1, 'cas_2'), ('sig_n', 0, 'cas_3');
             INSERT INTO teams (id, org, name, created_at) VALUES ('team_1', 'org_p', 'Desk', 0);
             INSERT INTO routing_rules (id, org, position, field, value, team, created_at)
               VALUES ('rule_1', 'org_p', 1, 'host', 'video.example', 'team_1', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let labels: Vec<(String, String, String)> = conn
            .prepare("SELECT case_id, kind, value FROM case_labels ORDER BY case_id, value")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let t = |c: &str, v: &str| (c.to_owned(), "harm_type".to_owned(), v.to_owned());
        assert_eq!(
            labels,
            [t("cas_1", "a"), t("cas_1", "d"), t("cas_2", "a"), t("cas_2", "d")],
            "the notice gave none"
        );
        let rule: (String, String) = conn
            .query_row("SELECT field, value FROM routing_rules WHERE id = 'rule_1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(rule, ("host".to_owned(), "video.example".to_owned()));
        conn.execute(
            "INSERT INTO routing_rules (id, org, position, field, value, team, created_at)
             VALUES ('rule_2', 'org_p', 2, 'language', 'ar', 'team_1', 0)",
            [],
        )
        .unwrap();
        // The table takes only the two kinds, each with its own values.
        for (kind, value) in [("language", "AR"), ("language", "ara"), ("harm_type", "f"), ("tier", "order")] {
            let refused = conn.execute(
                "INSERT INTO case_labels (case_id, kind, value) VALUES ('cas_3', ?1, ?2)",
                rusqlite::params![kind, value],
            );
            assert!(refused.is_err(), "{kind}={value}");
        }
        conn.execute("INSERT INTO case_labels (case_id, kind, value) VALUES ('cas_3', 'language', 'ar')", []).unwrap();
    }

    /// Migration 9 (deliveries in queues): messages keep the order they were queued in, and none
    /// is a dead letter.
    #[test]
    fn migration_9_numbers_deliveries_in_the_order_they_were_queued() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..8] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        // Ids out of order on purpose: the order is the insertion's, not the ids'.
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('org_p', 'P', 'platform', 0);
             INSERT INTO users (id, org, name_ref, roles, created_at) VALUES ('usr_1', 'org_p', 'pii_1', 'integrator', 0);
             INSERT INTO webhooks (id, org, url, secret, created_at, created_by) VALUES ('whk_1', 'org_p', 'https://x', 's', 0, 'usr_1');
             INSERT INTO deliveries (id, org, webhook, event_type, payload, case_id, urgent, created_at, next_attempt_at, attempts)
               VALUES ('dlv_c', 'org_p', 'whk_1', 'case.opened', '{}', 'cas_1', 0, 5, 5, 0),
                      ('dlv_a', 'org_p', 'whk_1', 'case.updated', '{}', 'cas_1', 1, 5, 5, 3),
                      ('dlv_b', 'org_p', 'whk_1', 'order.received', '{}', NULL, 1, 6, 9, 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<(i64, String, Option<i64>)> = conn
            .prepare("SELECT seq, id, dead_at FROM deliveries ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [(1, "dlv_c".into(), None), (2, "dlv_a".into(), None), (3, "dlv_b".into(), None)]);
        let attempts: i64 =
            conn.query_row("SELECT attempts FROM deliveries WHERE id = 'dlv_a'", [], |r| r.get(0)).unwrap();
        assert_eq!(attempts, 3);
    }
}
