//! `aws_vpc` on EC2: `CreateVpc`, `ModifyVpcAttribute` for the DNS settings, tags, and
//! the defaults AWS creates with it (security group, route table, network ACL).

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, Tenancy, VpcAttributeName};
use engine::provider::ProviderError;
use engine::value::Value;

use super::{ec2_tags, Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{flag, opt_string, text, with_tags};

/// The `aws_vpc` type.
pub struct Vpc;

#[async_trait]
impl Resource for Vpc {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let ec2 = &cx.clients.ec2;
        let cidr = text(planned, "cidr_block").ok_or_else(|| invalid("cidr_block is required"))?;
        let out = ec2
            .create_vpc()
            .cidr_block(cidr)
            .set_instance_tenancy(text(planned, "instance_tenancy").map(Tenancy::from))
            .set_amazon_provided_ipv6_cidr_block(flag(planned, "assign_generated_ipv6_cidr_block"))
            .set_tag_specifications(
                ec2_tags::specification(ResourceType::Vpc, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(|e| sdk("CreateVpc", e))?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or_else(|| invalid("CreateVpc returned no VPC id"))?
            .to_string();
        set_dns(cx, &id, None, planned).await?;
        let stub = Value::object([("id", Value::string(&id))]);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("VPC {id} vanished after CreateVpc")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let ec2 = &cx.clients.ec2;
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let out = ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .map_err(|e| sdk("DescribeVpcs", e))?;
        let Some(vpc) = out.vpcs().first() else {
            return Ok(None);
        };
        let attribute = |name: VpcAttributeName| async move {
            ec2.describe_vpc_attribute()
                .vpc_id(id)
                .attribute(name.clone())
                .send()
                .await
                .map_err(|e| sdk("DescribeVpcAttribute", e))
        };
        let dns_support = attribute(VpcAttributeName::EnableDnsSupport)
            .await?
            .enable_dns_support()
            .and_then(|a| a.value());
        let dns_hostnames = attribute(VpcAttributeName::EnableDnsHostnames)
            .await?
            .enable_dns_hostnames()
            .and_then(|a| a.value());
        let owner = vpc.owner_id().unwrap_or_default();
        let region = cx.clients.region();
        let ipv6 = vpc.ipv6_cidr_block_association_set().first();
        let observed = Value::object([
            ("id", Value::string(id)),
            ("cidr_block", opt_string(vpc.cidr_block())),
            (
                "instance_tenancy",
                opt_string(vpc.instance_tenancy().map(|t| t.as_str())),
            ),
            (
                "enable_dns_support",
                dns_support.map_or(Value::Null, Value::Bool),
            ),
            (
                "enable_dns_hostnames",
                dns_hostnames.map_or(Value::Null, Value::Bool),
            ),
            // Not read back (one more call per refresh): the applied value stays in state.
            ("enable_network_address_usage_metrics", Value::Null),
            (
                "assign_generated_ipv6_cidr_block",
                Value::Bool(ipv6.is_some()),
            ),
            (
                "arn",
                Value::string(format!("arn:aws:ec2:{region}:{owner}:vpc/{id}")),
            ),
            ("owner_id", opt_string(vpc.owner_id())),
            ("dhcp_options_id", opt_string(vpc.dhcp_options_id())),
            (
                "ipv6_cidr_block",
                opt_string(ipv6.and_then(|a| a.ipv6_cidr_block())),
            ),
            (
                "ipv6_association_id",
                opt_string(ipv6.and_then(|a| a.association_id())),
            ),
            (
                "default_security_group_id",
                opt_string(default_security_group(cx, id).await?.as_deref()),
            ),
            (
                "default_route_table_id",
                opt_string(main_route_table(cx, id).await?.as_deref()),
            ),
            (
                "main_route_table_id",
                opt_string(main_route_table(cx, id).await?.as_deref()),
            ),
            (
                "default_network_acl_id",
                opt_string(default_network_acl(cx, id).await?.as_deref()),
            ),
        ]);
        Ok(Some(with_tags(observed, state, ec2_tags::read(vpc.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the VPC's id is not in state"))?;
        set_dns(cx, id, Some(prior), planned).await?;
        ec2_tags::update(&cx.clients.ec2, id, prior, planned).await?;
        self.read(cx, prior)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("VPC {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        let timeout = crate::timeouts::for_op(
            prior,
            crate::timeouts::Op::Delete,
            super::EC2_DELETE_TIMEOUT,
        );
        crate::wait::while_dependent("DeleteVpc", timeout, || async {
            cx.clients
                .ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteVpc", e))
        })
        .await
    }
}

/// Sets the DNS attributes that differ from `prior` (or from AWS's defaults on create).
async fn set_dns(
    cx: &Ctx<'_>,
    id: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    let ec2 = &cx.clients.ec2;
    let value = |b: bool| AttributeBooleanValue::builder().value(b).build();
    let defaults = [
        ("enable_dns_support", true),
        ("enable_dns_hostnames", false),
    ];
    for (name, default) in defaults {
        let Some(want) = flag(planned, name) else {
            continue;
        };
        let had = prior.and_then(|p| flag(p, name)).unwrap_or(default);
        if want == had {
            continue;
        }
        let call = ec2.modify_vpc_attribute().vpc_id(id);
        let call = match name {
            "enable_dns_support" => call.enable_dns_support(value(want)),
            "enable_dns_hostnames" => call.enable_dns_hostnames(value(want)),
            _ => call.enable_network_address_usage_metrics(value(want)),
        };
        call.send()
            .await
            .map_err(|e| sdk("ModifyVpcAttribute", e))?;
    }
    Ok(())
}

fn vpc_filter(id: &str) -> Filter {
    Filter::builder().name("vpc-id").values(id).build()
}

async fn default_security_group(cx: &Ctx<'_>, vpc: &str) -> Result<Option<String>, ProviderError> {
    let out = cx
        .clients
        .ec2
        .describe_security_groups()
        .filters(vpc_filter(vpc))
        .filters(
            Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk("DescribeSecurityGroups", e))?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.group_id())
        .map(str::to_string))
}

async fn main_route_table(cx: &Ctx<'_>, vpc: &str) -> Result<Option<String>, ProviderError> {
    let out = cx
        .clients
        .ec2
        .describe_route_tables()
        .filters(vpc_filter(vpc))
        .filters(
            Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk("DescribeRouteTables", e))?;
    Ok(out
        .route_tables()
        .first()
        .and_then(|t| t.route_table_id())
        .map(str::to_string))
}

async fn default_network_acl(cx: &Ctx<'_>, vpc: &str) -> Result<Option<String>, ProviderError> {
    let out = cx
        .clients
        .ec2
        .describe_network_acls()
        .filters(vpc_filter(vpc))
        .filters(Filter::builder().name("default").values("true").build())
        .send()
        .await
        .map_err(|e| sdk("DescribeNetworkAcls", e))?;
    Ok(out
        .network_acls()
        .first()
        .and_then(|a| a.network_acl_id())
        .map(str::to_string))
}
