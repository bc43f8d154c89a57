//! `vigie hash`: files to JSON lines of hashes, in parallel, in input order. Images get PDQ;
//! videos (known by their bytes) get vPDQ, decoded by FFmpeg in its sandbox (`vigie-video`), and
//! with `--tmk DIR` TMK+PDQF from the same decode, written as `DIR/<file stem>.tmk` (Meta's
//! binary format, as `tmk-hash-video -d DIR` names them).

use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use serde::Serialize;
use vigie_app::banks::video::frames_of;
use vigie_hash::{HashOptions, Limits, hash_image, pdq::QUALITY_THRESHOLD};
use vigie_model::bank::vpdq;

#[derive(clap::Args)]
pub(crate) struct HashArgs {
    /// Files or directories (walked recursively, in name order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Worker threads; default: every core.
    #[arg(long)]
    jobs: Option<usize>,
    /// Also print the eight dihedral hashes (rotations and flips).
    #[arg(long)]
    dihedral: bool,
    /// Largest image accepted, in pixels.
    #[arg(long, default_value_t = Limits::default().max_pixels)]
    max_pixels: u64,
    /// Largest file accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_bytes)]
    max_bytes: usize,
    /// Videos: one frame hashed every this many seconds (0: every frame), as `vpdq` chooses them.
    #[arg(long, default_value_t = 1.0)]
    seconds_per_hash: f64,
    /// Largest video accepted, in bytes.
    #[arg(long, default_value_t = vigie_video::Limits::default().max_bytes)]
    max_video_bytes: u64,
    /// Videos: also compute TMK+PDQF and write each as `<file stem>.tmk` in this directory
    /// (made if missing; a file of the same name is replaced).
    #[arg(long, value_name = "DIR")]
    tmk: Option<PathBuf>,
}

/// Expands directories into their files, recursively and sorted; keeps files as given.
fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    fn walk(dir: &Path, out: &mut Vec<Result<PathBuf, (PathBuf, String)>>) {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                out.push(Err((dir.to_owned(), format!("cannot read the directory: {e}"))));
                return;
            }
        };
        entries.sort();
        for p in entries {
            if p.is_dir() { walk(&p, out) } else { out.push(Ok(p)) }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() { walk(p, &mut out) } else { out.push(Ok(p.clone())) }
    }
    out
}

/// One output line, fields in the documented order.
#[derive(Serialize)]
struct Line {
    path: String,
    /// `video` for a video (known by its first bytes); absent on image lines, as before videos.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pdq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quality: Option<u8>,
    /// python-threatexchange's hash and quality, when they differ from `pdq`'s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pdq_pytx: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pdq_pytx_quality: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    /// Present (and true) when the quality is below 50.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unreliable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    dihedral: Option<Vec<String>>,
    /// A video's duration in seconds, and its frames hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frames: Option<usize>,
    /// A video's vPDQ: python-threatexchange's `"hex,quality,timestamp"` items.
    #[serde(skip_serializing_if = "Option::is_none")]
    vpdq: Option<Vec<String>>,
    /// With `--tmk DIR`: the `.tmk` file written for the video.
    #[serde(skip_serializing_if = "Option::is_none")]
    tmk: Option<String>,
    /// A text's SHA-256 of its normal form (`vigie-text`), and python-threatexchange's `text_tlsh`
    /// of it as it is (absent for a text too short or too plain for TLSH).
    #[serde(skip_serializing_if = "Option::is_none")]
    normalised_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_tlsh: Option<String>,
    /// A refusal's stable code (videos).
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Line {
    fn error(path: &Path, error: String) -> Self {
        Line {
            path: path.display().to_string(),
            kind: None,
            pdq: None,
            quality: None,
            md5: None,
            sha256: None,
            unreliable: false,
            pdq_pytx: None,
            pdq_pytx_quality: None,
            dihedral: None,
            vpdq: None,
            tmk: None,
            normalised_sha256: None,
            text_tlsh: None,
            frames: None,
            duration_s: None,
            code: None,
            error: Some(error),
        }
    }
}

/// What `vigie hash` needs besides the image options.
pub(crate) struct Settings {
    image: HashOptions,
    video: vigie_video::Options,
    /// Where `.tmk` files go, and those this run has written (two inputs with the same stem would
    /// otherwise overwrite each other in an order that depends on the threads).
    tmk: Option<(PathBuf, Mutex<HashSet<PathBuf>>)>,
}

/// Whether the file starts like a video container (its bytes, not its name).
fn is_video(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 600];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    vigie_video::sniff::container(&head[..n]).is_some()
}

/// Writes a video's `.tmk` file into `dir`, named after the input's stem.
fn write_tmk(
    path: &Path,
    features: &vigie_hash::tmk::TmkFeatures,
    dir: &Path,
    written: &Mutex<HashSet<PathBuf>>,
) -> Result<PathBuf, String> {
    let stem = path.file_stem().ok_or_else(|| "the file has no name to name its .tmk after".to_owned())?;
    let mut name = stem.to_owned();
    name.push(".tmk");
    let out = dir.join(name);
    if !written.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(out.clone()) {
        return Err(format!("another input of this run already wrote {}", out.display()));
    }
    std::fs::write(&out, features.to_bytes()).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out)
}

fn hash_video(path: &Path, settings: &Settings) -> Line {
    match vigie_video::hash_video_file(path, &settings.video) {
        Ok(h) => {
            let mut line = Line::error(path, String::new());
            line.error = None;
            line.md5 = Some(h.md5);
            line.sha256 = Some(h.sha256);
            line.frames = Some(h.vpdq.len());
            line.kind = Some("video");
            line.duration_s = h.duration;
            line.vpdq = Some(vpdq::pytx_items(&frames_of(&h.vpdq)));
            if let (Some((dir, written)), Some(features)) = (&settings.tmk, &h.tmk) {
                match write_tmk(path, features, dir, written) {
                    Ok(out) => line.tmk = Some(out.display().to_string()),
                    Err(e) => {
                        line.code = Some("tmk_not_written");
                        line.error = Some(e);
                    }
                }
            }
            line
        }
        Err(e) => {
            let mut line = Line::error(path, e.to_string());
            line.code = Some(e.code());
            line
        }
    }
}

/// The file as text, when it is one: valid UTF-8 without NUL bytes, no longer than a bank's text.
/// (Images and videos are told apart first, by their bytes.)
fn text_of(bytes: &[u8]) -> Option<&str> {
    if bytes.len() > vigie_model::bank::MAX_TEXT_BYTES || bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok().filter(|t| !t.trim().is_empty())
}

fn hash_text(path: &Path, bytes: &[u8], text: &str) -> Line {
    let mut line = Line::error(path, String::new());
    line.error = None;
    line.kind = Some("text");
    line.md5 = Some(vigie_hash::md5_hex(bytes));
    line.sha256 = Some(vigie_hash::sha256_hex(bytes));
    line.normalised_sha256 = Some(vigie_text::exact_hash(text));
    line.text_tlsh = vigie_text::tlsh(text);
    line
}

fn hash_one(path: &Path, settings: &Settings) -> Line {
    if is_video(path) {
        return hash_video(path, settings);
    }
    let options = &settings.image;
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => return Line::error(path, format!("cannot read the file: {e}")),
    };
    if size > options.limits.max_bytes as u64 {
        let msg = format!("the file is {size} bytes, more than the limit of {}", options.limits.max_bytes);
        return Line::error(path, msg);
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Line::error(path, format!("cannot read the file: {e}")),
    };
    match hash_image(&bytes, options) {
        Ok(h) => Line {
            path: path.display().to_string(),
            kind: None,
            pdq: Some(h.pdq.hash.to_string()),
            quality: Some(h.pdq.quality),
            md5: Some(h.md5),
            sha256: Some(h.sha256),
            unreliable: h.pdq.quality < QUALITY_THRESHOLD,
            pdq_pytx: h.pdq_pytx.map(|p| p.hash.to_string()),
            pdq_pytx_quality: h.pdq_pytx.map(|p| p.quality),
            dihedral: h.dihedral.map(|d| d.iter().map(|x| x.to_string()).collect()),
            vpdq: None,
            tmk: None,
            normalised_sha256: None,
            text_tlsh: None,
            frames: None,
            duration_s: None,
            code: None,
            error: None,
        },
        Err(e) => match text_of(&bytes) {
            Some(text) => hash_text(path, &bytes, text),
            None => Line::error(path, e.to_string()),
        },
    }
}

pub(crate) fn run(args: HashArgs) -> anyhow::Result<ExitCode> {
    let video = vigie_video::Options {
        seconds_per_hash: args.seconds_per_hash,
        limits: vigie_video::Limits { max_bytes: args.max_video_bytes, ..vigie_video::Limits::default() },
        scratch: None,
        tmk: args.tmk.is_some(),
    };
    if let Some(dir) = &args.tmk {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot make the TMK directory {}: {e}", dir.display()))?;
    }
    let options = Settings {
        image: HashOptions {
            limits: Limits { max_bytes: args.max_bytes, max_pixels: args.max_pixels },
            dihedral: args.dihedral,
        },
        video,
        tmk: args.tmk.map(|dir| (dir, Mutex::new(HashSet::new()))),
    };
    let inputs = expand(&args.paths);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let next = AtomicUsize::new(0);
    let (send, recv) = mpsc::channel::<(usize, Line)>();
    let progress = std::io::stderr().is_terminal();
    let total = inputs.len();
    let mut failed = 0usize;
    std::thread::scope(|s| -> anyhow::Result<()> {
        for _ in 0..jobs.min(total.max(1)) {
            let (send, next, inputs, options) = (send.clone(), &next, &inputs, &options);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let line = match input {
                        Ok(path) => hash_one(path, options),
                        Err((path, e)) => Line::error(path, e.clone()),
                    };
                    if send.send((i, line)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // Print in input order as results arrive.
        let mut pending = BTreeMap::new();
        let mut printed = 0;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for (i, line) in recv {
            pending.insert(i, line);
            while let Some(line) = pending.remove(&printed) {
                failed += usize::from(line.error.is_some());
                let text = serde_json::to_string(&line).expect("a line always serializes");
                match writeln!(out, "{text}") {
                    Ok(()) => {}
                    // The reader went away (`vigie hash ... | head`): stop quietly.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
                printed += 1;
            }
            if progress {
                eprint!("\rhashed {printed}/{total} files");
            }
        }
        if let Err(e) = out.flush()
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.into());
        }
        if progress {
            eprintln!();
        }
        Ok(())
    })?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
