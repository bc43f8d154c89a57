//! `vigie serve --demo`: a data directory seeded with invented organisations and people, synthetic
//! media drawn here (shapes and block letters, never real material), a hash bank, and cases in
//! every state, so that a newcomer sees the whole console at once.
//!
//! Everything goes through the same use-cases as the API, so the event log is a real one. A data
//! directory seeded this way is marked (`demo.marker`); `--demo` refuses any other directory that
//! already holds data, and starts a marked one again without seeding twice.

use std::path::Path;

use anyhow::{Context, bail};
use vigie_app::App;
use vigie_app::admin::NewUserInput;
use vigie_app::banks::uploads::UploadInput;
use vigie_app::dueprocess::TermsClauseInput;
use vigie_app::intake::{NoticeInput, OrderInput, ReferralInput};
use vigie_model::Principal;
use vigie_model::decision::RawDecision;
use vigie_model::location::RawLocation;
use vigie_model::order::{RawOrderForm, Redress, Representative};
use vigie_model::org::{Contact, NewOrg};

const MARKER: &str = "demo.marker";

/// Whether `--demo` may use `data`: empty or missing, or seeded by an earlier `--demo`.
/// Returns whether it still needs seeding.
pub(crate) fn check_dir(data: &Path) -> anyhow::Result<bool> {
    if data.join(MARKER).exists() {
        return Ok(false);
    }
    if data.join("vigie.sqlite3").exists() {
        bail!(
            "refusing --demo: {} already holds data that the demo did not make; use an empty directory",
            data.display()
        );
    }
    Ok(true)
}

/// A person of the demo, as printed for the newcomer.
pub(crate) struct DemoPerson {
    pub(crate) role: &'static str,
    pub(crate) login: String,
    pub(crate) password: String,
}

fn password() -> String {
    let mut b = [0u8; 9];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    format!("demo-{}", hex::encode(b))
}

/// Block letters, 5 × 7, for the labels drawn on synthetic images.
fn glyph(c: char) -> [u8; 7] {
    match c {
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'B' => [30, 17, 17, 30, 17, 17, 30],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [30, 17, 17, 17, 17, 17, 30],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'N' => [17, 25, 21, 19, 17, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'Y' => [17, 17, 10, 4, 4, 4, 4],
        '0'..='9' => {
            const DIGITS: [[u8; 7]; 10] = [
                [14, 17, 19, 21, 25, 17, 14],
                [4, 12, 4, 4, 4, 4, 14],
                [14, 17, 1, 2, 4, 8, 31],
                [30, 1, 1, 14, 1, 1, 30],
                [2, 6, 10, 18, 31, 2, 2],
                [31, 16, 30, 1, 1, 17, 14],
                [6, 8, 16, 30, 17, 17, 14],
                [31, 1, 2, 4, 8, 8, 8],
                [14, 17, 17, 14, 17, 17, 14],
                [14, 17, 17, 15, 1, 2, 12],
            ];
            DIGITS[c as usize - '0' as usize]
        }
        _ => [0; 7],
    }
}

/// A synthetic 320 × 240 PNG: a gradient, circles and bars placed by `seed`, and `label` in block
/// letters. Nothing real is ever drawn.
pub(crate) fn synthetic_image(seed: u32, label: &str) -> Vec<u8> {
    let (w, h) = (320usize, 240usize);
    let mut px = vec![0u8; w * h * 3];
    let hue = |s: u32, k: u32| ((s.wrapping_mul(2_654_435_761).wrapping_add(k * 97)) >> 24) as u8;
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            px[i] = (x * 255 / w) as u8 / 2 + hue(seed, 1) / 2;
            px[i + 1] = (y * 255 / h) as u8 / 2 + hue(seed, 2) / 2;
            px[i + 2] = hue(seed, 3);
        }
    }
    for k in 0..4u32 {
        let cx = (hue(seed, 10 + k) as usize * w) / 256;
        let cy = (hue(seed, 20 + k) as usize * h) / 256;
        let r = 15 + (hue(seed, 30 + k) as usize % 40);
        let colour = [hue(seed, 40 + k), hue(seed, 50 + k), hue(seed, 60 + k)];
        for y in cy.saturating_sub(r)..(cy + r).min(h) {
            for x in cx.saturating_sub(r)..(cx + r).min(w) {
                if (x as i64 - cx as i64).pow(2) + (y as i64 - cy as i64).pow(2) <= (r * r) as i64 {
                    px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&colour);
                }
            }
        }
    }
    let scale = 4;
    for (n, c) in label.chars().take(12).enumerate() {
        for (row, bits) in glyph(c.to_ascii_uppercase()).iter().enumerate() {
            for col in 0..5 {
                if bits >> (4 - col) & 1 == 1 {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let x = 12 + n * 6 * scale + col * scale + dx;
                            let y = h - 12 - 7 * scale + row * scale + dy;
                            if x < w {
                                px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[255, 255, 255]);
                            }
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Ok(mut writer) = enc.write_header() {
            let _ = writer.write_image_data(&px);
        }
    }
    out
}

fn notice(url: &str, text: &str) -> NoticeInput {
    NoticeInput {
        explanation: Some(text.to_owned()),
        locations: vec![RawLocation { url: Some(url.to_owned()), ..RawLocation::default() }],
        notifier_name: None,
        notifier_email: None,
        good_faith: Some(true),
        threat_to_life: false,
        language: None,
        harm_types: Vec::new(),
    }
}

fn decision(action: &str, basis: Option<&str>, terms: Option<&str>, why: &str) -> RawDecision {
    RawDecision {
        action: Some(action.to_owned()),
        legal_basis: basis.map(str::to_owned),
        terms_clause: terms.map(str::to_owned),
        territorial_scope: None,
        purpose: basis.map(|_| "none".to_owned()),
        purpose_rationale: basis.map(|_| "no news, research, art or education framing".to_owned()),
        automated_detection: Some(false),
        automated_decision: Some(false),
        explanation: Some(why.to_owned()),
        manifestly_unfounded: Some(false),
        ..RawDecision::default()
    }
}

fn order(platform: &str, url: &str, reference: &str) -> OrderInput {
    OrderInput {
        addressee: Some(platform.to_owned()),
        locations: vec![RawLocation { url: Some(url.to_owned()), ..RawLocation::default() }],
        form: RawOrderForm {
            reference: Some(reference.to_owned()),
            reasons: Some(vec!["a".into()]),
            statement_of_reasons: Some("Synthetic demo order: the (invented) video calls for attacks.".into()),
            // LCEN art. 6-1-5: 48 hours, from receipt (the platform) or being informed (the uploader).
            redress: Some(Redress {
                body: Some("Tribunal administratif de Paris".into()),
                deadline_days: None,
                deadline_hours: Some(48),
                deadline_from: Some("receipt of the order, or being informed of it".into()),
                provisions_url: None,
            }),
            non_disclosure: Some(false),
            authority_type: Some("law_enforcement".into()),
            representative: Some(Representative {
                name: Some("Demo Officer".into()),
                post: Some("Commissaire".into()),
            }),
            file_number: None,
            contact_email: Some("iru@demo.invalid".into()),
            emergency_justification: Some("Demo: no advance notice was sent.".into()),
        },
        non_disclosure_until: None,
        threat_to_life: false,
        language: None,
    }
}

async fn person(
    app: &App,
    admin: &Principal,
    org: &vigie_model::OrgId,
    name: &str,
    login: &str,
    roles: &[&str],
) -> anyhow::Result<(Principal, String)> {
    let password = password();
    let input = NewUserInput {
        name: Some(name.to_owned()),
        roles: Some(roles.iter().map(|r| (*r).to_owned()).collect()),
        login: Some(login.to_owned()),
        password: Some(password.clone()),
    };
    let user = app.create_user(admin, org.clone(), input).await?;
    let input = vigie_app::admin::NewTokenInput { label: Some("demo".into()), expires_at: None };
    let (_, token) = app.issue_token(admin, user.id, input).await?;
    Ok((app.authenticate(&token).await?, password))
}

fn org(kind: &str, name: &str, state: Option<&str>) -> NewOrg {
    authority(kind, name, state, &[])
}

/// An organisation with the competences its member state designated it for (TCO art. 12(1)).
fn authority(kind: &str, name: &str, state: Option<&str>, competences: &[&str]) -> NewOrg {
    NewOrg {
        competences: Some(competences.iter().map(|c| (*c).to_owned()).collect()),
        europol: None,
        designated_channel: None,
        name: Some(name.to_owned()),
        kind: Some(kind.to_owned()),
        member_state: if kind == "platform" { None } else { state.map(str::to_owned) },
        main_establishment: if kind == "platform" { state.map(str::to_owned) } else { None },
        legal_representative: None,
        contact_point: (kind == "platform")
            .then(|| Contact { email: Some("tco@tube.demo.invalid".into()), ..Contact::default() }),
    }
}

/// Who acts in the due-process part of the demo.
struct Demo<'a> {
    /// The platform's first moderator (also its integrator and senior reviewer) and the second one.
    platform: &'a Principal,
    second: &'a Principal,
    /// The analyst of the French authority designated to issue orders (TCO art. 12(1)(a)).
    analyst: &'a Principal,
    /// The Irish authority designated for scrutiny (art. 12(1)(b)) of orders to the Irish platform.
    host: &'a Principal,
    tube: &'a vigie_model::OrgId,
    iru: &'a vigie_model::OrgId,
}

/// An order issued and received, then decided (removed) by the platform.
async fn removed_order(app: &App, d: &Demo<'_>, input: OrderInput) -> anyhow::Result<vigie_app::cases::OrderView> {
    let order = app.submit_order(d.analyst, input).await?;
    app.inbox(d.platform, None, 500).await?;
    let why = "Removed on the (synthetic) order.";
    app.decide(d.second, order.cases[0].0.as_str(), decision("remove", Some("eu.tco.2-7-a"), None, why)).await?;
    Ok(app.get_order(d.analyst, order.id.as_str()).await?)
}

/// The due-process states the console and the API show: an embargo, a watch-list hold under a
/// national legal instrument and a match that holds nothing, scrutiny pending and decided, an
/// order a court annulled, a reinstatement and a threat-to-life referral.
async fn due_process_states(app: &App, d: &Demo<'_>) -> anyhow::Result<()> {
    let tube = d.tube.as_str();
    let in_days = |n: i64| app.now().plus(vigie_model::Duration::from_days(n)).to_rfc3339();

    // An order under non-disclosure: removed, and the uploader's notice withheld until it ends.
    let mut embargoed = order(tube, "https://tube.demo/v/embargoed", "DEMO-ORDER-EMBARGO");
    embargoed.form.non_disclosure = Some(true);
    embargoed.non_disclosure_until = Some(in_days(14));
    removed_order(app, d, embargoed).await?;

    // Cross-border scrutiny (a French order to an Irish platform): one pending, one decided.
    let pending = removed_order(app, d, order(tube, "https://tube.demo/v/scrutiny-1", "DEMO-ORDER-SCRUTINY-1")).await?;
    let asked = "The (synthetic) clip is a news report about the attack, not propaganda.";
    app.request_scrutiny(d.platform, pending.order.id.as_str(), Some(asked.into())).await?;
    let decided = removed_order(app, d, order(tube, "https://tube.demo/v/scrutiny-2", "DEMO-ORDER-SCRUTINY-2")).await?;
    let s =
        app.request_scrutiny(d.platform, decided.order.id.as_str(), Some("The order gives no reasons.".into())).await?;
    let outcome = vigie_app::dueprocess::scrutiny::ScrutinyDecisionInput {
        outcome: Some("no_infringement".into()),
        reasons: Some("The order states its reasons; the content incites attacks.".into()),
    };
    app.decide_scrutiny(d.host, s.id.as_str(), outcome).await?;

    // An order a court annulled (TCO art. 9), recorded by its issuer with the ruling's reference:
    // it stopped having effect and the content came back.
    let annulled = removed_order(app, d, order(tube, "https://tube.demo/v/annulled", "DEMO-ORDER-ANNULLED")).await?;
    let court = vigie_app::dueprocess::AnnulmentInput {
        court: Some("Tribunal administratif de Paris (demo)".into()),
        reference: Some("DEMO-2601234".into()),
        decided_on: Some("2026-12-01".into()),
    };
    app.annul_order(d.analyst, annulled.order.id.as_str(), court).await?;

    // The platform reinstates content it had removed on its own assessment.
    let receipt = app
        .submit_notice(None, notice("https://tube.demo/v/satire", "A (synthetic) clip reported as propaganda."))
        .await?;
    let satire = receipt.cases[0].0.as_str().to_owned();
    app.inbox(d.platform, None, 500).await?;
    app.decide(d.second, &satire, decision("remove", None, Some("4.2"), "Taken for propaganda at first sight."))
        .await?;
    app.reinstate_case(d.platform, &satire, Some("On review the clip is satire; put back.".into())).await?;

    // A watch-list of the French authority. A public notice always reaches its platform, and the
    // authority is told of the match; only a recorded national legal instrument orders one held.
    let list = vigie_app::dueprocess::holds::WatchlistInput {
        name: Some("Demo investigation".into()),
        legal_basis_ref: Some("Art. 706-87 CPP, file DEMO-42 (synthetic)".into()),
        ends_at: Some(in_days(30)),
        hold_hours: Some(72),
        instrument: Some(vigie_app::dueprocess::holds::InstrumentInput {
            reference: Some("DEMO-JI-2026-7 (synthetic)".into()),
            issuing_body: Some("Juge d'instruction, tribunal judiciaire de Paris (demo)".into()),
            ends_at: Some(in_days(10)),
        }),
    };
    let list = app.create_watchlist(d.analyst, list).await?;
    let watched = RawLocation { url: Some("https://tube.demo/v/watched".into()), ..RawLocation::default() };
    app.add_watch_entries(d.analyst, list.id.as_str(), vec![watched]).await?;
    app.submit_notice(None, notice("https://tube.demo/v/watched", "A (synthetic) video an investigation watches."))
        .await?;
    let plain = vigie_app::dueprocess::holds::WatchlistInput {
        name: Some("Demo leads".into()),
        legal_basis_ref: Some("Preliminary inquiry DEMO-43 (synthetic)".into()),
        ends_at: Some(in_days(30)),
        hold_hours: None,
        instrument: None,
    };
    let plain = app.create_watchlist(d.analyst, plain).await?;
    let lead = RawLocation { url: Some("https://tube.demo/v/lead".into()), ..RawLocation::default() };
    app.add_watch_entries(d.analyst, plain.id.as_str(), vec![lead]).await?;
    app.submit_notice(None, notice("https://tube.demo/v/lead", "A (synthetic) video a preliminary inquiry follows."))
        .await?;

    // A threat to life, referred to law enforcement by the platform.
    let mut threat = notice("https://tube.demo/v/threat", "A (synthetic) post announcing an attack tonight.");
    threat.threat_to_life = true;
    let threat = app.submit_notice(None, threat).await?;
    let referral = vigie_app::dueprocess::threats::ReferralToPoliceInput {
        basis: Some("dsa_18".into()),
        member_states: vec!["FR".into()],
        europol: false,
        contact_point: false,
        authority: Some(d.iru.as_str().to_owned()),
        note: Some("Synthetic demo referral.".into()),
    };
    app.refer_to_police(d.platform, threat.cases[0].0.as_str(), referral).await?;
    Ok(())
}

/// Seeds the demo through the use-cases; returns the people to print.
pub(crate) async fn seed(app: &App, admin_token: &str, data: &Path) -> anyhow::Result<Vec<DemoPerson>> {
    let admin = app.authenticate(admin_token).await.context("the demo's administrator")?;
    let mut people = Vec::new();
    let mut add = |role: &'static str, login: &str, password: String| {
        people.push(DemoPerson { role, login: login.to_owned(), password });
    };
    let (_, pw) = person(app, &admin, &admin.org, "Demo Operator", "operator", &["admin"]).await?;
    add("administrator (hub)", "operator", pw);

    let tube = app.create_org(&admin, org("platform", "Tube (demo platform)", Some("IE"))).await?;
    let (mod1, pw) = person(app, &admin, &tube.id, "Ana (demo)", "ana", &["moderator", "integrator", "senior"]).await?;
    add("platform moderator, integrator and senior reviewer", "ana", pw);
    let (mod2, pw) = person(app, &admin, &tube.id, "Ben (demo)", "ben", &["moderator"]).await?;
    add("platform moderator (reviews complaints)", "ben", pw);
    // The vault's exports need two custodians (four eyes).
    let (_, pw) = person(app, &admin, &tube.id, "Gus (demo)", "gus", &["evidence_custodian"]).await?;
    add("platform evidence custodian", "gus", pw);
    let (_, pw) = person(app, &admin, &tube.id, "Hana (demo)", "hana", &["evidence_custodian"]).await?;
    add("platform evidence custodian (approves exports)", "hana", pw);
    app.claim_host(&mod1, "tube.demo").await?;
    app.approve_host(&admin, "tube.demo").await?;
    let clause = TermsClauseInput {
        code: Some("4.2".into()),
        title: Some("Violent extremism".into()),
        url: Some("https://tube.demo/terms#4.2".into()),
        body: None,
    };
    app.register_terms_clause(&mod1, clause).await?;

    let iru = app
        .create_org(&admin, authority("authority", "Demo authority (orders, referrals)", Some("FR"), &["issue_orders"]))
        .await?;
    let (analyst, pw) = person(app, &admin, &iru.id, "Claire (demo)", "claire", &["reporter"]).await?;
    add("authority analyst (orders, referrals)", "claire", pw);
    let ie = app
        .create_org(&admin, authority("authority", "Demo competent authority (scrutiny)", Some("IE"), &["scrutiny"]))
        .await?;
    let (dara, pw) = person(app, &admin, &ie.id, "Dara (demo)", "dara", &["reporter"]).await?;
    add("authority of the platform's state (scrutiny)", "dara", pw);
    let ngo = app.create_org(&admin, org("trusted_flagger", "Demo watchdog", Some("BE"))).await?;
    // Its status is the coordinator's award (DSA art. 22(2)), which the hub records.
    let award = vigie_app::dueprocess::misuse::AwardInput {
        coordinator: Some("Demo coordinator (BIPT)".into()),
        member_state: Some("BE".into()),
        reference: Some("DEMO-TF-2026-1".into()),
        areas: Some(vec!["risk_for_public_security".into()]),
        awarded_on: Some("2026-01-15".into()),
    };
    app.record_flagger_award(&admin, ngo.id.as_str(), award).await?;
    let (flagger, pw) = person(app, &admin, &ngo.id, "Emil (demo)", "emil", &["reporter"]).await?;
    add("trusted flagger", "emil", pw);
    let audit = app.create_org(&admin, org("overseer", "Demo overseer", None)).await?;
    let (_, pw) = person(app, &admin, &audit.id, "Fay (demo)", "fay", &["viewer"]).await?;
    add("overseer (reads the log and the dashboard)", "fay", pw);

    // A stay-down bank with one synthetic image; its re-upload opens a case by hash match.
    let bank = vigie_model::bank::RawBank {
        name: Some("demo-removed".into()),
        stay_down: Some(true),
        description: Some("Synthetic images only".into()),
        ..Default::default()
    };
    let bank = app.create_bank(&mod1, bank).await?;
    let known = synthetic_image(7, "DEMO 7");
    let hashes = app.hash_image(&mod1, known.clone(), vigie_app::media::HashRequest::default()).await?;
    let entry = vigie_app::banks::NewEntry {
        signal_type: Some("pdq".into()),
        value: Some(hashes.pdq.hash.to_string()),
        note: Some("synthetic demo image".into()),
        ..Default::default()
    };
    app.add_entry(&mod1, bank.bank.id.as_str(), entry, "demo").await?;
    let upload =
        UploadInput { url: Some("https://tube.demo/v/reupload".into()), media: Some(known), ..Default::default() };
    app.check_upload(&mod1, upload).await?;

    // Public notices in several states, with synthetic media.
    let mut cases = Vec::new();
    // Each with the language and types its (invented) notifier gave, or none.
    for (i, (text, language, types)) in [
        ("A (synthetic) video praising an attack and calling for more.", Some("fr"), &["a"][..]),
        ("A (synthetic) channel recruiting for a listed group.", Some("ar"), &["c"][..]),
        ("A (synthetic) post with instructions for a weapon.", Some("ar"), &["d"][..]),
        ("A cooking video, reported by mistake.", Some("it"), &[][..]),
        ("<script>alert('hostile text is shown as text')</script>", None, &[][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut input = notice(&format!("https://tube.demo/v/{}", i + 1), text);
        input.language = language.map(str::to_owned);
        input.harm_types = types.iter().map(|t| (*t).to_owned()).collect();
        let receipt = app.submit_notice(None, input).await?;
        cases.push(receipt.cases[0].0.as_str().to_owned());
    }
    for (i, case) in cases.iter().enumerate().take(3) {
        app.attach_media(&mod1, case, synthetic_image(i as u32 + 1, &format!("DEMO {}", i + 1))).await?;
    }
    app.inbox(&mod1, None, 100).await?;
    app.acknowledge(&mod1, &cases[1]).await?;
    let removed = app
        .decide(
            &mod1,
            &cases[0],
            decision("remove", Some("eu.tco.2-7-a"), None, "The video praises the attack and calls for more."),
        )
        .await?;
    app.decide(&mod1, &cases[3], decision("no_action", None, None, "A cooking video: nothing unlawful.")).await?;
    let notice_token = app.case_uploader_notice(&mod1, &cases[0]).await?.token.context("an issued notice's link")?;
    app.complain_as_uploader(&notice_token, Some("This is my (invented) documentary.".into())).await?;
    let _ = removed;

    // A trusted flagger's notice, a referral, and orders in several states.
    app.submit_notice(Some(&flagger), notice("https://tube.demo/v/flagged", "A (synthetic) propaganda clip.")).await?;
    let referral = ReferralInput {
        explanation: Some("A (synthetic) propaganda channel.".into()),
        locations: vec![RawLocation { url: Some("https://tube.demo/c/channel".into()), ..RawLocation::default() }],
        reference: Some("REF-DEMO-1".into()),
        terms_clause: Some("4.2".into()),
        threat_to_life: false,
        language: Some("ps".into()),
        harm_types: vec!["c".into()],
    };
    app.submit_referral(&analyst, referral).await?;
    let running =
        app.submit_order(&analyst, order(tube.id.as_str(), "https://tube.demo/v/order-1", "DEMO-ORDER-1")).await?;
    let suspended =
        app.submit_order(&analyst, order(tube.id.as_str(), "https://tube.demo/v/order-2", "DEMO-ORDER-2")).await?;
    let complied =
        app.submit_order(&analyst, order(tube.id.as_str(), "https://tube.demo/v/order-3", "DEMO-ORDER-3")).await?;
    app.inbox(&mod1, None, 100).await?;
    let _ = running;
    app.cannot_comply(
        &mod2,
        suspended.id.as_str(),
        vec!["insufficient_information".into()],
        Some("Which of the channel's videos is meant?".into()),
    )
    .await?;
    app.decide(
        &mod2,
        complied.cases[0].0.as_str(),
        decision("remove", Some("eu.tco.2-7-a"), None, "Removed on the order."),
    )
    .await?;
    due_process_states(
        app,
        &Demo { platform: &mod1, second: &mod2, analyst: &analyst, host: &dara, tube: &tube.id, iru: &iru.id },
    )
    .await
    .context("while seeding the due-process states")?;

    // A URL on a host nobody claimed: parked for the hub.
    app.submit_notice(None, notice("https://unknown-host.demo/p/1", "A (synthetic) post on an unclaimed host."))
        .await?;

    std::fs::write(data.join(MARKER), "seeded by `vigie serve --demo`: synthetic data only\n")?;
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_images_decode_and_differ_by_seed() {
        let a = synthetic_image(1, "DEMO 1");
        let b = synthetic_image(2, "DEMO 2");
        assert_ne!(a, b);
        let limits = vigie_hash::Limits::default();
        let (ha, hb) = (
            vigie_hash::hash_image(&a, &vigie_hash::HashOptions { limits, ..Default::default() }).unwrap(),
            vigie_hash::hash_image(&b, &vigie_hash::HashOptions { limits, ..Default::default() }).unwrap(),
        );
        assert_eq!((ha.width, ha.height), (320, 240));
        assert!(ha.pdq.hash.distance(&hb.pdq.hash) > 31, "distinct images, distinct hashes");
    }
}
