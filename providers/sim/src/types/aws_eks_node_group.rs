//! `aws_eks_node_group`: managed nodes of a cluster; each node takes addresses from its subnet.
//!
//! Address use per node follows the VPC CNI without prefix delegation: the node's primary
//! address, one per pod, and the warm pool (one spare ENI's worth). Pods are counted
//! where they run (`kubernetes_manifest` workloads, see `kube::schedule`). Nodes are spread over
//! the group's subnets in turn. A group that does not fit fails as EKS reports it, with
//! `InsufficientFreeAddresses`, saying how many addresses were needed and free.

use std::collections::BTreeMap;
use std::time::Duration;

use engine::catalog;
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_eks_cluster::{self, version_of};
use super::aws_subnet::free_addresses;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "aws_eks_node_group";

/// Instance type when none is configured (EKS's default).
const DEFAULT_INSTANCE_TYPE: &str = "t3.medium";

/// Simulated time to replace one batch of nodes (launch, join, drain, terminate).
const BATCH: Duration = Duration::from_secs(300);

/// The `aws_eks_node_group` type; its id is `cluster_name:node_group_name`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::eks_node_group();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("ami_type", Value::string("AL2023_x86_64_STANDARD"))
        .default("capacity_type", Value::string("ON_DEMAND"))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["cluster_name"],
            target: aws_eks_cluster::TYPE,
            not_found_code: Some("ResourceNotFoundException"),
            blocks_delete: Some("ResourceInUseException"),
        })
        .reference(Reference {
            path: &["subnet_ids"],
            target: "aws_subnet",
            not_found_code: Some("InvalidParameterException"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(scaling_is_consistent)
        .rule(instance_types_are_known)
        .rule(name_is_free)
        .rule(version_follows_the_control_plane)
        .rule(subnets_have_room)
        .on_create(fill_computed)
        .update_timing(rolling_update_time)
}

/// The name of the Auto Scaling group running the node group's nodes.
pub fn autoscaling_group(ng: &Value) -> Option<String> {
    let r = attr(ng, "resources").as_seq()?.first()?;
    let g = attr(r, "autoscaling_groups").as_seq()?.first()?;
    str_attr(g, "name").map(str::to_string)
}

/// The node count the group is scaled to.
pub fn desired_size(ng: &Value) -> u64 {
    size(ng, "desired_size").unwrap_or(0)
}

fn invalid(m: String) -> ProviderError {
    api_error("InvalidParameterException", m)
}

fn block<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    attr(obj, name).as_seq().and_then(|b| b.first())
}

fn size(obj: &Value, name: &str) -> Option<u64> {
    block(obj, "scaling_config")
        .and_then(|b| attr(b, name).as_f64())
        .map(|n| n.max(0.0) as u64)
}

/// `min_size <= desired_size <= max_size`, `max_size >= 1`.
fn scaling_is_consistent(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(min), Some(desired), Some(max)) = (
        size(ctx.obj, "min_size"),
        size(ctx.obj, "desired_size"),
        size(ctx.obj, "max_size"),
    ) else {
        return Ok(());
    };
    if max < 1 || min > desired || desired > max {
        return Err(invalid(format!(
            "scaling_config: need min_size <= desired_size <= max_size and max_size >= 1 (got {min}, {desired}, {max})"
        )));
    }
    Ok(())
}

/// The instance type nodes run on: the first listed, or EKS's default.
pub fn instance_type(ng: &Value) -> String {
    attr(ng, "instance_types")
        .as_seq()
        .and_then(|t| t.first())
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_INSTANCE_TYPE)
        .to_string()
}

fn instance_types_are_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    for t in attr(ctx.obj, "instance_types").as_seq().unwrap_or(&[]) {
        if let Some(t) = t.as_str() {
            if catalog::instance(t).is_none() {
                return Err(invalid(format!(
                    "instance type {t} is not in the simulator's ENI table (engine/src/catalog/catalog.json)"
                )));
            }
        }
    }
    Ok(())
}

fn node_group_id(obj: &Value) -> Option<String> {
    Some(format!(
        "{}:{}",
        str_attr(obj, "cluster_name")?,
        str_attr(obj, "node_group_name")?
    ))
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match node_group_id(ctx.obj) {
        Some(id) if ctx.creates_existing(TYPE, &id) => Err(api_error(
            "ResourceInUseException",
            format!("NodeGroup already exists with name {id}"),
        )),
        _ => Ok(()),
    }
}

/// Created at the control plane's version; updated up to it, never past it, never down.
fn version_follows_the_control_plane(ctx: &RuleCtx) -> Result<(), ProviderError> {
    // Judged against the cluster as it is when the call is made: at plan time the
    // cluster may still be upgraded earlier in the same apply, as EKS would see it.
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let Some(cluster) =
        str_attr(ctx.obj, "cluster_name").and_then(|n| ctx.world.get(aws_eks_cluster::TYPE, n))
    else {
        return Ok(());
    };
    let (Some(cp), Some(v)) = (version_of(cluster), version_of(ctx.obj)) else {
        return Ok(());
    };
    match ctx.prior.and_then(version_of) {
        None if v != cp => Err(invalid(format!(
            "Requested Kubernetes version {v} is invalid: a node group is created at the cluster's version {cp}"
        ))),
        Some(old) if v < old => Err(invalid(format!(
            "Requested Kubernetes version {v} is lower than the node group's version {old}: node groups are never downgraded"
        ))),
        Some(old) if v != old && v > cp => Err(invalid(format!(
            "Requested Kubernetes version {v} is newer than the cluster's version {cp}: update the control plane first"
        ))),
        _ => Ok(()),
    }
}

/// Addresses one node takes: its primary address, one per pod and the warm pool.
pub fn addresses_per_node(instance_type: &str, pods: u64) -> u64 {
    let warm = catalog::instance(instance_type).map_or(0, |t| u64::from(t.warm_pool()));
    1 + pods + warm
}

/// Addresses each subnet gives the node group's nodes (nodes spread over sorted subnets in turn).
pub fn addresses_by_subnet(ng: &Value) -> BTreeMap<String, u64> {
    let mut subnets: Vec<String> = attr(ng, "subnet_ids")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    subnets.sort();
    let mut out = BTreeMap::new();
    if subnets.is_empty() {
        return out;
    }
    let per_node = addresses_per_node(&instance_type(ng), 0);
    let nodes = size(ng, "desired_size").unwrap_or(0);
    for i in 0..nodes {
        let s = &subnets[(i % subnets.len() as u64) as usize];
        *out.entry(s.clone()).or_insert(0) += per_node;
    }
    out
}

/// Addresses the node groups of the world take from `subnet_id` for their nodes
/// (primary addresses and warm pools).
pub fn node_addresses_in_subnet(world: &World, subnet_id: &str) -> u64 {
    world
        .of_type(TYPE)
        .map(|(_, ng)| addresses_by_subnet(ng).get(subnet_id).copied().unwrap_or(0))
        .sum()
}

/// Addresses the EKS clusters of the world take from `subnet_id`: their nodes and the
/// pods running on them.
pub fn used_in_subnet(world: &World, subnet_id: &str) -> u64 {
    node_addresses_in_subnet(world, subnet_id)
        + crate::kube::schedule::pod_addresses(world, subnet_id)
}

/// Every subnet must have the addresses the group's new nodes need.
fn subnets_have_room(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let want = addresses_by_subnet(ctx.obj);
    let had = ctx.prior.map(addresses_by_subnet).unwrap_or_default();
    for (subnet_id, need) in want {
        let extra = need.saturating_sub(had.get(&subnet_id).copied().unwrap_or(0));
        if extra == 0 {
            continue;
        }
        let Some(subnet) = ctx.world.get("aws_subnet", &subnet_id) else {
            continue;
        };
        let free = free_addresses(subnet, &subnet_id, ctx.world).unwrap_or(0);
        if extra > free {
            return Err(api_error(
                "InsufficientFreeAddresses",
                format!(
                    "One or more of the subnets associated with your node group does not have enough available IP addresses for new nodes: subnet {subnet_id} needs {extra} addresses for {} ({} per node: primary address and warm pool), {free} free",
                    instance_type(ctx.obj),
                    addresses_per_node(&instance_type(ctx.obj), 0),
                ),
            ));
        }
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let id = node_group_id(ctx.obj)
        .ok_or_else(|| invalid("cluster_name and node_group_name are required".into()))?;
    let cluster = str_attr(ctx.obj, "cluster_name")
        .unwrap_or_default()
        .to_string();
    let cp = ctx
        .world
        .get(aws_eks_cluster::TYPE, &cluster)
        .and_then(|c| str_attr(c, "version"))
        .unwrap_or_default()
        .to_string();
    fill(ctx.obj, "version", Value::string(&cp));
    let v = str_attr(ctx.obj, "version").unwrap_or_default().to_string();
    fill(
        ctx.obj,
        "release_version",
        Value::string(format!("{v}.0-20250101")),
    );
    fill(
        ctx.obj,
        "instance_types",
        Value::List(vec![Value::string(DEFAULT_INSTANCE_TYPE)]),
    );
    let region = ctx.world.region().to_string();
    let name = str_attr(ctx.obj, "node_group_name")
        .unwrap_or_default()
        .to_string();
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("eks", &region, &format!("nodegroup/{cluster}/{name}"))),
    );
    fill(ctx.obj, "status", Value::string("ACTIVE"));
    // EKS names the group `eks-<node group>-<uuid>`.
    let asg = format!("eks-{name}-{}", uuid_for(&format!("{region}/{id}")));
    fill(
        ctx.obj,
        "resources",
        Value::List(vec![Value::object([
            (
                "autoscaling_groups",
                Value::List(vec![Value::object([("name", Value::string(asg))])]),
            ),
            ("remote_access_security_group_id", Value::string("")),
        ])]),
    );
    set_attr(ctx.obj, "id", Value::string(id));
    Ok(())
}

/// A version change rolls every node, `max_unavailable` at a time (default 1); other
/// updates (scaling) take one batch.
fn rolling_update_time(prior: &Value, planned: &Value) -> Duration {
    if version_of(prior) == version_of(planned) {
        return BATCH;
    }
    let nodes = size(planned, "desired_size").unwrap_or(1).max(1);
    let update = block(planned, "update_config");
    let by_count = update.and_then(|u| attr(u, "max_unavailable").as_f64());
    let by_percent = update.and_then(|u| attr(u, "max_unavailable_percentage").as_f64());
    let batch = match (by_count, by_percent) {
        (Some(n), _) => n.max(1.0) as u64,
        (None, Some(p)) => ((nodes as f64 * p / 100.0).floor() as u64).max(1),
        (None, None) => 1,
    };
    BATCH * u32::try_from(nodes.div_ceil(batch)).unwrap_or(u32::MAX)
}
