//! HMA's answer shapes for matches, shared by the HMA routes and the jobs that answer for them
//! (a video sent to `POST /m/lookup`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Hit;

/// A hit's distance as HMA writes it: the PDQ distance, or for a video python-threatexchange's
/// `VPDQSimilarityInfo.pretty_str()`, `"<query>%[<compared>%]"` (percentages without decimals).
pub fn distance_of(h: &Hit) -> String {
    match &h.video {
        Some(v) => format!("{:.0}%[{:.0}%]", v.comparison.query_match_percent, v.comparison.compared_match_percent),
        None => h.distance.to_string(),
    }
}

/// HMA's matches by bank name. A match that came from python-threatexchange's hash of hashed
/// media (not the eye's) also says `"hash": "pdq_pytx"`; a video match gives its two shares, the
/// segments where the videos match (seconds) and, for a banked clip inside a longer query,
/// `"clip": true` (for review, never automatic action). HMA's keys are unchanged.
pub fn by_bank(hits: &[Hit]) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for h in hits {
        let mut m = json!({ "bank_content_id": h.entry, "distance": distance_of(h) });
        if h.pytx {
            m["hash"] = json!("pdq_pytx");
        }
        if let Some(at) = h.frame_at {
            m["frame_at"] = json!(at);
        }
        if let Some(v) = &h.video {
            m["query_match_percent"] = json!(v.comparison.query_match_percent);
            m["compared_match_percent"] = json!(v.comparison.compared_match_percent);
            m["clip"] = json!(v.is_clip);
            m["segments"] = v
                .segments
                .iter()
                .map(|s| json!({ "query": [s.query.0, s.query.1], "banked": [s.banked.0, s.banked.1] }))
                .collect();
        }
        out.entry(h.bank.spec.name.clone()).or_default().push(m);
    }
    out
}
