//! Differential tests against the real reference: python-threatexchange's `pdq_from_file`
//! (Pillow decoding, then Meta's C++ PDQ through the `pdqhash` binding), run on synthetic images
//! in every colour mode and format. Vigie's python-threatexchange hash (`pdq_pytx`, or `pdq` when
//! the conventions agree and `pdq_pytx` is absent) must be identical, hash and quality, on
//! lossless files; for JPEG (different decoders) the distances are reported.
//!
//! The reference runs in the Python named by `VIGIE_REFERENCE_PYTHON`, which `cargo xtask test`
//! prepares. Without it the test says so and stops; under CI (`CI` set) that is a failure.

mod synth;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use vigie_hash::{HashOptions, PdqHash, hash_image};

fn reference_python() -> Option<String> {
    match std::env::var("VIGIE_REFERENCE_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "VIGIE_REFERENCE_PYTHON must name the reference Python under CI (cargo xtask test sets it)"
            );
            eprintln!("VIGIE_REFERENCE_PYTHON is not set: the differential test did not run (use cargo xtask test)");
            None
        }
    }
}

/// What the reference computed for one file.
struct Reference {
    hash: PdqHash,
    quality: u8,
    dihedral: Vec<PdqHash>,
}

/// Hashes files with the reference; path → its hashes, or an error text.
fn reference_hashes(python: &str, paths: &[std::path::PathBuf]) -> HashMap<String, Result<Reference, String>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pdq_reference.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the reference Python starts");
    {
        let mut stdin = child.stdin.take().unwrap();
        for p in paths {
            writeln!(stdin, "{}", p.display()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the reference script failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let path = v["path"].as_str().unwrap().to_owned();
            let res = match v["error"].as_str() {
                Some(e) => Err(e.to_owned()),
                None => Ok(Reference {
                    hash: v["pdq"].as_str().unwrap().parse().unwrap(),
                    quality: v["quality"].as_u64().unwrap() as u8,
                    dihedral: v["dihedral"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| h.as_str().unwrap().parse().unwrap())
                        .collect(),
                }),
            };
            (path, res)
        })
        .collect()
}

#[test]
fn vigie_matches_python_threatexchange_on_every_mode_and_format() {
    let Some(python) = reference_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut sizes: Vec<(usize, usize, &[synth::Scene])> = vec![
        (1, 1, &synth::SCENES[..1]),
        (4, 9, &synth::SCENES[..1]),
        (5, 5, &synth::SCENES),
        (7, 300, &synth::SCENES[..3]),
        (64, 64, &synth::SCENES),
        (63, 65, &synth::SCENES),
        (100, 37, &synth::SCENES),
        (257, 129, &synth::SCENES),
        (512, 512, &synth::SCENES),
    ];
    sizes.push((1280, 1250, &synth::SCENES[..2]));
    sizes.push((2400, 2000, &synth::SCENES[3..4]));
    for (w, h, scenes) in sizes {
        for (k, scene) in scenes.iter().enumerate() {
            for s in synth::samples(*scene, w, h, 1000 + k as u64) {
                let path = dir.path().join(&s.name);
                std::fs::write(&path, &s.bytes).unwrap();
                files.push((path, s));
            }
        }
    }
    let paths: Vec<_> = files.iter().map(|(p, _)| p.clone()).collect();
    let reference = reference_hashes(&python, &paths);

    let mut exact = 0;
    let mut mismatches = Vec::new();
    let mut jpeg_distances = Vec::new();
    for (path, sample) in &files {
        let key = path.display().to_string();
        let ours = hash_image(&sample.bytes, &HashOptions { dihedral: true, ..Default::default() });
        let theirs = &reference[&key];
        match (ours, theirs) {
            (Ok(ours), Ok(Reference { hash, quality, dihedral })) if sample.lossless => {
                // pytx's hash is `pdq_pytx` when present (it then differs from `pdq`), else `pdq`.
                let pytx = ours.pdq_pytx.unwrap_or(ours.pdq);
                // The dihedral hashes are the eye's: comparable where the two views see the same.
                let views_differ =
                    vigie_hash::decode::decode(&sample.bytes, &Default::default()).is_ok_and(|p| p.views_differ());
                let same_dihedral = views_differ || ours.dihedral.as_ref().is_some_and(|d| d[..] == dihedral[..]);
                if pytx.hash == *hash && pytx.quality == *quality && same_dihedral {
                    exact += 1;
                } else {
                    mismatches.push(format!(
                        "{}: ours {} q{} (pdq_pytx present: {}) vs reference {} q{} (distance {}; dihedral same: {same_dihedral})",
                        sample.name,
                        pytx.hash,
                        pytx.quality,
                        ours.pdq_pytx.is_some(),
                        hash,
                        quality,
                        pytx.hash.distance(hash)
                    ));
                }
            }
            (Ok(ours), Ok(Reference { hash, quality, .. })) => {
                let pytx = ours.pdq_pytx.unwrap_or(ours.pdq);
                jpeg_distances.push((pytx.hash.distance(hash), pytx.quality, *quality, sample.name.clone()))
            }
            (Err(e), Ok(_)) => mismatches.push(format!("{}: we failed ({e}) where the reference hashed", sample.name)),
            (Ok(_), Err(e)) => mismatches.push(format!("{}: the reference failed ({e}) where we hashed", sample.name)),
            (Err(_), Err(_)) => exact += 1,
        }
    }
    jpeg_distances.sort();
    let n = jpeg_distances.len();
    let pct = |p: usize| jpeg_distances[(n - 1) * p / 100].0;
    eprintln!(
        "lossless: {exact} identical, {} different; JPEG ({n} files): distance median {}, p90 {}, max {} ({})",
        mismatches.len(),
        pct(50),
        pct(90),
        pct(100),
        jpeg_distances.last().unwrap().3
    );
    let histogram: std::collections::BTreeMap<u32, usize> =
        jpeg_distances.iter().fold(Default::default(), |mut m, d| {
            *m.entry(d.0).or_default() += 1;
            m
        });
    eprintln!("JPEG distance histogram (distance: files): {histogram:?}");
    assert!(mismatches.is_empty(), "{} lossless files differ:\n{}", mismatches.len(), mismatches.join("\n"));
    let reliable_far = jpeg_distances.iter().filter(|d| d.2 >= 80 && d.0 > 10).count();
    assert_eq!(reliable_far, 0, "a JPEG of quality ≥ 80 is more than 10 bits from the reference (Meta's rule)");
}
