//! Memory accounting: a counting global allocator, the memory limit of the running
//! interpreter, and the checks made before large allocations.
//!
//! [`CountingAlloc`] wraps any [`GlobalAlloc`] (the `dana` binary wraps mimalloc) and keeps
//! the net number of bytes allocated *by the current thread* in a thread-local counter. A
//! thread-local counter costs one non-atomic add per allocation (a shared atomic costs a locked
//! read-modify-write, and contends when a host runs interpreters on several threads), and it
//! attributes memory to the thread that runs the interpreter: each `Engine` on its own thread is
//! measured on its own. Memory freed by another thread than the one that allocated it makes the
//! two counters drift; interpreter values are `Rc`-based and never change threads, so the
//! interpreter's own counter stays right.
//!
//! The limit of the running interpreter is mirrored in a thread-local "ceiling" (an absolute
//! value of the thread's counter), so that the value operations, which have no interpreter at
//! hand, can call [`check_alloc`] before building a large string or collection.
//!
//! Without the counting allocator (a host that installed another global allocator) usage cannot
//! be measured: [`thread_usage`] answers `None`, the evaluator's periodic check finds nothing,
//! and only the pre-allocation checks (one allocation larger than the whole limit) and the
//! per-value size caps apply.

use crate::error::{Exc, ExcKind, RtError};
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

thread_local! {
    /// Net bytes allocated by this thread through [`CountingAlloc`].
    static NET: Cell<isize> = const { Cell::new(0) };
    /// The net-byte value of [`NET`] above which an allocation is refused (`isize::MAX`: none).
    static CEILING: Cell<isize> = const { Cell::new(isize::MAX) };
    /// The limit the ceiling comes from, for messages: bytes, and whether it is an allowance.
    static LIMIT: Cell<(usize, bool)> = const { Cell::new((usize::MAX, false)) };
}

/// Allocations below this size are not checked one by one: the evaluator's periodic check
/// (every [`crate::limits::CHECK_EVERY`] operations) catches many small ones.
pub(crate) const CHECKED_ALLOC: usize = 64 * 1024;

/// A global allocator that counts the net bytes each thread allocates, around an inner
/// allocator. Install it in the host binary to give the interpreter's memory limit a measure:
///
/// ```
/// use dana_interpreter::limits::{self, CountingAlloc};
///
/// #[global_allocator]
/// static GLOBAL: CountingAlloc<std::alloc::System> = CountingAlloc::new(std::alloc::System);
///
/// fn main() {
///     assert!(limits::counting_installed());
///     assert!(limits::thread_usage().is_some());
/// }
/// ```
pub struct CountingAlloc<A> {
    inner: A,
}

impl<A> CountingAlloc<A> {
    /// Wraps `inner`.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

#[inline(always)]
fn add(delta: isize) {
    // `try_with`: during thread teardown the counter may already be gone (it has no
    // destructor, so in practice it never is).
    let _ = NET.try_with(|n| n.set(n.get().wrapping_add(delta)));
}

// SAFETY: every method forwards to the inner allocator with the caller's arguments unchanged;
// counting only touches a thread-local integer and never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = self.inner.alloc(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.inner.alloc_zeroed(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.inner.dealloc(ptr, layout);
        add(-(layout.size() as isize));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = self.inner.realloc(ptr, layout, new_size);
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// 0 unknown, 1 installed, 2 not installed.
static INSTALLED: AtomicU8 = AtomicU8::new(0);

/// `true` when the process's global allocator is a [`CountingAlloc`] (found once, by watching
/// the counter across one allocation).
pub fn counting_installed() -> bool {
    match INSTALLED.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let before = NET.with(Cell::get);
            let probe = std::hint::black_box(Box::new([0u8; 32]));
            let after = NET.with(Cell::get);
            drop(probe);
            let yes = after != before;
            INSTALLED.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
            yes
        }
    }
}

/// Net bytes allocated by the current thread, as counted by [`CountingAlloc`]; `None` when it
/// is not the global allocator.
pub fn thread_usage() -> Option<usize> {
    counting_installed().then(|| NET.with(Cell::get).max(0) as usize)
}

/// The raw counter (may be negative on a thread that frees memory another thread allocated);
/// 0 without the counting allocator.
pub(crate) fn net() -> isize {
    NET.with(Cell::get)
}

/// Sets this thread's ceiling (see the module docs): `limit` is the configured size named in
/// messages, `allowance` whether it is a POET allowance rather than the program's limit.
pub(crate) fn set_ceiling(ceiling: isize, limit: usize, allowance: bool) {
    CEILING.with(|c| c.set(ceiling));
    LIMIT.with(|l| l.set((limit, allowance)));
}

/// Bytes this thread may still allocate under the limit in force (`usize::MAX` when there is
/// none).
pub(crate) fn headroom() -> usize {
    let ceiling = CEILING.with(Cell::get);
    if ceiling == isize::MAX {
        return usize::MAX;
    }
    ceiling.saturating_sub(NET.with(Cell::get)).max(0) as usize
}

/// `Err` (a `MemoryError`) when allocating `bytes` more would pass the memory limit of the
/// interpreter running on this thread. Call it before building a string or collection whose
/// size is known; sizes under [`CHECKED_ALLOC`] pass without a look.
#[inline]
pub fn check_alloc(bytes: usize) -> Result<(), Exc> {
    if bytes < CHECKED_ALLOC {
        return Ok(());
    }
    check_alloc_slow(bytes)
}

#[cold]
fn check_alloc_slow(bytes: usize) -> Result<(), Exc> {
    let ceiling = CEILING.with(Cell::get);
    let now = NET.with(Cell::get);
    let fits = isize::try_from(bytes)
        .ok()
        .and_then(|b| now.checked_add(b))
        .is_some_and(|total| total <= ceiling);
    if fits {
        Ok(())
    } else {
        Err(memory_error(Some(bytes)))
    }
}

/// `Err` when this thread's usage is already past its ceiling (the evaluator's periodic check).
pub(crate) fn check_usage() -> Result<(), Exc> {
    if NET.with(Cell::get) > CEILING.with(Cell::get) {
        Err(memory_error(None))
    } else {
        Ok(())
    }
}

/// Checks the memory limit while a native loop builds a result whose size is only known as
/// it grows: with the counting allocator, the thread's usage now; without it, `estimate` (the
/// bytes built so far) against the limit. See [`Progress`] for a cheap way to call it.
pub fn check_progress(estimate: usize) -> Result<(), Exc> {
    if counting_installed() {
        check_usage()
    } else if estimate >= CHECKED_ALLOC {
        check_alloc_slow(estimate)
    } else {
        Ok(())
    }
}

/// Calls [`check_progress`] once per [`CHECKED_ALLOC`] bytes of growth of a result.
#[derive(Debug, Default)]
pub struct Progress {
    next: usize,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// `estimate`: the bytes the result holds so far.
    #[inline]
    pub fn check(&mut self, estimate: usize) -> Result<(), Exc> {
        if estimate < self.next {
            return Ok(());
        }
        self.next = estimate.saturating_add(CHECKED_ALLOC);
        check_progress(estimate)
    }
}

/// `Vec::push` that checks the limit (and reserves fallibly) when the push has to grow a large
/// vector, so that a comprehension or a builder loop stops with a `MemoryError` before the
/// doubling allocation rather than after it.
#[inline]
pub(crate) fn push_checked<T>(v: &mut Vec<T>, x: T) -> Result<(), Exc> {
    if v.len() == v.capacity() {
        grow_for_push(v)?;
    }
    v.push(x);
    Ok(())
}

/// Makes room for the next push of a full vector (doubling), under the memory limit. Hot loops
/// call it only when `len() == capacity()`, so their common path builds no `Result`.
#[cold]
pub(crate) fn grow_for_push<T>(v: &mut Vec<T>) -> Result<(), Exc> {
    let extra = v.capacity().max(4);
    reserve(v, extra)
}

/// `v.reserve(extra)` that checks the limit first and turns an allocation failure into a
/// `MemoryError` instead of an abort.
pub(crate) fn reserve<T>(v: &mut Vec<T>, extra: usize) -> Result<(), Exc> {
    let bytes = extra.saturating_mul(std::mem::size_of::<T>());
    check_alloc(bytes)?;
    v.try_reserve(extra).map_err(|_| memory_error(Some(bytes)))
}

/// `s.reserve(extra)` with the same checks as [`reserve`].
pub fn reserve_str(s: &mut String, extra: usize) -> Result<(), Exc> {
    check_alloc(extra)?;
    s.try_reserve(extra).map_err(|_| memory_error(Some(extra)))
}

/// A `Vec` with room for `n` items, refused with a `MemoryError` over the limit.
pub fn vec_with_capacity<T>(n: usize) -> Result<Vec<T>, Exc> {
    let mut v = Vec::new();
    reserve(&mut v, n)?;
    Ok(v)
}

/// The `MemoryError` for the current thread's limit (`need`: the refused allocation).
pub(crate) fn memory_error(need: Option<usize>) -> Exc {
    let (limit, allowance) = LIMIT.with(Cell::get);
    let used = thread_usage();
    let mut msg = if limit == usize::MAX {
        "out of memory".to_string()
    } else if allowance {
        format!("memory allowance of {} exceeded", format_size(limit))
    } else {
        format!("memory limit of {} exceeded", format_size(limit))
    };
    match (need, used) {
        (Some(n), Some(u)) => msg.push_str(&format!(
            " (an allocation of {} with {} in use)",
            format_size(n),
            format_size(u)
        )),
        (Some(n), None) => msg.push_str(&format!(" (an allocation of {})", format_size(n))),
        (None, Some(u)) => msg.push_str(&format!(" ({} in use)", format_size(u))),
        (None, None) => {}
    }
    let help = if limit == usize::MAX {
        "the system refused the allocation".to_string()
    } else if allowance {
        "a POET stage or trial runs under an allowance on top of the program's memory in use"
            .to_string()
    } else {
        // Suggest a limit that fits what was asked for: twice the limit, or more.
        let wanted = need.unwrap_or(0).saturating_add(used.unwrap_or(0));
        let gib = limit.saturating_mul(2).max(wanted).div_ceil(1 << 30).max(1);
        format!(
            "raise the limit: `dana run --max-memory {gib}G` or DANA_MAX_MEMORY={gib}G; \
             EngineBuilder::max_memory when embedding"
        )
    };
    RtError::new(ExcKind::MemoryError, msg).with_help(help)
}

/// A byte count for people: `256 MiB`, `1.5 GiB`, `512 bytes`.
pub(crate) fn format_size(n: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    let text = format!("{v:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[u])
}

/// Parses a size: a byte count (`1073741824`) or a number with a binary suffix `K`, `M`, `G`,
/// `T` (optionally followed by `B` or `iB`, any case: `512M`, `2G`, `1.5GiB`).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let num: String = num.chars().filter(|&c| c != '_').collect();
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
            "invalid size '{text}': expected bytes or a number with K, M, G or T (e.g. 512M, 2G)"
        ))
        }
    };
    let bad = || format!("invalid size '{text}': expected a number such as 512M, 2G or 1073741824");
    let bytes = if num.contains('.') {
        let f: f64 = num.parse().map_err(|_| bad())?;
        let b = f * mult as f64;
        if !b.is_finite() || b >= usize::MAX as f64 {
            return Err(format!("invalid size '{text}': too large"));
        }
        b as usize
    } else {
        let n: u64 = num.parse().map_err(|_| bad())?;
        let b = n
            .checked_mul(mult)
            .ok_or_else(|| format!("invalid size '{text}': too large"))?;
        usize::try_from(b).map_err(|_| format!("invalid size '{text}': too large"))?
    };
    if bytes == 0 {
        return Err(format!("invalid size '{text}': must be more than 0"));
    }
    Ok(bytes)
}

/// The default memory limit: half of the memory available to the process (physical memory, or
/// a smaller cgroup limit), at most 4 GiB and at least 256 MiB; 2 GiB where neither can be read.
/// Half leaves room for the rest of the machine and for the allocator's own overhead (the
/// counter sees requested bytes, not pages), and the 4 GiB cap keeps a runaway program from
/// pushing a large machine into swap; a program that needs more says so with `--max-memory`.
pub fn default_max_memory() -> usize {
    static DEFAULT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *DEFAULT.get_or_init(compute_default)
}

fn compute_default() -> usize {
    const GIB: usize = 1 << 30;
    let avail = [physical_memory(), cgroup_memory()]
        .into_iter()
        .flatten()
        .min();
    match avail {
        Some(a) => (a / 2).clamp(256 << 20, 4 * GIB),
        None => 2 * GIB,
    }
}

fn physical_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

fn cgroup_memory() -> Option<usize> {
    for path in [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ] {
        if let Ok(t) = std::fs::read_to_string(path) {
            if let Ok(n) = t.trim().parse::<usize>() {
                // cgroup v1 reports "no limit" as a huge number.
                if n < (1usize << 50) {
                    return Some(n);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert!(parse_size("").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("-5M").is_err());
        assert!(parse_size("99999999999999T")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn sizes_format_for_people() {
        assert_eq!(format_size(512), "512 bytes");
        assert_eq!(format_size(256 << 20), "256 MiB");
        assert_eq!(format_size(3 << 29), "1.5 GiB");
        assert_eq!(format_size((48 << 20) + 1000), "48 MiB");
    }

    #[test]
    fn the_default_is_bounded() {
        let d = default_max_memory();
        assert!((256 << 20..=4 << 30).contains(&d), "{d}");
    }

    #[test]
    fn an_allocation_over_the_ceiling_is_a_memory_error() {
        set_ceiling(net() + (1 << 20), 1 << 20, false);
        let e = check_alloc(2 << 20).unwrap_err();
        assert_eq!(e.kind, ExcKind::MemoryError);
        assert!(e.message.contains("memory limit of 1 MiB"), "{}", e.message);
        assert!(check_alloc(100).is_ok());
        let mut v: Vec<u64> = Vec::new();
        assert!(reserve(&mut v, 1 << 20).is_err());
        assert!(v.capacity() < 1 << 20);
        set_ceiling(isize::MAX, usize::MAX, false);
        assert!(check_alloc(2 << 20).is_ok());
    }
}
