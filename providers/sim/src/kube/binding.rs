//! Services and `TargetGroupBinding`s: the ready pods behind a target group, as the AWS Load Balancer Controller registers them.
//!
//! A `TargetGroupBinding` (`elbv2.k8s.aws/v1beta1`) names a target group
//! (`spec.targetGroupARN`) and a Service in its namespace (`spec.serviceRef.name`). The
//! Service selects pods by labels (`spec.selector`); the pods of the Deployments and
//! StatefulSets whose template labels include the selector are its endpoints. With
//! `targetType: ip` (the default here) every ready pod is a healthy target; with
//! `instance` every node of the cluster is one while the Service has a ready pod.

use std::collections::BTreeMap;

use engine::value::Value;

use super::schedule::{layout, nodes, Layout, Overlay};
use super::{cluster_of, Coordinates, MANIFEST};
use crate::shape::{attr, str_attr};
use crate::world::World;

/// The `TargetGroupBinding` kind.
pub const TARGET_GROUP_BINDING: &str = "TargetGroupBinding";

/// Healthy targets Kubernetes objects register in the target group `tg_arn`.
pub fn ready_pods(world: &World, tg_arn: &str) -> u64 {
    let bindings: Vec<(&str, &Value)> = world
        .of_type(MANIFEST)
        .filter(|(_, o)| {
            let m = attr(o, "manifest");
            str_attr(m, "kind") == Some(TARGET_GROUP_BINDING)
                && str_attr(attr(m, "spec"), "targetGroupARN") == Some(tg_arn)
        })
        .collect();
    if bindings.is_empty() {
        return 0;
    }
    let pods = layout(world, Overlay::None);
    bindings
        .into_iter()
        .map(|(id, o)| binding_targets(world, &pods, id, attr(o, "manifest")))
        .sum()
}

/// Healthy targets of one binding.
fn binding_targets(world: &World, pods: &Layout, id: &str, binding: &Value) -> u64 {
    let (Some(cluster), Some(coords)) = (cluster_of(id), Coordinates::of(binding)) else {
        return 0;
    };
    let spec = attr(binding, "spec");
    let Some(service) = str_attr(attr(spec, "serviceRef"), "name") else {
        return 0;
    };
    let Some(selector) = selector(world, cluster, &coords.namespace, service) else {
        return 0;
    };
    let ready: u64 = pods
        .specs
        .values()
        .filter(|w| cluster_of(&w.id) == Some(cluster) && w.coords.namespace == coords.namespace)
        .filter(|w| selects(&selector, &w.labels))
        .filter_map(|w| pods.workloads.get(&w.id))
        .map(|p| p.ready)
        .sum();
    match str_attr(spec, "targetType") {
        Some("instance") if ready > 0 => nodes(world, cluster).len() as u64,
        Some("instance") => 0,
        _ => ready,
    }
}

/// The label selector of the Service `name` in `namespace` of `cluster`; `None` when
/// there is no such Service or it selects nothing (a Service without selector has no
/// endpoints the simulator knows of).
fn selector(
    world: &World,
    cluster: &str,
    namespace: &str,
    name: &str,
) -> Option<BTreeMap<String, String>> {
    let svc = world
        .of_type(MANIFEST)
        .filter(|(id, _)| cluster_of(id) == Some(cluster))
        .map(|(_, o)| attr(o, "manifest"))
        .find(|m| {
            Coordinates::of(m)
                .is_some_and(|c| c.kind == "Service" && c.namespace == namespace && c.name == name)
        })?;
    let sel: BTreeMap<String, String> = attr(attr(svc, "spec"), "selector")
        .as_map()?
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    (!sel.is_empty()).then_some(sel)
}

/// True when every selector label is among `labels`.
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selector_matches_labels_that_include_it() {
        let m = |xs: &[(&str, &str)]| -> BTreeMap<String, String> {
            xs.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let labels = m(&[("app", "api"), ("tier", "web")]);
        assert!(selects(&m(&[("app", "api")]), &labels));
        assert!(!selects(&m(&[("app", "worker")]), &labels));
        assert!(!selects(&m(&[("app", "api"), ("env", "prod")]), &labels));
    }
}
