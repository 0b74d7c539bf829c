//! MSK configurations: create, describe, revisions, update, delete, list.

use base64::Engine;
use engine::catalog;
use serde_json::{json, Value};

use super::{Configuration, Revision};
use crate::fake::errors::ApiError;
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// CreateConfiguration: `POST /v1/configurations`.
pub fn create(world: &mut World, request: &Request) -> Reply {
    let body = request.json()?;
    let name = str_field(&body, "name")
        .filter(|n| valid_name(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "name must be 1-64 characters: letters, digits and hyphens, starting with a \
                 letter",
            )
        })?
        .to_string();
    if world.kafka.configurations.values().any(|c| c.name == name) {
        return Err(ApiError::conflict(format!(
            "A configuration with the name {name} already exists."
        )));
    }
    let kafka_versions: Vec<String> = body
        .get("kafkaVersions")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(unknown) = kafka_versions
        .iter()
        .find(|v| catalog::msk().version(v).is_none())
    {
        return Err(ApiError::bad_request(format!(
            "Unsupported KafkaVersion [{unknown}]."
        )));
    }
    let properties = server_properties(&body)?;
    let created = wire::iso_now();
    let arn = format!(
        "arn:aws:kafka:{}:{ACCOUNT}:configuration/{name}/{}",
        request.region,
        wire::uuid()
    );
    let revision = Revision {
        revision: 1,
        description: str_field(&body, "description")
            .unwrap_or_default()
            .to_string(),
        created: created.clone(),
        server_properties: properties,
    };
    let answer = json!({
        "arn": arn,
        "creationTime": created,
        "latestRevision": revision_summary(&revision),
        "name": name,
        "state": "ACTIVE",
    });
    world.kafka.configurations.insert(
        arn.clone(),
        Configuration {
            arn,
            name,
            kafka_versions,
            created,
            revisions: vec![revision],
        },
    );
    Ok(Json(answer))
}

/// DescribeConfiguration: `GET /v1/configurations/{arn}`.
pub fn describe(world: &mut World, arn: &str) -> Reply {
    let config = configuration(world, arn)?;
    Ok(Json(to_json(config)))
}

/// DescribeConfigurationRevision: `GET /v1/configurations/{arn}/revisions/{revision}`.
pub fn describe_revision(world: &mut World, arn: &str, revision: &str) -> Reply {
    let config = configuration(world, arn)?;
    let found = revision
        .parse::<i64>()
        .ok()
        .and_then(|r| config.revisions.iter().find(|x| x.revision == r))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Revision {revision} of configuration {arn} does not exist."
            ))
        })?;
    Ok(Json(json!({
        "arn": config.arn,
        "creationTime": found.created,
        "description": found.description,
        "revision": found.revision,
        "serverProperties": found.server_properties,
    })))
}

/// UpdateConfiguration: `PUT /v1/configurations/{arn}`; adds a revision.
pub fn update(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let properties = server_properties(&body)?;
    let config = world
        .kafka
        .configurations
        .get_mut(arn)
        .ok_or_else(|| not_found(arn))?;
    let revision = Revision {
        revision: config.revisions.len() as i64 + 1,
        description: str_field(&body, "description")
            .unwrap_or_default()
            .to_string(),
        created: wire::iso_now(),
        server_properties: properties,
    };
    let summary = revision_summary(&revision);
    config.revisions.push(revision);
    Ok(Json(json!({ "arn": arn, "latestRevision": summary })))
}

/// DeleteConfiguration: `DELETE /v1/configurations/{arn}`; refused while a cluster uses it.
pub fn delete(world: &mut World, arn: &str) -> Reply {
    configuration(world, arn)?;
    let users: Vec<&str> = world
        .kafka
        .clusters
        .values()
        .filter(|c| c.configuration.as_ref().is_some_and(|(a, _)| a == arn))
        .map(|c| c.name.as_str())
        .collect();
    if !users.is_empty() {
        return Err(ApiError::bad_request(format!(
            "The configuration {arn} is in use by clusters: {}",
            users.join(", ")
        )));
    }
    world.kafka.configurations.remove(arn);
    Ok(Json(json!({ "arn": arn, "state": "DELETING" })))
}

/// ListConfigurations: `GET /v1/configurations` (one page).
pub fn list(world: &mut World) -> Reply {
    let list: Vec<Value> = world.kafka.configurations.values().map(to_json).collect();
    Ok(Json(json!({ "configurations": list })))
}

/// Checks a `configurationInfo` (`{arn, revision}`) for a cluster on Kafka `version`.
pub fn check_info(world: &World, info: &Value, version: &str) -> Result<(String, i64), ApiError> {
    let arn = info
        .get("arn")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("configurationInfo.arn is required"))?;
    let revision = info
        .get("revision")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_request("configurationInfo.revision is required"))?;
    let config =
        world.kafka.configurations.get(arn).ok_or_else(|| {
            ApiError::bad_request(format!("The configuration {arn} does not exist."))
        })?;
    if !config.revisions.iter().any(|r| r.revision == revision) {
        return Err(ApiError::bad_request(format!(
            "Revision {revision} of configuration {arn} does not exist."
        )));
    }
    if !config.kafka_versions.is_empty() && !config.kafka_versions.iter().any(|v| v == version) {
        return Err(ApiError::bad_request(format!(
            "The configuration {arn} is for Kafka versions [{}], not {version}.",
            config.kafka_versions.join(", ")
        )));
    }
    Ok((arn.to_string(), revision))
}

fn configuration<'a>(world: &'a World, arn: &str) -> Result<&'a Configuration, ApiError> {
    world
        .kafka
        .configurations
        .get(arn)
        .ok_or_else(|| not_found(arn))
}

fn not_found(arn: &str) -> ApiError {
    ApiError::not_found(format!("The configuration {arn} does not exist."))
}

/// The base64 `serverProperties` of a body, checked to decode.
fn server_properties(body: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let encoded = str_field(body, "serverProperties")
        .ok_or_else(|| ApiError::bad_request("serverProperties is required"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| ApiError::bad_request(format!("serverProperties is not base64: {e}")))?;
    if std::str::from_utf8(&decoded).is_err() {
        return Err(ApiError::bad_request("serverProperties must be UTF-8 text"));
    }
    Ok(encoded.to_string())
}

fn revision_summary(revision: &Revision) -> Value {
    json!({
        "creationTime": revision.created,
        "description": revision.description,
        "revision": revision.revision,
    })
}

fn to_json(config: &Configuration) -> Value {
    let latest = config.revisions.last();
    json!({
        "arn": config.arn,
        "creationTime": config.created,
        "description": latest.map(|r| r.description.clone()).unwrap_or_default(),
        "kafkaVersions": config.kafka_versions,
        "latestRevision": latest.map(revision_summary),
        "name": config.name,
        "state": "ACTIVE",
    })
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    (1..=64).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}
