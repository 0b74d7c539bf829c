//! Finds the version upgrades in a plan: each EKS cluster whose `version` changes, with
//! the node groups and add-ons that name it and the manifests applied to it (those of its
//! side: through a provider configured from it) or named in its `kubernetes_manifests`
//! blocks, in place or blue/green as its `blue_green` block says.

use chrono::NaiveDate;

use super::blue_green::{self, Layout};
use super::eks::{self, Addon, Cluster, Manifest, NodeGroup};
use super::engines;
use super::manifest_files::{self, ManifestFiles};
use super::steps::Upgrade;
use crate::catalog::CacheEngine;
use crate::plan::{Action, Plan, ResourceChange};
use crate::value::Value;

/// The upgrades `plan` performs, planned as of `today`. `layouts` are the root module's
/// `blue_green` blocks ([`blue_green::layouts`]); `config` finds each cluster's manifests.
pub fn upgrades(
    plan: &Plan,
    config: &crate::config::Config,
    layouts: &[Layout],
    today: NaiveDate,
) -> Vec<Upgrade> {
    if plan.destroy {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in &plan.changes {
        if c.action != Action::Update || c.deposed.is_some() {
            continue;
        }
        if let Some(up) = engine_upgrade(plan, c, today) {
            out.push(up);
            continue;
        }
        if c.addr.resource.type_name != "aws_eks_cluster" {
            continue;
        }
        let (Some(from), Some(to)) = (text(&c.before, "version"), text(&c.after, "version")) else {
            continue;
        };
        if from == to {
            continue;
        }
        let name = text(&c.after, "name").or_else(|| text(&c.before, "name"));
        let mine = |r: &&ResourceChange, ty: &str| {
            r.addr.resource.type_name == ty
                && r.addr.module == c.addr.module
                && r.deposed.is_none()
                && name.is_some()
                && text(&r.after, "cluster_name").or_else(|| text(&r.before, "cluster_name"))
                    == name
        };
        let node_groups = plan
            .changes
            .iter()
            .filter(|r| mine(r, "aws_eks_node_group") && r.action != Action::Delete)
            .map(|r| NodeGroup {
                address: r.addr.to_string(),
                current: text(&r.before, "version"),
                desired: sets_version(config, r)
                    .then(|| text(&r.after, "version"))
                    .flatten(),
                nodes: number(&r.after, &["scaling_config", "desired_size"]).unwrap_or(1),
                max_unavailable: number(&r.after, &["update_config", "max_unavailable"])
                    .unwrap_or(1),
                instance_type: strings(&r.after, &["instance_types"]).into_iter().next(),
                free_addresses: free_addresses(plan, &strings(&r.after, &["subnet_ids"])),
            })
            .collect();
        let addons = plan
            .changes
            .iter()
            .filter(|r| mine(r, "aws_eks_addon") && r.action != Action::Delete)
            .filter_map(|r| {
                Some(Addon {
                    address: r.addr.to_string(),
                    name: text(&r.after, "addon_name")?,
                    current: text(&r.before, "addon_version"),
                    desired: text(&r.after, "addon_version"),
                })
            })
            .collect();
        let cluster = Cluster {
            address: c.addr.to_string(),
            from,
            to,
            node_groups,
            addons,
            manifests: manifests(plan, config, c),
            files: manifest_files(config, c),
            free_addresses: free_addresses(plan, &strings(&c.after, &["vpc_config", "subnet_ids"])),
        };
        let bg = layouts
            .iter()
            .find(|l| c.addr.module.is_root() && l.bg.cluster.resource == c.addr.resource);
        out.push(match bg {
            Some(l) => blue_green::plan::plan(&cluster, &l.spec(), today),
            None => eks::plan_in_place(&cluster, today),
        });
    }
    out
}

/// The `kubernetes_manifest` changes of the cluster's side: served by a provider
/// configuration built from the cluster (or from what depends on it).
fn manifests(plan: &Plan, config: &crate::config::Config, c: &ResourceChange) -> Vec<Manifest> {
    let Some(module) = module_of(config, c) else {
        return Vec::new();
    };
    let side = blue_green::members::dependents(&module.module, &c.addr.resource);
    plan.changes
        .iter()
        .filter(|r| {
            r.addr.module == c.addr.module
                && r.action != Action::Delete
                && r.deposed.is_none()
                && r.addr.resource.type_name == "kubernetes_manifest"
                && side.contains(&r.addr.resource)
        })
        .filter_map(|r| {
            let m = r.after.as_ref()?.get_attr("manifest")?;
            let field = |name: &str| {
                m.get_attr(name)
                    .and_then(|v| v.unmarked().as_str().map(str::to_string))
            };
            let kind = field("kind")?;
            let replicas = match kind.as_str() {
                "Deployment" | "StatefulSet" => m
                    .get_attr("spec")
                    .and_then(|s| s.get_attr("replicas"))
                    .and_then(|v| match v.unmarked() {
                        Value::Number(n) if *n >= 0.0 => Some(*n as u32),
                        _ => None,
                    })
                    .unwrap_or(1),
                _ => 0,
            };
            Some(Manifest {
                address: r.addr.to_string(),
                api_version: field("apiVersion")?,
                kind,
                replicas,
            })
        })
        .collect()
}

/// The configuration of the module `c` is in.
fn module_of<'a>(
    config: &'a crate::config::Config,
    c: &ResourceChange,
) -> Option<&'a crate::config::Config> {
    config.descendant(
        &c.addr
            .module
            .0
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>(),
    )
}

/// True unless the configuration of node group `r` leaves `version` out. Without it the
/// planned value is the prior one (the attribute is computed), which would read as a group
/// pinned where it stands; such a group follows the control plane instead.
fn sets_version(config: &crate::config::Config, r: &ResourceChange) -> bool {
    module_of(config, r)
        .and_then(|m| m.module.resources.get(&r.addr.resource))
        .is_none_or(|rb| rb.body.body.get_attribute("version").is_some())
}

/// The objects of the YAML files that the `kubernetes_manifests` blocks of the cluster's
/// module name for it, paths relative to that module's directory.
fn manifest_files(config: &crate::config::Config, c: &ResourceChange) -> ManifestFiles {
    let mut out = ManifestFiles::default();
    let Some(module) = module_of(config, c) else {
        return out;
    };
    for km in module
        .module
        .kubernetes_manifests
        .values()
        .filter(|k| k.cluster.resource == c.addr.resource)
    {
        let paths: Vec<String> = km.paths.iter().map(|p| p.path.clone()).collect();
        let files = manifest_files::read(&module.module.dir, &paths);
        out.objects.extend(files.objects);
        out.errors.extend(files.errors);
    }
    out
}

/// A known string attribute.
fn text(v: &Option<Value>, name: &str) -> Option<String> {
    v.as_ref()?
        .get_attr(name)
        .and_then(|x| x.unmarked().as_str().map(str::to_string))
}

/// A known whole number inside the first element of nested blocks (`scaling_config.desired_size`).
fn number(v: &Option<Value>, path: &[&str]) -> Option<u32> {
    let mut cur = v.as_ref()?.clone();
    for step in path {
        cur = match cur.unmarked() {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
                xs.first()?.get_attr(step)?.clone()
            }
            other => other.get_attr(step)?.clone(),
        };
    }
    match cur.unmarked() {
        Value::Number(n) if *n >= 0.0 => Some(*n as u32),
        _ => None,
    }
}

/// The Aurora, MSK or ElastiCache upgrade of change `c`, if its version changes.
fn engine_upgrade(plan: &Plan, c: &ResourceChange, today: NaiveDate) -> Option<Upgrade> {
    let address = c.addr.to_string();
    let changed = |attr: &str| -> Option<(String, String)> {
        let (a, b) = (text(&c.before, attr)?, text(&c.after, attr)?);
        (a != b).then_some((a, b))
    };
    match c.addr.resource.type_name.as_str() {
        "aws_rds_cluster" => {
            let (from, to) = changed("engine_version")?;
            let engine = text(&c.after, "engine")?;
            let allow = c
                .after
                .as_ref()
                .and_then(|a| a.get_attr("allow_major_version_upgrade"))
                .and_then(|v| v.unmarked().as_bool())
                .unwrap_or(false);
            let group = text(&c.after, "db_cluster_parameter_group_name")
                .filter(|g| !g.starts_with("default."));
            let family = group.and_then(|g| {
                plan.changes
                    .iter()
                    .filter(|r| r.addr.resource.type_name == "aws_rds_cluster_parameter_group")
                    .find(|r| text(&r.after, "name").as_deref() == Some(g.as_str()))
                    .and_then(|r| text(&r.after, "family"))
            });
            Some(engines::aurora(
                &address,
                &engine,
                &from,
                &to,
                allow,
                family.as_deref(),
                today,
            ))
        }
        "aws_msk_cluster" => {
            let (from, to) = changed("kafka_version")?;
            let brokers = number(&c.after, &["number_of_broker_nodes"]).unwrap_or(1);
            Some(engines::msk(&address, &from, &to, brokers, today))
        }
        "aws_elasticache_replication_group" => {
            let engine = |v: &Option<Value>| {
                text(v, "engine")
                    .as_deref()
                    .and_then(CacheEngine::parse)
                    .or(Some(CacheEngine::Redis))
            };
            let (fe, te) = (engine(&c.before)?, engine(&c.after)?);
            let (from, to) = (
                text(&c.before, "engine_version")?,
                text(&c.after, "engine_version")?,
            );
            if (fe, from.as_str()) == (te, to.as_str()) {
                return None;
            }
            let nodes = number(&c.after, &["num_cache_clusters"]).unwrap_or(1);
            Some(engines::elasticache(
                &address,
                (fe, &from),
                (te, &to),
                nodes,
            ))
        }
        _ => None,
    }
}

/// Known strings of a list attribute, through the first element of nested blocks
/// (`vpc_config.subnet_ids`).
fn strings(v: &Option<Value>, path: &[&str]) -> Vec<String> {
    let Some(mut cur) = v.clone() else {
        return Vec::new();
    };
    for step in path {
        let next = match cur.unmarked() {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
                xs.first().and_then(|x| x.get_attr(step)).cloned()
            }
            other => other.get_attr(step).cloned(),
        };
        match next {
            Some(n) => cur = n,
            None => return Vec::new(),
        }
    }
    match cur.unmarked() {
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs
            .iter()
            .filter_map(|x| x.unmarked().as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Free addresses in the subnets with these ids, from what the plan knows of them
/// (`available_ip_address_count` before the change); `None` when any is unknown.
fn free_addresses(plan: &Plan, subnet_ids: &[String]) -> Option<u32> {
    if subnet_ids.is_empty() {
        return None;
    }
    let mut total = 0;
    for id in subnet_ids {
        let subnet = plan.changes.iter().find(|r| {
            r.addr.resource.type_name == "aws_subnet"
                && text(&r.before, "id").as_deref() == Some(id.as_str())
        })?;
        total += number(&subnet.before, &["available_ip_address_count"])?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;
    use crate::plan::Plan;
    use crate::upgrade::steps::{check, Outcome};

    const MAIN: &str = r#"
resource "aws_eks_cluster" "main" {
  name    = "accounts"
  version = "1.26"
}

resource "aws_eks_cluster" "other" {
  name    = "other"
  version = "1.26"
}

kubernetes_manifests "app" {
  cluster = aws_eks_cluster.main
  paths   = ["k8s/", "missing/"]
}
"#;

    /// The update of cluster `name` from 1.24 to 1.26.
    fn update(name: &str) -> ResourceChange {
        let version = |v: &str| {
            Some(Value::object([
                ("name", Value::string(name)),
                ("version", Value::string(v)),
            ]))
        };
        ResourceChange {
            addr: format!("aws_eks_cluster.{name}").parse().unwrap(),
            action: Action::Update,
            provider: "provider[\"aws\"]".into(),
            before: version("1.24"),
            after: version("1.26"),
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: None,
            importing: None,
            deposed: None,
        }
    }

    #[test]
    fn a_node_group_without_version_follows_the_control_plane() {
        let dir = tempfile::tempdir().unwrap();
        let main = r#"
resource "aws_eks_cluster" "main" {
  name    = "accounts"
  version = "1.26"
}

resource "aws_eks_node_group" "follows" {
  cluster_name = aws_eks_cluster.main.name
}

resource "aws_eks_node_group" "pinned" {
  cluster_name = aws_eks_cluster.main.name
  version      = "1.24"
}
"#;
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        let sources = SourceMap::new();
        let (config, diags) = crate::config::load_config(dir.path(), &sources);
        assert!(!diags.has_errors(), "{}", diags.render(&sources));
        // Both groups keep their prior version in the plan: it is a computed attribute.
        let group = |name: &str| {
            let v = Value::object([
                ("cluster_name", Value::string("main")),
                ("version", Value::string("1.24")),
            ]);
            ResourceChange {
                addr: format!("aws_eks_node_group.{name}").parse().unwrap(),
                action: Action::NoOp,
                before: Some(v.clone()),
                after: Some(v),
                ..update("main")
            }
        };
        let plan = Plan {
            changes: vec![update("main"), group("follows"), group("pinned")],
            ..Plan::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let up = &upgrades(&plan, &config, &[], today)[0];
        let rolled: Vec<(&str, Option<&str>)> = up
            .steps
            .iter()
            .filter(|s| s.action == "node_group")
            .map(|s| (s.address.as_str(), s.target.as_deref()))
            .collect();
        assert_eq!(
            rolled,
            [
                ("aws_eks_node_group.follows", Some("1.25")),
                ("aws_eks_node_group.follows", Some("1.26")),
            ]
        );
        let skew = up
            .checks
            .iter()
            .find(|c| c.name == check::VERSION_SKEW)
            .unwrap();
        assert_eq!(skew.status, Outcome::Fail, "{}", skew.message);
        assert!(
            skew.message
                .contains("aws_eks_node_group.pinned stays at 1.24"),
            "{}",
            skew.message
        );
        assert!(!skew.message.contains("follows"), "{}", skew.message);
    }

    #[test]
    fn yaml_files_named_for_a_cluster_feed_its_removed_apis_check() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
        std::fs::create_dir_all(dir.path().join("k8s")).unwrap();
        std::fs::write(
            dir.path().join("k8s/app.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\n---\n# the nightly job\napiVersion: batch/v1beta1\nkind: CronJob\n",
        )
        .unwrap();
        let sources = SourceMap::new();
        let (config, diags) = crate::config::load_config(dir.path(), &sources);
        assert!(!diags.has_errors(), "{}", diags.render(&sources));
        let plan = Plan {
            changes: vec![update("main"), update("other")],
            ..Plan::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let ups = upgrades(&plan, &config, &[], today);
        let removed = |address: &str| {
            ups.iter()
                .find(|u| u.address == address)
                .and_then(|u| u.checks.iter().find(|c| c.name == check::REMOVED_APIS))
                .cloned()
                .unwrap()
        };
        let main = removed("aws_eks_cluster.main");
        assert_eq!(main.status, Outcome::Fail);
        assert!(
            main.message.contains(
                "k8s/app.yaml:5 uses batch/v1beta1 CronJob, which Kubernetes 1.25 no longer serves (removed in 1.25); use batch/v1"
            ),
            "{}",
            main.message
        );
        assert!(!main.message.contains("Deployment"), "{}", main.message);
        assert!(
            main.message.contains("cannot read ") && main.message.contains("missing"),
            "{}",
            main.message
        );
        // The block names only `main`: the other cluster's check does not read the files.
        assert_eq!(removed("aws_eks_cluster.other").status, Outcome::Pass);
    }
}
