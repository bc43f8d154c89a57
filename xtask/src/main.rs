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

/// Runs the whole suite. The tests need nothing outside the repository yet: SQLite is embedded
/// and every server they talk to is started by the tests themselves on loopback.
fn test(extra: &[String]) -> anyhow::Result<()> {
    let extra = extra.iter().skip_while(|a| *a == "--");
    if has_nextest() {
        run(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"]).args(extra))
    } else {
        eprintln!("xtask: cargo-nextest not found, using cargo test");
        run(cargo().args(["test", "--workspace", "--no-fail-fast"]).args(extra))
    }
}
