//! The configured `kubernetes` provider: bound by `host` to a simulated EKS cluster's world.
//!
//! - `host` known: the `aws` world of the region in the endpoint. Each plan and apply
//!   looks the cluster up by its endpoint (a host no cluster has fails as an unreachable
//!   API server would) and sets the object's id before the generic code runs.
//! - `host` unknown (the cluster is created in the same apply) or unset: the provider
//!   plans without the world, and the engine configures it again with known values
//!   before apply. Creating and updating need a host.
//!
//! Reading and deleting find the object by id in the bound world or any `aws` world of
//! the factory, so that destroy works with the provider block gone (configured empty).

use std::sync::Arc;

use async_trait::async_trait;
use engine::provider::{
    ApplyRequest, Created, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema,
    ValidationError,
};
use engine::value::Value;

use super::{cluster_by_endpoint, Coordinates};
use crate::plan;
use crate::provider::{validate_config, SimEnv, SimProvider};
use crate::registry::{api_error, Registry};
use crate::shape::{attr, set_attr, str_attr};
use crate::world::{World, WorldStore};

/// The world a known `host` points into.
struct Bound {
    host: String,
    store: Arc<WorldStore>,
    inner: SimProvider,
}

/// A `kubernetes` provider instance.
pub struct KubeProvider {
    registry: Arc<Registry>,
    schema: ProviderSchema,
    env: Arc<SimEnv>,
    bound: Option<Bound>,
}

impl KubeProvider {
    /// A provider serving `registry`'s types; `bound` is the host and the `aws` world
    /// of its region, `None` when the host is unknown or unset.
    pub fn new(
        registry: Arc<Registry>,
        env: Arc<SimEnv>,
        bound: Option<(String, Arc<WorldStore>)>,
    ) -> KubeProvider {
        KubeProvider {
            schema: registry.provider_schema(),
            bound: bound.map(|(host, store)| Bound {
                inner: SimProvider::new(
                    Arc::clone(&registry),
                    Arc::clone(&store),
                    Arc::clone(&env),
                ),
                host,
                store,
            }),
            registry,
            env,
        }
    }

    /// The bound host and its cluster's name; fails as an unreachable API server when
    /// no cluster has that endpoint.
    fn cluster(&self) -> Result<Option<(&Bound, String)>, ProviderError> {
        let Some(b) = &self.bound else {
            return Ok(None);
        };
        let name = b
            .store
            .read(|w| cluster_by_endpoint(w, &b.host).map(str::to_string));
        match name {
            Some(n) => Ok(Some((b, n))),
            None => {
                let region = super::region_of_host(&b.host).unwrap_or_default();
                let bare = b.host.trim_start_matches("https://");
                Err(api_error(
                    "ClusterUnreachable",
                    format!(
                        "Get \"{}/version\": dial tcp: lookup {bare}: no such host (no simulated EKS cluster in {region} has this endpoint)",
                        b.host
                    ),
                ))
            }
        }
    }

    /// The world holding the object `id`: the bound one, or any `aws` world opened.
    fn locate(&self, type_name: &str, id: &str) -> Option<Arc<WorldStore>> {
        let has = |s: &WorldStore| s.read(|w| w.get(type_name, id).is_some());
        if let Some(b) = &self.bound {
            if has(&b.store) {
                return Some(Arc::clone(&b.store));
            }
        }
        // Released before any world is read: no lock is held while taking another.
        let worlds: Vec<Arc<WorldStore>> = self
            .env
            .worlds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(p, _)| p == "aws")
            .filter_map(|(_, w)| w.upgrade())
            .collect();
        worlds.into_iter().find(|w| has(w))
    }

    /// A provider over the world `store`, for calls on an object found by id.
    fn over(&self, store: Arc<WorldStore>) -> SimProvider {
        SimProvider::new(Arc::clone(&self.registry), store, Arc::clone(&self.env))
    }
}

/// Sets `id` in a request value (an object; other values are left alone).
fn with_id(mut v: Value, id: &Value) -> Value {
    if matches!(v, Value::Object(_)) {
        set_attr(&mut v, "id", id.clone());
    }
    v
}

/// Paths of the coordinates that differ: a change to any of them is a new object.
fn moved(prior: &Coordinates, next: &Coordinates) -> Vec<Vec<String>> {
    let path = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut out = Vec::new();
    if prior.api_version != next.api_version {
        out.push(path(&["manifest", "apiVersion"]));
    }
    if prior.kind != next.kind {
        out.push(path(&["manifest", "kind"]));
    }
    if prior.namespace != next.namespace {
        out.push(path(&["manifest", "metadata", "namespace"]));
    }
    if prior.name != next.name {
        out.push(path(&["manifest", "metadata", "name"]));
    }
    out
}

#[async_trait]
impl Provider for KubeProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<ValidationError> {
        validate_config(&self.registry, type_name, config, self.env.clock.now())
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let rt = self.registry.get(&req.type_name)?;
        let now = self.env.clock.now();
        if req.config.is_null() && req.proposed.is_null() {
            // A destroy: nothing to judge.
            return plan::plan(rt, &World::new("", ""), &req, now);
        }
        let manifest = match attr(&req.config, "manifest") {
            Value::Null => attr(&req.proposed, "manifest"),
            m => m,
        };
        let next = Coordinates::of(manifest);
        let prior = req.prior.as_ref().filter(|p| !p.is_null());
        let replace = match (
            prior.and_then(|p| Coordinates::of(attr(p, "manifest"))),
            &next,
        ) {
            (Some(p), Some(n)) => moved(&p, n),
            _ => Vec::new(),
        };
        let bound = self.cluster()?;
        let id = match (&bound, &next) {
            (Some((_, cluster)), Some(c)) => Value::string(c.id(cluster)),
            _ if replace.is_empty() => prior
                .and_then(|p| str_attr(p, "id"))
                .map_or(Value::Unknown, Value::string),
            _ => Value::Unknown,
        };
        let req = PlanRequest {
            type_name: req.type_name,
            // A replacement is planned as the new object's create.
            prior: if replace.is_empty() { req.prior } else { None },
            proposed: with_id(req.proposed, &id),
            config: with_id(req.config, &id),
        };
        let mut resp = match bound {
            Some((b, _)) => b.inner.plan(req).await?,
            None => plan::plan(rt, &World::new("aws", ""), &req, now)?,
        };
        if !replace.is_empty() {
            resp.requires_replace = replace;
        }
        Ok(resp)
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError> {
        let Some(planned) = req.planned else {
            let Some(prior) = req.prior else {
                return Ok(None);
            };
            let Some(id) = str_attr(&prior, "id").map(str::to_string) else {
                return Ok(None);
            };
            // Gone from every world: already deleted.
            let Some(store) = self.locate(&req.type_name, &id) else {
                return Ok(None);
            };
            return self
                .over(store)
                .apply(ApplyRequest {
                    type_name: req.type_name,
                    address: req.address,
                    prior: Some(prior),
                    planned: None,
                    token: None,
                })
                .await;
        };
        let Some((b, cluster)) = self.cluster()? else {
            return Err(api_error(
                "InvalidConfiguration",
                "the kubernetes provider has no host: the simulator serves Kubernetes objects inside a simulated EKS cluster; set host = aws_eks_cluster.<name>.endpoint",
            ));
        };
        let coords = Coordinates::of(attr(&planned, "manifest")).ok_or_else(|| {
            ProviderError::Internal(format!(
                "{}: manifest apiVersion, kind or metadata.name is still unknown at apply",
                req.type_name
            ))
        })?;
        let id = match req.prior.as_ref().and_then(|p| str_attr(p, "id")) {
            Some(prior_id) => Value::string(prior_id),
            None => Value::string(coords.id(&cluster)),
        };
        b.inner
            .apply(ApplyRequest {
                type_name: req.type_name,
                address: req.address,
                prior: req.prior,
                planned: Some(with_id(planned, &id)),
                token: req.token,
            })
            .await
    }

    async fn find_created(&self, type_name: &str, token: &str) -> Result<Created, ProviderError> {
        self.registry.get(type_name)?;
        match self.cluster()? {
            Some((b, _)) => b.inner.find_created(type_name, token).await,
            None => Ok(Created::Unknown),
        }
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        self.registry.get(type_name)?;
        let Some(id) = str_attr(state, "id") else {
            return Ok(None);
        };
        match self.locate(type_name, id) {
            Some(store) => self.over(store).read(type_name, state).await,
            None => Ok(None),
        }
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let rt = self.registry.get(type_name)?;
        match self.locate(type_name, id) {
            Some(store) => self.over(store).import(type_name, id).await,
            None => Err(crate::apply::not_found(rt, id)),
        }
    }

    async fn read_data(&self, type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(ProviderError::Internal(format!(
            "unsupported data source {type_name}"
        )))
    }
}
