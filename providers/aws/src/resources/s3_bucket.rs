//! `aws_s3_bucket`: a bucket with its tags. Created with `CreateBucket` (a location
//! constraint outside us-east-1), read with `HeadBucket`, `GetBucketLocation` and
//! `GetBucketTagging`, tagged with `PutBucketTagging`/`DeleteBucketTagging`; deleted with
//! `DeleteBucket`, after every object version and delete marker when `force_destroy`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging,
};
use engine::provider::ProviderError;
use engine::value::Value;

use super::rds_common::{found, generated_name};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{flag, tag_pairs, tags, text, with_tags};
use crate::wait::{until, Status};

/// The `aws_s3_bucket` type.
pub struct Bucket;

/// How long a new bucket may take to be visible (S3 is eventually consistent about it).
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(2 * 60);

/// DeleteObjects takes at most this many keys per call.
const DELETE_BATCH: usize = 1000;

/// The region `GetBucketLocation` means: none (or empty) is us-east-1, `EU` is eu-west-1.
pub fn location_region(constraint: Option<&str>) -> &str {
    match constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(r) => r,
    }
}

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The Route 53 hosted zone of S3 website endpoints in `region` (empty where unknown), as
/// the Terraform provider and the AWS CDK list them.
pub fn hosted_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "ap-east-1" => "ZNB98KWMFR0R6",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-northeast-3" => "Z2YQB5RD63NC85",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ca-central-1" => "Z1QDHH18159H29",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "me-south-1" => "Z1MPMWCPA7YB62",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "us-gov-west-1" => "Z31GFT0UA1I2HV",
        _ => "",
    }
}

/// Whether the bucket exists and this account can reach it.
async fn exists(cx: &Ctx<'_>, name: &str) -> Result<bool, ProviderError> {
    let head = cx
        .clients
        .s3
        .head_bucket()
        .bucket(name)
        .send()
        .await
        .map_err(|e| sdk("HeadBucket", e));
    Ok(found(head)?.is_some())
}

fn s3_tag(k: &str, v: &str) -> Result<Tag, ProviderError> {
    Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| invalid(format!("tag {k:?}: {e}")))
}

/// Sets the bucket's tags to `planned`'s (S3 replaces the whole set; none deletes it).
async fn put_tags(cx: &Ctx<'_>, name: &str, planned: &Value) -> Result<(), ProviderError> {
    let pairs = tag_pairs(planned);
    let s3 = &cx.clients.s3;
    if pairs.is_empty() {
        s3.delete_bucket_tagging()
            .bucket(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteBucketTagging", e))?;
        return Ok(());
    }
    let set = pairs
        .iter()
        .map(|(k, v)| s3_tag(k, v))
        .collect::<Result<Vec<_>, _>>()?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| invalid(format!("tags: {e}")))?;
    s3.put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| sdk("PutBucketTagging", e))?;
    Ok(())
}

/// Deletes every object version and delete marker in the bucket.
async fn empty(cx: &Ctx<'_>, name: &str) -> Result<usize, ProviderError> {
    let s3 = &cx.clients.s3;
    let mut deleted = 0;
    loop {
        // Each round lists from the start: what the last round deleted is gone.
        let page = s3
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .map_err(|e| sdk("ListObjectVersions", e))?;
        let ids = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .key(k?)
                    .set_version_id(v.map(str::to_string))
                    .build()
                    .ok()
            })
            .collect::<Vec<_>>();
        if ids.is_empty() {
            return Ok(deleted);
        }
        for batch in ids.chunks(DELETE_BATCH) {
            let delete = Delete::builder()
                .set_objects(Some(batch.to_vec()))
                .quiet(true)
                .build()
                .map_err(|e| invalid(format!("DeleteObjects: {e}")))?;
            let out = s3
                .delete_objects()
                .bucket(name)
                .delete(delete)
                .send()
                .await
                .map_err(|e| sdk("DeleteObjects", e))?;
            if let Some(err) = out.errors().first() {
                return Err(ProviderError::Api {
                    code: err.code().unwrap_or("DeleteObjectsFailed").to_string(),
                    message: format!(
                        "aws_s3_bucket {name}: force_destroy could not delete {} ({} objects refused, first {:?}: {})",
                        err.key().unwrap_or("an object"),
                        out.errors().len(),
                        err.key().unwrap_or(""),
                        err.message().unwrap_or("no reason given")
                    ),
                });
            }
            deleted += batch.len();
        }
    }
}

#[async_trait]
impl Resource for Bucket {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "bucket").map_or_else(generated_name, str::to_string);
        // In us-east-1 S3 answers a create of a bucket this account owns with success:
        // adopting it silently would hand its contents to this configuration.
        if matches!(exists(cx, &name).await, Ok(true)) {
            return Err(ProviderError::Api {
                code: "BucketAlreadyOwnedByYou".to_string(),
                message: format!(
                    "aws_s3_bucket: bucket {name} already exists in this account; import it (galley import aws_s3_bucket.<name> {name}) or choose another name"
                ),
            });
        }
        let region = cx.clients.region();
        let config = (region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build()
        });
        cx.clients
            .s3
            .create_bucket()
            .bucket(&name)
            .set_create_bucket_configuration(config)
            .send()
            .await
            .map_err(|e| sdk("CreateBucket", e))?;
        let bucket = name.as_str();
        until(
            &format!("aws_s3_bucket {name}: create"),
            VISIBLE_TIMEOUT,
            || async move {
                Ok(if exists(cx, bucket).await? {
                    Status::Done(())
                } else {
                    Status::Pending("not yet visible".to_string())
                })
            },
        )
        .await?;
        if !tag_pairs(planned).is_empty() {
            put_tags(cx, &name, planned).await?;
        }
        let mut stub = planned.clone();
        engine::provider::shape::set_attr(&mut stub, "id", Value::string(&name));
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("bucket {name} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(name) = text(state, "id") else {
            return Ok(None);
        };
        if !exists(cx, name).await? {
            return Ok(None);
        }
        let s3 = &cx.clients.s3;
        let location = s3
            .get_bucket_location()
            .bucket(name)
            .send()
            .await
            .map_err(|e| sdk("GetBucketLocation", e))?;
        let region = location_region(location.location_constraint().map(|c| c.as_str()));
        let tagging = s3
            .get_bucket_tagging()
            .bucket(name)
            .send()
            .await
            .map_err(|e| sdk("GetBucketTagging", e));
        // No tag set at all is `NoSuchTagSet`, which reads as not found.
        let aws_tags = match found(tagging)? {
            Some(t) => tags(t.tag_set().iter().map(|t| (t.key(), t.value()))),
            None => tags([]),
        };
        let observed = Value::object([
            ("id", Value::string(name)),
            ("bucket", Value::string(name)),
            (
                "arn",
                Value::string(format!("arn:{}:s3:::{name}", partition(region))),
            ),
            ("region", Value::string(region)),
            (
                "bucket_domain_name",
                Value::string(format!("{name}.s3.amazonaws.com")),
            ),
            (
                "bucket_regional_domain_name",
                Value::string(format!("{name}.s3.{region}.amazonaws.com")),
            ),
            ("hosted_zone_id", Value::string(hosted_zone(region))),
            // Only the configuration knows it; leaving it out means `false`.
            (
                "force_destroy",
                Value::Bool(flag(state, "force_destroy").unwrap_or(false)),
            ),
        ]);
        Ok(Some(with_tags(observed, state, aws_tags)))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = text(prior, "id").ok_or_else(|| invalid("the bucket's name is not in state"))?;
        if tag_pairs(prior) != tag_pairs(planned) {
            put_tags(cx, name, planned).await?;
        }
        // `force_destroy` is galley's own: nothing to call.
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("bucket {name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = text(prior, "id") else {
            return Ok(());
        };
        if flag(prior, "force_destroy") == Some(true) {
            let n = empty(cx, name).await?;
            tracing::debug!("aws_s3_bucket {name}: force_destroy deleted {n} object versions");
        }
        match cx
            .clients
            .s3
            .delete_bucket()
            .bucket(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteBucket", e))
        {
            Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
            Err(ProviderError::Api { code, .. }) if code == "BucketNotEmpty" => {
                Err(ProviderError::Api {
                    code,
                    message: format!(
                        "aws_s3_bucket {name}: DeleteBucket refused: the bucket still holds objects. Empty it first, or set force_destroy = true and apply before destroying to have galley delete every object version with it"
                    ),
                })
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_locations_name_their_region() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("eu-central-1")), "eu-central-1");
    }

    #[test]
    fn arns_and_website_zones_follow_the_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(hosted_zone("us-east-1"), "Z3AQBSTGFYJSTF");
        assert_eq!(hosted_zone("eu-west-2"), "Z3GKZC51ZF0DB4");
        assert_eq!(hosted_zone("xx-nowhere-1"), "");
    }
}
