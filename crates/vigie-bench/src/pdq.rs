//! `vigie-bench pdq`: Vigie's PDQ against Meta's reference as python-threatexchange runs it, on
//! the same synthetic images, single-threaded, side by side.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;

#[derive(clap::Args)]
pub(crate) struct PdqArgs {
    /// The Python with `pdqhash` and `threatexchange` installed (`cargo xtask test` makes one in
    /// `target/pyref`).
    #[arg(long, default_value = "target/pyref/bin/python")]
    python: PathBuf,
    /// Sizes to test, as WIDTHxHEIGHT.
    #[arg(long, value_delimiter = ',', default_value = "512x512,1280x1250,4000x3000")]
    sizes: Vec<String>,
    /// Rounds of measurements (each size by the reference, then by Vigie); medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Time Vigie alone (to profile it): no reference.
    #[arg(long)]
    vigie_only: bool,
    /// Print one JSON line per image instead of the table.
    #[arg(long)]
    json: bool,
}

/// A photo-like synthetic picture: smooth shapes, a gradient and fine noise, saved as a
/// quality-90 JPEG (what most uploads are).
fn synthetic_jpeg(w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    let mut state: u32 = 0x1234_5678;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state >> 28) as f32;
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let d = ((fx - 0.35).powi(2) + (fy - 0.55).powi(2)).sqrt();
        let ring = 127.0 + 100.0 * (d * 35.0).sin();
        let block = if (0.6..0.85).contains(&fx) && (0.15..0.45).contains(&fy) { 60.0 } else { 0.0 };
        image::Rgb([
            (ring * 0.7 + fx * 70.0 + noise).min(255.0) as u8,
            (ring * 0.5 + fy * 120.0 + block + noise).min(255.0) as u8,
            (255.0 - ring * 0.6 + noise).clamp(0.0, 255.0) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).context("encoding the JPEG")?;
    Ok(out.into_inner())
}

/// Median seconds per call over at least 5 runs and 1 second.
fn median_time(mut f: impl FnMut()) -> (f64, usize) {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || start.elapsed().as_secs_f64() < 1.0 {
        let t0 = Instant::now();
        f();
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times.len())
}

/// One round's measures of one size: Vigie's pixels-to-hash, decoding and file-to-hash seconds,
/// and the reference's answer.
type Run = (f64, f64, f64, Value);

struct Row {
    name: String,
    ours_pixels: f64,
    ours_decode: f64,
    ours_file: f64,
    theirs: Value,
}

fn reference(python: &Path, files: &[PathBuf]) -> anyhow::Result<Vec<Value>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/pdq_bench.py");
    let mut child = Command::new(python)
        .arg(script)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("while starting {}", python.display()))?;
    {
        let mut stdin = child.stdin.take().context("stdin")?;
        for f in files {
            writeln!(stdin, "{}", f.display())?;
        }
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the reference benchmark failed");
    }
    String::from_utf8(out.stdout)?.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
}

pub(crate) fn run(args: PdqArgs) -> anyhow::Result<()> {
    let mut images = Vec::new();
    for size in &args.sizes {
        let (w, h) = size.split_once('x').context("sizes look like 512x512")?;
        images.push((size.clone(), synthetic_jpeg(w.parse()?, h.parse()?)?));
    }
    let dir = std::env::temp_dir().join(format!("vigie-bench-pdq-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    for (size, bytes) in &images {
        let path = dir.join(format!("synthetic-{size}.jpg"));
        std::fs::write(&path, bytes)?;
        files.push(path);
    }
    // Round after round, each size by the reference then by Vigie, so that both sides see the
    // same machine; the medians over the rounds are reported.
    let mut rounds: Vec<Vec<Run>> = vec![Vec::new(); images.len()];
    for _ in 0..args.rounds {
        for (k, (size, bytes)) in images.iter().enumerate() {
            let mut their = if args.vigie_only {
                serde_json::json!({ "pdq": vigie_hash::PdqHash::ZERO.to_string() })
            } else {
                reference(&args.python, &files[k..k + 1])?.remove(0)
            };
            let options = vigie_hash::HashOptions::default();
            let pixels = vigie_hash::decode::decode(bytes, &options.limits)?;
            let ours = vigie_hash::hash_image(bytes, &options)?;
            let their_hash: vigie_hash::PdqHash = their["pdq"]
                .as_str()
                .with_context(|| format!("the reference did not hash {size}: {their}"))?
                .parse()?;
            their["jpeg_distance"] = ours.pdq.hash.distance(&their_hash).into();
            let (ours_pixels, _) = median_time(|| {
                std::hint::black_box(vigie_hash::pdq_from_pixels(&pixels, vigie_hash::View::Eye));
            });
            // Decoding into a reused buffer, as `hash_image` does.
            let mut buf = Vec::new();
            let (ours_decode, _) = median_time(|| {
                if let Ok(p) = vigie_hash::decode::decode_into(bytes, &options.limits, std::mem::take(&mut buf)) {
                    buf = p.data;
                }
            });
            let (ours_file, _) = median_time(|| {
                std::hint::black_box(vigie_hash::hash_image(bytes, &options).ok());
            });
            rounds[k].push((ours_pixels, ours_decode, ours_file, their));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut rows = Vec::new();
    for ((size, _), runs) in images.into_iter().zip(rounds) {
        let mid = |f: &dyn Fn(&Run) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let mut theirs = runs[0].3.clone();
        for key in ["pixels_to_hash_s", "file_to_hash_s", "decode_s"] {
            theirs[key] = mid(&|r| r.3[key].as_f64().unwrap_or(f64::NAN)).into();
        }
        rows.push(Row {
            name: size,
            ours_pixels: mid(&|r| r.0),
            ours_decode: mid(&|r| r.1),
            ours_file: mid(&|r| r.2),
            theirs,
        });
    }
    let ms = |s: f64| s * 1000.0;
    for r in &rows {
        let tp = r.theirs["pixels_to_hash_s"].as_f64().unwrap_or(f64::NAN);
        let tf = r.theirs["file_to_hash_s"].as_f64().unwrap_or(f64::NAN);
        let td = r.theirs["decode_s"].as_f64().unwrap_or(f64::NAN);
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "size": r.name,
                    "vigie_pixels_to_hash_ms": ms(r.ours_pixels),
                    "pdqhash_pixels_to_hash_ms": ms(tp),
                    "pixels_speedup": tp / r.ours_pixels,
                    "vigie_file_to_hash_ms": ms(r.ours_file),
                    "pytx_file_to_hash_ms": ms(tf),
                    "file_speedup": tf / r.ours_file,
                    "vigie_decode_ms": ms(r.ours_decode),
                    "pillow_decode_ms": ms(td),
                    "jpeg_distance": r.theirs["jpeg_distance"],
                })
            );
        } else {
            println!("{} (synthetic JPEG, quality 90), single thread, median of {} rounds:", r.name, args.rounds);
            println!(
                "  pixels → hash   vigie {:8.2} ms   pdqhash.compute {:8.2} ms   {:5.1}×",
                ms(r.ours_pixels),
                ms(tp),
                tp / r.ours_pixels
            );
            println!(
                "  file → hash     vigie {:8.2} ms   pytx pdq_from_file {:5.2} ms   {:5.1}×",
                ms(r.ours_file),
                ms(tf),
                tf / r.ours_file
            );
            println!("  decoding alone  vigie {:8.2} ms   Pillow {:8.2} ms", ms(r.ours_decode), ms(td));
            println!("  hash distance between the two on this JPEG: {}", r.theirs["jpeg_distance"]);
        }
    }
    Ok(())
}
