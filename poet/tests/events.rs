//! The event queue on a real file system: the envelope, ids, limits, the pending → processed
//! flow, filters, gc, damage and cutting an event to fit. Crash safety and ids shared between
//! processes are in `events_processes.rs`.

use dana_poet::events::{
    new_id, Event, EventError, EventFilter, EventQueue, EVENT_TYPES, MAX_EVENT_BYTES,
};
use serde_json::{json, Value};
use std::fs;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[path = "../../tests/support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;
#[path = "support/events_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::{execution, ids, is_uuid, names, segments};

// ---- the envelope --------------------------------------------------------------------------

#[test]
fn envelope_has_every_field_in_order() {
    let e = Event::new("function.feedback", None, None, json!({"rating": 4}));
    let v: Value = serde_json::from_str(&e.to_json()).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "type",
            "timestamp",
            "correlation_id",
            "causation_id",
            "metadata",
            "payload"
        ]
    );
    assert_eq!(v["type"], "function.feedback");
    assert!(is_uuid(v["id"].as_str().expect("id")));
    assert!(v["timestamp"].is_i64());
    // A flow's first event correlates with itself.
    assert_eq!(v["correlation_id"], v["id"]);
    assert_eq!(v["causation_id"], Value::Null);
    let env = std::env::var("DANA_ENV")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "development".into());
    assert_eq!(
        v["metadata"],
        json!({"version": "1.0", "environment": env, "service": "dana"})
    );
    assert_eq!(v["payload"], json!({"rating": 4}));

    let child = Event::new(
        "enhancement.completed",
        Some(&e.correlation_id),
        Some(&e.id),
        json!({}),
    );
    assert_eq!(child.correlation_id, e.id);
    assert_eq!(child.causation_id.as_deref(), Some(e.id.as_str()));
    let back: Event = serde_json::from_str(&child.to_json()).expect("parse");
    assert_eq!(back, child);
    assert_eq!(EVENT_TYPES.len(), 7);
}

#[test]
fn ids_are_uuid_v7_in_creation_order() {
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let made: Vec<String> = (0..5000).map(|_| new_id()).collect();
    for w in made.windows(2) {
        assert!(w[0] < w[1], "{} then {}", w[0], w[1]);
    }
    for id in &made {
        assert!(is_uuid(id), "{id}");
        assert_eq!(&id[14..15], "7", "version nibble of {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "variant of {id}"
        );
    }
    let events: Vec<Event> = (0..100)
        .map(|_| Event::new("function.execution", None, None, json!({})))
        .collect();
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    for e in &events {
        // The timestamp is the one in the id: its first 48 bits.
        let hex: String = e.id.chars().filter(|c| *c != '-').take(12).collect();
        let in_id = i64::from_str_radix(&hex, 16).expect("hex");
        assert_eq!(e.timestamp, in_id);
        assert!(before <= e.timestamp && e.timestamp <= after + 1);
    }
}

// ---- emit, refuse, read --------------------------------------------------------------------

#[test]
fn events_over_one_mebibyte_are_refused() {
    let tmp = TempDir::new("size");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let big = Event::new(
        "function.execution",
        None,
        None,
        json!({"blob": "x".repeat(MAX_EVENT_BYTES)}),
    );
    let small = execution("f", "success");
    match q.emit_batch(&[small.clone(), big]) {
        Err(EventError::TooBig { size, limit, .. }) => {
            assert!(size > limit);
            assert_eq!(limit, 1 << 20);
        }
        other => panic!("expected TooBig, got {other:?}"),
    }
    // A refused event writes nothing of its batch.
    assert!(q.pending().expect("pending").is_empty());

    // Just under the limit is fine, and reads back whole.
    let mut fits = Event::new("function.execution", None, None, json!({"blob": ""}));
    let overhead = fits.to_json().len();
    fits.payload = json!({"blob": "y".repeat(MAX_EVENT_BYTES - overhead)});
    assert_eq!(fits.to_json().len(), MAX_EVENT_BYTES);
    q.emit(&fits).expect("an event of exactly 1 MiB");
    assert_eq!(q.pending().expect("pending"), vec![fits]);
}

#[test]
fn unknown_types_and_malformed_ids_are_refused() {
    let tmp = TempDir::new("refuse");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let typo = Event::new("function.exection", None, None, json!({}));
    let err = q.emit(&typo).expect_err("unknown type");
    let msg = err.to_string();
    assert!(msg.contains("did you mean \"function.execution\""), "{msg}");
    let mut bad = execution("f", "success");
    bad.id = "not-a-uuid".into();
    assert!(matches!(q.emit(&bad), Err(EventError::BadId { .. })));
    bad.id = new_id().to_uppercase();
    assert!(matches!(q.emit(&bad), Err(EventError::BadId { .. })));
    assert!(!tmp.poet().exists(), "a refused event creates nothing");
    q.emit_batch(&[]).expect("an empty batch");
}

#[test]
fn open_refuses_a_file_where_a_directory_belongs() {
    let tmp = TempDir::new("notdir");
    fs::create_dir_all(tmp.poet()).expect("mkdir");
    fs::write(tmp.poet().join("events"), "x").expect("write");
    assert!(matches!(
        EventQueue::open(&tmp.poet()),
        Err(EventError::NotADirectory { .. })
    ));
    // A missing store reads as empty.
    let q = EventQueue::open(&tmp.0.join("nowhere")).expect("open");
    assert!(q.pending().expect("pending").is_empty());
    assert!(q.all(&EventFilter::default()).expect("all").is_empty());
    q.mark_processed(&[new_id()]).expect("nothing to mark");
    assert_eq!(q.gc(Duration::ZERO, 0).expect("gc").files_removed, 0);
}

#[test]
fn emit_then_mark_processed_moves_events() {
    let tmp = TempDir::new("flow");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let events: Vec<Event> = (0..10)
        .map(|i| execution(&format!("f{}", i % 3), "success"))
        .collect();
    q.emit(&events[0]).expect("emit");
    q.emit_batch(&events[1..]).expect("emit batch");
    assert_eq!(ids(&q.pending().expect("pending")), ids(&events));
    assert!(q.processed().expect("processed").is_empty());

    // This queue's own segment is still open: the ids go to a sidecar.
    let done: Vec<String> = vec![events[2].id.clone(), events[5].id.clone(), new_id()];
    q.mark_processed(&done).expect("mark");
    let pending = ids(&q.pending().expect("pending"));
    assert_eq!(pending.len(), 8);
    assert!(!pending.contains(&events[2].id) && !pending.contains(&events[5].id));
    assert_eq!(
        ids(&q.processed().expect("processed")),
        vec![events[2].id.clone(), events[5].id.clone()]
    );
    // Marking again changes nothing.
    q.mark_processed(&done).expect("mark again");
    assert_eq!(q.processed().expect("processed").len(), 2);
    assert_eq!(q.pending().expect("pending").len(), 8);
    let all = q.all(&EventFilter::default()).expect("all");
    assert_eq!(ids(&all), ids(&events));
    let scan = q.scan(&EventFilter::default()).expect("scan");
    assert_eq!(scan.pending.len(), 8);
    assert_eq!(scan.processed.len(), 2);
    assert!(scan.damage.is_empty());

    // Writing goes on in the same segment.
    let later = execution("f0", "failure");
    q.emit(&later).expect("emit");
    assert_eq!(q.pending().expect("pending").len(), 9);

    // Once the writer is gone, a consumer compacts its segment.
    let pending_dir = tmp.poet().join("events/pending");
    assert!(names(&pending_dir).iter().any(|n| n.ends_with(".acked")));
    drop(q);
    let consumer = EventQueue::open(&tmp.poet()).expect("open");
    let rest = ids(&consumer.pending().expect("pending"));
    consumer.mark_processed(&rest[..4]).expect("mark");
    assert!(
        !names(&pending_dir).iter().any(|n| n.ends_with(".acked")),
        "{:?}",
        names(&pending_dir)
    );
    assert_eq!(consumer.pending().expect("pending").len(), 5);
    consumer.mark_processed(&rest).expect("mark the rest");
    assert!(consumer.pending().expect("pending").is_empty());
    assert!(
        segments(&pending_dir).is_empty(),
        "{:?}",
        names(&pending_dir)
    );
    assert_eq!(consumer.processed().expect("processed").len(), 11);
}

#[test]
fn a_second_queue_marks_events_of_a_live_writer() {
    let tmp = TempDir::new("live");
    let writer = EventQueue::open(&tmp.poet()).expect("open");
    let consumer = EventQueue::open(&tmp.poet()).expect("open");
    let events: Vec<Event> = (0..6).map(|_| execution("f", "success")).collect();
    writer.emit_batch(&events).expect("emit");
    consumer
        .mark_processed(&ids(&events[..3]))
        .expect("mark while the writer lives");
    assert_eq!(ids(&writer.pending().expect("pending")), ids(&events[3..]));
    // The live segment was not rewritten under its writer: later events land and stay.
    let more = execution("f", "success");
    writer.emit(&more).expect("emit");
    let pending = ids(&consumer.pending().expect("pending"));
    assert_eq!(pending.len(), 4);
    assert!(pending.contains(&more.id));
    drop(writer);
    let counts = consumer
        .gc(Duration::from_secs(3600), u64::MAX)
        .expect("gc");
    assert_eq!(counts.segments_compacted, 1);
    assert_eq!(consumer.pending().expect("pending").len(), 4);
    assert_eq!(consumer.processed().expect("processed").len(), 3);
}

#[test]
fn threads_share_one_queue() {
    let tmp = TempDir::new("threads");
    let q = Arc::new(EventQueue::open(&tmp.poet()).expect("open"));
    let written = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for t in 0..4 {
            let q = Arc::clone(&q);
            let written = Arc::clone(&written);
            s.spawn(move || {
                for i in 0..50 {
                    let batch: Vec<Event> = (0..(i % 5 + 1))
                        .map(|_| execution(&format!("t{t}"), "success"))
                        .collect();
                    q.emit_batch(&batch).expect("emit");
                    written.lock().expect("lock").extend(ids(&batch));
                }
            });
        }
    });
    let mut expected = written.lock().expect("lock").clone();
    expected.sort();
    let got = ids(&q.pending().expect("pending"));
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    assert_eq!(got.len(), 4 * (1 + 2 + 3 + 4 + 5) * 10);
}

#[test]
fn filters_by_function_type_and_correlation() {
    let tmp = TempDir::new("filter");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let a = execution("detect_drift", "success");
    let b = execution("score", "failure");
    let fb = Event::new(
        "function.feedback",
        Some(&a.correlation_id),
        Some(&a.id),
        json!({"function_name": "detect_drift", "rating": 2}),
    );
    let req = Event::new(
        "enhancement.requested",
        None,
        None,
        json!({"function_name": "detect_drift"}),
    );
    let done = Event::new(
        "enhancement.completed",
        Some(&req.id),
        Some(&req.id),
        json!({"function_name": "detect_drift"}),
    );
    q.emit_batch(&[a.clone(), b.clone(), fb.clone(), req.clone(), done.clone()])
        .expect("emit");
    q.mark_processed(std::slice::from_ref(&a.id)).expect("mark");

    let get = |f: EventFilter| ids(&q.all(&f).expect("all"));
    assert_eq!(
        get(EventFilter::default().function("detect_drift")),
        ids(&[a.clone(), fb.clone(), req.clone(), done.clone()])
    );
    assert_eq!(
        get(EventFilter::default().function("score")),
        vec![b.id.clone()]
    );
    assert!(get(EventFilter::default().function("detect")).is_empty());
    assert_eq!(
        get(EventFilter::default().kind("function.execution")),
        ids(&[a.clone(), b.clone()])
    );
    assert_eq!(
        get(EventFilter::default().kind("enhancement.*")),
        ids(&[req.clone(), done.clone()])
    );
    assert_eq!(
        get(EventFilter::default().kind("enhancement.")),
        ids(&[req.clone(), done.clone()])
    );
    assert_eq!(
        get(EventFilter::default()
            .function("detect_drift")
            .kind("function.feedback")),
        vec![fb.id.clone()]
    );
    assert_eq!(
        get(EventFilter::default().correlation(&a.id)),
        ids(&[a.clone(), fb.clone()])
    );
    let scan = q
        .scan(&EventFilter::default().function("detect_drift"))
        .expect("scan");
    assert_eq!(ids(&scan.processed), ids(&[a]));
    assert_eq!(scan.pending.len(), 3);
}

#[test]
fn a_follower_returns_each_event_once_as_it_arrives() {
    let tmp = TempDir::new("follow");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let mut all = q.follow(EventFilter::default());
    let mut only_g = q.follow(EventFilter::default().function("g"));
    assert!(all.poll().expect("poll").events.is_empty());

    let first: Vec<Event> = (0..3).map(|_| execution("f", "success")).collect();
    q.emit_batch(&first).expect("emit");
    assert_eq!(ids(&all.poll().expect("poll").events), ids(&first));
    assert!(all.poll().expect("poll").events.is_empty());

    let g = execution("g", "failure");
    q.emit(&g).expect("emit");
    assert_eq!(ids(&all.poll().expect("poll").events), vec![g.id.clone()]);
    assert_eq!(
        ids(&only_g.poll().expect("poll").events),
        vec![g.id.clone()]
    );

    // Moving, compacting and collecting show nothing new.
    q.mark_processed(&ids(&first[..2])).expect("mark");
    assert!(all.poll().expect("poll").events.is_empty());
    drop(q);
    let q = EventQueue::open(&tmp.poet()).expect("open");
    q.gc(Duration::from_secs(3600), u64::MAX).expect("gc");
    assert!(all.poll().expect("poll").events.is_empty());

    // A record still being written shows once it is whole; damage once a record follows it.
    let seg = tmp
        .poet()
        .join("events/pending")
        .join(format!("{}.jsonl", new_id()));
    let late = execution("f", "success");
    let other = execution("f", "success");
    let record = |e: &Event| {
        let q2 = TempDir::new("frame");
        let tq = EventQueue::open(&q2.poet()).expect("open");
        tq.emit(e).expect("emit");
        fs::read(tq.active_segment().expect("segment")).expect("read")
    };
    let bytes = record(&late);
    fs::write(&seg, &bytes[..bytes.len() / 2]).expect("write");
    assert!(all.poll().expect("poll").events.is_empty());
    fs::write(&seg, &bytes[..bytes.len() - 1]).expect("write");
    assert_eq!(
        ids(&all.poll().expect("poll").events),
        vec![late.id.clone()]
    );
    let mut damaged = bytes.clone();
    damaged.extend_from_slice(b"{\"crc32c\":\"00000000\",\"event\":{}}\n");
    fs::write(&seg, &damaged).expect("write");
    let polled = all.poll().expect("poll");
    assert!(polled.events.is_empty() && polled.damage.is_empty());
    damaged.extend_from_slice(&record(&other));
    fs::write(&seg, &damaged).expect("write");
    let polled = all.poll().expect("poll");
    assert_eq!(ids(&polled.events), vec![other.id.clone()]);
    assert_eq!(polled.damage.len(), 1);
    assert_eq!(polled.damage[0].line, 2);
    // The same damage as a full read reports.
    let scan = q.scan(&EventFilter::default()).expect("scan");
    assert_eq!(scan.damage, polled.damage);
}

// ---- gc -------------------------------------------------------------------------------------

/// `id` with its timestamp moved `ms_ago` milliseconds into the past.
fn backdated(id: &str, ms_ago: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let hex = format!("{:012x}", now - ms_ago);
    format!("{}-{}{}", &hex[..8], &hex[8..], &id[13..])
}

#[test]
fn gc_removes_old_processed_events_then_the_oldest_over_budget() {
    let tmp = TempDir::new("gc");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let processed_dir = tmp.poet().join("events/processed");
    // Four moves, so four processed files; then date two of them back 40 and 35 days.
    let mut all = Vec::new();
    for _ in 0..4 {
        let batch: Vec<Event> = (0..5).map(|_| execution("f", "success")).collect();
        q.emit_batch(&batch).expect("emit");
        q.mark_processed(&ids(&batch)).expect("mark");
        all.extend(batch);
    }
    let files = segments(&processed_dir);
    assert_eq!(files.len(), 4);
    for (file, days) in files.iter().take(2).zip([40, 35]) {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("stem")
            .to_string();
        let old = backdated(&stem, days * 86_400_000);
        fs::rename(file, processed_dir.join(format!("{old}.jsonl"))).expect("rename");
    }
    let pending_before = q.pending().expect("pending").len();
    let day = Duration::from_secs(86_400);
    let counts = q.gc(30 * day, u64::MAX).expect("gc");
    assert_eq!(counts.files_removed, 2);
    assert_eq!(counts.events_removed, 10);
    assert!(counts.bytes_freed > 0);
    assert_eq!(q.processed().expect("processed").len(), 10);

    // Over the byte budget: the oldest of the rest goes.
    let sizes: Vec<u64> = segments(&processed_dir)
        .iter()
        .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .collect();
    let counts = q.gc(30 * day, sizes[1]).expect("gc");
    assert_eq!(counts.files_removed, 1);
    assert_eq!(counts.events_removed, 5);
    assert_eq!(ids(&q.processed().expect("processed")), ids(&all[15..]));
    assert_eq!(q.pending().expect("pending").len(), pending_before);

    // Nothing processed survives a zero budget; pending events are never touched.
    let extra = execution("g", "success");
    q.emit(&extra).expect("emit");
    q.gc(Duration::ZERO, 0).expect("gc");
    assert!(q.processed().expect("processed").is_empty());
    assert_eq!(ids(&q.pending().expect("pending")), vec![extra.id]);
}

#[test]
fn gc_cleans_leftovers_of_killed_writers() {
    let tmp = TempDir::new("leftovers");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let e = execution("f", "success");
    q.emit(&e).expect("emit");
    let pending_dir = tmp.poet().join("events/pending");
    let processed_dir = tmp.poet().join("events/processed");
    // An empty segment (writer killed before its first record), an orphan sidecar, a torn
    // segment, and temp files of a consumer.
    let empty = pending_dir.join(format!("{}.jsonl", new_id()));
    fs::write(&empty, "").expect("write");
    fs::write(pending_dir.join(format!("{}.acked", new_id())), "x\n").expect("write");
    let torn = pending_dir.join(format!("{}.jsonl", new_id()));
    fs::write(&torn, "{\"crc32c\":\"0000").expect("write");
    fs::write(processed_dir.join(".x.jsonl.tmp-1"), "junk").expect("write");
    fs::write(pending_dir.join(".y.jsonl.tmp-2"), "junk").expect("write");
    let counts = q.gc(Duration::from_secs(3600), u64::MAX).expect("gc");
    assert_eq!(counts.temp_removed, 2, "{counts:?}");
    assert_eq!(counts.segments_compacted, 2, "{counts:?}");
    let left = names(&pending_dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(ids(&q.pending().expect("pending")), vec![e.id]);
    assert!(names(&processed_dir).is_empty());
}

// ---- damage ---------------------------------------------------------------------------------

#[test]
fn torn_tails_are_skipped_and_middle_damage_is_reported() {
    let tmp = TempDir::new("damage");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let events: Vec<Event> = (0..5).map(|_| execution("f", "success")).collect();
    q.emit_batch(&events).expect("emit");
    let seg = q.active_segment().expect("segment");
    drop(q);
    let original = fs::read(&seg).expect("read");

    // Every possible cut of the last record: the first four events stay, nothing half shows.
    let lines: Vec<&[u8]> = original.split_inclusive(|&b| b == b'\n').collect();
    let head: usize = lines[..4].iter().map(|l| l.len()).sum();
    for cut in head..original.len() {
        fs::write(&seg, &original[..cut]).expect("write");
        let q = EventQueue::open(&tmp.poet()).expect("open");
        let scan = q.scan(&EventFilter::default()).expect("scan");
        let expected = if cut + 1 >= original.len() { 5 } else { 4 };
        assert_eq!(scan.pending.len(), expected, "cut at {cut}");
        assert!(scan.damage.is_empty(), "cut at {cut}: {:?}", scan.damage);
        assert_eq!(scan.torn_tails, usize::from(cut > head && expected == 4));
    }

    // A flipped byte in the middle record: reported, skipped, the rest readable.
    let mut bad = original.clone();
    let third = lines[..2].iter().map(|l| l.len()).sum::<usize>() + 60;
    bad[third] ^= 0x20;
    fs::write(&seg, &bad).expect("write");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    let scan = q.scan(&EventFilter::default()).expect("scan");
    assert_eq!(scan.pending.len(), 4);
    assert!(!ids(&scan.pending).contains(&events[2].id));
    assert_eq!(scan.damage.len(), 1);
    assert_eq!(scan.damage[0].line, 3);
    assert!(
        scan.damage[0].reason.contains("checksum"),
        "{}",
        scan.damage[0]
    );

    // Garbage of every kind never panics a reader.
    let mut zeros = vec![0u8; 4096];
    zeros.push(b'\n');
    for junk in [
        b"\n\n\n".to_vec(),
        b"{}\n".to_vec(),
        b"\xff\xfe\n".to_vec(),
        b"{\"crc32c\":\"00000000\",\"event\":{}}\n".to_vec(),
        zeros,
    ] {
        let mut data = junk;
        data.extend_from_slice(lines[0]);
        fs::write(&seg, &data).expect("write");
        assert_eq!(q.pending().expect("pending").len(), 1);
    }
    // A line far over the limit is damage, not an allocation without bound.
    let mut huge = vec![b'a'; 3 << 20];
    huge.push(b'\n');
    huge.extend_from_slice(lines[1]);
    fs::write(&seg, &huge).expect("write");
    let scan = q.scan(&EventFilter::default()).expect("scan");
    assert_eq!(ids(&scan.pending), vec![events[1].id.clone()]);
    assert_eq!(scan.damage.len(), 1);
}

#[test]
fn a_removed_segment_is_not_written_blindly() {
    let tmp = TempDir::new("replaced");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    q.emit(&execution("f", "success")).expect("emit");
    // Someone clears the queue by hand while the writer lives: appending to the unlinked
    // file would lose every later event without a word.
    fs::remove_dir_all(tmp.poet().join("events")).expect("rm");
    let e = execution("f", "success");
    q.emit(&e).expect("emit");
    assert_eq!(ids(&q.pending().expect("pending")), vec![e.id]);
}

#[test]
fn fit_cuts_long_strings_with_a_marker_and_keeps_the_event() {
    let mut e = Event::new(
        "function.execution",
        None,
        None,
        json!({
            "function_name": "f",
            "error": {"message": "m".repeat(3 * MAX_EVENT_BYTES), "type": "ValueError"},
            "train": {"note": "n".repeat(MAX_EVENT_BYTES / 2)},
        }),
    );
    let cut = e.fit(MAX_EVENT_BYTES);
    assert!(cut > 2 * MAX_EVENT_BYTES, "{cut}");
    assert!(e.to_json().len() <= MAX_EVENT_BYTES);
    let msg = e.payload["error"]["message"].as_str().expect("message");
    assert!(
        msg.starts_with("mmm") && msg.ends_with("bytes cut]"),
        "{}",
        &msg[msg.len() - 40..]
    );
    assert_eq!(e.payload["error"]["type"], "ValueError");
    assert_eq!(e.payload["function_name"], "f");
    // It is now accepted, with the rest of its batch.
    let tmp = TempDir::new("fit");
    let q = EventQueue::open(&tmp.poet()).expect("open");
    q.emit_batch(&[execution("f", "success"), e.clone()])
        .expect("fitted events are written");
    assert_eq!(q.pending().expect("pending").len(), 2);
    // A small event is left as it is; multi-byte text is cut on a character boundary.
    let mut small = execution("f", "success");
    let before = small.clone();
    assert_eq!(small.fit(MAX_EVENT_BYTES), 0);
    assert_eq!(small, before);
    let mut wide = Event::new(
        "function.execution",
        None,
        None,
        json!({"s": "é".repeat(MAX_EVENT_BYTES)}),
    );
    wide.fit(MAX_EVENT_BYTES);
    assert!(wide.to_json().len() <= MAX_EVENT_BYTES);
    // Thousands of small values cannot be cut: the payload gives way to a note.
    let many: Vec<u32> = (0..400_000).collect();
    let mut e = Event::new(
        "function.execution",
        None,
        None,
        json!({"function_name": "f", "xs": many}),
    );
    e.fit(MAX_EVENT_BYTES);
    assert!(e.to_json().len() <= MAX_EVENT_BYTES);
    assert_eq!(e.payload["function_name"], "f");
    assert!(e.payload["truncated"]
        .as_str()
        .expect("note")
        .contains("did not fit"));
}
