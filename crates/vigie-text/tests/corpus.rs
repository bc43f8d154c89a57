//! The text signals on a generated corpus (`generate/`): for every language, short posts and long
//! statements on two topics; each original banked in a [`TextIndex`]; copies of it edited (one
//! word in ten replaced, inserted or deleted), reordered, filled with junk, or all three; and
//! unrelated statements of the same language and topic as decoys.
//!
//! Asserted, for the index at [`DEFAULT_THRESHOLD`], in every language: recall ≥ 95 % for every
//! kind of copy, and a false-match rate ≤ 10⁻⁴ over at least 30,000 unrelated same-topic pairs
//! (decoy against original, and copy of one original against another). Printed beside it, for
//! comparison: python-threatexchange's `text_tlsh` (TLSH of the raw text, `diffxlen` ≤ 30), TLSH
//! of Vigie's normal form under the same rule, and pytx's `raw_text` (edit distance ≤ 5 %).
//!
//! `cargo test -p vigie-text --release --test corpus -- --nocapture` prints the table that
//! `docs/text.md` copies.

mod generate;

use generate::{Language, Length, Rng, Statement, Topic, add_junk, edit_words, reorder_paragraphs, statement};
use vigie_text::index::DEFAULT_THRESHOLD;
use vigie_text::raw_text::RAW_TEXT_PCT_DIFF_THRESHOLD;
use vigie_text::{TextIndex, TextSketch, Tlsh, normalise, raw_text_compare_normalised, raw_text_normalise};

const ORIGINALS: usize = 50;
const DECOYS: usize = 125;
const JUNK_RATE: f64 = 0.2;
const EDIT_FRACTION: f64 = 0.10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Edited,
    Reordered,
    Junk,
    All,
}

impl Variant {
    const ALL: [Variant; 4] = [Variant::Edited, Variant::Reordered, Variant::Junk, Variant::All];

    fn name(self) -> &'static str {
        match self {
            Variant::Edited => "10 % of words edited",
            Variant::Reordered => "paragraphs reordered",
            Variant::Junk => "junk inserted",
            Variant::All => "all three",
        }
    }

    fn apply(self, rng: &mut Rng, language: Language, original: &Statement) -> String {
        match self {
            Variant::Edited => edit_words(rng, language, original, EDIT_FRACTION).text(),
            Variant::Reordered => reorder_paragraphs(rng, original).text(),
            Variant::Junk => add_junk(rng, language, original, JUNK_RATE),
            Variant::All => {
                let edited = edit_words(rng, language, original, EDIT_FRACTION);
                let reordered = reorder_paragraphs(rng, &edited);
                add_junk(rng, language, &reordered, JUNK_RATE)
            }
        }
    }
}

/// Hits out of trials.
#[derive(Clone, Copy, Default)]
struct Rate {
    hits: usize,
    trials: usize,
}

impl Rate {
    fn add(&mut self, hit: bool) {
        self.hits += usize::from(hit);
        self.trials += 1;
    }
    fn value(self) -> f64 {
        self.hits as f64 / self.trials.max(1) as f64
    }
}

/// What one original is, and what the signals keep of it.
struct Original {
    topic: Topic,
    sketch: TextSketch,
    /// pytx's normal form, for `raw_text`.
    raw_text: String,
    tlsh_raw: Option<Tlsh>,
    tlsh_normal: Option<Tlsh>,
}

fn raw_text_match(signal: &str, haystack: &str) -> bool {
    raw_text_compare_normalised(signal, haystack, RAW_TEXT_PCT_DIFF_THRESHOLD).is_some()
}

fn tlsh_match(a: Option<Tlsh>, b: Option<Tlsh>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.distance(&b, false) <= vigie_text::TEXT_TLSH_THRESHOLD,
        _ => false,
    }
}

/// The figures of one language.
struct Figures {
    language: Language,
    recall: Vec<(Variant, Rate, Rate, Rate, Rate)>,
    /// Index, TLSH raw, TLSH normal, raw_text: false matches over unrelated same-topic pairs.
    false_matches: [usize; 4],
    pairs: usize,
    /// Index false matches on originals of another topic (not counted in `pairs`).
    other_topic_matches: usize,
    /// The lowest similarity of a copy with its original.
    lowest_copy: f64,
    /// The highest similarity of an unrelated pair.
    highest_unrelated: f64,
    /// The index's bytes per banked text, and words per banked text.
    bytes_per_text: f64,
    words_per_text: f64,
}

fn run_language(language: Language, seed: u64) -> Figures {
    let mut rng = Rng(seed);
    let mut originals: Vec<Original> = Vec::new();
    let mut statements: Vec<Statement> = Vec::new();
    let mut index = TextIndex::new();
    for topic in Topic::ALL {
        for length in [Length::Short, Length::Long] {
            for _ in 0..ORIGINALS {
                let s = statement(&mut rng, language, topic, length);
                let text = s.text();
                let sketch = TextSketch::new(&text);
                index.add_sketch(originals.len(), sketch.clone());
                originals.push(Original {
                    topic,
                    sketch,
                    raw_text: raw_text_normalise(&text),
                    tlsh_raw: Tlsh::of(text.as_bytes()),
                    tlsh_normal: Tlsh::of(normalise(&text).as_bytes()),
                });
                statements.push(s);
            }
        }
    }

    let mut false_matches = [0usize; 4];
    let mut pairs = 0;
    let mut other_topic_matches = 0;
    let mut highest_unrelated = 0.0f64;
    // An unrelated query against every original of its topic: the index's hits are counted
    // from its answer; the other signals compare pair by pair.
    let mut unrelated = |query: &str, topic: Topic, source: Option<usize>, false_matches: &mut [usize; 4]| {
        let sketch = TextSketch::new(query);
        for (hit, _) in index.query_sketch(&sketch, DEFAULT_THRESHOLD).expect("a valid threshold") {
            if Some(hit) == source {
                continue;
            }
            if originals[hit].topic == topic {
                false_matches[0] += 1;
            } else {
                other_topic_matches += 1;
            }
        }
        let raw = Tlsh::of(query.as_bytes());
        let normal = Tlsh::of(normalise(query).as_bytes());
        let raw_text = raw_text_normalise(query);
        for (i, original) in originals.iter().enumerate() {
            if original.topic != topic || Some(i) == source {
                continue;
            }
            pairs += 1;
            highest_unrelated = highest_unrelated.max(original.sketch.similarity(&sketch));
            false_matches[1] += usize::from(tlsh_match(raw, original.tlsh_raw));
            false_matches[2] += usize::from(tlsh_match(normal, original.tlsh_normal));
            false_matches[3] += usize::from(raw_text_match(&original.raw_text, &raw_text));
        }
    };

    let mut recall = Vec::new();
    let mut lowest_copy = 1.0f64;
    for variant in Variant::ALL {
        let (mut by_index, mut by_tlsh_raw, mut by_tlsh_normal, mut by_raw_text) = Default::default();
        for (i, (original, s)) in originals.iter().zip(&statements).enumerate() {
            let copy = variant.apply(&mut rng, language, s);
            let sketch = TextSketch::new(&copy);
            lowest_copy = lowest_copy.min(original.sketch.similarity(&sketch));
            let hits = index.query_sketch(&sketch, DEFAULT_THRESHOLD).expect("a valid threshold");
            Rate::add(&mut by_index, hits.iter().any(|&(hit, _)| hit == i));
            Rate::add(&mut by_tlsh_raw, tlsh_match(Tlsh::of(copy.as_bytes()), original.tlsh_raw));
            Rate::add(&mut by_tlsh_normal, tlsh_match(Tlsh::of(normalise(&copy).as_bytes()), original.tlsh_normal));
            Rate::add(&mut by_raw_text, raw_text_match(&original.raw_text, &raw_text_normalise(&copy)));
            unrelated(&copy, original.topic, Some(i), &mut false_matches);
        }
        recall.push((variant, by_index, by_tlsh_raw, by_tlsh_normal, by_raw_text));
    }
    for topic in Topic::ALL {
        for length in [Length::Short, Length::Long] {
            for _ in 0..DECOYS {
                let decoy = statement(&mut rng, language, topic, length);
                // Half the decoys carry junk too, as real posts do.
                let text = if rng.chance(0.5) { add_junk(&mut rng, language, &decoy, JUNK_RATE) } else { decoy.text() };
                unrelated(&text, topic, None, &mut false_matches);
            }
        }
    }
    let bytes_per_text = index.memory_bytes() as f64 / index.len() as f64;
    let words_per_text = statements.iter().map(Statement::word_count).sum::<usize>() as f64 / statements.len() as f64;
    Figures {
        language,
        recall,
        false_matches,
        pairs,
        other_topic_matches,
        lowest_copy,
        highest_unrelated,
        bytes_per_text,
        words_per_text,
    }
}

#[test]
fn recall_and_false_matches_on_the_generated_corpus_meet_the_goals() {
    let figures: Vec<Figures> =
        Language::ALL.iter().enumerate().map(|(i, &language)| run_language(language, 0x7e47_0000 + i as u64)).collect();

    println!("\nRecall (copies found), threshold {DEFAULT_THRESHOLD}:\n");
    println!("| language | copy | index | text_tlsh (raw) | TLSH of normal form | raw_text |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for f in &figures {
        for (variant, index, raw, normal, raw_text) in &f.recall {
            println!(
                "| {} | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % |",
                f.language.code(),
                variant.name(),
                100.0 * index.value(),
                100.0 * raw.value(),
                100.0 * normal.value(),
                100.0 * raw_text.value()
            );
        }
    }
    println!("\nFalse matches over unrelated same-language, same-topic pairs:\n");
    println!("| language | pairs | index | text_tlsh (raw) | TLSH of normal form | raw_text |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for f in &figures {
        let [index, raw, normal, raw_text] = f.false_matches;
        println!("| {} | {} | {index} | {raw} | {normal} | {raw_text} |", f.language.code(), f.pairs);
    }
    println!(
        "\nSimilarity (Jaccard index of 3-word shingles): the lowest of a copy with its original, the highest of an unrelated pair:\n"
    );
    println!("| language | lowest copy | highest unrelated | words per text | index bytes per text |");
    println!("| --- | --- | --- | --- | --- |");
    for f in &figures {
        println!(
            "| {} | {:.3} | {:.3} | {:.0} | {:.0} |",
            f.language.code(),
            f.lowest_copy,
            f.highest_unrelated,
            f.words_per_text,
            f.bytes_per_text
        );
    }

    for f in &figures {
        for (variant, index, ..) in &f.recall {
            assert!(index.value() >= 0.95, "{:?}, {}: recall {:.3}", f.language, variant.name(), index.value());
        }
        assert!(f.pairs >= 30_000, "{:?}: {} pairs are too few to show 1e-4", f.language, f.pairs);
        let rate = f.false_matches[0] as f64 / f.pairs as f64;
        assert!(rate <= 1e-4, "{:?}: false-match rate {rate:.2e}", f.language);
        assert_eq!(f.other_topic_matches, 0, "{:?}: matches across topics", f.language);
    }
}
