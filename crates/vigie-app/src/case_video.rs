//! Videos attached to a case. The bytes are sniffed (never the sender's word), decoded once by
//! FFmpeg in `vigie-video`'s sandboxed subprocess, within the video jobs' limits and one of their
//! decoders, hashed with vPDQ and looked up in the banks the case's platform may use. The same
//! run keeps a blurred grey derivative of each hashed frame, from which the storyboard is made:
//! up to [`MAX_STORYBOARD`] frames spread over the matched segments (over the whole video when
//! nothing matched), side by side in one fresh PNG, which is the media's preview. The video's
//! facts (size, duration, the storyboard's times, the matched segments in both videos) are kept
//! beside it for the console's timeline.

use serde_json::{Value, json};
use vigie_model::Invalid;
use vigie_model::event::{Word, kinds as k};
use vigie_video::{Still, VideoError, VideoHashes};

use crate::banks::matcher::{Query, Scope};
use crate::banks::uploads::video_facts;
use crate::{App, AppError, AppResult};

/// The decoded facts of attached bytes, computed off the async threads.
pub(crate) struct Examined {
    pub(crate) format: String,
    /// What the eye sees.
    pub(crate) pdq: Option<(vigie_hash::PdqHash, i64)>,
    /// python-threatexchange's hash, where it differs: looked up too.
    pub(crate) pdq_pytx: Option<vigie_hash::Pdq>,
    pub(crate) preview: Option<Vec<u8>>,
    pub(crate) note: String,
    /// A video's facts for the console (`MediaRecord::video`).
    pub(crate) video: Option<String>,
}

/// The most frames a storyboard shows.
pub const MAX_STORYBOARD: usize = 12;

/// A video error as the API answers it: the file's fault is a 422 (or 413) with the decoder's
/// stable code; the server's is internal.
pub(crate) fn video_error(e: VideoError) -> AppError {
    match e {
        VideoError::TooLarge(_) | VideoError::TooLong(_) | VideoError::TooManyFrames(_) => {
            AppError::TooLarge(e.to_string())
        }
        e if e.is_the_files() => AppError::Invalid(Invalid::one("file", e.code(), e.to_string())),
        _ => AppError::Internal("the video decoder is not available"),
    }
}

/// The storyboard's frames: at most [`MAX_STORYBOARD`], spread evenly over the stills inside
/// `segments` (seconds in this video), or over all of them when none is; each with whether it is
/// in a matched segment.
pub(crate) fn storyboard_frames<'a>(stills: &'a [Still], segments: &[(f64, f64)]) -> Vec<(&'a Still, bool)> {
    // vPDQ's timestamps are the stills' own, so a segment's ends are stills' times exactly.
    let inside = |t: f64| segments.iter().any(|(a, b)| *a - 1e-6 <= t && t <= *b + 1e-6);
    let matched: Vec<&Still> = stills.iter().filter(|s| inside(s.timestamp)).collect();
    let pool: Vec<&Still> = if matched.is_empty() { stills.iter().collect() } else { matched };
    let n = pool.len();
    let k = n.min(MAX_STORYBOARD);
    let picked = (0..k).map(|i| if k == 1 { 0 } else { i * (n - 1) / (k - 1) });
    picked.map(|i| (pool[i], inside(pool[i].timestamp))).collect()
}

impl App {
    /// Decodes, hashes and looks up a video for a case of `platform`; what attaching keeps.
    pub(crate) async fn examine_video(
        &self,
        platform: Option<&vigie_model::OrgId>,
        bytes: Vec<u8>,
    ) -> AppResult<(Vec<u8>, Examined, Vec<(Value, k::MediaMatch)>)> {
        let options = self.config().video.options.clone();
        // FFmpeg's private directories are made where the jobs' are (made private if missing).
        self.jobs_dir()?;
        let _decoder = self.video_decoder().await?;
        let (bytes, found) = tokio::task::spawn_blocking(move || {
            let found = vigie_video::hash_video_with_stills(&bytes, &options);
            (bytes, found)
        })
        .await
        .map_err(|_| AppError::Internal("the video decoder panicked"))?;
        let (hashes, stills) = found.map_err(video_error)?;
        let hits = match platform {
            Some(platform) if !hashes.vpdq.is_empty() => {
                let q = Query { vpdq: hashes.vpdq.clone(), ..Default::default() };
                let scope = Scope { org: platform, only: None, coin: None, include_disabled: false };
                self.matcher().lookup(&q, &scope, self.now())
            }
            _ => Vec::new(),
        };
        let (found, matches) = examined(&hashes, &stills, &hits);
        Ok((bytes, found, matches))
    }
}

/// What a case keeps of a decoded video: the storyboard over the segments its video `hits`
/// matched (others are left out), the facts for the timeline, and the matches as the console
/// shows them and as the log keeps them.
pub(crate) fn examined(
    hashes: &VideoHashes,
    stills: &[Still],
    hits: &[crate::banks::Hit],
) -> (Examined, Vec<(Value, k::MediaMatch)>) {
    let mut segments = Vec::new();
    let mut matches = Vec::new();
    let mut cited = Vec::new();
    for h in hits.iter().filter(|h| h.video.is_some()) {
        let v = h.video.as_ref().expect("filtered");
        segments.extend(v.segments.iter().map(|s| s.query));
        let mut facts = video_facts(v);
        facts["bank_name"] = json!(h.bank.spec.name);
        facts["entry"] = json!(h.entry);
        cited.push(facts);
        let shown = json!({ "bank": h.bank.id.as_str(), "bank_name": h.bank.spec.name, "entry": h.entry,
                            "distance": h.distance, "hash": h.hash_name() });
        let logged = k::MediaMatch {
            bank: h.bank.id.clone(),
            entry: h.entry,
            distance: h.distance,
            hash: Word::from(h.hash_name()),
        };
        matches.push((shown, logged));
    }
    let frames = storyboard_frames(stills, &segments);
    let blurred: Vec<_> = frames.iter().map(|(s, _)| s.frame.clone()).collect();
    let found = Examined {
        format: hashes.container.as_str().to_owned(),
        pdq: None,
        pdq_pytx: None,
        preview: vigie_hash::storyboard_png(&blurred),
        note: "blurred greyscale storyboard of the video's frames, made by Vigie".to_owned(),
        video: Some(facts(hashes, stills, &frames, &cited).to_string()),
    };
    (found, matches)
}

/// What the console's timeline needs: the video's size and length, the storyboard's frames and
/// the matched segments (seconds in this video, `upload`, and in the banked one, `banked`).
fn facts(h: &VideoHashes, stills: &[Still], frames: &[(&Still, bool)], matches: &[Value]) -> Value {
    let last = stills.last().map_or(0.0, |s| s.timestamp);
    json!({
        "width": h.width,
        "height": h.height,
        "frame_rate": h.frame_rate,
        "duration": h.duration.unwrap_or(last).max(last),
        "frames": frames.iter().map(|(s, m)| json!({ "at": s.timestamp, "matched": m })).collect::<Vec<_>>(),
        "matches": matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stills(n: usize) -> Vec<Still> {
        let frame = vigie_hash::BlurredFrame { width: 1, height: 1, luma: vec![0] };
        (0..n).map(|i| Still { timestamp: i as f64, frame: frame.clone() }).collect()
    }

    #[test]
    fn the_storyboard_spreads_over_the_matched_segments_or_else_the_whole_video() {
        let all = stills(100);
        let times = |f: &[(&Still, bool)]| f.iter().map(|(s, m)| (s.timestamp, *m)).collect::<Vec<_>>();
        let picked = storyboard_frames(&all, &[(10.0, 13.0), (50.0, 51.0)]);
        assert_eq!(
            times(&picked),
            [(10.0, true), (11.0, true), (12.0, true), (13.0, true), (50.0, true), (51.0, true)]
        );
        let picked = storyboard_frames(&all, &[]);
        assert_eq!(picked.len(), MAX_STORYBOARD);
        assert_eq!((picked[0].0.timestamp, picked[11].0.timestamp), (0.0, 99.0));
        assert!(picked.iter().all(|(_, m)| !m));
        let picked = storyboard_frames(&all, &[(0.0, 99.0)]);
        assert_eq!((picked.len(), picked[11].0.timestamp), (MAX_STORYBOARD, 99.0));
        assert!(storyboard_frames(&[], &[]).is_empty());
        assert_eq!(times(&storyboard_frames(&stills(1), &[])), [(0.0, false)]);
    }
}
