//! `aws_rds_cluster_instance`: a writer or reader of an Aurora cluster; its engine
//! version is the cluster's.

use engine::catalog;
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_rds_cluster;
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "aws_rds_cluster_instance";

/// The `aws_rds_cluster_instance` type; its id is its `identifier`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::rds_cluster_instance();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("publicly_accessible", Value::Bool(false))
        .default("promotion_tier", Value::Number(0.0))
        .default("auto_minor_version_upgrade", Value::Bool(true))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["cluster_identifier"],
            target: aws_rds_cluster::TYPE,
            not_found_code: Some("DBClusterNotFoundFault"),
            blocks_delete: Some("InvalidDBClusterStateFault"),
        })
        .rule(instance_class_is_rds)
        .rule(name_is_free)
        .rule(engine_follows_the_cluster)
        .on_create(fill_computed)
        .live(follow_the_cluster)
}

fn combination(m: String) -> ProviderError {
    api_error("InvalidParameterCombination", m)
}

fn instance_class_is_rds(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "instance_class") {
        Some(c) if !c.starts_with("db.") || c.split('.').count() != 3 => Err(api_error(
            "InvalidParameterValue",
            format!("Invalid DB Instance class: {c}"),
        )),
        _ => Ok(()),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "identifier") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(api_error(
            "DBInstanceAlreadyExists",
            format!("DB instance already exists: {name}"),
        )),
        _ => Ok(()),
    }
}

/// The instance's engine is the cluster's; a configured `engine_version` must be the
/// version the cluster runs (instances are upgraded with their cluster).
fn engine_follows_the_cluster(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase == Phase::Validate {
        return Ok(());
    }
    let Some(cluster) = str_attr(ctx.obj, "cluster_identifier")
        .and_then(|c| ctx.world.get(aws_rds_cluster::TYPE, c))
    else {
        return Ok(());
    };
    let (engine, cluster_engine) = (str_attr(ctx.obj, "engine"), str_attr(cluster, "engine"));
    if engine.is_some() && engine != cluster_engine {
        return Err(combination(format!(
            "The engine {} of the DB instance does not match the engine {} of DB cluster {}",
            engine.unwrap_or_default(),
            cluster_engine.unwrap_or_default(),
            str_attr(cluster, "cluster_identifier").unwrap_or_default(),
        )));
    }
    let running = str_attr(cluster, "engine_version_actual");
    let wanted = str_attr(ctx.obj, "engine_version");
    let changed = ctx
        .prior
        .is_none_or(|p| str_attr(p, "engine_version") != wanted);
    match (wanted, running) {
        (Some(w), Some(r)) if changed && w != r => Err(combination(format!(
            "The engine version {w} of the DB instance does not match the version {r} of its DB cluster: upgrade the cluster (aws_rds_cluster.engine_version)"
        ))),
        _ => Ok(()),
    }
}

fn cluster_version(world: &World, cluster_id: &str) -> Option<String> {
    world
        .get(aws_rds_cluster::TYPE, cluster_id)
        .and_then(|c| str_attr(c, "engine_version_actual"))
        .map(str::to_string)
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let cluster_id = str_attr(ctx.obj, "cluster_identifier")
        .unwrap_or_default()
        .to_string();
    let cluster = ctx
        .world
        .get(aws_rds_cluster::TYPE, &cluster_id)
        .cloned()
        .unwrap_or_default();
    let version = cluster_version(ctx.world, &cluster_id).unwrap_or_default();
    fill(ctx.obj, "engine_version", Value::string(&version));
    set_attr(ctx.obj, "engine_version_actual", Value::string(&version));
    let family = str_attr(&cluster, "engine")
        .and_then(catalog::aurora)
        .and_then(|c| c.family(&version))
        .unwrap_or_default()
        .to_string();
    fill(
        ctx.obj,
        "db_parameter_group_name",
        Value::string(format!("default.{family}")),
    );
    let generated = format!(
        "tf-{}",
        derived(
            "",
            &ctx.world.name(),
            &format!("rdsi/{}/{}", ctx.now, ctx.world.len())
        )
    );
    fill(ctx.obj, "identifier", Value::string(generated));
    let id = str_attr(ctx.obj, "identifier")
        .unwrap_or_default()
        .to_string();
    let region = ctx.world.region().to_string();
    let zone = super::aws::availability_zones(&region)
        .into_iter()
        .nth(ctx.world.of_type(TYPE).count() % 3)
        .unwrap_or_default();
    fill(ctx.obj, "availability_zone", Value::string(zone));
    fill(ctx.obj, "apply_immediately", Value::Bool(false));
    fill(ctx.obj, "db_subnet_group_name", Value::string("default"));
    let writer = !ctx
        .world
        .of_type(TYPE)
        .any(|(_, i)| str_attr(i, "cluster_identifier") == Some(&cluster_id));
    set_attr(ctx.obj, "writer", Value::Bool(writer));
    set_attr(ctx.obj, "port", attr(&cluster, "port").clone());
    let suffix = &derived("", &ctx.world.name(), "rds-dns")[..12];
    fill(
        ctx.obj,
        "endpoint",
        Value::string(format!("{id}.{suffix}.{region}.rds.amazonaws.com")),
    );
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("rds", &region, &format!("db:{id}"))),
    );
    fill(
        ctx.obj,
        "dbi_resource_id",
        Value::string(format!(
            "db-{}",
            derived("", &id, "resource").to_ascii_uppercase()
        )),
    );
    set_attr(ctx.obj, "id", Value::string(id));
    Ok(())
}

/// Instances run the cluster's version: after an upgrade, refresh shows the new one.
fn follow_the_cluster(obj: &mut Value, _id: &str, world: &World) {
    let Some(v) = str_attr(obj, "cluster_identifier").and_then(|c| cluster_version(world, c))
    else {
        return;
    };
    set_attr(obj, "engine_version", Value::string(&v));
    set_attr(obj, "engine_version_actual", Value::string(v));
}
