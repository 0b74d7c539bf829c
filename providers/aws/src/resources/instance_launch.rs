//! Launching an `aws_instance` once: `RunInstances` carries a `ClientToken` derived from
//! the object's address and launch settings, so a create that is run again (the engine
//! retrying after throttling, an apply interrupted and started over) gets the instance it
//! launched before instead of a second one. A full subnet is refused before anything is
//! launched, with the subnet and its count named; on a full subnet an instance launched
//! earlier with one of the object's tokens is adopted, as AWS itself would return it.

use aws_sdk_ec2::types::{Filter, Instance};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;
use md5::{Digest, Md5};

use super::Ctx;
use crate::errors::sdk;

/// Token generations a create walks through. AWS answers a token whose instance has
/// terminated with `IdempotentInstanceTerminated`: an object replaced with the same settings
/// (its predecessor terminated first) moves on to the next generation.
pub const GENERATIONS: u32 = 16;

/// The settings a token covers: those `RunInstances` is given.
const LAUNCH_SETTINGS: &[&str] = &[
    "ami",
    "instance_type",
    "subnet_id",
    "private_ip",
    "vpc_security_group_ids",
    "security_groups",
    "availability_zone",
    "associate_public_ip_address",
    "key_name",
    "user_data",
    "tags",
    "root_block_device",
];

/// The `ClientToken` of generation `generation` for the object at `address` planned as
/// `planned`: `galley-` and 32 hexadecimal digits (AWS takes up to 64 ASCII characters).
pub fn client_token(address: &str, planned: &Value, generation: u32) -> String {
    let settings = Value::object(
        LAUNCH_SETTINGS
            .iter()
            .map(|name| (*name, attr(planned, name).clone())),
    );
    let text = format!("{address}\n{generation}\n{}", settings.to_json());
    let digest: String = Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("galley-{digest}")
}

/// Every generation's token for the object.
pub fn client_tokens(address: &str, planned: &Value) -> Vec<String> {
    (0..GENERATIONS)
        .map(|g| client_token(address, planned, g))
        .collect()
}

/// True for an instance that is going or gone.
pub fn is_gone(instance: &Instance) -> bool {
    matches!(
        instance.state().and_then(|s| s.name()).map(|n| n.as_str()),
        Some("shutting-down" | "terminated")
    )
}

/// Checks that `subnet` has a free address before `RunInstances`. With none left, the id
/// of a live instance in it launched with one of `tokens` (this object's, launched by an
/// earlier attempt) is returned to be adopted; otherwise the launch is refused.
pub async fn room_in_subnet(
    cx: &Ctx<'_>,
    subnet: &str,
    tokens: &[String],
) -> Result<Option<String>, ProviderError> {
    let ec2 = &cx.clients.ec2;
    let out = ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .map_err(|e| sdk("DescribeSubnets", e))?;
    let Some(s) = out.subnets().first() else {
        return Err(ProviderError::NotFound(format!(
            "aws_instance: subnet {subnet} does not exist (DescribeSubnets); create it first or fix subnet_id"
        )));
    };
    let free = s.available_ip_address_count().unwrap_or(0);
    if free > 0 {
        return Ok(None);
    }
    let mut pages = ec2
        .describe_instances()
        .filters(Filter::builder().name("subnet-id").values(subnet).build())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk("DescribeInstances", e))?;
        let ours = page
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| {
                !is_gone(i)
                    && i.client_token()
                        .is_some_and(|t| tokens.iter().any(|ours| ours == t))
            });
        if let Some(id) = ours.and_then(|i| i.instance_id()) {
            return Ok(Some(id.to_string()));
        }
    }
    Err(ProviderError::Api {
        code: "InsufficientFreeAddressesInSubnet".to_string(),
        message: format!(
            "aws_instance: subnet {subnet} has {free} free addresses (AvailableIpAddressCount), so no instance was launched (RunInstances was not called). Free an address there (terminate an instance, delete an unused network interface) or put the instance in another subnet"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(instance_type: &str) -> Value {
        Value::object([
            ("ami", Value::string("ami-1e749f67")),
            ("instance_type", Value::string(instance_type)),
            ("subnet_id", Value::string("subnet-1")),
            ("id", Value::Unknown),
            ("timeouts", Value::Null),
        ])
    }

    #[test]
    fn the_token_follows_address_settings_and_generation_only() {
        let t = client_token("aws_instance.web", &planned("t3.micro"), 0);
        assert!(
            t.starts_with("galley-") && t.len() == 39 && t.is_ascii(),
            "{t}"
        );
        assert_eq!(t, client_token("aws_instance.web", &planned("t3.micro"), 0));
        // What AWS computes (id) or only galley reads (timeouts) does not change it.
        let mut other = planned("t3.micro");
        engine::provider::shape::set_attr(&mut other, "id", Value::string("i-1"));
        engine::provider::shape::set_attr(
            &mut other,
            "timeouts",
            Value::object([("create", Value::string("30m"))]),
        );
        assert_eq!(t, client_token("aws_instance.web", &other, 0));
        for different in [
            client_token("aws_instance.web[1]", &planned("t3.micro"), 0),
            client_token("aws_instance.web", &planned("t3.small"), 0),
            client_token("aws_instance.web", &planned("t3.micro"), 1),
        ] {
            assert_ne!(t, different);
        }
        let all = client_tokens("aws_instance.web", &planned("t3.micro"));
        assert_eq!(all.len(), GENERATIONS as usize);
        assert_eq!(all[0], t);
    }
}
