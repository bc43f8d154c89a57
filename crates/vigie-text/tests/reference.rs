//! Differential tests against the real references: py-tlsh (TLSH digests and distances, bit for
//! bit) and python-threatexchange 1.2.17's text signals (`raw_text`'s normalisation and
//! decisions, `text_tlsh`'s hashing and threshold), on generated texts and bytes.
//!
//! The references run in the Python named by `VIGIE_REFERENCE_PYTHON`, which `cargo xtask test`
//! prepares (with the pinned `py-tlsh`). Without it the tests say so and stop; under CI (`CI`
//! set) that is a failure.

mod generate;

use std::io::Write;
use std::process::{Command, Stdio};

use generate::{Language, Length, Rng, Topic, add_junk, edit_words, statement};
use serde_json::{Value, json};
use vigie_text::tlsh::length_code;
use vigie_text::{
    Tlsh, raw_text_compare, raw_text_normalise, text_tlsh_match, tlsh, tlsh_distance, tlsh_distance_without_length,
};

/// The py-tlsh release the digests are compared with (pinned in xtask's reference venv).
const PY_TLSH: &str = "5.0.0";

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

/// Sends every request to the reference at once and returns its answers, in order.
fn ask(python: &str, requests: &[Value]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/text_reference.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the reference Python starts");
    {
        let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        for r in std::iter::once(&json!({"op": "versions"})).chain(requests) {
            serde_json::to_writer(&mut stdin, r).expect("write a request");
            stdin.write_all(b"\n").expect("write a request");
        }
    }
    let out = child.wait_with_output().expect("the reference answers");
    assert!(out.status.success(), "the reference script failed");
    let mut answers: Vec<Value> =
        String::from_utf8(out.stdout).expect("UTF-8").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(answers.len(), requests.len() + 1);
    let versions = answers.remove(0);
    assert_eq!(versions["py-tlsh"], PY_TLSH, "the reference venv has another py-tlsh");
    assert_eq!(versions["threatexchange"], "1.2.17");
    answers
}

fn random_bytes(rng: &mut Rng, len: usize, alphabet: usize) -> Vec<u8> {
    (0..len).map(|_| (rng.below(alphabet) * (256 / alphabet)) as u8).collect()
}

/// Texts of every language, length and kind of junk, and their edited copies.
fn texts(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    for language in Language::ALL {
        for topic in Topic::ALL {
            for length in [Length::Short, Length::Long] {
                for _ in 0..6 {
                    let s = statement(rng, language, topic, length);
                    out.push(s.text());
                    out.push(edit_words(rng, language, &s, 0.05).text());
                    out.push(add_junk(rng, language, &s, 0.2));
                }
            }
        }
    }
    out
}

#[test]
fn tlsh_digests_are_py_tlsh_s_on_texts_bytes_and_every_length_boundary() {
    let Some(python) = reference_python() else { return };
    let mut rng = Rng(0x7151_5eed);
    let mut inputs: Vec<Vec<u8>> = texts(&mut rng).into_iter().map(String::into_bytes).collect();
    // Random bytes, from 256 symbols down to 2; lengths around the 50-byte minimum; periodic
    // patterns (too little variety, or q3 = 0).
    for alphabet in [256, 64, 16, 8, 4, 3, 2] {
        for _ in 0..25 {
            let len = rng.below(3000);
            inputs.push(random_bytes(&mut rng, len, alphabet));
        }
    }
    for len in 45..=60 {
        inputs.push(random_bytes(&mut rng, len, 256));
    }
    for period in 1..=40 {
        let unit = random_bytes(&mut rng, period, 256);
        inputs.push(unit.iter().copied().cycle().take(50 + rng.below(2000)).collect());
    }
    let mut requests: Vec<Value> = inputs.iter().map(|b| json!({"op": "tlsh", "hex": hex(b)})).collect();

    // Every boundary of the length scale up to 1.1 MB, and the length just past it.
    let buffer = random_bytes(&mut rng, 1_100_000, 256);
    let mut lens = Vec::new();
    let mut n = 50;
    while n < buffer.len() {
        let code = length_code(n);
        // The last length with this code (a binary search over the scale).
        let (mut lo, mut hi) = (n, buffer.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if length_code(mid) == code { lo = mid } else { hi = mid - 1 }
        }
        lens.push(lo);
        if lo < buffer.len() {
            lens.push(lo + 1);
        }
        n = lo + 1;
    }
    requests.push(json!({"op": "tlsh_prefixes", "hex": hex(&buffer), "lens": lens}));

    let answers = ask(&python, &requests);
    let (mut digests, mut nulls) = (0, 0);
    for (input, answer) in inputs.iter().zip(&answers) {
        let theirs = answer["tlsh"].as_str().expect("a digest");
        let ours = Tlsh::of(input).map_or_else(|| "TNULL".to_owned(), |t| t.to_string());
        assert_eq!(ours, theirs, "input of {} bytes: {}", input.len(), hex(&input[..input.len().min(64)]));
        if theirs == "TNULL" { nulls += 1 } else { digests += 1 }
    }
    let prefixes = answers.last().expect("the prefixes")["tlsh"].as_array().expect("digests").clone();
    for (&len, theirs) in lens.iter().zip(&prefixes) {
        let ours = Tlsh::of(&buffer[..len]).expect("random bytes have a digest").to_string();
        assert_eq!(ours, theirs.as_str().expect("a digest"), "length {len}");
    }
    eprintln!("{digests} digests and {nulls} TNULL identical to py-tlsh; {} lengths at boundaries", lens.len());
    assert!(digests > 300 && nulls > 30, "the inputs reach both outcomes");
    assert!(lens.len() > 140, "{} lengths", lens.len());
}

#[test]
fn tlsh_distances_are_py_tlsh_s_with_and_without_length() {
    let Some(python) = reference_python() else { return };
    let mut rng = Rng(0xd157_a9ce);
    let digests: Vec<String> = texts(&mut rng).iter().filter_map(|t| tlsh(t)).collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    // Near pairs (an original and its copies are neighbours in the list) and far ones.
    for w in digests.windows(3) {
        pairs.push((w[0].clone(), w[1].clone()));
        pairs.push((w[0].clone(), w[2].clone()));
    }
    for _ in 0..2000 {
        pairs.push((rng.pick(&digests).clone(), rng.pick(&digests).clone()));
    }
    // Random digests: every field random, so lengths and ratios wrap around; without the "T1"
    // prefix and in lower case too.
    let random_digest =
        |rng: &mut Rng| -> String { (0..70).map(|_| char::from(b"0123456789ABCDEF"[rng.below(16)])).collect() };
    for _ in 0..2000 {
        let (a, b) = (random_digest(&mut rng), random_digest(&mut rng));
        let a = match rng.below(3) {
            0 => format!("T1{a}"),
            1 => a,
            _ => format!("T1{}", a.to_lowercase()),
        };
        pairs.push((a, format!("T1{b}")));
    }
    // Not digests.
    let valid = digests[0].clone();
    for bad in ["", "TNULL", "T1", "T1ABC", "T2", "t1"] {
        pairs.push((bad.to_owned(), valid.clone()));
        pairs.push((valid.clone(), format!("{bad}{}", &valid[2..])));
    }
    pairs.push((valid.clone(), format!("T1{}G", &valid[2..71])));

    let requests: Vec<Value> = pairs.iter().map(|(a, b)| json!({"op": "diff", "a": a, "b": b})).collect();
    let answers = ask(&python, &requests);
    let (mut compared, mut refused) = (0, 0);
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let ours = (tlsh_distance(a, b), tlsh_distance_without_length(a, b));
        match answer.get("error") {
            Some(e) => {
                assert_eq!(e, "ValueError", "{a} {b}");
                assert_eq!(ours, (None, None), "{a} {b}: py-tlsh refuses it");
                refused += 1;
            }
            None => {
                let theirs = (answer["diff"].as_u64().map(|d| d as u32), answer["diffxlen"].as_u64().map(|d| d as u32));
                assert_eq!(ours, theirs, "{a} {b}");
                compared += 1;
            }
        }
    }
    eprintln!("{compared} distances identical to py-tlsh, {refused} refusals");
    // Two of the "bad" forms are the bare 70 digits and the digest itself, which are valid.
    assert_eq!(refused, 11);
}

#[test]
fn text_tlsh_hashes_and_decisions_are_python_threatexchange_s() {
    let Some(python) = reference_python() else { return };
    let mut rng = Rng(0x7e47_7154);
    let mut texts = texts(&mut rng);
    texts.extend([
        "".to_owned(),
        "short".to_owned(),
        "é".repeat(30),
        "The quick brown fox jumps over the lazy dog".to_owned(),
    ]);
    let mut requests: Vec<Value> = texts.iter().map(|t| json!({"op": "text_tlsh", "text": t})).collect();
    let digests: Vec<String> = texts.iter().filter_map(|t| tlsh(t)).collect();
    let mut pairs = Vec::new();
    for w in digests.windows(2) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    for _ in 0..500 {
        pairs.push((rng.pick(&digests).clone(), rng.pick(&digests).clone()));
    }
    requests.extend(pairs.iter().map(|(a, b)| json!({"op": "text_tlsh_cmp", "a": a, "b": b})));
    let answers = ask(&python, &requests);
    for (text, answer) in texts.iter().zip(&answers) {
        assert_eq!(tlsh(text).unwrap_or_default(), answer["hash"].as_str().expect("a hash"), "{text:?}");
    }
    let mut matches = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers[texts.len()..]) {
        let theirs = answer["match"].as_bool().expect("a decision");
        assert_eq!(text_tlsh_match(a, b), Some(theirs), "{a} {b}");
        matches += usize::from(theirs);
    }
    assert!(matches > 20 && matches < pairs.len(), "both decisions are compared ({matches} matches)");
}

/// Characters that exercise pytx's normalisation: cases, accents composed and not, ligatures,
/// compatibility forms, U+0001, new lines, underscores, marks, other scripts, symbols.
const TRICKY: &str = "aAbBzZ09 _-.,!\u{1}\u{1}\n\téÉèçÇñÑüÜßẞİıǅǆŉﬁﬀ²³½Ⅻⅻ①ＡＢｃ𝐀𝔸ΣσςΑΩάЁёЙйКкاأإآةىيًٌّـ٢۲中文한국어\u{301}\u{308}\u{327}\u{200B}\u{200D}\u{FEFF}\u{AD}\u{A0}\u{2028}™©€$%&*👍K Å";

fn tricky_string(rng: &mut Rng, alphabet: &[char], max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len).map(|_| *rng.pick(alphabet)).collect()
}

#[test]
fn raw_text_normalisation_is_python_threatexchange_s() {
    let Some(python) = reference_python() else { return };
    let mut rng = Rng(0x4e04_3a11);
    let alphabet: Vec<char> = TRICKY.chars().collect();
    let mut strings: Vec<String> = (0..6000).map(|_| tricky_string(&mut rng, &alphabet, 24)).collect();
    strings.extend(texts(&mut rng).into_iter().take(120));
    let requests: Vec<Value> = strings.iter().map(|s| json!({"op": "norm", "s": s})).collect();
    let answers = ask(&python, &requests);
    for (s, answer) in strings.iter().zip(&answers) {
        assert_eq!(raw_text_normalise(s), answer["norm"].as_str().expect("a string"), "{s:?}");
    }
}

/// `text` with `edits` characters substituted, inserted or deleted.
fn char_edits(rng: &mut Rng, text: &str, edits: usize, alphabet: &[char]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..edits {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => chars[at] = *rng.pick(alphabet),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, *rng.pick(alphabet)),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn raw_text_decisions_and_distances_are_python_threatexchange_s() {
    let Some(python) = reference_python() else { return };
    let mut rng = Rng(0x4a77_7e47);
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyz ABC,.".chars().collect();
    let tricky: Vec<char> = TRICKY.chars().collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for language in Language::ALL {
        for _ in 0..60 {
            let topic = *rng.pick(&Topic::ALL);
            let s = statement(&mut rng, language, topic, Length::Short).text();
            // Edits of 0 to 8 % of the characters: both sides of the 5 % threshold.
            let edits = rng.below(s.chars().count() * 8 / 100 + 1);
            pairs.push((s.clone(), char_edits(&mut rng, &s, edits, &letters)));
        }
    }
    for _ in 0..1500 {
        let a = tricky_string(&mut rng, &tricky, 40);
        let edits = rng.below(4);
        let b = char_edits(&mut rng, &a, edits, &tricky);
        pairs.push((a, b));
    }
    for _ in 0..500 {
        let a = tricky_string(&mut rng, &letters, 60);
        let edits = rng.below(5);
        let b = char_edits(&mut rng, &a, edits, &letters);
        pairs.push((a, b));
    }
    let requests: Vec<Value> = pairs.iter().map(|(a, b)| json!({"op": "raw", "signal": a, "haystack": b})).collect();
    let answers = ask(&python, &requests);
    let (mut matched, mut unmatched, mut beyond) = (0, 0, 0);
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let ours = raw_text_compare(a, b);
        match answer.get("error") {
            Some(e) => {
                // pytx cannot compute the distance of non-ASCII text; Vigie answers, and says so.
                assert_eq!(e, "UnicodeEncodeError", "{a:?} {b:?}");
                let (na, nb) = (raw_text_normalise(a), raw_text_normalise(b));
                assert!(!(na.is_ascii() && nb.is_ascii()), "{a:?} {b:?}: pytx raised on ASCII");
                if let Some(m) = ours {
                    assert!(m.beyond_pytx);
                }
                beyond += 1;
            }
            None => {
                let theirs = answer["match"].as_bool().expect("a decision");
                assert_eq!(ours.is_some(), theirs, "{a:?} {b:?}");
                if let Some(m) = ours {
                    assert_eq!(m.distance as f64, answer["distance"].as_f64().expect("a distance"), "{a:?} {b:?}");
                    assert!(!m.beyond_pytx);
                    matched += 1;
                } else {
                    unmatched += 1;
                }
            }
        }
    }
    eprintln!("raw_text: {matched} matches and {unmatched} non-matches as pytx; {beyond} pairs pytx cannot compare");
    assert!(matched > 200 && unmatched > 200 && beyond > 100, "every outcome is compared");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
