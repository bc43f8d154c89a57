//! The fast reading of an export's lines gives the leaf the `Value` reading gives, on every line
//! the exporter writes; on any other line (valid JSON that is not canonical, or not JSON) the
//! verifier answers exactly as before. Reading in chunks changes no verdict.

use serde_json::{Value, json};
use vigie_model::event::leaf::canonical;

use super::super::export::fast::canonical::is_canonical;
use super::super::export::{LineError, fast, leaf_of_text, slow_leaf_of_text, verify_in_chunks};
use super::*;

/// Every line of both audiences' exports, as the exporter wrote them.
async fn exported() -> (tempfile::TempDir, Store, Vec<String>) {
    let (dir, store) = store_with_events(45).await;
    let mut lines = export_lines(&store, Audience::Overseer, 45).await;
    lines.extend(export_lines(&store, Audience::Public, 45).await);
    (dir, store, lines)
}

#[tokio::test]
async fn the_fast_reading_takes_every_exported_line_and_gives_the_value_readings_leaf() {
    let (_dir, _store, lines) = exported().await;
    assert!(lines.iter().any(|l| l.contains("\"leaf\"")) && lines.iter().any(|l| l.contains("\"disclosed\"")));
    for (i, line) in lines.iter().enumerate() {
        let slow = slow_leaf_of_text(line, 1).unwrap();
        assert_eq!(fast::leaf(line), Some(slow), "line {i}: {line}");
    }
}

/// The same JSON written with its keys in reverse order and a space after every `:` and `,`.
fn reversed(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let inner: Vec<String> =
                m.iter().rev().map(|(k, v)| format!("{}: {}", Value::String(k.clone()), reversed(v))).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(reversed).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_valid_line_that_is_not_canonical_is_read_as_before() {
    let (_dir, _store, lines) = exported().await;
    let line = lines.iter().find(|l| l.contains("\"disclosed\":{\"_actor\"")).unwrap();
    let leaf = slow_leaf_of_text(line, 1).unwrap();
    let v: Value = serde_json::from_str(line).unwrap();
    let actor = v["disclosed"]["_actor"]["value"].as_str().unwrap().to_owned();
    let escaped = format!("\\u{:04x}{}", u32::from(actor.as_bytes()[0]), &actor[1..]);
    for (what, other) in [
        ("keys reordered, spaces", reversed(&v)),
        ("a disclosed string with a needless escape", line.replacen(&actor, &escaped, 1)),
        ("a member repeated, the last one kept", line.replacen('{', &format!("{{\"seq\":{},", leaf.0 + 1), 1)),
        ("a member the verifier does not know", line.replacen('{', "{\"note\":1,", 1)),
    ] {
        assert_ne!(&other, line, "{what}");
        assert_eq!(fast::leaf(&other), None, "{what}: the fast reading declines it");
        assert_eq!(leaf_of_text(&other, 1), Some(Ok(leaf)), "{what}: read as before, same leaf");
    }
    // Hex digits in capitals read as the same bytes either way.
    let salt = v["disclosed"]["_actor"]["salt"].as_str().unwrap();
    let capitals = line.replacen(salt, &salt.to_uppercase(), 1);
    assert_eq!((fast::leaf(&capitals), leaf_of_text(&capitals, 1)), (Some(leaf), Some(Ok(leaf))));
    // Valid JSON that the `Value` reading always refused is still refused, with the same words.
    for (what, other) in [
        ("a leaf member that is null", line.replacen('{', "{\"leaf\":null,", 1)),
        ("a lone surrogate in a member the verifier does not know", line.replacen('{', "{\"note\":\"\\ud800\",", 1)),
        ("a disclosed field without its value", line.replacen("\"value\":", "\"valeur\":", 1)),
    ] {
        let before = slow_leaf_of_text(&other, 3);
        assert!(before.is_err(), "{what}");
        assert_eq!(fast::leaf(&other), None, "{what}");
        assert_eq!(leaf_of_text(&other, 3), Some(before), "{what}");
    }
    // A changed value is valid and canonical: read fast, and its leaf differs.
    let changed = line.replacen(&actor, &format!("{actor}x"), 1);
    assert!(matches!(fast::leaf(&changed), Some((_, l)) if l != leaf.1));
}

/// Changes one thing in a line's text, valid JSON or not.
fn mutate(rng: &mut Rng, line: &str) -> String {
    let at = |rng: &mut Rng, pred: &dyn Fn(u8) -> bool| {
        let spots: Vec<usize> = line.bytes().enumerate().filter(|(_, b)| pred(*b)).map(|(i, _)| i).collect();
        (!spots.is_empty()).then(|| spots[rng.below(spots.len())])
    };
    let splice = |i: usize, len: usize, with: &str| format!("{}{with}{}", &line[..i], &line[i + len..]);
    let out = match rng.below(12) {
        0 => at(rng, &|b| b == b':' || b == b',').map(|i| splice(i + 1, 0, " ")),
        1 => at(rng, &|b| b.is_ascii_alphanumeric()).map(|i| splice(i, 1, &format!("\\u{:04x}", line.as_bytes()[i]))),
        2 => at(rng, &|b| b.is_ascii_alphabetic()).map(|i| splice(i, 1, &format!("\\u{:04X}", line.as_bytes()[i]))),
        3 => at(rng, &|b| b.is_ascii_digit()).map(|i| splice(i + 1, 0, ".0")),
        4 => at(rng, &|b| b.is_ascii_digit()).map(|i| splice(i, 1, "-0")),
        5 => at(rng, &|b| b.is_ascii_alphanumeric()).map(|i| splice(i, 1, "\\/")),
        6 => Some(line.replacen('{', "{\"seq\":0,", 1)),
        7 => Some(line.replacen('{', ["{\"leaf\":null,", "{\"x\":\"\\ud800\",", "{\"x\":[1],"][rng.below(3)], 1)),
        8 => at(rng, &|b| (b'a'..=b'f').contains(&b)).map(|i| splice(i, 1, &line[i..=i].to_uppercase())),
        9 => serde_json::from_str::<Value>(line).ok().map(|v| reversed(&v)),
        10 => at(rng, &|b| b == b'"').map(|i| splice(i, 1, ["\\\"", "'", "\"\"", "\u{1}"][rng.below(4)])),
        _ => at(rng, &|b| b.is_ascii()).map(|i| splice(i, 1, ["{", "}", "[", "]", ",", ":", "0", "\\n"][rng.below(8)])),
    };
    out.unwrap_or_else(|| line.to_owned())
}

#[tokio::test]
async fn on_thousands_of_mangled_lines_the_verifier_answers_as_the_value_reading_does() {
    let (_dir, _store, lines) = exported().await;
    let mut rng = Rng(0xfa57);
    let (mut fast_taken, mut same_leaf_declined, mut refused) = (0, 0, 0);
    for round in 0..6_000 {
        let line = &lines[rng.below(lines.len())];
        let mut m = mutate(&mut rng, line);
        if rng.below(3) == 0 {
            m = mutate(&mut rng, &m);
        }
        let before = slow_leaf_of_text(&m, 9);
        let now = leaf_of_text(&m, 9);
        assert_eq!(now, Some(before.clone()), "round {round}: {m}");
        match (fast::leaf(&m), &before) {
            (Some(leaf), Ok(b)) => {
                assert_eq!(&leaf, b, "round {round}: {m}");
                fast_taken += 1;
            }
            (Some(_), Err(e)) => panic!("round {round}: the fast reading took a line refused before ({e}): {m}"),
            (None, Ok(b)) if *b == slow_leaf_of_text(line, 9).unwrap() => same_leaf_declined += 1,
            (None, Ok(_)) => {}
            (None, Err(LineError::Malformed { line: 9, .. })) => refused += 1,
            (None, Err(e)) => panic!("round {round}: {e}"),
        }
    }
    // Each outcome happened often: the campaign exercised both readings.
    assert!(
        fast_taken > 300 && same_leaf_declined > 300 && refused > 300,
        "{fast_taken} {same_leaf_declined} {refused}"
    );
}

/// A random JSON value: strings from characters that need every kind of escape, integers at the
/// edges of their types, floats, nested arrays and objects.
fn random_value(rng: &mut Rng, depth: u32) -> Value {
    const CHARS: [char; 14] =
        ['a', 'Z', 'é', '"', '\\', '/', '\n', '\t', '\u{1}', '\u{1f}', '\u{7f}', '\u{2028}', '😀', ' '];
    let string = |rng: &mut Rng| (0..rng.below(5)).map(|_| CHARS[rng.below(CHARS.len())]).collect::<String>();
    match rng.below(if depth > 3 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => {
            let edges = [json!(0), json!(1), json!(-1), json!(i64::MIN), json!(i64::MAX), json!(u64::MAX)];
            let edges2 = [json!(999_999_999_999_999_999i64), json!(-999_999_999_999_999_999i64)];
            match rng.below(3) {
                0 => edges[rng.below(edges.len())].clone(),
                1 => edges2[rng.below(edges2.len())].clone(),
                _ => json!(rng.next() as i64 >> rng.below(63)),
            }
        }
        3 => {
            let floats = [0.5, -0.0, 1e300, 3.0, rng.below(1000) as f64 / 7.0];
            json!(floats[rng.below(floats.len())])
        }
        4 => Value::String(string(rng)),
        5 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
        _ => Value::Object((0..rng.below(4)).map(|_| (string(rng), random_value(rng, depth + 1))).collect()),
    }
}

/// Whether `canonical` writes `v` in a form the checker takes: no float, no key with an escape.
fn plain(v: &Value) -> bool {
    match v {
        Value::Number(n) => !n.is_f64(),
        Value::Array(a) => a.iter().all(plain),
        Value::Object(m) => {
            m.iter().all(|(k, v)| Value::String(k.clone()).to_string().len() == k.len() + 2 && plain(v))
        }
        _ => true,
    }
}

#[test]
fn the_canonical_check_takes_canonical_texts_and_nothing_else() {
    let mut rng = Rng(0xca11);
    let mut taken = 0;
    for round in 0..20_000 {
        let v = random_value(&mut rng, 0);
        let c = canonical(&v);
        assert_eq!(is_canonical(c.as_bytes()), plain(&v), "round {round}: {c}");
        taken += usize::from(plain(&v));
        let m = mutate(&mut rng, &c);
        if is_canonical(m.as_bytes()) {
            let back: Value = serde_json::from_str(&m).unwrap_or_else(|e| panic!("round {round}: {m}: {e}"));
            assert_eq!(canonical(&back), m, "round {round}: the check took a text that is not canonical");
        }
    }
    assert!(taken > 5_000, "{taken}");
    for text in
        ["-0", "01", "1.0", "1e3", "18446744073709551616", "\"\\/\"", "\"\\u000a\"", "\"\\u001F\"", "{\"b\":1,\"a\":2}"]
    {
        assert!(!is_canonical(text.as_bytes()), "{text}");
    }
    for text in ["0", "-1", "18446744073709551615", "\"\\u001f\\n\\\"é\"", "{\"a\":[null,true,{}],\"b\":\"\"}"] {
        assert!(is_canonical(text.as_bytes()), "{text}");
    }
}

#[tokio::test]
async fn reading_in_chunks_of_any_size_gives_the_same_verdict() {
    let (_dir, store, _) = exported().await;
    let full = checkpoint_at(&store, 45).await;
    let earlier = checkpoint_at(&store, 20).await;
    let lines = export_lines(&store, Audience::Overseer, 45).await;
    let mut broken = lines.clone();
    broken[30] = broken[30].replacen('{', "{[", 1);
    let mut swapped = lines.clone();
    swapped.swap(10, 11);
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("newline at the end", (lines.join("\n") + "\n").into_bytes(), true),
        ("CRLF and blank lines", lines.join("\r\n\r\n").into_bytes(), true),
        ("no newline at the end", lines.join("\n").into_bytes(), true),
        ("a malformed line 31", broken.join("\n").into_bytes(), false),
        ("lines 11 and 12 swapped", swapped.join("\n").into_bytes(), false),
        (
            "line 5 not UTF-8",
            {
                let mut b = lines.join("\n").into_bytes();
                let at = lines[..4].iter().map(|l| l.len() + 1).sum::<usize>() + 3;
                b[at] = 0xff;
                b
            },
            false,
        ),
    ];
    for (what, bytes, ok) in cases {
        let whole = verify(std::io::Cursor::new(&bytes), &[earlier, full]);
        assert_eq!(whole.ok(), ok, "{what}: {:?}", whole.problems);
        for size in [1, 7, 100, 1_000, 5_000] {
            assert_eq!(
                verify_in_chunks(std::io::Cursor::new(&bytes), &[earlier, full], size),
                whole,
                "{what} at {size}"
            );
        }
        match what {
            "a malformed line 31" => assert!(whole.problems[0].starts_with("line 31: "), "{:?}", whole.problems),
            "lines 11 and 12 swapped" => {
                assert!(whole.problems[0].starts_with("line 11 holds event 12"), "{:?}", whole.problems)
            }
            "line 5 not UTF-8" => {
                assert_eq!(whole.problems, ["line 5 does not read: stream did not contain valid UTF-8"]);
                assert_eq!(whole.events, 4);
            }
            _ => assert_eq!((whole.events, whole.matched.as_slice()), (45, &[20, 45][..])),
        }
    }
}

/// A reader that fails after `left` bytes.
struct FailsAfter<'a> {
    bytes: &'a [u8],
    left: usize,
}

impl std::io::Read for FailsAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other("the disk went away"));
        }
        let n = buf.len().min(self.left).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.left -= n;
        Ok(n)
    }
}

#[tokio::test]
async fn a_read_that_fails_is_reported_at_the_first_line_not_read() {
    let (_dir, store, _) = exported().await;
    let full = checkpoint_at(&store, 45).await;
    let lines = export_lines(&store, Audience::Overseer, 45).await;
    let text = lines.join("\n");
    // The read fails in the middle of line 8.
    let left = lines[..7].iter().map(|l| l.len() + 1).sum::<usize>() + 10;
    for size in [1, 100, 1 << 20] {
        let input = std::io::BufReader::new(FailsAfter { bytes: text.as_bytes(), left });
        let verdict = verify_in_chunks(input, &[full], size);
        assert_eq!(verdict.problems, ["line 8 does not read: the disk went away"], "at {size}");
        assert_eq!(verdict.events, 7);
    }
}
