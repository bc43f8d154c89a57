//! FFmpeg and ffprobe as sandboxed subprocesses: never linked into the server.
//!
//! Each run:
//! - reads one file in a private directory made for the job (mode 0700, removed afterwards), which
//!   is also its working directory, with an empty environment but `PATH`;
//! - forces the demuxer the bytes were sniffed as (`-f`) and allows only that demuxer
//!   (`-format_whitelist`) and only the `file` protocol (`-protocol_whitelist`): an HLS playlist
//!   or a concat list hidden inside an AVI cannot make FFmpeg open another file or the network,
//!   because the nested demuxer it would need is not allowed;
//! - runs under `timeout` (wall time, then SIGKILL) and `prlimit` (CPU seconds, address space, no
//!   file may be written, few descriptors);
//! - hands raw RGB24 frames back over a pipe; the caller stops reading (and FFmpeg dies of the
//!   closed pipe) as soon as a limit is passed.
//!
//! One run can feed two hashes from one decode ([`frames_and_tmk`]): FFmpeg writes vPDQ's frames
//! to its standard output and TMK's (64×64, 15 a second, autorotated, as `tmk-hash-video` asks
//! for them) to a second pipe. Without `unsafe` code a child can only be handed its three standard
//! descriptors, and FFmpeg run with `-nostdin` never reads its input, so the second pipe is its
//! standard input, opened for writing (`pipe:0`).

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use vigie_hash::tmk::{self, TmkFeatures};

use crate::sniff::Container;
use crate::{Limits, VideoError};

/// What ffprobe says of a file's first video stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    pub width: usize,
    pub height: usize,
    /// The stream's average frame rate, or its real base rate when the average is unknown (as
    /// `vpdq` reads it).
    pub frame_rate: f64,
    /// Seconds, when the container says.
    pub duration: Option<f64>,
    /// The stream's display matrix, when it has one (nine 16.16 and 2.30 fixed-point values).
    pub display_matrix: Option<[i32; 9]>,
}

/// The sandboxing prefix: `timeout` for wall time, `prlimit` for the rest.
fn sandboxed(limits: &Limits, program: &str) -> Command {
    let mut c = Command::new("timeout");
    c.arg("--signal=KILL")
        .arg(format!("{}s", limits.wall.as_secs().max(1)))
        .arg("prlimit")
        .arg(format!("--cpu={}", limits.cpu_seconds.max(1)))
        .arg(format!("--as={}", limits.memory_bytes))
        .arg("--fsize=0")
        .arg("--nofile=64")
        .arg("--core=0")
        .arg("--")
        .arg(program);
    c.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin").stdin(Stdio::null());
    c
}

/// The input options every run uses: the sniffed demuxer, forced and alone allowed; files only.
fn input_args(c: &mut Command, container: Container, input: &Path) {
    c.args(["-f", container.demuxer()])
        .args(["-format_whitelist", container.demuxer()])
        .args(["-protocol_whitelist", "file"])
        .arg("-i")
        .arg(input);
}

/// At most `limit` bytes of a child's stderr, for the error message.
fn tail(mut r: impl Read, limit: usize) -> String {
    let mut all = Vec::new();
    let _ = r.read_to_end(&mut all);
    let start = all.len().saturating_sub(limit);
    String::from_utf8_lossy(&all[start..]).trim().to_owned()
}

/// Why a run stopped, from its exit status (`timeout` answers 128 + the signal that ended the
/// command, or 137 when it killed it itself).
fn failure(status: ExitStatus, stderr: String) -> VideoError {
    match status.code() {
        Some(137) => VideoError::TimedOut,
        // SIGXCPU: the CPU budget ran out.
        Some(152) => VideoError::CpuLimit,
        Some(127) | Some(126) => VideoError::FfmpegMissing(stderr),
        Some(c) if c > 128 => VideoError::Crashed(format!("signal {}", c - 128)),
        _ => VideoError::Undecodable(stderr),
    }
}

fn spawn_error(e: std::io::Error) -> VideoError {
    VideoError::FfmpegMissing(format!("could not run timeout/prlimit/ffmpeg: {e}"))
}

/// Reads the first video stream's size, frame rate and duration.
pub fn probe(container: Container, input: &Path, dir: &Path, limits: &Limits) -> Result<StreamInfo, VideoError> {
    let mut c = sandboxed(limits, "ffprobe");
    c.current_dir(dir).args(["-v", "error"]);
    input_args(&mut c, container, input);
    c.args(["-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=width,height,avg_frame_rate,r_frame_rate:stream_side_data=displaymatrix:format=duration",
        ])
        .args(["-of", "default=noprint_wrappers=1"]);
    let out = c.stdout(Stdio::piped()).stderr(Stdio::piped()).output().map_err(spawn_error)?;
    if !out.status.success() {
        return Err(failure(out.status, tail(&out.stderr[..], 2000)));
    }
    parse_probe(&String::from_utf8_lossy(&out.stdout))
}

/// ffprobe's `key=value` lines: the stream's (only when there is a video stream), then the
/// format's duration.
fn parse_probe(text: &str) -> Result<StreamInfo, VideoError> {
    let get =
        |key: &str| text.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('='))).map(str::trim);
    let (Some(w), Some(h)) = (get("width"), get("height")) else { return Err(VideoError::NoVideoStream) };
    let dim = |v: &str| v.parse::<usize>().ok().filter(|d| *d > 0);
    let (Some(width), Some(height)) = (dim(w), dim(h)) else {
        return Err(VideoError::Undecodable(format!("the video stream declares no size ({w}x{h})")));
    };
    let rate = |v: Option<&str>| {
        let (n, d) = v?.split_once('/')?;
        let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
        (n != 0.0 && d != 0.0).then(|| n / d)
    };
    let frame_rate = rate(get("avg_frame_rate"))
        .or_else(|| rate(get("r_frame_rate")))
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| VideoError::Undecodable("the video stream declares no frame rate".into()))?;
    let duration = get("duration").and_then(|d| d.parse::<f64>().ok()).filter(|d| d.is_finite() && *d >= 0.0);
    Ok(StreamInfo { width, height, frame_rate, duration, display_matrix: display_matrix(text) })
}

/// ffprobe's display matrix: three lines `0000000k: a b c` after `displaymatrix=`.
fn display_matrix(text: &str) -> Option<[i32; 9]> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("displaymatrix=")).skip(1);
    let mut m = [0i32; 9];
    for row in 0..3 {
        let line = lines.next()?;
        let (index, values) = line.split_once(':')?;
        if index.trim().parse::<usize>().ok()? != row {
            return None;
        }
        let mut values = values.split_whitespace().map(str::parse::<i32>);
        for v in &mut m[row * 3..row * 3 + 3] {
            *v = values.next()?.ok()?;
        }
    }
    Some(m)
}

/// The filters FFmpeg 5.1's command line inserts to autorotate a stream (`get_rotation` and
/// `configure_input_video_filter`), which `tmk-hash-video` relies on: a quarter turn is a
/// transpose, a half turn two flips, any other angle over a degree the `rotate` filter.
pub fn autorotate(matrix: Option<&[i32; 9]>) -> Option<String> {
    let m = matrix?;
    let fp = |v: i32| f64::from(v) / 65536.0;
    // av_display_rotation_get: the counterclockwise angle, negated.
    let (s0, s1) = (fp(m[0]).hypot(fp(m[3])), fp(m[1]).hypot(fp(m[4])));
    if s0 == 0.0 || s1 == 0.0 {
        return None;
    }
    let rotation = -((fp(m[1]) / s1).atan2(fp(m[0]) / s0) * 180.0 / std::f64::consts::PI);
    let mut theta = -rotation.round();
    theta -= 360.0 * (theta / 360.0 + 0.9 / 360.0).floor();
    if (theta - 90.0).abs() < 1.0 {
        Some("transpose=clock".into())
    } else if (theta - 180.0).abs() < 1.0 {
        Some("hflip,vflip".into())
    } else if (theta - 270.0).abs() < 1.0 {
        Some("transpose=cclock".into())
    } else if theta.abs() > 1.0 {
        Some(format!("rotate={theta:.6}*PI/180"))
    } else {
        None
    }
}

/// Decodes the first video stream and calls `frame(n, rgb)` for every `step`-th frame in decoding
/// order (`n` its index), RGB24 at the stream's size, converted with area scaling only for the
/// frames kept. Rotation metadata is ignored and frames pass through untimed, as `vpdq` reads
/// them. The frames' colour tags are dropped before the conversion: `vpdq`'s converter never reads
/// them (BT.601 coefficients always, full range only for the JPEG formats), where FFmpeg's scale
/// filter would follow a BT.709 or full-range tag. One thread decodes and one converts. Stops with
/// [`VideoError::TooManyFrames`] past `limits.max_frames` kept frames.
pub fn frames(
    container: Container,
    input: &Path,
    dir: &Path,
    info: &StreamInfo,
    step: u64,
    limits: &Limits,
    frame: impl FnMut(u64, &[u8]),
) -> Result<u64, VideoError> {
    frames_and_tmk(container, input, dir, info, step, limits, None, frame).map(|(kept, _)| kept)
}

/// As [`frames`], and, when `tmk_max_frames` is given, TMK+PDQF from the same decode: a second
/// output that FFmpeg resamples to 15 frames a second and scales to 64×64 RGB24 (bicubic, its
/// default), after turning the frames as its autorotation would, the options `tmk-hash-video`
/// gives it. The TMK frames are hashed on their own thread as they come. More than
/// `tmk_max_frames` of them is [`VideoError::TooLong`] (a stream whose timestamps jump would
/// otherwise be resampled into hours of repeated frames).
#[allow(clippy::too_many_arguments)]
pub fn frames_and_tmk(
    container: Container,
    input: &Path,
    dir: &Path,
    info: &StreamInfo,
    step: u64,
    limits: &Limits,
    tmk_max_frames: Option<u64>,
    mut frame: impl FnMut(u64, &[u8]),
) -> Result<(u64, Option<TmkFeatures>), VideoError> {
    let mut c = sandboxed(limits, "ffmpeg");
    c.current_dir(dir)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1", "-filter_threads", "1"])
        .arg("-noautorotate");
    input_args(&mut c, container, input);
    c.args(["-map", "0:v:0", "-an", "-sn", "-dn"])
        .args(["-vf", &format!("select=not(mod(n\\,{step})),setparams=range=unspecified:colorspace=unknown")])
        .args(["-fps_mode", "passthrough", "-sws_flags", "area", "-pix_fmt", "rgb24"])
        .args(["-frames:v", &(limits.max_frames + 1).to_string()])
        .args(["-s", &format!("{}x{}", info.width, info.height)])
        .args(["-f", "rawvideo", "pipe:1"]);
    let mut tmk_reader = None;
    if let Some(max) = tmk_max_frames {
        let (reader, writer) = std::io::pipe()?;
        c.args(["-map", "0:v:0", "-an", "-sn", "-dn"]);
        if let Some(turn) = autorotate(info.display_matrix.as_ref()) {
            c.args(["-vf", &turn]);
        }
        c.args(["-s", &format!("{0}x{0}", tmk::FRAME_SIZE), "-pix_fmt", "rgb24"])
            .args(["-r", &tmk::FRAMES_PER_SECOND.to_string()])
            .args(["-frames:v", &(max + 1).to_string()])
            .args(["-f", "rawvideo", "pipe:0"])
            .stdin(Stdio::from(writer));
        tmk_reader = Some((reader, max));
    }
    let spawned = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    // The command holds the parent's copy of the TMK pipe's writing end: close it, so the
    // reader sees the end when FFmpeg exits.
    drop(c);
    let mut child = spawned.map_err(spawn_error)?;
    let stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || tail(stderr, 2000));
    // Either reader that stops early (a limit) tells the other, which then drops its pipe too:
    // FFmpeg's writes fail and it exits, whichever output it was writing.
    let stop = Arc::new(AtomicBool::new(false));
    let tmk_thread = tmk_reader.map(|(reader, max)| {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || read_tmk(reader, max, &stop))
    });
    let mut out = child.stdout.take().expect("piped");
    let size = info.width * info.height * 3;
    let mut buf = vec![0u8; size];
    let mut kept = 0u64;
    let mut over = false;
    loop {
        match read_full(&mut out, &mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => break,
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if kept == limits.max_frames {
            over = true;
            stop.store(true, Ordering::Relaxed);
            break;
        }
        frame(kept * step, &buf);
        kept += 1;
    }
    drop(out);
    let tmk = tmk_thread.map(|t| t.join().unwrap_or(TmkRead::Broken));
    let status = child.wait().map_err(spawn_error)?;
    let stderr = errors.join().unwrap_or_default();
    if over {
        return Err(VideoError::TooManyFrames(limits.max_frames));
    }
    if matches!(tmk, Some(TmkRead::Over)) {
        return Err(VideoError::TooLong(limits.max_seconds));
    }
    if !status.success() {
        return Err(failure(status, stderr));
    }
    if kept == 0 {
        return Err(VideoError::Undecodable(if stderr.is_empty() {
            "no frame could be decoded".into()
        } else {
            stderr
        }));
    }
    let tmk = match tmk {
        None => None,
        Some(TmkRead::Done(features)) => Some(features),
        Some(TmkRead::Over | TmkRead::Broken) => {
            return Err(VideoError::Undecodable("the TMK frames ended in the middle of a frame".into()));
        }
    };
    Ok((kept, tmk))
}

/// How the TMK reader ended.
enum TmkRead {
    Done(TmkFeatures),
    /// More frames than allowed.
    Over,
    /// A partial frame (or the thread panicked).
    Broken,
}

/// Reads 64×64 RGB24 frames until the pipe ends, hashing each into TMK features.
fn read_tmk(mut reader: impl Read, max: u64, stop: &AtomicBool) -> TmkRead {
    let mut acc = tmk::Accumulator::new();
    let mut buf = vec![0u8; tmk::FRAME_SIZE * tmk::FRAME_SIZE * 3];
    let mut frames = 0u64;
    loop {
        match read_full(&mut reader, &mut buf) {
            Ok(true) => {}
            Ok(false) => return TmkRead::Done(acc.finish()),
            Err(_) => return TmkRead::Broken,
        }
        if stop.load(Ordering::Relaxed) {
            return TmkRead::Broken;
        }
        if frames == max {
            stop.store(true, Ordering::Relaxed);
            return TmkRead::Over;
        }
        acc.push_frame(&buf);
        frames += 1;
    }
}

/// Fills `buf` from `r`: `Ok(false)` at a clean end before the first byte; a partial frame at the
/// end is an error.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_reads_the_average_rate_or_falls_back_to_the_base_rate() {
        let s =
            parse_probe("width=320\nheight=240\nr_frame_rate=30/1\navg_frame_rate=30000/1001\nduration=2.5\n").unwrap();
        assert_eq!((s.width, s.height, s.duration), (320, 240, Some(2.5)));
        assert_eq!(s.frame_rate, 30000.0 / 1001.0);
        let s = parse_probe("width=16\nheight=16\nr_frame_rate=25/1\navg_frame_rate=0/0\nduration=N/A\n").unwrap();
        assert_eq!((s.frame_rate, s.duration), (25.0, None));
        assert_eq!(parse_probe("duration=3.0\n"), Err(VideoError::NoVideoStream));
        assert!(matches!(
            parse_probe("width=16\nheight=16\nr_frame_rate=0/0\navg_frame_rate=0/0\n"),
            Err(VideoError::Undecodable(_))
        ));
    }

    /// The display matrices FFmpeg 5.1 writes for `rotate=90`, `180`, `270` and `45` (stream
    /// copies of a test pattern), as ffprobe prints them, and the filters whose output equals
    /// FFmpeg's own autorotation of those files (each compared byte for byte at 64×64 by hand,
    /// and the 90° and 45° files pinned against Meta's reference in `tests/tmk.rs`).
    #[test]
    fn display_matrices_turn_as_ffmpeg_autorotation_does() {
        let probe = |rows: [&str; 3]| {
            let text = format!(
                "width=320\nheight=240\nr_frame_rate=30/1\navg_frame_rate=30/1\ndisplaymatrix=\n00000000: {}\n00000001: {}\n00000002: {}\n\nduration=3.0\n",
                rows[0], rows[1], rows[2]
            );
            parse_probe(&text).unwrap()
        };
        let last = "0 0 1073741824";
        for (rows, want) in [
            (["0 -65536 0", "65536 0 0", last], "transpose=cclock"),
            (["-65536 0 0", "0 -65536 0", last], "hflip,vflip"),
            (["0 65536 0", "-65536 0 0", last], "transpose=clock"),
            (["46340 -46340 0", "46340 46340 0", last], "rotate=315.000000*PI/180"),
        ] {
            let info = probe(rows);
            assert_eq!(autorotate(info.display_matrix.as_ref()).as_deref(), Some(want), "{rows:?}");
        }
        let upright = probe(["65536 0 0", "0 65536 0", last]);
        assert_eq!(autorotate(upright.display_matrix.as_ref()), None);
        assert_eq!(parse_probe("width=16\nheight=16\nr_frame_rate=25/1\n").unwrap().display_matrix, None);
        assert_eq!(autorotate(Some(&[0; 9])), None, "a degenerate matrix turns nothing");
    }
}
