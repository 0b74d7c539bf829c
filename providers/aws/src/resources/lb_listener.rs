//! `aws_lb_listener` on Elastic Load Balancing: `CreateListener` forwarding to target
//! groups (the protocol, when not configured, is the load balancer type's first: HTTP or
//! TCP); `ModifyListener` for the port, protocol and default actions; tags;
//! `DeleteListener`. Its id is its ARN.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, Listener, ProtocolEnum};
use engine::provider::shape::{attr, set_attr};
use engine::provider::ProviderError;
use engine::value::Value;

use super::lb_common::{check_port, create_tags, found, read_tags, update_tags};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{int, opt_string, text, with_tags};

/// The `aws_lb_listener` type.
pub struct LbListener;

/// Protocols a listener takes (which ones depends on the load balancer's type).
const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<Listener>, ProviderError> {
    let out = cx
        .clients
        .elbv2
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeListeners", e));
    Ok(found(out)?.and_then(|o| o.listeners().first().cloned()))
}

/// The protocol AWS is to be given: the configured one, else the load balancer type's
/// default (none for a gateway load balancer, which takes no protocol).
async fn protocol(cx: &Ctx<'_>, planned: &Value) -> Result<Option<String>, ProviderError> {
    if let Some(p) = text(planned, "protocol") {
        return Ok(Some(p.to_string()));
    }
    let lb_arn = text(planned, "load_balancer_arn")
        .ok_or_else(|| invalid("aws_lb_listener: load_balancer_arn is required"))?;
    let out = cx
        .clients
        .elbv2
        .describe_load_balancers()
        .load_balancer_arns(lb_arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeLoadBalancers", e))?;
    let lb_type = out
        .load_balancers()
        .first()
        .and_then(|lb| lb.r#type())
        .map_or("application", |t| t.as_str());
    Ok(match lb_type {
        "application" => Some("HTTP".to_string()),
        "network" => Some("TCP".to_string()),
        _ => None,
    })
}

/// The configured `default_action` blocks as AWS actions, in order.
fn actions(obj: &Value) -> Vec<Action> {
    let blocks = attr(obj, "default_action").as_seq().unwrap_or(&[]);
    let ordered = blocks.len() > 1;
    blocks
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Action::builder()
                .r#type(ActionTypeEnum::from(text(a, "type").unwrap_or("forward")))
                .set_target_group_arn(text(a, "target_group_arn").map(str::to_string))
                .set_order(ordered.then(|| i as i32 + 1))
                .build()
        })
        .collect()
}

/// The default actions AWS reports, in order, as `default_action` blocks.
fn reported_actions(l: &Listener) -> Value {
    let mut list: Vec<&Action> = l.default_actions().iter().collect();
    list.sort_by_key(|a| a.order().unwrap_or(0));
    Value::List(
        list.into_iter()
            .map(|a| {
                // A forward to one group names it at the top; weighted forwards only in
                // their configuration.
                let group = a.target_group_arn().or_else(|| {
                    a.forward_config()
                        .and_then(|f| f.target_groups().first())
                        .and_then(|g| g.target_group_arn())
                });
                Value::object([
                    ("type", opt_string(a.r#type().map(|t| t.as_str()))),
                    ("target_group_arn", opt_string(group)),
                ])
            })
            .collect(),
    )
}

#[async_trait]
impl Resource for LbListener {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let lb_arn = text(planned, "load_balancer_arn")
            .ok_or_else(|| invalid("aws_lb_listener: load_balancer_arn is required"))?;
        let out = cx
            .clients
            .elbv2
            .create_listener()
            .load_balancer_arn(lb_arn)
            .set_port(int(planned, "port"))
            .set_protocol(
                protocol(cx, planned)
                    .await?
                    .map(|p| ProtocolEnum::from(p.as_str())),
            )
            .set_default_actions(Some(actions(planned)))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateListener", e))?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| invalid("CreateListener returned no listener ARN"))?
            .to_string();
        let mut stub = planned.clone();
        set_attr(&mut stub, "id", Value::string(&arn));
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("listener {arn} vanished after CreateListener"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(arn) = text(state, "id") else {
            return Ok(None);
        };
        let Some(l) = describe(cx, arn).await? else {
            return Ok(None);
        };
        let observed = Value::object([
            ("id", Value::string(arn)),
            ("arn", Value::string(arn)),
            ("load_balancer_arn", opt_string(l.load_balancer_arn())),
            (
                "port",
                l.port()
                    .map_or(Value::Null, |p| Value::Number(f64::from(p))),
            ),
            ("protocol", opt_string(l.protocol().map(|p| p.as_str()))),
            ("default_action", reported_actions(&l)),
        ]);
        Ok(Some(with_tags(observed, state, read_tags(cx, arn).await?)))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let arn = text(prior, "id").ok_or_else(|| invalid("the listener's ARN is not in state"))?;
        let changed = ["port", "protocol", "default_action"]
            .iter()
            .any(|k| !attr(prior, k).semantic_eq(attr(planned, k)));
        if changed {
            // The whole listener is sent, as Terraform does: AWS keeps what is omitted,
            // and emulators want the default actions every time.
            cx.clients
                .elbv2
                .modify_listener()
                .listener_arn(arn)
                .set_port(int(planned, "port"))
                .set_protocol(text(planned, "protocol").map(ProtocolEnum::from))
                .set_default_actions(Some(actions(planned)))
                .send()
                .await
                .map_err(|e| sdk("ModifyListener", e))?;
        }
        update_tags(cx, arn, prior, planned).await?;
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("listener {arn}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(arn) = text(prior, "id") else {
            return Ok(());
        };
        let r = cx
            .clients
            .elbv2
            .delete_listener()
            .listener_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DeleteListener", e));
        found(r).map(|_| ())
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        const WHAT: &str = "aws_lb_listener";
        check_port(planned, "port", WHAT)?;
        if let Some(p) = text(planned, "protocol") {
            if !PROTOCOLS.contains(&p) {
                return Err(invalid(format!(
                    "{WHAT}: protocol {p:?} must be one of {}",
                    PROTOCOLS.join(", ")
                )));
            }
            if p == "HTTPS" || p == "TLS" {
                return Err(invalid(format!(
                    "{WHAT}: a {p} listener needs a certificate, and galley's aws_lb_listener has no certificate_arn yet: listen with HTTP or TCP on AWS (--sim rehearses {p})"
                )));
            }
        }
        for a in attr(planned, "default_action").as_seq().unwrap_or(&[]) {
            match text(a, "type") {
                Some("forward") if attr(a, "target_group_arn").is_null() => {
                    return Err(invalid(format!(
                        "{WHAT}: a forward default_action needs target_group_arn"
                    )));
                }
                Some(t) if t != "forward" => {
                    return Err(invalid(format!(
                        "{WHAT}: default_action type {t:?} needs settings galley's aws_lb_listener does not carry yet; on AWS a default_action forwards to a target group (type = \"forward\")"
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(protocol: Value, action: Value) -> Value {
        Value::object([
            ("load_balancer_arn", Value::string("arn:lb")),
            ("port", Value::Number(80.0)),
            ("protocol", protocol),
            ("default_action", Value::List(vec![action])),
        ])
    }

    fn forward(tg: Value) -> Value {
        Value::object([("type", Value::string("forward")), ("target_group_arn", tg)])
    }

    #[test]
    fn plan_time_checks_take_forwards_over_plain_protocols() {
        let r = LbListener;
        r.check(
            None,
            &listener(Value::string("HTTP"), forward(Value::string("arn:tg"))),
        )
        .unwrap();
        r.check(None, &listener(Value::Unknown, forward(Value::Unknown)))
            .unwrap();
        for (obj, want) in [
            (
                listener(Value::string("HTTPS"), forward(Value::string("arn:tg"))),
                "needs a certificate",
            ),
            (
                listener(Value::string("SMTP"), forward(Value::string("arn:tg"))),
                "must be one of",
            ),
            (
                listener(Value::string("HTTP"), forward(Value::Null)),
                "needs target_group_arn",
            ),
            (
                listener(
                    Value::string("HTTP"),
                    Value::object([("type", Value::string("redirect"))]),
                ),
                "type \"redirect\"",
            ),
        ] {
            let e = r.check(None, &obj).unwrap_err();
            assert!(e.to_string().contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn several_actions_are_ordered_and_one_is_not() {
        let one = listener(Value::string("HTTP"), forward(Value::string("arn:tg")));
        let a = actions(&one);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].order(), None);
        assert_eq!(a[0].target_group_arn(), Some("arn:tg"));
        let mut two = one.clone();
        set_attr(
            &mut two,
            "default_action",
            Value::List(vec![
                forward(Value::string("arn:a")),
                forward(Value::string("arn:b")),
            ]),
        );
        let orders: Vec<_> = actions(&two).iter().map(|a| a.order()).collect();
        assert_eq!(orders, [Some(1), Some(2)]);
    }
}
