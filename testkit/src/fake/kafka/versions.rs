//! MSK versions from the engine's catalog: ListKafkaVersions, GetCompatibleKafkaVersions.

use engine::catalog;
use serde_json::{json, Value};

use super::cluster;
use crate::fake::request::Request;
use crate::fake::wire::{Json, Reply};
use crate::fake::World;

/// ListKafkaVersions: `GET /v1/kafka-versions`; versions past end of support on the fake's
/// today are `DEPRECATED` (one page).
pub fn list(world: &mut World) -> Reply {
    let versions: Vec<Value> = catalog::msk()
        .versions
        .iter()
        .map(|v| {
            let ended = v.end_of_support.is_some_and(|end| world.today > end);
            json!({
                "version": v.version,
                "status": if ended { "DEPRECATED" } else { "ACTIVE" },
            })
        })
        .collect();
    Ok(Json(json!({ "kafkaVersions": versions })))
}

/// GetCompatibleKafkaVersions: `GET /v1/compatible-kafka-versions` (`?clusterArn=`: that
/// cluster's version only).
pub fn compatible(world: &mut World, request: &Request) -> Reply {
    let list: Vec<Value> = match request.query("clusterArn") {
        Some(arn) => {
            let found = cluster(world, &arn)?;
            vec![json!({
                "sourceVersion": found.kafka_version,
                "targetVersions": catalog::msk().upgrade_targets(&found.kafka_version),
            })]
        }
        None => catalog::msk()
            .versions
            .iter()
            .filter(|v| !v.upgrade_targets.is_empty())
            .map(|v| json!({ "sourceVersion": v.version, "targetVersions": v.upgrade_targets }))
            .collect(),
    };
    Ok(Json(json!({ "compatibleKafkaVersions": list })))
}
