//! A small W3C WebDriver client over reqwest, driving Debian's headless Chromium through
//! `chromedriver`. Only what the console tests use.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running `chromedriver` and one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session makes chromedriver close its browser; killing chromedriver alone
        // would leave Chromium running. Then the whole process group goes, in case it did not.
        end_session(&self.base);
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` over a plain socket: `Drop` cannot wait on the async client.
fn end_session(session_url: &str) {
    use std::io::{Read, Write};
    let Some(rest) = session_url.strip_prefix("http://") else { return };
    let Some((host, path)) = rest.split_once('/') else { return };
    let Ok(mut stream) = std::net::TcpStream::connect(host) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    }
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

impl Browser {
    pub async fn start() -> Self {
        Self::launch(true).await
    }

    /// A browser with JavaScript turned off: the console's core flows must work without it.
    pub async fn without_javascript() -> Self {
        Self::launch(false).await
    }

    async fn launch(javascript: bool) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Its own process group, so that dropping the browser can end everything it started.
        let driver = Command::new(chromedriver())
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian: apt-get install chromium chromium-driver)");
        let http = reqwest::Client::new();
        let driver_url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{driver_url}/status")).send().await;
            if let Ok(r) = ready
                && r.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--lang=en-GB"],
                "prefs": { "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 } }
            }
        }}});
        let res: Value =
            http.post(format!("{driver_url}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = res["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no browser session: {res}")).to_owned();
        Browser { driver, base: format!("{driver_url}/session/{id}"), http }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let v = self.call(method, path, body).await;
        assert!(v.get("error").is_none(), "WebDriver {path}: {v}");
        v
    }

    pub async fn goto(&self, url: &str) {
        self.ok(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.ok(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn source(&self) -> String {
        self.ok(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching `css`, waiting up to five seconds for it.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            assert!(Instant::now() < deadline, "no element matches {css:?} on {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn try_find(&self, css: &str) -> Option<Element> {
        let v =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css }))).await;
        v[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v =
            self.ok(reqwest::Method::POST, "/elements", Some(json!({ "using": "css selector", "value": css }))).await;
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str())
            .map(|id| Element(id.to_owned()))
            .collect()
    }

    pub async fn click(&self, e: &Element) {
        self.ok(reqwest::Method::POST, &format!("/element/{}/click", e.0), Some(json!({}))).await;
    }

    pub async fn type_into(&self, e: &Element, text: &str) {
        self.ok(reqwest::Method::POST, &format!("/element/{}/value", e.0), Some(json!({ "text": text }))).await;
    }

    pub async fn text(&self, e: &Element) -> String {
        self.ok(reqwest::Method::GET, &format!("/element/{}/text", e.0), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The text of the first element matching `css` once it satisfies `ready`, waiting up to five
    /// seconds: after a click that submits a form, the old page may still be there (its element
    /// then goes stale, or shows the old text), so the answer is read from the new one.
    pub async fn wait_text(&self, css: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = String::new();
        loop {
            if let Some(e) = self.try_find(css).await {
                let v = self.call(reqwest::Method::GET, &format!("/element/{}/text", e.0), None).await;
                if let Some(text) = v.as_str() {
                    if ready(text) {
                        return text.to_owned();
                    }
                    last = text.to_owned();
                }
            }
            assert!(Instant::now() < deadline, "{css:?} never read as expected on {}: last {last:?}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.ok(reqwest::Method::GET, &format!("/element/{}/attribute/{name}", e.0), None)
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Presses keys one after the other on whatever has the focus (WebDriver key codes allowed,
    /// e.g. `\u{E004}` for Tab, `\u{E007}` for Enter).
    pub async fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({ "type": "keyDown", "value": k.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": k.to_string() }));
        }
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        self.ok(reqwest::Method::POST, "/actions", Some(body)).await;
    }

    pub async fn script(&self, script: &str) -> Value {
        self.ok(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] }))).await
    }

    /// An async script: it ends by calling `arguments[arguments.length - 1](result)`.
    pub async fn script_async(&self, script: &str) -> Value {
        self.ok(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": [] }))).await
    }

    /// The text of an open `alert()`, if a script managed to open one.
    pub async fn alert(&self) -> Option<String> {
        let v = self.call(reqwest::Method::GET, "/alert/text", None).await;
        v.as_str().map(str::to_owned)
    }

    pub async fn cookies(&self) -> Vec<Value> {
        self.ok(reqwest::Method::GET, "/cookie", None).await.as_array().cloned().unwrap_or_default()
    }

    /// Sets the window's outer size, in CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.ok(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    /// Saves a PNG screenshot of the page under `target/artefacts/console/`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.png().await;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/artefacts/console");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// A PNG of what the screen shows (the viewport, at the page's own zoom).
    pub async fn png(&self) -> Vec<u8> {
        let b64 = self.ok(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).unwrap()
    }

    /// Lays pages out as a screen `width` CSS pixels wide (Chromium's device emulation, so that
    /// widths under the window's minimum work too); `None` goes back to the window's own size.
    pub async fn viewport(&self, size: Option<(u32, u32)>) {
        let (cmd, params) = match size {
            Some((w, h)) => (
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": w, "height": h, "deviceScaleFactor": 1, "mobile": false }),
            ),
            None => ("Emulation.clearDeviceMetricsOverride", json!({})),
        };
        self.ok(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({ "cmd": cmd, "params": params }))).await;
    }

    /// Waits until no element matches `css` (a page that replaced another at the same URL).
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.try_find(css).await.is_some() {
            assert!(Instant::now() < deadline, "{css:?} is still on {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's URL contains `part`.
    pub async fn wait_url(&self, part: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let url = self.url().await;
            if url.contains(part) {
                return url;
            }
            assert!(Instant::now() < deadline, "the page stayed at {url}, not {part}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
