//! The contract every provider implements: schemas, validate, plan, apply, read, import.
//!
//! The engine never names a concrete provider. It hands a provider plain [`Value`]s
//! shaped by the provider's own [`Schema`], and gets plain values back. Calls are async;
//! the engine bounds their concurrency and retries [`ProviderError::Throttled`].

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

pub mod marks;
pub mod planning;
pub mod shape;

use crate::addr::Mode;
use crate::diag::Diagnostic;
use crate::types::Type;
use crate::value::Value;

/// The error for a resource or data source type its provider does not serve.
///
/// Types named `galley_sim_*` exist only in the simulator, so the error says to run with
/// `--sim` rather than leaving the user to guess why a rehearsed stack stopped validating.
pub fn unsupported_type(provider: &str, mode: Mode, type_name: &str) -> Diagnostic {
    let (summary, what) = match mode {
        Mode::Managed => ("Invalid resource type", "resource type"),
        Mode::Data => ("Invalid data source", "data source"),
    };
    let mut detail = format!("The provider {provider} does not support {what} \"{type_name}\".");
    if type_name.starts_with("galley_sim_") {
        detail.push_str(" Only the simulator serves it: run with --sim.");
    }
    Diagnostic::error(summary).with_detail(detail)
}

/// One attribute of a resource schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Its type.
    pub ty: Type,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider when not configured (unknown at plan until applied).
    pub computed: bool,
    /// Changing it replaces the resource.
    pub force_new: bool,
    /// Never shown.
    pub sensitive: bool,
}

impl Attribute {
    /// A required attribute.
    pub fn required(ty: Type) -> Attribute {
        Attribute {
            ty,
            required: true,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
        }
    }

    /// An optional attribute.
    pub fn optional(ty: Type) -> Attribute {
        Attribute {
            required: false,
            optional: true,
            ..Attribute::required(ty)
        }
    }

    /// A read-only attribute the provider sets.
    pub fn computed(ty: Type) -> Attribute {
        Attribute {
            required: false,
            computed: true,
            ..Attribute::required(ty)
        }
    }

    /// An optional attribute the provider fills in when not configured.
    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute {
            optional: true,
            computed: true,
            required: false,
            ..Attribute::required(ty)
        }
    }

    /// Marks the attribute as replacing the resource when it changes.
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }

    /// Marks the attribute sensitive.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
}

/// How often a nested block may appear and what value it decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most once; decodes to an object (or null when absent).
    Single,
    /// Any number of times, ordered; decodes to a list of objects.
    List,
    /// Any number of times, unordered; decodes to a set of objects.
    Set,
}

/// A nested block type of a resource schema (`vpc_config { ... }`).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    /// How it nests.
    pub nesting: Nesting,
    /// Fewest blocks allowed.
    pub min_items: usize,
    /// Most blocks allowed (0 = unlimited).
    pub max_items: usize,
    /// Changing anything inside replaces the resource.
    pub force_new: bool,
    /// The block's own schema.
    pub schema: Schema,
}

/// The schema of a resource type, data source or nested block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, NestedBlock>,
}

impl Schema {
    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: &str, a: Attribute) -> Schema {
        self.attributes.insert(name.to_string(), a);
        self
    }

    /// Adds a nested block type (builder style).
    pub fn block(mut self, name: &str, b: NestedBlock) -> Schema {
        self.blocks.insert(name.to_string(), b);
        self
    }
}

/// Everything a provider offers.
#[derive(Debug, Clone, Default)]
pub struct ProviderSchema {
    /// The `provider "x" {}` block's own schema.
    pub provider: Schema,
    /// Managed resource types.
    pub resources: BTreeMap<String, Schema>,
    /// Data source types.
    pub data_sources: BTreeMap<String, Schema>,
}

/// A problem a provider found in a resource's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    /// The attribute path it concerns, e.g. `["vpc_config", "subnet_ids"]`; empty for the whole resource.
    pub path: Vec<String>,
    /// What is wrong.
    pub message: String,
}

/// What the engine asks a provider to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Resource type.
    pub type_name: String,
    /// State before, `None` when the resource does not exist yet.
    pub prior: Option<Value>,
    /// The configuration merged with prior computed values; computed attributes not in
    /// configuration are [`Value::Unknown`] on create.
    pub proposed: Value,
    /// The configuration alone, as written (nulls for omitted attributes).
    pub config: Value,
}

/// A provider's answer to [`PlanRequest`].
#[derive(Debug, Clone)]
pub struct PlanResponse {
    /// The state the provider expects after apply; unknown where not yet known.
    pub planned: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<Vec<String>>,
}

/// What the engine asks a provider to do.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// Resource type.
    pub type_name: String,
    /// The resource instance's address as the engine prints it
    /// (`module.net.aws_subnet.a["x"]`), so a provider can tell instances apart in its
    /// logs and the simulator can aim faults at one; empty when the caller knows none.
    pub address: String,
    /// State before; `None` to create.
    pub prior: Option<Value>,
    /// The planned state; `None` to delete.
    pub planned: Option<Value>,
    /// For a create: a token unique to this create, recorded in the journal before the
    /// call. A provider keeps it with what it makes (or passes it to an API that takes a
    /// client token) so that [`Provider::find_created`] can find the object after the
    /// process was killed before it could record it.
    pub token: Option<String>,
}

/// What [`Provider::find_created`] learned about a create whose outcome was never recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// The create made this object (its state, as `read` returns it).
    Found(Value),
    /// No object carries the token: the create never happened (or its object is gone).
    NotFound,
    /// The provider cannot tell for this type.
    Unknown,
}

/// Why a provider call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The API refused the request; retrying will not help. `code` names the rule.
    #[error("{code}: {message}")]
    Api {
        /// Machine-readable rule or error code, e.g. `InvalidParameterException`.
        code: String,
        /// What the API said.
        message: String,
    },
    /// The API asked to slow down; the engine retries with backoff.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The operation did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The object does not exist (any more).
    #[error("not found: {0}")]
    NotFound(String),
    /// The provider itself failed (I/O, corrupt world file, ...).
    #[error("{0}")]
    Internal(String),
}

/// One provider instance, configured for one `provider` block (one region, one alias).
#[async_trait]
pub trait Provider: Send + Sync {
    /// The resource and data source types this provider serves.
    fn schema(&self) -> &ProviderSchema;

    /// Checks a resource's configuration beyond what its schema says.
    fn validate(&self, type_name: &str, config: &Value) -> Vec<ValidationError> {
        let _ = (type_name, config);
        Vec::new()
    }

    /// Decides the planned state and whether the change forces replacement.
    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError>;

    /// Creates, updates or deletes one resource; returns the new state (`None` after delete).
    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError>;

    /// Refreshes a resource from the real world; `None` if it is gone.
    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError>;

    /// Finds the object a create given `token` made (see [`ApplyRequest::token`]), for an
    /// apply killed before it could record the result. The default cannot tell.
    async fn find_created(&self, type_name: &str, token: &str) -> Result<Created, ProviderError> {
        let _ = (type_name, token);
        Ok(Created::Unknown)
    }

    /// Reads an existing object by its id, to adopt it.
    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError>;

    /// Reads a data source.
    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError>;
}

/// The configuration of one `provider` block, handed to a [`ProviderFactory`].
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// Local name, e.g. `aws`.
    pub name: String,
    /// `alias`, if any.
    pub alias: Option<String>,
    /// The block's evaluated attributes (e.g. `region`).
    pub config: Value,
}

/// Creates configured provider instances; the CLI registers one factory per provider name.
pub trait ProviderFactory: Send + Sync {
    /// The provider names it serves (`aws`, `openstack`, `terraform`).
    fn names(&self) -> Vec<String>;

    /// The schema, available before configuration (for validation).
    fn schema(&self, name: &str) -> Option<ProviderSchema>;

    /// A provider instance for one `provider` block.
    fn configure(&self, cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError>;

    /// How long `action` on one `type_name` object of provider `name` typically takes
    /// (an EKS cluster ten minutes, a security group two seconds), so that apply starts
    /// the longest chains of work first. None when unknown.
    fn expected_duration(
        &self,
        name: &str,
        type_name: &str,
        action: crate::plan::Action,
    ) -> Option<std::time::Duration> {
        let _ = (name, type_name, action);
        None
    }
}
