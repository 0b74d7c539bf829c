//! The `aws` provider factory the CLI registers when galley runs against real AWS.

use std::sync::Arc;

use engine::provider::{Provider, ProviderConfig, ProviderError, ProviderFactory, ProviderSchema};

use crate::provider::AwsProvider;
use crate::settings::Settings;

/// Serves the `aws` provider name with the schemas the simulator has.
pub struct AwsFactory {
    schema: Arc<ProviderSchema>,
}

impl AwsFactory {
    /// A factory; providers it configures resolve credentials at their first call.
    pub fn new() -> AwsFactory {
        AwsFactory {
            schema: Arc::new(provider_schema()),
        }
    }
}

impl Default for AwsFactory {
    fn default() -> Self {
        AwsFactory::new()
    }
}

/// The provider block, resource and data source schemas, from `galley-schemas`: the
/// same definitions the simulator serves.
pub fn provider_schema() -> ProviderSchema {
    ProviderSchema {
        provider: schemas::aws::provider_block(),
        resources: schemas::aws::resources()
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect(),
        data_sources: schemas::aws::data_sources()
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect(),
    }
}

impl ProviderFactory for AwsFactory {
    fn names(&self) -> Vec<String> {
        vec!["aws".to_string()]
    }

    fn schema(&self, name: &str) -> Option<ProviderSchema> {
        (name == "aws").then(|| (*self.schema).clone())
    }

    fn configure(&self, cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
        let settings = Settings::from_block(&cfg.config).map_err(|e| ProviderError::Api {
            code: "InvalidProviderConfiguration".to_string(),
            message: format!("provider \"aws\": {e}"),
        })?;
        Ok(Arc::new(AwsProvider::new(settings, self.schema.clone())))
    }

    fn expected_duration(
        &self,
        name: &str,
        type_name: &str,
        action: engine::plan::Action,
    ) -> Option<std::time::Duration> {
        let d = schemas::aws::typical_durations(type_name).filter(|_| name == "aws")?;
        Some(d.of(action))
    }
}
