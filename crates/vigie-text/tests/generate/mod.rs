//! A generated corpus of synthetic statements: municipal notices and manifestos of invented
//! clubs and associations, in English, French, German, Russian and Arabic, from word lists
//! written for these tests (neutral civic vocabulary; no real statement, organisation or place).
//! And the edits a copy goes through: words replaced, inserted or deleted, paragraphs reordered,
//! junk inserted (invisible characters, look-alike letters, case, fullwidth forms, punctuation,
//! and in Arabic vowel marks, tatweel and letter variants).
//!
//! Everything is drawn from a seeded generator, so a run is reproducible.

#![allow(dead_code, unreachable_pub)]

mod ar;
mod de;
mod en;
mod fr;
mod ru;

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    English,
    French,
    German,
    Russian,
    Arabic,
}

impl Language {
    pub const ALL: [Language; 5] =
        [Language::English, Language::French, Language::German, Language::Russian, Language::Arabic];

    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::German => "de",
            Language::Russian => "ru",
            Language::Arabic => "ar",
        }
    }

    fn lexicon(self) -> &'static Lexicon {
        match self {
            Language::English => &en::LEXICON,
            Language::French => &fr::LEXICON,
            Language::German => &de::LEXICON,
            Language::Russian => &ru::LEXICON,
            Language::Arabic => &ar::LEXICON,
        }
    }
}

/// What a statement is about: its verbs and nouns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A municipal notice: budgets, roads, the library.
    Notice,
    /// A club's manifesto: membership, tournaments, statutes.
    Manifesto,
}

impl Topic {
    pub const ALL: [Topic; 2] = [Topic::Notice, Topic::Manifesto];

    fn index(self) -> usize {
        match self {
            Topic::Notice => 0,
            Topic::Manifesto => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gender {
    M,
    F,
    N,
}

/// A noun as an object, with what goes before it (an article, or nothing).
pub(crate) struct Noun {
    pub(crate) before: &'static str,
    pub(crate) word: &'static str,
    pub(crate) gender: Gender,
}

/// An adjective's forms beside a masculine, feminine and neuter object noun.
pub(crate) struct Adjective {
    pub(crate) m: &'static str,
    pub(crate) f: &'static str,
    pub(crate) n: &'static str,
}

impl Adjective {
    fn form(&self, gender: Gender) -> &'static str {
        match gender {
            Gender::M => self.m,
            Gender::F => self.f,
            Gender::N => self.n,
        }
    }
}

/// Where an adjective goes in a noun phrase.
#[derive(Clone, Copy)]
pub(crate) enum AdjectivePlace {
    /// Between the article and the noun (English, German, Russian).
    Before,
    /// After the noun (French, Arabic).
    After,
}

/// The word lists and sentence frames of one language.
///
/// Frames hold slots: `{S}` a subject (capitalised), `{s}` a subject, `{V}` a verb of the topic,
/// `{O}` an object noun phrase (an article, a noun of the topic, sometimes an adjective and an
/// owner), `{T}` a time or place (`{Tc}` capitalised), `{N}` a connector, `{G}` an invented
/// organisation (in the form that follows "the members").
pub(crate) struct Lexicon {
    pub(crate) subjects: &'static [&'static str],
    pub(crate) verbs: [&'static [&'static str]; 2],
    pub(crate) nouns: [&'static [Noun]; 2],
    pub(crate) adjectives: &'static [Adjective],
    pub(crate) adjective_place: AdjectivePlace,
    pub(crate) owners: &'static [&'static str],
    pub(crate) times: &'static [&'static str],
    pub(crate) connectors: &'static [&'static str],
    /// Organisation frames with `{}` for the invented name.
    pub(crate) organisations: &'static [&'static str],
    pub(crate) name_starts: &'static [&'static str],
    pub(crate) name_ends: &'static [&'static str],
    /// Name parts are joined with this (a space in Arabic, nothing elsewhere).
    pub(crate) name_joint: &'static str,
    pub(crate) frames: &'static [&'static str],
    /// Look-alike letters a copy may be written with: (letter, its look-alike).
    pub(crate) look_alikes: &'static [(char, char)],
}

/// A statement: paragraphs of words (punctuation attached to the words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub paragraphs: Vec<Vec<String>>,
}

impl Statement {
    pub fn text(&self) -> String {
        self.paragraphs.iter().map(|p| p.join(" ")).collect::<Vec<_>>().join("\n\n")
    }

    pub fn word_count(&self) -> usize {
        self.paragraphs.iter().map(Vec::len).sum()
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn object(rng: &mut Rng, lex: &Lexicon, topic: Topic) -> String {
    let noun = rng.pick(lex.nouns[topic.index()]);
    let mut phrase = String::new();
    let adjective = rng.chance(0.6).then(|| rng.pick(lex.adjectives).form(noun.gender));
    phrase.push_str(noun.before);
    match (lex.adjective_place, adjective) {
        (AdjectivePlace::Before, Some(adj)) => {
            if !phrase.is_empty() && !phrase.ends_with(' ') {
                phrase.push(' ');
            }
            phrase.push_str(adj);
            phrase.push(' ');
            phrase.push_str(noun.word);
        }
        (AdjectivePlace::After, Some(adj)) => {
            phrase.push_str(noun.word);
            phrase.push(' ');
            phrase.push_str(adj);
        }
        (_, None) => phrase.push_str(noun.word),
    }
    if rng.chance(0.4) {
        phrase.push(' ');
        phrase.push_str(rng.word(lex.owners));
    }
    phrase
}

fn organisation(rng: &mut Rng, lex: &Lexicon) -> String {
    let name = format!("{}{}{}", rng.word(lex.name_starts), lex.name_joint, rng.word(lex.name_ends));
    rng.word(lex.organisations).replace("{}", &name)
}

fn sentence(rng: &mut Rng, lex: &Lexicon, topic: Topic, organisation: &str) -> String {
    let frame = rng.word(lex.frames);
    let mut out = String::new();
    let mut rest = frame;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closed slot");
        let slot = &rest[open + 1..close];
        let filled = match slot {
            "S" => capitalise(rng.word(lex.subjects)),
            "s" => rng.word(lex.subjects).to_owned(),
            "V" => rng.word(lex.verbs[topic.index()]).to_owned(),
            "O" => object(rng, lex, topic),
            "T" => rng.word(lex.times).to_owned(),
            "Tc" => capitalise(rng.word(lex.times)),
            "N" => rng.word(lex.connectors).to_owned(),
            "G" => organisation.to_owned(),
            other => panic!("unknown slot {other}"),
        };
        out.push_str(&filled);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    capitalise(&out)
}

/// How long a statement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Length {
    /// A post: one paragraph of 2 or 3 sentences (about 25 to 45 words).
    Short,
    /// A statement: 3 to 6 paragraphs of 3 to 5 sentences (about 120 to 400 words).
    Long,
}

/// A new statement of one invented organisation on `topic`.
pub fn statement(rng: &mut Rng, language: Language, topic: Topic, length: Length) -> Statement {
    let lex = language.lexicon();
    let organisation = organisation(rng, lex);
    let (paragraphs, sentences) = match length {
        Length::Short => ((1, 1), (2, 3)),
        Length::Long => ((3, 6), (3, 5)),
    };
    let paragraphs = (0..rng.range(paragraphs.0, paragraphs.1))
        .map(|_| {
            let sentences: Vec<String> =
                (0..rng.range(sentences.0, sentences.1)).map(|_| sentence(rng, lex, topic, &organisation)).collect();
            sentences.join(" ").split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
        })
        .collect();
    Statement { paragraphs }
}

/// Every word of the language's lists: what edits draw from.
pub fn vocabulary(language: Language) -> Vec<String> {
    let lex = language.lexicon();
    let mut phrases: Vec<&str> = Vec::new();
    phrases.extend(lex.subjects);
    for topic in Topic::ALL {
        phrases.extend(lex.verbs[topic.index()]);
        phrases.extend(lex.nouns[topic.index()].iter().map(|n| n.word));
    }
    phrases.extend(lex.adjectives.iter().flat_map(|a| [a.m, a.f, a.n]));
    phrases.extend(lex.owners);
    phrases.extend(lex.times);
    let mut words: Vec<String> =
        phrases.iter().flat_map(|p| p.split(' ')).filter(|w| !w.is_empty()).map(str::to_owned).collect();
    words.sort();
    words.dedup();
    words
}

/// `round(fraction × words)` edits at random places, each replacing, inserting or deleting one
/// word (new words from the language's vocabulary).
pub fn edit_words(rng: &mut Rng, language: Language, statement: &Statement, fraction: f64) -> Statement {
    let vocabulary = vocabulary(language);
    let mut out = statement.clone();
    let edits = (fraction * statement.word_count() as f64).round() as usize;
    for _ in 0..edits {
        let p = rng.below(out.paragraphs.len());
        let paragraph = &mut out.paragraphs[p];
        let at = rng.below(paragraph.len());
        match rng.below(3) {
            0 => paragraph[at] = rng.pick(&vocabulary).clone(),
            1 => paragraph.insert(at, rng.pick(&vocabulary).clone()),
            _ if paragraph.len() > 1 => {
                paragraph.remove(at);
            }
            _ => paragraph[at] = rng.pick(&vocabulary).clone(),
        }
    }
    out
}

/// The paragraphs in another order (a different one when there are two or more).
pub fn reorder_paragraphs(rng: &mut Rng, statement: &Statement) -> Statement {
    let mut out = statement.clone();
    if out.paragraphs.len() < 2 {
        return out;
    }
    while out == *statement {
        for i in (1..out.paragraphs.len()).rev() {
            let j = rng.below(i + 1);
            out.paragraphs.swap(i, j);
        }
    }
    out
}

const INVISIBLE: [char; 9] =
    ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{200E}', '\u{200F}', '\u{202C}'];
const PUNCTUATION: [&str; 10] = ["...", "!!", "*", "—", "#", "///", "»", "«", "?!", "~"];
const HARAKAT: [char; 8] =
    ['\u{064B}', '\u{064C}', '\u{064D}', '\u{064E}', '\u{064F}', '\u{0650}', '\u{0651}', '\u{0652}'];

fn insert_at_char(word: &str, at: usize, insert: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        if i == at {
            out.push_str(insert);
        }
        out.push(c);
    }
    out
}

fn fullwidth(c: char) -> char {
    if c.is_ascii_graphic() { char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c) } else { c }
}

/// One word with junk: an invisible character inside, look-alike letters, upper case,
/// fullwidth letters, or (Arabic) vowel marks, tatweel and letter variants.
fn junk_word(rng: &mut Rng, language: Language, word: &str) -> String {
    let lex = language.lexicon();
    let len = word.chars().count();
    let choices = if language == Language::Arabic { 5 } else { 4 };
    match rng.below(choices) {
        0 => {
            let invisible = rng.pick(&INVISIBLE).to_string();
            insert_at_char(word, rng.below(len.max(1)), &invisible)
        }
        1 => {
            let mut out: String = word.to_owned();
            for &(letter, look_alike) in lex.look_alikes {
                if rng.chance(0.5) {
                    out = out.replace(letter, &look_alike.to_string());
                }
            }
            out
        }
        2 if language == Language::Arabic => {
            // Vowel marks after some letters.
            word.chars().flat_map(|c| if rng.chance(0.4) { vec![c, *rng.pick(&HARAKAT)] } else { vec![c] }).collect()
        }
        2 => word.to_uppercase(),
        3 if language == Language::Arabic => {
            // Tatweel inside the word.
            insert_at_char(
                word,
                rng.below(len.max(1)).max(1).min(len.saturating_sub(1)),
                &"\u{0640}".repeat(rng.range(1, 3)),
            )
        }
        4 => {
            // Alef forms, alef maksura and teh marbuta, as writers vary them.
            word.chars()
                .enumerate()
                .map(|(i, c)| match c {
                    'ا' if i == 0 => *rng.pick(&['أ', 'إ', 'آ']),
                    'ي' if i + 1 == len => 'ى',
                    'ه' if i + 1 == len => 'ة',
                    'ة' => 'ه',
                    other => other,
                })
                .collect()
        }
        _ => word.chars().map(fullwidth).collect(),
    }
}

/// Junk in about `rate` of the words, punctuation between some words, and runs of spaces and
/// line breaks.
pub fn add_junk(rng: &mut Rng, language: Language, statement: &Statement, rate: f64) -> String {
    let mut paragraphs = Vec::new();
    for paragraph in &statement.paragraphs {
        let mut out = String::new();
        for (i, word) in paragraph.iter().enumerate() {
            if i > 0 {
                out.push_str(match rng.below(12) {
                    0 => "  ",
                    1 => "\n",
                    2 => " \u{00A0}",
                    _ => " ",
                });
            }
            if rng.chance(rate / 2.0) {
                out.push_str(rng.word(&PUNCTUATION));
                out.push(' ');
            }
            if rng.chance(rate) {
                out.push_str(&junk_word(rng, language, word));
            } else {
                out.push_str(word);
            }
        }
        paragraphs.push(out);
    }
    paragraphs.join("\n\n")
}
