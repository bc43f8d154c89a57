//! Text signals: what Vigie computes from a text to recognise it again.
//!
//! - [`normalise()`]: Vigie's normal form (NFKC, case folding, look-alike letters, invisible and
//!   control characters removed, white space collapsed, Arabic vowel marks, tatweel and letter
//!   variants folded); the rules are in [`normalise`'s module](mod@crate::normalise).
//! - [`exact_hash`]: SHA-256 of the normal form, in hexadecimal: the exact signal.
//! - [`raw_text_match`]: python-threatexchange's `raw_text` signal (edit distance within 5 % after
//!   pytx's own normalisation), quirks included.
//! - [`tlsh()`] and [`tlsh_distance`]: TLSH as py-tlsh computes it, python-threatexchange's
//!   `text_tlsh` signal (hashed from the raw UTF-8 bytes, matched by [`text_tlsh_match`]).
//! - [`TextIndex`]: near-duplicates by word shingles, MinHash and LSH, verified exactly.
//!
//! ```
//! use vigie_text::{exact_hash, normalise, TextIndex};
//!
//! assert_eq!(normalise("Ｃｏｎｓｅｉｌ\u{200B}  MUNICIPAL"), "conseil municipal");
//! assert_eq!(exact_hash("Conseil municipal"), exact_hash("CONSEIL\u{00AD} municipal"));
//!
//! let mut index = TextIndex::new();
//! index.add("notice-1", "The council will close the market hall on Monday for repairs to the roof.");
//! let hits = index.query("the council will close the market hall on monday for urgent repairs to the roof", 0.4).unwrap();
//! assert_eq!(hits[0].0, "notice-1");
//! ```
//!
//! Pure: no I/O, no clock, no randomness.

pub mod index;
pub mod normalise;
pub mod passage;
pub mod raw_text;
pub mod tlsh;

pub use index::{TextHandle, TextIndex, TextSketch, ThresholdError, similarity};
pub use normalise::{normalise, tokens};
pub use passage::passages;
pub use raw_text::{RawTextMatch, raw_text_compare, raw_text_compare_normalised, raw_text_match, raw_text_normalise};
pub use tlsh::{TEXT_TLSH_THRESHOLD, Tlsh};

use sha2::{Digest, Sha256};

/// SHA-256 of the text's normal form (UTF-8), in lower-case hexadecimal.
pub fn exact_hash(text: &str) -> String {
    hex::encode(Sha256::digest(normalise(text).as_bytes()))
}

/// python-threatexchange's `text_tlsh` hash of a text: TLSH of its UTF-8 bytes as they are (pytx
/// does not normalise), "T1" and 70 hexadecimal digits; `None` where pytx's is empty (under 50
/// bytes or too little variety).
pub fn tlsh(text: &str) -> Option<String> {
    Tlsh::of(text.as_bytes()).map(|t| t.to_string())
}

/// `tlsh.diff`: the distance between two digests, length included; `None` if either is not a
/// digest.
pub fn tlsh_distance(a: &str, b: &str) -> Option<u32> {
    Some(a.parse::<Tlsh>().ok()?.distance(&b.parse().ok()?, true))
}

/// `tlsh.diffxlen`: the distance without the length term, which python-threatexchange compares.
pub fn tlsh_distance_without_length(a: &str, b: &str) -> Option<u32> {
    Some(a.parse::<Tlsh>().ok()?.distance(&b.parse().ok()?, false))
}

/// python-threatexchange's `text_tlsh` rule: `diffxlen` at most [`TEXT_TLSH_THRESHOLD`] (30).
/// `None` if either is not a digest.
pub fn text_tlsh_match(a: &str, b: &str) -> Option<bool> {
    tlsh_distance_without_length(a, b).map(|d| d <= TEXT_TLSH_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_hash_is_sha256_of_the_normal_form() {
        // SHA-256("abc").
        assert_eq!(exact_hash(" ABC "), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(exact_hash("Ｓｔａｔｅｍｅｎｔ"), exact_hash("statement"));
        assert_ne!(exact_hash("statement one"), exact_hash("statement two"));
    }

    #[test]
    fn tlsh_functions_refuse_what_is_not_a_digest() {
        assert_eq!(tlsh("too short"), None);
        let digest = tlsh(&"The municipal council announces new opening hours for the library. ".repeat(3)).unwrap();
        assert_eq!(tlsh_distance(&digest, &digest), Some(0));
        assert_eq!(tlsh_distance(&digest, "TNULL"), None);
        assert_eq!(text_tlsh_match(&digest, &digest), Some(true));
        assert_eq!(text_tlsh_match("", &digest), None);
    }
}
