//! Video to hashes. FFmpeg decodes, in a sandboxed subprocess ([`ffmpeg`]), never inside the
//! server; the frames come back over a pipe and are hashed here with vPDQ
//! ([`vigie_hash::vpdq`]), bit-exact with Meta's `vpdq`, and, when asked ([`Options::tmk`]),
//! with TMK+PDQF ([`vigie_hash::tmk`]) from the same decode, as Meta's `tmk-hash-video` does.
//!
//! - [`sniff`]: the container, from the bytes alone.
//! - [`ffmpeg`]: the sandbox (private directory, forced and whitelisted demuxer, files only, wall
//!   time, CPU, memory, no file written) and the frame pipe.
//! - [`index`]: many banked videos matched through one PDQ index of their frames, with the
//!   brute-force rule's decisions, segments, and clip matches.
//! - [`hash_video`] / [`hash_video_file`]: all of it, with the file's MD5 and SHA-256 (and TMK), within
//!   [`Limits`]; every failure is a [`VideoError`] with a stable [`VideoError::code`].

pub mod ffmpeg;
pub mod index;
pub mod sniff;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use md5::Md5;
use sha2::{Digest, Sha256};
use vigie_hash::tmk::{self, TmkFeatures};
use vigie_hash::vpdq::{self, Feature};

pub use sniff::Container;

/// What one video job may cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// The file's size.
    pub max_bytes: u64,
    /// Seconds of video, as the container declares and as the frames count.
    pub max_seconds: f64,
    /// Width × height of the video stream.
    pub max_pixels: u64,
    /// Hashed (kept) frames.
    pub max_frames: u64,
    /// CPU seconds for each FFmpeg run.
    pub cpu_seconds: u64,
    /// Address space for each FFmpeg run.
    pub memory_bytes: u64,
    /// Wall time for each FFmpeg run.
    pub wall: Duration,
}

impl Default for Limits {
    /// Two hours of 4K video at most, hashed at one frame a second; ten minutes and 2 GiB per run.
    fn default() -> Self {
        Limits {
            max_bytes: 4 << 30,
            max_seconds: 2.0 * 3600.0,
            max_pixels: 3840 * 2160,
            max_frames: 2 * 3600 * 2,
            cpu_seconds: 600,
            memory_bytes: 2 << 30,
            wall: Duration::from_secs(600),
        }
    }
}

/// Why a video could not be hashed. Each has a stable code ([`VideoError::code`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum VideoError {
    #[error("not a video container Vigie reads (MP4/MOV, Matroska/WebM, AVI, FLV, MPEG-TS/PS, Ogg)")]
    NotAVideo,
    #[error("the file has no video stream")]
    NoVideoStream,
    #[error("the video could not be decoded: {0}")]
    Undecodable(String),
    #[error("the video is too large: {0}")]
    TooLarge(String),
    #[error("the video is longer than {0} seconds")]
    TooLong(f64),
    #[error("more than {0} frames would be hashed")]
    TooManyFrames(u64),
    #[error("decoding took longer than its wall-time budget")]
    TimedOut,
    #[error("decoding used up its CPU budget")]
    CpuLimit,
    #[error("the decoder stopped abnormally ({0})")]
    Crashed(String),
    #[error("FFmpeg is not available: {0}")]
    FfmpegMissing(String),
    #[error("i/o: {0}")]
    Io(String),
}

impl VideoError {
    /// The stable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            VideoError::NotAVideo => "not_a_video",
            VideoError::NoVideoStream => "no_video_stream",
            VideoError::Undecodable(_) => "undecodable_video",
            VideoError::TooLarge(_) => "video_too_large",
            VideoError::TooLong(_) => "video_too_long",
            VideoError::TooManyFrames(_) => "too_many_frames",
            VideoError::TimedOut => "video_timed_out",
            VideoError::CpuLimit => "video_cpu_limit",
            VideoError::Crashed(_) => "video_decoder_crashed",
            VideoError::FfmpegMissing(_) => "ffmpeg_missing",
            VideoError::Io(_) => "io",
        }
    }

    /// Whether the fault is the file's (a client error) rather than the server's.
    pub fn is_the_files(&self) -> bool {
        !matches!(self, VideoError::FfmpegMissing(_) | VideoError::Io(_))
    }
}

impl From<std::io::Error> for VideoError {
    fn from(e: std::io::Error) -> Self {
        VideoError::Io(e.to_string())
    }
}

/// How a video is hashed.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// One frame hashed every this many seconds (by frame index, as `vpdq` chooses them); 0
    /// hashes every frame. python-threatexchange's default is 1.
    pub seconds_per_hash: f64,
    pub limits: Limits,
    /// Where each job's private directory is made; the system's temporary directory by default.
    pub scratch: Option<PathBuf>,
    /// Also compute TMK+PDQF ([`VideoHashes::tmk`]), from the same FFmpeg run. Off by default.
    pub tmk: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { seconds_per_hash: 1.0, limits: Limits::default(), scratch: None, tmk: false }
    }
}

/// The most TMK frames a video within `limits` can give: its longest duration at 15 frames a
/// second, and a second more for the resampler's last frames.
pub fn tmk_frame_limit(limits: &Limits) -> u64 {
    ((limits.max_seconds + 1.0) * f64::from(tmk::FRAMES_PER_SECOND)).ceil() as u64
}

/// Everything Vigie computes from a video file.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoHashes {
    pub container: Container,
    pub width: usize,
    pub height: usize,
    pub frame_rate: f64,
    /// Seconds, as the container declares it.
    pub duration: Option<f64>,
    pub seconds_per_hash: f64,
    /// One vPDQ feature per kept frame, in frame order.
    pub vpdq: Vec<Feature>,
    /// Hex MD5 of the file (the `video_md5` signal).
    pub md5: String,
    pub sha256: String,
    /// TMK+PDQF features, when [`Options::tmk`] asked for them (what a `.tmk` file holds).
    pub tmk: Option<TmkFeatures>,
}

/// Hashes a video held in memory: it is written to a private directory for FFmpeg to read.
pub fn hash_video(bytes: &[u8], options: &Options) -> Result<VideoHashes, VideoError> {
    let dir = private_dir(options)?;
    let input = dir.path().join("input");
    if bytes.len() as u64 > options.limits.max_bytes {
        return Err(VideoError::TooLarge(format!("{} bytes, more than {}", bytes.len(), options.limits.max_bytes)));
    }
    std::fs::write(&input, bytes)?;
    hash_in(dir.path(), &input, options, None)
}

/// One hashed frame of a video as the console's storyboard may show it: its time and its
/// blurred grey derivative (never the frame itself).
#[derive(Clone, Debug, PartialEq)]
pub struct Still {
    /// Seconds from the start (vPDQ's timestamp of the frame).
    pub timestamp: f64,
    pub frame: vigie_hash::BlurredFrame,
}

/// Hashes a video held in memory as [`hash_video`] does, and keeps a blurred derivative of every
/// hashed frame (one per `seconds_per_hash`), made in the same FFmpeg run, for a storyboard.
pub fn hash_video_with_stills(bytes: &[u8], options: &Options) -> Result<(VideoHashes, Vec<Still>), VideoError> {
    let dir = private_dir(options)?;
    let input = dir.path().join("input");
    if bytes.len() as u64 > options.limits.max_bytes {
        return Err(VideoError::TooLarge(format!("{} bytes, more than {}", bytes.len(), options.limits.max_bytes)));
    }
    std::fs::write(&input, bytes)?;
    hash_with_stills_in(dir.path(), &input, options)
}

fn hash_with_stills_in(dir: &Path, input: &Path, options: &Options) -> Result<(VideoHashes, Vec<Still>), VideoError> {
    let mut stills = Vec::new();
    let hashes = hash_in(
        dir,
        input,
        options,
        Some(&mut |timestamp, rgb, width, height| {
            let pixels = vigie_hash::Pixels {
                width,
                height,
                layout: vigie_hash::Layout::Rgb,
                data: rgb.to_vec(),
                // Not a file format: the frame came decoded; the derivative ignores it.
                format: vigie_hash::Format::Png,
            };
            stills.push(Still { timestamp, frame: vigie_hash::blurred_frame(&pixels) });
        }),
    )?;
    Ok((hashes, stills))
}

/// Hashes a video file (an upload streamed to disk): linked, or copied, into a private directory
/// first, so that FFmpeg sees nothing else.
pub fn hash_video_file(path: &Path, options: &Options) -> Result<VideoHashes, VideoError> {
    let (dir, input) = private_link(path, options)?;
    hash_in(dir.path(), &input, options, None)
}

/// [`hash_video_file`], keeping a blurred derivative of every hashed frame as
/// [`hash_video_with_stills`] does: one decode for the hashes and a case's storyboard.
pub fn hash_video_file_with_stills(path: &Path, options: &Options) -> Result<(VideoHashes, Vec<Still>), VideoError> {
    let (dir, input) = private_link(path, options)?;
    hash_with_stills_in(dir.path(), &input, options)
}

/// A private directory holding `path` (linked, or copied) as `input`.
fn private_link(path: &Path, options: &Options) -> Result<(tempfile::TempDir, PathBuf), VideoError> {
    let dir = private_dir(options)?;
    let input = dir.path().join("input");
    if std::fs::hard_link(path, &input).is_err() {
        std::fs::copy(path, &input)?;
    }
    Ok((dir, input))
}

/// A directory for one job, removed when it is dropped, whatever happens (tempfile makes it 0700).
fn private_dir(options: &Options) -> Result<tempfile::TempDir, VideoError> {
    let b = tempfile::Builder::new()
        .prefix("vigie-video-")
        .tempdir_in(options.scratch.clone().unwrap_or_else(std::env::temp_dir))?;
    Ok(b)
}

/// What sees each kept frame: its timestamp, RGB24 pixels, width and height.
type OnFrame<'a> = &'a mut dyn FnMut(f64, &[u8], usize, usize);

/// Hashes the file in `dir`. Without `on_frame`, each frame is hashed band by band as it comes
/// off the pipe, never held whole; with it, each is read whole, shown to `on_frame`, then hashed.
fn hash_in(
    dir: &Path,
    input: &Path,
    options: &Options,
    on_frame: Option<OnFrame<'_>>,
) -> Result<VideoHashes, VideoError> {
    let (seconds_per_hash, limits) = (options.seconds_per_hash, &options.limits);
    if !(seconds_per_hash.is_finite() && seconds_per_hash >= 0.0) {
        return Err(VideoError::Io("seconds_per_hash must be a number of seconds, 0 or more".into()));
    }
    let size = std::fs::metadata(input)?.len();
    if size > limits.max_bytes {
        return Err(VideoError::TooLarge(format!("{size} bytes, more than {}", limits.max_bytes)));
    }
    let container = sniff::container(&head(input)?).ok_or(VideoError::NotAVideo)?;
    // The file's MD5 and SHA-256 are computed on another thread while FFmpeg decodes.
    std::thread::scope(|scope| {
        let digests = scope.spawn(|| digests(input));
        let decoded = decode(dir, input, container, options, on_frame);
        let digests = digests.join().unwrap_or_else(|_| Err(VideoError::Io("the digest thread panicked".into())));
        let (info, vpdq, tmk) = decoded?;
        let (md5, sha256) = digests?;
        Ok(VideoHashes {
            container,
            width: info.width,
            height: info.height,
            frame_rate: info.frame_rate,
            duration: info.duration,
            seconds_per_hash,
            vpdq,
            md5,
            sha256,
            tmk,
        })
    })
}

/// What [`decode`] gives: the stream, its vPDQ features, and TMK's when asked for.
type Decoded = (ffmpeg::StreamInfo, Vec<Feature>, Option<TmkFeatures>);

/// The FFmpeg side of [`hash_in`]: probe, limits, one decoding run.
fn decode(
    dir: &Path,
    input: &Path,
    container: Container,
    options: &Options,
    mut on_frame: Option<OnFrame<'_>>,
) -> Result<Decoded, VideoError> {
    let (seconds_per_hash, limits) = (options.seconds_per_hash, &options.limits);
    // FFmpeg starts first and loads its libraries and opens the input while ffprobe reads the
    // stream; it waits for the filters that the stream decides (and is refused them if the
    // stream is refused). Its TMK output is started for an upright stream, and started again
    // after the probe for a turned one.
    let tmk = |turn| options.tmk.then(|| ffmpeg::Tmk { max_frames: tmk_frame_limit(limits), turn });
    let decoder = ffmpeg::spawn(container, input, dir, limits, tmk(None))?;
    let info = ffmpeg::probe(container, input, dir, limits)?;
    let turn = ffmpeg::autorotate(info.display_matrix.as_ref());
    let decoder = if options.tmk && decoder.tmk_turn() != turn.as_deref() {
        drop(decoder);
        ffmpeg::spawn(container, input, dir, limits, tmk(turn))?
    } else {
        decoder
    };
    let pixels = (info.width as u64).saturating_mul(info.height as u64);
    if pixels > limits.max_pixels {
        return Err(VideoError::TooLarge(format!("{}x{} pixels", info.width, info.height)));
    }
    if info.duration.is_some_and(|d| d > limits.max_seconds) {
        return Err(VideoError::TooLong(limits.max_seconds));
    }
    let step = vpdq::frame_step(seconds_per_hash, info.frame_rate);
    let mut features = Vec::new();
    let mut too_long = false;
    let (width, height) = (info.width, info.height);
    let mut whole = if on_frame.is_some() { vec![0u8; width * height * 3] } else { Vec::new() };
    let (_, tmk) = decoder.frames(&info, step, |n, frame| {
        let timestamp = vpdq::timestamp(n, info.frame_rate);
        // A container may understate its duration: the frames say how long it is.
        if timestamp > limits.max_seconds {
            too_long = true;
            return Ok(());
        }
        let pdq = match on_frame.as_mut() {
            Some(on_frame) => {
                frame.read_exact(&mut whole)?;
                on_frame(timestamp, &whole, width, height);
                vpdq::frame_hash(&whole, width, height)
            }
            None => {
                let mut broken = None;
                let pdq = vpdq::frame_hash_by_bands(width, height, |_, band| {
                    if broken.is_none() {
                        broken = frame.read_exact(band).err();
                    }
                });
                // A frame cut short is not hashed: the zeros in its place are not the video.
                if let Some(e) = broken {
                    return Err(e);
                }
                pdq
            }
        };
        if let Some(pdq) = pdq {
            features.push(Feature { hash: pdq.hash, quality: pdq.quality, frame: n, timestamp });
        }
        Ok(())
    })?;
    if too_long {
        return Err(VideoError::TooLong(limits.max_seconds));
    }
    Ok((info, features, tmk))
}

/// The file's first 512 bytes (fewer if it is shorter), for sniffing.
fn head(path: &Path) -> Result<Vec<u8>, VideoError> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)?.take(512).read_to_end(&mut head)?;
    Ok(head)
}

/// The file's MD5 and SHA-256, in one read.
fn digests(path: &Path) -> Result<(String, String), VideoError> {
    let mut f = std::fs::File::open(path)?;
    let (mut md5, mut sha) = (Md5::new(), Sha256::new());
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        sha.update(&buf[..n]);
    }
    Ok((hex::encode(md5.finalize()), hex::encode(sha.finalize())))
}
