//! One configured simulator provider: the engine's contract over one world.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use engine::provider::{
    ApplyRequest, Created, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema,
    ValidationError,
};
use engine::value::Value;

use crate::apply;
use crate::clock::SimClock;
use crate::fault::{ApplyCall, Fault, FaultInjector, FaultKind, Operation};
use crate::plan;
use crate::registry::{DataCtx, Phase, Registry, RuleCtx};
use crate::shape::{attr, conform_object};
use crate::world::{World, WorldStore};

/// What every provider of one factory shares: the clock, armed faults, latency.
pub struct SimEnv {
    /// The virtual clock.
    pub clock: SimClock,
    /// Armed faults.
    pub faults: FaultInjector,
    /// Real time slept per API call.
    pub latency: Duration,
    /// Also sleep each operation's simulated duration on tokio's clock.
    pub timed: bool,
    /// Every world the factory opened, by provider name, for rules that span regions
    /// (an S3 bucket name is unique in all of them).
    pub worlds: Mutex<Vec<(String, Weak<WorldStore>)>>,
}

impl SimEnv {
    /// Sleeps the configured latency (and `simulated` when timed) and advances the clock
    /// by `simulated`.
    async fn call(&self, simulated: Duration) {
        let sleep = self.latency
            + if self.timed {
                simulated
            } else {
                Duration::ZERO
            };
        if !sleep.is_zero() {
            tokio::time::sleep(sleep).await;
        }
        self.clock.advance(simulated);
    }
}

/// A simulator provider bound to one world (one provider name and region).
pub struct SimProvider {
    registry: Arc<Registry>,
    schema: ProviderSchema,
    store: Arc<WorldStore>,
    env: Arc<SimEnv>,
}

impl SimProvider {
    /// A provider serving `registry`'s types on the world in `store`.
    pub fn new(registry: Arc<Registry>, store: Arc<WorldStore>, env: Arc<SimEnv>) -> SimProvider {
        SimProvider {
            schema: registry.provider_schema(),
            registry,
            store,
            env,
        }
    }
}

#[async_trait]
impl Provider for SimProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<ValidationError> {
        validate_config(&self.registry, type_name, config, self.env.clock.now())
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let rt = self.registry.get(&req.type_name)?;
        let now = self.env.clock.now();
        self.carry_out_pending()?;
        self.store.read(|w| plan::plan(rt, w, &req, now))
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError> {
        let rt = self.registry.get(&req.type_name)?;
        self.carry_out_pending()?;
        let call = ApplyCall {
            type_name: &req.type_name,
            address: &req.address,
            operation: match (&req.prior, &req.planned) {
                (None, _) => Operation::Create,
                (Some(_), Some(_)) => Operation::Update,
                (Some(_), None) => Operation::Delete,
            },
        };
        if let Some(fault) = self.env.faults.fire(&call) {
            return Err(self.fail(rt, req.prior.as_ref(), &fault, &call));
        }
        match (req.prior, req.planned) {
            (None, Some(planned)) => {
                self.check_globally_unique(rt, &planned)?;
                // Judged at the start of the call, as the API does.
                let now = self.env.clock.now();
                self.env.call(rt.durations.create).await;
                let token = req.token.as_deref();
                self.store
                    .mutate(|w| apply::create(rt, w, planned, token, now))
                    .map(Some)
            }
            (Some(prior), Some(planned)) => {
                let now = self.env.clock.now();
                let took = match rt.update_timing {
                    Some(timing) => timing(&prior, &planned),
                    None => rt.durations.update,
                };
                let out = self
                    .store
                    .mutate(|w| apply::update(rt, w, prior, planned, now))
                    .map(Some);
                // A refused update takes no time.
                if out.is_ok() {
                    self.env.call(took).await;
                }
                out
            }
            (Some(prior), None) => {
                self.env.call(rt.durations.delete).await;
                self.store
                    .mutate(|w| apply::delete(&self.registry, rt, w, prior))
                    .map(|()| None)
            }
            (None, None) => Ok(None),
        }
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        let rt = self.registry.get(type_name)?;
        self.env.call(Duration::ZERO).await;
        self.carry_out_pending()?;
        let id = apply::object_id(rt, state)?;
        let found = self.store.read(|w| {
            w.get(type_name, &id)
                .map(|o| apply::with_live(rt, o.clone(), &id, w))
        });
        Ok(found.map(|o| keep_representation(o, state)))
    }

    async fn find_created(&self, type_name: &str, token: &str) -> Result<Created, ProviderError> {
        let rt = self.registry.get(type_name)?;
        self.env.call(Duration::ZERO).await;
        self.carry_out_pending()?;
        Ok(self.store.read(
            |w| match w.created_by(token).filter(|(t, _)| *t == type_name) {
                Some((_, id)) => w
                    .get(type_name, id)
                    .map(|o| Created::Found(apply::with_live(rt, o.clone(), id, w)))
                    .unwrap_or(Created::NotFound),
                None => Created::NotFound,
            },
        ))
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let rt = self.registry.get(type_name)?;
        self.env.call(Duration::ZERO).await;
        self.store
            .read(|w| {
                w.get(type_name, id)
                    .map(|o| apply::with_live(rt, o.clone(), id, w))
            })
            .ok_or_else(|| apply::not_found(rt, id))
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        let ds = self.registry.data_sources.get(type_name).ok_or_else(|| {
            ProviderError::Internal(format!("unsupported data source {type_name}"))
        })?;
        self.env.call(Duration::ZERO).await;
        let config = conform_object(config.clone(), &ds.schema);
        let now = self.env.clock.now();
        // Read before this world is locked: one world lock at a time, never nested.
        let elsewhere = if ds.spans_regions {
            self.load_balancers_elsewhere()
        } else {
            BTreeMap::new()
        };
        let out = self.store.read(|w| {
            (ds.read)(&DataCtx {
                config: &config,
                region: w.region(),
                world: w,
                now,
                load_balancers_elsewhere: &elsewhere,
            })
        })?;
        Ok(conform_object(out, &ds.schema))
    }
}

impl SimProvider {
    /// The worlds of the same provider name in other regions, among those opened.
    fn other_regions(&self) -> Vec<Arc<WorldStore>> {
        let provider = self.store.read(|w| w.provider().to_string());
        self.env
            .worlds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(p, _)| *p == provider)
            .filter_map(|(_, w)| w.upgrade())
            .filter(|w| !Arc::ptr_eq(w, &self.store))
            .collect()
    }

    /// Healthy targets behind the load balancers of the other regions, by DNS name.
    fn load_balancers_elsewhere(&self) -> BTreeMap<String, u64> {
        self.other_regions()
            .iter()
            .flat_map(|w| w.read(crate::types::ready_by_dns_name))
            .collect()
    }

    /// Refuses a create whose globally unique attribute (a bucket name) another region
    /// of the same provider already uses.
    fn check_globally_unique(
        &self,
        rt: &crate::registry::ResourceType,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let Some((name, code)) = rt.globally_unique else {
            return Ok(());
        };
        let Some(value) = attr(planned, name).as_str() else {
            return Ok(());
        };
        for other in self.other_regions() {
            let taken = other.read(|w| {
                w.of_type(rt.name)
                    .any(|(_, o)| attr(o, name).as_str() == Some(value))
                    .then(|| w.region().to_string())
            });
            if let Some(region) = taken {
                return Err(crate::registry::api_error(
                    code,
                    format!("{} {name} '{value}' is already in use (in {region}); it must be unique across all regions", rt.name),
                ));
            }
        }
        Ok(())
    }

    /// Carries out the changes whose time has come on the virtual clock (an upgrade
    /// pending until the maintenance window), before the call sees the world.
    fn carry_out_pending(&self) -> Result<(), ProviderError> {
        if !self.store.read(World::has_pending) {
            return Ok(());
        }
        let now = self.env.clock.now();
        self.store.mutate(|w| Ok(w.apply_due(now))).map(drop)
    }

    /// The error of a call a fault made fail. A stuck operation was accepted by the
    /// service but never completes for the client: the object stays busy (further changes
    /// refused with `ResourceInUseException`) for [`STUCK_FOR`] of simulated time.
    fn fail(
        &self,
        rt: &crate::registry::ResourceType,
        prior: Option<&Value>,
        fault: &Fault,
        call: &ApplyCall<'_>,
    ) -> ProviderError {
        if let (FaultKind::Stuck, Some(prior)) = (fault.kind, prior) {
            if let Ok(id) = apply::object_id(rt, prior) {
                let until = self.env.clock.now() + STUCK_FOR;
                let _ = self.store.mutate(|w| {
                    w.mark_busy(rt.name, &id, until);
                    Ok(())
                });
            }
        }
        fault.error(call)
    }
}

/// Judges `config` of `type_name` by the type's rules alone, in an empty world (rules
/// about other objects only judge at plan and apply): the providers' `validate`.
pub(crate) fn validate_config(
    registry: &Registry,
    type_name: &str,
    config: &Value,
    now: chrono::NaiveDateTime,
) -> Vec<ValidationError> {
    let Ok(rt) = registry.get(type_name) else {
        // Data sources have no rules beyond their schema; the engine asks for them too.
        if registry.data_sources.contains_key(type_name) {
            return Vec::new();
        }
        return vec![ValidationError {
            path: Vec::new(),
            message: format!("unsupported resource type {type_name}"),
        }];
    };
    let obj = conform_object(config.clone(), &rt.schema);
    let world = World::new("", "");
    plan::run_rules(
        rt,
        &RuleCtx {
            obj: &obj,
            prior: None,
            world: &world,
            self_id: None,
            phase: Phase::Validate,
            now,
        },
    )
    .err()
    .map(|e| ValidationError {
        path: Vec::new(),
        message: e.to_string(),
    })
    .into_iter()
    .collect()
}

/// How long a stuck operation keeps its object busy: EKS rolls a failing control-plane
/// update back after about this long.
pub const STUCK_FOR: chrono::Duration = chrono::Duration::hours(1);

/// Keeps the state's own representation of attributes the world holds equal values
/// for: JSON cannot tell a list from a tuple in `any`-typed attributes, the state can.
fn keep_representation(world_obj: Value, state: &Value) -> Value {
    match world_obj {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let s = attr(state, &k);
                    if s.semantic_eq(&v) && !s.contains_unknown() {
                        (k, s.clone().unmark_deep().0)
                    } else {
                        (k, v)
                    }
                })
                .collect(),
        ),
        other => other,
    }
}
