//! `aws_route53_zone`: a hosted zone with its delegation name servers.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::tags_all;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx};
use crate::shape::{fill, str_attr};

/// The `aws_route53_zone` type; its id is the zone id.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::route53_zone();
    ResourceType::new("aws_route53_zone", schema)
        .ids(IdStyle::HostedZone)
        .default("comment", Value::string("Managed by Terraform"))
        .default("force_destroy", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .rule(name_is_a_domain)
        .on_create(fill_computed)
}

/// Normalizes a DNS name: lower case, no trailing dot.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn name_is_a_domain(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    let n = normalize(name);
    let ok = !n.is_empty()
        && n.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err(api_error(
            "InvalidDomainName",
            format!("{name} is not a valid domain name"),
        ))
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let id = ctx.id.to_string();
    // Four name servers in four top-level domains, as Route 53 assigns them.
    let n = uuid_for(&id).as_u128();
    let servers: Vec<Value> = ["com", "net", "org", "co.uk"]
        .iter()
        .enumerate()
        .map(|(i, tld)| {
            let k = (n >> (i * 16)) as u32;
            Value::string(format!(
                "ns-{}.awsdns-{:02}.{tld}",
                k % 2048,
                (k >> 11) % 64
            ))
        })
        .collect();
    fill(ctx.obj, "primary_name_server", servers[0].clone());
    fill(ctx.obj, "name_servers", Value::List(servers));
    fill(ctx.obj, "zone_id", Value::string(&id));
    fill(
        ctx.obj,
        "arn",
        Value::string(format!("arn:aws:route53:::hostedzone/{id}")),
    );
    fill(ctx.obj, "delegation_set_id", Value::string(""));
    Ok(())
}
