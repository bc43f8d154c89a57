//! Hashing over HTTP: HMA's `/h/hash` and Vigie's `/api/v1/hash`.

use base64::Engine as _;
use serde_json::Value;

use crate::helpers::*;

async fn post_multipart(t: &TestApp, token: Option<&str>, parts: &[(&str, &[u8])]) -> (u16, Value) {
    let (ctype, body) = multipart(parts);
    let mut req = t.http.post(t.url("/h/hash")).header("content-type", ctype).body(body);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn hma_clients_hash_a_photo_with_a_vigie_token() {
    let t = TestApp::start().await;
    let p = t.member("platform", "Tube", &["moderator"]).await;
    let image = png(320, 240);
    let expected = vigie_hash::hash_image(&image, &Default::default()).unwrap();
    let (status, body) = post_multipart(&t, Some(&p.token), &[("photo", &image)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({ "pdq": expected.pdq.hash.to_string() }));
    assert!(expected.pdq.is_reliable());

    // A video is hashed as a job (tests/api/videos.rs follows them to their end).
    let (status, body) = post_multipart(&t, Some(&p.token), &[("video", b"not really a video")]).await;
    assert_eq!((status, body["kind"].as_str()), (202, Some("hma_hash")), "{body}");

    // Closed by default, like every endpoint: HMA has no authentication, Vigie does.
    assert_eq!(post_multipart(&t, None, &[("photo", &image)]).await.0, 401);
    assert_eq!(post_multipart(&t, Some("vgt_forged"), &[("photo", &image)]).await.0, 401);
}

#[tokio::test]
async fn bad_uploads_get_clear_errors() {
    let t = TestApp::start_with(|c| c.app.hash_limits.max_bytes = 50_000).await;
    let a = t.authority().await;
    let small = png(64, 48);
    let (s, b) = post_multipart(&t, Some(&a.token), &[("photo", &small), ("photo", &small)]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("one_file_only")));
    let (s, b) = post_multipart(&t, Some(&a.token), &[]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("no_file")));
    let (s, b) = post_multipart(&t, Some(&a.token), &[("sound", &small)]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("unknown_content_type")));
    let (s, b) = post_multipart(&t, Some(&a.token), &[("photo", b"\x89PNG\r\n\x1a\n truncated")]).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (422, Some("undecodable_image")));
    let truncated = &small[..small.len() / 2];
    let (s, _) = post_multipart(&t, Some(&a.token), &[("photo", truncated)]).await;
    assert_eq!(s, 422);
    let big = vec![0u8; 60_000];
    let (s, b) = post_multipart(&t, Some(&a.token), &[("photo", &big)]).await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")), "over the hashing limit");
    let huge = vec![0u8; 200_000];
    let (s, b) = post_multipart(&t, Some(&a.token), &[("photo", &huge)]).await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")), "over the body limit");
    let res = t.http.post(t.url("/api/v1/hash")).bearer_auth(&a.token).body(huge).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn a_truncated_jpeg_is_refused_not_hashed() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let whole = jpeg(400, 300);
    // As in the report: the first half of the file (15,000 of 29,504 bytes there).
    let cut = &whole[..whole.len() / 2];
    let res = t.http.post(t.url("/api/v1/hash")).bearer_auth(&p.token).body(cut.to_vec()).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "undecodable_image", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("cut short"), "{body}");
    let (s, b) = post_multipart(&t, Some(&p.token), &[("photo", cut)]).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (422, Some("undecodable_image")), "{b}");
    // Even without its last two bytes (the end-of-image marker), as Pillow refuses it.
    let (s, _) = post_multipart(&t, Some(&p.token), &[("photo", &whole[..whole.len() - 2])]).await;
    assert_eq!(s, 422);
    let media = base64::engine::general_purpose::STANDARD.encode(cut);
    let res = t.post("/api/v1/uploads/check", &p.token, serde_json::json!({ "media": media })).await;
    assert_eq!((res.status.as_u16(), res.body["errors"][0]["code"].as_str()), (422, Some("undecodable_image")));
    // The whole file is hashed.
    let (s, b) = post_multipart(&t, Some(&p.token), &[("photo", &whole)]).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn a_palette_image_is_hashed_as_the_eye_sees_it_with_pytxs_hash_beside() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let (rgb, indexed) = palette_pair(320, 240);
    let original = vigie_hash::hash_image(&rgb, &Default::default()).unwrap();
    assert!(original.pdq.is_reliable() && original.pdq_pytx.is_none());
    let hash = |bytes: Vec<u8>| {
        let req = t.http.post(t.url("/api/v1/hash")).bearer_auth(&a.token).body(bytes);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let body = hash(indexed.clone()).await;
    // The same colours, so the same hash as the RGB file; pytx's hash of the indices beside it.
    assert_eq!(body["pdq"], original.pdq.hash.to_string(), "{body}");
    let pytx: vigie_hash::PdqHash = body["pdq_pytx"].as_str().expect("pdq_pytx").parse().unwrap();
    assert!(pytx.distance(&original.pdq.hash) > 31, "indices are not colours: {body}");
    let expected = vigie_hash::hash_image(&indexed, &Default::default()).unwrap().pdq_pytx.unwrap();
    assert_eq!((pytx, body["pdq_pytx_quality"].as_u64()), (expected.hash, Some(u64::from(expected.quality))));
    // Where the conventions agree there is one hash.
    let body = hash(rgb.clone()).await;
    assert!(body.get("pdq_pytx").is_none() && body.get("pdq_pytx_quality").is_none(), "{body}");
    // HMA's answer gains the key only where it differs.
    let (s, body) = post_multipart(&t, Some(&a.token), &[("photo", &indexed)]).await;
    assert_eq!(s, 200);
    assert_eq!(
        body,
        serde_json::json!({ "pdq": original.pdq.hash.to_string(), "pdq_pytx": expected.hash.to_string() })
    );
}

/// An allow-listed host is still fetched only at a globally reachable address: the IPv6 forms that
/// carry a loopback IPv4 address (IPv4-compatible, NAT64, 6to4) and site-local are refused by the
/// egress policy even when the operator listed them.
#[tokio::test]
async fn an_allow_listed_url_at_an_address_that_embeds_loopback_is_refused() {
    let forms = ["[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[fec0::1]"];
    let t = TestApp::start_with(|c| {
        c.app.egress = vigie_app::EgressPolicy::default();
        // As the URL parser writes them (`[::127.0.0.1]` is `[::7f00:1]`), which is what is compared.
        let parsed = |h: &str| reqwest::Url::parse(&format!("https://{h}/")).unwrap().host_str().unwrap().to_owned();
        c.app.hash_fetch_allow = forms.iter().map(|h| parsed(h)).collect();
    })
    .await;
    let a = t.authority().await;
    for host in forms {
        let res = t.get(&format!("/h/hash?url=https://{host}/x.png"), &a.token).await;
        assert_eq!((res.status.as_u16(), res.code()), (422, "egress_refused"), "{host}");
    }
}

#[tokio::test]
async fn the_server_fetches_urls_only_from_allow_listed_hosts() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let res = t.get("/h/hash?url=http://127.0.0.1:9/x.png", &a.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (403, "forbidden"));
    let res = t.get("/h/hash?url=https://169.254.169.254/latest/meta-data", &a.token).await;
    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn vigies_own_hash_endpoint_says_more() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let image = png(200, 150);
    let res = t
        .http
        .post(t.url("/api/v1/hash?dihedral=true"))
        .bearer_auth(&a.token)
        .body(image.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let expected =
        vigie_hash::hash_image(&image, &vigie_hash::HashOptions { dihedral: true, ..Default::default() }).unwrap();
    assert_eq!(body["pdq"], expected.pdq.hash.to_string());
    assert_eq!(body["sha256"], expected.sha256);
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64(), body["format"].as_str()),
        (Some(200), Some(150), Some("png"))
    );
    assert_eq!(body["dihedral"].as_array().unwrap().len(), 8);
    assert_eq!(body["dihedral"][0], body["pdq"]);

    let flat = image::RgbImage::from_pixel(100, 100, image::Rgb([90, 90, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    flat.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    let res = t.http.post(t.url("/api/v1/hash")).bearer_auth(&a.token).body(bytes.into_inner()).send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["quality"].as_u64(), body["unreliable"].as_bool()),
        (Some(0), Some(true)),
        "a flat image has no detail"
    );
}

#[tokio::test]
async fn an_allow_listed_host_is_fetched_through_the_egress_policy() {
    let image = png(160, 120);
    let served = image.clone();
    let app = axum::Router::new().route("/photo.png", axum::routing::get(move || async move { served.clone() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let t = TestApp::start_with(|c| c.app.hash_fetch_allow = vec!["127.0.0.1".into()]).await;
    let a = t.authority().await;
    let body = t.get(&format!("/h/hash?url=http://{addr}/photo.png"), &a.token).await.expect(200);
    let expected = vigie_hash::hash_image(&image, &Default::default()).unwrap();
    assert_eq!(body["pdq"], expected.pdq.hash.to_string());
    let res = t.get(&format!("/h/hash?url=http://{addr}/missing.png"), &a.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (502, "fetch_failed"));
}

#[tokio::test]
async fn hma_compare_answers_match_and_distance() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let h1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let h2 = "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af";
    let h1_near = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d";
    let body = t.post("/m/compare", &a.token, serde_json::json!({ "pdq": [h1, h1_near] })).await.expect(200);
    // 0x22 ^ 0x2d = 0x0f: four bits apart.
    assert_eq!(body, serde_json::json!({ "pdq": [true, { "distance": 4 }] }));
    let expected = vigie_hash::PdqHash::distance(&h1.parse().unwrap(), &h2.parse().unwrap());
    let body = t.post("/m/compare", &a.token, serde_json::json!({ "pdq": [h1, h2] })).await.expect(200);
    assert_eq!(body["pdq"][1]["distance"], expected);
    assert_eq!(body["pdq"][0], expected <= 31);
    assert_eq!(t.post("/m/compare", &a.token, serde_json::json!({ "pdq": [h1] })).await.code(), "two_hashes");
    assert_eq!(t.post("/m/compare", &a.token, serde_json::json!({ "pdq": [h1, "xyz"] })).await.status, 422);
    assert_eq!(
        t.post("/m/compare", &a.token, serde_json::json!({ "tmk": [h1, h1] })).await.code(),
        "unknown_signal_type"
    );
    assert_eq!(
        t.send(reqwest::Method::POST, "/m/compare", None, Some(serde_json::json!({ "pdq": [h1, h1] }))).await.status,
        401
    );
}
