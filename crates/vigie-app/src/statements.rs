//! Statements of reasons (DSA art. 17) from the store, in the Transparency Database's schema,
//! and their submission to the database.
//!
//! One statement per restrictive decision; `no_action` and `exempt` yield none. A statement about
//! content under a running non-disclosure embargo waits until it ends. Decisions that answer a
//! removal order are orders under Union law (DSA art. 17(5); open question Q1 of the legal
//! research): by default they yield none; an operator may include them as
//! `SOURCE_TYPE_OTHER_NOTIFICATION` (`docs/statements.md`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use vigie_model::decision::{Action, Restriction, legal_basis};
use vigie_model::org::{OrgKind, Role};
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::sor::{Statement, SubmissionState, scrub};
use vigie_model::*;
use vigie_store::*;

use crate::auth::require;
use crate::cases::embargoed;
use crate::{App, AppError, AppResult};

/// What the operator chose.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatementOptions {
    /// Include decisions that answer removal orders, as `SOURCE_TYPE_OTHER_NOTIFICATION`.
    pub include_orders: bool,
}

fn day(t: Timestamp) -> String {
    t.to_rfc3339()[..10].to_owned()
}

/// What a decision owes the database now.
#[derive(Clone, Debug, PartialEq)]
pub enum Owed {
    Statement(Box<Statement>),
    /// One, but not before this instant (an embargo runs).
    Later(Timestamp),
    /// None: not restrictive, or an order left out by the operator's choice.
    Nothing,
    /// One, which cannot be made: the decision lacks what DSA art. 17(3) requires (decisions
    /// recorded before an explanation was required, or whose text was erased at the end of its
    /// retention). Why, in words.
    Incomplete(String),
}

/// The statement a decision owes, if any (see the module documentation for which do).
pub fn statement_for(
    r: &dyn Reads,
    d: &DecisionRecord,
    now: Timestamp,
    opts: StatementOptions,
) -> Result<Option<Statement>, StoreError> {
    Ok(match owed(r, d, now, opts)? {
        Owed::Statement(s) => Some(*s),
        _ => None,
    })
}

/// What a decision owes the database at `now`.
pub fn owed(r: &dyn Reads, d: &DecisionRecord, now: Timestamp, opts: StatementOptions) -> Result<Owed, StoreError> {
    let action = d.action;
    if !action.is_restrictive() {
        return Ok(Owed::Nothing);
    }
    let Some(case) = r.get_case(&d.case)? else { return Ok(Owed::Nothing) };
    let orders = r.case_orders(&case.id)?;
    if embargoed(&orders, now) {
        let until = orders.iter().filter_map(|o| o.embargo).filter(|e| e.is_active(now)).map(|e| e.until).max();
        return Ok(Owed::Later(until.unwrap_or(now)));
    }
    let signals = r.case_signals(&case.id)?;
    let has = |k: SignalKind| signals.iter().any(|s| s.kind == k);
    let source = if !orders.is_empty() {
        if !opts.include_orders {
            return Ok(Owed::Nothing);
        }
        "SOURCE_TYPE_OTHER_NOTIFICATION"
    } else if signals.iter().any(|s| s.kind == SignalKind::Notice && s.tier == Tier::TrustedFlagger) {
        "SOURCE_TRUSTED_FLAGGER"
    } else if has(SignalKind::Notice) {
        "SOURCE_ARTICLE_16"
    } else if has(SignalKind::Referral) {
        "SOURCE_TYPE_OTHER_NOTIFICATION"
    } else {
        "SOURCE_VOLUNTARY"
    };
    // DSA art. 17(3)(b), (d), (e): the facts and the reasons, in the platform's own words; never
    // a title in their place.
    let Some(explanation) = d.explanation.as_deref().map(scrub).filter(|e| !e.trim().is_empty()) else {
        return Ok(Owed::Incomplete(
            "the decision has no explanation, which a statement of reasons must give (DSA art. 17(3)(d), (e)): \
             it was recorded before Vigie required one, or erased when its retention ended"
                .into(),
        ));
    };
    let mut s = Statement {
        category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
        category_specification: Some(vec!["KEYWORD_TERRORIST_CONTENT".into()]),
        territorial_scope: d.territorial_scope.clone(),
        // The upload date when the platform gave it; otherwise the first report, the latest it
        // can be.
        content_date: d.content_date.clone().unwrap_or_else(|| day(case.created_at)),
        application_date: day(d.decided_at),
        source_type: source.into(),
        automated_detection: if d.automated_detection || source == "SOURCE_VOLUNTARY" { "Yes" } else { "No" }.into(),
        automated_decision: if d.automated_decision {
            "AUTOMATED_DECISION_FULLY"
        } else {
            "AUTOMATED_DECISION_NOT_AUTOMATED"
        }
        .into(),
        puid: d.id.as_str().to_owned(),
        ..Default::default()
    };
    // DSA art. 17(3)(a): the type of the measure, and its end when it has one.
    let account = case.kind == location::TargetKind::Account;
    match action {
        Action::SuspendAccount => {
            s.decision_account = Some("DECISION_ACCOUNT_SUSPENDED".into());
            s.end_date_account_restriction = d.until.map(day);
        }
        // Removing an account is ending it.
        Action::Remove if account => s.decision_account = Some("DECISION_ACCOUNT_TERMINATED".into()),
        _ => {
            let v = match action {
                Action::Remove => "DECISION_VISIBILITY_CONTENT_REMOVED",
                Action::Disable => "DECISION_VISIBILITY_CONTENT_DISABLED",
                Action::Label => "DECISION_VISIBILITY_CONTENT_LABELLED",
                _ => match d.restriction {
                    Some(Restriction::Demoted) => "DECISION_VISIBILITY_CONTENT_DEMOTED",
                    Some(Restriction::AgeRestricted) => "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
                    Some(Restriction::InteractionRestricted) => "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
                    Some(Restriction::Other) | None => {
                        let what = d.restriction_other.as_deref().map(scrub).filter(|t| !t.trim().is_empty());
                        s.decision_visibility_other = Some(what.unwrap_or_else(|| {
                            "Visibility restricted; the type of restriction was not recorded with the decision.".into()
                        }));
                        "DECISION_VISIBILITY_OTHER"
                    }
                },
            };
            s.decision_visibility = Some(vec![v.into()]);
            s.end_date_visibility_restriction = d.until.map(day);
        }
    }
    let (content_type, what) = match case.kind {
        location::TargetKind::Content => ("CONTENT_TYPE_OTHER", "content whose media type was not recorded"),
        location::TargetKind::Account => ("CONTENT_TYPE_OTHER", "an account"),
    };
    s.content_type = vec![content_type.into()];
    s.content_type_other = Some(what.into());
    // The content's language, when its reports gave one and only one (the database takes one).
    let languages: Vec<_> = r
        .case_labels(&case.id)?
        .into_iter()
        .filter_map(|l| match l {
            vigie_model::labels::CaseLabel::Language(language) => Some(language),
            vigie_model::labels::CaseLabel::HarmType(_) => None,
        })
        .collect();
    if let [language] = languages[..] {
        s.content_language = Some(language.sor_code());
    }
    if let Some(id) = &d.legal_basis {
        let b = legal_basis(id);
        s.decision_ground = "DECISION_GROUND_ILLEGAL_CONTENT".into();
        s.illegal_content_legal_ground = Some(match b {
            Some(b) => format!("{}; {}", b.citation, b.offence_reference),
            None => id.clone(),
        });
        s.illegal_content_explanation = Some(explanation.clone());
        s.decision_ground_reference_url = b.map(|b| b.reference_url.clone());
    } else {
        let clause = match &d.terms_clause_id {
            Some(c) => r.get_terms_clause(c)?,
            None => None,
        };
        let code = d.terms_clause.clone().unwrap_or_default();
        s.decision_ground = "DECISION_GROUND_INCOMPATIBLE_CONTENT".into();
        s.incompatible_content_ground = Some(match &clause {
            Some(c) => format!("Terms clause {}: {}", c.code, c.title),
            None => format!("Terms clause {code}"),
        });
        s.incompatible_content_explanation = Some(explanation.clone());
        s.decision_ground_reference_url = clause.and_then(|c| c.url);
    }
    let how = match source {
        "SOURCE_TRUSTED_FLAGGER" => "a trusted flagger's notice",
        "SOURCE_ARTICLE_16" => "a notice",
        "SOURCE_VOLUNTARY" => "the platform's own detection (a hash-bank match)",
        _ if !orders.is_empty() => "a removal order (Regulation (EU) 2021/784 art. 3)",
        _ => "an authority's referral",
    };
    s.decision_facts = format!("Acted on {how}. {explanation}");
    Ok(Owed::Statement(Box::new(s)))
}

/// The statements owed for decisions taken in a period.
#[derive(Clone, Debug, Default)]
pub struct Owing {
    /// In decision order.
    pub statements: Vec<Statement>,
    /// Decisions that owe one that cannot be made, and why.
    pub incomplete: Vec<(DecisionId, String)>,
}

/// Every statement owed for decisions taken in `[from, to)`, in decision order.
pub fn statements(
    r: &dyn Reads,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
    opts: StatementOptions,
) -> Result<Owing, StoreError> {
    let mut out = Owing::default();
    let mut after: Option<DecisionId> = None;
    loop {
        let page = r.decisions_between(from, to, after.as_ref(), 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for d in &page {
            match owed(r, d, now, opts)? {
                Owed::Statement(s) => out.statements.push(*s),
                Owed::Incomplete(why) => out.incomplete.push((d.id.clone(), why)),
                Owed::Later(_) | Owed::Nothing => {}
            }
        }
    }
    Ok(out)
}

/// Queues a decision's statement for the database (in the decision's transaction). Whether one is
/// owed, and when, is settled when it is sent.
pub(crate) fn queue(tx: &mut dyn Tx, now: Timestamp, d: &DecisionRecord) -> Result<(), StoreError> {
    if !d.action.is_restrictive() {
        return Ok(());
    }
    tx.put_sor(&SorSubmissionRecord {
        decision: d.id.clone(),
        org: d.org.clone(),
        created_at: now,
        state: SubmissionState::Pending,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        tdb_uuid: None,
        submitted_at: None,
    })
}

/// A platform's connection to the Transparency Database, as its integrator sets it.
#[derive(Clone, Debug, Default)]
pub struct TdbInput {
    pub base_url: Option<String>,
    pub token: Option<String>,
    pub include_orders: Option<bool>,
}

/// What happened to one statement in a pass.
enum Sent {
    Submitted(Option<String>),
    Rejected(String),
    /// Not sent (its batch was refused for another statement): try again at once.
    Again,
    Failed(String),
}

/// The database's errors, by statement index: `statement_<i>.<field>` keys.
fn errors_by_index(body: &Value) -> BTreeMap<usize, Vec<(String, String)>> {
    let mut out: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (key, msgs) in body["errors"].as_object().into_iter().flatten() {
        let Some(rest) = key.strip_prefix("statement_") else { continue };
        let (idx, field) = rest.split_once('.').unwrap_or((rest, ""));
        let Ok(i) = idx.parse::<usize>() else { continue };
        let text = match msgs {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
            other => other.to_string(),
        };
        out.entry(i).or_default().push((field.to_owned(), text));
    }
    out
}

impl App {
    /// Connects the platform to the Transparency Database (its base URL and API token). The URL
    /// goes through the egress policy like a webhook's.
    pub async fn set_transparency_database(&self, p: &Principal, input: TdbInput) -> AppResult<TdbSettingsRecord> {
        require(p, &[OrgKind::Platform], Role::Integrator, "only a platform's integrator connects it to the database")?;
        let mut c = vigie_model::validation::Checker::new();
        c.text(input.base_url.as_deref(), "base_url", 500);
        c.text(input.token.as_deref(), "token", 500);
        c.finish()?;
        let base = self
            .config()
            .egress
            .check_url_resolved(input.base_url.as_deref().unwrap_or_default().trim_end_matches('/'))
            .await?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let rec = TdbSettingsRecord {
                    org: principal.org.clone(),
                    base_url: base.as_str().trim_end_matches('/').to_owned(),
                    token: input.token.unwrap_or_default(),
                    include_orders: input.include_orders.unwrap_or(false),
                    updated_at: clock.now(),
                    updated_by: principal.user.clone(),
                };
                tx.put_tdb_settings(&rec)?;
                Ok::<_, AppError>(rec)
            })
            .await
    }

    /// The platform's connection (its token is never shown back).
    pub async fn transparency_database(&self, p: &Principal) -> AppResult<Option<TdbSettingsRecord>> {
        if p.org_kind != OrgKind::Platform {
            return Err(AppError::Forbidden("the database connection belongs to platforms"));
        }
        let org = p.org.clone();
        let found = self.store().read(move |r| r.tdb_settings(&org)).await?;
        Ok(found.map(|mut s| {
            s.token = String::new();
            s
        }))
    }

    /// Where a decision's statement stands, for its platform.
    pub async fn statement_submission(&self, p: &Principal, decision: &str) -> AppResult<SorSubmissionRecord> {
        let id = DecisionId::parse(decision).ok_or(AppError::NotFound("statement"))?;
        let org = p.org.clone();
        self.store()
            .read(move |r| r.sor_submission(&id))
            .await?
            .filter(|s| s.org == org)
            .ok_or(AppError::NotFound("statement"))
    }

    /// One pass: every due statement of every connected platform, in batches of at most 100.
    /// Returns how many statements were settled or retried. Passes run one at a time, so a test
    /// that runs one (see [`App::submit_statements_once`]) knows that no other is under way.
    pub async fn submit_statements(&self, client: &reqwest::Client) -> AppResult<usize> {
        let _one_at_a_time = self.inner.statements_pass.lock().await;
        let now = self.now();
        type Work = BTreeMap<OrgId, (TdbSettingsRecord, Vec<(SorSubmissionRecord, Owed)>)>;
        let work: Work = self
            .store()
            .read(move |r| {
                let mut work: Work = BTreeMap::new();
                for row in r.due_sor(now, 500)? {
                    let Some(settings) = r.tdb_settings(&row.org)? else { continue };
                    let opts = StatementOptions { include_orders: settings.include_orders };
                    let owed = match r.get_decision(&row.decision)? {
                        Some(d) => owed(r, &d, now, opts)?,
                        None => Owed::Nothing,
                    };
                    work.entry(row.org.clone()).or_insert_with(|| (settings, Vec::new())).1.push((row, owed));
                }
                Ok(work)
            })
            .await?;
        let mut updates = Vec::new();
        for (_, (settings, rows)) in work {
            let mut ready = Vec::new();
            for (mut row, owed) in rows {
                match owed {
                    Owed::Statement(s) => ready.push((row, *s)),
                    Owed::Later(at) => {
                        row.next_attempt_at = at;
                        updates.push(row);
                    }
                    Owed::Nothing => {
                        row.state = SubmissionState::Skipped;
                        updates.push(row);
                    }
                    Owed::Incomplete(why) => {
                        row.state = SubmissionState::Rejected;
                        row.last_error = Some(why);
                        updates.push(row);
                    }
                }
            }
            for chunk in ready.chunks(vigie_model::sor::MAX_BATCH) {
                let outcomes = self.send_batch(client, &settings, chunk).await;
                for ((row, _), outcome) in chunk.iter().zip(outcomes) {
                    let mut row = row.clone();
                    match outcome {
                        Sent::Submitted(uuid) => {
                            row.state = SubmissionState::Submitted;
                            row.tdb_uuid = uuid;
                            row.submitted_at = Some(now);
                            row.last_error = None;
                            row.attempts += 1;
                        }
                        Sent::Rejected(why) => {
                            row.state = SubmissionState::Rejected;
                            row.last_error = Some(why);
                            row.attempts += 1;
                        }
                        Sent::Again => row.next_attempt_at = now,
                        Sent::Failed(why) => {
                            row.attempts += 1;
                            row.last_error = Some(why);
                            row.next_attempt_at = now.plus(crate::delivery::backoff(row.attempts));
                        }
                    }
                    updates.push(row);
                }
            }
        }
        let n = updates.len();
        if n > 0 {
            self.store()
                .write(move |tx| {
                    for row in &updates {
                        tx.put_sor(row)?;
                    }
                    Ok::<_, AppError>(())
                })
                .await?;
        }
        Ok(n)
    }

    /// Runs one pass of the statement worker now and returns when it is over (with its own HTTP
    /// client). Tests step the worker with it: run one pass, then assert.
    pub async fn submit_statements_once(&self) -> AppResult<usize> {
        let client = self.config().egress.http_client(self.config().delivery_timeout);
        self.submit_statements(&client).await
    }

    /// Posts one batch; the database takes all of it or none (errors keyed by statement).
    async fn send_batch(
        &self,
        client: &reqwest::Client,
        settings: &TdbSettingsRecord,
        chunk: &[(SorSubmissionRecord, Statement)],
    ) -> Vec<Sent> {
        let fail = |why: String| chunk.iter().map(|_| Sent::Failed(why.clone())).collect();
        let url = match self.config().egress.check_url(&format!("{}/statements", settings.base_url)) {
            Ok(u) => u,
            Err(e) => return fail(e.to_string()),
        };
        let statements: Vec<&Statement> = chunk.iter().map(|(_, s)| s).collect();
        let res = client
            .post(url)
            .bearer_auth(&settings.token)
            .header("accept", "application/json")
            .json(&json!({ "statements": statements }))
            .send()
            .await;
        let res = match res {
            Ok(r) => r,
            Err(e) => return fail(format!("request failed: {e}")),
        };
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let list = body.as_array().or_else(|| body["statements"].as_array()).cloned().unwrap_or_default();
            return (0..chunk.len())
                .map(|i| Sent::Submitted(list.get(i).and_then(|s| s["uuid"].as_str()).map(str::to_owned)))
                .collect();
        }
        if status.as_u16() == 422 {
            let errors = errors_by_index(&body);
            if errors.is_empty() {
                return fail(format!("the database refused the batch: {}", body["message"]));
            }
            return (0..chunk.len())
                .map(|i| match errors.get(&i) {
                    None => Sent::Again,
                    // A puid the database already holds: the statement is there (puids are never
                    // reused, so it can only be this one).
                    Some(errs) if errs.iter().all(|(field, _)| field == "puid") => Sent::Submitted(None),
                    Some(errs) => {
                        Sent::Rejected(errs.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))
                    }
                })
                .collect();
        }
        fail(format!("the database answered {status}"))
    }
}

/// The submission worker: a pass every second (the database asks for "without undue delay").
pub async fn run(app: App) {
    let client = app.config().egress.http_client(app.config().delivery_timeout);
    let mut interval = tokio::time::interval(std::time::Duration::from_millis(500));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(e) = app.submit_statements(&client).await {
            tracing::error!(error = %e, "statement submission pass failed");
        }
    }
}
