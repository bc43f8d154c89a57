//! Many banked videos, matched without comparing the query with each of them: every banked
//! video's frames go into one PDQ index ([`vigie_index::Mih`]); a query's frames are looked up
//! there, which gives, per banked video, exactly the pairs of frames within the distance; the
//! percentages of [`vigie_hash::vpdq::compare`] follow from those pairs alone. So the decisions are
//! the brute-force rule's (a property test checks it), for every video that shares at least one
//! near frame with the query; a video that shares none has 0 % on both sides, which no useful
//! threshold accepts (thresholds of 0 % are refused: they would match every banked video).
//!
//! Besides the full-video decision, an answer reports the matching *segments* (time ranges in both
//! videos) and whether the banked video is contained in the query: a long upload that contains a
//! banked clip has a low query share (the 80 % rule misses it on purpose) and a high compared
//! share. That is a clip match, which the caller routes to review, never to automatic action.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use vigie_hash::PdqHash;
use vigie_hash::vpdq::{Comparison, Feature, Thresholds};
use vigie_index::{Index, Mih, code_from_bytes};

/// A banked video's frame in the index.
#[derive(Clone, Copy, Debug)]
struct Entry {
    video: u32,
    /// Its position among the video's distinct frames.
    position: u32,
    quality: u8,
    timestamp: f64,
}

/// One banked video: its distinct frames' qualities, in order.
#[derive(Clone, Debug)]
struct Video {
    qualities: Vec<u8>,
    enabled: bool,
}

/// A time range, in seconds, in each video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub query: (f64, f64),
    pub banked: (f64, f64),
}

/// How a query compares with one banked video that shares near frames with it.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoMatch {
    /// The number [`VideoIndex::add`] gave the banked video.
    pub video: u32,
    pub comparison: Comparison,
    /// The whole videos match under the thresholds (python-threatexchange's decision).
    pub is_match: bool,
    /// The banked video is (mostly) inside the query, which does not match as a whole: a clip.
    pub is_clip: bool,
    /// Runs of consecutive matching query frames, with the banked frames they match.
    pub segments: Vec<Segment>,
}

/// Why thresholds cannot be used with an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a match threshold of 0 % would match every banked video; use more than 0 on the query side")]
pub struct ZeroThreshold;

/// The index's tables are never chosen for fewer frames than this.
const LAID_FOR_AT_LEAST: usize = 1 << 16;

/// The share of a banked clip's frames that must appear in a query for a clip match.
pub const CLIP_MATCH_PERCENT: f64 = 80.0;

pub struct VideoIndex {
    frames: Mih,
    entries: Vec<Entry>,
    videos: Vec<Video>,
    /// The number of frames the index's tables were chosen for: past four times that, they are
    /// chosen again for the new size (`Mih::relaid`, amortised O(1) per frame).
    laid_for: usize,
}

impl std::fmt::Debug for VideoIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoIndex").field("videos", &self.videos.len()).field("frames", &self.entries.len()).finish()
    }
}

impl Default for VideoIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl VideoIndex {
    /// An empty index. Its frames are searched by multi-index hashing, with as many substrings as
    /// suit the number of frames (`Mih::tables_for`: 16 of 16 bits up to about a million frames,
    /// 11 of 23 or 24 bits at ten million), chosen again as the library grows.
    pub fn new() -> Self {
        VideoIndex {
            frames: Mih::for_size(LAID_FOR_AT_LEAST),
            entries: Vec::new(),
            videos: Vec::new(),
            laid_for: LAID_FOR_AT_LEAST,
        }
    }

    /// Adds a banked video's features; it is matchable at once. Its distinct frames are kept (the
    /// first of each hash, whatever its quality: the quality threshold is the query's to apply).
    pub fn add(&mut self, features: &[Feature]) -> u32 {
        let video = self.videos.len() as u32;
        let mut seen = HashSet::new();
        let mut qualities = Vec::new();
        for f in features.iter().filter(|f| seen.insert(f.hash)) {
            let entry = self.frames.add(code_from_bytes(f.hash.as_bytes()));
            debug_assert_eq!(entry as usize, self.entries.len());
            self.entries.push(Entry {
                video,
                position: qualities.len() as u32,
                quality: f.quality,
                timestamp: f.timestamp,
            });
            qualities.push(f.quality);
        }
        self.videos.push(Video { qualities, enabled: true });
        if self.entries.len() >= 4 * self.laid_for {
            self.laid_for = self.entries.len();
            if Mih::tables_for(self.laid_for) != self.frames.tables() {
                self.frames = self.frames.relaid();
            }
        }
        video
    }

    /// Hides or shows a banked video (a disabled bank entry).
    pub fn set_enabled(&mut self, video: u32, enabled: bool) {
        let Some(v) = self.videos.get_mut(video as usize) else { return };
        v.enabled = enabled;
        for (i, e) in self.entries.iter().enumerate() {
            if e.video == video {
                self.frames.set_enabled(i as u32, enabled);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.videos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.videos.is_empty()
    }

    /// Every enabled banked video that shares a near frame with `query`, with its percentages,
    /// decisions and segments, in the order of the banked videos.
    pub fn query(&self, query: &[Feature], t: &Thresholds) -> Result<Vec<VideoMatch>, ZeroThreshold> {
        if t.query_match_percent <= 0.0 {
            return Err(ZeroThreshold);
        }
        // The query's frames as the rule prepares them, with their timestamps.
        let mut seen = HashSet::new();
        let prepared: Vec<&Feature> =
            query.iter().filter(|f| seen.insert(f.hash)).filter(|f| f.quality >= t.quality).collect();
        // Per banked video: which query frames hit which of its frames. A long query's frames are
        // looked up on every core, in contiguous chunks, merged in order.
        let lookup = |chunk: &[&Feature], first: usize| -> Vec<(u32, usize, u32)> {
            let mut out = Vec::new();
            for (k, f) in chunk.iter().enumerate() {
                for m in self.frames.query(&code_from_bytes(f.hash.as_bytes()), t.distance) {
                    let e = &self.entries[m.entry as usize];
                    if e.quality >= t.quality {
                        out.push((e.video, first + k, m.entry));
                    }
                }
            }
            out
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(prepared.len() / 64).max(1);
        let found: Vec<(u32, usize, u32)> = if threads == 1 {
            lookup(&prepared, 0)
        } else {
            let size = prepared.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> = prepared
                    .chunks(size)
                    .enumerate()
                    .map(|(i, chunk)| s.spawn(move || lookup(chunk, i * size)))
                    .collect();
                handles.into_iter().flat_map(|h| h.join().expect("a lookup thread does not panic")).collect()
            })
        };
        let mut pairs: BTreeMap<u32, Vec<(usize, &Entry)>> = BTreeMap::new();
        for (video, qi, entry) in found {
            pairs.entry(video).or_default().push((qi, &self.entries[entry as usize]));
        }
        let mut out = Vec::new();
        for (video, hits) in pairs {
            let v = &self.videos[video as usize];
            let banked_len = v.qualities.iter().filter(|q| **q >= t.quality).count();
            let query_hit: BTreeSet<usize> = hits.iter().map(|(qi, _)| *qi).collect();
            let banked_hit: BTreeSet<u32> = hits.iter().map(|(_, e)| e.position).collect();
            let comparison = Comparison {
                query_match_percent: share(query_hit.len(), prepared.len()),
                compared_match_percent: share(banked_hit.len(), banked_len),
            };
            let is_match = comparison.is_match(t);
            let is_clip = !is_match && comparison.compared_match_percent >= CLIP_MATCH_PERCENT;
            out.push(VideoMatch { video, comparison, is_match, is_clip, segments: segments(&prepared, &hits) });
        }
        Ok(out)
    }
}

/// A banked video's frame near an image (a still of the video, or the video made of a still).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameHit {
    pub video: u32,
    /// Seconds from the banked video's start.
    pub timestamp: f64,
    pub distance: u32,
}

impl VideoIndex {
    /// The frames of enabled banked videos within `distance` of an image's PDQ hash (frames of
    /// quality below `quality` left out), sorted by (distance, video, timestamp): a full-frame still
    /// of a banked video matches it as an image would.
    pub fn frames_near(&self, hash: &PdqHash, distance: u32, quality: u8) -> Vec<FrameHit> {
        let mut out: Vec<FrameHit> = self
            .frames
            .query(&code_from_bytes(hash.as_bytes()), distance)
            .into_iter()
            .map(|m| (m, &self.entries[m.entry as usize]))
            .filter(|(_, e)| e.quality >= quality)
            .map(|(m, e)| FrameHit { video: e.video, timestamp: e.timestamp, distance: m.distance })
            .collect();
        out.sort_by(|a, b| (a.distance, a.video).cmp(&(b.distance, b.video)).then(a.timestamp.total_cmp(&b.timestamp)));
        out
    }
}

fn share(hit: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { hit as f64 * 100.0 / of as f64 }
}

/// Runs of consecutive prepared query frames that all match, each with the span of the banked
/// frames they match.
fn segments(prepared: &[&Feature], hits: &[(usize, &Entry)]) -> Vec<Segment> {
    let mut by_query: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for (qi, e) in hits {
        let span = by_query.entry(*qi).or_insert((e.timestamp, e.timestamp));
        span.0 = span.0.min(e.timestamp);
        span.1 = span.1.max(e.timestamp);
    }
    let mut out: Vec<Segment> = Vec::new();
    let mut last: Option<usize> = None;
    for (qi, (lo, hi)) in by_query {
        let t = prepared[qi].timestamp;
        match (last, out.last_mut()) {
            (Some(prev), Some(s)) if prev + 1 == qi => {
                s.query.1 = t;
                s.banked = (s.banked.0.min(lo), s.banked.1.max(hi));
            }
            _ => out.push(Segment { query: (t, t), banked: (lo, hi) }),
        }
        last = Some(qi);
    }
    out
}

/// A banked video's hash list for [`VideoIndex::add`], for tests and tools.
pub fn features_of(hashes: &[(PdqHash, u8)], frame_rate: f64) -> Vec<Feature> {
    hashes
        .iter()
        .enumerate()
        .map(|(i, (hash, quality))| Feature {
            hash: *hash,
            quality: *quality,
            frame: i as u64,
            timestamp: vigie_hash::vpdq::timestamp(i as u64, frame_rate),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use vigie_hash::vpdq::compare;

    use super::*;

    /// A small deterministic generator (xorshift), so the property runs are repeatable.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn hash(&mut self) -> PdqHash {
            let mut b = [0u8; 32];
            for chunk in b.chunks_mut(8) {
                chunk.copy_from_slice(&self.next().to_le_bytes());
            }
            PdqHash::from_bytes(b)
        }
        /// `h` with `bits` random bits flipped.
        fn near(&mut self, h: PdqHash, bits: u64) -> PdqHash {
            let mut b = *h.as_bytes();
            for _ in 0..bits {
                let k = self.below(256) as usize;
                b[k / 8] ^= 1 << (k % 8);
            }
            PdqHash::from_bytes(b)
        }
    }

    /// Banked videos made of a few "scenes" (a hash and its near copies), some shared between
    /// videos, with repeated frames and poor ones.
    fn library(rng: &mut Rng) -> (Vec<PdqHash>, Vec<Vec<Feature>>) {
        let scenes: Vec<PdqHash> = (0..12).map(|_| rng.hash()).collect();
        let videos = (0..20)
            .map(|_| {
                let n = 1 + rng.below(30) as usize;
                let hashes: Vec<(PdqHash, u8)> = (0..n)
                    .map(|_| {
                        let scene = scenes[rng.below(scenes.len() as u64) as usize];
                        let bits = rng.below(40);
                        let h = if rng.below(4) == 0 { scene } else { rng.near(scene, bits) };
                        (h, [10, 49, 50, 80, 100][rng.below(5) as usize])
                    })
                    .collect();
                features_of(&hashes, 25.0)
            })
            .collect();
        (scenes, videos)
    }

    #[test]
    fn the_index_decides_as_the_brute_force_rule_for_every_banked_video() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        // How often each case arose, so the property cannot hold vacuously.
        let (mut matched, mut found_not_matched, mut absent) = (0, 0, 0);
        for round in 0..40 {
            let (scenes, videos) = library(&mut rng);
            let mut index = VideoIndex::new();
            for v in &videos {
                index.add(v);
            }
            let query = {
                let n = 1 + rng.below(40) as usize;
                let hashes: Vec<(PdqHash, u8)> = (0..n)
                    .map(|_| {
                        let scene = scenes[rng.below(scenes.len() as u64) as usize];
                        let bits = rng.below(45);
                        (rng.near(scene, bits), [30, 50, 90][rng.below(3) as usize])
                    })
                    .collect();
                features_of(&hashes, 30.0)
            };
            let t = Thresholds {
                quality: [0, 50, 80][rng.below(3) as usize],
                distance: [0, 16, 31, 40][rng.below(4) as usize],
                query_match_percent: [1.0, 50.0, 80.0, 100.0][rng.below(4) as usize],
                compared_match_percent: [0.0, 30.0, 80.0][rng.below(3) as usize],
            };
            let found = index.query(&query, &t).unwrap();
            for (i, v) in videos.iter().enumerate() {
                let brute = compare(&query, v, &t);
                match found.iter().find(|m| m.video == i as u32) {
                    Some(m) => {
                        assert_eq!(m.comparison, brute, "round {round}, video {i}");
                        assert_eq!(m.is_match, brute.is_match(&t), "round {round}, video {i}");
                        if m.is_match { matched += 1 } else { found_not_matched += 1 }
                    }
                    None => {
                        assert_eq!(brute.query_match_percent, 0.0, "round {round}, video {i} was missed");
                        assert!(!brute.is_match(&t));
                        absent += 1;
                    }
                }
            }
        }
        assert!(matched > 20 && found_not_matched > 20 && absent > 20, "{matched} {found_not_matched} {absent}");
    }

    #[test]
    fn a_disabled_video_is_not_found_and_zero_thresholds_are_refused() {
        let mut rng = Rng(7);
        let clip: Vec<(PdqHash, u8)> = (0..5).map(|_| (rng.hash(), 100)).collect();
        let mut index = VideoIndex::new();
        let id = index.add(&features_of(&clip, 1.0));
        let q = features_of(&clip, 1.0);
        assert!(index.query(&q, &Thresholds::default()).unwrap()[0].is_match);
        index.set_enabled(id, false);
        assert!(index.query(&q, &Thresholds::default()).unwrap().is_empty());
        let zero = Thresholds { query_match_percent: 0.0, ..Thresholds::default() };
        assert_eq!(index.query(&q, &zero), Err(ZeroThreshold));
    }

    #[test]
    fn a_long_upload_containing_a_banked_clip_is_a_clip_match_with_its_segment() {
        let mut rng = Rng(99);
        // A banked 10-second clip, one hash a second.
        let clip: Vec<(PdqHash, u8)> = (0..10).map(|_| (rng.hash(), 100)).collect();
        let mut index = VideoIndex::new();
        index.add(&features_of(&clip, 1.0));
        // A 60-second upload: 30 s of other material, the clip re-encoded (a few bits off), 20 s more.
        let mut upload: Vec<(PdqHash, u8)> = (0..30).map(|_| (rng.hash(), 100)).collect();
        upload.extend(clip.iter().map(|(h, q)| (rng.near(*h, 6), *q)));
        upload.extend((0..20).map(|_| (rng.hash(), 100)));
        let m = &index.query(&features_of(&upload, 1.0), &Thresholds::default()).unwrap()[0];
        assert_eq!(m.comparison.compared_match_percent, 100.0);
        assert!(m.comparison.query_match_percent < 80.0, "{:?}", m.comparison);
        assert!(!m.is_match, "the 80 % rule misses it, on purpose");
        assert!(m.is_clip);
        assert_eq!(m.segments, vec![Segment { query: (30.0, 39.0), banked: (0.0, 9.0) }]);
    }
}
