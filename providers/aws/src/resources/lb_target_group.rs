//! `aws_lb_target_group` on Elastic Load Balancing: `CreateTargetGroup` with its
//! `health_check`, `ModifyTargetGroup` when the health check changes, tags, and
//! `DeleteTargetGroup` (repeated while a listener just deleted still holds it). Its id is
//! its ARN.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as Described, TargetTypeEnum,
};
use engine::provider::shape::{attr, set_attr};
use engine::provider::ProviderError;
use engine::value::Value;

use super::lb_common::{check_name, check_port, create_tags, found, read_tags, update_tags};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{block, flag, int, opt_string, text, with_tags};

/// The `aws_lb_target_group` type.
pub struct TargetGroup;

/// How long a delete is repeated while the group is still in use (Terraform's 2 minutes).
const IN_USE_TIMEOUT: Duration = Duration::from_secs(2 * 60);

/// Protocols a target group speaks.
const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

/// What a target group may hold.
const TARGET_TYPES: &[&str] = &["instance", "ip", "lambda", "alb"];

/// Protocols a health check speaks.
const CHECK_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP"];

/// The `health_check` settings a configuration gives; unset or unknown ones are AWS's.
#[derive(Debug, Default, Clone, PartialEq)]
struct HealthCheck {
    enabled: Option<bool>,
    path: Option<String>,
    port: Option<String>,
    protocol: Option<String>,
    interval: Option<i32>,
    timeout: Option<i32>,
    healthy: Option<i32>,
    unhealthy: Option<i32>,
    matcher: Option<String>,
}

impl HealthCheck {
    /// The settings of `obj`'s `health_check` block, if it has one.
    fn of(obj: &Value) -> Option<HealthCheck> {
        let b = block(obj, "health_check")?;
        let owned = |name: &str| text(b, name).map(str::to_string);
        Some(HealthCheck {
            enabled: flag(b, "enabled"),
            path: owned("path"),
            port: owned("port"),
            protocol: owned("protocol"),
            interval: int(b, "interval"),
            timeout: int(b, "timeout"),
            healthy: int(b, "healthy_threshold"),
            unhealthy: int(b, "unhealthy_threshold"),
            matcher: owned("matcher"),
        })
    }

    /// The block as AWS reports the group's health check.
    fn reported(g: &Described) -> Value {
        let num = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
        Value::List(vec![Value::object([
            (
                "enabled",
                g.health_check_enabled().map_or(Value::Null, Value::Bool),
            ),
            ("path", opt_string(g.health_check_path())),
            ("port", opt_string(g.health_check_port())),
            (
                "protocol",
                opt_string(g.health_check_protocol().map(|p| p.as_str())),
            ),
            ("interval", num(g.health_check_interval_seconds())),
            ("timeout", num(g.health_check_timeout_seconds())),
            ("healthy_threshold", num(g.healthy_threshold_count())),
            ("unhealthy_threshold", num(g.unhealthy_threshold_count())),
            (
                "matcher",
                opt_string(g.matcher().and_then(|m| m.http_code())),
            ),
        ])])
    }
}

/// Sets a `CreateTargetGroup` or `ModifyTargetGroup` call's health check settings.
macro_rules! with_health_check {
    ($call:expr, $hc:expr) => {{
        let hc: HealthCheck = $hc;
        $call
            .set_health_check_enabled(hc.enabled)
            .set_health_check_path(hc.path)
            .set_health_check_port(hc.port)
            .set_health_check_protocol(hc.protocol.map(|p| ProtocolEnum::from(p.as_str())))
            .set_health_check_interval_seconds(hc.interval)
            .set_health_check_timeout_seconds(hc.timeout)
            .set_healthy_threshold_count(hc.healthy)
            .set_unhealthy_threshold_count(hc.unhealthy)
            .set_matcher(hc.matcher.map(|m| Matcher::builder().http_code(m).build()))
    }};
}

async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<Described>, ProviderError> {
    let out = cx
        .clients
        .elbv2
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeTargetGroups", e));
    Ok(found(out)?.and_then(|o| o.target_groups().first().cloned()))
}

/// The target type a plan judges: unknown when not configured, which is AWS's default.
fn target_type(obj: &Value) -> &str {
    text(obj, "target_type").unwrap_or("instance")
}

#[async_trait]
impl Resource for TargetGroup {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "name")
            .ok_or_else(|| invalid("aws_lb_target_group: name is required"))?;
        let call = cx
            .clients
            .elbv2
            .create_target_group()
            .name(name)
            .set_port(int(planned, "port"))
            .set_protocol(text(planned, "protocol").map(ProtocolEnum::from))
            .set_vpc_id(text(planned, "vpc_id").map(str::to_string))
            .set_target_type(text(planned, "target_type").map(TargetTypeEnum::from))
            .set_tags(create_tags(planned));
        let out = with_health_check!(call, HealthCheck::of(planned).unwrap_or_default())
            .send()
            .await
            .map_err(|e| sdk("CreateTargetGroup", e))?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|g| g.target_group_arn())
            .ok_or_else(|| invalid("CreateTargetGroup returned no target group ARN"))?
            .to_string();
        let mut stub = planned.clone();
        set_attr(&mut stub, "id", Value::string(&arn));
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!(
                "target group {arn} vanished after CreateTargetGroup"
            ))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(arn) = text(state, "id") else {
            return Ok(None);
        };
        let Some(g) = describe(cx, arn).await? else {
            return Ok(None);
        };
        // Reported when configured: a group without the block keeps AWS's defaults, and
        // showing them would make the configuration differ from state.
        let health_check = if HealthCheck::of(state).is_some() {
            HealthCheck::reported(&g)
        } else {
            Value::Null
        };
        let observed = Value::object([
            ("id", Value::string(arn)),
            ("arn", Value::string(arn)),
            ("arn_suffix", Value::string(suffix(arn))),
            ("name", opt_string(g.target_group_name())),
            (
                "port",
                g.port()
                    .map_or(Value::Null, |p| Value::Number(f64::from(p))),
            ),
            ("protocol", opt_string(g.protocol().map(|p| p.as_str()))),
            ("vpc_id", opt_string(g.vpc_id())),
            (
                "target_type",
                opt_string(g.target_type().map(|t| t.as_str())),
            ),
            ("health_check", health_check),
        ]);
        Ok(Some(with_tags(observed, state, read_tags(cx, arn).await?)))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let arn =
            text(prior, "id").ok_or_else(|| invalid("the target group's ARN is not in state"))?;
        // Removing the block leaves AWS's settings as they are, as in Terraform.
        if let Some(hc) = HealthCheck::of(planned) {
            if HealthCheck::of(prior).as_ref() != Some(&hc) {
                let call = cx.clients.elbv2.modify_target_group().target_group_arn(arn);
                with_health_check!(call, hc)
                    .send()
                    .await
                    .map_err(|e| sdk("ModifyTargetGroup", e))?;
            }
        }
        update_tags(cx, arn, prior, planned).await?;
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("target group {arn}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(arn) = text(prior, "id") else {
            return Ok(());
        };
        crate::wait::while_in_use(
            &["ResourceInUse"],
            "DeleteTargetGroup",
            IN_USE_TIMEOUT,
            || async {
                let r = cx
                    .clients
                    .elbv2
                    .delete_target_group()
                    .target_group_arn(arn)
                    .send()
                    .await
                    .map_err(|e| sdk("DeleteTargetGroup", e));
                found(r).map(|_| ())
            },
        )
        .await
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        const WHAT: &str = "aws_lb_target_group";
        if let Some(name) = text(planned, "name") {
            check_name(name, WHAT)?;
        }
        let t = target_type(planned);
        if !TARGET_TYPES.contains(&t) {
            return Err(invalid(format!(
                "{WHAT}: target_type {t:?} must be one of {}",
                TARGET_TYPES.join(", ")
            )));
        }
        let set = |k| !attr(planned, k).is_null();
        if t == "lambda" {
            if let Some(k) = ["port", "protocol", "vpc_id"].into_iter().find(|k| set(k)) {
                return Err(invalid(format!(
                    "{WHAT}: a lambda target group takes no {k} (nor port, protocol or vpc_id)"
                )));
            }
        } else if let Some(k) = ["port", "protocol", "vpc_id"].into_iter().find(|k| !set(k)) {
            return Err(invalid(format!(
                "{WHAT}: {k} is required for target_type {t:?} (port, protocol and vpc_id all are)"
            )));
        }
        check_port(planned, "port", WHAT)?;
        if let Some(p) = text(planned, "protocol") {
            if !PROTOCOLS.contains(&p) {
                return Err(invalid(format!(
                    "{WHAT}: protocol {p:?} must be one of {}",
                    PROTOCOLS.join(", ")
                )));
            }
        }
        if let Some(hc) = HealthCheck::of(planned) {
            check_health_check(&hc)?;
        }
        Ok(())
    }
}

/// `targetgroup/<name>/<id>`: the ARN's resource part, which CloudWatch metrics name.
fn suffix(arn: &str) -> &str {
    arn.rsplit_once(':').map_or(arn, |(_, rest)| rest)
}

/// The ranges AWS takes for health check settings.
fn check_health_check(hc: &HealthCheck) -> Result<(), ProviderError> {
    const WHAT: &str = "aws_lb_target_group: health_check";
    let within = |name: &str, v: Option<i32>, lo: i32, hi: i32| match v {
        Some(n) if !(lo..=hi).contains(&n) => Err(invalid(format!(
            "{WHAT}.{name} {n} must be from {lo} to {hi}"
        ))),
        _ => Ok(()),
    };
    within("interval", hc.interval, 5, 300)?;
    within("timeout", hc.timeout, 2, 120)?;
    within("healthy_threshold", hc.healthy, 2, 10)?;
    within("unhealthy_threshold", hc.unhealthy, 2, 10)?;
    if let (Some(t), Some(i)) = (hc.timeout, hc.interval) {
        if t >= i {
            return Err(invalid(format!(
                "{WHAT}.timeout {t} must be shorter than interval {i}"
            )));
        }
    }
    if let Some(p) = &hc.protocol {
        if !CHECK_PROTOCOLS.contains(&p.as_str()) {
            return Err(invalid(format!(
                "{WHAT}.protocol {p:?} must be one of {}",
                CHECK_PROTOCOLS.join(", ")
            )));
        }
    }
    if let Some(path) = &hc.path {
        if !path.starts_with('/') {
            return Err(invalid(format!(
                "{WHAT}.path {path:?} must begin with \"/\""
            )));
        }
    }
    if let Some(port) = &hc.port {
        let numeric = port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if port != "traffic-port" && !numeric {
            return Err(invalid(format!(
                "{WHAT}.port {port:?} must be \"traffic-port\" or a port from 1 to 65535"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(extra: Vec<(&str, Value)>) -> Value {
        let mut pairs = vec![
            ("name", Value::string("web")),
            ("port", Value::Number(80.0)),
            ("protocol", Value::string("HTTP")),
            ("vpc_id", Value::string("vpc-1")),
        ];
        for (k, v) in extra {
            pairs.retain(|(n, _)| *n != k);
            pairs.push((k, v));
        }
        Value::object(pairs)
    }

    fn check(extra: Vec<(&str, Value)>) -> Result<(), ProviderError> {
        TargetGroup.check(None, &group(extra))
    }

    fn health(pairs: Vec<(&str, Value)>) -> (&'static str, Value) {
        ("health_check", Value::List(vec![Value::object(pairs)]))
    }

    #[test]
    fn plan_time_checks_follow_the_target_type() {
        check(vec![]).unwrap();
        // Not configured (unknown): AWS's default, instance, which needs port and protocol.
        let e = check(vec![("target_type", Value::Unknown), ("port", Value::Null)]).unwrap_err();
        assert!(e.to_string().contains("port is required"), "{e}");
        let e = check(vec![("target_type", Value::string("lambda"))]).unwrap_err();
        assert!(e.to_string().contains("takes no port"), "{e}");
        TargetGroup
            .check(
                None,
                &Value::object([
                    ("name", Value::string("fn")),
                    ("target_type", Value::string("lambda")),
                ]),
            )
            .unwrap();
        let e = check(vec![("target_type", Value::string("pod"))]).unwrap_err();
        assert!(e.to_string().contains("must be one of instance"), "{e}");
        let e = check(vec![("protocol", Value::string("SMTP"))]).unwrap_err();
        assert!(e.to_string().contains("protocol \"SMTP\""), "{e}");
        let e = check(vec![("port", Value::Number(70000.0))]).unwrap_err();
        assert!(e.to_string().contains("1 to 65535"), "{e}");
        let e = check(vec![("name", Value::string("-web"))]).unwrap_err();
        assert!(e.to_string().contains("1 to 32"), "{e}");
    }

    #[test]
    fn health_checks_stay_in_the_ranges_aws_takes() {
        check(vec![health(vec![
            ("path", Value::string("/healthz")),
            ("interval", Value::Number(10.0)),
            ("timeout", Value::Number(5.0)),
            ("port", Value::string("traffic-port")),
            ("matcher", Value::string("200-299")),
        ])])
        .unwrap();
        // Unknown settings are not judged.
        check(vec![health(vec![
            ("interval", Value::Unknown),
            ("path", Value::Unknown),
        ])])
        .unwrap();
        for (pairs, want) in [
            (vec![("interval", Value::Number(1.0))], "interval 1 must be"),
            (
                vec![("healthy_threshold", Value::Number(11.0))],
                "from 2 to 10",
            ),
            (
                vec![
                    ("interval", Value::Number(10.0)),
                    ("timeout", Value::Number(10.0)),
                ],
                "shorter than interval",
            ),
            (vec![("protocol", Value::string("UDP"))], "protocol \"UDP\""),
            (vec![("path", Value::string("healthz"))], "must begin with"),
            (vec![("port", Value::string("http"))], "traffic-port"),
        ] {
            let e = check(vec![health(pairs)]).unwrap_err();
            assert!(e.to_string().contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn the_suffix_is_the_arns_resource_part() {
        assert_eq!(
            suffix("arn:aws:elasticloadbalancing:us-east-1:123:targetgroup/web/6d0ecf831eec9f09"),
            "targetgroup/web/6d0ecf831eec9f09"
        );
    }
}
