//! Wellbeing in the viewer, as the console shows it: the classes a person's viewer settings put
//! on media (blur strength, greyscale after reveal, peek), the re-blur delay the script reads,
//! today's reveal count with its break prompt, and the settings forms (the person's own, and the
//! organisation's for its leads). Everything works without JavaScript but the re-blur timer.

use axum::extract::State;
use axum::response::Response;
use vigie_app::wellbeing::{DEFAULT_BLUR, DEFAULT_BREAK_AFTER, ViewerSettings};
use vigie_store::{OrgViewerRecord, ViewerRecord};

use super::session::{CsrfForm, Viewer};
use super::{PageError, field, redirect};
use crate::AppState;

/// What a page with media needs to draw them for this person.
pub(crate) struct ViewerView {
    /// Classes for each `figure.media`: `blur-1|2|3`, `keep-grey`, `peek`.
    pub classes: String,
    /// Seconds after which the script blurs a revealed original again; 0: never.
    pub reblur: i64,
    pub count: i64,
    pub break_after: i64,
    pub suggest_break: bool,
    /// The blur a revealed video starts at: the person's blur of previews (1 to 3).
    pub blur: i64,
    /// Whether a revealed original stays in greyscale (no colour step for videos).
    pub keep_grey: bool,
    /// Today's time with revealed videos, in words ("4 min 10 s"); empty when none.
    pub viewing: String,
}

impl ViewerView {
    pub(crate) async fn load(app: &vigie_app::App, v: &Viewer) -> Self {
        let settings = app.viewer_settings(&v.principal).await.ok();
        let today = app.reveals_today(&v.principal).await.ok();
        let e = settings.map(|s| s.effective);
        let mut classes = format!("blur-{}", e.map_or(DEFAULT_BLUR, |e| e.blur));
        if e.is_some_and(|e| e.greyscale) {
            classes.push_str(" keep-grey");
        }
        if e.is_some_and(|e| e.peek) {
            classes.push_str(" peek");
        }
        ViewerView {
            classes,
            reblur: e.map_or(0, |e| e.reblur_secs),
            count: today.as_ref().map_or(0, |t| t.count),
            break_after: today.as_ref().map_or(DEFAULT_BREAK_AFTER, |t| t.break_after),
            suggest_break: today.as_ref().is_some_and(|t| t.suggest_break()),
            blur: e.map_or(DEFAULT_BLUR, |e| e.blur),
            keep_grey: e.is_some_and(|e| e.greyscale),
            viewing: today.map_or(String::new(), |t| duration_words(t.viewing_secs)),
        }
    }
}

/// Seconds in words: "45 s", "4 min 10 s", "1 h 5 min"; empty for none.
pub(crate) fn duration_words(secs: i64) -> String {
    match secs {
        s if s <= 0 => String::new(),
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
    }
}

/// One choice of a settings form: its value and label, and whether it is the current one.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The viewer part of the settings page.
pub(crate) struct SettingsView {
    pub blur: Vec<Choice>,
    pub greyscale: Vec<Choice>,
    pub peek: Vec<Choice>,
    pub reblur: Vec<Choice>,
    /// The organisation's form, for its leads.
    pub org: Option<OrgForm>,
}

pub(crate) struct OrgForm {
    pub blur: Vec<Choice>,
    pub greyscale: Vec<Choice>,
    pub peek: Vec<Choice>,
    pub reblur: Vec<Choice>,
    pub break_after: String,
    pub leads_see_counts: bool,
}

const BLURS: [(i64, &str); 3] = [(1, "light"), (2, "medium"), (3, "strong")];
const REBLURS: [(i64, &str); 4] =
    [(0, "never"), (30, "after 30 seconds"), (60, "after a minute"), (300, "after 5 minutes")];

fn yes_no(v: Option<bool>, yes: &str, no: &str) -> [(String, String, bool); 2] {
    [("yes".into(), yes.into(), v == Some(true)), ("no".into(), no.into(), v == Some(false))]
}

/// Choices with a first one that defers to the level above (`inherit`, described by `above`).
fn choices(items: Vec<(String, String, bool)>, above: Option<String>) -> Vec<Choice> {
    let none = !items.iter().any(|(_, _, s)| *s);
    let mut out = Vec::new();
    if let Some(above) = above {
        out.push(Choice { value: String::new(), label: above, selected: none });
    }
    out.extend(items.into_iter().map(|(value, label, selected)| Choice { value, label, selected }));
    out
}

fn blur_items(v: Option<i64>) -> Vec<(String, String, bool)> {
    BLURS.iter().map(|(n, l)| (n.to_string(), (*l).to_owned(), v == Some(*n))).collect()
}

fn reblur_items(v: Option<i64>) -> Vec<(String, String, bool)> {
    REBLURS.iter().map(|(n, l)| (n.to_string(), (*l).to_owned(), v == Some(*n))).collect()
}

fn word(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

impl SettingsView {
    pub(crate) fn of(s: &ViewerSettings) -> Self {
        let d = &s.org.defaults;
        let org_blur = d.blur.unwrap_or(DEFAULT_BLUR);
        let blur_name = BLURS.iter().find(|(n, _)| *n == org_blur).map_or("medium", |(_, l)| l);
        let org_reblur = d.reblur_secs.unwrap_or(0);
        let reblur_name = REBLURS.iter().find(|(n, _)| *n == org_reblur).map_or("never", |(_, l)| l);
        let inherit = |what: &str| Some(format!("Your organisation's default ({what})"));
        SettingsView {
            blur: choices(blur_items(s.own.blur), inherit(blur_name)),
            greyscale: choices(
                yes_no(s.own.greyscale, "keep the original in greyscale", "show the original in colour").to_vec(),
                inherit(word(d.greyscale.unwrap_or(false))),
            ),
            peek: choices(
                yes_no(s.own.peek, "hovering lightens the blur", "no peeking").to_vec(),
                inherit(word(d.peek.unwrap_or(false))),
            ),
            reblur: choices(reblur_items(s.own.reblur_secs), inherit(reblur_name)),
            org: s.lead.then(|| OrgForm {
                blur: choices(blur_items(d.blur), Some("Vigie's default (medium)".into())),
                greyscale: choices(
                    yes_no(d.greyscale, "keep the original in greyscale", "show the original in colour").to_vec(),
                    Some("Vigie's default (no)".into()),
                ),
                peek: choices(
                    yes_no(d.peek, "hovering lightens the blur", "no peeking").to_vec(),
                    Some("Vigie's default (no)".into()),
                ),
                reblur: choices(reblur_items(d.reblur_secs), Some("Vigie's default (never)".into())),
                break_after: s.org.break_after.map(|n| n.to_string()).unwrap_or_default(),
                leads_see_counts: s.org.leads_see_counts,
            }),
        }
    }
}

fn number(form: &[(String, String)], name: &str) -> Result<Option<i64>, PageError> {
    match field(form, name).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            PageError::App(vigie_app::AppError::Invalid(vigie_model::Invalid::one(name, "number", "must be a number")))
        }),
    }
}

fn flag(form: &[(String, String)], name: &str) -> Option<bool> {
    match field(form, name) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
}

fn record(form: &[(String, String)]) -> Result<ViewerRecord, PageError> {
    Ok(ViewerRecord {
        blur: number(form, "blur")?,
        greyscale: flag(form, "greyscale"),
        peek: flag(form, "peek"),
        reblur_secs: number(form, "reblur")?,
    })
}

/// A person saves their own viewer settings.
pub(crate) async fn save_own(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    s.app.set_viewer_settings(&v.principal, record(&form)?).await?;
    Ok(redirect("/settings?saved=viewer#viewer"))
}

/// A lead saves the organisation's defaults, break threshold and the leads' access to counts.
pub(crate) async fn save_org(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let org = OrgViewerRecord {
        defaults: record(&form)?,
        break_after: number(&form, "break_after")?,
        leads_see_counts: field(&form, "leads_see_counts") == Some("yes"),
    };
    s.app.set_org_viewer_settings(&v.principal, org).await?;
    Ok(redirect("/settings?saved=organisation#organisation"))
}

/// A piece of media as the case's page and a complaint's draw it (`templates/viewer_media.html`).
pub(crate) struct MediaItem {
    pub id: String,
    pub format: String,
    pub size: i64,
    pub sha256: String,
    pub pdq: String,
    pub note: String,
    pub has_preview: bool,
    pub raster: bool,
    pub revealed: bool,
    /// Whether the original is kept (not for a stay-down video over the case media limit).
    pub original_kept: bool,
    /// Bank matches: the bank's name, the entry and the distance.
    pub matches: Vec<(String, String, String)>,
    /// For a video: its storyboard and timeline.
    pub video: Option<VideoView>,
}

/// A video's storyboard and timeline, as the case's page draws them: an SVG of 1000 units across
/// the video's duration, with the matched segments and the storyboard's frames marked.
pub(crate) struct VideoView {
    /// The media type the browser plays it as; `None`: only downloaded.
    pub playable: Option<&'static str>,
    pub frame_rate: f64,
    pub duration: String,
    /// The storyboard's frames' times ("0.0 s") and positions on the timeline.
    pub frames: Vec<(String, String)>,
    /// The matched segments: their position and width on the timeline, and in words.
    pub segments: Vec<(String, String, String)>,
}

impl VideoView {
    fn of(format: &str, facts: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(facts).ok()?;
        let duration = v["duration"].as_f64().unwrap_or(0.0).max(0.001);
        let x = |t: f64| format!("{:.1}", (t / duration * 1000.0).clamp(0.0, 1000.0));
        let frames = v["frames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["at"].as_f64())
            .map(|t| (format!("{t:.1} s"), x(t)))
            .collect();
        let mut segments = Vec::new();
        for m in v["matches"].as_array().into_iter().flatten() {
            let bank = m["bank_name"].as_str().unwrap_or_default();
            let share = m["query_match_percent"].as_f64().unwrap_or(0.0);
            for s in m["segments"].as_array().into_iter().flatten() {
                let r = |k: &str, i: usize| s[k][i].as_f64().unwrap_or(0.0);
                let (a, b) = (r("upload", 0), r("upload", 1));
                let words = format!(
                    "{a:.1}–{b:.1} s of this video match {:.1}–{:.1} s of entry {} in the bank {bank} ({share:.0} % of this \
                     video's frames match{})",
                    r("banked", 0),
                    r("banked", 1),
                    m["entry"],
                    if m["clip"].as_bool() == Some(true) { "; the banked video is a clip inside this one" } else { "" },
                );
                let width = format!("{:.1}", ((b - a) / duration * 1000.0).clamp(4.0, 1000.0));
                segments.push((x(a), width, words));
            }
        }
        Some(VideoView {
            playable: super::player::playable_type(format),
            frame_rate: v["frame_rate"].as_f64().unwrap_or(25.0),
            duration: format!("{duration:.1} s"),
            frames,
            segments,
        })
    }
}

impl MediaItem {
    /// The media of a case; `reveal` names the one this person just revealed, if any.
    pub(crate) fn list(media: &[vigie_store::MediaRecord], reveal: Option<&str>) -> Vec<Self> {
        media
            .iter()
            .map(|m| {
                let revealed = reveal == Some(m.id.as_str());
                let video = m.video.as_deref().and_then(|f| VideoView::of(&m.format, f));
                let raster = m.format != "unsupported" && m.video.is_none();
                let matches: Vec<serde_json::Value> = serde_json::from_str(&m.matches).unwrap_or_default();
                MediaItem {
                    id: m.id.as_str().to_owned(),
                    format: m.format.clone(),
                    size: m.size,
                    sha256: m.sha256.clone(),
                    pdq: m.pdq.clone().unwrap_or_default(),
                    // The stored note describes the derivative; a revealed original is captioned
                    // as what it is.
                    note: if revealed && raster {
                        "The original as sent, in colour and full size: revealed to you, and the reveal is logged."
                            .to_owned()
                    } else if revealed && video.as_ref().is_some_and(|v| v.playable.is_some()) {
                        "The original video as sent: revealed to you (the reveal is logged), starting muted, in \
                         greyscale and blurred; the time it plays counts in your figure for today."
                            .to_owned()
                    } else {
                        m.note.clone()
                    },
                    has_preview: m.preview.is_some(),
                    raster,
                    revealed,
                    original_kept: m.original_kept,
                    matches: matches
                        .iter()
                        .map(|h| {
                            let name = h["bank_name"].as_str().unwrap_or_default().to_owned();
                            (name, h["entry"].to_string(), h["distance"].to_string())
                        })
                        .collect(),
                    video,
                }
            })
            .collect()
    }
}

/// A text cut into parts, each marked when it is inside one of `spans` (byte ranges, in order and
/// disjoint); a span that is out of order, out of the text or not on character boundaries is
/// left unmarked rather than trusted.
pub(crate) fn marked_parts(text: &str, spans: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut at = 0;
    for &(start, end) in spans {
        if start < at
            || start >= end
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            parts.push((text[at..start].to_owned(), false));
        }
        parts.push((text[start..end].to_owned(), true));
        at = end;
    }
    if at < text.len() {
        parts.push((text[at..].to_owned(), false));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_cut_at_its_marked_spans_and_bad_spans_are_ignored() {
        let t = "aé <b>c</b> d";
        assert_eq!(
            marked_parts(t, &[(0, 3), (4, 12)]),
            [("aé".to_owned(), true), (" ".to_owned(), false), ("<b>c</b>".to_owned(), true), (" d".to_owned(), false)]
        );
        // Inside "é", out of order, past the end: nothing marked.
        assert_eq!(marked_parts(t, &[(2, 5)]), [(t.to_owned(), false)]);
        assert_eq!(
            marked_parts(t, &[(4, 6), (0, 2)]),
            [("aé ".to_owned(), false), ("<b".to_owned(), true), (">c</b> d".to_owned(), false)]
        );
        assert_eq!(marked_parts(t, &[(10, 99)]), [(t.to_owned(), false)]);
        assert!(marked_parts("", &[]).is_empty());
    }
}
