//! The configured AWS provider: planning by schema, and each change dispatched to its
//! resource type's implementation, with the result settled against the plan.

use std::sync::Arc;

use async_trait::async_trait;
use engine::provider::planning::{check_required, plan_object, replace_paths, NoDefaults};
use engine::provider::shape::{attr, conform_object, set_attr};
use engine::provider::{
    ApplyRequest, Created, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema,
    Schema,
};
use engine::value::Value;
use tokio::sync::OnceCell;

use crate::clients::Clients;
use crate::resources::{for_type, Ctx, Resource};
use crate::settings::Settings;
use crate::{data, values};

/// Region and credentials resolve (nothing is called: a profile, SSO cache, web identity
/// token or instance role is enough); otherwise what to do about it.
pub(crate) async fn check_ready(sdk: &aws_config::SdkConfig) -> Result<(), String> {
    use aws_credential_types::provider::ProvideCredentials;
    const HELP: &str = "To rehearse without AWS, run with --sim.";
    if sdk.region().is_none() {
        return Err(format!(
            "the aws provider has no region: set \"region\" in the provider block, AWS_REGION, or a region in the AWS profile. {HELP}"
        ));
    }
    let Some(credentials) = sdk.credentials_provider() else {
        return Err(format!("the aws provider found no credentials. {HELP}"));
    };
    credentials.provide_credentials().await.map(|_| ()).map_err(|e| {
        // The chain's story (each source and why it failed) is long: it goes to the log.
        tracing::debug!("credentials: {}", aws_sdk_sts::error::DisplayErrorContext(&e));
        format!(
            "no valid credential sources found for the aws provider (tried the provider block, environment, profiles, SSO, web identity, container and instance metadata; GALLEY_LOG=debug shows why each failed). Set AWS_PROFILE (after `aws sso login` for SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the provider block a profile, keys or assume_role. {HELP}"
        )
    })
}

/// One `provider "aws"` block: its settings and, from the first call on, its clients.
pub struct AwsProvider {
    settings: Settings,
    schema: Arc<ProviderSchema>,
    clients: OnceCell<Clients>,
    /// Whether region and credentials resolved, checked once before the first call.
    ready: OnceCell<Result<(), String>>,
}

impl AwsProvider {
    /// A provider for `settings`; nothing is resolved or called until it is used.
    pub fn new(settings: Settings, schema: Arc<ProviderSchema>) -> AwsProvider {
        AwsProvider {
            settings,
            schema,
            clients: OnceCell::new(),
            ready: OnceCell::new(),
        }
    }

    /// The clients, once region and credentials are known to resolve: checked before the
    /// first plan, as Terraform's provider checks at configure, so that a plan against AWS
    /// never looks fine when nothing could carry it out.
    async fn clients(&self) -> Result<&Clients, ProviderError> {
        let clients = self
            .clients
            .get_or_init(|| Clients::new(&self.settings))
            .await;
        let ready = self.ready.get_or_init(|| check_ready(&clients.sdk)).await;
        match ready {
            Ok(()) => Ok(clients),
            Err(message) => Err(ProviderError::Api {
                code: "NoValidCredentialSources".to_string(),
                message: message.clone(),
            }),
        }
    }

    fn resource(&self, type_name: &str) -> Result<(&Schema, &'static dyn Resource), ProviderError> {
        let schema = self.schema.resources.get(type_name);
        match (schema, for_type(type_name)) {
            (Some(s), Some(r)) => Ok((s, r)),
            _ => Err(ProviderError::Api {
                code: "UnsupportedResourceType".to_string(),
                message: format!(
                    "galley's aws provider does not manage {type_name} on AWS yet (the simulator does: run with --sim)"
                ),
            }),
        }
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let Some(schema) = self.schema.resources.get(&req.type_name) else {
            return Err(ProviderError::Api {
                code: "UnsupportedResourceType".to_string(),
                message: format!("the aws provider has no resource type {}", req.type_name),
            });
        };
        if req.proposed.is_null() && req.config.is_null() {
            return Ok(PlanResponse {
                planned: Value::Null,
                requires_replace: Vec::new(),
            });
        }
        // What cannot be carried out, or reached, fails the plan rather than the apply.
        let (_, resource) = self.resource(&req.type_name)?;
        self.clients().await?;
        let proposed = conform_object(req.proposed.clone(), schema);
        let config = match conform_object(req.config.clone(), schema) {
            Value::Null => proposed,
            c => c,
        };
        let prior = req
            .prior
            .map(|p| conform_object(p, schema))
            .filter(|p| !p.is_null());
        check_required(schema, &config, "")?;
        let mut planned = plan_object(&NoDefaults, schema, &config, prior.as_ref(), "");
        let requires_replace = prior
            .as_ref()
            .map(|p| replace_paths(schema, p, &planned))
            .unwrap_or_default();
        if !requires_replace.is_empty() {
            planned = plan_object(&NoDefaults, schema, &config, None, "");
        }
        // A replacement is a new object: judged as a create.
        let changed_from = prior.as_ref().filter(|_| requires_replace.is_empty());
        resource.adjust_plan(changed_from, &mut planned);
        resource.check(changed_from, &planned)?;
        derive_tags_all(schema, &mut planned);
        Ok(PlanResponse {
            planned,
            requires_replace,
        })
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError> {
        let (schema, resource) = self.resource(&req.type_name)?;
        let cx = Ctx {
            clients: self.clients().await?,
            address: Some(&req.address),
            token: req.token.as_deref(),
        };
        match (&req.prior, &req.planned) {
            (None, Some(planned)) => {
                let observed = resource.create(&cx, planned).await?;
                Ok(Some(values::settle(schema, planned, &observed)))
            }
            (Some(prior), Some(planned)) => {
                let observed = resource.update(&cx, prior, planned).await?;
                Ok(Some(values::settle(schema, planned, &observed)))
            }
            (Some(prior), None) => match resource.delete(&cx, prior).await {
                Ok(()) | Err(ProviderError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
            (None, None) => Ok(None),
        }
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (schema, resource) = self.resource(type_name)?;
        let cx = Ctx::reading(self.clients().await?);
        match resource.read(&cx, state).await {
            Ok(Some(observed)) => Ok(Some(values::refresh(schema, state, &observed))),
            Ok(None) | Err(ProviderError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn find_created(&self, type_name: &str, token: &str) -> Result<Created, ProviderError> {
        let (schema, resource) = self.resource(type_name)?;
        let cx = Ctx::reading(self.clients().await?);
        Ok(match resource.find_created(&cx, token).await? {
            Created::Found(observed) => {
                let stub = conform_object(Value::Null, schema);
                Created::Found(values::refresh(schema, &stub, &observed))
            }
            other => other,
        })
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let (schema, resource) = self.resource(type_name)?;
        let cx = Ctx::reading(self.clients().await?);
        let stub = conform_object(resource.import_stub(id), schema);
        match resource.read(&cx, &stub).await? {
            Some(observed) => Ok(values::refresh(schema, &stub, &observed)),
            None => Err(ProviderError::NotFound(format!(
                "cannot import {type_name} {id:?}: no such object in {}",
                cx.clients.region()
            ))),
        }
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        let Some(schema) = self.schema.data_sources.get(type_name) else {
            return Err(ProviderError::Api {
                code: "UnsupportedDataSource".to_string(),
                message: format!("the aws provider has no data source {type_name}"),
            });
        };
        let observed = data::read(self.clients().await?, type_name, config).await?;
        Ok(values::refresh(
            schema,
            &conform_object(config.clone(), schema),
            &observed,
        ))
    }
}

/// `tags_all` follows `tags` (galley does not merge provider `default_tags`).
fn derive_tags_all(schema: &Schema, planned: &mut Value) {
    if !schema.attributes.contains_key("tags_all") {
        return;
    }
    let tags = attr(planned, "tags").clone();
    let all = match tags {
        Value::Null => Value::Map(Default::default()),
        t if t.contains_unknown() => Value::Unknown,
        t => t,
    };
    set_attr(planned, "tags_all", all);
}
