//! `aws_subnet` on EC2: `CreateSubnet`, `ModifySubnetAttribute` for the launch settings,
//! tags; its free addresses (`available_ip_address_count`) read back on every refresh.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use engine::provider::ProviderError;
use engine::value::Value;

use super::{ec2_tags, Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{flag, opt_string, text, with_tags};

/// The `aws_subnet` type.
pub struct Subnet;

#[async_trait]
impl Resource for Subnet {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let ec2 = &cx.clients.ec2;
        let out = ec2
            .create_subnet()
            .set_vpc_id(text(planned, "vpc_id").map(str::to_string))
            .set_cidr_block(text(planned, "cidr_block").map(str::to_string))
            .set_availability_zone(text(planned, "availability_zone").map(str::to_string))
            .set_availability_zone_id(text(planned, "availability_zone_id").map(str::to_string))
            .set_tag_specifications(
                ec2_tags::specification(ResourceType::Subnet, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(|e| sdk("CreateSubnet", e))?;
        let id = out
            .subnet()
            .and_then(|s| s.subnet_id())
            .ok_or_else(|| invalid("CreateSubnet returned no subnet id"))?
            .to_string();
        set_launch_attributes(cx, &id, None, planned).await?;
        self.read(cx, &Value::object([("id", Value::string(&id))]))
            .await?
            .ok_or_else(|| {
                ProviderError::NotFound(format!("subnet {id} vanished after CreateSubnet"))
            })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let out = cx
            .clients
            .ec2
            .describe_subnets()
            .subnet_ids(id)
            .send()
            .await
            .map_err(|e| sdk("DescribeSubnets", e))?;
        let Some(s) = out.subnets().first() else {
            return Ok(None);
        };
        let observed = Value::object([
            ("id", Value::string(id)),
            ("vpc_id", opt_string(s.vpc_id())),
            ("cidr_block", opt_string(s.cidr_block())),
            ("availability_zone", opt_string(s.availability_zone())),
            ("availability_zone_id", opt_string(s.availability_zone_id())),
            (
                "map_public_ip_on_launch",
                s.map_public_ip_on_launch().map_or(Value::Null, Value::Bool),
            ),
            (
                "assign_ipv6_address_on_creation",
                s.assign_ipv6_address_on_creation()
                    .map_or(Value::Null, Value::Bool),
            ),
            ("arn", opt_string(s.subnet_arn())),
            ("owner_id", opt_string(s.owner_id())),
            (
                "available_ip_address_count",
                s.available_ip_address_count()
                    .map_or(Value::Null, |n| Value::Number(f64::from(n))),
            ),
        ]);
        Ok(Some(with_tags(observed, state, ec2_tags::read(s.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the subnet's id is not in state"))?;
        set_launch_attributes(cx, id, Some(prior), planned).await?;
        ec2_tags::update(&cx.clients.ec2, id, prior, planned).await?;
        self.read(cx, prior)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("subnet {id}")))
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
        crate::wait::while_dependent("DeleteSubnet", timeout, || async {
            cx.clients
                .ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteSubnet", e))
        })
        .await
    }
}

/// Sets `map_public_ip_on_launch` and `assign_ipv6_address_on_creation` where they differ
/// from `prior` (or AWS's default, false, on create).
async fn set_launch_attributes(
    cx: &Ctx<'_>,
    id: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    for name in ["map_public_ip_on_launch", "assign_ipv6_address_on_creation"] {
        let Some(want) = flag(planned, name) else {
            continue;
        };
        if want == prior.and_then(|p| flag(p, name)).unwrap_or(false) {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        let call = cx.clients.ec2.modify_subnet_attribute().subnet_id(id);
        let call = if name == "map_public_ip_on_launch" {
            call.map_public_ip_on_launch(value)
        } else {
            call.assign_ipv6_address_on_creation(value)
        };
        call.send()
            .await
            .map_err(|e| sdk("ModifySubnetAttribute", e))?;
    }
    Ok(())
}
