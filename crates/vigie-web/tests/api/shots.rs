//! Each role's main page, drawn at 1280 and 390 px wide from one invented world: the public's
//! report form, the moderator's queue, a case and the dashboard, the authority's orders, the
//! scrutinising authority's page, the trusted flagger's notices, the overseer's log, the
//! administrator's people and the integrator's dead letters. Every run draws each page at both widths, finds what the world put on it and checks
//! that nothing scrolls sideways; with `VIGIE_SHOTS=<dir>` it also saves each screen as
//! `<role>-<page>-<width>.png` in that directory (`docs/screenshots/` holds the committed set).

use serde_json::{Value, json};
use vigie_model::Duration;

use crate::console::{attach, case_of, sign_in_to, with_password};
use crate::helpers::*;
use crate::look::{hub, sideways};
use crate::webdriver::Browser;

/// The widths of the screenshots: a laptop and a phone, each with its usual height.
const SCREENS: [(u32, u32); 2] = [(1280, 800), (390, 844)];

/// A person with a name, roles, a token and a console login.
async fn named(t: &TestApp, org: &str, name: &str, roles: &[&str], login: &str) -> (Member, String) {
    let body = json!({ "name": name, "roles": roles });
    let user =
        t.post(&format!("/api/v1/orgs/{org}/users"), ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let token = t.post(&format!("/api/v1/users/{user}/tokens"), ADMIN, json!({})).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = Member { org: org.to_owned(), user, token };
    let login = with_password(t, &m, login).await;
    (m, login)
}

async fn org(t: &TestApp, body: Value) -> String {
    t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned()
}

/// One page to draw: who, which page, where it is, and what on it proves the world is there.
struct Shot {
    role: &'static str,
    page: &'static str,
    /// Who signs in, and the page that greets them; `None`: nobody.
    login: Option<String>,
    landing: &'static str,
    path: String,
    shows: String,
}

#[tokio::test]
async fn every_roles_main_page_is_drawn_at_1280_and_390_px_and_saved_when_asked() {
    let t = TestApp::start().await;
    // The platform, its people (Ana decides, keeps the integration and is its senior reviewer),
    // its host and a terms clause.
    let tube = org(
        &t,
        json!({ "name": "Tube (video platform)", "kind": "platform", "main_establishment": "IE",
                "contact_point": { "email": "tco@tube.example" } }),
    )
    .await;
    let (ana, ana_login) =
        named(&t, &tube, "Ana Reviewer", &["moderator", "integrator", "senior"], "ana.reviewer").await;
    let (ben, _) = named(&t, &tube, "Ben Reviewer", &["moderator"], "ben.reviewer").await;
    named(&t, &tube, "Chris Viewer", &["viewer"], "chris.viewer").await;
    t.post("/api/v1/hosts", &ana.token, json!({ "host": "tube.example" })).await.expect(201);
    t.post("/api/v1/hosts/tube.example/approve", ADMIN, json!({})).await.expect(200);
    let clause = json!({ "code": "4.2", "title": "Violent extremism", "url": "https://tube.example/terms#4.2" });
    t.post("/api/v1/terms-clauses", &ana.token, clause).await.expect(201);

    // Its webhook answers 500 to the first message until it is a dead letter (the worker
    // stepped, the clock moved past each backoff), then 200.
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &ana.token, json!({ "url": rx.url })).await.expect(201);
    let attempts = vigie_app::delivery::MAX_ATTEMPTS as usize;
    *rx.script.lock().unwrap() = vec![500; attempts];
    t.notice("https://tube.example/watch/first-upload").await;
    for _ in 0..attempts {
        t.deliver().await;
        t.advance(Duration::from_mins(10));
    }
    t.deliver().await;
    let dead = t.get("/api/v1/deliveries/dead", &ana.token).await.expect(200);
    let letter = dead["deliveries"][0]["id"].as_str().expect("a dead letter").to_owned();

    // The authorities: France's issues orders, Ireland's scrutinises those to Irish platforms.
    let fr = org(
        &t,
        json!({ "name": "IRU (France)", "kind": "authority", "member_state": "FR", "competences": ["issue_orders"] }),
    )
    .await;
    let (claire, claire_login) = named(&t, &fr, "Claire Analyst", &["reporter"], "claire.analyst").await;
    let ie = org(
        &t,
        json!({ "name": "Coimisiún na Meán", "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] }),
    )
    .await;
    let (_, dara_login) = named(&t, &ie, "Dara Scrutiny", &["reporter"], "dara.scrutiny").await;
    let ngo = org(&t, json!({ "name": "Watchdog NGO", "kind": "trusted_flagger", "member_state": "FR" })).await;
    let award = json!({ "coordinator": "Arcom", "member_state": "FR", "reference": "ARCOM-TF-7",
                        "areas": ["risk_for_public_security"], "awarded_on": "2026-01-15" });
    t.send(reqwest::Method::PUT, &format!("/api/v1/orgs/{ngo}/trusted-flagger-award"), Some(ADMIN), Some(award))
        .await
        .expect(200);
    let (flagger, flagger_login) = named(&t, &ngo, "Eve Analyst", &["reporter"], "eve.analyst").await;
    let audit = org(&t, json!({ "name": "Audit office", "kind": "overseer" })).await;
    let (_, fay_login) = named(&t, &audit, "Fay Auditor", &["viewer"], "fay.auditor").await;
    let (_, olive_login) = named(&t, &hub(&t).await, "Olive Operator", &["admin"], "olive.operator").await;

    // Orders: one complied with in minutes, which the platform has scrutinised; one running.
    let mut body = order_body(&tube, &["https://tube.example/watch/attack-video"]);
    body["reference"] = json!("FR-IRU-2026-0101");
    let done = t.post("/api/v1/orders", &claire.token, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &ana.token).await.expect(200);
    let done_case = t.get(&format!("/api/v1/orders/{done}"), &claire.token).await.expect(200)["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.advance(Duration::from_mins(7));
    let removal = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
                          "purpose_rationale": "recruitment video", "explanation": "Calls viewers to repeat the attack." });
    t.post(&format!("/api/v1/cases/{done_case}/decision"), &ana.token, removal.clone()).await.expect(201);
    let asked = json!({ "text": "The video is part of a news report about the attack." });
    let scrutiny = t.post(&format!("/api/v1/orders/{done}/scrutiny"), &ana.token, asked).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body = order_body(&tube, &["https://tube.example/watch/manifesto-reading"]);
    body["reference"] = json!("FR-IRU-2026-0102");
    let running = t.post("/api/v1/orders", &claire.token, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let referral = json!({ "explanation": "A channel that reposts a listed group's videos.",
                           "locations": [{ "url": "https://tube.example/channel/relay" }] });
    t.post("/api/v1/referrals", &claire.token, referral).await.expect(201);

    // The trusted flagger's notices: one removed, one waiting.
    let flagged: Vec<String> = {
        let mut out = Vec::new();
        for path in ["watch/recruitment-clip", "watch/chant-remix"] {
            let r = t
                .post("/api/v1/notices", &flagger.token, notice_body(&format!("https://tube.example/{path}")))
                .await
                .expect(201);
            out.push(r["cases"][0]["case"].as_str().unwrap().to_owned());
        }
        out
    };
    t.get("/api/v1/inbox", &ana.token).await.expect(200);
    t.advance(Duration::from_mins(25));
    t.post(&format!("/api/v1/cases/{}/decision", flagged[0]), &ana.token, removal).await.expect(201);

    // Public notices: one with media that Ana claimed; one Ben escalated to her with a note.
    let with_media = case_of(&t, &t.notice("https://tube.example/watch/flag-and-rifle").await).await;
    attach(&t, &ana, &with_media, png(640, 360)).await;
    let escalated = case_of(&t, &t.notice("https://tube.example/watch/news-or-propaganda").await).await;
    case_of(&t, &t.notice("https://tube.example/shorts/anthem-edit").await).await;
    t.get("/api/v1/inbox", &ana.token).await.expect(200);
    let bens = t.app.authenticate(&ben.token).await.unwrap();
    let to_ana = vigie_model::UserId::parse(&ana.user).unwrap();
    let note = "Borderline: news footage with a logo. Over to you.";
    t.app.leave_case(&bens, &escalated, vigie_app::shift::Leave::Escalate(to_ana), Some(note)).await.unwrap();
    t.post(&format!("/api/v1/cases/{with_media}/claim"), &ana.token, json!({})).await.expect(200);
    t.advance(Duration::from_mins(3));

    let shots = [
        Shot {
            role: "public",
            page: "report",
            login: None,
            landing: "/report",
            path: "/report".into(),
            shows: "#urls".into(),
        },
        Shot {
            role: "moderator",
            page: "queue",
            login: Some(ana_login.clone()),
            landing: "/queue",
            path: "/queue".into(),
            shows: format!("#row-{escalated}"),
        },
        Shot {
            role: "moderator",
            page: "case",
            login: Some(ana_login.clone()),
            landing: "/queue",
            path: format!("/cases/{with_media}"),
            shows: "#decision".into(),
        },
        Shot {
            role: "moderator",
            page: "dashboard",
            login: Some(ana_login.clone()),
            landing: "/queue",
            path: "/dashboard".into(),
            shows: "#dead-letters".into(),
        },
        Shot {
            role: "authority",
            page: "orders",
            login: Some(claire_login),
            landing: "/orders",
            path: "/orders".into(),
            shows: format!("#order-{running}"),
        },
        Shot {
            role: "authority",
            page: "scrutiny",
            login: Some(dara_login),
            landing: "/orders",
            path: "/scrutiny".into(),
            shows: format!("#scrutiny-{scrutiny}"),
        },
        Shot {
            role: "flagger",
            page: "notices",
            login: Some(flagger_login),
            landing: "/notices",
            path: "/notices".into(),
            shows: "table.notices td.state".into(),
        },
        Shot {
            role: "overseer",
            page: "log",
            login: Some(fay_login),
            landing: "/log",
            path: "/log".into(),
            shows: "#log-verified".into(),
        },
        Shot {
            role: "admin",
            page: "people",
            login: Some(olive_login),
            landing: "/admin",
            path: format!("/admin/orgs/{tube}"),
            shows: format!("#person-{}", ana.user),
        },
        Shot {
            role: "integrator",
            page: "dead-letters",
            login: Some(ana_login),
            landing: "/queue",
            path: "/dead-letters".into(),
            shows: format!("#letter-{letter}"),
        },
    ];
    let save = std::env::var_os("VIGIE_SHOTS").map(std::path::PathBuf::from);
    if let Some(dir) = &save {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut wide = Vec::new();
    let mut saved = Vec::new();
    for shot in &shots {
        let b = Browser::start().await;
        if let Some(login) = &shot.login {
            sign_in_to(&t, &b, login, shot.landing).await;
        }
        for (width, height) in SCREENS {
            b.viewport(Some((width, height))).await;
            b.goto(&t.url(&shot.path)).await;
            b.find(&shot.shows).await;
            let title = b.text(&b.find("main h1").await).await;
            assert!(!title.is_empty() && !title.contains("Forbidden"), "{} {}: {title}", shot.role, shot.page);
            if let Some(why) = sideways(&b).await {
                wide.push(format!("{} {} at {width} px: {why}", shot.role, shot.page));
            }
            let png = b.png().await;
            assert!(png.starts_with(b"\x89PNG"), "a PNG of {} {}", shot.role, shot.page);
            if let Some(dir) = &save {
                let name = format!("{}-{}-{width}.png", shot.role, shot.page);
                std::fs::write(dir.join(&name), &png).unwrap();
                saved.push((name, png.len()));
            }
        }
    }
    assert!(wide.is_empty(), "pages wider than the screen:\n{}", wide.join("\n"));
    if save.is_some() {
        assert_eq!(saved.len(), shots.len() * SCREENS.len());
        for (name, bytes) in &saved {
            eprintln!("saved {name}: {} KB", bytes / 1024);
        }
    }
}
