//! `aws_instance` on EC2: `RunInstances` (once: see `instance_launch`) and a wait until
//! `running`; a new instance type by stopping, `ModifyInstanceAttribute` and starting
//! again; security groups with `ModifyInstanceAttribute`; tags; the root volume (see
//! `instance_root`); `TerminateInstances` and a wait until `terminated`. A terminated
//! instance reads as gone.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeValue, Instance, InstanceNetworkInterfaceSpecification, InstanceType, Placement,
    ResourceType,
};
use base64::Engine as _;
use engine::provider::ProviderError;
use engine::value::Value;

use super::instance_launch::{self, is_gone};
use super::{ec2_tags, instance_root, Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, opt_string, strings, text, with_tags};
use crate::wait::{self, Status};

/// The `aws_instance` type.
pub struct Ec2Instance;

/// Terraform's defaults for `aws_instance`: 10 minutes to create or update, 20 to delete.
const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// The instance `id` as `DescribeInstances` reports it; `None` when AWS does not know it.
async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<(Instance, String)>, ProviderError> {
    let out = cx
        .clients
        .ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeInstances", e));
    let out = match out {
        Ok(out) => out,
        Err(ProviderError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(out.reservations().iter().find_map(|r| {
        let i = r.instances().first()?;
        Some((i.clone(), r.owner_id().unwrap_or_default().to_string()))
    }))
}

/// Waits until the instance is in state `want` (`running`, `stopped`, `terminated`).
async fn wait_for(
    cx: &Ctx<'_>,
    id: &str,
    want: &'static str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    let what = format!("aws_instance {id}: waiting for {want}");
    wait::until(&what, timeout, || async {
        let Some((i, _)) = describe(cx, id).await? else {
            return Ok(if want == "terminated" {
                Status::Done(())
            } else {
                Status::Failed("the instance is gone".to_string())
            });
        };
        let state = i
            .state()
            .and_then(|s| s.name())
            .map_or("unknown", |n| n.as_str());
        Ok(if state == want {
            Status::Done(())
        } else if is_gone(&i) && want != "terminated" {
            let reason = i
                .state_reason()
                .and_then(|r| r.message())
                .or(i.state_transition_reason())
                .unwrap_or("no reason given");
            Status::Failed(format!("the instance is {state}: {reason}"))
        } else {
            Status::Pending(state.to_string())
        })
    })
    .await
}

/// One `RunInstances` with `token`; the instance id, or `None` when the token belongs to an
/// instance that has terminated (the next generation's token is to be used).
async fn run(cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Option<String>, ProviderError> {
    let ami = text(planned, "ami").ok_or_else(|| invalid("ami is required"))?;
    let instance_type =
        text(planned, "instance_type").ok_or_else(|| invalid("instance_type is required"))?;
    let owned = |name: &str| text(planned, name).map(str::to_string);
    let groups = strings(planned, "vpc_security_group_ids");
    let groups = (!groups.is_empty()).then_some(groups);
    let call = cx
        .clients
        .ec2
        .run_instances()
        .image_id(ami)
        .instance_type(InstanceType::from(instance_type))
        .min_count(1)
        .max_count(1)
        .client_token(token)
        .set_key_name(owned("key_name").filter(|k| !k.is_empty()))
        .set_user_data(
            text(planned, "user_data").map(|u| base64::engine::general_purpose::STANDARD.encode(u)),
        )
        .set_placement(
            owned("availability_zone").map(|z| Placement::builder().availability_zone(z).build()),
        )
        .set_tag_specifications({
            let specs: Vec<_> = [
                ec2_tags::specification(ResourceType::Instance, planned),
                instance_root::volume_tags(planned),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!specs.is_empty()).then_some(specs)
        })
        .set_block_device_mappings(
            instance_root::mapping(cx, ami, planned)
                .await?
                .map(|m| vec![m]),
        );
    // In a subnet the primary network interface is described, deleted with the instance
    // whatever the account's defaults (as Terraform launches when it asks for a public
    // address); elsewhere (a default VPC) groups may be given by name.
    let subnet = owned("subnet_id");
    let public = flag(planned, "associate_public_ip_address");
    let call = if subnet.is_some() || public.is_some() {
        call.network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .delete_on_termination(true)
                .set_associate_public_ip_address(public)
                .set_subnet_id(subnet)
                .set_private_ip_address(owned("private_ip"))
                .set_groups(groups)
                .build(),
        )
    } else {
        let names = strings(planned, "security_groups");
        call.set_private_ip_address(owned("private_ip"))
            .set_security_group_ids(groups)
            .set_security_groups((!names.is_empty()).then_some(names))
    };
    match call.send().await.map_err(|e| sdk("RunInstances", e)) {
        Ok(out) => {
            let Some(i) = out.instances().first() else {
                return Err(invalid("RunInstances returned no instance"));
            };
            if is_gone(i) {
                return Ok(None);
            }
            i.instance_id()
                .map(|id| Some(id.to_string()))
                .ok_or_else(|| invalid("RunInstances returned no instance id"))
        }
        Err(ProviderError::Api { code, .. }) if code == "IdempotentInstanceTerminated" => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Resource for Ec2Instance {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let tokens = instance_launch::client_tokens(cx.address.unwrap_or_default(), planned);
        let adopted = match text(planned, "subnet_id") {
            Some(subnet) => instance_launch::room_in_subnet(cx, subnet, &tokens).await?,
            None => None,
        };
        let id = match adopted {
            Some(id) => id,
            None => {
                let mut launched = None;
                for token in &tokens {
                    launched = run(cx, planned, token).await?;
                    if launched.is_some() {
                        break;
                    }
                }
                launched.ok_or_else(|| {
                    invalid(format!(
                        "RunInstances: the instances launched with this object's {} client tokens have all terminated; change a launch setting (a tag will do) to launch a new one",
                        tokens.len()
                    ))
                })?
            }
        };
        wait_for(
            cx,
            &id,
            "running",
            for_op(planned, Op::Create, CREATE_TIMEOUT),
        )
        .await?;
        let mut stub = planned.clone();
        engine::provider::shape::set_attr(&mut stub, "id", Value::string(&id));
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("instance {id} vanished after RunInstances"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let Some((i, owner)) = describe(cx, id).await? else {
            return Ok(None);
        };
        if is_gone(&i) {
            return Ok(None);
        }
        let region = cx.clients.region();
        let primary = i
            .network_interfaces()
            .iter()
            .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0));
        // AWS reports an instance's groups on the instance; moto only on the interface it
        // was launched with.
        let mut group_ids: Vec<Value> = i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(Value::string))
            .collect();
        if group_ids.is_empty() {
            group_ids = primary
                .map(|n| n.groups())
                .unwrap_or_default()
                .iter()
                .filter_map(|g| g.group_id().map(Value::string))
                .collect();
        }
        let group_ids = Value::set(group_ids);
        // Groups given by name (a default VPC) read back by name; otherwise none.
        let group_names = if strings(state, "security_groups").is_empty() {
            Value::set(Vec::new())
        } else {
            Value::set(
                i.security_groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(Value::string))
                    .collect(),
            )
        };
        let or_empty = |s: Option<&str>| Value::string(s.unwrap_or_default());
        let observed = Value::object([
            ("id", Value::string(id)),
            ("ami", opt_string(i.image_id())),
            (
                "instance_type",
                opt_string(i.instance_type().map(|t| t.as_str())),
            ),
            ("subnet_id", opt_string(i.subnet_id())),
            ("private_ip", opt_string(i.private_ip_address())),
            ("vpc_security_group_ids", group_ids),
            ("security_groups", group_names),
            (
                "availability_zone",
                opt_string(i.placement().and_then(|p| p.availability_zone())),
            ),
            (
                "associate_public_ip_address",
                Value::Bool(i.public_ip_address().is_some_and(|a| !a.is_empty())),
            ),
            ("key_name", or_empty(i.key_name())),
            // AWS returns user data only through DescribeInstanceAttribute: state keeps it.
            ("user_data", Value::Null),
            (
                "arn",
                Value::string(format!("arn:aws:ec2:{region}:{owner}:instance/{id}")),
            ),
            (
                "instance_state",
                opt_string(i.state().and_then(|s| s.name()).map(|n| n.as_str())),
            ),
            ("private_dns", or_empty(i.private_dns_name())),
            ("public_ip", or_empty(i.public_ip_address())),
            ("public_dns", or_empty(i.public_dns_name())),
            (
                "primary_network_interface_id",
                opt_string(primary.and_then(|n| n.network_interface_id())),
            ),
            (
                "root_block_device",
                instance_root::read(cx, &i, state).await?,
            ),
        ]);
        Ok(Some(with_tags(observed, state, ec2_tags::read(i.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the instance's id is not in state"))?;
        let ec2 = &cx.clients.ec2;
        let timeout = for_op(planned, Op::Update, UPDATE_TIMEOUT);
        let groups = strings(planned, "vpc_security_group_ids");
        if !groups.is_empty() && groups != strings(prior, "vpc_security_group_ids") {
            ec2.modify_instance_attribute()
                .instance_id(id)
                .set_groups(Some(groups))
                .send()
                .await
                .map_err(|e| sdk("ModifyInstanceAttribute", e))?;
        }
        if let Some(t) =
            text(planned, "instance_type").filter(|t| Some(*t) != text(prior, "instance_type"))
        {
            resize(cx, id, t, timeout).await?;
        }
        ec2_tags::update(ec2, id, prior, planned).await?;
        instance_root::update(cx, id, prior, planned, timeout).await?;
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("instance {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        let terminated = cx
            .clients
            .ec2
            .terminate_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(|e| sdk("TerminateInstances", e));
        match terminated {
            Ok(_) => {}
            Err(ProviderError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e),
        }
        wait_for(
            cx,
            id,
            "terminated",
            for_op(prior, Op::Delete, DELETE_TIMEOUT),
        )
        .await
    }

    fn check(&self, _prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        if text(planned, "subnet_id").is_some() && !strings(planned, "security_groups").is_empty() {
            return Err(invalid(
                "aws_instance: security_groups names groups of a default VPC; an instance in a subnet takes group ids in vpc_security_group_ids",
            ));
        }
        if let Some(ami) = text(planned, "ami") {
            let hex = ami.strip_prefix("ami-").unwrap_or("");
            if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(format!(
                    "aws_instance: ami {ami:?} is not an AMI id (ami- and hexadecimal digits, as ami-0abcdef1234567890)"
                )));
            }
        }
        if let Some(t) = text(planned, "instance_type") {
            if !well_formed_type(t) {
                return Err(invalid(format!(
                    "aws_instance: instance_type {t:?} is not an instance type (family.size, as t3.micro or m5.large)"
                )));
            }
        }
        Ok(())
    }
}

/// `family.size`: a family starting with a lower-case letter (`m5`, `c7gn`, `u-6tb1`), a
/// size of letters, digits and hyphens (`large`, `2xlarge`, `metal-48xl`).
fn well_formed_type(t: &str) -> bool {
    t.split_once('.').is_some_and(|(family, size)| {
        family
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
            && family
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !size.is_empty()
            && size.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// A new instance type: AWS changes it only while the instance is stopped.
async fn resize(
    cx: &Ctx<'_>,
    id: &str,
    instance_type: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    let ec2 = &cx.clients.ec2;
    ec2.stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| sdk("StopInstances", e))?;
    wait_for(cx, id, "stopped", timeout).await?;
    ec2.modify_instance_attribute()
        .instance_id(id)
        .instance_type(AttributeValue::builder().value(instance_type).build())
        .send()
        .await
        .map_err(|e| sdk("ModifyInstanceAttribute", e))?;
    ec2.start_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| sdk("StartInstances", e))?;
    wait_for(cx, id, "running", timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_time_checks_refuse_malformed_amis_and_types_only() {
        let obj = |ami: &str, t: &str| {
            Value::object([
                ("ami", Value::string(ami)),
                ("instance_type", Value::string(t)),
            ])
        };
        let r = Ec2Instance;
        for (ami, t) in [
            ("ami-0abcdef1234567890", "t3.micro"),
            ("ami-1e749f67", "m7i-flex.2xlarge"),
            ("ami-12", "u-6tb1.metal"),
        ] {
            r.check(None, &obj(ami, t)).unwrap();
        }
        let e = r.check(None, &obj("ubuntu", "t3.micro")).unwrap_err();
        assert!(e.to_string().contains("\"ubuntu\" is not an AMI id"), "{e}");
        for t in ["t3", "T3.micro", "t3.", ".micro", "t3.mi cro"] {
            let e = r.check(None, &obj("ami-1", t)).unwrap_err();
            assert!(
                e.to_string().contains("is not an instance type"),
                "{t}: {e}"
            );
        }
        // Unknown values are not judged.
        let unknown = Value::object([("ami", Value::Unknown), ("instance_type", Value::Unknown)]);
        r.check(None, &unknown).unwrap();
    }
}
