//! Statements of reasons from decisions: one per restrictive decision, none for no action or
//! exempt, orders only when the operator asks, nothing while an embargo runs, personal data
//! scrubbed, every statement valid for the Transparency Database.

use serde_json::{Value, json};
use vigie_app::statements::{StatementOptions, statements};
use vigie_model::sor::{Statement, check_batch};
use vigie_model::{Duration, Timestamp};

use crate::helpers::*;

async fn export(t: &TestApp, include_orders: bool) -> Vec<Statement> {
    let owing = owing(t, include_orders).await;
    assert!(owing.incomplete.is_empty(), "{:?}", owing.incomplete);
    owing.statements
}

async fn owing(t: &TestApp, include_orders: bool) -> vigie_app::statements::Owing {
    let now = t.now();
    t.app
        .store()
        .read(move |r| {
            statements(
                r,
                Timestamp::from_micros(0),
                now.plus(Duration::from_secs(1)),
                now,
                StatementOptions { include_orders },
            )
        })
        .await
        .unwrap()
}

/// The puids of a list, sorted (decisions in the same instant have no order).
fn puids(list: &[Statement]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.puid.clone()).collect();
    v.sort();
    v
}

fn sorted<const N: usize>(mut v: [String; N]) -> Vec<String> {
    v.sort();
    v.to_vec()
}

async fn first_case(t: &TestApp, p: &Member) -> String {
    t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned()
}

async fn decide(t: &TestApp, p: &Member, case: &str, body: Value) -> String {
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_restrictive_decision_and_only_those_yield_a_valid_statement() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let flagger = t.member("trusted_flagger", "NGO", &["reporter"]).await;

    // A public notice, removed on a TCO type; the explanation names people and places.
    t.notice("https://video.example/v/1").await;
    let a = first_case(&t, &p).await;
    let removal = json!({
        "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment",
        "explanation": "Uploaded by jane.doe@example.org (see https://video.example/u/jane); it calls for attacks."
    });
    let da = decide(&t, &p, &a, removal).await;
    // A trusted flagger's notice, demoted under a terms clause.
    t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/v/2")).await.expect(201);
    let b = first_case(&t, &p).await;
    // (Before step 8 a restriction needed neither its type nor its reasons; DSA art. 17(3)(a), (e)
    // ask for both.)
    let restrict = json!({ "action": "restrict", "terms_clause": "4.2", "restriction": "demoted",
                           "explanation": "Shows the attack's victims as trophies." });
    let db = decide(&t, &p, &b, restrict).await;
    // No action and exempt yield nothing.
    t.notice("https://video.example/v/3").await;
    let c = first_case(&t, &p).await;
    decide(&t, &p, &c, json!({ "action": "no_action" })).await;
    t.notice("https://video.example/v/4").await;
    let d = first_case(&t, &p).await;
    decide(&t, &p, &d, json!({ "action": "exempt", "purpose": "journalistic", "purpose_rationale": "news report" }))
        .await;

    let list = export(&t, false).await;
    assert_eq!(puids(&list), sorted([da.clone(), db.clone()]));
    check_batch(&list).expect("every statement passes the database's rules");
    let by = |puid: &str| list.iter().find(|s| s.puid == puid).unwrap().clone();
    let s = &by(&da);
    assert_eq!(s.source_type, "SOURCE_ARTICLE_16");
    assert_eq!(s.decision_ground, "DECISION_GROUND_ILLEGAL_CONTENT");
    assert_eq!(s.decision_visibility, Some(vec!["DECISION_VISIBILITY_CONTENT_REMOVED".to_owned()]));
    assert!(s.illegal_content_legal_ground.as_deref().unwrap().contains("2021/784 art. 2(7)(a)"));
    assert_eq!(s.territorial_scope.len(), 27);
    assert_eq!(s.category_specification, Some(vec!["KEYWORD_TERRORIST_CONTENT".to_owned()]));
    let text = serde_json::to_string(s).unwrap();
    for personal in ["jane.doe@example.org", "https://video.example/u/jane"] {
        assert!(!text.contains(personal), "{personal} reached the statement: {text}");
    }
    assert!(s.decision_facts.contains("calls for attacks"));
    let s = &by(&db);
    assert_eq!(
        (s.source_type.as_str(), s.decision_ground.as_str()),
        ("SOURCE_TRUSTED_FLAGGER", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
    );
    assert_eq!(s.incompatible_content_ground.as_deref(), Some("Terms clause 4.2: Violent extremism"));
    assert_eq!(s.decision_ground_reference_url.as_deref(), Some("https://video.example/terms#4.2"));
    assert_eq!(s.decision_visibility, Some(vec!["DECISION_VISIBILITY_CONTENT_DEMOTED".to_owned()]));
}

#[tokio::test]
async fn orders_are_left_out_by_default_and_wait_for_their_embargo() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let o =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let mut secret = order_body(&p.org, &["https://video.example/v/2"]);
    secret["non_disclosure"] = json!(true);
    secret["non_disclosure_until"] = json!(t.now().plus(Duration::from_days(7)).to_rfc3339());
    let e = t.post("/api/v1/orders", &issuer.token, secret).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let removal = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "incitement",
                          "explanation": "Calls for attacks, as the order says." });
    let d1 = decide(&t, &p, o["cases"][0]["case"].as_str().unwrap(), removal.clone()).await;
    let d2 = decide(&t, &p, e["cases"][0]["case"].as_str().unwrap(), removal).await;

    assert!(export(&t, false).await.is_empty(), "orders under Union law yield none by default");
    let with = export(&t, true).await;
    assert_eq!(puids(&with), std::slice::from_ref(&d1), "the embargoed one waits");
    assert_eq!(with[0].source_type, "SOURCE_TYPE_OTHER_NOTIFICATION");
    t.advance(Duration::from_days(7));
    t.tick().await;
    let with = export(&t, true).await;
    assert_eq!(puids(&with), sorted([d1, d2]));
    check_batch(&with).unwrap();
}

#[tokio::test]
async fn a_suspended_account_is_an_account_decision() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let mut body = notice_body("https://video.example/u/recruiter");
    body["locations"][0]["kind"] = json!("account");
    t.post_anonymous("/api/v1/notices", body).await.expect(201);
    let case = first_case(&t, &p).await;
    // (A suspension now carries its end, DSA art. 17(3)(a), and its reasons, art. 17(3)(d).)
    let until = t.now().plus(Duration::from_days(30));
    decide(
        &t,
        &p,
        &case,
        json!({ "action": "suspend_account", "legal_basis": "eu.tco.2-7-c", "purpose": "none",
        "purpose_rationale": "recruits for a listed group", "explanation": "The account posts calls to join the group.",
        "until": until.to_rfc3339() }),
    )
    .await;
    let list = export(&t, false).await;
    assert_eq!(
        (list[0].decision_account.as_deref(), list[0].decision_visibility.is_none()),
        (Some("DECISION_ACCOUNT_SUSPENDED"), true)
    );
    assert_eq!(list[0].end_date_account_restriction.as_deref(), Some(&until.to_rfc3339()[..10]));
    assert_eq!(list[0].content_type_other.as_deref(), Some("an account"));
    check_batch(&list).unwrap();
}

/// A stand-in for the Commission's Transparency Database: `POST /statements` with a bearer
/// token, batches of 1 to 100, all or nothing, 422 with errors keyed `statement_<i>.<field>`,
/// a `puid` never accepted twice. Its checks are written here, apart from Vigie's own.
#[derive(Clone, Default)]
struct FakeTdb {
    state: std::sync::Arc<std::sync::Mutex<TdbState>>,
}

#[derive(Default)]
struct TdbState {
    /// Answers 503 to this many more batches.
    unavailable: u32,
    /// Stored statements by puid.
    stored: std::collections::BTreeMap<String, Value>,
    /// A marker in `decision_facts` that this fake refuses (to exercise per-statement errors).
    refuse_marker: Option<String>,
    batches: u32,
}

const TDB_TOKEN: &str = "tdb-platform-token";

fn tdb_errors(
    i: usize,
    s: &Value,
    state: &TdbState,
    seen: &mut std::collections::HashSet<String>,
) -> Vec<(String, String)> {
    let mut e = Vec::new();
    let mut err = |f: &str, m: &str| e.push((format!("statement_{i}.{f}"), m.to_owned()));
    let text = |k: &str| s.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    if !["decision_visibility", "decision_monetary", "decision_provision", "decision_account"]
        .iter()
        .any(|k| s.get(*k).is_some())
    {
        err(
            "decision_visibility",
            "The decision visibility field is required when none of the other decisions are present.",
        );
    }
    match text("decision_ground") {
        Some("DECISION_GROUND_ILLEGAL_CONTENT") => {
            for k in ["illegal_content_legal_ground", "illegal_content_explanation"] {
                if text(k).is_none() {
                    err(k, "required");
                }
            }
        }
        Some("DECISION_GROUND_INCOMPATIBLE_CONTENT") => {
            for k in ["incompatible_content_ground", "incompatible_content_explanation"] {
                if text(k).is_none() {
                    err(k, "required");
                }
            }
        }
        _ => err("decision_ground", "The selected decision ground is invalid."),
    }
    for k in ["category", "content_date", "application_date", "source_type", "automated_decision"] {
        if text(k).is_none() {
            err(k, "required");
        }
    }
    if !matches!(text("automated_detection"), Some("Yes" | "No")) {
        err("automated_detection", "The selected automated detection is invalid.");
    }
    if s.get("content_type").and_then(Value::as_array).is_none_or(|a| a.is_empty()) {
        err("content_type", "required");
    }
    match text("decision_facts") {
        None => err("decision_facts", "required"),
        Some(f) if f.chars().count() > 5000 => err("decision_facts", "may not be greater than 5000 characters"),
        Some(f) if state.refuse_marker.as_deref().is_some_and(|m| f.contains(m)) => {
            err("decision_facts", "The decision facts contain personal data.")
        }
        _ => {}
    }
    match text("puid") {
        Some(p) if p.len() <= 500 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') => {
            if state.stored.contains_key(p) || !seen.insert(p.to_owned()) {
                err("puid", "The identifier given is not unique within this platform.");
            }
        }
        _ => err("puid", "The puid format is invalid."),
    }
    e
}

impl FakeTdb {
    async fn start() -> (Self, String) {
        use axum::http::{HeaderMap, StatusCode};
        let fake = FakeTdb::default();
        let f = fake.clone();
        let app = axum::Router::new().route(
            "/api/v1/statements",
            axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
                let f = f.clone();
                async move {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
                    if auth != format!("Bearer {TDB_TOKEN}") {
                        return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "message": "Unauthenticated." })));
                    }
                    let mut st = f.state.lock().unwrap();
                    st.batches += 1;
                    if st.unavailable > 0 {
                        st.unavailable -= 1;
                        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "message": "down" })));
                    }
                    let list = body.0["statements"].as_array().cloned().unwrap_or_default();
                    if list.is_empty() || list.len() > 100 {
                        return (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            axum::Json(json!({ "message": "1 to 100", "errors": { "statements": ["size"] } })),
                        );
                    }
                    let mut seen = std::collections::HashSet::new();
                    let mut errors = serde_json::Map::new();
                    for (i, s) in list.iter().enumerate() {
                        for (k, m) in tdb_errors(i, s, &st, &mut seen) {
                            errors.entry(k).or_insert_with(|| json!([])).as_array_mut().unwrap().push(json!(m));
                        }
                    }
                    if !errors.is_empty() {
                        return (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            axum::Json(json!({ "message": "invalid", "errors": errors })),
                        );
                    }
                    let mut out = Vec::new();
                    for s in list {
                        let puid = s["puid"].as_str().unwrap().to_owned();
                        let uuid = format!("uuid-{}", st.stored.len() + 1);
                        out.push(json!({ "uuid": uuid, "puid": puid, "created_at": "2026-11-30 10:00:00" }));
                        st.stored.insert(puid, s);
                    }
                    (StatusCode::CREATED, axum::Json(Value::Array(out)))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, format!("http://{addr}/api/v1"))
    }
}

async fn submission(t: &TestApp, p: &Member, decision: &str) -> Value {
    t.get(&format!("/api/v1/statements/{decision}"), &p.token).await.expect(200)
}

#[tokio::test]
async fn statements_reach_the_database_in_batches_with_retries_and_per_statement_errors() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (tdb, base) = FakeTdb::start().await;
    tdb.state.lock().unwrap().unavailable = 1;
    tdb.state.lock().unwrap().refuse_marker = Some("REFUSE-ME".into());

    // Decisions before the platform is connected wait for it.
    let mut ids = Vec::new();
    for (i, facts) in ["calls for attacks", "REFUSE-ME praises the attack", "recruitment clip"].iter().enumerate() {
        t.notice(&format!("https://video.example/v/{i}")).await;
        let case = first_case(&t, &p).await;
        let body = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "no framing", "explanation": facts });
        ids.push(decide(&t, &p, &case, body).await);
    }
    t.notice("https://video.example/v/none").await;
    let case = first_case(&t, &p).await;
    let no_action = decide(&t, &p, &case, json!({ "action": "no_action" })).await;
    assert_eq!(t.get(&format!("/api/v1/statements/{no_action}"), &p.token).await.status, 404, "no action owes none");
    // A pass of the statement worker, the background one's finished first: it leaves them alone.
    assert_eq!(t.app.submit_statements_once().await.unwrap(), 0, "nothing settled nor retried");
    assert_eq!(submission(&t, &p, &ids[0]).await["state"], "pending");
    assert_eq!(tdb.state.lock().unwrap().batches, 0, "nothing is sent before the platform connects");

    let wrong = t
        .send(reqwest::Method::PUT, "/api/v1/transparency-database", Some(&p.token), Some(json!({ "base_url": base })))
        .await;
    assert_eq!(wrong.field_codes(), ["required"]);
    let body = json!({ "base_url": base, "token": TDB_TOKEN });
    t.send(reqwest::Method::PUT, "/api/v1/transparency-database", Some(&p.token), Some(body)).await.expect(200);
    let shown = t.get("/api/v1/transparency-database", &p.token).await.expect(200);
    assert!(!serde_json::to_string(&shown).unwrap().contains(TDB_TOKEN), "the token is never shown back");

    // The first batch meets a 503: retried with backoff on the server's clock.
    let failed = eventually("a failed attempt", || async {
        let s = submission(&t, &p, &ids[0]).await;
        (s["attempts"] == 1).then_some(s)
    })
    .await;
    assert_eq!(failed["state"], "pending");
    assert!(failed["last_error"].as_str().unwrap().contains("503"));
    t.advance(Duration::from_secs(2));
    // The retry: the batch is refused for one statement; that one is rejected with the database's
    // reason, the others go through on the next pass.
    let rejected = eventually("the refusal", || async {
        let s = submission(&t, &p, &ids[1]).await;
        (s["state"] == "rejected").then_some(s)
    })
    .await;
    assert!(rejected["last_error"].as_str().unwrap().contains("decision_facts"), "{rejected}");
    for id in [&ids[0], &ids[2]] {
        let s = eventually("submitted", || async {
            let s = submission(&t, &p, id).await;
            (s["state"] == "submitted").then_some(s)
        })
        .await;
        assert!(s["uuid"].as_str().unwrap().starts_with("uuid-"));
    }
    let stored = tdb.state.lock().unwrap().stored.clone();
    assert_eq!(stored.keys().cloned().collect::<Vec<_>>(), sorted([ids[0].clone(), ids[2].clone()]));
    assert_eq!(stored[&ids[0]]["source_type"], "SOURCE_ARTICLE_16");
}

#[tokio::test]
async fn a_puid_the_database_already_holds_counts_as_submitted() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (tdb, base) = FakeTdb::start().await;
    t.notice("https://video.example/v/1").await;
    let case = first_case(&t, &p).await;
    let body = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "no framing",
                       "explanation": "Calls for attacks." });
    let id = decide(&t, &p, &case, body).await;
    // Submitted before (say, by an earlier run that crashed before recording it).
    tdb.state.lock().unwrap().stored.insert(id.clone(), json!({}));
    let settings = json!({ "base_url": base, "token": TDB_TOKEN });
    t.send(reqwest::Method::PUT, "/api/v1/transparency-database", Some(&p.token), Some(settings)).await.expect(200);
    let s = eventually("submitted", || async {
        let s = submission(&t, &p, &id).await;
        (s["state"] == "submitted").then_some(s)
    })
    .await;
    assert!(s["uuid"].is_null());
    assert_eq!(tdb.state.lock().unwrap().stored.len(), 1, "never twice");
}

/// DSA art. 17(3)(a): the type of each measure as the database names it, and its end. Removing an
/// account is ending it (`DECISION_ACCOUNT_TERMINATED`, not a content removal); a restriction
/// keeps its own type (not always a demotion); a suspension and a temporary disabling carry their
/// end; `content_date` is the upload date the platform gave.
#[tokio::test]
async fn each_measure_keeps_its_type_and_end_in_the_statement_dsa_17_3_a() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let reasons = "Shows the attack and urges more.";
    let mut account = notice_body("https://video.example/u/recruiter");
    account["locations"][0]["kind"] = json!("account");
    t.post_anonymous("/api/v1/notices", account).await.expect(201);
    let ended = first_case(&t, &p).await;
    let ended = decide(
        &t,
        &p,
        &ended,
        json!({ "action": "remove", "terms_clause": "4.2", "explanation": reasons, "content_date": "2025-03-04" }),
    )
    .await;
    let mut ids = vec![ended];
    let mut cases = Vec::new();
    let until = t.now().plus(Duration::from_days(10));
    for (i, body) in [
        json!({ "action": "restrict", "terms_clause": "4.2", "restriction": "age_restricted", "explanation": reasons }),
        json!({ "action": "restrict", "terms_clause": "4.2", "restriction": "interaction_restricted", "explanation": reasons }),
        json!({ "action": "restrict", "terms_clause": "4.2", "restriction": "other", "restriction_other": "hidden from search", "explanation": reasons }),
        json!({ "action": "disable", "terms_clause": "4.2", "territorial_scope": ["FR"], "until": until.to_rfc3339(), "explanation": reasons }),
    ]
    .into_iter()
    .enumerate()
    {
        t.notice(&format!("https://video.example/v/{i}")).await;
        let case = first_case(&t, &p).await;
        ids.push(decide(&t, &p, &case, body).await);
        cases.push(case);
    }
    let list = export(&t, false).await;
    check_batch(&list).unwrap();
    let by = |puid: &str| list.iter().find(|s| s.puid == puid).unwrap().clone();
    let s = by(&ids[0]);
    assert_eq!(
        (s.decision_account.as_deref(), s.decision_visibility.as_ref()),
        (Some("DECISION_ACCOUNT_TERMINATED"), None)
    );
    assert_eq!(s.content_date, "2025-03-04", "the upload date, not the report's");
    let kinds: Vec<_> = ids[1..].iter().map(|id| by(id).decision_visibility.unwrap()[0].clone()).collect();
    assert_eq!(
        kinds,
        [
            "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
            "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
            "DECISION_VISIBILITY_OTHER",
            "DECISION_VISIBILITY_CONTENT_DISABLED"
        ]
    );
    assert_eq!(by(&ids[3]).decision_visibility_other.as_deref(), Some("hidden from search"));
    let disabled = by(&ids[4]);
    assert_eq!(disabled.end_date_visibility_restriction.as_deref(), Some(&until.to_rfc3339()[..10]));
    assert_eq!(disabled.content_date, t.now().to_rfc3339()[..10], "without an upload date: the first report's day");
    // The uploader's notice says what the measure is and when it ends.
    let n = t.get(&format!("/api/v1/cases/{}/uploader-notice", cases[3]), &p.token).await.expect(200);
    assert_eq!(n["notice"]["measure"]["until"], json!(until));
    let n = t.get(&format!("/api/v1/cases/{}/uploader-notice", cases[2]), &p.token).await.expect(200);
    assert_eq!(
        (n["notice"]["measure"]["restriction"].as_str(), n["notice"]["measure"]["restriction_other"].as_str()),
        (Some("other"), Some("hidden from search"))
    );
}

/// DSA art. 17(3)(b), (d), (e) and 17(4): a restriction comes with the platform's own reasons, and
/// a statement never puts a basis's title or a clause number in their place.
#[tokio::test]
async fn a_restriction_needs_its_reasons_and_a_statement_never_falls_back_to_a_title_dsa_17_3_d_e() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    t.notice("https://video.example/v/1").await;
    let case = first_case(&t, &p).await;
    let bare = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "no framing" });
    let r = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, bare).await;
    assert_eq!(
        (r.status.as_u16(), r.fields(), r.field_codes()),
        (422, vec!["explanation".to_owned()], vec!["required".to_owned()])
    );
    let blank = json!({ "action": "label", "terms_clause": "4.2", "explanation": " " });
    let r = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, blank).await;
    assert_eq!(r.field_codes(), ["blank"]);

    // A decision recorded before reasons were required: its statement cannot be made, and says
    // why, rather than citing the basis's title as if it were an explanation.
    let legacy = decide(
        &t,
        &p,
        &case,
        json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
        "purpose_rationale": "no framing", "explanation": "placeholder" }),
    )
    .await;
    let id = vigie_model::DecisionId::parse(&legacy).unwrap();
    t.app
        .store()
        .write(move |tx| {
            let mut d = tx.get_decision(&id)?.unwrap();
            d.explanation = None;
            d.id = vigie_model::DecisionId::parse("dec_00000000000000000000000000000001").unwrap();
            tx.insert_decision(&d)
        })
        .await
        .unwrap();
    let owing = owing(&t, false).await;
    assert_eq!(owing.statements.len(), 1);
    assert_eq!(owing.incomplete.len(), 1);
    assert!(owing.incomplete[0].1.contains("no explanation"), "{:?}", owing.incomplete);
    let title = vigie_model::decision::legal_basis("eu.tco.2-7-a").unwrap().title.clone();
    assert!(!serde_json::to_string(&owing.statements).unwrap().contains(&title));
}

/// The Transparency Database URL goes through the egress policy as a webhook's does: the IPv6
/// forms that carry a loopback IPv4 address, site-local and Teredo are refused when set.
#[tokio::test]
async fn the_transparency_database_url_is_refused_at_an_address_that_embeds_loopback() {
    let t = TestApp::start_with(|c| c.app.egress = vigie_app::EgressPolicy::default()).await;
    let p = t.platform("video.example").await;
    for host in [
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::1]",
        "[fec0::1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    ] {
        let body = json!({ "base_url": format!("https://{host}/api/v1"), "token": TDB_TOKEN });
        let res = t.send(reqwest::Method::PUT, "/api/v1/transparency-database", Some(&p.token), Some(body)).await;
        assert_eq!((res.status.as_u16(), res.code()), (422, "egress_refused"), "{host}");
    }
}
