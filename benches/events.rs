//! Durable events per second of the POET event queue (POET_SPEC §6): every measured emit
//! returns only once its events are fsynced. Single emits pay one `fdatasync` per event; group
//! commit (`emit_batch`) pays one per batch. Target: ≥ 50,000 events/s with group commit.
//! Criterion reports the throughput in elements (events) per second; events are built and
//! dropped outside the timed part, so the figures are of the queue alone: encoding, checksum,
//! write and fsync. Also: reading 10,000 pending events.
//!
//! Run: `cargo bench --bench events`. The queue lives under the system temp dir, so the
//! figures are those of its file system.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dana_poet::admin::serde_json::json;
use dana_poet::events::{new_id, Event, EventQueue};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

/// A typical `function.execution` event: about 400 bytes of JSON.
fn execution(i: usize) -> Event {
    Event::new(
        "function.execution",
        None,
        None,
        json!({
            "function_name": "detect_drift",
            "version": 3,
            "execution_id": new_id(),
            "start_time": 1_795_708_112_000i64 + i as i64,
            "end_time": 1_795_708_112_004i64 + i as i64,
            "status": "success",
            "metrics": {"duration_ms": 4.2, "memory_mb": 12.5, "cpu_percent": 37.0},
            "attempts": 1,
            "failed_stage": null,
            "fallback_used": false,
            "breaker": "closed",
            "train": {"p_value": 0.03},
        }),
    )
}

/// A fresh `.poet` directory for one benchmark, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let path =
            std::env::temp_dir().join(format!("dana-bench-events-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Dir(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn emit(c: &mut Criterion) {
    let mut group = c.benchmark_group("events_durable");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    let dir = Dir::new("single");
    let q = EventQueue::open(&dir.0).expect("open");
    group.throughput(Throughput::Elements(1));
    group.bench_function("emit_single", |b| {
        b.iter_batched_ref(
            || execution(0),
            |e| q.emit(black_box(e)).expect("emit"),
            BatchSize::SmallInput,
        )
    });
    drop(q);
    drop(dir);

    for n in [10usize, 100, 1000] {
        let dir = Dir::new(&format!("batch{n}"));
        let q = EventQueue::open(&dir.0).expect("open");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("emit_batch_{n}"), |b| {
            b.iter_batched_ref(
                || (0..n).map(execution).collect::<Vec<_>>(),
                |es| q.emit_batch(black_box(es)).expect("emit"),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn read(c: &mut Criterion) {
    let dir = Dir::new("read");
    let q = EventQueue::open(&dir.0).expect("open");
    for chunk in (0..10_000).collect::<Vec<_>>().chunks(1000) {
        let es: Vec<Event> = chunk.iter().map(|&i| execution(i)).collect();
        q.emit_batch(&es).expect("emit");
    }
    let mut group = c.benchmark_group("events_read");
    group.sample_size(20);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("pending_10k", |b| {
        b.iter(|| black_box(q.pending().expect("pending").len()))
    });
    group.finish();
}

criterion_group!(benches, emit, read);
criterion_main!(benches);
