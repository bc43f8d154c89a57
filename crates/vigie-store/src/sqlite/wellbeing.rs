//! The SQL behind [`WellbeingReads`] and [`WellbeingTx`].

use rusqlite::{Row, params};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx};
use crate::*;

fn viewer_row(r: &Row<'_>) -> rusqlite::Result<ViewerRecord> {
    Ok(ViewerRecord {
        blur: r.get("blur")?,
        greyscale: r.get("greyscale")?,
        peek: r.get("peek")?,
        reblur_secs: r.get("reblur_secs")?,
    })
}

impl WellbeingReads for SqliteRead<'_> {
    fn viewer_settings(&self, user: &UserId) -> Result<Option<ViewerRecord>> {
        self.one("SELECT * FROM viewer_settings WHERE user = ?1", [user.as_str()], viewer_row)
    }
    fn org_viewer_settings(&self, org: &OrgId) -> Result<Option<OrgViewerRecord>> {
        self.one("SELECT * FROM org_viewer_settings WHERE org = ?1", [org.as_str()], |r| {
            Ok(OrgViewerRecord {
                defaults: viewer_row(r)?,
                break_after: r.get("break_after")?,
                leads_see_counts: r.get("leads_see_counts")?,
            })
        })
    }
    fn reveal_count(&self, user: &UserId, day: &str) -> Result<i64> {
        Ok(self
            .one("SELECT count FROM reveal_counts WHERE user = ?1 AND day = ?2", params![user.as_str(), day], |r| {
                r.get(0)
            })?
            .unwrap_or(0))
    }
    fn reveal_counts_of(&self, org: &OrgId, day: &str) -> Result<Vec<RevealCount>> {
        self.many(
            "SELECT user, day, count FROM reveal_counts WHERE org = ?1 AND day = ?2 ORDER BY count DESC, user",
            params![org.as_str(), day],
            |r| Ok(RevealCount { user: UserId::from_trusted(r.get(0)?), day: r.get(1)?, count: r.get(2)? }),
        )
    }
    fn reveal_count_days(&self, user: &UserId) -> Result<Vec<String>> {
        self.many("SELECT day FROM reveal_counts WHERE user = ?1 ORDER BY day", [user.as_str()], |r| r.get(0))
    }
    fn viewing_time(&self, user: &UserId, day: &str) -> Result<i64> {
        Ok(self
            .one("SELECT micros FROM viewing_time WHERE user = ?1 AND day = ?2", params![user.as_str(), day], |r| {
                r.get(0)
            })?
            .unwrap_or(0))
    }
    fn signed_in(&self, org: &OrgId, now: Timestamp) -> Result<Vec<(UserId, Timestamp)>> {
        self.many(
            "SELECT s.user, MAX(s.created_at) FROM sessions s JOIN users u ON u.id = s.user \
             WHERE u.org = ?1 AND u.deactivated_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > ?2 \
             GROUP BY s.user ORDER BY MAX(s.created_at)",
            params![org.as_str(), now.as_micros()],
            |r| Ok((UserId::from_trusted(r.get(0)?), Timestamp::from_micros(r.get(1)?))),
        )
    }
}

macro_rules! delegate_shift_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl WellbeingReads for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.read.$name($($arg),*) })*
        }
    };
}

delegate_shift_reads! {
    viewer_settings(user: &UserId) -> Result<Option<ViewerRecord>>;
    org_viewer_settings(org: &OrgId) -> Result<Option<OrgViewerRecord>>;
    reveal_count(user: &UserId, day: &str) -> Result<i64>;
    reveal_counts_of(org: &OrgId, day: &str) -> Result<Vec<RevealCount>>;
    reveal_count_days(user: &UserId) -> Result<Vec<String>>;
    signed_in(org: &OrgId, now: Timestamp) -> Result<Vec<(UserId, Timestamp)>>;
    viewing_time(user: &UserId, day: &str) -> Result<i64>;
}

impl WellbeingTx for SqliteTx<'_> {
    fn set_viewer_settings(&mut self, user: &UserId, r: &ViewerRecord, at: Timestamp) -> Result<()> {
        self.read.exec(
            "INSERT INTO viewer_settings (user, blur, greyscale, peek, reblur_secs, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user) DO UPDATE SET blur = excluded.blur, \
             greyscale = excluded.greyscale, peek = excluded.peek, reblur_secs = excluded.reblur_secs, \
             updated_at = excluded.updated_at",
            params![user.as_str(), r.blur, r.greyscale, r.peek, r.reblur_secs, at.as_micros()],
        )?;
        Ok(())
    }
    fn set_org_viewer_settings(&mut self, org: &OrgId, r: &OrgViewerRecord, at: Timestamp) -> Result<()> {
        let d = &r.defaults;
        self.read.exec(
            "INSERT INTO org_viewer_settings (org, blur, greyscale, peek, reblur_secs, break_after, \
             leads_see_counts, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (org) DO UPDATE \
             SET blur = excluded.blur, greyscale = excluded.greyscale, peek = excluded.peek, \
             reblur_secs = excluded.reblur_secs, break_after = excluded.break_after, \
             leads_see_counts = excluded.leads_see_counts, updated_at = excluded.updated_at",
            params![
                org.as_str(),
                d.blur,
                d.greyscale,
                d.peek,
                d.reblur_secs,
                r.break_after,
                r.leads_see_counts,
                at.as_micros()
            ],
        )?;
        Ok(())
    }
    fn count_reveal(&mut self, org: &OrgId, user: &UserId, day: &str, keep_from: &str) -> Result<()> {
        self.read.exec("DELETE FROM reveal_counts WHERE day < ?1", [keep_from])?;
        self.read.exec(
            "INSERT INTO reveal_counts (user, day, org, count) VALUES (?1, ?2, ?3, 1) \
             ON CONFLICT (user, day) DO UPDATE SET count = count + 1",
            params![user.as_str(), day, org.as_str()],
        )?;
        Ok(())
    }
    fn count_viewing(&mut self, org: &OrgId, user: &UserId, day: &str, micros: i64, keep_from: &str) -> Result<()> {
        self.read.exec("DELETE FROM viewing_time WHERE day < ?1", [keep_from])?;
        self.read.exec(
            "INSERT INTO viewing_time (user, day, org, micros) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (user, day) DO UPDATE SET micros = micros + excluded.micros",
            params![user.as_str(), day, org.as_str(), micros],
        )?;
        Ok(())
    }
}
