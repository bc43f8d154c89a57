//! What a case's content is, as views and routing rules select cases by it: the language it is
//! in (ISO 639-1) and the types of terrorist content of TCO art. 2(7) its reports name.
//!
//! Both come from the reports: a notice or a referral may give them, an order's types are its
//! Annex I tick-boxes ([`ReasonType`]). A case holds the union of its reports' labels. Neither is
//! personal data: a language and a content type say nothing about anyone.

use crate::order::ReasonType;
pub use crate::order::{check_type, check_types};
use crate::validation::Checker;

/// Every ISO 639-1 code with the language's English name, by code.
pub const LANGUAGES: [(&str, &str); 184] = [
    ("aa", "Afar"),
    ("ab", "Abkhazian"),
    ("ae", "Avestan"),
    ("af", "Afrikaans"),
    ("ak", "Akan"),
    ("am", "Amharic"),
    ("an", "Aragonese"),
    ("ar", "Arabic"),
    ("as", "Assamese"),
    ("av", "Avaric"),
    ("ay", "Aymara"),
    ("az", "Azerbaijani"),
    ("ba", "Bashkir"),
    ("be", "Belarusian"),
    ("bg", "Bulgarian"),
    ("bh", "Bihari"),
    ("bi", "Bislama"),
    ("bm", "Bambara"),
    ("bn", "Bengali"),
    ("bo", "Tibetan"),
    ("br", "Breton"),
    ("bs", "Bosnian"),
    ("ca", "Catalan"),
    ("ce", "Chechen"),
    ("ch", "Chamorro"),
    ("co", "Corsican"),
    ("cr", "Cree"),
    ("cs", "Czech"),
    ("cu", "Church Slavonic"),
    ("cv", "Chuvash"),
    ("cy", "Welsh"),
    ("da", "Danish"),
    ("de", "German"),
    ("dv", "Dhivehi"),
    ("dz", "Dzongkha"),
    ("ee", "Ewe"),
    ("el", "Greek"),
    ("en", "English"),
    ("eo", "Esperanto"),
    ("es", "Spanish"),
    ("et", "Estonian"),
    ("eu", "Basque"),
    ("fa", "Persian"),
    ("ff", "Fulah"),
    ("fi", "Finnish"),
    ("fj", "Fijian"),
    ("fo", "Faroese"),
    ("fr", "French"),
    ("fy", "Western Frisian"),
    ("ga", "Irish"),
    ("gd", "Scottish Gaelic"),
    ("gl", "Galician"),
    ("gn", "Guarani"),
    ("gu", "Gujarati"),
    ("gv", "Manx"),
    ("ha", "Hausa"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ho", "Hiri Motu"),
    ("hr", "Croatian"),
    ("ht", "Haitian Creole"),
    ("hu", "Hungarian"),
    ("hy", "Armenian"),
    ("hz", "Herero"),
    ("ia", "Interlingua"),
    ("id", "Indonesian"),
    ("ie", "Interlingue"),
    ("ig", "Igbo"),
    ("ii", "Nuosu"),
    ("ik", "Inupiaq"),
    ("io", "Ido"),
    ("is", "Icelandic"),
    ("it", "Italian"),
    ("iu", "Inuktitut"),
    ("ja", "Japanese"),
    ("jv", "Javanese"),
    ("ka", "Georgian"),
    ("kg", "Kongo"),
    ("ki", "Kikuyu"),
    ("kj", "Kwanyama"),
    ("kk", "Kazakh"),
    ("kl", "Greenlandic"),
    ("km", "Khmer"),
    ("kn", "Kannada"),
    ("ko", "Korean"),
    ("kr", "Kanuri"),
    ("ks", "Kashmiri"),
    ("ku", "Kurdish"),
    ("kv", "Komi"),
    ("kw", "Cornish"),
    ("ky", "Kyrgyz"),
    ("la", "Latin"),
    ("lb", "Luxembourgish"),
    ("lg", "Ganda"),
    ("li", "Limburgish"),
    ("ln", "Lingala"),
    ("lo", "Lao"),
    ("lt", "Lithuanian"),
    ("lu", "Luba-Katanga"),
    ("lv", "Latvian"),
    ("mg", "Malagasy"),
    ("mh", "Marshallese"),
    ("mi", "Maori"),
    ("mk", "Macedonian"),
    ("ml", "Malayalam"),
    ("mn", "Mongolian"),
    ("mr", "Marathi"),
    ("ms", "Malay"),
    ("mt", "Maltese"),
    ("my", "Burmese"),
    ("na", "Nauru"),
    ("nb", "Norwegian Bokmål"),
    ("nd", "North Ndebele"),
    ("ne", "Nepali"),
    ("ng", "Ndonga"),
    ("nl", "Dutch"),
    ("nn", "Norwegian Nynorsk"),
    ("no", "Norwegian"),
    ("nr", "South Ndebele"),
    ("nv", "Navajo"),
    ("ny", "Chichewa"),
    ("oc", "Occitan"),
    ("oj", "Ojibwa"),
    ("om", "Oromo"),
    ("or", "Oriya"),
    ("os", "Ossetian"),
    ("pa", "Punjabi"),
    ("pi", "Pali"),
    ("pl", "Polish"),
    ("ps", "Pashto"),
    ("pt", "Portuguese"),
    ("qu", "Quechua"),
    ("rm", "Romansh"),
    ("rn", "Rundi"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("rw", "Kinyarwanda"),
    ("sa", "Sanskrit"),
    ("sc", "Sardinian"),
    ("sd", "Sindhi"),
    ("se", "Northern Sami"),
    ("sg", "Sango"),
    ("si", "Sinhala"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("sm", "Samoan"),
    ("sn", "Shona"),
    ("so", "Somali"),
    ("sq", "Albanian"),
    ("sr", "Serbian"),
    ("ss", "Swati"),
    ("st", "Southern Sotho"),
    ("su", "Sundanese"),
    ("sv", "Swedish"),
    ("sw", "Swahili"),
    ("ta", "Tamil"),
    ("te", "Telugu"),
    ("tg", "Tajik"),
    ("th", "Thai"),
    ("ti", "Tigrinya"),
    ("tk", "Turkmen"),
    ("tl", "Tagalog"),
    ("tn", "Tswana"),
    ("to", "Tongan"),
    ("tr", "Turkish"),
    ("ts", "Tsonga"),
    ("tt", "Tatar"),
    ("tw", "Twi"),
    ("ty", "Tahitian"),
    ("ug", "Uyghur"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("uz", "Uzbek"),
    ("ve", "Venda"),
    ("vi", "Vietnamese"),
    ("vo", "Volapük"),
    ("wa", "Walloon"),
    ("wo", "Wolof"),
    ("xh", "Xhosa"),
    ("yi", "Yiddish"),
    ("yo", "Yoruba"),
    ("za", "Zhuang"),
    ("zh", "Chinese"),
    ("zu", "Zulu"),
];

/// A language by its ISO 639-1 code.
///
/// Invariant: one of [`LANGUAGES`]'s codes, lower-case; made only by [`Language::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Language(&'static str);

impl Language {
    /// A code as written in a request or the store: two lower-case letters of ISO 639-1
    /// (`ar`, not `AR`, `ara` or `arabic`).
    pub fn parse(raw: &str) -> Option<Self> {
        LANGUAGES.iter().find(|(code, _)| *code == raw).map(|(code, _)| Language(code))
    }
    /// The code, lower-case (`ar`): what the store, the API and the event log hold.
    pub fn as_str(self) -> &'static str {
        self.0
    }
    /// The code upper-case (`AR`), as the DSA Transparency Database's `content_language` takes it.
    pub fn sor_code(self) -> String {
        self.0.to_ascii_uppercase()
    }
    /// The language's English name (`Arabic`).
    pub fn name(self) -> &'static str {
        LANGUAGES.iter().find(|(code, _)| *code == self.0).map_or(self.0, |(_, name)| name)
    }
    /// Every language, by code.
    pub fn all() -> impl Iterator<Item = Language> {
        LANGUAGES.iter().map(|(code, _)| Language(code))
    }
}

/// One fact about a case's content that the queue's filters, saved views and routing rules
/// select by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseLabel {
    Language(Language),
    HarmType(ReasonType),
}

impl CaseLabel {
    /// The stored word for the label's kind.
    pub const KINDS: [&'static str; 2] = ["language", "harm_type"];

    /// `language` or `harm_type`.
    pub fn kind(self) -> &'static str {
        match self {
            CaseLabel::Language(_) => "language",
            CaseLabel::HarmType(_) => "harm_type",
        }
    }
    /// The value: a lower-case ISO 639-1 code, or a letter of art. 2(7) (`a` to `e`).
    pub fn value(self) -> &'static str {
        match self {
            CaseLabel::Language(l) => l.as_str(),
            CaseLabel::HarmType(t) => t.letter(),
        }
    }
    /// A label from its stored kind and value; `None` for anything this vocabulary does not hold.
    pub fn from_parts(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "language" => Language::parse(value).map(CaseLabel::Language),
            "harm_type" => ReasonType::parse(value).map(CaseLabel::HarmType),
            _ => None,
        }
    }
}

/// The labels a report gives each case it joins: its language, if given, and its types.
pub fn labels_of(language: Option<Language>, types: &[ReasonType]) -> Vec<CaseLabel> {
    let mut out: Vec<CaseLabel> = language.map(CaseLabel::Language).into_iter().collect();
    out.extend(types.iter().copied().map(CaseLabel::HarmType));
    out.sort();
    out.dedup();
    out
}

/// Checks an optional language: absent is fine; given, it must be an ISO 639-1 code
/// (`invalid_language` on `field` otherwise).
pub fn check_language(c: &mut Checker, raw: Option<&str>, field: &str) -> Option<Language> {
    let raw = raw?;
    let language = Language::parse(raw);
    c.check(
        language.is_some(),
        field,
        "invalid_language",
        "must be a language's ISO 639-1 code: two lower-case letters, such as ar, fr or ps",
    );
    language
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(c: Checker) -> Vec<(String, &'static str)> {
        match c.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.errors().iter().map(|e| (e.field.clone(), e.code)).collect(),
        }
    }

    #[test]
    fn a_language_is_an_iso_639_1_code_in_lower_case() {
        let ar = Language::parse("ar").unwrap();
        assert_eq!((ar.as_str(), ar.name(), ar.sor_code()), ("ar", "Arabic", "AR".to_owned()));
        for bad in ["AR", "Ar", "ara", "arabic", "a", "", " ar", "xx", "zz", "a1", "é"] {
            assert_eq!(Language::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_list_holds_each_code_once_two_lower_case_letters_in_order() {
        assert_eq!(Language::all().count(), LANGUAGES.len());
        for pair in LANGUAGES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, name) in LANGUAGES {
            assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()), "{code}");
            assert!(!name.is_empty() && !name.contains(['(', ';', ',']), "{code}: {name}");
            assert_eq!(Language::parse(code).map(Language::name), Some(name));
        }
        // The Transparency Database takes the upper-case code of every one of them.
        for l in Language::all() {
            let s = crate::sor::Statement { content_language: Some(l.sor_code()), ..Default::default() };
            let refused = s.check().err().map(|e| e.errors().iter().any(|e| e.field == "content_language"));
            assert_ne!(refused, Some(true), "{}", l.as_str());
        }
    }

    #[test]
    fn a_missing_language_is_fine_and_a_wrong_one_is_named() {
        let mut c = Checker::new();
        assert_eq!(check_language(&mut c, None, "language"), None);
        assert_eq!(check_language(&mut c, Some("fr"), "language").map(Language::as_str), Some("fr"));
        assert!(fields(c).is_empty());
        let mut c = Checker::new();
        assert_eq!(check_language(&mut c, Some("arabic"), "language"), None);
        assert_eq!(fields(c), [("language".to_owned(), "invalid_language")]);
    }

    #[test]
    fn types_are_letters_a_to_e_each_kept_once_and_a_wrong_one_named_by_its_place() {
        let mut c = Checker::new();
        let raw: Vec<String> = ["d", "a", "d"].map(str::to_owned).to_vec();
        assert_eq!(check_types(&mut c, &raw, "harm_types"), [ReasonType::Incites, ReasonType::Instructs]);
        assert!(fields(c).is_empty());
        let mut c = Checker::new();
        let raw: Vec<String> = ["a", "f", "D"].map(str::to_owned).to_vec();
        assert_eq!(check_types(&mut c, &raw, "harm_types"), [ReasonType::Incites]);
        assert_eq!(
            fields(c),
            [("harm_types[1]".to_owned(), "unknown_reason"), ("harm_types[2]".to_owned(), "unknown_reason")]
        );
    }

    #[test]
    fn labels_read_back_from_their_kind_and_value_and_nothing_else_does() {
        let ar = Language::parse("ar").unwrap();
        let labels = labels_of(Some(ar), &[ReasonType::Instructs, ReasonType::Incites]);
        assert_eq!(
            labels,
            [
                CaseLabel::Language(ar),
                CaseLabel::HarmType(ReasonType::Incites),
                CaseLabel::HarmType(ReasonType::Instructs)
            ]
        );
        for l in &labels {
            assert!(CaseLabel::KINDS.contains(&l.kind()));
            assert_eq!(CaseLabel::from_parts(l.kind(), l.value()), Some(*l));
        }
        assert_eq!(labels_of(None, &[]), []);
        for (kind, value) in
            [("language", "AR"), ("language", "d"), ("harm_type", "ar"), ("harm_type", "f"), ("tier", "a")]
        {
            assert_eq!(CaseLabel::from_parts(kind, value), None, "{kind}={value}");
        }
    }
}
