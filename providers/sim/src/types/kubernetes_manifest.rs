//! `kubernetes_manifest`: any Kubernetes object in a simulated EKS cluster; workloads get pods, pods get addresses.
//!
//! The object's id names its cluster and API coordinates (see [`crate::kube`]); the
//! `kubernetes` provider sets it from its `host` before the generic plan and apply run,
//! and rules that need the cluster skip while it is unknown (a cluster created in the
//! same apply). `object` is the manifest as stored (namespace defaulted, creation
//! time and uid added) with a `status`; a Deployment's or StatefulSet's status is
//! recomputed whenever the object is read, so it follows node groups and subnets.

use engine::catalog;
use engine::provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use engine::types::Type;
use engine::value::{Value, ValueMap};

use super::aws_eks_cluster::version_of;
use super::{boolean, computed_string, string, string_list, string_map};
use crate::ids::{uuid_for, IdStyle};
use crate::kube::quantity::cpu_millis;
use crate::kube::quantity::memory_bytes;
use crate::kube::schedule::{address_shortfall, is_workload, layout, Overlay, Pods};
use crate::kube::{cluster_of, Coordinates, MANIFEST};
use crate::registry::{api_error, CreateCtx, Phase, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, str_attr};
use crate::world::World;

/// The `kubernetes_manifest` type, with the Terraform Kubernetes provider's schema and
/// a computed `id`.
pub fn resource() -> ResourceType {
    let one = |schema| NestedBlock {
        nesting: Nesting::List,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema,
    };
    let schema = Schema::default()
        .attr("manifest", Attribute::required(Type::Any))
        .attr("object", Attribute::computed(Type::Any))
        .attr("computed_fields", Attribute::optional(string_list()))
        .attr("wait_for", Attribute::optional(Type::Any))
        .attr("id", computed_string())
        .block(
            "wait",
            one(Schema::default()
                .attr("rollout", Attribute::optional(boolean()))
                .attr("fields", Attribute::optional(string_map()))
                .block(
                    "condition",
                    NestedBlock {
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: 0,
                        force_new: false,
                        schema: Schema::default()
                            .attr("type", Attribute::optional(string()))
                            .attr("status", Attribute::optional(string())),
                    },
                )),
        )
        .block(
            "field_manager",
            one(Schema::default()
                .attr("name", Attribute::optional(string()))
                .attr("force_conflicts", Attribute::optional(boolean()))),
        )
        .block(
            "timeouts",
            one(Schema::default()
                .attr("create", Attribute::optional(string()))
                .attr("update", Attribute::optional(string()))
                .attr("delete", Attribute::optional(string()))),
        );
    ResourceType::new(MANIFEST, schema)
        .ids(IdStyle::FromHook)
        .derive("object", "manifest", false, stored_form)
        .rule(object_is_named)
        .rule(requests_are_quantities)
        .rule(api_is_served)
        .rule(object_is_new)
        .rule(pods_get_addresses)
        .rule(rollout_completes)
        .on_create(fill_metadata)
        .on_update(keep_metadata)
        .live(current_status)
        .takes(2, 2, 2)
}

/// `Invalid`: the API server's reason for a request that fails validation.
fn invalid(m: String) -> ProviderError {
    api_error("Invalid", m)
}

/// The manifest as the API server stores it: the namespace defaulted; `status` is
/// left for the hooks to add.
fn stored_form(manifest: &Value) -> Value {
    let Some(coords) = Coordinates::of(manifest) else {
        return manifest.clone();
    };
    let mut m = manifest.as_map().cloned().unwrap_or_default();
    if !coords.namespace.is_empty() {
        let mut meta = attr(manifest, "metadata")
            .as_map()
            .cloned()
            .unwrap_or_default();
        meta.insert("namespace".into(), Value::string(&coords.namespace));
        m.insert("metadata".into(), Value::Object(meta));
    }
    Value::Object(m)
}

/// apiVersion, kind and metadata.name are required.
fn object_is_named(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let m = attr(ctx.obj, "manifest");
    if m.is_unknown() {
        return Ok(());
    }
    for key in ["apiVersion", "kind"] {
        let v = attr(m, key);
        if v.is_null() || v.as_str() == Some("") {
            return Err(invalid(format!(
                "Object '{key}' is missing in the manifest"
            )));
        }
    }
    let name = attr(attr(m, "metadata"), "name");
    if name.is_null() || name.as_str() == Some("") {
        let kind = attr(m, "kind").as_str().unwrap_or("object");
        return Err(invalid(format!(
            "{kind} \"\" is invalid: metadata.name: Required value: name or generateName is required"
        )));
    }
    Ok(())
}

/// Every container's requests and limits are quantities; replicas a whole number >= 0.
fn requests_are_quantities(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let m = attr(ctx.obj, "manifest");
    let Some(coords) = Coordinates::of(m) else {
        return Ok(());
    };
    if !is_workload(&coords.kind) {
        return Ok(());
    }
    let spec = attr(m, "spec");
    let replicas = attr(spec, "replicas");
    if !replicas.is_null() && !replicas.is_unknown() {
        let ok = replicas
            .as_f64()
            .is_some_and(|n| n >= 0.0 && n.fract() == 0.0);
        if !ok {
            return Err(invalid(format!(
                "{} is invalid: spec.replicas: Invalid value: {}: must be a whole number greater than or equal to 0",
                coords.qualified(),
                replicas.to_json()
            )));
        }
    }
    let pod = attr(attr(spec, "template"), "spec");
    for list in ["containers", "initContainers"] {
        for (i, c) in attr(pod, list).as_seq().unwrap_or(&[]).iter().enumerate() {
            for group in ["requests", "limits"] {
                let values = attr(attr(c, "resources"), group);
                for (res, parse) in [
                    ("cpu", cpu_millis as fn(&Value) -> _),
                    ("memory", memory_bytes),
                ] {
                    let v = attr(values, res);
                    if v.is_null() || v.is_unknown() {
                        continue;
                    }
                    parse(v).map_err(|e| {
                        invalid(format!(
                            "{} is invalid: spec.template.spec.{list}[{i}].resources.{group}[{res}]: {e}",
                            coords.qualified()
                        ))
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// The cluster, when the id names one that exists.
fn cluster<'a>(ctx: &RuleCtx<'a>) -> Option<&'a Value> {
    let id = str_attr(ctx.obj, "id")?;
    ctx.world.get("aws_eks_cluster", cluster_of(id)?)
}

/// APIs removed at or before the cluster's version are not served.
fn api_is_served(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(coords), Some(version)) = (
        Coordinates::of(attr(ctx.obj, "manifest")),
        cluster(ctx).and_then(version_of),
    ) else {
        return Ok(());
    };
    let v = version.to_string();
    match catalog::eks().removed_api(&coords.api_version, &coords.kind, &v) {
        Some(r) => Err(api_error(
            "NoKindMatch",
            format!(
                "no matches for kind \"{}\" in version \"{}\" (removed in Kubernetes {}; the cluster runs {v}; use {})",
                coords.kind,
                coords.api_version,
                r.removed_in,
                r.replacement.as_deref().unwrap_or("nothing: it has no replacement")
            ),
        )),
        None => Ok(()),
    }
}

/// One object per id.
fn object_is_new(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(id), Some(coords)) = (
        str_attr(ctx.obj, "id"),
        Coordinates::of(attr(ctx.obj, "manifest")),
    ) else {
        return Ok(());
    };
    if ctx.creates_existing(MANIFEST, id) {
        return Err(api_error(
            "AlreadyExists",
            format!("{} \"{}\" already exists", coords.resource(), coords.name),
        ));
    }
    Ok(())
}

/// Every pod placed on a node gets an address from the node's subnet (VPC CNI).
fn pods_get_addresses(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some((id, coords)) = workload_at_apply(ctx) else {
        return Ok(());
    };
    let Some(short) = address_shortfall(ctx.world, id, ctx.obj) else {
        return Ok(());
    };
    Err(api_error(
        "InsufficientFreeAddresses",
        format!(
            "failed to assign an IP address to container: {} {} needs {} addresses in {}, {} free",
            coords.kind,
            coords.display_name(),
            short.needed,
            short.subnets.join(", "),
            short.free
        ),
    ))
}

/// With `wait { rollout = true }`, every replica must become ready.
fn rollout_completes(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let waits = attr(ctx.obj, "wait")
        .as_seq()
        .and_then(|w| w.first())
        .is_some_and(|w| attr(w, "rollout").as_bool() == Some(true));
    if !waits {
        return Ok(());
    }
    let Some((id, coords)) = workload_at_apply(ctx) else {
        return Ok(());
    };
    let after = layout(ctx.world, Overlay::Put(id, ctx.obj));
    let Some(pods) = after.workloads.get(id) else {
        return Ok(());
    };
    if pods.ready >= pods.replicas {
        return Ok(());
    }
    Err(api_error(
        "Timeout",
        format!(
            "timed out waiting for the rollout of {} {}: {} of {} pods not ready: {}",
            coords.kind,
            coords.display_name(),
            pods.replicas - pods.ready,
            pods.replicas,
            why_not_ready(pods)
        ),
    ))
}

/// At apply, for a Deployment or StatefulSet whose cluster is known: its id and coordinates.
fn workload_at_apply<'a>(ctx: &RuleCtx<'a>) -> Option<(&'a str, Coordinates)> {
    if ctx.phase != Phase::Apply {
        return None;
    }
    let id = str_attr(ctx.obj, "id")?;
    let coords = Coordinates::of(attr(ctx.obj, "manifest"))?;
    is_workload(&coords.kind).then_some((id, coords))
}

/// Why pods of a workload are not ready, for status messages and errors.
fn why_not_ready(pods: &Pods) -> String {
    let mut parts = Vec::new();
    if pods.pending > 0 {
        parts.push(format!(
            "{} Pending ({})",
            pods.pending,
            pods.pending_reason.as_deref().unwrap_or("unschedulable")
        ));
    }
    if pods.without_address > 0 {
        parts.push(format!(
            "{} ContainerCreating (failed to assign an IP address to container: no free addresses in {})",
            pods.without_address,
            pods.subnets.join(", ")
        ));
    }
    parts.join("; ")
}

/// A workload's status as the controller reports it.
pub fn status(pods: &Pods) -> Value {
    let n = |x: u64| Value::Number(x as f64);
    let unavailable = pods.replicas.saturating_sub(pods.ready);
    let available = if unavailable == 0 {
        Value::object([
            ("type", Value::string("Available")),
            ("status", Value::string("True")),
            ("reason", Value::string("MinimumReplicasAvailable")),
            (
                "message",
                Value::string("Deployment has minimum availability."),
            ),
        ])
    } else {
        Value::object([
            ("type", Value::string("Available")),
            ("status", Value::string("False")),
            ("reason", Value::string("MinimumReplicasUnavailable")),
            (
                "message",
                Value::string(format!(
                    "Deployment does not have minimum availability: {}",
                    why_not_ready(pods)
                )),
            ),
        ])
    };
    Value::object([
        ("replicas", n(pods.replicas)),
        ("updatedReplicas", n(pods.replicas)),
        ("readyReplicas", n(pods.ready)),
        ("availableReplicas", n(pods.ready)),
        ("unavailableReplicas", n(unavailable)),
        ("conditions", Value::List(vec![available])),
    ])
}

/// Sets `object.metadata.<key>` and `object.status`.
fn complete_object(obj: &mut Value, meta: &[(&str, Value)], status: Value) {
    let Value::Object(m) = obj else { return };
    let object = m.entry("object".to_string()).or_default();
    let mut o: ValueMap = object.as_map().cloned().unwrap_or_default();
    let mut md: ValueMap = o
        .get("metadata")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    for (k, v) in meta {
        md.insert(k.to_string(), v.clone());
    }
    o.insert("metadata".into(), Value::Object(md));
    o.insert("status".into(), status);
    *object = Value::Object(o);
}

/// Creation time and uid, as the API server sets them; status follows when read.
fn fill_metadata(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let id = str_attr(ctx.obj, "id")
        .ok_or_else(|| ProviderError::Internal(format!("{MANIFEST}: the provider set no id")))?
        .to_string();
    let created = ctx.now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let uid = uuid_for(&format!("{}/{id}/{created}", ctx.world.name())).to_string();
    complete_object(
        ctx.obj,
        &[
            ("creationTimestamp", Value::string(created)),
            ("uid", Value::string(uid)),
        ],
        Value::Object(ValueMap::new()),
    );
    Ok(())
}

/// A changed manifest keeps the object's creation time and uid and gets a fresh status;
/// an unchanged one keeps `object` as planned.
fn keep_metadata(ctx: &mut UpdateCtx) -> Result<(), ProviderError> {
    if !attr(attr(ctx.obj, "object"), "status").is_null() {
        return Ok(());
    }
    let prior_meta = attr(attr(ctx.prior, "object"), "metadata");
    let keep: Vec<(&str, Value)> = ["creationTimestamp", "uid"]
        .into_iter()
        .map(|k| (k, attr(prior_meta, k).clone()))
        .collect();
    complete_object(ctx.obj, &keep, Value::Object(ValueMap::new()));
    let status = workload_status(ctx.world, ctx.id, Overlay::Put(ctx.id, ctx.obj));
    if let Some(s) = status {
        complete_object(ctx.obj, &[], s);
    }
    Ok(())
}

/// The status of the workload `id`, with the overlay applied to the world.
fn workload_status(world: &World, id: &str, overlay: Overlay) -> Option<Value> {
    let pods = layout(world, overlay);
    pods.workloads.get(id).map(status)
}

/// Recomputes a workload's status from the nodes and subnets as they are.
fn current_status(obj: &mut Value, id: &str, world: &World) {
    if let Some(s) = workload_status(world, id, Overlay::None) {
        complete_object(obj, &[], s);
    }
}
