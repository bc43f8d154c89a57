//! Extractors that answer in problem details: JSON bodies, query strings and bearer tokens.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use vigie_model::Principal;

use crate::AppState;
use crate::error::{ApiError, Code, FieldProblem};

/// A JSON body; malformed, mistyped, oversize or non-JSON bodies become problem details, and a
/// field the request type does not know (on types that deny them) is 422 `unknown_field`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(Code::UnsupportedMediaType, "send the body as application/json"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(Code::PayloadTooLarge, "the request body is too large")
            } else {
                ApiError::new(Code::UnreadableBody, r.body_text())
            }
        })?;
        parse_json(&bytes).map(Body)
    }
}

/// `application/json`, or any `application/*+json`, with or without parameters.
pub(crate) fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document into `T`, answering each way it can fail with a problem document.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |e: serde_json::Error| ApiError::new(Code::MalformedJson, format!("the body is not JSON: {e}"));
    let mut json: serde_json::Value = serde_json::from_slice(bytes).map_err(malformed)?;
    if !json.is_object() {
        let message = format!("invalid type: {}, expected an object", kind(&json));
        return Err(ApiError::fields(
            Code::InvalidJsonShape,
            format!("the body: {message}"),
            vec![FieldProblem { field: String::new(), code: "invalid_type".into(), message }],
        ));
    }
    integral_floats(&mut json);
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        shape_problem(&path, &e.into_inner().to_string())
    })
}

/// Deserializes an optional object field from an object only: serde would also take a struct
/// from an array of its fields' values, which no client means.
pub(crate) fn object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    use serde::de::Error as _;
    match <serde_json::Value as serde::Deserialize>::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        v @ serde_json::Value::Object(_) => T::deserialize(v).map(Some).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!("invalid type: {}, expected an object", kind(&other)))),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// JSON has one kind of number: `165.0` is the integer 165 (as JSON Schema says), though serde
/// would refuse it for an integer field. Integral values within f64's exact range become integers.
fn integral_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= 9_007_199_254_740_992.0
            {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// A field that does not fit the request type: unknown (`unknown_field`) or of the wrong type,
/// missing, or out of range (`invalid_json_shape`). Both name the field.
fn shape_problem(path: &str, message: &str) -> ApiError {
    let at = |name: &str| match path {
        "." | "" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    if let Some(name) = quoted_after(message, "unknown field `") {
        // The path already ends with the unknown key.
        let field = if path.ends_with(name) { path.to_owned() } else { at(name) };
        return ApiError::fields(
            Code::UnknownField,
            format!("{field} is not a field of this request; nothing was done"),
            vec![FieldProblem { field, code: "unknown_field".into(), message: strip_position(message) }],
        );
    }
    let (field, code) = match quoted_after(message, "missing field `") {
        Some(name) => (at(name), "required"),
        None => (if path == "." { String::new() } else { path.to_owned() }, "invalid_type"),
    };
    let message = strip_position(message);
    let detail = if field.is_empty() { message.clone() } else { format!("{field}: {message}") };
    ApiError::fields(Code::InvalidJsonShape, detail, vec![FieldProblem { field, code: code.into(), message }])
}

/// The text between `prefix` and the next backtick.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(&rest[..rest.find('`')?])
}

/// serde_json's " at line 1 column 20" says nothing a client needs.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A query string; a parameter of the wrong type or a missing one is 400 `invalid_query`, naming
/// the parameter. Parameters the route does not know are ignored.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Params).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let (field, code) = match quoted_after(&message, "missing field `") {
                Some(name) => (name.to_owned(), "required"),
                None => (path, "invalid"),
            };
            ApiError::fields(
                Code::InvalidQuery,
                format!("query parameter {field}: {message}"),
                vec![FieldProblem { field, code: code.into(), message }],
            )
        })
    }
}

/// A query parameter's value checked against its documented range: 400 `invalid_query` outside.
pub fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    name: &str,
    value: Option<T>,
    default: T,
    (min, max): (T, T),
) -> Result<T, ApiError> {
    let v = value.unwrap_or(default);
    if v < min || v > max {
        let message = format!("must be from {min} to {max}");
        return Err(ApiError::fields(
            Code::InvalidQuery,
            format!("query parameter {name}: {message}"),
            vec![FieldProblem { field: name.to_owned(), code: "out_of_range".into(), message }],
        ));
    }
    Ok(v)
}

fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::from(vigie_app::AppError::Unauthenticated))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(vigie_app::AppError::Unauthenticated.into()),
    }
}

/// The principal a request's bearer token speaks for, put in its extensions by [`authenticate`].
#[derive(Clone)]
struct Authenticated(Principal);

/// Middleware over every API route: a request that carries an `Authorization` header is
/// authenticated once, here, before any handler runs. A token that is sent but is not valid
/// answers 401 on every route, public ones included, so a forged token never quietly becomes an
/// anonymous request; no handler has to remember it.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let principal = match bearer(req.headers()) {
        Err(e) => return e.into_response(),
        Ok(None) => None,
        Ok(Some(token)) => match state.app.authenticate(token).await {
            Ok(p) => Some(p),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    if let Some(p) = principal {
        req.extensions_mut().insert(Authenticated(p));
    }
    next.run(req).await
}

/// The caller, from a valid bearer token. Missing tokens answer 401 (invalid ones never get this
/// far: [`authenticate`] refused them).
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(p)) => Ok(Auth(p.clone())),
            None => Err(vigie_app::AppError::Unauthenticated.into()),
        }
    }
}

/// The caller if a valid token was sent; `None` when no token was sent.
pub struct MaybeAuth(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(parts.extensions.get::<Authenticated>().map(|Authenticated(p)| p.clone())))
    }
}
