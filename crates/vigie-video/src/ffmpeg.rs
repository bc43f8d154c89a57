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
//! - hands raw RGB24 frames back over a pipe, which the caller may read band by band, never
//!   holding a frame whole ([`Frame`]); it stops reading (and FFmpeg dies of the closed pipe) as
//!   soon as a limit is passed.
//!
//! One run can feed two hashes from one decode ([`frames_and_tmk`]): FFmpeg writes vPDQ's frames
//! to its standard output and TMK's (64×64, 15 a second, autorotated, as `tmk-hash-video` asks
//! for them) to a second pipe. Without `unsafe` code a child can only be handed its three standard
//! descriptors, and FFmpeg run with `-nostdin` never reads its input, so the second pipe is its
//! standard input, opened for writing (`pipe:0`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
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
    mut frame: impl FnMut(u64, &[u8]),
) -> Result<u64, VideoError> {
    let mut buf = vec![0u8; info.width * info.height * 3];
    let whole = |n: u64, f: &mut Frame<'_>| -> std::io::Result<()> {
        f.read_exact(&mut buf)?;
        frame(n, &buf);
        Ok(())
    };
    frames_and_tmk(container, input, dir, info, step, limits, None, whole).map(|(kept, _)| kept)
}

/// One RGB24 frame (`width × height × 3` bytes, rows packed) still on the pipe: its reader takes
/// it in pieces, in order ([`Frame::read_exact`]), so a hasher can take it band by band without
/// ever holding it whole. Whatever it leaves unread is skipped before the next frame.
pub struct Frame<'a> {
    pipe: &'a mut dyn Read,
    /// The frame's first byte, read to learn that the frame exists.
    first: Option<u8>,
    /// Bytes of the frame not yet read (including `first`).
    left: usize,
}

impl Frame<'_> {
    /// Fills `buf` with the frame's next `buf.len()` bytes. Asking past the frame's end is an
    /// error (`InvalidInput`), and so is a pipe that ends in the middle of the frame.
    pub fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        if buf.len() > self.left {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "read past the end of a frame"));
        }
        let mut start = 0;
        if let (Some(b), Some(slot)) = (self.first, buf.first_mut()) {
            *slot = b;
            self.first = None;
            start = 1;
        }
        if !read_full(&mut self.pipe, &mut buf[start..])? && start < buf.len() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= buf.len();
        Ok(())
    }

    /// Reads and drops what is left of the frame.
    fn skip_rest(&mut self) -> std::io::Result<()> {
        let mut scratch = [0u8; 1 << 14];
        while self.left > 0 {
            let n = self.left.min(scratch.len());
            self.read_exact(&mut scratch[..n])?;
        }
        Ok(())
    }
}

/// As [`frames`], but each frame is handed over still on the pipe ([`Frame`]), for its reader to
/// take in pieces (an error it returns ends the frames, as a pipe cut short does); and, when
/// `tmk_max_frames` is given, TMK+PDQF from the same decode (see [`Decoder`]).
#[allow(clippy::too_many_arguments)]
pub fn frames_and_tmk(
    container: Container,
    input: &Path,
    dir: &Path,
    info: &StreamInfo,
    step: u64,
    limits: &Limits,
    tmk_max_frames: Option<u64>,
    frame: impl FnMut(u64, &mut Frame<'_>) -> std::io::Result<()>,
) -> Result<(u64, Option<TmkFeatures>), VideoError> {
    let tmk = tmk_max_frames.map(|max| Tmk { max_frames: max, turn: autorotate(info.display_matrix.as_ref()) });
    spawn(container, input, dir, limits, tmk)?.frames(info, step, frame)
}

/// The FIFO in the job's directory on which a [`Decoder`] waits for vPDQ's filters.
const GRAPH_FIFO: &str = "graph";

/// What a [`Decoder`]'s TMK output needs to know when FFmpeg starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Tmk {
    /// More TMK frames than this is [`VideoError::TooLong`].
    pub max_frames: u64,
    /// The filters that turn the frames as FFmpeg's autorotation would ([`autorotate`]).
    pub turn: Option<String>,
}

/// An FFmpeg run started before its stream is known, so that loading its libraries (about a
/// tenth of a second of CPU) and opening and probing the input overlap ffprobe's run instead of
/// following it. What vPDQ's output needs of the stream (the frames kept, their size) is its
/// filter chain, which FFmpeg reads (`-filter_script:v`) from a FIFO in the job's directory once
/// it has opened the input; [`Decoder::frames`] writes it there. A decoder dropped unused is
/// given an empty chain, which FFmpeg refuses, and its pipes are closed; it is waited for.
///
/// The first output feeds vPDQ: every `step`-th frame in decoding order, RGB24 at the stream's
/// size, converted with area scaling only for the frames kept; rotation metadata ignored and
/// frames passed through untimed, as `vpdq` reads them; the frames' colour tags dropped before
/// the conversion (`vpdq`'s converter never reads them: BT.601 coefficients always, full range
/// only for the JPEG formats, where FFmpeg's scale filter would follow a BT.709 or full-range
/// tag). One thread decodes and one filters.
///
/// The second, when [`Tmk`] is given, feeds TMK+PDQF from the same decode: FFmpeg resamples it to
/// 15 frames a second and scales it to 64×64 RGB24 (bicubic, its default), after turning the
/// frames as its autorotation would, the options `tmk-hash-video` gives it; those frames are
/// hashed on their own thread as they come. Its turn is fixed when FFmpeg starts, not sent
/// later like vPDQ's chain: an output with filters of its own (`-vf` or a script) loses FFmpeg's
/// use of the last frame's duration when it resamples, which changes the frame count of a
/// variable-rate video that needs no turn. More than `max_frames` TMK frames is
/// [`VideoError::TooLong`] (a stream whose timestamps jump would otherwise be resampled into hours
/// of repeated frames).
pub struct Decoder {
    child: Option<Child>,
    fifo: PathBuf,
    tmk: Option<(std::io::PipeReader, u64)>,
    turn: Option<String>,
    limits: Limits,
}

/// Starts FFmpeg on `input`; it waits for [`Decoder::frames`] to give it vPDQ's filter chain.
pub fn spawn(
    container: Container,
    input: &Path,
    dir: &Path,
    limits: &Limits,
    tmk_output: Option<Tmk>,
) -> Result<Decoder, VideoError> {
    let fifo = dir.join(GRAPH_FIFO);
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR)
        .map_err(|e| VideoError::Io(format!("could not make the filter chain's FIFO: {e}")))?;
    let mut c = sandboxed(limits, "ffmpeg");
    c.current_dir(dir)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1", "-filter_threads", "1"])
        .arg("-noautorotate");
    input_args(&mut c, container, input);
    c.args(["-map", "0:v:0", "-an", "-sn", "-dn", "-filter_script:v", GRAPH_FIFO])
        .args(["-fps_mode", "passthrough", "-pix_fmt", "rgb24"])
        .args(["-frames:v", &(limits.max_frames + 1).to_string()])
        .args(["-f", "rawvideo", "pipe:1"]);
    let mut tmk = None;
    let mut turn = None;
    if let Some(Tmk { max_frames, turn: t }) = tmk_output {
        let (reader, writer) = std::io::pipe()?;
        c.args(["-map", "0:v:0", "-an", "-sn", "-dn"]);
        if let Some(t) = &t {
            c.args(["-vf", t]);
        }
        c.args(["-s", &format!("{0}x{0}", tmk::FRAME_SIZE), "-pix_fmt", "rgb24"])
            .args(["-r", &tmk::FRAMES_PER_SECOND.to_string()])
            .args(["-frames:v", &(max_frames + 1).to_string()])
            .args(["-f", "rawvideo", "pipe:0"])
            .stdin(Stdio::from(writer));
        tmk = Some((reader, max_frames));
        turn = t;
    }
    let spawned = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    // The command holds the parent's copy of the TMK pipe's writing end: close it, so the
    // reader sees the end when FFmpeg exits.
    drop(c);
    let child = spawned.map_err(spawn_error)?;
    Ok(Decoder { child: Some(child), fifo, tmk, turn, limits: *limits })
}

impl Decoder {
    /// Hands FFmpeg its filter graph on a thread: opening the FIFO blocks until FFmpeg opens it.
    fn send_graph(&self, graph: String) -> std::thread::JoinHandle<()> {
        let fifo = self.fifo.clone();
        std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = f.write_all(graph.as_bytes());
            }
        })
    }

    /// Waits for FFmpeg, then for the chain's writer, which an FFmpeg that died before opening
    /// the FIFO would leave blocked: opening the FIFO for reading (without waiting) frees it.
    /// Then removes the FIFO.
    fn wait(&mut self, writer: std::thread::JoinHandle<()>) -> Result<ExitStatus, VideoError> {
        let status = self.child.take().expect("waited once").wait().map_err(spawn_error);
        let reader = rustix::fs::open(
            &self.fifo,
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
            rustix::fs::Mode::empty(),
        );
        let _ = writer.join();
        drop(reader);
        // The directory may see another run (a TMK output that must turn): it makes its own.
        let _ = std::fs::remove_file(&self.fifo);
        status
    }

    /// The turn given to the TMK output when FFmpeg started.
    pub fn tmk_turn(&self) -> Option<&str> {
        self.turn.as_deref()
    }

    /// Gives FFmpeg vPDQ's filter chain for the stream `info` describes, keeping every `step`-th
    /// frame, and calls `frame(n, f)` for each kept frame (`n` its index in decoding order). Stops
    /// with [`VideoError::TooManyFrames`] past `limits.max_frames` kept frames.
    pub fn frames(
        mut self,
        info: &StreamInfo,
        step: u64,
        mut frame: impl FnMut(u64, &mut Frame<'_>) -> std::io::Result<()>,
    ) -> Result<(u64, Option<TmkFeatures>), VideoError> {
        let graph = format!(
            "select=not(mod(n\\,{step})),setparams=range=unspecified:colorspace=unknown,scale={}:{}:flags=area",
            info.width, info.height
        );
        let writer = self.send_graph(graph);
        let child = self.child.as_mut().expect("not waited yet");
        let stderr = child.stderr.take().expect("piped");
        let mut out = child.stdout.take().expect("piped");
        let errors = std::thread::spawn(move || tail(stderr, 2000));
        // Either reader that stops early (a limit) tells the other, which then drops its pipe too:
        // FFmpeg's writes fail and it exits, whichever output it was writing.
        let stop = Arc::new(AtomicBool::new(false));
        let tmk_thread = self.tmk.take().map(|(reader, max)| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || read_tmk(reader, max, &stop))
        });
        let limits = self.limits;
        let size = info.width * info.height * 3;
        let mut kept = 0u64;
        let mut over = false;
        loop {
            // The frame's first byte says that there is one; the reader takes the rest.
            let mut first = [0u8; 1];
            match read_full(&mut out, &mut first) {
                Ok(true) => {}
                Ok(false) | Err(_) => break,
            }
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if kept == limits.max_frames {
                over = true;
                stop.store(true, Ordering::Relaxed);
                break;
            }
            let mut f = Frame { pipe: &mut out, first: Some(first[0]), left: size };
            // A frame cut short ends the frames, as the end of the pipe does.
            if frame(kept * step, &mut f).and_then(|()| f.skip_rest()).is_err() {
                break;
            }
            kept += 1;
        }
        drop(out);
        let tmk = tmk_thread.map(|t| t.join().unwrap_or(TmkRead::Broken));
        let status = self.wait(writer)?;
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
}

impl Drop for Decoder {
    /// A decoder never given its chain gets an empty one, which FFmpeg refuses, and has its
    /// pipes closed, so that it cannot block writing either output.
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            drop(child.stdout.take());
            drop(self.tmk.take());
            let writer = self.send_graph(String::new());
            let _ = self.wait(writer);
        }
    }
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

    #[test]
    fn a_frame_is_read_in_pieces_and_one_cut_short_is_an_error() {
        let bytes = [1u8, 2, 3, 4, 5, 6];
        let mut rest = &bytes[1..];
        let mut f = Frame { pipe: &mut rest, first: Some(bytes[0]), left: 6 };
        let mut head = [0u8; 4];
        f.read_exact(&mut head).unwrap();
        assert_eq!(head, [1, 2, 3, 4], "the first byte, then the pipe's");
        let mut too_much = [0u8; 3];
        assert_eq!(f.read_exact(&mut too_much).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
        f.skip_rest().unwrap();
        assert_eq!(f.left, 0);
        assert!(rest.is_empty(), "the rest of the frame was skipped, and no more");
        let mut short = &bytes[1..3];
        let mut f = Frame { pipe: &mut short, first: Some(0), left: 6 };
        let mut all = [0u8; 6];
        assert_eq!(f.read_exact(&mut all).unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    }

    /// A decoder whose stream was refused (never given vPDQ's chain) ends, with both outputs,
    /// and leaves nothing in the job's directory.
    #[test]
    fn a_decoder_dropped_unused_ends_and_leaves_no_fifo() {
        let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/videos/testsrc-h264-320x240.mp4");
        for tmk in [None, Some(Tmk { max_frames: 100, turn: Some("hflip,vflip".into()) })] {
            let dir = tempfile::tempdir().unwrap();
            let decoder = spawn(Container::Mp4, &video, dir.path(), &Limits::default(), tmk).unwrap();
            assert!(dir.path().join(GRAPH_FIFO).exists());
            // Dropping waits for FFmpeg: this returns only once it has ended.
            drop(decoder);
            assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "the FIFO was left");
        }
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
