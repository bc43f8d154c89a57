//! The index against the brute-force oracle: it never reports a text below the threshold, never
//! misses one the oracle finds above the threshold plus a margin, and answers like the oracle
//! below the banded range; on random texts with near-duplicates at every distance, disabled
//! entries, duplicates, empty texts and entries added between queries.

use super::*;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn word(&mut self) -> String {
        format!("w{}", self.below(400))
    }
    fn text(&mut self, words: usize) -> Vec<String> {
        (0..words).map(|_| self.word()).collect()
    }
    /// `words` with each word replaced, preceded by an insertion or deleted with probability `rate`.
    fn edited(&mut self, words: &[String], rate: f64) -> Vec<String> {
        let mut out = Vec::with_capacity(words.len());
        for w in words {
            if self.unit() < rate {
                match self.below(3) {
                    0 => out.push(self.word()),
                    1 => {
                        out.push(self.word());
                        out.push(w.clone());
                    }
                    _ => {}
                }
            } else {
                out.push(w.clone());
            }
        }
        out
    }
}

const MARGIN: f64 = 0.1;
const THRESHOLDS: [f64; 9] = [0.05, 0.2, 0.3, 0.35, 0.4, 0.5, 0.65, 0.8, 1.0];

/// Checks one query against the oracle at every threshold; returns (oracle hits between the
/// threshold and the margin, how many of them the index missed).
#[track_caller]
fn check_query(index: &TextIndex<usize>, query: &str) -> (usize, usize) {
    let (mut in_margin, mut missed_in_margin) = (0, 0);
    for threshold in THRESHOLDS {
        let fast = index.query(query, threshold).unwrap();
        let oracle = index.brute_force(query, threshold).unwrap();
        if threshold < MIN_INDEXED_THRESHOLD {
            assert_eq!(fast, oracle, "below the banded range the index is the oracle");
            continue;
        }
        for (id, s) in &fast {
            assert!(*s >= threshold, "reported {id} at {s} below {threshold}");
            assert!(oracle.contains(&(*id, *s)), "reported {id} at {s}, which the oracle does not find");
        }
        for (id, s) in &oracle {
            let found = fast.contains(&(*id, *s));
            if *s >= threshold + MARGIN {
                assert!(found, "missed {id} at {s} (threshold {threshold})");
            } else {
                in_margin += 1;
                missed_in_margin += usize::from(!found);
            }
        }
        // Most similar first, then in the order added: the oracle's order, restricted.
        let expected: Vec<_> = oracle.iter().filter(|hit| fast.contains(hit)).copied().collect();
        assert_eq!(fast, expected);
    }
    (in_margin, missed_in_margin)
}

#[test]
fn the_index_agrees_with_brute_force_on_near_duplicates_at_every_distance() {
    let mut rng = Rng(0x7e57_1d3c_0ffe_e123);
    let mut index = TextIndex::new();
    let mut bases = Vec::new();
    let mut queries = Vec::new();
    for id in 0..150 {
        let len = 3 + rng.below(200);
        let base = rng.text(len);
        index.add(id, &base.join(" "));
        // Variants at edit rates from 0 to 0.5, banked and queried.
        for _ in 0..2 {
            let rate = rng.unit() * 0.5;
            let variant = rng.edited(&base, rate);
            if rng.below(2) == 0 {
                index.add(1000 + id, &variant.join(" "));
            } else {
                queries.push(variant.join(" "));
            }
        }
        bases.push(base);
    }
    // Exact duplicates, an empty text and a one-word text are entries too.
    index.add(5000, &bases[0].join(" "));
    index.add(5001, "");
    index.add(5002, "w1");
    queries.extend(["".to_owned(), "w1".to_owned(), "w1 w2".to_owned(), bases[0].join(" ")]);
    for _ in 0..40 {
        let len = 3 + rng.below(100);
        queries.push(rng.text(len).join(" "));
    }

    let (mut in_margin, mut missed) = (0, 0);
    for (round, query) in queries.iter().enumerate() {
        // Disable and re-enable entries, and add more, between queries.
        if round % 7 == 0 {
            let handle = TextHandle(rng.below(index.len()) as u32);
            index.set_enabled(handle, false);
        }
        if round % 11 == 0 {
            let handle = TextHandle(rng.below(index.len()) as u32);
            index.set_enabled(handle, true);
        }
        if round % 13 == 0 {
            let base = &bases[rng.below(bases.len())];
            let rate = rng.unit() * 0.3;
            let variant = rng.edited(base, rate);
            index.add(9000 + round, &variant.join(" "));
        }
        let (m, x) = check_query(&index, query);
        in_margin += m;
        missed += x;
    }
    // The margin zone is where banding may miss; even there it rarely does.
    assert!(in_margin > 50, "the test reaches the margin zone ({in_margin} hits)");
    assert!(missed * 50 <= in_margin, "{missed} of {in_margin} missed in the margin zone");
}

#[test]
fn disabled_texts_are_not_found_and_come_back_when_enabled() {
    let mut index = TextIndex::new();
    let text = "the residents of the northern district ask for longer opening hours at the library";
    let a = index.add("a", text);
    index.add("b", "a different text about the market hall and its new roof and the opening date");
    assert_eq!(index.query(text, 0.9).unwrap(), [("a", 1.0)]);
    index.set_enabled(a, false);
    assert!(index.query(text, 0.9).unwrap().is_empty());
    index.set_enabled(a, true);
    assert_eq!(index.query(text, 0.9).unwrap(), [("a", 1.0)]);
    index.set_enabled(TextHandle(99), false);
}

#[test]
fn thresholds_outside_zero_to_one_are_refused() {
    let index: TextIndex<u8> = TextIndex::new();
    for bad in [0.0, -0.1, 1.01, f64::NAN] {
        assert!(index.query("a b c", bad).is_err());
        assert!(index.brute_force("a b c", bad).is_err());
    }
}

#[test]
fn normalisation_comes_before_shingling() {
    let a = "Le conseil municipal annonce la fermeture du marché couvert";
    let b = "LE\u{200B} CONSEIL municipal, annonce — la ｆｅｒｍｅｔｕｒｅ du marché couvert !";
    assert_eq!(similarity(a, b), 1.0);
}

#[test]
fn the_library_example_holds() {
    let mut index = TextIndex::new();
    index.add("notice-1", "The council will close the market hall on Monday for repairs to the roof.");
    let hits =
        index.query("the council will close the market hall on monday for urgent repairs to the roof", 0.4).unwrap();
    assert_eq!(hits[0].0, "notice-1");
    assert_eq!(crate::normalise("Ｃｏｎｓｅｉｌ\u{200B}  MUNICIPAL"), "conseil municipal");
    assert_eq!(crate::exact_hash("Conseil municipal"), crate::exact_hash("CONSEIL\u{00AD} municipal"));
}

#[test]
fn short_texts_are_one_shingle() {
    assert_eq!(TextSketch::new("").len(), 0);
    assert_eq!(TextSketch::new("one two").len(), 1);
    assert_eq!(TextSketch::new("one two three").len(), 1);
    assert_eq!(TextSketch::new("one two three four").len(), 2);
    assert_eq!(similarity("one two", "one two"), 1.0);
    assert_eq!(similarity("", ""), 0.0);
    // Order matters within a shingle.
    assert_eq!(similarity("one two three", "three two one"), 0.0);
}
