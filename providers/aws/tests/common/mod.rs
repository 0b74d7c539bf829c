//! Drives the aws provider the way the engine does (plan, then apply the planned object)
//! against emulators on 127.0.0.1: `testkit::fake::FakeAws` for EKS and MSK, moto for
//! the rest. Values are written as JSON for brevity.

#![allow(dead_code)] // each test binary uses its own part

use std::sync::Arc;

use engine::provider::ProviderFactory;
use engine::provider::{ApplyRequest, PlanRequest, Provider, ProviderConfig, ProviderError};
use engine::value::Value;

/// A provider in `us-east-1` with dummy static credentials, one SDK attempt per call (an
/// emulator's refusal is final), and `endpoints` for the services listed.
pub fn provider(endpoints: &[(&str, &str)]) -> Arc<dyn Provider> {
    std::env::set_var(aws::POLL_INTERVAL_VAR, "5ms");
    let endpoints = Value::object(
        endpoints
            .iter()
            .map(|(service, url)| (*service, Value::string(*url))),
    );
    let config = Value::object([
        ("region", Value::string("us-east-1")),
        ("access_key", Value::string("testing")),
        ("secret_key", Value::string("testing")),
        ("max_retries", Value::Number(0.0)),
        ("endpoints", Value::List(vec![endpoints])),
    ]);
    aws::AwsFactory::new()
        .configure(&ProviderConfig {
            name: "aws".to_string(),
            alias: None,
            config,
        })
        .expect("the provider block is valid")
}

/// An engine value from JSON (arrays become lists; the provider conforms them to sets).
pub fn v(json: serde_json::Value) -> Value {
    Value::from_json(&json)
}

/// Plans `type_name` from `config` over `prior` (None: a create).
pub async fn plan(
    p: &Arc<dyn Provider>,
    type_name: &str,
    prior: Option<&Value>,
    config: &Value,
) -> Result<Value, ProviderError> {
    let r = p
        .plan(PlanRequest {
            type_name: type_name.to_string(),
            prior: prior.cloned(),
            proposed: config.clone(),
            config: config.clone(),
        })
        .await?;
    Ok(r.planned)
}

/// Plans and applies: creates when `prior` is None, updates otherwise; the new state.
pub async fn apply(
    p: &Arc<dyn Provider>,
    type_name: &str,
    prior: Option<&Value>,
    config: &Value,
) -> Result<Value, ProviderError> {
    let planned = plan(p, type_name, prior, config).await?;
    let state = p
        .apply(ApplyRequest {
            type_name: type_name.to_string(),
            address: format!("{type_name}.test"),
            prior: prior.cloned(),
            planned: Some(planned),
        })
        .await?;
    Ok(state.expect("a create or update returns the new state"))
}

/// Deletes the object `prior` describes.
pub async fn destroy(
    p: &Arc<dyn Provider>,
    type_name: &str,
    prior: &Value,
) -> Result<(), ProviderError> {
    p.apply(ApplyRequest {
        type_name: type_name.to_string(),
        address: format!("{type_name}.test"),
        prior: Some(prior.clone()),
        planned: None,
    })
    .await
    .map(|_| ())
}

/// A string attribute of a state.
pub fn text<'a>(state: &'a Value, name: &str) -> &'a str {
    state
        .get_attr(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{name} is not a known string in {state:?}"))
}
