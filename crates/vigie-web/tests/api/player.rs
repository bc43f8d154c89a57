//! Video and text in the review console (step 11): a video attached to a case is decoded, matched
//! against the banks and shown as a blurred greyscale storyboard of its matched frames, with the
//! matched segments on a timeline, behind a warning; revealed, it plays muted, in greyscale and
//! blurred, steps back to colour and sharpness at the reviewer's hand, steps a frame at a time and
//! changes speed; the original goes out in byte ranges to those who revealed it only; and the
//! time it plays counts in the reviewer's own exposure figure, never more than has elapsed.
//! The video is a committed synthetic one (FFmpeg's fractal source).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::console::{PASSWORD, axe, axe_script, case_of, sign_in_to};
use crate::helpers::*;
use crate::webdriver::Browser;

const VIDEO: &str = "mandelbrot-vp9-256x192.webm";

fn video_path() -> String {
    format!("{}/../vigie-video/tests/videos/{VIDEO}", env!("CARGO_MANIFEST_DIR"))
}

fn video_bytes() -> Vec<u8> {
    std::fs::read(video_path()).unwrap()
}

/// A person with roles and a console login in an organisation; returns a signed-in cookie.
async fn named(t: &TestApp, org: &str, roles: &[&str], login: &str) -> String {
    let body = json!({ "name": "Vera Viewer", "roles": roles, "login": login, "password": PASSWORD });
    t.post(&format!("/api/v1/orgs/{org}/users"), ADMIN, body).await.expect(201);
    t.console_login(login, PASSWORD).await.1.expect("a session")
}

/// Posts a console form with the page's CSRF token.
async fn post_form(t: &TestApp, cookie: &str, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = t.console_get(page, cookie).await.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    t.console_post(action, cookie, &all).await
}

/// A platform with a stay-down bank holding the video's vPDQ (Meta's reference signal), a case,
/// and the video attached to it; returns the platform, the case and the media's id.
async fn video_case(t: &TestApp) -> (Member, String, String) {
    let p = t.platform("video.example").await;
    t.post("/api/v1/banks", &p.token, json!({ "name": "videos", "stay_down": true })).await.expect(201);
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}.vpdq.json", video_path())).unwrap()).unwrap();
    let signal = reference["signal"].as_str().unwrap();
    t.post("/c/bank/videos/signal", &p.token, json!({ "vpdq": signal })).await.expect(200);
    let case = case_of(t, &t.notice("https://video.example/v/storyboard").await).await;
    let res = t.http.post(t.url(&format!("/api/v1/cases/{case}/media"))).bearer_auth(&p.token).body(video_bytes());
    let res = res.send().await.unwrap();
    let status = res.status().as_u16();
    let media: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{media}");
    assert_eq!((media["format"].as_str(), media["preview"].as_bool()), (Some("matroska"), Some(true)), "{media}");
    (p, case, media["id"].as_str().unwrap().to_owned())
}

/// Grey samples of a PNG: width, height, samples.
fn grey_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let img = image::load_from_memory(bytes).unwrap().to_luma8();
    (img.width() as usize, img.height() as usize, img.into_raw())
}

/// The mean absolute difference between horizontal neighbours of a `w`-wide region: detail.
fn detail(w: usize, h: usize, stride: usize, px: &[u8]) -> f64 {
    let mut sum = 0u64;
    for y in 0..h {
        for x in 1..w {
            sum += u64::from(px[y * stride + x].abs_diff(px[y * stride + x - 1]));
        }
    }
    sum as f64 / (h * (w - 1)) as f64
}

#[tokio::test]
async fn a_video_on_a_case_is_a_blurred_storyboard_of_its_matched_frames_served_in_ranges_to_its_platform_only() {
    let t = TestApp::start().await;
    let (p, case, media) = video_case(&t).await;
    let vera = named(&t, &p.org, &["moderator"], "vera.viewer").await;
    let page = format!("/cases/{case}");

    // The page, without script: the warning, the storyboard, the matched segment in words and on
    // the timeline, the reveal behind a claim; no video element and no link to the original.
    let html = t.console_get(&page, &vera).await.body;
    assert!(html.contains("class=\"warning-screen\"") && html.contains("img class=\"preview storyboard\""), "{html}");
    assert!(html.contains("class=\"segment\"") && html.contains("of this video match"), "{html}");
    assert!(html.contains("in the bank videos (100 % of this video"), "{html}");
    assert!(!html.contains("<video") && !html.contains(&format!("/media/{media}/original")));
    let frames = html.matches("class=\"tick\"").count();
    assert!(frames >= 2, "{frames} storyboard frames");

    // The storyboard: as many frames as marked, each a small blurred grey derivative with far
    // less detail than the frame itself (decoded here by FFmpeg at the same size).
    let stored = t.app.store().read({
        let id = vigie_model::MediaId::parse(&media).unwrap();
        move |r| r.get_media(&id)
    });
    let stored = stored.await.unwrap().unwrap();
    let (w, h, strip) = grey_png(stored.preview.as_ref().unwrap());
    let (fw, fh) = (48, 36); // 256×192 reduced to 48 on its long side
    assert_eq!((w, h), (frames * fw + 2 * (frames - 1), fh));
    let dir = tempfile::tempdir().unwrap();
    let sharp = dir.path().join("frame.png");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-i", &video_path(), "-frames:v", "1", "-vf"])
        .arg(format!("scale={fw}:{fh}:flags=area,format=gray"))
        .arg(&sharp)
        .status()
        .unwrap();
    assert!(ok.success());
    let (sw, sh, sharp) = grey_png(&std::fs::read(&sharp).unwrap());
    assert_eq!((sw, sh), (fw, fh));
    let (blurred, original) = (detail(fw, fh, w, &strip), detail(fw, fh, fw, &sharp));
    assert!(blurred * 2.0 < original, "the storyboard's first frame is blurred: detail {blurred:.2} vs {original:.2}");

    // The original: not before a reveal, and a reveal needs the case in hand.
    let url = t.url(&format!("/media/{media}/original"));
    let get = |cookie: &str, range: Option<&str>| {
        let mut req = t.no_redirects().get(&url).header("cookie", cookie);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send()
    };
    assert_eq!(get(&vera, None).await.unwrap().status().as_u16(), 409);
    assert_eq!(post_form(&t, &vera, &page, &format!("/cases/{case}/claim"), &[]).await.status, 303);
    assert_eq!(post_form(&t, &vera, &page, &format!("/media/{media}/reveal"), &[]).await.status, 303);
    let html = t.console_get(&format!("{page}?reveal={media}"), &vera).await.body;
    assert!(html.contains("<video class=\"original\"") && html.contains(" muted controls"), "{html}");

    // Whole, then in ranges, never cached.
    let bytes = video_bytes();
    let whole = get(&vera, None).await.unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    let hv = |r: &reqwest::Response, k: &str| r.headers().get(k).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(hv(&whole, "content-type").as_deref(), Some("video/webm"));
    assert_eq!(hv(&whole, "accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(hv(&whole, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(whole.bytes().await.unwrap().to_vec(), bytes);
    let part = get(&vera, Some("bytes=100-199")).await.unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(hv(&part, "content-range"), Some(format!("bytes 100-199/{}", bytes.len())));
    assert_eq!(hv(&part, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(part.bytes().await.unwrap().to_vec(), bytes[100..200]);
    let tail = get(&vera, Some("bytes=-10")).await.unwrap();
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(tail.bytes().await.unwrap().to_vec(), bytes[bytes.len() - 10..]);
    let past = get(&vera, Some(&format!("bytes={}-", bytes.len()))).await.unwrap();
    assert_eq!(past.status().as_u16(), 416);
    assert_eq!(hv(&past, "content-range"), Some(format!("bytes */{}", bytes.len())));

    // Another platform's moderator sees nothing of it: not the video, the storyboard or the list.
    let other = t.platform("other.example").await;
    let olga = named(&t, &other.org, &["moderator"], "olga.other").await;
    assert_eq!(get(&olga, None).await.unwrap().status().as_u16(), 404);
    assert_eq!(get(&olga, Some("bytes=0-9")).await.unwrap().status().as_u16(), 404);
    assert_eq!(t.console_get(&format!("/media/{media}/preview"), &olga).await.status, 404);
    assert_eq!(t.get(&format!("/api/v1/cases/{case}/media"), &other.token).await.status.as_u16(), 404);
    // Nor may it report viewing time against it.
    let res = post_form(&t, &olga, "/queue", &format!("/media/{media}/viewed"), &[("seconds", "5")]).await;
    assert_eq!(res.status, 404);

    // Viewing time: counted no faster than the server's clock runs from the reveal.
    let viewed = |secs: &'static str| {
        let (t, vera, page) = (&t, vera.clone(), page.clone());
        let action = format!("/media/{media}/viewed");
        async move { post_form(t, &vera, &page, &action, &[("seconds", secs)]).await.status }
    };
    assert_eq!(viewed("30").await, 204);
    let html = t.console_get(&page, &vera).await.body;
    assert!(html.contains("You have revealed 1 media today.") && !html.contains("watched videos"), "{html}");
    t.advance(vigie_model::Duration::from_secs(45));
    assert_eq!(viewed("30").await, 204);
    assert!(t.console_get(&page, &vera).await.body.contains("watched videos for <span class=\"viewing-today\">30 s"));
    assert_eq!(viewed("30").await, 204);
    let html = t.console_get(&page, &vera).await.body;
    assert!(html.contains("watched videos for <span class=\"viewing-today\">45 s"), "at most the 45 s elapsed: {html}");
    // Bad reports are refused with a clear error and count nothing.
    for bad in ["abc", "-3", "0", "100000", "NaN"] {
        let res = post_form(&t, &vera, &page, &format!("/media/{media}/viewed"), &[("seconds", bad)]).await;
        assert_eq!(res.status, 422, "{bad}: {}", res.body);
    }
    // Another person of the same platform, who never revealed it, counts nothing either.
    let mira = named(&t, &p.org, &["moderator"], "mira.mod").await;
    let res = post_form(&t, &mira, &page, &format!("/media/{media}/viewed"), &[("seconds", "5")]).await;
    assert_eq!(res.status, 409, "{}", res.body);
}

/// Polls the browser until `script` returns true, within 20 s.
async fn until(b: &Browser, script: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if b.script(script).await == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "never true: {script}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_player_starts_muted_grey_and_blurred_behind_a_warning_then_steps_and_counts_the_time_it_plays() {
    let t = TestApp::start().await;
    let (p, case, _) = video_case(&t).await;
    named(&t, &p.org, &["moderator"], "vera.viewer").await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, "vera.viewer", "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;

    // The warning screen first, with the storyboard; no video yet.
    b.find("figure.video .warning-screen").await;
    b.find("img.preview.storyboard").await;
    assert!(b.try_find("video").await.is_none());
    b.click(&b.find(".claim-box form.claim button").await).await;
    b.find(".claim-box form[action$='/release']").await;
    b.click(&b.find("form.reveal button").await).await;
    b.wait_url("reveal=").await;

    // Revealed: muted, greyscale, blurred at the person's strength (Vigie's default: medium).
    b.find("video.original").await;
    assert_eq!(b.script("return document.querySelector('video.original').muted").await, json!(true));
    let filter = "return getComputedStyle(document.querySelector('video.original')).filter";
    assert_eq!(b.script(filter).await, "blur(6px) grayscale(1)");
    // Step by step: less blur, none, then colour.
    b.click(&b.find("label[for$='-1']").await).await;
    assert_eq!(b.script(filter).await, "blur(3px) grayscale(1)");
    b.click(&b.find("label[for$='-0']").await).await;
    b.click(&b.find("label[for^='colour-']").await).await;
    assert_eq!(b.script(filter).await, "blur(0px) grayscale(0)");

    // The script's tools: frame stepping and speed, by buttons and keys.
    until(&b, "return !document.querySelector('.player-tools').hidden && document.querySelector('video.original').readyState >= 1").await;
    b.click(&b.find("button.frame-forward").await).await;
    b.click(&b.find("button.frame-forward").await).await;
    let at = "return document.querySelector('video.original').currentTime";
    until(&b, "return Math.abs(document.querySelector('video.original').currentTime - 2 / 25) < 0.001").await;
    b.script("document.activeElement.blur()").await;
    b.keys(",").await;
    until(&b, "return Math.abs(document.querySelector('video.original').currentTime - 1 / 25) < 0.001").await;
    assert_eq!(b.script("return document.querySelector('video.original').paused").await, json!(true));
    let rate = "return document.querySelector('video.original').playbackRate";
    assert_eq!(b.script(rate).await, json!(1));
    b.keys(">").await;
    assert_eq!(b.script(rate).await, json!(1.5));
    b.keys("<").await;
    b.keys("<").await;
    assert_eq!(b.script(rate).await, json!(0.5));
    assert_eq!(b.script("return document.querySelector('select.speed').value").await, "0.5");

    // Playing counts in the person's own figure, within the time the server saw pass.
    t.advance(vigie_model::Duration::from_secs(120));
    b.script(
        "document.querySelector('video.original').playbackRate = 1; document.querySelector('video.original').play()",
    )
    .await;
    until(&b, &format!("{at} > 1.2")).await;
    b.script("document.querySelector('video.original').pause()").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let cookie = t.console_login("vera.viewer", PASSWORD).await.1.unwrap();
    let watched = loop {
        let html = t.console_get(&format!("/cases/{case}"), &cookie).await.body;
        if let Some(rest) = html.split("<span class=\"viewing-today\">").nth(1) {
            break rest.split(" s<").next().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "no viewing time recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let secs: u64 = watched.parse().unwrap_or_else(|_| panic!("seconds: {watched}"));
    assert!((1..=120).contains(&secs), "{secs} s");

    // Nothing serious for axe on the revealed player, nor on the warning screen.
    let script = axe_script();
    let mut report = Vec::new();
    let found = axe(&b, &script, "revealed video", &mut report).await;
    assert!(found.is_empty(), "{}", serde_json::to_string_pretty(&found).unwrap());
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.find("figure.video .warning-screen").await;
    let found = axe(&b, &script, "video behind its warning", &mut report).await;
    assert!(found.is_empty(), "{}", serde_json::to_string_pretty(&found).unwrap());
}

/// An invented club's notice, banked as a known statement.
const BANKED_TEXT: &str = "The Lakeside Rowing Club reminds its members that the spring regatta will take place on \
the last Sunday of April from the boathouse by the north pier. Crews must register their boats with the captain \
before the end of March and attend the safety briefing on the morning of the race. Spectators are asked to keep \
the towpath clear and to follow the stewards in their yellow jackets. The club thanks the volunteers who painted \
the boathouse over the winter and reminds everyone that oars must be returned to the racks after each outing.";

#[tokio::test]
async fn a_text_case_shows_the_uploads_text_escaped_with_the_repeated_passages_marked_until_its_texts_are_erased() {
    let t = TestApp::start_with(|c| {
        c.app.record_retention = vigie_app::retention::RecordRetention {
            cases: vigie_model::Duration::from_days(30),
            decision_texts: vigie_model::Duration::from_days(60),
            notice_bodies: vigie_model::Duration::from_days(90),
        }
    })
    .await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/banks", &p.token, json!({ "name": "texts", "stay_down": true })).await.expect(201);
    t.post("/c/bank/texts/signal", &p.token, json!({ "raw_text": BANKED_TEXT })).await.expect(200);
    // A post that quotes most of the statement after a line of its own, markup included.
    let (intro, quoted) = ("Look <b>at</b> this & share:\n", BANKED_TEXT.split(". Spectators").next().unwrap());
    let post = format!("{intro}{quoted}. Nothing more to add from us today.");
    let res = t
        .post("/api/v1/uploads/check", &p.token, json!({ "text": post, "url": "https://video.example/p/7" }))
        .await
        .expect(200);
    assert_eq!(res["verdict"], "review", "{res}");
    let case = res["case"].as_str().expect("a case to review").to_owned();
    let vera = named(&t, &p.org, &["moderator"], "vera.viewer").await;
    let html = t.console_get(&format!("/cases/{case}"), &vera).await.body;
    let quote = html
        .split("<blockquote class=\"case-text\">")
        .nth(1)
        .expect("the upload's text")
        .split("</blockquote>")
        .next()
        .unwrap();
    // Escaped, never markup; the quoted statement marked, the post's own words not.
    assert!(
        quote.starts_with("Look &#60;b&#62;at&#60;/b&#62; this &#38; share:\n<mark>The Lakeside Rowing Club"),
        "{quote}"
    );
    let marked: Vec<&str> = quote.split("<mark>").skip(1).map(|m| m.split("</mark>").next().unwrap()).collect();
    assert_eq!(marked, [quoted], "{quote}");
    assert!(quote.ends_with(". Nothing more to add from us today."), "{quote}");

    // Decided, then closed: the text goes with the case's decision texts, the match stays.
    let removal = json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Against clause 4.2." });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let id = vigie_model::CaseId::parse(&case).unwrap();
    let details = || {
        let id = id.clone();
        async { t.app.store().read(move |r| r.case_signals(&id)).await.unwrap()[0].details.clone() }
    };
    t.advance(vigie_model::Duration::from_days(184));
    t.tick().await;
    assert!(details().await.contains("Lakeside Rowing Club"), "kept while the case's texts are");
    t.advance(vigie_model::Duration::from_days(61));
    t.tick().await;
    let after: Value = serde_json::from_str(&details().await).unwrap();
    assert!(after.get("text").is_none() && after["matches"][0]["signal_type"] == "raw_text", "{after}");
}
