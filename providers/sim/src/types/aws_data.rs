//! AWS data sources: availability zones, region, caller identity.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{availability_zones as zones, is_region, zone_id, ACCOUNT_ID};
use crate::registry::{api_error, DataCtx, DataSource};
use crate::shape::str_attr;

/// `aws_availability_zones`: the zones of the provider's region.
pub fn availability_zones() -> DataSource {
    DataSource {
        name: "aws_availability_zones",
        schema: schemas::aws::availability_zones(),
        read: read_zones,
        spans_regions: false,
    }
}

fn read_zones(ctx: &DataCtx) -> Result<Value, ProviderError> {
    let names = zones(ctx.region);
    // Every simulated zone is available.
    let wanted = str_attr(ctx.config, "state").unwrap_or("available");
    let names: Vec<String> = if wanted == "available" {
        names
    } else {
        Vec::new()
    };
    let ids: Vec<Value> = names
        .iter()
        .filter_map(|n| zone_id(ctx.region, n))
        .map(Value::string)
        .collect();
    Ok(Value::object([
        (
            "state",
            ctx.config.get_attr("state").cloned().unwrap_or_default(),
        ),
        (
            "all_availability_zones",
            ctx.config
                .get_attr("all_availability_zones")
                .cloned()
                .unwrap_or_default(),
        ),
        ("id", Value::string(ctx.region)),
        (
            "names",
            Value::List(names.into_iter().map(Value::string).collect()),
        ),
        ("zone_ids", Value::List(ids)),
        ("group_names", Value::set(vec![Value::string(ctx.region)])),
    ]))
}

/// `aws_region`: the provider's region, or the one named.
pub fn region() -> DataSource {
    DataSource {
        name: "aws_region",
        schema: schemas::aws::region(),
        read: read_region,
        spans_regions: false,
    }
}

fn read_region(ctx: &DataCtx) -> Result<Value, ProviderError> {
    let r = str_attr(ctx.config, "region")
        .or_else(|| str_attr(ctx.config, "name"))
        .unwrap_or(ctx.region);
    if !is_region(r) {
        return Err(api_error("InvalidRegion", format!("no region named {r}")));
    }
    Ok(Value::object([
        ("name", Value::string(r)),
        ("region", Value::string(r)),
        ("id", Value::string(r)),
        ("endpoint", Value::string(format!("ec2.{r}.amazonaws.com"))),
        ("description", Value::string(r)),
    ]))
}

/// `aws_caller_identity`: the simulated account.
pub fn caller_identity() -> DataSource {
    DataSource {
        name: "aws_caller_identity",
        schema: schemas::aws::caller_identity(),
        read: |_| {
            Ok(Value::object([
                ("id", Value::string(ACCOUNT_ID)),
                ("account_id", Value::string(ACCOUNT_ID)),
                (
                    "arn",
                    Value::string(format!("arn:aws:iam::{ACCOUNT_ID}:user/galley")),
                ),
                ("user_id", Value::string("AIDAGALLEYSIMULATOR")),
            ]))
        },
        spans_regions: false,
    }
}
