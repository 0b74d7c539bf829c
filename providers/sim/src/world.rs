//! The simulated world of one (provider, region): its objects, in memory and on disk.
//!
//! Persistence: the simulated cloud must not forget what it did when galley is killed,
//! or a rehearsal would show a world no real cloud can be in. Every mutation happens in
//! memory under a mutex and is appended at once, as one JSON line per object put or
//! deleted, to `<world>.json.journal` (one `write` call, no fsync: a killed process loses
//! nothing the kernel has; a power cut may). The world file itself is rewritten (a temp
//! file renamed over it, so it is never torn) at most once per `flush_interval`, on tokio, and by
//! [`WorldStore::flush`] and drop (with fsync); each rewrite empties the journal. Opening
//! a world replays its journal; its records are absolute puts and deletes, so replaying
//! them onto a newer file changes nothing. Each object's JSON is encoded once when
//! stored, so a write costs a copy of the file's bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use engine::provider::ProviderError;
use engine::value::Value;

use crate::registry::Registry;
use crate::shape::decode;

/// The objects of one world, by type and id.
#[derive(Debug, Clone, Default)]
pub struct World {
    provider: String,
    region: String,
    counter: u64,
    objects: BTreeMap<String, BTreeMap<String, Stored>>,
    /// The engine's idempotency token of each object a create made, by (type, id): how
    /// an apply killed before recording a create finds its object.
    tokens: BTreeMap<(String, String), String>,
    /// Journal lines of the mutations not yet appended to the journal file.
    log: Vec<String>,
    /// Off while loading: what is read back is not logged again.
    logging: bool,
    /// Objects with an operation in progress, until when (virtual time). In memory only,
    /// like the virtual clock itself.
    busy: BTreeMap<(String, String), NaiveDateTime>,
    /// Changes accepted now and carried out later (at a maintenance window), in memory only.
    pending: BTreeMap<(String, String), Pending>,
    /// Earlier versions of objects that clients still see until a time (a DNS answer
    /// cached for its TTL), in memory only.
    served: BTreeMap<(String, String), (NaiveDateTime, Value)>,
}

/// A change the service applies later: attribute values set on the object at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// When it is carried out (virtual time).
    pub at: NaiveDateTime,
    /// Attribute values it sets.
    pub set: Vec<(String, Value)>,
}

/// An object and its JSON text, encoded once when stored so that writing the world
/// file costs a copy of bytes, not a re-encoding of every object.
#[derive(Debug, Clone)]
struct Stored {
    value: Value,
    json: String,
}

impl World {
    /// An empty world.
    pub fn new(provider: &str, region: &str) -> World {
        World {
            provider: provider.to_string(),
            region: region.to_string(),
            ..World::default()
        }
    }

    /// The provider name it belongs to.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Its region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// `provider/region`, used to seed ids.
    pub fn name(&self) -> String {
        format!("{}/{}", self.provider, self.region)
    }

    /// The object `id` of type `type_name`.
    pub fn get(&self, type_name: &str, id: &str) -> Option<&Value> {
        self.objects
            .get(type_name)
            .and_then(|m| m.get(id))
            .map(|s| &s.value)
    }

    /// All objects of one type.
    pub fn of_type<'a>(&'a self, type_name: &str) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.objects
            .get(type_name)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, s)| (k.as_str(), &s.value)))
    }

    /// Every object, as (type, id).
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.objects
            .iter()
            .flat_map(|(t, m)| m.keys().map(move |id| (t.as_str(), id.as_str())))
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.values().map(BTreeMap::len).sum()
    }

    /// True when no object exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores an object.
    pub fn insert(&mut self, type_name: &str, id: &str, v: Value) {
        self.insert_created(type_name, id, v, None);
    }

    /// Stores an object a create made with the engine's idempotency `token`; the token is
    /// journaled in the same line as the object, so one is never kept without the other.
    pub fn insert_created(&mut self, type_name: &str, id: &str, v: Value, token: Option<&str>) {
        let mut json = String::new();
        write_json(&v, &mut json);
        if let Some(t) = token {
            self.tokens
                .insert((type_name.to_string(), id.to_string()), t.to_string());
        }
        if self.logging {
            let mut line = String::from("{\"put\":");
            write_key(type_name, id, &mut line);
            line.push_str(&format!(",\"counter\":{}", self.counter));
            if let Some(t) = token {
                line.push_str(",\"token\":");
                write_json(&Value::string(t), &mut line);
            }
            line.push_str(&format!(",\"object\":{json}}}\n"));
            self.log.push(line);
        }
        self.objects
            .entry(type_name.to_string())
            .or_default()
            .insert(id.to_string(), Stored { value: v, json });
    }

    /// Removes an object.
    pub fn remove(&mut self, type_name: &str, id: &str) -> Option<Value> {
        let m = self.objects.get_mut(type_name)?;
        let v = m.remove(id);
        self.tokens.remove(&(type_name.to_string(), id.to_string()));
        if self.logging && v.is_some() {
            let mut line = String::from("{\"del\":");
            write_key(type_name, id, &mut line);
            line.push_str(&format!(",\"counter\":{}}}\n", self.counter));
            self.log.push(line);
        }
        if m.is_empty() {
            self.objects.remove(type_name);
        }
        v.map(|s| s.value)
    }

    /// The (type, id) of the object a create with `token` made, while it exists.
    pub fn created_by(&self, token: &str) -> Option<(&str, &str)> {
        self.tokens
            .iter()
            .find(|(_, t)| t.as_str() == token)
            .map(|((ty, id), _)| (ty.as_str(), id.as_str()))
    }

    /// Records that an operation on the object runs until `until`.
    pub fn mark_busy(&mut self, type_name: &str, id: &str, until: NaiveDateTime) {
        self.busy
            .insert((type_name.to_string(), id.to_string()), until);
    }

    /// When the operation in progress on the object ends, if one runs at `now`.
    pub fn busy_until(
        &self,
        type_name: &str,
        id: &str,
        now: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        self.busy
            .get(&(type_name.to_string(), id.to_string()))
            .copied()
            .filter(|until| *until > now)
    }

    /// Schedules a change of the object's attributes for `at`, replacing an earlier one
    /// (a new modification supersedes the pending one, as RDS does).
    pub fn schedule(&mut self, type_name: &str, id: &str, pending: Pending) {
        self.pending
            .insert((type_name.to_string(), id.to_string()), pending);
    }

    /// The change pending on the object, if any.
    pub fn pending(&self, type_name: &str, id: &str) -> Option<&Pending> {
        self.pending.get(&(type_name.to_string(), id.to_string()))
    }

    /// Records that clients keep seeing `earlier` for the object until `until` (virtual
    /// time), though the object has changed.
    pub fn serve_until(&mut self, type_name: &str, id: &str, earlier: Value, until: NaiveDateTime) {
        self.served
            .insert((type_name.to_string(), id.to_string()), (until, earlier));
    }

    /// The version of the object clients see at `now`: an earlier one still cached, or
    /// the object itself.
    pub fn served(&self, type_name: &str, id: &str, now: NaiveDateTime) -> Option<&Value> {
        match self.served.get(&(type_name.to_string(), id.to_string())) {
            Some((until, earlier)) if *until > now => Some(earlier),
            _ => self.get(type_name, id),
        }
    }

    /// True when some change is pending.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Carries out the pending changes due at `now`; returns how many.
    pub fn apply_due(&mut self, now: NaiveDateTime) -> usize {
        let due: Vec<(String, String)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in &due {
            let Some(p) = self.pending.remove(key) else {
                continue;
            };
            let Some(mut obj) = self.get(&key.0, &key.1).cloned() else {
                continue;
            };
            if let Value::Object(m) = &mut obj {
                m.extend(p.set);
            }
            self.insert(&key.0, &key.1, obj);
        }
        due.len()
    }

    /// The next creation number; ids derive from it.
    pub fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The world file's text.
    fn to_text(&self) -> String {
        let mut out = String::with_capacity(1024);
        out.push_str("{\"version\":1,\"provider\":");
        write_json(&Value::string(&self.provider), &mut out);
        out.push_str(",\"region\":");
        write_json(&Value::string(&self.region), &mut out);
        out.push_str(&format!(",\"counter\":{},\"objects\":{{", self.counter));
        for (i, (type_name, by_id)) in self.objects.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json(&Value::string(type_name), &mut out);
            out.push_str(":{");
            for (j, (id, stored)) in by_id.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                write_json(&Value::string(id), &mut out);
                out.push(':');
                out.push_str(&stored.json);
            }
            out.push('}');
        }
        out.push_str("},\"tokens\":[");
        for (i, ((type_name, id), token)) in self.tokens.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            write_json(&Value::string(type_name), &mut out);
            out.push(',');
            write_json(&Value::string(id), &mut out);
            out.push(',');
            write_json(&Value::string(token), &mut out);
            out.push(']');
        }
        out.push_str("]}\n");
        out
    }

    fn from_json(j: &serde_json::Value, registry: &Registry) -> Result<World, String> {
        let field = |k: &str| j.get(k).ok_or_else(|| format!("missing `{k}`"));
        let mut w = World::new(
            field("provider")?.as_str().unwrap_or_default(),
            field("region")?.as_str().unwrap_or_default(),
        );
        w.counter = field("counter")?
            .as_u64()
            .ok_or("`counter` is not a number")?;
        let objects = field("objects")?
            .as_object()
            .ok_or("`objects` is not an object")?;
        for (type_name, by_id) in objects {
            let rt = registry
                .resources
                .get(type_name.as_str())
                .ok_or_else(|| format!("unknown resource type `{type_name}`"))?;
            let by_id = by_id
                .as_object()
                .ok_or_else(|| format!("`{type_name}` is not an object"))?;
            for (id, obj) in by_id {
                w.insert(type_name, id, decode(obj, &rt.schema));
            }
        }
        // Worlds written before tokens were kept have none.
        if let Some(tokens) = j.get("tokens").and_then(serde_json::Value::as_array) {
            for t in tokens {
                let parts: Vec<&str> = t
                    .as_array()
                    .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                    .unwrap_or_default();
                let [type_name, id, token] = parts[..] else {
                    return Err(format!("`tokens` has a malformed entry: {t}"));
                };
                if w.get(type_name, id).is_some() {
                    w.tokens
                        .insert((type_name.to_string(), id.to_string()), token.to_string());
                }
            }
        }
        Ok(w)
    }

    /// Applies the journal's complete lines (a torn last line is what a kill mid-write
    /// leaves; it is dropped). Returns how many records were applied.
    fn replay(&mut self, text: &str, registry: &Registry) -> Result<usize, String> {
        let mut n = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if !line.ends_with('\n') {
                break;
            }
            let bad = |m: &str| format!("journal line {}: {m}", i + 1);
            let j: serde_json::Value =
                serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let key = |k: &str| -> Option<(String, String)> {
                let pair = j.get(k)?.as_array()?;
                Some((
                    pair.first()?.as_str()?.to_string(),
                    pair.get(1)?.as_str()?.to_string(),
                ))
            };
            if let Some(c) = j.get("counter").and_then(serde_json::Value::as_u64) {
                self.counter = self.counter.max(c);
            }
            if let Some((t, id)) = key("put") {
                let rt = registry
                    .resources
                    .get(t.as_str())
                    .ok_or_else(|| bad(&format!("unknown resource type `{t}`")))?;
                let obj = j.get("object").ok_or_else(|| bad("no object"))?;
                let token = j.get("token").and_then(serde_json::Value::as_str);
                self.insert_created(&t, &id, decode(obj, &rt.schema), token);
            } else if let Some((t, id)) = key("del") {
                self.remove(&t, &id);
            } else {
                return Err(bad("neither a put nor a delete"));
            }
            n += 1;
        }
        Ok(n)
    }
}

/// `["type","id"]`.
fn write_key(type_name: &str, id: &str, out: &mut String) {
    out.push('[');
    write_json(&Value::string(type_name), out);
    out.push(',');
    write_json(&Value::string(id), out);
    out.push(']');
}

/// A world kept in memory and written to its file.
pub struct WorldStore {
    path: PathBuf,
    journal_path: PathBuf,
    /// The journal, open for appending once the first mutation happens.
    journal: Mutex<Option<std::fs::File>>,
    world: Mutex<World>,
    dirty: AtomicBool,
    scheduled: AtomicBool,
    last_write: Mutex<Instant>,
    // Serializes writers so an older snapshot never overwrites a newer one.
    writer: Mutex<()>,
    flush_interval: Duration,
}

impl WorldStore {
    /// Opens the world stored at `path`, or an empty one if the file does not exist.
    pub fn open(
        path: PathBuf,
        provider: &str,
        region: &str,
        registry: &Registry,
        flush_interval: Duration,
    ) -> Result<WorldStore, ProviderError> {
        let world = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let j: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| corrupt(&path, &e.to_string()))?;
                World::from_json(&j, registry).map_err(|e| corrupt(&path, &e))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => World::new(provider, region),
            Err(e) => return Err(io_error(&path, &e)),
        };
        let mut world = world;
        let journal_path = journal_file(&path);
        let replayed = match std::fs::read_to_string(&journal_path) {
            Ok(text) => world
                .replay(&text, registry)
                .map_err(|e| corrupt(&journal_path, &e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_error(&journal_path, &e)),
        };
        world.logging = true;
        Ok(WorldStore {
            path,
            journal_path,
            journal: Mutex::new(None),
            world: Mutex::new(world),
            // A replayed journal is folded into the file by the next write.
            dirty: AtomicBool::new(replayed > 0),
            scheduled: AtomicBool::new(false),
            last_write: Mutex::new(Instant::now()),
            writer: Mutex::new(()),
            flush_interval,
        })
    }

    /// Runs `f` with the world locked for reading.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&lock(&self.world))
    }

    /// Runs `f` with the world locked for a change, then writes the file if due.
    pub fn mutate<R>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut World) -> Result<R, ProviderError>,
    ) -> Result<R, ProviderError> {
        let out = {
            let mut world = lock(&self.world);
            let out = f(&mut world);
            // Logged even when `f` failed half-way: what is in memory is what exists.
            let lines = std::mem::take(&mut world.log);
            if !lines.is_empty() {
                self.dirty.store(true, Ordering::SeqCst);
                self.append(&lines.concat())?;
            }
            out?
        };
        self.flush_if_due()?;
        Ok(out)
    }

    /// Appends journal lines in one write (called with the world locked, so lines keep
    /// the order of the mutations).
    fn append(&self, text: &str) -> Result<(), ProviderError> {
        let mut journal = lock(&self.journal);
        if journal.is_none() {
            if let Some(dir) = self.journal_path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.journal_path)
                .map_err(|e| io_error(&self.journal_path, &e))?;
            *journal = Some(f);
        }
        let f = journal.as_mut().expect("opened");
        engine::crash::write_all("simulated world journal", f, text.as_bytes())
            .map_err(|e| io_error(&self.journal_path, &e))?;
        // The simulated cloud has made the change; galley has not recorded it yet.
        engine::crash::point("simulated world changed");
        Ok(())
    }

    /// Writes the world now, durably (fsync), if it changed since the last write.
    pub fn flush(&self) -> Result<(), ProviderError> {
        self.write(true)
    }

    /// Writes the world if it changed; `durable` also waits for the disk (fsync), which
    /// periodic writes skip: a killed process loses nothing the kernel already has.
    fn write(&self, durable: bool) -> Result<(), ProviderError> {
        let _writer = lock(&self.writer);
        // The world stays locked until the journal is emptied, so no mutation can land
        // in the journal between the snapshot and the truncation and be lost.
        let world = lock(&self.world);
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let text = world.to_text();
        write_atomically(&self.path, text.as_bytes(), durable).inspect_err(|_| {
            // Still unwritten: the next flush must try again.
            self.dirty.store(true, Ordering::SeqCst);
        })?;
        *lock(&self.journal) = None;
        match std::fs::remove_file(&self.journal_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&self.journal_path, &e)),
        }
    }

    /// Arranges the write that follows a mutation: at once and durably when the flush
    /// interval is zero; otherwise at most once per interval, on tokio's blocking pool
    /// so that applies never wait for the disk (inline when there is no runtime).
    fn flush_if_due(self: &Arc<Self>) -> Result<(), ProviderError> {
        if self.flush_interval.is_zero() {
            return self.write(true);
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            let due = lock(&self.last_write).elapsed() >= self.flush_interval;
            return if due { self.write_now() } else { Ok(()) };
        };
        if self.scheduled.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let wait = self
            .flush_interval
            .saturating_sub(lock(&self.last_write).elapsed());
        // A weak reference, so that dropping the factory still flushes at once.
        let weak = Arc::downgrade(self);
        rt.spawn(async move {
            tokio::time::sleep(wait).await;
            let Some(me) = weak.upgrade() else { return };
            me.scheduled.store(false, Ordering::SeqCst);
            // Errors resurface on the next explicit flush (dirty stays set).
            let _ = tokio::task::spawn_blocking(move || me.write_now()).await;
        });
        Ok(())
    }

    fn write_now(&self) -> Result<(), ProviderError> {
        *lock(&self.last_write) = Instant::now();
        self.write(false)
    }
}

impl Drop for WorldStore {
    fn drop(&mut self) {
        // Nobody is left to report an error to; dirty data is written on a best-effort basis.
        let _ = self.flush();
    }
}

/// `aws--eu-west-1.json.journal` next to `aws--eu-west-1.json`.
pub(crate) fn journal_file(world: &Path) -> PathBuf {
    let mut name = world.as_os_str().to_os_string();
    name.push(".journal");
    PathBuf::from(name)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> Result<(), ProviderError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    let tmp = path.with_extension(format!("json.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_error(&tmp, &e))?;
    engine::crash::write_all("simulated world file (temporary copy)", &mut f, bytes)
        .map_err(|e| io_error(&tmp, &e))?;
    if durable {
        f.sync_all().map_err(|e| io_error(&tmp, &e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
}

/// Appends `v` as JSON (unknowns as null, marks dropped), as [`Value::to_json`] does,
/// without building an intermediate document.
fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => out.push_str(&v.to_json().to_string()),
        Value::String(s) => {
            // Serializing a str cannot fail.
            out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".into()));
        }
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Value::Map(m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(&Value::String(k.clone()), out);
                out.push(':');
                write_json(x, out);
            }
            out.push('}');
        }
        Value::Sensitive(x) => write_json(x, out),
    }
}

fn io_error(path: &Path, e: &dyn std::fmt::Display) -> ProviderError {
    ProviderError::Internal(format!("simulator world {}: {e}", path.display()))
}

fn corrupt(path: &Path, e: &str) -> ProviderError {
    ProviderError::Internal(format!(
        "simulator world {} is corrupt: {e}; delete it to start from an empty world",
        path.display()
    ))
}
