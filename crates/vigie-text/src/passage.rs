//! Where a text repeats a banked one: the passages a reviewer sees highlighted.
//!
//! A word of the text is part of a passage when it is in a run of [`SHINGLE_WORDS`] consecutive
//! words (in their normal form) that the banked text also has, which is what the near-duplicate
//! index compares. Passages are byte ranges of the text as written, from the first byte of their
//! first word to the last byte of their last; runs that touch or overlap are one passage.

use std::collections::HashSet;
use std::ops::Range;

use crate::index::SHINGLE_WORDS;
use crate::normalise::{is_invisible, is_word_char, normalise, tokens};

/// The words of `text` as written: each one's byte range and normal form. Invisible characters
/// inside a word do not split it (the normal form drops them).
fn words(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut end = 0;
    let close = |start: &mut Option<usize>, end: usize, out: &mut Vec<(Range<usize>, String)>| {
        if let Some(s) = start.take() {
            let key = tokens(&normalise(&text[s..end])).collect::<Vec<_>>().join(" ");
            if !key.is_empty() {
                out.push((s..end, key));
            }
        }
    };
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            start.get_or_insert(i);
            end = i + c.len_utf8();
        } else if !(is_invisible(c) && start.is_some()) {
            close(&mut start, end, &mut out);
        }
    }
    close(&mut start, end, &mut out);
    out
}

/// The passages of `text` that repeat `banked` (byte ranges of `text`, in order, disjoint).
pub fn passages(text: &str, banked: &str) -> Vec<Range<usize>> {
    let normal = normalise(banked);
    let theirs: Vec<&str> = tokens(&normal).collect();
    let shingles: HashSet<&[&str]> = theirs.windows(SHINGLE_WORDS).collect();
    let ours = words(text);
    let keys: Vec<&str> = ours.iter().map(|(_, k)| k.as_str()).collect();
    let mut marked = vec![false; ours.len()];
    for (i, w) in keys.windows(SHINGLE_WORDS).enumerate() {
        if shingles.contains(w) {
            marked[i..i + SHINGLE_WORDS].iter_mut().for_each(|m| *m = true);
        }
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, (span, _)) in ours.iter().enumerate() {
        if !marked[i] {
            continue;
        }
        match out.last_mut() {
            Some(last) if i > 0 && marked[i - 1] => last.end = span.end,
            _ => out.push(span.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, banked: &str) -> Vec<String> {
        passages(text, banked).into_iter().map(|r| text[r].to_owned()).collect()
    }

    #[test]
    fn the_repeated_runs_of_words_are_found_as_written() {
        let banked = "The meeting will be held on the first Saturday of March in the community hall.";
        let text = "News: THE MEETING will be held, on the first Saturday of June, says the club.";
        assert_eq!(marked(text, banked), ["THE MEETING will be held, on the first Saturday of"]);
        // Fewer than three words in common in a row: nothing.
        assert!(marked("the meeting today", banked).is_empty());
        assert!(marked("Hall of the community", banked).is_empty());
        // Two passages apart.
        let text = "on the first Saturday, then nothing alike here, in the community hall";
        assert_eq!(marked(text, banked), ["on the first Saturday", "in the community hall"]);
    }

    #[test]
    fn confusables_and_invisible_characters_do_not_hide_a_passage() {
        let banked = "bring their membership cards";
        // Cyrillic "е" and "а", a zero-width space inside a word, fullwidth letters.
        let text = "Please bring th\u{0435}ir memb\u{200b}ership c\u{0430}rds ＮＯＷ";
        assert_eq!(marked(text, banked), ["bring th\u{0435}ir memb\u{200b}ership c\u{0430}rds"]);
        assert!(passages("", banked).is_empty() && passages(text, "").is_empty());
    }
}
