//! `aws_lb` on Elastic Load Balancing: `CreateLoadBalancer` (application, network or
//! gateway; subnets, security groups, scheme, tags) and a wait until `active`; subnets and
//! security groups changed in place with `SetSubnets` and `SetSecurityGroups`; tags;
//! `DeleteLoadBalancer` and a wait until it is gone. Its id is its ARN.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer as Described, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::lb_common::{after, check_name, create_tags, found, read_tags, update_tags};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, opt_string, strings, text, with_tags};
use crate::wait::{self, Status};

/// The `aws_lb` type.
pub struct LoadBalancer;

/// Terraform's defaults for `aws_lb`: 10 minutes to create, update or delete.
const TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The load balancer types AWS has.
const TYPES: &[&str] = &["application", "network", "gateway"];

async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<Described>, ProviderError> {
    let out = cx
        .clients
        .elbv2
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeLoadBalancers", e));
    Ok(found(out)?.and_then(|o| o.load_balancers().first().cloned()))
}

/// Waits until the load balancer is `active` (or `active_impaired`: it serves, short of
/// capacity), failing when AWS reports `failed`.
async fn wait_active(cx: &Ctx<'_>, arn: &str, timeout: Duration) -> Result<(), ProviderError> {
    let what = format!("aws_lb {arn}: waiting for active");
    wait::until(&what, timeout, || async {
        let Some(lb) = describe(cx, arn).await? else {
            return Ok(Status::Failed("the load balancer is gone".to_string()));
        };
        let state = lb.state();
        let code = state
            .and_then(|s| s.code())
            .map_or("unknown", |c| c.as_str());
        Ok(match code {
            "active" | "active_impaired" => Status::Done(()),
            "failed" => Status::Failed(format!(
                "the load balancer is failed: {}",
                state.and_then(|s| s.reason()).unwrap_or("no reason given")
            )),
            other => Status::Pending(other.to_string()),
        })
    })
    .await
}

/// The strings of a set attribute, sorted, or `None` while any is unknown.
fn known_set(obj: &Value, name: &str) -> Option<Vec<String>> {
    if attr(obj, name).contains_unknown() {
        return None;
    }
    let mut v = strings(obj, name);
    v.sort();
    v.dedup();
    Some(v)
}

fn non_empty(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

#[async_trait]
impl Resource for LoadBalancer {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "name").ok_or_else(|| invalid("aws_lb: name is required"))?;
        let lb_type = text(planned, "load_balancer_type").unwrap_or("application");
        // A gateway load balancer takes no scheme.
        let scheme = (lb_type != "gateway").then(|| {
            if flag(planned, "internal") == Some(true) {
                LoadBalancerSchemeEnum::Internal
            } else {
                LoadBalancerSchemeEnum::InternetFacing
            }
        });
        let out = cx
            .clients
            .elbv2
            .create_load_balancer()
            .name(name)
            .r#type(LoadBalancerTypeEnum::from(lb_type))
            .set_scheme(scheme)
            .set_subnets(non_empty(strings(planned, "subnets")))
            .set_security_groups(non_empty(strings(planned, "security_groups")))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateLoadBalancer", e))?;
        let arn = out
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .ok_or_else(|| invalid("CreateLoadBalancer returned no load balancer ARN"))?
            .to_string();
        wait_active(cx, &arn, for_op(planned, Op::Create, TIMEOUT)).await?;
        let mut stub = planned.clone();
        engine::provider::shape::set_attr(&mut stub, "id", Value::string(&arn));
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!(
                "load balancer {arn} vanished after CreateLoadBalancer"
            ))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(arn) = text(state, "id") else {
            return Ok(None);
        };
        let Some(lb) = describe(cx, arn).await? else {
            return Ok(None);
        };
        let subnets = Value::set(
            lb.availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(Value::string))
                .collect(),
        );
        let groups = Value::set(lb.security_groups().iter().map(Value::string).collect());
        let observed = Value::object([
            ("id", Value::string(arn)),
            ("arn", Value::string(arn)),
            ("name", opt_string(lb.load_balancer_name())),
            (
                "internal",
                Value::Bool(lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal)),
            ),
            (
                "load_balancer_type",
                opt_string(lb.r#type().map(|t| t.as_str())),
            ),
            ("subnets", subnets),
            ("security_groups", groups),
            ("arn_suffix", opt_string(after(arn, ":loadbalancer/"))),
            ("dns_name", opt_string(lb.dns_name())),
            ("zone_id", opt_string(lb.canonical_hosted_zone_id())),
            ("vpc_id", opt_string(lb.vpc_id())),
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
            text(prior, "id").ok_or_else(|| invalid("the load balancer's ARN is not in state"))?;
        let elbv2 = &cx.clients.elbv2;
        let mut moved = false;
        if let Some(subnets) = known_set(planned, "subnets") {
            if Some(&subnets) != known_set(prior, "subnets").as_ref() && !subnets.is_empty() {
                elbv2
                    .set_subnets()
                    .load_balancer_arn(arn)
                    .set_subnets(Some(subnets))
                    .send()
                    .await
                    .map_err(|e| sdk("SetSubnets", e))?;
                moved = true;
            }
        }
        if let Some(groups) = known_set(planned, "security_groups") {
            if Some(&groups) != known_set(prior, "security_groups").as_ref() {
                elbv2
                    .set_security_groups()
                    .load_balancer_arn(arn)
                    .set_security_groups(Some(groups))
                    .send()
                    .await
                    .map_err(|e| sdk("SetSecurityGroups", e))?;
            }
        }
        update_tags(cx, arn, prior, planned).await?;
        if moved {
            // New subnets are provisioned before the load balancer is active again.
            wait_active(cx, arn, for_op(planned, Op::Update, TIMEOUT)).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("load balancer {arn}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(arn) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DeleteLoadBalancer", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let what = format!("aws_lb {arn}: waiting for it to be deleted");
        wait::until(&what, for_op(prior, Op::Delete, TIMEOUT), || async {
            Ok(match describe(cx, arn).await? {
                None => Status::Done(()),
                Some(lb) => Status::Pending(
                    lb.state()
                        .and_then(|s| s.code())
                        .map_or("deleting", |c| c.as_str())
                        .to_string(),
                ),
            })
        })
        .await
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        if let Some(name) = text(planned, "name") {
            check_name(name, "aws_lb")?;
            if name.starts_with("internal-") {
                return Err(invalid(format!(
                    "aws_lb: name {name:?} cannot begin with \"internal-\" (AWS gives internal load balancers' DNS names that prefix)"
                )));
            }
        }
        // Unknown when not configured: AWS's default, an application load balancer (no
        // configuration takes the type from another object's attribute).
        let lb_type = text(planned, "load_balancer_type").unwrap_or("application");
        if !TYPES.contains(&lb_type) {
            return Err(invalid(format!(
                "aws_lb: load_balancer_type {lb_type:?} must be one of {}",
                TYPES.join(", ")
            )));
        }
        let groups = attr(planned, "security_groups");
        if lb_type == "gateway" && groups.as_seq().is_some_and(|s| !s.is_empty()) {
            return Err(invalid(
                "aws_lb: a gateway load balancer takes no security_groups",
            ));
        }
        if let Some(subnets) = known_set(planned, "subnets") {
            if subnets.is_empty() {
                return Err(invalid(
                    "aws_lb: subnets must name at least one subnet for the load balancer",
                ));
            }
            if lb_type == "application" && subnets.len() < 2 {
                return Err(invalid(format!(
                    "aws_lb: an application load balancer needs subnets in at least two Availability Zones; subnets names {}",
                    subnets.len()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lb(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs)
    }

    fn set(items: &[&str]) -> Value {
        Value::set(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn plan_time_checks_refuse_names_types_and_too_few_subnets() {
        let r = LoadBalancer;
        let ok = lb(vec![
            ("name", Value::string("web")),
            ("load_balancer_type", Value::string("application")),
            ("subnets", set(&["subnet-a", "subnet-b"])),
        ]);
        r.check(None, &ok).unwrap();
        let cases = [
            (
                lb(vec![("name", Value::string("internal-web"))]),
                "cannot begin with",
            ),
            (lb(vec![("name", Value::string("web_1"))]), "1 to 32"),
            (
                lb(vec![("load_balancer_type", Value::string("classic"))]),
                "must be one of application, network, gateway",
            ),
            (
                lb(vec![
                    ("load_balancer_type", Value::string("gateway")),
                    ("security_groups", set(&["sg-1"])),
                ]),
                "takes no security_groups",
            ),
            (
                lb(vec![("subnets", set(&["subnet-a"]))]),
                "at least two Availability Zones",
            ),
            (
                lb(vec![
                    ("load_balancer_type", Value::string("network")),
                    ("subnets", set(&[])),
                ]),
                "at least one subnet",
            ),
        ];
        for (obj, want) in cases {
            let e = r.check(None, &obj).unwrap_err();
            assert!(e.to_string().contains(want), "{want}: {e}");
        }
        // One subnet is enough for a network load balancer; unknowns are not judged.
        r.check(
            None,
            &lb(vec![
                ("load_balancer_type", Value::string("network")),
                ("subnets", set(&["subnet-a"])),
            ]),
        )
        .unwrap();
        r.check(
            None,
            &lb(vec![
                ("load_balancer_type", Value::Unknown),
                ("subnets", Value::Unknown),
                ("name", Value::Unknown),
            ]),
        )
        .unwrap();
    }
}
