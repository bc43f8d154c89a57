//! The test server and typed helpers to drive it.

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use vigie_app::clock::ManualClock;
use vigie_app::{App, AppConfig, EgressPolicy};
use vigie_model::Duration;

pub const ADMIN: &str = "test-admin-token";

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
}

pub struct Res {
    pub status: StatusCode,
    pub body: Value,
}

impl Res {
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {}", self.body);
        self.body
    }
    /// The problem code of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    /// The fields named in a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    }
    /// The field codes of a validation problem.
    pub fn field_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["code"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    }
}

/// An organisation with one person and their token.
pub struct Member {
    pub org: String,
    pub user: String,
    pub token: String,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut vigie_web::ServerConfig)) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temporary directory");
        let clock = Arc::new(ManualClock::starting_now());
        let mut config = vigie_web::ServerConfig {
            data_dir: dir.path().join("data"),
            store: vigie_store::SqliteConfig::default(),
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: Some(ADMIN.into()),
            admin_password: None,
            public_rate_limit: 0,
            console: vigie_web::console::ConsoleSettings::default(),
            connections: vigie_web::serve::ConnectionLimits::default(),
            app: AppConfig {
                egress: EgressPolicy::parse_allow_list("127.0.0.1/32").unwrap(),
                personal_data_retention: Duration::from_days(365),
                record_retention: vigie_app::retention::RecordRetention::days(365),
                pepper_file: None,
                scheduler_interval: StdDuration::from_millis(50),
                delivery_timeout: StdDuration::from_secs(5),
                hash_limits: vigie_hash::Limits::default(),
                hash_fetch_allow: Vec::new(),
                index_snapshot: None,
                decode_budget: Default::default(),
                evidence: vigie_app::evidence::keys::EvidenceConfig {
                    dir: dir.path().join("data").join("evidence"),
                    keys: vigie_app::evidence::keys::KeySource::File(dir.path().join("data").join("evidence-keys")),
                },
                video: vigie_app::jobs::VideoJobsConfig {
                    dir: dir.path().join("data").join("jobs"),
                    decodes: 1,
                    queue: 4,
                    keep_jobs: Duration::from_days(7),
                    options: vigie_video::Options {
                        scratch: Some(dir.path().join("data").join("jobs")),
                        ..Default::default()
                    },
                },
                log: vigie_app::tlog::LogConfig::default(),
            },
            clock: clock.clone(),
            accept_broken_log: false,
        };
        tweak(&mut config);
        let running = vigie_web::start(config).await.expect("server starts");
        TestApp { addr: running.addr, app: running.app, clock, http: reqwest::Client::new(), dir }
    }

    /// The data directory.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// Every file of the data directory.
    pub fn data_files(&self) -> Vec<std::path::PathBuf> {
        std::fs::read_dir(self.data_dir()).unwrap().map(|e| e.unwrap().path()).collect()
    }

    /// Whether any file of the data directory (database, WAL) contains `needle`.
    pub fn data_contains(&self, needle: &[u8]) -> bool {
        std::fs::read_dir(self.dir.path().join("data")).unwrap().any(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle)
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Res {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Res { status, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.send(reqwest::Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.send(reqwest::Method::POST, path, Some(token), Some(body)).await
    }
    pub async fn post_anonymous(&self, path: &str, body: Value) -> Res {
        self.send(reqwest::Method::POST, path, None, Some(body)).await
    }

    /// Creates an organisation of `kind` with one person holding `roles`.
    pub async fn member(&self, kind: &str, name: &str, roles: &[&str]) -> Member {
        let mut body = json!({ "name": name, "kind": kind });
        match kind {
            "platform" => {
                body["main_establishment"] = json!("IE");
                body["contact_point"] = json!({ "email": "tco@platform.example" });
            }
            // Designated to issue removal orders (TCO art. 12(1)(a)), as most tests need.
            "authority" => {
                body["member_state"] = json!("FR");
                body["competences"] = json!(["issue_orders"]);
            }
            "trusted_flagger" => body["member_state"] = json!("FR"),
            _ => {}
        }
        let org = self.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
        if kind == "trusted_flagger" {
            // A trusted flagger is one a Digital Services Coordinator awarded (DSA art. 22(2));
            // tests that need one without an award create the organisation themselves.
            let award = json!({ "coordinator": "Arcom", "member_state": "FR", "reference": format!("ARCOM-TF-{name}"),
                                "areas": ["risk_for_public_security"], "awarded_on": "2026-01-15" });
            let path = format!("/api/v1/orgs/{org}/trusted-flagger-award");
            self.send(reqwest::Method::PUT, &path, Some(ADMIN), Some(award)).await.expect(200);
        }
        self.person(&org, roles).await
    }

    /// Adds a person with `roles` to an existing organisation.
    pub async fn person(&self, org: &str, roles: &[&str]) -> Member {
        let user = self
            .post(&format!("/api/v1/orgs/{org}/users"), ADMIN, json!({ "name": "Test Person", "roles": roles }))
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = self.post(&format!("/api/v1/users/{user}/tokens"), ADMIN, json!({})).await.expect(201)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        Member { org: org.to_owned(), user, token }
    }

    /// A platform that serves `host` (claimed and approved), with its terms clause `4.2`
    /// (violent extremism) registered.
    pub async fn platform(&self, host: &str) -> Member {
        let p = self.member("platform", &format!("Platform of {host}"), &["moderator", "integrator"]).await;
        self.post("/api/v1/hosts", &p.token, json!({ "host": host })).await.expect(201);
        self.post(&format!("/api/v1/hosts/{host}/approve"), ADMIN, json!({})).await.expect(200);
        let clause = json!({ "code": "4.2", "title": "Violent extremism", "url": format!("https://{host}/terms#4.2") });
        self.post("/api/v1/terms-clauses", &p.token, clause).await.expect(201);
        p
    }

    pub async fn authority(&self) -> Member {
        self.member("authority", "Referral unit", &["reporter"]).await
    }

    pub async fn notice(&self, url: &str) -> Value {
        self.post_anonymous("/api/v1/notices", notice_body(url)).await.expect(201)
    }

    /// Runs one scheduler pass now (the background one also runs; both are idempotent).
    pub async fn tick(&self) {
        vigie_app::scheduler::tick(&self.app).await.expect("scheduler pass");
    }

    /// Steps the delivery worker: passes (each waiting for its attempts and for those the
    /// background worker had under way) until one finds nothing due nor under way. What the
    /// outbox held that was due has then been sent, and each answer recorded.
    pub async fn deliver(&self) {
        for _ in 0..100 {
            if self.app.deliver_once().await.expect("delivery pass") == 0 {
                return;
            }
        }
        panic!("the outbox never ran dry");
    }

    /// The server's (manual) time.
    pub fn now(&self) -> vigie_model::Timestamp {
        vigie_app::Clock::now(&*self.clock)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The events of the log, optionally only one kind.
    pub async fn events(&self, kind: Option<&str>) -> Vec<Value> {
        let all = self.get("/api/v1/events?limit=5000", ADMIN).await.expect(200)["events"].as_array().unwrap().clone();
        all.into_iter().filter(|e| kind.is_none_or(|k| e["kind"] == k)).collect()
    }
}

/// A console page as a browser without JavaScript gets it: status, redirect target, body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl TestApp {
    /// A client that does not follow redirects, as the console tests need to see them.
    pub fn no_redirects(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Signs in through the console's form over plain HTTP. Returns the answer and, when it
    /// set one, the session cookie (`name=value`).
    pub async fn console_login(&self, login: &str, password: &str) -> (Page, Option<String>) {
        let client = self.no_redirects();
        let page = client.get(self.url("/login")).send().await.unwrap();
        let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let csrf = csrf_in(&page.text().await.unwrap());
        let res = form_post(
            client.post(self.url("/login")).header("cookie", &pre),
            &[("csrf", &csrf), ("login", login), ("password", password)],
        )
        .send()
        .await
        .unwrap();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("vigie_session=") && !v.starts_with("vigie_session=;"))
            .map(|v| v.split(';').next().unwrap().to_owned());
        (Page::read(res).await, cookie)
    }

    /// GETs a console page with a session cookie.
    pub async fn console_get(&self, path: &str, cookie: &str) -> Page {
        let res = self.no_redirects().get(self.url(path)).header("cookie", cookie).send().await.unwrap();
        Page::read(res).await
    }

    /// POSTs a console form with a session cookie (the caller adds the CSRF token).
    pub async fn console_post(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Page {
        let req = self.no_redirects().post(self.url(path)).header("cookie", cookie);
        Page::read(form_post(req, fields).send().await.unwrap()).await
    }
}

impl Page {
    async fn read(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        Page { status, location, body: res.text().await.unwrap() }
    }

    /// The first CSRF token in the page's forms.
    pub fn csrf(&self) -> String {
        csrf_in(&self.body)
    }
}

/// The first CSRF token in a page's forms.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).expect("a form with a CSRF token").split('"').next().unwrap().to_owned()
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
pub fn form_post(req: reqwest::RequestBuilder, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    req.header("content-type", "application/x-www-form-urlencoded").body(body.join("&"))
}

/// An event's data, parsed (the log keeps it as the exact JSON text it hashed).
pub fn data_of(event: &Value) -> Value {
    serde_json::from_str(event["data"].as_str().expect("event data as text")).expect("event data is JSON")
}

pub fn notice_body(url: &str) -> Value {
    json!({
        "explanation": "This video glorifies an attack and calls for more.",
        "locations": [{ "url": url }],
        "good_faith": true
    })
}

/// A complete, valid removal order for `addressee` about `urls`.
pub fn order_body(addressee: &str, urls: &[&str]) -> Value {
    json!({
        "addressee": addressee,
        "reference": "FR-IRU-2026-0042",
        "locations": urls.iter().map(|u| json!({ "url": u })).collect::<Vec<_>>(),
        "reasons": ["a", "c"],
        "statement_of_reasons": "The video calls for attacks on civilians and recruits for a listed group.",
        "non_disclosure": false,
        "authority_type": "law_enforcement",
        "representative": { "name": "Jeanne Martin", "post": "Commissaire" },
        "contact_email": "iru@police.example",
        "redress": { "body": "Tribunal administratif de Paris", "deadline_hours": 48, "deadline_from": "receipt of the order, or being informed of it" },
        "emergency_justification": "Live attack under way; the video is spreading."
    })
}

/// Polls `check` until it returns `Some`, or fails after 10 seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + StdDuration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// A real HTTP listener that records webhook deliveries.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    /// The next answers to give, front first; when empty, 200. `0`: never answer (a silent
    /// endpoint that keeps the connection open).
    pub script: Arc<Mutex<Vec<u16>>>,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Receiver {
    pub async fn start() -> Self {
        use axum::routing::post;
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let script: Arc<Mutex<Vec<u16>>> = Arc::default();
        let (h, s) = (hits.clone(), script.clone());
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let (h, s) = (h.clone(), s.clone());
                async move {
                    let mut map = reqwest::header::HeaderMap::new();
                    for (k, v) in headers.iter() {
                        if let (Ok(k), Ok(v)) = (
                            reqwest::header::HeaderName::from_bytes(k.as_str().as_bytes()),
                            reqwest::header::HeaderValue::from_bytes(v.as_bytes()),
                        ) {
                            map.insert(k, v);
                        }
                    }
                    h.lock().unwrap().push(Hit { headers: map, body });
                    let code = {
                        let mut s = s.lock().unwrap();
                        if s.is_empty() { 200 } else { s.remove(0) }
                    };
                    if code == 0 {
                        std::future::pending::<()>().await;
                    }
                    axum::http::StatusCode::from_u16(code).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url: format!("http://{addr}/hook"), hits, script }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Messages of one type, each once: delivery is at least once (a slow answer is retried), so
    /// a receiver keeps one message per `vigie-delivery` id, as a platform's endpoint must.
    pub fn of_type_once(&self, t: &str) -> Vec<Value> {
        let mut seen = std::collections::HashSet::new();
        self.hits()
            .iter()
            .filter(|h| seen.insert(h.headers.get("vigie-delivery").map(|v| v.as_bytes().to_vec())))
            .filter_map(|h| serde_json::from_str::<Value>(&h.body).ok())
            .filter(|v| v["type"] == t)
            .collect()
    }

    /// Deliveries of one event type, parsed.
    pub fn of_type(&self, t: &str) -> Vec<Value> {
        self.hits()
            .iter()
            .filter_map(|h| serde_json::from_str::<Value>(&h.body).ok())
            .filter(|v| v["type"] == t)
            .collect()
    }
}

/// A synthetic PNG: rings and a gradient, `w × h`.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let d = ((x as f32 - w as f32 / 3.0).powi(2) + (y as f32 - h as f32 / 2.0).powi(2)).sqrt();
        let v = (127.0 + 120.0 * (d / 9.0).sin()) as u8;
        image::Rgb([v, (x * 255 / w) as u8, (y * 255 / h) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A photo-like picture (rings, gradients, fine noise) as a quality-90 JPEG.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state >> 27) as f32;
        let d = ((x as f32 - w as f32 / 3.0).powi(2) + (y as f32 - h as f32 / 2.0).powi(2)).sqrt();
        let v = 127.0 + 110.0 * (d / 11.0).sin();
        image::Rgb([(v + noise) as u8, (x * 230 / w + (state >> 28)) as u8, (y * 230 / h) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out.into_inner()
}

/// One picture of 256 colours twice: as an RGB PNG, and as a palette PNG whose indices run in
/// an order unrelated to the colours' brightness, as an adaptive palette's do.
pub fn palette_pair(w: u32, h: u32) -> (Vec<u8>, Vec<u8>) {
    let rgb = image::load_from_memory(&png(w, h)).unwrap().to_rgb8();
    let colour = |id: usize| [(id >> 5 << 5 | 16) as u8, ((id >> 2 & 7) << 5 | 16) as u8, ((id & 3) << 6 | 32) as u8];
    let id_of = |p: &image::Rgb<u8>| usize::from(p[0] >> 5) << 5 | usize::from(p[1] >> 5) << 2 | usize::from(p[2] >> 6);
    let index_of = |id: usize| (id * 167 + 13) % 256;
    let mut palette = vec![0u8; 256 * 3];
    for id in 0..256 {
        palette[index_of(id) * 3..][..3].copy_from_slice(&colour(id));
    }
    let indices: Vec<u8> = rgb.pixels().map(|p| index_of(id_of(p)) as u8).collect();
    let quantised = image::RgbImage::from_fn(w, h, |x, y| image::Rgb(colour(id_of(rgb.get_pixel(x, y)))));
    let mut rgb_png = Cursor::new(Vec::new());
    quantised.write_to(&mut rgb_png, image::ImageFormat::Png).unwrap();
    let mut indexed = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut indexed, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(palette);
        enc.write_header().unwrap().write_image_data(&indices).unwrap();
    }
    (rgb_png.into_inner(), indexed)
}

/// A multipart/form-data body with the given (field, bytes) parts.
pub fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "vigie-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
