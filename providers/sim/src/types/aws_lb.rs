//! `aws_lb`: an application, network or gateway load balancer: a DNS name that records point at.
//!
//! Whether the name can serve is [`ready_targets`]: the healthy targets of the target
//! groups its listeners forward to (see `aws_lb_target_group`).

use std::collections::{BTreeMap, BTreeSet};

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_lb_target_group::healthy_targets;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "aws_lb";

/// The `aws_lb` type; its id is its ARN.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::lb();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("internal", Value::Bool(false))
        .default("load_balancer_type", Value::string("application"))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["subnets"],
            target: "aws_subnet",
            not_found_code: Some("SubnetNotFound"),
            blocks_delete: Some("DependencyViolation"),
        })
        .reference(Reference {
            path: &["security_groups"],
            target: "aws_security_group",
            not_found_code: Some("SecurityGroupNotFound"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(name_is_valid)
        .rule(type_is_known)
        .rule(subnets_fit_the_type)
        .rule(name_is_free)
        .on_create(fill_computed)
}

fn validation(m: String) -> ProviderError {
    api_error("ValidationError", m)
}

/// Load balancer and target group names: 1–32 alphanumerics and hyphens, no hyphen at
/// either end (and, for load balancers, not starting with `internal-`).
pub fn check_elb_name(name: &str, what: &str) -> Result<(), ProviderError> {
    let ok = (1..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "{what} name '{name}' must have 1-32 alphanumeric characters or hyphens and must not begin or end with a hyphen"
        )))
    }
}

fn name_is_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    check_elb_name(name, "Load balancer")?;
    if name.starts_with("internal-") {
        return Err(validation(format!(
            "Load balancer name '{name}' cannot begin with 'internal-'"
        )));
    }
    Ok(())
}

fn lb_type(obj: &Value) -> &str {
    str_attr(obj, "load_balancer_type").unwrap_or("application")
}

fn type_is_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let t = lb_type(ctx.obj);
    if attr(ctx.obj, "load_balancer_type").is_unknown() {
        return Ok(());
    }
    if !["application", "network", "gateway"].contains(&t) {
        return Err(validation(format!(
            "Load balancer type '{t}' must be one of application, network, gateway"
        )));
    }
    let has_sgs = attr(ctx.obj, "security_groups")
        .as_seq()
        .is_some_and(|s| !s.is_empty());
    if t == "gateway" && has_sgs {
        return Err(validation(
            "Security groups are not supported for load balancers with type 'gateway'".into(),
        ));
    }
    Ok(())
}

fn subnet_ids(obj: &Value) -> Vec<&str> {
    attr(obj, "subnets")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// An application load balancer spans at least two zones; every subnet lies in one VPC
/// and no two in the same zone.
fn subnets_fit_the_type(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let subnets = attr(ctx.obj, "subnets");
    if subnets.contains_unknown() {
        return Ok(());
    }
    let ids = subnet_ids(ctx.obj);
    if ids.is_empty() {
        return Err(validation(
            "A load balancer needs at least one subnet (subnets or subnet_mapping)".into(),
        ));
    }
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let mut zones = BTreeSet::new();
    let mut vpcs = BTreeSet::new();
    for id in &ids {
        let Some(s) = ctx.world.get("aws_subnet", id) else {
            continue;
        };
        let zone = str_attr(s, "availability_zone").unwrap_or_default();
        if !zones.insert(zone.to_string()) {
            return Err(api_error(
                "InvalidConfigurationRequest",
                format!("A load balancer cannot be attached to multiple subnets in the same Availability Zone ({zone})"),
            ));
        }
        vpcs.insert(str_attr(s, "vpc_id").unwrap_or_default().to_string());
    }
    if vpcs.len() > 1 {
        return Err(api_error(
            "InvalidConfigurationRequest",
            "All subnets of a load balancer must belong to the same VPC".to_string(),
        ));
    }
    if lb_type(ctx.obj) == "application" && zones.len() < 2 {
        return Err(validation(
            "At least two subnets in two different Availability Zones must be specified".into(),
        ));
    }
    Ok(())
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    if ctx.creates_duplicate(TYPE, "name", name) {
        return Err(api_error(
            "DuplicateLoadBalancerName",
            format!("A load balancer with the name '{name}' already exists"),
        ));
    }
    Ok(())
}

/// The canonical hosted zone of load balancers in a region (what alias records name).
fn canonical_zone(region: &str, network: bool) -> String {
    let known = match (region, network) {
        ("us-east-1", false) => "Z35SXDOTRQ7X7K",
        ("us-east-2", false) => "Z3AADJGX6KTTL2",
        ("us-west-2", false) => "Z1H1FL5HABSF5",
        ("eu-west-1", false) => "Z32O12XQLNTSW2",
        ("eu-west-2", false) => "ZHURV8PSTC4K8",
        ("eu-central-1", false) => "Z215JYRZR1TBD5",
        ("us-east-1", true) => "Z26RNL4JYFTOTI",
        ("us-east-2", true) => "ZLMOA37VPKANP",
        ("us-west-2", true) => "Z18D5FSROUN65G",
        ("eu-west-1", true) => "Z2IFOLAFXWLO4F",
        ("eu-west-2", true) => "ZD4D7Y8KGAS4G",
        ("eu-central-1", true) => "Z3F0SRJ5LGBH90",
        _ => "",
    };
    if known.is_empty() {
        let hex = uuid_for(&format!("elb-zone:{region}:{network}"))
            .simple()
            .to_string();
        format!("Z{}", hex[..13].to_uppercase())
    } else {
        known.to_string()
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let region = ctx.world.region().to_string();
    let t = lb_type(ctx.obj).to_string();
    let seed = uuid_for(&format!("{}/aws_lb/{name}", ctx.world.name())).as_u128();
    let hex = format!("{:016x}", seed as u64);
    let short = match t.as_str() {
        "network" => "net",
        "gateway" => "gwy",
        _ => "app",
    };
    let suffix = format!("{short}/{name}/{hex}");
    let lb_arn = arn(
        "elasticloadbalancing",
        &region,
        &format!("loadbalancer/{suffix}"),
    );
    let internal = if attr(ctx.obj, "internal").as_bool() == Some(true) {
        "internal-"
    } else {
        ""
    };
    let dns = if t == "application" {
        // Ten decimal digits, as ALB names have.
        let digits = (seed >> 64) as u64 % 9_000_000_000 + 1_000_000_000;
        format!("{internal}{name}-{digits}.{region}.elb.amazonaws.com")
    } else {
        format!("{internal}{name}-{hex}.elb.{region}.amazonaws.com")
    };
    let vpc = subnet_ids(ctx.obj)
        .first()
        .and_then(|id| ctx.world.get("aws_subnet", id))
        .and_then(|s| str_attr(s, "vpc_id"))
        .unwrap_or_default()
        .to_string();
    fill(ctx.obj, "arn", Value::string(&lb_arn));
    fill(ctx.obj, "arn_suffix", Value::string(suffix));
    fill(ctx.obj, "dns_name", Value::string(dns));
    fill(
        ctx.obj,
        "zone_id",
        Value::string(canonical_zone(&region, t == "network")),
    );
    fill(ctx.obj, "vpc_id", Value::string(vpc));
    fill(ctx.obj, "security_groups", Value::set(Vec::new()));
    set_attr(ctx.obj, "id", Value::string(lb_arn));
    Ok(())
}

/// A load balancer DNS name as aliases may write it (any case, trailing dot, the
/// `dualstack.` prefix), reduced to the name itself.
pub fn dns_key(dns_name: &str) -> String {
    let want = dns_name.trim_end_matches('.').to_ascii_lowercase();
    want.strip_prefix("dualstack.").unwrap_or(&want).to_string()
}

/// The load balancer whose DNS name is `dns_name` (any case, trailing dot allowed),
/// as (arn, object).
pub fn by_dns_name<'a>(world: &'a World, dns_name: &str) -> Option<(&'a str, &'a Value)> {
    let want = dns_key(dns_name);
    world
        .of_type(TYPE)
        .find(|(_, lb)| str_attr(lb, "dns_name").map(str::to_ascii_lowercase) == Some(want.clone()))
}

/// Every load balancer of `world` by [`dns_key`], with its healthy targets.
pub fn ready_by_dns_name(world: &World) -> BTreeMap<String, u64> {
    world
        .of_type(TYPE)
        .filter_map(|(arn, lb)| {
            Some((
                dns_key(str_attr(lb, "dns_name")?),
                ready_targets(world, arn),
            ))
        })
        .collect()
}

/// Healthy targets behind the load balancer `lb_arn`: those of the distinct target
/// groups its listeners forward to.
pub fn ready_targets(world: &World, lb_arn: &str) -> u64 {
    let groups: BTreeSet<&str> = world
        .of_type("aws_lb_listener")
        .filter(|(_, l)| str_attr(l, "load_balancer_arn") == Some(lb_arn))
        .flat_map(|(_, l)| {
            attr(l, "default_action")
                .as_seq()
                .unwrap_or(&[])
                .iter()
                .filter(|a| str_attr(a, "type") == Some("forward"))
                .filter_map(|a| str_attr(a, "target_group_arn"))
                .collect::<Vec<_>>()
        })
        .collect();
    groups.iter().map(|g| healthy_targets(world, g)).sum()
}
