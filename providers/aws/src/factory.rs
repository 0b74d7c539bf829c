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

/// The provider block, resource and data source schemas.
// Transitional: the schemas move to `galley-schemas` (shared with the simulator) in the
// next commit; until then the provider serves none.
pub fn provider_schema() -> ProviderSchema {
    ProviderSchema::default()
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
}
