//! `aws_rds_cluster_parameter_group`: settings for Aurora clusters of one engine family.

use engine::catalog;
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx};
use crate::shape::{fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_rds_cluster_parameter_group";

/// The `aws_rds_cluster_parameter_group` type; its id is its name.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::rds_cluster_parameter_group();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("description", Value::string("Managed by Terraform"))
        .default("parameter.apply_method", Value::string("immediate"))
        .derive("tags_all", "tags", true, tags_all)
        .rule(family_is_known)
        .rule(name_is_free)
        .on_create(fill_computed)
}

fn family_is_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "family") {
        Some(f) if !catalog::aurora_families().contains(&f) => Err(api_error(
            "InvalidParameterValue",
            format!(
                "DBParameterGroupFamily {f} is not a valid Aurora parameter group family (known: {})",
                catalog::aurora_families().join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "name") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(api_error(
            "DBParameterGroupAlreadyExists",
            format!("Parameter group {name} already exists"),
        )),
        _ => Ok(()),
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let generated = format!(
        "terraform-{}",
        derived(
            "",
            &ctx.world.name(),
            &format!("pg/{}/{}", ctx.now, ctx.world.len()),
        )
    );
    fill(ctx.obj, "name", Value::string(generated));
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let region = ctx.world.region().to_string();
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("rds", &region, &format!("cluster-pg:{name}"))),
    );
    set_attr(ctx.obj, "id", Value::string(name));
    Ok(())
}
