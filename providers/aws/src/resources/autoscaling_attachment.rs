//! `aws_autoscaling_attachment` on Auto Scaling: `AttachLoadBalancerTargetGroups` (the
//! group's instances are then registered in the target group, now and as it scales) and
//! a wait until the attachment is `Added`; `DescribeLoadBalancerTargetGroups` to read it;
//! `DetachLoadBalancerTargetGroups` and a wait until it is gone. Its id is `asga-` and 17
//! hexadecimal digits derived from the group and target group, as the simulator's.

use std::time::Duration;

use async_trait::async_trait;
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::lb_common::attachment_id;
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::text;
use crate::wait::{self, Status};

/// The `aws_autoscaling_attachment` type.
pub struct AutoscalingAttachment;

/// How long attaching or detaching may take: Auto Scaling registers or deregisters every
/// instance of the group (deregistration waits for connections to drain).
const TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// States of an attachment on its way out.
const LEAVING: &[&str] = &["Removing", "Removed"];

/// The attachment an object describes: Auto Scaling group, target group.
struct Attachment<'a> {
    group: &'a str,
    target_group: &'a str,
}

impl<'a> Attachment<'a> {
    fn of(obj: &'a Value) -> Option<Attachment<'a>> {
        Some(Attachment {
            group: text(obj, "autoscaling_group_name")?,
            target_group: text(obj, "lb_target_group_arn")?,
        })
    }

    fn value(&self) -> Value {
        Value::object([
            (
                "id",
                Value::string(attachment_id("asga-", &[self.group, self.target_group])),
            ),
            ("autoscaling_group_name", Value::string(self.group)),
            ("lb_target_group_arn", Value::string(self.target_group)),
        ])
    }

    fn what(&self) -> String {
        format!(
            "aws_autoscaling_attachment of {} to {}",
            self.group, self.target_group
        )
    }
}

/// Whether the Auto Scaling group exists (asking for one that does not is a
/// `ValidationError` in some calls, not a "not found").
async fn group_exists(cx: &Ctx<'_>, group: &str) -> Result<bool, ProviderError> {
    let out = cx
        .clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(group)
        .send()
        .await
        .map_err(|e| sdk("DescribeAutoScalingGroups", e))?;
    Ok(out
        .auto_scaling_groups()
        .iter()
        .any(|g| g.auto_scaling_group_name() == Some(group)))
}

/// The attachment's state (`Adding`, `Added`, `InService`, `Removing`, `Removed`), `None`
/// when the target group is not attached to the group.
async fn state(cx: &Ctx<'_>, a: &Attachment<'_>) -> Result<Option<String>, ProviderError> {
    let mut token = None;
    loop {
        let out = cx
            .clients
            .autoscaling
            .describe_load_balancer_target_groups()
            .auto_scaling_group_name(a.group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk("DescribeLoadBalancerTargetGroups", e))?;
        if let Some(s) = out
            .load_balancer_target_groups()
            .iter()
            .find(|s| s.load_balancer_target_group_arn() == Some(a.target_group))
        {
            return Ok(Some(s.state().unwrap_or("Added").to_string()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

#[async_trait]
impl Resource for AutoscalingAttachment {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let a = Attachment::of(planned).ok_or_else(|| {
            invalid("aws_autoscaling_attachment: autoscaling_group_name and lb_target_group_arn are required")
        })?;
        if !group_exists(cx, a.group).await? {
            return Err(ProviderError::NotFound(format!(
                "{}: no Auto Scaling group {} in {}",
                a.what(),
                a.group,
                cx.clients.region()
            )));
        }
        cx.clients
            .autoscaling
            .attach_load_balancer_target_groups()
            .auto_scaling_group_name(a.group)
            .target_group_arns(a.target_group)
            .send()
            .await
            .map_err(|e| sdk("AttachLoadBalancerTargetGroups", e))?;
        let what = format!("{}: waiting for Added", a.what());
        wait::until(&what, TIMEOUT, || async {
            Ok(match state(cx, &a).await?.as_deref() {
                Some("Added" | "InService") => Status::Done(()),
                Some(s) if LEAVING.contains(&s) => Status::Failed(format!("the attachment is {s}")),
                Some(s) => Status::Pending(s.to_string()),
                None => Status::Pending("not listed yet".to_string()),
            })
        })
        .await?;
        Ok(a.value())
    }

    async fn read(&self, cx: &Ctx<'_>, obj: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(a) = Attachment::of(obj) else {
            return Ok(None);
        };
        if !group_exists(cx, a.group).await? {
            return Ok(None);
        }
        Ok(match state(cx, &a).await? {
            Some(s) if !LEAVING.contains(&s.as_str()) => Some(a.value()),
            _ => None,
        })
    }

    async fn update(
        &self,
        _cx: &Ctx<'_>,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Every attribute is force-new: a change is a replacement, never an update.
        Attachment::of(planned)
            .map(|a| a.value())
            .ok_or_else(|| invalid("aws_autoscaling_attachment: nothing to update"))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(a) = Attachment::of(prior) else {
            return Ok(());
        };
        if !group_exists(cx, a.group).await? || state(cx, &a).await?.is_none() {
            return Ok(());
        }
        cx.clients
            .autoscaling
            .detach_load_balancer_target_groups()
            .auto_scaling_group_name(a.group)
            .target_group_arns(a.target_group)
            .send()
            .await
            .map_err(|e| sdk("DetachLoadBalancerTargetGroups", e))?;
        let what = format!("{}: waiting for it to be detached", a.what());
        wait::until(&what, TIMEOUT, || async {
            Ok(match state(cx, &a).await?.as_deref() {
                None | Some("Removed") => Status::Done(()),
                Some(s) => Status::Pending(s.to_string()),
            })
        })
        .await
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        if attr(planned, "lb_target_group_arn").is_null() {
            return Err(invalid(
                "aws_autoscaling_attachment: lb_target_group_arn is required (galley attaches target groups, not Classic Load Balancers)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_group_is_required_and_the_id_is_stable() {
        let r = AutoscalingAttachment;
        let e = r
            .check(
                None,
                &Value::object([("autoscaling_group_name", Value::string("web"))]),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("lb_target_group_arn is required"),
            "{e}"
        );
        let obj = Value::object([
            ("autoscaling_group_name", Value::string("web")),
            ("lb_target_group_arn", Value::Unknown),
        ]);
        r.check(None, &obj).unwrap();
        let obj = Value::object([
            ("autoscaling_group_name", Value::string("web")),
            ("lb_target_group_arn", Value::string("arn:tg")),
        ]);
        let a = Attachment::of(&obj).unwrap();
        let id = a.value();
        assert_eq!(id, Attachment::of(&obj).unwrap().value());
        assert!(
            text(&id, "id").is_some_and(|i| i.starts_with("asga-")),
            "{id:?}"
        );
    }
}
