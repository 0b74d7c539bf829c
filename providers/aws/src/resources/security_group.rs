//! `aws_security_group` on EC2: the group, then its rules as `ingress`/`egress` blocks
//! authorized and revoked by difference. AWS's default allow-all egress rule is removed
//! on create, as Terraform does, so the group holds exactly the configured rules.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, UserIdGroupPair,
};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::{ec2_tags, Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{flag, opt_string, strings, text, with_tags};

/// The `aws_security_group` type.
pub struct SecurityGroup;

/// One permission in its smallest form: protocol, ports and a single source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    protocol: String,
    from: i32,
    to: i32,
    source: Source,
    description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
}

#[async_trait]
impl Resource for SecurityGroup {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let ec2 = &cx.clients.ec2;
        let name = text(planned, "name")
            .map(str::to_string)
            .unwrap_or_else(unique_name);
        let out = ec2
            .create_security_group()
            .group_name(&name)
            .description(text(planned, "description").unwrap_or("Managed by galley"))
            .set_vpc_id(text(planned, "vpc_id").map(str::to_string))
            .set_tag_specifications(
                ec2_tags::specification(ResourceType::SecurityGroup, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(|e| sdk("CreateSecurityGroup", e))?;
        let id = out
            .group_id()
            .ok_or_else(|| invalid("CreateSecurityGroup returned no group id"))?
            .to_string();
        let stub = Value::object([("id", Value::string(&id))]);
        let created = self
            .read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("security group {id}")))?;
        // AWS's default egress rule goes: the group has exactly what is configured.
        let current_egress = grants(&id, attr(&created, "egress"));
        set_rules(
            cx,
            &id,
            "egress",
            &current_egress,
            &grants(&id, attr(planned, "egress")),
        )
        .await?;
        set_rules(
            cx,
            &id,
            "ingress",
            &[],
            &grants(&id, attr(planned, "ingress")),
        )
        .await?;
        self.read(cx, &planned_with_id(planned, &id))
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("security group {id}")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let out = cx
            .clients
            .ec2
            .describe_security_groups()
            .filters(Filter::builder().name("group-id").values(id).build())
            .send()
            .await
            .map_err(|e| sdk("DescribeSecurityGroups", e))?;
        let Some(g) = out.security_groups().first() else {
            return Ok(None);
        };
        let region = cx.clients.region();
        let owner = g.owner_id().unwrap_or_default();
        let rules = |perms: &[IpPermission], kind: &str| {
            let observed = from_permissions(id, perms);
            // AWS merges rules with the same ports; keep the configured blocks when they
            // grant exactly what AWS holds, so a refresh shows no difference.
            let configured = attr(state, kind);
            if sorted(grants(id, configured)) == sorted(observed.clone()) {
                configured.clone()
            } else {
                Value::set(observed.iter().map(grant_value).collect())
            }
        };
        let observed = Value::object([
            ("id", Value::string(id)),
            ("name", opt_string(g.group_name())),
            ("description", opt_string(g.description())),
            ("vpc_id", opt_string(g.vpc_id())),
            ("owner_id", opt_string(g.owner_id())),
            (
                "arn",
                Value::string(format!("arn:aws:ec2:{region}:{owner}:security-group/{id}")),
            ),
            ("ingress", rules(g.ip_permissions(), "ingress")),
            ("egress", rules(g.ip_permissions_egress(), "egress")),
            (
                "revoke_rules_on_delete",
                Value::Bool(flag(state, "revoke_rules_on_delete").unwrap_or(false)),
            ),
        ]);
        Ok(Some(with_tags(observed, state, ec2_tags::read(g.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the group's id is not in state"))?;
        for kind in ["ingress", "egress"] {
            let (old, new) = (
                grants(id, attr(prior, kind)),
                grants(id, attr(planned, kind)),
            );
            set_rules(cx, id, kind, &old, &new).await?;
        }
        ec2_tags::update(&cx.clients.ec2, id, prior, planned).await?;
        self.read(cx, &planned_with_id(planned, id))
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("security group {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        if flag(prior, "revoke_rules_on_delete") == Some(true) {
            for kind in ["ingress", "egress"] {
                set_rules(cx, id, kind, &grants(id, attr(prior, kind)), &[]).await?;
            }
        }
        let timeout = crate::timeouts::for_op(
            prior,
            crate::timeouts::Op::Delete,
            super::EC2_DELETE_TIMEOUT,
        );
        crate::wait::while_dependent("DeleteSecurityGroup", timeout, || async {
            cx.clients
                .ec2
                .delete_security_group()
                .group_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteSecurityGroup", e))
        })
        .await
    }
}

/// A name for a group configured without one, unique as Terraform's `terraform-<time>`.
fn unique_name() -> String {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("galley-{stamp}")
}

fn planned_with_id(planned: &Value, id: &str) -> Value {
    let mut v = planned.clone();
    engine::provider::shape::set_attr(&mut v, "id", Value::string(id));
    v
}

fn sorted(mut g: Vec<Grant>) -> Vec<Grant> {
    g.sort();
    g.dedup();
    g
}

/// The grants of configured rule blocks; `self = true` grants the group itself.
fn grants(group_id: &str, rules: &Value) -> Vec<Grant> {
    let mut out = Vec::new();
    for rule in rules.as_seq().unwrap_or(&[]) {
        let protocol = match text(rule, "protocol").unwrap_or("-1") {
            "all" | "-1" => "-1".to_string(),
            p => p.to_ascii_lowercase(),
        };
        let port = |n| attr(rule, n).as_f64().unwrap_or(0.0) as i32;
        let (from, to) = if protocol == "-1" {
            (0, 0)
        } else {
            (port("from_port"), port("to_port"))
        };
        let description = text(rule, "description").map(str::to_string);
        let mut push = |source| {
            out.push(Grant {
                protocol: protocol.clone(),
                from,
                to,
                source,
                description: description.clone(),
            })
        };
        strings(rule, "cidr_blocks")
            .into_iter()
            .for_each(|c| push(Source::Cidr(c)));
        strings(rule, "ipv6_cidr_blocks")
            .into_iter()
            .for_each(|c| push(Source::Ipv6(c)));
        strings(rule, "prefix_list_ids")
            .into_iter()
            .for_each(|c| push(Source::PrefixList(c)));
        strings(rule, "security_groups")
            .into_iter()
            .for_each(|c| push(Source::Group(c)));
        if flag(rule, "self") == Some(true) {
            push(Source::Group(group_id.to_string()));
        }
    }
    out
}

/// The grants AWS reports.
fn from_permissions(group_id: &str, perms: &[IpPermission]) -> Vec<Grant> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let (from, to) = if protocol == "-1" {
            (0, 0)
        } else {
            (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0))
        };
        let mut push = |source, description: Option<&str>| {
            out.push(Grant {
                protocol: protocol.clone(),
                from,
                to,
                source,
                description: description.map(str::to_string),
            })
        };
        for r in p.ip_ranges() {
            push(
                Source::Cidr(r.cidr_ip().unwrap_or_default().to_string()),
                r.description(),
            );
        }
        for r in p.ipv6_ranges() {
            push(
                Source::Ipv6(r.cidr_ipv6().unwrap_or_default().to_string()),
                r.description(),
            );
        }
        for r in p.prefix_list_ids() {
            push(
                Source::PrefixList(r.prefix_list_id().unwrap_or_default().to_string()),
                r.description(),
            );
        }
        for r in p.user_id_group_pairs() {
            let g = r.group_id().unwrap_or(group_id).to_string();
            push(Source::Group(g), r.description());
        }
    }
    out
}

/// One rule block for one grant (how AWS-side rules show when they differ from the configuration).
fn grant_value(g: &Grant) -> Value {
    let list = |s: &str| Value::List(vec![Value::string(s)]);
    let none = || Value::List(Vec::new());
    let (cidr, ipv6, prefix, groups) = match &g.source {
        Source::Cidr(c) => (list(c), none(), none(), Value::set(Vec::new())),
        Source::Ipv6(c) => (none(), list(c), none(), Value::set(Vec::new())),
        Source::PrefixList(c) => (none(), none(), list(c), Value::set(Vec::new())),
        Source::Group(c) => (none(), none(), none(), Value::set(vec![Value::string(c)])),
    };
    Value::object([
        ("from_port", Value::Number(f64::from(g.from))),
        ("to_port", Value::Number(f64::from(g.to))),
        ("protocol", Value::string(&g.protocol)),
        ("cidr_blocks", cidr),
        ("ipv6_cidr_blocks", ipv6),
        ("prefix_list_ids", prefix),
        ("security_groups", groups),
        ("self", Value::Bool(false)),
        ("description", opt_string(g.description.as_deref())),
    ])
}

fn permission(g: &Grant) -> IpPermission {
    let b = IpPermission::builder().ip_protocol(&g.protocol);
    let b = if g.protocol == "-1" {
        b
    } else {
        b.from_port(g.from).to_port(g.to)
    };
    let d = g.description.clone();
    match &g.source {
        Source::Cidr(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build()),
        Source::Ipv6(c) => {
            b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build())
        }
        Source::PrefixList(c) => b.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(c)
                .set_description(d)
                .build(),
        ),
        Source::Group(c) => b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(c)
                .set_description(d)
                .build(),
        ),
    }
    .build()
}

/// Revokes the grants in `old` that are not in `new`, then authorizes the new ones.
async fn set_rules(
    cx: &Ctx<'_>,
    id: &str,
    kind: &str,
    old: &[Grant],
    new: &[Grant],
) -> Result<(), ProviderError> {
    let ec2 = &cx.clients.ec2;
    let gone: Vec<IpPermission> = old
        .iter()
        .filter(|g| !new.contains(g))
        .map(permission)
        .collect();
    let added: Vec<IpPermission> = new
        .iter()
        .filter(|g| !old.contains(g))
        .map(permission)
        .collect();
    if !gone.is_empty() {
        if kind == "ingress" {
            ec2.revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(gone))
                .send()
                .await
                .map_err(|e| sdk("RevokeSecurityGroupIngress", e))?;
        } else {
            ec2.revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(gone))
                .send()
                .await
                .map_err(|e| sdk("RevokeSecurityGroupEgress", e))?;
        }
    }
    if !added.is_empty() {
        if kind == "ingress" {
            ec2.authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(added))
                .send()
                .await
                .map_err(|e| sdk("AuthorizeSecurityGroupIngress", e))?;
        } else {
            ec2.authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(added))
                .send()
                .await
                .map_err(|e| sdk("AuthorizeSecurityGroupEgress", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_with_several_sources_are_single_grants_and_self_is_the_group() {
        let rules = Value::set(vec![Value::object([
            ("from_port", Value::Number(443.0)),
            ("to_port", Value::Number(443.0)),
            ("protocol", Value::string("TCP")),
            (
                "cidr_blocks",
                Value::List(vec![
                    Value::string("10.0.0.0/8"),
                    Value::string("192.168.0.0/16"),
                ]),
            ),
            ("self", Value::Bool(true)),
        ])]);
        let g = grants("sg-1", &rules);
        assert_eq!(g.len(), 3);
        assert!(g.iter().all(|g| g.protocol == "tcp" && g.from == 443));
        assert!(g
            .iter()
            .any(|g| g.source == Source::Group("sg-1".to_string())));
    }

    #[test]
    fn all_protocols_ignore_ports() {
        let rules = Value::set(vec![Value::object([
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(65535.0)),
            ("protocol", Value::string("-1")),
            ("cidr_blocks", Value::List(vec![Value::string("0.0.0.0/0")])),
        ])]);
        let g = grants("sg-1", &rules);
        assert_eq!((g[0].from, g[0].to), (0, 0));
        assert_eq!(permission(&g[0]).from_port(), None);
    }
}
