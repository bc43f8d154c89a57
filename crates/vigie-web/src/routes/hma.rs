//! HMA-compatible matching (`/m/...`) and curation (`/c/...`): HMA's requests and answers, so an
//! HMA client works once it sends `Authorization: Bearer <token>` (HMA has no authentication;
//! Vigie does). Banks are named as in HMA; a name resolves among the caller's own banks first,
//! then the banks shared with it. Distances are strings, as HMA sends them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use vigie_app::AppError;
use vigie_app::banks::hma::{by_bank, distance_of};
use vigie_app::banks::video::features_of_value;
use vigie_app::banks::{BankView, NewEntry, Query as MatchQuery};
use vigie_app::media::HashRequest;
use vigie_model::Principal;
use vigie_model::bank::{Access, JobKind, RawBank, SignalType};
use vigie_model::{BankId, Conflict, Invalid};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Body, Params};
use crate::routes::media::{HmaFile, hma_job, read_hma_file};

/// A signal type and value from HMA's query parameters, as a lookup. `pdq_pytx` (a key of
/// Vigie's `/h/hash` answers) is a PDQ hash like any other.
fn query_of(signal_type: &str, signal: &str) -> ApiResult<MatchQuery> {
    let t = match signal_type {
        "pdq_pytx" => Some(SignalType::Pdq),
        other => SignalType::parse(other),
    }
    .ok_or_else(|| {
        ApiError::new(
            Code::UnknownSignalType,
            format!("{signal_type:?}: pdq, video_md5, video_sha256, vpdq, url, url_md5, raw_text or text_tlsh"),
        )
    })?;
    if t.is_file() {
        return Err(ApiError::new(
            Code::UnknownSignalType,
            "HMA's lookup takes no tmk signal: POST the binary .tmk file to /api/v1/banks/tmk/lookup",
        ));
    }
    let v = t.normalise(signal).map_err(|m| ApiError::new(Code::InvalidSignal, m))?;
    let mut q = MatchQuery::default();
    match t {
        SignalType::RawText => {
            q.text = Some(v);
            return Ok(q);
        }
        SignalType::TextTlsh => {
            q.text_tlsh = Some(v.parse().map_err(|_| ApiError::new(Code::InvalidSignal, "not a TLSH digest"))?);
            return Ok(q);
        }
        _ => {}
    }
    if t == SignalType::Url {
        // A link is looked up by both of its forms: Vigie's canonical one and pytx's MD5.
        let (key, md5) = vigie_app::banks::matcher::link_keys(signal)
            .map_err(|e| ApiError::new(Code::InvalidSignal, format!("the url {e}")))?;
        q.urls.push(key);
        q.url_md5s.push(md5);
        return Ok(q);
    }
    if t == SignalType::Vpdq {
        q.vpdq =
            features_of_value(&v).ok_or_else(|| ApiError::new(Code::InvalidSignal, "a frame's hash does not read"))?;
        return Ok(q);
    }
    let mut bytes = vec![0u8; v.len() / 2];
    hex::decode_to_slice(&v, &mut bytes).map_err(|_| ApiError::new(Code::InvalidSignal, "not hexadecimal"))?;
    match t {
        SignalType::Pdq => q.pdq.push(vigie_index::code_from_bytes(&bytes.try_into().expect("32 bytes"))),
        SignalType::Md5 => q.md5 = Some(bytes.try_into().expect("16 bytes")),
        SignalType::Sha256 => q.sha256 = Some(bytes.try_into().expect("32 bytes")),
        SignalType::UrlMd5 => q.url_md5s.push(bytes.try_into().expect("16 bytes")),
        SignalType::Vpdq | SignalType::Url | SignalType::RawText | SignalType::TextTlsh | SignalType::Tmk => {
            unreachable!("answered above")
        }
    }
    Ok(q)
}

/// HMA's `banks=A,B`: names of banks the caller may use; an unknown name is a 404 (as for
/// a bank that exists but is not shared with the caller).
fn banks_param(s: &AppState, p: &Principal, raw: Option<&str>) -> ApiResult<Option<Vec<BankId>>> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else { return Ok(None) };
    let visible = s.app.matcher().visible_banks(&p.org);
    let mut ids = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let found: Vec<_> = visible.iter().filter(|(b, _)| b.spec.name == name).collect();
        if found.is_empty() {
            return Err(ApiError::not_found(&format!("bank {name:?}")));
        }
        ids.extend(found.iter().map(|(b, _)| b.id.clone()));
    }
    Ok(Some(ids))
}

/// HMA's coin flip: the lookup searches a bank with probability `enabled_ratio`; `seed` makes it
/// repeatable, `bypass_coinflip` searches every enabled bank.
fn coin(seed: Option<u64>, bypass: bool) -> Option<f64> {
    if bypass {
        return None;
    }
    let seed = seed.unwrap_or_else(|| u64::from_le_bytes(rand8()));
    // splitmix64: a uniform value in [0, 1) from the seed.
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    Some((z >> 11) as f64 / (1u64 << 53) as f64)
}

fn rand8() -> [u8; 8] {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    b
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawLookupQuery {
    pub signal_type: String,
    pub signal: String,
    /// Comma-separated bank names; default: every bank the caller may use.
    pub banks: Option<String>,
    #[serde(default)]
    pub include_distance: bool,
}

/// HMA's raw lookup: every entry within threshold, disabled ones included (never quarantined or
/// removed ones), ignoring sampling.
#[utoipa::path(get, path = "/m/raw_lookup", tag = "hma", params(RawLookupQuery),
    responses((status = 200, body = Object), (status = 400, body = crate::error::Problem, description = "`unknown_signal_type`, `invalid_signal`")), security(("bearer" = [])))]
pub async fn raw_lookup(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<RawLookupQuery>,
) -> ApiResult<Json<Value>> {
    let query = query_of(&q.signal_type, &q.signal)?;
    let only = banks_param(&s, &p, q.banks.as_deref())?;
    let hits = s.app.lookup(&p, &query, only.as_deref(), None, true)?;
    let matches: Vec<Value> = if q.include_distance {
        hits.iter().map(|h| json!({ "bank_content_id": h.entry, "distance": distance_of(h) })).collect()
    } else {
        hits.iter().map(|h| json!(h.entry)).collect()
    };
    Ok(Json(json!({ "matches": matches })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    pub signal_type: Option<String>,
    pub signal: Option<String>,
    /// Instead of a signal: media to fetch and hash (allow-listed hosts only).
    pub url: Option<String>,
    /// photo (default) or video, with `url`.
    pub content_type: Option<String>,
    pub banks: Option<String>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub bypass_coinflip: bool,
}

/// HMA's lookup by signal (`{"BANK": [{"bank_content_id", "distance"}]}`) or by URL
/// (`{"pdq": {"BANK": [...]}}`).
#[utoipa::path(get, path = "/m/lookup", tag = "hma", params(LookupQuery),
    responses((status = 200, body = Object), (status = 413, body = crate::error::Problem, description = "`payload_too_large`"), (status = 502, body = crate::error::Problem, description = "`fetch_failed`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `low_quality`, `undecodable_image`, `malformed_url`, `egress_refused`"), (status = 400, body = crate::error::Problem, description = "`signal_or_url`, `unknown_signal_type`, `invalid_signal`, `unknown_content_type`")), security(("bearer" = [])))]
pub async fn lookup_get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<LookupQuery>,
) -> ApiResult<Json<Value>> {
    let only = banks_param(&s, &p, q.banks.as_deref())?;
    let coin = coin(q.seed, q.bypass_coinflip);
    match (q.signal_type.as_deref(), q.signal.as_deref(), q.url.as_deref()) {
        (Some(t), Some(v), None) => {
            let hits = s.app.lookup(&p, &query_of(t, v)?, only.as_deref(), coin, false)?;
            Ok(Json(json!(by_bank(&hits))))
        }
        (None, None, Some(url)) => {
            let bytes = s.app.fetch_media(&p, url).await?;
            let content_type = q.content_type.unwrap_or_else(|| "photo".into());
            Ok(Json(media_lookup(&s, &p, &content_type, bytes, only.as_deref(), coin).await?))
        }
        _ => Err(ApiError::new(Code::SignalOrUrl, "give signal_type and signal, or url")),
    }
}

/// Hashes media and looks up each signal: `{"<signal_type>": {"BANK": [...]}}`.
async fn media_lookup(
    s: &AppState,
    p: &Principal,
    content_type: &str,
    bytes: Vec<u8>,
    only: Option<&[BankId]>,
    coin: Option<f64>,
) -> ApiResult<Value> {
    let (signal_type, query) = match content_type {
        "photo" => {
            let h = s.app.hash_image(p, bytes, HashRequest::default()).await?;
            // The eye's hash and pytx's (when it differs), each when reliable.
            let Some(query) = MatchQuery::of_image(&h) else {
                return Err(ApiError::from(AppError::Invalid(Invalid::one(
                    "photo",
                    "low_quality",
                    format!("the image's PDQ quality is {} (below 50): it cannot be matched reliably", h.pdq.quality),
                ))));
            };
            ("pdq", query)
        }
        "video" => ("video_md5", query_of("video_md5", &s.app.md5_of(&bytes))?),
        other => return Err(ApiError::new(Code::UnknownContentType, format!("{other:?}: use photo or video"))),
    };
    let hits = s.app.lookup(p, &query, only, coin, false)?;
    Ok(json!({ signal_type: by_bank(&hits) }))
}

/// Multipart parts: the one file (named after its content type) and the text fields.
struct Parts {
    file: Option<(String, Vec<u8>)>,
    fields: BTreeMap<String, String>,
}

async fn read_parts(mut form: Multipart) -> ApiResult<Parts> {
    let mut parts = Parts { file: None, fields: BTreeMap::new() };
    while let Some(field) =
        form.next_field().await.map_err(|e| crate::routes::media::unreadable(e.status(), e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some() || matches!(name.as_str(), "photo" | "video");
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(Code::PayloadTooLarge, "the upload is larger than the hashing limit")
            } else {
                ApiError::new(Code::MalformedMultipart, e.body_text())
            }
        })?;
        if is_file {
            if parts.file.replace((name, bytes.to_vec())).is_some() {
                return Err(ApiError::new(Code::OneFileOnly, "send exactly one file"));
            }
        } else {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| ApiError::new(Code::NotUtf8, format!("{name} is not text")))?;
            parts.fields.insert(name, text);
        }
    }
    Ok(parts)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupUploadQuery {
    pub banks: Option<String>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub bypass_coinflip: bool,
}

/// A lookup by a signal sent in the body: a 10-minute vPDQ (about 45 KB) is too long for a URL.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LookupBody {
    pub signal_type: String,
    /// The signal: a string (python-threatexchange's signal string, for vPDQ too), or for
    /// `vpdq` the list of its `"hex,quality,timestamp"` items.
    #[schema(value_type = Object)]
    pub signal: Value,
}

/// HMA's lookup of an uploaded file (`photo=@x.jpg` or `video=@x.mp4`), or (Vigie's) of a signal
/// in a JSON body, `{"signal_type", "signal"}`, answered as the GET by signal. A photo is answered
/// at once; a video is streamed to disk and looked up as a job: `202` with the job and its status
/// route in `Location`, whose `result` is then HMA's answer, `{"video_md5": {BANK: [...]},
/// "vpdq": {BANK: [...]}}`.
#[utoipa::path(post, path = "/m/lookup", tag = "hma", params(LookupUploadQuery),
    request_body(content((LookupBody = "application/json"), (Object = "multipart/form-data"))),
    responses((status = 200, body = Object), (status = 202, body = crate::routes::banks::JobDto, description = "a video: looked up as a job, `Location` names its status route"), (status = 400, body = crate::error::Problem, description = "`no_file`, `one_file_only`, `unknown_content_type`, `malformed_multipart`, `malformed_json`, `unknown_signal_type`, `invalid_signal`"), (status = 413, body = crate::error::Problem, description = "`payload_too_large`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `low_quality`, `undecodable_image`"), (status = 503, body = crate::error::Problem, description = "`busy`: too many videos wait")),
    security(("bearer" = [])))]
pub async fn lookup_post(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<LookupUploadQuery>,
    req: Request,
) -> ApiResult<Response> {
    let only = banks_param(&s, &p, q.banks.as_deref())?;
    let coin = coin(q.seed, q.bypass_coinflip);
    if crate::extract::json_content_type(req.headers()) {
        // The route admits a video's size; a JSON body stays under the hashing limit.
        let limit = s.app.config().hash_limits.max_bytes.saturating_add(64 * 1024);
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::new(Code::PayloadTooLarge, "the request body is too large"))?;
        let body: LookupBody = crate::extract::parse_json(&bytes)?;
        let signal = signal_text(&body.signal).ok_or_else(|| {
            ApiError::new(Code::InvalidSignal, "the signal is a string (or, for vpdq, a list of strings)")
        })?;
        let hits = s.app.lookup(&p, &query_of(&body.signal_type, &signal)?, only.as_deref(), coin, false)?;
        return Ok(Json(json!(by_bank(&hits))).into_response());
    }
    let form = Multipart::from_request(req, &s).await;
    match read_hma_file(&s, &p, form, JobKind::HmaLookup, false).await? {
        HmaFile::Photo(bytes) => {
            Ok(Json(media_lookup(&s, &p, "photo", bytes, only.as_deref(), coin).await?).into_response())
        }
        HmaFile::Video(file) => hma_job(&s, &p, JobKind::HmaLookup, only, coin, file).await,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndexStatusQuery {
    pub signal_type: Option<String>,
}

/// HMA's index status. Vigie's index is updated on every change, so it is always current:
/// `built_to` is the time of the last change applied (Unix seconds; -1 before any).
#[utoipa::path(get, path = "/m/index/status", tag = "hma", params(IndexStatusQuery),
    responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn index_status(
    State(s): State<AppState>,
    Auth(_): Auth,
    Params(q): Params<IndexStatusQuery>,
) -> ApiResult<Json<Value>> {
    let st = s.app.matcher().status();
    let built_to = st.updated_at.map_or(-1, |t| t.as_unix_secs());
    let mut out = serde_json::Map::new();
    let sizes = [
        (SignalType::Pdq, st.pdq),
        (SignalType::Md5, st.md5),
        (SignalType::Sha256, st.sha256),
        (SignalType::Vpdq, st.vpdq),
        (SignalType::Url, st.url),
        (SignalType::UrlMd5, st.url_md5),
        (SignalType::RawText, st.raw_text),
        (SignalType::TextTlsh, st.text_tlsh),
        (SignalType::Tmk, st.tmk),
    ];
    for (t, size) in sizes {
        if q.signal_type.as_deref().is_some_and(|want| SignalType::parse(want) != Some(t)) {
            continue;
        }
        out.insert(t.pytx_name().into(), json!({ "present": true, "built_to": built_to, "size": size }));
    }
    Ok(Json(Value::Object(out)))
}

/// HMA's bank: a name and its sampling ratio.
#[derive(Debug, Serialize, ToSchema)]
pub struct HmaBankDto {
    pub name: String,
    pub matching_enabled_ratio: f64,
}

fn hma_bank(v: &BankView) -> HmaBankDto {
    HmaBankDto { name: v.bank.spec.name.clone(), matching_enabled_ratio: v.bank.spec.enabled_ratio }
}

#[utoipa::path(get, path = "/c/banks", tag = "hma", responses((status = 200, body = [HmaBankDto])), security(("bearer" = [])))]
pub async fn list_banks(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<HmaBankDto>>> {
    let list = s.app.list_banks(&p).await?;
    Ok(Json(
        list.into_iter()
            .map(|(b, _)| HmaBankDto { name: b.spec.name, matching_enabled_ratio: b.spec.enabled_ratio })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HmaBankRequest {
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 1)]
    pub enabled_ratio: Option<f64>,
    /// Shorthand: `false` sets the ratio to 0, `true` to 1 (unless a ratio is given).
    pub enabled: Option<bool>,
}

impl HmaBankRequest {
    fn raw(self) -> RawBank {
        let ratio = self.enabled_ratio.or(self.enabled.map(|e| if e { 1.0 } else { 0.0 }));
        RawBank { name: self.name, enabled_ratio: ratio, ..Default::default() }
    }
}

/// HMA answers 403 when the bank exists.
fn hma_conflict(e: AppError) -> ApiError {
    match e {
        AppError::Conflict { code: Conflict::BankExists, message } => {
            ApiError::new(Conflict::BankExists, message).with_status(StatusCode::FORBIDDEN)
        }
        e => e.into(),
    }
}

#[utoipa::path(post, path = "/c/banks", tag = "hma", request_body = HmaBankRequest,
    responses((status = 201, body = HmaBankDto), (status = 403, body = crate::error::Problem, description = "`bank_exists`, `forbidden`")), security(("bearer" = [])))]
pub async fn create_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<HmaBankRequest>,
) -> ApiResult<(StatusCode, Json<HmaBankDto>)> {
    let v = s.app.create_bank(&p, req.raw()).await.map_err(hma_conflict)?;
    Ok((StatusCode::CREATED, Json(hma_bank(&v))))
}

#[utoipa::path(get, path = "/c/bank/{name}", tag = "hma", params(("name" = String, Path)),
    responses((status = 200, body = HmaBankDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<HmaBankDto>> {
    Ok(Json(hma_bank(&s.app.find_bank_by_name(&p, &name).await?)))
}

#[utoipa::path(put, path = "/c/bank/{name}", tag = "hma", params(("name" = String, Path)), request_body = HmaBankRequest,
    responses((status = 200, body = HmaBankDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
    Body(req): Body<HmaBankRequest>,
) -> ApiResult<Json<HmaBankDto>> {
    let bank = s.app.find_bank_by_name(&p, &name).await?;
    let v = s.app.update_bank(&p, bank.bank.id.as_str(), req.raw()).await.map_err(hma_conflict)?;
    Ok(Json(hma_bank(&v)))
}

#[utoipa::path(delete, path = "/c/bank/{name}", tag = "hma", params(("name" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_bank(State(s): State<AppState>, Auth(p): Auth, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let bank = s.app.find_bank_by_name(&p, &name).await?;
    s.app.delete_bank(&p, bank.bank.id.as_str()).await?;
    Ok(Json(json!({ "message": "Done" })))
}

fn added(id: i64, t: SignalType, value: &str) -> Value {
    json!({ "id": id, "signals": { t.pytx_name(): t.exchange_form(value) } })
}

/// A signal's value in a JSON body: a string (python-threatexchange's signal string, for vPDQ
/// too), or for vPDQ the list of its `"hex,quality,timestamp"` items.
fn signal_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.iter().all(Value::is_string) => Some(v.to_string()),
        _ => None,
    }
}

async fn curated_bank(s: &AppState, p: &Principal, name: &str) -> ApiResult<BankView> {
    let bank = s.app.find_bank_by_name(p, name).await?;
    if bank.access < Access::Curate {
        return Err(AppError::Forbidden("only the bank's owner and co-curators add content").into());
    }
    Ok(bank)
}

/// HMA's add-by-signal: `{"pdq": "<hex>", "note"?}`.
#[utoipa::path(post, path = "/c/bank/{name}/signal", tag = "hma", params(("name" = String, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = crate::error::Problem, description = "`one_signal`")), security(("bearer" = [])))]
pub async fn add_signal(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
    Body(req): Body<serde_json::Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let bank = curated_bank(&s, &p, &name).await?;
    let note = req.get("note").and_then(Value::as_str).map(str::to_owned);
    let signals: Vec<(SignalType, String)> =
        req.iter().filter_map(|(k, v)| Some((SignalType::parse(k)?, signal_text(v)?))).collect();
    let [(t, value)] = signals.as_slice() else {
        return Err(ApiError::new(Code::OneSignal, "give exactly one signal, e.g. {\"pdq\": \"<hex>\"}"));
    };
    let entry =
        NewEntry { signal_type: Some(t.as_str().into()), value: Some(value.clone()), note, ..Default::default() };
    let a = s.app.add_entry(&p, bank.bank.id.as_str(), entry, "hma").await?;
    Ok(Json(added(a.entry.id, a.entry.signal_type, &a.entry.value)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// Media to fetch (allow-listed hosts only), instead of an upload.
    pub url: Option<String>,
    pub content_type: Option<String>,
}

/// HMA's add-by-media: a multipart upload (`photo=@x.jpg`, optional `note` and `metadata`
/// `{content_id, content_uri, json}`), or `?url=`.
#[utoipa::path(post, path = "/c/bank/{name}/content", tag = "hma", params(("name" = String, Path), ContentQuery),
    request_body(content_type = "multipart/form-data"),
    responses((status = 200, body = Object), (status = 413, body = crate::error::Problem, description = "`payload_too_large`"), (status = 502, body = crate::error::Problem, description = "`fetch_failed`"), (status = 400, body = crate::error::Problem, description = "`no_file`, `one_file_only`, `not_utf8`, `unknown_content_type`, `malformed_multipart`, `malformed_json`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `undecodable_image`, `malformed_url`, `egress_refused`")),
    security(("bearer" = [])))]
pub async fn add_content(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
    Params(q): Params<ContentQuery>,
    req: Request,
) -> ApiResult<Json<Value>> {
    let bank = curated_bank(&s, &p, &name).await?;
    let (content_type, bytes, fields) = match q.url.as_deref() {
        Some(url) => (
            q.content_type.clone().unwrap_or_else(|| "photo".into()),
            s.app.fetch_media(&p, url).await?,
            BTreeMap::new(),
        ),
        None => {
            let form = Multipart::from_request(req, &s).await.map_err(|e| {
                ApiError::new(Code::NoFile, format!("send a multipart upload or ?url= ({})", e.body_text()))
            })?;
            let parts = read_parts(form).await?;
            let (t, b) =
                parts.file.ok_or_else(|| ApiError::new(Code::NoFile, "send one file, named photo or video"))?;
            (t, b, parts.fields)
        }
    };
    let metadata: Value = match fields.get("metadata") {
        Some(raw) => {
            serde_json::from_str(raw).map_err(|e| ApiError::new(Code::MalformedJson, format!("metadata: {e}")))?
        }
        None => Value::Null,
    };
    let mut entry = NewEntry {
        note: fields.get("note").cloned(),
        content_id: metadata["content_id"].as_str().map(str::to_owned),
        content_uri: metadata["content_uri"].as_str().map(str::to_owned).or(q.url),
        provenance: metadata.get("json").cloned(),
        ..Default::default()
    };
    match content_type.as_str() {
        "photo" => {
            let h = s.app.hash_image(&p, bytes, HashRequest::default()).await?;
            entry.signal_type = Some("pdq".into());
            entry.value = Some(h.pdq.hash.to_string());
            entry.quality = Some(i64::from(h.pdq.quality));
        }
        "video" => {
            entry.signal_type = Some("md5".into());
            entry.value = Some(s.app.md5_of(&bytes));
        }
        other => return Err(ApiError::new(Code::UnknownContentType, format!("{other:?}: use photo or video"))),
    }
    let a = s.app.add_entry(&p, bank.bank.id.as_str(), entry, "hma").await?;
    Ok(Json(added(a.entry.id, a.entry.signal_type, &a.entry.value)))
}
