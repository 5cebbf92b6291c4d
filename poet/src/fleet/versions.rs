//! Versions, `current` and lineage in Redis: numbering, pushing a version with its fencing
//! check and the `current` swap in one Lua script, reading versions back, and installing the
//! shared `current` into the local store before a function is prepared.

use super::{Fleet, FleetError};
use crate::store::{FunctionStore, StoreLock, VersionFiles, MAX_FILE_BYTES};
use redis::Script;

/// Hands out the next number, above the local ones too.
const RESERVE: &str = r#"
local n = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if n <= floor then
  n = floor + 1
  redis.call('SET', KEYS[1], n)
end
return n
"#;

/// KEYS: version hash, versions zset, current, key map, fence, functions set.
/// ARGV: N, code, params, state, metadata, fence ("" = none), make current ("1"/"0"),
/// channel, function, instance.
const PUSH: &str = r#"
if ARGV[6] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[6] then
  return redis.error_reply('FENCED another process took over the generation lease')
end
redis.call('HSET', KEYS[1], 'code.na', ARGV[2], 'params.json', ARGV[3],
  'state.json', ARGV[4], 'metadata.json', ARGV[5])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[9])
if ARGV[7] == '1' and redis.call('GET', KEYS[3]) ~= ARGV[1] then
  redis.call('SET', KEYS[3], ARGV[1])
  redis.call('PUBLISH', ARGV[8], ARGV[9] .. ' ' .. ARGV[1] .. ' ' .. ARGV[10])
end
return 1
"#;

/// KEYS: version hash, current. ARGV: N, channel, function, instance.
const SWAP: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('NOVERSION the shared store has no such version')
end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. ARGV[1] .. ' ' .. ARGV[4])
end
return 1
"#;

fn text(files: &VersionFiles, name: &str) -> Vec<u8> {
    files.file(name).unwrap_or_default().to_vec()
}

impl Fleet {
    /// The channel that announces moves of `current`.
    pub(crate) fn channel(&self) -> String {
        self.key("current")
    }

    pub(crate) fn reserve_number(&self, function: &str, local_max: u32) -> Result<u32, FleetError> {
        let next = self.fkey(function, "next");
        self.run(|c| {
            Script::new(RESERVE)
                .key(&next)
                .arg(local_max)
                .invoke::<u32>(c)
        })
    }

    /// Writes a version; with `fence`, only while the fencing counter still equals it; with
    /// `make_current`, `current` moves to it and the change is published.
    pub(crate) fn push_version(
        &self,
        function: &str,
        files: &VersionFiles,
        fence: Option<u64>,
        make_current: bool,
    ) -> Result<(), FleetError> {
        let n = files.number;
        let meta = files.metadata();
        let key = meta
            .get("cache_key")
            .and_then(|k| k.as_str())
            .unwrap_or("none")
            .to_string();
        let keys = [
            self.fkey(function, &format!("v:{n}")),
            self.fkey(function, "versions"),
            self.fkey(function, "current"),
            self.fkey(function, &format!("key:{key}")),
            self.fkey(function, "fence"),
            self.key("functions"),
        ];
        let channel = self.channel();
        let r = self.run(|c| {
            let script = Script::new(PUSH);
            let mut inv = script.prepare_invoke();
            for k in &keys {
                inv.key(k);
            }
            inv.arg(n)
                .arg(text(files, "code.na"))
                .arg(text(files, "params.json"))
                .arg(text(files, "state.json"))
                .arg(text(files, "metadata.json"))
                .arg(fence.map(|f| f.to_string()).unwrap_or_default())
                .arg(if make_current { "1" } else { "0" })
                .arg(&channel)
                .arg(function)
                .arg(&self.instance);
            inv.invoke::<i64>(c)
        });
        r.map(|_| ())
    }

    /// Moves `current` of `function` to `v` (which the shared store must hold) and
    /// publishes the change.
    pub fn swap_current(&self, function: &str, v: u32) -> Result<(), FleetError> {
        let vkey = self.fkey(function, &format!("v:{v}"));
        let cur = self.fkey(function, "current");
        let channel = self.channel();
        self.run(|c| {
            Script::new(SWAP)
                .key(&vkey)
                .key(&cur)
                .arg(v)
                .arg(&channel)
                .arg(function)
                .arg(&self.instance)
                .invoke::<i64>(c)
        })
        .map(|_| ())
    }

    /// The shared `current` of `function`.
    pub fn current(&self, function: &str) -> Result<Option<u32>, FleetError> {
        let cur = self.fkey(function, "current");
        self.run(|c| redis::cmd("GET").arg(&cur).query::<Option<u32>>(c))
    }

    /// The version made for a cache key, if the shared store has one.
    pub fn version_for_key(&self, function: &str, key: &str) -> Result<Option<u32>, FleetError> {
        let k = self.fkey(function, &format!("key:{key}"));
        self.run(|c| redis::cmd("GET").arg(&k).query::<Option<u32>>(c))
    }

    /// The version numbers the shared store holds for `function`, ascending.
    pub fn versions(&self, function: &str) -> Result<Vec<u32>, FleetError> {
        let k = self.fkey(function, "versions");
        self.run(|c| {
            redis::cmd("ZRANGE")
                .arg(&k)
                .arg(0)
                .arg(-1)
                .query::<Vec<u32>>(c)
        })
    }

    /// The functions the shared store holds, sorted.
    pub fn functions(&self) -> Result<Vec<String>, FleetError> {
        let k = self.key("functions");
        let mut names = self.run(|c| redis::cmd("SMEMBERS").arg(&k).query::<Vec<String>>(c))?;
        names.sort();
        Ok(names)
    }

    /// The files of one shared version.
    pub fn fetch(&self, function: &str, v: u32) -> Result<Option<VersionFiles>, FleetError> {
        let k = self.fkey(function, &format!("v:{v}"));
        let fields: Vec<(String, Vec<u8>)> =
            self.run(|c| redis::cmd("HGETALL").arg(&k).query(c))?;
        if fields.is_empty() {
            return Ok(None);
        }
        // The shared store is written by other processes: nothing larger than a local store
        // accepts reaches the disk.
        if let Some((name, b)) = fields.iter().find(|(_, b)| b.len() as u64 > MAX_FILE_BYTES) {
            return Err(FleetError::other(format!(
                "shared version {v} of {function}: '{name}' is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
                b.len()
            )));
        }
        let files = VersionFiles::names()
            .iter()
            .map(|name| {
                let bytes = fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default();
                (name.to_string(), bytes)
            })
            .collect();
        Ok(Some(VersionFiles { number: v, files }))
    }

    /// Brings the local store of `function` up to the shared one before it is prepared:
    /// the shared `current` (and the version made for `key`, if another) are installed
    /// locally and `current` points where the shared one does. Returns the shared current.
    pub(crate) fn sync_function(
        &self,
        store: &FunctionStore,
        lock: &StoreLock,
        key: Option<&str>,
    ) -> Result<Option<u32>, FleetError> {
        let name = store.name();
        let current = self.current(name)?;
        let by_key = match key {
            Some(k) => self.version_for_key(name, k)?,
            None => None,
        };
        for (v, make_current) in [(by_key, false), (current, true)] {
            let Some(v) = v else { continue };
            if make_current && store.current().ok().flatten() == Some(v) {
                continue;
            }
            let have = store.read_files(v).ok();
            let files = match have {
                Some(f) if !make_current => f,
                _ => match self.fetch(name, v)? {
                    Some(f) => f,
                    None => continue,
                },
            };
            store
                .install_files(lock, &files, make_current)
                .map_err(|e| FleetError::other(e.to_string()))?;
        }
        Ok(current)
    }
}
