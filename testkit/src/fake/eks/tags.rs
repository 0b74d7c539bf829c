//! EKS tagging by ARN: TagResource, UntagResource, ListTagsForResource.

use serde_json::{json, Map, Value};

use super::tags_of;
use crate::fake::errors::ApiError;
use crate::fake::request::Request;
use crate::fake::wire::{Json, Reply};
use crate::fake::World;

/// The tags of the cluster, node group or add-on with this ARN.
fn tags_mut<'a>(world: &'a mut World, arn: &str) -> Result<&'a mut Map<String, Value>, ApiError> {
    for cluster in world.eks.clusters.values_mut() {
        if cluster.arn == arn {
            return Ok(&mut cluster.tags);
        }
        if let Some(ng) = cluster.nodegroups.values_mut().find(|n| n.arn == arn) {
            return Ok(&mut ng.tags);
        }
        if let Some(addon) = cluster.addons.values_mut().find(|a| a.arn == arn) {
            return Ok(&mut addon.tags);
        }
    }
    if arn.starts_with("arn:aws:eks:") {
        Err(ApiError::not_found(format!("Resource {arn} not found")))
    } else {
        Err(ApiError::bad_request(format!("{arn} is not a valid ARN")))
    }
}

/// TagResource: `POST /tags/{arn}`.
pub fn tag(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let tags = tags_mut(world, arn)?;
    for (key, value) in tags_of(&body) {
        tags.insert(key, value);
    }
    Ok(Json(json!({})))
}

/// UntagResource: `DELETE /tags/{arn}?tagKeys=..`.
pub fn untag(world: &mut World, request: &Request, arn: &str) -> Reply {
    let tags = tags_mut(world, arn)?;
    for key in request.query_all("tagKeys") {
        tags.remove(&key);
    }
    Ok(Json(json!({})))
}

/// ListTagsForResource: `GET /tags/{arn}`.
pub fn list(world: &mut World, arn: &str) -> Reply {
    let tags = tags_mut(world, arn)?;
    Ok(Json(json!({ "tags": tags })))
}
