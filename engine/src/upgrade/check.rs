//! `galley upgrade check`: every EKS cluster, node group and add-on, Aurora cluster, MSK
//! cluster and ElastiCache group of the configuration (and its modules), with its version
//! judged against the catalog's support calendar on a given day.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::scope::StaticScope;
use crate::addr::{InstanceKey, Mode};
use crate::catalog::{self, compare_versions, CacheEngine, Support};
use crate::config::{Config, ResourceBlock};
use crate::lang::Evaluator;
use crate::value::Value;
use crate::walk::nodes::{expand, instance_locals};

/// Standard support ending within this many days makes a version `upgrade_soon`.
pub const SOON_DAYS: i64 = 180;

/// Where a version stands on the day of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// In standard support for more than [`SOON_DAYS`] days.
    Ok,
    /// The version could not be read from the configuration without applying it (it
    /// depends on values known only after apply).
    Unknown,
    /// Standard support ends within [`SOON_DAYS`] days.
    UpgradeSoon,
    /// Past standard support, in (paid) extended support.
    ExtendedSupport,
    /// Past all support, or a version the service does not offer.
    Unsupported,
}

impl Status {
    /// The name used in output: `ok`, `upgrade_soon`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Unknown => "unknown",
            Status::UpgradeSoon => "upgrade_soon",
            Status::ExtendedSupport => "extended_support",
            Status::Unsupported => "unsupported",
        }
    }
}

/// One versioned resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// `module.eu.aws_eks_cluster.main`.
    pub address: String,
    /// `eks`, `eks_node_group`, `eks_addon`, `aurora-postgresql`, `aurora-mysql`, `msk`,
    /// `elasticache`.
    pub service: String,
    /// The configured version (`None` when unknown).
    pub version: Option<String>,
    /// The newest version available on the day (for an add-on: for its cluster's version).
    pub newest: Option<String>,
    /// End of standard support of the version, when announced.
    pub end_of_standard_support: Option<NaiveDate>,
    /// End of extended support, when there is one.
    pub end_of_extended_support: Option<NaiveDate>,
    /// Days until the support the version has now ends (negative: ended that long ago).
    pub days_left: Option<i64>,
    /// Where it stands.
    pub status: Status,
    /// Why, when the status alone does not say.
    pub note: Option<String>,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The day versions are judged on.
    pub as_of: NaiveDate,
    /// Every versioned instance, in address order.
    pub items: Vec<Item>,
}

/// Checks every versioned resource of `config`, whose root variables have `root_vars`.
pub fn check(config: &Config, root_vars: &BTreeMap<String, Value>, as_of: NaiveDate) -> Report {
    let mut items = Vec::new();
    let root_dir = config.module.dir.clone();
    visit(
        config,
        String::new(),
        root_vars.clone(),
        &root_dir,
        as_of,
        &mut items,
    );
    items.sort_by(|a, b| a.address.cmp(&b.address));
    Report { as_of, items }
}

fn visit(
    config: &Config,
    prefix: String,
    vars: BTreeMap<String, Value>,
    root_dir: &std::path::Path,
    as_of: NaiveDate,
    out: &mut Vec<Item>,
) {
    let scope = StaticScope::new(&config.module, vars, root_dir);
    let mut instances: Vec<(String, Value)> = Vec::new();
    for (r, block) in &config.module.resources {
        if r.mode != Mode::Managed || !TYPES.contains(&r.type_name.as_str()) {
            continue;
        }
        for (key, attrs) in instances_of(&scope, block) {
            instances.push((format!("{prefix}{r}{key}"), attrs));
        }
    }
    let clusters: Vec<(&str, &Value)> = instances
        .iter()
        .filter(|(a, _)| a.contains("aws_eks_cluster."))
        .map(|(a, v)| (a.as_str(), v))
        .collect();
    for (address, attrs) in &instances {
        let type_name = address
            .rsplit_once('.')
            .map(|(head, _)| head.rsplit('.').next().unwrap_or(head))
            .unwrap_or_default();
        if let Some(item) = item_for(type_name, address, attrs, &clusters, as_of) {
            out.push(item);
        }
    }
    for (name, call) in &config.module.module_calls {
        let Some(child) = config.children.get(name) else {
            continue;
        };
        let entries = match expand(
            call.count.as_ref(),
            call.for_each.as_ref(),
            &scope,
            Vec::new(),
        ) {
            Ok((_, entries)) => entries,
            Err(_) => vec![(InstanceKey::None, None)],
        };
        for (key, each_value) in entries {
            let locals = instance_locals(&key, &each_value.unwrap_or(Value::Unknown));
            let mut inputs = BTreeMap::new();
            for (var, expr) in &call.inputs {
                let mut ev = Evaluator::new(&scope, expr.file);
                for (n, v) in &locals {
                    ev.bind(n, v.clone());
                }
                inputs.insert(var.clone(), ev.eval(&expr.expr).unwrap_or(Value::Unknown));
            }
            visit(
                child,
                format!("{prefix}module.{name}{key}."),
                inputs,
                root_dir,
                as_of,
                out,
            );
        }
    }
}

/// The resource types with a version to check.
const TYPES: &[&str] = &[
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_eks_addon",
    "aws_rds_cluster",
    "aws_msk_cluster",
    "aws_elasticache_replication_group",
];

/// Each instance of a resource block (its key as printed) with its configured attributes.
fn instances_of(scope: &StaticScope, block: &ResourceBlock) -> Vec<(String, Value)> {
    if block.count.is_none() && block.for_each.is_none() {
        return vec![(String::new(), scope.attributes(block))];
    }
    match expand(
        block.count.as_ref(),
        block.for_each.as_ref(),
        scope,
        Vec::new(),
    ) {
        Ok((_, entries)) => entries
            .into_iter()
            .map(|(key, each_value)| {
                let mut ev = Evaluator::new(scope, block.body.file);
                for (n, v) in instance_locals(&key, &each_value.unwrap_or(Value::Unknown)) {
                    ev.bind(&n, v);
                }
                let attrs = ev
                    .decode_body(&block.body.body, None, block.span)
                    .unwrap_or(Value::Unknown);
                (key.to_string(), attrs)
            })
            .collect(),
        // The instances themselves are not known before apply.
        Err(_) => vec![("[*]".to_string(), Value::Unknown)],
    }
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|x| x.unmarked().as_str().map(str::to_string))
}

fn item_for(
    type_name: &str,
    address: &str,
    attrs: &Value,
    clusters: &[(&str, &Value)],
    as_of: NaiveDate,
) -> Option<Item> {
    let cluster_version = |attrs: &Value| -> Option<String> {
        let name = text(attrs, "cluster_name")?;
        clusters
            .iter()
            .find(|(_, c)| text(c, "name").as_deref() == Some(name.as_str()))
            .and_then(|(_, c)| text(c, "version"))
    };
    Some(match type_name {
        "aws_eks_cluster" => eks_item(address, "eks", text(attrs, "version"), None, as_of),
        "aws_eks_node_group" => match text(attrs, "version") {
            Some(v) => eks_item(address, "eks_node_group", Some(v), None, as_of),
            None => eks_item(
                address,
                "eks_node_group",
                cluster_version(attrs),
                Some("no version set: follows its cluster's".into()),
                as_of,
            ),
        },
        "aws_eks_addon" => addon_item(
            address,
            text(attrs, "addon_name"),
            text(attrs, "addon_version"),
            cluster_version(attrs),
            as_of,
        ),
        "aws_rds_cluster" => aurora_item(
            address,
            text(attrs, "engine").unwrap_or_else(|| "aurora-mysql".into()),
            text(attrs, "engine_version"),
            as_of,
        ),
        "aws_msk_cluster" => msk_item(address, text(attrs, "kafka_version"), as_of),
        "aws_elasticache_replication_group" => elasticache_item(
            address,
            text(attrs, "engine").unwrap_or_else(|| "redis".into()),
            text(attrs, "engine_version"),
        ),
        _ => return None,
    })
}

/// An item whose version is not known, or not known to the service.
fn without_dates(
    address: &str,
    service: &str,
    version: Option<String>,
    newest: Option<String>,
    note: String,
) -> Item {
    Item {
        address: address.to_string(),
        service: service.to_string(),
        status: if version.is_some() {
            Status::Unsupported
        } else {
            Status::Unknown
        },
        version,
        newest,
        end_of_standard_support: None,
        end_of_extended_support: None,
        days_left: None,
        note: Some(note),
    }
}

/// Status and days left from the two end dates.
fn judge(
    standard: Option<NaiveDate>,
    extended: Option<NaiveDate>,
    as_of: NaiveDate,
) -> (Status, Option<i64>) {
    let days = |d: NaiveDate| (d - as_of).num_days();
    match (standard, extended) {
        (None, _) => (Status::Ok, None),
        (Some(s), _) if as_of <= s => {
            let left = days(s);
            (
                if left <= SOON_DAYS {
                    Status::UpgradeSoon
                } else {
                    Status::Ok
                },
                Some(left),
            )
        }
        (Some(_), Some(e)) if as_of <= e => (Status::ExtendedSupport, Some(days(e))),
        (Some(s), e) => (Status::Unsupported, Some(days(e.unwrap_or(s)))),
    }
}

fn eks_item(
    address: &str,
    service: &str,
    version: Option<String>,
    note: Option<String>,
    as_of: NaiveDate,
) -> Item {
    let cat = catalog::eks();
    let newest = cat
        .versions
        .iter()
        .filter(|v| v.support_on(as_of) != Support::NotReleased)
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .map(|v| v.version.clone());
    let Some(v) = version else {
        return without_dates(
            address,
            service,
            None,
            newest,
            "the version depends on values known only after apply".into(),
        );
    };
    let Some(entry) = cat.version(&v) else {
        return without_dates(
            address,
            service,
            Some(v.clone()),
            newest,
            format!("EKS does not offer Kubernetes {v}"),
        );
    };
    let (status, days_left) = judge(entry.end_of_standard, entry.end_of_extended, as_of);
    Item {
        address: address.to_string(),
        service: service.to_string(),
        version: Some(v),
        newest,
        end_of_standard_support: entry.end_of_standard,
        end_of_extended_support: entry.end_of_extended,
        days_left,
        status,
        note,
    }
}

fn addon_item(
    address: &str,
    name: Option<String>,
    version: Option<String>,
    kubernetes: Option<String>,
    as_of: NaiveDate,
) -> Item {
    let addon = name.as_deref().and_then(|n| catalog::eks().addon(n));
    let newest = match (addon, kubernetes.as_deref()) {
        (Some(a), Some(k)) => a.for_kubernetes(k).and_then(|l| l.latest.clone()),
        _ => None,
    };
    // An add-on lives on its cluster's Kubernetes version: it has that version's calendar.
    let mut item = eks_item(address, "eks_addon", kubernetes.clone(), None, as_of);
    item.version = version.clone();
    item.newest = newest;
    match (addon, version, kubernetes) {
        (Some(a), Some(v), Some(k)) if !a.is_compatible(&v, &k) => {
            item.status = Status::Unsupported;
            item.note = Some(format!("{v} is not compatible with Kubernetes {k}"));
        }
        (_, None, _) => item.note = Some("no version set: EKS installs its default".into()),
        (None, _, _) => item.note = Some("not an add-on the catalog knows".into()),
        _ => {}
    }
    item
}

/// The major of an Aurora version: `15` for `15.4`, `3` for `8.0.mysql_aurora.3.05.2`.
fn aurora_major(version: &str) -> String {
    match version.split_once(".mysql_aurora.") {
        Some((_, rest)) => rest.split('.').next().unwrap_or(rest).to_string(),
        None => version.split('.').next().unwrap_or(version).to_string(),
    }
}

fn aurora_item(address: &str, engine: String, version: Option<String>, as_of: NaiveDate) -> Item {
    let Some(cat) = catalog::aurora(&engine) else {
        return without_dates(
            address,
            &engine,
            version,
            None,
            format!("engine {engine} is not Aurora"),
        );
    };
    let newest = cat
        .versions
        .iter()
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .map(|v| v.version.clone());
    let Some(v) = version else {
        return without_dates(
            address,
            &engine,
            None,
            newest,
            "the version depends on values known only after apply".into(),
        );
    };
    let major = cat
        .major_of(&v)
        .or_else(|| cat.majors.iter().find(|m| m.major == aurora_major(&v)));
    let Some(major) = major else {
        return without_dates(
            address,
            &engine,
            Some(v.clone()),
            newest,
            format!("{engine} has no major version for {v}"),
        );
    };
    let (status, days_left) = judge(major.end_of_standard, major.end_of_extended, as_of);
    Item {
        address: address.to_string(),
        service: engine,
        version: Some(v),
        newest,
        end_of_standard_support: major.end_of_standard,
        end_of_extended_support: major.end_of_extended,
        days_left,
        status,
        note: None,
    }
}

fn msk_item(address: &str, version: Option<String>, as_of: NaiveDate) -> Item {
    let cat = catalog::msk();
    let newest = cat
        .versions
        .iter()
        .filter(|v| v.supported_on(as_of))
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .map(|v| v.version.clone());
    let Some(v) = version else {
        return without_dates(
            address,
            "msk",
            None,
            newest,
            "the version depends on values known only after apply".into(),
        );
    };
    let Some(entry) = cat.version(&v) else {
        return without_dates(
            address,
            "msk",
            Some(v.clone()),
            newest,
            format!("MSK does not offer Kafka {v}"),
        );
    };
    let (status, days_left) = judge(entry.end_of_support, None, as_of);
    Item {
        address: address.to_string(),
        service: "msk".into(),
        version: Some(v),
        newest,
        end_of_standard_support: entry.end_of_support,
        end_of_extended_support: None,
        days_left,
        status,
        note: None,
    }
}

fn elasticache_item(address: &str, engine: String, version: Option<String>) -> Item {
    let cat = catalog::elasticache();
    let Some(parsed) = CacheEngine::parse(&engine) else {
        return without_dates(
            address,
            "elasticache",
            version,
            None,
            format!("unknown engine {engine}"),
        );
    };
    let Some(v) = version else {
        return without_dates(
            address,
            "elasticache",
            None,
            None,
            "the version depends on values known only after apply".into(),
        );
    };
    let Some(entry) = cat.version(parsed, &v) else {
        return without_dates(
            address,
            "elasticache",
            Some(v.clone()),
            None,
            format!("ElastiCache does not offer {engine} {v}"),
        );
    };
    let newest = entry
        .upgrade_targets
        .iter()
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .map(|t| match t.engine == parsed {
            true => t.version.clone(),
            false => format!("{} {}", t.engine.as_str(), t.version),
        })
        .or_else(|| Some(v.clone()));
    Item {
        address: address.to_string(),
        service: "elasticache".into(),
        version: Some(format!("{engine} {v}")),
        newest,
        end_of_standard_support: None,
        end_of_extended_support: None,
        days_left: None,
        status: Status::Ok,
        note: None,
    }
}

impl Report {
    /// The worst status of any item (`Ok` when there are none).
    pub fn worst(&self) -> Status {
        self.items
            .iter()
            .map(|i| i.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// The `--json` document: `{"as_of", "items": [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|i| {
                let mut o = serde_json::json!({
                    "address": i.address,
                    "service": i.service,
                    "version": i.version,
                    "newest": i.newest,
                    "end_of_standard_support": date(i.end_of_standard_support),
                    "end_of_extended_support": date(i.end_of_extended_support),
                    "days_left": i.days_left,
                    "status": i.status.as_str(),
                });
                if let Some(n) = &i.note {
                    o["note"] = n.clone().into();
                }
                o
            })
            .collect();
        serde_json::json!({"as_of": self.as_of.to_string(), "items": items})
    }

    /// A table for people.
    pub fn render(&self) -> String {
        let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
        let rows: Vec<[String; 7]> = self
            .items
            .iter()
            .map(|i| {
                [
                    i.address.clone(),
                    dash(i.version.clone()),
                    dash(i.newest.clone()),
                    dash(i.end_of_standard_support.map(|d| d.to_string())),
                    dash(i.end_of_extended_support.map(|d| d.to_string())),
                    dash(i.days_left.map(|d| d.to_string())),
                    match &i.note {
                        Some(n) => format!("{} ({n})", i.status.as_str()),
                        None => i.status.as_str().to_string(),
                    },
                ]
            })
            .collect();
        let header = [
            "ADDRESS",
            "VERSION",
            "NEWEST",
            "STANDARD ENDS",
            "EXTENDED ENDS",
            "DAYS LEFT",
            "STATUS",
        ];
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = format!("Versions as of {}:\n\n", self.as_of);
        let line = |cells: &[String]| -> String {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    l.push_str(c);
                } else {
                    l.push_str(&format!("{c:<w$}  ", w = widths[i]));
                }
            }
            l.trim_end().to_string() + "\n"
        };
        out.push_str(&line(&header.map(str::to_string)));
        for r in &rows {
            out.push_str(&line(r));
        }
        if self.items.is_empty() {
            out.push_str("(no EKS, Aurora, MSK or ElastiCache resources in the configuration)\n");
        }
        out
    }
}
