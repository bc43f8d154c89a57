//! `vigie-bench one-decode`: what hashing a video costs beyond decoding it. For each size (SD, HD,
//! full HD) a video is generated with FFmpeg (a test pattern, H.264, not committed), then timed:
//! FFmpeg decoding it alone (one thread, frames thrown away: the floor), and Vigie's
//! `hash_video_file` with MD5, SHA-256 and vPDQ, then with TMK+PDQF too, all from one FFmpeg run
//! (one decoding thread). The median of a few runs each.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use vigie_video::{Options, hash_video_file};

#[derive(clap::Args)]
pub(crate) struct OneDecodeArgs {
    /// Seconds of each generated video (30 frames a second).
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// Runs of each measurement; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// FFmpeg's source filter: `testsrc2` or `mandelbrot`.
    #[arg(long, default_value = "testsrc2")]
    source: String,
    /// Also time vPDQ of every frame (with TMK).
    #[arg(long)]
    every_frame: bool,
}

fn generate(path: &Path, source: &str, size: &str, seconds: u32) -> anyhow::Result<()> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("{source}=size={size}:rate=30"))
        .args(["-t", &seconds.to_string(), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"])
        .arg(path)
        .output()?;
    anyhow::ensure!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

fn decode_alone(path: &Path) -> anyhow::Result<()> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-threads", "1", "-noautorotate", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-an", "-f", "null", "-"])
        .output()?;
    anyhow::ensure!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

fn median(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

pub(crate) fn run(args: OneDecodeArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!(
        "| size | frames | decode alone (s) | + MD5, SHA-256, vPDQ 1/s (s) | + TMK+PDQF (s) | ratio to decode |{}",
        if args.every_frame { " vPDQ every frame + TMK (s) |" } else { "" }
    );
    println!("|---|---|---|---|---|---|{}", if args.every_frame { "---|" } else { "" });
    for (label, size) in [("SD", "640x480"), ("HD", "1280x720"), ("full HD", "1920x1080")] {
        let path = dir.path().join(format!("{size}.mp4"));
        generate(&path, &args.source, size, args.seconds)?;
        let decode = median(args.runs, || decode_alone(&path))?;
        let plain = Options::default();
        let with_tmk = Options { tmk: true, ..Options::default() };
        let vpdq = median(args.runs, || Ok(hash_video_file(&path, &plain).map(drop)?))?;
        let all = median(args.runs, || Ok(hash_video_file(&path, &with_tmk).map(drop)?))?;
        let mut extra = String::new();
        if args.every_frame {
            let every = Options { seconds_per_hash: 0.0, tmk: true, ..Options::default() };
            let t = median(args.runs, || Ok(hash_video_file(&path, &every).map(drop)?))?;
            extra = format!(" {t:.2} |");
        }
        println!(
            "| {label} {size} | {} | {decode:.2} | {vpdq:.2} | {all:.2} | {:.2} |{extra}",
            args.seconds * 30,
            all / decode
        );
    }
    Ok(())
}
