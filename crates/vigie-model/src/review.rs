//! Working a shift: the undo window after a decision, how long a skipped case stays out of a
//! reviewer's way, and why an internal note was written.

use crate::{Duration, Timestamp};

/// How long the person who took a decision may undo it (a slip of the hand, noticed on the
/// confirmation). After it, a decision is changed only through due process (a complaint, a
/// reinstatement, an order's redress).
pub const UNDO_WINDOW: Duration = Duration::from_secs(60);

/// How long "Start reviewing" passes over a case the reviewer skipped.
pub const SKIP_FOR: Duration = Duration::from_mins(30);

/// Whether a decision taken at `decided_at` may still be undone at `now`: within [`UNDO_WINDOW`],
/// its last instant included.
pub fn undo_open(decided_at: Timestamp, now: Timestamp) -> bool {
    now >= decided_at && now.since(decided_at).as_micros() <= UNDO_WINDOW.as_micros()
}

/// Why an internal note was written: on its own, or with a skip, a release, a hand-over or an
/// escalation (the note says why).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoteReason {
    Note,
    Skip,
    Release,
    HandOver,
    Escalation,
}

impl NoteReason {
    pub const ALL: [NoteReason; 5] =
        [NoteReason::Note, NoteReason::Skip, NoteReason::Release, NoteReason::HandOver, NoteReason::Escalation];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteReason::Note => "note",
            NoteReason::Skip => "skip",
            NoteReason::Release => "release",
            NoteReason::HandOver => "hand_over",
            NoteReason::Escalation => "escalation",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// How the case page says it.
    pub fn label(self) -> &'static str {
        match self {
            NoteReason::Note => "Note",
            NoteReason::Skip => "Skipped",
            NoteReason::Release => "Released",
            NoteReason::HandOver => "Handed over",
            NoteReason::Escalation => "Escalated to a senior",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_undo_window_closes_after_its_last_instant() {
        let at = Timestamp::from_micros(1_000_000_000);
        assert!(undo_open(at, at));
        assert!(undo_open(at, at.plus(UNDO_WINDOW)));
        assert!(!undo_open(at, at.plus(UNDO_WINDOW).plus(Duration::from_micros(1))));
        assert!(!undo_open(at, at.minus(Duration::from_secs(1))), "not before the decision");
    }

    #[test]
    fn note_reasons_round_trip() {
        for r in NoteReason::ALL {
            assert_eq!(NoteReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(NoteReason::parse("other"), None);
    }
}
