//! Intake: notices, referrals and removal orders become signals, and signals fold into cases.
//!
//! Every submission is one transaction: the signal, its personal values (kept apart, erasable),
//! the cases it opens or joins, their events and the webhook deliveries they trigger. The caller
//! hears "201" only after that transaction is on disk.

use serde_json::json;
use sha2::{Digest, Sha256};
use vigie_model::Conflict;
use vigie_model::decision::answers_order;
use vigie_model::event::{Word, kinds as k};
use vigie_model::labels::{CaseLabel, check_language, check_types, labels_of};
use vigie_model::location::{RawLocation, check_locations, host_candidates};
use vigie_model::order::{OrderClock, RawOrderForm, advance_notice_satisfied};
use vigie_model::org::{Competence, OrgKind, Role, looks_like_email};
use vigie_model::redress::Embargo;
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::auth::{is_admin, require, secret_hash};
use crate::fold::{Contribution, fold_all, route_target};
use crate::outbox::enqueue;
use crate::outbox::messages::{AdvanceNoticeReceived, OrderCopy};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, random16};

/// A notice under DSA art. 16, as submitted.
#[derive(Clone, Debug, Default)]
pub struct NoticeInput {
    pub explanation: Option<String>,
    pub locations: Vec<RawLocation>,
    pub notifier_name: Option<String>,
    pub notifier_email: Option<String>,
    /// Art. 16(2)(d): the notifier's statement of good faith.
    pub good_faith: Option<bool>,
    pub threat_to_life: bool,
    /// The content's language (ISO 639-1), if the notifier knows it.
    pub language: Option<String>,
    /// The types of terrorist content (art. 2(7), letters `a` to `e`) the notifier sees in it.
    pub harm_types: Vec<String>,
}

/// An authority's referral, as submitted.
#[derive(Clone, Debug, Default)]
pub struct ReferralInput {
    pub explanation: Option<String>,
    pub locations: Vec<RawLocation>,
    /// The authority's own file reference.
    pub reference: Option<String>,
    /// The platform's terms clause the content is thought to breach, if the authority names one.
    pub terms_clause: Option<String>,
    pub threat_to_life: bool,
    /// The content's language (ISO 639-1), if the authority gives it.
    pub language: Option<String>,
    /// The types of terrorist content (art. 2(7), letters `a` to `e`) the authority sees in it.
    pub harm_types: Vec<String>,
}

/// A removal order, as submitted.
#[derive(Clone, Debug, Default)]
pub struct OrderInput {
    /// The platform the order is addressed to (an organisation id).
    pub addressee: Option<String>,
    pub locations: Vec<RawLocation>,
    pub form: RawOrderForm,
    /// Annex I section C with TCO art. 11(3): when the non-disclosure ends (default: six weeks).
    pub non_disclosure_until: Option<String>,
    pub threat_to_life: bool,
    /// The content's language (ISO 639-1), if the authority gives it; its types are the form's
    /// `reasons`.
    pub language: Option<String>,
}

/// An advance notice of TCO art. 3(2), as submitted.
#[derive(Clone, Debug, Default)]
pub struct AdvanceNoticeInput {
    pub platform: Option<String>,
    /// The procedures and deadlines the authority informs the platform of.
    pub information: Option<String>,
}

/// What a submitter gets back once the submission is durable.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub id: SignalId,
    pub kind: SignalKind,
    pub received_at: Timestamp,
    /// Notices only: the code with which the notifier follows the notice. Shown once.
    pub tracking_code: Option<String>,
    /// One entry per submitted location: the case it joined, and its platform (`None`: parked).
    pub cases: Vec<(CaseId, Option<OrgId>)>,
}

/// A signal with what its reader may see.
#[derive(Clone, Debug)]
pub struct SignalView {
    pub signal: SignalRecord,
    pub explanation: Option<String>,
    pub notifier_name: Option<String>,
    pub notifier_email: Option<String>,
    pub cases: Vec<CaseRecord>,
    pub order: Option<OrderRecord>,
}

/// What the tracking code shows: the state of each reported location, nothing about anyone.
#[derive(Clone, Debug)]
pub struct TrackingView {
    pub received_at: Timestamp,
    pub locations: Vec<TrackedLocation>,
}

/// One reported location as its notifier may see it.
#[derive(Clone, Debug)]
pub struct TrackedLocation {
    /// The case's status (`CaseStatus`: its state, or `reinstated`), or `under_review` while a
    /// hold or an embargo runs.
    pub state: &'static str,
    /// The decision's action, once it may be told.
    pub outcome: Option<String>,
    /// The notifier's complaints about it: (id, state).
    pub complaints: Vec<(String, String)>,
}

const MAX_TEXT: usize = 20_000;

/// Why an authority without the designation of TCO art. 12(1)(a) is refused an order.
pub(crate) const NOT_DESIGNATED: &str = "only an authority designated to issue removal orders (Regulation (EU) 2021/784 art. 12(1)(a)) \
     issues them or announces them; an administrator records the designation (PATCH /api/v1/orgs/{id})";

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn locations_json(raw: &[RawLocation]) -> String {
    let list: Vec<_> = raw
        .iter()
        .map(|l| {
            json!({
                "kind": l.kind, "url": l.url, "content_id": l.content_id, "account_id": l.account_id, "platform": l.platform,
                "media_sha256": l.media_sha256.as_deref().map(|h| h.trim().to_ascii_lowercase()),
                "media_md5": l.media_md5.as_deref().map(|h| h.trim().to_ascii_lowercase()),
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// What a report says its content is, as the signal's details keep it: only what was given.
fn content_details(details: &mut serde_json::Map<String, serde_json::Value>, labels: &[CaseLabel]) {
    let mut types = Vec::new();
    for l in labels {
        match l {
            CaseLabel::Language(language) => {
                details.insert("language".into(), json!(language.as_str()));
            }
            CaseLabel::HarmType(t) => types.push(t.letter()),
        }
    }
    if !types.is_empty() {
        details.insert("harm_types".into(), json!(types));
    }
}

/// The event's words for a report's language and types (each absent when it gave none).
fn content_words(labels: &[CaseLabel]) -> (Option<Word>, Option<Vec<Word>>) {
    let (mut language, mut types) = (None, Vec::new());
    for l in labels {
        match l {
            CaseLabel::Language(_) => language = Some(Word::from(l.value())),
            CaseLabel::HarmType(_) => types.push(Word::from(l.value())),
        }
    }
    (language, (!types.is_empty()).then_some(types))
}

/// A new tracking code: 128 random bits, in dashed groups for reading aloud.
fn new_tracking_code() -> String {
    let hex = hex::encode(random16());
    let groups: Vec<&str> = (0..8).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    groups.join("-")
}

impl App {
    /// DSA art. 16 notice. Anonymous when `p` is `None`; a trusted flagger's gets priority.
    pub async fn submit_notice(&self, p: Option<&Principal>, input: NoticeInput) -> AppResult<Receipt> {
        if let Some(p) = p {
            require(
                p,
                &[OrgKind::TrustedFlagger, OrgKind::Authority, OrgKind::Hub],
                Role::Reporter,
                "only reporters of a trusted flagger, authority or hub submit notices with a token",
            )?;
        }
        let mut c = Checker::new();
        c.text(input.explanation.as_deref(), "explanation", MAX_TEXT);
        c.optional_text(input.notifier_name.as_deref(), "notifier_name", 200);
        if let Some(e) = &input.notifier_email {
            c.check(looks_like_email(e), "notifier_email", "invalid_email", "is not an e-mail address");
        }
        // Art. 16(2)(d) asks for a statement confirming the notifier's good-faith belief: `false`
        // is no such statement, and a notice without one gives the platform no actual knowledge.
        c.check(
            input.good_faith.is_some(),
            "good_faith",
            "required",
            "state whether you believe in good faith that the notice is accurate and complete (DSA art. 16(2)(d))",
        );
        c.check(
            input.good_faith != Some(false),
            "good_faith",
            "not_confirmed",
            "a notice needs your confirmation that you believe in good faith that it is accurate and complete \
             (DSA art. 16(2)(d))",
        );
        let language = check_language(&mut c, input.language.as_deref(), "language");
        let labels = labels_of(language, &check_types(&mut c, &input.harm_types, "harm_types"));
        let targets = check_locations(&input.locations, &mut c);
        c.finish()?;

        let flagger = p.filter(|p| p.org_kind == OrgKind::TrustedFlagger).map(|p| p.org.clone());
        let texts: Vec<Option<String>> = input.locations.iter().map(|l| l.text.clone()).collect();
        let app = self.clone();
        let key =
            crate::dueprocess::misuse::notifier_key(self.pepper(), p.map(|p| &p.org), input.notifier_email.as_deref());
        let principal = p.cloned();
        let actor = p.map(Actor::of).unwrap_or_default();
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let receipt = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                if let Some(key) = &key {
                    let mut platforms = Vec::new();
                    for (i, t) in targets.iter().enumerate() {
                        if let Some(platform) = route_target(tx, t, i)? {
                            platforms.push((i, platform));
                        }
                    }
                    crate::dueprocess::misuse::check_not_suspended(tx, key, &platforms, now)?;
                }
                // Priority only while a coordinator's award stands, within its areas (DSA art. 22(1)).
                let tier = match &flagger {
                    Some(org) if crate::dueprocess::misuse::flagger_has_priority(tx, org)? => Tier::TrustedFlagger,
                    _ => Tier::Public,
                };
                let ev = Events { clock: &*clock, now, actor: &actor };
                let retain = now.plus(retention);
                let id = SignalId::from_random(id_bytes(now));
                let (explanation_ref, explanation_sealed) = keep_personal(
                    tx,
                    now,
                    "notice.explanation",
                    input.explanation.as_deref().unwrap_or_default(),
                    retain,
                )?;
                let name = match input.notifier_name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    Some(n) => Some(keep_personal(tx, now, "notice.notifier_name", n, retain)?),
                    None => None,
                };
                let email = match input.notifier_email.as_deref() {
                    Some(e) => Some(keep_personal(tx, now, "notice.notifier_email", e.trim(), retain)?),
                    None => None,
                };
                let tracking_code = new_tracking_code();
                let mut details = serde_json::Map::new();
                content_details(&mut details, &labels);
                let signal = SignalRecord {
                    id: id.clone(),
                    kind: SignalKind::Notice,
                    tier,
                    submitter_org: principal.as_ref().map(|p| p.org.clone()),
                    submitter_user: principal.as_ref().map(|p| p.user.clone()),
                    threat_to_life: input.threat_to_life,
                    received_at: now,
                    tracking_hash: Some(secret_hash(&tracking_code)),
                    explanation_ref: Some(explanation_ref),
                    notifier_name_ref: name.as_ref().map(|(r, _)| r.clone()),
                    notifier_email_ref: email.as_ref().map(|(r, _)| r.clone()),
                    good_faith: input.good_faith,
                    details: serde_json::Value::Object(details).to_string(),
                    locations: locations_json(&input.locations),
                };
                tx.insert_signal(&signal)?;
                if let Some(key) = &key {
                    tx.set_notifier_key(&id, key)?;
                }
                let (language, harm_types) = content_words(&labels);
                ev.emit(
                    tx,
                    id.as_str(),
                    k::SignalReceived {
                        explanation: Some(explanation_sealed),
                        notifier_name: name.map(|(_, s)| s),
                        notifier_email: email.map(|(_, s)| s),
                        good_faith: input.good_faith,
                        language,
                        harm_types,
                        ..k::SignalReceived::new("notice", tier.as_str(), input.threat_to_life, targets.len() as u64)
                    },
                )?;
                let contribution = Contribution {
                    signal: &signal,
                    source: principal.as_ref().map(|p| &p.org),
                    due_at: None,
                    labels: &labels,
                };
                let cases = fold_all(tx, &ev, &contribution, &targets, None)?;
                crate::intake_text::check_texts(&app, tx, &ev, &id, &texts, &cases, retain)?;
                Ok::<_, AppError>(Receipt {
                    id,
                    kind: SignalKind::Notice,
                    received_at: now,
                    tracking_code: Some(tracking_code),
                    cases,
                })
            })
            .await?;
        self.after_intake(&receipt);
        Ok(receipt)
    }

    /// An authority's referral: checked by the platform against its terms, no legal deadline.
    pub async fn submit_referral(&self, p: &Principal, input: ReferralInput) -> AppResult<Receipt> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporter submits referrals")?;
        let mut c = Checker::new();
        c.text(input.explanation.as_deref(), "explanation", MAX_TEXT);
        c.optional_text(input.reference.as_deref(), "reference", 128);
        c.optional_text(input.terms_clause.as_deref(), "terms_clause", 500);
        let language = check_language(&mut c, input.language.as_deref(), "language");
        let labels = labels_of(language, &check_types(&mut c, &input.harm_types, "harm_types"));
        let targets = check_locations(&input.locations, &mut c);
        c.finish()?;
        let principal = p.clone();
        let actor = Actor::of(p);
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let texts: Vec<Option<String>> = input.locations.iter().map(|l| l.text.clone()).collect();
        let app = self.clone();
        let receipt = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &actor };
                let id = SignalId::from_random(id_bytes(now));
                let (explanation_ref, sealed) = keep_personal(
                    tx,
                    now,
                    "referral.explanation",
                    input.explanation.as_deref().unwrap_or_default(),
                    now.plus(retention),
                )?;
                let signal = SignalRecord {
                    id: id.clone(),
                    kind: SignalKind::Referral,
                    tier: Tier::Referral,
                    submitter_org: Some(principal.org.clone()),
                    submitter_user: Some(principal.user.clone()),
                    threat_to_life: input.threat_to_life,
                    received_at: now,
                    tracking_hash: None,
                    explanation_ref: Some(explanation_ref),
                    notifier_name_ref: None,
                    notifier_email_ref: None,
                    good_faith: None,
                    details: {
                        let mut details = serde_json::Map::new();
                        details.insert("reference".into(), json!(input.reference));
                        details.insert("terms_clause".into(), json!(input.terms_clause));
                        content_details(&mut details, &labels);
                        serde_json::Value::Object(details).to_string()
                    },
                    locations: locations_json(&input.locations),
                };
                tx.insert_signal(&signal)?;
                let (language, harm_types) = content_words(&labels);
                ev.emit(
                    tx,
                    id.as_str(),
                    k::SignalReceived {
                        explanation: Some(sealed),
                        language,
                        harm_types,
                        ..k::SignalReceived::new("referral", "referral", input.threat_to_life, targets.len() as u64)
                    },
                )?;
                let contribution =
                    Contribution { signal: &signal, source: Some(&principal.org), due_at: None, labels: &labels };
                let cases = fold_all(tx, &ev, &contribution, &targets, None)?;
                crate::intake_text::check_texts(&app, tx, &ev, &id, &texts, &cases, now.plus(retention))?;
                Ok::<_, AppError>(Receipt {
                    id,
                    kind: SignalKind::Referral,
                    received_at: now,
                    tracking_code: None,
                    cases,
                })
            })
            .await?;
        self.after_intake(&receipt);
        Ok(receipt)
    }

    /// A removal order (TCO art. 3), checked field by field against Annex I.
    pub async fn submit_order(&self, p: &Principal, input: OrderInput) -> AppResult<Receipt> {
        require(
            p,
            &[OrgKind::Authority],
            Role::Reporter,
            "only a competent authority's reporter issues removal orders",
        )?;
        let mut c = Checker::new();
        let addressee = match input.addressee.as_deref() {
            None => {
                c.push("addressee", "required", "the platform the order is addressed to");
                None
            }
            Some(raw) => {
                let id = OrgId::parse(raw);
                c.check(id.is_some(), "addressee", "unknown_platform", "is not a platform known to Vigie");
                id
            }
        };
        let targets = check_locations(&input.locations, &mut c);
        let non_disclosure = input.form.non_disclosure == Some(true);
        let embargo_until =
            crate::dueprocess::parse_time(input.non_disclosure_until.as_deref(), "non_disclosure_until", &mut c);
        if input.non_disclosure_until.is_some() && !non_disclosure {
            c.push("non_disclosure_until", "not_applicable", "only an order with non_disclosure has an end to it");
        }
        let issued = self.now();
        let embargo = match non_disclosure.then(|| Embargo::new(issued, embargo_until)) {
            Some(Err(r)) => {
                c.push("non_disclosure_until", r.code.as_str(), r.message);
                None
            }
            Some(Ok(e)) => Some(e),
            None => None,
        };
        let form = input.form.check(&mut c);
        let language = check_language(&mut c, input.language.as_deref(), "language");
        if !c.is_empty() {
            c.finish()?;
        }
        let (Some(addressee), Some(form)) = (addressee, form) else {
            unreachable!("every missing field was recorded above")
        };
        let principal = p.clone();
        let actor = Actor::of(p);
        let clock = self.clock().clone();
        let raw_locations = input.locations.clone();
        let texts: Vec<Option<String>> = input.locations.iter().map(|l| l.text.clone()).collect();
        let retention = self.config().personal_data_retention;
        let app = self.clone();
        let receipt = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                let authority = tx.get_org(&principal.org)?.ok_or(AppError::Unauthenticated)?;
                if !authority.has(Competence::IssueOrders) {
                    return Err(AppError::Forbidden(NOT_DESIGNATED));
                }
                let platform = match tx.get_org(&addressee)? {
                    Some(o) if o.kind == OrgKind::Platform => o,
                    _ => return Err(Invalid::one("addressee", "unknown_platform", "is not a platform known to Vigie").into()),
                };
                let mut c = Checker::new();
                for (i, t) in targets.iter().enumerate() {
                    let (on_addressee, place) = match (t.url(), t.named_platform()) {
                        (Some(url), _) => {
                            let owner = tx.route_host(&host_candidates(url.host()))?;
                            (owner.as_ref() == Some(&platform.id), format!("{} is not a host of the addressee", url.host()))
                        }
                        (None, named) => (named == Some(&platform.id), "the account is not on the addressee".to_owned()),
                    };
                    let field = if t.url().is_some() { "url" } else { "platform" };
                    c.check(on_addressee, &format!("locations[{i}].{field}"), "not_on_addressee_host", &place);
                }
                let earlier = tx.has_orders_between(&authority.id, &platform.id)?;
                let notice = tx.latest_advance_notice(&authority.id, &platform.id)?;
                c.check(
                    advance_notice_satisfied(now, earlier, notice.map(|n| n.sent_at), form.emergency_justification.is_some()),
                    "emergency_justification",
                    "advance_notice_required",
                    "a first order to this platform needs an advance notice sent at least 12 hours earlier (TCO art. 3(2)), or an emergency justification",
                );
                c.finish()?;

                let ev = Events { clock: &*clock, now, actor: &actor };
                let id = SignalId::from_random(id_bytes(now));
                let form_json = serde_json::to_string(&form).expect("plain data always serializes");
                // TCO art. 4(1): the platform's main establishment, or for a platform established
                // outside the Union its legal representative, is in another member state.
                let host_state = platform.host_state();
                let cross_border = host_state.is_some_and(|h| Some(h.code()) != authority.member_state.as_deref());
                // The copy goes at once to the competent authority of that state (art. 4(1)).
                let copy_to = match (cross_border, host_state) {
                    (true, Some(h)) => crate::dueprocess::scrutiny::competent_authority_of(tx, h.code(), &authority.id)?,
                    _ => None,
                };
                let signal = SignalRecord {
                    id: id.clone(),
                    kind: SignalKind::Order,
                    tier: Tier::Order,
                    submitter_org: Some(principal.org.clone()),
                    submitter_user: Some(principal.user.clone()),
                    threat_to_life: input.threat_to_life,
                    received_at: now,
                    tracking_hash: None,
                    explanation_ref: None,
                    notifier_name_ref: None,
                    notifier_email_ref: None,
                    good_faith: None,
                    details: {
                        let mut details = serde_json::Map::new();
                        details.insert("addressee".into(), json!(platform.id.as_str()));
                        details.insert("reference".into(), json!(form.reference));
                        content_details(&mut details, &language.map(CaseLabel::Language).into_iter().collect::<Vec<_>>());
                        serde_json::Value::Object(details).to_string()
                    },
                    locations: locations_json(&raw_locations),
                };
                tx.insert_signal(&signal)?;
                let order = OrderRecord {
                    id: id.clone(),
                    authority: authority.id.clone(),
                    platform: platform.id.clone(),
                    reference: form.reference.clone(),
                    form: form.clone().into(),
                    emergency: form.emergency_justification.is_some(),
                    cross_border,
                    intake_at: now,
                    clock: OrderClock::new(now),
                    cannot_comply: None,
                    measure: None,
                    // Decided with the order: it runs from the order's issue.
                    embargo: embargo.map(|e| Embargo { decided_at: now, until: e.until.max(now.plus(Duration::from_secs(1))), ..e }),
                    ended_at: None,
                    ended_by: None,
                    copy_at: copy_to.as_ref().map(|_| now),
                    copy_to,
                };
                tx.insert_order(&order)?;
                let reasons: Vec<_> = form.reasons.iter().map(|r| Word::from(r.letter())).collect();
                ev.emit(
                    tx,
                    id.as_str(),
                    k::SignalReceived {
                        authority: Some(authority.id.clone()),
                        platform: Some(platform.id.clone()),
                        reasons: Some(reasons),
                        emergency: Some(order.emergency),
                        cross_border: Some(cross_border),
                        non_disclosure: Some(form.non_disclosure),
                        // Written as `null` when there is none, as before step 9.
                        non_disclosure_until: order.embargo.map(|e| e.until),
                        form_sha256: Some(Word::new(sha256_hex(&form_json))),
                        copy_to: order.copy_to.clone(),
                        designated_channel: Some(platform.designated_channel),
                        language: language.map(|l| Word::from(l.as_str())),
                        ..k::SignalReceived::new("order", "order", input.threat_to_life, targets.len() as u64)
                    },
                )?;
                if let Some(to) = &order.copy_to {
                    let copy = OrderCopy {
                        order: id.clone(),
                        reference: form.reference.clone(),
                        issuing_authority: authority.id.clone(),
                        issuing_member_state: authority.member_state.clone(),
                        platform: platform.id.clone(),
                        host_member_state: host_state.map(|h| h.code()),
                        sent_at: now,
                        form: form.clone(),
                        locations: serde_json::from_str(&signal.locations).unwrap_or_default(),
                    };
                    enqueue(tx, now, to, &copy, None, false)?;
                }
                // Where Vigie is the platform's designated channel (art. 15), the order is received
                // when it is available to the platform, which is now (art. 3(3) and (5)).
                if platform.designated_channel {
                    let mut order = tx.get_order(&id)?.expect("inserted above");
                    if let Some(e) = order.clock.receive(now) {
                        tx.update_order(&order)?;
                        crate::cases::clock_event_via(tx, &ev, &order, e, Some("designated_channel"))?;
                    }
                }
                // Until the platform receives the order its real deadline is unknown; intake + 1 h
                // is the earliest it can be, so cases sort no later than they should.
                let provisional_due = now.plus(vigie_model::order::ORDER_DEADLINE);
                let labels = labels_of(language, &form.reasons);
                let contribution = Contribution { signal: &signal, source: Some(&principal.org), due_at: Some(provisional_due), labels: &labels };
                let cases = fold_all(tx, &ev, &contribution, &targets, Some(&platform.id))?;
                crate::intake_text::check_texts(&app, tx, &ev, &id, &texts, &cases, now.plus(retention))?;
                // Content the platform already removed everywhere: the order is complied with now.
                let mut measures = Vec::new();
                for (case_id, _) in &cases {
                    match tx.case_decision(case_id)? {
                        Some(d) if answers_order(d.action, &d.territorial_scope) => measures.push(d.action),
                        _ => break,
                    }
                }
                if measures.len() == cases.len() {
                    let mut order = tx.get_order(&id)?.expect("inserted above");
                    order.measure = measures.pop();
                    let e = order.clock.complied(now).map_err(|w| AppError::conflict(Conflict::OrderState, w.to_string()))?;
                    tx.update_order(&order)?;
                    crate::cases::clock_event_with(tx, &ev, &order, e, true)?;
                }
                Ok::<_, AppError>(Receipt { id, kind: SignalKind::Order, received_at: now, tracking_code: None, cases })
            })
            .await?;
        self.after_intake(&receipt);
        Ok(receipt)
    }

    /// TCO art. 3(2): an authority tells a platform about procedures and deadlines before its
    /// first order.
    pub async fn send_advance_notice(
        &self,
        p: &Principal,
        input: AdvanceNoticeInput,
    ) -> AppResult<AdvanceNoticeRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporter sends advance notices")?;
        let principal_org = p.org.clone();
        if !self.store().read(move |r| r.get_org(&principal_org)).await?.is_some_and(|o| o.has(Competence::IssueOrders))
        {
            return Err(AppError::Forbidden(NOT_DESIGNATED));
        }
        let mut c = Checker::new();
        let platform = match input.platform.as_deref() {
            None => {
                c.push("platform", "required", "the platform to inform");
                None
            }
            Some(raw) => OrgId::parse(raw).or_else(|| {
                c.push("platform", "unknown_platform", "is not a platform known to Vigie");
                None
            }),
        };
        c.text(input.information.as_deref(), "information", MAX_TEXT);
        c.finish()?;
        let platform = platform.expect("checked above");
        let principal = p.clone();
        let actor = Actor::of(p);
        let clock = self.clock().clone();
        let information = input.information.unwrap_or_default();
        let rec = self
            .store()
            .write(move |tx| {
                match tx.get_org(&platform)? {
                    Some(o) if o.kind == OrgKind::Platform => {}
                    _ => {
                        return Err(AppError::from(Invalid::one(
                            "platform",
                            "unknown_platform",
                            "is not a platform known to Vigie",
                        )));
                    }
                }
                let now = clock.now();
                let rec = AdvanceNoticeRecord {
                    id: AdvanceNoticeId::from_random(id_bytes(now)),
                    authority: principal.org.clone(),
                    platform: platform.clone(),
                    sent_at: now,
                    sent_by: principal.user.clone(),
                    details: json!({ "information": information }).to_string(),
                };
                tx.insert_advance_notice(&rec)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, rec.id.as_str(), k::AdvanceNoticeSent { platform: platform.clone() })?;
                enqueue(
                    tx,
                    now,
                    &platform,
                    &AdvanceNoticeReceived {
                        id: rec.id.clone(),
                        authority: principal.org.clone(),
                        information: information.clone(),
                    },
                    None,
                    false,
                )?;
                Ok(rec)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    fn after_intake(&self, receipt: &Receipt) {
        if receipt.cases.iter().any(|(_, platform)| platform.is_some()) {
            self.wake_delivery();
        }
    }

    /// A signal, for its submitting organisation or an administrator; `kind` must match.
    pub async fn get_signal(&self, p: &Principal, id: &str, kind: SignalKind) -> AppResult<SignalView> {
        let id = SignalId::parse(id).ok_or(AppError::NotFound(kind.as_str()))?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let Some(signal) = r.get_signal(&id)? else {
                    return Ok(None);
                };
                let mine = signal.submitter_org.as_ref() == Some(&principal.org);
                if signal.kind != kind || !(mine || is_admin(&principal)) {
                    return Ok(None);
                }
                let value = |v: &Option<PersonalRef>| -> vigie_store::Result<Option<String>> {
                    match v {
                        Some(r2) => r.personal_value(r2),
                        None => Ok(None),
                    }
                };
                let mut cases = Vec::new();
                for case_id in r.signal_cases(&signal.id)? {
                    if !cases.iter().any(|c: &CaseRecord| c.id == case_id)
                        && let Some(c) = r.get_case(&case_id)?
                    {
                        cases.push(c);
                    }
                }
                Ok(Some(SignalView {
                    explanation: value(&signal.explanation_ref)?,
                    notifier_name: value(&signal.notifier_name_ref)?,
                    // Only the submitter sees its own address; an administrator does not need it,
                    // and the operator is sent it only to mail the outcome (GDPR art. 5(1)(c)).
                    notifier_email: if mine { value(&signal.notifier_email_ref)? } else { None },
                    order: if kind == SignalKind::Order { r.get_order(&signal.id)? } else { None },
                    cases,
                    signal,
                }))
            })
            .await?
            .ok_or(AppError::NotFound(kind.as_str()))
    }

    /// What a notifier sees with the receipt's tracking code.
    pub async fn track_notice(&self, code: &str) -> AppResult<TrackingView> {
        if code.len() > 64 {
            return Err(AppError::NotFound("notice"));
        }
        let hash = secret_hash(code.trim());
        let now = self.now();
        self.store()
            .read(move |r| {
                let Some(signal) = r.find_signal_by_tracking(&hash)? else {
                    return Ok(None);
                };
                let mut locations = Vec::new();
                for case_id in r.signal_cases(&signal.id)? {
                    if let Some(case) = r.get_case(&case_id)? {
                        // While a hold or an embargo runs, the notifier sees only "under review".
                        if crate::dueprocess::outcome_hidden(r, &case, now)? {
                            locations.push(TrackedLocation {
                                state: "under_review",
                                outcome: None,
                                complaints: Vec::new(),
                            });
                            continue;
                        }
                        let decision = r.case_decision(&case.id)?;
                        let complaints = r
                            .complaints_of_case(&case.id)?
                            .into_iter()
                            .filter(|c| c.signal.as_ref() == Some(&signal.id))
                            .map(|c| (c.id.as_str().to_owned(), c.state.as_str().to_owned()))
                            .collect();
                        let state = case.status().as_str();
                        locations.push(TrackedLocation {
                            state,
                            outcome: decision.map(|d| d.action.as_str().to_owned()),
                            complaints,
                        });
                    }
                }
                Ok(Some(TrackingView { received_at: signal.received_at, locations }))
            })
            .await?
            .ok_or(AppError::NotFound("notice"))
    }

    /// All signals, in id order, for an administrator.
    pub async fn list_signals(&self, p: &Principal, after: Option<String>, limit: u32) -> AppResult<Vec<SignalRecord>> {
        crate::auth::require_admin(p)?;
        let after = after.as_deref().and_then(SignalId::parse);
        Ok(self.store().read(move |r| r.list_signals(after.as_ref(), limit.clamp(1, 1000))).await?)
    }

    /// Cases on unknown hosts, for the hub and administrators.
    pub async fn parked_cases(&self, p: &Principal, limit: u32) -> AppResult<Vec<CaseRecord>> {
        if p.org_kind != OrgKind::Hub {
            return Err(AppError::Forbidden("only the hub sees parked cases"));
        }
        Ok(self.store().read(move |r| r.parked_cases(limit.clamp(1, 1000))).await?)
    }
}
