//! Wellbeing in the viewer, and the shift view: how media are shown to each reviewer (their
//! settings over their organisation's defaults), the rule that revealing needs a claim, the
//! per-person per-day reveal count with its break prompt, and who is on shift.
//!
//! - Graded reveal: previews are blurred at a chosen strength; the original may stay in
//!   greyscale once revealed, may be peeked at by hovering, and may blur again after a time.
//!   Each person chooses, or follows the organisation's defaults, which its leads set.
//! - Revealing needs the case in hand: a live claim on it, or an open complaint about its
//!   decision that the person may review (not the first decider). Otherwise the reveal is refused
//!   with a message that says what to do.
//! - Reveal counts are aggregates: one number per person per day (UTC), kept
//!   [`vigie_store::REVEAL_COUNT_DAYS`] days and purged on each count. A person sees their own;
//!   the organisation's leads see everyone's only where the organisation turned that on (GDPR
//!   art. 88: off by default). `docs/wellbeing.md` states the legal basis, retention and readers.
//! - A lead is a person of a platform with the integrator role (who configures the platform's
//!   side of Vigie); the instance's administrators are not leads of anyone's team.

use vigie_model::org::{OrgKind, Role};
use vigie_model::{Duration, Principal, Timestamp, UserId};
use vigie_store::{OrgViewerRecord, REVEAL_COUNT_DAYS, RevealCount, ViewerRecord};

use crate::{App, AppError, AppResult};

/// Vigie's defaults where neither the person nor the organisation chose.
pub const DEFAULT_BLUR: i64 = 2;
/// Reveals in a day after which a break is suggested, unless the organisation says otherwise.
pub const DEFAULT_BREAK_AFTER: i64 = 20;

/// How media are shown to one person, every choice resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// 1 (light), 2 (medium) or 3 (strong).
    pub blur: i64,
    pub greyscale: bool,
    pub peek: bool,
    /// 0: never re-blurred.
    pub reblur_secs: i64,
}

impl Viewer {
    fn resolve(own: &ViewerRecord, org: &ViewerRecord) -> Self {
        Viewer {
            blur: own.blur.or(org.blur).unwrap_or(DEFAULT_BLUR),
            greyscale: own.greyscale.or(org.greyscale).unwrap_or(false),
            peek: own.peek.or(org.peek).unwrap_or(false),
            reblur_secs: own.reblur_secs.or(org.reblur_secs).unwrap_or(0),
        }
    }
}

/// A person's viewer: what applies, their own choices, and their organisation's.
#[derive(Clone, Debug)]
pub struct ViewerSettings {
    pub effective: Viewer,
    pub own: ViewerRecord,
    pub org: OrgViewerRecord,
    /// Whether this person may change the organisation's settings.
    pub lead: bool,
}

/// Today's reveals for the person looking, and whether to suggest a break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevealsToday {
    pub count: i64,
    pub break_after: i64,
    /// Whole seconds spent today with revealed videos (reported by the page, bounded by the
    /// server: [`App::report_viewing`]).
    pub viewing_secs: i64,
}

impl RevealsToday {
    pub fn suggest_break(&self) -> bool {
        self.count >= self.break_after
    }
}

/// What the dashboard's shift view shows: only what concerns the person's role.
#[derive(Clone, Debug, Default)]
pub struct Shift {
    /// A platform's moderators: open cases waiting for a decision.
    pub queue_depth: Option<usize>,
    /// When the oldest of them reached Vigie.
    pub oldest_waiting: Option<Timestamp>,
    /// Removal orders whose hour is running or past (to the platform that must act, or the
    /// authority that issued them), and the nearest deadline among them.
    pub orders_running: Option<usize>,
    pub next_order_deadline: Option<Timestamp>,
    /// People of the same organisation signed in to the console now, with when they signed in.
    pub on_shift: Vec<(UserId, Timestamp)>,
}

/// The day a moment falls on, UTC.
pub fn day_of(t: Timestamp) -> String {
    t.to_rfc3339()[..10].to_owned()
}

/// Whether `p` leads their organisation's reviewers (see the module's notes).
pub fn is_lead(p: &Principal) -> bool {
    p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Integrator)
}

/// Checks a set of viewer choices: a blur of 1 to 3, a re-blur of at most an hour.
fn check(r: &ViewerRecord) -> AppResult<()> {
    let mut c = vigie_model::validation::Checker::new();
    c.check(
        r.blur.is_none_or(|b| (1..=3).contains(&b)),
        "blur",
        "range",
        "must be 1 (light), 2 (medium) or 3 (strong)",
    );
    c.check(
        r.reblur_secs.is_none_or(|s| (0..=3_600).contains(&s)),
        "reblur_secs",
        "range",
        "must be between 0 (never) and 3600 seconds",
    );
    c.finish().map_err(AppError::Invalid)
}

impl App {
    /// How media are shown to `p`.
    pub async fn viewer_settings(&self, p: &Principal) -> AppResult<ViewerSettings> {
        let (user, org) = (p.user.clone(), p.org.clone());
        let lead = is_lead(p);
        let (own, org) = self
            .store()
            .read(move |r| {
                Ok((r.viewer_settings(&user)?.unwrap_or_default(), r.org_viewer_settings(&org)?.unwrap_or_default()))
            })
            .await?;
        Ok(ViewerSettings { effective: Viewer::resolve(&own, &org.defaults), own, org, lead })
    }

    /// A person's own viewer choices (`None` fields follow the organisation).
    pub async fn set_viewer_settings(&self, p: &Principal, own: ViewerRecord) -> AppResult<()> {
        check(&own)?;
        let user = p.user.clone();
        let now = self.now();
        Ok(self.store().write(move |tx| tx.set_viewer_settings(&user, &own, now)).await?)
    }

    /// The organisation's defaults, break threshold and whether its leads read the reveal counts:
    /// set by its leads only.
    pub async fn set_org_viewer_settings(&self, p: &Principal, org: OrgViewerRecord) -> AppResult<()> {
        if !is_lead(p) {
            return Err(AppError::Forbidden("only a lead of the organisation (its integrators) sets its defaults"));
        }
        check(&org.defaults)?;
        if org.break_after.is_some_and(|n| !(1..=10_000).contains(&n)) {
            return Err(AppError::Invalid(vigie_model::Invalid::one(
                "break_after",
                "range",
                "must be between 1 and 10000 reveals",
            )));
        }
        let id = p.org.clone();
        let now = self.now();
        Ok(self.store().write(move |tx| tx.set_org_viewer_settings(&id, &org, now)).await?)
    }

    /// The caller's reveals today, with the organisation's break threshold.
    pub async fn reveals_today(&self, p: &Principal) -> AppResult<RevealsToday> {
        let (user, org) = (p.user.clone(), p.org.clone());
        let day = day_of(self.now());
        Ok(self
            .store()
            .read(move |r| {
                let count = r.reveal_count(&user, &day)?;
                let break_after =
                    r.org_viewer_settings(&org)?.and_then(|o| o.break_after).unwrap_or(DEFAULT_BREAK_AFTER);
                let viewing_secs = r.viewing_time(&user, &day)? / 1_000_000;
                Ok(RevealsToday { count, break_after, viewing_secs })
            })
            .await?)
    }

    /// Each person's reveals today in the caller's organisation: to its leads, and only where the
    /// organisation turned this on.
    pub async fn team_reveals_today(&self, p: &Principal) -> AppResult<Vec<RevealCount>> {
        if !is_lead(p) {
            return Err(AppError::Forbidden("only an organisation's leads read its reveal counts"));
        }
        let org = p.org.clone();
        let day = day_of(self.now());
        self.read_app(move |r| {
            let on = r.org_viewer_settings(&org)?.is_some_and(|o| o.leads_see_counts);
            if !on {
                return Err(AppError::Forbidden(
                    "the organisation has not allowed its leads to read reveal counts (off by default)",
                ));
            }
            Ok(r.reveal_counts_of(&org, &day)?)
        })
        .await
    }

    /// What the shift view shows `p`.
    pub async fn shift(&self, p: &Principal) -> AppResult<Shift> {
        let now = self.now();
        let mut shift = Shift::default();
        if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Moderator) {
            let items = self.queue(p, &crate::reviewing::QueueFilter::default()).await?;
            shift.queue_depth = Some(items.len());
            shift.oldest_waiting = items.iter().map(|i| i.case.created_at).min();
            let running: Vec<Timestamp> = items
                .iter()
                .filter_map(|i| match i.clock {
                    Some(vigie_model::order::ClockStatus::Running { deadline })
                    | Some(vigie_model::order::ClockStatus::Late { deadline }) => Some(deadline),
                    _ => None,
                })
                .collect();
            shift.orders_running = Some(running.len());
            shift.next_order_deadline = running.into_iter().min();
        } else if p.org_kind == OrgKind::Authority && p.roles.contains(&Role::Reporter) {
            let org = p.org.clone();
            let running: Vec<Timestamp> = self
                .store()
                .read(move |r| r.orders_of(&org, 1_000))
                .await?
                .iter()
                .filter_map(|o| match o.clock.status(o.ended_at, now) {
                    vigie_model::order::ClockStatus::Running { deadline }
                    | vigie_model::order::ClockStatus::Late { deadline } => Some(deadline),
                    _ => None,
                })
                .collect();
            shift.orders_running = Some(running.len());
            shift.next_order_deadline = running.into_iter().min();
        }
        let org = p.org.clone();
        shift.on_shift = self.store().read(move |r| r.signed_in(&org, now)).await?;
        Ok(shift)
    }
}

/// Counts one reveal for `p` today, purging counts past their retention. Called inside the
/// reveal's transaction.
pub(crate) fn count_reveal(tx: &mut dyn vigie_store::Tx, p: &Principal, now: Timestamp) -> AppResult<()> {
    let keep_from = day_of(now.plus(Duration::from_days(-(REVEAL_COUNT_DAYS - 1))));
    tx.count_reveal(&p.org, &p.user, &day_of(now), &keep_from)?;
    Ok(())
}

/// Adds time spent with a revealed video to the person's figure for today, under the same
/// retention as the reveal counts.
pub(crate) fn count_viewing(tx: &mut dyn vigie_store::Tx, p: &Principal, now: Timestamp, micros: i64) -> AppResult<()> {
    let keep_from = day_of(now.plus(Duration::from_days(-(REVEAL_COUNT_DAYS - 1))));
    tx.count_viewing(&p.org, &p.user, &day_of(now), micros, &keep_from)?;
    Ok(())
}

/// Whether `p` has the case in hand to reveal its media: a live claim, or an open complaint they
/// may review.
pub(crate) fn may_reveal(
    r: &dyn vigie_store::Reads,
    p: &Principal,
    case: &vigie_store::CaseRecord,
    now: Timestamp,
) -> AppResult<()> {
    if r.claim(&case.id)?.is_some_and(|c| c.user == p.user && c.lease_until > now) {
        return Ok(());
    }
    let reviewable = p.org_kind == OrgKind::Platform
        && p.roles.contains(&Role::Moderator)
        && r.complaints_of_case(&case.id)?.iter().any(|c| {
            c.state == vigie_model::redress::ComplaintState::Open
                && r.get_decision(&c.decision).ok().flatten().is_some_and(|d| d.decided_by != p.user)
        });
    if reviewable {
        return Ok(());
    }
    Err(AppError::conflict(
        vigie_model::Conflict::NotClaimed,
        "claim the case before revealing its media (or review an open complaint about it); each reveal is logged",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_choice_wins_over_the_organisations_and_vigies_defaults_fill_the_rest() {
        let own = ViewerRecord { blur: Some(3), greyscale: None, peek: Some(false), reblur_secs: None };
        let org = ViewerRecord { blur: Some(1), greyscale: Some(true), peek: Some(true), reblur_secs: None };
        let v = Viewer::resolve(&own, &org);
        assert_eq!(v, Viewer { blur: 3, greyscale: true, peek: false, reblur_secs: 0 });
        let none = Viewer::resolve(&ViewerRecord::default(), &ViewerRecord::default());
        assert_eq!(none.blur, DEFAULT_BLUR);
    }

    #[test]
    fn out_of_range_choices_are_refused() {
        assert!(check(&ViewerRecord { blur: Some(4), ..Default::default() }).is_err());
        assert!(check(&ViewerRecord { reblur_secs: Some(-1), ..Default::default() }).is_err());
        assert!(check(&ViewerRecord { blur: Some(1), reblur_secs: Some(30), ..Default::default() }).is_ok());
    }

    #[test]
    fn a_day_is_the_utc_date() {
        let t = Timestamp::parse_rfc3339("2026-12-07T23:59:59Z").unwrap();
        assert_eq!(day_of(t), "2026-12-07");
    }
}
