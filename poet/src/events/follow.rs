//! Watching a queue: each poll reads only what was appended since the last one, so following
//! a large queue costs what is new, not what is there.

use super::error::EventError;
use super::event::{Damage, Event, EventFilter};
use super::record::next_line;
use super::segments::{list_segments, sort_events, SEGMENT_EXT};
use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Where reading of one file stopped.
struct Cursor {
    /// Device and inode where the platform has them: a consumer that rewrites a segment
    /// replaces the file, and the new one is read from its start.
    identity: Option<(u64, u64)>,
    /// Just after the last valid record read.
    offset: u64,
    /// Lines before `offset`, to number damaged lines as `scan` does.
    lines: usize,
}

/// The events that [`super::queue::EventQueue::follow`] has not returned yet, poll after poll.
pub struct EventFollower {
    dirs: [PathBuf; 2],
    filter: EventFilter,
    cursors: HashMap<PathBuf, Cursor>,
    seen: HashSet<String>,
}

/// What one [`EventFollower::poll`] found.
#[derive(Clone, Debug, Default)]
pub struct Polled {
    /// New matching events, oldest first; each id is returned once over all polls.
    pub events: Vec<Event>,
    /// Damaged lines met in what was read this time.
    pub damage: Vec<Damage>,
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl EventFollower {
    pub(super) fn new(pending: PathBuf, processed: PathBuf, filter: EventFilter) -> EventFollower {
        EventFollower {
            dirs: [pending, processed],
            filter,
            cursors: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    /// Everything matching at the first call; afterwards, what arrived since the last call.
    /// Events moved from `pending/` to `processed/` meanwhile are not returned again.
    pub fn poll(&mut self) -> Result<Polled, EventError> {
        let mut out = Polled::default();
        let mut present = HashSet::new();
        for dir in self.dirs.clone() {
            for stem in list_segments(&dir)? {
                let path = dir.join(format!("{stem}{SEGMENT_EXT}"));
                present.insert(path.clone());
                self.read_new(&path, &mut out)?;
            }
        }
        // Files gone (compacted away, collected) need no cursor any more.
        self.cursors.retain(|p, _| present.contains(p));
        sort_events(&mut out.events);
        Ok(out)
    }

    fn read_new(&mut self, path: &Path, out: &mut Polled) -> Result<(), EventError> {
        let io_err = |e: io::Error| EventError::io(path, "read", e);
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(e)),
        };
        let meta = file.metadata().map_err(io_err)?;
        let id = identity(&meta);
        let (start, start_line) = match self.cursors.get(path) {
            Some(c) if c.identity == id && c.offset <= meta.len() => (c.offset, c.lines),
            _ => (0, 0),
        };
        if start == meta.len() && self.cursors.contains_key(path) {
            return Ok(());
        }
        let mut reader = BufReader::with_capacity(1 << 16, file);
        reader.seek(SeekFrom::Start(start)).map_err(io_err)?;
        let mut buf = Vec::new();
        // Just after the last valid record, where the next poll starts.
        let (mut offset, mut lines) = (start, start_line);
        let (mut pos, mut line_no) = (start, start_line);
        // Bad lines wait for a valid record after them before they count as damage: at the
        // end of the file they are a write in progress or a torn tail, as for `scan`.
        let mut suspects: Vec<Damage> = Vec::new();
        while let Some(line) = next_line(&mut reader, &mut buf).map_err(io_err)? {
            let line_start = pos;
            pos += line.consumed as u64;
            line_no += 1;
            if buf.is_empty() && !line.overlong {
                if line.terminated && suspects.is_empty() {
                    (offset, lines) = (pos, line_no);
                }
                continue;
            }
            let verdict = line.decode(&buf);
            match verdict {
                Ok(event) => {
                    out.damage.append(&mut suspects);
                    if self.filter.matches(&event) && self.seen.insert(event.id.clone()) {
                        out.events.push(event);
                    }
                    // A record without its newline is read again next time, when the
                    // newline may have come; its id is already seen then.
                    if line.terminated {
                        (offset, lines) = (pos, line_no);
                    }
                }
                Err(reason) => suspects.push(Damage {
                    file: path.to_path_buf(),
                    line: line_no,
                    offset: line_start,
                    reason,
                }),
            }
            if !line.terminated {
                break;
            }
        }
        self.cursors.insert(
            path.to_path_buf(),
            Cursor {
                identity: id,
                offset,
                lines,
            },
        );
        Ok(())
    }
}
