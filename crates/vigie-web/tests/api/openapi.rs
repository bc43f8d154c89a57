//! The OpenAPI document describes the API: checked by walking it here, by schemathesis (from
//! PyPI) generating requests from it against a server seeded with fixtures, as an administrator,
//! a platform and the public, and by a client generated from it (openapi-python-client) running
//! the README's first walk-through.
//!
//! The Python tools run in the virtual environment named by `VIGIE_API_PYTHON`, which `cargo xtask
//! test` makes in `target/pyapi`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

/// The Python of the virtual environment with schemathesis and openapi-python-client.
fn api_python() -> Option<PathBuf> {
    match std::env::var("VIGIE_API_PYTHON") {
        Ok(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "VIGIE_API_PYTHON must name the API-checking Python under CI (cargo xtask test sets it)"
            );
            eprintln!("VIGIE_API_PYTHON is not set: schemathesis did not run (use cargo xtask test)");
            None
        }
    }
}

async fn document(t: &TestApp) -> Value {
    t.http.get(t.url("/openapi.json")).send().await.unwrap().json().await.unwrap()
}

/// Every operation of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_document_declares_parameters_where_they_are_sent() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    if let Ok(out) = std::env::var("VIGIE_OPENAPI_OUT") {
        std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    let mut wrong = Vec::new();
    for (method, path, op) in operations(&doc) {
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let templated: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for p in &params {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str().unwrap() {
                "path" if !templated.contains(&name) => {
                    wrong.push(format!("{method} {path}: {name} is not in the path"))
                }
                "path" if p["required"] != true => wrong.push(format!("{method} {path}: {name} must be required")),
                _ => {}
            }
        }
        for name in templated {
            if !params.iter().any(|p| p["name"] == name && p["in"] == "path") {
                wrong.push(format!("{method} {path}: {{{name}}} is not declared"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} misplaced parameters:\n{}", wrong.len(), wrong.join("\n"));
    let events = &doc["paths"]["/api/v1/events"]["get"]["parameters"];
    let after = events.as_array().unwrap().iter().find(|p| p["name"] == "after").unwrap();
    assert_eq!((after["in"].as_str(), after["required"].as_bool()), (Some("query"), Some(false)));
}

#[tokio::test]
async fn request_schemas_require_what_the_server_requires() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let required = |name: &str| -> Vec<String> {
        let mut r: Vec<String> =
            schema(name)["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        r.sort();
        r
    };
    assert_eq!(required("NoticeRequest"), ["explanation", "good_faith", "locations"]);
    let notice = schema("NoticeRequest");
    assert_eq!(notice["properties"]["explanation"]["type"], "string", "not nullable");
    assert_eq!(notice["properties"]["good_faith"]["type"], "boolean");
    assert_eq!(notice["additionalProperties"], false);
    assert_eq!(
        required("OrderRequest"),
        [
            "addressee",
            "authority_type",
            "contact_email",
            "locations",
            "non_disclosure",
            "reasons",
            "redress",
            "reference",
            "representative",
            "statement_of_reasons",
        ]
    );
    // One of deadline_days and deadline_hours (France counts in hours, LCEN art. 6-1-5): neither
    // is required alone, the use-case names the missing one.
    assert_eq!(required("RedressDto"), ["body"]);
    assert_eq!(required("RepresentativeDto"), ["name", "post"]);
    assert!(schema("BankRequest")["required"].is_null(), "a bank's settings are all optional");
    let ratio = &schema("BankRequest")["properties"]["enabled_ratio"];
    assert_eq!((ratio["minimum"].as_f64(), ratio["maximum"].as_f64()), (Some(0.0), Some(1.0)));
    assert_eq!(required("TextRequest"), ["text"]);
    let bases = &schema("DecisionRequest")["properties"]["legal_basis"]["enum"];
    assert!(bases.as_array().unwrap().iter().any(|b| b == "eu.tco.2-7-a"));
}

#[tokio::test]
async fn the_document_gives_every_error_its_media_type_and_every_token_its_401() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let mut wrong = Vec::new();
    for (method, path, op) in operations(&doc) {
        let authenticated = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let responses = op["responses"].as_object().unwrap();
        if authenticated && !responses.contains_key("401") {
            wrong.push(format!("{method} {path}: takes a token and does not document 401"));
        }
        if authenticated && !responses.contains_key("403") {
            wrong.push(format!("{method} {path}: takes a token and does not document 403"));
        }
        for (status, response) in responses {
            if !status.starts_with('4') && !status.starts_with('5') {
                continue;
            }
            let types: Vec<&String> = response["content"].as_object().map(|c| c.keys().collect()).unwrap_or_default();
            if types != ["application/problem+json"] {
                wrong.push(format!("{method} {path} {status}: sent as {types:?}"));
            }
            let description = response["description"].as_str().unwrap_or_default();
            if !description.contains('`') {
                wrong.push(format!("{method} {path} {status}: names no problem code"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} faults:\n{}", wrong.len(), wrong.join("\n"));
    let limited = &doc["paths"]["/api/v1/notices"]["post"]["responses"]["429"];
    assert_eq!(limited["headers"]["Retry-After"]["required"], true);
}

/// Every `$ref` the document holds names a schema it defines.
fn dangling_refs(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, doc: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let target = r.strip_prefix('#').map(|p| doc.pointer(p));
                    if !matches!(target, Some(Some(_))) {
                        out.push(r.clone());
                    }
                }
                map.values().for_each(|v| walk(v, doc, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut out);
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn the_document_is_valid_openapi_every_ref_resolves_every_answer_and_body_is_described() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let mut wrong: Vec<String> = dangling_refs(&doc).into_iter().map(|r| format!("dangling $ref {r}")).collect();
    for (method, path, op) in operations(&doc) {
        // OpenAPI 3.1 §4.8.17: a response's description is REQUIRED.
        for (status, response) in op["responses"].as_object().unwrap() {
            if response["description"].as_str().is_none_or(str::is_empty) {
                wrong.push(format!("{method} {path} {status}: no description"));
            }
        }
        // A body a client cannot build from the document is one it cannot send.
        for (media_type, body) in op["requestBody"]["content"].as_object().into_iter().flatten() {
            if !body["schema"].is_object() {
                wrong.push(format!("{method} {path}: the {media_type} body has no schema"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} faults:\n{}", wrong.len(), wrong.join("\n"));
}

/// A client generated from the document (openapi-python-client) runs the README's first session:
/// a platform, its person and token, a host claimed and approved, an anonymous notice, the inbox,
/// an acknowledgement and a decision (`client_walk.py`). The generator must take every operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_generated_from_the_document_runs_the_first_session() {
    let Some(python) = api_python() else { return };
    let t = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("openapi.json"), serde_json::to_vec(&document(&t).await).unwrap()).unwrap();
    let generator = python.with_file_name("openapi-python-client");
    let out = Command::new(&generator)
        .args(["generate", "--path", "openapi.json", "--meta", "none", "--output-path", "vigie_client"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("openapi-python-client starts");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the generator refused the document:\n{text}");
    let skipped: Vec<&str> = text.lines().filter(|l| l.contains("will not be generated")).collect();
    assert!(skipped.is_empty(), "the generator skipped operations:\n{text}");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/client_walk.py");
    let base = format!("http://{}", t.addr);
    let (dir_path, python) = (dir.path().to_owned(), python.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).args([base.as_str(), ADMIN]).env("PYTHONPATH", &dir_path).output()
    })
    .await
    .unwrap()
    .expect("python starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the generated client's walk failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("walk complete"), "{stdout}");
}

/// The ids the fixtures made, for schemathesis to name in paths.
struct Fixtures {
    admin: String,
    platform: Member,
    /// Path parameters by operation path.
    params: BTreeMap<&'static str, Vec<(&'static str, String)>>,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// Organisations of every kind with people and tokens, an approved host, a bank with entries,
/// notices, a referral, an order, a decided case with its uploader's notice and a complaint, a
/// watch-list: what the operations' paths name.
async fn seed(t: &TestApp) -> Fixtures {
    let authority = t.authority().await;
    let flagger = t.member("trusted_flagger", "Flagger NGO", &["reporter"]).await;
    let p = t.platform("video.example").await;
    let clause = t.get("/api/v1/terms-clauses", &p.token).await.expect(200)["terms_clauses"][0].clone();
    let spare_clause =
        t.post("/api/v1/terms-clauses", &p.token, json!({ "code": "9.9", "title": "Spam" })).await.expect(201);

    let notice = t.notice("https://video.example/v/1").await;
    let tracking = notice["tracking_code"].as_str().unwrap().to_owned();
    let flagged = t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/v/2")).await.expect(201);
    let referral = t
        .post(
            "/api/v1/referrals",
            &authority.token,
            json!({ "explanation": "recruitment", "locations": [{ "url": "https://video.example/v/3" }] }),
        )
        .await
        .expect(201);
    let order = t
        .post("/api/v1/orders", &authority.token, order_body(&p.org, &["https://video.example/v/4"]))
        .await
        .expect(201);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let case_of = |n: &Value| n["cases"][0]["case"].as_str().map(str::to_owned);
    let decided = t.get(&format!("/api/v1/notices/{}", id(&notice)), ADMIN).await.expect(200)["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open_case = case_of(&referral).unwrap();
    let order_case = case_of(&order).unwrap();
    assert!(inbox["cases"].as_array().unwrap().len() >= 3);
    let decision = t
        .post(
            &format!("/api/v1/cases/{decided}/decision"),
            &p.token,
            json!({
                "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
                "purpose_rationale": "recruitment video with no news framing",
                "explanation": "The video glorifies the attack and calls viewers to repeat it."
            }),
        )
        .await
        .expect(201);
    let uploader = t.get(&format!("/api/v1/cases/{decided}/uploader-notice"), &p.token).await.expect(200);
    let uploader_token = uploader["token"].as_str().unwrap().to_owned();
    let complaint = t
        .post_anonymous(
            &format!("/api/v1/uploader-notices/{uploader_token}/complaint"),
            json!({ "text": "It is news." }),
        )
        .await
        .expect(201);
    t.post(&format!("/api/v1/cases/{open_case}/threat-to-life"), &p.token, json!({ "note": "live" })).await.expect(200);

    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "REMOVED", "stay_down": true })).await.expect(201);
    let bank_id = id(&bank);
    let entry = t
        .post(
            &format!("/api/v1/banks/{bank_id}/entries"),
            &p.token,
            json!({ "signal_type": "pdq", "value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" }),
        )
        .await
        .expect(201);
    t.post("/c/banks", &p.token, json!({ "name": "HMA_BANK" })).await.expect(201);
    let watchlist = t
        .post(
            "/api/v1/watchlists",
            &authority.token,
            json!({ "name": "Operation", "legal_basis_ref": "file 2026/17", "ends_at": t.now().plus(vigie_model::Duration::from_days(30)).to_rfc3339() }),
        )
        .await
        .expect(201);

    let mut params: BTreeMap<&'static str, Vec<(&'static str, String)>> = BTreeMap::new();
    let mut put = |path: &'static str, values: &[(&'static str, String)]| {
        params.insert(path, values.to_vec());
    };
    put("/api/v1/orgs/{id}/users", &[("id", p.org.clone())]);
    put("/api/v1/users/{id}/tokens", &[("id", p.user.clone())]);
    put("/api/v1/users/{id}/password", &[("id", p.user.clone())]);
    put("/api/v1/hosts/{host}/approve", &[("host", "video.example".into())]);
    put("/api/v1/notices/{id}", &[("id", id(&flagged))]);
    put("/api/v1/notices/track/{code}", &[("code", tracking.clone())]);
    put("/api/v1/notices/track/{code}/complaint", &[("code", tracking)]);
    put("/api/v1/referrals/{id}", &[("id", id(&referral))]);
    for path in [
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/cannot-comply",
        "/api/v1/orders/{id}/clarification",
        "/api/v1/orders/{id}/resume",
        "/api/v1/orders/{id}/embargo/extend",
        "/api/v1/orders/{id}/embargo/lift",
        "/api/v1/orders/{id}/annulment",
        "/api/v1/orders/{id}/scrutiny",
        "/api/v1/orders/{id}/challenges",
    ] {
        put(path, &[("id", id(&order))]);
    }
    let challenge = t
        .post(
            &format!("/api/v1/orders/{}/challenges", id(&order)),
            &p.token,
            json!({ "court": "Tribunal administratif de Paris", "reference": "TA-1", "filed_on": "2026-01-02" }),
        )
        .await
        .expect(201);
    put("/api/v1/orders/{id}/challenges/{challenge}/outcome", &[("id", id(&order)), ("challenge", id(&challenge))]);
    for path in [
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/ack",
        "/api/v1/cases/{id}/decision",
        "/api/v1/cases/{id}/claim",
        "/api/v1/cases/{id}/release",
        "/api/v1/cases/{id}/media",
        "/api/v1/cases/{id}/threat-to-life",
        "/api/v1/cases/{id}/threat-to-life/ack",
        "/api/v1/cases/{id}/law-enforcement-referrals",
    ] {
        put(path, &[("id", open_case.clone())]);
    }
    put("/api/v1/cases/{id}/uploader-notice", &[("id", decided.clone())]);
    put("/api/v1/cases/{id}/uploader-notice/informed", &[("id", decided.clone())]);
    put("/api/v1/orgs/{id}", &[("id", authority.org.clone())]);
    put("/api/v1/cases/{id}/reinstatement", &[("id", decided.clone())]);
    put("/api/v1/terms-clauses/{id}/retire", &[("id", id(&spare_clause))]);
    for path in [
        "/api/v1/uploader-notices/{token}",
        "/api/v1/uploader-notices/{token}/complaint",
        "/api/v1/uploader-notices/{token}/scrutiny",
        "/api/v1/uploader-notices/{token}/order-copy",
    ] {
        put(path, &[("token", uploader_token.clone())]);
    }
    put("/api/v1/complaints/{id}", &[("id", id(&complaint))]);
    put("/api/v1/complaints/{id}/review", &[("id", id(&complaint))]);
    put("/api/v1/watchlists/{id}", &[("id", id(&watchlist))]);
    put("/api/v1/watchlists/{id}/entries", &[("id", id(&watchlist))]);
    put("/api/v1/orgs/{id}/trusted-flagger-status", &[("id", flagger.org.clone())]);
    put("/api/v1/orgs/{id}/trusted-flagger-award", &[("id", flagger.org.clone())]);
    put("/api/v1/notifiers/{key}", &[("key", format!("org:{}", flagger.org))]);
    put("/api/v1/statements/{decision}", &[("decision", id(&decision))]);
    for path in
        ["/api/v1/banks/{id}", "/api/v1/banks/{id}/entries", "/api/v1/banks/{id}/import", "/api/v1/banks/{id}/export"]
    {
        put(path, &[("id", bank_id.clone())]);
    }
    put("/api/v1/banks/{id}/shares/{org}", &[("id", bank_id.clone()), ("org", authority.org.clone())]);
    for path in ["/api/v1/banks/{id}/entries/{entry}", "/api/v1/banks/{id}/entries/{entry}/feedback"] {
        put(path, &[("id", bank_id.clone()), ("entry", id_number(&entry))]);
    }
    for path in ["/c/bank/{name}", "/c/bank/{name}/signal", "/c/bank/{name}/content"] {
        put(path, &[("name", "HMA_BANK".into())]);
    }
    let _ = (clause, order_case);
    Fixtures { admin: ADMIN.into(), platform: p, params }
}

fn id_number(v: &Value) -> String {
    v["id"].as_i64().unwrap().to_string()
}

/// The document with the fixtures' ids as the examples of path parameters: schemathesis's
/// examples phase names real objects; its other phases generate values of their own.
fn with_examples(doc: &Value, fx: &Fixtures) -> Value {
    let mut doc = doc.clone();
    for (path, values) in &fx.params {
        let Some(item) = doc["paths"].get_mut(*path).and_then(Value::as_object_mut) else {
            panic!("{path} is not in the document")
        };
        for op in item.values_mut() {
            for p in op["parameters"].as_array_mut().into_iter().flatten() {
                if let Some((_, v)) = values.iter().find(|(n, _)| p["name"] == *n && p["in"] == "path") {
                    let v = if p["schema"]["type"] == "integer" { json!(v.parse::<i64>().unwrap()) } else { json!(v) };
                    p["example"] = v;
                }
            }
        }
    }
    doc
}

/// The schemathesis configuration: every check and a time budget.
fn schemathesis_config(token: Option<&str>, seconds: u64) -> String {
    let mut toml = String::new();
    toml.push_str(&format!("max-time = {seconds}\nseed = 20260517\nworkers = 1\n\n"));
    if let Some(token) = token {
        toml.push_str(&format!("[headers]\nAuthorization = \"Bearer {token}\"\n\n"));
    }
    toml.push_str("[generation]\nmax-examples = 20\n\n");
    // Schema-valid requests may also be refused with 400 or 422, but only with codes their
    // operation documents: `documented_problem_code` (schemathesis_hooks.py) checks each.
    toml.push_str("[checks]\nenabled = true\n\n[checks.positive_data_acceptance]\n");
    toml.push_str(
        "expected-statuses = [\"2xx\", \"400\", \"401\", \"403\", \"404\", \"409\", \"422\", \"429\", \"5xx\"]\n",
    );
    toml
}

/// Runs schemathesis against the server; the text of its run when it found something.
fn run_schemathesis(python: &Path, base: &str, config: &str, dir: &Path, who: &str) -> Result<String, String> {
    let config_path = dir.join(format!("schemathesis-{who}.toml"));
    std::fs::write(&config_path, config).unwrap();
    let hooks = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api");
    let mut cmd = Command::new(python);
    cmd.args(["-m", "schemathesis.cli", "--config-file"])
        .arg(&config_path)
        .arg("run")
        .arg(dir.join("openapi.json"))
        .args(["--url", base])
        .args(["--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"])
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", hooks)
        .env("NO_COLOR", "1")
        .current_dir(dir);
    if let Ok(extra) = std::env::var("VIGIE_SCHEMATHESIS_ARGS") {
        cmd.args(extra.split_whitespace());
    }
    let out = cmd.output().expect("schemathesis starts");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(text) } else { Err(text) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_fault_as_an_administrator_a_platform_or_the_public() {
    let Some(python) = api_python() else { return };
    let t = TestApp::start().await;
    let fx = seed(&t).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = with_examples(&document(&t).await, &fx);
    std::fs::write(dir.path().join("openapi.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let base = format!("http://{}", t.addr);
    let budget: u64 = std::env::var("VIGIE_SCHEMATHESIS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut failures = Vec::new();
    for (who, token) in
        [("admin", Some(fx.admin.clone())), ("platform", Some(fx.platform.token.clone())), ("public", None)]
    {
        let config = schemathesis_config(token.as_deref(), budget);
        let (python, base, dir_path) = (python.clone(), base.clone(), dir.path().to_owned());
        let result = tokio::task::spawn_blocking(move || run_schemathesis(&python, &base, &config, &dir_path, who))
            .await
            .unwrap();
        match result {
            Ok(text) => eprintln!("schemathesis as {who}:\n{}", tail(&text, 40)),
            Err(text) => failures.push(format!("as {who}:\n{text}")),
        }
    }
    assert!(failures.is_empty(), "schemathesis found faults:\n{}", failures.join("\n\n"));
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
