//! The data sources: `aws_region`, `aws_availability_zones`, `aws_caller_identity`.

use engine::provider::ProviderError;
use engine::value::Value;

use crate::clients::Clients;
use crate::errors::sdk;
use crate::values::{opt_string, text};

/// Reads data source `type_name` with its evaluated `config`.
pub async fn read(c: &Clients, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
    match type_name {
        "aws_region" => {
            let r = text(config, "region")
                .or_else(|| text(config, "name"))
                .unwrap_or(c.region())
                .to_string();
            Ok(Value::object([
                ("name", Value::string(&r)),
                ("region", Value::string(&r)),
                ("id", Value::string(&r)),
                ("endpoint", Value::string(format!("ec2.{r}.amazonaws.com"))),
                ("description", Value::string(&r)),
            ]))
        }
        "aws_availability_zones" => {
            let mut call = c.ec2.describe_availability_zones();
            if config
                .get_attr("all_availability_zones")
                .and_then(Value::as_bool)
                == Some(true)
            {
                call = call.all_availability_zones(true);
            }
            let out = call
                .send()
                .await
                .map_err(|e| sdk("DescribeAvailabilityZones", e))?;
            let wanted = text(config, "state");
            let zones: Vec<_> = out
                .availability_zones()
                .iter()
                .filter(|z| wanted.is_none_or(|w| z.state().is_some_and(|s| s.as_str() == w)))
                .collect();
            let list = |f: fn(&aws_sdk_ec2::types::AvailabilityZone) -> Option<&str>| {
                Value::List(
                    zones
                        .iter()
                        .filter_map(|z| f(z))
                        .map(Value::string)
                        .collect(),
                )
            };
            Ok(Value::object([
                ("id", Value::string(c.region())),
                ("names", list(|z| z.zone_name())),
                ("zone_ids", list(|z| z.zone_id())),
                (
                    "group_names",
                    Value::set(
                        zones
                            .iter()
                            .filter_map(|z| z.group_name())
                            .map(Value::string)
                            .collect(),
                    ),
                ),
            ]))
        }
        "aws_caller_identity" => {
            let out = c
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| sdk("GetCallerIdentity", e))?;
            Ok(Value::object([
                ("id", opt_string(out.account())),
                ("account_id", opt_string(out.account())),
                ("arn", opt_string(out.arn())),
                ("user_id", opt_string(out.user_id())),
            ]))
        }
        other => Err(ProviderError::Api {
            code: "UnsupportedDataSource".to_string(),
            message: format!("galley's aws provider does not read {other} yet"),
        }),
    }
}
