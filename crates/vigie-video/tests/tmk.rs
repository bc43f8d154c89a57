//! TMK+PDQF against Meta's reference (`tmk/cpp` in facebook/ThreatExchange): the committed
//! synthetic videos, the `.tmk` files `tmk-hash-video` wrote for them and the scores
//! `tmk-two-level-score` and `tmk-show-pair-offsets` gave for every pair (`videos/tmk_reference.py`).
//! Vigie's features must equal the reference's (they are, bit for bit, with the FFmpeg the vectors
//! were made with), its scores within 1e-3, and its decisions must be the reference's; computing
//! TMK must not change a vPDQ bit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use vigie_hash::tmk::{self, Thresholds, TmkFeatures};
use vigie_video::{Options, VideoError, hash_video_file};

fn videos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("videos")
}

/// Every committed video with a pinned `.tmk`.
fn pinned_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(videos())
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".tmk").map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn pinned(name: &str) -> TmkFeatures {
    let bytes = std::fs::read(videos().join(format!("{name}.tmk"))).unwrap();
    assert_eq!(bytes.len(), 263_344, "{name}.tmk");
    TmkFeatures::from_bytes(&bytes).unwrap()
}

fn pinned_bytes(name: &str) -> Vec<u8> {
    std::fs::read(videos().join(format!("{name}.tmk"))).unwrap()
}

fn with_tmk() -> Options {
    Options { tmk: true, ..Options::default() }
}

/// Vigie's features of every pinned video, computed once for all the tests.
fn ours() -> &'static BTreeMap<String, TmkFeatures> {
    static OURS: OnceLock<BTreeMap<String, TmkFeatures>> = OnceLock::new();
    OURS.get_or_init(|| {
        pinned_names()
            .into_iter()
            .map(|name| {
                let h = hash_video_file(&videos().join(&name), &with_tmk()).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, h.tmk.expect("asked for"))
            })
            .collect()
    })
}

fn scores() -> Value {
    serde_json::from_str(&std::fs::read_to_string(videos().join("tmk-scores.json")).unwrap()).unwrap()
}

/// The largest difference between two float vectors, relative to the larger magnitude of the
/// vector (its values sum frame after frame, so round-off scales with the vector, not each value).
fn worst(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    a.iter().zip(b).map(|(x, y)| (x - y).abs() / scale).fold(0f32, f32::max)
}

#[test]
fn every_video_with_a_stream_has_a_pinned_reference() {
    let names = pinned_names();
    assert!(names.len() >= 10, "{names:?}");
    assert!(!names.contains(&"tone-no-video.mp4".to_owned()));
}

#[test]
fn features_equal_the_reference_bit_for_bit() {
    for name in pinned_names() {
        let (got, want) = (&ours()[&name], pinned(&name));
        assert_eq!(got.frames_per_second(), want.frames_per_second(), "{name}");
        assert_eq!(got.frame_count(), want.frame_count(), "{name}: frames after resampling to 15 a second");
        assert_eq!(got.periods(), want.periods(), "{name}");
        assert_eq!(got.coefficients(), want.coefficients(), "{name}");
        let w = worst(got.pure_average(), want.pure_average());
        assert!(w < 1e-5, "{name}: pure average off by {w}");
        let mut furthest = 0f32;
        for i in 0..want.periods().len() {
            for j in 0..want.coefficients().len() {
                let (c, s) = (worst(got.cos(i, j), want.cos(i, j)), worst(got.sin(i, j), want.sin(i, j)));
                assert!(c < 1e-4 && s < 1e-4, "{name}: period {i}, coefficient {j}: cos off by {c}, sin by {s}");
                furthest = furthest.max(c).max(s);
            }
        }
        let identical = got.to_bytes() == pinned_bytes(&name);
        eprintln!("{name}: pure average within {w:e}, cos/sin within {furthest:e}; identical bytes: {identical}");
        // With the same FFmpeg, the same operations in the same order: the same bits.
        assert!(identical, "{name}: Vigie's .tmk differs from the reference's");
    }
}

#[test]
fn a_file_vigie_writes_is_the_reference_format_byte_for_byte_in_its_header() {
    for name in pinned_names() {
        let bytes = ours()[&name].to_bytes();
        let want = std::fs::read(videos().join(format!("{name}.tmk"))).unwrap();
        assert_eq!(bytes.len(), want.len(), "{name}");
        // Header, periods, coefficients: the same bytes. The features then agree to round-off.
        assert_eq!(bytes[..32 + 16 + 128], want[..32 + 16 + 128], "{name}");
        assert_eq!(TmkFeatures::from_bytes(&bytes).unwrap(), ours()[&name]);
    }
}

#[test]
fn scores_of_the_pinned_files_are_the_reference_tools() {
    // Vigie's arithmetic on the reference's own features: what the tools printed, to their six
    // decimals; and the same best offsets.
    for pair in scores()["pairs"].as_array().unwrap() {
        let (a, b) = (pinned(pair["a"].as_str().unwrap()), pinned(pair["b"].as_str().unwrap()));
        let label = format!("{} / {}", pair["a"], pair["b"]);
        let l1 = tmk::level1(&a, &b).unwrap();
        let l2 = tmk::level2(&a, &b).unwrap();
        assert!((f64::from(l1) - pair["level1"].as_f64().unwrap()).abs() < 2e-6, "{label}: level 1 {l1}");
        assert!((f64::from(l2) - pair["level2"].as_f64().unwrap()).abs() < 2e-6, "{label}: level 2 {l2}");
        let offsets = tmk::best_offsets(&a, &b).unwrap();
        for (got, want) in offsets.iter().zip(pair["offsets"].as_array().unwrap()) {
            assert_eq!(i64::from(got.period), want["period"].as_i64().unwrap(), "{label}");
            assert_eq!(i64::from(got.offset), want["offset"].as_i64().unwrap(), "{label}: period {}", got.period);
            assert!((f64::from(got.value) - want["value"].as_f64().unwrap()).abs() < 2e-6, "{label}: {got:?}");
        }
    }
}

#[test]
fn scores_of_vigies_features_are_within_a_thousandth_and_decide_the_same() {
    let t = Thresholds::default();
    let pairs = scores();
    let pairs = pairs["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), pinned_names().len() * (pinned_names().len() - 1) / 2, "every pair is pinned");
    for pair in pairs {
        let (a, b) = (&ours()[pair["a"].as_str().unwrap()], &ours()[pair["b"].as_str().unwrap()]);
        let label = format!("{} / {}", pair["a"], pair["b"]);
        let (want1, want2) = (pair["level1"].as_f64().unwrap(), pair["level2"].as_f64().unwrap());
        let l1 = f64::from(tmk::level1(a, b).unwrap());
        let l2 = f64::from(tmk::level2(a, b).unwrap());
        assert!((l1 - want1).abs() < 1e-3, "{label}: level 1 {l1} against {want1}");
        assert!((l2 - want2).abs() < 1e-3, "{label}: level 2 {l2} against {want2}");
        let reference_matches = want1 >= 0.7 && want2 >= 0.7;
        assert_eq!(tmk::compare(a, b, &t).unwrap().is_match(&t), reference_matches, "{label}");
    }
}

/// Which test pattern a committed video was made from (`videos/make.sh`).
fn source(name: &str) -> &'static str {
    ["testsrc2", "testsrc", "mandelbrot", "bars"].into_iter().find(|s| name.starts_with(s)).unwrap()
}

#[test]
fn a_re_encode_matches_and_different_sources_do_not() {
    let t = Thresholds::default();
    let m = |a: &str, b: &str| tmk::compare(&ours()[a], &ours()[b], &t).unwrap().is_match(&t);
    assert!(m("testsrc-h264-320x240.mp4", "testsrc-reencoded-vp9-240x180.webm"), "H.264 re-encoded as smaller VP9");
    for a in pinned_names() {
        for b in pinned_names() {
            if source(&a) != source(&b) {
                assert!(!m(&a, &b), "{a} and {b} come from different sources");
            }
        }
    }
}

#[test]
fn a_display_matrix_turns_the_frames_as_ffmpeg_autorotation_does() {
    // The reference lets FFmpeg autorotate: a quarter turn is a transpose; another angle the
    // rotate filter. Equal features above show Vigie turned them the same way; here, that the
    // turn mattered (a quarter-turned copy is not the same set of frames).
    let (upright, turned) = (&ours()["testsrc-h264-320x240.mp4"], &ours()["testsrc-h264-display-matrix-90.mp4"]);
    assert!(tmk::level1(upright, turned).unwrap() < 0.99);
    assert_eq!(upright.frame_count(), turned.frame_count());
}

#[test]
fn computing_tmk_changes_no_vpdq_bit() {
    for name in pinned_names() {
        if !videos().join(format!("{name}.vpdq.json")).exists() {
            continue;
        }
        for seconds in [1.0, 0.0] {
            let plain =
                hash_video_file(&videos().join(&name), &Options { seconds_per_hash: seconds, ..Options::default() });
            let both = hash_video_file(&videos().join(&name), &Options { seconds_per_hash: seconds, ..with_tmk() });
            let (plain, both) = (plain.unwrap(), both.unwrap());
            assert_eq!(plain.tmk, None);
            assert!(both.tmk.is_some());
            assert_eq!(plain.vpdq, both.vpdq, "{name} at {seconds}");
            assert_eq!((plain.md5, plain.sha256), (both.md5, both.sha256));
        }
    }
}

#[test]
fn a_file_without_a_video_stream_has_no_tmk_either() {
    assert_eq!(hash_video_file(&videos().join("tone-no-video.mp4"), &with_tmk()), Err(VideoError::NoVideoStream));
}
