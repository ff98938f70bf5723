//! Signing-in limits: guessing is slowed by two keyed rate limiters whose check is one
//! atomic step (concurrent tries cannot slip past it):
//! - per client address and name: [`PER_NAME_BURST`] tries, then one more every
//!   [`PER_NAME_EVERY`];
//! - per client address, whatever the names: [`PER_ADDRESS_BURST`] tries, then one more every
//!   [`PER_ADDRESS_EVERY`].
//!
//! Neither counts tries from other addresses, so someone guessing a user's password elsewhere
//! never locks that user out. Memory stays bounded: entries that have recovered their full
//! quota are dropped, and the tables are emptied outright past [`MAX_KEYS`] entries.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tries of one name from one address before the limit applies.
pub const PER_NAME_BURST: u32 = 10;
/// One more try of a name from an address per this long (ten per 15 minutes).
pub const PER_NAME_EVERY: Duration = Duration::from_secs(90);
/// Tries from one address, any names, before the limit applies.
pub const PER_ADDRESS_BURST: u32 = 30;
/// One more try from an address per this long (thirty per 15 minutes).
pub const PER_ADDRESS_EVERY: Duration = Duration::from_secs(30);
/// Entries a limiter keeps at most.
pub const MAX_KEYS: usize = 100_000;

/// The sign-in limits of one server.
pub struct Limits {
    tables: Mutex<Arc<Tables>>,
}

struct Tables {
    by_name: DefaultKeyedRateLimiter<(IpAddr, String)>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            by_name: RateLimiter::keyed(quota(PER_NAME_BURST, PER_NAME_EVERY)),
            by_address: RateLimiter::keyed(quota(PER_ADDRESS_BURST, PER_ADDRESS_EVERY)),
        }
    }
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Limits {
    pub fn new() -> Limits {
        Limits {
            tables: Mutex::new(Arc::new(Tables::new())),
        }
    }

    /// The tables to count in, pruned (and past [`MAX_KEYS`] entries replaced) first.
    fn tables(&self) -> Arc<Tables> {
        let mut guard = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        let size = |t: &Tables| t.by_name.len().max(t.by_address.len());
        if size(&guard) > MAX_KEYS / 2 {
            guard.by_name.retain_recent();
            guard.by_address.retain_recent();
            if size(&guard) > MAX_KEYS {
                *guard = Arc::new(Tables::new());
            }
        }
        guard.clone()
    }

    /// Takes one try for this address and name; false when either limit is spent.
    pub fn allow(&self, address: IpAddr, name: &str) -> bool {
        let t = self.tables();
        // A name is counted under its own address only. A try refused for its name does not
        // spend the address's tries on other names.
        let address = group(address);
        t.by_name
            .check_key(&(address, name.trim().to_lowercase()))
            .is_ok()
            && t.by_address.check_key(&address).is_ok()
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new()
    }
}

/// The address a limit counts under: an IPv4 address, or an IPv6 address's /64 network (one
/// subscriber gets a whole /64, and could otherwise try from billions of addresses).
pub fn group(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_tried_from_one_address_does_not_spend_another_address() {
        let limits = Limits::new();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "198.51.100.9".parse().unwrap();
        let allowed = (0..40).filter(|_| limits.allow(a, "admin")).count();
        assert_eq!(allowed, PER_NAME_BURST as usize);
        assert!(limits.allow(b, "admin"));
        // Other names from the spent address still have tries until the address is spent.
        let others = (0..100)
            .filter(|i| limits.allow(a, &format!("u{i}")))
            .count();
        assert_eq!(others, (PER_ADDRESS_BURST - PER_NAME_BURST) as usize);
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let limits = Limits::new();
        let allowed = (0..40u16)
            .filter(|i| {
                let ip: IpAddr = format!("2001:db8:0:1:{i:x}::1").parse().unwrap();
                limits.allow(ip, "admin")
            })
            .count();
        assert_eq!(allowed, PER_NAME_BURST as usize);
    }
}
