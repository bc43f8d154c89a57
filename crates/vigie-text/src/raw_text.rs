//! python-threatexchange's `raw_text` signal (`RawTextSignal.matches_str`, version 1.2.17): the
//! banked text itself, compared with a text by edit distance after pytx's own normalisation.
//!
//! pytx's rule, reproduced exactly:
//!
//! - both texts go through `common.normalize_string` ([`raw_text_normalise`]): `str.lower()`,
//!   NFKD, combining characters (canonical combining class ≠ 0) dropped, then a regular
//!   expression meant to shorten repeated characters, then everything but letters and digits
//!   dropped (`[\W_]`);
//! - the signal `a` matches the haystack `b` when the Levenshtein distance (unit costs) between
//!   the two normalised strings is at most `len(a) − len(a) × (100 − 5) / 100`, computed in
//!   floating point (5 % of the *signal's* length: the rule is not symmetric); when the lengths
//!   alone differ by more than that, it does not match without computing the distance.
//!
//! Two quirks of pytx are part of its behaviour, so they are reproduced:
//!
//! - the "repeats" expression is written `"(.)(\1)+"` in a plain (not raw) Python string, so `\1`
//!   is the character U+0001: it never shortens repeats ("wooooot" stays), and it deletes the
//!   character just before any U+0001;
//! - the edit distance comes from the `weighted_levenshtein` package, which takes ASCII only: when
//!   either normalised string has a character beyond ASCII and the lengths pass the first check,
//!   pytx raises `UnicodeEncodeError` instead of answering. So pytx cannot compare Arabic,
//!   Russian or accented text. Vigie answers there with the same rule over characters (its
//!   [`RawTextMatch::beyond_pytx`] says so), which is what pytx would answer if its library took
//!   Unicode.
//!
//! `len` and the edit distance count characters (code points), as Python does.
//!
//! Python 3.11's Unicode tables are version 14; Vigie's (Rust's and ICU4X's) are newer, so
//! characters assigned since may be lowered, decomposed or classed differently: these can only
//! ever be non-ASCII, where pytx raises anyway.

use icu_normalizer::DecomposingNormalizerBorrowed;
use icu_properties::CodePointMapData;
use icu_properties::props::{CanonicalCombiningClass, GeneralCategory};

/// pytx's default `pct_diff_threshold`: at most 5 % of the signal's length may differ.
pub const RAW_TEXT_PCT_DIFF_THRESHOLD: f64 = 5.0;

/// python-threatexchange's `common.normalize_string`, quirks included.
pub fn raw_text_normalise(text: &str) -> String {
    let lowered = text.to_lowercase();
    let decomposed = DecomposingNormalizerBorrowed::new_nfkd().normalize(&lowered);
    let ccc = CodePointMapData::<CanonicalCombiningClass>::new();
    let kept: Vec<char> = decomposed.chars().filter(|&c| ccc.get(c) == CanonicalCombiningClass::NotReordered).collect();
    let mut out = String::with_capacity(kept.len());
    for (i, &c) in kept.iter().enumerate() {
        // `re.sub("(.)(\x01)+", "\x01\x01", s)`: a character followed by U+0001 is replaced,
        // with the run, by U+0001s, which the next step removes.
        if kept.get(i + 1) == Some(&'\u{1}') {
            continue;
        }
        if is_python_alnum(c) {
            out.push(c);
        }
    }
    out
}

/// Python's `str.isalnum()` for one character, which is what `\w` means in a `str` pattern
/// (`_` aside, which `[\W_]` drops): letters (general category L) and numbers (N).
fn is_python_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
            | GeneralCategory::DecimalNumber
            | GeneralCategory::LetterNumber
            | GeneralCategory::OtherNumber
    )
}

/// A `raw_text` match: pytx's `RawTextDistance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawTextMatch {
    /// The edit distance between the normalised texts.
    pub distance: usize,
    /// The normalised signal's length, in characters.
    pub signal_len: usize,
    /// pytx itself would have raised instead of answering (a normalised text is not ASCII).
    pub beyond_pytx: bool,
}

impl RawTextMatch {
    /// pytx's `match_fraction`: 1 − min(distance, length) / max(1, length).
    pub fn match_fraction(&self) -> f64 {
        1.0 - self.distance.min(self.signal_len) as f64 / self.signal_len.max(1) as f64
    }
}

/// Whether the banked text `signal` matches `haystack` under pytx's `raw_text` rule, with its
/// distance when it does.
pub fn raw_text_compare(signal: &str, haystack: &str) -> Option<RawTextMatch> {
    raw_text_compare_with(signal, haystack, RAW_TEXT_PCT_DIFF_THRESHOLD)
}

/// [`raw_text_compare`] with another `pct_diff_threshold` (in (0, 100]; pytx asserts this,
/// Vigie answers no match outside it).
pub fn raw_text_compare_with(signal: &str, haystack: &str, pct_diff_threshold: f64) -> Option<RawTextMatch> {
    raw_text_compare_normalised(&raw_text_normalise(signal), &raw_text_normalise(haystack), pct_diff_threshold)
}

/// [`raw_text_compare_with`] on texts already through [`raw_text_normalise`] (a bank keeps its
/// entries' normal forms, so each comparison normalises the query only once).
pub fn raw_text_compare_normalised(signal: &str, haystack: &str, pct_diff_threshold: f64) -> Option<RawTextMatch> {
    if !(pct_diff_threshold > 0.0 && pct_diff_threshold <= 100.0) {
        return None;
    }
    let (len_a, len_b) = (signal.chars().count(), haystack.chars().count());
    let max_distance = len_a as f64 - len_a as f64 * (100.0 - pct_diff_threshold) / 100.0;
    if len_a.abs_diff(len_b) as f64 > max_distance {
        return None;
    }
    let a: Vec<char> = signal.chars().collect();
    let b: Vec<char> = haystack.chars().collect();
    // The distance is an integer: at most `max_distance` means at most its floor.
    let bound = max_distance.floor() as usize;
    let distance = levenshtein_within(&a, &b, bound)?;
    Some(RawTextMatch { distance, signal_len: len_a, beyond_pytx: !(signal.is_ascii() && haystack.is_ascii()) })
}

/// Whether the banked text `signal` matches `haystack` under pytx's `raw_text` rule.
pub fn raw_text_match(signal: &str, haystack: &str) -> bool {
    raw_text_compare(signal, haystack).is_some()
}

/// The Levenshtein distance between `a` and `b` (unit costs) if it is at most `bound`.
///
/// Only the cells within `bound` of the diagonal can hold a value ≤ `bound`, so only they are
/// computed (Ukkonen's band): O(bound × length) rather than O(length²).
pub(crate) fn levenshtein_within(a: &[char], b: &[char], bound: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let over = bound + 1;
    // prev[j] and cur[j] hold row i-1 and row i for columns j in the band; others are `over`.
    let mut prev: Vec<usize> = (0..=m).map(|j| j.min(over)).collect();
    let mut cur = vec![over; m + 1];
    for i in 1..=n {
        let lo = i.saturating_sub(bound).max(1);
        let hi = (i + bound).min(m);
        cur[lo - 1] = if lo == 1 { i.min(over) } else { over };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let substitute = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let delete = prev[j] + 1;
            let insert = cur[j - 1] + 1;
            let v = substitute.min(delete).min(insert).min(over);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            cur[hi + 1] = over;
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[m]).filter(|&d| d <= bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn the_banded_distance_agrees_with_the_full_table() {
        let mut state = 0x1234_5678_9abc_def1_u64;
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        for _ in 0..3_000 {
            let la = (next() % 30) as usize;
            let a: Vec<char> = (0..la).map(|_| (b'a' + (next() % 3) as u8) as char).collect();
            let mut b = a.clone();
            for _ in 0..next() % 6 {
                let pos = (next() % (b.len() as u64 + 1)) as usize;
                match next() % 3 {
                    0 if pos < b.len() => b[pos] = (b'a' + (next() % 4) as u8) as char,
                    1 if pos < b.len() => {
                        b.remove(pos);
                    }
                    _ => b.insert(pos, (b'a' + (next() % 4) as u8) as char),
                }
            }
            let exact = full_levenshtein(&a, &b);
            for bound in 0..8 {
                let expected = Some(exact).filter(|&d| d <= bound);
                assert_eq!(levenshtein_within(&a, &b, bound), expected, "{a:?} {b:?} bound {bound}");
            }
        }
    }

    #[test]
    fn normalisation_lowers_strips_accents_and_keeps_letters_and_digits_only() {
        assert_eq!(raw_text_normalise("CrAzY cAsE"), "crazycase");
        assert_eq!(raw_text_normalise("ãóë"), "aoe");
        assert_eq!(raw_text_normalise("a_b-c d!"), "abcd");
        assert_eq!(raw_text_normalise("Ⅻ ½ x²"), "xii12x2");
    }

    #[test]
    fn normalisation_keeps_pytx_quirks() {
        // Repeats are not shortened.
        assert_eq!(raw_text_normalise("wooooot"), "wooooot");
        // The character before a U+0001 goes with it.
        assert_eq!(raw_text_normalise("ab\u{1}c"), "ac");
        assert_eq!(raw_text_normalise("a\u{1}b\u{1}"), "");
    }

    #[test]
    fn the_threshold_is_five_percent_of_the_signal() {
        let signal = "a".repeat(40) + &"b".repeat(40);
        // 80 characters: 4 edits allowed.
        let four = "c".repeat(4) + &signal[4..];
        let five = "c".repeat(5) + &signal[5..];
        assert_eq!(raw_text_compare(&signal, &four).map(|m| m.distance), Some(4));
        assert_eq!(raw_text_compare(&signal, &five), None);
        // Not symmetric: the signal's length sets the bound.
        let short = &signal[..76];
        assert!(raw_text_match(&signal, short));
        assert!(!raw_text_match("abcdefghij", "abcdefghijk"));
    }

    #[test]
    fn empty_texts_match_each_other_only() {
        assert!(raw_text_match("", "!!!"));
        assert!(!raw_text_match("", "a"));
    }

    #[test]
    fn non_ascii_texts_are_compared_by_characters_and_flagged() {
        let m = raw_text_compare("Привет всем участникам собрания", "привет всем участникам собрания!").unwrap();
        assert_eq!(m.distance, 0);
        assert!(m.beyond_pytx);
        assert!(!raw_text_compare("The quick brown fox jumps", "the quick brown fox jumps").unwrap().beyond_pytx);
    }
}
