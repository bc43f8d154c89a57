//! Due process from the command line, over a running Vigie's API: decisions on a legal basis or
//! a registered terms clause, uploader notices and complaints, embargoes, scrutiny and
//! annulments, watch-lists and holds, threats to life, misuse. Each command prints the server's
//! JSON answer on one line; a refusal exits with status 2 and the server's code and reasons.
//!
//! `vigie legal-bases` reads the taxonomy built into the binary and needs no server.

use std::process::ExitCode;

use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{Client, Connection};

#[derive(clap::Subcommand)]
pub(crate) enum TermsCommand {
    /// Registers one of the platform's terms clauses.
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        url: Option<String>,
    },
    /// Lists the platform's clauses.
    List {
        /// Include retired clauses.
        #[arg(long)]
        retired: bool,
    },
    /// Retires a clause (`tcl_...`): past decisions keep citing it.
    Retire { id: String },
}

#[derive(clap::Args)]
pub(crate) struct DecideArgs {
    /// The case (`cas_...`).
    case: String,
    /// remove, disable, restrict, label, suspend_account, no_action or exempt.
    #[arg(long)]
    action: String,
    /// A legal-basis id (`vigie legal-bases`).
    #[arg(long)]
    legal_basis: Option<String>,
    /// A registered terms clause, by code or id.
    #[arg(long)]
    terms_clause: Option<String>,
    /// Member-state codes or EU, comma-separated.
    #[arg(long, value_delimiter = ',')]
    scope: Option<Vec<String>>,
    /// TCO art. 1(3) purpose: educational, journalistic, artistic, research,
    /// countering_terrorism, public_debate or none.
    #[arg(long)]
    purpose: Option<String>,
    /// Why that purpose.
    #[arg(long)]
    rationale: Option<String>,
    /// The statement of reasons: the facts and why they make the content illegal or break the
    /// clause (required for every restriction, DSA art. 17(3)(b), (d), (e)).
    #[arg(long)]
    explanation: Option<String>,
    /// restrict only: demoted, age_restricted, interaction_restricted or other.
    #[arg(long)]
    restriction: Option<String>,
    /// --restriction other: what the restriction is.
    #[arg(long)]
    restriction_other: Option<String>,
    /// RFC 3339: when the measure ends (required for suspend_account).
    #[arg(long)]
    until: Option<String>,
    /// YYYY-MM-DD: the day the content was uploaded, when known.
    #[arg(long)]
    content_date: Option<String>,
    #[arg(long)]
    automated_detection: bool,
    #[arg(long)]
    automated_decision: bool,
    /// no_action only: the notices were manifestly unfounded.
    #[arg(long)]
    manifestly_unfounded: bool,
}

impl DecideArgs {
    fn body(&self) -> Value {
        json!({
            "action": self.action,
            "legal_basis": self.legal_basis,
            "terms_clause": self.terms_clause,
            "territorial_scope": self.scope,
            "purpose": self.purpose,
            "purpose_rationale": self.rationale,
            "explanation": self.explanation,
            "restriction": self.restriction,
            "restriction_other": self.restriction_other,
            "until": self.until,
            "content_date": self.content_date,
            "automated_detection": self.automated_detection,
            "automated_decision": self.automated_decision,
            "manifestly_unfounded": self.manifestly_unfounded.then_some(true),
        })
    }
}

#[derive(clap::Subcommand)]
pub(crate) enum ComplaintCommand {
    /// The platform's complaints (open ones unless --all).
    List {
        #[arg(long)]
        all: bool,
    },
    /// One complaint with the first decision beside it.
    Show { id: String },
    /// Reviews a complaint (never by the first decider).
    Review {
        id: String,
        /// upheld or reversed.
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        reasons: String,
        /// Reversing a decision on a notifier's complaint: the replacing decision, as JSON
        /// (`{"action":"remove","legal_basis":...}`).
        #[arg(long)]
        decision: Option<String>,
    },
    /// Lodges a complaint: the uploader with the notice's token, or a notifier with the receipt's
    /// tracking code (no bearer token needed).
    File {
        #[arg(long, conflicts_with = "tracking_code", required_unless_present = "tracking_code")]
        notice_token: Option<String>,
        #[arg(long)]
        tracking_code: Option<String>,
        /// Which location of the notice (tracking code only).
        #[arg(long, default_value_t = 0)]
        location: usize,
        #[arg(long)]
        text: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum OrderCommand {
    /// Extends the non-disclosure once, by at most six weeks (issuing authority).
    ExtendEmbargo {
        id: String,
        /// The new end, RFC 3339.
        #[arg(long)]
        until: String,
    },
    /// Lifts the non-disclosure now (issuing authority).
    LiftEmbargo { id: String },
    /// Records a court's ruling that annulled the order (TCO art. 9), with its reference: the
    /// issuing authority, or the competent authority that scrutinises the order.
    Annul {
        id: String,
        #[arg(long)]
        court: String,
        /// The ruling's reference.
        #[arg(long)]
        reference: String,
        /// The ruling's date, YYYY-MM-DD.
        #[arg(long)]
        decided_on: String,
    },
    /// Asks for cross-border scrutiny (the platform, within 48 hours; or the host authority).
    Scrutiny {
        id: String,
        #[arg(long)]
        reasons: String,
    },
    /// Records a court challenge the addressed platform brought against the order (TCO art. 9).
    Challenge {
        id: String,
        #[arg(long)]
        court: String,
        /// The court's reference for the case.
        #[arg(long)]
        reference: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        filed_on: String,
    },
    /// The order's court challenges (its addressee or issuing authority).
    Challenges { id: String },
    /// Records a challenge's outcome: upheld or withdrawn (an annulment is recorded with annul).
    ChallengeOutcome {
        id: String,
        challenge: String,
        #[arg(long)]
        outcome: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        decided_on: String,
        #[arg(long)]
        reference: Option<String>,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum ScrutinyCommand {
    /// The scrutinies this authority must decide.
    List,
    Show {
        id: String,
    },
    /// Tells the issuing authority of the intention to find an infringement, and why (TCO art.
    /// 4(5)); needed before deciding so.
    Intention {
        id: String,
        #[arg(long)]
        reasons: String,
    },
    /// Decides: infringement (the order ends, the content comes back) or no_infringement.
    Decide {
        id: String,
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        reasons: String,
    },
    /// The uploader asks, with the notice's token (no bearer token needed).
    Request {
        #[arg(long)]
        notice_token: String,
        #[arg(long)]
        reasons: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum WatchlistCommand {
    Create {
        #[arg(long)]
        name: String,
        /// The investigation's legal basis: provision, file number.
        #[arg(long)]
        legal_basis_ref: String,
        /// RFC 3339, within a year.
        #[arg(long)]
        ends_at: String,
        /// 1 to 168; default 72.
        #[arg(long)]
        hold_hours: Option<u32>,
        /// A national legal instrument that orders notices held: its reference...
        #[arg(long, requires_all = ["instrument_issuer", "instrument_ends_at"])]
        instrument_reference: Option<String>,
        /// ...the court, judge or prosecutor that issued it...
        #[arg(long, requires = "instrument_reference")]
        instrument_issuer: Option<String>,
        /// ...and when it ends (RFC 3339).
        #[arg(long, requires = "instrument_reference")]
        instrument_ends_at: Option<String>,
    },
    /// Adds URLs, accounts (PLATFORM_ORG:ACCOUNT_ID) and media hashes; prints only counts.
    Add {
        id: String,
        #[arg(long = "url")]
        urls: Vec<String>,
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// SHA-256 of media, hex (as `vigie hash` prints it).
        #[arg(long = "media-sha256")]
        sha256: Vec<String>,
        #[arg(long = "media-md5")]
        md5: Vec<String>,
    },
    List,
    Close {
        id: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum OrgCommand {
    /// Records what changed: competences replace those recorded.
    Update {
        id: String,
        /// issue_orders, scrutiny, specific_measures, penalties; comma-separated, or none.
        #[arg(long, value_delimiter = ',')]
        competences: Option<Vec<String>>,
        /// Whether Vigie is the platform's contact point channel.
        #[arg(long)]
        designated_channel: Option<bool>,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum HoldCommand {
    /// Holds (an authority's own; all of them for overseers), with counts.
    List,
    /// Asks to hold a case one of the authority's lists matches.
    Request {
        #[arg(long)]
        case: String,
        #[arg(long)]
        watchlist: String,
    },
    Release {
        id: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum ThreatCommand {
    /// Flags a case as an imminent threat to life.
    Flag {
        case: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Records a referral to law enforcement.
    Refer {
        case: String,
        /// dsa_18 or tco_14_5.
        #[arg(long)]
        basis: String,
        #[arg(long = "member-state")]
        member_states: Vec<String>,
        #[arg(long)]
        europol: bool,
        /// TCO art. 14(5): the contact point of the platform's member state was informed.
        #[arg(long)]
        contact_point: bool,
        /// An authority in Vigie (`org_...`) that receives it.
        #[arg(long)]
        authority: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Stops the escalation.
    Ack {
        case: String,
        #[arg(long)]
        note: Option<String>,
    },
    Show {
        case: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum NotifierCommand {
    /// Notifiers whose notices the caller's platform found manifestly unfounded (its moderators;
    /// each platform decides for its own service, DSA art. 23(2)).
    List,
    Show {
        key: String,
    },
    Warn {
        key: String,
        #[arg(long)]
        reason: String,
    },
    Suspend {
        key: String,
        /// RFC 3339, within a year.
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
    Lift {
        key: String,
        #[arg(long)]
        reason: String,
    },
    /// Records a Digital Services Coordinator's award of trusted-flagger status (administrators;
    /// DSA art. 22(2)).
    FlaggerAward {
        org: String,
        /// The coordinator, e.g. Arcom.
        #[arg(long)]
        coordinator: String,
        /// Its member state.
        #[arg(long)]
        member_state: String,
        /// The coordinator's reference for the award.
        #[arg(long)]
        reference: String,
        /// Designated areas of expertise (Transparency Database categories), comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "risk_for_public_security")]
        areas: Vec<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        awarded_on: String,
    },
    /// Records the coordinator's later decision on the status: suspended, active or revoked
    /// (administrators; DSA art. 22(6), (7)).
    FlaggerStatus {
        org: String,
        #[arg(long)]
        status: String,
        /// The coordinator's reference for this decision.
        #[arg(long)]
        reference: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        decided_on: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

/// The remote due-process commands, with their connection.
#[derive(clap::Subcommand)]
pub(crate) enum DueCommand {
    /// A platform's terms clauses.
    Terms {
        #[command(subcommand)]
        command: TermsCommand,
    },
    /// Decides a case.
    Decide(DecideArgs),
    /// Reads the notice about a decision, as the uploader (with the link's token) or as the
    /// platform (with the case id and a bearer token).
    UploaderNotice {
        #[arg(long, conflicts_with = "case", required_unless_present = "case")]
        notice_token: Option<String>,
        #[arg(long)]
        case: Option<String>,
    },
    /// The platform records when it informed the uploader (default now): their times run from then.
    UploaderInformed {
        case: String,
        /// RFC 3339.
        #[arg(long)]
        at: Option<String>,
    },
    /// The uploader gets a copy of the removal order, with the notice's token (TCO art. 11(2)).
    OrderCopy {
        #[arg(long)]
        notice_token: String,
    },
    /// An organisation's designated competences (authorities, TCO art. 12(1)) or designated
    /// channel (platforms, art. 15); administrators.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Complaints.
    Complaint {
        #[command(subcommand)]
        command: ComplaintCommand,
    },
    /// A removal order's non-disclosure, annulment and scrutiny.
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
    /// Cross-border scrutiny.
    Scrutiny {
        #[command(subcommand)]
        command: ScrutinyCommand,
    },
    /// An authority's blind watch-lists.
    Watchlist {
        #[command(subcommand)]
        command: WatchlistCommand,
    },
    /// Holds for investigation.
    Hold {
        #[command(subcommand)]
        command: HoldCommand,
    },
    /// Threats to life.
    Threat {
        #[command(subcommand)]
        command: ThreatCommand,
    },
    /// Misuse: counts, warnings, suspensions, trusted-flagger status.
    Notifier {
        #[command(subcommand)]
        command: NotifierCommand,
    },
}

/// What to send for a command: method, path, body.
fn request(cmd: DueCommand) -> anyhow::Result<(Method, String, Option<Value>)> {
    use Method as M;
    Ok(match cmd {
        DueCommand::Terms { command } => match command {
            TermsCommand::Add { code, title, url } => {
                (M::POST, "/api/v1/terms-clauses".into(), Some(json!({ "code": code, "title": title, "url": url })))
            }
            TermsCommand::List { retired } => (M::GET, format!("/api/v1/terms-clauses?retired={retired}"), None),
            TermsCommand::Retire { id } => (M::POST, format!("/api/v1/terms-clauses/{id}/retire"), Some(json!({}))),
        },
        DueCommand::Decide(args) => (M::POST, format!("/api/v1/cases/{}/decision", args.case), Some(args.body())),
        DueCommand::UploaderNotice { notice_token: Some(token), .. } => {
            (M::GET, format!("/api/v1/uploader-notices/{token}"), None)
        }
        DueCommand::UploaderNotice { case, .. } => {
            (M::GET, format!("/api/v1/cases/{}/uploader-notice", case.unwrap_or_default()), None)
        }
        DueCommand::UploaderInformed { case, at } => {
            (M::POST, format!("/api/v1/cases/{case}/uploader-notice/informed"), Some(json!({ "at": at })))
        }
        DueCommand::OrderCopy { notice_token } => {
            (M::POST, format!("/api/v1/uploader-notices/{notice_token}/order-copy"), None)
        }
        DueCommand::Org { command } => match command {
            OrgCommand::Update { id, competences, designated_channel } => {
                // `--competences none` clears them.
                let competences = competences.map(|c| c.into_iter().filter(|x| x != "none").collect::<Vec<_>>());
                (
                    M::PATCH,
                    format!("/api/v1/orgs/{id}"),
                    Some(json!({ "competences": competences, "designated_channel": designated_channel })),
                )
            }
        },
        DueCommand::Complaint { command } => match command {
            ComplaintCommand::List { all } => (M::GET, format!("/api/v1/complaints?open={}", !all), None),
            ComplaintCommand::Show { id } => (M::GET, format!("/api/v1/complaints/{id}"), None),
            ComplaintCommand::Review { id, outcome, reasons, decision } => {
                let decision: Option<Value> = match decision {
                    Some(d) => {
                        Some(serde_json::from_str(&d).map_err(|e| anyhow::anyhow!("--decision is not JSON: {e}"))?)
                    }
                    None => None,
                };
                let body = json!({ "outcome": outcome, "reasons": reasons, "decision": decision });
                (M::POST, format!("/api/v1/complaints/{id}/review"), Some(body))
            }
            ComplaintCommand::File { notice_token: Some(token), text, .. } => {
                (M::POST, format!("/api/v1/uploader-notices/{token}/complaint"), Some(json!({ "text": text })))
            }
            ComplaintCommand::File { tracking_code, location, text, .. } => (
                M::POST,
                format!("/api/v1/notices/track/{}/complaint", tracking_code.unwrap_or_default()),
                Some(json!({ "text": text, "location": location })),
            ),
        },
        DueCommand::Order { command } => match command {
            OrderCommand::ExtendEmbargo { id, until } => {
                (M::POST, format!("/api/v1/orders/{id}/embargo/extend"), Some(json!({ "until": until })))
            }
            OrderCommand::LiftEmbargo { id } => (M::POST, format!("/api/v1/orders/{id}/embargo/lift"), Some(json!({}))),
            OrderCommand::Annul { id, court, reference, decided_on } => (
                M::POST,
                format!("/api/v1/orders/{id}/annulment"),
                Some(json!({ "court": court, "reference": reference, "decided_on": decided_on })),
            ),
            OrderCommand::Scrutiny { id, reasons } => {
                (M::POST, format!("/api/v1/orders/{id}/scrutiny"), Some(json!({ "text": reasons })))
            }
            OrderCommand::Challenge { id, court, reference, filed_on } => (
                M::POST,
                format!("/api/v1/orders/{id}/challenges"),
                Some(json!({ "court": court, "reference": reference, "filed_on": filed_on })),
            ),
            OrderCommand::Challenges { id } => (M::GET, format!("/api/v1/orders/{id}/challenges"), None),
            OrderCommand::ChallengeOutcome { id, challenge, outcome, decided_on, reference } => (
                M::POST,
                format!("/api/v1/orders/{id}/challenges/{challenge}/outcome"),
                Some(json!({ "outcome": outcome, "decided_on": decided_on, "reference": reference })),
            ),
        },
        DueCommand::Scrutiny { command } => match command {
            ScrutinyCommand::List => (M::GET, "/api/v1/scrutinies".into(), None),
            ScrutinyCommand::Show { id } => (M::GET, format!("/api/v1/scrutinies/{id}"), None),
            ScrutinyCommand::Intention { id, reasons } => {
                (M::POST, format!("/api/v1/scrutinies/{id}/intention"), Some(json!({ "reasons": reasons })))
            }
            ScrutinyCommand::Decide { id, outcome, reasons } => (
                M::POST,
                format!("/api/v1/scrutinies/{id}/decision"),
                Some(json!({ "outcome": outcome, "reasons": reasons })),
            ),
            ScrutinyCommand::Request { notice_token, reasons } => {
                (M::POST, format!("/api/v1/uploader-notices/{notice_token}/scrutiny"), Some(json!({ "text": reasons })))
            }
        },
        DueCommand::Watchlist { command } => match command {
            WatchlistCommand::Create {
                name,
                legal_basis_ref,
                ends_at,
                hold_hours,
                instrument_reference,
                instrument_issuer,
                instrument_ends_at,
            } => {
                let instrument = instrument_reference.map(|reference| {
                    json!({ "reference": reference, "issuing_body": instrument_issuer, "ends_at": instrument_ends_at })
                });
                (
                    M::POST,
                    "/api/v1/watchlists".into(),
                    Some(
                        json!({ "name": name, "legal_basis_ref": legal_basis_ref, "ends_at": ends_at, "hold_hours": hold_hours, "instrument": instrument }),
                    ),
                )
            }
            WatchlistCommand::Add { id, urls, accounts, sha256, md5 } => {
                let mut entries: Vec<Value> = urls.into_iter().map(|u| json!({ "url": u })).collect();
                entries.extend(sha256.into_iter().map(|h| json!({ "media_sha256": h })));
                entries.extend(md5.into_iter().map(|h| json!({ "media_md5": h })));
                for a in accounts {
                    let (platform, account) = a
                        .split_once(':')
                        .ok_or_else(|| anyhow::anyhow!("--account is PLATFORM_ORG:ACCOUNT_ID, got {a:?}"))?;
                    entries.push(json!({ "kind": "account", "platform": platform, "account_id": account }));
                }
                (M::POST, format!("/api/v1/watchlists/{id}/entries"), Some(json!({ "entries": entries })))
            }
            WatchlistCommand::List => (M::GET, "/api/v1/watchlists".into(), None),
            WatchlistCommand::Close { id } => (M::DELETE, format!("/api/v1/watchlists/{id}"), None),
        },
        DueCommand::Hold { command } => match command {
            HoldCommand::List => (M::GET, "/api/v1/holds".into(), None),
            HoldCommand::Request { case, watchlist } => {
                (M::POST, "/api/v1/holds".into(), Some(json!({ "case": case, "watchlist": watchlist })))
            }
            HoldCommand::Release { id } => (M::POST, format!("/api/v1/holds/{id}/release"), Some(json!({}))),
        },
        DueCommand::Threat { command } => match command {
            ThreatCommand::Flag { case, note } => {
                (M::POST, format!("/api/v1/cases/{case}/threat-to-life"), Some(json!({ "note": note })))
            }
            ThreatCommand::Refer { case, basis, member_states, europol, contact_point, authority, note } => (
                M::POST,
                format!("/api/v1/cases/{case}/law-enforcement-referrals"),
                Some(
                    json!({ "basis": basis, "member_states": member_states, "europol": europol, "contact_point": contact_point, "authority": authority, "note": note }),
                ),
            ),
            ThreatCommand::Ack { case, note } => {
                (M::POST, format!("/api/v1/cases/{case}/threat-to-life/ack"), Some(json!({ "note": note })))
            }
            ThreatCommand::Show { case } => (M::GET, format!("/api/v1/cases/{case}/threat-to-life"), None),
        },
        DueCommand::Notifier { command } => match command {
            NotifierCommand::List => (M::GET, "/api/v1/notifiers".into(), None),
            NotifierCommand::Show { key } => (M::GET, format!("/api/v1/notifiers/{key}"), None),
            NotifierCommand::Warn { key, reason } => {
                (M::POST, format!("/api/v1/notifiers/{key}/warning"), Some(json!({ "reason": reason })))
            }
            NotifierCommand::Suspend { key, until, reason } => (
                M::POST,
                format!("/api/v1/notifiers/{key}/suspension"),
                Some(json!({ "reason": reason, "until": until })),
            ),
            NotifierCommand::Lift { key, reason } => {
                (M::POST, format!("/api/v1/notifiers/{key}/lift"), Some(json!({ "reason": reason })))
            }
            NotifierCommand::FlaggerAward { org, coordinator, member_state, reference, areas, awarded_on } => (
                M::PUT,
                format!("/api/v1/orgs/{org}/trusted-flagger-award"),
                Some(json!({ "coordinator": coordinator, "member_state": member_state, "reference": reference,
                             "areas": areas, "awarded_on": awarded_on })),
            ),
            NotifierCommand::FlaggerStatus { org, status, reference, decided_on, reason } => (
                M::PUT,
                format!("/api/v1/orgs/{org}/trusted-flagger-status"),
                Some(json!({ "status": status, "reference": reference, "decided_on": decided_on, "reason": reason })),
            ),
        },
    })
}

pub(crate) async fn run(conn: Connection, cmd: DueCommand) -> anyhow::Result<ExitCode> {
    let (method, path, body) = request(cmd)?;
    let client = Client::new(&conn)?;
    let answer = client.call(method, &path, body).await?;
    println!("{answer}");
    Ok(ExitCode::SUCCESS)
}

/// `vigie legal-bases`: the taxonomy built into this binary, as JSON lines or a table.
pub(crate) fn legal_bases(json_lines: bool) -> ExitCode {
    let t = vigie_model::decision::taxonomy();
    if json_lines {
        for b in &t.bases {
            let line = json!({
                "id": b.id, "title": b.title, "citation": b.citation, "offence_reference": b.offence_reference,
                "jurisdiction": b.jurisdiction.code(), "terrorist_content": b.terrorist_content,
                "tco_type": b.tco_type, "reference_url": b.reference_url, "since_version": b.since_version,
                "retired_in_version": b.retired_in_version, "superseded_by": b.superseded_by,
                "taxonomy_version": t.version,
            });
            println!("{line}");
        }
    } else {
        println!("legal-basis taxonomy version {} ({})", t.version, t.published);
        for b in &t.bases {
            let retired = match b.retired_in_version {
                Some(v) => format!("  (retired in version {v}: cite {})", b.superseded_by.join(" or ")),
                None => String::new(),
            };
            println!("{:<26} {:<3} {}  [{}]{retired}", b.id, b.jurisdiction.code(), b.title, b.citation);
        }
    }
    ExitCode::SUCCESS
}
