//! `vigie-bench photos`: file-to-hash on camera-like photographs, Vigie against
//! python-threatexchange, one thread each, with where Vigie's time goes and how far its hashes
//! are from pytx's (JPEG decoders differ).
//!
//! The corpus comes from `photo_corpus.py`: the public sample photographs in scikit-image's
//! wheel, cropped, resized and re-encoded the way cameras and phones write JPEGs.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use serde_json::Value;
use vigie_hash::{HashOptions, PdqHash, View};

#[derive(clap::Args)]
pub(crate) struct PhotosArgs {
    /// The Python with `pdqhash`, `threatexchange` and scikit-image (`cargo xtask test` makes one
    /// in `target/pyref`).
    #[arg(long, default_value = "target/pyref/bin/python")]
    python: PathBuf,
    /// Photographs in the corpus.
    #[arg(long, default_value_t = 160)]
    count: usize,
    /// Their size, as WIDTHxHEIGHT (a third of them turned to portrait).
    #[arg(long, default_value = "1464x1098")]
    size: String,
    /// Timed passes over the corpus, each side (after one warm-up pass).
    #[arg(long, default_value_t = 3)]
    passes: usize,
    /// Keep the corpus in this directory (made if missing, reused if it holds `count` photos).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Time Vigie alone (to profile it): no reference, no distances.
    #[arg(long)]
    vigie_only: bool,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

/// A directory of photographs, removed on drop unless the caller named it.
pub(crate) struct Corpus {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) bits_per_pixel: f64,
    dir: PathBuf,
    keep: bool,
}

impl Drop for Corpus {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Makes (or reuses) `count` camera-like JPEGs of `size` with `photo_corpus.py`.
pub(crate) fn corpus(python: &Path, dir: Option<&Path>, count: usize, size: &str) -> anyhow::Result<Corpus> {
    let (w, h) = size.split_once('x').context("the size looks like 1464x1098")?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    let keep = dir.is_some();
    let dir = dir.map_or_else(
        || std::env::temp_dir().join(format!("vigie-bench-photos-{}", std::process::id())),
        Path::to_path_buf,
    );
    let listed = |dir: &Path| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    let mut corpus = Corpus { files: listed(&dir), bits_per_pixel: f64::NAN, dir: dir.clone(), keep };
    if corpus.files.len() != count {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/photo_corpus.py");
        let out = Command::new(python)
            .arg(script)
            .arg(&dir)
            .args([count.to_string(), w.to_string(), h.to_string(), "1".into()])
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("while starting {}", python.display()))?;
        ensure!(out.status.success(), "photo_corpus.py failed");
        corpus.files = listed(&dir);
        ensure!(corpus.files.len() == count, "{} holds {} photos, not {count}", dir.display(), corpus.files.len());
    }
    let bytes: u64 = corpus.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    corpus.bits_per_pixel = bytes as f64 * 8.0 / (count as f64 * f64::from(w) * f64::from(h));
    Ok(corpus)
}

/// This process's user and system CPU seconds so far (Linux).
fn cpu_seconds() -> (f64, f64) {
    crate::server::cpu_seconds_of("/proc/self/stat")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Where the time of one file goes, in seconds.
#[derive(Default)]
struct Split {
    read: f64,
    decode: f64,
    pdq: f64,
    digests: f64,
}

/// python-threatexchange in a child process, taking one command at a time (`photo_bench.py`).
struct Reference {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Reference {
    /// Starts the reference on `files`; returns it with pytx's hash of each file.
    fn start(python: &Path, files: &[PathBuf]) -> anyhow::Result<(Self, Vec<PdqHash>)> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/photo_bench.py");
        let mut child = Command::new(python)
            .arg(script)
            .env("OMP_NUM_THREADS", "1")
            .env("OPENBLAS_NUM_THREADS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("while starting {}", python.display()))?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let lines = std::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
        for f in files {
            writeln!(stdin, "{}", f.display())?;
        }
        writeln!(stdin)?;
        stdin.flush()?;
        let mut r = Reference { child, stdin, lines };
        let mut hashes = Vec::new();
        for _ in files {
            let v = r.line()?;
            hashes.push(v["pdq"].as_str().with_context(|| format!("pytx did not hash a file: {v}"))?.parse()?);
        }
        Ok((r, hashes))
    }

    fn line(&mut self) -> anyhow::Result<Value> {
        match self.lines.next() {
            Some(line) => Ok(serde_json::from_str(&line?)?),
            None => bail!("photo_bench.py stopped: {:?}", self.child.try_wait()),
        }
    }

    /// One pass of `step` (`file` or `decode`) over every file; its wall and CPU seconds.
    fn pass(&mut self, step: &str) -> anyhow::Result<(f64, f64)> {
        writeln!(self.stdin, "{step}")?;
        self.stdin.flush()?;
        let v = self.line()?;
        Ok((v["seconds"].as_f64().context("the pass's seconds")?, v["cpu_seconds"].as_f64().unwrap_or(f64::NAN)))
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn run(args: PhotosArgs) -> anyhow::Result<()> {
    ensure!(args.passes > 0 && args.count > 0, "--passes and --count must be positive");
    let corpus = corpus(&args.python, args.dir.as_deref(), args.count, &args.size)?;
    let n = corpus.files.len() as f64;
    let mut reference = if args.vigie_only { None } else { Some(Reference::start(&args.python, &corpus.files)?) };

    // The distances to pytx's hashes.
    let options = HashOptions::default();
    let mut distances = BTreeMap::<u32, usize>::new();
    if let Some((_, theirs)) = &reference {
        for (f, their) in corpus.files.iter().zip(theirs) {
            let ours = vigie_hash::hash_image(&std::fs::read(f)?, &options)?;
            *distances.entry(ours.pdq_pytx.unwrap_or(ours.pdq).hash.distance(their)).or_default() += 1;
        }
    }
    // Wall and CPU seconds (this thread's).
    let file_pass = || -> anyhow::Result<(f64, f64)> {
        let cpu = || {
            let (u, s) = crate::server::cpu_seconds_of("/proc/thread-self/stat");
            u + s
        };
        let (t0, c0) = (Instant::now(), cpu());
        for f in &corpus.files {
            std::hint::black_box(vigie_hash::hash_image(&std::fs::read(f)?, &options)?);
        }
        Ok((t0.elapsed().as_secs_f64(), cpu() - c0))
    };
    // The same work step by step, with one reused sample buffer, as `hash_image` does it.
    let mut buf = Vec::new();
    let mut split_pass = || -> anyhow::Result<Split> {
        let mut s = Split::default();
        for f in &corpus.files {
            let t0 = Instant::now();
            let bytes = std::fs::read(f)?;
            let t1 = Instant::now();
            let pixels = vigie_hash::decode::decode_into(&bytes, &options.limits, std::mem::take(&mut buf))?;
            let t2 = Instant::now();
            std::hint::black_box(vigie_hash::pdq_from_pixels(&pixels, View::Eye));
            let t3 = Instant::now();
            std::hint::black_box((vigie_hash::md5_hex(&bytes), vigie_hash::sha256_hex(&bytes)));
            let t4 = Instant::now();
            buf = pixels.data;
            s.read += (t1 - t0).as_secs_f64();
            s.decode += (t2 - t1).as_secs_f64();
            s.pdq += (t3 - t2).as_secs_f64();
            s.digests += (t4 - t3).as_secs_f64();
        }
        Ok(s)
    };

    // A warm-up pass each, then passes alternating between the two sides, so that both see the
    // same machine (others' work on it included).
    file_pass()?;
    if let Some((r, _)) = &mut reference {
        r.pass("file")?;
    }
    let (mut ours, mut theirs, mut splits, mut pillow) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ours_cpu, mut theirs_cpu) = (Vec::new(), Vec::new());
    let (mut user, mut system) = (0.0, 0.0);
    for _ in 0..args.passes {
        if let Some((r, _)) = &mut reference {
            let (wall, cpu) = r.pass("file")?;
            theirs.push(wall);
            theirs_cpu.push(cpu);
        }
        let cpu0 = cpu_seconds();
        let (wall, cpu) = file_pass()?;
        ours.push(wall);
        ours_cpu.push(cpu);
        let cpu1 = cpu_seconds();
        (user, system) = (user + cpu1.0 - cpu0.0, system + cpu1.1 - cpu0.1);
        if let Some((r, _)) = &mut reference {
            pillow.push(r.pass("decode")?.0);
        }
        splits.push(split_pass()?);
    }
    let per_file = |v: &[f64]| if v.is_empty() { f64::NAN } else { median(v.to_vec()) / n };
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min) / n;
    let (vigie_file, pytx_file, pillow_decode) = (per_file(&ours), per_file(&theirs), per_file(&pillow));
    let (vigie_best, pytx_best) = (best(&ours), best(&theirs));
    let (vigie_cpu, pytx_cpu) = (per_file(&ours_cpu), per_file(&theirs_cpu));
    let part = |f: fn(&Split) -> f64| median(splits.iter().map(f).collect()) / n;
    let (read, decode, pdq, digests) = (part(|s| s.read), part(|s| s.decode), part(|s| s.pdq), part(|s| s.digests));

    let at_zero = distances.get(&0).copied().unwrap_or(0);
    let max = distances.keys().last().copied().unwrap_or(0);
    let ms = |s: f64| s * 1000.0;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "photos",
                "photos": corpus.files.len(),
                "size": args.size,
                "bits_per_pixel": corpus.bits_per_pixel,
                "vigie_file_to_hash_ms": ms(vigie_file),
                "pytx_file_to_hash_ms": ms(pytx_file),
                "speedup": pytx_file / vigie_file,
                "vigie_best_pass_ms": ms(vigie_best),
                "vigie_cpu_ms": ms(vigie_cpu),
                "pytx_cpu_ms": ms(pytx_cpu),
                "pytx_best_pass_ms": ms(pytx_best),
                "vigie_cpu_user_s": user,
                "vigie_cpu_system_s": system,
                "vigie_read_ms": ms(read),
                "vigie_decode_ms": ms(decode),
                "vigie_pdq_ms": ms(pdq),
                "vigie_digests_ms": ms(digests),
                "pillow_decode_ms": ms(pillow_decode),
                "distance_histogram": distances,
                "at_distance_0": at_zero,
                "max_distance": max,
            })
        );
        return Ok(());
    }
    println!(
        "{} camera-like JPEGs of {} ({:.2} bits per pixel), one thread each, median of {} alternating passes:",
        corpus.files.len(),
        args.size,
        corpus.bits_per_pixel,
        args.passes
    );
    println!(
        "  file → hash   vigie {:6.2} ms   pytx pdq_from_file {:6.2} ms   {:4.2}×   (Vigie also computes MD5 and SHA-256)",
        ms(vigie_file),
        ms(pytx_file),
        pytx_file / vigie_file
    );
    println!(
        "  best passes   vigie {:6.2} ms   pytx {:6.2} ms   {:4.2}×",
        ms(vigie_best),
        ms(pytx_best),
        pytx_best / vigie_best
    );
    println!(
        "  CPU time      vigie {:6.2} ms   pytx {:6.2} ms   {:4.2}×   (median per photo)",
        ms(vigie_cpu),
        ms(pytx_cpu),
        pytx_cpu / vigie_cpu
    );
    println!(
        "  vigie's CPU   {:.0} % user, {:.0} % system (over the timed passes)",
        100.0 * user / (user + system).max(f64::MIN_POSITIVE),
        100.0 * system / (user + system).max(f64::MIN_POSITIVE)
    );
    println!(
        "  vigie, step by step: read {:.2} ms, decode {:.2} ms, PDQ {:.2} ms, MD5 + SHA-256 {:.2} ms",
        ms(read),
        ms(decode),
        ms(pdq),
        ms(digests)
    );
    println!("  decoding alone: vigie {:.2} ms, Pillow (with pytx's array) {:.2} ms", ms(decode), ms(pillow_decode));
    println!(
        "  distance to pytx's hash: {} of {} at 0 ({:.1} %), max {}; histogram (distance: photos) {:?}",
        at_zero,
        corpus.files.len(),
        100.0 * at_zero as f64 / n,
        max,
        distances
    );
    Ok(())
}
