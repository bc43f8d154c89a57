//! Statements of reasons (DSA art. 17) from the store, in the Transparency Database's schema.
//!
//! One statement per restrictive decision; `no_action` and `exempt` yield none. A statement about
//! content under a running non-disclosure embargo waits until it ends. Decisions that answer a
//! removal order are orders under Union law (DSA art. 17(5); open question Q1 of the legal
//! research): by default they yield none; an operator may include them as
//! `SOURCE_TYPE_OTHER_NOTIFICATION` (`docs/statements.md`).

use vigie_model::decision::{Action, legal_basis};
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::sor::{Statement, scrub};
use vigie_model::*;
use vigie_store::*;

use crate::dueprocess::embargoed;

/// What the operator chose.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatementOptions {
    /// Include decisions that answer removal orders, as `SOURCE_TYPE_OTHER_NOTIFICATION`.
    pub include_orders: bool,
}

fn day(t: Timestamp) -> String {
    t.to_rfc3339()[..10].to_owned()
}

/// The statement a decision owes, if any (see the module documentation for which do).
pub fn statement_for(
    r: &dyn Reads,
    d: &DecisionRecord,
    now: Timestamp,
    opts: StatementOptions,
) -> Result<Option<Statement>, StoreError> {
    let Some(action) = Action::parse(&d.action).filter(|a| a.is_restrictive()) else { return Ok(None) };
    let Some(case) = r.get_case(&d.case)? else { return Ok(None) };
    let orders = r.case_orders(&case.id)?;
    if embargoed(&orders, now) {
        return Ok(None);
    }
    let signals = r.case_signals(&case.id)?;
    let has = |k: SignalKind| signals.iter().any(|s| s.kind == k);
    let source = if !orders.is_empty() {
        if !opts.include_orders {
            return Ok(None);
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
    let mut s = Statement {
        category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
        category_specification: Some(vec!["KEYWORD_TERRORIST_CONTENT".into()]),
        territorial_scope: d.territorial_scope.clone(),
        // The upload date is not recorded: the first report is the latest it can be.
        content_date: day(case.created_at),
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
    match action {
        Action::SuspendAccount => s.decision_account = Some("DECISION_ACCOUNT_SUSPENDED".into()),
        _ => {
            let v = match action {
                Action::Remove => "DECISION_VISIBILITY_CONTENT_REMOVED",
                Action::Disable => "DECISION_VISIBILITY_CONTENT_DISABLED",
                Action::Restrict => "DECISION_VISIBILITY_CONTENT_DEMOTED",
                _ => "DECISION_VISIBILITY_CONTENT_LABELLED",
            };
            s.decision_visibility = Some(vec![v.into()]);
        }
    }
    let (content_type, what) = match case.kind {
        location::TargetKind::Content => ("CONTENT_TYPE_OTHER", "content whose media type was not recorded"),
        location::TargetKind::Account => ("CONTENT_TYPE_OTHER", "an account"),
    };
    s.content_type = vec![content_type.into()];
    s.content_type_other = Some(what.into());
    let explanation = d.explanation.as_deref().map(scrub).filter(|e| !e.trim().is_empty());
    if let Some(id) = &d.legal_basis {
        let b = legal_basis(id);
        s.decision_ground = "DECISION_GROUND_ILLEGAL_CONTENT".into();
        s.illegal_content_legal_ground = Some(match b {
            Some(b) => format!("{}; {}", b.citation, b.offence_reference),
            None => id.clone(),
        });
        s.illegal_content_explanation =
            Some(explanation.clone().unwrap_or_else(|| b.map_or(id.clone(), |b| b.title.clone())));
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
        s.incompatible_content_explanation =
            Some(explanation.clone().unwrap_or_else(|| format!("Breach of clause {code}")));
        s.decision_ground_reference_url = clause.and_then(|c| c.url);
    }
    let how = match source {
        "SOURCE_TRUSTED_FLAGGER" => "a trusted flagger's notice",
        "SOURCE_ARTICLE_16" => "a notice",
        "SOURCE_VOLUNTARY" => "the platform's own detection (a hash-bank match)",
        _ if !orders.is_empty() => "a removal order (Regulation (EU) 2021/784 art. 3)",
        _ => "an authority's referral",
    };
    s.decision_facts = match explanation {
        Some(e) => format!("Acted on {how}. {e}"),
        None => format!("Acted on {how}."),
    };
    Ok(Some(s))
}

/// Every statement owed for decisions taken in `[from, to)`, in decision order.
pub fn statements(
    r: &dyn Reads,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
    opts: StatementOptions,
) -> Result<Vec<Statement>, StoreError> {
    let mut out = Vec::new();
    let mut after: Option<DecisionId> = None;
    loop {
        let page = r.decisions_between(from, to, after.as_ref(), 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for d in &page {
            if let Some(s) = statement_for(r, d, now, opts)? {
                out.push(s);
            }
        }
    }
    Ok(out)
}
