//! The legal grounds and purposes in plain words, for people who are not lawyers: what each
//! ground covers, with an invented example, and each purpose of TCO art. 1(3) by its name.
//! Presentation only: which ground applies is the taxonomy's and the use-cases' business.

use vigie_model::decision::Purpose;

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
