//! `aws_rds_cluster_parameter_group`: a cluster parameter group of one engine family and
//! its user-set parameters.

use async_trait::async_trait;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use engine::provider::ProviderError;
use engine::value::Value;

use super::rds_common::{create_tags, found, generated_name, tag_value, update_tags};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{text, with_tags};

/// The `aws_rds_cluster_parameter_group` type.
pub struct ParameterGroup;

/// `(name, value, apply_method)` of each configured `parameter` block.
fn parameters(obj: &Value) -> Vec<(String, String, String)> {
    obj.get_attr("parameter")
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| {
            Some((
                text(p, "name")?.to_string(),
                text(p, "value")?.to_string(),
                text(p, "apply_method").unwrap_or("immediate").to_string(),
            ))
        })
        .collect()
}

fn parameter(name: &str, value: Option<&str>, method: &str) -> Parameter {
    Parameter::builder()
        .parameter_name(name)
        .set_parameter_value(value.map(str::to_string))
        .apply_method(ApplyMethod::from(method))
        .build()
}

#[async_trait]
impl Resource for ParameterGroup {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let rds = &cx.clients.rds;
        let name = text(planned, "name").map_or_else(generated_name, str::to_string);
        let family = text(planned, "family").ok_or_else(|| invalid("family is required"))?;
        rds.create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(&name)
            .db_parameter_group_family(family)
            .description(text(planned, "description").unwrap_or("Managed by galley"))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateDBClusterParameterGroup", e))?;
        set_parameters(cx, &name, &Value::Null, planned).await?;
        let stub = Value::object([("id", Value::string(&name))]);
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("cluster parameter group {name} after creating it"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let rds = &cx.clients.rds;
        let Some(name) = text(state, "id").or_else(|| text(state, "name")) else {
            return Ok(None);
        };
        let described = rds
            .describe_db_cluster_parameter_groups()
            .db_cluster_parameter_group_name(name)
            .send()
            .await
            .map_err(|e| sdk("DescribeDBClusterParameterGroups", e));
        let Some(out) = found(described)? else {
            return Ok(None);
        };
        let Some(group) = out.db_cluster_parameter_groups().first() else {
            return Ok(None);
        };
        let arn = group.db_cluster_parameter_group_arn().unwrap_or_default();
        // Only the parameters the user set, and only those the configuration names:
        // a group holds hundreds of engine defaults.
        let configured: Vec<String> = parameters(state).into_iter().map(|p| p.0).collect();
        let mut user = Vec::new();
        let mut marker = None;
        loop {
            let page = rds
                .describe_db_cluster_parameters()
                .db_cluster_parameter_group_name(name)
                .source("user")
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| sdk("DescribeDBClusterParameters", e))?;
            user.extend(page.parameters().iter().filter_map(|p| {
                let n = p.parameter_name()?;
                let keep = configured.is_empty() || configured.iter().any(|c| c == n);
                keep.then(|| {
                    Value::object([
                        ("name", Value::string(n)),
                        ("value", Value::string(p.parameter_value().unwrap_or(""))),
                        (
                            "apply_method",
                            Value::string(p.apply_method().map_or("immediate", |m| m.as_str())),
                        ),
                    ])
                })
            }));
            marker = page.marker().map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        let listed = rds
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForResource", e))?;
        let observed = Value::object([
            ("id", Value::string(name)),
            ("name", Value::string(name)),
            (
                "family",
                Value::string(group.db_parameter_group_family().unwrap_or_default()),
            ),
            (
                "description",
                Value::string(group.description().unwrap_or_default()),
            ),
            ("arn", Value::string(arn)),
            ("parameter", Value::set(user)),
        ]);
        Ok(Some(with_tags(
            observed,
            state,
            tag_value(listed.tag_list()),
        )))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = text(prior, "id").ok_or_else(|| invalid("the group's name is not in state"))?;
        set_parameters(cx, name, prior, planned).await?;
        let group = self.read(cx, prior).await?;
        let arn = group
            .as_ref()
            .and_then(|g| text(g, "arn"))
            .ok_or_else(|| ProviderError::NotFound(format!("cluster parameter group {name}")))?
            .to_string();
        update_tags(cx, &arn, prior, planned).await?;
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("cluster parameter group {name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .rds
            .delete_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteDBClusterParameterGroup", e));
        found(deleted).map(|_| ())
    }

    /// The family is one of the catalog's Aurora families (RDS refuses others; moto
    /// accepts anything).
    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        let known = engine::catalog::aurora_families();
        match text(planned, "family") {
            Some(f) if !known.contains(&f) => Err(invalid(format!(
                "aws_rds_cluster_parameter_group: DBParameterGroupFamily {f} is not a valid Aurora parameter group family (known: {})",
                known.join(", ")
            ))),
            _ => Ok(()),
        }
    }
}

/// Sets what `planned` configures and resets what only `prior` had, 20 at a time (the
/// API's limit per call).
async fn set_parameters(
    cx: &Ctx<'_>,
    name: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (old, new) = (parameters(prior), parameters(planned));
    let set: Vec<Parameter> = new
        .iter()
        .filter(|p| !old.contains(p))
        .map(|(n, v, m)| parameter(n, Some(v), m))
        .collect();
    let reset: Vec<Parameter> = old
        .iter()
        .filter(|(n, _, _)| !new.iter().any(|(m, _, _)| m == n))
        .map(|(n, _, m)| parameter(n, None, m))
        .collect();
    let rds = &cx.clients.rds;
    for chunk in set.chunks(20) {
        rds.modify_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .set_parameters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk("ModifyDBClusterParameterGroup", e))?;
    }
    for chunk in reset.chunks(20) {
        rds.reset_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .set_parameters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk("ResetDBClusterParameterGroup", e))?;
    }
    Ok(())
}
