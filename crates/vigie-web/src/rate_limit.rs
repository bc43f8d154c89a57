//! A per-source token bucket for the public endpoints.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Allows `per_minute` requests per source address, with bursts up to the same number.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Past this many sources, idle full buckets are forgotten.
const MAX_SOURCES: usize = 100_000;

impl RateLimiter {
    /// `0` turns limiting off.
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `source`; `false` when its budget is spent.
    pub fn allow(&self, source: IpAddr) -> bool {
        self.check(source).is_ok()
    }

    /// Takes one token for `source`, or says in how many whole seconds (at least 1) the next one
    /// comes: the `Retry-After` of the refusal.
    pub fn check(&self, source: IpAddr) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_sec = capacity / 60.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Err(60);
        };
        if buckets.len() > MAX_SOURCES {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * per_sec < capacity);
        }
        let b = buckets.entry(source).or_insert(Bucket { tokens: capacity, last: now });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * per_sec).min(capacity);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_has_its_own_budget() {
        let rl = RateLimiter::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(rl.allow(a) && rl.allow(a) && rl.allow(a));
        assert!(!rl.allow(a));
        assert!(rl.allow(b));
    }

    #[test]
    fn a_refusal_says_when_the_next_token_comes() {
        // One token a second: right after the burst, the next one is at most a second away.
        let rl = RateLimiter::new(60);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..60).all(|_| rl.check(a).is_ok()));
        assert_eq!(rl.check(a), Err(1));
        // Two a minute: the next one is up to 30 seconds away.
        let rl = RateLimiter::new(2);
        assert!(rl.check(a).is_ok() && rl.check(a).is_ok());
        assert!(matches!(rl.check(a), Err(29..=30)));
    }

    #[test]
    fn zero_turns_limiting_off() {
        let rl = RateLimiter::new(0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..10_000).all(|_| rl.allow(a)));
    }
}
