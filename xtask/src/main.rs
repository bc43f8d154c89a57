//! Project automation. `cargo xtask test` is the one command that runs every test: it prepares
//! what the tests need, then runs them. CI (`.ci/run`) calls exactly this command.

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let res = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask test [-- extra test-runner arguments]");
            return ExitCode::from(2);
        }
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("while starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn has_nextest() -> bool {
    cargo().args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success())
}

/// The reference implementations the differential tests compare against, pinned. py-tlsh (TLSH,
/// python-threatexchange's `text_tlsh`) comes as source only: pip builds it with the C++ compiler.
const REFERENCE_PACKAGES: &[&str] = &["pdqhash==0.2.8", "threatexchange==1.2.17", "pillow==13.0.0", "py-tlsh==5.0.0"];

/// The API checkers, pinned: schemathesis generates requests from the OpenAPI document;
/// openapi-python-client generates a client from it.
const API_PACKAGES: &[&str] = &["schemathesis==4.32.5", "openapi-python-client==0.29.1"];

/// Public sample photographs for the colour-mode re-save test and the photo benchmarks: only the
/// files in scikit-image's wheel are used, so it is installed without its dependencies.
const SAMPLE_PHOTOS: &[&str] = &["scikit-image==0.26.0"];

/// Makes (once) a Python virtual environment in `target/<name>` with `packages`, and
/// `no_deps` installed without their dependencies; returns its interpreter.
fn venv(name: &str, packages: &[&str], no_deps: &[&str]) -> anyhow::Result<std::path::PathBuf> {
    let root = std::env::current_dir()?;
    let venv = root.join("target").join(name);
    let python = venv.join("bin").join("python");
    let stamp = venv.join("vigie-packages.txt");
    let wanted = [packages, no_deps].concat().join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(packages))?;
    if !no_deps.is_empty() {
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"])
            .args(no_deps))?;
    }
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

/// The differential tests run the references (Meta's PDQ, python-threatexchange, py-tlsh) through
/// `target/pyref`.
fn reference_python() -> anyhow::Result<std::path::PathBuf> {
    venv("pyref", REFERENCE_PACKAGES, SAMPLE_PHOTOS)
}

/// Fuzzes decoding and hashing for a short, fixed number of runs (libFuzzer through cargo-fuzz,
/// without sanitizers, as stable Rust allows). New inputs go to `fuzz/corpus`, never to the
/// committed seeds.
fn fuzz() -> anyhow::Result<()> {
    let has_cargo_fuzz = cargo().args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let corpus = std::path::Path::new("fuzz/corpus/decode_and_hash");
    std::fs::create_dir_all(corpus)?;
    run(cargo()
        .current_dir("fuzz")
        .args([
            "fuzz",
            "run",
            "--sanitizer",
            "none",
            "decode_and_hash",
            "corpus/decode_and_hash",
            "seeds/decode_and_hash",
        ])
        .args(["--", "-runs=20000", "-max_total_time=300", "-rss_limit_mb=2048"]))
}

/// Installs what the tests need from Debian when it is missing: Chromium and its WebDriver (the
/// console's tests drive a real browser), ImageMagick (the colour-mode re-save test) and FFmpeg
/// (the video tests). Needs root
/// (or passwordless sudo) the first time, as on CI.
fn system_packages() -> anyhow::Result<()> {
    let present = |bin: &str| Command::new(bin).arg("--version").output().is_ok_and(|o| o.status.success());
    let mut missing = Vec::new();
    if !present("chromedriver") || !std::path::Path::new("/usr/bin/chromium").exists() {
        missing.extend(["chromium", "chromium-driver"]);
    }
    // Debian's own: a `convert` elsewhere on the PATH may be a stand-in.
    if !std::path::Path::new("/usr/bin/convert").exists() {
        missing.push("imagemagick");
    }
    // Debian's own FFmpeg: the video tests pin what its encoders and decoders produce.
    if !std::path::Path::new("/usr/bin/ffmpeg").exists() || !std::path::Path::new("/usr/bin/ffprobe").exists() {
        missing.push("ffmpeg");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let apt = |args: &[&str]| {
        let mut c = if root { Command::new("apt-get") } else { Command::new("sudo") };
        if !root {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-qq"]))?;
    run(&mut apt(&[&["install", "-y", "-qq"][..], &missing].concat()))
}

/// The accessibility checker the console's tests run in the browser, pinned.
const AXE_CORE: &str = "axe-core@4.10.3";

/// Installs (once) axe-core from npm into `target/axe`, and returns its script.
fn axe_core() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::current_dir()?.join("target").join("axe");
    let script = dir.join("node_modules").join("axe-core").join("axe.min.js");
    let stamp = dir.join("vigie-package.txt");
    if script.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(AXE_CORE) {
        return Ok(script);
    }
    std::fs::create_dir_all(&dir)?;
    run(Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(AXE_CORE))?;
    std::fs::write(&stamp, AXE_CORE)?;
    Ok(script)
}

/// Runs the whole suite. SQLite is embedded and every server the tests talk to is started by the
/// tests themselves on loopback; the browser tests run Debian's Chromium, installed here if
/// missing; the PDQ reference runs in a Python environment made here; the fuzz target runs first,
/// so the test runner's summary is the last thing printed.
fn test(extra: &[String]) -> anyhow::Result<()> {
    system_packages().context(
        "while installing chromium, chromium-driver, imagemagick and ffmpeg (apt) for the browser, re-save and video tests",
    )?;
    fuzz().context("while fuzzing decode_and_hash")?;
    let python = reference_python().context("while preparing the Python reference (PyPI: pdqhash, threatexchange)")?;
    let axe = axe_core().context("while installing axe-core (npm) for the console's accessibility test")?;
    let api_python = venv("pyapi", API_PACKAGES, &[])
        .context("while preparing the API checkers (PyPI: schemathesis, openapi-python-client)")?;
    let extra = extra.iter().skip_while(|a| *a == "--");
    let mut cmd = cargo();
    if has_nextest() {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        eprintln!("xtask: cargo-nextest not found, using cargo test");
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    run(cmd
        .args(extra)
        .env("VIGIE_REFERENCE_PYTHON", python)
        .env("VIGIE_AXE_JS", axe)
        .env("VIGIE_API_PYTHON", api_python))
}
