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
    provider_with(endpoints, Some(0))
}

/// [`provider`] with `max_retries` as given (`None`: the SDK's standard retries).
pub fn provider_with(endpoints: &[(&str, &str)], max_retries: Option<u32>) -> Arc<dyn Provider> {
    std::env::set_var(aws::POLL_INTERVAL_VAR, "5ms");
    let endpoints = Value::object(
        endpoints
            .iter()
            .map(|(service, url)| (*service, Value::string(*url))),
    );
    let mut config = vec![
        ("region", Value::string("us-east-1")),
        ("access_key", Value::string("testing")),
        ("secret_key", Value::string("testing")),
        ("endpoints", Value::List(vec![endpoints])),
    ];
    if let Some(n) = max_retries {
        config.push(("max_retries", Value::Number(f64::from(n))));
    }
    let config = Value::object(config);
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
            token: None,
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
        token: None,
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

/// A number attribute of a state.
pub fn number(state: &Value, name: &str) -> f64 {
    state
        .get_attr(name)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{name} is not a known number in {state:?}"))
}

/// The SDK configuration for checking what an emulator at `endpoint` holds.
pub async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

/// The attributes on which `a` and `b` differ, as `name: a != b` lines.
pub fn differences(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_map(), b.as_map()) else {
        return vec![format!("{a:?} != {b:?}")];
    };
    let null = Value::Null;
    a.keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
            (!x.semantic_eq(y)).then(|| format!("{k}: {x:?} != {y:?}"))
        })
        .collect()
}

/// Fails with the differences when `planned` and `state` differ.
pub fn assert_same(planned: &Value, state: &Value, what: &str) {
    let d = differences(planned, state);
    assert!(d.is_empty(), "{what} has changes:\n{}", d.join("\n"));
}

/// Plans `config` over `state` and over the state read back from AWS: neither has anything
/// to change. Returns the state read back.
pub async fn nothing_to_change(
    p: &Arc<dyn Provider>,
    type_name: &str,
    state: &Value,
    config: &Value,
) -> Value {
    let planned = plan(p, type_name, Some(state), config).await.unwrap();
    assert_same(&planned, state, "the plan over the applied state");
    let fresh = p
        .read(type_name, state)
        .await
        .unwrap()
        .expect("the object is still there");
    let planned = plan(p, type_name, Some(&fresh), config).await.unwrap();
    assert_same(&planned, &fresh, "the plan over the state read back");
    fresh
}
