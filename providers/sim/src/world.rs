//! The simulated world of one (provider, region): its objects, in memory and on disk.
//!
//! Persistence trade-off: applies run in parallel, so every mutation happens in memory
//! under a mutex and the file is rewritten (temp file + rename, so it is never torn) at
//! most once per `flush_interval`; a write skipped for that reason is scheduled on tokio
//! for the end of the interval, and [`WorldStore::flush`] and drop write whatever is
//! pending. A crash can therefore lose the last interval of mutations: the engine then
//! finds those objects gone on refresh and recreates them, as after an out-of-band delete.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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
    objects: BTreeMap<String, BTreeMap<String, Value>>,
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
        self.objects.get(type_name).and_then(|m| m.get(id))
    }

    /// All objects of one type.
    pub fn of_type<'a>(&'a self, type_name: &str) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.objects
            .get(type_name)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
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
        self.objects
            .entry(type_name.to_string())
            .or_default()
            .insert(id.to_string(), v);
    }

    /// Removes an object.
    pub fn remove(&mut self, type_name: &str, id: &str) -> Option<Value> {
        let m = self.objects.get_mut(type_name)?;
        let v = m.remove(id);
        if m.is_empty() {
            self.objects.remove(type_name);
        }
        v
    }

    /// The next creation number; ids derive from it.
    pub fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn to_json(&self) -> serde_json::Value {
        let objects: serde_json::Map<String, serde_json::Value> = self
            .objects
            .iter()
            .map(|(t, m)| {
                let inner = m.iter().map(|(id, v)| (id.clone(), v.to_json())).collect();
                (t.clone(), serde_json::Value::Object(inner))
            })
            .collect();
        serde_json::json!({
            "version": 1,
            "provider": self.provider,
            "region": self.region,
            "counter": self.counter,
            "objects": objects,
        })
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
        Ok(w)
    }
}

/// A world kept in memory and written to its file.
pub struct WorldStore {
    path: PathBuf,
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
        Ok(WorldStore {
            path,
            world: Mutex::new(world),
            dirty: AtomicBool::new(false),
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
        let out = f(&mut lock(&self.world))?;
        self.dirty.store(true, Ordering::SeqCst);
        self.flush_if_due()?;
        Ok(out)
    }

    /// Writes the world now if it changed since the last write.
    pub fn flush(&self) -> Result<(), ProviderError> {
        let _writer = lock(&self.writer);
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let text = {
            let world = lock(&self.world);
            serde_json::to_string(&world.to_json()).map_err(|e| io_error(&self.path, &e))?
        };
        *lock(&self.last_write) = Instant::now();
        write_atomically(&self.path, text.as_bytes()).inspect_err(|_| {
            // Still unwritten: the next flush must try again.
            self.dirty.store(true, Ordering::SeqCst);
        })
    }

    fn flush_if_due(self: &Arc<Self>) -> Result<(), ProviderError> {
        if lock(&self.last_write).elapsed() >= self.flush_interval {
            return self.flush();
        }
        // Not due yet: make sure a write happens at the end of the interval even if
        // no further mutation comes, when a tokio runtime is there to run it.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            if !self.scheduled.swap(true, Ordering::SeqCst) {
                let me = Arc::clone(self);
                rt.spawn(async move {
                    tokio::time::sleep(me.flush_interval).await;
                    me.scheduled.store(false, Ordering::SeqCst);
                    // Errors resurface on the next explicit flush (dirty stays set).
                    let _ = me.flush();
                });
            }
        }
        Ok(())
    }
}

impl Drop for WorldStore {
    fn drop(&mut self) {
        // Nobody is left to report an error to; dirty data is written on a best-effort basis.
        let _ = self.flush();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ProviderError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    let tmp = path.with_extension(format!("json.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_error(&tmp, &e))?;
    f.write_all(bytes).map_err(|e| io_error(&tmp, &e))?;
    f.sync_all().map_err(|e| io_error(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
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
