//! `vigie match`: exact matches against a bank file, by line number, in JSON lines.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn random_hex(state: &mut u64) -> String {
    (0..4)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            format!("{:016x}", *state)
        })
        .collect()
}

fn flip(hex: &str, bits: &[usize]) -> String {
    let mut bytes = hex::decode(hex).unwrap();
    for &b in bits {
        bytes[b / 8] ^= 1 << (b % 8);
    }
    hex::encode(bytes)
}

fn distance(a: &str, b: &str) -> u32 {
    hex::decode(a).unwrap().iter().zip(hex::decode(b).unwrap()).map(|(x, y)| (x ^ y).count_ones()).sum()
}

fn run_match(bank: &std::path::Path, radius: u32, queries: &str) -> (i32, Vec<Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["match", "--stats", "--radius", &radius.to_string(), "--bank"])
        .arg(bank)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(queries.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.code().unwrap(), lines, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn every_bank_line_within_the_radius_is_found_by_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut bank: Vec<String> = (0..500).map(|_| random_hex(&mut state)).collect();
    bank[10] = flip(&bank[3], &[1, 2, 3]); // a near-duplicate inside the bank
    bank[11] = bank[3].clone(); // and an exact one
    let text: Vec<String> =
        bank.iter().enumerate().map(|(i, h)| if i % 2 == 0 { format!("pdq {h}") } else { h.clone() }).collect();
    let path = dir.path().join("bank.txt");
    std::fs::write(&path, text.join("\n")).unwrap();

    let queries = [flip(&bank[3], &[100, 200]), flip(&bank[42], &(0..31).collect::<Vec<_>>()), random_hex(&mut state)];
    let (code, lines, stderr) = run_match(&path, 31, &(queries.join("\n") + "\n"));
    assert_eq!(code, 0, "{stderr}");
    for (n, q) in queries.iter().enumerate() {
        let mut expected: Vec<(u32, usize)> =
            bank.iter().enumerate().map(|(e, h)| (distance(q, h), e)).filter(|(d, _)| *d <= 31).collect();
        expected.sort();
        let got: Vec<(u32, usize)> = lines[n]["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["distance"].as_u64().unwrap() as u32, m["entry"].as_u64().unwrap() as usize))
            .collect();
        assert_eq!(lines[n]["query"], n);
        assert_eq!(got, expected, "query {n}");
    }
    assert_eq!(lines[0]["matches"].as_array().unwrap().len(), 3, "the seed, its copy and its near-duplicate");
    let stats: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!((stats["bank_size"].as_u64(), stats["queries"].as_u64()), (Some(500), Some(3)));
    assert!(stats["build_ms"].is_number() && stats["query_ms"].is_number());
}

#[test]
fn bad_queries_are_reported_and_bad_banks_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.txt");
    let mut state = 5u64;
    let h = random_hex(&mut state);
    std::fs::write(&path, format!("pdq {h}\nmd5 d41d8cd98f00b204e9800998ecf8427e\n{h}\n")).unwrap();
    let (code, lines, _) = run_match(&path, 0, &format!("zz\n{h}\n"));
    assert_eq!(code, 1);
    assert!(lines[0]["error"].as_str().unwrap().contains("64 hexadecimal digits"));
    let entries: Vec<u64> =
        lines[1]["matches"].as_array().unwrap().iter().map(|m| m["entry"].as_u64().unwrap()).collect();
    assert_eq!(entries, [0, 2], "line numbers survive the skipped md5 line");

    std::fs::write(&path, format!("{h}\npdq 1234\n")).unwrap();
    let (code, _, stderr) = run_match(&path, 31, "");
    assert_eq!(code, 2);
    assert!(stderr.contains("line 1") && stderr.contains("64 hexadecimal digits"), "{stderr}");
}
