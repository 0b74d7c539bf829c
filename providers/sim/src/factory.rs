//! The simulator factory: serves `aws`, `kubernetes`, `openstack` and `terraform`, one world per region.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::plan::Action;
use engine::provider::{Provider, ProviderConfig, ProviderError, ProviderFactory, ProviderSchema};

use crate::clock::SimClock;
use crate::fault::{Fault, FaultId, FaultInjector};
use crate::options::SimOptions;
use crate::provider::{SimEnv, SimProvider};
use crate::registry::Registry;
use crate::types;
use crate::world::WorldStore;

/// Region of the `terraform` provider's single world, which has no regions.
const NO_REGION: &str = "global";

/// One object of a world, as listed by [`SimFactory::inventory`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorldObject {
    /// Provider name (`aws`).
    pub provider: String,
    /// Region of its world.
    pub region: String,
    /// Resource type.
    pub type_name: String,
    /// Object id.
    pub id: String,
}

/// Creates simulator providers whose worlds live as JSON files in one directory.
pub struct SimFactory {
    dir: PathBuf,
    registries: BTreeMap<&'static str, Arc<Registry>>,
    /// What each provider's world files may hold: its own types and those of the
    /// providers stored in its worlds (`kubernetes_manifest` in `aws` worlds).
    loaders: BTreeMap<&'static str, Arc<Registry>>,
    env: Arc<SimEnv>,
    flush_interval: Duration,
    worlds: Mutex<BTreeMap<(String, String), Arc<WorldStore>>>,
}

impl SimFactory {
    /// A factory keeping its worlds in `world_dir` (the CLI passes `<workdir>/.galley/sim/`).
    pub fn new(world_dir: PathBuf, options: SimOptions) -> SimFactory {
        let faults = FaultInjector::default();
        for f in options.faults {
            faults.inject(f);
        }
        let catalog = types::catalog();
        let loaders = catalog
            .iter()
            .map(|(name, r)| {
                let mut loader = r.clone();
                for guest in catalog.values().filter(|g| g.stored_in == Some(*name)) {
                    loader.resources.extend(guest.resources.clone());
                }
                (*name, Arc::new(loader))
            })
            .collect();
        SimFactory {
            dir: world_dir,
            registries: catalog.into_iter().map(|(k, r)| (k, Arc::new(r))).collect(),
            loaders,
            env: Arc::new(SimEnv {
                clock: match options.today {
                    Some(day) => SimClock::starting(day),
                    None => SimClock::new(),
                },
                faults,
                latency: options.latency,
                timed: options.timed,
                worlds: Mutex::new(Vec::new()),
            }),
            flush_interval: options.flush_interval,
            worlds: Mutex::new(BTreeMap::new()),
        }
    }

    /// The directory holding the world files.
    pub fn world_dir(&self) -> &Path {
        &self.dir
    }

    /// Arms a fault for the following apply calls of every provider of this factory.
    pub fn inject(&self, fault: Fault) -> FaultId {
        self.env.faults.inject(fault)
    }

    /// The faults armed now, with what is left of their `after` and `count`.
    pub fn armed_faults(&self) -> Vec<Fault> {
        self.env.faults.armed()
    }

    /// Disarms faults before they are used up (those of a kitchen run, when it ends).
    pub fn disarm(&self, ids: &[FaultId]) {
        self.env.faults.disarm(ids);
    }

    /// Simulated time spent by all operations so far.
    pub fn virtual_elapsed(&self) -> Duration {
        self.env.clock.elapsed()
    }

    /// The virtual clock's date and time: the start day plus simulated time.
    pub fn virtual_now(&self) -> chrono::NaiveDateTime {
        self.env.clock.now()
    }

    /// Lets `d` of simulated time pass with no operation (a test waiting for a
    /// maintenance window or for a stuck operation to end).
    pub fn advance_clock(&self, d: Duration) {
        self.env.clock.advance(d);
    }

    /// Writes every world with unwritten changes to disk now.
    pub fn flush(&self) -> Result<(), ProviderError> {
        let worlds: Vec<_> = self.lock_worlds().values().cloned().collect();
        worlds.iter().try_for_each(|w| w.flush())
    }

    /// Every object in every world of the directory, including worlds no provider opened yet.
    pub fn inventory(&self) -> Result<Vec<WorldObject>, ProviderError> {
        for (provider, region) in self.worlds_on_disk()? {
            self.world(&provider, &region)?;
        }
        let worlds: Vec<_> = self
            .lock_worlds()
            .iter()
            .map(|(k, w)| (k.clone(), Arc::clone(w)))
            .collect();
        let mut out = Vec::new();
        for ((provider, region), store) in worlds {
            store.read(|w| {
                out.extend(w.all().map(|(t, id)| WorldObject {
                    provider: provider.clone(),
                    region: region.clone(),
                    type_name: t.to_string(),
                    id: id.to_string(),
                }))
            });
        }
        out.sort();
        Ok(out)
    }

    /// Number of objects in all worlds; zero after a complete destroy.
    pub fn object_count(&self) -> Result<usize, ProviderError> {
        self.inventory().map(|v| v.len())
    }

    /// How traffic to `name` (`type` records of hosted zone `zone_id`, in the `aws` world
    /// of `region`) splits across its weighted records: (set_identifier, share 0..1).
    pub fn traffic_shares(
        &self,
        region: &str,
        zone_id: &str,
        name: &str,
        record_type: &str,
    ) -> Result<Vec<(String, f64)>, ProviderError> {
        let fqdn = name.trim_end_matches('.').to_ascii_lowercase();
        let store = self.world("aws", region)?;
        Ok(store.read(|w| types::weighted_shares(w, zone_id, &fqdn, record_type)))
    }

    /// Healthy targets behind the load balancer whose DNS name is `dns_name` in the `aws`
    /// world of `region`; `None` when no simulated load balancer has that name.
    pub fn ready_capacity(
        &self,
        region: &str,
        dns_name: &str,
    ) -> Result<Option<u64>, ProviderError> {
        let store = self.world("aws", region)?;
        Ok(store
            .read(|w| types::by_dns_name(w, dns_name).map(|(arn, _)| types::ready_targets(w, arn))))
    }

    fn lock_worlds(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Arc<WorldStore>>> {
        // Inserting into a map cannot leave it half-done.
        self.worlds.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn registry(&self, name: &str) -> Result<&Arc<Registry>, ProviderError> {
        self.registries
            .get(name)
            .ok_or_else(|| ProviderError::Internal(format!("the simulator has no provider {name}")))
    }

    /// The world of (provider, region), opened once and shared by every provider block
    /// that names the same region.
    fn world(&self, provider: &str, region: &str) -> Result<Arc<WorldStore>, ProviderError> {
        let key = (provider.to_string(), region.to_string());
        let mut worlds = self.lock_worlds();
        if let Some(w) = worlds.get(&key) {
            return Ok(Arc::clone(w));
        }
        let registry = self.loaders.get(provider).ok_or_else(|| {
            ProviderError::Internal(format!("the simulator has no provider {provider}"))
        })?;
        let path = self.dir.join(world_file(provider, region));
        let store = Arc::new(WorldStore::open(
            path,
            provider,
            region,
            registry,
            self.flush_interval,
        )?);
        worlds.insert(key, Arc::clone(&store));
        self.env
            .worlds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((provider.to_string(), Arc::downgrade(&store)));
        Ok(store)
    }

    /// (provider, region) of every world file in the directory.
    fn worlds_on_disk(&self) -> Result<Vec<(String, String)>, ProviderError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ProviderError::Internal(format!(
                    "simulator worlds {}: {e}",
                    self.dir.display()
                )))
            }
        };
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| {
                // A world not yet written whole may exist only as its journal.
                let stem = n
                    .strip_suffix(".json")
                    .or_else(|| n.strip_suffix(".json.journal"))?;
                let (p, r) = stem.split_once("--")?;
                self.registries
                    .contains_key(p)
                    .then(|| (p.to_string(), r.to_string()))
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect())
    }
}

impl SimFactory {
    /// A `kubernetes` provider: bound by its `host` (an EKS endpoint) to the `host_provider`
    /// world of the endpoint's region; unbound while the host is unknown or unset.
    fn configure_guest(
        &self,
        cfg: &ProviderConfig,
        registry: Arc<Registry>,
        host_provider: &str,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        // Every world on disk, so that objects can be found by id (destroy without config).
        for (provider, region) in self.worlds_on_disk().unwrap_or_default() {
            if provider == host_provider {
                let _ = self.world(&provider, &region);
            }
        }
        let bound = match cfg.config.get_attr("host") {
            Some(v) if !v.is_unknown() && !v.is_null() => {
                let host = v.as_str().ok_or_else(|| {
                    ProviderError::Internal(format!("provider {}: host must be a string", cfg.name))
                })?;
                let region = crate::kube::region_of_host(host).ok_or_else(|| {
                    crate::registry::api_error(
                        "InvalidHost",
                        format!(
                            "provider {}: host {host:?} is not an EKS endpoint (https://<id>.gr7.<region>.eks.amazonaws.com); the simulator serves Kubernetes only inside simulated EKS clusters: set host = aws_eks_cluster.<name>.endpoint",
                            cfg.name
                        ),
                    )
                })?;
                Some((host.to_string(), self.world(host_provider, region)?))
            }
            _ => None,
        };
        Ok(Arc::new(crate::kube::provider::KubeProvider::new(
            registry,
            Arc::clone(&self.env),
            bound,
        )))
    }
}

/// `aws--eu-west-1.json`; the region is reduced to file-name-safe characters.
fn world_file(provider: &str, region: &str) -> String {
    let safe: String = region
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{provider}--{safe}.json")
}

impl ProviderFactory for SimFactory {
    fn names(&self) -> Vec<String> {
        self.registries.keys().map(|k| k.to_string()).collect()
    }

    fn schema(&self, name: &str) -> Option<ProviderSchema> {
        self.registries.get(name).map(|r| r.provider_schema())
    }

    fn expected_duration(&self, name: &str, type_name: &str, action: Action) -> Option<Duration> {
        let rt = self.registries.get(name)?.get(type_name).ok()?;
        Some(rt.durations.of(action))
    }

    fn configure(&self, cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
        let registry = Arc::clone(self.registry(&cfg.name)?);
        if let Some(host) = registry.stored_in {
            return self.configure_guest(cfg, registry, host);
        }
        let region = if registry.default_region.is_empty() {
            NO_REGION.to_string()
        } else {
            match cfg.config.get_attr("region") {
                Some(v) if v.is_unknown() => {
                    return Err(ProviderError::Internal(format!(
                        "provider {}: region must be known before plan",
                        cfg.name
                    )))
                }
                Some(v) if !v.is_null() => v
                    .as_str()
                    .ok_or_else(|| {
                        ProviderError::Internal(format!(
                            "provider {}: region must be a string",
                            cfg.name
                        ))
                    })?
                    .to_string(),
                _ => registry.default_region.to_string(),
            }
        };
        types::check_region(&cfg.name, &region)?;
        // The other regions' worlds on disk, for names unique across regions; one that
        // cannot be opened is left for whoever uses it to report.
        for (provider, other) in self.worlds_on_disk().unwrap_or_default() {
            if provider == cfg.name && other != region {
                let _ = self.world(&provider, &other);
            }
        }
        let store = self.world(&cfg.name, &region)?;
        Ok(Arc::new(SimProvider::new(
            registry,
            store,
            Arc::clone(&self.env),
        )))
    }
}
