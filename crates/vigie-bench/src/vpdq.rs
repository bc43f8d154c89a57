//! `vigie-bench vpdq`: Vigie's vPDQ against Meta's `vpdq` (0.2.5 from PyPI), side by side on
//! the same videos and settings, with FFmpeg's decoding alone as the floor.
//!
//! The videos are made at run time with FFmpeg (H.264 of a lavfi test source, one per size) and
//! kept in `--dir` for the next run. Round after round, each size and setting is hashed by `vpdq`
//! (a Python driver that times `computeHash` inside the interpreter, one hashing thread), by
//! Vigie (`vigie_video::hash_video_file`, FFmpeg with `-threads 1` in its sandbox, hashing in this
//! process as the frames arrive) and decoded by FFmpeg to nothing (`-threads 1 -f null`). Medians
//! over the rounds are reported, as wall time and as CPU time (all threads and child processes),
//! and both hashes are compared frame by frame.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use serde_json::Value;
use vigie_video::{Options, hash_video_file};

#[derive(clap::Args)]
pub(crate) struct VpdqArgs {
    /// The Python with `vpdq` 0.2.5 installed (built against Debian's FFmpeg libraries; see
    /// docs/benchmarks.md).
    #[arg(long, env = "VIGIE_VPDQ_PYTHON", default_value = "target/pyvpdq/bin/python")]
    python: PathBuf,
    /// Frame sizes, as WIDTHxHEIGHT.
    #[arg(long, value_delimiter = ',', default_value = "720x576,1280x720,1920x1080")]
    sizes: Vec<String>,
    /// Length of each generated video, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// Frames per second of the generated videos.
    #[arg(long, default_value_t = 30)]
    rate: u32,
    /// The lavfi source of the generated videos (testsrc2, mandelbrot, smptehdbars, ...).
    #[arg(long, default_value = "testsrc2")]
    source: String,
    /// Where the generated videos are kept (and reused by the next run with the same settings).
    #[arg(long, default_value = "target/vpdq-bench")]
    dir: PathBuf,
    /// Rounds of measurements; medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Print one JSON line per size and setting instead of the table.
    #[arg(long)]
    json: bool,
}

/// One timed run: wall seconds and CPU seconds (user + system), the latter split into this
/// process's (or the Python's) and its child processes' (FFmpeg, ffprobe).
#[derive(Clone, Copy, Debug, Default)]
struct Timing {
    wall: f64,
    cpu_own: f64,
    cpu_children: f64,
}

impl Timing {
    fn cpu(&self) -> f64 {
        self.cpu_own + self.cpu_children
    }
}

/// This process's CPU seconds and those of its waited-for children (`/proc/self/stat`: utime,
/// stime, cutime, cstime, in Linux's fixed 100 ticks a second). Every thread counts, and a child
/// counts once it has been waited for, with the children it waited for itself.
fn cpu_now() -> anyhow::Result<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat (Linux only)")?;
    let after = stat.rsplit_once(')').context("the format of /proc/self/stat")?.1;
    let f: Vec<f64> = after.split_whitespace().skip(11).take(4).map(|v| v.parse().unwrap_or(f64::NAN)).collect();
    ensure!(f.len() == 4 && f.iter().all(|v| v.is_finite()), "the format of /proc/self/stat");
    const TICKS: f64 = 100.0;
    Ok(((f[0] + f[1]) / TICKS, (f[2] + f[3]) / TICKS))
}

/// Runs `f` and measures it.
fn timed<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Timing)> {
    let (own0, children0) = cpu_now()?;
    let t0 = Instant::now();
    let out = f()?;
    let wall = t0.elapsed().as_secs_f64();
    let (own1, children1) = cpu_now()?;
    Ok((out, Timing { wall, cpu_own: own1 - own0, cpu_children: children1 - children0 }))
}

/// One frame's features as both sides print them: frame number, hex hash, quality, and the
/// timestamp narrowed to the `f32` `vpdq` computes it in.
type Row = (u64, String, u64, f32);

/// Makes (or finds, from an earlier run) the test video of one size; its absolute path, since
/// FFmpeg runs in a job's directory (a relative `--dir` failed there).
fn video(args: &VpdqArgs, size: &str) -> anyhow::Result<PathBuf> {
    let (w, h) = size.split_once('x').context("sizes look like 1280x720")?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    let name = format!("{}-{w}x{h}-{}fps-{}s-h264.mp4", args.source, args.rate, args.seconds);
    let path = args.dir.join(name);
    if path.exists() {
        return Ok(std::fs::canonicalize(&path)?);
    }
    std::fs::create_dir_all(&args.dir).with_context(|| format!("while making {}", args.dir.display()))?;
    let partial = path.with_extension("partial.mp4");
    let source = format!("{}=size={w}x{h}:rate={}:duration={}", args.source, args.rate, args.seconds);
    eprintln!("making {} ...", path.display());
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", &source])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"])
        .arg(&partial)
        .status()
        .context("while running ffmpeg (Debian's ffmpeg package)")?;
    ensure!(status.success(), "ffmpeg could not make {}", path.display());
    std::fs::rename(&partial, &path)?;
    Ok(std::fs::canonicalize(&path)?)
}

/// `vpdq` on each (seconds per hash, file), in one Python process: the timings measured inside
/// it, and the features.
fn reference(python: &Path, jobs: &[(f64, &Path)]) -> anyhow::Result<Vec<(Timing, Vec<Row>)>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/vpdq_bench.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("while starting {} (give --python)", python.display()))?;
    {
        let mut stdin = child.stdin.take().context("stdin")?;
        for (seconds, path) in jobs {
            writeln!(stdin, "{seconds} {}", path.display())?;
        }
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the vpdq driver failed (is vpdq 0.2.5 installed in {}?)", python.display());
    }
    let mut res = Vec::new();
    for line in String::from_utf8(out.stdout)?.lines() {
        let v: Value = serde_json::from_str(line)?;
        let num = |k: &str| v[k].as_f64().with_context(|| format!("the driver's {k}: {line}"));
        let timing = Timing { wall: num("wall_s")?, cpu_own: num("cpu_s")?, cpu_children: 0.0 };
        let rows = v["features"]
            .as_array()
            .context("the driver's features")?
            .iter()
            .map(|f| {
                let row = (f[0].as_u64(), f[1].as_str(), f[2].as_u64(), f[3].as_f64());
                let (Some(frame), Some(hex), Some(quality), Some(ts)) = row else { bail!("a feature: {f}") };
                Ok((frame, hex.to_owned(), quality, ts as f32))
            })
            .collect::<anyhow::Result<Vec<Row>>>()?;
        res.push((timing, rows));
    }
    ensure!(res.len() == jobs.len(), "the vpdq driver answered {} of {} calls", res.len(), jobs.len());
    Ok(res)
}

/// Vigie on one file, as the server hashes an upload.
fn vigie(path: &Path, seconds_per_hash: f64) -> anyhow::Result<(Timing, Vec<Row>)> {
    let options = Options { seconds_per_hash, ..Options::default() };
    let (hashes, timing) = timed(|| hash_video_file(path, &options).map_err(anyhow::Error::from))?;
    let rows =
        hashes.vpdq.iter().map(|f| (f.frame, f.hash.to_string(), u64::from(f.quality), f.timestamp as f32)).collect();
    Ok((timing, rows))
}

/// Where Vigie's time goes: its FFmpeg run alone (decoding, selecting, converting to RGB24 and
/// writing the pipe, the frames read and dropped), and the CPU time to hash one RGB24 frame
/// already in memory.
fn vigie_stages(path: &Path, seconds_per_hash: f64) -> anyhow::Result<(Timing, HashCost)> {
    use vigie_video::{ffmpeg, sniff};
    let limits = vigie_video::Limits::default();
    let dir = tempfile::tempdir()?;
    let head: Vec<u8> = std::fs::read(path)?.into_iter().take(512).collect();
    let container = sniff::container(&head).context("not a container Vigie reads")?;
    let info = ffmpeg::probe(container, path, dir.path(), &limits)?;
    let step = vigie_hash::vpdq::frame_step(seconds_per_hash, info.frame_rate);
    let mut first = None;
    let (_, timing) = timed(|| {
        ffmpeg::frames(container, path, dir.path(), &info, step, &limits, |_, rgb| {
            if first.is_none() {
                first = Some(rgb.to_vec());
            }
        })
        .map_err(anyhow::Error::from)
    })?;
    let rgb = first.context("no frame")?;
    let (w, h) = (info.width, info.height);
    let whole = thread_cpu_per_call(|| {
        std::hint::black_box(vigie_hash::vpdq::frame_hash(&rgb, w, h));
    })?;
    // PDQ alone, from luma already computed (the values do not change the work).
    let luma: Vec<f32> = rgb.chunks_exact(3).map(|p| f32::from(p[0]) * 0.299 + f32::from(p[1]) * 0.587).collect();
    let pdq = thread_cpu_per_call(|| {
        use vigie_hash::pdq::fast::{Bypass, pdq_float_in};
        std::hint::black_box(pdq_float_in(&luma, h, w, Bypass::At64));
    })?;
    Ok((timing, HashCost { whole, pdq }))
}

/// Seconds of one frame's hashing, whole (RGB to luma to PDQ) and from luma.
#[derive(Clone, Copy, Debug)]
struct HashCost {
    whole: f64,
    pdq: f64,
}

/// CPU seconds this thread spends in one call of `f` (`/proc/thread-self/schedstat`, in
/// nanoseconds), over at least 20 calls and a quarter of a second of CPU: the machine's other
/// work does not count, as it would in wall time.
fn thread_cpu_per_call(mut f: impl FnMut()) -> anyhow::Result<f64> {
    let ns = || -> anyhow::Result<u64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").context("/proc/thread-self/schedstat")?;
        s.split_whitespace().next().and_then(|v| v.parse().ok()).context("the format of schedstat")
    };
    f();
    let start = ns()?;
    let mut calls = 0u32;
    while calls < 20 || ns()? - start < 250_000_000 {
        f();
        calls += 1;
    }
    Ok((ns()? - start) as f64 * 1e-9 / f64::from(calls))
}

/// FFmpeg decoding the video stream to nothing, with one thread: the floor under both.
fn decode_floor(path: &Path) -> anyhow::Result<Timing> {
    let ((), timing) = timed(|| {
        let status = Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1", "-i"])
            .arg(path)
            .args(["-map", "0:v:0", "-f", "null", "-"])
            .status()
            .context("while running ffmpeg")?;
        ensure!(status.success(), "ffmpeg could not decode {}", path.display());
        Ok(())
    })?;
    Ok(timing)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Each side's median over the rounds.
#[derive(Clone, Copy, Debug)]
struct Medians {
    wall: f64,
    cpu: f64,
    cpu_own: f64,
    cpu_children: f64,
}

fn medians(runs: &[Timing]) -> Medians {
    Medians {
        wall: median(runs.iter().map(|t| t.wall).collect()),
        cpu: median(runs.iter().map(Timing::cpu).collect()),
        cpu_own: median(runs.iter().map(|t| t.cpu_own).collect()),
        cpu_children: median(runs.iter().map(|t| t.cpu_children).collect()),
    }
}

/// The first difference between two hashings of one video, if any.
fn difference(ours: &[Row], theirs: &[Row]) -> Option<String> {
    if ours.len() != theirs.len() {
        return Some(format!("Vigie kept {} frames, vpdq {}", ours.len(), theirs.len()));
    }
    ours.iter().zip(theirs).find(|(a, b)| a != b).map(|(a, b)| format!("Vigie {a:?}, vpdq {b:?}"))
}

/// The load average over the last minute (`/proc/loadavg`), to show how busy the machine was.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

pub(crate) fn run(args: VpdqArgs) -> anyhow::Result<()> {
    let settings = [0.0, 1.0];
    let files = args.sizes.iter().map(|s| Ok((s.clone(), video(&args, s)?))).collect::<anyhow::Result<Vec<_>>>()?;
    let mut frames = Vec::new();
    let load_before = load_average();
    // [size][setting] → runs; [size] → decode runs.
    let mut ours: Vec<Vec<Vec<Timing>>> = vec![vec![Vec::new(); settings.len()]; files.len()];
    let mut theirs = ours.clone();
    let mut floor: Vec<Vec<Timing>> = vec![Vec::new(); files.len()];
    let mut ffmpeg_alone = ours.clone();
    let mut hash_one: Vec<Vec<HashCost>> = vec![Vec::new(); files.len()];
    let mut differences = Vec::new();
    for round in 0..args.rounds {
        for (k, (size, path)) in files.iter().enumerate() {
            if !args.json {
                eprintln!("round {}/{}: {size}", round + 1, args.rounds);
            }
            let jobs: Vec<(f64, &Path)> = settings.iter().map(|s| (*s, path.as_path())).collect();
            let reference = reference(&args.python, &jobs)?;
            for (j, &seconds) in settings.iter().enumerate() {
                let (timing, rows) = vigie(path, seconds)?;
                ours[k][j].push(timing);
                theirs[k][j].push(reference[j].0);
                if round == 0 {
                    if let Some(d) = difference(&rows, &reference[j].1) {
                        differences.push(format!("{size} at {seconds} s per hash: {d}"));
                    }
                    frames.push(((k, j), rows.len()));
                }
                let (alone, per_frame) = vigie_stages(path, seconds)?;
                ffmpeg_alone[k][j].push(alone);
                hash_one[k].push(per_frame);
            }
            floor[k].push(decode_floor(path)?);
        }
    }
    let load_after = load_average();
    let kept = |k: usize, j: usize| frames.iter().find(|(at, _)| *at == (k, j)).map_or(0, |(_, n)| *n);
    let decoded = (u64::from(args.seconds) * u64::from(args.rate)) as f64;

    let ms = |s: f64| s / decoded * 1e3;
    if !args.json {
        println!(
            "vPDQ: Vigie against vpdq 0.2.5 on {} s of {} at {} fps, H.264 (libx264 veryfast, CRF 23); median of {} rounds",
            args.seconds, args.source, args.rate, args.rounds
        );
        println!(
            "machine: {} CPUs; load average {} before, {} after",
            crate::nproc(),
            load_before.map_or("?".into(), |l| format!("{l:.2}")),
            load_after.map_or("?".into(), |l| format!("{l:.2}"))
        );
        println!("seconds: wall (CPU, all threads and processes); Vigie's CPU = its own + FFmpeg's");
        println!(
            "{:<10} {:>6} {:>6} | {:>16} | {:>28} | {:>15} | {:>16} | {:>16}",
            "size", "hash", "hashes", "vpdq", "Vigie", "vpdq / Vigie", "Vigie's FFmpeg", "decode floor"
        );
    }
    for (k, (size, _)) in files.iter().enumerate() {
        let fl = medians(&floor[k]);
        let one = median(hash_one[k].iter().map(|c| c.whole).collect());
        let one_pdq = median(hash_one[k].iter().map(|c| c.pdq).collect());
        for (j, &seconds) in settings.iter().enumerate() {
            let (o, t, alone) = (medians(&ours[k][j]), medians(&theirs[k][j]), medians(&ffmpeg_alone[k][j]));
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "size": size,
                        "seconds_per_hash": seconds,
                        "frames_decoded": decoded,
                        "hashes": kept(k, j),
                        "vpdq_wall_s": t.wall,
                        "vpdq_cpu_s": t.cpu,
                        "vigie_wall_s": o.wall,
                        "vigie_cpu_s": o.cpu,
                        "vigie_cpu_own_s": o.cpu_own,
                        "vigie_cpu_ffmpeg_s": o.cpu_children,
                        "speedup_wall": t.wall / o.wall,
                        "speedup_cpu": t.cpu / o.cpu,
                        "vigie_ffmpeg_alone_wall_s": alone.wall,
                        "vigie_ffmpeg_alone_cpu_s": alone.cpu,
                        "vigie_hash_one_frame_cpu_ms": one * 1e3,
                        "vigie_pdq_from_luma_cpu_ms": one_pdq * 1e3,
                        "decode_floor_wall_s": fl.wall,
                        "decode_floor_cpu_s": fl.cpu,
                        "rounds": args.rounds,
                        "nproc": crate::nproc(),
                        "load_before": load_before,
                        "load_after": load_after,
                        "bit_exact": differences.is_empty(),
                    })
                );
            } else {
                println!(
                    "{:<10} {:>6} {:>6} | {:>6.2} ({:>6.2}) | {:>6.2} ({:>6.2} = {:>5.2} + {:>5.2}) | {:>5.2} ({:>5.2}) | {:>6.2} ({:>6.2}) | {:>6.2} ({:>6.2})",
                    size,
                    if seconds == 0.0 { "every" } else { "1/s" },
                    kept(k, j),
                    t.wall,
                    t.cpu,
                    o.wall,
                    o.cpu,
                    o.cpu_own,
                    o.cpu_children,
                    t.wall / o.wall,
                    t.cpu / o.cpu,
                    alone.wall,
                    alone.cpu,
                    fl.wall,
                    fl.cpu,
                );
            }
        }
    }
    if !args.json {
        println!(
            "ms of CPU per decoded frame ({decoded} a video), every frame hashed; Vigie's hashing of one frame in memory, RGB to hash (PDQ from luma):"
        );
        println!(
            "{:<10} | {:>6} {:>8} | {:>6} {:>14} {:>16} | {:>6}",
            "size", "vpdq", "vpdq / 5", "Vigie", "Vigie's FFmpeg", "hash alone", "floor"
        );
        for (k, (size, _)) in files.iter().enumerate() {
            let (t, o, alone, fl) =
                (medians(&theirs[k][0]), medians(&ours[k][0]), medians(&ffmpeg_alone[k][0]), medians(&floor[k]));
            println!(
                "{:<10} | {:>6.2} {:>8.2} | {:>6.2} {:>14.2} {:>7.2} ({:>5.2}) | {:>6.2}{}",
                size,
                ms(t.cpu),
                ms(t.cpu) / 5.0,
                ms(o.cpu),
                ms(alone.cpu),
                median(hash_one[k].iter().map(|c| c.whole).collect()) * 1e3,
                median(hash_one[k].iter().map(|c| c.pdq).collect()) * 1e3,
                ms(fl.cpu),
                if fl.cpu > t.cpu / 5.0 { "  (the floor alone is above vpdq / 5)" } else { "" }
            );
        }
        if differences.is_empty() {
            println!(
                "hashes: bit-exact (every frame's number, hash, quality and timestamp equal; both settings, every size)"
            );
        } else {
            println!("hashes: DIFFERENT");
        }
    }
    if !differences.is_empty() {
        for d in &differences {
            eprintln!("  {d}");
        }
        bail!("Vigie's vPDQ differs from vpdq's on {} of the runs", differences.len());
    }
    Ok(())
}
