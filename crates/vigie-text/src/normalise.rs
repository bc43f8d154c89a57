//! Vigie's normalisation of text: the form two copies of a statement share although one was
//! padded with invisible characters, written in look-alike letters, cased or vocalised differently.
//!
//! [`normalise`] applies, in this order:
//!
//! 1. removal of invisible characters: the zero-width and joining characters, the word joiner,
//!    the byte-order mark, the soft hyphen, the bidirectional controls and the rest of Unicode's
//!    default-ignorable code points (variation selectors, tags, Hangul fillers), and the control
//!    characters that are not white space;
//! 2. NFKC (compatibility forms: fullwidth and mathematical letters, ligatures, presentation forms);
//! 3. per character, after 1 again (NFKC can uncover Arabic marks in presentation forms):
//!    - Arabic: the harakat and other marks U+064B–U+065F, the superscript alef U+0670, the
//!      Quranic marks U+06D6–U+06ED and the tatweel U+0640 are removed; the alef forms أ إ آ ٱ
//!      become ا, alef maksura ى and the Persian yeh ی become ي, teh marbuta ة becomes ه, the
//!      Persian keheh ک becomes ك, and the Arabic-Indic digits (both series) become 0–9;
//!    - case: full Unicode lower-casing (`char::to_lowercase`, one character at a time, so a
//!      final sigma is σ), then the case-folding differences that matter for matching: ß and ẞ
//!      become "ss", ς becomes σ, and İ becomes i (not i with a combining dot);
//!    - look-alikes ([`confusable`]): Cyrillic, Greek, Armenian and a few Latin letters that are
//!      drawn like a basic Latin letter become that letter;
//!    - every white-space character becomes one space;
//! 4. NFKC again, which recomposes a letter with an accent that an invisible character had kept
//!    apart;
//! 5. runs of spaces collapsed into one, none at either end.
//!
//! The result is a key for matching, not a text to show: a Russian word comes out in a mix of
//! Latin and Cyrillic letters, the same for every copy of it, so copies still compare equal and an
//! English word written with Cyrillic look-alikes meets its plain spelling. Accents are kept
//! (French é is not e). [`normalise`] is idempotent.
//!
//! [`tokens`] splits a normalised text into words: runs of letters, digits and combining marks.

use icu_normalizer::ComposingNormalizerBorrowed;
use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;

/// Vigie's normal form of `text` (see the module documentation for the rules).
pub fn normalise(text: &str) -> String {
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let visible: String = text.chars().filter(|&c| !is_invisible(c)).collect();
    let composed = nfkc.normalize(&visible);
    let mut folded = String::with_capacity(composed.len());
    for c in composed.chars() {
        fold_into(c, &mut folded);
    }
    let recomposed = nfkc.normalize(&folded);
    let mut out = String::with_capacity(recomposed.len());
    for word in recomposed.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The words of a normalised text: maximal runs of letters, digits and combining marks (general
/// categories L, N and M); everything else (punctuation, symbols, spaces) separates them.
pub fn tokens(normalised: &str) -> impl Iterator<Item = &str> {
    normalised.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    matches!(
        gc,
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
            | GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
            | GeneralCategory::DecimalNumber
            | GeneralCategory::LetterNumber
            | GeneralCategory::OtherNumber
    )
}

/// Appends what one NFKC character becomes (nothing, a space, or its folded form).
fn fold_into(c: char, out: &mut String) {
    if is_invisible(c) || is_arabic_mark(c) {
        return;
    }
    if c.is_whitespace() {
        out.push(' ');
        return;
    }
    if c == 'İ' {
        out.push('i');
        return;
    }
    if let Some(folded) = fold_arabic(c) {
        out.push(folded);
        return;
    }
    for lower in c.to_lowercase() {
        match lower {
            'ß' => out.push_str("ss"),
            'ς' => out.push('σ'),
            other => out.push(confusable(other).unwrap_or(other)),
        }
    }
}

/// Characters that are removed: Unicode's default-ignorable code points (which include the
/// zero-width space, non-joiner and joiner, the word joiner and invisible operators, the
/// byte-order mark, the soft hyphen, the combining grapheme joiner, the Arabic letter mark and the
/// other bidirectional controls, variation selectors, tags and Hangul fillers) and the control
/// characters that are not white space.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// The Arabic marks that are removed: harakat and the other combining marks U+064B–U+065F,
/// the superscript alef, the Quranic annotation marks, and the tatweel (kashida).
fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
}

/// The Arabic letters and digits that are folded, and what they become.
fn fold_arabic(c: char) -> Option<char> {
    Some(match c {
        // Alef with hamza above, with hamza below, with madda, alef wasla.
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        // Alef maksura and the Persian (Farsi) yeh, often typed for each other and for yeh.
        'ى' | 'ی' => 'ي',
        // Teh marbuta, often written as heh.
        'ة' => 'ه',
        // Persian keheh, typed for kaf.
        'ک' => 'ك',
        // Arabic-Indic and extended (Persian) Arabic-Indic digits.
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => return None,
    })
}

/// The basic Latin letter a lower-case letter is drawn like, if it is one of the common
/// look-alikes of Unicode's confusables data (Cyrillic, Greek, Armenian, and Latin letters
/// outside the basic alphabet). Where a letter's capital and small forms imitate different
/// Latin letters (Greek ν is v, Ν is N), the small form decides, since running text is mostly
/// small letters; Cyrillic letters whose small form imitates a small capital (в, к, м, н, т)
/// follow their capital (B, K, M, H, T).
pub fn confusable(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic.
        'а' => 'a',
        'в' => 'b',
        'г' => 'r',
        'е' | 'ё' => 'e',
        'і' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'м' => 'm',
        'н' | 'һ' => 'h',
        'о' => 'o',
        'п' => 'n',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' | 'ү' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        // Greek.
        'α' => 'a',
        'β' => 'b',
        'γ' => 'y',
        'ε' => 'e',
        'ζ' => 'z',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'μ' => 'u',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'ϲ' => 'c',
        'ϳ' => 'j',
        // Armenian.
        'օ' => 'o',
        'ս' => 'u',
        'հ' => 'h',
        'զ' => 'q',
        // Latin letters outside the basic alphabet: dotless i, alpha, script g, iota, small capitals.
        'ı' => 'i',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ɩ' => 'i',
        'ᴄ' => 'c',
        'ᴏ' => 'o',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ᴢ' => 'z',
        'ꜱ' => 's',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_maps_fullwidth_mathematical_and_ligature_forms() {
        assert_eq!(normalise("ＦＵＬＬ ｗｉｄｔｈ"), "full width");
        assert_eq!(normalise("𝐛𝐨𝐥𝐝 𝔣𝔯𝔞𝔨𝔱𝔲𝔯"), "bold fraktur");
        assert_eq!(normalise("ﬁnal ﬀ"), "final ff");
        assert_eq!(normalise("x² ①"), "x2 1");
    }

    #[test]
    fn composed_and_decomposed_accents_are_one_form() {
        assert_eq!(normalise("e\u{301}te\u{301}"), normalise("été"));
        assert_eq!(normalise("été"), "été");
    }

    #[test]
    fn case_is_folded_with_sharp_s_final_sigma_and_dotted_capital_i() {
        assert_eq!(normalise("CONSEIL Municipal"), "conseil municipal");
        assert_eq!(normalise("STRASSE Straße STRAẞE"), "strasse strasse strasse");
        assert_eq!(normalise("İstanbul"), "istanbul");
        // Σ at the end of a word and ς both fold to σ (then no look-alike rule applies to σ).
        assert_eq!(normalise("ΟΔΟΣ"), normalise("οδος"));
        assert!(normalise("οδος").ends_with('σ'));
    }

    #[test]
    fn zero_width_and_joining_characters_are_removed() {
        for invisible in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{034F}'] {
            assert_eq!(normalise(&format!("mu{invisible}nicipal")), "municipal", "{:?}", invisible);
        }
    }

    #[test]
    fn bidirectional_controls_are_removed() {
        for control in ['\u{200E}', '\u{200F}', '\u{061C}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}']
            .into_iter()
            .chain('\u{2066}'..='\u{2069}')
        {
            assert_eq!(normalise(&format!("ab{control}cd")), "abcd", "{:?}", control);
        }
    }

    #[test]
    fn control_characters_are_removed_but_tabs_and_newlines_separate_words() {
        assert_eq!(normalise("a\u{0}b\u{7}c\u{1b}d\u{7f}e\u{85}f"), "abcde f");
        assert_eq!(normalise("one\ttwo\r\nthree\u{b}four\u{c}five"), "one two three four five");
    }

    #[test]
    fn white_space_is_collapsed_and_trimmed() {
        assert_eq!(normalise("  a \u{a0}\u{2003} b\u{3000}\u{2028}c  "), "a b c");
        assert_eq!(normalise(" \t\n "), "");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn an_invisible_character_between_a_letter_and_its_accent_does_not_keep_them_apart() {
        assert_eq!(normalise("e\u{200D}\u{301}te"), normalise("éte"));
    }

    #[test]
    fn cyrillic_and_greek_look_alikes_meet_their_latin_spelling() {
        // "police" with Cyrillic о, е and с; "ACCOUNT" with Greek Α, Ο and Ν; Cyrillic р and а.
        assert_eq!(normalise("pоli\u{441}е"), "police");
        assert_eq!(normalise("ΑCCOUNT"), "account");
        assert_eq!(normalise("рара"), "papa");
        assert_eq!(normalise("ᴄᴏᴜᴠ"), "couv");
        assert_eq!(normalise("ıɑɡ"), "iag");
    }

    #[test]
    fn russian_text_folds_the_same_whatever_its_case() {
        assert_eq!(normalise("МОСКВА"), normalise("москва"));
        assert_eq!(normalise("Ёлка"), normalise("елка"));
    }

    #[test]
    fn arabic_harakat_superscript_alef_and_quranic_marks_are_removed() {
        // كَتَبَ (kataba, with fathas) is كتب.
        assert_eq!(normalise("كَتَبَ"), "كتب");
        for mark in ('\u{064B}'..='\u{065F}').chain(['\u{0670}']).chain('\u{06D6}'..='\u{06ED}') {
            assert_eq!(normalise(&format!("كت{mark}ب")), "كتب", "U+{:04X}", mark as u32);
        }
    }

    #[test]
    fn arabic_tatweel_is_removed() {
        assert_eq!(normalise("بـــيـان"), "بيان");
    }

    #[test]
    fn arabic_alef_forms_become_bare_alef() {
        assert_eq!(normalise("أحمد إسلام آمن ٱلله"), "احمد اسلام امن الله");
    }

    #[test]
    fn arabic_alef_maksura_and_persian_yeh_become_yeh() {
        assert_eq!(normalise("على"), "علي");
        assert_eq!(normalise("فی"), "في");
    }

    #[test]
    fn arabic_teh_marbuta_becomes_heh_and_keheh_becomes_kaf() {
        assert_eq!(normalise("مدينة"), "مدينه");
        assert_eq!(normalise("کتاب"), "كتاب");
    }

    #[test]
    fn arabic_indic_digits_become_ascii_digits() {
        assert_eq!(normalise("٢٠٢٦ ۱۴۰۵"), "2026 1405");
    }

    #[test]
    fn arabic_presentation_forms_are_read_as_letters() {
        // ﻻ is lam-alef; ﺑ ﻴ ﺎ ﻥ are positional forms of beh, yeh, alef, noon.
        assert_eq!(normalise("ﻻ ﺑﻴﺎﻥ"), "لا بيان");
    }

    #[test]
    fn normalisation_is_idempotent_on_mixed_scripts() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let alphabet: Vec<char> = "aAeE éÉ\u{301}\u{308}\u{200B}\u{200D}\u{FEFF}\u{AD}ßẞΣσςΑαΝνΟο МмКкЁё İıﬁＡ𝐀١٢ةىأإآٱـَُِّ\u{670}ی ک\t\n\u{a0}\u{3000}.,!"
            .chars()
            .collect();
        for _ in 0..5_000 {
            let len = (next(&mut state) % 24) as usize;
            let text: String =
                (0..len).map(|_| alphabet[(next(&mut state) % alphabet.len() as u64) as usize]).collect();
            let once = normalise(&text);
            assert_eq!(normalise(&once), once, "not idempotent on {text:?}");
        }
    }

    #[test]
    fn tokens_split_on_punctuation_and_keep_combining_marks() {
        let text = normalise("Le conseil, l'assemblée — et 3 «votes»! ч\u{0438}\u{301}сто");
        let words: Vec<&str> = tokens(&text).collect();
        assert_eq!(words, ["le", "conseil", "l", "assemblée", "et", "3", "votes", "ч\u{0438}\u{301}cto"]);
    }

    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}
