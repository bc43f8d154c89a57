//! URL banks over HTTP: `url` entries in Vigie's canonical form and python-threatexchange's
//! `url_md5`, looked up by HMA's routes and by the stay-down check of an upload's links.

use serde_json::json;

use crate::helpers::*;

/// python-threatexchange 1.2.17's `UrlMD5Signal.hash_from_str("HTTP://Mirror.example/clip")`,
/// computed by it (its form is the URL lower-cased, without its scheme: `mirror.example/clip`).
const MIRROR_MD5: &str = "80896883f32b45df7d818bb735ad5032";

#[tokio::test]
async fn a_known_link_matches_in_any_of_its_forms_and_pytxs_md5_of_it_too() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "links", "stay_down": true })).await.expect(201);
    let id = bank["id"].as_str().unwrap();
    // Stored canonical: scheme and host lower-cased, tracking parameters, fragment and the
    // trailing slash gone (the path keeps its case).
    let entry = t
        .post(
            &format!("/api/v1/banks/{id}/entries"),
            &p.token,
            json!({ "signal_type": "url", "value": "HTTPS://Propaganda.example/Post/1/?utm_source=x#top" }),
        )
        .await
        .expect(201);
    assert_eq!(entry["value"], "https://propaganda.example/Post/1", "{entry}");
    let md5 = t.post("/c/bank/links/signal", &p.token, json!({ "url_md5": MIRROR_MD5 })).await.expect(200);

    // HMA's lookup of a link finds it however it is written, and pytx's MD5 of another.
    let found = t
        .get("/m/lookup?signal_type=url&signal=http%3A%2F%2FPROPAGANDA.example%3A80%2FPost%2F1%23frag", &p.token)
        .await;
    assert_eq!(found.expect(200)["links"][0]["bank_content_id"], entry["id"]);
    let found = t.get("/m/lookup?signal_type=url&signal=https%3A%2F%2Fmirror.example%2Fclip", &p.token).await;
    assert_eq!(found.expect(200)["links"][0]["bank_content_id"], md5["id"], "matched by pytx's form");
    let found = t.get(&format!("/m/lookup?signal_type=url_md5&signal={MIRROR_MD5}"), &p.token).await;
    assert_eq!(found.expect(200)["links"][0]["bank_content_id"], md5["id"]);
    let other = t.get("/m/lookup?signal_type=url&signal=https%3A%2F%2Fpropaganda.example%2FPost%2F2", &p.token).await;
    assert_eq!(other.expect(200), json!({}), "another page of the same site is another URL");
    let status = t.get("/m/index/status", &p.token).await.expect(200);
    assert_eq!((status["url"]["size"].as_u64(), status["url_md5"]["size"].as_u64()), (Some(1), Some(1)));

    // A post carrying the link: a stay-down match naming which of its links matched.
    let res = t
        .post(
            "/api/v1/uploads/check",
            &p.token,
            json!({ "url": "https://tube.example/p/9", "links": ["https://harmless.example/", "http://PROPAGANDA.example:80/Post/1/"] }),
        )
        .await
        .expect(200);
    assert_eq!(res["verdict"], "match", "{res}");
    let m = &res["matches"][0];
    assert_eq!((m["signal_type"].as_str(), m["variant"].as_u64()), (Some("url"), Some(1)), "the second link");
    assert!(res["case"].is_string(), "a stay-down case: {res}");
    let res = t.post("/api/v1/uploads/check", &p.token, json!({ "links": ["HTTP://Mirror.example/clip?"] })).await;
    assert_eq!(res.expect(200)["matches"][0]["signal_type"], "url_md5");
    let res = t.post("/api/v1/uploads/check", &p.token, json!({ "links": ["https://harmless.example/x"] })).await;
    assert_eq!(res.expect(200)["verdict"], "no_match");

    // Bad links are field errors, each named.
    let res = t
        .post("/api/v1/uploads/check", &p.token, json!({ "links": ["https://ok.example", "javascript:alert(1)"] }))
        .await;
    assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["links[1]".to_owned()]), "{}", res.body);
    let res = t.post("/m/lookup", &p.token, json!({ "signal_type": "url", "signal": "ftp://x.example/a" })).await;
    assert_eq!((res.status.as_u16(), res.code()), (400, "invalid_signal"));

    // Exported as python-threatexchange reads them.
    let exported = t.http.get(t.url(&format!("/api/v1/banks/{id}/export"))).bearer_auth(&p.token).send().await;
    let text = exported.unwrap().text().await.unwrap();
    assert!(text.contains("url https://propaganda.example/Post/1\n"), "{text}");
    assert!(text.contains(&format!("url_md5 {MIRROR_MD5}\n")), "{text}");
}
