//! `aws_lb_target_group_attachment` on Elastic Load Balancing: `RegisterTargets` for one
//! target (an instance, an IP address, a Lambda function or a load balancer),
//! `DescribeTargetHealth` to see it is still registered, `DeregisterTargets`. Its id is
//! `tga-` and 17 hexadecimal digits derived from the registration, as the simulator's; an
//! import takes `TARGET_GROUP_ARN,TARGET_ID[,PORT[,AVAILABILITY_ZONE]]`.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
use engine::provider::ProviderError;
use engine::value::Value;

use super::lb_common::{attachment_id, check_port, found};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{int, text};

/// The `aws_lb_target_group_attachment` type.
pub struct TargetGroupAttachment;

/// Health reasons that say the target is not (or no longer) registered.
const NOT_REGISTERED: &[&str] = &["Target.NotRegistered", "Target.DeregistrationInProgress"];

/// The registration an object describes: group, target, port, zone.
struct Registration<'a> {
    group: &'a str,
    target: &'a str,
    port: Option<i32>,
    zone: Option<&'a str>,
}

impl<'a> Registration<'a> {
    fn of(obj: &'a Value) -> Option<Registration<'a>> {
        Some(Registration {
            group: text(obj, "target_group_arn")?,
            target: text(obj, "target_id")?,
            port: int(obj, "port"),
            zone: text(obj, "availability_zone"),
        })
    }

    fn description(&self) -> TargetDescription {
        TargetDescription::builder()
            .id(self.target)
            .set_port(self.port)
            .set_availability_zone(self.zone.map(str::to_string))
            .build()
    }

    fn id(&self) -> String {
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        attachment_id(
            "tga-",
            &[
                self.group,
                self.target,
                &port,
                self.zone.unwrap_or_default(),
            ],
        )
    }

    /// The object as state holds it.
    fn value(&self) -> Value {
        Value::object([
            ("id", Value::string(self.id())),
            ("target_group_arn", Value::string(self.group)),
            ("target_id", Value::string(self.target)),
            (
                "port",
                self.port
                    .map_or(Value::Null, |p| Value::Number(f64::from(p))),
            ),
            (
                "availability_zone",
                self.zone.map_or(Value::Null, Value::string),
            ),
        ])
    }
}

/// `Ok(None)` for a refusal that says the target is not there to deregister.
fn gone_target<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match found(r) {
        Err(ProviderError::Api { code, .. }) if code == "InvalidTarget" => Ok(None),
        other => other,
    }
}

#[async_trait]
impl Resource for TargetGroupAttachment {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let reg = Registration::of(planned).ok_or_else(|| {
            invalid("aws_lb_target_group_attachment: target_group_arn and target_id are required")
        })?;
        cx.clients
            .elbv2
            .register_targets()
            .target_group_arn(reg.group)
            .targets(reg.description())
            .send()
            .await
            .map_err(|e| sdk("RegisterTargets", e))?;
        Ok(reg.value())
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(reg) = Registration::of(state) else {
            return Ok(None);
        };
        let out = cx
            .clients
            .elbv2
            .describe_target_health()
            .target_group_arn(reg.group)
            .targets(reg.description())
            .send()
            .await
            .map_err(|e| sdk("DescribeTargetHealth", e));
        let Some(out) = gone_target(out)? else {
            return Ok(None);
        };
        let registered = out.target_health_descriptions().iter().any(|d| {
            let same = d.target().and_then(|t| t.id()) == Some(reg.target)
                && (reg.port.is_none() || d.target().and_then(|t| t.port()) == reg.port);
            let reason = d
                .target_health()
                .and_then(|h| h.reason())
                .map(|r| r.as_str());
            same && !reason.is_some_and(|r| NOT_REGISTERED.contains(&r))
        });
        Ok(registered.then(|| reg.value()))
    }

    async fn update(
        &self,
        _cx: &Ctx<'_>,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Every attribute is force-new: a change is a replacement, never an update.
        Registration::of(planned)
            .map(|r| r.value())
            .ok_or_else(|| invalid("aws_lb_target_group_attachment: nothing to update"))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(reg) = Registration::of(prior) else {
            return Ok(());
        };
        let r = cx
            .clients
            .elbv2
            .deregister_targets()
            .target_group_arn(reg.group)
            .targets(reg.description())
            .send()
            .await
            .map_err(|e| sdk("DeregisterTargets", e));
        gone_target(r).map(|_| ())
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        check_port(planned, "port", "aws_lb_target_group_attachment")
    }

    fn import_stub(&self, id: &str) -> Value {
        let mut parts = id.split(',').map(str::trim);
        let mut field = || parts.next().filter(|s| !s.is_empty());
        let (group, target, port, zone) = (field(), field(), field(), field());
        Value::object([
            ("id", Value::string(id)),
            ("target_group_arn", group.map_or(Value::Null, Value::string)),
            ("target_id", target.map_or(Value::Null, Value::string)),
            (
                "port",
                port.and_then(|p| p.parse::<f64>().ok())
                    .map_or(Value::Null, Value::Number),
            ),
            ("availability_zone", zone.map_or(Value::Null, Value::string)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_name_the_group_target_port_and_zone() {
        let stub = TargetGroupAttachment.import_stub("arn:tg,i-1,8080,all");
        let reg = Registration::of(&stub).unwrap();
        assert_eq!((reg.group, reg.target), ("arn:tg", "i-1"));
        assert_eq!(reg.port, Some(8080));
        assert_eq!(reg.zone, Some("all"));
        // The id read back is the registration's, whichever way the object was found.
        let created = Registration::of(&reg.value()).unwrap().id();
        assert_eq!(created, reg.id());
        assert!(created.starts_with("tga-"), "{created}");
        let bare = TargetGroupAttachment.import_stub("arn:tg,i-1");
        let reg = Registration::of(&bare).unwrap();
        assert_eq!((reg.port, reg.zone), (None, None));
        assert!(Registration::of(&TargetGroupAttachment.import_stub("tga-1")).is_none());
    }
}
