//! The report's figures, folded from events in commit order.
//!
//! Each figure counts events whose `at` falls in the period; the state that links events (an
//! order's intake time, a scrutiny's trigger) is kept from every event before the period's end.
//! A decision is held back until it can no longer be undone ([`UNDO_HORIZON`]): one its decider
//! undid before the period's end counts only in `actions.undone`.
//! Definitions, figure by figure, are in `docs/transparency.md`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Serialize;
use vigie_model::event::{ChainedEvent, Event, kinds};
use vigie_model::{Duration, Timestamp};

use super::Period;

/// A count per key; the keys a reader expects are present even at zero.
pub type Counts = BTreeMap<String, u64>;

fn counts(keys: &[&str]) -> Counts {
    keys.iter().map(|k| ((*k).to_owned(), 0)).collect()
}

fn bump(c: &mut Counts, key: &str) {
    *c.entry(key.to_owned()).or_default() += 1;
}

/// The signal sources, in the order the report shows them.
pub const SOURCES: [&str; 5] = ["order", "referral", "trusted_flagger", "public", "bank_match"];
/// The tiers a case can have, by its highest signal (`vigie_model::signal::Tier`). Bank-match
/// cases decided before step 9 carry `referral`, as their events say.
pub const TIERS: [&str; 5] = ["order", "referral", "trusted_flagger", "public", "bank_match"];
/// How far the log must go past a decision, without its `decision.undone`, before the decision
/// is counted: the undo comes within `vigie_model::review::UNDO_WINDOW` (60 s) of the decision,
/// on the clock that stamped both; the rest is margin. Only decisions this recent wait in memory.
const UNDO_HORIZON: Duration = Duration::from_mins(60);

/// Upper bounds (inclusive, seconds) of the time-to-action histogram, and the open last bucket.
pub const BUCKETS: [(&str, i64); 6] = [
    ("up_to_15m", 15 * 60),
    ("up_to_1h", 3_600),
    ("up_to_6h", 6 * 3_600),
    ("up_to_24h", 24 * 3_600),
    ("up_to_7d", 7 * 86_400),
    ("over_7d", i64::MAX),
];

/// How long something took, over a set of occurrences.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Durations {
    pub count: u64,
    /// The middle value; the mean of the two middle values for an even count. `None` when empty.
    pub median_seconds: Option<f64>,
    /// The nearest-rank 90th percentile: the value at rank ⌈0.9·n⌉.
    pub p90_seconds: Option<f64>,
}

impl Durations {
    fn of(mut micros: Vec<i64>) -> Self {
        micros.sort_unstable();
        let n = micros.len();
        if n == 0 {
            return Durations::default();
        }
        let median = if n % 2 == 1 { micros[n / 2] as f64 } else { (micros[n / 2 - 1] + micros[n / 2]) as f64 / 2.0 };
        let p90 = micros[(9 * n).div_ceil(10) - 1] as f64;
        Durations { count: n as u64, median_seconds: Some(median / 1e6), p90_seconds: Some(p90 / 1e6) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scope {
    /// The organisation the report is about; `None`: the whole instance.
    pub org: Option<String>,
    /// Its kind (`platform`, `authority`, ...), from its `org.created` event.
    pub org_kind: Option<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Events of the period's log this build could not read as typed events (counted in no
    /// figure); 0 on a sound log. The Python recompute counts those that fail the schema.
    pub unreadable_events: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notices {
    /// Every signal received: notices, referrals, orders and hash matches.
    pub received: u64,
    pub by_source: Counts,
    /// By UTC day (`YYYY-MM-DD`), then by source; only days with signals.
    pub by_day: BTreeMap<String, Counts>,
    pub threat_to_life: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Actions {
    /// Decisions that stand: those undone by their decider before the period's end are left out
    /// of this and every other decision figure, and counted in `undone`.
    pub decisions: u64,
    /// Decisions of the period undone by their decider (within the undo window) before its end.
    pub undone: u64,
    pub by_action: Counts,
    /// Every action but `no_action` and `exempt`.
    pub restrictive: u64,
    /// Restrictive decisions on a legal basis, or on the platform's terms.
    pub by_ground: Counts,
    pub by_legal_basis: Counts,
    /// Restrictive decisions in every EU member state, or in fewer.
    pub by_scope: Counts,
    pub automated_detection: u64,
    pub automated_decision: u64,
    /// `automated_decision / decisions`; 0 when there is no decision.
    pub automated_share: f64,
    pub manifestly_unfounded: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeToAction {
    /// From the case's first signal to a restrictive decision.
    pub all: Durations,
    /// By the case's highest tier.
    pub by_tier: BTreeMap<String, Durations>,
    pub histogram: Counts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CannotComply {
    /// Orders the platform said it could not comply with (Annex III), in the period.
    pub orders: u64,
    pub force_majeure: u64,
    pub awaiting_clarification: u64,
    /// Grounds given, per order.
    pub by_reason: Counts,
    /// Of `orders`, those never complied with before the period's end.
    pub not_executed: u64,
    pub not_executed_force_majeure: u64,
    pub not_executed_errors: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scrutiny {
    pub requested: u64,
    pub by_trigger: Counts,
    pub decided: u64,
    pub infringement: u64,
    pub no_infringement: u64,
    pub decided_late: u64,
    pub overdue: u64,
    /// Requests the addressed platform brought (TCO art. 7(3)(e)), and their outcomes.
    pub platform_requests_decided: u64,
    pub platform_requests_infringement: u64,
}

/// Court challenges of orders (TCO art. 9).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Court {
    /// Challenges filed, by who brought them.
    pub filed: u64,
    pub filed_by: Counts,
    /// Challenges decided: `upheld` (the order stands), `annulled`, `withdrawn`.
    pub decided: Counts,
    /// Of those, the ones the addressed platform brought (TCO art. 7(3)(e)).
    pub platform_decided: Counts,
}

/// The keys of [`Orders::issued_outcomes`].
/// Why a hold ended (`hold.ended` `data.reason`): it ran out, the authority released it, or an
/// order, a threat to life or a DSA notice without a national instrument arrived on the case.
pub const HOLD_END_REASONS: [&str; 5] = ["expired", "released", "order", "threat_to_life", "notice"];
pub const ISSUED_OUTCOMES: [&str; 6] = ["complied", "cannot_comply", "overdue", "not_received", "within_time", "ended"];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Orders {
    pub issued: u64,
    pub cross_border: u64,
    pub emergency: u64,
    pub non_disclosure: u64,
    pub received: u64,
    /// From issue to the platform's receipt.
    pub time_to_receipt: Durations,
    pub complied: u64,
    pub complied_within_hour: u64,
    pub complied_late: u64,
    /// `complied_within_hour / complied`; 0 when none.
    pub within_hour_share: f64,
    /// From issue to compliance.
    pub time_to_effect: Durations,
    pub by_measure: Counts,
    /// The items complied orders named, removed or disabled (on whatever ground, at intake too).
    pub items_removed_or_disabled: u64,
    /// Orders complied with at intake: their content was already removed or disabled everywhere.
    pub complied_at_intake: u64,
    /// What became of the orders issued in the period, by the period's end (TCO art. 8(1)(a)).
    pub issued_outcomes: Counts,
    pub court: Court,
    pub overdue: u64,
    pub escalations: u64,
    pub cannot_comply: CannotComply,
    pub scrutiny: Scrutiny,
    /// Orders that stopped having effect, by cause.
    pub ended: Counts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Complaints {
    pub received: u64,
    pub by_complainant: Counts,
    pub decided: u64,
    pub upheld: u64,
    pub reversed: u64,
    pub decided_late: u64,
    pub overdue: u64,
    pub time_to_decision: Durations,
    /// Decided complaints by complainant, then outcome (`upheld`, `reversed`).
    pub outcomes_by_complainant: BTreeMap<String, Counts>,
    /// Decided complaints against a decision taken by automated means, and how many of those were
    /// reversed.
    pub first_automated_decided: u64,
    pub first_automated_reversed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reinstatements {
    pub total: u64,
    pub by_cause: Counts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Holds {
    pub placed: u64,
    pub ended_by_reason: Counts,
    pub matched_not_held: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Threats {
    pub signals: u64,
    pub escalations: u64,
    pub referred: u64,
    pub referred_to_europol: u64,
    pub acknowledged: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Misuse {
    pub warnings: u64,
    pub suspensions: u64,
    pub manifestly_unfounded: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StayDown {
    pub upload_matches: u64,
    /// Distinct cases those matches opened or joined.
    pub upload_cases: u64,
    pub bank_entries_added: u64,
}

/// What one state actor asked for (Santa Clara: the identity of each).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StateDemand {
    pub orders: u64,
    pub referrals: u64,
    pub orders_complied: u64,
}

/// TCO art. 7(3): the hosting provider's annual report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Art7 {
    /// (a) What was received and how it was handled.
    pub a_orders_received: u64,
    pub a_referrals: u64,
    pub a_notices: u64,
    pub a_decisions: u64,
    /// (b) Measures against reappearance: hash-bank matches of uploads, and entries added.
    pub b_upload_matches: u64,
    pub b_bank_entries_added: u64,
    /// (c) Items removed or disabled following orders (at intake and on a terms ground too);
    /// orders not executed, with grounds.
    pub c_items_removed_or_disabled: u64,
    pub c_complied_at_intake: u64,
    pub c_orders_not_executed: u64,
    pub c_not_executed_force_majeure: u64,
    pub c_not_executed_errors: u64,
    pub c_grounds: Counts,
    /// (d) Complaints by content providers (art. 10) and their outcome; notifiers' complaints are
    /// not counted here.
    pub d_complaints: u64,
    pub d_upheld: u64,
    pub d_reversed: u64,
    /// (e) Review proceedings the provider brought: scrutiny requests (art. 4(4)) and court
    /// challenges (art. 9), with their outcome.
    pub e_review_requested: u64,
    pub e_review_decided: u64,
    pub e_review_infringement: u64,
    pub e_court_challenges: u64,
    pub e_court_upheld: u64,
    pub e_court_annulled: u64,
    pub e_court_withdrawn: u64,
    /// (f) Content reinstated as a result of those proceedings or an annulment.
    pub f_reinstated_after_review: u64,
    /// (g) Content reinstated after the content provider's complaint.
    pub g_reinstated_after_complaint: u64,
}

/// TCO art. 8(1): the competent authority's annual report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Art8 {
    /// (a) Orders issued, cross-border ones, scrutinised ones, and their implementation: of the
    /// orders issued in the period, those complied with by its end, and those not, by why.
    pub a_orders_issued: u64,
    pub a_cross_border: u64,
    pub a_scrutinised: u64,
    pub a_removed_or_disabled: u64,
    pub a_not_removed: u64,
    pub a_not_removed_by_reason: Counts,
    pub a_ended_before_compliance: u64,
    /// (b) Decisions on specific measures (art. 5): not recorded by Vigie.
    pub b_specific_measures: Option<u64>,
    /// (c) Orders under review (scrutiny, court challenges), and outcomes.
    pub c_under_review: u64,
    pub c_reviewed: u64,
    pub c_upheld: u64,
    pub c_infringement: u64,
    pub c_annulled: u64,
    /// (d) Penalty decisions (art. 18): not recorded by Vigie.
    pub d_penalties: Option<u64>,
}

/// A transparency report: every figure is recomputable from the events of its audience.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub report: &'static str,
    pub version: u32,
    pub scope: Scope,
    pub notices: Notices,
    pub actions: Actions,
    pub time_to_action: TimeToAction,
    pub orders: Orders,
    pub complaints: Complaints,
    pub reinstatements: Reinstatements,
    pub holds: Holds,
    pub threat_to_life: Threats,
    pub misuse: Misuse,
    pub stay_down: StayDown,
    pub state_demands: BTreeMap<String, StateDemand>,
    pub tco_art7: Art7,
    pub tco_art8: Art8,
}

/// A decision waiting to be counted, unless its undo comes first.
struct Pending {
    at: Timestamp,
    data: kinds::CaseDecided,
    undone: bool,
}

/// The report under construction.
pub struct Tally {
    period: Period,
    org: Option<String>,
    org_kind: Option<String>,
    // State kept from every event before the period's end.
    order_intake: HashMap<String, (Timestamp, Option<String>)>,
    complied_orders: HashSet<String>,
    /// What happened to each order before the period's end.
    received_orders: HashSet<String>,
    suspended_orders: HashSet<String>,
    overdue_orders: HashSet<String>,
    ended_orders: HashSet<String>,
    /// Orders issued in the period.
    issued_in_period: Vec<String>,
    scrutiny_trigger: HashMap<String, String>,
    // Figures.
    notices: Notices,
    actions: Actions,
    /// Decisions of the period not yet counted: one may still be undone ([`UNDO_HORIZON`]).
    pending: VecDeque<Pending>,
    action_micros: Vec<i64>,
    tier_micros: BTreeMap<String, Vec<i64>>,
    histogram: Counts,
    orders: Orders,
    receipt_micros: Vec<i64>,
    effect_micros: Vec<i64>,
    /// Orders with a cannot-comply in the period, and their suspended states.
    cannot_comply: BTreeMap<String, HashSet<String>>,
    reasons: BTreeMap<String, HashSet<String>>,
    complaints: Complaints,
    complaint_micros: Vec<i64>,
    reinstatements: Reinstatements,
    holds: Holds,
    threats: Threats,
    misuse: Misuse,
    stay_down: StayDown,
    upload_cases: HashSet<String>,
    demands: BTreeMap<String, StateDemand>,
    unreadable: u64,
}

impl Tally {
    pub fn new(period: Period, org: Option<&str>) -> Self {
        Tally {
            period,
            org: org.map(str::to_owned),
            org_kind: None,
            order_intake: HashMap::new(),
            complied_orders: HashSet::new(),
            received_orders: HashSet::new(),
            suspended_orders: HashSet::new(),
            overdue_orders: HashSet::new(),
            ended_orders: HashSet::new(),
            issued_in_period: Vec::new(),
            scrutiny_trigger: HashMap::new(),
            notices: Notices { received: 0, by_source: counts(&SOURCES), by_day: BTreeMap::new(), threat_to_life: 0 },
            actions: Actions {
                decisions: 0,
                undone: 0,
                by_action: counts(&[
                    "remove",
                    "disable",
                    "restrict",
                    "label",
                    "suspend_account",
                    "no_action",
                    "exempt",
                ]),
                restrictive: 0,
                by_ground: counts(&["law", "terms"]),
                by_legal_basis: Counts::new(),
                by_scope: counts(&["eu_wide", "limited"]),
                automated_detection: 0,
                automated_decision: 0,
                automated_share: 0.0,
                manifestly_unfounded: 0,
            },
            pending: VecDeque::new(),
            action_micros: Vec::new(),
            tier_micros: TIERS.iter().map(|t| ((*t).to_owned(), Vec::new())).collect(),
            histogram: BUCKETS.iter().map(|(k, _)| ((*k).to_owned(), 0)).collect(),
            orders: Orders {
                issued: 0,
                cross_border: 0,
                emergency: 0,
                non_disclosure: 0,
                received: 0,
                time_to_receipt: Durations::default(),
                complied: 0,
                complied_within_hour: 0,
                complied_late: 0,
                within_hour_share: 0.0,
                time_to_effect: Durations::default(),
                by_measure: counts(&["remove", "disable"]),
                items_removed_or_disabled: 0,
                complied_at_intake: 0,
                issued_outcomes: counts(&ISSUED_OUTCOMES),
                court: Court {
                    filed: 0,
                    filed_by: counts(&["platform"]),
                    decided: counts(&["upheld", "annulled", "withdrawn"]),
                    platform_decided: counts(&["upheld", "annulled", "withdrawn"]),
                },
                overdue: 0,
                escalations: 0,
                cannot_comply: CannotComply {
                    orders: 0,
                    force_majeure: 0,
                    awaiting_clarification: 0,
                    by_reason: Counts::new(),
                    not_executed: 0,
                    not_executed_force_majeure: 0,
                    not_executed_errors: 0,
                },
                scrutiny: Scrutiny {
                    requested: 0,
                    by_trigger: counts(&["platform", "uploader", "ex_officio"]),
                    decided: 0,
                    infringement: 0,
                    no_infringement: 0,
                    decided_late: 0,
                    overdue: 0,
                    platform_requests_decided: 0,
                    platform_requests_infringement: 0,
                },
                ended: counts(&["scrutiny_infringement", "annulment"]),
            },
            receipt_micros: Vec::new(),
            effect_micros: Vec::new(),
            cannot_comply: BTreeMap::new(),
            reasons: BTreeMap::new(),
            complaints: Complaints {
                received: 0,
                by_complainant: counts(&["uploader", "notifier"]),
                decided: 0,
                upheld: 0,
                reversed: 0,
                decided_late: 0,
                overdue: 0,
                time_to_decision: Durations::default(),
                outcomes_by_complainant: ["uploader", "notifier"]
                    .iter()
                    .map(|k| ((*k).to_owned(), counts(&["upheld", "reversed"])))
                    .collect(),
                first_automated_decided: 0,
                first_automated_reversed: 0,
            },
            complaint_micros: Vec::new(),
            reinstatements: Reinstatements {
                total: 0,
                by_cause: counts(&["complaint", "voluntary", "scrutiny_infringement", "annulment"]),
            },
            holds: Holds { placed: 0, ended_by_reason: counts(&HOLD_END_REASONS), matched_not_held: 0 },
            threats: Threats { signals: 0, escalations: 0, referred: 0, referred_to_europol: 0, acknowledged: 0 },
            misuse: Misuse { warnings: 0, suspensions: 0, manifestly_unfounded: 0 },
            stay_down: StayDown { upload_matches: 0, upload_cases: 0, bank_entries_added: 0 },
            upload_cases: HashSet::new(),
            demands: BTreeMap::new(),
            unreadable: 0,
        }
    }

    /// Folds one event in; events must come in commit order. An event this build cannot read
    /// (an unknown kind, a shape no upcaster knows) counts in `unreadable_events`, never as zero
    /// of something else.
    pub fn add(&mut self, e: &ChainedEvent) {
        if e.at >= self.period.to {
            return;
        }
        self.settle(Some(e.at));
        let Ok(event) = e.event() else {
            self.unreadable += 1;
            return;
        };
        self.remember(e, &event);
        if self.period.contains(e.at) {
            self.count(e, &event);
        }
    }

    /// State that later events refer to, whenever it happened.
    fn remember(&mut self, e: &ChainedEvent, event: &Event) {
        match event {
            Event::OrgCreated(d) if self.org.as_deref() == Some(e.subject.as_str()) => {
                self.org_kind = Some(d.kind.as_str().to_owned());
            }
            Event::SignalReceived(d) if d.kind == "order" => {
                let authority = d.authority.as_ref().map(|a| a.as_str().to_owned());
                self.order_intake.insert(e.subject.clone(), (e.at, authority));
            }
            Event::OrderComplied(_) => {
                self.complied_orders.insert(e.subject.clone());
            }
            Event::OrderReceived(_) => {
                self.received_orders.insert(e.subject.clone());
            }
            Event::OrderSuspended(_) => {
                self.suspended_orders.insert(e.subject.clone());
            }
            Event::OrderOverdue(_) => {
                self.overdue_orders.insert(e.subject.clone());
            }
            Event::OrderEnded(_) => {
                self.ended_orders.insert(e.subject.clone());
            }
            Event::ScrutinyRequested(d) => {
                self.scrutiny_trigger.insert(e.subject.clone(), d.trigger.as_str().to_owned());
            }
            _ => {}
        }
    }

    fn count(&mut self, e: &ChainedEvent, event: &Event) {
        match event {
            Event::SignalReceived(d) => self.signal(e, d),
            Event::CaseDecided(d) => self.pending.push_back(Pending { at: e.at, data: d.clone(), undone: false }),
            // The decision it undoes is left out of the figures, if it was taken in the period.
            Event::DecisionUndone(d) => {
                if let Some(p) = self.pending.iter_mut().rev().find(|p| p.data.decision == d.decision) {
                    p.undone = true;
                }
            }
            Event::OrderReceived(_) => {
                self.orders.received += 1;
                if let Some((intake, _)) = self.order_intake.get(&e.subject) {
                    self.receipt_micros.push(e.at.since(*intake).as_micros());
                }
            }
            Event::OrderComplied(d) => {
                self.orders.complied += 1;
                if d.late {
                    self.orders.complied_late += 1;
                } else {
                    self.orders.complied_within_hour += 1;
                }
                if let Some(m) = &d.measure {
                    bump(&mut self.orders.by_measure, m.as_str());
                }
                // Every item the order named (events from before step 8 read as one).
                self.orders.items_removed_or_disabled += d.items;
                if d.at_intake {
                    self.orders.complied_at_intake += 1;
                }
                if let Some((intake, authority)) = self.order_intake.get(&e.subject) {
                    self.effect_micros.push(e.at.since(*intake).as_micros());
                    if let Some(a) = authority {
                        self.demands.entry(a.clone()).or_default().orders_complied += 1;
                    }
                }
            }
            Event::OrderSuspended(d) => {
                self.cannot_comply.entry(e.subject.clone()).or_default().insert(d.state.as_str().to_owned());
                for r in d.reasons.iter().flatten() {
                    self.reasons.entry(r.as_str().to_owned()).or_default().insert(e.subject.clone());
                }
            }
            Event::OrderOverdue(_) => self.orders.overdue += 1,
            Event::OrderEscalated(_) => self.orders.escalations += 1,
            Event::OrderEnded(d) => bump(&mut self.orders.ended, d.cause.as_str()),
            Event::ScrutinyRequested(d) => {
                let s = &mut self.orders.scrutiny;
                s.requested += 1;
                bump(&mut s.by_trigger, d.trigger.as_str());
            }
            Event::ScrutinyDecided(d) => {
                let infringement = d.outcome == "infringement";
                let by_platform = self.scrutiny_trigger.get(&e.subject).map(String::as_str) == Some("platform");
                let s = &mut self.orders.scrutiny;
                s.decided += 1;
                if infringement {
                    s.infringement += 1;
                } else {
                    s.no_infringement += 1;
                }
                if d.late {
                    s.decided_late += 1;
                }
                if by_platform {
                    s.platform_requests_decided += 1;
                    if infringement {
                        s.platform_requests_infringement += 1;
                    }
                }
            }
            Event::ScrutinyOverdue(_) => self.orders.scrutiny.overdue += 1,
            Event::OrderChallenged(d) => {
                let court = &mut self.orders.court;
                court.filed += 1;
                bump(&mut court.filed_by, d.brought_by.as_str());
            }
            Event::OrderChallengeDecided(d) => {
                let court = &mut self.orders.court;
                bump(&mut court.decided, d.outcome.as_str());
                if d.brought_by == "platform" {
                    bump(&mut court.platform_decided, d.outcome.as_str());
                }
            }
            Event::ComplaintReceived(d) => {
                self.complaints.received += 1;
                bump(&mut self.complaints.by_complainant, d.complainant.as_str());
            }
            Event::ComplaintReviewed(d) => {
                let c = &mut self.complaints;
                c.decided += 1;
                let reversed = d.outcome == "reversed";
                let by = c
                    .outcomes_by_complainant
                    .entry(d.complainant.as_str().to_owned())
                    .or_insert_with(|| counts(&["upheld", "reversed"]));
                bump(by, if reversed { "reversed" } else { "upheld" });
                if reversed {
                    c.reversed += 1;
                } else {
                    c.upheld += 1;
                }
                if d.late {
                    c.decided_late += 1;
                }
                if d.first_automated {
                    c.first_automated_decided += 1;
                    if reversed {
                        c.first_automated_reversed += 1;
                    }
                }
                self.complaint_micros.push(e.at.since(d.received_at).as_micros());
            }
            Event::ComplaintOverdue(_) => self.complaints.overdue += 1,
            Event::ContentReinstated(d) => {
                self.reinstatements.total += 1;
                bump(&mut self.reinstatements.by_cause, d.cause.as_str());
            }
            Event::CaseHeld(_) => self.holds.placed += 1,
            Event::HoldEnded(d) => bump(&mut self.holds.ended_by_reason, d.reason.as_str()),
            Event::WatchlistMatched(_) => self.holds.matched_not_held += 1,
            Event::ThreatToLifeEscalated(_) => self.threats.escalations += 1,
            Event::ThreatToLifeReferred(d) => {
                self.threats.referred += 1;
                if d.europol {
                    self.threats.referred_to_europol += 1;
                }
            }
            Event::ThreatToLifeAcknowledged(_) => self.threats.acknowledged += 1,
            Event::NotifierWarned(_) => self.misuse.warnings += 1,
            Event::NotifierSuspended(_) => self.misuse.suspensions += 1,
            Event::UploadMatched(d) => {
                self.stay_down.upload_matches += 1;
                if let Some(c) = &d.case {
                    self.upload_cases.insert(c.as_str().to_owned());
                }
            }
            Event::BankEntriesAdded(d) => self.stay_down.bank_entries_added += d.count,
            _ => {}
        }
    }

    fn signal(&mut self, e: &ChainedEvent, d: &kinds::SignalReceived) {
        let n = &mut self.notices;
        n.received += 1;
        let source = match (d.kind.as_str(), d.tier.as_str()) {
            ("order", _) => "order",
            ("referral", _) => "referral",
            ("bank_match", _) => "bank_match",
            (_, "trusted_flagger") => "trusted_flagger",
            _ => "public",
        };
        bump(&mut n.by_source, source);
        let day = e.at.to_rfc3339()[..10].to_owned();
        bump(n.by_day.entry(day).or_insert_with(|| counts(&SOURCES)), source);
        if d.threat_to_life {
            n.threat_to_life += 1;
            self.threats.signals += 1;
        }
        match source {
            "order" => {
                let o = &mut self.orders;
                o.issued += 1;
                o.cross_border += u64::from(d.cross_border == Some(true));
                o.emergency += u64::from(d.emergency == Some(true));
                o.non_disclosure += u64::from(d.non_disclosure == Some(true));
                self.issued_in_period.push(e.subject.clone());
                if let Some(a) = &d.authority {
                    self.demands.entry(a.as_str().to_owned()).or_default().orders += 1;
                }
            }
            "referral" => {
                if let Some(a) = &e.org {
                    self.demands.entry(a.clone()).or_default().referrals += 1;
                }
            }
            _ => {}
        }
    }

    /// Counts the pending decisions that can no longer be undone by `now` (all of them at the
    /// end: `None`).
    fn settle(&mut self, now: Option<Timestamp>) {
        while let Some(p) = self.pending.front() {
            if now.is_some_and(|now| now.since(p.at) <= UNDO_HORIZON) {
                return;
            }
            let p = self.pending.pop_front().expect("just seen");
            if p.undone {
                self.actions.undone += 1;
            } else {
                self.decided(p.at, &p.data);
            }
        }
    }

    fn decided(&mut self, at: Timestamp, d: &kinds::CaseDecided) {
        let a = &mut self.actions;
        a.decisions += 1;
        let action = d.action.as_str();
        bump(&mut a.by_action, action);
        a.automated_detection += u64::from(d.automated_detection);
        a.automated_decision += u64::from(d.automated_decision);
        if d.manifestly_unfounded {
            a.manifestly_unfounded += 1;
            self.misuse.manifestly_unfounded += 1;
        }
        if matches!(action, "no_action" | "exempt") {
            return;
        }
        a.restrictive += 1;
        if let Some(b) = &d.legal_basis {
            bump(&mut a.by_ground, "law");
            bump(&mut a.by_legal_basis, b.as_str());
        } else if d.terms_ground {
            bump(&mut a.by_ground, "terms");
        }
        let eu_wide = d.territorial_scope.len() >= vigie_model::org::EU_MEMBER_STATES.len();
        bump(&mut a.by_scope, if eu_wide { "eu_wide" } else { "limited" });
        let tier = d.tier.as_str();
        let micros = at.since(d.received_at).as_micros();
        self.action_micros.push(micros);
        self.tier_micros.entry(tier.to_owned()).or_default().push(micros);
        let secs = micros.div_euclid(1_000_000) + i64::from(micros.rem_euclid(1_000_000) != 0);
        if let Some((bucket, _)) = BUCKETS.iter().find(|(_, max)| secs <= *max) {
            bump(&mut self.histogram, bucket);
        }
    }

    pub fn finish(mut self) -> Report {
        self.settle(None);
        let a = &mut self.actions;
        a.automated_share = ratio(a.automated_decision, a.decisions);
        let o = &mut self.orders;
        o.time_to_receipt = Durations::of(std::mem::take(&mut self.receipt_micros));
        o.time_to_effect = Durations::of(std::mem::take(&mut self.effect_micros));
        o.within_hour_share = ratio(o.complied_within_hour, o.complied);
        let cc = &mut o.cannot_comply;
        for (order, states) in &self.cannot_comply {
            cc.orders += 1;
            let force = states.contains("force_majeure");
            cc.force_majeure += u64::from(force);
            cc.awaiting_clarification += u64::from(states.contains("awaiting_clarification"));
            if !self.complied_orders.contains(order) {
                cc.not_executed += 1;
                if force {
                    cc.not_executed_force_majeure += 1;
                } else {
                    cc.not_executed_errors += 1;
                }
            }
        }
        cc.by_reason = counts(&["force_majeure", "manifest_errors", "insufficient_information"]);
        for (reason, orders) in &self.reasons {
            cc.by_reason.insert(reason.clone(), orders.len() as u64);
        }
        // TCO art. 8(1)(a): what became of each order issued in the period, by its end.
        for order in std::mem::take(&mut self.issued_in_period) {
            let outcome = if self.complied_orders.contains(&order) {
                "complied"
            } else if self.ended_orders.contains(&order) {
                "ended"
            } else if self.suspended_orders.contains(&order) {
                "cannot_comply"
            } else if self.overdue_orders.contains(&order) {
                "overdue"
            } else if !self.received_orders.contains(&order) {
                "not_received"
            } else {
                "within_time"
            };
            bump(&mut self.orders.issued_outcomes, outcome);
        }
        self.complaints.time_to_decision = Durations::of(std::mem::take(&mut self.complaint_micros));
        self.stay_down.upload_cases = self.upload_cases.len() as u64;

        let o = &self.orders;
        let by_cause = &self.reinstatements.by_cause;
        let cause = |k: &str| by_cause.get(k).copied().unwrap_or(0);
        let source = |k: &str| self.notices.by_source.get(k).copied().unwrap_or(0);
        let get = |c: &Counts, k: &str| c.get(k).copied().unwrap_or(0);
        let uploader = self.complaints.outcomes_by_complainant.get("uploader").cloned().unwrap_or_default();
        let fate = &o.issued_outcomes;
        let not_removed: Counts = ["cannot_comply", "overdue", "not_received", "within_time"]
            .iter()
            .map(|k| ((*k).to_owned(), get(fate, k)))
            .collect();
        let tco_art7 = Art7 {
            a_orders_received: o.received,
            a_referrals: source("referral"),
            a_notices: source("public") + source("trusted_flagger"),
            a_decisions: self.actions.decisions,
            b_upload_matches: self.stay_down.upload_matches,
            b_bank_entries_added: self.stay_down.bank_entries_added,
            c_items_removed_or_disabled: o.items_removed_or_disabled,
            c_complied_at_intake: o.complied_at_intake,
            c_orders_not_executed: o.cannot_comply.not_executed,
            c_not_executed_force_majeure: o.cannot_comply.not_executed_force_majeure,
            c_not_executed_errors: o.cannot_comply.not_executed_errors,
            c_grounds: o.cannot_comply.by_reason.clone(),
            d_complaints: get(&self.complaints.by_complainant, "uploader"),
            d_upheld: get(&uploader, "upheld"),
            d_reversed: get(&uploader, "reversed"),
            e_review_requested: o.scrutiny.by_trigger.get("platform").copied().unwrap_or(0),
            e_review_decided: o.scrutiny.platform_requests_decided,
            e_review_infringement: o.scrutiny.platform_requests_infringement,
            e_court_challenges: get(&o.court.filed_by, "platform"),
            e_court_upheld: get(&o.court.platform_decided, "upheld"),
            e_court_annulled: get(&o.court.platform_decided, "annulled"),
            e_court_withdrawn: get(&o.court.platform_decided, "withdrawn"),
            f_reinstated_after_review: cause("scrutiny_infringement") + cause("annulment"),
            g_reinstated_after_complaint: cause("complaint"),
        };
        let tco_art8 = Art8 {
            a_orders_issued: o.issued,
            a_cross_border: o.cross_border,
            a_scrutinised: o.scrutiny.requested,
            a_removed_or_disabled: get(fate, "complied"),
            a_not_removed: not_removed.values().sum(),
            a_not_removed_by_reason: not_removed,
            a_ended_before_compliance: get(fate, "ended"),
            b_specific_measures: None,
            c_under_review: o.scrutiny.requested + o.court.filed,
            c_reviewed: o.scrutiny.decided + get(&o.court.decided, "upheld") + get(&o.court.decided, "annulled"),
            c_upheld: o.scrutiny.no_infringement + get(&o.court.decided, "upheld"),
            c_infringement: o.scrutiny.infringement,
            c_annulled: o.ended.get("annulment").copied().unwrap_or(0),
            d_penalties: None,
        };
        let by_tier = std::mem::take(&mut self.tier_micros).into_iter().map(|(t, m)| (t, Durations::of(m))).collect();
        Report {
            report: "vigie.transparency",
            version: 2,
            scope: Scope {
                org: self.org,
                org_kind: self.org_kind,
                from: self.period.from,
                to: self.period.to,
                unreadable_events: self.unreadable,
            },
            notices: self.notices,
            time_to_action: TimeToAction { all: Durations::of(self.action_micros), by_tier, histogram: self.histogram },
            actions: self.actions,
            orders: self.orders,
            complaints: self.complaints,
            reinstatements: self.reinstatements,
            holds: self.holds,
            threat_to_life: self.threats,
            misuse: self.misuse,
            stay_down: self.stay_down,
            state_demands: self.demands,
            tco_art7,
            tco_art8,
        }
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use vigie_model::OrgId;
    use vigie_model::event::Word;

    use super::*;

    #[test]
    fn medians_and_nearest_rank_percentiles() {
        let d = Durations::of(vec![4_000_000, 1_000_000, 3_000_000, 2_000_000]);
        assert_eq!((d.count, d.median_seconds, d.p90_seconds), (4, Some(2.5), Some(4.0)));
        let d = Durations::of((1..=10).map(|s| s * 1_000_000).collect());
        assert_eq!((d.median_seconds, d.p90_seconds), (Some(5.5), Some(9.0)));
        let d = Durations::of((1..=11).map(|s| s * 1_000_000).collect());
        assert_eq!((d.median_seconds, d.p90_seconds), (Some(6.0), Some(10.0)));
        assert_eq!(Durations::of(Vec::new()), Durations::default());
    }

    fn stored(seq: i64, kind: &str, at_s: i64, subject: &str, data: &str) -> ChainedEvent {
        ChainedEvent {
            seq,
            id: format!("evt_{seq}"),
            kind: kind.into(),
            at: Timestamp::from_micros(at_s * 1_000_000),
            clock: "manual".into(),
            actor: None,
            org: Some("org_a".into()),
            subject: subject.into(),
            data: data.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn event(seq: i64, at_s: i64, subject: &str, e: impl Into<Event>) -> ChainedEvent {
        let e = e.into();
        stored(seq, e.kind().as_str(), at_s, subject, &e.encode())
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_micros(s * 1_000_000)
    }

    fn complied(late: bool, measure: Option<&str>) -> kinds::OrderComplied {
        kinds::OrderComplied { late, measure: measure.map(Word::from), items: 1, at_intake: false, via: None }
    }

    #[test]
    fn state_from_before_the_period_links_events_inside_it() {
        let period = Period { from: at(100), to: at(200) };
        let mut t = Tally::new(period, None);
        let order = kinds::SignalReceived {
            authority: Some(OrgId::from_trusted("org_a".into())),
            ..kinds::SignalReceived::new("order", "order", false, 1)
        };
        t.add(&event(1, 50, "ord_1", order));
        t.add(&event(
            2,
            60,
            "ord_1",
            kinds::OrderReceived { deadline: at(3660), sent_at: Some(at(55)), received_at: None, via: None },
        ));
        t.add(&event(3, 150, "ord_1", complied(true, Some("remove"))));
        t.add(&event(4, 250, "ord_1", complied(false, None)));
        let r = t.finish();
        assert_eq!((r.orders.issued, r.orders.received), (0, 0), "both happened before the period");
        assert_eq!((r.orders.complied, r.orders.complied_late, r.orders.within_hour_share), (1, 1, 0.0));
        assert_eq!(r.orders.time_to_effect.median_seconds, Some(100.0));
        assert_eq!(r.state_demands["org_a"].orders_complied, 1);
        assert_eq!(r.scope.unreadable_events, 0);
    }

    #[test]
    fn a_complied_order_is_not_counted_as_not_executed() {
        let period = Period { from: at(0), to: at(1000) };
        let mut t = Tally::new(period, None);
        let suspended = |state: &str, r: &str| kinds::OrderSuspended {
            state: Word::from(state),
            reasons: Some(vec![Word::from(r)]),
            via: None,
        };
        t.add(&event(1, 1, "ord_1", suspended("awaiting_clarification", "insufficient_information")));
        t.add(&event(2, 2, "ord_2", suspended("force_majeure", "force_majeure")));
        t.add(&event(3, 3, "ord_3", suspended("awaiting_clarification", "manifest_errors")));
        t.add(&event(4, 4, "ord_1", complied(false, None)));
        let c = t.finish().orders.cannot_comply;
        assert_eq!((c.orders, c.force_majeure, c.awaiting_clarification), (3, 1, 2));
        assert_eq!((c.not_executed, c.not_executed_force_majeure, c.not_executed_errors), (2, 1, 1));
        assert_eq!(c.by_reason.values().sum::<u64>(), 3);
    }

    fn decision(id: u8, action: &str, received_s: i64) -> kinds::CaseDecided {
        kinds::CaseDecided {
            decision: vigie_model::DecisionId::from_random([id; 16]),
            action: Word::from(action),
            legal_basis: None,
            taxonomy_version: None,
            terms_ground: true,
            terms_clause: None,
            territorial_scope: vec![Word::from("FR")],
            restriction: None,
            until: None,
            purpose: None,
            automated_detection: false,
            automated_decision: action == "label",
            manifestly_unfounded: false,
            tier: Word::from("public"),
            received_at: at(received_s),
        }
    }

    fn undone(d: &kinds::CaseDecided, after_seconds: i64) -> kinds::DecisionUndone {
        kinds::DecisionUndone { decision: d.decision.clone(), action: d.action.clone(), after_seconds }
    }

    /// A decision undone by its decider counts once, as undone, in no other decision figure; the
    /// decision taken again counts as the case's decision.
    #[test]
    fn a_decision_undone_and_taken_again_counts_once() {
        let period = Period { from: at(0), to: at(10_000) };
        let mut t = Tally::new(period, None);
        let first = decision(1, "label", 10);
        let again = decision(2, "remove", 10);
        t.add(&event(1, 100, "cas_1", first.clone()));
        t.add(&event(2, 130, "cas_1", undone(&first, 30)));
        t.add(&event(3, 400, "cas_1", again));
        // Another case's decision undone at the end of the window, and a third taken more than
        // an hour later (which settles the earlier ones).
        let other = decision(3, "no_action", 5_000);
        t.add(&event(4, 5_000, "cas_2", other.clone()));
        t.add(&event(5, 5_059, "cas_2", undone(&other, 59)));
        let last = decision(4, "remove", 9_000);
        t.add(&event(6, 9_000, "cas_3", last));
        let r = t.finish();
        let a = &r.actions;
        assert_eq!((a.decisions, a.undone, a.restrictive), (2, 2, 2));
        assert_eq!((a.by_action["remove"], a.by_action["label"], a.by_action["no_action"]), (2, 0, 0));
        assert_eq!((a.automated_decision, a.automated_share), (0, 0.0), "the undone label was automated");
        assert_eq!(a.by_ground["terms"], 2);
        assert_eq!(r.time_to_action.all.count, 2);
        assert_eq!(r.time_to_action.all.median_seconds, Some(195.0), "(390 + 0) / 2");
        assert_eq!(r.tco_art7.a_decisions, 2);
    }

    /// A period's figures read only its events: a decision undone after the period's end counts in
    /// it, and the undo of a decision from before the period counts in neither.
    #[test]
    fn an_undo_counts_in_the_period_of_its_decision_before_its_end() {
        let d = decision(1, "remove", 90);
        let events = [event(1, 95, "cas_1", d.clone()), event(2, 105, "cas_1", undone(&d, 10))];
        let report = |from, to| {
            let mut t = Tally::new(Period { from: at(from), to: at(to) }, None);
            for e in &events {
                t.add(e);
            }
            t.finish().actions
        };
        let before = report(0, 100);
        assert_eq!((before.decisions, before.undone), (1, 0));
        let after = report(100, 200);
        assert_eq!((after.decisions, after.undone), (0, 0));
        let whole = report(0, 200);
        assert_eq!((whole.decisions, whole.undone), (0, 1));
    }

    /// Step 9: shapes already stored before the events were typed are read by their upcasters, so
    /// a drifted key is counted instead of reading as 0, and a malformed event is reported.
    #[test]
    fn drifted_shapes_already_in_the_log_are_counted() {
        let period = Period { from: at(0), to: at(1000) };
        let mut t = Tally::new(period, None);
        t.add(&stored(
            1,
            "bank.entries_added",
            1,
            "bnk_1",
            r#"{"lines":40,"source":"import:csv","signal_types":{"pdq":40}}"#,
        ));
        t.add(&stored(2, "bank.entries_added", 2, "bnk_1", r#"{"count":1,"source":"hma","signal_types":{"pdq":1}}"#));
        let nested =
            r#"{"cause":{"cause":"annulment","court":"High Court","reference":"HC-1","decided_on":"2026-01-02"}}"#;
        t.add(&stored(3, "order.ended", 3, "sig_1", nested));
        t.add(&stored(4, "escalation.threat_to_life", 4, "cas_1", r#"{"level":0,"flagged_by":"platform"}"#));
        t.add(&stored(5, "order.ended", 5, "sig_2", r#"{"kause":"annulment"}"#));
        let r = t.finish();
        assert_eq!(r.stay_down.bank_entries_added, 41);
        assert_eq!(r.orders.ended.get("annulment"), Some(&1));
        assert_eq!(r.threat_to_life.escalations, 1);
        assert_eq!(r.scope.unreadable_events, 1, "a misspelt key is an error, not a zero");
    }
}
