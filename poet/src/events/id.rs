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

/// The length of an id in lowercase hyphenated form.
pub(crate) const ID_LEN: usize = 36;

/// `id` in lowercase hyphenated form.
pub(crate) fn format_id(id: u128) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    uuid::Uuid::from_u128(id)
        .hyphenated()
        .encode_lower(&mut buf)
        .to_string()
}

/// Writes `id` in lowercase hyphenated form (8-4-4-4-12 hex digits) into `out`, two digits per
/// byte from a table: the form of [`format_id`], without the allocation or the check that the
/// text is UTF-8.
pub(crate) fn write_id(id: u128, out: &mut [u8; ID_LEN]) {
    /// The two lowercase hex digits of every byte.
    const HEX2: [[u8; 2]; 256] = {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut t = [[0u8; 2]; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = [HEX[i >> 4], HEX[i & 0xf]];
            i += 1;
        }
        t
    };
    /// Where the digits of each of the 16 bytes go.
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let bytes = id.to_be_bytes();
    for (b, at) in bytes.iter().zip(AT) {
        out[at..at + 2].copy_from_slice(&HEX2[usize::from(*b)]);
    }
    for at in [8, 13, 18, 23] {
        out[at] = b'-';
    }
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
            assert_eq!(format_id(u.as_u128()), *id);
            let (secs, nanos) = u.get_timestamp().unwrap().to_unix();
            assert_eq!(secs as i64 * 1000 + i64::from(nanos / 1_000_000), *ms);
            assert!(
                *ms >= before && *ms <= after,
                "{ms} not in {before}..={after}"
            );
        }
    }

    #[test]
    fn ids_are_written_as_the_uuid_crate_writes_them() {
        let mut r = 0x0123_4567_89ab_cdef_u64;
        let mut samples = vec![0u128, u128::MAX, 0x0f0f_f0f0_0000_ffff_a5a5_5a5a_1234_9876];
        for _ in 0..1000 {
            let hi = u128::from(super::next_random(&mut r));
            samples.push(hi << 64 | u128::from(super::next_random(&mut r)));
        }
        for id in samples {
            let expected = uuid::Uuid::from_u128(id).hyphenated().to_string();
            assert_eq!(format_id(id), expected);
            let mut buf = [0u8; ID_LEN];
            write_id(id, &mut buf);
            assert_eq!(&buf[..], expected.as_bytes());
        }
    }
}
