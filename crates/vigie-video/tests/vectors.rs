//! vPDQ against Meta's `vpdq` 0.2.5: the committed synthetic videos (`videos/make.sh`) and the
//! features `vpdq` computed from them (`videos/*.vpdq.json`, by `videos/reference.py`). Every
//! frame's number, hash, quality and timestamp must be equal, for one hash a second and for every
//! frame; and the signal string must be python-threatexchange's, character for character.

use std::path::{Path, PathBuf};

use serde_json::Value;
use vigie_hash::vpdq::Feature;
use vigie_model::bank::vpdq::{Frame, pytx};
use vigie_video::{Options, VideoError, hash_video_file};

fn videos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("videos")
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(videos().join(format!("{name}.vpdq.json"))).expect("pinned vectors");
    serde_json::from_str(&text).unwrap()
}

fn hashed(name: &str, seconds: f64) -> Result<Vec<Feature>, VideoError> {
    let options = Options { seconds_per_hash: seconds, ..Options::default() };
    hash_video_file(&videos().join(name), &options).map(|h| h.vpdq)
}

fn check(name: &str) {
    let want = expected(name);
    for seconds in ["1", "0"] {
        let got = hashed(name, seconds.parse().unwrap());
        let want = &want[seconds];
        if let Some(error) = want.get("error") {
            assert!(got.is_err(), "{name} at {seconds}: vpdq refused it ({error}), Vigie hashed it");
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name} at {seconds}: {e}"));
        let want = want.as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name} at {seconds}: the number of frames hashed");
        for (g, w) in got.iter().zip(want) {
            let w = w.as_array().unwrap();
            let frame = w[0].as_u64().unwrap();
            assert_eq!(g.frame, frame, "{name} at {seconds}: frame numbers");
            assert_eq!(g.hash.to_string(), w[1].as_str().unwrap(), "{name} at {seconds}: frame {frame}'s hash");
            assert_eq!(u64::from(g.quality), w[2].as_u64().unwrap(), "{name} at {seconds}: frame {frame}'s quality");
            // `vpdq` computes the timestamp in `f32`; its JSON holds that value widened, which
            // serde_json reads back to within a unit of the last place: compare the `f32`s.
            assert_eq!(
                g.timestamp as f32,
                w[3].as_f64().unwrap() as f32,
                "{name} at {seconds}: frame {frame}'s timestamp"
            );
            assert_eq!(g.timestamp, f64::from(g.timestamp as f32), "kept at the reference's precision");
        }
        if seconds == "1" {
            let frames: Vec<Frame> = got
                .iter()
                .map(|f| Frame { hash: f.hash.to_string(), quality: f.quality, timestamp: f.timestamp })
                .collect();
            assert_eq!(pytx(&frames), want_signal(name), "{name}: the signal string");
        }
    }
}

fn want_signal(name: &str) -> String {
    expected(name)["signal"].as_str().unwrap().to_owned()
}

#[test]
fn h264_in_mp4_matches_vpdq() {
    check("testsrc-h264-320x240.mp4");
}

#[test]
fn an_ntsc_rate_truncates_its_step_as_vpdq_does() {
    check("testsrc2-h264-ntsc-176x144.mp4");
}

#[test]
fn vp9_in_webm_matches_vpdq() {
    check("mandelbrot-vp9-256x192.webm");
}

#[test]
fn mpeg4_in_avi_matches_vpdq() {
    check("bars-boxes-mpeg4-352x288.avi");
}

#[test]
fn odd_sizes_and_full_chroma_match_vpdq() {
    check("testsrc-h264-444-97x61.mkv");
}

#[test]
fn rotation_metadata_is_ignored_as_vpdq_ignores_it() {
    check("testsrc-h264-rotated.mp4");
}

#[test]
fn a_variable_frame_rate_matches_vpdq() {
    check("testsrc2-h264-vfr.mkv");
}

#[test]
fn a_file_without_a_video_stream_is_refused_as_vpdq_refuses_it() {
    check("tone-no-video.mp4");
    assert_eq!(hashed("tone-no-video.mp4", 1.0), Err(VideoError::NoVideoStream));
}

#[test]
fn a_bt709_tag_is_ignored_as_vpdq_converts_with_bt601() {
    check("testsrc2-h264-bt709-320x180.mp4");
}

#[test]
fn a_full_range_tag_on_yuv420p_is_ignored_as_vpdq_ignores_it() {
    check("testsrc-vp9-pc-range-192x108.webm");
}

#[test]
fn full_range_jpeg_formats_stay_full_range_as_in_vpdq() {
    check("yuvj420p-h264-160x120.mkv");
}

/// Stream copies of `testsrc-h264-320x240.mp4` with a real display matrix (90° and 45°): `vpdq`
/// never reads it, so its features are the upright file's, and so are Vigie's.
#[test]
fn a_display_matrix_is_ignored_as_vpdq_ignores_it() {
    let upright = hashed("testsrc-h264-320x240.mp4", 0.0).unwrap();
    for name in ["testsrc-h264-display-matrix-90.mp4", "testsrc-h264-display-matrix-45.mp4"] {
        check(name);
        assert_eq!(hashed(name, 0.0).unwrap(), upright, "{name}: the display matrix changed a frame");
    }
}
