//! A fast hasher for the counts' own maps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: item codes and slice keys are short, trusted strings hashed millions of times in a
/// recount, where SipHash's protection against crafted keys buys nothing.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A map keyed by short trusted strings.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
