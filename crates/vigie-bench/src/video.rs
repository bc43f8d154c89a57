//! `vigie-bench video`: the video lookup of step 11. A library of banked videos (each `frames`
//! distinct frames, one a second) in one `VideoIndex`; a query of the same length, either a copy of
//! a banked video (every frame a few bits off, as a re-encode) or a stranger; the time of each
//! lookup, the decision it gives, and the memory the library takes per banked frame.

use std::time::Instant;

use vigie_hash::PdqHash;
use vigie_hash::vpdq::{Feature, Thresholds, compare};
use vigie_video::index::VideoIndex;

#[derive(clap::Args)]
pub(crate) struct VideoArgs {
    /// Banked videos.
    #[arg(long, default_value_t = 10_000)]
    videos: usize,
    /// Frames per video (and per query): ten minutes at one a second.
    #[arg(long, default_value_t = 600)]
    frames: usize,
    /// Queries of each kind.
    #[arg(long, default_value_t = 20)]
    queries: usize,
    /// Also check the first query of each kind against the brute-force rule over every banked video
    /// (slow: minutes at the default size).
    #[arg(long)]
    brute_force: bool,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        out
    }
}

fn video(rng: &mut Rng, frames: usize) -> Vec<Feature> {
    (0..frames)
        .map(|i| Feature { hash: PdqHash::from_bytes(rng.bytes()), quality: 100, frame: i as u64, timestamp: i as f64 })
        .collect()
}

/// The same frames with `bits` random bits of each changed.
fn drifted(v: &[Feature], bits: u32, rng: &mut Rng) -> Vec<Feature> {
    v.iter()
        .map(|f| {
            let mut b = *f.hash.as_bytes();
            for _ in 0..bits {
                let k = (rng.next() % 256) as usize;
                b[k / 8] ^= 1 << (k % 8);
            }
            Feature { hash: PdqHash::from_bytes(b), ..*f }
        })
        .collect()
}

/// Resident memory, in bytes (Linux).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

pub(crate) fn run(args: VideoArgs) -> anyhow::Result<()> {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let before = rss();
    let started = Instant::now();
    let mut library = Vec::with_capacity(args.videos);
    let mut index = VideoIndex::new();
    for _ in 0..args.videos {
        let v = video(&mut rng, args.frames);
        index.add(&v);
        library.push(v);
    }
    let built = started.elapsed();
    let frames = args.videos * args.frames;
    // The library's own features (kept here for the brute force) count too; subtract them.
    let features = (frames * std::mem::size_of::<Feature>()) as u64;
    let index_bytes = rss().saturating_sub(before).saturating_sub(features);
    println!(
        "library: {} videos × {} frames = {frames} frames, indexed in {:.1} s; index ≈ {:.0} bytes per banked frame",
        args.videos,
        args.frames,
        built.as_secs_f64(),
        index_bytes as f64 / frames as f64
    );
    let t = Thresholds::default();
    for (kind, copy) in [("copy of a banked video (6 bits per frame)", true), ("stranger", false)] {
        let mut times = Vec::new();
        let mut decided = 0;
        for q in 0..args.queries {
            let target = (rng.next() as usize) % args.videos;
            let query = if copy { drifted(&library[target], 6, &mut rng) } else { video(&mut rng, args.frames) };
            let started = Instant::now();
            let found = index.query(&query, &t).expect("a query threshold above 0");
            times.push(started.elapsed().as_secs_f64() * 1e3);
            let matched: Vec<u32> = found.iter().filter(|m| m.is_match).map(|m| m.video).collect();
            let want: Vec<u32> = if copy { vec![target as u32] } else { Vec::new() };
            anyhow::ensure!(matched == want, "query {q} ({kind}): matched {matched:?}, expected {want:?}");
            decided += 1;
            if args.brute_force && q == 0 {
                let brute: Vec<u32> = library
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| compare(&query, v, &t).is_match(&t))
                    .map(|(i, _)| i as u32)
                    .collect();
                anyhow::ensure!(brute == matched, "brute force disagrees: {brute:?} vs {matched:?}");
                println!("  brute force over {} videos agrees", args.videos);
            }
        }
        times.sort_by(f64::total_cmp);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "{kind}: {decided} queries of {} frames, decisions as expected; ms per lookup: p50 {:.1}, p90 {:.1}, max {:.1}, mean {:.1}",
            args.frames,
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            times[times.len() - 1],
            mean
        );
    }
    Ok(())
}
