//! Server time as plain values: microseconds since the Unix epoch, always UTC.
//!
//! The domain never reads a clock; the application passes `now` in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A signed span of time, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(i64);

impl Duration {
    pub const fn from_micros(us: i64) -> Self {
        Self(us)
    }
    pub const fn from_secs(s: i64) -> Self {
        Self(s * 1_000_000)
    }
    pub const fn from_mins(m: i64) -> Self {
        Self::from_secs(m * 60)
    }
    pub const fn from_hours(h: i64) -> Self {
        Self::from_mins(h * 60)
    }
    pub const fn from_days(d: i64) -> Self {
        Self::from_hours(d * 24)
    }
    pub const fn as_micros(self) -> i64 {
        self.0
    }
    pub const fn as_secs(self) -> i64 {
        self.0 / 1_000_000
    }
}

impl Timestamp {
    pub const fn from_micros(us: i64) -> Self {
        Self(us)
    }
    pub const fn as_micros(self) -> i64 {
        self.0
    }
    pub const fn as_unix_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }
    pub fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d.0))
    }
    pub fn minus(self, d: Duration) -> Self {
        Self(self.0.saturating_sub(d.0))
    }
    /// `self - earlier`.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// Parses an RFC 3339 timestamp with any offset.
    pub fn parse_rfc3339(raw: &str) -> Option<Self> {
        let dt = OffsetDateTime::parse(raw, &Rfc3339).ok()?;
        let us = dt.unix_timestamp_nanos() / 1_000;
        i64::try_from(us).ok().map(Self)
    }

    /// Formats as RFC 3339 in UTC with microseconds, e.g. `2026-11-30T03:00:00.000000Z`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        match OffsetDateTime::from_unix_timestamp(secs) {
            Ok(dt) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                micros
            ),
            Err(_) => format!("@{}", self.0),
        }
    }
}

/// Whether a deadline has passed at `now`: the one definition of "overdue" for every clock (an
/// order's hour, a complaint's two weeks, a scrutiny's 72 hours, a case's earliest deadline).
/// The law's periods are inclusive ("within one hour"): the deadline's own instant is still on
/// time, so a thing is overdue strictly after its deadline.
pub fn is_overdue(deadline: Timestamp, now: Timestamp) -> bool {
    now > deadline
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&raw).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_with_microseconds() {
        let t = Timestamp::parse_rfc3339("2026-11-30T03:00:00.123456+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-30T02:00:00.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn the_deadlines_own_instant_is_on_time_and_the_next_is_overdue() {
        let deadline = Timestamp::from_micros(0).plus(Duration::from_hours(1));
        assert!(!is_overdue(deadline, deadline.minus(Duration::from_micros(1))));
        assert!(!is_overdue(deadline, deadline), "within the hour includes its last instant");
        assert!(is_overdue(deadline, deadline.plus(Duration::from_micros(1))));
    }

    #[test]
    fn arithmetic_is_in_microseconds() {
        let t = Timestamp::from_micros(0).plus(Duration::from_hours(1));
        assert_eq!(t.as_unix_secs(), 3600);
        assert_eq!(t.since(Timestamp::from_micros(0)), Duration::from_mins(60));
    }
}
