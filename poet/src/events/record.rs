//! The record framing of segment files and the reader that checks it.
//!
//! A record is one line: `{"crc32c":"<8 hex digits>","event":<event JSON>}` and a newline. The
//! checksum (CRC-32C, lowercase hex) covers exactly the bytes of the event JSON, so a reader can
//! tell a complete record from a torn or overwritten one without trusting the JSON parser
//! alone, while every line stays a JSON document for people with `jq`.

use super::event::{is_canonical_id, Damage, Event};
use super::schema::MAX_EVENT_BYTES;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

const PREFIX: &[u8] = b"{\"crc32c\":\"";
const MIDDLE: &[u8] = b"\",\"event\":";
const SUFFIX: &[u8] = b"}";
/// The longest line a reader accepts: the largest event plus its framing.
pub(super) const MAX_LINE_BYTES: usize =
    MAX_EVENT_BYTES + PREFIX.len() + 8 + MIDDLE.len() + SUFFIX.len();
/// Sidecar files hold ids only; anything larger than this is not one of ours.
const MAX_ACKED_BYTES: u64 = 64 << 20;

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of iSCSI, ext4 and
/// many logs. Computed eight bytes at a time ("slicing-by-8"): `CRC_TABLES[k][b]` is the CRC
/// of byte `b` followed by `k` zero bytes.
const CRC_TABLES: [[u32; 256]; 8] = {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

pub(crate) fn crc32c(bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("sse4.2") {
            // SAFETY: the CPU has SSE4.2, checked just above.
            return unsafe { crc32c_sse42(bytes) };
        }
    }
    crc32c_tables(bytes)
}

/// [`crc32c`] with the CPU's CRC32 instruction (SSE4.2), eight bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn crc32c_sse42(bytes: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
    let mut crc = u64::from(!0u32);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        crc = _mm_crc32_u64(crc, word);
    }
    let mut crc = crc as u32;
    for &b in chunks.remainder() {
        crc = _mm_crc32_u8(crc, b);
    }
    !crc
}

/// [`crc32c`] from the tables, for CPUs without the instruction.
fn crc32c_tables(bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let lo = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) ^ crc;
        let hi = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
        crc = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xff) as usize]
            ^ t[2][((hi >> 8) & 0xff) as usize]
            ^ t[1][((hi >> 16) & 0xff) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Appends the framed record of `json` (one event's JSON) to `out`, newline included.
pub(crate) fn encode(json: &[u8], out: &mut Vec<u8>) {
    encode_with(out, usize::MAX, |out| out.extend_from_slice(json));
}

/// Appends the framed record of the event JSON that `write` appends to `out`, written in
/// place (no copy of the JSON); `false`, with `out` as it was, when that JSON is longer than
/// `max` bytes.
pub(crate) fn encode_with(out: &mut Vec<u8>, max: usize, write: impl FnOnce(&mut Vec<u8>)) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let start = out.len();
    out.extend_from_slice(PREFIX);
    let hex = out.len();
    out.extend_from_slice(b"00000000");
    out.extend_from_slice(MIDDLE);
    let body = out.len();
    write(out);
    if out.len() - body > max {
        out.truncate(start);
        return false;
    }
    let crc = crc32c(&out[body..]);
    for (k, d) in out[hex..hex + 8].iter_mut().enumerate() {
        *d = HEX[((crc >> ((7 - k) * 4)) & 0xf) as usize];
    }
    out.extend_from_slice(SUFFIX);
    out.push(b'\n');
    true
}

/// The event of one record line (without its newline), or why the line is not a record.
pub(crate) fn decode(line: &[u8]) -> Result<Event, String> {
    let not_framed = || "not a framed event record".to_string();
    let rest = line.strip_prefix(PREFIX).ok_or_else(not_framed)?;
    if rest.len() < 8 {
        return Err(not_framed());
    }
    let (hex, rest) = rest.split_at(8);
    let expected = std::str::from_utf8(hex)
        .ok()
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(not_framed)?;
    let body = rest
        .strip_prefix(MIDDLE)
        .and_then(|r| r.strip_suffix(SUFFIX))
        .ok_or_else(not_framed)?;
    let actual = crc32c(body);
    if actual != expected {
        return Err(format!(
            "checksum mismatch (recorded {expected:08x}, computed {actual:08x})"
        ));
    }
    if body.len() > MAX_EVENT_BYTES {
        return Err(format!(
            "the event is {} bytes, over the limit of {MAX_EVENT_BYTES}",
            body.len()
        ));
    }
    serde_json::from_slice::<Event>(body).map_err(|e| format!("not a valid event: {e}"))
}

/// One line of a segment as read from disk.
pub(crate) enum Entry {
    /// A complete, checked record; `raw` is the line without its newline (empty unless asked
    /// for).
    Record { event: Event, raw: Vec<u8> },
    /// A line that is not a record, with valid records after it. `raw` is `None` when the
    /// line was too long to keep, or not asked for.
    Damaged {
        damage: Damage,
        raw: Option<Vec<u8>>,
    },
}

/// A segment file as read from disk.
pub(crate) struct Scanned {
    pub entries: Vec<Entry>,
    /// Lines after the last valid record that are not records: the rest of a write that a
    /// crash (or a writer still at work) cut short. Never reported as damage.
    pub torn_tail: bool,
}

/// Reads and checks every line of the segment at `path`; `Ok(None)` when the file vanished
/// (a consumer removed it between listing and opening). The lines themselves are kept only
/// with `keep_raw` (consumers copy them); readers need the events alone.
pub(crate) fn scan(path: &Path, keep_raw: bool) -> Result<Option<Scanned>, io::Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut entries = Vec::new();
    // Bad lines wait here until a valid record follows them (then they are damage) or the
    // file ends (then they are the torn tail).
    let mut suspects: Vec<(Damage, Option<Vec<u8>>)> = Vec::new();
    let mut buf = Vec::new();
    let mut number = 0usize;
    let mut offset = 0u64;
    while let Some(line) = next_line(&mut reader, &mut buf)? {
        number += 1;
        let start = offset;
        offset += line.consumed as u64;
        if buf.is_empty() && !line.overlong {
            continue;
        }
        let verdict = line.decode(&buf);
        match verdict {
            Ok(event) => {
                for (damage, raw) in suspects.drain(..) {
                    entries.push(Entry::Damaged { damage, raw });
                }
                entries.push(Entry::Record {
                    event,
                    raw: if keep_raw { buf.clone() } else { Vec::new() },
                });
            }
            Err(reason) => suspects.push((
                Damage {
                    file: path.to_path_buf(),
                    line: number,
                    offset: start,
                    reason,
                },
                (keep_raw && !line.overlong).then(|| buf.clone()),
            )),
        }
    }
    Ok(Some(Scanned {
        entries,
        torn_tail: !suspects.is_empty(),
    }))
}

pub(super) struct LineInfo {
    /// Bytes consumed from the file, newline included.
    pub consumed: usize,
    /// Longer than [`MAX_LINE_BYTES`]: `buf` holds only a prefix.
    pub overlong: bool,
    /// Ended by a newline (else by the end of the file).
    pub terminated: bool,
}

/// Reads one line into `buf` (without its newline), keeping at most [`MAX_LINE_BYTES`] of it
/// so a corrupted file without newlines cannot make the reader allocate without bound.
impl LineInfo {
    /// The event on this line (read into `buf` by [`next_line`]), or why it is damaged.
    pub(super) fn decode(&self, buf: &[u8]) -> Result<Event, String> {
        if self.overlong {
            Err(format!("the line is longer than {MAX_LINE_BYTES} bytes"))
        } else {
            decode(buf)
        }
    }
}

pub(super) fn next_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<Option<LineInfo>> {
    buf.clear();
    let mut info = LineInfo {
        consumed: 0,
        overlong: false,
        terminated: false,
    };
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((info.consumed > 0).then_some(info));
        }
        let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if buf.len() + chunk.len() <= MAX_LINE_BYTES {
            buf.extend_from_slice(chunk);
        } else {
            info.overlong = true;
        }
        r.consume(used);
        info.consumed += used;
        if done {
            info.terminated = true;
            return Ok(Some(info));
        }
    }
}

/// The ids in a sidecar `.acked` file (one per line). Lines that are not whole ids (a torn
/// last line) are ignored: their events simply stay pending.
pub(crate) fn read_acked(path: &Path) -> Result<HashSet<String>, io::Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(MAX_ACKED_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes
        .split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter(|l| is_canonical_id(l))
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // Eight bytes at a time gives what one byte at a time gives, for every length.
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let mut crc = !0u32;
            for &b in &data[..len] {
                crc = CRC_TABLES[0][((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
            }
            assert_eq!(crc32c(&data[..len]), !crc, "length {len}");
            assert_eq!(crc32c_tables(&data[..len]), !crc, "length {len}");
        }
    }

    #[test]
    fn records_round_trip_and_reject_damage() {
        let event = Event::new(
            "function.execution",
            None,
            None,
            serde_json::json!({"x": 1}),
        );
        let mut line = Vec::new();
        encode(event.to_json().as_bytes(), &mut line);
        assert_eq!(line.last(), Some(&b'\n'));
        let body = &line[..line.len() - 1];
        assert_eq!(decode(body).ok(), Some(event));
        for cut in [0, 5, PREFIX.len() + 3, body.len() / 2, body.len() - 1] {
            assert!(decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = body.to_vec();
        let i = flipped.len() - 4;
        flipped[i] ^= 0x01;
        assert!(decode(&flipped).is_err());
        assert!(decode(b"").is_err());
        assert!(decode(b"{\"crc32c\":\"zzzzzzzz\",\"event\":{}}").is_err());
    }

    #[test]
    fn a_record_framed_in_place_is_the_record_of_its_json() {
        let json = br#"{"id":"x","n":[1,2,3]}"#;
        let mut a = b"earlier\n".to_vec();
        let mut b = a.clone();
        encode(json, &mut a);
        assert!(encode_with(&mut b, json.len(), |out| out.extend_from_slice(json)));
        assert_eq!(a, b);
        // Over the limit: nothing appended.
        let before = b.clone();
        assert!(!encode_with(&mut b, json.len() - 1, |out| out.extend_from_slice(json)));
        assert_eq!(b, before);
    }
}
