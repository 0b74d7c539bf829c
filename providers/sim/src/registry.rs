//! Resource types as data: each type is one [`ResourceType`] value built in its own module.
//!
//! The generic plan and apply code reads these tables; a type contributes only what
//! makes it special: its schema, defaults, derived attributes, references to other
//! types, validation rules and a create hook for attributes the service computes.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use engine::provider::{ProviderError, ProviderSchema, Schema};
use engine::value::Value;

use crate::ids::IdStyle;
use crate::world::World;

/// When a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `validate`: configuration only, the world is empty.
    Validate,
    /// `plan`: values may be unknown; referenced objects may not exist yet.
    Plan,
    /// `apply`: values are known and referenced objects must exist.
    Apply,
}

/// What a rule sees.
pub struct RuleCtx<'a> {
    /// The object as planned (unknowns possible before apply).
    pub obj: &'a Value,
    /// The object before the change, on update.
    pub prior: Option<&'a Value>,
    /// The objects that exist.
    pub world: &'a World,
    /// The id of the object itself, on update (to exclude it from conflict checks).
    pub self_id: Option<&'a str>,
    /// When the rule runs.
    pub phase: Phase,
    /// The virtual clock's date and time (support dates are judged against it).
    pub now: NaiveDateTime,
}

impl<'a> RuleCtx<'a> {
    /// True when this is a create, at apply, and an object of `type_name` with id `id`
    /// exists already: the "already exists" rules. Not at plan: the same apply may
    /// delete that object first (a replacement), as the real API would let it.
    pub fn creates_existing(&self, type_name: &str, id: &str) -> bool {
        self.phase == Phase::Apply
            && self.prior.is_none()
            && self.world.get(type_name, id).is_some()
    }

    /// True when this is a create, at apply, and another object of `type_name` already
    /// has `value` as its `attr` (names unique per account and region, not used as ids).
    /// Not at plan, for the same reason as [`RuleCtx::creates_existing`].
    pub fn creates_duplicate(&self, type_name: &str, attr: &str, value: &str) -> bool {
        self.phase == Phase::Apply
            && self.prior.is_none()
            && self
                .world
                .of_type(type_name)
                .any(|(_, o)| crate::shape::str_attr(o, attr) == Some(value))
    }

    /// At apply, when the object itself is still busy with an earlier operation: its id
    /// and until when (the "one operation at a time" rules).
    pub fn busy(&self, type_name: &str) -> Option<(&'a str, NaiveDateTime)> {
        let id = self.self_id.filter(|_| self.phase == Phase::Apply)?;
        self.world
            .busy_until(type_name, id, self.now)
            .map(|until| (id, until))
    }
}

/// A validation rule; fails with the API's error code for that rule.
pub type Rule = fn(&RuleCtx) -> Result<(), ProviderError>;

/// What a create hook sees: the object with its id set, to complete.
pub struct CreateCtx<'a> {
    /// The object being created; unknown attributes are the hook's to fill.
    pub obj: &'a mut Value,
    /// Its id (empty for [`IdStyle::FromHook`] types, which set `id` themselves).
    pub id: &'a str,
    /// The objects that exist.
    pub world: &'a World,
    /// The virtual clock's date and time.
    pub now: NaiveDateTime,
}

/// Fills attributes the service computes at creation (arn, private IP, DNS names).
pub type CreateHook = fn(&mut CreateCtx) -> Result<(), ProviderError>;

/// What an update hook sees: the object as planned, to complete, and the world to note
/// work the service does later (a change pending until the maintenance window).
pub struct UpdateCtx<'a> {
    /// The object after the update; attributes the plan left unknown are the hook's to fill.
    pub obj: &'a mut Value,
    /// The object before the update.
    pub prior: &'a Value,
    /// Its id.
    pub id: &'a str,
    /// The objects that exist.
    pub world: &'a mut World,
    /// The virtual clock's date and time.
    pub now: NaiveDateTime,
}

/// Completes an update in place: attributes the service recomputes (a new cluster
/// version string) or keeps (a running version until a pending change is applied).
pub type UpdateHook = fn(&mut UpdateCtx) -> Result<(), ProviderError>;

/// Recomputes attributes that change without the object changing (free IP count).
pub type LiveHook = fn(obj: &mut Value, id: &str, world: &World);

/// A computed attribute that follows another one (`tags_all` from `tags`).
#[derive(Debug, Clone, Copy)]
pub struct Derived {
    /// The computed attribute.
    pub target: &'static str,
    /// The attribute it follows.
    pub source: &'static str,
    /// Whether the plan can show the new value (`tags_all`) or only after apply (`output`).
    pub known_at_plan: bool,
    /// The source value to the target value.
    pub map: fn(&Value) -> Value,
}

/// An attribute holding ids of objects of another type (`vpc_id` -> `aws_vpc`).
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// Where the ids are: attribute, or block then attribute (`["network", "uuid"]`).
    pub path: &'static [&'static str],
    /// The type referred to.
    pub target: &'static str,
    /// The code when the target does not exist at apply (`InvalidVpcID.NotFound`);
    /// `None` when a rule of the type checks existence itself.
    pub not_found_code: Option<&'static str>,
    /// The code when deleting the target is refused while this refers to it
    /// (`DependencyViolation`); `None` when the reference does not block deletion.
    pub blocks_delete: Option<&'static str>,
}

/// The simulated duration of an update that depends on the change (a node group rolls
/// its nodes in batches): prior and planned object.
pub type UpdateTiming = fn(prior: &Value, planned: &Value) -> Duration;

/// Simulated duration of each operation, added to the virtual clock (AWS types start
/// from their typical durations, [`schemas::aws::typical_durations`]).
pub use schemas::aws::Durations;

/// One managed resource type.
#[derive(Clone)]
pub struct ResourceType {
    /// Type name, e.g. `aws_vpc`.
    pub name: &'static str,
    /// Its schema, as the engine sees it.
    pub schema: Schema,
    /// How its ids look.
    pub id_style: IdStyle,
    /// Values of optional+computed attributes when not configured, by dotted path
    /// (`enable_dns_support`, `ingress.description`).
    pub defaults: BTreeMap<&'static str, Value>,
    /// Computed attributes that follow others.
    pub derived: Vec<Derived>,
    /// Attributes referring to other objects.
    pub references: Vec<Reference>,
    /// Validation rules, run at validate, plan and apply.
    pub rules: Vec<Rule>,
    /// Fills service-computed attributes at create.
    pub on_create: Option<CreateHook>,
    /// Completes updates in place.
    pub on_update: Option<UpdateHook>,
    /// Computed attributes the service changes on every update in place (MSK's
    /// `current_version`): unknown in the plan of any in-place change.
    pub renewed_on_update: Vec<&'static str>,
    /// Recomputes live attributes whenever the object is returned.
    pub live: Option<LiveHook>,
    /// Simulated durations.
    pub durations: Durations,
    /// Update duration computed from the change, instead of `durations.update`.
    pub update_timing: Option<UpdateTiming>,
    /// An attribute whose value no two objects of the type share in any region of the
    /// provider (S3 bucket names), and the error code for a clash. Rules see one world;
    /// the provider checks the others at create.
    pub globally_unique: Option<(&'static str, &'static str)>,
}

impl ResourceType {
    /// A type with the given schema, UUID ids and no rules.
    pub fn new(name: &'static str, schema: Schema) -> ResourceType {
        ResourceType {
            name,
            schema,
            id_style: IdStyle::Uuid,
            defaults: BTreeMap::new(),
            derived: Vec::new(),
            references: Vec::new(),
            rules: Vec::new(),
            on_create: None,
            on_update: None,
            renewed_on_update: Vec::new(),
            live: None,
            durations: schemas::aws::typical_durations(name).unwrap_or_default(),
            update_timing: None,
            globally_unique: None,
        }
    }

    /// Sets the id style.
    pub fn ids(mut self, style: IdStyle) -> ResourceType {
        self.id_style = style;
        self
    }

    /// Declares the value an optional+computed attribute takes when not configured.
    pub fn default(mut self, path: &'static str, v: Value) -> ResourceType {
        self.defaults.insert(path, v);
        self
    }

    /// Declares a derived attribute.
    pub fn derive(
        mut self,
        target: &'static str,
        source: &'static str,
        known_at_plan: bool,
        map: fn(&Value) -> Value,
    ) -> ResourceType {
        self.derived.push(Derived {
            target,
            source,
            known_at_plan,
            map,
        });
        self
    }

    /// Declares a reference to another type.
    pub fn reference(mut self, r: Reference) -> ResourceType {
        self.references.push(r);
        self
    }

    /// Adds a rule.
    pub fn rule(mut self, r: Rule) -> ResourceType {
        self.rules.push(r);
        self
    }

    /// Sets the create hook.
    pub fn on_create(mut self, h: CreateHook) -> ResourceType {
        self.on_create = Some(h);
        self
    }

    /// Sets the update hook.
    pub fn on_update(mut self, h: UpdateHook) -> ResourceType {
        self.on_update = Some(h);
        self
    }

    /// Declares computed attributes that change on every update in place.
    pub fn renewed_on_update(mut self, names: &[&'static str]) -> ResourceType {
        self.renewed_on_update.extend_from_slice(names);
        self
    }

    /// Sets the live hook.
    pub fn live(mut self, h: LiveHook) -> ResourceType {
        self.live = Some(h);
        self
    }

    /// Computes the update duration from the change.
    pub fn update_timing(mut self, t: UpdateTiming) -> ResourceType {
        self.update_timing = Some(t);
        self
    }

    /// Declares an attribute unique across every region of the provider.
    pub fn globally_unique(mut self, attr: &'static str, code: &'static str) -> ResourceType {
        self.globally_unique = Some((attr, code));
        self
    }

    /// Sets simulated create, update and delete durations in seconds.
    pub fn takes(mut self, create: u64, update: u64, delete: u64) -> ResourceType {
        self.durations = Durations {
            create: Duration::from_secs(create),
            update: Duration::from_secs(update),
            delete: Duration::from_secs(delete),
        };
        self
    }
}

/// What a data source sees.
pub struct DataCtx<'a> {
    /// The data block's configuration.
    pub config: &'a Value,
    /// The provider's region.
    pub region: &'a str,
    /// The objects that exist.
    pub world: &'a World,
    /// The virtual clock's date and time.
    pub now: NaiveDateTime,
    /// Healthy targets behind the load balancers of the provider's other regions, by DNS
    /// name (lowercase, no trailing dot): Route 53 is global, so a record may alias a
    /// load balancer of any region. Filled only for data sources that
    /// [span regions](DataSource::spans_regions), empty otherwise.
    pub load_balancers_elsewhere: &'a BTreeMap<String, u64>,
}

/// One data source type.
#[derive(Clone)]
pub struct DataSource {
    /// Type name, e.g. `aws_region`.
    pub name: &'static str,
    /// Its schema.
    pub schema: Schema,
    /// Computes the result from the configuration.
    pub read: fn(&DataCtx) -> Result<Value, ProviderError>,
    /// Sees the load balancers of the provider's other regions
    /// ([`DataCtx::load_balancers_elsewhere`]).
    pub spans_regions: bool,
}

/// Everything one provider name (`aws`) serves.
#[derive(Clone, Default)]
pub struct Registry {
    /// Managed types by name.
    pub resources: BTreeMap<&'static str, ResourceType>,
    /// Data sources by name.
    pub data_sources: BTreeMap<&'static str, DataSource>,
    /// Region used when the provider block names none (empty: the provider has no regions).
    pub default_region: &'static str,
    /// The `provider` block's schema.
    pub provider: Schema,
    /// The provider whose worlds hold this one's objects (`kubernetes` objects live in
    /// the `aws` world of their cluster's region); `None`: its own worlds.
    pub stored_in: Option<&'static str>,
}

impl Registry {
    /// An empty registry whose provider defaults to `default_region`.
    pub fn new(default_region: &'static str) -> Registry {
        Registry {
            default_region,
            ..Registry::default()
        }
    }

    /// Sets the `provider` block's schema.
    pub fn provider_block(mut self, schema: Schema) -> Registry {
        self.provider = schema;
        self
    }

    /// Keeps this provider's objects in the worlds of `provider`.
    pub fn stored_in(mut self, provider: &'static str) -> Registry {
        self.stored_in = Some(provider);
        self
    }

    /// Adds a resource type.
    pub fn resource(mut self, t: ResourceType) -> Registry {
        self.resources.insert(t.name, t);
        self
    }

    /// Adds a data source.
    pub fn data(mut self, d: DataSource) -> Registry {
        self.data_sources.insert(d.name, d);
        self
    }

    /// The resource type `name`, or the error a provider answers for an unknown type.
    pub fn get(&self, name: &str) -> Result<&ResourceType, ProviderError> {
        self.resources
            .get(name)
            .ok_or_else(|| ProviderError::Internal(format!("unsupported resource type {name}")))
    }

    /// The schemas, as the engine's contract wants them.
    pub fn provider_schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: self.provider.clone(),
            resources: self
                .resources
                .iter()
                .map(|(k, t)| (k.to_string(), t.schema.clone()))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(k, d)| (k.to_string(), d.schema.clone()))
                .collect(),
        }
    }
}

/// Builds the API error for a rule.
pub fn api_error(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::Api {
        code: code.to_string(),
        message: message.into(),
    }
}
