//! Hostile and broken videos: each is a clear error with a stable code, never a hang, a crash, a
//! file read that the upload did not contain, or a leftover file.
//!
//! The attacks that name another file point at a real video outside the job's directory: if FFmpeg
//! followed them, it would decode that video and the hash would succeed. So success is the attack
//! working, and the tests assert an error.

use std::path::{Path, PathBuf};

use vigie_video::{Limits, Options, VideoError, hash_video, hash_video_file};

fn video(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("videos").join(name)
}

/// Options whose job directories go to a fresh scratch directory, to check nothing is left.
fn scratch() -> (tempfile::TempDir, Options) {
    let dir = tempfile::tempdir().unwrap();
    let options = Options { scratch: Some(dir.path().to_owned()), ..Options::default() };
    (dir, options)
}

fn assert_clean(dir: &tempfile::TempDir) {
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the job left {left:?}");
}

fn hls_playlist(target: &Path) -> String {
    format!(
        "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://{}\n#EXT-X-ENDLIST\n",
        target.display()
    )
}

#[test]
fn a_playlist_or_a_concat_list_is_not_a_video() {
    let (dir, options) = scratch();
    let target = video("testsrc-h264-320x240.mp4");
    for attack in [
        hls_playlist(&target),
        format!("ffconcat version 1.0\nfile '{}'\n", target.display()),
        format!("file '{}'\n", target.display()),
    ] {
        assert_eq!(hash_video(attack.as_bytes(), &options), Err(VideoError::NotAVideo), "{attack}");
    }
    assert_clean(&dir);
}

/// A minimal AVI (RIFF header, one text stream) whose first packet is a GAB2 subtitle holding an
/// HLS playlist that names a local video: the shape of the known FFmpeg exfiltration files.
fn hls_in_avi(target: &Path) -> Vec<u8> {
    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = id.to_vec();
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }
    fn list(kind: &[u8; 4], parts: &[Vec<u8>]) -> Vec<u8> {
        let mut body = kind.to_vec();
        for p in parts {
            body.extend_from_slice(p);
        }
        chunk(b"LIST", &body)
    }
    let mut avih = vec![0u8; 56];
    avih[24..28].copy_from_slice(&1u32.to_le_bytes()); // one stream
    let mut strh = b"txts".to_vec();
    strh.extend_from_slice(&[0u8; 52]);
    strh[20..24].copy_from_slice(&1u32.to_le_bytes()); // scale
    strh[24..28].copy_from_slice(&1u32.to_le_bytes()); // rate
    let playlist = hls_playlist(target);
    let mut gab2 = b"GAB2\0\x02\0".to_vec();
    let name = "a\0".encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    gab2.extend_from_slice(&(name.len() as u32).to_le_bytes());
    gab2.extend_from_slice(&name);
    gab2.extend_from_slice(&4u16.to_le_bytes());
    gab2.extend_from_slice(&(playlist.len() as u32).to_le_bytes());
    gab2.extend_from_slice(playlist.as_bytes());
    let hdrl = list(b"hdrl", &[chunk(b"avih", &avih), list(b"strl", &[chunk(b"strh", &strh), chunk(b"strf", &[])])]);
    let movi = list(b"movi", &[chunk(b"00tx", &gab2)]);
    let mut body = b"AVI ".to_vec();
    body.extend_from_slice(&hdrl);
    body.extend_from_slice(&movi);
    chunk(b"RIFF", &body)
}

#[test]
fn an_hls_playlist_inside_an_avi_cannot_make_ffmpeg_read_another_file() {
    let (dir, options) = scratch();
    let attack = hls_in_avi(&video("testsrc-h264-320x240.mp4"));
    let got = hash_video(&attack, &options);
    assert!(got.is_err(), "FFmpeg followed the playlist: {got:?}");
    let code = got.unwrap_err().code();
    assert!(["no_video_stream", "undecodable_video"].contains(&code), "{code}");
    assert_clean(&dir);
}

#[test]
fn a_playlist_behind_a_forged_mp4_header_is_read_as_mp4_only() {
    let (dir, options) = scratch();
    let mut attack = b"\0\0\0\x14ftypisom\0\0\0\0isom".to_vec();
    attack.extend_from_slice(hls_playlist(&video("testsrc-h264-320x240.mp4")).as_bytes());
    let got = hash_video(&attack, &options);
    assert!(matches!(got, Err(VideoError::Undecodable(_)) | Err(VideoError::NoVideoStream)), "{got:?}");
    assert_clean(&dir);
}

#[test]
fn garbage_empty_and_truncated_files_are_clear_errors() {
    let (dir, options) = scratch();
    assert_eq!(hash_video(b"", &options), Err(VideoError::NotAVideo));
    let noise: Vec<u8> = (0u32..50_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert_eq!(hash_video(&noise, &options), Err(VideoError::NotAVideo));
    // An MP4 cut in half loses its index (written at the end): nothing can be decoded.
    let mp4 = std::fs::read(video("testsrc-h264-320x240.mp4")).unwrap();
    let got = hash_video(&mp4[..mp4.len() / 2], &options);
    assert!(matches!(got, Err(VideoError::Undecodable(_))), "{got:?}");
    // A WebM header followed by noise.
    let mut webm = std::fs::read(video("mandelbrot-vp9-256x192.webm")).unwrap()[..400].to_vec();
    webm.extend_from_slice(&noise);
    let got = hash_video(&webm, &options);
    assert!(got.is_err(), "{got:?}");
    assert_clean(&dir);
}

#[test]
fn each_limit_is_its_own_error() {
    let (dir, base) = scratch();
    let bytes = std::fs::read(video("testsrc-h264-320x240.mp4")).unwrap();
    let with = |limits: Limits| Options { limits, ..base.clone() };
    let l = Limits::default();
    assert!(matches!(hash_video(&bytes, &with(Limits { max_bytes: 1000, ..l })), Err(VideoError::TooLarge(_))));
    assert!(matches!(hash_video(&bytes, &with(Limits { max_pixels: 320 * 239, ..l })), Err(VideoError::TooLarge(_))));
    assert!(matches!(hash_video(&bytes, &with(Limits { max_seconds: 2.0, ..l })), Err(VideoError::TooLong(_))));
    assert_eq!(hash_video(&bytes, &with(Limits { max_frames: 2, ..l })), Err(VideoError::TooManyFrames(2)));
    // Within every limit, the same file hashes.
    assert_eq!(hash_video(&bytes, &with(Limits { max_frames: 3, ..l })).unwrap().vpdq.len(), 3);
    assert_clean(&dir);
}

#[test]
fn the_second_tmk_output_does_not_open_another_path() {
    // TMK+PDQF is a second output of the same FFmpeg run, with the same input options: the
    // playlist attacks fail the same way.
    let (dir, base) = scratch();
    let options = Options { tmk: true, ..base };
    let got = hash_video(&hls_in_avi(&video("testsrc-h264-320x240.mp4")), &options);
    assert!(matches!(got, Err(VideoError::NoVideoStream) | Err(VideoError::Undecodable(_))), "{got:?}");
    let mut forged = b"\0\0\0\x14ftypisom\0\0\0\0isom".to_vec();
    forged.extend_from_slice(hls_playlist(&video("testsrc-h264-320x240.mp4")).as_bytes());
    let got = hash_video(&forged, &options);
    assert!(matches!(got, Err(VideoError::Undecodable(_)) | Err(VideoError::NoVideoStream)), "{got:?}");
    let mp4 = std::fs::read(video("testsrc-h264-320x240.mp4")).unwrap();
    assert!(matches!(hash_video(&mp4[..mp4.len() / 2], &options), Err(VideoError::Undecodable(_))));
    assert_clean(&dir);
}

#[test]
fn a_timestamp_jump_cannot_make_the_resampler_repeat_frames_for_hours() {
    // Three frames ten minutes apart in a Matroska file written to a pipe (no duration in the
    // header): vPDQ counts frames and sees three; TMK's resampling to 15 a second would repeat
    // them into 27,000 frames. Generated here: FFmpeg's own test pattern.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.mkv");
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=1:duration=3"])
        .args(["-vf", "setpts=N*600/TB", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "veryfast"])
        .args(["-f", "matroska", "pipe:1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&path, &out.stdout).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let limits = Limits { max_seconds: 60.0, ..Limits::default() };
    let options = Options { limits, scratch: Some(scratch.path().to_owned()), ..Options::default() };
    let plain = hash_video_file(&path, &options).unwrap();
    assert_eq!(plain.vpdq.len(), 3);
    assert_eq!(hash_video_file(&path, &Options { tmk: true, ..options }), Err(VideoError::TooLong(60.0)));
    assert!(std::fs::read_dir(scratch.path()).unwrap().next().is_none(), "the job left files");
}
