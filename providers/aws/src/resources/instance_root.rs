//! An `aws_instance`'s `root_block_device`: the mapping `RunInstances` is given (on the
//! AMI's root device), the root volume read back with `DescribeVolumes`, and in-place
//! changes: size, type, IOPS and throughput with `ModifyVolume`, deletion on termination
//! with `ModifyInstanceAttribute`, the volume's tags with `CreateTags`/`DeleteTags`.
//!
//! The block is reported only when it is configured: AWS always has a root volume, and
//! reporting it for a configuration without the block would plan replacing the instance.

use std::time::Duration;

use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, EbsInstanceBlockDeviceSpecification, Instance,
    InstanceBlockDeviceMappingSpecification, ResourceType, TagSpecification, VolumeType,
};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::{ec2_tags, Ctx};
use crate::errors::{invalid, sdk};
use crate::values::{block, flag, int, opt_string, text};
use crate::wait::{self, Status};

/// The settings `ModifyVolume` changes in place.
const MODIFIABLE: &[&str] = &["volume_size", "volume_type", "iops", "throughput"];

/// The mapping for the configured block on the root device of `ami`, if a block is
/// configured; Terraform's default of deleting the volume with the instance applies.
pub async fn mapping(
    cx: &Ctx<'_>,
    ami: &str,
    planned: &Value,
) -> Result<Option<BlockDeviceMapping>, ProviderError> {
    let Some(b) = block(planned, "root_block_device") else {
        return Ok(None);
    };
    let images = cx
        .clients
        .ec2
        .describe_images()
        .image_ids(ami)
        .send()
        .await
        .map_err(|e| sdk("DescribeImages", e))?;
    let device = images
        .images()
        .first()
        .and_then(|i| i.root_device_name())
        .ok_or_else(|| {
            invalid(format!(
                "aws_instance: AMI {ami} was not found (DescribeImages) or has no root device, so root_block_device cannot be applied; check ami"
            ))
        })?;
    let ebs = EbsBlockDevice::builder()
        .set_volume_size(int(b, "volume_size"))
        .set_volume_type(text(b, "volume_type").map(VolumeType::from))
        .set_iops(int(b, "iops"))
        .set_throughput(int(b, "throughput"))
        .set_encrypted(flag(b, "encrypted"))
        .set_kms_key_id(text(b, "kms_key_id").map(str::to_string))
        .delete_on_termination(flag(b, "delete_on_termination").unwrap_or(true))
        .build();
    Ok(Some(
        BlockDeviceMapping::builder()
            .device_name(device)
            .ebs(ebs)
            .build(),
    ))
}

/// The tag specification of the root volume, when the block sets tags.
pub fn volume_tags(planned: &Value) -> Option<TagSpecification> {
    ec2_tags::specification(ResourceType::Volume, block(planned, "root_block_device")?)
}

/// The block as AWS reports it, when `state` configures one; `Null` (keep what state has)
/// otherwise. `delete_on_termination` and `tags` are reported only when state sets them.
pub async fn read(
    cx: &Ctx<'_>,
    instance: &Instance,
    state: &Value,
) -> Result<Value, ProviderError> {
    let Some(base) = block(state, "root_block_device") else {
        return Ok(Value::Null);
    };
    let root = instance.root_device_name().unwrap_or_default();
    let Some(m) = instance
        .block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some(root))
    else {
        return Ok(Value::List(Vec::new()));
    };
    let Some(volume_id) = m.ebs().and_then(|e| e.volume_id()) else {
        return Ok(Value::List(Vec::new()));
    };
    let out = cx
        .clients
        .ec2
        .describe_volumes()
        .volume_ids(volume_id)
        .send()
        .await
        .map_err(|e| sdk("DescribeVolumes", e))?;
    let Some(v) = out.volumes().first() else {
        return Ok(Value::List(Vec::new()));
    };
    let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
    let configured = |name: &str, observed: Value| {
        if attr(base, name).is_null() {
            Value::Null
        } else {
            observed
        }
    };
    Ok(Value::List(vec![Value::object([
        ("volume_size", number(v.size())),
        (
            "volume_type",
            opt_string(v.volume_type().map(|t| t.as_str())),
        ),
        ("iops", number(v.iops())),
        ("throughput", number(v.throughput())),
        ("encrypted", v.encrypted().map_or(Value::Null, Value::Bool)),
        ("kms_key_id", opt_string(v.kms_key_id())),
        (
            "delete_on_termination",
            configured(
                "delete_on_termination",
                m.ebs()
                    .and_then(|e| e.delete_on_termination())
                    .map_or(Value::Null, Value::Bool),
            ),
        ),
        ("tags", configured("tags", ec2_tags::read(v.tags()))),
        ("device_name", Value::string(root)),
        ("volume_id", Value::string(volume_id)),
    ])]))
}

/// Brings the root volume from `prior`'s block to `planned`'s (adding or removing the
/// block replaces the instance, so both have one or neither has).
pub async fn update(
    cx: &Ctx<'_>,
    instance_id: &str,
    prior: &Value,
    planned: &Value,
    timeout: Duration,
) -> Result<(), ProviderError> {
    let (Some(old), Some(new)) = (
        block(prior, "root_block_device"),
        block(planned, "root_block_device"),
    ) else {
        return Ok(());
    };
    let Some(volume_id) = text(old, "volume_id") else {
        return Err(invalid(format!(
            "aws_instance {instance_id}: the root volume's id is not in state; run a refresh, then apply again"
        )));
    };
    let ec2 = &cx.clients.ec2;
    let changed = |name: &str| {
        let want = attr(new, name);
        !want.is_null() && !want.is_unknown() && !want.semantic_eq(attr(old, name))
    };
    if MODIFIABLE.iter().any(|n| changed(n)) {
        let pick_int = |name: &str| changed(name).then(|| int(new, name)).flatten();
        ec2.modify_volume()
            .volume_id(volume_id)
            .set_size(pick_int("volume_size"))
            .set_volume_type(
                changed("volume_type")
                    .then(|| text(new, "volume_type").map(VolumeType::from))
                    .flatten(),
            )
            .set_iops(pick_int("iops"))
            .set_throughput(pick_int("throughput"))
            .send()
            .await
            .map_err(|e| sdk("ModifyVolume", e))?;
        wait_modified(cx, instance_id, volume_id, timeout).await?;
    }
    if changed("delete_on_termination") {
        let device = text(old, "device_name").ok_or_else(|| {
            invalid(format!(
                "aws_instance {instance_id}: the root device's name is not in state; run a refresh, then apply again"
            ))
        })?;
        ec2.modify_instance_attribute()
            .instance_id(instance_id)
            .block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(device)
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .set_delete_on_termination(flag(new, "delete_on_termination"))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sdk("ModifyInstanceAttribute", e))?;
    }
    ec2_tags::update(ec2, volume_id, old, new).await
}

/// Waits until the volume's latest modification is `optimizing` or `completed` (the new
/// size is usable then; optimizing goes on in the background, as Terraform waits).
async fn wait_modified(
    cx: &Ctx<'_>,
    instance_id: &str,
    volume_id: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    let what = format!("aws_instance {instance_id}: root volume {volume_id} modification");
    wait::until(&what, timeout, || async {
        let out = cx
            .clients
            .ec2
            .describe_volumes_modifications()
            .volume_ids(volume_id)
            .send()
            .await
            .map_err(|e| sdk("DescribeVolumesModifications", e))?;
        let latest = out.volumes_modifications().last();
        Ok(
            match latest
                .and_then(|m| m.modification_state())
                .map(|s| s.as_str())
            {
                // No state reported: nothing is going on.
                None | Some("optimizing" | "completed") => Status::Done(()),
                Some("failed") => Status::Failed(
                    latest
                        .and_then(|m| m.status_message())
                        .unwrap_or("ModifyVolume failed")
                        .to_string(),
                ),
                Some(other) => Status::Pending(other.to_string()),
            },
        )
    })
    .await
}
