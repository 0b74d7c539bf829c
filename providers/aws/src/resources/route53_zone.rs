//! `aws_route53_zone`: a public hosted zone with its comment and tags; `force_destroy`
//! deletes the zone's records before the zone.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, RrType, Tag, TagResourceType,
};
use engine::provider::{Created, ProviderError};
use engine::value::Value;

use super::route53_common::{bare_id, normalize, wait_insync};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, opt_string, tag_pairs, tags, text, with_tags};

/// The `aws_route53_zone` type.
pub struct Zone;

/// `CallerReference` of a zone created with the engine's token: `galley-token-<token>`.
const REFERENCE_PREFIX: &str = "galley-token-";

#[async_trait]
impl Resource for Zone {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let r53 = &cx.clients.route53;
        let name = text(planned, "name").ok_or_else(|| invalid("name is required"))?;
        // The engine's token makes the create findable after a killed apply.
        let reference = match cx.token {
            Some(token) => format!("{REFERENCE_PREFIX}{token}"),
            None => format!(
                "galley-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            ),
        };
        let out = r53
            .create_hosted_zone()
            .name(name)
            .caller_reference(reference)
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .comment(text(planned, "comment").unwrap_or("Managed by galley"))
                    .build(),
            )
            .set_delegation_set_id(text(planned, "delegation_set_id").map(str::to_string))
            .send()
            .await
            .map_err(|e| sdk("CreateHostedZone", e))?;
        let id = out
            .hosted_zone()
            .map(|z| bare_id(z.id()).to_string())
            .ok_or_else(|| invalid("CreateHostedZone returned no zone"))?;
        if let Some(change) = out.change_info() {
            let timeout = for_op(planned, Op::Create, Duration::from_secs(30 * 60));
            wait_insync(r53, change.id(), timeout).await?;
        }
        set_tags(cx, &id, &Value::Null, planned).await?;
        let stub = Value::object([
            ("id", Value::string(&id)),
            (
                "tags",
                planned.get_attr("tags").cloned().unwrap_or_default(),
            ),
        ]);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("hosted zone {id}")))
    }

    /// The zone whose `CallerReference` carries `token` (`ListHostedZones`, every page).
    async fn find_created(&self, cx: &Ctx<'_>, token: &str) -> Result<Created, ProviderError> {
        let r53 = &cx.clients.route53;
        let wanted = format!("{REFERENCE_PREFIX}{token}");
        let mut marker: Option<String> = None;
        loop {
            let out = r53
                .list_hosted_zones()
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| sdk("ListHostedZones", e))?;
            if let Some(zone) = out
                .hosted_zones()
                .iter()
                .find(|z| z.caller_reference() == wanted)
            {
                let stub = Value::object([("id", Value::string(bare_id(zone.id())))]);
                return Ok(match self.read(cx, &stub).await? {
                    Some(v) => Created::Found(v),
                    None => Created::NotFound,
                });
            }
            match out.next_marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => return Ok(Created::NotFound),
            }
        }
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let r53 = &cx.clients.route53;
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let out = match r53.get_hosted_zone().id(id).send().await {
            Ok(o) => o,
            Err(e) => return Err(sdk("GetHostedZone", e)),
        };
        let Some(zone) = out.hosted_zone() else {
            return Ok(None);
        };
        let servers: Vec<String> = out
            .delegation_set()
            .map(|d| d.name_servers().to_vec())
            .unwrap_or_default();
        let listed = r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForResource", e))?;
        let aws_tags = tags(
            listed
                .resource_tag_set()
                .map(|s| s.tags())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| Some((t.key()?, t.value().unwrap_or("")))),
        );
        let observed = Value::object([
            ("id", Value::string(id)),
            ("zone_id", Value::string(id)),
            ("name", Value::string(normalize(zone.name()))),
            (
                "comment",
                opt_string(zone.config().and_then(|c| c.comment())),
            ),
            (
                "arn",
                Value::string(format!("arn:aws:route53:::hostedzone/{id}")),
            ),
            (
                "primary_name_server",
                opt_string(servers.first().map(String::as_str)),
            ),
            (
                "name_servers",
                Value::List(servers.iter().map(Value::string).collect()),
            ),
            (
                "delegation_set_id",
                opt_string(out.delegation_set().and_then(|d| d.id()).map(bare_id)),
            ),
            (
                "force_destroy",
                Value::Bool(flag(state, "force_destroy").unwrap_or(false)),
            ),
        ]);
        Ok(Some(with_tags(observed, state, aws_tags)))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the zone's id is not in state"))?;
        if text(prior, "comment") != text(planned, "comment") {
            cx.clients
                .route53
                .update_hosted_zone_comment()
                .id(id)
                .set_comment(text(planned, "comment").map(str::to_string))
                .send()
                .await
                .map_err(|e| sdk("UpdateHostedZoneComment", e))?;
        }
        set_tags(cx, id, prior, planned).await?;
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("hosted zone {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        if flag(prior, "force_destroy") == Some(true) {
            delete_records(cx, id).await?;
        }
        cx.clients
            .route53
            .delete_hosted_zone()
            .id(id)
            .send()
            .await
            .map_err(|e| sdk("DeleteHostedZone", e))?;
        Ok(())
    }
}

/// Brings the zone's tags from `prior`'s to `planned`'s.
async fn set_tags(
    cx: &Ctx<'_>,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (old, new) = (tag_pairs(prior), tag_pairs(planned));
    let add: Vec<Tag> = new
        .iter()
        .filter(|p| !old.contains(p))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let remove: Vec<String> = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
        .map(|(k, _)| k.clone())
        .collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    cx.clients
        .route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .set_add_tags((!add.is_empty()).then_some(add))
        .set_remove_tag_keys((!remove.is_empty()).then_some(remove))
        .send()
        .await
        .map_err(|e| sdk("ChangeTagsForResource", e))?;
    Ok(())
}

/// Deletes every record but the zone's own NS and SOA.
async fn delete_records(cx: &Ctx<'_>, id: &str) -> Result<(), ProviderError> {
    let r53 = &cx.clients.route53;
    let out = r53
        .list_resource_record_sets()
        .hosted_zone_id(id)
        .send()
        .await
        .map_err(|e| sdk("ListResourceRecordSets", e))?;
    let zone = r53
        .get_hosted_zone()
        .id(id)
        .send()
        .await
        .map_err(|e| sdk("GetHostedZone", e))?;
    let apex = zone
        .hosted_zone()
        .map(|z| normalize(z.name()))
        .unwrap_or_default();
    let changes: Vec<Change> = out
        .resource_record_sets()
        .iter()
        .filter(|r| {
            !(matches!(r.r#type(), RrType::Ns | RrType::Soa) && normalize(r.name()) == apex)
        })
        .filter_map(|r| {
            Change::builder()
                .action(ChangeAction::Delete)
                .resource_record_set(r.clone())
                .build()
                .ok()
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let batch = ChangeBatch::builder()
        .set_changes(Some(changes))
        .build()
        .map_err(|e| invalid(e.to_string()))?;
    r53.change_resource_record_sets()
        .hosted_zone_id(id)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| sdk("ChangeResourceRecordSets", e))?;
    Ok(())
}
