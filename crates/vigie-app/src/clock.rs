//! The one source of time. Everything that needs "now" asks a [`Clock`].
//!
//! Release builds only have [`SystemClock`]. [`ManualClock`], which lets a test move time on a
//! running server, exists only with the `test-clock` feature (or in this crate's own tests).

use vigie_model::Timestamp;
use vigie_model::event::ClockSource;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Recorded on every event, so an auditor can tell real time from a test's.
    fn source(&self) -> ClockSource;
}

/// Wall-clock UTC time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Timestamp::from_micros(i64::try_from(since.as_micros()).unwrap_or(i64::MAX))
    }
    fn source(&self) -> ClockSource {
        ClockSource::System
    }
}

#[cfg(any(test, feature = "test-clock"))]
pub use manual::ManualClock;

#[cfg(any(test, feature = "test-clock"))]
mod manual {
    use std::sync::atomic::{AtomicI64, Ordering};

    use vigie_model::event::ClockSource;
    use vigie_model::{Duration, Timestamp};

    use super::Clock;

    /// A clock that only moves when told to.
    #[derive(Debug)]
    pub struct ManualClock {
        micros: AtomicI64,
    }

    impl ManualClock {
        pub fn new(start: Timestamp) -> Self {
            Self { micros: AtomicI64::new(start.as_micros()) }
        }
        /// Starts at the current wall-clock time, so ids and logs look ordinary.
        pub fn starting_now() -> Self {
            Self::new(super::SystemClock.now())
        }
        pub fn advance(&self, by: Duration) {
            self.micros.fetch_add(by.as_micros(), Ordering::SeqCst);
        }
        pub fn set(&self, to: Timestamp) {
            self.micros.store(to.as_micros(), Ordering::SeqCst);
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Timestamp {
            Timestamp::from_micros(self.micros.load(Ordering::SeqCst))
        }
        fn source(&self) -> ClockSource {
            ClockSource::Manual
        }
    }
}
