//! Rate limits, as data every server holds in its state: the abuse limits on what faces
//! everyone (per client address, API token, kiosk, slip code or one-time link) and the
//! sign-in limits ([`sign_in`]). The web layer's middleware and the sign-in service count in
//! them; they know nothing of requests.

pub mod sign_in;

use crate::config::Settings;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use sign_in::group;

/// How often entries that have recovered their quota are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// One keyed limiter whose table never holds more than `cap` entries.
pub struct Bounded<K: Hash + Eq + Clone> {
    quota: Option<Quota>,
    cap: usize,
    table: Mutex<Table<K>>,
}

struct Table<K: Hash + Eq + Clone> {
    limiter: Arc<DefaultKeyedRateLimiter<K>>,
    pruned: Instant,
}

impl<K: Hash + Eq + Clone> Bounded<K> {
    /// `per_minute` requests a minute per key (0: no limit), at most `cap` keys kept.
    pub fn new(per_minute: u32, cap: usize) -> Self {
        let quota = NonZeroU32::new(per_minute).map(Quota::per_minute);
        let fallback = Quota::per_minute(NonZeroU32::MIN);
        Bounded {
            quota,
            cap: cap.max(1),
            table: Mutex::new(Table {
                limiter: Arc::new(RateLimiter::keyed(quota.unwrap_or(fallback))),
                pruned: Instant::now(),
            }),
        }
    }

    /// Takes one request for `key`: `Err(wait)` when its quota is spent.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        let Some(quota) = self.quota else {
            return Ok(());
        };
        let limiter = {
            let mut t = self.table.lock().unwrap_or_else(|p| p.into_inner());
            if t.pruned.elapsed() >= PRUNE_EVERY || t.limiter.len() >= self.cap {
                t.limiter.retain_recent();
                t.limiter.shrink_to_fit();
                t.pruned = Instant::now();
                if t.limiter.len() >= self.cap {
                    t.limiter = Arc::new(RateLimiter::keyed(quota));
                }
            }
            t.limiter.clone()
        };
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Entries the table holds now.
    pub fn len(&self) -> usize {
        let t = self.table.lock().unwrap_or_else(|p| p.into_inner());
        t.limiter.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The limits of one server.
pub struct Limits {
    pub by_address: Bounded<IpAddr>,
    /// Valid API tokens, by their hash.
    pub by_token: Bounded<String>,
    pub by_kiosk: Bounded<String>,
    /// Slip codes and one-time links.
    pub by_code: Bounded<String>,
}

impl Limits {
    pub fn new(s: &Settings) -> Limits {
        Limits {
            by_address: Bounded::new(s.limit_per_address, s.limit_keys),
            by_token: Bounded::new(s.limit_per_token, s.limit_keys),
            by_kiosk: Bounded::new(s.limit_per_kiosk, s.limit_keys),
            by_code: Bounded::new(s.limit_per_code, s.limit_keys),
        }
    }

    /// Entries the three tables hold together.
    pub fn entries(&self) -> usize {
        self.by_address.len() + self.by_token.len() + self.by_kiosk.len() + self.by_code.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_distinct_keys_stays_under_the_cap() {
        let b: Bounded<u32> = Bounded::new(1, 500);
        for k in 0..20_100u32 {
            assert!(b.check(&k).is_ok());
            assert!(b.len() <= 500);
        }
        assert!(b.check(&20_099).is_err(), "the newest key is still counted");
    }
}
