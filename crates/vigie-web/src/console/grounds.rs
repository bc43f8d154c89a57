//! The legal grounds and purposes in plain words, for people who are not lawyers: what each
//! ground covers, with an invented example, each purpose of TCO art. 1(3) by its name, and each
//! type of terrorist content of TCO art. 2(7) in a few words and in a sentence.
//! Presentation only: which ground applies is the taxonomy's and the use-cases' business.

use vigie_model::decision::Purpose;
use vigie_model::labels::{CaseLabel, Language};
use vigie_model::order::ReasonType;

/// What a legal basis of the taxonomy covers, in plain words, and an invented example; `None`
/// for an id without an explanation here (the title still shows).
pub(crate) fn explain(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "eu.tco.2-7-a" => (
            "Material that urges people to commit terrorist offences, openly or by praising attacks, in a way that makes new attacks more likely.",
            "A video celebrating a recent bombing as heroic and telling viewers to follow the attackers' example.",
        ),
        "eu.tco.2-7-b" => (
            "Material that asks a person or a group to commit, or help commit, a terrorist offence.",
            "A post asking readers to send money to buy weapons for a planned attack.",
        ),
        "eu.tco.2-7-c" => (
            "Material that recruits for a terrorist group or asks people to join in its activities.",
            "A poster inviting young people to travel and join an armed group listed as terrorist.",
        ),
        "eu.tco.2-7-d" => (
            "Instructions for making or using explosives, weapons or dangerous substances, or methods, for terrorist offences.",
            "A step-by-step guide to building an explosive device, shared in a channel supporting attacks.",
        ),
        "eu.tco.2-7-e" => (
            "A threat to commit a terrorist offence.",
            "A message announcing an attack on a named stadium next weekend.",
        ),
        "fr.cp.421-2-5" | "fr.cp.421-2-5.provocation" => (
            "French law: directly calling on people to commit acts of terrorism.",
            "A post urging readers to attack a particular place of worship.",
        ),
        "fr.cp.421-2-5.apologie" => (
            "French law: publicly presenting acts of terrorism, or their authors, in a favourable light.",
            "A comment praising the authors of an attack as martyrs to be admired.",
        ),
        "fr.cp.421-2-5-1" => (
            "French law: re-posting provocation or apology of terrorism to get round its blocking or removal.",
            "A mirror of a video that was already removed, uploaded under a new name to escape the filter.",
        ),
        _ => return None,
    })
}

/// A purpose of TCO art. 1(3) in words.
pub(crate) fn purpose_label(p: Purpose) -> &'static str {
    match p {
        Purpose::Educational => "Education",
        Purpose::Journalistic => "Journalism",
        Purpose::Artistic => "Art",
        Purpose::Research => "Research",
        Purpose::CounteringTerrorism => "Preventing or countering terrorism",
        Purpose::PublicDebate => "Expression of polemic or controversial views in public debate",
        Purpose::None => "None of these purposes applies",
    }
}

/// A purpose's stored value in words (the value itself when unknown).
pub(crate) fn purpose_words(raw: &str) -> String {
    Purpose::ALL.iter().find(|p| p.as_str() == raw).map_or_else(|| raw.to_owned(), |p| purpose_label(*p).to_owned())
}

/// A type of terrorist content (TCO art. 2(7)) in a few words, as the queue and a case show it.
pub(crate) fn harm_words(t: ReasonType) -> &'static str {
    match t {
        ReasonType::Incites => "incites",
        ReasonType::SolicitsOffence => "solicits an offence",
        ReasonType::SolicitsGroup => "recruits for a group",
        ReasonType::Instructs => "instructs on weapons",
        ReasonType::Threatens => "threatens",
    }
}

/// A type of terrorist content in a sentence anyone can read, for the public report form.
pub(crate) fn harm_sentence(t: ReasonType) -> &'static str {
    match t {
        ReasonType::Incites => {
            "It urges people to commit terrorist attacks, or glorifies them, so that new attacks become more likely"
        }
        ReasonType::SolicitsOffence => "It asks someone to commit a terrorist attack, or to help with one",
        ReasonType::SolicitsGroup => {
            "It recruits for a terrorist group, or asks people to take part in what the group does"
        }
        ReasonType::Instructs => "It shows how to make or use weapons, explosives or dangerous substances for attacks",
        ReasonType::Threatens => "It threatens a terrorist attack",
    }
}

/// Every type: its letter, its few words and its sentence.
pub(crate) fn harm_choices() -> Vec<(&'static str, &'static str, &'static str)> {
    ReasonType::ALL.iter().map(|t| (t.letter(), harm_words(*t), harm_sentence(*t))).collect()
}

/// Languages for a list to choose from: code and name, by name.
pub(crate) fn language_choices(languages: impl IntoIterator<Item = Language>) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = languages.into_iter().map(|l| (l.as_str(), l.name())).collect();
    out.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    out.dedup();
    out
}

/// A case's labels in words: its languages (`Arabic`), then its types (`instructs on weapons`).
pub(crate) fn label_words(labels: &[CaseLabel]) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut languages = Vec::new();
    let mut types = Vec::new();
    for l in labels {
        match l {
            CaseLabel::Language(language) => languages.push(language.name()),
            CaseLabel::HarmType(t) => types.push(harm_words(*t)),
        }
    }
    (languages, types)
}

/// A routing rule's or filter's value in words where it has some (`Arabic (ar)`,
/// `instructs on weapons (d)`); the value itself otherwise.
pub(crate) fn value_words(field: &str, value: &str) -> String {
    match CaseLabel::from_parts(field, value) {
        Some(CaseLabel::Language(l)) => format!("{} ({value})", l.name()),
        Some(CaseLabel::HarmType(t)) => format!("{} ({value})", harm_words(t)),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_its_words_and_languages_read_by_name() {
        assert_eq!(harm_choices().len(), 5);
        assert_eq!(harm_words(ReasonType::Instructs), "instructs on weapons");
        let choices = language_choices(Language::all());
        assert_eq!(choices.len(), vigie_model::labels::LANGUAGES.len());
        assert_eq!(choices[0], ("ab", "Abkhazian"));
        assert_eq!(value_words("language", "ar"), "Arabic (ar)");
        assert_eq!(value_words("harm_type", "d"), "instructs on weapons (d)");
        assert_eq!(value_words("host", "video.example"), "video.example");
    }
}
