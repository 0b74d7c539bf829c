//! Finds the version upgrades in a plan: each EKS cluster whose `version` changes, with
//! the node groups and add-ons that name it and the manifests applied to it (those of its
//! side: through a provider configured from it) or named in its `kubernetes_manifests`
//! blocks, in place or blue/green as its `blue_green` block says; each Aurora, MSK and
//! ElastiCache version change (Aurora major versions blue/green when its
//! `blue_green_update` block is enabled).

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
            clusters_in_region: plan
                .changes
                .iter()
                .filter(|r| {
                    r.addr.resource.type_name == "aws_eks_cluster"
                        && r.provider == c.provider
                        && r.deposed.is_none()
                        && r.action != Action::Delete
                })
                .count() as u32,
        };
        let bg = layouts
            .iter()
            .find(|l| c.addr.module == l.module && l.bg.cluster.resource == c.addr.resource);
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
                parameter_group(plan, &g)
                    .and_then(|r| string_attr(r, "family"))
                    .map(str::to_string)
            });
            let blue_green = blue_green_update(&c.after).map(|switchover_timeout| {
                let blue = text(&c.before, "db_cluster_parameter_group_name");
                let logical_replication = match blue.as_deref() {
                    Some(g) if g.starts_with("default.") => Some(false),
                    // As the cluster runs now: the parameter takes effect only after a
                    // reboot, and this apply's change to the group has no ordering
                    // against the upgrade.
                    Some(g) => parameter_group_now(plan, g).map(|r| {
                        parameter(r, engines::LOGICAL_REPLICATION_PARAMETER).as_deref() == Some("1")
                    }),
                    None => None,
                };
                engines::AuroraBlueGreen {
                    switchover_timeout,
                    parameter_group: blue,
                    logical_replication,
                }
            });
            Some(engines::aurora_upgrade(
                &engines::Aurora {
                    address: &address,
                    engine: &engine,
                    from: &from,
                    to: &to,
                    allow_major: allow,
                    parameter_group_family: family.as_deref(),
                    blue_green,
                },
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

/// The cluster parameter group named `name`, as this apply leaves it (else as it was).
fn parameter_group<'a>(plan: &'a Plan, name: &str) -> Option<&'a Value> {
    group_named(plan, name, |r| [&r.after, &r.before])
}

/// The cluster parameter group named `name` as it is before this apply (else as it will
/// be, when this apply creates it).
fn parameter_group_now<'a>(plan: &'a Plan, name: &str) -> Option<&'a Value> {
    group_named(plan, name, |r| [&r.before, &r.after])
}

fn group_named<'a>(
    plan: &'a Plan,
    name: &str,
    order: impl Fn(&'a ResourceChange) -> [&'a Option<Value>; 2],
) -> Option<&'a Value> {
    plan.changes
        .iter()
        .filter(|r| r.addr.resource.type_name == "aws_rds_cluster_parameter_group")
        .filter(|r| r.deposed.is_none())
        .find_map(|r| {
            order(r)
                .into_iter()
                .flatten()
                .find(|v| string_attr(v, "name") == Some(name))
        })
}

/// The value of parameter `name` in a parameter group's `parameter` blocks.
fn parameter(group: &Value, name: &str) -> Option<String> {
    let params = group.get_attr("parameter")?;
    let (Value::Set(xs) | Value::List(xs) | Value::Tuple(xs)) = params.unmarked() else {
        return None;
    };
    xs.iter()
        .find(|p| string_attr(p, "name") == Some(name))
        .and_then(|p| string_attr(p, "value"))
        .map(str::to_string)
}

/// A known string attribute of an object.
fn string_attr<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name).and_then(|x| x.unmarked().as_str())
}

/// The switchover timeout of an enabled `blue_green_update` block (`aws_rds_cluster`),
/// in seconds; `None` without one.
fn blue_green_update(after: &Option<Value>) -> Option<u32> {
    let block = after.as_ref()?.get_attr("blue_green_update")?;
    let first = match block.unmarked() {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.first()?.clone(),
        Value::Object(_) => block.clone(),
        _ => return None,
    };
    if first.get_attr("enabled")?.unmarked().as_bool() != Some(true) {
        return None;
    }
    let timeout = match first.get_attr("switchover_timeout").map(Value::unmarked) {
        Some(Value::Number(n)) if *n >= 0.0 => *n as u32,
        _ => engines::DEFAULT_SWITCHOVER_TIMEOUT,
    };
    Some(timeout)
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
    use crate::upgrade::engines::{self, action};
    use crate::upgrade::steps::{check, Outcome};

    fn change(addr: &str, action: Action, before: Value, after: Value) -> ResourceChange {
        ResourceChange {
            addr: addr.parse().unwrap(),
            action,
            provider: "provider[\"aws\"]".into(),
            before: Some(before),
            after: Some(after),
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: None,
            importing: None,
            deposed: None,
        }
    }

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
        let version =
            |v: &str| Value::object([("name", Value::string(name)), ("version", Value::string(v))]);
        change(
            &format!("aws_eks_cluster.{name}"),
            Action::Update,
            version("1.24"),
            version("1.26"),
        )
    }

    fn cluster(version: &str, group: &str, block: Value) -> Value {
        Value::object([
            ("engine", Value::string("aurora-postgresql")),
            ("engine_version", Value::string(version)),
            ("allow_major_version_upgrade", Value::Bool(true)),
            ("db_cluster_parameter_group_name", Value::string(group)),
            ("blue_green_update", block),
        ])
    }

    fn group(name: &str, family: &str, params: &[(&str, &str)]) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("family", Value::string(family)),
            (
                "parameter",
                Value::set(
                    params
                        .iter()
                        .map(|(n, v)| {
                            Value::object([
                                ("name", Value::string(*n)),
                                ("value", Value::string(*v)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }

    /// The upgrade of a cluster moving from 15.10 on `orders-pg15` (with `params`) to 16.8
    /// on `orders-pg16`, with `block` as its `blue_green_update`.
    fn upgrade_of(block: Value, params: &[(&str, &str)]) -> Upgrade {
        let pg15 = group("orders-pg15", "aurora-postgresql15", params);
        let pg16 = group("orders-pg16", "aurora-postgresql16", &[]);
        let plan = Plan {
            changes: vec![
                change(
                    "aws_rds_cluster.orders",
                    Action::Update,
                    cluster("15.10", "orders-pg15", block.clone()),
                    cluster("16.8", "orders-pg16", block),
                ),
                change(
                    "aws_rds_cluster_parameter_group.pg15",
                    Action::NoOp,
                    pg15.clone(),
                    pg15,
                ),
                change(
                    "aws_rds_cluster_parameter_group.pg16",
                    Action::NoOp,
                    pg16.clone(),
                    pg16,
                ),
            ],
            ..Plan::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let mut ups = upgrades(&plan, &crate::config::Config::default(), &[], today);
        assert_eq!(ups.len(), 1);
        ups.remove(0)
    }

    fn block(enabled: bool, timeout: Option<f64>) -> Value {
        Value::List(vec![Value::object([
            ("enabled", Value::Bool(enabled)),
            (
                "switchover_timeout",
                timeout.map(Value::Number).unwrap_or_default(),
            ),
        ])])
    }

    #[test]
    fn an_enabled_blue_green_update_block_makes_the_major_version_a_deployment() {
        let logical = [("rds.logical_replication", "1")];
        let up = upgrade_of(block(true, Some(900.0)), &logical);
        let actions: Vec<_> = up.steps.iter().map(|s| s.action).collect();
        assert_eq!(
            actions,
            [
                action::BLUE_GREEN_DEPLOYMENT,
                action::SWITCHOVER,
                action::DELETE_BLUE
            ]
        );
        assert!(up.steps[1].description.contains("900 s"));
        assert_eq!(up.failures().count(), 0, "{:?}", up.checks);
        // The blue group is the one before the change, read with its parameters.
        let up = upgrade_of(block(true, None), &[("rds.logical_replication", "0")]);
        let failed: Vec<_> = up.failures().map(|c| c.name).collect();
        assert_eq!(failed, [engines::check::LOGICAL_REPLICATION]);
        assert!(up.steps[1].description.contains("300 s"), "the default");
        // A disabled block or none: in place.
        for b in [block(false, None), Value::List(Vec::new())] {
            let up = upgrade_of(b, &logical);
            assert_eq!(up.strategy, "in_place");
            assert_eq!(up.steps[0].action, action::ENGINE_MAJOR);
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
