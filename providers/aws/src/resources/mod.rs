//! One module per resource type, each carrying out create, read, update and delete
//! through the SDK; [`for_type`] finds a type's implementation.

use async_trait::async_trait;
use engine::provider::{ProviderError, Schema};
use engine::value::Value;

use crate::clients::Clients;

mod ec2_tags;
mod vpc;

/// What an operation on one object gets.
pub struct Ctx<'a> {
    /// The service clients of the provider instance (one region, one account).
    pub clients: &'a Clients,
    /// The type's schema.
    pub schema: &'a Schema,
    /// The instance's address (`aws_vpc.main`), for messages.
    pub address: &'a str,
}

/// A resource type carried out on AWS. Every method returns the object as AWS reports
/// it (attributes it does not report are null); the provider merges that with the plan
/// or the prior state (`crate::values`).
#[async_trait]
pub trait Resource: Send + Sync {
    /// Creates the object from its planned state.
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError>;

    /// Reads the object `state` describes (its `id` at least); `None` when it is gone.
    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError>;

    /// Changes the object from `prior` to `planned` (only attributes that are not
    /// force-new differ: the engine replaces the object otherwise).
    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError>;

    /// Deletes the object and waits until it is gone.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError>;

    /// The state an imported object is read from: by default `{ id = <id> }`.
    fn import_stub(&self, id: &str) -> Value {
        Value::object([("id", Value::string(id))])
    }
}

/// The implementation of `type_name`, if this provider carries it out.
pub fn for_type(type_name: &str) -> Option<&'static dyn Resource> {
    Some(match type_name {
        "aws_vpc" => &vpc::Vpc,
        _ => return None,
    })
}
