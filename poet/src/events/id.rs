//! Event ids: UUID v7 (RFC 9562) made without a system call. The 48-bit millisecond timestamp
//! is followed by 74 bits that count up within the millisecond from a random start (the
//! RFC's "monotonic random" method), so ids made by one process are strictly increasing and
//! ids of different processes made in the same millisecond still differ. The random starts
//! come from a generator seeded once per process from the operating system.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The 74 bits after the version and variant.
const COUNTER_BITS: u32 = 74;
const COUNTER_MASK: u128 = (1 << COUNTER_BITS) - 1;

struct State {
    /// The millisecond of the last id.
    ms: u64,
    /// The counter of the last id.
    counter: u128,
    /// SplitMix64 state; 0 until seeded.
    rng: u64,
}

static STATE: Mutex<State> = Mutex::new(State {
    ms: 0,
    counter: 0,
    rng: 0,
});

fn next_random(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A new UUID v7 as a number, with its millisecond timestamp.
pub(crate) fn new_id_u128() -> (u128, i64) {
    let ([id], ms) = new_ids();
    (id, ms)
}

/// `N` new UUID v7 numbers, increasing, made with one reading of the clock, and the
/// millisecond timestamp of the last.
pub(crate) fn new_ids<const N: usize>() -> ([u128; N], i64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
        & ((1 << 48) - 1);
    let mut s = STATE.lock().unwrap_or_else(|e| e.into_inner());
    if s.rng == 0 {
        // The operating system's randomness, once: the random bits of one uuid-made id.
        let seed = uuid::Uuid::now_v7().as_u128() as u64 ^ u64::from(std::process::id());
        s.rng = seed | 1;
    }
    let mut ids = [0u128; N];
    for id in &mut ids {
        if now > s.ms {
            s.ms = now;
            // A random start in the lower half, so the counter has room to count up.
            let r =
                (u128::from(next_random(&mut s.rng)) << 64) | u128::from(next_random(&mut s.rng));
            s.counter = r & (COUNTER_MASK >> 1);
        } else if s.counter >= COUNTER_MASK {
            // Counted through a whole millisecond (or the clock went back): borrow the next one.
            s.ms += 1;
            s.counter = 0;
        } else {
            s.counter += 1;
        }
        let (ms, counter) = (u128::from(s.ms), s.counter);
        let rand_a = (counter >> 62) & 0xFFF;
        let rand_b = counter & ((1 << 62) - 1);
        *id = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b;
    }
    (ids, s.ms as i64)
}

/// `id` in lowercase hyphenated form.
pub(crate) fn format_id(id: u128) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    uuid::Uuid::from_u128(id)
        .hyphenated()
        .encode_lower(&mut buf)
        .to_string()
}

/// A new UUID v7 in lowercase hyphenated form, with its millisecond timestamp.
pub(crate) fn new_id_ms() -> (String, i64) {
    let (v, ms) = new_id_u128();
    (format_id(v), ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now_ms() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    }

    #[test]
    fn ids_are_v7_strictly_increasing_and_carry_their_time() {
        let before = now_ms();
        let ids: Vec<(String, i64)> = (0..10_000).map(|_| new_id_ms()).collect();
        let after = now_ms();
        for w in ids.windows(2) {
            assert!(w[0].0 < w[1].0, "{} then {}", w[0].0, w[1].0);
        }
        for (id, ms) in &ids {
            let u = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(u.get_version_num(), 7, "{id}");
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(*id, u.hyphenated().to_string(), "not lowercase hyphenated");
            let (secs, nanos) = u.get_timestamp().unwrap().to_unix();
            assert_eq!(secs as i64 * 1000 + i64::from(nanos / 1_000_000), *ms);
            assert!(
                *ms >= before && *ms <= after,
                "{ms} not in {before}..={after}"
            );
        }
    }
}
