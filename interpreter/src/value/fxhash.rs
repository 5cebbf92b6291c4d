//! A small, fast non-cryptographic hasher (the Fx hash) for the interpreter's maps.

use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast hasher (the Fx hash): keys are program data, not attacker-controlled input.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The remaining bytes as a little-endian word padded with zeros, assembled byte by
            // byte (a copy into a buffer of a length known only at run time calls `memcpy`).
            let mut word = 0u64;
            for (i, b) in rest.iter().enumerate() {
                word |= (*b as u64) << (8 * i);
            }
            self.add(word);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves its best bits at the top; hash tables index by the low bits, so
        // rotate them down (without this, similar short strings collide heavily).
        self.hash.rotate_left(26)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash of `bytes` with the tail copied into a zero-padded word, as the hasher
    /// always hashed it.
    fn reference(bytes: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            h.add(u64::from_le_bytes(buf));
        }
        h.finish()
    }

    #[test]
    fn tails_hash_as_zero_padded_words() {
        let text = b"the quick brown fox jumps over the lazy dog\xff\x80";
        for n in 0..text.len() {
            let mut h = FxHasher::default();
            h.write(&text[..n]);
            assert_eq!(h.finish(), reference(&text[..n]), "length {n}");
        }
    }
}
