//! `vigie hash`: JSON lines in input order, directories walked, bad files reported, exit codes.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

fn write_png(path: &Path, w: u32, h: u32, seed: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = ((x * 7 + y * 13 + seed * 31) % 251) as u8;
        image::Rgb([v, (x * 255 / w) as u8, ((y + seed) * 255 / (h + seed)) as u8])
    });
    img.save(path).unwrap();
}

fn vigie_hash(args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie")).arg("hash").args(args).output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.code().unwrap(), lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_directory_is_walked_in_name_order_and_bad_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("b/nested")).unwrap();
    write_png(&root.join("a.png"), 120, 90, 1);
    write_png(&root.join("b/nested/c.png"), 64, 64, 2);
    write_png(&root.join("b/d.png"), 300, 200, 3);
    std::fs::write(root.join("b/notes.txt"), "Not  an IMAGE").unwrap();
    let good = std::fs::read(root.join("a.png")).unwrap();
    std::fs::write(root.join("b/truncated.png"), &good[..good.len() / 3]).unwrap();

    let (code, lines, _) = vigie_hash(&[root.to_str().unwrap()]);
    assert_eq!(code, 1, "some files failed");
    let names: Vec<String> = lines
        .iter()
        .map(|l| Path::new(l["path"].as_str().unwrap()).strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["a.png", "b/d.png", "b/nested/c.png", "b/notes.txt", "b/truncated.png"]);
    // A text file is hashed as text: its bytes, and the SHA-256 of its normal form (lower case,
    // spaces collapsed), which "Not  an IMAGE" shares.
    assert_eq!(lines[3]["kind"], "text", "{}", lines[3]);
    assert_eq!(lines[3]["normalised_sha256"], hex(Sha256::digest(b"not an image")));
    assert_eq!(lines[3]["sha256"], hex(Sha256::digest(b"Not  an IMAGE")));
    assert!(lines[4]["error"].as_str().unwrap().contains("truncated or corrupt"), "{}", lines[4]);

    let a = &lines[0];
    assert_eq!(a.as_object().unwrap().len(), 5, "path, pdq, quality, md5, sha256: {a}");
    let out = Command::new(env!("CARGO_BIN_EXE_vigie")).args(["hash"]).arg(root.join("a.png")).output().unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    let at = |key: &str| raw.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} missing from {raw}"));
    let order = ["path", "pdq", "quality", "md5", "sha256"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "the documented fields, in order: {raw}");
    assert_eq!(a["sha256"], hex(Sha256::digest(&good)));
    let expected = vigie_hash::hash_image(&good, &Default::default()).unwrap();
    assert_eq!(a["pdq"], expected.pdq.hash.to_string());
    assert_eq!(a["quality"], expected.pdq.quality);
}

#[test]
fn a_truncated_jpeg_is_an_error_and_a_palette_file_gets_pytxs_hash_beside() {
    let dir = tempfile::tempdir().unwrap();
    let photo = image::RgbImage::from_fn(400, 300, |x, y| {
        let d = ((x as f32 - 150.0).powi(2) + (y as f32 - 140.0).powi(2)).sqrt();
        image::Rgb([(127.0 + 110.0 * (d / 11.0).sin()) as u8, (x * 255 / 400) as u8, ((x * y) % 251) as u8])
    });
    let whole = dir.path().join("whole.jpg");
    photo.save(&whole).unwrap();
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    // A GIF holds palette indices: pytx hashes those, the eye sees the colours.
    let gif = dir.path().join("palette.gif");
    photo.save(&gif).unwrap();

    let (code, lines, _) = vigie_hash(&[whole.to_str().unwrap(), cut.to_str().unwrap(), gif.to_str().unwrap()]);
    assert_eq!(code, 1, "a file failed");
    assert!(lines[0]["pdq"].is_string() && lines[0].get("pdq_pytx").is_none(), "{}", lines[0]);
    assert!(lines[1]["error"].as_str().unwrap().contains("cut short"), "{}", lines[1]);
    let expected = vigie_hash::hash_image(&std::fs::read(&gif).unwrap(), &Default::default()).unwrap();
    let pytx = expected.pdq_pytx.expect("a palette file's hashes differ");
    assert_eq!(lines[2]["pdq"], expected.pdq.hash.to_string());
    assert_eq!(
        (&lines[2]["pdq_pytx"], &lines[2]["pdq_pytx_quality"]),
        (&pytx.hash.to_string().into(), &pytx.quality.into())
    );
    // The GIF's colours are close to the photo's: its eye hash is near the JPEG's.
    let jpeg: vigie_hash::PdqHash = lines[0]["pdq"].as_str().unwrap().parse().unwrap();
    assert!(expected.pdq.hash.distance(&jpeg) <= 31 && pytx.hash.distance(&jpeg) > 31, "{lines:?}");
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn parallel_output_keeps_input_order_and_dihedral_adds_eight_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for i in 0..12 {
        let p = dir.path().join(format!("img{i:02}.png"));
        write_png(&p, 80 + i * 9, 70 + i * 5, i);
        paths.push(p.to_str().unwrap().to_owned());
    }
    // Given in reverse: output follows the arguments, not the file names.
    let reversed: Vec<&str> = paths.iter().rev().map(String::as_str).collect();
    let (code, one_job, _) = vigie_hash(&[&["--jobs", "1"][..], &reversed].concat());
    assert_eq!(code, 0);
    let (_, many_jobs, _) = vigie_hash(&[&["--jobs", "4"][..], &reversed].concat());
    assert_eq!(one_job, many_jobs);
    assert_eq!(one_job[0]["path"].as_str().unwrap(), paths[11]);

    let (_, with_dihedral, _) = vigie_hash(&["--dihedral", &paths[0]]);
    let d = with_dihedral[0]["dihedral"].as_array().unwrap();
    assert_eq!(d.len(), 8);
    assert_eq!(d[0], with_dihedral[0]["pdq"]);
}

#[test]
fn limits_refuse_large_images_before_decoding_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("wide.png");
    write_png(&p, 400, 300, 9);
    let (code, lines, _) = vigie_hash(&["--max-pixels", "100000", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["error"], "the image is 400×300 pixels, more than the limit of 100000");
    let (code, lines, _) = vigie_hash(&["--max-bytes", "100", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(lines[0]["error"].as_str().unwrap().contains("more than the limit of 100"));
    let flat = dir.path().join("flat.png");
    image::RgbImage::from_pixel(50, 50, image::Rgb([7, 7, 7])).save(&flat).unwrap();
    let (code, lines, _) = vigie_hash(&[flat.to_str().unwrap()]);
    assert_eq!((code, lines[0]["quality"].as_u64(), lines[0]["unreliable"].as_bool()), (0, Some(0), Some(true)));
}

/// Step 11: a video is known by its bytes, whatever its name, and hashed with vPDQ (by FFmpeg in
/// its sandbox); its line carries python-threatexchange's signal string, which reads back with the
/// same frames. A file without a video stream says so with its code.
#[test]
fn a_video_gets_its_vpdq_signal_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let videos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-video/tests/videos");
    std::fs::copy(videos.join("testsrc-h264-320x240.mp4"), dir.path().join("a-clip.jpg")).unwrap();
    std::fs::copy(videos.join("tone-no-video.mp4"), dir.path().join("b-tone.mp4")).unwrap();
    let (code, lines, _) = vigie_hash(&[dir.path().to_str().unwrap(), "--seconds-per-hash", "0"]);
    assert_eq!(code, 1, "one file failed");
    assert_eq!(lines[0]["kind"], "video");
    let items = lines[0]["vpdq"].as_array().expect("the clip is hashed as a video");
    let frames = vigie_model::bank::vpdq::parse(&serde_json::to_string(items).unwrap()).unwrap();
    assert_eq!((frames.len(), lines[0]["frames"].as_u64()), (90, Some(90)), "every frame of 3 s at 30 fps");
    assert_eq!(frames[30].timestamp, 1.0, "python-threatexchange's three digits");
    assert!(lines[0]["duration_s"].as_f64().is_some_and(|d| (d - 3.0).abs() < 0.1), "{}", lines[0]);
    assert_eq!(lines[0]["md5"].as_str().unwrap().len(), 32);
    assert_eq!(lines[1]["code"], "no_video_stream");
}

/// `--tmk DIR` writes each video's TMK+PDQF as `<file stem>.tmk`, Meta's binary format (263,344
/// bytes), the features agreeing with those Meta's `tmk-hash-video` pinned for the same video;
/// images and refused videos write nothing.
#[test]
fn tmk_files_are_written_by_file_stem() {
    let dir = tempfile::tempdir().unwrap();
    let videos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-video/tests/videos");
    std::fs::copy(videos.join("testsrc-h264-320x240.mp4"), dir.path().join("a-clip.bin")).unwrap();
    std::fs::copy(videos.join("tone-no-video.mp4"), dir.path().join("b-tone.mp4")).unwrap();
    write_png(&dir.path().join("c.png"), 80, 60, 4);
    let out = dir.path().join("out").join("tmk");
    let (code, lines, _) = vigie_hash(&[dir.path().to_str().unwrap(), "--tmk", out.to_str().unwrap(), "--jobs", "2"]);
    assert_eq!(code, 1, "the tone has no video stream");
    assert_eq!(lines.len(), 3);
    let written = out.join("a-clip.tmk");
    assert_eq!(lines[0]["tmk"], written.display().to_string(), "{}", lines[0]);
    assert_eq!(lines[0]["kind"], "video");
    let bytes = std::fs::read(&written).unwrap();
    assert_eq!(bytes.len(), 263_344);
    let ours = vigie_hash::tmk::TmkFeatures::from_bytes(&bytes).unwrap();
    let reference = std::fs::read(videos.join("testsrc-h264-320x240.mp4.tmk")).unwrap();
    let reference = vigie_hash::tmk::TmkFeatures::from_bytes(&reference).unwrap();
    assert_eq!(ours.frame_count(), reference.frame_count());
    assert!(vigie_hash::tmk::level1(&ours, &reference).unwrap() > 0.99999);
    assert!(vigie_hash::tmk::level2(&ours, &reference).unwrap() > 0.999);
    assert_eq!(lines[1]["code"], "no_video_stream");
    assert!(lines[2].get("tmk").is_none());
    let names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["a-clip.tmk"]);
}

#[test]
fn two_videos_with_one_stem_do_not_overwrite_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let videos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-video/tests/videos");
    std::fs::create_dir_all(dir.path().join("x")).unwrap();
    std::fs::copy(videos.join("testsrc-h264-320x240.mp4"), dir.path().join("clip.mp4")).unwrap();
    std::fs::copy(videos.join("mandelbrot-vp9-256x192.webm"), dir.path().join("x").join("clip.webm")).unwrap();
    let out = dir.path().join("tmk");
    let (code, lines, _) = vigie_hash(&[
        dir.path().join("clip.mp4").to_str().unwrap(),
        dir.path().join("x").to_str().unwrap(),
        "--tmk",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let failed: Vec<_> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1, "{lines:?}");
    assert_eq!(failed[0]["code"], "tmk_not_written");
    assert!(failed[0]["error"].as_str().unwrap().contains("clip.tmk"));
}
