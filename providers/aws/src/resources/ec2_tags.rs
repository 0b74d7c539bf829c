//! EC2 tags: set at creation through tag specifications, changed with
//! `CreateTags`/`DeleteTags`, read from `Describe*` answers.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use engine::provider::ProviderError;
use engine::value::Value;

use crate::errors::sdk;
use crate::values::{tag_pairs, tags};

/// The tag specification that tags a new object of `kind` with `obj`'s `tags`, if any.
pub fn specification(kind: ResourceType, obj: &Value) -> Option<TagSpecification> {
    let pairs = tag_pairs(obj);
    (!pairs.is_empty()).then(|| {
        TagSpecification::builder()
            .resource_type(kind)
            .set_tags(Some(pairs.into_iter().map(|(k, v)| tag(k, v)).collect()))
            .build()
    })
}

fn tag(k: String, v: String) -> Tag {
    Tag::builder().key(k).value(v).build()
}

/// Brings the tags of EC2 object `id` from `prior`'s to `planned`'s.
pub async fn update(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (old, new) = (tag_pairs(prior), tag_pairs(planned));
    let removed: Vec<Tag> = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
        .map(|(k, _)| Tag::builder().key(k).build())
        .collect();
    let set: Vec<Tag> = new
        .iter()
        .filter(|p| !old.contains(p))
        .map(|(k, v)| tag(k.clone(), v.clone()))
        .collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("DeleteTags", e))?;
    }
    if !set.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk("CreateTags", e))?;
    }
    Ok(())
}

/// The tag map of a described object.
pub fn read(list: &[Tag]) -> Value {
    tags(
        list.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or("")))),
    )
}
