//! `aws_msk_configuration`: broker settings (`server.properties`) for some Kafka versions.

use engine::catalog;
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::arn;
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_msk_configuration";

/// The `aws_msk_configuration` type; its id is its ARN. Each change makes a new revision.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::msk_configuration();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .rule(versions_are_known)
        .rule(name_is_free)
        .renewed_on_update(&["latest_revision"])
        .on_create(fill_computed)
        .on_update(next_revision)
}

/// The Kafka versions a configuration is for (empty: any).
pub fn kafka_versions(cfg: &Value) -> Vec<&str> {
    attr(cfg, "kafka_versions")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn versions_are_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match kafka_versions(ctx.obj)
        .into_iter()
        .find(|v| catalog::msk().version(v).is_none())
    {
        Some(v) => Err(api_error(
            "BadRequestException",
            format!("Unsupported KafkaVersion {v} in kafka_versions"),
        )),
        None => Ok(()),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    if ctx.creates_duplicate(TYPE, "name", name) {
        return Err(api_error(
            "ConflictException",
            format!("A configuration with name {name} already exists"),
        ));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let suffix = derived("", &ctx.world.name(), &format!("mskconf/{name}"));
    let arn = arn(
        "kafka",
        ctx.world.region(),
        &format!("configuration/{name}/{suffix}-1"),
    );
    fill(ctx.obj, "arn", Value::string(&arn));
    set_attr(ctx.obj, "latest_revision", Value::Number(1.0));
    set_attr(ctx.obj, "id", Value::string(arn));
    Ok(())
}

fn next_revision(ctx: &mut UpdateCtx) -> Result<(), ProviderError> {
    let prior = attr(ctx.prior, "latest_revision").as_f64().unwrap_or(1.0);
    set_attr(ctx.obj, "latest_revision", Value::Number(prior + 1.0));
    Ok(())
}
