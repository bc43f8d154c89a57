//! The OpenAPI document, generated from the handlers' annotations, then completed with the
//! answers every operation of a kind can give (`finish`): 401 and 403 wherever a token is taken,
//! 404 wherever a path names an object, 400 `invalid_query`, the body's 400/413/415/422, 429 on the
//! public routes, 503 where media is decoded and 507 where state is written, each a problem
//! document (`application/problem+json`) whose description lists its codes in backticks.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use axum::http::StatusCode;
use vigie_model::Conflict;

use crate::error::{Code, PROBLEM_JSON};

use crate::routes::{
    admin, banks, dueprocess, evidence, graph, hma, intake, log, media, platform, reviewing, statements, system, tmk,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie", description = "Reporting, delivery and decision of terrorist content, with due process."),
    paths(
        system::healthz,
        openapi,
        event_schemas,
        system::legal_bases,
        system::events,
        system::verify,
        log::key,
        log::checkpoint,
        log::list_checkpoints,
        log::sign_checkpoint,
        log::inclusion,
        log::consistency,
        admin::create_org,
        admin::update_org,
        admin::list_orgs,
        admin::create_user,
        admin::list_people,
        admin::remove_user,
        admin::issue_token,
        admin::list_tokens,
        admin::own_tokens,
        admin::revoke_token,
        admin::claim_host,
        admin::approve_host,
        admin::list_hosts,
        intake::submit_notice,
        intake::get_notice,
        intake::track_notice,
        intake::submit_referral,
        intake::get_referral,
        intake::submit_order,
        intake::send_advance_notice,
        intake::list_signals,
        platform::inbox,
        platform::get_case,
        platform::acknowledge,
        platform::decide,
        reviewing::claim,
        reviewing::release,
        reviewing::take_over,
        reviewing::attach_media,
        reviewing::list_media,
        reviewing::set_password,
        graph::view,
        platform::get_order,
        platform::cannot_comply,
        platform::clarify,
        platform::resume,
        platform::register_webhook,
        platform::list_webhooks,
        platform::delete_webhook,
        platform::get_delivery,
        platform::dead_letters,
        platform::retry_delivery,
        platform::parked,
        media::hma_hash_upload,
        media::hma_hash_url,
        media::hash,
        media::hma_compare,
        banks::create_bank,
        banks::list_banks,
        banks::get_bank,
        banks::update_bank,
        banks::delete_bank,
        banks::share_bank,
        banks::unshare_bank,
        banks::add_entry,
        banks::list_entries,
        banks::get_entry,
        banks::update_entry,
        banks::remove_entry,
        banks::give_feedback,
        banks::import_bank,
        banks::export_bank,
        tmk::add_tmk,
        tmk::get_tmk,
        tmk::lookup_tmk,
        banks::check_upload,
        banks::get_job,
        hma::raw_lookup,
        hma::lookup_get,
        hma::lookup_post,
        hma::index_status,
        hma::list_banks,
        hma::create_bank,
        hma::get_bank,
        hma::update_bank,
        hma::delete_bank,
        hma::add_signal,
        hma::add_content,
        dueprocess::register_terms_clause,
        dueprocess::list_terms_clauses,
        dueprocess::retire_terms_clause,
        dueprocess::uploader_notice,
        dueprocess::case_uploader_notice,
        dueprocess::uploader_complaint,
        dueprocess::notifier_complaint,
        dueprocess::uploader_scrutiny,
        dueprocess::order_copy,
        dueprocess::uploader_informed,
        dueprocess::list_complaints,
        dueprocess::get_complaint,
        dueprocess::review_complaint,
        dueprocess::reinstate,
        dueprocess::extend_embargo,
        dueprocess::lift_embargo,
        dueprocess::annul_order,
        dueprocess::request_scrutiny,
        dueprocess::list_scrutinies,
        dueprocess::get_scrutiny,
        dueprocess::scrutiny_intention,
        dueprocess::decide_scrutiny,
        dueprocess::create_watchlist,
        dueprocess::list_watchlists,
        dueprocess::close_watchlist,
        dueprocess::add_watch_entries,
        dueprocess::list_holds,
        dueprocess::hold_case,
        dueprocess::release_hold,
        dueprocess::flag_threat,
        dueprocess::get_threat,
        dueprocess::acknowledge_threat,
        dueprocess::refer_to_police,
        dueprocess::list_notifiers,
        dueprocess::get_notifier,
        dueprocess::misuse_action,
        dueprocess::set_flagger_status,
        dueprocess::challenge_order,
        dueprocess::list_challenges,
        dueprocess::challenge_outcome,
        dueprocess::record_flagger_award,
        dueprocess::flagger_award,
        statements::set_tdb,
        statements::get_tdb,
        statements::submission,
        evidence::list,
        evidence::record_instrument,
        evidence::get,
        evidence::extend,
        evidence::access,
        evidence::request_access,
        evidence::grant,
        evidence::custody,
        evidence::request_export,
        evidence::exports,
        evidence::approve,
        evidence::bundle,
        evidence::rewrap,
    ),
    // Schemas only a parameter names (`value_type`), which utoipa does not collect on its own.
    components(schemas(crate::schema::BankFormat)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document served at `/openapi.json`, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
        finish(&mut doc);
        doc
    })
}

/// Public: this API, described in OpenAPI 3 (the document itself, served at `/openapi.json`).
#[utoipa::path(get, path = "/openapi.json", tag = "system", responses((status = 200, description = "the OpenAPI document")))]
pub async fn openapi() -> axum::Json<&'static Value> {
    axum::Json(document())
}

/// Public: the JSON Schema of every event kind's data, in its current version and each older one
/// still in stored logs, with who may see it (the file `docs/events.schema.json`, from the model).
/// It describes shapes, never data.
#[utoipa::path(get, path = "/events.schema.json", tag = "system", responses((status = 200, description = "the events' JSON Schemas")))]
pub async fn event_schemas() -> axum::Json<&'static Value> {
    static DOC: OnceLock<Value> = OnceLock::new();
    axum::Json(DOC.get_or_init(vigie_model::event::kinds::schema_document))
}

/// Operations that decode media, and so may find the decoding budget full (503 `busy`).
const DECODES_MEDIA: &[(&str, &str)] = &[
    ("post", "/api/v1/hash"),
    ("post", "/api/v1/cases/{id}/media"),
    ("post", "/api/v1/uploads/check"),
    ("post", "/h/hash"),
    ("get", "/h/hash"),
    ("get", "/m/lookup"),
    ("post", "/m/lookup"),
    ("post", "/c/bank/{name}/content"),
];

/// Rules a request can break although its schema holds: each operation's 422 lists them, as
/// field codes (`invalid_email`) or, for a field that is required only with others,
/// `field:required` (list indices written `[]`).
const RULES: &[(&str, &str, &[&str])] = &[
    (
        "post",
        "/api/v1/orgs",
        &[
            "member_state:required",
            "main_establishment:required",
            "contact_point:required",
            "contact_point.email:required",
            "legal_representative.member_state:required",
            "not_applicable",
        ],
    ),
    ("patch", "/api/v1/orgs/{id}", &["not_applicable"]),
    ("post", "/api/v1/users/{id}/tokens", &["invalid_time", "in_the_past"]),
    ("post", "/api/v1/orgs/{id}/users", &["login:required", "password:required", "role_not_allowed", "invalid_login"]),
    ("post", "/api/v1/notices", NOTICE_RULES),
    ("post", "/api/v1/referrals", LOCATION_RULES),
    ("post", "/api/v1/watchlists/{id}/entries", LOCATION_RULES),
    (
        "post",
        "/api/v1/orders",
        &[
            "unknown_platform",
            "not_on_addressee_host",
            "emergency_justification:required",
            "in_the_past",
            "out_of_range",
            "locations[].url:required",
            "locations[].platform:required",
            "not_applicable",
            "content_only",
            "invalid_text",
            "redress.deadline_days:required",
            "two_deadlines",
        ],
    ),
    ("post", "/api/v1/advance-notices", &["unknown_platform"]),
    ("post", "/api/v1/orders/{id}/annulment", &["invalid_date"]),
    ("post", "/api/v1/cases/{id}/uploader-notice/informed", &["out_of_range"]),
    ("post", "/api/v1/cases/{id}/decision", DECISION_RULES),
    ("post", "/api/v1/complaints/{id}/review", DECISION_RULES),
    ("post", "/api/v1/banks", &["name:invalid_name"]),
    ("post", "/c/banks", &["name:invalid_name"]),
    (
        "post",
        "/api/v1/banks/{id}/import",
        &[
            "missing_signal_type",
            "unknown_signal_type",
            "invalid_hash",
            "malformed_csv",
            "wrong_field_count",
            "more_errors",
            "unknown_value",
            "duplicate_puid",
        ],
    ),
    ("post", "/api/v1/banks/{id}/entries", &["invalid_hash", "unknown_case", "low_quality"]),
    ("patch", "/api/v1/banks/{id}/entries/{entry}", &["invalid_time"]),
    ("post", "/api/v1/uploads/check", &["media:required", "undecodable_image", "invalid_hash"]),
    (
        "post",
        "/api/v1/cases/{id}/law-enforcement-referrals",
        &["member_states:required", "contact_point:required", "europol:required", "unknown_authority"],
    ),
    ("post", "/api/v1/orders/{id}/embargo/extend", &["in_the_past"]),
    ("post", "/api/v1/watchlists", &["in_the_past", "out_of_range"]),
    ("post", "/api/v1/notifiers/{key}/{action}", &["until:required", "in_the_past", "out_of_range"]),
    ("put", "/api/v1/users/{id}/password", &["invalid_login"]),
    ("post", "/api/v1/webhooks", &["malformed_url", "too_long", "egress_refused"]),
    ("put", "/api/v1/transparency-database", &["malformed_url", "egress_refused"]),
    ("put", "/api/v1/orgs/{id}/trusted-flagger-award", &["unknown_area", "invalid_date", "unknown_member_state"]),
    ("put", "/api/v1/orgs/{id}/trusted-flagger-status", &["invalid_date"]),
    ("post", "/api/v1/orders/{id}/challenges", &["invalid_date"]),
    ("post", "/api/v1/orders/{id}/challenges/{challenge}/outcome", &["invalid_date"]),
];

const LOCATION_RULES: &[&str] = &[
    "locations[].url:required",
    "locations[].platform:required",
    "unknown_platform",
    "not_applicable",
    "content_only",
    "invalid_text",
    "entries[].url:required",
    "entries[].platform:required",
];

/// A notice's: its locations', and a good-faith statement that says `false` (DSA art. 16(2)(d)).
const NOTICE_RULES: &[&str] = &[
    "locations[].url:required",
    "locations[].platform:required",
    "unknown_platform",
    "not_applicable",
    "content_only",
    "invalid_text",
    "not_confirmed",
];

const DECISION_RULES: &[&str] = &[
    "two_grounds",
    "unknown_terms_clause",
    "purpose:required",
    "purpose_rationale:required",
    "order_needs_removal",
    "not_applicable",
    "ground_without_action",
    "scope_without_action",
    "not_exempt",
    "territorial_scope:required",
    "order_needs_eu_scope",
    "legal_basis:required",
    "scope_beyond_jurisdiction",
    "order_needs_union_basis",
    "decision:required",
    "reversal_not_restrictive",
    "exempt_purpose",
    // DSA art. 17(3): a restriction's reasons, its type and a suspension's end.
    "explanation:required",
    "explanation:blank",
    "restriction:required",
    "restriction_other:required",
    "until:required",
    "in_the_past",
    "invalid_time",
    "invalid_date",
    "out_of_range",
    "order_not_temporary",
];

/// Answers particular to an operation that its annotation does not carry: (method, path, code,
/// and the status when it is not the code's own).
const EXTRA: &[(&str, &str, Code, Option<StatusCode>)] = &[
    ("get", "/m/raw_lookup", Code::NotFound, None),
    ("get", "/m/lookup", Code::NotFound, None),
    ("post", "/m/lookup", Code::NotFound, None),
    ("put", "/c/bank/{name}", Code::Conflict(Conflict::BankExists), Some(StatusCode::FORBIDDEN)),
    ("delete", "/api/v1/banks/{id}/shares/{org}", Code::Conflict(Conflict::OwnBank), None),
    // A token is optional; one of an organisation that may not report is refused.
    ("post", "/api/v1/notices", Code::Forbidden, None),
];

/// Public operations that are not rate-limited: they say nothing about anyone.
const UNLIMITED: &[&str] = &["/healthz", "/openapi.json", "/events.schema.json"];

/// HMA's routes keep HMA's tolerance of unknown fields.
fn is_hma(path: &str) -> bool {
    ["/h/", "/m/", "/c/"].iter().any(|p| path.starts_with(p))
}

fn finish(doc: &mut Value) {
    // A problem's code is one of the table's (`error::Code`).
    if let Some(code) = doc.pointer_mut("/components/schemas/Problem/properties/code") {
        code["enum"] = Value::Array(Code::ALL.iter().map(|c| Value::String(c.as_str().to_owned())).collect());
    }
    // The legal bases a decision may cite are the taxonomy built into the binary, less those it
    // retired.
    let bases: Vec<Value> = vigie_model::decision::taxonomy()
        .bases
        .iter()
        .filter(|b| b.is_current())
        .map(|b| Value::String(b.id.clone()))
        .collect();
    if let Some(basis) = doc.pointer_mut("/components/schemas/DecisionRequest/properties/legal_basis") {
        basis["enum"] = Value::Array(bases.into_iter().chain([Value::Null]).collect());
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                complete(method, path, op);
                describe_raw_bodies(path, op);
                describe_every_response(op);
            }
        }
    }
}

/// Bodies that are not JSON get a schema too: a file sent as it is (`application/octet-stream`,
/// `text/plain`, also accepted as `application/octet-stream`), or HMA's multipart forms, one file in a part named after its content type
/// (`photo` or `video`) and, on `/c/bank/{name}/content`, the text parts `note` and `metadata`.
fn describe_raw_bodies(path: &str, op: &mut Map<String, Value>) {
    let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")).and_then(Value::as_object_mut)
    else {
        return;
    };
    for (media_type, body) in content.iter_mut() {
        if body.get("schema").is_some() {
            continue;
        }
        let file = json!({ "type": "string", "format": "binary" });
        let schema = match media_type.as_str() {
            "multipart/form-data" => {
                let mut properties = json!({ "photo": file, "video": file });
                if path == "/c/bank/{name}/content" {
                    properties["note"] = json!({ "type": "string" });
                    properties["metadata"] = json!({
                        "type": "string",
                        "description": "JSON: `{content_id, content_uri, json}`"
                    });
                }
                json!({ "type": "object", "properties": properties })
            }
            "text/plain" => json!({ "type": "string" }),
            _ => file,
        };
        body["schema"] = schema;
    }
    // A text file (a bank file) is read as bytes whatever its declared type: clients that cannot
    // send `text/plain` send it as a file.
    if content.contains_key("text/plain") && !content.contains_key("application/octet-stream") {
        content
            .insert("application/octet-stream".into(), json!({ "schema": { "type": "string", "format": "binary" } }));
    }
}

/// OpenAPI requires a description of every response: where an annotation gave none, the
/// status's reason phrase.
fn describe_every_response(op: &mut Map<String, Value>) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { return };
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else { continue };
        let missing = response.get("description").and_then(Value::as_str).is_none_or(str::is_empty);
        if missing {
            let reason = status
                .parse::<u16>()
                .ok()
                .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("answer");
            response.insert("description".into(), Value::String(reason.into()));
        }
    }
}

/// Adds the answers that every operation of its kind can give, and gives every problem answer
/// its true media type.
fn complete(method: &str, path: &str, op: &mut Map<String, Value>) {
    let authenticated = op.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
    let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    let has = |place: &str| params.iter().any(|p| p["in"] == place);
    let body_types: Vec<String> = op
        .get("requestBody")
        .and_then(|b| b["content"].as_object())
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let json_body = body_types.iter().any(|t| t == "application/json");
    let public = !authenticated;
    let limited = public && !UNLIMITED.contains(&path);
    let writes = method != "get";
    let responses = op.entry("responses").or_insert_with(|| json!({})).as_object_mut().expect("responses");

    if authenticated || limited {
        let why = if authenticated {
            "no bearer token, or one that is not valid"
        } else {
            "a bearer token was sent and is not valid (send none to stay anonymous)"
        };
        problems(responses, &[(Code::Unauthenticated, why)], false);
    }
    if authenticated {
        problems(responses, &[(Code::Forbidden, "the caller's organisation or role may not do this")], false);
    }
    if has("path") {
        problems(responses, &[(Code::NotFound, "nothing with that id exists for the caller")], false);
    }
    if has("query") {
        problems(
            responses,
            &[(Code::InvalidQuery, "a query parameter is of the wrong type, or a required one is missing")],
            false,
        );
    }
    if json_body {
        problems(responses, &[(Code::MalformedJson, "the body is not JSON")], false);
        problems(responses, &[(Code::UnsupportedMediaType, "the body is not sent as application/json")], false);
        let mut codes = vec![
            (Code::ValidationFailed, "fields are invalid; `errors[]` lists each with its own code"),
            (Code::InvalidJsonShape, "a field is missing or of the wrong type; `errors[]` names it"),
        ];
        if !is_hma(path) {
            codes.push((Code::UnknownField, "a field this request does not know; `errors[]` names it"));
        }
        problems(responses, &codes, false);
    }
    if let Some((_, _, rules)) = RULES.iter().find(|(m, p, _)| *m == method && *p == path) {
        let rules: Vec<(&str, &str)> = rules.iter().map(|r| (*r, "a rule the schema cannot state")).collect();
        add(responses, "422", &rules, false);
    }
    for (_, _, code, status) in EXTRA.iter().filter(|(m, p, _, _)| *m == method && *p == path) {
        let status = status.unwrap_or(code.status());
        add(responses, status.as_str(), &[(code.as_str(), "see docs/api.md")], false);
    }
    if !body_types.is_empty() {
        problems(responses, &[(Code::PayloadTooLarge, "the body is larger than this route accepts")], false);
    }
    if limited {
        problems(responses, &[(Code::RateLimited, "too many requests from this address; see `Retry-After`")], true);
    }
    if DECODES_MEDIA.contains(&(method, path)) {
        problems(responses, &[(Code::Busy, "the server's media decoding budget is full; see `Retry-After`")], true);
    }
    if writes {
        problems(responses, &[(Code::StorageFull, "the server's disk is full; nothing was changed")], false);
    }
    for response in responses.values_mut() {
        problem_media_type(response);
    }
}

/// Adds (or completes) the answers of problem `codes`, each under its code's status.
fn problems(responses: &mut Map<String, Value>, codes: &[(Code, &str)], retry_after: bool) {
    for (code, why) in codes {
        add(responses, code.status().as_str(), &[(code.as_str(), why)], retry_after);
    }
}

/// Adds (or completes) the answer `status` with problem `codes`, each as `` `code` ``: why.
fn add(responses: &mut Map<String, Value>, status: &str, codes: &[(&str, &str)], retry_after: bool) {
    let response = responses.entry(status).or_insert_with(|| json!({ "description": "" }));
    let response = response.as_object_mut().expect("a response object");
    let mut description = response.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    for (code, why) in codes {
        if !description.contains(&format!("`{code}`")) {
            if !description.is_empty() {
                description.push_str("; ");
            }
            description.push_str(&format!("`{code}`: {why}"));
        }
    }
    response.insert("description".into(), Value::String(description));
    let content = response.entry("content").or_insert_with(|| json!({})).as_object_mut().expect("content");
    if content.is_empty() {
        content.insert(PROBLEM_JSON.into(), json!({ "schema": { "$ref": "#/components/schemas/Problem" } }));
    }
    if retry_after {
        let headers = response.entry("headers").or_insert_with(|| json!({})).as_object_mut().expect("headers");
        headers.insert(
            "Retry-After".into(),
            json!({
                "description": "seconds to wait before trying again",
                "required": true,
                "schema": { "type": "integer", "minimum": 1 }
            }),
        );
    }
}

/// Errors are sent as `application/problem+json`: say so.
fn problem_media_type(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { return };
    let is_problem = |c: &Value| c["schema"]["$ref"] == "#/components/schemas/Problem";
    if let Some(json) = content.get("application/json").filter(|c| is_problem(c)).cloned() {
        content.remove("application/json");
        content.insert(PROBLEM_JSON.into(), json);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The words of a description written in backticks that look like codes.
    fn backticked(text: &str) -> impl Iterator<Item = &str> {
        text.split('`').skip(1).step_by(2).filter(|t| {
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.[]:".contains(&b))
        })
    }

    #[test]
    fn the_problem_schema_lists_every_code_of_the_table() {
        let listed = &document()["components"]["schemas"]["Problem"]["properties"]["code"]["enum"];
        let want: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>()), Some(want));
    }

    /// Each operation's answers name their codes; every one is a code of the table that is
    /// answered with that status. A 422 may also name field codes (`errors[].code`), which are
    /// the use-cases' and not in the table, and the operation's rules.
    #[test]
    fn every_documented_problem_code_is_in_the_table_with_its_status() {
        let by_name: HashMap<&str, Code> = Code::ALL.iter().map(|c| (c.as_str(), *c)).collect();
        let mut wrong = Vec::new();
        let mut n_checked = 0;
        for (path, item) in document()["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("an operation") {
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let Ok(status) = status.parse::<u16>() else { continue };
                    if status < 400 {
                        continue;
                    }
                    let description = response["description"].as_str().unwrap_or_default();
                    let rules = RULES.iter().find(|(m, p, _)| m == method && p == path).map_or(&[][..], |r| r.2);
                    for token in backticked(description) {
                        n_checked += 1;
                        match by_name.get(token) {
                            Some(code) if code.statuses().iter().any(|s| s.as_u16() == status) => {}
                            // A field rule of the operation may share a problem code's name
                            // (`reversal_not_restrictive`, `unknown_signal_type`).
                            Some(_) if status == 422 && rules.contains(&token) => {}
                            Some(code) => {
                                wrong.push(format!("{method} {path} {status}: `{token}` is answered {}", code.status()))
                            }
                            None if status == 422 => {}
                            None => wrong.push(format!("{method} {path} {status}: `{token}` is not in error::Code")),
                        }
                    }
                }
            }
        }
        assert!(n_checked > 500, "the walk saw the document's codes ({n_checked})");
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
