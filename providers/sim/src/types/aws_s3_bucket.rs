//! `aws_s3_bucket`: a bucket whose name follows S3's naming rules and is unique in every region.
//!
//! Uniqueness within a world is a rule; across the simulator's other regions the provider
//! checks it at create ([`crate::registry::ResourceType::globally_unique`]).

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::tags_all;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_s3_bucket";

/// The `aws_s3_bucket` type; its id is the bucket name.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::s3_bucket();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("force_destroy", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .rule(name_follows_s3_rules)
        .rule(name_is_free)
        .globally_unique("bucket", "BucketAlreadyOwnedByYou")
        .on_create(fill_computed)
}

/// Why `name` is not a valid bucket name, if it is not.
pub fn name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&name.len()) {
        return Some("must be between 3 and 63 characters long");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Some("can consist only of lowercase letters, numbers, periods and hyphens");
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(bytes[0]) || !edge(bytes[bytes.len() - 1]) {
        return Some("must begin and end with a letter or number");
    }
    if name.contains("..") {
        return Some("must not contain two adjacent periods");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("must not be formatted as an IP address");
    }
    if ["xn--", "sthree-", "amzn-s3-demo-"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        return Some("must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-)");
    }
    if ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return Some(
            "must not end with a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)",
        );
    }
    None
}

fn name_follows_s3_rules(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "bucket") else {
        return Ok(());
    };
    match name_problem(name) {
        None => Ok(()),
        Some(why) => Err(api_error(
            "InvalidBucketName",
            format!("The specified bucket is not valid: '{name}' {why}"),
        )),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "bucket") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(already_owned(name)),
        _ => Ok(()),
    }
}

/// The error for a name the (single, simulated) account already uses.
pub fn already_owned(name: &str) -> ProviderError {
    api_error(
        "BucketAlreadyOwnedByYou",
        format!("Your previous request to create the named bucket succeeded and you already own it: {name}"),
    )
}

/// S3's hosted zone per region, for alias records to website endpoints.
fn hosted_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        _ => "",
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    if attr(ctx.obj, "bucket").is_unknown() || attr(ctx.obj, "bucket").is_null() {
        // The Terraform provider's generated name: `terraform-` and 26 digits.
        let n = uuid_for(&format!(
            "{}/{TYPE}/{}/{}",
            ctx.world.name(),
            ctx.now,
            ctx.world.of_type(TYPE).count()
        ))
        .as_u128();
        let digits = format!("{:026}", n % 10u128.pow(26));
        set_attr(
            ctx.obj,
            "bucket",
            Value::string(format!("terraform-{digits}")),
        );
    }
    let name = str_attr(ctx.obj, "bucket").unwrap_or_default().to_string();
    let region = ctx.world.region().to_string();
    fill(
        ctx.obj,
        "arn",
        Value::string(format!("arn:aws:s3:::{name}")),
    );
    fill(ctx.obj, "region", Value::string(&region));
    fill(
        ctx.obj,
        "bucket_domain_name",
        Value::string(format!("{name}.s3.amazonaws.com")),
    );
    fill(
        ctx.obj,
        "bucket_regional_domain_name",
        Value::string(format!("{name}.s3.{region}.amazonaws.com")),
    );
    fill(
        ctx.obj,
        "hosted_zone_id",
        Value::string(hosted_zone(&region)),
    );
    set_attr(ctx.obj, "id", Value::string(name));
    Ok(())
}
